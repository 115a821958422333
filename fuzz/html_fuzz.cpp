// libFuzzer entry point for the HTML of feeds: the allowlist sanitizer (parse/html.cpp), the
// plain text of HTML, and the title reader that decides which '<' of a title is markup. Any bytes
// must give clean UTF-8 that is safe inside XML, with no element or URL scheme the allowlist
// refuses, never a crash, a hang or a leak. The first byte chooses the base URL; the rest is HTML.

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"
#include "parse/utf8.hpp"

namespace {

constexpr std::array<std::string_view, 4> kBases{
    "",
    "https://example.com/news/item.html",
    "javascript:alert(1)//",
    "http://[::1]:8080/a/b/../c?q=1#f",
};

void check_clean(const std::string& text) {
    if (!tributary::parse::is_clean_utf8(text, true)) __builtin_trap();
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// What the sanitizer writes is markup we vouch for. Every '<', '>' and '"' of text and attribute
// values is escaped, so each tag runs from '<' to the next '>' and each value to the next '"':
// no element that runs script or loads a page, no event or style attribute, and URLs only
// with a scheme the allowlist admits.
void check_sanitized(const std::string& html) {
    check_clean(html);
    const std::string text = lower(html);
    for (std::size_t lt = text.find('<'); lt != std::string::npos; lt = text.find('<', lt + 1)) {
        const std::size_t gt = text.find('>', lt);
        if (gt == std::string::npos) __builtin_trap();
        const std::string_view tag = std::string_view(text).substr(lt + 1, gt - lt - 1);
        const std::string_view name =
            tag.substr(tag.starts_with('/') ? 1 : 0, tag.find_first_of(" /", 1) - (tag.starts_with('/') ? 1 : 0));
        for (const std::string_view forbidden : {"script", "style", "iframe", "object", "embed", "svg", "math", "form",
                                                 "input", "meta", "link", "base", "frame", "template", "textarea"})
            if (name == forbidden) __builtin_trap();
        for (std::size_t eq = tag.find("=\""); eq != std::string_view::npos; eq = tag.find("=\"", eq + 2)) {
            const std::size_t name_start = tag.rfind(' ', eq) + 1;
            const std::string_view attribute = tag.substr(name_start, eq - name_start);
            const std::string_view value = tag.substr(eq + 2, tag.find('"', eq + 2) - eq - 2);
            if (attribute.starts_with("on") || attribute == "style" || attribute == "class") __builtin_trap();
            if ((attribute == "href" || attribute == "src" || attribute == "cite") && !value.starts_with("http://") &&
                !value.starts_with("https://") && !(attribute == "href" && value.starts_with("mailto:")))
                __builtin_trap();
            eq = eq + 2 + value.size();
        }
    }
}

bool has_markup_characters(std::string_view text) {
    return text.find('<') != std::string_view::npos || text.find('&') != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view base = kBases[data[0] % kBases.size()];
    const std::string_view html(reinterpret_cast<const char*>(data + 1), size - 1);
    // The sanitizer and text extraction take any bytes; the readers hand them valid UTF-8 only.
    check_sanitized(tributary::parse::sanitize_html(html, base));
    check_clean(tributary::parse::html_to_text(html));
    const std::string text = tributary::parse::xml_safe(html);
    using tributary::parse::TitleTags;
    for (const TitleTags tags : {TitleTags::formatting, TitleTags::all}) {
        const std::string title = tributary::parse::title_markup_to_text(text, tags);
        check_clean(title);
        // Text without markup characters is its own title, whitespace collapsed.
        if (!has_markup_characters(text) && title != tributary::parse::collapse_whitespace(text)) __builtin_trap();
        check_clean(tributary::parse::escape_stray_tags(text, tags));
    }
    return 0;
}
