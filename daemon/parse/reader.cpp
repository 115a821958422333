#include "parse/reader.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "parse/parse_feed.hpp"
#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

struct KnownNamespace {
    std::string_view uri;
    Ns ns;
};

constexpr std::array<KnownNamespace, 15> kNamespaces{{
    {"http://purl.org/rss/1.0/", Ns::rss10},
    {"http://purl.org/net/rss1.1#", Ns::rss11},
    {"http://my.netscape.com/rdf/simple/0.9/", Ns::rss090},
    {"http://www.w3.org/2005/Atom", Ns::atom10},
    {"http://purl.org/atom/ns#", Ns::atom03},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", Ns::rdf},
    {"http://purl.org/dc/elements/1.1/", Ns::dc},
    {"http://purl.org/dc/terms/", Ns::dcterms},
    {"http://purl.org/rss/1.0/modules/content/", Ns::content},
    {"http://search.yahoo.com/mrss/", Ns::media},
    {"http://www.w3.org/1999/xhtml", Ns::xhtml},
    {"http://purl.org/rss/1.0/modules/syndication/", Ns::sy},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", Ns::itunes},
    {"https://www.itunes.com/dtds/podcast-1.0.dtd", Ns::itunes},
    {"http://backend.userland.com/rss2", Ns::none},  // an RSS 2.0 namespace some feeds declare
}};

// Feeds often use a prefix without declaring it; these are the bindings everyone means.
constexpr std::array<std::pair<std::string_view, Ns>, 9> kConventionalPrefixes{{
    {"dc", Ns::dc},
    {"dcterms", Ns::dcterms},
    {"content", Ns::content},
    {"media", Ns::media},
    {"atom", Ns::atom10},
    {"rdf", Ns::rdf},
    {"xhtml", Ns::xhtml},
    {"sy", Ns::sy},
    {"itunes", Ns::itunes},
}};

// Publishers disagree about the trailing '/' of namespace URIs; nobody means two namespaces.
std::string_view without_trailing_slash(std::string_view uri) {
    if (uri.ends_with('/')) uri.remove_suffix(1);
    return uri;
}

Ns classify_uri(std::string_view uri) {
    if (uri.empty()) return Ns::none;
    const std::string_view wanted = without_trailing_slash(trim(uri));
    // Exactly as written first, the way nearly every feed writes them: this runs for each namespace
    // declaration an element carries, and a byte-by-byte caseless comparison with each known URI
    // cost more than reading the rest of a small feed's element.
    for (const KnownNamespace& known : kNamespaces)
        if (without_trailing_slash(known.uri) == wanted) return known.ns;
    for (const KnownNamespace& known : kNamespaces)
        if (iequals_ascii(without_trailing_slash(known.uri), wanted)) return known.ns;
    return Ns::other;
}

std::string_view prefix_of(std::string_view qualified) {
    const std::size_t colon = qualified.find(':');
    return colon == std::string_view::npos ? std::string_view{} : qualified.substr(0, colon);
}

// The prefix an attribute named "xmlns" or "xmlns:prefix" declares ("" for the default
// namespace), or nullopt for any other attribute.
std::optional<std::string_view> declared_prefix(const char* name) noexcept {
    if (std::strncmp(name, "xmlns", 5) != 0) return std::nullopt;
    const std::string_view rest(name + 5);
    if (rest.empty()) return std::string_view{};
    if (rest[0] != ':' || rest.size() == 1) return std::nullopt;  // "xmlns:" declares nothing
    return rest.substr(1);
}

// An element with thousands of attributes (a generator gone wrong, or an attack: 20,000 xmlns
// declarations on <rss> with each item using another prefix took 3 s) would be scanned once per
// prefix asked of it. Past kScannedAttributes its declarations are indexed, once per document.
constexpr std::size_t kScannedAttributes = 32;
using Declarations = std::unordered_map<std::string_view, std::string_view>;
thread_local std::unordered_map<const void*, Declarations> indexed_declarations;

const Declarations& declarations_of(pugi::xml_node element) {
    const auto [it, inserted] = indexed_declarations.try_emplace(element.internal_object());
    if (inserted)
        for (pugi::xml_attribute attr = element.first_attribute(); attr; attr = attr.next_attribute())
            if (const auto prefix = declared_prefix(attr.name())) it->second.try_emplace(*prefix, attr.value());
    return it->second;
}

