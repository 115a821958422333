// The URL rule by example: what the feed readers publish (item and channel links, enclosures,
// images, comments) and what they resolve against (xml:base, item links, the document's URL) is
// an absolute http(s) URL or nothing. url_property_test.cpp checks the same over generated input.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/url_safety.hpp"
#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::has_warning_containing;
using testing::parse_ok;

constexpr std::string_view kFeedUrl = "https://feeds.example/news/rss.xml";

TEST(PublishableUrl, OnlyHttpAndHttpsAtTheVeryFirstByte) {
    for (const std::string_view url : {"http://a.example", "https://a.example/x?y#z", "HTTP://A.EXAMPLE/", "hTtPs://a"})
        EXPECT_TRUE(is_publishable_url(url)) << url;
    for (const std::string_view url : {"",
                                       "http://",
                                       "https://",
                                       "http:",
                                       "http:/a.example",
                                       "https:a.example",
                                       " https://a.example",
                                       "\thttps://a.example",
                                       "\x01https://a.example",
                                       "ht\ttp://a.example",
                                       "//a.example/x",
                                       "/x",
                                       "x",
                                       "javascript:alert(1)",
                                       " JAVASCRIPT:alert(1)",
                                       "java\tscript:alert(1)",
                                       "&#106;avascript:alert(1)",
                                       "&#104;ttps://a.example",
                                       "data:text/html,x",
                                       "vbscript:x",
                                       "file:///etc/passwd",
                                       "ftp://a.example",
                                       "mailto:a@b.example",
                                       "blob:https://a.example/1",
                                       "about:blank",
                                       "httpx://a.example"})
        EXPECT_FALSE(is_publishable_url(url)) << url;
}

TEST(PublishableUrl, HrefsMayAlsoBeMailto) {
    EXPECT_TRUE(is_publishable_href("mailto:a@b.example"));
    EXPECT_TRUE(is_publishable_href("MAILTO:a@b.example"));
    EXPECT_TRUE(is_publishable_href("https://a.example/"));
    EXPECT_FALSE(is_publishable_href("mailto:"));
    EXPECT_FALSE(is_publishable_href(" mailto:a@b.example"));
    EXPECT_FALSE(is_publishable_href("javascript:alert(1)"));
}

TEST(ResolveWebUrl, KeepsOnlyHttpResults) {
    EXPECT_EQ(resolve_web_url(kFeedUrl, "../a"), "https://feeds.example/a");
    EXPECT_EQ(resolve_web_url(kFeedUrl, "//cdn.example/a"), "https://cdn.example/a");
    EXPECT_EQ(resolve_web_url("http://feeds.example/", "//cdn.example/a"), "http://cdn.example/a");
    EXPECT_EQ(resolve_web_url(kFeedUrl, "HTTPS://Other.example/"), "https://Other.example/");
    EXPECT_EQ(resolve_web_url(kFeedUrl, "javascript:alert(1)"), "");
    EXPECT_EQ(resolve_web_url(kFeedUrl, " java\tscript:alert(1)"), "");
    EXPECT_EQ(resolve_web_url(kFeedUrl, "mailto:a@b.example"), "");
    EXPECT_EQ(resolve_web_url("", "/a"), "");
    EXPECT_EQ(resolve_web_url("", "//cdn.example/a"), "");
}

TEST(ResolveUrl, ABaseThatIsNoWebPageCountsAsNone) {
    for (const std::string_view base : {"javascript:alert(1)//x/", "JAVASCRIPT:alert(1)/", "data:text/html,a/b",
                                        "vbscript:x/", "file:///etc/", "ftp://files.example/dir/", "about:blank"}) {
        SCOPED_TRACE(base);
        EXPECT_EQ(resolve_url(base, "page.html"), "page.html");
        EXPECT_EQ(resolve_url(base, "//cdn.example/x"), "//cdn.example/x");
        EXPECT_EQ(resolve_url(base, "https://a.example/"), "https://a.example/");
    }
}

std::string rss(std::string_view channel_children, std::string_view items, std::string_view root_attributes = "") {
    return R"(<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" )"
           R"(xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/" )" +
           std::string(root_attributes) + "><channel><title>T</title>" + std::string(channel_children) +
           std::string(items) + "</channel></rss>";
}

