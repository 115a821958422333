#pragma once
// Recognising a rewrite (DESIGN.md "Identity and duplicates", step 3): which story, among those
// of the time window, a new item reports, when its site rewrote the headline and the lead.
//
// StoryEngine holds the features of the stories in the window, an inverted index over their rare
// terms and the document frequencies its TF-IDF weights come from, all updated per call: nothing
// is rebuilt per ingest, and a match costs the same with ten thousand stories held as with a
// million (DESIGN.md "Scale"). It is a plain in-memory value, owned by one thread (the store's),
// without locks.
//
// Typical use by the store, per new item:
//
//     const StoryFeatures f = extract_features(item);           // persisted with serialize(f)
//     if (auto m = engine.match(f, item_time, 48h)) {
//         join(m->story_id);  log(m->explanation.to_string());
//     } else {
//         const auto id = create_story();
//         engine.add(id, f, item_time);
//     }
//     ...; engine.expire(now - 48h);                             // once per cycle
//
// At start-up the store adds the stories of the window from their persisted features. The engine
// keeps one text per story: the one it was added with (the first item, usually); call update()
// when that item's text changes.

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/story_index.hpp"
#include "core/types.hpp"
#include "dedup/block_arena.hpp"
#include "dedup/chunked_array.hpp"
#include "dedup/probe_table.hpp"
#include "dedup/slot_list.hpp"
#include "dedup/story_features.hpp"

namespace tributary::dedup {

// Every weight of the score and its threshold, in one place.
//
//   score = title·cos(headlines) + lead·cos(leads) + text·cos(headline + lead)
//         + quantity_agrees·min(units agreeing, 2) − conflict·(conflicts)
//         + time·max(0, 1 − gap / time_horizon)
//
// Cosines are over TF-IDF vectors (sub-linear term counts, IDF from the stories the engine holds)
// in which names, places, numbers and dates weigh entity_boost times a word of the same rarity.
// The score adds evidence for "one event" (shared wording, above all shared names and numbers)
// and subtracts evidence for "two events of one kind" (another date, score, magnitude, measure,
// weekday, place or person where both items give one). The values are round numbers chosen by
// reasoning, then checked, not fitted, with bench/dedup_eval (which prints precision and recall
// over thresholds, and --set NAME=VALUE to see what changing one does) on the shared ECB+
// development set and tests/fixtures/dedup/ar-fr-pairs.json.
struct MatchWeights {
    // Wording. The whole-text cosine is the most reliable of the three (a rewrite often moves the
    // headline's facts into its lead and back), so it weighs as much as the other two together.
    double title = 0.25;
    double lead = 0.25;
    double text = 0.5;
    // What tells one earthquake or one arrest from another is who, where, when and how much. At 1
    // (names weigh as other words) the development set's ranking was clearly worse (ROC area
    // 0.79 against 0.85); from 2 to 4 it hardly moves, so 3 sits in the middle of the plateau.
    // A separate "share of names in common" term was tried and added nothing over this boost.
    double entity_boost = 3.0;

    // Numbers and quantities ("34.2", "#pct:34.2") in the cosines weigh like names: a figure one
    // item gives and the other lacks is evidence of two events (precision on the development
    // set falls from 0.98 to 0.94 at 1).
    double number_boost = 3.0;
    // ... and a number's IDF is capped here. Figures are drawn from a space so large that almost
    // any one is rare, so its rarity says little: uncapped, in a window of 20,000 stories a
    // shared "34,2 %" weighed as much as all the other words of two headlines together, and
    // joined unemployment, dam levels and exports (the bench farm). ln(20) ≈ 3: as rare as a
    // word one story in twenty uses.
    double number_idf_cap = 3.0;

    // Each unit (date, score, magnitude, a measure; not weekdays, which agree by chance one time
    // in seven) in which both items give the same value, counted up to two: agreeing on the
    // 6.1 magnitude or the 20-13 score is strong evidence of one event.
    double quantity_agrees = 0.15;