// The URI an xmlns (prefix "") or xmlns:prefix attribute of this very element binds, if any.
std::optional<std::string_view> declared_on(pugi::xml_node element, std::string_view prefix) {
    std::size_t scanned = 0;
    for (pugi::xml_attribute attr = element.first_attribute(); attr; attr = attr.next_attribute()) {
        if (++scanned > kScannedAttributes) {
            const Declarations& declarations = declarations_of(element);
            const auto found = declarations.find(prefix);
            if (found == declarations.end()) return std::nullopt;
            return found->second;
        }
        if (declared_prefix(attr.name()) == prefix) return std::string_view{attr.value()};
    }
    return std::nullopt;
}

// Categories and enclosures dropped at the per-item limits while reading one document.
thread_local std::size_t values_over_limit = 0;

// Set while reading a document pugixml could not finish (see DocumentTextCheck).
thread_local bool check_document_text = false;

// The first prefix used without a declaration while reading one document on this thread.
thread_local std::string undeclared_prefix;

// Resolving a prefix walks up the ancestors' xmlns attributes, and every child of every item
// would repeat the same walk to the root. The answer for (scope element, prefix) is remembered
// for the document being read (begin_document clears it): a small direct-mapped table, since a
// feed uses a handful of prefixes under a handful of parents at a time.
class PrefixCache {
public:
    // Entries of earlier documents are told apart by their generation rather than wiped: most
    // feeds are small, and wiping the table would cost more than reading them.
    void clear() noexcept { ++generation_; }

    std::optional<Ns> find(pugi::xml_node scope, std::string_view prefix) const {
        if (prefix.size() > kMaxPrefix) return std::nullopt;
        const Entry& entry = entries_[slot(scope, prefix)];
        if (entry.generation == generation_ && entry.scope == scope.internal_object() && entry.prefix() == prefix)
            return entry.ns;
        return std::nullopt;
    }
    void store(pugi::xml_node scope, std::string_view prefix, Ns ns) {
        if (prefix.size() > kMaxPrefix) return;
        Entry& entry = entries_[slot(scope, prefix)];
        entry.generation = generation_;
        entry.scope = scope.internal_object();
        entry.length = static_cast<std::uint8_t>(prefix.size());
        prefix.copy(entry.name.data(), prefix.size());
        entry.ns = ns;
    }

private:
    static constexpr std::size_t kMaxPrefix = 16;  // longer prefixes are rare and simply not cached
    static constexpr std::size_t kSlots = 256;
    struct Entry {
        std::uint64_t generation = 0;
        const void* scope = nullptr;
        std::array<char, kMaxPrefix> name{};
        std::uint8_t length = 0;
        Ns ns = Ns::none;
        std::string_view prefix() const { return {name.data(), length}; }
    };
    static std::size_t slot(pugi::xml_node scope, std::string_view prefix) {
        const auto address = reinterpret_cast<std::uintptr_t>(scope.internal_object());
        const std::size_t first = prefix.empty() ? 0 : static_cast<unsigned char>(prefix[0]);
        return ((address >> 4) ^ (address >> 10) ^ (prefix.size() * 7) ^ first) % kSlots;
    }
    std::array<Entry, kSlots> entries_{};
    std::uint64_t generation_ = 1;
};
constinit thread_local PrefixCache prefix_cache;  // constinit: no lazy-initialisation check per use

Ns undeclared(std::string_view prefix) {
    if (prefix.empty()) return Ns::none;
    if (undeclared_prefix.empty() && prefix != "xml") undeclared_prefix = std::string(prefix);
    for (const auto& [conventional, ns] : kConventionalPrefixes)
        if (conventional == prefix) return ns;
    return Ns::other;
}

