// Every URL written here passes is_publishable_url, or its element is left out (never rewritten).
// The parse stage lets only http(s) links through already; this is the second lock on the same
// door, for whatever reaches the store another way (rows from an older version, a future reader).

#include "publish/render.hpp"

#include <array>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "publish/entry.hpp"

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

// The base that relative links inside an entry resolve against when the entry has no link of its
// own: the site, else the document itself.
std::string_view base_of(const OutputSpec& output, const FeedLinks& links) {
    if (is_publishable_url(output.link)) return output.link;
    if (is_publishable_url(links.site)) return links.site;
    return is_publishable_url(links.self) ? std::string_view(links.self) : std::string_view{};
}

const Enclosure* first_enclosure(const MergedItem& item) {
    for (const Enclosure& e : item.enclosures)
        if (is_publishable_url(e.url)) return &e;
    return nullptr;
}

bool is_media_type(std::string_view type) {
    if (type.empty() || type.size() > 127 || type.find('/') == std::string_view::npos) return false;
    for (const char c : type)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '+' ||
              c == '-' || c == '.' || c == '_'))
            return false;
    return true;
}

void render_item(std::string& out, const MergedItem& item, const OutputSpec& output, std::string_view base) {
    out += "    <item>\n";
    element(out, 6, "title", item.title);
    if (is_publishable_url(item.link)) element(out, 6, "link", item.link);
    if (!item.guid.empty()) {
        out += "      <guid isPermaLink=\"false\">";
        append_xml_escaped(out, item.guid);
        out += "</guid>\n";
    }
    element(out, 6, "pubDate", format_rfc1123(shown_date(item)));
    if (const std::string html = entry_html(item, output, base); !html.empty()) element(out, 6, "description", html);
    if (!item.author.empty()) element(out, 6, "dc:creator", item.author);
    if (is_language_tag(item.language)) element(out, 6, "dc:language", item.language);
    // RSS 2.0 allows one enclosure per item; the first publishable one.
    if (const Enclosure* e = first_enclosure(item)) {
        out += "      <enclosure";
        attribute(out, "url", e->url);
        attribute(out, "length", std::to_string(e->length.value_or(0) > 0 ? *e->length : 0));
        attribute(out, "type", is_media_type(e->type) ? std::string_view(e->type) : "application/octet-stream");
        out += "/>\n";
    }
    for (const std::string& category : item.categories)
        if (!category.empty()) element(out, 6, "category", category);
    if (is_publishable_url(item.source_url)) {
        out += "      <source";
        attribute(out, "url", item.source_url);
        out += '>';
        append_xml_escaped(out, item.source_title.empty() ? item.feed_name : item.source_title);
        out += "</source>\n";
    }
    // <tributary:also-reported-by url="their item" source="their site">Their title</…>: an attribute
    // whose URL is not publishable is left out, the element stays (the name is worth showing).
    for (const OtherSource& other : item.also_reported_by) {
        out += "      <tributary:also-reported-by";
        if (is_publishable_url(other.item_link)) attribute(out, "url", other.item_link);
        if (is_publishable_url(other.feed_link)) attribute(out, "source", other.feed_link);
        out += '>';
        append_xml_escaped(out, other.feed_title.empty() ? other.feed_name : other.feed_title);
        out += "</tributary:also-reported-by>\n";
    }
    out += "    </item>\n";
}

// Room for the whole document at once: `markup` bytes of tags per item, its texts, and a quarter
// more for the escaping of its HTML.
void reserve_for(std::string& out, std::span<const MergedItem> items, std::size_t markup) {
    std::size_t estimate = 1024;
    for (const MergedItem& item : items)
        estimate += markup + item.title.size() + item.link.size() + item.guid.size() + item.description.size() * 5 / 4 +
                    item.also_reported_by.size() * 256;
    out.reserve(estimate);
}

// <name>text</name> inside an atom:author.
void atom_person(std::string& out, int indent, std::string_view name) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += "<author>";
    out += "<name>";
    append_xml_escaped(out, name);
    out += "</name></author>\n";
}

void atom_link(std::string& out, int indent, std::string_view rel, std::string_view href, std::string_view type) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += "<link";
    attribute(out, "rel", rel);
    attribute(out, "href", href);
    if (!type.empty()) attribute(out, "type", type);
    out += "/>\n";
}