    // Evidence of two different events: a unit in which both items give values and none is
    // common (another date, score, magnitude, weekday), or places (persons) of the same role
    // none of which the other item mentions. One conflict must outweigh the wording of two
    // bulletins written from one template, which scores about as high as a faithful rewrite.
    double conflict = 0.35;

    // Nearer in time is likelier the same story: up to this much for a gap of zero, falling
    // linearly to nothing at a gap of time_horizon. Small: a window bounds the gap already.
    double time = 0.05;
    Seconds time_horizon = std::chrono::hours{48};

    // A story is the item's when the score reaches this. Precision first: a false merge hides
    // news, a missed merge only shows it twice. On the ECB+ development set (bench/dedup_eval,
    // 206 items held), precision is 0.96 at 0.55 (recall 0.53) and falls to 0.88 at 0.50; our
    // own Arabic and French pairs have no false merge at any threshold from 0.35.
    double threshold = 0.55;

    // Two more conditions for a scored match (not for the fast paths). Both items in one
    // language: across languages the wording cannot be compared, and a shared number or name
    // alone then decided (on the bench farm, an Arabic budget figure joined English price
    // news). And at least this many words or names in common besides numbers: "10.7%" shared
    // by two unrelated bulletins is no evidence of one event, however rare the figure.
    std::size_t min_shared_words = 2;

    // IDF = ln((N + prior_stories) / (df + 1)): as if the engine also held this many stories
    // without the term, so that a near-empty engine still weighs words (uniformly) instead of
    // dividing by nothing, and a full one is hardly affected. Results barely move from 2 to 1000.
    double prior_stories = 20.0;
};

// What bounds the cost of one match, independently of the number of stories held.
struct EngineLimits {
    // The item's terms that look for candidates: the rarest ones.
    std::size_t query_terms = 24;
    // A term's posting list keeps its newest stories, this many at least (a quarter more before
    // the oldest go), and a term in more stories than this is too common to look for candidates
    // with.
    std::size_t postings = 256;
    // Stories scored in full per match: those sharing the most rare-term weight with the item.
    // A story's own rewrite ranks near the top of that list; further down sit look-alikes (the
    // same template, city or ministry), and each one scored is one more chance for a false merge
    // to cross the threshold. From 24 to 12: the same answers on ECB+ and our Arabic/French
    // pairs, the same rewrites found at 1 million stories (story engine bench), 99.6% of the
    // ingest bench's rewrites joined as before; match cost at 10k stories 75 to 38 µs. On the
    // bench farm's templated news (bench/cycle/story_truth.py, pairs of items): at 1,000 feeds
    // precision 0.558 to 0.598, recall 0.959 to 0.958; at 10,000 feeds, where ten times as many
    // look-alikes compete, precision 0.352 to 0.499 (wrong pairs halved) for recall 0.793 to
    // 0.762: precision first.
    std::size_t candidates = 12;
};

// Why a story was (or would be) chosen: the features that decided, for logs and `explain-story`.
struct MatchExplanation {
    std::string fast_path;                     // "url", "fingerprint" or "" (scored)
    int fingerprint_distance = 64;             // bits between the two fingerprints
    double title_cosine = 0, lead_cosine = 0;  // TF-IDF cosines of headlines and of leads
    double text_cosine = 0;                    // of headline + lead together
    double entity_agreement = 0;               // IDF-weighted share of both items' names in both
    std::vector<std::string> shared_entities;  // entity words both texts contain, rarest first
    std::vector<std::string> shared_quantities;
    std::vector<std::string> conflicts;  // "date:12-29|12-30", "place:طنج|فاس", …
    Seconds time_gap{0};
    std::size_t shared_words = 0;  // terms of the two texts in common, numbers and dates apart
    bool same_language = true;
    // A score at or above the threshold may decide: same language, enough shared words.
    bool scored_match_allowed = false;

    // One line: "score=0.82 text=0.71 title=0.55 lead=0.64 entities=0.90[lohan lindsay] …".
    std::string to_string(double score) const;
};

struct MatchDecision {
    std::int64_t story_id = 0;
    double score = 0;  // the weighed evidence: >= MatchWeights::threshold unless a fast path decided
    MatchExplanation explanation;

