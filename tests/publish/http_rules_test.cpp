#include "publish/http_rules.hpp"

#include <gtest/gtest.h>

namespace tributary::publish {
namespace {

using namespace std::chrono;

TEST(AcceptsGzip, ListsAndQValues) {
    struct Case {
        const char* header;
        bool gzip;
    };
    const Case cases[] = {
        {"", false},
        {"gzip", true},
        {"GZIP", true},
        {"x-gzip", true},
        {"deflate, gzip;q=1.0, br", true},
        {"br;q=1, gzip ; q=0.5", true},
        {"gzip;q=0", false},
        {"gzip; q=0.000", false},
        {"gzip;Q=0.0", false},
        {"gzip;q=0.001", true},
        {"identity", false},
        {"*", true},
        {"*;q=0", false},
        {"*, gzip;q=0", false},
        {"gzip;q=0, *", false},
        {"deflate, br", false},
        {"gzipped", false},
        {" , ,gzip", true},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.header);
        EXPECT_EQ(accepts_gzip(c.header), c.gzip);
    }
}

TEST(IfNoneMatch, StrongWeakListsAndStar) {
    const std::string etag = "\"0123456789abcdef\"";
    struct Case {
        const char* header;
        bool match;
    };
    const Case cases[] = {
        {"\"0123456789abcdef\"", true},
        {"W/\"0123456789abcdef\"", true},
        {"*", true},
        {" * ", true},
        {"\"other\", \"0123456789abcdef\"", true},
        {"\"other\",W/\"0123456789abcdef\"", true},
        {"\"a,b\", \"0123456789abcdef\"", true},
        {"\"other\"", false},
        {"\"0123456789abcdeF\"", false},
        {"0123456789abcdef", false},
        {"\"0123456789abcdef", false},
        {"", false},
        {"w/\"0123456789abcdef\"", false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.header);
        EXPECT_EQ(if_none_match_matches(c.header, etag), c.match);
    }
    EXPECT_TRUE(if_none_match_matches("\"x\"", "W/\"x\""));
}

TEST(ParseHttpDate, ImfFixdate) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), SysTime{seconds{784111777}});
    EXPECT_EQ(parse_http_date("Mon, 29 Dec 2025 11:02:17 GMT"), SysTime{seconds{1'767'006'137}});
    EXPECT_EQ(parse_http_date(" Thu, 01 Jan 1970 00:00:00 GMT "), SysTime{seconds{0}});
    EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:60 GMT"), SysTime{sys_days{2024y / 2 / 29}} + 86399s);
}

TEST(ParseHttpDate, RejectsEverythingElse) {
    for (const char* bad :
         {"", "garbage", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:3x GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
          "Sun, 00 Nov 1994 08:49:37 GMT"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(parse_http_date(bad).has_value());
    }
}

TEST(RequestPath, StripsQueryFragmentAndAuthority) {
    EXPECT_EQ(request_path("/merged.xml"), "/merged.xml");
    EXPECT_EQ(request_path("/merged.xml?x=1"), "/merged.xml");
    EXPECT_EQ(request_path("/merged.xml#top"), "/merged.xml");
    EXPECT_EQ(request_path("http://host:8080/merged.xml?x"), "/merged.xml");
    EXPECT_EQ(request_path("https://host"), "/");
    EXPECT_EQ(request_path("http://host?x=/y"), "/");
    EXPECT_EQ(request_path("*"), "*");
}

}  // namespace
}  // namespace tributary::publish
