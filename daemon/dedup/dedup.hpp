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
#include "core/story_index.hpp"
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

// Visible text of the sanitized HTML our parser emits (tags dropped, the five
// XML entities and numeric references decoded).
std::string text_of_html(std::string_view html);

// 64-bit SimHash of the story's lead: the first words of its summary (or
// content), or the title when the item has almost no text.
std::uint64_t story_fingerprint(const ParsedItem& item);

// Keys for every item of a document, in order. A key repeated inside one
// document is disambiguated by the item's link, else by its position, so two
// different items never collapse into one.
std::vector<ItemKeys> compute_keys(std::span<const ParsedItem> items);

// The story a new item belongs to among recent ones: the first with the same
// canonical URL, else the nearest fingerprint within kMaxStoryDistance bits
// (the first of equals); nullopt when none is near enough. One scan of `recent`.
inline constexpr int kMaxStoryDistance = 8;
std::optional<std::int64_t> match_story(const ItemKeys& keys, const ParsedItem& item,
                                        std::span<const StoryCandidate> recent);

// match_story's answers without its scan: stories are found by canonical URL
// and by blocks of their fingerprint, so that only stories whose fingerprint
// shares a block with the item's are compared (see dedup.cpp).
class FingerprintIndex final : public StoryIndex {
public:
    void add(const StoryCandidate& story) override;
    std::optional<std::int64_t> match(const ItemKeys& keys, const ParsedItem& item, SysTime earliest,
                                      SysTime latest) override;

private:
    bool in_window(std::uint32_t position, SysTime earliest, SysTime latest) const;

    std::vector<StoryCandidate> stories_;      // in the order added: ties go to the earlier one
    std::vector<std::uint64_t> fingerprints_;  // the same stories' fingerprints, side by side for the scan
    std::unordered_map<std::string, std::vector<std::uint32_t>> by_url_;
    std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> by_block_;  // block << 16 | its bits -> positions
};

}  // namespace tributary::dedup
