#include "parse/parse_feed.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::has_warning_containing;
using testing::parse_ok;
using testing::read_fixture;

std::string utc(const std::optional<SysTime>& time) { return time ? format_rfc3339(*time) : "null"; }

TEST(ArabicFixtures, Windows1256RssReadsAsUtf8) {
    const ParsedFeed feed = parse_ok(read_fixture("arabic/akhbar-maghreb-windows1256.rss"),
                                     {.content_type = "application/rss+xml; charset=windows-1256",
                                      .base_url = "https://akhbar-maghreb.example/rss"});
    // Expected strings: `iconv -f windows-1256 -t utf-8` of the fixture.
    EXPECT_EQ(feed.format, FeedFormat::rss);
    EXPECT_EQ(feed.version, "2.0");
    EXPECT_EQ(feed.title, "أخبار المغرب");
    EXPECT_EQ(feed.subtitle, "أخبار المغرب - آخر الأخبار");
    EXPECT_EQ(feed.link, "https://akhbar-maghreb.example/");
    EXPECT_EQ(feed.language, "ar");
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.title, "إسبانيا تشيد بالتعاون الأمني مع المغرب بعد حصيلة غير مسبوقة في مكافحة الإرهاب");
    EXPECT_EQ(item.id, "https://akhbar-maghreb.example/article/99871");
    EXPECT_EQ(item.link, "https://akhbar-maghreb.example/article/99871?utm_source=rss&utm_medium=feed");
    EXPECT_EQ(utc(item.published), "2025-12-29T11:02:17Z");
    EXPECT_TRUE(item.summary.starts_with("مدريد - في ظل تصاعد المخاطر المرتبطة بالإرهاب العابر للحدود،"));
    EXPECT_TRUE(item.summary.ends_with("في مجال مكافحة الإرهاب خلال سنة 2025."));
    EXPECT_EQ(item.language, "ar");
}

TEST(ArabicFixtures, LequipeNewsUtf8Rss) {
    const ParsedFeed feed =
        parse_ok(read_fixture("arabic/lequipe-news.rss"), {.content_type = "application/rss+xml", .base_url = ""});
    EXPECT_EQ(feed.title, "ليكيب نيوز");
    EXPECT_EQ(feed.encoding, (EncodingDecision{"utf-8", "UTF-8", "xml-declaration"}));
    ASSERT_EQ(feed.items.size(), 2u);
    const ParsedItem& first = feed.items[0];
    EXPECT_EQ(first.title, "الاستخبارات المغربية تساهم بشكل حاسم في حصيلة قياسية لإسبانيا في مكافحة الإرهاب خلال 2025");
    EXPECT_EQ(first.id, "lequipe-news-48213");
    EXPECT_EQ(first.author, "ليكيب نيوز");
    EXPECT_EQ(first.categories, std::vector<std::string>{"أمن"});
    EXPECT_EQ(utc(first.published), "2025-12-29T09:30:00Z");
    EXPECT_TRUE(first.content.starts_with("<p>في ظل تصاعد المخاطر"));
    EXPECT_TRUE(first.content.ends_with("باعتباره أحد أبرز خطوط الدفاع في مواجهة الإرهاب العابر للحدود.</p>"));
    EXPECT_NE(first.content.find("تعاون “فعّال ودقيق”"), std::string::npos);
    EXPECT_EQ(feed.items[1].title, "ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة");
    EXPECT_EQ(utc(feed.items[1].published), "2025-12-28T17:05:00Z");
    EXPECT_TRUE(feed.warnings.empty());
}

