#include <gtest/gtest.h>

#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

TEST(ToJson, UsesCorpusFieldNamesAndOrder) {
    ParsedFeed feed;
    feed.format = FeedFormat::atom;
    feed.version = "1.0";
    feed.title = "صحيفة";
    feed.link = "https://s.example/";
    feed.language = "ar";
    feed.encoding = {"utf-8", "UTF-8", "xml-declaration"};
    feed.image = "https://s.example/logo.png";
    feed.ttl = std::chrono::minutes{30};
    feed.update_period = std::chrono::hours{1};
    feed.skip_hours = (1u << 0) | (1u << 23);
    feed.skip_days = (1u << 0) | (1u << 6);
    feed.warnings = {"w1"};
    ParsedItem item;
    item.id = "i1";
    item.title = "T \"q\"";
    item.published = SysTime{std::chrono::seconds{1767006137}};
    item.categories = {"c"};
    item.enclosures = {{"https://s.example/a.mp3", "audio/mpeg", 12}, {"https://s.example/b", "", std::nullopt}};
    feed.items.push_back(item);

    EXPECT_EQ(to_json(feed), R"({
  "format": "atom",
  "version": "1.0",
  "title": "صحيفة",
  "link": "https://s.example/",
  "subtitle": "",
  "language": "ar",
  "image": "https://s.example/logo.png",
  "ttl_minutes": 30,
  "update_period_seconds": 3600,
  "skip_hours": [
    0,
    23
  ],
  "skip_days": [
    "Sunday",
    "Saturday"
  ],
  "encoding": {
    "declared": "utf-8",
    "used": "UTF-8",
    "source": "xml-declaration"
  },
  "warnings": [
    "w1"
  ],
  "items": [
    {
      "id": "i1",
      "title": "T \"q\"",
      "link": "",
      "published": "2025-12-29T11:02:17Z",
      "updated": null,
      "author": "",
      "summary": "",
      "content": "",
      "categories": [
        "c"
      ],
      "enclosures": [
        {
          "url": "https://s.example/a.mp3",
          "type": "audio/mpeg",
          "length": 12
        },
        {
          "url": "https://s.example/b",
          "type": "",
          "length": null
        }
      ],
      "comments": "",
      "language": ""
    }
  ]
})");
}

}  // namespace
}  // namespace tributary::parse
