// Which link is an item's or a feed's (issue 14, point 2): the web page among several Atom
// alternates, the text <link> of RSS over empty or attribute-only ones, and a permalink guid
// when there is no link at all.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::parse_ok;

constexpr std::string_view kAtomNs = R"(xmlns:atom="http://www.w3.org/2005/Atom")";

std::string rss_item(std::string_view item_children, std::string_view namespaces = "") {
    return R"(<?xml version="1.0" encoding="utf-8"?><rss version="2.0" )" + std::string(namespaces) +
           R"(><channel><title>T</title><link>https://example.com/</link><item><title>i</title>)" +
           std::string(item_children) + "</item></channel></rss>";
}

std::string atom_entry(std::string_view entry_children, std::string_view feed_children = "") {
    return R"(<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>)" +
           std::string(feed_children) + "<entry><id>e1</id><title>t</title>" + std::string(entry_children) +
           "</entry></feed>";
}

std::string first_item_link(const std::string& document) {
    const ParsedFeed feed = parse_ok(document, {.base_url = "https://example.com/feed.xml"});
    if (feed.items.empty()) {
        ADD_FAILURE() << "no item";
        return {};
    }
    return feed.items.front().link;
}

struct LinkCase {
    const char* links;
    const char* expected;
};

TEST(AtomLink, TheWebPageAmongSeveralAlternatesWins) {
    const LinkCase cases[] = {
        {R"(<link rel="alternate" type="application/pdf" href="https://example.com/a.pdf"/>
            <link rel="alternate" type="text/html" href="https://example.com/a"/>)",
         "https://example.com/a"},
        {R"(<link rel="alternate" type="text/gemini" href="https://proxy.example/gemini/a"/>
            <link rel="alternate" href="https://example.com/a"/>)",
         "https://example.com/a"},
        {R"(<link rel="alternate" href="gemini://example.com/a"/>
            <link rel="alternate" type="text/html" href="https://example.com/a"/>)",
         "https://example.com/a"},
        // No type on either: a URL that names a PDF is not the page.
        {R"(<link rel="alternate" href="https://example.com/a.pdf"/><link href="https://example.com/a"/>)",
         "https://example.com/a"},
        // text/html (with parameters, in any case) over no type; of equals, the first.
        {R"(<link href="https://example.com/untyped"/>
            <link rel="alternate" type="Text/HTML; charset=utf-8" href="https://example.com/typed"/>)",
         "https://example.com/typed"},
        {R"(<link href="https://example.com/first"/><link href="https://example.com/second"/>)",
         "https://example.com/first"},
        // Something that can be published beats nothing.
        {R"(<link rel="alternate" type="application/pdf" href="https://example.com/a.pdf"/>
            <link rel="self" type="text/html" href="https://example.com/self"/>)",
         "https://example.com/a.pdf"},
    };
    for (const LinkCase& c : cases) {
        SCOPED_TRACE(c.links);
        EXPECT_EQ(first_item_link(atom_entry(c.links)), c.expected);
    }
}

TEST(AtomLink, FeedLinkPrefersTheWebPageToo) {
    const ParsedFeed feed = parse_ok(atom_entry("", R"(
        <link rel="alternate" type="application/pdf" href="https://example.com/all.pdf"/>
        <link rel="alternate" type="text/html" href="https://example.com/"/>)"));
    EXPECT_EQ(feed.link, "https://example.com/");
}

TEST(RssLink, AnEmptyOrAttributeOnlyLinkDoesNotEraseATextLink) {
    EXPECT_EQ(first_item_link(rss_item("<link>https://example.com/a</link><link/>")), "https://example.com/a");
    EXPECT_EQ(first_item_link(rss_item(R"(<link>https://example.com/a</link><link href="https://example.com/b"/>)")),
              "https://example.com/a");
    EXPECT_EQ(first_item_link(rss_item(R"(<link href="https://example.com/b"/><link>https://example.com/a</link>)")),
              "https://example.com/a");
    EXPECT_EQ(first_item_link(rss_item("<link>https://example.com/a</link><link>  </link>")), "https://example.com/a");
}

TEST(RssLink, AnAttributeOnlyLinkIsTheLinkWhenThereIsNoOther) {
    EXPECT_EQ(first_item_link(rss_item(R"(<link href="https://example.com/b"/>)")), "https://example.com/b");
    EXPECT_EQ(first_item_link(rss_item(R"(<link rel="self" href="https://example.com/feed"/>)")), "");
}

TEST(RssLink, AtomLinksInRssPreferTheWebPage) {
    EXPECT_EQ(
        first_item_link(rss_item(R"(<atom:link rel="alternate" type="application/pdf" href="https://example.com/a.pdf"/>
        <atom:link rel="alternate" type="text/html" href="https://example.com/a"/>)",
                                 kAtomNs)),
        "https://example.com/a");
    // The text <link> of RSS wins over any atom:link.
    EXPECT_EQ(first_item_link(rss_item(R"(<atom:link rel="alternate" type="text/html" href="https://example.com/b"/>
        <link>https://example.com/a</link>)",
                                       kAtomNs)),
              "https://example.com/a");
}

TEST(RssLink, APermalinkGuidIsTheLinkWhenThereIsNone) {
    EXPECT_EQ(first_item_link(rss_item("<guid>https://example.com/p/1</guid>")), "https://example.com/p/1");
    EXPECT_EQ(first_item_link(rss_item(R"(<guid isPermaLink="true">https://example.com/p/1</guid>)")),
              "https://example.com/p/1");
    EXPECT_EQ(first_item_link(rss_item(R"(<guid isPermaLink="false">https://example.com/p/1</guid>)")), "");
    EXPECT_EQ(first_item_link(rss_item("<guid>urn:uuid:1d5c0b3e-0000-4000-8000-000000000001</guid>")), "");
    EXPECT_EQ(first_item_link(rss_item("<guid>p/1</guid>")), "");
    EXPECT_EQ(first_item_link(rss_item("<link/><guid>https://example.com/p/1</guid>")), "https://example.com/p/1");
    EXPECT_EQ(first_item_link(rss_item("<guid>https://example.com/p/1</guid><link>https://example.com/a</link>")),
              "https://example.com/a");
}

}  // namespace
}  // namespace tributary::parse
