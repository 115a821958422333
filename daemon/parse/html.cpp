// HTML from feeds, through a real HTML5 parser (gumbo) so that what we keep is what a browser
// would have seen, never a regex's guess. The sanitizer is an allowlist: unknown elements are
// unwrapped (their text survives), dangerous ones go with their content, and only the listed
// attributes and URL schemes pass.

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "parse/html_entities.hpp"
#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"
#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

constexpr auto kAllowedElements = std::to_array<std::string_view>({
    "a",        "abbr",   "b",      "bdi", "bdo", "blockquote", "br",    "caption", "cite",       "code",   "col",
    "colgroup", "dd",     "del",    "dfn", "div", "dl",         "dt",    "em",      "figcaption", "figure", "h1",
    "h2",       "h3",     "h4",     "h5",  "h6",  "hr",         "i",     "img",     "ins",        "kbd",    "li",
    "mark",     "ol",     "p",      "pre", "q",   "rp",         "rt",    "ruby",    "s",          "samp",   "small",
    "span",     "strike", "strong", "sub", "sup", "table",      "tbody", "td",      "tfoot",      "th",     "thead",
    "time",     "tr",     "tt",     "u",   "ul",  "var",        "wbr",
});

// Removed together with everything inside them: active content, forms, and what only makes
// sense in a document head.
constexpr auto kDroppedElements = std::to_array<std::string_view>({
    "applet",   "base",     "button",  "canvas",   "datalist", "embed",  "fieldset", "form",     "frame",
    "frameset", "head",     "iframe",  "input",    "keygen",   "label",  "legend",   "link",     "math",
    "meta",     "meter",    "noembed", "noframes", "noscript", "object", "optgroup", "option",   "output",
    "param",    "progress", "script",  "select",   "style",    "svg",    "template", "textarea", "title",
});

constexpr auto kAllowedAttributes = std::to_array<std::string_view>({
    "alt",
    "cite",
    "colspan",
    "datetime",
    "dir",
    "height",
    "href",
    "lang",
    "rowspan",
    "span",
    "src",
    "title",
    "width",
});

constexpr auto kVoidElements = std::to_array<std::string_view>({"br", "col", "hr", "img", "wbr"});

// What a title's text leaves out: code and style, not words.
constexpr auto kNoTextElements = std::to_array<std::string_view>({"script", "style", "template"});

// The elements an RSS title is written with when it is HTML: a start tag of one of these with
// its end tag later (or one of the void ones) is markup; any other '<' is a character of the title.
constexpr auto kTitleFormattingElements = std::to_array<std::string_view>({
    "a",     "abbr", "acronym", "b",      "bdi", "bdo", "big",  "br",   "cite", "code", "del",
    "dfn",   "em",   "font",    "i",      "ins", "kbd", "mark", "nobr", "q",    "s",    "samp",
    "small", "span", "strike",  "strong", "sub", "sup", "time", "tt",   "u",    "var",  "wbr",
});
constexpr auto kTitleVoidElements = std::to_array<std::string_view>({"br", "wbr"});

// Elements whose content an HTML parser reads as raw text up to their end tag: unclosed, they
// would take the rest of a title with them.
constexpr auto kRawTextElements = std::to_array<std::string_view>({
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
});

// Elements after which text would run together if we dropped the tag.
constexpr auto kBlockElements = std::to_array<std::string_view>({
    "address", "article", "aside", "blockquote", "br",      "dd",    "div", "dl",     "dt", "figcaption", "figure",
    "footer",  "h1",      "h2",    "h3",         "h4",      "h5",    "h6",  "header", "hr", "li",         "main",
    "nav",     "ol",      "p",     "pre",        "section", "table", "td",  "th",     "tr", "ul",
});

// Deeper than this, a document is an attack on our stack (and on gumbo's time), not an article.
constexpr int kMaxDepth = 200;
// What limit_nesting lets through: below kMaxDepth, leaving room for the elements gumbo adds
// itself (<html>, <tbody>), so that the text of the deepest element still comes out.
constexpr int kMaxNesting = kMaxDepth - 20;

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// Elements an HTML parser closes by itself, so they do not deepen the tree when left open.
constexpr auto kSelfClosingInPractice = std::to_array<std::string_view>({
    "area", "br",     "col", "dd",    "dt",     "embed", "hr", "img", "input", "li",  "link",
    "meta", "option", "p",   "param", "source", "td",    "th", "tr",  "track", "wbr",
});