TEST(ArabicFixtures, SahelPressAtom) {
    const ParsedFeed feed =
        parse_ok(read_fixture("arabic/sahel-press.atom"), {.base_url = "https://sahel-press.example/atom.xml"});
    EXPECT_EQ(feed.format, FeedFormat::atom);
    EXPECT_EQ(feed.version, "1.0");
    EXPECT_EQ(feed.title, "صحيفة الساحل");
    EXPECT_EQ(feed.link, "https://sahel-press.example/");
    EXPECT_EQ(feed.language, "ar");
    ASSERT_EQ(feed.items.size(), 2u);
    const ParsedItem& first = feed.items[0];
    EXPECT_EQ(first.title,
              "الاستخبارات المغربيّة تساهم بشكل حاسـم في حصيلة قياسية لاسبانيا فى مكافحة الإرهاب خلال 2025");
    EXPECT_EQ(first.id, "tag:sahel-press.example,2025:post-7781");
    EXPECT_EQ(first.link, "https://sahel-press.example/2025/12/29/maroc-espagne-terrorisme");
    EXPECT_EQ(first.author, "هيئة التحرير");
    EXPECT_EQ(utc(first.published), "2025-12-29T10:45:00Z");
    EXPECT_EQ(utc(first.updated), "2025-12-29T11:00:00Z");
    EXPECT_TRUE(first.summary.starts_with("<p>في ظل تصاعد"));
    EXPECT_TRUE(first.summary.ends_with("خلال سنة 2025.</p>"));
    const ParsedItem& second = feed.items[1];
    EXPECT_EQ(second.title, "أمطار رعدية مرتقبة بعدد من مناطق المملكة & انخفاض في درجات الحرارة");
    EXPECT_EQ(second.link, "https://sahel-press.example/2025/12/29/meteo");
    EXPECT_EQ(utc(second.published), "null");
    EXPECT_EQ(second.summary, "توقعت المديرية العامة للأرصاد الجوية أمطاراً رعدية قوية نسبياً بعدد من مناطق المملكة.");
}

TEST(Namespaces, MatchedByUriWhateverThePrefix) {
    const ParsedFeed feed = parse_ok(R"(<rss version="2.0" xmlns:x="http://purl.org/dc/elements/1.1/"
            xmlns:body="http://purl.org/rss/1.0/modules/content/" xmlns:dc="urn:not-dublin-core">
        <channel><title>T</title><item>
          <x:creator>Amina</x:creator>
          <dc:creator>wrong namespace, ignored</dc:creator>
          <body:encoded>&lt;p&gt;full&lt;/p&gt;</body:encoded>
          <x:subject>sport</x:subject>
          <pic:content xmlns:pic="http://search.yahoo.com/mrss/" url="https://cdn.example/a.jpg" type="image/jpeg" fileSize="1234"/>
        </item></channel></rss>)");
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.author, "Amina");
    EXPECT_EQ(item.content, "<p>full</p>");
    EXPECT_EQ(item.categories, std::vector<std::string>{"sport"});
    ASSERT_EQ(item.enclosures.size(), 1u);
    EXPECT_EQ(item.enclosures[0], (Enclosure{"https://cdn.example/a.jpg", "image/jpeg", 1234}));
}

TEST(Namespaces, DefaultNamespaceRedeclaredOnNestedElement) {
    const ParsedFeed feed = parse_ok(R"(<a:feed xmlns:a="http://www.w3.org/2005/Atom">
        <a:title>Prefixed Atom</a:title>
        <entry xmlns="http://www.w3.org/2005/Atom"><title>Default-namespace entry</title><id>e1</id></entry>
        </a:feed>)");
    EXPECT_EQ(feed.format, FeedFormat::atom);
    EXPECT_EQ(feed.title, "Prefixed Atom");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "Default-namespace entry");
    EXPECT_EQ(feed.items[0].id, "e1");
}

