#include "fetch/redirect_policy.hpp"

#include <gtest/gtest.h>

namespace tributary::fetch {
namespace {

struct Case {
    const char* from;
    const char* location;
    const char* url;
    const char* refusal;
};

constexpr Case kCases[] = {
    {"http://a.example/feed", "/new", "http://a.example/new", ""},
    {"http://a.example/dir/feed", "other.xml?x=1", "http://a.example/dir/other.xml?x=1", ""},
    {"http://a.example/feed", "https://b.example/feed", "https://b.example/feed", ""},
    {"https://a.example/feed", "https://B.Example:443/feed", "https://b.example/feed", ""},
    {"https://a.example/feed", "//b.example/x", "https://b.example/x", ""},
    {"https://a.example/feed", "http://a.example/feed", "http://a.example/feed",
     "redirect from https to http refused (http://a.example/feed)"},
    {"HTTPS://a.example/feed", "HTTP://a.example/x", "http://a.example/x",
     "redirect from https to http refused (http://a.example/x)"},
    {"http://a.example/feed", "file:///etc/passwd", "file:///etc/passwd",
     "redirect to a file URL refused (file:///etc/passwd)"},
    {"http://a.example/feed", "ftp://a.example/feed", "ftp://a.example/feed",
     "redirect to a ftp URL refused (ftp://a.example/feed)"},
    {"http://a.example/feed", "gopher://a.example/", "gopher://a.example/",
     "redirect to a gopher URL refused (gopher://a.example/)"},
    {"http://a.example/feed", "http://[::1", "", "invalid redirect target 'http://[::1'"},
};

TEST(RedirectPolicy, ChecksTargets) {
    for (const auto& c : kCases) {
        SCOPED_TRACE(std::string(c.from) + " -> " + c.location);
        const RedirectTarget t = check_redirect(c.from, c.location);
        EXPECT_EQ(t.url, c.url);
        EXPECT_EQ(t.refusal, c.refusal);
    }
}

TEST(RedirectPolicy, NormalizesUrls) {
    EXPECT_EQ(normalize_url("HTTP://Example.COM/a b").value_or("?"), "http://example.com/a%20b");
    EXPECT_EQ(normalize_url("http://example.com").value_or("?"), "http://example.com/");
    EXPECT_FALSE(normalize_url("http://[::1").has_value());
}

}  // namespace
}  // namespace tributary::fetch
