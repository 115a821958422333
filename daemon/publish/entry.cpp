#include "publish/entry.hpp"

#include <cstdint>
#include <vector>

#include "core/text.hpp"
#include "core/url_safety.hpp"

namespace tributary::publish {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// The scheme of `reference` ("" if it has none): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
std::string_view scheme_of(std::string_view reference) noexcept {
    if (reference.empty() || !is_alpha(reference.front())) return {};
    for (std::size_t i = 1; i < reference.size(); ++i) {
        const char c = reference[i];
        if (c == ':') return reference.substr(0, i);
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return {};
    }
    return {};
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> out;
    const bool absolute = path.starts_with('/');
    if (absolute) path.remove_prefix(1);
    bool trailing = false;
    while (true) {
        const std::size_t slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        const bool last = slash == std::string_view::npos;
        if (segment == "..") {
            if (!out.empty()) out.pop_back();
            trailing = true;
        } else if (segment == ".") {
            trailing = true;
        } else {
            out.push_back(segment);
            trailing = false;
        }
        if (last) break;
        path.remove_prefix(slash + 1);
    }
    std::string result = absolute ? "/" : "";
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i > 0) result += '/';
        result += out[i];
    }
    if (trailing && !result.ends_with('/')) result += '/';
    return result;
}

struct SplitUrl {
    std::string_view origin;  // "https://host:port"
    std::string_view path;    // "/a/b" ("" when none)
    std::string_view query;   // "?x" ("" when none)
};

SplitUrl split_base(std::string_view url) noexcept {
    const std::size_t fragment = url.find('#');
    url = url.substr(0, fragment);
    const std::size_t authority = url.find("://") + 3;
    const std::size_t path = url.find_first_of("/?", authority);
    if (path == std::string_view::npos) return {url, {}, {}};
    const std::size_t query = url.find('?', path);
    return {url.substr(0, path), url.substr(path, query == std::string_view::npos ? url.npos : query - path),
            query == std::string_view::npos ? std::string_view{} : url.substr(query)};
}

// The five references the sanitizer writes and numeric ones: a value is compared as the browser
// will read it.
std::string decode_attribute(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '&') {
            out += value[i];
            continue;
        }
        const std::size_t semi = value.find(';', i);
        if (semi == std::string_view::npos || semi - i > 12) {
            out += '&';
            continue;
        }
        const std::string_view name = value.substr(i + 1, semi - i - 1);
        std::uint32_t cp = 0;
        if (name == "amp")
            cp = '&';
        else if (name == "lt")
            cp = '<';
        else if (name == "gt")
            cp = '>';
        else if (name == "quot")
            cp = '"';
        else if (name == "apos")
            cp = '\'';
        else if (name.starts_with('#') && name.size() > 1) {
            const bool hex = name[1] == 'x' || name[1] == 'X';
            for (const char c : name.substr(hex ? 2 : 1)) {
                const int digit = is_digit(c)                   ? c - '0'
                                  : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
                if (digit < 0 || cp > 0x10FFFF) {
                    cp = 0xFFFD;
                    break;
                }
                cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
            }
        } else {
            out += '&';
            continue;
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
        append_utf8(out, cp);
        i = semi;
    }
    return out;
}

void append_attribute_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
}