    std::string to_string() const;  // "story=42 " + explanation.to_string(score)
};

class StoryEngine {
public:
    explicit StoryEngine(MatchWeights weights = {}, EngineLimits limits = {});

    // An item's features as add() and match() read them: the terms of its headline, lead, names
    // and quantities, merged into one sorted list. The daemon prepares each new item once,
    // matches it, and adds it as a new story from the same preparation when nothing matched:
    // merging for each call was a twentieth of the database thread's time. A PreparedItem views
    // the features it was prepared from, which must outlive it; it is filled in place and keeps
    // its buffers from one item to the next, so it is neither copied nor moved.
    class PreparedItem;
    static void prepare(const FeaturesView& features, PreparedItem& out);
    void add(std::int64_t story_id, const PreparedItem& item, SysTime time, SysTime kept_since);
    std::optional<MatchDecision> match(const PreparedItem& item, SysTime time, Seconds window) const;

    // A new story, known by its first item's features and time. Adding an id already held
    // replaces it (as update()). expire() removes it once `kept_since` (by default its time)
    // lies before the bound: the daemon keeps a story for a window after it arrived.
    void add(std::int64_t story_id, const StoryFeatures& features, SysTime time);
    void add(std::int64_t story_id, const StoryFeatures& features, SysTime time, SysTime kept_since);
    // The story's text (or time) changed.
    void update(std::int64_t story_id, const StoryFeatures& features, SysTime time);
    // Forgets the story; nothing happens for an unknown id.
    void remove(std::int64_t story_id);
    // Forgets every story kept since before `before`; returns how many. Costs what leaves.
    std::size_t expire(SysTime before);

    // The story the item reports, among those whose time lies within `window` of `time`: same
    // canonical URL (by its hash: see Story::url_hash), else a fingerprint within
    // kMaxStoryDistance bits (unless a date, number, place or person conflicts: the next edition
    // of a template), else the best score at or above the threshold; of equal answers the
    // earliest story (then the smallest id). nullopt: a new story. Scores only the candidates():
    // a near-duplicate is among them by its words.
    std::optional<MatchDecision> match(const StoryFeatures& item, SysTime time, Seconds window) const;

    // The item scored against one story held, whether or not match() would choose it (and
    // whatever the window): for `explain-story` and the evaluation tool. nullopt: unknown id.
    std::optional<MatchDecision> score_against(const StoryFeatures& item, SysTime time, std::int64_t story_id) const;

    // The stories match() would score for this item, in the order it considers them, and how many
    // posting entries it read to find them: both bounded by EngineLimits, whatever size() is.
    struct Candidates {
        std::vector<std::int64_t> stories;
        std::size_t postings_read = 0;
    };
    Candidates candidates(const StoryFeatures& item, SysTime time, Seconds window) const;

    std::size_t size() const { return ids_.size(); }
    // Distinct terms held (words, names, quantities): what the index's memory grows with. Terms
    // leave with the last story that has them.
    std::size_t terms() const { return terms_.size() - free_terms_.size(); }
    // Bytes the engine holds on the heap (an estimate from capacities, for benchmarks and logs).
    std::size_t memory_bytes() const;
    const MatchWeights& weights() const { return weights_; }

private:
    using TermId = std::uint32_t;
    using Slot = std::uint32_t;
    static constexpr std::uint32_t kNone = ProbeTable::kEmpty;