// Lookups are remembered per document and per scope; a prefix one item rebinds must not leak into
// its siblings, and a binding must not outlive its document.
TEST(Namespaces, PrefixRedeclaredOnOneItemOnlyAppliesThere) {
    std::string body = R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
        <item><dc:creator>First</dc:creator></item>
        <item xmlns:dc="urn:not-dublin-core"><dc:creator>ignored</dc:creator><title>second</title></item>)";
    for (int i = 0; i < 300; ++i) body += "<item><dc:creator>Same " + std::to_string(i) + "</dc:creator></item>";
    body += R"(<item><x:y xmlns:x="urn:x"><dc:creator>nested</dc:creator></x:y><dc:creator>Last</dc:creator></item>
        </channel></rss>)";
    const ParsedFeed feed = parse_ok(body);
    ASSERT_EQ(feed.items.size(), 303u);
    EXPECT_EQ(feed.items[0].author, "First");
    EXPECT_EQ(feed.items[1].author, "");
    for (int i = 0; i < 300; ++i) EXPECT_EQ(feed.items[2 + i].author, "Same " + std::to_string(i));
    EXPECT_EQ(feed.items[302].author, "Last");
    // The next document binds dc to something else at its root: nothing remembered may apply.
    const ParsedFeed other = parse_ok(R"(<rss version="2.0" xmlns:dc="urn:other"><channel><title>T</title>
        <item><dc:creator>not Dublin Core</dc:creator></item></channel></rss>)");
    ASSERT_EQ(other.items.size(), 1u);
    EXPECT_EQ(other.items[0].author, "");
}

TEST(Namespaces, UndeclaredConventionalPrefixStillRead) {
    const ParsedFeed feed =
        parse_ok("<rss version=\"2.0\"><channel><item><dc:creator>Said</dc:creator></item></channel></rss>");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].author, "Said");
}

TEST(Rss, ReadsItemFields) {
    const ParsedFeed feed = parse_ok(R"(<rss version="2.0"><channel>
        <title>Chan</title><link>https://site.example/</link><description>About</description>
        <language>fr</language><ttl>30</ttl>
        <item>
          <title> Title  with
             spaces </title>
          <link>/post/1</link>
          <guid isPermaLink="false">id-1</guid>
          <author>a@site.example (A)</author>
          <description><![CDATA[<p>Hello <script>x()</script><a href="/p">p</a></p>]]></description>
          <category>one</category><category>two</category><category>one</category>
          <enclosure url="/audio.mp3" type="audio/mpeg" length="99"/>
          <comments>/post/1#comments</comments>
          <pubDate>Mon, 29 Dec 2025 11:02:17 GMT</pubDate>
        </item>
        <item><guid>https://site.example/post/2</guid></item>
        </channel></rss>)",
                                     {.base_url = "https://feeds.example/site.xml"});
    EXPECT_EQ(feed.version, "2.0");
    EXPECT_EQ(feed.title, "Chan");
    EXPECT_EQ(feed.subtitle, "About");
    EXPECT_EQ(feed.language, "fr");
    EXPECT_EQ(feed.ttl, std::chrono::seconds{1800});
    ASSERT_EQ(feed.items.size(), 2u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.title, "Title with spaces");
    EXPECT_EQ(item.link, "https://site.example/post/1");
    EXPECT_EQ(item.id, "id-1");
    EXPECT_EQ(item.author, "a@site.example (A)");
    EXPECT_EQ(item.summary, "<p>Hello <a href=\"https://site.example/p\">p</a></p>");
    EXPECT_EQ(item.categories, (std::vector<std::string>{"one", "two"}));
    ASSERT_EQ(item.enclosures.size(), 1u);
    EXPECT_EQ(item.enclosures[0], (Enclosure{"https://site.example/audio.mp3", "audio/mpeg", 99}));
    EXPECT_EQ(item.comments, "https://site.example/post/1#comments");
    EXPECT_EQ(item.language, "fr");
    EXPECT_EQ(feed.items[1].link, "https://site.example/post/2");  // permalink guid
}