// The next code point of `s` at `at` (advanced past it); U+FFFD for a broken sequence.
std::uint32_t next_code_point(std::string_view s, std::size_t& at) noexcept {
    const auto b0 = static_cast<unsigned char>(s[at++]);
    if (b0 < 0x80) return b0;
    const int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : -1;
    if (extra < 0) return 0xFFFD;
    std::uint32_t cp = b0 & (0x3F >> extra);
    for (int i = 0; i < extra; ++i) {
        if (at >= s.size() || (static_cast<unsigned char>(s[at]) & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (static_cast<unsigned char>(s[at++]) & 0x3F);
    }
    return cp;
}

enum class Strength { neutral, ltr, rtl };

Strength strength(std::uint32_t cp) noexcept {
    if ((cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF) ||
        (cp >= 0x10800 && cp <= 0x10FFF) || (cp >= 0x1E800 && cp <= 0x1EFFF))
        return Strength::rtl;
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
        (cp >= 0x00C0 && cp <= 0x02AF && cp != 0xD7 && cp != 0xF7) || (cp >= 0x0370 && cp <= 0x058F) ||
        (cp >= 0x0900 && cp <= 0x1FFF) || (cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF))
        return Strength::ltr;
    return Strength::neutral;
}

// Position past the '>' that closes the tag opening at `at` (quoted values may hold '>').
std::size_t tag_end(std::string_view html, std::size_t at) noexcept {
    char quote = 0;
    for (std::size_t i = at + 1; i < html.size(); ++i) {
        const char c = html[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return html.size();
}

// One tag of `html` rewritten: URL attributes resolved or removed, event handlers and styles
// removed (the sanitizer lets none through; this is the second lock).
void rewrite_tag(std::string& out, std::string_view tag, std::string_view base) {
    // tag: "<name attr=\"v\" …>" or "</name>" or "<name/>"
    std::size_t i = 1;
    while (i < tag.size() && !is_space(tag[i]) && tag[i] != '>' && !(tag[i] == '/' && i > 1)) ++i;
    out.append(tag.substr(0, i));
    if (tag.starts_with("</") || tag.starts_with("<!")) {
        out.append(tag.substr(i));
        return;
    }
    while (i < tag.size()) {
        while (i < tag.size() && is_space(tag[i])) ++i;
        if (i >= tag.size() || tag[i] == '>' || tag[i] == '/') break;
        const std::size_t name_start = i;
        while (i < tag.size() && !is_space(tag[i]) && tag[i] != '=' && tag[i] != '>' && tag[i] != '/') ++i;
        const std::string name = to_lower_ascii(tag.substr(name_start, i - name_start));
        std::string_view raw;
        bool has_value = false;
        if (i < tag.size() && tag[i] == '=') {
            has_value = true;
            ++i;
            if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
                const char quote = tag[i++];
                const std::size_t close = tag.find(quote, i);
                const std::size_t end = close == std::string_view::npos ? tag.size() : close;
                raw = tag.substr(i, end - i);
                i = close == std::string_view::npos ? tag.size() : close + 1;
            } else {
                const std::size_t start = i;
                while (i < tag.size() && !is_space(tag[i]) && tag[i] != '>') ++i;
                raw = tag.substr(start, i - start);
            }
        }
        if (name.empty() || name.starts_with("on") || name == "style" || name == "srcdoc" || name == "formaction")
            continue;
        std::string value = decode_attribute(raw);
        if (name == "href" || name == "src" || name == "cite") {
            std::string clean;
            for (const char c : trim(value))
                if (static_cast<unsigned char>(c) >= 0x20) clean += c;
            const bool mail = name == "href" && is_publishable_href(clean) && !is_publishable_url(clean);
            value = mail ? clean : resolve_reference(base, clean);
            if (value.empty()) continue;
        }
        out += ' ';
        out += name;
        if (has_value) {
            out += "=\"";
            append_attribute_value(out, value);
            out += '"';
        }
    }
    out += tag.ends_with("/>") ? "/>" : ">";
}

Strength first_strong(std::string_view text) noexcept {
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == '<') {
            at = tag_end(text, at);
            continue;
        }
        if (text[at] == '&') {
            const std::size_t semi = text.find(';', at);
            if (semi != std::string_view::npos && semi - at <= 12) {
                at = semi + 1;
                continue;
            }
        }
        const Strength s = strength(next_code_point(text, at));
        if (s != Strength::neutral) return s;
    }
    return Strength::neutral;
}

}  // namespace