    // What a term is in one text, by rising precedence: a word, a bare number, a quantity
    // ("#pct:10.7"), or a word of a name, a person or a place. Names, persons and places weigh
    // MatchWeights::entity_boost, numbers and quantities number_boost.
    enum class Role : std::uint8_t { word, number, quantity, name, person, place };
    static bool is_entity(Role r) { return r >= Role::name; }
    double boost_of(Role role) const {
        return is_entity(role)                                  ? weights_.entity_boost
               : role == Role::number || role == Role::quantity ? weights_.number_boost
                                                                : 1.0;
    }
    // A term's TF-IDF weight before its count: IDF (a number's capped), times its role's boost.
    double weight_of(Role role, std::uint32_t df, double log_n) const { return weight_from(role, idf(df, log_n)); }
    // The same from the term's IDF (`rarity`), which score() needs apart too.
    double weight_from(Role role, double rarity) const {
        const bool number = role == Role::number || role == Role::quantity;
        return (number ? std::min(rarity, weights_.number_idf_cap) : rarity) * boost_of(role);
    }

    // One term of a story in 32 bits: its id (24 bits), how often the headline (2 bits) and the
    // lead (3 bits) use it, and its role (3 bits). Counts are clamped at 3 and 7: a count weighs
    // 1 + ln(count), so a headline that says a word four times loses little; a story's terms cost
    // 4 bytes each instead of a vector of 8-byte entries per part.
    static constexpr TermId kMaxTerms = TermId{1} << 24;
    static constexpr std::uint32_t kMaxTitleCount = 3, kMaxLeadCount = 7;
    struct Packed {
        std::uint32_t bits = 0;
        TermId id() const { return bits & (kMaxTerms - 1); }
        std::uint32_t title() const { return (bits >> 24) & 3u; }
        std::uint32_t lead() const { return (bits >> 26) & 7u; }
        Role role() const { return static_cast<Role>(bits >> 29); }
        // In the whole-text vector: headline and lead, and a quantity once.
        std::uint32_t text() const { return title() + lead() + (role() == Role::quantity ? 1u : 0u); }
    };
    static Packed pack(TermId id, std::uint32_t title, std::uint32_t lead, Role role);

    // A story's terms in id order, each written as the distance of its id from the previous term's
    // (LEB128: 7 bits a byte, so one or two bytes for most) and one byte of counts and role (a
    // Packed's top 8 bits). The blocks were half the engine's memory at 4 bytes a term; a story
    // holds about 37 terms, close in id as they are sorted, so most take 2 or 3 bytes.
    class TermReader {
    public:
        class Iterator {
        public:
            using value_type = Packed;
            using difference_type = std::ptrdiff_t;
            Iterator() = default;
            Iterator(const std::uint8_t* at, std::uint32_t left) : at_(at), left_(left) {
                if (left_ > 0) read();
            }
            Packed operator*() const { return current_; }
            Iterator& operator++() {
                if (--left_ > 0) read();
                return *this;
            }
            void operator++(int) { ++*this; }
            bool operator==(std::default_sentinel_t) const { return left_ == 0; }
            const std::uint8_t* position() const { return at_; }

        private:
            void read() {
                std::uint32_t delta = 0;
                for (int shift = 0;; shift += 7) {
                    const std::uint8_t byte = *at_++;
                    delta |= static_cast<std::uint32_t>(byte & 0x7Fu) << shift;
                    if ((byte & 0x80u) == 0) break;
                }
                id_ += delta;
                current_.bits = id_ | (static_cast<std::uint32_t>(*at_++) << 24);
            }
            const std::uint8_t* at_ = nullptr;
            std::uint32_t left_ = 0;
            TermId id_ = 0;
            Packed current_{};
        };
        TermReader(const std::uint8_t* block, std::uint32_t count) : block_(block), count_(count) {}
        Iterator begin() const { return Iterator(block_, count_); }
        std::default_sentinel_t end() const { return {}; }