// gumbo's tree building is quadratic in the nesting depth (40,000 unclosed <div>s took 4 s),
// so tags that would nest deeper than kMaxNesting are removed before it sees them. A tag is
// "<" up to the next ">": an estimate, but one that only errs towards shallower trees.
std::string limit_nesting(std::string_view html) {
    if (static_cast<std::size_t>(std::count(html.begin(), html.end(), '<')) <= static_cast<std::size_t>(kMaxNesting))
        return std::string(html);
    std::string out;
    out.reserve(html.size());
    int depth = 0;
    std::size_t pos = 0;
    while (pos < html.size()) {
        const std::size_t open = html.find('<', pos);
        if (open == std::string_view::npos) break;
        out.append(html.substr(pos, open - pos));
        const std::size_t close = html.find('>', open);
        if (close == std::string_view::npos) {
            pos = open;
            break;
        }
        const std::string_view tag = html.substr(open, close - open + 1);
        pos = close + 1;
        const bool end_tag = tag.size() > 2 && tag[1] == '/';
        std::size_t name_end = end_tag ? 2 : 1;
        while (name_end < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[name_end])) != 0)) ++name_end;
        const std::string name = to_lower_ascii(tag.substr(end_tag ? 2 : 1, name_end - (end_tag ? 2 : 1)));
        const bool nests = !name.empty() && !tag.ends_with("/>") && !contains(kSelfClosingInPractice, name);
        if (!nests) {
            out.append(tag);
        } else if (end_tag) {
            if (depth <= kMaxNesting) out.append(tag);
            depth = std::max(0, depth - 1);
        } else if (++depth <= kMaxNesting) {
            out.append(tag);
        }
    }
    out.append(html.substr(pos));
    return out;
}

struct OutputDeleter {
    void operator()(GumboOutput* output) const noexcept { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};
using ParsedHtml = std::unique_ptr<GumboOutput, OutputDeleter>;

ParsedHtml parse_fragment(const std::string& html) {
    GumboOptions options = kGumboDefaultOptions;
    options.fragment_context = GUMBO_TAG_DIV;
    options.fragment_namespace = GUMBO_NAMESPACE_HTML;
    options.max_errors = 0;  // we never read the error list; do not spend memory on it
    return ParsedHtml{gumbo_parse_with_options(&options, html.data(), html.size())};
}

std::string tag_name(const GumboElement& element) {
    if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
    GumboStringPiece original = element.original_tag;
    gumbo_tag_from_original_text(&original);
    return to_lower_ascii(std::string_view(original.data, original.length));
}

bool dropped_with_content(const GumboElement& element, std::string_view name) {
    return element.tag_namespace != GUMBO_NAMESPACE_HTML || contains(kDroppedElements, name);
}

void append_escaped(std::string& out, std::string_view text, bool in_attribute) {
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"':
                if (in_attribute) {
                    out += "&quot;";
                    break;
                }
                [[fallthrough]];
            default: out += c;
        }
    }
}

// The URL to write, or "" to drop the attribute (its element and text stay). Every URL is made
// absolute here, since the HTML is read far from the page it came from: a reference that cannot
// be (no usable base) is dropped, as is anything whose scheme is not http(s), or mailto for a link.
// That leaves out data: images too: they are how an SVG with script or a tracking pixel slips
// past a scheme list, and no reader needs them.
std::string safe_url(std::string_view raw, std::string_view attribute, std::string_view base_url) {
    // Every control character goes, not only the tabs and newlines browsers ignore, so that
    // "java\x01script:" is judged as the scheme it becomes if anything later drops the control.
    std::string url;
    for (const char c : trim(raw))
        if (static_cast<unsigned char>(c) >= 0x20) url += c;
    if (url.empty()) return {};
    std::string resolved = resolve_url(base_url, url);
    const bool allowed = attribute == "href" ? is_publishable_href(resolved) : is_publishable_url(resolved);
    if (!allowed) resolved.clear();
    return resolved;
}

class Sanitizer {
public:
    explicit Sanitizer(std::string_view base_url) : base_url_(base_url) {}

    void node(const GumboNode& node, int depth) {
        switch (node.type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_WHITESPACE:
            case GUMBO_NODE_CDATA: append_escaped(out_, node.v.text.text, false); break;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE:
                if (depth < kMaxDepth) element(node.v.element, depth);
                break;
            case GUMBO_NODE_DOCUMENT:
            case GUMBO_NODE_COMMENT: break;
        }
    }

    void children(const GumboVector& children, int depth) {
        for (unsigned i = 0; i < children.length; ++i)
            node(*static_cast<const GumboNode*>(children.data[i]), depth + 1);
    }

