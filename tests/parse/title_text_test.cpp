// Titles as text (issue 14, points 1 and 3): a literal '<' in a title is a character of the
// title, whatever format; RSS titles are text that may carry formatting tags, Atom says what its
// titles are with type=, and media:title stands in when an item has no title of its own.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::parse_ok;

constexpr std::string_view kMediaNs = R"(xmlns:media="http://search.yahoo.com/mrss/")";

// One RSS item holding `item_children`.
std::string rss_item(std::string_view item_children, std::string_view namespaces = "") {
    return R"(<?xml version="1.0" encoding="utf-8"?><rss version="2.0" )" + std::string(namespaces) +
           R"(><channel><title>T</title><link>https://example.com/</link><item>)" + std::string(item_children) +
           "</item></channel></rss>";
}

// One Atom entry holding `entry_children`.
std::string atom_entry(std::string_view entry_children, std::string_view namespaces = "") {
    return R"(<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" )" +
           std::string(namespaces) + R"(><title>F</title><entry><id>e1</id>)" + std::string(entry_children) +
           "</entry></feed>";
}

std::string first_item_title(const std::string& document) {
    const ParsedFeed feed = parse_ok(document);
    if (feed.items.empty()) {
        ADD_FAILURE() << "no item";
        return {};
    }
    return feed.items.front().title;
}

struct TitleCase {
    const char* written;  // the element as the document writes it
    const char* expected;
};

TEST(RssTitle, LiteralAngleBracketsAreCharactersOfTheTitle) {
    const TitleCase cases[] = {
        {"<title>The &lt;canvas&gt; element is great</title>", "The <canvas> element is great"},
        {"<title>A&#x3C;B</title>", "A<B"},
        {"<title>&lt;/example&gt;</title>", "</example>"},
        {"<title>x &lt; y and y &gt; z</title>", "x < y and y > z"},
        {"<title><![CDATA[Why <script> tags block parsing]]></title>", "Why <script> tags block parsing"},
        // A formatting tag without its end tag is text too.
        {"<title>Use the &lt;b&gt; tag sparingly</title>", "Use the <b> tag sparingly"},
        {"<title>&lt;em&gt;New:&lt;/em&gt; the &lt;dialog&gt; element</title>", "New: the <dialog> element"},
    };
    for (const TitleCase& c : cases) {
        SCOPED_TRACE(c.written);
        EXPECT_EQ(first_item_title(rss_item(c.written)), c.expected);
    }
}

TEST(RssTitle, FormattingMarkupAndEntitiesAreStillRead) {
    const TitleCase cases[] = {
        {"<title>&lt;b&gt;Bold&lt;/b&gt; move</title>", "Bold move"},
        {"<title>Line&lt;br/&gt;break</title>", "Line break"},
        {"<title>Fish &amp;amp; chips</title>", "Fish & chips"},
        {"<title>&lt;a href=\"https://example.com/?a=1&amp;amp;b=2\"&gt;Linked&lt;/a&gt; title</title>",
         "Linked title"},
    };
    for (const TitleCase& c : cases) {
        SCOPED_TRACE(c.written);
        EXPECT_EQ(first_item_title(rss_item(c.written)), c.expected);
    }
}

TEST(AtomTitle, HtmlTitleKeepsTheTextOfUnclosedTagsAndElements) {
    const TitleCase cases[] = {
        // An unclosed "tag" does not swallow the rest.
        {R"(<title type="html">A &amp;lt;B and C</title>)", "A <B and C"},
        {R"(<title type="html">A&lt;B</title>)", "A<B"},
        {R"(<title type="html">Styling with &lt;style&gt; blocks</title>)", "Styling with <style> blocks"},
        // Markup is read as HTML, and the words inside any element are the title's.
        {R"(<title type="html">The &lt;canvas&gt;2D&lt;/canvas&gt; API</title>)", "The 2D API"},
        {R"(<title type="html">&lt;i&gt;Italic&lt;/i&gt; &amp;amp; plain</title>)", "Italic & plain"},
        {R"(<title type="html">Before&lt;script&gt;var x;&lt;/script&gt; after</title>)", "Before after"},
        // type="text" was right already: the brackets are the title's.
        {R"(<title type="text">The &lt;canvas&gt; element</title>)", "The <canvas> element"},
    };
    for (const TitleCase& c : cases) {
        SCOPED_TRACE(c.written);
        EXPECT_EQ(first_item_title(atom_entry(c.written)), c.expected);
    }
}

TEST(AtomTitle, AnyOtherTypeIsReadAsText) {
    EXPECT_EQ(first_item_title(atom_entry(R"(<title type="application/x-custom">Custom typed</title>)")),
              "Custom typed");
    EXPECT_EQ(first_item_title(atom_entry(R"(<title type="image/png">Not an image</title>)")), "Not an image");
    // A base64 title whose type says it is no text is still decoded.
    EXPECT_EQ(first_item_title(atom_entry(R"(<title type="application/octet-stream">
        VGlkZSA8Yj50YWJsZXM8L2I+
    </title>)")),
              "Tide tables");
    const ParsedFeed feed = parse_ok(atom_entry(R"(<title>t</title>
        <summary type="application/x-custom">Plain &amp; simple</summary>)"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].summary, "Plain &amp; simple");
}

TEST(AtomTitle, AnEmptySecondTitleDoesNotEraseTheFirst) {
    EXPECT_EQ(first_item_title(atom_entry(R"(<title>Kept</title><title type="html"></title>)")), "Kept");
}

TEST(MediaTitle, IsTheFallbackTitleInAtomAsInRss) {
    EXPECT_EQ(first_item_title(atom_entry("<media:title>From media</media:title>", kMediaNs)), "From media");
    EXPECT_EQ(first_item_title(rss_item("<media:title>From media</media:title>", kMediaNs)), "From media");
    EXPECT_EQ(
        first_item_title(atom_entry("<media:group><media:title>From the group</media:title></media:group>", kMediaNs)),
        "From the group");
    const std::string in_content = R"(<media:group><media:content url="https://example.com/v.mp4" type="video/mp4">
        <media:title type="plain">From the content</media:title></media:content></media:group>)";
    EXPECT_EQ(first_item_title(atom_entry(in_content, kMediaNs)), "From the content");
    EXPECT_EQ(first_item_title(rss_item(in_content, kMediaNs)), "From the content");
    const ParsedFeed feed = parse_ok(atom_entry(in_content, kMediaNs));
    ASSERT_EQ(feed.items.size(), 1u);
    ASSERT_EQ(feed.items[0].enclosures.size(), 1u);
    EXPECT_EQ(feed.items[0].enclosures[0].url, "https://example.com/v.mp4");
}

TEST(MediaTitle, TheItemsOwnTitleWinsWhereverItStands) {
    EXPECT_EQ(first_item_title(atom_entry("<media:title>Media</media:title><title>Own</title>", kMediaNs)), "Own");
    EXPECT_EQ(first_item_title(rss_item("<media:title>Media</media:title><title>Own</title>", kMediaNs)), "Own");
    EXPECT_EQ(first_item_title(rss_item("<title>Own</title><media:title>Media</media:title>", kMediaNs)), "Own");
    // An empty <title> is no title: the media one stands in.
    EXPECT_EQ(first_item_title(rss_item("<media:title>Media</media:title><title></title>", kMediaNs)), "Media");
}

}  // namespace
}  // namespace tributary::parse