// Nearest declaration first: nested xmlns declarations win, as XML Namespaces requires.
Ns classify_prefix(pugi::xml_node element, std::string_view prefix) {
    if (const auto uri = declared_on(element, prefix)) return classify_uri(*uri);
    const pugi::xml_node parent = element.parent();
    if (!parent || parent.type() != pugi::node_element) return undeclared(prefix);
    if (const std::optional<Ns> known = prefix_cache.find(parent, prefix)) return *known;
    // Every element passed on the way up resolves the prefix the same way: remember them all, so
    // that the next item's walk stops at the channel.
    std::array<pugi::xml_node, 8> passed;
    std::size_t passed_count = 0;
    std::optional<Ns> ns;
    for (pugi::xml_node scope = parent; scope && scope.type() == pugi::node_element; scope = scope.parent()) {
        if (scope != parent && (ns = prefix_cache.find(scope, prefix))) break;
        if (passed_count < passed.size()) passed[passed_count++] = scope;
        if (const auto uri = declared_on(scope, prefix)) {
            ns = classify_uri(*uri);
            break;
        }
    }
    if (!ns) ns = undeclared(prefix);
    for (std::size_t i = 0; i < passed_count; ++i) prefix_cache.store(passed[i], prefix, *ns);
    return *ns;
}

// Deeper than any real feed nests; the limit keeps a hostile document off our stack.
constexpr int kMaxDepth = 200;

