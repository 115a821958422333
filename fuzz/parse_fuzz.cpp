// libFuzzer entry point for the parse stage: any bytes, under any of a few content types, with
// and without sanitizing, must give a ParsedFeed or an Error, never a crash, a hang or a leak.
// The first byte chooses the options so that the fuzzer can explore them; the rest is the body.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/parse_feed.hpp"
#include "parse/utf8.hpp"

namespace {

constexpr std::array<std::string_view, 8> kContentTypes{
    "",
    "application/rss+xml",
    "text/xml; charset=windows-1256",
    "application/atom+xml; charset=utf-16",
    "text/html; charset=iso-8859-1",
    "application/feed+json",
    "text/xml; charset=\"bogus-charset\"",
    "application/xml; charset=utf-32",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    tributary::parse::ParseOptions options;
    options.content_type = kContentTypes[selector % kContentTypes.size()];
    options.base_url = (selector & 0x08) != 0 ? "https://example.com/feeds/a.xml" : "";
    options.sanitize = (selector & 0x10) == 0;
    options.timezone = (selector & 0x20) != 0 ? "Europe/Paris" : "";
    const auto feed = tributary::parse::parse_feed(body, options);
    if (feed) {
        // The readers rely on the document being clean UTF-8 once converted and repaired, and do
        // not check each string again: hold them to it.
        const auto check = [](const std::string& text) {
            if (!tributary::parse::is_clean_utf8(text, true)) __builtin_trap();
        };
        for (const std::string* text :
             {&feed->title, &feed->link, &feed->subtitle, &feed->language, &feed->image, &feed->version})
            check(*text);
        for (const auto& item : feed->items) {
            for (const std::string* text : {&item.id, &item.title, &item.link, &item.author, &item.summary,
                                            &item.content, &item.comments, &item.language})
                check(*text);
            for (const std::string& category : item.categories) check(category);
            for (const auto& enclosure : item.enclosures) {
                check(enclosure.url);
                check(enclosure.type);
            }
        }
        (void)tributary::parse::to_json(*feed);
        // What the pipeline does later with an unsanitized feed.
        for (const auto& item : feed->items) (void)tributary::parse::sanitize_html(item.content, item.link);
    }
    if (size < 256) {
        (void)tributary::parse::parse_date(body);
        (void)tributary::parse::parse_date(body, options.timezone);
    }
    return 0;
}