TEST(RssUrls, AnItemLinkThatIsNotHttpIsDroppedAndTheItemKept) {
    const ParsedFeed feed = parse_ok(rss("", R"~(
        <item><title>a</title><link>javascript:alert(1)</link></item>
        <item><title>b</title><link>data:text/html;base64,PHNjcmlwdD4=</link></item>
        <item><title>c</title><link> VBSCRIPT:msgbox(1)</link></item>
        <item><title>d</title><link>java&#x09;script:alert(1)</link></item>
        <item><title>e</title><guid>javascript:alert(1)</guid></item>
        <item><title>f</title><link>https://good.example/f</link></item>)~"),
                                     {.base_url = kFeedUrl});
    ASSERT_EQ(feed.items.size(), 6u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(feed.items[i].link, "") << feed.items[i].title;
    EXPECT_EQ(feed.items[4].id, "javascript:alert(1)");  // an identifier, kept as written
    EXPECT_EQ(feed.items[5].link, "https://good.example/f");
    EXPECT_TRUE(has_warning_containing(feed, "not an http(s) URL once resolved"));
}

TEST(RssUrls, AHostileSecondLinkDoesNotEraseAGoodOne) {
    const ParsedFeed feed = parse_ok(rss("<link>https://site.example/</link><link>javascript:alert(1)</link>",
                                         "<item><title>a</title><link>https://good.example/a</link>"
                                         "<link>javascript:alert(1)</link></item>"),
                                     {.base_url = kFeedUrl});
    EXPECT_EQ(feed.link, "https://site.example/");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "https://good.example/a");
}

TEST(RssUrls, RelativeUrlsUnderAHostileItemLinkResolveAgainstTheFeed) {
    const ParsedFeed feed = parse_ok(rss("", R"~(
        <item><title>a</title><link>javascript:alert(1)//</link>
          <description>&lt;a href="rel/page"&gt;x&lt;/a&gt;&lt;img src="i.png"&gt;</description></item>)~"),
                                     {.base_url = kFeedUrl});
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "");
    EXPECT_EQ(feed.items[0].summary,
              R"(<a href="https://feeds.example/news/rel/page">x</a><img src="https://feeds.example/news/i.png"/>)");
}

TEST(RssUrls, AnXmlBaseThatIsNoWebPageIsIgnored) {
    const ParsedFeed feed = parse_ok(rss("", R"~(
        <item xml:base="javascript:alert(1)//"><title>a</title><link>page-a</link>
          <description>&lt;a href="x"&gt;x&lt;/a&gt;</description></item>
        <item xml:base="https://ok.example/dir/"><title>b</title>
          <link xml:base=" JaVaScRiPt:alert(1)/">page-b</link></item>
        <item xml:base="data:text/html,x/"><title>c</title><enclosure url="e.mp3" type="audio/mpeg"/></item>)~",
                                         R"(xml:base="vbscript:x/")"),
                                     {.base_url = kFeedUrl});
    ASSERT_EQ(feed.items.size(), 3u);
    EXPECT_EQ(feed.items[0].link, "https://feeds.example/news/page-a");
    EXPECT_EQ(feed.items[0].summary, R"(<a href="https://feeds.example/news/x">x</a>)");
    EXPECT_EQ(feed.items[1].link, "https://ok.example/dir/page-b");  // the outer xml:base still holds
    ASSERT_EQ(feed.items[2].enclosures.size(), 1u);
    EXPECT_EQ(feed.items[2].enclosures[0].url, "https://feeds.example/news/e.mp3");
}

TEST(RssUrls, EnclosuresCommentsAndMediaThatAreNotHttpAreDropped) {
    const ParsedFeed feed = parse_ok(rss("", R"~(
        <item><title>a</title>
          <enclosure url="data:audio/mpeg;base64,AAAA" type="audio/mpeg"/>
          <enclosure url="file:///etc/passwd" type="audio/mpeg"/>
          <media:content url="javascript:alert(1)" type="video/mp4"/>
          <atom:link rel="enclosure" href="vbscript:x"/>
          <enclosure url="https://cdn.example/ok.mp3" type="audio/mpeg"/>
          <comments>javascript:alert(1)</comments></item>)~"),
                                     {.base_url = kFeedUrl});
    ASSERT_EQ(feed.items.size(), 1u);
    ASSERT_EQ(feed.items[0].enclosures.size(), 1u);
    EXPECT_EQ(feed.items[0].enclosures[0].url, "https://cdn.example/ok.mp3");
    EXPECT_EQ(feed.items[0].comments, "");
}

TEST(RssUrls, ChannelLinkAndImageThatAreNotHttpAreDropped) {
    const ParsedFeed feed = parse_ok(rss("<link>javascript:alert(document.domain)</link>"
                                         "<image><url>data:image/svg+xml,&lt;svg onload=alert(1)&gt;</url></image>",
                                         "<item><title>a</title><link>rel</link></item>"),
                                     {.base_url = kFeedUrl});
    EXPECT_EQ(feed.link, "");
    EXPECT_EQ(feed.image, "");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "https://feeds.example/news/rel");  // against the document, not the link
}

