// Outputs per audience in three formats, checked as a feed validator would: our own parser and
// xmllint read every document back; required elements, dates, one guid per item, absolute URLs
// everywhere (inside the HTML too), JSON Feed's required keys and their types.

#include "publish/outputs.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "parse/parse_feed.hpp"
#include "publish/entry.hpp"
#include "publish/publisher.hpp"
#include "publish/render.hpp"

namespace tributary::publish {
namespace {

using namespace std::chrono;
using Format = OutputSpec::Format;
using Rep = OutputSpec::Representation;

constexpr SysTime kBuild = SysTime{seconds{1'767'006'137}};      // Mon, 29 Dec 2025 11:02:17 GMT
constexpr SysTime kPublished = SysTime{seconds{1'766'919'600}};  // Sun, 28 Dec 2025 11:00:00 GMT
const std::string kBase = "https://news.example.org/";
const std::string kArabicTitle = "\u0627\u0644\u0645\u063a\u0631\u0628: \u0623\u062e\u0628\u0627\u0631";

OutputSpec three_formats() {
    OutputSpec o;
    o.name = "main";
    o.title = "Les nouvelles";
    o.description = "Merged";
    o.language = "fr";
    o.url = "/main.xml";
    o.representations = {Rep{Format::rss, "/main.xml", "/tmp/main.xml"},
                         Rep{Format::atom, "/main.atom", "/tmp/main.atom"},
                         Rep{Format::json, "/main.json", "/tmp/main.json"}};
    return o;
}

MergedItem latin() {
    MergedItem i;
    i.guid = "urn:tributary:story:1";
    i.title = "Le Maroc & l'Espagne";
    i.link = "https://site.example/news/2025/a.html";
    // Relative links as an older row could hold them: made absolute against the item's own link.
    i.description =
        "<p>Voir <a href=\"../b.html\">la suite</a>, <a href=\"/c?x=1&amp;y=2\">ceci</a>, "
        "<a href=\"mailto:r@site.example\">la r\u00e9daction</a> <img src=\"img/p.png\" alt=\"\"/> "
        "<a href=\"javascript:alert(1)\" onclick=\"x()\">non</a></p>";
    i.author = "Karima";
    i.categories = {"Maroc", "Espagne"};
    i.published = kPublished;
    i.first_seen = kPublished;
    i.feed_name = "lequipe";
    i.source_title = "L'\u00e9quipe";
    i.source_url = "https://site.example/feed.xml";
    i.source_link = "https://site.example/";
    i.language = "fr";
    i.enclosures = {Enclosure{.url = "https://site.example/a.mp3", .type = "audio/mpeg", .length = 1234},
                    Enclosure{.url = "javascript:alert(1)", .type = "audio/mpeg", .length = std::nullopt}};
    return i;
}

MergedItem arabic() {
    MergedItem i;
    i.guid = "urn:tributary:story:2";
    i.title = kArabicTitle;
    i.link = "https://akhbar.example/ar/1";
    i.description = "<p>\u0646\u0635 <a href=\"2\">\u0627\u0644\u0645\u0632\u064a\u062f</a></p>";
    i.published = kPublished;
    i.first_seen = kPublished;
    i.feed_name = "akhbar";
    i.source_url = "https://akhbar.example/rss";
    i.language = "ar";
    i.also_reported_by = {OtherSource{.feed_name = "sahel",
                                      .feed_title = "Sahel",
                                      .feed_link = "https://sahel.example/",
                                      .item_link = "https://sahel.example/x"},
                          OtherSource{.feed_name = "hidden",
                                      .feed_title = "Hidden",
                                      .feed_link = "https://hidden.example/",
                                      .item_link = "https://hidden.example/x"}};
    return i;
}

FeedSpec feed(std::string name, std::vector<std::string> tags, std::optional<Seconds> interval = std::nullopt) {
    FeedSpec f;
    f.name = std::move(name);
    f.url = "https://" + f.name + ".example/rss";
    f.tags = std::move(tags);
    f.interval = interval;
    return f;
}

std::map<Format, RenderedDocument> render_all(const OutputSpec& o, const std::vector<MergedItem>& items) {
    std::map<Format, RenderedDocument> out;
    const auto docs = render_output(o, items, kBuild, kBase, kBase + "feed.xsl");
    EXPECT_EQ(docs.size(), 3u);
    for (std::size_t i = 0; i < docs.size(); ++i) out[o.representations[i].format] = docs[i];
    return out;
}

pugi::xml_document load(const std::string& xml) {
    pugi::xml_document doc;
    const auto result = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    EXPECT_TRUE(result) << result.description() << "\n" << xml;
    return doc;
}

// Every URL-valued attribute of a piece of HTML.
std::vector<std::string> html_urls(const std::string& html) {
    std::vector<std::string> urls;
    static const std::regex kAttr(R"re(\s(href|src|cite)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), kAttr); it != std::sregex_iterator(); ++it) {
        std::string v = (*it)[2];
        if (v.front() == '"' || v.front() == '\'') v = v.substr(1, v.size() - 2);
        urls.push_back(v);
    }
    return urls;
}

void expect_absolute_html(const std::string& html) {
    for (const std::string& url : html_urls(html)) {
        SCOPED_TRACE(url);
        EXPECT_TRUE(is_publishable_href(url)) << html;
    }
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find(" on"), std::string::npos) << html;  // no event handler attribute
    EXPECT_EQ(html.find("javascript:"), std::string::npos);
}

const std::regex kRfc822(
    R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)");
const std::regex kRfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))");

// ------------------------------------------------------------- entries ---

TEST(ResolveReference, FollowsRfc3986AndKeepsOnlyHttp) {
    const std::string base = "https://a.example/news/2025/page.html?q=1";
    const struct {
        const char* ref;
        const char* want;
    } cases[] = {
        {"b.html", "https://a.example/news/2025/b.html"},
        {"../b.html", "https://a.example/news/b.html"},
        {"../../../../b", "https://a.example/b"},
        {"/c?x=1", "https://a.example/c?x=1"},
        {"./", "https://a.example/news/2025/"},
        {"?z=2", "https://a.example/news/2025/page.html?z=2"},
        {"#top", "https://a.example/news/2025/page.html?q=1#top"},
        {"", "https://a.example/news/2025/page.html?q=1"},
        {"//cdn.example/x.png", "https://cdn.example/x.png"},
        {"HTTP://b.example/", "HTTP://b.example/"},
        {"javascript:alert(1)", ""},
        {"data:text/html,x", ""},
        {"ftp://f.example/", ""},
        {"a b", ""},
        {"\x01/x", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.ref);
        EXPECT_EQ(resolve_reference(base, c.ref), c.want);
    }
    EXPECT_EQ(resolve_reference("", "b.html"), "");  // no base: nothing to resolve against
    EXPECT_EQ(resolve_reference("javascript:x", "b.html"), "");
    EXPECT_EQ(resolve_reference("https://h.example", "b"), "https://h.example/b");
}

TEST(AbsolutizeHtml, RelativeLinksBecomeAbsoluteAndOtherSchemesGo) {
    const std::string html = absolutize_html(latin().description, latin().link);
    EXPECT_NE(html.find("href=\"https://site.example/news/b.html\""), std::string::npos) << html;
    EXPECT_NE(html.find("href=\"https://site.example/c?x=1&amp;y=2\""), std::string::npos) << html;
    EXPECT_NE(html.find("href=\"mailto:r@site.example\""), std::string::npos) << html;
    EXPECT_NE(html.find("src=\"https://site.example/news/2025/img/p.png\""), std::string::npos) << html;
    EXPECT_NE(html.find("<a>non</a>"), std::string::npos) << html;  // the link text stays
    expect_absolute_html(html);
    // A disguised scheme is judged as the browser will decode it.
    EXPECT_EQ(absolutize_html("<a href=\"&#106;avascript:alert(1)\">x</a>", "https://b.example/"), "<a>x</a>");
    // Text that looks like an attribute is text.
    EXPECT_EQ(absolutize_html("a href=\"x\" &lt;b&gt;", "https://b.example/"), "a href=\"x\" &lt;b&gt;");
}

TEST(TextDirection, FirstStrongCharacterDecides) {
    EXPECT_TRUE(is_rtl_text(kArabicTitle));
    EXPECT_TRUE(is_rtl_text("2025: \u0627\u0644\u0645\u063a\u0631\u0628 (Maroc)"));
    EXPECT_FALSE(is_rtl_text("Maroc: \u0627\u0644\u0645\u063a\u0631\u0628"));
    EXPECT_FALSE(is_rtl_text("2025 - ..."));
    EXPECT_TRUE(is_rtl_text("<p title=\"Latin\">&amp; \u05e9\u05dc\u05d5\u05dd</p>"));  // markup is not text
    EXPECT_TRUE(is_rtl_entry(arabic()));
    EXPECT_FALSE(is_rtl_entry(latin()));
}

TEST(SummaryExcerpt, PlainTextCutAtAWord) {
    EXPECT_EQ(summary_excerpt("<p>One <b>two</b></p>\n<p>three</p>"), "One two three");
    const std::string excerpt = summary_excerpt("<p>alpha beta gamma delta &amp; epsilon</p>", 20);
    EXPECT_EQ(excerpt, "alpha beta gamma\u2026");
    // A reference is one character and is never cut in half.
    EXPECT_EQ(summary_excerpt("&amp;&amp;&amp;&amp;&amp;", 4), "&amp;&amp;&amp;\u2026");
    EXPECT_EQ(summary_excerpt("\u0627\u0628\u062a\u062b\u062c\u062d", 4), "\u0627\u0628\u062a\u2026");
}

// ---------------------------------------------------------- selection ---

TEST(OutputSelection, TagsAndNamesPickTheFeeds) {
    const std::vector<FeedSpec> feeds{feed("a", {"sport", "paywall"}), feed("b", {"sport"}), feed("c", {"news"}),
                                      feed("d", {"paywall"})};
    OutputSpec o;
    EXPECT_EQ(selected_feeds(o, feeds), (std::vector<std::string>{"a", "b", "c", "d"}));
    o.include_tags = {"sport"};
    EXPECT_EQ(selected_feeds(o, feeds), (std::vector<std::string>{"a", "b"}));
    o.exclude_tags = {"paywall"};
    EXPECT_EQ(selected_feeds(o, feeds), (std::vector<std::string>{"b"}));
    o.feeds = {"d", "c"};  // named feeds are carried whatever their tags
    EXPECT_EQ(selected_feeds(o, feeds), (std::vector<std::string>{"b", "c", "d"}));
    OutputSpec only_exclude;
    only_exclude.exclude_tags = {"paywall"};
    EXPECT_EQ(selected_feeds(only_exclude, feeds), (std::vector<std::string>{"b", "c"}));
    EXPECT_FALSE(carries_every_feed(only_exclude));
}

TEST(OutputCaching, MaxAgeIsTheShortestPollIntervalOfTheOutputsFeeds) {
    ScheduleSettings schedule;  // default 15 min, min 1 min
    std::vector<FeedSpec> feeds{feed("a", {"x"}, 30min), feed("b", {"y"}, 5min), feed("c", {"y"}, 10s)};
    feeds[2].enabled = false;
    OutputSpec o;
    EXPECT_EQ(cache_control(o, feeds, schedule), "public, max-age=300");
    o.include_tags = {"x"};
    EXPECT_EQ(cache_control(o, feeds, schedule), "public, max-age=1800");
    feeds[0].interval.reset();  // the daemon's interval
    EXPECT_EQ(cache_control(o, feeds, schedule), "public, max-age=900");
    feeds[0].interval = 10s;  // within min_interval
    EXPECT_EQ(cache_control(o, feeds, schedule), "public, max-age=60");
}

TEST(OutputUrls, PublicBaseElseTheListenAddress) {
    DaemonSettings d;
    d.listen_host = "0.0.0.0";
    d.listen_port = 8080;
    OutputSpec o;
    EXPECT_EQ(public_base(o, d, 0), "http://localhost:8080/");
    EXPECT_EQ(public_base(o, d, 43210), "http://localhost:43210/");
    d.public_url = "https://news.example.org/feeds/";
    EXPECT_EQ(public_base(o, d, 43210), "https://news.example.org/feeds/");
    o.public_url = "https://sport.example/";
    EXPECT_EQ(public_base(o, d, 43210), "https://sport.example/");
    EXPECT_EQ(absolute_url("https://news.example.org/feeds/", "/merged.xml"),
              "https://news.example.org/feeds/merged.xml");
}

// ------------------------------------------------------ three formats ---

TEST(OutputFormats, RssCarriesAbsoluteLinksLanguageAndEnclosure) {
    const auto docs = render_all(three_formats(), {latin(), arabic()});
    const RenderedDocument& rss = docs.at(Format::rss);
    EXPECT_EQ(rss.url, "/main.xml");
    EXPECT_EQ(rss.content_type, "application/rss+xml; charset=utf-8");
    const pugi::xml_document doc = load(rss.body);
    const pugi::xml_node channel = doc.child("rss").child("channel");
    EXPECT_STREQ(channel.child_value("link"), "https://news.example.org/");
    EXPECT_STREQ(channel.child_value("language"), "fr");
    EXPECT_STREQ(channel.find_child_by_attribute("atom:link", "rel", "self").attribute("href").value(),
                 "https://news.example.org/main.xml");
    EXPECT_STREQ(channel.find_child_by_attribute("atom:link", "type", "application/atom+xml").attribute("href").value(),
                 "https://news.example.org/main.atom");
    EXPECT_STREQ(
        channel.find_child_by_attribute("atom:link", "type", "application/feed+json").attribute("href").value(),
        "https://news.example.org/main.json");
    const pugi::xml_node first = channel.child("item");
    EXPECT_STREQ(first.child_value("dc:language"), "fr");
    EXPECT_STREQ(first.child("enclosure").attribute("url").value(), "https://site.example/a.mp3");
    EXPECT_STREQ(first.child("enclosure").attribute("length").value(), "1234");
    EXPECT_STREQ(first.child("enclosure").attribute("type").value(), "audio/mpeg");
    expect_absolute_html(first.child_value("description"));
    const std::string arabic_html = first.next_sibling("item").child_value("description");
    EXPECT_TRUE(arabic_html.starts_with("<div dir=\"rtl\">")) << arabic_html;
    EXPECT_NE(arabic_html.find("href=\"https://akhbar.example/ar/2\""), std::string::npos) << arabic_html;
}

TEST(OutputFormats, AtomEntriesHaveTheirLanguageAndDirection) {
    const auto docs = render_all(three_formats(), {latin(), arabic()});
    const pugi::xml_document doc = load(docs.at(Format::atom).body);
    const pugi::xml_node feed = doc.child("feed");
    EXPECT_STREQ(feed.attribute("xml:lang").value(), "fr");
    EXPECT_STREQ(feed.child_value("id"), "https://news.example.org/main.atom");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "rel", "self").attribute("href").value(),
                 "https://news.example.org/main.atom");
    EXPECT_STREQ(feed.find_child_by_attribute("link", "type", "text/html").attribute("href").value(),
                 "https://news.example.org/");
    const pugi::xml_node fr = feed.child("entry");
    const pugi::xml_node ar = fr.next_sibling("entry");
    EXPECT_STREQ(fr.attribute("xml:lang").value(), "fr");
    EXPECT_STREQ(ar.attribute("xml:lang").value(), "ar");
    EXPECT_TRUE(std::string(ar.child_value("content")).starts_with("<div dir=\"rtl\">"));
    EXPECT_FALSE(std::string(fr.child_value("content")).starts_with("<div dir="));
    EXPECT_STREQ(fr.find_child_by_attribute("link", "rel", "enclosure").attribute("href").value(),
                 "https://site.example/a.mp3");
    EXPECT_EQ(std::distance(fr.children("link").begin(), fr.children("link").end()), 2);  // alternate, enclosure
}

TEST(OutputFormats, SummaryModeShowsAnExcerpt) {
    OutputSpec o = three_formats();
    o.content = OutputSpec::Content::summary;
    MergedItem long_one = latin();
    long_one.description = "<p>" + std::string(2000, 'x') + " <a href=\"/y\">y</a></p>";
    const auto docs = render_all(o, {long_one});
    const pugi::xml_document atom = load(docs.at(Format::atom).body);
    const std::string summary = atom.child("feed").child("entry").child_value("summary");
    EXPECT_FALSE(atom.child("feed").child("entry").child("content"));
    EXPECT_LT(summary.size(), 410u);
    EXPECT_EQ(summary.find('<'), std::string::npos) << summary;
    const auto json = nlohmann::json::parse(docs.at(Format::json).body);
    EXPECT_EQ(json["items"][0]["content_html"].get<std::string>(), summary);
}

// JSON Feed 1.1: version, title and items are required; each item needs an id and content_html
// or content_text; URLs absolute; dates RFC 3339.
TEST(OutputFormats, JsonFeedHasTheRequiredKeysAndTypes) {
    MergedItem hostile = latin();
    hostile.guid = "urn:tributary:story:3";
    hostile.title = "\x01 bad \xff utf-8";
    hostile.description.clear();
    hostile.author.clear();
    hostile.link = "javascript:alert(1)";
    const auto docs = render_all(three_formats(), {latin(), arabic(), hostile});
    const RenderedDocument& doc = docs.at(Format::json);
    EXPECT_EQ(doc.content_type, "application/feed+json; charset=utf-8");
    EXPECT_TRUE(is_valid_utf8(doc.body));
    EXPECT_EQ(doc.body.find("\\u0001"), std::string::npos);
    const auto feed = nlohmann::json::parse(doc.body);
    EXPECT_EQ(feed["version"], "https://jsonfeed.org/version/1.1");
    EXPECT_TRUE(feed["title"].is_string());
    EXPECT_EQ(feed["home_page_url"], "https://news.example.org/");
    EXPECT_EQ(feed["feed_url"], "https://news.example.org/main.json");
    EXPECT_EQ(feed["language"], "fr");
    ASSERT_TRUE(feed["items"].is_array());
    ASSERT_EQ(feed["items"].size(), 3u);
    std::set<std::string> ids;
    for (const auto& item : feed["items"]) {
        ASSERT_TRUE(item["id"].is_string());
        ids.insert(item["id"].get<std::string>());
        EXPECT_TRUE(item.contains("content_html") || item.contains("content_text")) << item.dump();
        if (item.contains("content_html")) expect_absolute_html(item["content_html"]);
        EXPECT_TRUE(!item.contains("url") || is_publishable_url(item["url"].get<std::string>()));
        EXPECT_TRUE(std::regex_match(item["date_published"].get<std::string>(), kRfc3339));
        EXPECT_TRUE(std::regex_match(item["date_modified"].get<std::string>(), kRfc3339));
        EXPECT_TRUE(!item.contains("tags") || item["tags"].is_array());
        EXPECT_TRUE(!item.contains("authors") || item["authors"][0]["name"].is_string());
        for (const auto& a : item.value("attachments", nlohmann::json::array())) {
            EXPECT_TRUE(is_publishable_url(a["url"].get<std::string>()));
            EXPECT_TRUE(a["mime_type"].is_string());
        }
    }
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(feed["items"][0]["attachments"].size(), 1u);  // the javascript: one is left out
    EXPECT_EQ(feed["items"][0]["language"], "fr");
    EXPECT_EQ(feed["items"][1]["_tributary"]["also_reported_by"][0]["url"], "https://sahel.example/x");
    EXPECT_FALSE(feed["items"][2].contains("url"));
    EXPECT_EQ(feed["items"][2]["content_text"], "");
}

// Every document, read back by our own parser as a subscriber's reader would, then checked
// against what feed validators require.
TEST(OutputValidity, EveryFormatReadsBackWithOurParser) {
    const std::vector<MergedItem> items{latin(), arabic()};
    const auto docs = render_all(three_formats(), items);
    for (const auto& [format, doc] : docs) {
        SCOPED_TRACE(doc.url);
        parse::ParseOptions options;
        options.base_url = "https://elsewhere.example/";
        const auto parsed = parse::parse_feed(doc.body, options);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->format, format == Format::rss    ? FeedFormat::rss
                                  : format == Format::atom ? FeedFormat::atom
                                                           : FeedFormat::json);
        EXPECT_EQ(parsed->title, "Les nouvelles");
        EXPECT_EQ(parsed->link, "https://news.example.org/");
        ASSERT_EQ(parsed->items.size(), 2u);
        EXPECT_EQ(parsed->items[0].id, "urn:tributary:story:1");
        EXPECT_EQ(parsed->items[1].title, kArabicTitle);
        EXPECT_EQ(parsed->items[0].link, latin().link);
        EXPECT_EQ(parsed->items[0].published, kPublished);
        EXPECT_EQ(parsed->items[0].author, "Karima");
        EXPECT_EQ(parsed->items[0].categories, latin().categories);
        ASSERT_FALSE(parsed->items[0].enclosures.empty());
        EXPECT_EQ(parsed->items[0].enclosures[0].url, "https://site.example/a.mp3");
        // The HTML resolves the same against any base: nothing relative is left in it.
        const std::string html = parsed->items[0].content.empty() ? parsed->items[0].summary : parsed->items[0].content;
        EXPECT_NE(html.find("https://site.example/news/b.html"), std::string::npos) << html;
        EXPECT_EQ(html.find("elsewhere.example"), std::string::npos) << html;
        EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings.front();
    }
}

