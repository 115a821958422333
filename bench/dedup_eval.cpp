// How well StoryEngine recognises a rewrite, on labelled pairs of news items. Printed, never
// asserted (tests/dedup asserts the floor on our own pairs).
//
//   tributary_dedup_eval [--pairs] [--features] [--tsv] [--threshold T] [--set NAME=VALUE]… FILE.json [FILE.json…]
//   e.g. tributary_dedup_eval ../shared/dedup/ecbplus-dev.json tests/fixtures/dedup/ar-fr-pairs.json
//
// FILE: {"pairs": [{"id": …, "same": true|false, "lang": …, "a": {"title", "summary"},
// "b": {…}}, …]} (the format of the shared development set and of tests/fixtures/dedup/).
//
// Each pair is judged as the daemon would meet it: an engine holding every other item of the
// file as background (so document frequencies are those of a real window, not of two texts),
// item a added as a story, then item b, 40 minutes later, matched. Two figures:
//   pair:   b scored against a's story (when a is among b's candidates), compared with the
//           threshold: precision, recall and F1, and the same over a range of thresholds;
//   daemon: what match(b) answers. Answering a for a "same" pair is a hit; answering a for
//           another pair is a false merge; answering a third story is judged by events: the items
//           "same" pairs link (transitively) report one event, and ECB+ pair ids name each
//           document's event (its topic and half: "…-1_21ecbplus~1_7ecbplus"; ECB+ gives every
//           topic two events of one kind, its "ecb" and its "ecbplus" documents), so a third
//           story is b's own event, another event (a false merge), or unknown.
// --pairs prints every pair's decision and explanation; false merges are always listed.
// --features prints what extract_features found in each distinct item; --tsv prints each pair's
// explanation as a table (for a spreadsheet) instead of the report.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "dedup/story_engine.hpp"
#include "dedup/story_features.hpp"

namespace {

using namespace tributary;
using namespace tributary::dedup;
using namespace std::chrono_literals;

struct Pair {
    std::string id;
    bool same = false;
    std::string lang;
    std::size_t a = 0, b = 0;  // indexes into the file's distinct items
};

struct Outcome {
    const Pair* pair = nullptr;
    bool candidate = false;          // a was among b's candidates
    std::optional<MatchDecision> d;  // b scored against a
    std::optional<std::int64_t> daemon;
};

struct Counts {
    int tp = 0, fp = 0, fn = 0, tn = 0;
    double precision() const { return tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 1.0; }
    double recall() const { return tp + fn > 0 ? static_cast<double>(tp) / (tp + fn) : 0.0; }
    double f1() const {
        const double p = precision(), r = recall();
        return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    }
};

bool predicted_same(const Outcome& o, double threshold) {
    return o.candidate && o.d &&
           (!o.d->explanation.fast_path.empty() || (o.d->explanation.scored_match_allowed && o.d->score >= threshold));
}

Counts count(const std::vector<Outcome>& outcomes, double threshold) {
    Counts c;
    for (const Outcome& o : outcomes) {
        const bool said = predicted_same(o, threshold);
        if (o.pair->same)
            (said ? c.tp : c.fn)++;
        else
            (said ? c.fp : c.tn)++;
    }
    return c;
}

std::string one_line(const std::string& s, std::size_t max) {
    std::string out;
    for (const char c : s) out.push_back(c == '\n' ? ' ' : c);
    if (out.size() > max) {
        out.resize(max);
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
        if (!out.empty()) out.pop_back();
        out += "…";
    }
    return out;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : " ") + p;
    return out;
}

void print_features(const ParsedItem& item, const StoryFeatures& f) {
    std::printf("%s [%s]\n  title:", item.title.c_str(), f.language.c_str());
    for (const TermCount& t : f.title) std::printf(" %s", t.term.c_str());
    std::printf("\n  lead:");
    for (const TermCount& t : f.lead)
        std::printf(" %s%s", t.term.c_str(), t.count > 1 ? ("×" + std::to_string(t.count)).c_str() : "");
    std::printf("\n  entities:");
    static constexpr const char* kKinds[] = {"", "person:", "place:"};
    for (const Entity& e : f.entities) std::printf(" [%s%s]", kKinds[static_cast<int>(e.kind)], e.key.c_str());
    std::printf("\n  quantities:");
    for (const std::string& q : f.quantities) std::printf(" %s", q.c_str());
    std::printf("\n");
}

