#pragma once
// Identity and sameness of items: pure functions, no I/O, stable across builds
// (every hash here may be persisted).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace tributary::dedup {

// Lower-case scheme and host, no default port, no fragment, no tracking
// parameters (utm_*, fbclid, gclid, …), empty path as "/". Returns "" for
// anything that is not an absolute http(s) URL.
std::string canonical_url(std::string_view url);

// Text reduced to what two republications of a story share: Unicode
// compatibility-decomposed, case-folded, without combining marks (accents,
// Arabic tashkeel), tatweel removed, Arabic letter variants unified (alef with
// hamza/madda → alef, alef maqsura → yeh, teh marbuta → heh), digits of any
// script as ASCII, punctuation as spaces, whitespace collapsed.
std::string normalize_text(std::string_view text);
// normalize_text of one word (any text without whitespace), remembered per thread: news repeats
// its vocabulary, and ICU's normalisation of a word (through UTF-16 and back) costs several times
// finding it again. Bounded: emptied when full, so a thread's memory stays at a few megabytes. The
// reference holds until the thread's next call.
const std::string& normalize_word(std::string_view word);

// Visible text of the sanitized HTML our parser emits (tags dropped, the five
// XML entities and numeric references decoded).
std::string text_of_html(std::string_view html);

// 64-bit SimHash of the story's lead: the first words of its summary (or
// content), or the title when the item has almost no text.
std::uint64_t story_fingerprint(const ParsedItem& item);
// The same, given the text_of_html() of its summary (else content), which the caller has.
std::uint64_t story_fingerprint(const ParsedItem& item, std::string_view lead_text);

// Keys for every item of a document, in order, with the story engine's features (serialized
// StoryFeatures) of each. A key repeated inside one
// document is disambiguated by the item's link, else by its position, so two
// different items never collapse into one.
std::vector<ItemKeys> compute_keys(std::span<const ParsedItem> items);

// The same keys without what only a new or changed item needs (fingerprint and features, the
// costly part): enough for the store to tell which items are new or changed.
std::vector<ItemKeys> identity_keys(std::span<const ParsedItem> items);
// Adds the fingerprint and the features to an item's identity keys.
void add_story_keys(ItemKeys& keys, const ParsedItem& item);

// The story a new item belongs to among recent ones: the first with the same
// canonical URL, else the nearest fingerprint within kMaxStoryDistance bits
// (the first of equals); nullopt when none is near enough. One scan of `recent`.
inline constexpr int kMaxStoryDistance = 8;
std::optional<std::int64_t> match_story(const ItemKeys& keys, const ParsedItem& item,
                                        std::span<const StoryCandidate> recent);

}  // namespace tributary::dedup
