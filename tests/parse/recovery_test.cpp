#include <gtest/gtest.h>

#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"
#include "parse/xml_repair.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::has_warning_containing;
using testing::parse_ok;

std::string rss_item_title(const std::string& title) {
    return "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>c</title><item><title>" +
           title + "</title></item></channel></rss>";
}

TEST(Recovery, HtmlNamedEntitiesAreReplaced) {
    const ParsedFeed feed = parse_ok(rss_item_title("caf&eacute;&nbsp;&rsquo;s &hellip; &AMP; &lt;"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "café ’s … & <");
    ASSERT_EQ(feed.warnings.size(), 1u);
    EXPECT_EQ(feed.warnings[0], "replaced 5 HTML entities (first: &eacute;) with their characters");
}

TEST(Recovery, BareAmpersandIsEscaped) {
    const ParsedFeed feed = parse_ok(rss_item_title("Tom & Jerry &unknownentity; &#xZZ;"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "Tom & Jerry &unknownentity; &#xZZ;");
    ASSERT_EQ(feed.warnings.size(), 1u);
    EXPECT_EQ(feed.warnings[0], "escaped 3 '&' that started no entity");
}

TEST(Recovery, AmpersandInLinkQueryIsEscaped) {
    const ParsedFeed feed =
        parse_ok("<rss version=\"2.0\"><channel><item><link>https://x.example/?a=1&b=2</link></item></channel></rss>");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "https://x.example/?a=1&b=2");
    EXPECT_TRUE(has_warning_containing(feed, "'&' that started no entity"));
}

TEST(Recovery, ForbiddenControlCharactersAreRemoved) {
    const ParsedFeed feed =
        parse_ok(rss_item_title(std::string("a\x01"
                                            "b\x0B"
                                            "c\x1F"
                                            "d&#x8;e")));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "abcde");
    ASSERT_EQ(feed.warnings.size(), 1u);
    EXPECT_EQ(feed.warnings[0], "removed 4 characters XML 1.0 does not allow");
}

TEST(Recovery, ForbiddenCharactersInDeclaredEntitiesAreRemovedToo) {
    const ParsedFeed feed = parse_ok(
        "<!DOCTYPE rss [<!ENTITY id \"tag:example.c\x0Cm,\xEF\xBF\xBE\">]>"
        "<rss version=\"2.0\"><channel><item><guid isPermaLink=\"false\">&id;2006</guid></item></channel></rss>");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].id, "tag:example.cm,2006");
}

TEST(Recovery, JunkBeforeXmlDeclarationIsRemoved) {
    const ParsedFeed feed = parse_ok("\n\n  garbage<br>\n" + rss_item_title("t"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "t");
    ASSERT_EQ(feed.warnings.size(), 1u);
    EXPECT_EQ(feed.warnings[0], "removed 16 bytes before the XML declaration");
}

TEST(Recovery, Windows1252NumericReferencesAreMapped) {
    const ParsedFeed feed = parse_ok(rss_item_title("&#147;quoted&#148; &#150; &#233;"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "“quoted” – é");
    EXPECT_TRUE(has_warning_containing(feed, "read 3 references &#128;-&#159; as windows-1252"));
}

TEST(Recovery, CdataSectionsAreLeftAlone) {
    const RepairedXml repaired = repair_xml("<a><![CDATA[x & y &nbsp;]]>&nbsp;</a>");
    EXPECT_EQ(repaired.text, "<a><![CDATA[x & y &nbsp;]]>\u00A0</a>");
    EXPECT_EQ(repaired.warnings.size(), 1u);
}

TEST(Recovery, WellFormedDocumentIsUntouched) {
    const std::string xml = rss_item_title("fine &amp; dandy &#x41; <![CDATA[&]]>");
    const RepairedXml repaired = repair_xml(xml);
    EXPECT_TRUE(repaired.warnings.empty());
    EXPECT_FALSE(repaired.changed);
}

TEST(Recovery, TruncatedDocumentKeepsCompleteItems) {
    const std::string body = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Cut</title>
<item><title>One</title><guid>1</guid></item>
<item><title>Two</title><guid>2</guid></item>
<item><title>Three</title><guid>3</guid><descrip)";
    const ParsedFeed feed = parse_ok(body);
    EXPECT_EQ(feed.title, "Cut");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].title, "One");
    EXPECT_EQ(feed.items[1].title, "Two");
    EXPECT_TRUE(has_warning_containing(feed, "not well-formed XML (line 5, column "));
    EXPECT_TRUE(has_warning_containing(feed, "dropped the last item"));
}

