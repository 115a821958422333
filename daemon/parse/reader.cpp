#include "parse/reader.hpp"

#include <array>
#include <charconv>
#include <vector>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

struct KnownNamespace {
    std::string_view uri;
    Ns ns;
};

constexpr std::array<KnownNamespace, 11> kNamespaces{{
    {"http://purl.org/rss/1.0/", Ns::rss10},
    {"http://my.netscape.com/rdf/simple/0.9/", Ns::rss090},
    {"http://www.w3.org/2005/Atom", Ns::atom10},
    {"http://purl.org/atom/ns#", Ns::atom03},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", Ns::rdf},
    {"http://purl.org/dc/elements/1.1/", Ns::dc},
    {"http://purl.org/dc/terms/", Ns::dcterms},
    {"http://purl.org/rss/1.0/modules/content/", Ns::content},
    {"http://search.yahoo.com/mrss/", Ns::media},
    {"http://www.w3.org/1999/xhtml", Ns::xhtml},
    {"http://backend.userland.com/rss2", Ns::none},  // an RSS 2.0 namespace some feeds declare
}};

// Feeds often use a prefix without declaring it; these are the bindings everyone means.
constexpr std::array<std::pair<std::string_view, Ns>, 7> kConventionalPrefixes{{
    {"dc", Ns::dc},
    {"dcterms", Ns::dcterms},
    {"content", Ns::content},
    {"media", Ns::media},
    {"atom", Ns::atom10},
    {"rdf", Ns::rdf},
    {"xhtml", Ns::xhtml},
}};

// Publishers disagree about the trailing '/' of namespace URIs; nobody means two namespaces.
std::string_view without_trailing_slash(std::string_view uri) {
    if (uri.ends_with('/')) uri.remove_suffix(1);
    return uri;
}

Ns classify_uri(std::string_view uri) {
    if (uri.empty()) return Ns::none;
    const std::string_view wanted = without_trailing_slash(trim(uri));
    for (const KnownNamespace& known : kNamespaces)
        if (without_trailing_slash(known.uri) == wanted) return known.ns;
    return Ns::other;
}

std::string_view prefix_of(std::string_view qualified) {
    const std::size_t colon = qualified.find(':');
    return colon == std::string_view::npos ? std::string_view{} : qualified.substr(0, colon);
}

// Walks up the ancestors, nearest declaration first: nested xmlns declarations win, as XML
// Namespaces requires. Returns nullopt when the prefix is not declared anywhere.
std::optional<std::string_view> uri_for_prefix(pugi::xml_node node, std::string_view prefix) {
    for (pugi::xml_node scope = node; scope && scope.type() == pugi::node_element; scope = scope.parent()) {
        for (const pugi::xml_attribute attr : scope.attributes()) {
            const std::string_view name = attr.name();
            if (prefix.empty() ? name == "xmlns" : (name.starts_with("xmlns:") && name.substr(6) == prefix))
                return std::string_view{attr.value()};
        }
    }
    return std::nullopt;
}

Ns classify_prefix(pugi::xml_node scope, std::string_view prefix) {
    if (const auto uri = uri_for_prefix(scope, prefix)) return classify_uri(*uri);
    if (prefix.empty()) return Ns::none;
    for (const auto& [conventional, ns] : kConventionalPrefixes)
        if (conventional == prefix) return ns;
    return Ns::other;
}

// Deeper than any real feed nests; the limit keeps a hostile document off our stack.
constexpr int kMaxDepth = 200;

void collect_text(pugi::xml_node node, std::string& out, int depth) {
    if (depth > kMaxDepth) return;
    for (const pugi::xml_node child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
            out += child.value();
        else if (child.type() == pugi::node_element)
            collect_text(child, out, depth + 1);
    }
}

void append_escaped(std::string& out, std::string_view text, bool in_attribute) {
    for (const char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '"' && in_attribute)
            out += "&quot;";
        else
            out += c;
    }
}

void serialize(pugi::xml_node node, std::string& out, int depth) {
    if (depth > kMaxDepth) return;
    for (const pugi::xml_node child : node.children()) {
        switch (child.type()) {
            case pugi::node_pcdata:
            case pugi::node_cdata: append_escaped(out, child.value(), false); break;
            case pugi::node_element: {
                const std::string_view name = local_name(child);
                out.append("<").append(name);
                for (const pugi::xml_attribute attr : child.attributes()) {
                    const std::string_view attr_name = attr.name();
                    if (attr_name == "xmlns" || attr_name.starts_with("xmlns:")) continue;
                    out.append(" ").append(attr_name.substr(attr_name.find(':') + 1)).append("=\"");
                    append_escaped(out, attr.value(), true);
                    out += '"';
                }
                out += '>';
                serialize(child, out, depth + 1);
                out.append("</").append(name).append(">");
                break;
            }
            default: break;
        }
    }
}

}  // namespace