    std::string take() { return std::move(out_); }

private:
    void element(const GumboElement& element, int depth) {
        const std::string name = tag_name(element);
        if (dropped_with_content(element, name)) return;
        if (!contains(kAllowedElements, name)) return children(element.children, depth);

        std::string attributes;
        bool has_source = false;
        for (unsigned i = 0; i < element.attributes.length; ++i) {
            const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
            const std::string attribute_name = to_lower_ascii(attribute.name);
            if (!contains(kAllowedAttributes, attribute_name)) continue;
            std::string value = attribute.value;
            if (attribute_name == "href" || attribute_name == "src" || attribute_name == "cite") {
                value = safe_url(value, attribute_name, base_url_);
                if (value.empty()) continue;
                if (attribute_name == "src") has_source = true;
            }
            attributes.append(" ").append(attribute_name).append("=\"");
            append_escaped(attributes, value, true);
            attributes += '"';
        }
        if (name == "img" && !has_source) return;

        out_.append("<").append(name).append(attributes);
        if (contains(kVoidElements, name)) {
            out_ += "/>";
            return;
        }
        out_ += '>';
        children(element.children, depth);
        out_.append("</").append(name).append(">");
    }

    std::string_view base_url_;
    std::string out_;
};

class TextCollector {
public:
    // A title keeps the text of every element but those whose content is no text to read
    // (kNoTextElements); other text drops what the sanitizer drops.
    explicit TextCollector(bool title = false) : title_(title) {}

    void node(const GumboNode& node, int depth) {
        switch (node.type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_WHITESPACE:
            case GUMBO_NODE_CDATA: out_ += node.v.text.text; break;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE: {
                if (depth >= kMaxDepth) break;
                const std::string name = tag_name(node.v.element);
                if (title_ ? contains(kNoTextElements, name) : dropped_with_content(node.v.element, name)) break;
                const bool block = contains(kBlockElements, name);
                if (block) out_ += ' ';
                const GumboVector& children = node.v.element.children;
                for (unsigned i = 0; i < children.length; ++i)
                    this->node(*static_cast<const GumboNode*>(children.data[i]), depth + 1);
                if (block) out_ += ' ';
                break;
            }
            case GUMBO_NODE_DOCUMENT:
            case GUMBO_NODE_COMMENT: break;
        }
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
    bool title_ = false;
};

bool is_ascii_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum class SpaceKind : unsigned char { plain, space, other };  // other: \t \n \r \f \v, or 0xC2 (U+00A0's lead)
constexpr std::array<SpaceKind, 256> kSpaceKinds = [] {
    std::array<SpaceKind, 256> kinds{};
    kinds[' '] = SpaceKind::space;
    for (const unsigned char c : {'\t', '\n', '\r', '\f', '\v', '\xC2'}) kinds[c] = SpaceKind::other;
    return kinds;
}();

// Most titles need no collapsing: one look at each byte, then one copy.
bool is_collapsed(std::string_view text) noexcept {
    if (text.empty()) return true;
    if (text.front() == ' ' || text.back() == ' ') return false;
    bool after_space = false;
    std::size_t i = 0;
#if defined(__SSE2__)
    // Sixteen bytes at a time: none of \t \n \v \f \r (0x09-0x0D) or 0xC2, and no space after a space.
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i lead_c2 = _mm_set1_epi8(static_cast<char>(0xC2));
    const __m128i tab = _mm_set1_epi8('\t');
    const __m128i span = _mm_set1_epi8('\r' - '\t');
    for (; i + 16 <= text.size(); i += 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
        const __m128i above_tab = _mm_sub_epi8(block, tab);  // 0x09-0x0D become 0-4; the rest wrap past 4
        const __m128i control_space = _mm_cmpeq_epi8(_mm_min_epu8(above_tab, span), above_tab);
        if (_mm_movemask_epi8(_mm_or_si128(control_space, _mm_cmpeq_epi8(block, lead_c2))) != 0) return false;
        const auto spaces = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, space)));
        if ((spaces & (spaces << 1)) != 0 || (after_space && (spaces & 1u) != 0)) return false;
        after_space = (spaces & 0x8000u) != 0;
    }
#endif
    for (const char c : text.substr(i)) {
        switch (kSpaceKinds[static_cast<unsigned char>(c)]) {
            case SpaceKind::plain: after_space = false; break;
            case SpaceKind::space:
                if (after_space) return false;
                after_space = true;
                break;
            case SpaceKind::other: return false;
        }
    }
    return true;
}

}  // namespace

