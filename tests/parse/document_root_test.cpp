// Which documents are feeds (issue 14, point 5): an Atom entry document is a feed of one item,
// an RSS 1.1 channel reads like RSS 1.0, and any other root is refused with the reason.

#include <gtest/gtest.h>

#include <string>

#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::parse_ok;
using testing::read_fixture;

TEST(DocumentRoot, AnAtomEntryDocumentIsAFeedOfOneItem) {
    const ParsedFeed feed =
        parse_ok(read_fixture("parse/atom-entry.xml"), {.base_url = "https://lighthouse.example/feeds/log.xml"});
    EXPECT_EQ(feed.format, FeedFormat::atom);
    EXPECT_EQ(feed.version, "1.0");
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.id, "tag:lighthouse.example,2024:keeper-log-17");
    EXPECT_EQ(item.title, "Keeper's log, entry 17");
    EXPECT_EQ(item.link, "https://lighthouse.example/log/17");
    EXPECT_EQ(item.author, "A. Keeper");
    EXPECT_EQ(item.language, "en");
    EXPECT_EQ(item.published, parse_date("2024-04-02T21:15:00Z"));
    EXPECT_EQ(item.updated, parse_date("2024-04-03T08:00:00Z"));
    EXPECT_NE(item.summary.find("Fog from the north-east"), std::string::npos);
}

TEST(DocumentRoot, AnAtom03EntryDocumentToo) {
    const ParsedFeed feed = parse_ok(R"(<entry xmlns="http://purl.org/atom/ns#"><id>x</id><title>Old</title>
        <issued>2004-01-02T03:04:05Z</issued></entry>)");
    EXPECT_EQ(feed.version, "0.3");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "Old");
    EXPECT_EQ(feed.items[0].published, parse_date("2004-01-02T03:04:05Z"));
}

TEST(DocumentRoot, AnRss11ChannelReadsLikeRss10) {
    const ParsedFeed feed = parse_ok(read_fixture("parse/rss11.xml"));
    EXPECT_EQ(feed.format, FeedFormat::rdf);
    EXPECT_EQ(feed.version, "1.1");
    EXPECT_EQ(feed.title, "Tide tables");
    EXPECT_EQ(feed.link, "https://tide.example/");
    EXPECT_EQ(feed.subtitle, "High and low water, posted twice a day");
    EXPECT_EQ(feed.image, "https://tide.example/wave.png");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].id, "https://tide.example/2024/03/01/am");
    EXPECT_EQ(feed.items[0].title, "Morning tide, 1 March");
    EXPECT_EQ(feed.items[0].link, "https://tide.example/2024/03/01/am");
    EXPECT_EQ(feed.items[0].summary, "High water at 06:12.");
    EXPECT_EQ(feed.items[0].published, parse_date("2024-03-01T05:00:00Z"));
    EXPECT_EQ(feed.items[1].title, "Evening tide, 1 March");
}

TEST(DocumentRoot, OtherRootsFailWithTheirName) {
    for (const char* document : {
             R"(<Channel xmlns="http://example.com/not-rss#"><title>x</title></Channel>)",
             R"(<CHANNEL HREF="http://example.com/"><TITLE>Channel Definition Format</TITLE></CHANNEL>)",
             R"(<entry><title>An entry in no namespace</title></entry>)",
             R"(<opml version="2.0"><body/></opml>)",
         }) {
        SCOPED_TRACE(document);
        const Result<ParsedFeed> parsed = parse_feed(document, {});
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().kind, ErrorKind::UnsupportedFormat);
        EXPECT_NE(parsed.error().message.find("is not RSS, RDF or Atom"), std::string::npos) << parsed.error().message;
    }
}

}  // namespace
}  // namespace tributary::parse