// pugixml keeps an element's leading text in the element itself (parse_embed_pcdata) and the rest
// as children: text on both sides of unescaped markup, CDATA after text, and text after a CDATA
// section must all be read, in order.
TEST(Rss, TextAroundUnescapedMarkupAndCdataIsReadInOrder) {
    const ParsedFeed feed = parse_ok(R"(<rss version="2.0"><channel><title>C</title>
        <item>
          <title>Breaking <b>news</b> today</title>
          <description>Lead <b>bold</b> tail</description>
          <author>first <![CDATA[& second]]> third</author>
          <category><![CDATA[cdata]]> then text</category>
        </item>
        </channel></rss>)",
                                     {.sanitize = false});
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.title, "Breaking news today");
    EXPECT_EQ(item.summary, "Lead <b>bold</b> tail");
    EXPECT_EQ(item.author, "first & second third");
    EXPECT_EQ(item.categories, (std::vector<std::string>{"cdata then text"}));
}

TEST(Rss, Version091) {
    const ParsedFeed feed = parse_ok(R"(<rss version="0.91"><channel><title>Old</title>
        <item><title>i</title><link>http://old.example/i</link></item></channel></rss>)");
    EXPECT_EQ(feed.version, "0.91");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "http://old.example/i");
}

TEST(Rdf, Rss10ItemsBesideTheChannel) {
    const ParsedFeed feed = parse_ok(R"(<?xml version="1.0"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/">
          <channel rdf:about="https://rdf.example/"><title>RDF feed</title><link>https://rdf.example/</link>
            <description>d</description><dc:language>ar</dc:language></channel>
          <item rdf:about="https://rdf.example/1"><title>One</title><link>https://rdf.example/1</link>
            <description>first</description><dc:date>2025-12-29T11:45:00+01:00</dc:date>
            <dc:creator>Karim</dc:creator><dc:subject>tech</dc:subject></item>
          <item rdf:about="https://rdf.example/2"><title>Two</title><link>https://rdf.example/2</link></item>
        </rdf:RDF>)");
    EXPECT_EQ(feed.format, FeedFormat::rdf);
    EXPECT_EQ(feed.version, "1.0");
    EXPECT_EQ(feed.title, "RDF feed");
    EXPECT_EQ(feed.language, "ar");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].id, "https://rdf.example/1");
    EXPECT_EQ(feed.items[0].title, "One");
    EXPECT_EQ(feed.items[0].summary, "first");
    EXPECT_EQ(feed.items[0].author, "Karim");
    EXPECT_EQ(feed.items[0].categories, std::vector<std::string>{"tech"});
    EXPECT_EQ(utc(feed.items[0].published), "2025-12-29T10:45:00Z");
    EXPECT_EQ(feed.items[1].id, "https://rdf.example/2");
}

TEST(Atom, XhtmlContentIsSerializedWithoutWrapperDiv) {
    const ParsedFeed feed = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>X</title>
        <entry><id>x1</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> title</div></title>
        <content type="xhtml"><xh:div xmlns:xh="http://www.w3.org/1999/xhtml"><xh:p dir="rtl">مرحبا <xh:a href="/x">x</xh:a></xh:p><xh:script>bad()</xh:script></xh:div></content>
        </entry></feed>)",
                                     {.base_url = "https://atom.example/feed"});
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "A bold title");
    EXPECT_EQ(feed.items[0].content, "<p dir=\"rtl\">مرحبا <a href=\"https://atom.example/x\">x</a></p>");
}

TEST(Atom, TextConstructTypes) {
    const ParsedFeed feed = parse_ok(R"xml(<feed xmlns="http://www.w3.org/2005/Atom">
        <entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title>
          <summary type="text">1 &lt; 2 &amp; 3</summary>
          <content type="html">&lt;p onclick="x()"&gt;hi&lt;/p&gt;</content>
          <category term="t1" label="Label"/><category label="Only label"/>
          <link rel="enclosure" href="https://cdn.example/p.mp3" type="audio/mpeg" length="5"/>
          <link rel="replies" href="https://atom.example/c"/>
        </entry></feed>)xml");
    ASSERT_EQ(feed.items.size(), 1u);
    const ParsedItem& item = feed.items[0];
    EXPECT_EQ(item.title, "Bold & more");
    EXPECT_EQ(item.summary, "1 &lt; 2 &amp; 3");
    EXPECT_EQ(item.content, "<p>hi</p>");
    EXPECT_EQ(item.categories, (std::vector<std::string>{"t1", "Only label"}));
    ASSERT_EQ(item.enclosures.size(), 1u);
    EXPECT_EQ(item.enclosures[0], (Enclosure{"https://cdn.example/p.mp3", "audio/mpeg", 5}));
    EXPECT_EQ(item.comments, "https://atom.example/c");
}

