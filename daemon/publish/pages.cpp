#include "publish/pages.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "publish/render.hpp"

namespace tributary::publish {
namespace {

constexpr std::string_view kStylesheet = R"xsl(<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>
  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="self" select="(/rss/channel/atom:link[@rel='self'] | /atom:feed/atom:link[@rel='self'])/@href"/>
  <xsl:template match="/">
    <html>
      <xsl:if test="/rss/channel/language | /atom:feed/@xml:lang">
        <xsl:attribute name="lang"><xsl:value-of select="/rss/channel/language | /atom:feed/@xml:lang"/></xsl:attribute>
      </xsl:if>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title dir="auto"><xsl:value-of select="$title"/></title>
        <style>
          body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
          .subscribe { background: #f3f5f7; border-radius: .5rem; padding: .75rem 1rem; }
          .subscribe code { user-select: all; word-break: break-all; }
          ol { list-style: none; padding: 0; }
          li { border-bottom: 1px solid #ddd; padding: .75rem 0; text-align: start; }
          .meta { color: #555; font-size: .9em; }
        </style>
      </head>
      <body>
        <h1 dir="auto"><xsl:value-of select="$title"/></h1>
        <p dir="auto"><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
        <p class="subscribe">This is a news feed. To follow it, copy its address into your feed reader:
          <br/><code dir="ltr"><xsl:value-of select="$self"/></code></p>
        <ol>
          <xsl:for-each select="/rss/channel/item">
            <li dir="auto">
              <a href="{link}"><xsl:value-of select="title"/></a>
              <div class="meta"><xsl:value-of select="pubDate"/> · <xsl:value-of select="source"/></div>
            </li>
          </xsl:for-each>
          <xsl:for-each select="/atom:feed/atom:entry">
            <li dir="auto">
              <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <div class="meta"><xsl:value-of select="atom:published"/> · <xsl:value-of select="atom:source/atom:title"/></div>
            </li>
          </xsl:for-each>
        </ol>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
)xsl";

std::string when(const std::optional<SysTime>& t) { return t ? format_rfc3339(*t) : ""; }

bool failing(const FeedHealth& f) { return f.state.gone || f.state.consecutive_failures > 0; }

void cell(std::string& out, std::string_view text, bool auto_dir = false) {
    out += auto_dir ? "<td dir=\"auto\">" : "<td>";
    append_xml_escaped(out, printable(text, 300));
    out += "</td>";
}

}  // namespace

std::string_view feed_stylesheet() noexcept { return kStylesheet; }

void sort_failing_first(std::span<FeedHealth> feeds) {
    std::stable_sort(feeds.begin(), feeds.end(), [](const FeedHealth& a, const FeedHealth& b) {
        if (failing(a) != failing(b)) return failing(a);
        if (a.state.gone != b.state.gone) return a.state.gone;
        if (a.state.consecutive_failures != b.state.consecutive_failures)
            return a.state.consecutive_failures > b.state.consecutive_failures;
        return a.name < b.name;
    });
}

std::string render_status_html(std::span<const FeedHealth> feeds, SysTime now) {
    std::size_t bad = 0;
    for (const FeedHealth& f : feeds) bad += failing(f) ? 1 : 0;
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>Tributary status</title>\n"
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:start;vertical-align:top}"
        "tr.failing{background:#fde8e8}td{overflow-wrap:anywhere}</style>\n</head>\n<body>\n<h1>Tributary "
        "status</h1>\n";
    out += "<p>" + std::to_string(feeds.size()) + " feeds, " + std::to_string(bad) + " failing. Generated " +
           format_rfc3339(now) + ". Also as <a href=\"status.json\">JSON</a>.</p>\n";
    out +=
        "<table>\n<thead><tr><th>Feed</th><th>Last fetch</th><th>Outcome</th><th>HTTP</th><th>Failures</th>"
        "<th>Error</th><th>Next due</th><th>Why</th><th>Moved to</th><th>Encoding</th><th>Items</th></tr></thead>\n"
        "<tbody>\n";
    for (const FeedHealth& f : feeds) {
        out += failing(f) ? "<tr class=\"failing\">" : "<tr>";
        out += "<td dir=\"auto\">";
        if (is_publishable_url(f.url)) {
            out += "<a href=\"";
            append_xml_escaped(out, f.url, true);
            out += "\">";
            append_xml_escaped(out, printable(f.name, 100));
            out += "</a>";
        } else {
            append_xml_escaped(out, printable(f.name, 100));
        }
        if (!f.enabled) out += " (disabled)";
        out += "</td>";
        cell(out, when(f.state.last_fetch));
        cell(out, f.state.gone ? "gone" : f.state.last_outcome);
        cell(out, f.state.http_status ? std::to_string(f.state.http_status) : "");
        cell(out, std::to_string(f.state.consecutive_failures));
        cell(out, f.state.last_error, true);
        cell(out, when(f.state.next_due));
        cell(out, f.state.schedule_reason);
        cell(out, f.state.moved_to);
        std::string encoding = f.state.encoding_used;
        if (!f.state.encoding_declared.empty() && f.state.encoding_declared != f.state.encoding_used)
            encoding += " (declared " + f.state.encoding_declared + ")";
        cell(out, encoding);
        cell(out, std::to_string(f.state.item_count));
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n</body>\n</html>\n";
    return out;
}

std::string render_status_json(std::span<const FeedHealth> feeds, SysTime now) {
    // Written one feed's object at a time, as dump(2) would write the whole document (keys in
    // order: "feeds" before "generated"). A document object of every feed first took about 2 KB a
    // feed: 22 MB for 10,000 feeds, at every round's end.
    using nlohmann::json;
    const auto text = [](std::string_view s) { return xml_safe_utf8(s); };
    const auto time = [](const std::optional<SysTime>& t) { return t ? json(format_rfc3339(*t)) : json(nullptr); };
    std::string out = "{\n  \"feeds\": [";
    bool first = true;
    for (const FeedHealth& f : feeds) {
        const json one{{"name", text(f.name)},
                       {"url", text(f.url)},
                       {"enabled", f.enabled},
                       {"failing", failing(f)},
                       {"gone", f.state.gone},
                       {"last_fetch", time(f.state.last_fetch)},
                       {"last_success", time(f.state.last_success)},
                       {"last_outcome", text(f.state.last_outcome)},
                       {"http_status", f.state.http_status},
                       {"consecutive_failures", f.state.consecutive_failures},
                       {"last_error", text(f.state.last_error)},
                       {"next_due", time(f.state.next_due)},
                       {"schedule_reason", text(f.state.schedule_reason)},
                       {"moved_to", text(f.state.moved_to)},
                       {"encoding_declared", text(f.state.encoding_declared)},
                       {"encoding_used", text(f.state.encoding_used)},
                       {"items", f.state.item_count}};
        out += first ? "\n    " : ",\n    ";
        first = false;
        // Its own lines, indented to sit two levels down.
        for (const char c : one.dump(2, ' ', false, json::error_handler_t::replace)) {
            out.push_back(c);
            if (c == '\n') out += "    ";
        }
    }
    out += first ? "]" : "\n  ]";
    out += ",\n  \"generated\": " + json(format_rfc3339(now)).dump() + "\n}\n";
    return out;
}

}  // namespace tributary::publish