// --set NAME=VALUE: a MatchWeights field other than the one compiled in, to see what it changes.
bool set_weight(MatchWeights& w, const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) return false;
    const std::string name = assignment.substr(0, eq);
    const double v = std::strtod(assignment.c_str() + eq + 1, nullptr);
    const std::map<std::string, double*> fields{
        {"title", &w.title},
        {"lead", &w.lead},
        {"text", &w.text},
        {"entity_boost", &w.entity_boost},
        {"number_boost", &w.number_boost},
        {"number_idf_cap", &w.number_idf_cap},
        {"quantity_agrees", &w.quantity_agrees},
        {"conflict", &w.conflict},
        {"time", &w.time},
        {"threshold", &w.threshold},
        {"prior_stories", &w.prior_stories},
    };
    const auto it = fields.find(name);
    if (it == fields.end()) return false;
    *it->second = v;
    return true;
}

// Which items report one event, as far as the file says: "same" pairs join two items' events, and
// ECB+ document names ("<topic>_<n>ecb" or "<topic>_<n>ecbplus", in pair ids) name them.
class Events {
public:
    explicit Events(std::size_t items) : parent_(items) { std::iota(parent_.begin(), parent_.end(), 0); }
    void same(std::size_t a, std::size_t b) { parent_[root(a)] = root(b); }
    void named(std::size_t item, const std::string& event) {
        if (const auto [it, added] = first_named_.try_emplace(event, item); !added) same(item, it->second);
        name_[item] = event;
    }
    void different(std::size_t a, std::size_t b) { different_.emplace_back(a, b); }
    // 1: one event; -1: two events; 0: the file does not say.
    int relation(std::size_t a, std::size_t b) {
        if (root(a) == root(b)) return 1;
        const auto na = name_.find(a), nb = name_.find(b);
        if (na != name_.end() && nb != name_.end()) return -1;  // named, and not one event
        for (const auto& [x, y] : different_)
            if ((root(x) == root(a) && root(y) == root(b)) || (root(x) == root(b) && root(y) == root(a))) return -1;
        return 0;
    }

private:
    std::size_t root(std::size_t x) {
        while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
        return x;
    }
    std::vector<std::size_t> parent_;
    std::map<std::string, std::size_t> first_named_;
    std::map<std::size_t, std::string> name_;
    std::vector<std::pair<std::size_t, std::size_t>> different_;
};