TEST(OutputValidity, RssAndAtomFollowTheValidatorsRules) {
    const std::vector<MergedItem> items{latin(), arabic()};
    const auto docs = render_all(three_formats(), items);
    {
        const pugi::xml_document doc = load(docs.at(Format::rss).body);
        const pugi::xml_node channel = doc.child("rss").child("channel");
        for (const char* required : {"title", "link", "description"}) EXPECT_TRUE(channel.child(required)) << required;
        EXPECT_TRUE(std::regex_match(std::string(channel.child_value("lastBuildDate")), kRfc822));
        for (const pugi::xml_node item : channel.children("item")) {
            EXPECT_EQ(std::distance(item.children("guid").begin(), item.children("guid").end()), 1);
            EXPECT_TRUE(std::regex_match(std::string(item.child_value("pubDate")), kRfc822));
            EXPECT_TRUE(item.child("title") || item.child("description"));
            expect_absolute_html(item.child_value("description"));
        }
        for (const pugi::xpath_node& n : doc.select_nodes("//link | //@url | //@href")) {
            const std::string v = n.attribute() ? n.attribute().value() : n.node().child_value();
            EXPECT_TRUE(is_publishable_url(v)) << v;
        }
    }
    {
        const pugi::xml_document doc = load(docs.at(Format::atom).body);
        const pugi::xml_node feed = doc.child("feed");
        for (const char* required : {"id", "title", "updated", "author"}) EXPECT_TRUE(feed.child(required)) << required;
        EXPECT_TRUE(std::regex_match(std::string(feed.child_value("updated")), kRfc3339));
        for (const pugi::xml_node entry : feed.children("entry")) {
            for (const char* required : {"id", "title", "updated"}) {
                EXPECT_EQ(std::distance(entry.children(required).begin(), entry.children(required).end()), 1)
                    << required;
            }
            EXPECT_TRUE(std::regex_match(std::string(entry.child_value("published")), kRfc3339));
            expect_absolute_html(entry.child_value("content"));
        }
        for (const pugi::xpath_node& n : doc.select_nodes("//@href"))
            EXPECT_TRUE(is_publishable_url(n.attribute().value())) << n.attribute().value();
    }
}