// ASCII whitespace and U+00A0 (what &nbsp; becomes) collapse to one space.
std::string collapse_whitespace(std::string_view text) {
    if (is_collapsed(text)) return std::string(text);
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    std::size_t i = 0;
    while (i < text.size()) {
        // A run of bytes that are neither whitespace nor the lead byte of U+00A0 goes in one piece.
        std::size_t end = i;
        while (end < text.size() && !is_ascii_space(text[end]) && text[end] != '\xC2') ++end;
        if (end > i) {
            if (pending_space && !out.empty()) out += ' ';
            pending_space = false;
            out.append(text.substr(i, end - i));
            i = end;
            continue;
        }
        const bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
        if (is_ascii_space(text[i]) || nbsp) {
            pending_space = true;
            i += nbsp ? 2 : 1;
            continue;
        }
        if (pending_space && !out.empty()) out += ' ';  // a 0xC2 that starts another character
        pending_space = false;
        out += text[i++];
    }
    return out;
}

namespace {

// Text that an HTML parser would hand back unchanged: no '<', and no '&' that can start a
// character reference (a letter, a digit or '#' must follow it). "Q & A" is such text; "AT&T"
// is not ("&T…" might be a named reference), nor is "&amp" without its ';'.
bool needs_html_parser(std::string_view text) noexcept {
    if (text.empty()) return false;
    if (std::memchr(text.data(), '<', text.size()) != nullptr) return true;
    std::size_t at = 0;
    while (const void* found = std::memchr(text.data() + at, '&', text.size() - at)) {
        at = static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) + 1;
        if (at == text.size()) break;
        const char next = text[at];
        if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9') || next == '#')
            return true;
    }
    return false;
}

// A numeric reference HTML reads as the code point itself. The rest (NUL, C1 controls that HTML
// reads as windows-1252, surrogates, non-characters, out of range) HTML replaces or remaps, and
// the parser is left to apply its rules to them.
bool is_plain_code_point(std::uint32_t cp) noexcept {
    if (cp == '\t' || cp == '\n') return true;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    if (cp >= 0xFDD0 && cp <= 0xFDEF) return false;
    return (cp & 0xFFFE) != 0xFFFE && cp <= 0x10FFFF;
}

// Text without markup whose character references are all complete ("&eacute;", "&#1575;",
// "&#x27;"), decoded as an HTML parser decodes them: the double-escaped titles of many feeds,
// without building a document for each. nullopt when a reference is one of those HTML reads by
// finer rules (no ';', a name it does not define, a remapped code point): the parser decides.
std::optional<std::string> decode_complete_references(std::string_view text) {
    constexpr std::size_t kLongestReference = 40;  // "&CounterClockwiseContourIntegral;" is 33
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t amp = text.find('&', at);
        if (amp == std::string_view::npos) break;
        out.append(text.substr(at, amp - at));
        at = amp + 1;
        const char next = at < text.size() ? text[at] : ' ';
        if (!std::isalnum(static_cast<unsigned char>(next)) && next != '#') {
            out += '&';
            continue;
        }
        const std::size_t semicolon = text.substr(at, kLongestReference).find(';');
        if (semicolon == std::string_view::npos) return std::nullopt;
        const std::string_view name = text.substr(at, semicolon);
        at += semicolon + 1;
        if (next != '#') {
            const std::optional<std::string_view> named = lookup_html_entity(name);
            if (!named) return std::nullopt;
            out.append(*named);
            continue;
        }
        const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        const std::string_view digits = name.substr(hex ? 2 : 1);
        std::uint32_t cp = 0;
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || !is_plain_code_point(cp))
            return std::nullopt;
        append_utf8(out, cp);
    }
    out.append(text.substr(std::min(at, text.size())));
    return out;
}

}  // namespace

std::string sanitize_html(std::string_view html, std::string_view base_url) {
    if (!needs_html_parser(html)) {
        std::string escaped;
        append_escaped(escaped, html, false);
        return xml_safe(escaped);
    }
    const std::string valid = limit_nesting(xml_safe(html));  // gumbo wants UTF-8 it can trust
    const ParsedHtml parsed = parse_fragment(valid);
    if (!parsed) return {};
    // A base that is no web page (an item whose link is "javascript:…") is no base at all, so
    // that its relative URLs are dropped rather than resolved into its scheme; callers may pass
    // any link they have.
    Sanitizer sanitizer{is_publishable_url(base_url) ? base_url : std::string_view{}};
    sanitizer.node(*parsed->root, 0);
    return xml_safe(sanitizer.take());
}