Ns namespace_of(pugi::xml_node element) { return classify_prefix(element, prefix_of(element.name())); }

std::string_view local_name(pugi::xml_node node) {
    const std::string_view name = node.name();
    const std::size_t colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool is_element(pugi::xml_node node, Ns ns, std::string_view local) {
    return node.type() == pugi::node_element && local_name(node) == local && namespace_of(node) == ns;
}

bool is_rss_core(Ns ns) noexcept { return ns == Ns::none || ns == Ns::rss10 || ns == Ns::rss090; }

std::string_view attribute(pugi::xml_node element, std::string_view name) {
    return element.attribute(std::string(name).c_str()).value();
}

std::string_view attribute(pugi::xml_node element, Ns ns, std::string_view local) {
    for (const pugi::xml_attribute attr : element.attributes()) {
        const std::string_view name = attr.name();
        const std::string_view prefix = prefix_of(name);
        if (prefix.empty() || name.substr(prefix.size() + 1) != local) continue;
        if (classify_prefix(element, prefix) == ns) return attr.value();
    }
    return {};
}

std::string element_text(pugi::xml_node element) {
    std::string out;
    collect_text(element, out, 0);
    return out;
}

std::string inner_markup(pugi::xml_node element) {
    std::string out;
    serialize(element, out, 0);
    return out;
}

std::string text_or_markup(pugi::xml_node element) {
    for (const pugi::xml_node child : element.children())
        if (child.type() == pugi::node_element) return inner_markup(element);
    return element_text(element);
}

std::string clean_text(std::string_view text) { return xml_safe_utf8(trim(text)); }

std::string title_text(std::string_view text, Markup markup) {
    switch (markup) {
        case Markup::none: return xml_safe_utf8(collapse_whitespace(text));
        case Markup::html: return html_to_text(text);
        case Markup::guess: break;
    }
    // RSS titles are plain text by the spec but arrive with entities and tags often enough
    // that reading every one containing '<' or '&' as HTML loses less than it gains.
    if (text.find_first_of("<&") != std::string_view::npos) return html_to_text(text);
    return xml_safe_utf8(collapse_whitespace(text));
}

std::string text_as_html(std::string_view text) {
    std::string out;
    append_escaped(out, trim(text), false);
    return xml_safe_utf8(out);
}

std::string nearest_language(pugi::xml_node element) {
    for (pugi::xml_node scope = element; scope && scope.type() == pugi::node_element; scope = scope.parent())
        if (const pugi::xml_attribute lang = scope.attribute("xml:lang")) return clean_text(lang.value());
    return {};
}

std::optional<std::int64_t> parse_length(std::string_view text) {
    text = trim(text);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

void add_category(ParsedItem& item, std::string_view category) {
    std::string value = html_to_text(category);
    if (value.empty()) return;
    for (const std::string& existing : item.categories)
        if (existing == value) return;
    item.categories.push_back(std::move(value));
}

void add_enclosure(ParsedItem& item, Enclosure enclosure) {
    if (enclosure.url.empty()) return;
    for (Enclosure& existing : item.enclosures) {
        if (existing.url != enclosure.url) continue;
        if (existing.type.empty()) existing.type = std::move(enclosure.type);
        if (!existing.length) existing.length = enclosure.length;
        return;
    }
    item.enclosures.push_back(std::move(enclosure));
}

void ReadContext::set_feed_link(std::string_view link) { document_base_ = std::string(link); }

std::string ReadContext::base_for(pugi::xml_node element) const {
    std::vector<std::string_view> bases;
    for (pugi::xml_node scope = element; scope && scope.type() == pugi::node_element; scope = scope.parent())
        if (const pugi::xml_attribute base = scope.attribute("xml:base")) bases.emplace_back(base.value());
    std::string current(document_base_.empty() ? base_url_ : std::string_view{document_base_});
    for (auto it = bases.rbegin(); it != bases.rend(); ++it) current = resolve_url(current, *it);
    return current;
}

std::string ReadContext::resolve(pugi::xml_node element, std::string_view reference) const {
    const std::string_view trimmed = trim(reference);
    if (trimmed.empty()) return {};
    return xml_safe_utf8(resolve_url(base_for(element), trimmed));
}

std::optional<SysTime> ReadContext::date(pugi::xml_node element, std::size_t item_index, const ParsedItem* item) {
    const std::string text = clean_text(element_text(element));
    if (text.empty()) return std::nullopt;
    if (std::optional<SysTime> parsed = parse_date(text)) return parsed;
    std::string where = item == nullptr ? std::string("the feed")
                                        : "item " + std::to_string(item_index + 1) +
                                              (item->title.empty() ? std::string{} : " (\"" + item->title + "\")");
    warn("unparseable date \"" + text + "\" in <" + std::string(element.name()) + "> of " + where);
    return std::nullopt;
}

}  // namespace tributary::parse