void collect_text(pugi::xml_node node, std::string& out, int depth) {
    if (depth > kMaxDepth) return;
    if (node.type() == pugi::node_element) out += node.value();  // text before the first child (parse_embed_pcdata)
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
    if (node.type() == pugi::node_element) append_escaped(out, node.value(), false);  // see collect_text
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

DocumentTextCheck::DocumentTextCheck(bool enabled) : previous_(check_document_text) { check_document_text = enabled; }
DocumentTextCheck::~DocumentTextCheck() { check_document_text = previous_; }

std::string document_string(std::string_view text) { return check_document_text ? xml_safe(text) : std::string(text); }
std::string document_string(std::string&& text) {
    return check_document_text && !is_clean_utf8(text, true) ? xml_safe(text) : std::move(text);
}

void begin_document() {
    undeclared_prefix.clear();
    prefix_cache.clear();
    if (!indexed_declarations.empty()) indexed_declarations.clear();
}
std::string take_undeclared_prefix() { return std::exchange(undeclared_prefix, std::string{}); }
std::size_t take_values_over_limit() noexcept { return std::exchange(values_over_limit, std::size_t{0}); }

namespace {

// An element name as prefix and local part, in one pass over the (short) C string: cheaper than
// strlen and then a search for the colon, which is felt when every element of a feed asks.
struct SplitName {
    std::string_view prefix;
    std::string_view local;
};
SplitName split_name(const char* name) noexcept {
    std::size_t colon = 0;
    bool has_colon = false;
    std::size_t length = 0;
    for (; name[length] != '\0'; ++length)
        if (name[length] == ':' && !has_colon) {
            colon = length;
            has_colon = true;
        }
    if (!has_colon) return {{}, {name, length}};
    return {{name, colon}, {name + colon + 1, length - colon - 1}};
}

}  // namespace

QualifiedName qualified_name(pugi::xml_node element) {
    const SplitName name = split_name(element.name());
    return {classify_prefix(element, name.prefix), name.local};
}

QualifiedName ChildNames::of(pugi::xml_node child) {
    const SplitName name = split_name(child.name());
    if (child.first_attribute()) {
        if (const auto uri = declared_on(child, name.prefix)) return {classify_uri(*uri), name.local};
    }
    for (std::size_t i = 0; i < resolved_count_; ++i)
        if (resolved_[i].prefix == name.prefix) return {resolved_[i].ns, name.local};
    // The binding in effect at the parent, which the child inherits.
    const Ns ns = classify_prefix(parent_, name.prefix);
    if (resolved_count_ < resolved_.size()) resolved_[resolved_count_++] = {name.prefix, ns};
    return {ns, name.local};
}

Ns namespace_of(pugi::xml_node element) { return qualified_name(element).ns; }

std::string_view local_name(pugi::xml_node node) { return split_name(node.name()).local; }

bool is_element(pugi::xml_node node, Ns ns, std::string_view local) {
    return node.type() == pugi::node_element && local_name(node) == local && namespace_of(node) == ns;
}

bool is_rss_core(Ns ns) noexcept { return ns == Ns::none || ns == Ns::rss10 || ns == Ns::rss090 || ns == Ns::rss11; }

std::string_view attribute(pugi::xml_node element, const char* name) { return element.attribute(name).value(); }

std::string_view attribute(pugi::xml_node element, Ns ns, std::string_view local) {
    for (const pugi::xml_attribute attr : element.attributes()) {
        const std::string_view name = attr.name();
        const std::string_view prefix = prefix_of(name);
        if (prefix.empty() || name.substr(prefix.size() + 1) != local) continue;
        if (classify_prefix(element, prefix) == ns) return attr.value();
    }
    return {};
}

ElementText::ElementText(pugi::xml_node element) {
    // Most elements hold one text: embedded in the element by the parser (parse_embed_pcdata), or,
    // a CDATA section, as its only child.
    const char* const embedded = element.value();
    const pugi::xml_node first = element.first_child();
    if (!first) {
        view_ = embedded;
        return;
    }
    if (*embedded == '\0' && !first.next_sibling() &&
        (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata)) {
        view_ = first.value();
        return;
    }
    collect_text(element, owned_, 0);
    view_ = owned_;
}

bool has_markup_characters(std::string_view text) noexcept {
    // Two vectorised scans beat string_view::find_first_of, which calls memchr once per byte.
    // (An empty view may have a null data(), which memchr must not see.)
    if (text.empty()) return false;
    return std::memchr(text.data(), '<', text.size()) != nullptr ||
           std::memchr(text.data(), '&', text.size()) != nullptr;
}

std::string inner_markup(pugi::xml_node element) {
    std::string out;
    serialize(element, out, 0);
    return out;
}

std::string text_or_markup(pugi::xml_node element) {
    for (const pugi::xml_node child : element.children())
        if (child.type() == pugi::node_element) return inner_markup(element);
    return element_text(element).str();
}

std::string clean_text(std::string_view text) { return document_string(trim(text)); }

std::string title_text(std::string_view text, Markup markup) {
    switch (markup) {
        case Markup::none: return document_string(collapse_whitespace(text));
        case Markup::html: return title_markup_to_text(text, TitleTags::all);
        case Markup::guess: break;
    }
    // RSS titles are plain text by the spec but arrive with entities and formatting tags often
    // enough that reading those as HTML loses less than it gains; any other '<' is the title's.
    if (has_markup_characters(text)) return title_markup_to_text(text, TitleTags::formatting);
    return document_string(collapse_whitespace(text));
}

std::string text_as_html(std::string_view text) {
    std::string out;
    append_escaped(out, trim(text), false);
    return document_string(std::move(out));
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
    if (item.categories.size() >= kMaxCategoriesPerItem) {
        ++values_over_limit;
        return;
    }
    std::string value = html_to_text(category);
    if (value.empty()) return;
    for (const std::string& existing : item.categories)
        if (existing == value) return;
    item.categories.push_back(std::move(value));
}

void add_enclosure(ParsedItem& item, Enclosure enclosure) {
    if (enclosure.url.empty()) return;
    if (item.enclosures.size() >= kMaxEnclosuresPerItem) {
        ++values_over_limit;
        return;
    }
    for (Enclosure& existing : item.enclosures) {
        if (existing.url != enclosure.url) continue;
        if (existing.type.empty()) existing.type = std::move(enclosure.type);
        if (!existing.length) existing.length = enclosure.length;
        return;
    }
    item.enclosures.push_back(std::move(enclosure));
}

void ReadContext::set_feed_link(std::string_view link) { document_base_ = std::string(link); }

std::string ReadContext::language_at(pugi::xml_node element) const {
    for (pugi::xml_node scope = element; scope && scope.type() == pugi::node_element; scope = scope.parent()) {
        if (no_language_.covers(scope)) break;
        if (const pugi::xml_attribute lang = scope.attribute("xml:lang")) return clean_text(lang.value());
    }
    no_language_.remember(element);
    return {};
}

std::vector<std::string_view> ReadContext::bases_in_scope(pugi::xml_node element) const {
    std::vector<std::string_view> bases;
    for (pugi::xml_node scope = element; scope && scope.type() == pugi::node_element; scope = scope.parent()) {
        if (no_base_.covers(scope)) break;
        if (const pugi::xml_attribute base = scope.attribute("xml:base")) bases.emplace_back(base.value());
    }
    if (bases.empty()) no_base_.remember(element);
    return bases;
}

std::string_view ReadContext::document_base() const noexcept {
    return document_base_.empty() ? base_url_ : std::string_view{document_base_};
}

std::string ReadContext::base_from(const std::vector<std::string_view>& bases) const {
    std::string current(document_base());
    // An xml:base that does not come out as a web page is skipped, and the outer base stays:
    // "javascript:…//" would otherwise turn every relative link inside it into script.
    for (auto it = bases.rbegin(); it != bases.rend(); ++it)
        if (std::string next = resolve_url(current, *it); is_publishable_url(next)) current = std::move(next);
    return current;
}

std::string ReadContext::base_for(pugi::xml_node element) const { return base_from(bases_in_scope(element)); }

namespace {

// A value quoted in a warning: its first 80 bytes, cut where a character starts.
std::string shortened(std::string_view text) {
    constexpr std::size_t kShown = 80;
    if (text.size() <= kShown) return xml_safe(text);
    std::size_t end = kShown;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return xml_safe(text.substr(0, end)) + "…";
}

}  // namespace

std::string ReadContext::resolve(pugi::xml_node element, std::string_view reference) {
    const std::string_view trimmed = trim(reference);
    if (trimmed.empty()) return {};
    if (is_plain_absolute_url(trimmed)) return std::string(trimmed);
    const std::vector<std::string_view> bases = bases_in_scope(element);
    if (bases.empty()) {
        // "/article/7" with no xml:base about: the document base's origin and the path, built in
        // place; both are printable ASCII, so there is nothing for xml_safe to do.
        if (const std::string_view origin = origin_for_plain_path(document_base(), trimmed); !origin.empty()) {
            std::string url;
            url.reserve(origin.size() + trimmed.size());
            url.append(origin).append(trimmed);
            return url;
        }
    }
    std::string url = xml_safe(resolve_url(base_from(bases), trimmed));
    if (!is_publishable_url(url)) {
        warn("dropped the URL \"" + shortened(trimmed) + "\" of <" + std::string(element.name()) +
             ">: not an http(s) URL once resolved");
        url.clear();
    }
    return url;
}

namespace {

// 0: a web page by its type; 1: no type, and nothing in the URL says otherwise; 2: another type,
// or a URL naming a file that is no page (a PDF or a recording offered as an alternate); 3: a
// scheme other than http(s), which resolves to nothing and is dropped with a warning.
int alternate_rank(std::string_view href, std::string_view type) {
    const std::string lower_type = to_lower_ascii(trim(type));
    const std::string_view media_type = std::string_view{lower_type}.substr(0, lower_type.find(';'));
    href = trim(href);
    if (const std::size_t colon = href.find(':');
        colon != std::string_view::npos && href.find('/') > colon && href.find('?') > colon && href.find('#') > colon) {
        const std::string scheme = to_lower_ascii(href.substr(0, colon));
        if (scheme != "http" && scheme != "https") return 3;
    }
    if (trim(media_type) == "text/html" || trim(media_type) == "application/xhtml+xml") return 0;
    if (!trim(media_type).empty()) return 2;
    std::string path = to_lower_ascii(href.substr(0, href.find_first_of("?#")));
    static constexpr std::string_view kFiles[] = {".pdf", ".epub", ".mp3", ".m4a", ".ogg",  ".mp4", ".webm",
                                                  ".jpg", ".jpeg", ".png", ".gif", ".webp", ".zip"};
    for (const std::string_view extension : kFiles)
        if (path.ends_with(extension)) return 2;
    return 1;
}

}  // namespace

void AlternateLink::offer(ReadContext& context, pugi::xml_node element, std::string_view href, std::string_view type) {
    if (trim(href).empty()) return;
    const int rank = alternate_rank(href, type);
    if (rank >= rank_) return;
    if (std::string url = context.resolve(element, href); !url.empty()) {
        url_ = std::move(url);
        rank_ = rank;
    }
}

std::optional<SysTime> ReadContext::date(pugi::xml_node element, std::size_t item_index, const ParsedItem* item) {
    const ElementText raw(element);
    const std::string_view text = trim(raw);
    if (text.empty()) return std::nullopt;
    if (std::optional<SysTime> parsed = parse_date(text, timezone_)) return parsed;
    std::string where = item == nullptr ? std::string("the feed")
                                        : "item " + std::to_string(item_index + 1) +
                                              (item->title.empty() ? std::string{} : " (\"" + item->title + "\")");
    warn("unparseable date \"" + document_string(text) + "\" in <" + std::string(element.name()) + "> of " + where);
    return std::nullopt;
}

namespace {

// "&lt;p&gt;" in what is already the element's decoded text: the publisher escaped its HTML
// twice. Only when no real tag is present and an escaped one is, so text about HTML survives.
bool is_double_escaped(std::string_view markup) {
    if (markup.find('<') != std::string_view::npos) return false;
    for (std::size_t at = markup.find("&lt;"); at != std::string_view::npos; at = markup.find("&lt;", at + 4)) {
        const std::string_view after = markup.substr(at + 4);
        const std::size_t name = after.starts_with('/') ? 1 : 0;
        std::size_t length = name;
        while (length < after.size() && length < name + 12 &&
               ((after[length] >= 'a' && after[length] <= 'z') || (after[length] >= 'A' && after[length] <= 'Z') ||
                (length > name && after[length] >= '0' && after[length] <= '9')))
            ++length;
        if (length == name) continue;
        const std::string_view tag = after.substr(name, length - name);
        const std::string_view rest = after.substr(length);
        static constexpr std::string_view kTags[] = {"p", "a", "b", "i", "br", "div", "img", "span", "em", "strong"};
        for (const std::string_view known : kTags)
            if (iequals_ascii(tag, known) &&
                (rest.starts_with("&gt;") || rest.starts_with(" ") || rest.starts_with("/")))
                return true;
    }
    return false;
}

std::string unescape_once(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '&') {
            const std::string_view rest = text.substr(i);
            bool replaced = false;
            for (const auto& [entity, character] : {std::pair<std::string_view, char>{"&lt;", '<'},
                                                    {"&gt;", '>'},
                                                    {"&amp;", '&'},
                                                    {"&quot;", '"'},
                                                    {"&#39;", '\''}}) {
                if (rest.starts_with(entity)) {
                    out += character;
                    i += entity.size() - 1;
                    replaced = true;
                    break;
                }
            }
            if (replaced) continue;
        }
        out += text[i];
    }
    return out;
}

}  // namespace

