#pragma once
// The parse stage: bytes + content type -> ParsedFeed (DESIGN.md). Pure: no I/O, no clock,
// no exceptions out of any function here.

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/types.hpp"

namespace tributary::parse {

struct ParseOptions {
    std::string_view content_type{};       // HTTP Content-Type header value, may carry charset=
    std::string_view base_url{};           // the feed's own (final) URL, for resolving relative links
    std::string_view encoding_override{};  // from feeds.conf, "" = none
    // true: summary and content are sanitized here. false: they keep the document's HTML as
    // written (made valid UTF-8 and XML-safe, nothing more), for a caller that sanitizes later:
    // the daemon stores them so and sanitizes what an output shows, with sanitize_html(html,
    // item link or feed URL).
    bool sanitize = true;
    // The IANA zone of the dates that name none ("2025-12-05 10:30", "الجمعة 5 دجنبر 2025 - 10:30"):
    // feeds.conf's `timezone =`. "" and names ICU does not know mean Africa/Casablanca.
    std::string_view timezone{};
};

// RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1, told apart by content. Repairs
// what a reader would repair and records a warning for each repair; fails only when nothing can
// be salvaged, with line and column (Error Parse), or when the document is no feed
// (Error UnsupportedFormat).
Result<ParsedFeed> parse_feed(std::string_view body, const ParseOptions& options);

// RFC 822/1123 and RFC 3339/ISO 8601 dates, and dates as Arabic and French news sites write
// them, to UTC. Never "now" on failure. A date that names no zone is read as UTC here, and as
// a wall-clock time in `timezone` (as ParseOptions::timezone) by the second form, which the
// feed readers use; a zone or offset in the text always wins.
std::optional<SysTime> parse_date(std::string_view text);
std::optional<SysTime> parse_date(std::string_view text, std::string_view timezone);
// True for a zone name ICU's data knows, spelled as IANA spells it ("Europe/Paris").
bool is_known_timezone(std::string_view name);

// Allowlist HTML sanitizer (gumbo HTML5 parse); output is well-formed and safe inside XML.
std::string sanitize_html(std::string_view html, std::string_view base_url);

// Plain text, entities decoded, whitespace collapsed and trimmed.
std::string html_to_text(std::string_view html);

// RFC 3986 reference resolution. A base that is not an absolute http(s) URL (is_publishable_url)
// is no base: the reference then comes back as it is, cleaned of what browsers ignore.
std::string resolve_url(std::string_view base, std::string_view reference);
// resolve_url, kept only when the result is an absolute http(s) URL, "" otherwise: what every
// link, enclosure and image of a feed goes through before it is published.
std::string resolve_web_url(std::string_view base, std::string_view reference);
// True when resolve_url returns `reference` as it is, whatever the base: an absolute http(s) URL
// of printable ASCII with no dot segments. Most links in feeds are; they skip the resolution.
bool is_plain_absolute_url(std::string_view reference) noexcept;
// For a path reference ("/article/7", printable ASCII, no dot segments) against a base that
// is_plain_absolute_url: the base's scheme and authority, which resolve_url puts before the
// path; "" when either does not qualify.
std::string_view origin_for_plain_path(std::string_view base, std::string_view reference) noexcept;

// Pretty (2-space) JSON with the field names of the shared corpus README (../shared/corpus/README.md).
std::string to_json(const ParsedFeed& feed);

}  // namespace tributary::parse