void render_entry(std::string& out, const MergedItem& item, const OutputSpec& output, std::string_view base) {
    out += "  <entry";
    if (is_language_tag(item.language)) attribute(out, "xml:lang", item.language);
    out += ">\n";
    element(out, 4, "id", item.guid);
    out += "    <title type=\"text\">";
    append_xml_escaped(out, item.title);
    out += "</title>\n";
    if (is_publishable_url(item.link)) atom_link(out, 4, "alternate", item.link, "");
    const std::string time = format_rfc3339(shown_date(item));
    element(out, 4, "published", time);
    element(out, 4, "updated", time);
    if (!item.author.empty()) atom_person(out, 4, item.author);
    // content = full: the whole HTML as content; summary: the excerpt as summary.
    if (const std::string html = entry_html(item, output, base); !html.empty()) {
        const bool full = output.content == OutputSpec::Content::full;
        out += full ? "    <content type=\"html\">" : "    <summary type=\"html\">";
        append_xml_escaped(out, html);
        out += full ? "</content>\n" : "</summary>\n";
    }
    for (const Enclosure& e : item.enclosures) {
        if (!is_publishable_url(e.url)) continue;
        out += "    <link rel=\"enclosure\"";
        attribute(out, "href", e.url);
        if (is_media_type(e.type)) attribute(out, "type", e.type);
        if (e.length.value_or(0) > 0) attribute(out, "length", std::to_string(*e.length));
        out += "/>\n";
    }
    for (const std::string& category : item.categories) {
        if (category.empty()) continue;
        out += "    <category";
        attribute(out, "term", category);
        out += "/>\n";
    }
    if (is_publishable_url(item.source_url)) {
        out += "    <source>\n";
        element(out, 6, "id", item.source_url);
        element(out, 6, "title", item.source_title.empty() ? item.feed_name : item.source_title);
        atom_link(out, 6, "self", item.source_url, "");
        if (is_publishable_url(item.source_link)) atom_link(out, 6, "alternate", item.source_link, "");
        out += "    </source>\n";
    }
    // The story's other sites: a related link each, titled with the feed's title (none without a URL).
    for (const OtherSource& other : item.also_reported_by) {
        if (!is_publishable_url(other.item_link)) continue;
        out += "    <link rel=\"related\"";
        attribute(out, "href", other.item_link);
        attribute(out, "title", other.feed_title.empty() ? other.feed_name : other.feed_title);
        out += "/>\n";
    }
    out += "  </entry>\n";
}

constexpr std::string_view kAtomType = "application/atom+xml";
constexpr std::string_view kRssType = "application/rss+xml";
constexpr std::string_view kJsonFeedType = "application/feed+json";

// <?xml-stylesheet?> for browsers: the URL must not end the instruction early.
void append_stylesheet(std::string& out, std::string_view href) {
    if (!is_publishable_url(href) && !(href.starts_with('/') && !href.starts_with("//"))) return;
    if (href.find_first_of("\"<>?") != std::string_view::npos) return;
    out += "<?xml-stylesheet type=\"text/xsl\"";
    attribute(out, "href", href);
    out += "?>\n";
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text, bool in_attribute) {
    const std::string safe = xml_safe_utf8(text);
    // The bytes that need no escape are appended a run at a time: rendering a merged feed put
    // every byte of every description through here one by one.
    static constexpr auto kEscaped = [](bool attribute) {
        std::array<bool, 256> table{};
        for (const char c : std::string_view(attribute ? "&<>\r\"\t\n" : "&<>\r"))
            table[static_cast<unsigned char>(c)] = true;
        return table;
    };
    static constexpr std::array<bool, 256> kInText = kEscaped(false), kInAttribute = kEscaped(true);
    const std::array<bool, 256>& escaped = in_attribute ? kInAttribute : kInText;
    out.reserve(out.size() + safe.size());
    std::size_t from = 0;
    for (std::size_t at = 0;; ++at) {
        while (at < safe.size() && !escaped[static_cast<unsigned char>(safe[at])]) ++at;
        if (at == safe.size()) break;
        out.append(safe, from, at - from);
        switch (safe[at]) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;  // also keeps "]]>" out of character data
            case '\r':
                out += "&#13;";
                break;  // parsers turn a literal CR into LF
            // Only in an attribute: attribute-value normalisation turns whitespace into spaces.
            case '"': out += "&quot;"; break;
            case '\t': out += "&#9;"; break;
            case '\n': out += "&#10;"; break;
        }
        from = at + 1;
    }
    out.append(safe, from, std::string::npos);
}