std::string ReadContext::html(pugi::xml_node element, std::string markup) {
    if (markup.find("&lt;") != std::string::npos && is_double_escaped(markup)) {
        markup = unescape_once(markup);
        if (!warned_double_escaped_) {
            warn("HTML in <" + std::string(element.name()) + "> was escaped twice; unescaped once");
            warned_double_escaped_ = true;
        }
    }
    if (sanitize_) return sanitize_html(markup, base_for(element));
    // Unsanitized: the markup as written, trimmed in place rather than copied again.
    const std::string_view trimmed = trim(markup);
    if (trimmed.size() != markup.size()) {
        const std::size_t offset = static_cast<std::size_t>(trimmed.data() - markup.data());
        markup.erase(offset + trimmed.size());
        markup.erase(0, offset);
    }
    return document_string(std::move(markup));
}

namespace {

void read_media_title(pugi::xml_node element, std::string& media_title) {
    if (!media_title.empty()) return;
    const bool html = iequals_ascii(trim(attribute(element, "type")), "html");
    media_title = title_text(element_text(element), html ? Markup::html : Markup::guess);
}

// A media:group holds the alternatives of one media object and a media:content may hold its own
// title; groups do not nest, and `depth` refuses a group inside a group so that a hostile document
// cannot recurse us off the stack (300,000 nested groups did).
void read_media_at(pugi::xml_node element, ParsedItem& item, ReadContext& context, std::string& media_title,
                   int depth) {
    const std::string_view local = local_name(element);
    if (local == "group") {
        if (depth > 0) return;
        ChildNames names(element);
        for (const pugi::xml_node child : element.children())
            if (child.type() == pugi::node_element && names.of(child).ns == Ns::media)
                read_media_at(child, item, context, media_title, depth + 1);
    } else if (local == "category") {
        add_category(item, element_text(element));
    } else if (local == "title") {
        read_media_title(element, media_title);
    } else if (local == "content") {
        add_enclosure(item, Enclosure{.url = context.resolve(element, attribute(element, "url")),
                                      .type = clean_text(attribute(element, "type")),
                                      .length = parse_length(attribute(element, "fileSize"))});
        ChildNames names(element);
        for (const pugi::xml_node child : element.children())
            if (child.type() == pugi::node_element) {
                const QualifiedName name = names.of(child);
                if (name.ns == Ns::media && name.local == "title") read_media_title(child, media_title);
            }
    }
}

}  // namespace