TEST(Atom, AlternateLinkPreferredOverOthers) {
    const ParsedFeed feed = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
        <link rel="self" href="https://a.example/self"/><link rel="edit" href="https://a.example/edit"/>
        <link rel="alternate" href="https://a.example/page"/><link href="https://a.example/other"/>
        </entry></feed>)");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].link, "https://a.example/page");
}

TEST(Atom, EntryInheritsFeedAuthorAndLanguage) {
    const ParsedFeed feed = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
        <author><name>Rédaction</name></author>
        <entry><id>1</id></entry><entry xml:lang="ar"><id>2</id><author><name>كاتب</name></author></entry></feed>)");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].author, "Rédaction");
    EXPECT_EQ(feed.items[0].language, "fr");
    EXPECT_EQ(feed.items[1].author, "كاتب");
    EXPECT_EQ(feed.items[1].language, "ar");
}

TEST(Atom, Version03) {
    const ParsedFeed feed = parse_ok(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
        <title>Old Atom</title><tagline>tag</tagline><link rel="alternate" type="text/html" href="https://o.example/"/>
        <entry><title>E</title><id>o1</id><issued>2004-01-01T10:00:00Z</issued><modified>2004-01-02T10:00:00Z</modified>
        <content type="text/html" mode="escaped">&lt;i&gt;c&lt;/i&gt;</content></entry></feed>)");
    EXPECT_EQ(feed.format, FeedFormat::atom);
    EXPECT_EQ(feed.version, "0.3");
    EXPECT_EQ(feed.title, "Old Atom");
    EXPECT_EQ(feed.subtitle, "tag");
    EXPECT_EQ(feed.link, "https://o.example/");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(utc(feed.items[0].published), "2004-01-01T10:00:00Z");
    EXPECT_EQ(utc(feed.items[0].updated), "2004-01-02T10:00:00Z");
    EXPECT_EQ(feed.items[0].content, "<i>c</i>");
}

TEST(Links, RelativeLinksResolveAgainstXmlBase) {
    const ParsedFeed feed = parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/">
        <link href="/"/>
        <entry xml:base="2025/"><link href="post-1"/><content type="html">&lt;a href="img/x"&gt;x&lt;/a&gt;</content></entry>
        <entry><link href="post-2" xml:base="https://other.example/dir/"/></entry>
        </feed>)",
                                     {.base_url = "https://feeds.example/atom.xml"});
    EXPECT_EQ(feed.link, "https://base.example/");
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].link, "https://base.example/blog/2025/post-1");
    EXPECT_EQ(feed.items[0].content, "<a href=\"https://base.example/blog/2025/img/x\">x</a>");
    EXPECT_EQ(feed.items[1].link, "https://other.example/dir/post-2");
}

