#include <gtest/gtest.h>

#include <string_view>
#include <tuple>

#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

struct UrlCase {
    const char* base;
    const char* reference;
    const char* expected;
};

// RFC 3986 section 5.4 examples, then what feeds do.
const UrlCase kUrlCases[] = {
    {"http://a/b/c/d;p?q", "g:h", "g:h"},
    {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
    {"http://a/b/c/d;p?q", "/g", "http://a/g"},
    {"http://a/b/c/d;p?q", "//g", "http://g"},
    {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
    {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
    {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
    {"http://a/b/c/d;p?q", "g#s", "http://a/b/c/g#s"},
    {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
    {"http://a/b/c/d;p?q", "..", "http://a/b/"},
    {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
    {"http://a/b/c/d;p?q", "../..", "http://a/"},
    {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "/./g", "http://a/g"},
    {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
    {"https://example.com", "news/1", "https://example.com/news/1"},
    {"https://example.com/feed.xml", "  /a b\n ", "https://example.com/a%20b"},
    // IRIs become URIs: non-ASCII bytes of path, query and fragment percent-encoded, hosts IDNA
    {"https://sahel-press.example/", "/2025/12/29/مقال",
     "https://sahel-press.example/2025/12/29/%D9%85%D9%82%D8%A7%D9%84"},
    {"", "https://مثال.إختبار/صفحة?ق=١#ج",
     "https://xn--mgbh0fb.xn--kgbechtv/%D8%B5%D9%81%D8%AD%D8%A9?%D9%82=%D9%A1#%D8%AC"},
    {"", "http://user@Bücher.example:8080/ä", "http://user@xn--bcher-kva.example:8080/%C3%A4"},
    {"https://münchen.example/a/", "b", "https://xn--mnchen-3ya.example/a/b"},
    {"", "https://example.com/already%20encoded", "https://example.com/already%20encoded"},
    {"", "/relative", "/relative"},
    {"not a url", "x", "x"},
    {"https://example.com/", "HTTP://Other.example/Path", "http://Other.example/Path"},
    // The short cuts for plain absolute URLs and absolute paths must agree with the long way.
    {"https://example.com:8443/feeds/a.xml?x=1#top", "/article/7?id=2#c", "https://example.com:8443/article/7?id=2#c"},
    {"https://user@example.com?q", "/a", "https://user@example.com/a"},
    {"https://example.com/feed", "/a/./b/../c", "https://example.com/a/c"},
    {"https://example.com/feed", "/.well-known/x", "https://example.com/.well-known/x"},
    {"https://example.com/feed", "https://other.example/a/../b", "https://other.example/b"},
    {"https://example.com/feed", "/a\tb", "https://example.com/ab"},
    {"HTTPS://Example.com/feed", "/a", "https://Example.com/a"},
    {"https://example.com/feed", "//cdn.example/x.png", "https://cdn.example/x.png"},
};

TEST(ResolveUrl, PlainAbsoluteUrlsAreTheOnesResolutionLeavesAlone) {
    EXPECT_TRUE(is_plain_absolute_url("https://example.com/a?b=c#d"));
    EXPECT_TRUE(is_plain_absolute_url("http://example.com"));
    EXPECT_FALSE(is_plain_absolute_url("HTTP://example.com/"));  // the scheme gets lower-cased
    EXPECT_FALSE(is_plain_absolute_url("https://example.com/a b"));
    EXPECT_TRUE(is_plain_absolute_url("https://example.com/!~"));  // the ends of printable ASCII
    EXPECT_FALSE(is_plain_absolute_url("https://example.com/a\x7F"));
    EXPECT_FALSE(is_plain_absolute_url("https://example.com/a\tb"));
    // The same within the first sixteen bytes, which are checked together.
    EXPECT_FALSE(is_plain_absolute_url("https://ex mple.com/abcdefgh"));
    EXPECT_FALSE(is_plain_absolute_url("https://ex\xC3\xA9mple.com/abcdefgh"));
    EXPECT_FALSE(is_plain_absolute_url("https://ex\x7F" "ample.com/abcdefgh"));
    EXPECT_TRUE(is_plain_absolute_url("https://example.com/abcdefghijklmnopqrstuvwxyz0123456789!~"));
    EXPECT_FALSE(is_plain_absolute_url("https://example.com/\xD9\x85"));
    EXPECT_FALSE(is_plain_absolute_url("https://example.com/a/../b"));
    EXPECT_FALSE(is_plain_absolute_url("/a"));
    EXPECT_FALSE(is_plain_absolute_url("ftp://example.com/a"));
}

TEST(ResolveUrl, OriginForPlainPath) {
    const std::tuple<std::string_view, std::string_view, std::string_view> cases[] = {
        {"https://a.example:8080/feed?x=1", "/p/7", "https://a.example:8080"},
        {"https://a.example", "/p", "https://a.example"},
        {"https://user@a.example?q#f", "/p", "https://user@a.example"},
        {"https://a.example/x", "//cdn.example/p", ""},  // network-path reference
        {"https://a.example/x", "/a/../p", ""},          // dot segments
        {"https://a.example/x", "p", ""},                // relative path
        {"https://a.example/x", "/\xD9\x85", ""},        // non-ASCII: percent-encoded by the long way
        {"ftp://a.example/x", "/p", ""},
        {"HTTPS://a.example/x", "/p", ""},
    };
    for (const auto& [base, reference, origin] : cases)
        EXPECT_EQ(origin_for_plain_path(base, reference), origin) << base << " + " << reference;
}

TEST(ResolveUrl, Table) {
    for (const UrlCase& c : kUrlCases) {
        SCOPED_TRACE(std::string(c.base) + " + " + c.reference);
        EXPECT_EQ(resolve_url(c.base, c.reference), c.expected);
    }
}

}  // namespace
}  // namespace tributary::parse
