#include <gtest/gtest.h>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::has_warning_containing;
using testing::parse_ok;

std::string utc(const std::optional<SysTime>& time) { return time ? format_rfc3339(*time) : "null"; }

TEST(JsonFeed, Version11WithEveryItemField) {
    const ParsedFeed feed = parse_ok(R"({
  "version": "https://jsonfeed.org/version/1.1",
  "title": "هسبريس",
  "home_page_url": "https://www.example.ma/",
  "feed_url": "https://www.example.ma/feed.json",
  "description": "Actualités",
  "icon": "/icon.png",
  "language": "ar",
  "authors": [{"name": "Rédaction"}],
  "items": [
    {
      "id": "2025-1",
      "url": "/2025/12/29/article",
      "title": "  عنوان   المقال ",
      "content_html": "<p>نص <script>x()</script><a href=\"/rel\">رابط</a></p>",
      "summary": "Résumé <court> & net",
      "date_published": "2025-12-29T10:45:00+01:00",
      "date_modified": "2025-12-29T12:00:00Z",
      "authors": [{"name": "Amina"}, {"name": "Youssef"}, {"url": "https://no-name.example/"}],
      "tags": ["سياسة", "Maroc", "Maroc"],
      "language": "fr",
      "attachments": [
        {"url": "https://cdn.example.ma/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 12345},
        {"url": "/v.mp4", "mime_type": "video/mp4"}
      ]
    },
    {"id": 42, "external_url": "https://elsewhere.example/x", "content_text": "a < b\nand & c"},
    "not an object"
  ]
})",
                                     {.base_url = "https://www.example.ma/feed.json"});
    EXPECT_EQ(feed.format, FeedFormat::json);
    EXPECT_EQ(feed.version, "1.1");
    EXPECT_EQ(feed.title, "هسبريس");
    EXPECT_EQ(feed.link, "https://www.example.ma/");
    EXPECT_EQ(feed.subtitle, "Actualités");
    EXPECT_EQ(feed.language, "ar");
    EXPECT_EQ(feed.image, "https://www.example.ma/icon.png");
    ASSERT_EQ(feed.items.size(), 2u);
    const ParsedItem& first = feed.items[0];
    EXPECT_EQ(first.id, "2025-1");
    EXPECT_EQ(first.link, "https://www.example.ma/2025/12/29/article");
    EXPECT_EQ(first.title, "عنوان المقال");
    EXPECT_EQ(first.content, "<p>نص <a href=\"https://www.example.ma/rel\">رابط</a></p>");
    EXPECT_EQ(first.summary, "Résumé &lt;court&gt; &amp; net");
    EXPECT_EQ(utc(first.published), "2025-12-29T09:45:00Z");
    EXPECT_EQ(utc(first.updated), "2025-12-29T12:00:00Z");
    EXPECT_EQ(first.author, "Amina, Youssef");
    EXPECT_EQ(first.categories, (std::vector<std::string>{"سياسة", "Maroc"}));
    EXPECT_EQ(first.language, "fr");
    ASSERT_EQ(first.enclosures.size(), 2u);
    EXPECT_EQ(first.enclosures[0], (Enclosure{"https://cdn.example.ma/a.mp3", "audio/mpeg", 12345}));
    EXPECT_EQ(first.enclosures[1], (Enclosure{"https://www.example.ma/v.mp4", "video/mp4", std::nullopt}));
    const ParsedItem& second = feed.items[1];
    EXPECT_EQ(second.id, "42");
    EXPECT_EQ(second.link, "https://elsewhere.example/x");
    EXPECT_EQ(second.content, "a &lt; b\nand &amp; c");  // content_text shown as written
    EXPECT_EQ(second.author, "Rédaction");               // the feed's authors
    EXPECT_EQ(second.language, "ar");
    EXPECT_TRUE(has_warning_containing(feed, "item 3 is not an object"));
}

TEST(JsonFeed, Version10AuthorObjectAndBom) {
    const ParsedFeed feed = parse_ok(
        "\xEF\xBB\xBF  "
        R"({"version": "https://jsonfeed.org/version/1", "title": "Old",
      "author": {"name": "Karim"}, "items": [{"id": "a", "title": "t", "date_published": "not a date",
      "author": {"name": "Leila"}}]})");
    EXPECT_EQ(feed.format, FeedFormat::json);
    EXPECT_EQ(feed.version, "1");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].author, "Leila");
    EXPECT_FALSE(feed.items[0].published);
    EXPECT_TRUE(has_warning_containing(feed, "unparseable date \"not a date\""));
}

TEST(JsonFeed, DetectedFromContentWhateverTheContentType) {
    const ParsedFeed feed = parse_ok(R"({"version":"https://jsonfeed.org/version/1.1","items":[]})",
                                     {.content_type = "application/rss+xml"});
    EXPECT_EQ(feed.format, FeedFormat::json);
    const ParsedFeed xml = parse_ok("<rss version=\"2.0\"><channel><title>x</title></channel></rss>",
                                    {.content_type = "application/feed+json"});
    EXPECT_EQ(xml.format, FeedFormat::rss);
}

TEST(JsonFeed, InvalidJsonIsAParseErrorWithLineAndColumn) {
    const Result<ParsedFeed> feed =
        parse_feed("{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n  \"items\": [,]\n}", {});
    ASSERT_FALSE(feed);
    EXPECT_EQ(feed.error().kind, ErrorKind::Parse);
    EXPECT_TRUE(feed.error().message.starts_with("parse: line 3, column 13: invalid JSON")) << feed.error().message;
}

TEST(JsonFeed, JsonThatIsNoFeedIsUnsupported) {
    const Result<ParsedFeed> feed = parse_feed(R"({"version": "2.0", "items": []})", {});
    ASSERT_FALSE(feed);
    EXPECT_EQ(feed.error().kind, ErrorKind::UnsupportedFormat);
}

TEST(JsonFeed, DeepNestingIsRejectedCheaply) {
    const std::string deep = R"({"version":"https://jsonfeed.org/version/1.1","x":)" + std::string(100000, '[') +
                             std::string(100000, ']') + "}";
    const Result<ParsedFeed> feed = parse_feed(deep, {});
    ASSERT_FALSE(feed);
    EXPECT_EQ(feed.error().kind, ErrorKind::Parse);
}

TEST(JsonFeed, ToJsonNamesTheFormat) {
    const ParsedFeed feed = parse_ok(R"({"version":"https://jsonfeed.org/version/1.1","title":"J","items":[]})");
    EXPECT_NE(to_json(feed).find("\"format\": \"json\""), std::string::npos);
}

}  // namespace
}  // namespace tributary::parse
