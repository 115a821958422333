#include "publish/render.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "core/text.hpp"

namespace tributary::publish {
namespace {

using namespace std::chrono;

constexpr SysTime kBuild = SysTime{seconds{1'767'006'137}};      // Mon, 29 Dec 2025 11:02:17 GMT
constexpr SysTime kPublished = SysTime{seconds{1'766'919'600}};  // Sun, 28 Dec 2025 11:00:00 GMT
constexpr SysTime kFirstSeen = SysTime{seconds{1'766'923'200}};  // Sun, 28 Dec 2025 12:00:00 GMT

OutputSpec output() {
    OutputSpec o;
    o.name = "main";
    o.title = "All the news";
    o.link = "https://news.example/";
    o.description = "Merged feed";
    return o;
}

MergedItem item() {
    MergedItem i;
    i.guid = "tributary:story:42";
    i.title = "Fish & chips <today>";
    i.link = "https://example.org/a?x=1&y=2";
    i.description = "<p>Hello <b>world</b> &amp; <a href=\"https://x.example/?a=1&amp;b=2\">link</a></p>";
    i.author = "Jane Doe";
    i.categories = {"food", "uk"};
    i.published = kPublished;
    i.first_seen = kFirstSeen;
    i.feed_name = "example";
    i.source_title = "Example \"Daily\"";
    i.source_url = "https://example.org/feed.xml?a=1&b=2";
    return i;
}

struct Parsed {
    pugi::xml_document doc;
    pugi::xml_parse_result result;
};

// pugixml is not a validating parser, but it rejects what is not well-formed
// in the ways that matter here (bad escapes, mismatched tags, bad attributes).
std::unique_ptr<Parsed> parse(const std::string& xml) {
    auto p = std::make_unique<Parsed>();
    p->result =
        p->doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_declaration, pugi::encoding_utf8);
    return p;
}

// What pugixml cannot check: every byte sequence is valid UTF-8 and no
// character outside XML 1.0's Char production appears, literally or as a
// character reference.
void expect_xml10_chars(const std::string& xml) {
    EXPECT_TRUE(is_valid_utf8(xml));
    EXPECT_EQ(xml_safe_utf8(xml), xml);
    for (std::size_t at = xml.find("&#"); at != std::string::npos; at = xml.find("&#", at + 2)) {
        const std::string ref = xml.substr(at, xml.find(';', at) - at + 1);
        EXPECT_TRUE(ref == "&#9;" || ref == "&#10;" || ref == "&#13;") << ref;
    }
}

// The exact bytes of text and attribute values: what a reader's parser gives back is the text, a
// CR and (in an attribute) TAB and LF survive as references, controls are dropped and an
// ill-formed byte is U+FFFD. Around the characters escaped, runs of others are kept whole.
TEST(AppendXmlEscaped, EscapesWhatXmlNeedsAndKeepsTheRestAsWritten) {
    const std::string text = std::string("a&b<c>d\r\ne\tf\"g]]>h\x01\u00e9\xFFz") + "\u0645\u0631\u0627\u0643\u0634";
    std::string out = "<x>";
    append_xml_escaped(out, text);
    EXPECT_EQ(out, "<x>a&amp;b&lt;c&gt;d&#13;\ne\tf\"g]]&gt;h\u00e9\xEF\xBF\xBDz\u0645\u0631\u0627\u0643\u0634");
    std::string attribute;
    append_xml_escaped(attribute, text, true);
    EXPECT_EQ(attribute,
              "a&amp;b&lt;c&gt;d&#13;&#10;e&#9;f&quot;g]]&gt;h\u00e9\xEF\xBF\xBDz\u0645\u0631\u0627\u0643\u0634");
    std::string plain;
    append_xml_escaped(plain, "nothing to escape here");
    EXPECT_EQ(plain, "nothing to escape here");
    std::string empty = "kept";
    append_xml_escaped(empty, "");
    EXPECT_EQ(empty, "kept");
    std::string last;
    append_xml_escaped(last, "ends with &");
    EXPECT_EQ(last, "ends with &amp;");
}

TEST(RenderRss, ChannelFields) {
    const std::vector<MergedItem> items{item()};
    const std::string xml = render_rss(output(), items, kBuild, "https://news.example/merged.xml");
    ASSERT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << p->result.description();
    const pugi::xml_node rss = p->doc.child("rss");
    EXPECT_STREQ(rss.attribute("version").value(), "2.0");
    EXPECT_STREQ(rss.attribute("xmlns:atom").value(), "http://www.w3.org/2005/Atom");
    EXPECT_STREQ(rss.attribute("xmlns:dc").value(), "http://purl.org/dc/elements/1.1/");
    const pugi::xml_node channel = rss.child("channel");
    EXPECT_STREQ(channel.child_value("title"), "All the news");
    EXPECT_STREQ(channel.child_value("link"), "https://news.example/");
    EXPECT_STREQ(channel.child_value("description"), "Merged feed");
    EXPECT_STREQ(channel.child_value("lastBuildDate"), "Mon, 29 Dec 2025 11:02:17 GMT");
    EXPECT_EQ(std::string(channel.child_value("generator")), std::string("Tributary ") + TRIBUTARY_VERSION);
    EXPECT_FALSE(channel.child("language"));
    const pugi::xml_node self = channel.child("atom:link");
    ASSERT_TRUE(self);
    EXPECT_STREQ(self.attribute("href").value(), "https://news.example/merged.xml");
    EXPECT_STREQ(self.attribute("rel").value(), "self");
    EXPECT_STREQ(self.attribute("type").value(), "application/rss+xml");
}

TEST(RenderRss, ItemFieldsRoundTrip) {
    const MergedItem in = item();
    const std::vector<MergedItem> items{in};
    const auto p = parse(render_rss(output(), items, kBuild, ""));
    ASSERT_TRUE(p->result) << p->result.description();
    const pugi::xml_node it = p->doc.child("rss").child("channel").child("item");
    ASSERT_TRUE(it);
    EXPECT_EQ(std::string(it.child_value("title")), in.title);
    EXPECT_EQ(std::string(it.child_value("link")), in.link);
    EXPECT_EQ(std::string(it.child_value("guid")), "tributary:story:42");
    EXPECT_STREQ(it.child("guid").attribute("isPermaLink").value(), "false");
    EXPECT_STREQ(it.child_value("pubDate"), "Sun, 28 Dec 2025 11:00:00 GMT");
    EXPECT_EQ(std::string(it.child_value("description")), in.description);  // the HTML, unescaped once
    EXPECT_EQ(std::string(it.child_value("dc:creator")), "Jane Doe");
    std::vector<std::string> categories;
    for (const pugi::xml_node c : it.children("category")) categories.emplace_back(c.child_value());
    EXPECT_EQ(categories, (std::vector<std::string>{"food", "uk"}));
    EXPECT_EQ(std::string(it.child("source").attribute("url").value()), "https://example.org/feed.xml?a=1&b=2");
    EXPECT_EQ(std::string(it.child_value("source")), "Example \"Daily\"");
    // The description is escaped text, never markup or CDATA.
    EXPECT_EQ(it.child("description").first_child().type(), pugi::node_pcdata);
    EXPECT_FALSE(it.child("description").first_child().next_sibling());
}

// Feed validators reject a relative channel link: with no absolute URL known there is none (the
// daemon always knows one: public_url, else the listen address).
TEST(RenderRss, NoSelfLinkWhenUrlUnknownAndChannelLinkIsNeverRelative) {
    OutputSpec o = output();
    o.link.clear();
    const auto p = parse(render_rss(o, {}, kBuild, ""));
    ASSERT_TRUE(p->result);
    const pugi::xml_node channel = p->doc.child("rss").child("channel");
    EXPECT_FALSE(channel.child("atom:link"));
    EXPECT_FALSE(channel.child("link"));
    const auto q = parse(render_rss(o, {}, kBuild, "https://h.example/merged.xml"));
    EXPECT_STREQ(q->doc.child("rss").child("channel").child_value("link"), "https://h.example/merged.xml");
}

// What the parse stage would never hand over, in case something else does: each URL that is not
// an absolute http(s) URL is left out with its element, whatever disguises its scheme.
const std::vector<std::string> kUnpublishableUrls{
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "mailto:a@b.example",
    "ftp://files.example/a",
    "//cdn.example/a",
    "/relative/path",
    "http:",
    "https://",
    " https://leading.space.example/",
};

TEST(RenderRss, LinksThatAreNotHttpAreLeftOut) {
    for (const std::string& url : kUnpublishableUrls) {
        SCOPED_TRACE(url);
        OutputSpec o = output();
        o.link = url;
        MergedItem in = item();
        in.link = url;
        in.source_url = url;
        in.source_link = url;
        in.also_reported_by = {
            OtherSource{.feed_name = "other", .feed_title = "Other", .feed_link = url, .item_link = url}};
        const std::vector<MergedItem> items{in};
        const std::string xml = render_rss(o, items, kBuild, url);
        const auto p = parse(xml);
        ASSERT_TRUE(p->result) << p->result.description();
        const pugi::xml_node channel = p->doc.child("rss").child("channel");
        // No absolute URL known: no channel link rather than a relative one.
        EXPECT_FALSE(channel.child("link"));
        EXPECT_FALSE(channel.child("atom:link"));
        const pugi::xml_node it = channel.child("item");
        ASSERT_TRUE(it);
        EXPECT_FALSE(it.child("link"));
        EXPECT_FALSE(it.child("source"));
        EXPECT_STREQ(it.child_value("title"), "Fish & chips <today>");  // the item itself stays
        // The other source is still named, without the URLs.
        const pugi::xml_node other = it.child("tributary:also-reported-by");
        ASSERT_TRUE(other);
        EXPECT_FALSE(other.first_attribute());
        EXPECT_STREQ(other.child_value(), "Other");
    }
}

TEST(RenderRss, ChannelLinkPrefersAnHttpUrlAndNeverTakesAnotherSitesPath) {
    OutputSpec o = output();
    o.link = "javascript:alert(1)";
    const auto p = parse(render_rss(o, {}, kBuild, "https://h.example/merged.xml"));
    EXPECT_STREQ(p->doc.child("rss").child("channel").child_value("link"), "https://h.example/merged.xml");
    o.url = "//evil.example/merged.xml";
    const auto q = parse(render_rss(o, {}, kBuild, ""));
    EXPECT_FALSE(q->doc.child("rss").child("channel").child("link"));
}

TEST(RenderRss, PubDateFallsBackToFirstSeenAndOptionalFieldsAreOmitted) {
    MergedItem in = item();
    in.published.reset();
    in.author.clear();
    in.categories.clear();
    in.source_url.clear();
    const std::vector<MergedItem> items{in};
    const auto p = parse(render_rss(output(), items, kBuild, ""));
    ASSERT_TRUE(p->result);
    const pugi::xml_node it = p->doc.child("rss").child("channel").child("item");
    EXPECT_STREQ(it.child_value("pubDate"), "Sun, 28 Dec 2025 12:00:00 GMT");
    EXPECT_FALSE(it.child("dc:creator"));
    EXPECT_FALSE(it.child("category"));
    EXPECT_FALSE(it.child("source"));
}

TEST(RenderRss, SourceTextFallsBackToFeedName) {
    MergedItem in = item();
    in.source_title.clear();
    const std::vector<MergedItem> items{in};
    const auto p = parse(render_rss(output(), items, kBuild, ""));
    EXPECT_STREQ(p->doc.child("rss").child("channel").child("item").child_value("source"), "example");
}

TEST(RenderRss, EmptyItemListIsValid) {
    const std::string xml = render_rss(output(), {}, kBuild, "");
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << p->result.description();
    EXPECT_TRUE(p->doc.child("rss").child("channel"));
    EXPECT_FALSE(p->doc.child("rss").child("channel").child("item"));
    expect_xml10_chars(xml);
}

TEST(RenderRss, HostileStringsStayWellFormed) {
    const std::vector<std::string> hostile{
        std::string("ctl\x01\x02\x0b\x0c\x1f\x7f end"),
        std::string("nul\0inside", 10),
        "]]> and <![CDATA[ x ]]>",
        "\xff\xfe invalid \xc3\x28 \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xe2\x82",
        "\xef\xbf\xbe\xef\xbf\xbf nonchars",
        "quotes \" ' &amp; &#0; &#x1; <script>alert(1)</script>",
        "cr\r\nlf\ttab",
        "</title></item></channel></rss><evil/>",
    };
    for (const std::string& s : hostile) {
        SCOPED_TRACE(s);
        // URLs keep an http(s) scheme in front, or they would not be written at all.
        const std::string url = "https://h.example/" + s;
        OutputSpec o = output();
        o.title = s;
        o.description = s;
        o.link = url;
        MergedItem in = item();
        in.guid = in.title = in.description = in.author = in.source_title = s;
        in.link = in.source_url = in.source_link = url;
        in.categories = {s, s};
        in.also_reported_by = {OtherSource{.feed_name = s, .feed_title = s, .feed_link = url, .item_link = url}};
        const std::vector<MergedItem> items{in};
        const std::string xml = render_rss(o, items, kBuild, url);
        const auto p = parse(xml);
        ASSERT_TRUE(p->result) << p->result.description() << " at " << p->result.offset;
        expect_xml10_chars(xml);
        const pugi::xml_node it = p->doc.child("rss").child("channel").child("item");
        ASSERT_TRUE(it);
        // What comes back is exactly the sanitized string.
        EXPECT_EQ(std::string(it.child_value("description")), xml_safe_utf8(s));
        EXPECT_EQ(std::string(it.child("source").attribute("url").value()), xml_safe_utf8(url));
        EXPECT_EQ(std::string(p->doc.child("rss").child("channel").child("atom:link").attribute("href").value()),
                  xml_safe_utf8(url));
        const pugi::xml_node other = it.child("tributary:also-reported-by");
        EXPECT_EQ(std::string(other.child_value()), xml_safe_utf8(s));
        EXPECT_EQ(std::string(other.attribute("url").value()), xml_safe_utf8(url));
        EXPECT_EQ(std::string(other.attribute("source").value()), xml_safe_utf8(url));

        const std::string atom = render_atom(o, items, kBuild, url);
        const auto a = parse(atom);
        ASSERT_TRUE(a->result) << a->result.description() << " at " << a->result.offset;
        expect_xml10_chars(atom);
        const pugi::xml_node related =
            a->doc.child("feed").child("entry").find_child_by_attribute("link", "rel", "related");
        EXPECT_EQ(std::string(related.attribute("title").value()), xml_safe_utf8(s));
        EXPECT_EQ(std::string(related.attribute("href").value()), xml_safe_utf8(url));
    }
}

TEST(RenderRss, CarriageReturnsAndAttributeWhitespaceRoundTrip) {
    MergedItem in = item();
    in.description = "<p>line one\r\nline two\r</p>";
    in.source_url = "https://e.example/a\tb\nc";
    const std::vector<MergedItem> items{in};
    const auto p = parse(render_rss(output(), items, kBuild, ""));
    ASSERT_TRUE(p->result);
    const pugi::xml_node it = p->doc.child("rss").child("channel").child("item");
    EXPECT_EQ(std::string(it.child_value("description")), in.description);
    EXPECT_EQ(std::string(it.child("source").attribute("url").value()), in.source_url);
}

TEST(RenderRss, ArabicIsByteIdentical) {
    MergedItem in = item();
    in.title = "\u0627\u0644\u0645\u063a\u0631\u0628: \u0623\u062e\u0628\u0627\u0631 \u0627\u0644\u064a\u0648\u0645";
    in.description =
        "<p dir=\"rtl\">\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627 \u0628\u0650\u0643\u064f\u0645\u0652 "
        "\u0640\u0640 \u0627\u0644\u0639\u0627\u0644\u0645</p>";
    in.author = "\u0645\u062d\u0645\u062f";
    in.categories = {"\u0631\u064a\u0627\u0636\u0629"};
    in.source_title = "\u0647\u0633\u0628\u0631\u064a\u0633";
    const std::vector<MergedItem> items{in};
    const std::string xml = render_rss(output(), items, kBuild, "");
    EXPECT_NE(xml.find("<title>" + in.title + "</title>"), std::string::npos);
    EXPECT_NE(xml.find(in.author), std::string::npos);
    const auto p = parse(xml);
    ASSERT_TRUE(p->result);
    const pugi::xml_node it = p->doc.child("rss").child("channel").child("item");
    EXPECT_EQ(std::string(it.child_value("title")), in.title);
    // A right-to-left entry's HTML says so, for readers that do not look at the text.
    EXPECT_EQ(std::string(it.child_value("description")), "<div dir=\"rtl\">" + in.description + "</div>");
    EXPECT_EQ(std::string(it.child_value("dc:creator")), in.author);
    EXPECT_EQ(std::string(it.child_value("category")), in.categories[0]);
    EXPECT_EQ(std::string(it.child_value("source")), in.source_title);
}

TEST(RenderRss, ItemsKeepTheirOrder) {
    std::vector<MergedItem> items;
    for (int i = 0; i < 3; ++i) {
        MergedItem in = item();
        in.guid = "g" + std::to_string(i);
        items.push_back(in);
    }
    const auto p = parse(render_rss(output(), items, kBuild, ""));
    std::vector<std::string> guids;
    for (const pugi::xml_node it : p->doc.child("rss").child("channel").children("item"))
        guids.emplace_back(it.child_value("guid"));
    EXPECT_EQ(guids, (std::vector<std::string>{"g0", "g1", "g2"}));
}

// ---------------------------------------------------------------- atom ---

TEST(RenderAtom, FeedAndEntryCarryWhatRfc4287Requires) {
    const std::vector<MergedItem> items{item()};
    const std::string xml = render_atom(output(), items, kBuild, "https://agg.example/merged.atom");
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << p->result.description() << "\n" << xml;
    expect_xml10_chars(xml);
    const pugi::xml_node feed = p->doc.child("feed");
    EXPECT_STREQ(feed.attribute("xmlns").value(), "http://www.w3.org/2005/Atom");
    EXPECT_STREQ(feed.child_value("id"), "https://agg.example/merged.atom");
    EXPECT_STREQ(feed.child_value("title"), "All the news");
    EXPECT_STREQ(feed.child_value("updated"), "2025-12-29T11:02:17Z");
    EXPECT_STREQ(feed.child("author").child_value("name"), "All the news");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "self").attribute("href").value(),
                 "https://agg.example/merged.atom");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "alternate").attribute("href").value(),
                 "https://news.example/");

    const pugi::xml_node entry = feed.child("entry");
    EXPECT_STREQ(entry.child_value("id"), "tributary:story:42");
    EXPECT_STREQ(entry.child_value("title"), "Fish & chips <today>");
    EXPECT_STREQ(entry.child("link").attribute("href").value(), "https://example.org/a?x=1&y=2");
    EXPECT_STREQ(entry.child_value("published"), "2025-12-28T11:00:00Z");
    EXPECT_STREQ(entry.child_value("updated"), "2025-12-28T11:00:00Z");
    EXPECT_STREQ(entry.child("author").child_value("name"), "Jane Doe");
    EXPECT_STREQ(entry.child("content").attribute("type").value(), "html");    // content = full
    EXPECT_EQ(std::string(entry.child_value("content")), item().description);  // the HTML, escaped once
    EXPECT_FALSE(entry.child("summary"));
    EXPECT_STREQ(entry.child("category").attribute("term").value(), "food");
    EXPECT_STREQ(entry.child("source").child_value("title"), "Example \"Daily\"");
    EXPECT_STREQ(entry.child("source").child_value("id"), "https://example.org/feed.xml?a=1&b=2");
}

TEST(RenderAtom, UndatedStoryUsesFirstSeenAndUnknownUrlGivesAnIdAnyway) {
    MergedItem undated = item();
    undated.published.reset();
    undated.author.clear();
    const std::vector<MergedItem> items{undated};
    const std::string xml = render_atom(output(), items, kBuild, "");
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << xml;
    EXPECT_STREQ(p->doc.child("feed").child_value("id"), "urn:tributary:output:main");
    EXPECT_FALSE(p->doc.child("feed").find_child_by_attribute("link", "rel", "self"));
    EXPECT_STREQ(p->doc.child("feed").child("entry").child_value("updated"), "2025-12-28T12:00:00Z");
    EXPECT_FALSE(p->doc.child("feed").child("entry").child("author"));  // the feed's author covers it
}

TEST(RenderAtom, LinksThatAreNotHttpAreLeftOut) {
    for (const std::string& url : kUnpublishableUrls) {
        SCOPED_TRACE(url);
        OutputSpec o = output();
        o.link = url;
        MergedItem in = item();
        in.link = url;
        in.source_url = url;
        in.source_link = url;
        in.also_reported_by = {
            OtherSource{.feed_name = "other", .feed_title = "Other", .feed_link = url, .item_link = url}};
        const std::vector<MergedItem> items{in};
        const auto p = parse(render_atom(o, items, kBuild, url));
        ASSERT_TRUE(p->result) << p->result.description();
        const pugi::xml_node feed = p->doc.child("feed");
        EXPECT_STREQ(feed.child_value("id"), "urn:tributary:output:main");
        EXPECT_FALSE(feed.child("link"));
        const pugi::xml_node entry = feed.child("entry");
        ASSERT_TRUE(entry);
        EXPECT_FALSE(entry.child("link"));
        EXPECT_FALSE(entry.child("source"));
        EXPECT_STREQ(entry.child_value("id"), "tributary:story:42");
    }
}

// ------------------------------------------------------ merged stories ---

MergedItem reported_by_three() {
    MergedItem in = item();
    in.source_link = "https://example.org/";
    in.also_reported_by = {
        OtherSource{.feed_name = "hespress",
                    .feed_title = "Hespress & co <ar>",
                    .feed_link = "https://www.hespress.com/",
                    .item_link = "https://www.hespress.com/a?x=1&y=2"},
        OtherSource{.feed_name = "le360", .feed_title = "", .feed_link = "https://fr.le360.ma/feed", .item_link = ""},
        OtherSource{.feed_name = "bad",
                    .feed_title = "Bad links",
                    .feed_link = "javascript:alert(1)",
                    .item_link = "data:text/html,x"},
    };
    return in;
}

// Each other source in our namespace, declared on <rss>, in the order given; the one <source> stays
// the representative's.
TEST(RenderRss, AlsoReportedByInTheTributaryNamespace) {
    const std::vector<MergedItem> items{reported_by_three()};
    const std::string xml = render_rss(output(), items, kBuild, "");
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << p->result.description();
    expect_xml10_chars(xml);
    const pugi::xml_node rss = p->doc.child("rss");
    EXPECT_STREQ(rss.attribute("xmlns:tributary").value(), "https://tributary.invalid/ns/1");
    EXPECT_EQ(kTributaryNs, "https://tributary.invalid/ns/1");
    const pugi::xml_node it = rss.child("channel").child("item");
    EXPECT_EQ(std::distance(it.children("source").begin(), it.children("source").end()), 1);
    EXPECT_EQ(std::string(it.child("source").attribute("url").value()), "https://example.org/feed.xml?a=1&b=2");

    std::vector<pugi::xml_node> others;
    for (const pugi::xml_node n : it.children("tributary:also-reported-by")) others.push_back(n);
    ASSERT_EQ(others.size(), 3u);
    EXPECT_STREQ(others[0].child_value(), "Hespress & co <ar>");
    EXPECT_STREQ(others[0].attribute("url").value(), "https://www.hespress.com/a?x=1&y=2");
    EXPECT_STREQ(others[0].attribute("source").value(), "https://www.hespress.com/");
    EXPECT_STREQ(others[1].child_value(), "le360");  // no title: the feed's name
    EXPECT_FALSE(others[1].attribute("url"));        // no link: no attribute
    EXPECT_STREQ(others[1].attribute("source").value(), "https://fr.le360.ma/feed");
    EXPECT_STREQ(others[2].child_value(), "Bad links");
    EXPECT_FALSE(others[2].first_attribute());  // neither URL is http(s)
    EXPECT_NE(
        xml.find("<tributary:also-reported-by url=\"https://www.hespress.com/a?x=1&amp;y=2\" "
                 "source=\"https://www.hespress.com/\">Hespress &amp; co &lt;ar&gt;</tributary:also-reported-by>"),
        std::string::npos)
        << xml;

    MergedItem alone = item();
    const std::vector<MergedItem> one{alone};
    EXPECT_EQ(render_rss(output(), one, kBuild, "").find("also-reported-by"), std::string::npos);
}

// atom:source names the representative's feed (its URL as id and self, its site as alternate); each
// other site is a related link titled with its feed, when its item has an http(s) link.
TEST(RenderAtom, SourceAndRelatedLinks) {
    const std::vector<MergedItem> items{reported_by_three()};
    const std::string xml = render_atom(output(), items, kBuild, "");
    const auto p = parse(xml);
    ASSERT_TRUE(p->result) << p->result.description();
    expect_xml10_chars(xml);
    const pugi::xml_node entry = p->doc.child("feed").child("entry");
    const pugi::xml_node source = entry.child("source");
    EXPECT_STREQ(source.child_value("id"), "https://example.org/feed.xml?a=1&b=2");
    EXPECT_STREQ(source.child_value("title"), "Example \"Daily\"");
    EXPECT_STREQ(source.find_child_by_attribute("link", "rel", "self").attribute("href").value(),
                 "https://example.org/feed.xml?a=1&b=2");
    EXPECT_STREQ(source.find_child_by_attribute("link", "rel", "alternate").attribute("href").value(),
                 "https://example.org/");

    std::vector<std::pair<std::string, std::string>> related;
    for (const pugi::xml_node link : entry.children("link"))
        if (std::string_view(link.attribute("rel").value()) == "related")
            related.emplace_back(link.attribute("href").value(), link.attribute("title").value());
    EXPECT_EQ(related, (std::vector<std::pair<std::string, std::string>>{
                           {"https://www.hespress.com/a?x=1&y=2", "Hespress & co <ar>"}}));
    EXPECT_STREQ(entry.find_child_by_attribute("link", "rel", "alternate").attribute("href").value(),
                 "https://example.org/a?x=1&y=2");
}

// pubDate, published and updated show one date: published, else updated, else first seen; a date
// after first seen by more than the tolerance is first seen.
TEST(RenderDates, BothFormatsShowTheShownDate) {
    struct Case {
        const char* what;
        std::optional<SysTime> published;
        std::optional<SysTime> updated;
        const char* rfc1123;
        const char* rfc3339;
    };
    const Case cases[] = {
        {"published", kPublished, kFirstSeen, "Sun, 28 Dec 2025 11:00:00 GMT", "2025-12-28T11:00:00Z"},
        {"only updated", std::nullopt, kPublished, "Sun, 28 Dec 2025 11:00:00 GMT", "2025-12-28T11:00:00Z"},
        {"neither", std::nullopt, std::nullopt, "Sun, 28 Dec 2025 12:00:00 GMT", "2025-12-28T12:00:00Z"},
        {"future", kFirstSeen + 2h, std::nullopt, "Sun, 28 Dec 2025 12:00:00 GMT", "2025-12-28T12:00:00Z"},
        {"a little ahead", kFirstSeen + 5min, std::nullopt, "Sun, 28 Dec 2025 12:05:00 GMT", "2025-12-28T12:05:00Z"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        MergedItem in = item();
        in.published = c.published;
        in.updated = c.updated;
        const std::vector<MergedItem> items{in};
        const auto rss = parse(render_rss(output(), items, kBuild, ""));
        EXPECT_STREQ(rss->doc.child("rss").child("channel").child("item").child_value("pubDate"), c.rfc1123);
        const auto atom = parse(render_atom(output(), items, kBuild, ""));
        const pugi::xml_node entry = atom->doc.child("feed").child("entry");
        EXPECT_STREQ(entry.child_value("published"), c.rfc3339);
        EXPECT_STREQ(entry.child_value("updated"), c.rfc3339);
    }
}

// libxml2 checks what pugixml does not: namespace well-formedness (every prefix declared) among
// the rest. Skipped where xmllint is not installed.
TEST(RenderXmllint, BothFormatsPassXmllint) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint is not installed";
    MergedItem hostile = reported_by_three();
    hostile.title = "]]> <![CDATA[ \x01 & \"q\" \xff";
    hostile.also_reported_by[0].feed_title = hostile.title;
    const std::vector<MergedItem> items{reported_by_three(), hostile, item()};
    const auto dir = std::filesystem::temp_directory_path() / ("tributary-xmllint-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const auto& [name, xml] :
         {std::pair{"merged.rss", render_rss(output(), items, kBuild, "https://a.example/r")},
          std::pair{"merged.atom", render_atom(output(), items, kBuild, "https://a.example/a")}}) {
        SCOPED_TRACE(name);
        const auto file = dir / name;
        const auto errors = dir / "errors.txt";
        std::ofstream(file, std::ios::binary) << xml;
        // A namespace error is printed, but leaves xmllint's exit status 0: both must be clean.
        const std::string command = "xmllint --noout '" + file.string() + "' 2>'" + errors.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << xml;
        std::ifstream in(errors);
        const std::string messages{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        EXPECT_EQ(messages, "") << xml;
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tributary::publish