std::string resolve_reference(std::string_view base, std::string_view reference) {
    for (const char c : reference)
        if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == '\\') return {};
    const std::string_view scheme = scheme_of(reference);
    if (!scheme.empty()) {
        if (!iequals_ascii(scheme, "http") && !iequals_ascii(scheme, "https")) return {};
        return is_publishable_url(reference) ? std::string(reference) : std::string{};
    }
    if (!is_publishable_url(base) || base.find("://") == std::string_view::npos) return {};
    const SplitUrl b = split_base(base);
    std::string out;
    if (reference.starts_with("//")) {
        out = std::string(base.substr(0, base.find(':') + 1)) + std::string(reference);
        return is_publishable_url(out) && out.size() > base.find("://") + 3 ? out : std::string{};
    }
    const std::size_t suffix_at = reference.find_first_of("?#");
    const std::string_view ref_path = reference.substr(0, suffix_at);
    const std::string_view ref_suffix =
        suffix_at == std::string_view::npos ? std::string_view{} : reference.substr(suffix_at);
    out = b.origin;
    if (ref_path.empty()) {
        out += b.path.empty() ? "/" : b.path;
        if (!ref_suffix.starts_with('?')) out += b.query;
        out += ref_suffix;
    } else if (ref_path.starts_with('/')) {
        out += remove_dot_segments(ref_path);
        out += ref_suffix;
    } else {
        const std::string_view dir = b.path.substr(0, b.path.rfind('/') + 1);
        out += remove_dot_segments(std::string(dir.empty() ? "/" : dir) + std::string(ref_path));
        out += ref_suffix;
    }
    return is_publishable_url(out) ? out : std::string{};
}

std::string absolutize_html(std::string_view html, std::string_view base) {
    std::string out;
    out.reserve(html.size() + html.size() / 8);
    std::size_t at = 0;
    while (at < html.size()) {
        const std::size_t open = html.find('<', at);
        if (open == std::string_view::npos) {
            out.append(html.substr(at));
            break;
        }
        out.append(html.substr(at, open - at));
        const std::size_t end = tag_end(html, open);
        rewrite_tag(out, html.substr(open, end - open), base);
        at = end;
    }
    return out;
}

bool is_rtl_text(std::string_view text) noexcept { return first_strong(text) == Strength::rtl; }

bool is_rtl_entry(const MergedItem& item) noexcept {
    const Strength title = first_strong(item.title);
    return (title == Strength::neutral ? first_strong(item.description) : title) == Strength::rtl;
}

std::string summary_excerpt(std::string_view html, std::size_t max_chars) {
    // Text without markup, white space collapsed; each tag counts as a space.
    std::string text;
    bool space = false;
    std::size_t at = 0;
    const auto add_space = [&] { space = !text.empty(); };
    while (at < html.size()) {
        const char c = html[at];
        if (c == '<') {
            at = tag_end(html, at);
            add_space();
            continue;
        }
        if (is_space(c)) {
            add_space();
            ++at;
            continue;
        }
        if (space) text += ' ';
        space = false;
        text += c;
        ++at;
    }
    // Cut by characters (a reference is one, a UTF-8 sequence is one).
    std::size_t chars = 0, cut = std::string::npos, last_space = std::string::npos;
    for (std::size_t i = 0; i < text.size();) {
        if (chars == max_chars - 1) {
            cut = i;
            break;
        }
        if (text[i] == ' ') last_space = i;
        if (text[i] == '&') {
            const std::size_t semi = text.find(';', i);
            i = semi != std::string::npos && semi - i <= 12 ? semi + 1 : i + 1;
        } else {
            next_code_point(text, i);
        }
        ++chars;
    }
    if (cut == std::string::npos) return text;
    if (last_space != std::string::npos && last_space > cut / 2) cut = last_space;
    text.resize(cut);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "\u2026";
}

bool is_language_tag(std::string_view tag) noexcept {
    if (tag.empty() || tag.size() > 35 || !is_alpha(tag.front()) || tag.back() == '-') return false;
    for (const char c : tag)
        if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    return tag.find("--") == std::string_view::npos;
}

std::string entry_html(const MergedItem& item, const OutputSpec& output, std::string_view base) {
    const bool full = output.content == OutputSpec::Content::full;
    std::string_view source = full && !item.content.empty() ? item.content : item.description;
    if (source.empty()) return {};
    std::string html = absolutize_html(source, is_publishable_url(item.link) ? std::string_view(item.link) : base);
    if (!full) html = summary_excerpt(html);
    if (is_rtl_entry(item)) html = "<div dir=\"rtl\">" + html + "</div>";
    return html;
}

}  // namespace tributary::publish