TEST(RssUrls, RelativeLinksWithoutABaseAreDropped) {
    // `tributary parse FILE` has no URL to resolve against: a relative link cannot be published.
    const ParsedFeed feed = parse_ok(rss("<link>/home</link>", "<item><title>a</title><link>/a</link></item>"));
    EXPECT_EQ(feed.link, "");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "");
}

TEST(AtomUrls, HostileXmlBaseAndLinksAreIgnored) {
    const ParsedFeed feed = parse_ok(R"~(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//">
        <title>A</title><link href="vbscript:x"/><logo>data:image/png;base64,AAAA</logo><icon>i.ico</icon>
        <entry><title>a</title><link href="entry-a"/>
          <content type="html">&lt;a href="rel"&gt;r&lt;/a&gt;&lt;a href="&amp;#106;avascript:x"&gt;j&lt;/a&gt;</content></entry>
        <entry xml:base="  JaVaScRiPt:alert(1)/"><title>b</title><link href="javascript:alert(2)"/>
          <link href="https://good.example/b"/>
          <link rel="enclosure" href="data:audio/mpeg;base64,AAAA"/><link rel="replies" href="about:blank"/></entry>
        </feed>)~",
                                     {.base_url = kFeedUrl});
    EXPECT_EQ(feed.link, "");
    EXPECT_EQ(feed.image, "https://feeds.example/news/i.ico");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].link, "https://feeds.example/news/entry-a");
    EXPECT_EQ(feed.items[0].content, R"(<a href="https://feeds.example/news/rel">r</a><a>j</a>)");
    EXPECT_EQ(feed.items[1].link, "https://good.example/b");  // the first alternate that can be published
    EXPECT_TRUE(feed.items[1].enclosures.empty());
    EXPECT_EQ(feed.items[1].comments, "");
}

TEST(JsonFeedUrls, UrlsThatAreNotHttpAreDroppedAndNeverABase) {
    const ParsedFeed feed = parse_ok(R"~({"version": "https://jsonfeed.org/version/1.1", "title": "J",
        "home_page_url": "javascript:alert(1)//", "feed_url": "data:text/html,x/", "icon": "vbscript:x",
        "items": [
          {"id": "1", "url": "javascript:alert(1)//", "content_html": "<a href=\"rel\">r</a>",
           "attachments": [{"url": "data:audio/mpeg;base64,AAAA"}, {"url": "a.mp3"}]},
          {"id": "2", "url": " JAVASCRIPT:x", "external_url": "https://good.example/2"}]})~",
                                     {.base_url = kFeedUrl});
    EXPECT_EQ(feed.link, "");
    EXPECT_EQ(feed.image, "");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].link, "");
    EXPECT_EQ(feed.items[0].content, R"(<a href="https://feeds.example/news/rel">r</a>)");
    ASSERT_EQ(feed.items[0].enclosures.size(), 1u);
    EXPECT_EQ(feed.items[0].enclosures[0].url, "https://feeds.example/news/a.mp3");
    EXPECT_EQ(feed.items[1].link, "https://good.example/2");

    // Without a URL from the fetch, the document's own feed_url is the base, if it is a web page.
    const ParsedFeed own = parse_ok(R"~({"version": "https://jsonfeed.org/version/1.1", "title": "J",
        "feed_url": "javascript:alert(1)//", "items": [{"id": "1", "url": "a"}]})~");
    ASSERT_EQ(own.items.size(), 1u);
    EXPECT_EQ(own.items[0].link, "");
}

TEST(SanitizeLater, TheDaemonsBaseRuleIsSafeWithWhateverLinkAnItemHas) {
    // The daemon sanitizes new items later with `item.link.empty() ? feed URL : item.link`.
    const ParsedFeed feed = parse_ok(rss("", R"~(
        <item><title>a</title><link>javascript:alert(1)//</link>
          <description>&lt;a href="rel"&gt;r&lt;/a&gt;</description></item>)~"),
                                     {.base_url = kFeedUrl, .sanitize = false});
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    const std::string_view base = item.link.empty() ? kFeedUrl : std::string_view{item.link};
    EXPECT_EQ(sanitize_html(item.summary, base), R"(<a href="https://feeds.example/news/rel">r</a>)");
    // And had the link been passed through by anything else, the sanitizer ignores it as a base.
    EXPECT_EQ(sanitize_html(item.summary, "javascript:alert(1)//"), "<a>r</a>");
}

}  // namespace
}  // namespace tributary::parse