// A repaired or converted document is parsed in our own buffer, which pugixml writes into; when
// it fails, the error paths must still see the text as it was. Each broken document is read as
// written, with an HTML entity to repair, and in windows-1252: the same items, the same warnings.
TEST(Recovery, BrokenDocumentsReadAlikeWhetherRepairedConvertedOrNot) {
    const std::string truncated =
        "<rss version=\"2.0\"><channel><title>Cut{}</title>\n"
        "<item><title>One</title></item>\n<item><title>Two</title><descrip";
    const std::string mismatched =
        "<rss version=\"2.0\"><channel><title>M{}</title>\n"
        "<item><title>ok</title></item>\n<item><title>bad</titel></item></channel></rss>";
    const std::string prolog =
        "<?xml version=\"1.0\"?>\n<!-- never ends\n<rss version=\"2.0\"><channel>"
        "<title>P{}</title>\n<item><title>i</title></item></channel></rss>";
    for (const std::string& shape : {truncated, mismatched, prolog}) {
        SCOPED_TRACE(shape);
        const auto with = [&](std::string_view insert) {
            std::string body = shape;
            return body.replace(body.find("{}"), 2, insert);
        };
        const ParsedFeed plain = parse_ok(with(""));
        const ParsedFeed repaired = parse_ok(with("&nbsp;"));
        const ParsedFeed converted = parse_ok(with("\xE9"), {.content_type = "text/xml; charset=windows-1252"});
        EXPECT_EQ(repaired.title, plain.title);  // the title's trailing U+00A0 is trimmed
        EXPECT_EQ(converted.title, plain.title + "\u00E9");
        for (const ParsedFeed* other : {&repaired, &converted}) {
            ASSERT_EQ(other->items.size(), plain.items.size());
            for (std::size_t i = 0; i < plain.items.size(); ++i) EXPECT_EQ(other->items[i].title, plain.items[i].title);
            std::vector<std::string> warnings;
            for (const std::string& warning : other->warnings)
                if (!warning.starts_with("replaced ")) warnings.push_back(warning);  // the entity's own warning
            EXPECT_EQ(warnings, plain.warnings);
        }
    }
}

TEST(Recovery, TruncatedAfterLastItemKeepsIt) {
    const ParsedFeed feed =
        parse_ok("<rss version=\"2.0\"><channel><item><title>Only</title></item>\n<item><title>Also</title></item>");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[1].title, "Also");
    EXPECT_FALSE(has_warning_containing(feed, "dropped"));
}

TEST(Recovery, MismatchedTagInLaterItemKeepsEarlierOnes) {
    const ParsedFeed feed = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><id>1</id><title>ok</title></entry>
<entry><id>2</id><title>broken</titel></entry>
<entry><id>3</id></entry></feed>)");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].id, "1");
    EXPECT_TRUE(has_warning_containing(feed, "line 3, column "));
}

TEST(Recovery, ErrorBeforeRootElementIsFatalWithLocation) {
    const Result<ParsedFeed> parsed = parse_feed("<?xml version=\"1.0\"?>\n<!-- unterminated comment", {});
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
    EXPECT_EQ(parsed.error().message, "parse: line 2, column 25: Error parsing comment");
}

