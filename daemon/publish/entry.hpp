#pragma once
// What the three formats share about one entry and its links: URL resolution against a public
// base, the second lock on links inside the HTML, the text direction, the summary excerpt. Pure.

#include <string>
#include <string_view>

#include "core/types.hpp"

namespace tributary::publish {

// The absolute URLs of one output: its site and its documents. "" where unknown.
struct FeedLinks {
    std::string self;  // the document being rendered
    std::string site;  // the channel's <link> / home_page_url; "" = the output's link, else self
    std::string rss;   // each format of the output, for rel="alternate" links; "" = not published
    std::string atom;
    std::string json;
    std::string stylesheet;  // XSLT for browsers (<?xml-stylesheet?>), "" = none
    std::string hub;         // WebSub hub: atom:link rel="hub", JSON Feed "hubs"; "" = none
};

// RFC 3986 section 5 reference resolution of `reference` against the absolute http(s) URL
// `base`; "" when the result is not an absolute http(s) URL (a scheme other than http(s), no
// usable base). An absolute http(s) reference is returned as it is.
std::string resolve_reference(std::string_view base, std::string_view reference);

// Every href, src and cite of `html` (sanitized HTML, as the parse stage writes it) made absolute
// against `base`; a reference that cannot be (no base, another scheme) loses its attribute, as in
// the sanitizer. Links to mailto: stay (href only). Text is left alone.
std::string absolutize_html(std::string_view html, std::string_view base);

// True when the first strongly directional character of `text` is right-to-left (Hebrew, Arabic,
// Syriac, Thaana, N'Ko and their presentation forms): the first-strong rule of the Unicode
// bidirectional algorithm (P2-P3). Markup and character references are not looked into.
bool is_rtl_text(std::string_view text) noexcept;

// The entry's direction: its title's, else its HTML's.
bool is_rtl_entry(const MergedItem& item) noexcept;

// A plain-text excerpt of `html` for content = summary: tags removed, white space collapsed, cut
// at a word boundary before `max_chars` characters with "…" appended. Character references stay as
// they are (the result is still HTML text, without markup) and are never cut in half.
std::string summary_excerpt(std::string_view html, std::size_t max_chars = 400);

// A BCP 47 tag as xml:lang and JSON Feed accept it (letters, digits, '-', at most 35 bytes); a
// feed's language is hostile text like the rest.
bool is_language_tag(std::string_view tag) noexcept;

// The HTML an entry publishes in `output`'s content mode: the full content (else the summary), or
// the excerpt; links made absolute against the item's own link (else `base`); wrapped in
// <div dir="rtl"> for a right-to-left entry. "" when the item has none.
std::string entry_html(const MergedItem& item, const OutputSpec& output, std::string_view base);

}  // namespace tributary::publish