std::string render_rss(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                       const FeedLinks& links) {
    std::string out;
    reserve_for(out, items, 512);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    if (!links.stylesheet.empty()) append_stylesheet(out, links.stylesheet);
    out += "<rss version=\"2.0\"";
    attribute(out, "xmlns:atom", kAtomNs);
    attribute(out, "xmlns:dc", kDcNs);
    attribute(out, "xmlns:tributary", kTributaryNs);
    out += ">\n  <channel>\n";
    element(out, 4, "title", output.title);
    // The channel's <link> is the site: the configured link, else the public base, else the feed
    // itself. Always absolute: validators reject a relative one.
    const std::string_view base = base_of(output, links);
    if (!base.empty()) element(out, 4, "link", base);
    element(out, 4, "description", output.description);
    if (is_language_tag(output.language)) element(out, 4, "language", output.language);
    element(out, 4, "lastBuildDate", format_rfc1123(build_time));
    element(out, 4, "generator", "Tributary " TRIBUTARY_VERSION);
    if (is_publishable_url(links.self)) {
        out += "    <atom:link";
        attribute(out, "href", links.self);
        out += " rel=\"self\" type=\"application/rss+xml\"/>\n";
    }
    if (is_publishable_url(links.hub)) {
        out += "    <atom:link";
        attribute(out, "href", links.hub);
        out += " rel=\"hub\"/>\n";
    }
    for (const auto& [url, type] :
         {std::pair{std::string_view(links.atom), kAtomType}, std::pair{std::string_view(links.json), kJsonFeedType}}) {
        if (!is_publishable_url(url) || url == links.self) continue;
        out += "    <atom:link";
        attribute(out, "href", url);
        out += " rel=\"alternate\"";
        attribute(out, "type", type);
        out += "/>\n";
    }
    for (const MergedItem& item : items) render_item(out, item, output, base);
    out += "  </channel>\n</rss>\n";
    return out;
}

std::string render_rss(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                       std::string_view self_url) {
    FeedLinks links;
    links.self = std::string(self_url);
    return render_rss(output, items, build_time, links);
}

std::string render_atom(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                        const FeedLinks& links) {
    std::string out;
    reserve_for(out, items, 640);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    if (!links.stylesheet.empty()) append_stylesheet(out, links.stylesheet);
    out += "<feed";
    attribute(out, "xmlns", kAtomNs);
    if (is_language_tag(output.language)) attribute(out, "xml:lang", output.language);
    out += ">\n";
    // A permanent id: the served URL when known, else one built from the output's name.
    const bool self_known = is_publishable_url(links.self);
    element(out, 2, "id", self_known ? links.self : "urn:tributary:output:" + output.name);
    element(out, 2, "title", output.title);
    if (!output.description.empty()) element(out, 2, "subtitle", output.description);
    element(out, 2, "updated", format_rfc3339(build_time));
    atom_person(out, 2, output.title);
    if (self_known) atom_link(out, 2, "self", links.self, kAtomType);
    if (is_publishable_url(links.hub)) atom_link(out, 2, "hub", links.hub, "");
    const std::string_view base = base_of(output, links);
    if (!base.empty() && base != links.self) atom_link(out, 2, "alternate", base, "text/html");
    for (const auto& [url, type] :
         {std::pair{std::string_view(links.rss), kRssType}, std::pair{std::string_view(links.json), kJsonFeedType}})
        if (is_publishable_url(url) && url != links.self) atom_link(out, 2, "alternate", url, type);
    out += "  <generator";
    attribute(out, "version", TRIBUTARY_VERSION);
    out += ">Tributary</generator>\n";
    for (const MergedItem& item : items) render_entry(out, item, output, base);
    out += "</feed>\n";
    return out;
}

std::string render_atom(const OutputSpec& output, std::span<const MergedItem> items, SysTime build_time,
                        std::string_view self_url) {
    FeedLinks links;
    links.self = std::string(self_url);
    return render_atom(output, items, build_time, links);
}

}  // namespace tributary::publish