void read_media(pugi::xml_node element, ParsedItem& item, ReadContext& context, std::string& media_title) {
    read_media_at(element, item, context, media_title, 0);
}

namespace {

// RSS 2.0 <skipHours>: 0-23, and 24 which some feeds write for midnight.
void read_skip_hours(pugi::xml_node element, ParsedFeed& feed) {
    for (const pugi::xml_node hour : element.children()) {
        if (hour.type() != pugi::node_element || local_name(hour) != "hour") continue;
        const std::optional<std::int64_t> value = parse_length(element_text(hour));
        if (value && *value <= 24) feed.skip_hours |= std::uint32_t{1} << (*value % 24);
    }
}

void read_skip_days(pugi::xml_node element, ParsedFeed& feed) {
    static constexpr std::array<std::string_view, 7> kDays{"sunday",   "monday", "tuesday", "wednesday",
                                                           "thursday", "friday", "saturday"};
    for (const pugi::xml_node day : element.children()) {
        if (day.type() != pugi::node_element || local_name(day) != "day") continue;
        const std::string name = to_lower_ascii(trim(element_text(day)));
        for (std::size_t i = 0; i < kDays.size(); ++i)
            if (name == kDays[i]) feed.skip_days |= static_cast<std::uint8_t>(1u << i);
    }
}

}  // namespace