    private:
        const std::uint8_t* block_;
        std::uint32_t count_;
    };
    // 32 bytes a term: its text lives in term_text_ (one buffer for all: a std::string a term cost
    // 32 bytes, and a heap block for one longer than 15 bytes, an Arabic word of eight letters),
    // its postings in a SlotList. A realistic window holds several terms a story.
    struct TermEntry {
        std::uint64_t hash = 0;
        std::uint32_t text_at = 0;    // in term_text_
        std::uint32_t text_size = 0;  // 0: a free entry
        SlotList postings;            // its newest stories (EngineLimits::postings), oldest first
    };
    std::string_view text_of(TermId id) const {
        return std::string_view(term_text_).substr(terms_[id].text_at, terms_[id].text_size);
    }
    // Rewrites term_text_ without the texts of terms freed, once they are half of it.
    void compact_term_text();
    // When a story is kept since, for expiry: seconds since 1970 in 32 bits (earlier times count
    // as 1970, later than 2106 as 2106), which makes a story and its expiry entry 16 bytes less.
    static std::uint32_t expiry_time(SysTime t);
    struct Story {
        std::int64_t id = 0;
        std::uint64_t fingerprint = 0;
        // Its canonical URL's hash, not its bytes (0: none): a third of a story's memory was its
        // URL, and the store, which keeps the URL, looks an item's up exactly before it asks the
        // engine. So a match on the hash alone is never taken by the store (StoryMatch::by_url).
        std::uint64_t url_hash = 0;
        // Its terms sorted by id, encoded (see TermReader), in blocks_ (block_bytes long; none
        // for a story without terms).
        BlockArena::Handle block = 0;
        std::uint32_t block_bytes = 0;
        std::uint32_t kept_since = 0;  // expiry_time()
        std::uint16_t term_count = 0;  // a story's words are capped well below (kMaxStoryTerms)
        std::uint8_t language = 0;     // index in languages_
    };
    TermReader terms_of(const Story& s) const {
        return TermReader(s.block_bytes > 0 ? blocks_.data(s.block) : nullptr, s.term_count);
    }
    // The block of these terms (Packed bits, sorted by id), as TermReader reads it.
    static void encode_terms(std::span<const std::uint32_t> sorted, std::vector<std::uint8_t>& out);
    static_assert(sizeof(Packed) == sizeof(std::uint32_t));
    static constexpr std::size_t kMaxStoryTerms = 65535;

    // A distinct term of an item's features, with its counts and role (views into the features).
    struct TextTerm {
        std::string_view text;
        std::uint32_t title = 0, lead = 0;
        Role role = Role::word;
    };
    // The forms that take StoryFeatures prepare them on the spot.
    static void prepare(const StoryFeatures& features, FeaturesView& view, PreparedItem& out);
    // The item being matched, in the engine's terms.
    struct Query;

    TermId intern(std::string_view term);
    TermId find_term(std::string_view term) const;
    void release(TermId id, Slot slot);
    std::uint8_t language_code(std::string_view language);
    // ln(N + prior) - ln(df + 1), clamped at 0; log_n = ln(N + prior) is computed once per call.
    double idf(std::uint32_t df, double log_n) const;
    double log_n() const;
    Query make_query(const PreparedItem& item) const;
    // Appends the candidates' slots to `slots`; returns the posting entries read.
    std::size_t candidates_of(const Query& q, SysTime time, Seconds window, std::vector<Slot>& slots) const;
    // The stories of the item's canonical URL and of its exact fingerprint, in the window, each once.
    void add_fast_path_slots(const Query& q, SysTime time, Seconds window, std::vector<Slot>& slots) const;
    // The evidence for the item against one story; the explanation's words and strings only when
    // `explain` (the other candidates only need the numbers). Without `explain`, a story that can
    // be neither a fast path nor a scored match is left before its places, persons and quantities
    // are weighed: its score is then an upper bound, below the threshold.
    MatchDecision score(const Query& q, SysTime time, Slot slot, bool explain) const;
    // MatchWeights::quantity_agrees counts this many agreeing units at most.
    static constexpr int kMaxAgreeingUnits = 2;
    Slot slot_of(std::int64_t story_id) const;
    bool earlier(Slot a, Slot b) const;

