#include "dedup/story_engine.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>

#include "dedup/dedup.hpp"

namespace tributary::dedup {
namespace {

// Quantities take part in the whole-text vector as terms of their own, apart from words.
constexpr std::string_view kQuantityPrefix = "#";

// Sub-linear term counts: a word said three times is not three times the evidence. Both tables
// are read for every term of every story scored, so they are built once, before main(), rather
// than behind the guard of a function's static: with the guard neither lookup was inlined, and
// the calls were a tenth of score()'s instructions.
constexpr std::size_t kCountWeights = 64;
const std::array<double, kCountWeights> count_weights = [] {
    std::array<double, kCountWeights> t{};
    for (std::size_t c = 1; c < t.size(); ++c) t[c] = 1.0 + std::log(static_cast<double>(c));
    t[0] = t[1];
    return t;
}();
inline double count_weight(std::uint32_t count) {
    if (count < kCountWeights) return count_weights[count];
    return 1.0 + std::log(static_cast<double>(count));
}

// ln(df + 1), for the common range.
constexpr std::size_t kLogDfs = 4096;
const std::array<double, kLogDfs> log_dfs = [] {
    std::array<double, kLogDfs> t{};
    for (std::size_t d = 0; d < t.size(); ++d) t[d] = std::log(static_cast<double>(d) + 1.0);
    return t;
}();
inline double log_df(std::uint32_t df) { return df < kLogDfs ? log_dfs[df] : std::log(static_cast<double>(df) + 1.0); }

// What tells one event from another of its kind (names, places, numbers, dates) weighs
// MatchWeights::entity_boost times a word of the same rarity.

// A term that says something in words: not a quantity ("#pct:10.7"), not a bare number.
bool is_word(std::string_view term) {
    if (term.starts_with(kQuantityPrefix)) return false;
    return std::any_of(term.begin(), term.end(), [](char c) {
        return !((c >= '0' && c <= '9') || c == '.' || c == ',' || c == ':' || c == '-' || c == '/');
    });
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

// As printf's "%.2f" writes it, without the locale and format parsing that made formatting the
// reason of each item joined to a story 1% of the database thread's time.
std::string fixed2(double v) {
    std::array<char, 32> buf{};
    const auto written = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, 2);
    return std::string(buf.data(), written.ptr);
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

namespace {

bool is_number(std::string_view term) {
    return !term.empty() &&
           std::all_of(term.begin(), term.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::uint64_t text_hash(std::string_view text) { return std::hash<std::string_view>{}(text); }

// What a story keeps of its canonical URL; 0 for none.
std::uint64_t url_key(std::string_view url) {
    if (url.empty()) return 0;
    const std::uint64_t h = text_hash(url);
    return h == 0 ? 1 : h;
}

}  // namespace

struct StoryEngine::Query {
    struct Term {
        TermId id = kNone;
        std::uint32_t title = 0, lead = 0, text = 0;  // clamped as a story's are
        Role role = Role::word;
        bool word = false;  // says something in words (is_word): counts towards shared_words
        double weight = 0;  // weight_of(role, df, log_n)
        // idf(df, log_n) of an entity's term, else 0: every story scored without it in its terms
        // counts it as unshared.
        double entity_idf = 0;
    };
    double log_n = 0;
    std::vector<Term> terms;                                 // known terms only, sorted by id
    double title_norm2 = 0, lead_norm2 = 0, text_norm2 = 0;  // known and unknown terms
    double unknown_entity_idf = 0;                           // summed IDF of entity words no story has
    bool has_place = false, has_person = false;              // known or not
    bool unknown_place = false, unknown_person = false;
    std::vector<std::string_view> quantities;
    std::uint64_t fingerprint = 0;
    std::uint64_t url_hash = 0;  // url_key(canonical URL)
    std::string_view language;
};

std::uint32_t StoryEngine::expiry_time(SysTime t) {
    const auto seconds = std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(seconds, 0, std::numeric_limits<std::uint32_t>::max()));
}

void StoryEngine::encode_terms(std::span<const std::uint32_t> sorted, std::vector<std::uint8_t>& out) {
    out.clear();
    TermId previous = 0;
    for (const std::uint32_t bits : sorted) {
        const Packed p{bits};
        for (std::uint32_t delta = p.id() - previous;; delta >>= 7) {
            const auto low = static_cast<std::uint8_t>(delta & 0x7Fu);
            if (delta < 0x80u) {
                out.push_back(low);
                break;
            }
            out.push_back(static_cast<std::uint8_t>(low | 0x80u));
        }
        out.push_back(static_cast<std::uint8_t>(bits >> 24));
        previous = p.id();
    }
}

StoryEngine::StoryEngine(MatchWeights weights, EngineLimits limits) : weights_(weights), limits_(limits) {}

StoryEngine::Packed StoryEngine::pack(TermId id, std::uint32_t title, std::uint32_t lead, Role role) {
    return Packed{id | (std::min(title, kMaxTitleCount) << 24) | (std::min(lead, kMaxLeadCount) << 26) |
                  (static_cast<std::uint32_t>(role) << 29)};
}

double StoryEngine::log_n() const {
    return std::log(static_cast<double>(size()) + std::max(weights_.prior_stories, 1.0));
}

double StoryEngine::idf(std::uint32_t df, double log_n) const { return std::max(log_n - log_df(df), 0.0); }

void StoryEngine::prepare(const FeaturesView& f, PreparedItem& out) {
    out.quantity_texts_.clear();
    out.quantity_texts_.reserve(f.quantities.size());  // the terms view these strings: filled first
    for (const std::string_view q : f.quantities) out.quantity_texts_.emplace_back(kQuantityPrefix) += q;
    // Headline and lead terms come sorted (read_features checks it), and so do the quantities: only
    // the few words of names need sorting before the parts are merged.
    const auto by_text = [](const TextTerm& a, const TextTerm& b) { return a.text < b.text; };
    std::vector<TextTerm>& names = out.names_;
    names.clear();
    for (const FeaturesView::Name& e : f.entities) {
        const Role role = e.kind == EntityKind::place    ? Role::place
                          : e.kind == EntityKind::person ? Role::person
                                                         : Role::name;
        for (std::size_t pos = 0; pos < e.key.size();) {
            const std::size_t end = std::min(e.key.find(' ', pos), e.key.size());
            if (end > pos) names.push_back({e.key.substr(pos, end - pos), 0, 0, role});
            pos = end + 1;
        }
    }
    std::sort(names.begin(), names.end(), by_text);
    std::vector<TextTerm>& merged = out.merged_;
    std::vector<TextTerm>& part = out.merging_;
    merged.clear();
    for (const FeaturesView::Term& t : f.title) merged.push_back({t.term, t.count, 0, Role::word});
    // Features built by hand (a StoryFeatures viewed) may not be in order.
    if (!std::is_sorted(merged.begin(), merged.end(), by_text)) std::sort(merged.begin(), merged.end(), by_text);
    const auto merge_in = [&](auto&& fill_part) {
        part.clear();
        fill_part();
        if (!std::is_sorted(part.begin(), part.end(), by_text)) std::sort(part.begin(), part.end(), by_text);
        out.terms_.clear();
        std::merge(merged.begin(), merged.end(), part.begin(), part.end(), std::back_inserter(out.terms_), by_text);
        merged.swap(out.terms_);
    };
    merge_in([&] {
        for (const FeaturesView::Term& t : f.lead) part.push_back({t.term, 0, t.count, Role::word});
    });
    merge_in([&] {
        for (const std::string& q : out.quantity_texts_) part.push_back({q, 0, 0, Role::quantity});
    });
    merge_in([&] { part.insert(part.end(), names.begin(), names.end()); });
    out.terms_.clear();
    for (const TextTerm& t : merged) {
        if (!out.terms_.empty() && out.terms_.back().text == t.text) {
            TextTerm& last = out.terms_.back();
            last.title += t.title;
            last.lead += t.lead;
            last.role = std::max(last.role, t.role);
        } else {
            out.terms_.push_back(t);
        }
    }
    for (TextTerm& t : out.terms_)
        if (t.role == Role::word && is_number(t.text)) t.role = Role::number;
    out.quantities_.assign(f.quantities.begin(), f.quantities.end());
    out.language_ = f.language;
    out.fingerprint_ = f.fingerprint;
    out.url_hash_ = url_key(f.canonical_url);
}

void StoryEngine::prepare(const StoryFeatures& features, FeaturesView& view, PreparedItem& out) {
    view_features(features, view);
    prepare(view, out);
}

StoryEngine::TermId StoryEngine::find_term(std::string_view term) const {
    const std::uint64_t hash = text_hash(term);
    return term_ids_.find(hash, [&](TermId id) { return terms_[id].hash == hash && text_of(id) == term; });
}

StoryEngine::TermId StoryEngine::intern(std::string_view term) {
    const std::uint64_t hash = text_hash(term);
    if (const TermId found =
            term_ids_.find(hash, [&](TermId id) { return terms_[id].hash == hash && text_of(id) == term; });
        found != kNone)
        return found;
    TermId id;
    if (!free_terms_.empty()) {
        id = free_terms_.back();
        free_terms_.pop_back();
    } else {
        // A term id has 24 bits: past 16 million distinct terms held, new ones are left out of the
        // stories that use them (they weigh nothing) rather than corrupt the packing.
        if (terms_.size() >= kMaxTerms) return kNone;
        id = static_cast<TermId>(terms_.size());
        terms_.emplace_back();
        df_.push_back(0);
    }
    // Offsets have 32 bits: past 4 GiB of term text (never: a window holds megabytes), a new term
    // is left out like one past kMaxTerms.
    if (term.empty() || term_text_.size() + term.size() > std::numeric_limits<std::uint32_t>::max()) {
        free_terms_.push_back(id);
        return kNone;
    }
    TermEntry& entry = terms_[id];
    entry.text_at = static_cast<std::uint32_t>(term_text_.size());
    entry.text_size = static_cast<std::uint32_t>(term.size());
    term_text_.append(term);
    entry.hash = hash;
    df_[id] = 0;
    term_ids_.insert(hash, id, [this](TermId v) { return terms_[v].hash; });
    return id;
}

void StoryEngine::release(TermId id, Slot slot) {
    TermEntry& entry = terms_[id];
    entry.postings.erase(slot);
    if (--df_[id] > 0) return;
    term_ids_.erase(entry.hash, id, [this](TermId v) { return terms_[v].hash; });
    dead_text_ += entry.text_size;
    entry = TermEntry{};
    free_terms_.push_back(id);
    if (dead_text_ > 4096 && 2 * dead_text_ > term_text_.size()) compact_term_text();
}

void StoryEngine::compact_term_text() {
    std::string packed;
    packed.reserve(term_text_.size() - dead_text_);
    for (std::size_t id = 0; id < terms_.size(); ++id) {
        TermEntry& entry = terms_[id];
        if (entry.text_size == 0) continue;
        const auto at = static_cast<std::uint32_t>(packed.size());
        packed.append(term_text_, entry.text_at, entry.text_size);
        entry.text_at = at;
    }
    term_text_ = std::move(packed);
    dead_text_ = 0;
}

std::uint8_t StoryEngine::language_code(std::string_view language) {
    const auto it = std::find(languages_.begin(), languages_.end(), language);
    if (it != languages_.end()) return static_cast<std::uint8_t>(it - languages_.begin());
    if (languages_.size() >= 255) return 255;  // deserialize() admits four: never reached
    languages_.emplace_back(language);
    return static_cast<std::uint8_t>(languages_.size() - 1);
}

StoryEngine::Slot StoryEngine::slot_of(std::int64_t story_id) const {
    return ids_.find(mix64(static_cast<std::uint64_t>(story_id)),
                     [&](Slot slot) { return stories_[slot].id == story_id; });
}

bool StoryEngine::earlier(Slot a, Slot b) const {
    return times_[a] != times_[b] ? times_[a] < times_[b] : stories_[a].id < stories_[b].id;
}

void StoryEngine::add(std::int64_t story_id, const StoryFeatures& f, SysTime time) { add(story_id, f, time, time); }

void StoryEngine::add(std::int64_t story_id, const StoryFeatures& f, SysTime time, SysTime kept_since) {
    FeaturesView view;
    PreparedItem item;
    prepare(f, view, item);
    add(story_id, item, time, kept_since);
}

void StoryEngine::add(std::int64_t story_id, const PreparedItem& item, SysTime time, SysTime kept_since) {
    remove(story_id);
    Slot slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<Slot>(stories_.size());
        stories_.emplace_back();
        times_.emplace_back();
    }

    std::vector<std::uint32_t>& packed = pack_scratch_;
    packed.clear();
    for (const TextTerm& t : item.terms_)
        if (const TermId id = intern(t.text); id != kNone) packed.push_back(pack(id, t.title, t.lead, t.role).bits);
    std::sort(packed.begin(), packed.end(),
              [](std::uint32_t a, std::uint32_t b) { return Packed{a}.id() < Packed{b}.id(); });
    if (packed.size() > kMaxStoryTerms) packed.resize(kMaxStoryTerms);  // never: titles and leads are capped
    const auto term_count = static_cast<std::uint16_t>(packed.size());
    encode_terms(packed, block_scratch_);

    Story& s = stories_[slot];
    s.block_bytes = static_cast<std::uint32_t>(block_scratch_.size());
    if (s.block_bytes > 0) {
        s.block = blocks_.allocate(block_scratch_.size());
        std::copy(block_scratch_.begin(), block_scratch_.end(), blocks_.data(s.block));
    }
    s.id = story_id;
    s.kept_since = expiry_time(kept_since);
    s.fingerprint = item.fingerprint_;
    s.url_hash = item.url_hash_;
    s.term_count = term_count;
    s.language = language_code(item.language_);
    times_[slot] = time;

    // Every term of the story counts once in its document frequency and its posting list. A full
    // list of a common term sheds its oldest quarter at once: shedding one entry per story added
    // moved the whole list each time (1.4% of a 10,000-feed cold cycle, on the database thread).
    // Only lists of terms in at most `postings` stories are read, and those are never full.
    const std::size_t shed = std::max<std::size_t>(limits_.postings / 4, 1);
    for (const Packed p : terms_of(s)) {
        TermEntry& entry = terms_[p.id()];
        ++df_[p.id()];
        if (entry.postings.size() >= limits_.postings + shed) entry.postings.erase_front(shed);
        entry.postings.push_back(slot, limits_.postings + shed);
    }

    ids_.insert(mix64(static_cast<std::uint64_t>(story_id)), slot,
                [this](Slot v) { return mix64(static_cast<std::uint64_t>(stories_[v].id)); });
    if (s.url_hash != 0) by_url_.insert(s.url_hash, slot, [this](Slot v) { return stories_[v].url_hash; });
    if (s.fingerprint != 0)
        by_fingerprint_.insert(mix64(s.fingerprint), slot, [this](Slot v) { return mix64(stories_[v].fingerprint); });
    expiry_.push_back(Expiry{.kept_since = s.kept_since, .slot = slot});
    std::push_heap(expiry_.begin(), expiry_.end(), std::greater<>{});
}

void StoryEngine::update(std::int64_t story_id, const StoryFeatures& features, SysTime time) {
    add(story_id, features, time);
}

void StoryEngine::remove(std::int64_t story_id) {
    const Slot slot = slot_of(story_id);
    if (slot == kNone) return;
    Story& s = stories_[slot];
    for (const Packed p : terms_of(s)) release(p.id(), slot);
    ids_.erase(mix64(static_cast<std::uint64_t>(story_id)), slot,
               [this](Slot v) { return mix64(static_cast<std::uint64_t>(stories_[v].id)); });
    if (s.url_hash != 0) by_url_.erase(s.url_hash, slot, [this](Slot v) { return stories_[v].url_hash; });
    if (s.fingerprint != 0)
        by_fingerprint_.erase(mix64(s.fingerprint), slot, [this](Slot v) { return mix64(stories_[v].fingerprint); });
    if (s.block_bytes > 0) blocks_.release(s.block, s.block_bytes);
    s = Story{};
    times_[slot] = SysTime{};
    free_slots_.push_back(slot);
}

std::size_t StoryEngine::expire(SysTime before) {
    std::size_t removed = 0;
    const std::uint32_t bound = expiry_time(before);
    while (!expiry_.empty() && expiry_.front().kept_since < bound) {
        std::pop_heap(expiry_.begin(), expiry_.end(), std::greater<>{});
        const Expiry entry = expiry_.back();
        expiry_.pop_back();
        // An entry left by a replaced or removed story is not the story's any more: its slot is
        // free, or another story's kept since another time.
        const Story& s = stories_[entry.slot];
        if (slot_of(s.id) != entry.slot || s.kept_since != entry.kept_since) continue;
        remove(s.id);
        ++removed;
    }
    return removed;
}

std::size_t StoryEngine::memory_bytes() const {
    std::size_t bytes = terms_.memory_bytes() + term_text_.capacity() + df_.capacity() * sizeof(std::uint32_t) +
                        free_terms_.capacity() * sizeof(TermId) + stories_.memory_bytes() + times_.memory_bytes() +
                        free_slots_.capacity() * sizeof(Slot) + term_ids_.memory_bytes() + ids_.memory_bytes() +
                        by_url_.memory_bytes() + by_fingerprint_.memory_bytes() +
                        expiry_.capacity() * sizeof(expiry_.front()) + accumulated_.capacity() * sizeof(float) +
                        touched_.capacity() * sizeof(Slot) + ranked_.capacity() * sizeof(ranked_.front());
    terms_.for_each([&](const TermEntry& t) { bytes += t.postings.heap_bytes(); });
    bytes += blocks_.memory_bytes();
    return bytes;
}

StoryEngine::Query StoryEngine::make_query(const PreparedItem& item) const {
    Query q;
    q.log_n = log_n();
    q.terms.reserve(item.terms_.size());
    for (const TextTerm& t : item.terms_) {
        const TermId id = find_term(t.text);
        const std::uint32_t df = id == kNone ? 0 : df_[id];
        Query::Term term;
        term.id = id;
        term.title = std::min(t.title, kMaxTitleCount);
        term.lead = std::min(t.lead, kMaxLeadCount);
        term.text = term.title + term.lead + (t.role == Role::quantity ? 1u : 0u);
        term.role = t.role;
        term.word = is_word(t.text);
        term.weight = weight_of(t.role, df, q.log_n);
        if (is_entity(t.role)) term.entity_idf = idf(df, q.log_n);
        const auto add_norm = [&](double& norm2, std::uint32_t count) {
            if (count == 0) return;
            const double w = count_weight(count) * term.weight;
            norm2 += w * w;
        };
        add_norm(q.title_norm2, term.title);
        add_norm(q.lead_norm2, term.lead);
        add_norm(q.text_norm2, term.text);
        q.has_place = q.has_place || t.role == Role::place;
        q.has_person = q.has_person || t.role == Role::person;
        if (id != kNone) {
            q.terms.push_back(term);
            continue;
        }
        // A term no story has can only be unshared: it is counted, not listed.
        if (is_entity(t.role)) q.unknown_entity_idf += idf(0, q.log_n);
        q.unknown_place = q.unknown_place || t.role == Role::place;
        q.unknown_person = q.unknown_person || t.role == Role::person;
    }
    std::sort(q.terms.begin(), q.terms.end(), [](const Query::Term& a, const Query::Term& b) { return a.id < b.id; });
    q.quantities = item.quantities_;
    q.fingerprint = item.fingerprint_;
    q.url_hash = item.url_hash_;
    q.language = item.language_;
    return q;
}

std::size_t StoryEngine::candidates_of(const Query& q, SysTime time, Seconds window, std::vector<Slot>& slots) const {
    std::size_t postings_read = 0;
    // The item's rarest terms of its text, among those in no more stories than a posting list
    // holds: a list drops its oldest entries only while its term is more common than that, so
    // these lists are complete but for stories that were once crowded out.
    std::vector<std::uint32_t>& probes = probes_;  // indices into q.terms
    probes.clear();
    for (std::uint32_t i = 0; i < q.terms.size(); ++i)
        if (q.terms[i].text > 0 && df_[q.terms[i].id] <= limits_.postings) probes.push_back(i);
    std::sort(probes.begin(), probes.end(), [&](std::uint32_t i, std::uint32_t j) {
        const TermId a = q.terms[i].id, b = q.terms[j].id;
        if (df_[a] != df_[b]) return df_[a] < df_[b];
        const TermEntry& ta = terms_[a];
        const TermEntry& tb = terms_[b];
        return ta.hash != tb.hash ? ta.hash < tb.hash : text_of(a) < text_of(b);
    });
    if (probes.size() > limits_.query_terms) probes.resize(limits_.query_terms);

    // Rare-term weight per story, in a dense array (negative: not met yet) reset after use. The
    // window is checked once per story met, not per posting entry: a story shares several rare
    // terms with its rewrite, and each entry read costs a random access already (a tenth of the
    // database thread's time at 10,000 feeds was this loop, with two such accesses an entry).
    // The loop has no branch: whether an entry meets its story for the first time is a coin toss
    // (820 stories met in 1,516 entries a query, in a cold 1,000-feed cycle). Each entry writes
    // its slot past the stories met so far and keeps it only when it was not met before, so
    // touched_ holds room for every entry read. Finding candidates costs 6% less so (story engine
    // bench); the rest is the random reads of accumulated_, which no reordering here removes.
    if (accumulated_.size() < stories_.size()) accumulated_.resize(stories_.size(), -1.0f);
    for (const std::uint32_t i : probes) postings_read += terms_[q.terms[i].id].postings.size();
    if (touched_.size() < postings_read) touched_.resize(postings_read);
    std::size_t met = 0;
    for (const std::uint32_t i : probes) {
        const Query::Term& t = q.terms[i];
        const auto w = static_cast<float>(t.weight);
        for (const Slot slot : terms_[t.id].postings) {
            const float before = accumulated_[slot];
            touched_[met] = slot;
            met += before < 0 ? 1 : 0;
            accumulated_[slot] = std::max(before, 0.0f) + w;
        }
    }
    // The best EngineLimits::candidates of the stories met in the window, by weight, then the
    // earliest. They are kept in a heap whose front is the worst kept: a story that weighs less
    // than it is passed over without reading its time, and most do (820 stories met a query, a
    // dozen kept, in a cold 1,000-feed cycle). Sorting all those met in the window read the time
    // of each, a random access, and compared each with the heap of a partial sort. The order is a
    // total one, so the stories kept and their order are those of sorting them all.
    const auto ranks_before = [&](const std::pair<float, Slot>& a, const std::pair<float, Slot>& b) {
        return a.first != b.first ? a.first > b.first : earlier(a.second, b.second);
    };
    std::vector<std::pair<float, Slot>>& ranked = ranked_;
    ranked.clear();
    const std::size_t keep = limits_.candidates;
    for (const Slot slot : std::span(touched_).first(met)) {
        const float weight = accumulated_[slot];
        accumulated_[slot] = -1.0f;
        if (keep == 0) continue;
        const bool full = ranked.size() == keep;
        if (full && weight < ranked.front().first) continue;
        if (!in_window(times_[slot], time, window)) continue;
        if (!full) {
            ranked.emplace_back(weight, slot);
            std::push_heap(ranked.begin(), ranked.end(), ranks_before);
        } else if (ranks_before({weight, slot}, ranked.front())) {
            std::pop_heap(ranked.begin(), ranked.end(), ranks_before);
            ranked.back() = {weight, slot};
            std::push_heap(ranked.begin(), ranked.end(), ranks_before);
        }
    }
    std::sort_heap(ranked.begin(), ranked.end(), ranks_before);
    for (const auto& [w, slot] : ranked) slots.push_back(slot);

    // The fast paths' stories, whatever their words.
    add_fast_path_slots(q, time, window, slots);
    return postings_read;
}

void StoryEngine::add_fast_path_slots(const Query& q, SysTime time, Seconds window, std::vector<Slot>& slots) const {
    const auto add_if = [&](Slot slot, bool same) {
        if (same && in_window(times_[slot], time, window) && std::find(slots.begin(), slots.end(), slot) == slots.end())
            slots.push_back(slot);
    };
    if (q.url_hash != 0)
        by_url_.for_each(q.url_hash, [&](Slot slot) { add_if(slot, stories_[slot].url_hash == q.url_hash); });
    if (q.fingerprint != 0)
        by_fingerprint_.for_each(mix64(q.fingerprint),
                                 [&](Slot slot) { add_if(slot, stories_[slot].fingerprint == q.fingerprint); });
}

MatchDecision StoryEngine::score(const Query& q, SysTime time, Slot slot, bool explain) const {
    const Story& s = stories_[slot];
    MatchDecision d;
    d.story_id = s.id;
    MatchExplanation& why = d.explanation;

    // One pass over both sorted term lists gathers every piece of evidence. Both vectors are
    // weighted with today's IDF; names weigh the same whichever side calls them names.
    double dot_title = 0, dot_lead = 0, dot_text = 0, s_title2 = 0, s_lead2 = 0, s_text2 = 0;
    double shared = 0, unshared = q.unknown_entity_idf;  // names' IDF on both sides, or on one
    std::vector<std::pair<double, TermId>> shared_terms;
    bool s_has_place = false, s_has_person = false;
    bool q_place_met = false, q_person_met = false;  // a place (person) of the item the story has
    bool s_place_met = false, s_person_met = false;  // ... and the other way round
    quantity_scratch_.clear();
    const auto only_in_query = [&](const Query::Term& t) {
        if (is_entity(t.role)) unshared += t.entity_idf;
    };
    auto qi = q.terms.begin();
    for (const Packed p : terms_of(s)) {
        const TermId id = p.id();
        const Role role = p.role();
        const double rarity = idf(df_[id], q.log_n);
        const double w = weight_from(role, rarity);
        const double wt = p.title() ? count_weight(p.title()) * w : 0.0;
        const double wl = p.lead() ? count_weight(p.lead()) * w : 0.0;
        const double wx = p.text() ? count_weight(p.text()) * w : 0.0;
        s_title2 += wt * wt;
        s_lead2 += wl * wl;
        s_text2 += wx * wx;
        s_has_place = s_has_place || role == Role::place;
        s_has_person = s_has_person || role == Role::person;
        if (role == Role::quantity) quantity_scratch_.push_back(id);

        for (; qi != q.terms.end() && qi->id < id; ++qi) only_in_query(*qi);
        if (qi == q.terms.end() || qi->id != id) {
            if (is_entity(role)) unshared += rarity;
            continue;
        }
        const Query::Term& t = *qi++;
        if (t.title) dot_title += count_weight(t.title) * t.weight * wt;
        if (t.lead) dot_lead += count_weight(t.lead) * t.weight * wl;
        if (t.text) dot_text += count_weight(t.text) * t.weight * wx;
        if (is_entity(t.role) || is_entity(role)) {
            shared += rarity;
            if (explain) shared_terms.emplace_back(rarity, id);
        }
        q_place_met = q_place_met || t.role == Role::place;
        q_person_met = q_person_met || t.role == Role::person;
        s_place_met = s_place_met || role == Role::place;
        s_person_met = s_person_met || role == Role::person;
        // Words (and names) in common, numbers and dates apart.
        if (t.text > 0 && p.text() > 0 && t.word) ++why.shared_words;
    }
    for (; qi != q.terms.end(); ++qi) only_in_query(*qi);

    const auto cosine = [](double dot, double a2, double b2) {
        return a2 > 0 && b2 > 0 ? dot / std::sqrt(a2 * b2) : 0.0;
    };
    why.title_cosine = cosine(dot_title, q.title_norm2, s_title2);
    why.lead_cosine = cosine(dot_lead, q.lead_norm2, s_lead2);
    why.text_cosine = cosine(dot_text, q.text_norm2, s_text2);
    why.entity_agreement = shared + unshared > 0 ? shared / (shared + unshared) : 0.0;

    why.same_language = s.language < languages_.size() && q.language == languages_[s.language];
    why.scored_match_allowed = why.same_language && why.shared_words >= weights_.min_shared_words;

    const SysTime story_time = times_[slot];
    why.time_gap = story_time > time ? story_time - time : time - story_time;
    if (q.fingerprint != 0 && s.fingerprint != 0)
        why.fingerprint_distance = std::popcount(q.fingerprint ^ s.fingerprint);
    const double horizon = static_cast<double>(weights_.time_horizon.count());
    const double nearness =
        horizon > 0 ? std::max(0.0, 1.0 - static_cast<double>(why.time_gap.count()) / horizon) : 0.0;

    const bool same_url = q.url_hash != 0 && q.url_hash == s.url_hash;
    // The evidence still to weigh (places, persons, quantities) can only take from the score but
    // for the bonus of agreeing quantities, and it decides no fast path alone. So a story that no
    // fast path can take, and that those quantities could not lift to a scored match, is left
    // here when the caller only asks whether it matched: two in three of the stories scored in a
    // cold 1,000-feed cycle (182,000 of 272,000, for 27,000 items). Its score is then an upper bound,
    // below the threshold; the terms below are added in the same order as the full score's, so
    // the full score could not have reached it either.
    if (!explain && !same_url && why.fingerprint_distance > kMaxStoryDistance && weights_.quantity_agrees >= 0 &&
        weights_.conflict >= 0) {
        // Units agree only where both sides give quantities, one unit for one quantity at most.
        const int could_agree =
            static_cast<int>(std::min({std::size_t{kMaxAgreeingUnits}, q.quantities.size(), quantity_scratch_.size()}));
        const double at_most = weights_.title * why.title_cosine + weights_.lead * why.lead_cosine +
                               weights_.text * why.text_cosine + weights_.quantity_agrees * could_agree +
                               weights_.time * nearness;
        if (!why.scored_match_allowed || at_most < weights_.threshold) {
            d.score = at_most;
            return d;
        }
    }
    if (explain) {
        std::sort(shared_terms.begin(), shared_terms.end(), [&](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : text_of(a.second) < text_of(b.second);
        });
        for (const auto& [w, id] : shared_terms) why.shared_entities.emplace_back(text_of(id));
    }

    double conflicts = 0;
    bool any_conflict = false;
    const auto conflict = [&](const auto& describe) {
        any_conflict = true;
        conflicts += weights_.conflict;
        if (explain) why.conflicts.push_back(describe());
    };
    // A place (or person) on each side, and neither side mentions any of the other's.
    const auto role_conflict = [&](const char* name, Role role, bool mine, bool unknown_mine, bool theirs, bool met) {
        if (!mine || !theirs || met) return;
        conflict([&] {
            std::string side_a, side_b;
            for (const Query::Term& t : q.terms)
                if (t.role == role) (side_a += side_a.empty() ? "" : " ") += text_of(t.id);
            if (unknown_mine) side_a += side_a.empty() ? "?" : " ?";
            for (const Packed p : terms_of(s))
                if (p.role() == role) (side_b += side_b.empty() ? "" : " ") += text_of(p.id());
            return std::string(name) + ":" + side_a + "|" + side_b;
        });
    };
    role_conflict("place", Role::place, q.has_place, q.unknown_place, s_has_place, q_place_met || s_place_met);
    role_conflict("person", Role::person, q.has_person, q.unknown_person, s_has_person, q_person_met || s_person_met);

    // Quantities, unit by unit: one value in common agrees, none in common conflicts.
    int agreeing_units = 0;
    if (!q.quantities.empty() && !quantity_scratch_.empty()) {
        std::vector<std::string_view>& story_quantities = quantity_views_[0];
        story_quantities.clear();
        for (const TermId id : quantity_scratch_)
            story_quantities.push_back(text_of(id).substr(kQuantityPrefix.size()));
        std::sort(story_quantities.begin(), story_quantities.end());
        for (auto qa = q.quantities.begin(); qa != q.quantities.end();) {
            const std::string_view unit = split_quantity(*qa).first;
            std::vector<std::string_view>& mine = quantity_views_[1];
            std::vector<std::string_view>& theirs = quantity_views_[2];
            mine.clear();
            theirs.clear();
            for (; qa != q.quantities.end() && split_quantity(*qa).first == unit; ++qa)
                mine.push_back(split_quantity(*qa).second);
            for (const std::string_view sq : story_quantities)
                if (split_quantity(sq).first == unit) theirs.push_back(split_quantity(sq).second);
            if (theirs.empty()) continue;
            const auto common = std::find_first_of(mine.begin(), mine.end(), theirs.begin(), theirs.end());
            if (common != mine.end()) {
                if (unit != "wday") ++agreeing_units;
                if (explain) why.shared_quantities.push_back(std::string(unit) + ":" + std::string(*common));
                continue;
            }
            conflict([&] {
                return std::string(unit) + ":" + std::string(mine.front()) + "|" + std::string(theirs.front());
            });
        }
    }

    if (same_url) {
        why.fast_path = "url";
    } else if (why.fingerprint_distance <= kMaxStoryDistance && !any_conflict) {
        // The same lead, give or take a few words, unless it names another date, score or place:
        // then it is the next edition of one template (a weather bulletin).
        why.fast_path = "fingerprint";
    }
    d.score = weights_.title * why.title_cosine + weights_.lead * why.lead_cosine + weights_.text * why.text_cosine +
              weights_.quantity_agrees * std::min(agreeing_units, kMaxAgreeingUnits) - conflicts +
              weights_.time * nearness;
    return d;
}

StoryEngine::Candidates StoryEngine::candidates(const StoryFeatures& features, SysTime time, Seconds window) const {
    FeaturesView view;
    PreparedItem item;
    prepare(features, view, item);
    std::vector<Slot> slots;
    Candidates out;
    out.postings_read = candidates_of(make_query(item), time, window, slots);
    for (const Slot slot : slots) out.stories.push_back(stories_[slot].id);
    return out;
}

std::optional<MatchDecision> StoryEngine::score_against(const StoryFeatures& features, SysTime time,
                                                        std::int64_t story_id) const {
    const Slot slot = slot_of(story_id);
    if (slot == kNone) return std::nullopt;
    FeaturesView view;
    PreparedItem item;
    prepare(features, view, item);
    return score(make_query(item), time, slot, true);
}

std::optional<MatchDecision> StoryEngine::match(const StoryFeatures& features, SysTime time, Seconds window) const {
    FeaturesView view;
    PreparedItem item;
    prepare(features, view, item);
    return match(item, time, window);
}

std::optional<MatchDecision> StoryEngine::match(const PreparedItem& item, SysTime time, Seconds window) const {
    const Query q = make_query(item);

    std::optional<MatchDecision> best;
    Slot best_slot = kNone;
    int best_rank = 0;  // 3: same URL, 2: near fingerprint, 1: scored
    const auto better = [&](int rank, const MatchDecision& d, Slot slot) {
        if (!best) return true;
        if (rank != best_rank) return rank > best_rank;
        // Among fingerprints the nearest, then the highest score; ties to the earliest story.
        if (rank == 2 && d.explanation.fingerprint_distance != best->explanation.fingerprint_distance)
            return d.explanation.fingerprint_distance < best->explanation.fingerprint_distance;
        if (rank != 3 && d.score != best->score) return d.score > best->score;
        return earlier(slot, best_slot);
    };
    // What a candidate can at best become, known without scoring it: 3 (the same URL), 2 (a near
    // fingerprint; a conflict may still deny it), 1 (a scored match, which needs one language), 0.
    // The choice does not depend on the order candidates are scored in (better() is a total order),
    // so the likeliest go first and none that cannot beat the best so far is scored at all.
    const auto language = std::find(languages_.begin(), languages_.end(), q.language);
    const auto q_language = static_cast<std::size_t>(language - languages_.begin());  // size(): no story's
    const auto ceiling = [&](const Story& s) {
        if (q.url_hash != 0 && q.url_hash == s.url_hash) return 3;
        if (q.fingerprint != 0 && s.fingerprint != 0 &&
            std::popcount(q.fingerprint ^ s.fingerprint) <= kMaxStoryDistance)
            return 2;
        return s.language == q_language ? 1 : 0;
    };
    std::vector<std::pair<int, Slot>>& order = order_;
    const auto choose_among = [&](const std::vector<Slot>& slots) {
        order.clear();
        for (const Slot slot : slots)
            if (const int c = ceiling(stories_[slot]); c > 0) order.emplace_back(c, slot);
        std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (const auto& [can_reach, slot] : order) {
            if (can_reach < best_rank) break;
            MatchDecision d = score(q, time, slot, false);
            const int rank = d.explanation.fast_path == "url"                                      ? 3
                             : d.explanation.fast_path == "fingerprint"                            ? 2
                             : d.explanation.scored_match_allowed && d.score >= weights_.threshold ? 1
                                                                                                   : 0;
            if (rank == 0 || !better(rank, d, slot)) continue;
            best = std::move(d);
            best_slot = slot;
            best_rank = rank;
        }
    };

    // An exact copy first: every story of the same URL, or of the very same fingerprint, is in the
    // fast paths' tables, and nothing the posting lists could add would beat one of them (a URL
    // ranks first; a fingerprint at distance 0, unless a conflict denies it, is the nearest
    // possible, and all others as near share it). So a copy of a wire story (a seventh of the
    // items of a cold cycle on the bench farm) needs no posting list read.
    std::vector<Slot>& slots = match_slots_;
    slots.clear();
    add_fast_path_slots(q, time, window, slots);
    choose_among(slots);
    const bool settled = best && (best_rank == 3 || (best_rank == 2 && best->explanation.fingerprint_distance == 0));
    if (!settled) {
        slots.clear();
        candidates_of(q, time, window, slots);
        choose_among(slots);
    }
    if (best) best = score(q, time, best_slot, true);  // the winner's explanation in full
    return best;
}

StoryEngineIndex::StoryEngineIndex(MatchWeights weights, EngineLimits limits) : engine_(weights, limits) {}

const StoryEngine::PreparedItem* StoryEngineIndex::prepared_for(const ItemKeys& keys) const {
    if (keys.features != last_bytes_ || keys.features.empty()) {
        last_bytes_ = keys.features;
        last_read_ = read_features(last_bytes_, last_view_);
        if (last_read_) StoryEngine::prepare(last_view_, last_item_);
    }
    return last_read_ ? &last_item_ : nullptr;
}

bool StoryEngineIndex::add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) {
    const StoryEngine::PreparedItem* item = prepared_for(keys);
    if (item == nullptr) return false;
    engine_.add(story_id, *item, time, arrived);
    return true;
}

void StoryEngineIndex::remove(std::int64_t story_id) { engine_.remove(story_id); }

std::size_t StoryEngineIndex::expire(SysTime arrived_before) { return engine_.expire(arrived_before); }

std::optional<StoryMatch> StoryEngineIndex::match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                                  Seconds window) const {
    const StoryEngine::PreparedItem* prepared = prepared_for(keys);
    const std::optional<MatchDecision> decision = prepared != nullptr
                                                      ? engine_.match(*prepared, time, window)
                                                      : engine_.match(extract_features(item), time, window);
    if (!decision) return std::nullopt;
    return StoryMatch{.story_id = decision->story_id,
                      .reason = decision->explanation.to_string(decision->score),
                      .by_score = decision->explanation.fast_path.empty(),
                      .by_url = decision->explanation.fast_path == "url"};
}

std::string StoryEngineIndex::features_of(const ParsedItem& item) const { return serialize(extract_features(item)); }

}  // namespace tributary::dedup