int evaluate(const std::string& path, const MatchWeights& weights, std::optional<double> threshold_override,
             bool print_pairs, bool print_item_features, bool print_tsv) {
    std::ifstream in(path);
    if (!in) {
        std::cerr << "dedup_eval: cannot read " << path << "\n";
        return 2;
    }
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        std::cerr << "dedup_eval: " << path << ": " << e.what() << "\n";
        return 2;
    }

    // Distinct items (a text can be in several pairs), with their features computed once.
    std::vector<ParsedItem> items;
    std::map<std::pair<std::string, std::string>, std::size_t> index_of;
    const auto item_index = [&](const nlohmann::json& j, const std::string& lang) {
        const std::string title = j.value("title", ""), summary = j.value("summary", "");
        const auto [it, added] = index_of.try_emplace({title, summary}, items.size());
        if (added) {
            ParsedItem item;
            item.title = title;
            item.summary = summary;
            item.language = lang;
            items.push_back(std::move(item));
        }
        return it->second;
    };
    std::vector<Pair> pairs;
    for (const auto& p : doc.at("pairs")) {
        Pair pair;
        pair.id = p.value("id", "");
        pair.same = p.value("same", false);
        pair.lang = p.value("lang", "");
        pair.a = item_index(p.at("a"), pair.lang);
        pair.b = item_index(p.at("b"), pair.lang);
        pairs.push_back(std::move(pair));
    }
    Events events(items.size());
    static const std::regex kEcbDocuments{R"((\d+)_\d+(ecb|ecbplus)~(\d+)_\d+(ecb|ecbplus)$)"};
    for (const Pair& pair : pairs) {
        if (std::smatch m; std::regex_search(pair.id, m, kEcbDocuments)) {
            events.named(pair.a, m[1].str() + m[2].str());
            events.named(pair.b, m[3].str() + m[4].str());
        }
        if (pair.same)
            events.same(pair.a, pair.b);
        else
            events.different(pair.a, pair.b);
    }
    std::vector<StoryFeatures> features;
    for (const ParsedItem& item : items) features.push_back(extract_features(item));
    if (print_item_features)
        for (std::size_t i = 0; i < items.size(); ++i) print_features(items[i], features[i]);

    const SysTime t0{std::chrono::sys_days{std::chrono::year{2025} / 12 / 29}};
    const Seconds window = 48h;
    StoryEngine background(weights);
    // The background: every item an hour or more before the pair, a second apart.
    for (std::size_t i = 0; i < items.size(); ++i)
        background.add(static_cast<std::int64_t>(i), features[i], t0 - 1h - std::chrono::seconds(i));
    const double threshold = threshold_override.value_or(background.weights().threshold);

    std::vector<Outcome> outcomes;
    int daemon_hits = 0, daemon_false = 0, daemon_elsewhere = 0, daemon_new = 0, positives = 0;
    // A third story's event, for "same" and for other pairs: b's own, another, unknown.
    int third_own[2] = {0, 0}, third_other[2] = {0, 0}, third_unknown[2] = {0, 0};
    int alone_hits = 0, alone_false = 0;
    for (const Pair& pair : pairs) {
        // As a new user meets it: a store that holds nothing but a, then b from another site.
        StoryEngine alone(weights);
        alone.add(static_cast<std::int64_t>(pair.a), features[pair.a], t0);
        if (const auto m = alone.match(features[pair.b], t0 + 40min, window)) {
            (pair.same ? alone_hits : alone_false)++;
            if (!pair.same)
                std::printf("  FALSE MERGE (alone) %s\n      %s\n", pair.id.c_str(),
                            m->explanation.to_string(m->score).c_str());
        }

        StoryEngine engine = background;
        engine.remove(static_cast<std::int64_t>(pair.b));
        engine.add(static_cast<std::int64_t>(pair.a), features[pair.a], t0);
        const SysTime tb = t0 + 40min;
        Outcome o;
        o.pair = &pair;
        const auto candidates = engine.candidates(features[pair.b], tb, window).stories;
        o.candidate =
            std::find(candidates.begin(), candidates.end(), static_cast<std::int64_t>(pair.a)) != candidates.end();
        o.d = engine.score_against(features[pair.b], tb, static_cast<std::int64_t>(pair.a));
        const auto m = engine.match(features[pair.b], tb, window);
        if (m) o.daemon = m->story_id;
        positives += pair.same ? 1 : 0;
        if (!m) {
            ++daemon_new;
        } else if (m->story_id == static_cast<std::int64_t>(pair.a)) {
            (pair.same ? daemon_hits : daemon_false)++;
        } else {
            ++daemon_elsewhere;
            const int relation = events.relation(static_cast<std::size_t>(m->story_id), pair.b);
            const int same = pair.same ? 1 : 0;
            (relation > 0 ? third_own : relation < 0 ? third_other : third_unknown)[same]++;
            if (relation < 0)
                std::printf(
                    "  FALSE MERGE (daemon) %s: b joined another event's item\n      %s\n      b: %s\n      "
                    "joined: %s\n",
                    pair.id.c_str(), m->explanation.to_string(m->score).c_str(),
                    one_line(items[pair.b].title, 110).c_str(),
                    one_line(items[static_cast<std::size_t>(m->story_id)].title, 110).c_str());
        }
        outcomes.push_back(std::move(o));
    }

    if (print_tsv) {
        std::printf("id\tsame\tcandidate\tscore\ttitle\tlead\ttext\tentities\tagree\tconflicts\n");
        for (const Outcome& o : outcomes) {
            if (!o.d) continue;
            const MatchExplanation& e = o.d->explanation;
            std::printf("%s\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t%s\n", o.pair->id.c_str(), o.pair->same ? 1 : 0,
                        o.candidate ? 1 : 0, o.d->score, e.title_cosine, e.lead_cosine, e.text_cosine,
                        e.entity_agreement, join(e.shared_quantities).c_str(), join(e.conflicts).c_str());
        }
        return 0;
    }
    const Counts c = count(outcomes, threshold);
    std::printf("%s: %zu pairs (%d same), %zu distinct items as background\n", path.c_str(), pairs.size(), positives,
                items.size());
    std::printf("  pair    threshold %.2f: precision %.3f  recall %.3f  F1 %.3f  (tp %d fp %d fn %d tn %d)\n",
                threshold, c.precision(), c.recall(), c.f1(), c.tp, c.fp, c.fn, c.tn);
    std::printf("  alone   match(b) = a with nothing else held: %d of %d same pairs; false merges %d of %zu\n",
                alone_hits, positives, alone_false, pairs.size() - static_cast<std::size_t>(positives));
    std::printf("  daemon  match(b) = a: %d of %d same pairs; false merges %d; another story %d; new story %d\n",
                daemon_hits, positives, daemon_false, daemon_elsewhere, daemon_new);
    std::printf(
        "          another story: of same pairs %d b's own event, %d another event, %d unknown; of the "
        "others %d b's own event, %d another event, %d unknown\n",
        third_own[1], third_other[1], third_unknown[1], third_own[0], third_other[0], third_unknown[0]);
    std::printf(
        "          b joined its event: %d of %d same pairs (recall %.3f); b joined another event: %d of %zu "
        "pairs (%d unknown)\n",
        daemon_hits + third_own[1], positives,
        positives > 0 ? static_cast<double>(daemon_hits + third_own[1]) / positives : 0.0,
        daemon_false + third_other[0] + third_other[1], pairs.size(), third_unknown[0] + third_unknown[1]);
    std::printf("  threshold  precision  recall  F1     false merges\n");
    for (int k = 20; k <= 90; k += 5) {
        const double t = k / 100.0;
        const Counts ck = count(outcomes, t);
        std::printf("  %.2f%s     %.3f      %.3f   %.3f  %d\n", t, std::abs(t - threshold) < 1e-9 ? "*" : " ",
                    ck.precision(), ck.recall(), ck.f1(), ck.fp);
    }
    for (const Outcome& o : outcomes) {
        const bool said = predicted_same(o, threshold);
        const bool false_merge = said && !o.pair->same;
        if (!false_merge && !print_pairs) continue;
        const char* verdict = false_merge ? "FALSE MERGE" : said ? "merged" : o.pair->same ? "missed" : "kept apart";
        std::printf("  %-11s %s%s\n      %s\n", verdict, o.pair->id.c_str(), o.candidate ? "" : " (not a candidate)",
                    o.d ? o.d->explanation.to_string(o.d->score).c_str() : "-");
        if (print_pairs || false_merge) {
            std::printf("      a: %s\n      b: %s\n", one_line(items[o.pair->a].title, 110).c_str(),
                        one_line(items[o.pair->b].title, 110).c_str());
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<double> threshold;
    MatchWeights weights;
    bool print_pairs = false, print_item_features = false, print_tsv = false;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--pairs") {
            print_pairs = true;
        } else if (arg == "--tsv") {
            print_tsv = true;
        } else if (arg == "--features") {
            print_item_features = true;
        } else if (arg == "--set" && i + 1 < argc) {
            if (!set_weight(weights, argv[++i])) {
                std::cerr << "dedup_eval: unknown weight in --set " << argv[i] << "\n";
                return 2;
            }
        } else if (arg == "--threshold" && i + 1 < argc) {
            threshold = std::strtod(argv[++i], nullptr);
        } else if (arg.starts_with("--")) {
            std::cerr << "usage: tributary_dedup_eval [--pairs] [--features] [--tsv] [--threshold T] [--set "
                         "NAME=VALUE]… FILE.json [FILE.json…]\n";
            return 2;
        } else {
            files.push_back(arg);
        }
    }
    if (files.empty()) {
        std::cerr << "usage: tributary_dedup_eval [--pairs] [--features] [--tsv] [--threshold T] [--set NAME=VALUE]… "
                     "FILE.json [FILE.json…]\n";
        return 2;
    }
    int status = 0;
    for (const std::string& file : files)
        status = std::max(status, evaluate(file, weights, threshold, print_pairs, print_item_features, print_tsv));
    return status;
}
