#pragma once
// Pages people read in a browser, without JavaScript: the XSLT stylesheet that RSS and Atom outputs
// point to, and the status page of every feed's health (HTML and JSON). Pure: the caller passes
// the feeds' state and the time, and serves the bytes as snapshots.

#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace tributary::publish {

// The daemon's own paths besides the outputs.
inline constexpr std::string_view kStylesheetPath = "/feed.xsl";
inline constexpr std::string_view kStatusPath = "/status";
inline constexpr std::string_view kStatusJsonPath = "/status.json";
inline constexpr std::string_view kXslContentType = "text/xsl; charset=utf-8";
inline constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";
inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

// XSLT 1.0 turning an RSS 2.0 or Atom 1.0 output into a readable HTML page: the feed's title, the
// URL to copy into a reader, and each entry's title (linked), date and source. Each text carries
// dir="auto", so an Arabic title reads right to left and a Latin one left to right. Entry HTML is
// not rendered (disable-output-escaping is not portable, and a page should not run feed markup).
std::string_view feed_stylesheet() noexcept;

// One row of the status page.
struct FeedHealth {
    std::string name;
    std::string url;
    bool enabled = true;
    FeedState state;
};

// Failing feeds first (a gone feed, then by failures in a row), then by name.
void sort_failing_first(std::span<FeedHealth> feeds);

// HTML: a table with the last fetch, outcome and HTTP status, error, next due and why, moved URL,
// encoding decision and items per feed. Every text escaped; server texts through printable().
std::string render_status_html(std::span<const FeedHealth> feeds, SysTime now);
// The same data: {"generated": …, "feeds": [{…}]}.
std::string render_status_json(std::span<const FeedHealth> feeds, SysTime now);

}  // namespace tributary::publish
