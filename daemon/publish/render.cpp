#include "publish/render.hpp"

#include "core/text.hpp"

#ifndef TRIBUTARY_VERSION
#define TRIBUTARY_VERSION "unknown"
#endif

namespace tributary::publish {
namespace {

constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";

// <name>text</name> on its own line, `indent` spaces deep.
void element(std::string& out, int indent, std::string_view name, std::string_view text) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += '<';
    out += name;
    out += '>';
    append_xml_escaped(out, text);
    out += "</";
    out += name;
    out += ">\n";
}

void attribute(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += "=\"";
    append_xml_escaped(out, value, true);
    out += '"';
}

void render_item(std::string& out, const MergedItem& item) {
    out += "    <item>\n";
    element(out, 6, "title", item.title);
    if (!item.link.empty()) element(out, 6, "link", item.link);
    if (!item.guid.empty()) {
        out += "      <guid isPermaLink=\"false\">";
        append_xml_escaped(out, item.guid);
        out += "</guid>\n";
    }
    element(out, 6, "pubDate", format_rfc1123(item.published.value_or(item.first_seen)));
    if (!item.description.empty()) element(out, 6, "description", item.description);
    if (!item.author.empty()) element(out, 6, "dc:creator", item.author);
    for (const std::string& category : item.categories)
        if (!category.empty()) element(out, 6, "category", category);
    if (!item.source_url.empty()) {
        out += "      <source";
        attribute(out, "url", item.source_url);
        out += '>';
        append_xml_escaped(out, item.source_title.empty() ? item.feed_name : item.source_title);
        out += "</source>\n";
    }
    out += "    </item>\n";
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text, bool in_attribute) {
    const std::string safe = xml_safe_utf8(text);
    out.reserve(out.size() + safe.size());
    for (const char c : safe) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;    // also keeps "]]>" out of character data
            case '\r': out += "&#13;"; break;  // parsers turn a literal CR into LF
            case '"':
                if (in_attribute)
                    out += "&quot;";
                else
                    out += c;
                break;
            case '\t':  // attribute-value normalisation turns these into spaces
                if (in_attribute)
                    out += "&#9;";
                else
                    out += c;
                break;
            case '\n':
                if (in_attribute)
                    out += "&#10;";
                else
                    out += c;
                break;
            default: out += c;
        }
    }
}

std::string render_rss(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                       std::string_view self_url) {
    std::string out;
    std::size_t estimate = 1024;
    for (const MergedItem& item : items)
        estimate += 512 + item.title.size() + item.link.size() + item.guid.size() + item.description.size() * 5 / 4;
    out.reserve(estimate);

    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<rss version=\"2.0\"";
    attribute(out, "xmlns:atom", kAtomNs);
    attribute(out, "xmlns:dc", kDcNs);
    out += ">\n  <channel>\n";
    element(out, 4, "title", output.title);
    // The channel's <link> is the site; with none configured, the feed itself.
    std::string_view link = output.link;
    if (link.empty()) link = self_url;
    if (link.empty()) link = output.url;
    element(out, 4, "link", link);
    element(out, 4, "description", output.description);
    element(out, 4, "lastBuildDate", format_rfc1123(build_time));
    element(out, 4, "generator", "Tributary " TRIBUTARY_VERSION);
    if (!self_url.empty()) {
        out += "    <atom:link";
        attribute(out, "href", self_url);
        out += " rel=\"self\" type=\"application/rss+xml\"/>\n";
    }
    for (const MergedItem& item : items) render_item(out, item);
    out += "  </channel>\n</rss>\n";
    return out;
}

}  // namespace tributary::publish