// libxml2 reads both XML formats too, namespaces included.
TEST(OutputValidity, XmlFormatsPassXmllint) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint is not installed";
    const auto docs = render_all(three_formats(), {latin(), arabic()});
    const auto dir = std::filesystem::temp_directory_path() / ("tributary-outputs-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const Format format : {Format::rss, Format::atom}) {
        const auto file = dir / (format == Format::rss ? "main.xml" : "main.atom");
        const auto errors = dir / "errors.txt";
        std::ofstream(file, std::ios::binary) << docs.at(format).body;
        const std::string command = "xmllint --noout '" + file.string() + "' 2>'" + errors.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << docs.at(format).body;
        std::ifstream in(errors);
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), "");
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tributary::publish

namespace tributary::publish {
namespace {

// A new directory under the system's temporary one, removed with everything in it at the end.
struct TempDir {
    TempDir() {
        std::string name = (std::filesystem::temp_directory_path() / "tributary-publish-XXXXXX").string();
        if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::filesystem::path path;
};

// A published output: every format written to its file with the output's mode and served as a
// snapshot with the output's Cache-Control and WebSub Link; publishing the same entries later is no
// change and leaves the files alone, unless one went missing.
TEST(PublishOutput, WritesEveryFormatOnceAndServesItsSnapshots) {
    const TempDir temp;
    const std::filesystem::path& dir = temp.path;
    OutputSpec o = three_formats();
    for (Rep& rep : o.representations) rep.path = dir / std::filesystem::path(rep.url).filename();
    o.file_mode = 0640;
    o.hub = "https://hub.example/";
    RenderCache cache;
    const std::vector<MergedItem> items{latin(), arabic()};

    const auto first = publish_output(cache, o, items, kBuild, kBase, "public, max-age=900");
    ASSERT_EQ(first.size(), 3u);
    for (std::size_t i = 0; i < first.size(); ++i) {
        const PublishedDocument& doc = first[i];
        EXPECT_TRUE(doc.error.empty()) << doc.error;
        EXPECT_TRUE(doc.changed);
        EXPECT_EQ(doc.url, o.representations[i].url);
        EXPECT_EQ(doc.self, absolute_url(kBase, doc.url));
        ASSERT_TRUE(doc.snapshot);
        EXPECT_EQ(doc.snapshot->cache_control, "public, max-age=900");
        EXPECT_NE(doc.snapshot->link.find("<https://hub.example/>; rel=\"hub\""), std::string::npos);
        EXPECT_NE(doc.snapshot->link.find(doc.self), std::string::npos);
        std::ifstream file(o.representations[i].path, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
        EXPECT_EQ(bytes, doc.snapshot->body);
        EXPECT_EQ(std::filesystem::status(o.representations[i].path).permissions() & std::filesystem::perms::all,
                  std::filesystem::perms(0640));
    }

    const auto inode = [](const std::filesystem::path& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 ? st.st_ino : ino_t{0};
    };
    const ino_t rss_inode = inode(o.representations[0].path);
    std::filesystem::remove(o.representations[2].path);
    const auto again = publish_output(cache, o, items, kBuild + hours{1}, kBase, "public, max-age=900");
    ASSERT_EQ(again.size(), 3u);
    for (std::size_t i = 0; i < again.size(); ++i) {
        EXPECT_FALSE(again[i].changed);
        EXPECT_EQ(again[i].snapshot->etag, first[i].snapshot->etag);
    }
    EXPECT_EQ(inode(o.representations[0].path), rss_inode) << "an unchanged file was replaced";
    EXPECT_TRUE(std::filesystem::exists(o.representations[2].path)) << "a missing file was not written again";

    // A restarted daemon (a new cache) finds the files of the run before: the same entries are no
    // change, with the same ETags and Last-Modified; other entries are.
    RenderCache restarted;
    const auto after_restart = publish_output(restarted, o, items, kBuild + hours{5}, kBase, "public, max-age=900");
    ASSERT_EQ(after_restart.size(), 3u);
    for (std::size_t i = 0; i < after_restart.size(); ++i) {
        EXPECT_FALSE(after_restart[i].changed) << after_restart[i].url;
        EXPECT_EQ(after_restart[i].snapshot->etag, first[i].snapshot->etag);
        EXPECT_EQ(after_restart[i].snapshot->last_modified, kBuild);
    }
    EXPECT_EQ(inode(o.representations[0].path), rss_inode) << "a restart replaced an unchanged file";
    RenderCache restarted_again;
    const std::vector<MergedItem> fewer{latin()};
    const auto other = publish_output(restarted_again, o, fewer, kBuild + hours{6}, kBase, "public, max-age=900");
    ASSERT_EQ(other.size(), 3u);
    EXPECT_TRUE(other[0].changed);
    EXPECT_EQ(other[0].snapshot->last_modified, kBuild + hours{6});
}

}  // namespace
}  // namespace tributary::publish

namespace tributary::publish {
namespace {

// An output published only as Atom is adopted after a restart by its <updated>.
TEST(PublishOutput, AnAtomOnlyOutputIsAdoptedAfterARestart) {
    const TempDir temp;
    const std::filesystem::path& dir = temp.path;
    OutputSpec o = three_formats();
    o.representations = {Rep{Format::atom, "/main.atom", dir / "main.atom"}};
    const std::vector<MergedItem> items{arabic()};
    RenderCache before;
    const auto first = publish_output(before, o, items, kBuild, kBase, "public, max-age=60");
    ASSERT_EQ(first.size(), 1u);
    ASSERT_TRUE(first[0].error.empty()) << first[0].error;
    RenderCache after;
    const auto again = publish_output(after, o, items, kBuild + hours{2}, kBase, "public, max-age=60");
    ASSERT_EQ(again.size(), 1u);
    EXPECT_FALSE(again[0].changed);
    EXPECT_EQ(again[0].snapshot->etag, first[0].snapshot->etag);
}

}  // namespace
}  // namespace tributary::publish
