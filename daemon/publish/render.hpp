#pragma once
// Rendering the merged feed. Pure: no I/O, no clock (the caller passes the
// build time), safe to run on any thread.

#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/types.hpp"
#include "publish/entry.hpp"

namespace tributary::publish {

// Our own namespace, for what RSS 2.0 has no element for. A URI of the reserved .invalid domain
// (RFC 2606): it names no host anyone could own, and is never fetched.
inline constexpr std::string_view kTributaryNs = "https://tributary.invalid/ns/1";

// RSS 2.0 of the given items (already newest first, already limited).
// `self_url` is the absolute URL the feed is served at ("" if unknown).
// Each item is dated by shown_date() (pubDate), names its feed in <source url="feed URL">, and each
// other feed that carried its story (MergedItem::also_reported_by) in
//   <tributary:also-reported-by url="their item's link" source="their site, else their feed URL">
//     their feed's title</tributary:also-reported-by>
// with xmlns:tributary = kTributaryNs declared on <rss>.
//
// The result is always well-formed XML 1.0 in UTF-8 whatever bytes the strings
// hold: every string goes through xml_safe_utf8 and is escaped. Descriptions
// (sanitized HTML) are emitted as escaped text, never as raw markup or CDATA. A link, source
// or self URL that is not an absolute http(s) URL is left out with its element.
//
// With FeedLinks: the channel's <link> is output.link, else links.site, else links.self (always
// absolute: left out when none is known); atom:link rel="self" is links.self, atom:link rel="hub"
// links.hub (WebSub), and each other format of the output an atom:link rel="alternate". Each entry's HTML is
// entry_html() (links absolute, the content mode, <div dir="rtl"> for a right-to-left entry); the output's language is
// <language>, an item's dc:language; the first enclosure is <enclosure>.
std::string render_rss(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                       const FeedLinks& links);
std::string render_rss(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                       std::string_view self_url);

// Atom 1.0 of the same items: the entry's guid as its id, published and updated both shown_date(),
// the sanitized HTML as summary type="html", the source feed as atom:source (id and rel="self": the
// feed's URL; rel="alternate": its site), and each other feed that carried the story as
// <link rel="related" href="their item's link" title="their feed's title"/>. The
// feed's author is the output's title, so that every entry has one as RFC 4287 requires.
//
// With FeedLinks: xml:lang from the output's language on <feed> and the item's on each <entry>;
// content = full gives <content type="html">, summary <summary type="html">; enclosures are
// link rel="enclosure"; the other formats link rel="alternate" with their type; links.hub is
// link rel="hub".
std::string render_atom(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                        const FeedLinks& links);
std::string render_atom(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                        std::string_view self_url);

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the same items: id = guid, url, title,
// content_html (entry_html), date_published and date_modified (RFC 3339, the shown date), authors,
// tags, language, attachments; the source feed and the other sources under "_tributary"; links.hub
// as "hubs": [{"type": "WebSub", "url": hub}]. Every
// string passes xml_safe_utf8 (valid UTF-8, no control characters), every URL is_publishable_url.
std::string render_json_feed(const OutputSpec& output, std::span<const MergedItem> items, const FeedLinks& links);

inline constexpr std::string_view kJsonFeedContentType = "application/feed+json; charset=utf-8";

inline constexpr std::string_view kAtomContentType = "application/atom+xml; charset=utf-8";

// Appends `text` to `out` made safe for XML 1.0 character data: ill-formed
// UTF-8 becomes U+FFFD, forbidden code points are dropped, and & < > are
// escaped, as are " when `in_attribute`. CR (and TAB/LF in attributes) are
// written as character references so a parser gives back the exact string.
void append_xml_escaped(std::string& out, std::string_view text, bool in_attribute = false);

}  // namespace tributary::publish
