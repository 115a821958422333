#pragma once
// What an item says that lets two sites' rewrites of one event be recognised (DESIGN.md
// "Identity and duplicates"): its stemmed words, the names, places, numbers and dates it
// mentions, and the old fast-path keys. Pure: no I/O, no state but a per-thread stemmer.
//
// The features are computed once per item (at ingest) and can be persisted with serialize(), so
// a restarted daemon refills its StoryEngine from the store instead of re-reading every text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace tributary::dedup {

// A word of the text after normalize_text, stop-word removal and Snowball stemming, with how
// many times the part of the text it comes from (title or lead) uses it.
struct TermCount {
    std::string term;
    std::uint32_t count = 0;

    friend bool operator==(const TermCount&, const TermCount&) = default;
};

enum class EntityKind : std::uint8_t {
    name = 0,    // a capitalised sequence, or Latin words inside Arabic text
    person = 1,  // announced by a title or honorific (السيد, الملك, M., Mrs)
    place = 2,   // announced by a place noun (مدينة, إقليم) or a known place name
};

struct Entity {
    // The entity's words as terms (normalised and stemmed like TermCount::term), joined by one
    // space: "lindsay lohan", "طنج". Its words are also among the title or lead terms.
    std::string key;
    EntityKind kind = EntityKind::name;

    friend bool operator==(const Entity&, const Entity&) = default;
    friend auto operator<=>(const Entity&, const Entity&) = default;
};

struct StoryFeatures {
    std::string language = "other";  // "ar", "fr", "en" or "other" (from script and stop-word hits)
    std::vector<TermCount> title;    // the headline's terms, sorted by term, each once
    std::vector<TermCount> lead;     // the first kFeatureLeadWords words of the summary (else content)
    std::vector<Entity> entities;    // sorted, each once
    // Numbers that carry a unit, and dates, as "unit:value", sorted, each once:
    //   date:MM-DD   day and month (the year is left out: leads rarely repeat it)
    //   wday:N       a weekday, 1 = Monday
    //   score:A-B    a scoreline, smaller first (a rewrite may name the teams the other way)
    //   mag:V        an earthquake's magnitude
    //   pct, km, deg, mm, t, kg, ha, mad, eur, usd, yr:V   a measure in that unit (yr: ages, durations)
    // V is the number as written with ',' as '.', times its multiplier ("3 millions" → 3000000).
    std::vector<std::string> quantities;
    std::uint64_t fingerprint = 0;  // story_fingerprint(item): the old near-duplicate fast path
    std::string canonical_url;      // canonical_url(item.link): the same-URL fast path

    friend bool operator==(const StoryFeatures&, const StoryFeatures&) = default;
};

// How many words of the text make the lead.
inline constexpr std::size_t kFeatureLeadWords = 60;

// Features of one item: title from item.title, lead from item.summary (else item.content, as
// HTML). Pure and total: any input, including invalid UTF-8, gives features (maybe empty).
// Thread-safe: each thread uses its own stemmers.
StoryFeatures extract_features(const ParsedItem& item);

// A compact binary form for the store (a BLOB), which starts with a version. deserialize()
// returns nullopt for anything it did not write itself in this version, including features of an
// older extractor (kFeaturesVersion changes whenever extraction does): the caller then
// recomputes them from the item's text.
inline constexpr std::uint8_t kFeaturesVersion = 2;
std::string serialize(const StoryFeatures& features);
std::optional<StoryFeatures> deserialize(std::string_view bytes);

// Features read where they lie: each string a view into the bytes read (or the StoryFeatures
// viewed), which must outlive it. The store's thread reads the features of every new item it
// matches, and copying each term into a string of its own cost as much as scoring a candidate.
struct FeaturesView {
    struct Term {
        std::string_view term;
        std::uint32_t count = 0;
    };
    struct Name {
        std::string_view key;
        EntityKind kind = EntityKind::name;
    };
    std::string_view language;
    std::vector<Term> title, lead;
    std::vector<Name> entities;
    std::vector<std::string_view> quantities;
    std::uint64_t fingerprint = 0;
    std::string_view canonical_url;
};

// serialize()'s bytes into `out`, whose vectors keep their capacity from one call to the next;
// false for exactly what deserialize() refuses (then `out` holds no meaning).
bool read_features(std::string_view bytes, FeaturesView& out);
// A view of features held in memory.
void view_features(const StoryFeatures& features, FeaturesView& out);

}  // namespace tributary::dedup
