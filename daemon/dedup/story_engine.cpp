#include "dedup/story_engine.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "dedup/dedup.hpp"

namespace tributary::dedup {
namespace {

// Quantities take part in the whole-text vector as terms of their own, apart from words.
constexpr std::string_view kQuantityPrefix = "#";

// Sub-linear term counts: a word said three times is not three times the evidence.
double count_weight(std::uint32_t count) {
    static const auto table = [] {
        std::array<double, 64> t{};
        for (std::size_t c = 1; c < t.size(); ++c) t[c] = 1.0 + std::log(static_cast<double>(c));
        return t;
    }();
    if (count < table.size()) return table[std::max<std::uint32_t>(count, 1)];
    return 1.0 + std::log(static_cast<double>(count));
}

// ln(df + 1), read for every term of every story scored: a table for the common range.
double log_df(std::uint32_t df) {
    static const auto table = [] {
        std::vector<double> t(4096);
        for (std::size_t d = 0; d < t.size(); ++d) t[d] = std::log(static_cast<double>(d) + 1.0);
        return t;
    }();
    return df < table.size() ? table[df] : std::log(static_cast<double>(df) + 1.0);
}

std::uint16_t clamp_count(std::uint32_t count) {
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(count, 0xFFFF));
}

std::vector<std::string> entity_words(const std::vector<Entity>& entities, std::optional<EntityKind> kind) {
    std::vector<std::string> out;
    for (const Entity& e : entities) {
        if (kind && e.kind != *kind) continue;
        std::size_t pos = 0;
        while (pos < e.key.size()) {
            const std::size_t end = std::min(e.key.find(' ', pos), e.key.size());
            if (end > pos) out.push_back(e.key.substr(pos, end - pos));
            pos = end + 1;
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool contains_sorted(const std::vector<std::string>& sorted, const std::string& s) {
    return std::binary_search(sorted.begin(), sorted.end(), s);
}

bool is_number(const std::string& term) {
    return !term.empty() &&
           std::all_of(term.begin(), term.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// What tells one event from another of its kind (names, places, numbers, dates) weighs
// MatchWeights::entity_boost times a word of the same rarity.

// A term that says something in words: not a quantity ("#pct:10.7"), not a bare number.
bool is_word(std::string_view term) {
    if (term.starts_with(kQuantityPrefix)) return false;
    return std::any_of(term.begin(), term.end(), [](char c) {
        return !((c >= '0' && c <= '9') || c == '.' || c == ',' || c == ':' || c == '-' || c == '/');
    });
}

}  // namespace

// A name's word, a number or quantity, or a word.
StoryEngine::TermKind StoryEngine::kind_of(const std::vector<std::string>& entity_terms, const std::string& term) {
    if (contains_sorted(entity_terms, term)) return TermKind::name;
    if (term.starts_with(kQuantityPrefix) || is_number(term)) return TermKind::number;
    return TermKind::word;
}

namespace {

std::vector<std::string> quantity_terms(const StoryFeatures& f) {
    std::vector<std::string> out;
    for (const std::string& q : f.quantities) out.push_back(std::string(kQuantityPrefix) + q);
    std::sort(out.begin(), out.end());
    return out;
}

std::pair<std::string_view, std::string_view> split_quantity(std::string_view q) {
    const auto colon = q.find(':');
    if (colon == std::string_view::npos) return {q, {}};
    return {q.substr(0, colon), q.substr(colon + 1)};
}

bool in_window(SysTime story, SysTime time, Seconds window) {
    const auto gap = story > time ? story - time : time - story;
    return gap <= window;
}

std::string fixed2(double v) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.2f", v);
    return buf.data();
}

std::string gap_text(Seconds gap) {
    const auto s = gap.count();
    if (s < 3600) return std::to_string(s / 60) + "m";
    if (s < 86400 * 2) return std::to_string(s / 3600) + "h" + (s % 3600 ? std::to_string(s % 3600 / 60) + "m" : "");
    return std::to_string(s / 86400) + "d";
}

std::string joined(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const std::string& p : parts) {
        if (!out.empty()) out.push_back(sep);
        out += p;
    }
    return out;
}

}  // namespace

// ------------------------------------------------------------------ explanation ---

std::string MatchExplanation::to_string(double score) const {
    std::string out = "score=" + fixed2(score);
    if (!fast_path.empty()) out += " via=" + fast_path;
    out += " text=" + fixed2(text_cosine) + " title=" + fixed2(title_cosine) + " lead=" + fixed2(lead_cosine);
    out += " entities=" + fixed2(entity_agreement) + "[" + joined(shared_entities, ',') + "]";
    if (!shared_quantities.empty()) out += " same=[" + joined(shared_quantities, ',') + "]";
    if (!conflicts.empty()) out += " conflicts=[" + joined(conflicts, ',') + "]";
    if (fingerprint_distance < 64) out += " fingerprint=" + std::to_string(fingerprint_distance);
    out += " words=" + std::to_string(shared_words);
    if (!same_language) out += " other-language";
    out += " gap=" + gap_text(time_gap);
    return out;
}

std::string MatchDecision::to_string() const {
    return "story=" + std::to_string(story_id) + " " + explanation.to_string(score);
}

// ------------------------------------------------------------------ engine ---

struct StoryEngine::Query {
    double log_n = 0;
    std::vector<WeightedTerm> title, lead, text;             // known terms only, sorted by id
    double title_norm2 = 0, lead_norm2 = 0, text_norm2 = 0;  // known and unknown terms
    std::vector<TermId> entities, places, persons;           // known entity words, sorted
    double unknown_entity_idf = 0;                           // summed IDF of entity words no story has
    bool unknown_place = false, unknown_person = false;
    std::vector<std::string> quantities;
    std::uint64_t fingerprint = 0;
    std::string canonical_url;
    std::string language;

    bool has(TermId id) const {  // the item's text (or names) contain the term
        const auto it = std::lower_bound(text.begin(), text.end(), WeightedTerm{id});
        return (it != text.end() && it->id == id) || std::binary_search(entities.begin(), entities.end(), id);
    }
};

StoryEngine::StoryEngine(MatchWeights weights, EngineLimits limits) : weights_(weights), limits_(limits) {}

double StoryEngine::log_n() const {
    return std::log(static_cast<double>(slot_of_.size()) + std::max(weights_.prior_stories, 1.0));
}

double StoryEngine::idf(std::uint32_t df, double log_n) const { return std::max(log_n - log_df(df), 0.0); }

StoryEngine::TermId StoryEngine::intern(const std::string& term) {
    if (const auto it = term_ids_.find(term); it != term_ids_.end()) return it->second;
    TermId id;
    if (!free_terms_.empty()) {
        id = free_terms_.back();
        free_terms_.pop_back();
    } else {
        id = static_cast<TermId>(terms_.size());
        terms_.emplace_back();
        df_.push_back(0);
    }
    terms_[id].text = term;
    term_ids_.emplace(term, id);
    return id;
}

void StoryEngine::release(TermId id, Slot slot) {
    TermEntry& entry = terms_[id];
    if (const auto it = std::find(entry.postings.begin(), entry.postings.end(), slot); it != entry.postings.end())
        entry.postings.erase(it);
    if (--df_[id] > 0) return;
    term_ids_.erase(entry.text);
    entry = TermEntry{};
    free_terms_.push_back(id);
}

void StoryEngine::text_of(const Story& story, std::vector<WeightedTerm>& out) {
    out.clear();
    out.insert(out.end(), story.title.begin(), story.title.end());
    out.insert(out.end(), story.lead.begin(), story.lead.end());
    for (const TermId id : story.quantity_terms) out.push_back({id, 1, TermKind::number});
    std::sort(out.begin(), out.end());
    std::size_t kept = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (kept > 0 && out[kept - 1].id == out[k].id) {
            out[kept - 1].count = clamp_count(std::uint32_t{out[kept - 1].count} + out[k].count);
            out[kept - 1].kind = std::max(out[kept - 1].kind, out[k].kind);
        } else {
            out[kept++] = out[k];
        }
    }
    out.resize(kept);
}

std::vector<StoryEngine::TermId> StoryEngine::all_terms_of(const Story& story) {
    std::vector<TermId> all;
    for (const auto* part : {&story.title, &story.lead})
        for (const WeightedTerm& t : *part) all.push_back(t.id);
    all.insert(all.end(), story.quantity_terms.begin(), story.quantity_terms.end());
    all.insert(all.end(), story.entity_terms.begin(), story.entity_terms.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

void StoryEngine::add(std::int64_t story_id, const StoryFeatures& f, SysTime time) {
    remove(story_id);
    Slot slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<Slot>(stories_.size());
        stories_.emplace_back();
    }
    Story& s = stories_[slot];
    s = Story{};
    s.id = story_id;
    s.time = time;

    const std::vector<std::string> entity_terms = entity_words(f.entities, std::nullopt);
    const auto weighted = [&](const std::vector<TermCount>& terms) {
        std::vector<WeightedTerm> out;
        out.reserve(terms.size());
        for (const TermCount& t : terms)
            out.push_back({intern(t.term), clamp_count(t.count), kind_of(entity_terms, t.term)});
        std::sort(out.begin(), out.end());
        return out;
    };
    const auto ids_of = [&](const std::vector<std::string>& words) {
        std::vector<TermId> ids;
        ids.reserve(words.size());
        for (const std::string& w : words) ids.push_back(intern(w));
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    s.title = weighted(f.title);
    s.lead = weighted(f.lead);
    s.quantity_terms = ids_of(quantity_terms(f));
    s.entity_terms = ids_of(entity_terms);
    s.places = ids_of(entity_words(f.entities, EntityKind::place));
    s.persons = ids_of(entity_words(f.entities, EntityKind::person));
    s.quantities = f.quantities;
    s.fingerprint = f.fingerprint;
    s.canonical_url = f.canonical_url;
    s.language = f.language;

    // Every term of the story counts once in its document frequency and its posting list.
    for (const TermId id : all_terms_of(s)) {
        ++df_[id];
        std::vector<Slot>& postings = terms_[id].postings;
        if (postings.size() >= limits_.postings) postings.erase(postings.begin());
        postings.push_back(slot);
    }

    slot_of_.emplace(story_id, slot);
    by_time_.emplace(time, story_id);
    if (!s.canonical_url.empty()) by_url_[s.canonical_url].push_back(slot);
    if (s.fingerprint != 0) by_fingerprint_[s.fingerprint].push_back(slot);
}

void StoryEngine::update(std::int64_t story_id, const StoryFeatures& features, SysTime time) {
    add(story_id, features, time);
}

void StoryEngine::remove(std::int64_t story_id) {
    const auto found = slot_of_.find(story_id);
    if (found == slot_of_.end()) return;
    const Slot slot = found->second;
    Story& s = stories_[slot];
    for (const TermId id : all_terms_of(s)) release(id, slot);
    const auto drop_from = [slot](auto& map, const auto& key) {
        const auto it = map.find(key);
        if (it == map.end()) return;
        std::erase(it->second, slot);
        if (it->second.empty()) map.erase(it);
    };
    if (!s.canonical_url.empty()) drop_from(by_url_, s.canonical_url);
    if (s.fingerprint != 0) drop_from(by_fingerprint_, s.fingerprint);
    by_time_.erase({s.time, story_id});
    slot_of_.erase(found);
    s = Story{};
    free_slots_.push_back(slot);
}

std::size_t StoryEngine::expire(SysTime before) {
    std::size_t removed = 0;
    while (!by_time_.empty() && by_time_.begin()->first < before) {
        remove(by_time_.begin()->second);
        ++removed;
    }
    return removed;
}

StoryEngine::Query StoryEngine::make_query(const StoryFeatures& f) const {
    Query q;
    q.log_n = log_n();
    const std::vector<std::string> entity_terms = entity_words(f.entities, std::nullopt);
    // Each distinct term looked up once.
    struct Known {
        std::string_view term;
        TermId id = kNoTerm;
        std::uint32_t df = 0;
    };
    std::vector<Known> known;
    const auto look_up = [&](std::string_view term) -> const Known& {
        const auto it = std::lower_bound(known.begin(), known.end(), term,
                                         [](const Known& k, std::string_view t) { return k.term < t; });
        if (it != known.end() && it->term == term) return *it;
        Known k{term};
        if (const auto found = term_ids_.find(std::string(term)); found != term_ids_.end()) {
            k.id = found->second;
            k.df = df_[k.id];
        }
        return *known.insert(it, k);
    };
    const std::vector<std::string> quantities = quantity_terms(f);
    const auto build = [&](std::vector<WeightedTerm>& out, double& norm2, auto&&... parts) {
        std::vector<std::pair<std::string_view, std::uint32_t>> counts;
        (
            [&](const auto& part) {
                for (const auto& t : part) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(t)>, TermCount>) {
                        counts.emplace_back(t.term, t.count);
                    } else {
                        counts.emplace_back(t, 1);
                    }
                }
            }(parts),
            ...);
        std::sort(counts.begin(), counts.end());
        for (std::size_t k = 0; k < counts.size();) {
            std::uint32_t count = 0;
            const std::string_view term = counts[k].first;
            for (; k < counts.size() && counts[k].first == term; ++k) count += counts[k].second;
            const TermKind kind = kind_of(entity_terms, std::string(term));
            const Known& found = look_up(term);
            const double w = count_weight(count) * weight_of(kind, found.df, q.log_n);
            norm2 += w * w;
            if (found.id != kNoTerm) out.push_back({found.id, clamp_count(count), kind});
        }
        std::sort(out.begin(), out.end());
    };
    build(q.title, q.title_norm2, f.title);
    build(q.lead, q.lead_norm2, f.lead);
    build(q.text, q.text_norm2, f.title, f.lead, quantities);
    // Known words by id; a word no story has can only be unshared: it is counted, not listed.
    const auto known_ids = [&](const std::vector<std::string>& words, std::vector<TermId>& ids) {
        std::size_t unknown = 0;
        for (const std::string& w : words) {
            const Known& found = look_up(w);
            if (found.id != kNoTerm) {
                ids.push_back(found.id);
            } else {
                ++unknown;
            }
        }
        std::sort(ids.begin(), ids.end());
        return unknown;
    };
    q.unknown_entity_idf = static_cast<double>(known_ids(entity_terms, q.entities)) * idf(0, q.log_n);
    q.unknown_place = known_ids(entity_words(f.entities, EntityKind::place), q.places) > 0;
    q.unknown_person = known_ids(entity_words(f.entities, EntityKind::person), q.persons) > 0;
    q.quantities = f.quantities;
    q.fingerprint = f.fingerprint;
    q.canonical_url = f.canonical_url;
    q.language = f.language;
    return q;
}

StoryEngine::Candidates StoryEngine::candidates_of(const Query& q, SysTime time, Seconds window,
                                                   std::vector<Slot>& slots) const {
    Candidates out;
    // The item's rarest terms, among those in no more stories than a posting list holds: a list
    // drops its oldest entries only while its term is more common than that, so these lists are
    // complete but for stories that were once crowded out.
    std::vector<const WeightedTerm*> probes;
    for (const WeightedTerm& t : q.text)
        if (df_[t.id] <= limits_.postings) probes.push_back(&t);
    std::sort(probes.begin(), probes.end(), [&](const WeightedTerm* a, const WeightedTerm* b) {
        const auto da = df_[a->id], db = df_[b->id];
        return da != db ? da < db : terms_[a->id].text < terms_[b->id].text;
    });
    if (probes.size() > limits_.query_terms) probes.resize(limits_.query_terms);

    std::unordered_map<Slot, double> weight;
    for (const WeightedTerm* t : probes) {
        const double w = weight_of(t->kind, df_[t->id], q.log_n);
        for (const Slot slot : terms_[t->id].postings) {
            ++out.postings_read;
            if (in_window(stories_[slot].time, time, window)) weight[slot] += w;
        }
    }
    std::vector<std::pair<double, Slot>> ranked;
    ranked.reserve(weight.size());
    for (const auto& [slot, w] : weight) ranked.emplace_back(w, slot);
    const auto earlier = [&](Slot a, Slot b) {
        const Story& sa = stories_[a];
        const Story& sb = stories_[b];
        return sa.time != sb.time ? sa.time < sb.time : sa.id < sb.id;
    };
    const std::size_t keep = std::min(ranked.size(), limits_.candidates);
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                      [&](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : earlier(a.second, b.second);
                      });
    ranked.resize(keep);
    for (const auto& [w, slot] : ranked) slots.push_back(slot);

    // The fast paths' stories, whatever their words.
    const auto add_all = [&](const auto& map, const auto& key) {
        const auto it = map.find(key);
        if (it == map.end()) return;
        for (const Slot slot : it->second)
            if (in_window(stories_[slot].time, time, window) &&
                std::find(slots.begin(), slots.end(), slot) == slots.end())
                slots.push_back(slot);
    };
    if (!q.canonical_url.empty()) add_all(by_url_, q.canonical_url);
    if (q.fingerprint != 0) add_all(by_fingerprint_, q.fingerprint);
    for (const Slot slot : slots) out.stories.push_back(stories_[slot].id);
    return out;
}

MatchDecision StoryEngine::score(const Query& q, SysTime time, Slot slot, std::vector<WeightedTerm>& s_text,
                                 bool explain) const {
    const Story& s = stories_[slot];
    MatchDecision d;
    d.story_id = s.id;
    MatchExplanation& why = d.explanation;
    text_of(s, s_text);

    // Cosine of the item's and the story's vectors, both weighted with today's IDF.
    const auto cosine = [&](const std::vector<WeightedTerm>& a, double a_norm2, const std::vector<WeightedTerm>& b) {
        double dot = 0, b_norm2 = 0;
        auto ia = a.begin();
        for (const WeightedTerm& t : b) {
            const double wb = count_weight(t.count) * weight_of(t.kind, df_[t.id], q.log_n);
            b_norm2 += wb * wb;
            while (ia != a.end() && ia->id < t.id) ++ia;
            if (ia != a.end() && ia->id == t.id)
                dot += wb * count_weight(ia->count) * weight_of(ia->kind, df_[t.id], q.log_n);
        }
        return a_norm2 > 0 && b_norm2 > 0 ? dot / std::sqrt(a_norm2 * b_norm2) : 0.0;
    };
    why.title_cosine = cosine(q.title, q.title_norm2, s.title);
    why.lead_cosine = cosine(q.lead, q.lead_norm2, s.lead);
    why.text_cosine = cosine(q.text, q.text_norm2, s_text);

    const auto story_has = [&](TermId id) {
        const auto it = std::lower_bound(s_text.begin(), s_text.end(), WeightedTerm{id});
        return (it != s_text.end() && it->id == id) ||
               std::binary_search(s.entity_terms.begin(), s.entity_terms.end(), id);
    };
    // Names: the share of both sides' entity words, by IDF, that the other text also has.
    double shared = 0, unshared = q.unknown_entity_idf;
    std::vector<std::pair<double, TermId>> shared_terms;
    for (const TermId id : q.entities) {
        const double w = idf(df_[id], q.log_n);
        if (story_has(id)) {
            shared += w;
            if (explain) shared_terms.emplace_back(w, id);
        } else {
            unshared += w;
        }
    }
    for (const TermId id : s.entity_terms) {
        const double w = idf(df_[id], q.log_n);
        if (!q.has(id)) {
            unshared += w;
        } else if (!std::binary_search(q.entities.begin(), q.entities.end(), id)) {
            shared += w;
            if (explain) shared_terms.emplace_back(w, id);
        }
    }
    why.entity_agreement = shared + unshared > 0 ? shared / (shared + unshared) : 0.0;
    std::sort(shared_terms.begin(), shared_terms.end(), [&](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : terms_[a.second].text < terms_[b.second].text;
    });
    for (const auto& [w, id] : shared_terms) why.shared_entities.push_back(terms_[id].text);

    double conflicts = 0;
    bool any_conflict = false;
    const auto conflict = [&](const auto& describe) {
        any_conflict = true;
        conflicts += weights_.conflict;
        if (explain) why.conflicts.push_back(describe());
    };
    // A place (or person) on each side, and neither side mentions any of the other's.
    const auto role_conflict = [&](const char* role, const std::vector<TermId>& mine, bool unknown_mine,
                                   const std::vector<TermId>& theirs) {
        if ((mine.empty() && !unknown_mine) || theirs.empty()) return;
        for (const TermId id : mine)
            if (story_has(id)) return;
        for (const TermId id : theirs)
            if (q.has(id)) return;
        conflict([&] {
            std::string side_a, side_b;
            for (const TermId id : mine) side_a += (side_a.empty() ? "" : " ") + terms_[id].text;
            if (unknown_mine) side_a += side_a.empty() ? "?" : " ?";
            for (const TermId id : theirs) side_b += (side_b.empty() ? "" : " ") + terms_[id].text;
            return std::string(role) + ":" + side_a + "|" + side_b;
        });
    };
    role_conflict("place", q.places, q.unknown_place, s.places);
    role_conflict("person", q.persons, q.unknown_person, s.persons);

    // Quantities, unit by unit: one value in common agrees, none in common conflicts.
    int agreeing_units = 0;
    for (auto qa = q.quantities.begin(); qa != q.quantities.end();) {
        const std::string_view unit = split_quantity(*qa).first;
        std::vector<std::string_view> mine, theirs;
        for (; qa != q.quantities.end() && split_quantity(*qa).first == unit; ++qa)
            mine.push_back(split_quantity(*qa).second);
        for (const std::string& sq : s.quantities)
            if (split_quantity(sq).first == unit) theirs.push_back(split_quantity(sq).second);
        if (theirs.empty()) continue;
        const auto common = std::find_first_of(mine.begin(), mine.end(), theirs.begin(), theirs.end());
        if (common != mine.end()) {
            if (unit != "wday") ++agreeing_units;
            if (explain) why.shared_quantities.push_back(std::string(unit) + ":" + std::string(*common));
            continue;
        }
        conflict(
            [&] { return std::string(unit) + ":" + std::string(mine.front()) + "|" + std::string(theirs.front()); });
    }

    // Words (and names) in common, numbers and dates apart: both lists are sorted by id.
    for (auto a = q.text.cbegin(), b = s_text.cbegin(); a != q.text.cend() && b != s_text.cend();) {
        if (a->id < b->id) {
            ++a;
        } else if (b->id < a->id) {
            ++b;
        } else {
            if (is_word(terms_[a->id].text)) ++why.shared_words;
            ++a;
            ++b;
        }
    }
    why.same_language = q.language == s.language;
    why.scored_match_allowed = why.same_language && why.shared_words >= weights_.min_shared_words;

    why.time_gap = s.time > time ? s.time - time : time - s.time;
    if (q.fingerprint != 0 && s.fingerprint != 0)
        why.fingerprint_distance = std::popcount(q.fingerprint ^ s.fingerprint);
    const double horizon = static_cast<double>(weights_.time_horizon.count());
    const double nearness =
        horizon > 0 ? std::max(0.0, 1.0 - static_cast<double>(why.time_gap.count()) / horizon) : 0.0;

    if (!q.canonical_url.empty() && q.canonical_url == s.canonical_url) {
        why.fast_path = "url";
    } else if (why.fingerprint_distance <= kMaxStoryDistance && !any_conflict) {
        // The same lead, give or take a few words, unless it names another date, score or place:
        // then it is the next edition of one template (a weather bulletin).
        why.fast_path = "fingerprint";
    }
    d.score = weights_.title * why.title_cosine + weights_.lead * why.lead_cosine + weights_.text * why.text_cosine +
              weights_.quantity_agrees * std::min(agreeing_units, 2) - conflicts + weights_.time * nearness;
    return d;
}

StoryEngine::Candidates StoryEngine::candidates(const StoryFeatures& item, SysTime time, Seconds window) const {
    std::vector<Slot> slots;
    return candidates_of(make_query(item), time, window, slots);
}

std::optional<MatchDecision> StoryEngine::score_against(const StoryFeatures& item, SysTime time,
                                                        std::int64_t story_id) const {
    const auto found = slot_of_.find(story_id);
    if (found == slot_of_.end()) return std::nullopt;
    std::vector<WeightedTerm> scratch;
    return score(make_query(item), time, found->second, scratch, true);
}

std::optional<MatchDecision> StoryEngine::match(const StoryFeatures& item, SysTime time, Seconds window) const {
    const Query q = make_query(item);
    std::vector<Slot> slots;
    candidates_of(q, time, window, slots);

    std::optional<MatchDecision> best;
    std::optional<Slot> best_slot;
    int best_rank = 0;  // 3: same URL, 2: near fingerprint, 1: scored
    const auto better = [&](int rank, const MatchDecision& d, Slot slot) {
        if (!best) return true;
        if (rank != best_rank) return rank > best_rank;
        // Among fingerprints the nearest, then the highest score; ties to the earliest story.
        if (rank == 2 && d.explanation.fingerprint_distance != best->explanation.fingerprint_distance)
            return d.explanation.fingerprint_distance < best->explanation.fingerprint_distance;
        if (rank != 3 && d.score != best->score) return d.score > best->score;
        const Story& a = stories_[slot];
        const Story& b = stories_[*best_slot];
        return a.time != b.time ? a.time < b.time : a.id < b.id;
    };
    std::vector<WeightedTerm> scratch;
    for (const Slot slot : slots) {
        MatchDecision d = score(q, time, slot, scratch, false);
        const int rank = d.explanation.fast_path == "url"                                      ? 3
                         : d.explanation.fast_path == "fingerprint"                            ? 2
                         : d.explanation.scored_match_allowed && d.score >= weights_.threshold ? 1
                                                                                               : 0;
        if (rank == 0 || !better(rank, d, slot)) continue;
        best = std::move(d);
        best_slot = slot;
        best_rank = rank;
    }
    if (best) best = score(q, time, *best_slot, scratch, true);  // the winner's explanation in full
    return best;
}

StoryEngineIndex::StoryEngineIndex(MatchWeights weights, EngineLimits limits) : engine_(weights, limits) {}

bool StoryEngineIndex::add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) {
    const std::optional<StoryFeatures> features = deserialize(keys.features);
    if (!features) return false;
    engine_.add(story_id, *features, time);
    by_arrival_.emplace(arrived, story_id);
    arrival_of_[story_id] = arrived;
    return true;
}