// Past 32 attributes an element's declarations are looked up in an index (thousands of them were
// scanned once per prefix); what it finds must be what the scan finds, the first declaration
// of a prefix included.
TEST(Namespaces, DeclarationsPastTheThirtySecondAttribute) {
    std::string junk;
    for (int i = 0; i < 40; ++i) junk += " xmlns:p" + std::to_string(i) + "=\"urn:x:" + std::to_string(i) + "\"";
    const ParsedFeed atom = parse_ok("<feed" + junk +
                                     " xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title>"
                                     "<entry><id>1</id><title>e</title></entry></feed>");
    EXPECT_EQ(atom.version, "1.0");
    ASSERT_EQ(atom.items.size(), 1u);
    EXPECT_EQ(atom.items[0].title, "e");

    const ParsedFeed rss =
        parse_ok("<rss version=\"2.0\"" + junk +
                 " xmlns:d=\"http://purl.org/dc/elements/1.1/\" xmlns:d=\"urn:not-dc\">"
                 "<channel><item><title>t</title><d:creator>كاتب</d:creator><p39:creator>no</p39:creator>"
                 "</item></channel></rss>");
    ASSERT_EQ(rss.items.size(), 1u);
    EXPECT_EQ(rss.items[0].author, "كاتب");
}

// The reader remembers where neither attribute is in scope; an item that has them, between
// items that do not, must still get its own.
TEST(Links, XmlBaseAndLangOnOneItemAmongItemsWithout) {
    const ParsedFeed feed = parse_ok(R"(<rss version="2.0"><channel><link>https://site.example/news/</link>
        <language>ar</language>
        <item><link>a</link></item><item><link>b</link></item>
        <item xml:lang="fr" xml:base="https://fr.example/x/"><link>c</link></item>
        <item><link xml:base="https://link.example/">d</link></item><item><link>e</link></item>
        </channel></rss>)");
    ASSERT_EQ(feed.items.size(), 5u);
    const std::pair<std::string_view, std::string_view> expected[] = {
        {"https://site.example/news/a", "ar"}, {"https://site.example/news/b", "ar"}, {"https://fr.example/x/c", "fr"},
        {"https://link.example/d", "ar"},      {"https://site.example/news/e", "ar"},
    };
    for (std::size_t i = 0; i < feed.items.size(); ++i) {
        EXPECT_EQ(feed.items[i].link, expected[i].first) << i;
        EXPECT_EQ(feed.items[i].language, expected[i].second) << i;
    }
}

TEST(Links, RelativeLinksFallBackToFeedLinkThenBaseUrl) {
    const ParsedFeed with_link = parse_ok(
        "<rss version=\"2.0\"><channel><link>https://site.example/news/</link><item><link>a</link></item></channel>"
        "</rss>",
        {.base_url = "https://feeds.example/rss.xml"});
    ASSERT_EQ(with_link.items.size(), 1u);
    EXPECT_EQ(with_link.items[0].link, "https://site.example/news/a");

    const ParsedFeed without_link =
        parse_ok("<rss version=\"2.0\"><channel><item><link>a</link></item></channel></rss>",
                 {.base_url = "https://feeds.example/rss.xml"});
    ASSERT_EQ(without_link.items.size(), 1u);
    EXPECT_EQ(without_link.items[0].link, "https://feeds.example/a");
}

TEST(ParseFeed, NonFeedDocumentIsUnsupportedFormat) {
    const Result<ParsedFeed> parsed =
        parse_feed("<html><head><title>Not a feed</title></head><body/></html>", {.base_url = "https://x.example/"});
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().kind, ErrorKind::UnsupportedFormat);
    EXPECT_EQ(parsed.error().message, "parse: root element <html> is not RSS, RDF or Atom");
}

TEST(ParseFeed, EmptyBodyIsParseError) {
    for (const std::string_view body : {std::string_view{}, std::string_view{" \n\t "}}) {
        const Result<ParsedFeed> parsed = parse_feed(body, {});
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
        EXPECT_EQ(parsed.error().message, "parse: line 1, column 1: empty document");
    }
}

TEST(ParseFeed, GarbageIsParseErrorWithLocation) {
    const Result<ParsedFeed> parsed = parse_feed("this is\nnot <<< xml at all", {});
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
    EXPECT_TRUE(parsed.error().message.starts_with("parse: line ")) << parsed.error().message;
}

}  // namespace
}  // namespace tributary::parse