bool read_feed_hint(pugi::xml_node child, QualifiedName name, ReadContext& context) {
    ParsedFeed& feed = context.feed();
    const auto [ns, local] = name;
    if (is_rss_core(ns)) {
        if (local == "ttl") {
            if (const auto minutes = parse_length(element_text(child)); minutes && *minutes < 1'000'000'000)
                feed.ttl = std::chrono::minutes{*minutes};
        } else if (local == "skipHours") {
            read_skip_hours(child, feed);
        } else if (local == "skipDays") {
            read_skip_days(child, feed);
        } else if (local == "image") {
            // RSS 0.9x/2.0: <image><url>; RSS 1.0: <image rdf:resource> in the channel.
            std::string_view url;
            for (const pugi::xml_node part : child.children())
                if (part.type() == pugi::node_element && local_name(part) == "url") url = part.child_value();
            if (trim(url).empty()) url = attribute(child, Ns::rdf, "resource");
            if (!trim(url).empty()) feed.image = context.resolve(child, url);
        } else {
            return false;
        }
        return true;
    }
    if (ns == Ns::sy) {
        if (local == "updatePeriod")
            context.sy_period = to_lower_ascii(trim(element_text(child)));
        else if (local == "updateFrequency")
            context.sy_frequency = std::string(trim(element_text(child)));
        else
            return false;
        return true;
    }
    if (ns == Ns::itunes && local == "image") {
        if (feed.image.empty()) feed.image = context.resolve(child, attribute(child, "href"));
        return true;
    }
    return false;
}

void finish_feed_hints(ReadContext& context) {
    if (context.sy_period.empty() && context.sy_frequency.empty()) return;
    using std::chrono::hours;
    static constexpr std::array<std::pair<std::string_view, hours>, 5> kPeriods{{
        {"hourly", hours{1}},
        {"daily", hours{24}},
        {"weekly", hours{24 * 7}},
        {"monthly", hours{24 * 30}},
        {"yearly", hours{24 * 365}},
    }};
    std::string_view period_name = context.sy_period;  // (a ?: of std::string would dangle here)
    if (period_name.empty()) period_name = "daily";
    std::optional<hours> period;
    for (const auto& [name, length] : kPeriods)
        if (period_name == name) period = length;
    if (!period) {
        context.warn("unknown sy:updatePeriod \"" + clean_text(context.sy_period) + "\"; ignored");
        return;
    }
    std::int64_t frequency = 1;
    if (!context.sy_frequency.empty()) {
        const std::optional<std::int64_t> value = parse_length(context.sy_frequency);
        if (!value || *value == 0 || *value > 1'000'000) {
            context.warn("unusable sy:updateFrequency \"" + clean_text(context.sy_frequency) + "\"; read as 1");
        } else {
            frequency = *value;
        }
    }
    context.feed().update_period = std::chrono::duration_cast<Seconds>(*period) / frequency;
}

}  // namespace tributary::parse