void StoryEngineIndex::remove(std::int64_t story_id) {
    engine_.remove(story_id);
    arrival_of_.erase(story_id);
}

std::size_t StoryEngineIndex::expire(SysTime arrived_before) {
    std::size_t gone = 0;
    while (!by_arrival_.empty() && by_arrival_.begin()->first < arrived_before) {
        const auto [arrived, id] = *by_arrival_.begin();
        by_arrival_.erase(by_arrival_.begin());
        // An entry left by a replaced or removed story is not the story's arrival any more.
        const auto held = arrival_of_.find(id);
        if (held == arrival_of_.end() || held->second != arrived) continue;
        arrival_of_.erase(held);
        engine_.remove(id);
        ++gone;
    }
    return gone;
}

std::optional<StoryMatch> StoryEngineIndex::match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                                  Seconds window) const {
    std::optional<StoryFeatures> features = deserialize(keys.features);
    if (!features) features = extract_features(item);
    const std::optional<MatchDecision> decision = engine_.match(*features, time, window);
    if (!decision) return std::nullopt;
    return StoryMatch{.story_id = decision->story_id,
                      .reason = decision->explanation.to_string(decision->score),
                      .by_score = decision->explanation.fast_path.empty()};
}

std::string StoryEngineIndex::features_of(const ParsedItem& item) const { return serialize(extract_features(item)); }

}  // namespace tributary::dedup