TEST(Recovery, BrokenPrologBeforeRootIsSkipped) {
    const ParsedFeed feed = parse_ok(
        "<?xml version=\"1.0\"?>\n<!-- a comment that never ends\n<rss version=\"2.0\"><channel><title>Saved</title>"
        "<item><title>i</title></item></channel></rss>");
    EXPECT_EQ(feed.title, "Saved");
    ASSERT_EQ(feed.items.size(), 1u);
    ASSERT_EQ(feed.warnings.size(), 1u);
    EXPECT_EQ(feed.warnings[0],
              "skipped 53 unreadable bytes before the root element (line 3, column 93: Error parsing comment)");
}

TEST(Recovery, NestedMediaGroupsDoNotExhaustTheStack) {
    constexpr int kDepth = 300000;  // crashed the parser before groups stopped nesting
    std::string feed =
        "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item><title>t</title>"
        "<media:group><media:content url=\"https://cdn.example/a.mp4\" type=\"video/mp4\"/>";
    for (int i = 0; i < kDepth; ++i) feed += "<media:group>";
    feed += "<media:content url=\"https://cdn.example/deep.mp4\"/>";
    for (int i = 0; i < kDepth; ++i) feed += "</media:group>";
    feed += "</media:group></item></channel></rss>";
    const Result<ParsedFeed> parsed = parse_feed(feed, {});
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->items.size(), 1u);
    ASSERT_EQ(parsed->items[0].enclosures.size(), 1u);
    EXPECT_EQ(parsed->items[0].enclosures[0].url, "https://cdn.example/a.mp4");
}

// Every place a reader looks inside an element, nested far deeper than any stack allows for one
// frame per level: readers that recurse must stop at a depth limit (fuzzing cannot find this;
// its inputs are too short to nest 300,000 deep).
TEST(Recovery, DeepNestingAnywhereDoesNotExhaustTheStack) {
    constexpr int kDepth = 300000;
    struct Nest {
        std::string_view before, open, close, after;
    };
    const std::string_view rss = R"(<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" )"
                                 R"(xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" )"
                                 R"(xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>)";
    const std::string_view atom = R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>)";
    const Nest nests[] = {
        {"<item><title>x</title><description>", "<div>", "</div>", "</description></item></channel></rss>"},
        {"<item><title>", "<b>", "</b>", "</title></item></channel></rss>"},
        {"<item><title>x</title>", "<media:group>", "</media:group>", "</item></channel></rss>"},
        {"<item><title>x</title>", "<itunes:category text=\"a\">", "</itunes:category>", "</item></channel></rss>"},
        {"<item><title>x</title><category>", "<category>", "</category>", "</category></item></channel></rss>"},
        {"<item><title>x</title>", "<item>", "</item>", "</item></channel></rss>"},
        {"", "<channel>", "</channel>", "</channel></rss>"},
        {"<entry><id>1</id><content type=\"xhtml\">", "<div xmlns=\"http://www.w3.org/1999/xhtml\">", "</div>",
         "</content></entry></feed>"},
        {"<entry><id>1</id><author>", "<name>", "</name>", "</author></entry></feed>"},
        {"<entry><id>1</id><title type=\"html\">", "<span>", "</span>", "</title></entry></feed>"},
        {"", "<entry>", "</entry>", "</feed>"},
    };
    for (const Nest& nest : nests) {
        std::string document(nest.after.ends_with("</feed>") ? atom : rss);
        document += nest.before;
        for (int i = 0; i < kDepth; ++i) document += nest.open;
        document += "deep";
        for (int i = 0; i < kDepth; ++i) document += nest.close;
        document += nest.after;
        const Result<ParsedFeed> parsed = parse_feed(document, {});
        ASSERT_TRUE(parsed) << nest.open << ": " << parsed.error().message;
        EXPECT_FALSE(to_json(*parsed).empty()) << nest.open;
    }
}