std::string html_to_text(std::string_view html) {
    if (!needs_html_parser(html)) return xml_safe(collapse_whitespace(html));
    if (std::memchr(html.data(), '<', html.size()) == nullptr)
        if (const std::optional<std::string> decoded = decode_complete_references(html))
            return xml_safe(collapse_whitespace(*decoded));
    const std::string valid = limit_nesting(xml_safe(html));
    const ParsedHtml parsed = parse_fragment(valid);
    if (!parsed) return {};
    TextCollector collector;
    collector.node(*parsed->root, 0);
    return xml_safe(collapse_whitespace(collector.take()));
}

namespace {

bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The lower-case name of the tag at `at` ("<b class=x>", "</b>"), "" when no name follows.
std::string tag_name_at(std::string_view text, std::size_t at) {
    std::size_t start = at + 1;
    if (start < text.size() && text[start] == '/') ++start;
    std::size_t end = start;
    while (end < text.size() &&
           (is_ascii_alpha(text[end]) || (end > start && std::isdigit(static_cast<unsigned char>(text[end])) != 0)))
        ++end;
    return to_lower_ascii(text.substr(start, end - start));
}

// The '>' that ends the tag starting at `lt`, outside quoted attribute values; npos when another
// '<' or the end of the text comes first: then it is no tag.
std::size_t tag_end(std::string_view text, std::size_t lt) {
    char quote = '\0';
    for (std::size_t at = lt + 1; at < text.size(); ++at) {
        const char c = text[at];
        if (quote != '\0') {
            if (c == quote) quote = '\0';
        } else if (c == '"' || c == '\'') {
            // Quotes open a value only after '=' ("<b title='x'>"); elsewhere they are characters.
            std::size_t before = at;
            while (before > lt && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
            if (before > lt && text[before - 1] == '=') quote = c;
        } else if (c == '>') {
            return at;
        } else if (c == '<') {
            return std::string_view::npos;
        }
    }
    return std::string_view::npos;
}

// Whether an end tag "</name" appears in `text` (case-insensitive).
bool has_end_tag(std::string_view text, std::string_view name) {
    for (std::size_t at = text.find("</"); at != std::string_view::npos; at = text.find("</", at + 2))
        if (iequals_ascii(text.substr(at + 2, name.size()), name)) {
            const std::size_t after = at + 2 + name.size();
            if (after == text.size() || !is_ascii_alpha(text[after])) return true;
        }
    return false;
}

}  // namespace

std::string escape_stray_tags(std::string_view text, TitleTags tags) {
    std::string out;
    out.reserve(text.size() + 16);
    std::vector<std::string> open;  // formatting elements whose start tag was kept, for their end tags
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t lt = text.find('<', at);
        if (lt == std::string_view::npos) break;
        out.append(text.substr(at, lt - at));
        at = lt + 1;
        const std::size_t gt = tag_end(text, lt);
        const bool closed = gt != std::string_view::npos;
        const std::string_view rest = text.substr(lt);
        bool markup = false;
        if (rest.starts_with("<!--")) {
            // A comment is markup only when complete, and only where the format says HTML.
            const std::size_t end = text.find("-->", lt + 4);
            if (tags == TitleTags::all && end != std::string_view::npos) {
                out.append(text.substr(lt, end + 3 - lt));
                at = end + 3;
                continue;
            }
        } else if (const std::string name = tag_name_at(text, lt); !name.empty() && closed) {
            const bool end_tag = rest.starts_with("</");
            if (tags == TitleTags::all) {
                markup = end_tag || !contains(kRawTextElements, name) || has_end_tag(text.substr(gt), name);
            } else if (contains(kTitleFormattingElements, name)) {
                if (end_tag) {
                    const auto it = std::find(open.rbegin(), open.rend(), name);
                    markup = it != open.rend();
                    if (markup) open.erase(std::next(it).base());
                } else if (contains(kTitleVoidElements, name)) {
                    markup = true;
                } else if (has_end_tag(text.substr(gt), name)) {
                    markup = true;
                    open.push_back(name);
                }
            }
        }
        if (markup) {
            out.append(text.substr(lt, gt + 1 - lt));
            at = gt + 1;
        } else {
            out += "&lt;";
        }
    }
    out.append(text.substr(std::min(at, text.size())));
    return out;
}

std::string title_markup_to_text(std::string_view text, TitleTags tags) {
    if (std::memchr(text.data(), '<', text.size()) == nullptr) return html_to_text(text);
    const std::string valid = limit_nesting(xml_safe(escape_stray_tags(text, tags)));
    const ParsedHtml parsed = parse_fragment(valid);
    if (!parsed) return {};
    TextCollector collector{true};
    collector.node(*parsed->root, 0);
    return xml_safe(collapse_whitespace(collector.take()));
}

}  // namespace tributary::parse