    MatchWeights weights_;
    EngineLimits limits_;
    ChunkedArray<TermEntry> terms_;
    std::string term_text_;      // every term's text, one after the other
    std::size_t dead_text_ = 0;  // bytes of term_text_ that freed terms left
    // Per term, apart from terms_ (a dense array that stays in cache): the stories holding it,
    // read for every term of every story scored.
    std::vector<std::uint32_t> df_;
    std::vector<TermId> free_terms_;
    ProbeTable term_ids_;  // term text -> id
    // Per slot, in chunks (see chunked_array.hpp: a vector's growth is the engine's peak).
    ChunkedArray<Story> stories_;
    BlockArena blocks_;            // the stories' term blocks
    ChunkedArray<SysTime> times_;  // apart from stories_: read for every posting entry
    std::vector<Slot> free_slots_;
    ProbeTable ids_;             // story id -> slot
    ProbeTable by_url_;          // canonical URL's hash -> slots
    ProbeTable by_fingerprint_;  // exact fingerprint (the same lead) -> slots
    std::vector<std::string> languages_;
    // (kept_since, slot), a min-heap; entries of replaced or removed stories stay until they come
    // up, and are then skipped (a slot reused since by a story kept since the same second expires
    // with it, as its own entry says it should).
    struct Expiry {
        std::uint32_t kept_since;  // expiry_time()
        Slot slot;
        bool operator>(const Expiry& other) const { return kept_since > other.kept_since; }
    };
    std::vector<Expiry> expiry_;
    // Scratch of candidates_of (the engine has one user thread): rare-term weight per slot.
    mutable std::vector<float> accumulated_;
    mutable std::vector<Slot> touched_;
    mutable std::vector<std::uint32_t> probes_;  // indices into the query's terms
    mutable std::vector<std::pair<float, Slot>> ranked_;
    // Scratch of match(): the candidates, and the order they are scored in.
    mutable std::vector<Slot> match_slots_;
    mutable std::vector<std::pair<int, Slot>> order_;
    mutable std::vector<TermId> quantity_scratch_;  // of score()
    // Of score(): the story's quantities, then the item's and the story's of one unit.
    mutable std::array<std::vector<std::string_view>, 3> quantity_views_;
    std::vector<std::uint32_t> pack_scratch_;  // of add()
    std::vector<std::uint8_t> block_scratch_;  // of add()
};

class StoryEngine::PreparedItem {
public:
    PreparedItem() = default;
    PreparedItem(const PreparedItem&) = delete;
    PreparedItem& operator=(const PreparedItem&) = delete;

private:
    friend class StoryEngine;
    std::vector<TextTerm> terms_;              // each distinct term once, sorted by text
    std::vector<std::string> quantity_texts_;  // "#unit:value": the quantities' terms view these
    std::vector<std::string_view> quantities_;
    std::string_view language_;
    std::uint64_t fingerprint_ = 0;
    std::uint64_t url_hash_ = 0;
    std::vector<TextTerm> names_, merged_, merging_;  // prepare()'s buffers
};

// The daemon's StoryIndex (core/story_index.hpp): a StoryEngine fed with the features ItemKeys
// carry, whose stories leave in the order they arrived. Arrival, not the item's date, bounds
// what is held: a first poll may bring items dated weeks ago, which must still meet each other
// (the item's date decides the match window), yet nothing stays longer than the window after
// it came. One thread uses it (the store's).
class StoryEngineIndex final : public StoryIndex {
public:
    explicit StoryEngineIndex(MatchWeights weights = {}, EngineLimits limits = {});

    bool add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) override;
    void remove(std::int64_t story_id) override;
    std::size_t expire(SysTime arrived_before) override;
    std::size_t size() const override { return engine_.size(); }
    std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                    Seconds window) const override;
    std::string features_of(const ParsedItem& item) const override;

    const StoryEngine& engine() const { return engine_; }

private:
    // The features of the last keys read, prepared: an ingest matches an item, then adds it as a
    // new story with the same keys. nullptr: the keys carry none this build can read.
    const StoryEngine::PreparedItem* prepared_for(const ItemKeys& keys) const;

    StoryEngine engine_;
    mutable std::string last_bytes_;
    mutable FeaturesView last_view_;               // of last_bytes_
    mutable StoryEngine::PreparedItem last_item_;  // of last_view_
    mutable bool last_read_ = false;
};

}  // namespace tributary::dedup