// Duplicates are skipped by comparing with what the item has; without a limit 50,000 categories
// took seconds (quadratic). The limit keeps the first ones, in document order, and says so.
TEST(Recovery, CategoriesAndEnclosuresPerItemAreLimited) {
    constexpr std::size_t kMany = 50000;
    std::string feed = "<rss version=\"2.0\"><channel><title>t</title><item><title>x</title>";
    for (std::size_t i = 0; i < kMany; ++i) feed += "<category>c" + std::to_string(i) + "</category>";
    for (std::size_t i = 0; i < kMany; ++i) feed += "<enclosure url=\"https://e.example/" + std::to_string(i) + "\"/>";
    feed += "</item><item><title>y</title><category>a</category><category>a</category><category>b</category></item>";
    feed += "</channel></rss>";
    const Result<ParsedFeed> parsed = parse_feed(feed, {});
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->items.size(), 2u);
    const ParsedItem& crowded = parsed->items[0];
    ASSERT_EQ(crowded.categories.size(), kMaxCategoriesPerItem);
    EXPECT_EQ(crowded.categories.front(), "c0");
    EXPECT_EQ(crowded.categories.back(), "c" + std::to_string(kMaxCategoriesPerItem - 1));
    ASSERT_EQ(crowded.enclosures.size(), kMaxEnclosuresPerItem);
    EXPECT_EQ(crowded.enclosures.back().url, "https://e.example/" + std::to_string(kMaxEnclosuresPerItem - 1));
    EXPECT_EQ(parsed->items[1].categories, (std::vector<std::string>{"a", "b"}));
    const std::size_t dropped = 2 * kMany - kMaxCategoriesPerItem - kMaxEnclosuresPerItem;
    EXPECT_TRUE(has_warning_containing(*parsed, "dropped " + std::to_string(dropped) + " categories or enclosures"))
        << ::testing::PrintToString(parsed->warnings);
    // The count belongs to one document: the next one starts from zero.
    const Result<ParsedFeed> next =
        parse_feed("<rss version=\"2.0\"><channel><item><category>a</category></item></channel></rss>", {});
    ASSERT_TRUE(next);
    EXPECT_FALSE(has_warning_containing(*next, "dropped"));
}

TEST(Recovery, PerItemWarningsAreListedUpToALimitThenCounted) {
    std::string feed = "<rss version=\"2.0\"><channel><title>t</title>";
    for (int i = 0; i < 1000; ++i) feed += "<item><title>x</title><pubDate>not a date</pubDate></item>";
    feed += "</channel></rss>";
    const Result<ParsedFeed> parsed = parse_feed(feed, {});
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->items.size(), 1000u);
    ASSERT_EQ(parsed->warnings.size(), 101u);
    EXPECT_NE(parsed->warnings.front().find("unparseable date \"not a date\""), std::string::npos);
    EXPECT_EQ(parsed->warnings.back(), "and 900 more warnings, not listed");
}

TEST(Recovery, NeverThrowsOnHostileInputs) {
    std::vector<std::string> inputs = {
        std::string("\0\0\0\0", 4),
        "\xFF\xFE<",
        "\xFE\xFF\x00<\x00r",
        "<rss><channel><item>" + std::string(100000, '<'),
        "<rss version=\"2.0\"><channel>" + std::string(3000, '&'),
        "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss/>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"xhtml\">" + std::string(50000, 'x'),
    };
    std::string deep = "<rss version=\"2.0\"><channel><item><description>";
    for (int i = 0; i < 20000; ++i) deep += "<div>";
    inputs.push_back(deep);
    for (const std::string& input : inputs) {
        const Result<ParsedFeed> parsed = parse_feed(input, {.content_type = "text/xml; charset=bogus"});
        if (parsed)
            EXPECT_FALSE(to_json(*parsed).empty());
        else
            EXPECT_TRUE(parsed.error().message.starts_with("parse: "));
    }
}

}  // namespace
}  // namespace tributary::parse
