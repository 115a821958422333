// The URL rule end to end: `tributary once` against a test HTTP server on 127.0.0.1 serving an RSS
// and an Atom feed that try every way we know to get a script URL into the merged feed (script,
// data and vbscript item links, a script xml:base, relative hrefs under a script link, data
// enclosures, schemes disguised with character references, whitespace and case). The merged RSS
// and Atom files must hold no URL a browser would follow other than http(s) (and mailto for a
// link in HTML), while every item, and every good link, is still there.

#include <gtest/gtest.h>
#include <gumbo.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"
#include "support/browser_url.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kBinary = TRIBUTARY_BINARY;

constexpr std::string_view kHostileRss = R"~(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
     xml:base="javascript:alert(1)//">
<channel>
  <title>Hostile RSS</title>
  <link>javascript:alert(document.domain)</link>
  <image><url>data:image/svg+xml,&lt;svg onload=alert(1)&gt;</url><title>x</title><link>javascript:x</link></image>
  <item><title>Harbour cranes restart after the storm</title><link>https://good.example/harbour</link><guid>r-1</guid>
    <description>&lt;p&gt;The cranes at the &lt;a href="/port"&gt;port&lt;/a&gt; moved again.&lt;/p&gt;</description></item>
  <item><title>Library extends its weekend hours</title><link>javascript:alert(1)//</link><guid>r-2</guid>
    <description>&lt;a href="rel/page"&gt;opening times&lt;/a&gt; &lt;img src="img/hall.png" alt="hall"&gt;</description></item>
  <item><title>Council approves new cycle lanes</title>
    <link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link>
    <description>Lanes on three avenues.</description>
    <enclosure url="data:audio/mpeg;base64,AAAA" type="audio/mpeg" length="4"/></item>
  <item><title>Bakery wins regional bread award</title><link> VBSCRIPT:msgbox(1)</link><guid>r-4</guid>
    <description>&lt;a href="&amp;#106;avascript:alert(1)"&gt;entity&lt;/a&gt;
      &lt;a href="java&amp;#x09;script:alert(1)"&gt;tab&lt;/a&gt; &lt;a href=" JaVaScRiPt:alert(1)"&gt;case&lt;/a&gt;
      &lt;a href="vbscript:msgbox(1)"&gt;vb&lt;/a&gt; &lt;a href="data:text/html,x"&gt;inline&lt;/a&gt;
      &lt;img src="data:image/png;base64,AAAA"&gt; &lt;a href="mailto:desk@good.example"&gt;mail&lt;/a&gt;
      &lt;a href="//cdn.good.example/x"&gt;cdn&lt;/a&gt;</description></item>
  <item><title>Museum reopens its east wing</title><link>java&#x09;script:alert(1)</link><guid>r-5</guid></item>
  <item><title>Ferry timetable changes in spring</title><link>&amp;#106;avascript:alert(1)</link><guid>r-6</guid></item>
  <item xml:base="javascript:alert(1)//"><title>Orchestra announces its summer season</title>
    <link>season.html</link><guid>r-7</guid><description>&lt;a href="programme"&gt;programme&lt;/a&gt;</description></item>
  <item><title>Market hall gets a new roof</title><link>https://good.example/roof</link><guid>r-8</guid>
    <enclosure url="https://good.example/roof.mp3" type="audio/mpeg" length="10"/>
    <media:content url="vbscript:x" type="video/mp4"/><atom:link rel="enclosure" href="file:///etc/passwd"/></item>
</channel>
</rss>
)~";

constexpr std::string_view kHostileAtom = R"~(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//">
  <title>Hostile Atom</title><id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <updated>2025-12-28T10:00:00Z</updated>
  <link href="vbscript:msgbox(1)"/><logo>data:image/png;base64,AAAA</logo>
  <entry><title>Observatory opens to night visitors</title><id>a-1</id><updated>2025-12-28T10:00:00Z</updated>
    <link href="entry/observatory"/><content type="html">&lt;a href="sky"&gt;sky map&lt;/a&gt;</content></entry>
  <entry xml:base="  JaVaScRiPt:alert(1)/"><title>River cleanup collects two tonnes</title><id>a-2</id>
    <updated>2025-12-28T10:00:00Z</updated>
    <link href="javascript:alert(2)"/><link rel="enclosure" href="data:audio/mpeg;base64,AAAA"/>
    <summary type="html">&lt;a href="report"&gt;report&lt;/a&gt; &lt;q cite="data:text/html,x"&gt;clean&lt;/q&gt;</summary>
  </entry>
  <entry><title>Schools add evening language classes</title><id>a-3</id><updated>2025-12-28T10:00:00Z</updated>
    <link href="&#x20;data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="vbscript:x">classes</a>
      <img src="pic.png"/></div></content></entry>
</feed>
)~";

const std::set<std::string> kTitles{
    "Harbour cranes restart after the storm", "Library extends its weekend hours",
    "Council approves new cycle lanes",       "Bakery wins regional bread award",
    "Museum reopens its east wing",           "Ferry timetable changes in spring",
    "Orchestra announces its summer season",  "Market hall gets a new roof",
    "Observatory opens to night visitors",    "River cleanup collects two tonnes",
    "Schools add evening language classes",
};

// ------------------------------------------------------------------- reading URLs as a browser ---

// An absolute http(s) URL from its first byte (mailto too when `mailto`), as written and as read.
::testing::AssertionResult is_web_url(std::string_view url, bool mailto = false) {
    const std::string scheme = browser_scheme(url);
    const bool read_as = scheme == "http" || scheme == "https" || (mailto && scheme == "mailto");
    const bool literal = url.starts_with(scheme + ":") && (scheme == "mailto" || url.substr(scheme.size(), 3) == "://");
    if (read_as && literal) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << url << "\" (read with scheme \"" << scheme << "\")";
}

struct GumboDeleter {
    void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};

struct HtmlSeen {
    std::vector<std::pair<std::string, std::string>> attributes;  // name, decoded value
    std::string text;
};

void collect(const GumboNode* node, HtmlSeen& seen) {
    if (node->type == GUMBO_NODE_TEXT) seen.text += node->v.text.text;
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
    const bool element = node->type == GUMBO_NODE_ELEMENT;
    if (element)
        for (unsigned i = 0; i < node->v.element.attributes.length; ++i) {
            const auto* attribute = static_cast<const GumboAttribute*>(node->v.element.attributes.data[i]);
            seen.attributes.emplace_back(attribute->name, attribute->value);
        }
    const GumboVector& children = element ? node->v.element.children : node->v.document.children;
    for (unsigned i = 0; i < children.length; ++i) collect(static_cast<const GumboNode*>(children.data[i]), seen);
}

HtmlSeen read_html(std::string_view html) {
    const std::unique_ptr<GumboOutput, GumboDeleter> parsed{
        gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size())};
    HtmlSeen seen;
    collect(parsed->document, seen);
    return seen;
}

// Attributes of sanitized HTML that hold text rather than a URL; every other one is read as a URL.
constexpr std::array<std::string_view, 10> kTextAttributes{"alt",     "title", "dir",   "lang",   "colspan",
                                                           "rowspan", "span",  "width", "height", "datetime"};

void expect_html_urls_are_web(std::string_view html, std::string_view where) {
    for (const auto& [name, value] : read_html(html).attributes) {
        if (std::find(kTextAttributes.begin(), kTextAttributes.end(), name) != kTextAttributes.end()) continue;
        EXPECT_TRUE(is_web_url(value, name == "href")) << name << " in the HTML of " << where << ": " << html;
    }
}

// Every URL of a merged document: the attributes that hold one, the elements whose text is one
// (ids are names, not links), and the HTML of descriptions and summaries.
void expect_document_urls_are_web(pugi::xml_node node, const std::string& where) {
    for (const pugi::xml_node child : node.children()) {
        if (child.type() != pugi::node_element) continue;
        const std::string_view name = child.name();
        for (const pugi::xml_attribute attribute : child.attributes()) {
            const std::string_view attribute_name = attribute.name();
            if (attribute_name == "href" || attribute_name == "url" || attribute_name == "src") {
                EXPECT_TRUE(is_web_url(attribute.value())) << "<" << name << " " << attribute_name << "> in " << where;
            }
        }
        const bool has_text = child.first_child().type() == pugi::node_pcdata;
        if (has_text && (name == "link" || name == "comments" || name == "docs" || name == "url")) {
            EXPECT_TRUE(is_web_url(child.child_value())) << "<" << name << "> in " << where;
        }
        if (name == "description" || name == "summary" || name == "content") {
            expect_html_urls_are_web(child.child_value(), where);
            continue;
        }
        expect_document_urls_are_web(child, where);
    }
}

// Without reading anything: the bytes, lower-cased and without whitespace, never spell one of the
// schemes we refuse (the feeds' titles and texts do not either).
void expect_no_refused_scheme_anywhere(const std::string& bytes, const std::string& where) {
    std::string squeezed;
    for (const char c : bytes)
        if (static_cast<unsigned char>(c) > 0x20)
            squeezed += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const std::string_view refused : {"javascript:", "vbscript:", "data:", "file:"})
        EXPECT_EQ(squeezed.find(refused), std::string::npos) << refused << " in " << where;
}

// ------------------------------------------------------------------------------------ the test ---

class UrlSchemeEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-e2e-url-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_.route("/news/hostile.rss", [](const RecordedRequest&) {
            return Response{
                .status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = std::string(kHostileRss)};
        });
        server_.route("/news/hostile.atom", [](const RecordedRequest&) {
            return Response{.status = 200,
                            .headers = {{"Content-Type", "application/atom+xml"}},
                            .body = std::string(kHostileAtom)};
        });
        std::ofstream(dir_ / "feeds.conf", std::ios::trunc)
            << "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
               "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n\n"
               "[output merged]\npath = out/merged.xml\nurl = /merged.xml\ntitle = Schemes\n"
               "link = https://schemes.example/\nmax_items = 50\n\n"
               "[output atom]\npath = out/merged.atom\nurl = /merged.atom\nformat = atom\ntitle = Schemes\n"
               "link = https://schemes.example/\nmax_items = 50\n\n"
            << "[feed rss]\nurl = " << server_.url("/news/hostile.rss") << "\n\n"
            << "[feed atom]\nurl = " << server_.url("/news/hostile.atom") << "\n";
    }

    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    fs::path dir_;
    TestHttpServer server_;
};

TEST_F(UrlSchemeEndToEnd, MergedFeedsPublishOnlyHttpUrlsAndKeepEveryItem) {
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / "once.log", 60s), 0)
        << read_file(dir_ / "once.log");

    // RSS: every item is there; the good links, and the relative ones resolved against the feed
    // (not against a script link or xml:base), are there too.
    const std::string rss = read_file(dir_ / "out" / "merged.xml");
    pugi::xml_document rss_doc;
    ASSERT_TRUE(rss_doc.load_buffer(rss.data(), rss.size(), pugi::parse_default, pugi::encoding_utf8)) << rss;
    std::set<std::string> titles;
    std::map<std::string, pugi::xml_node> by_title;
    for (const pugi::xml_node item : rss_doc.child("rss").child("channel").children("item")) {
        titles.insert(item.child_value("title"));
        by_title[item.child_value("title")] = item;
    }
    EXPECT_EQ(titles, kTitles) << rss;
    EXPECT_STREQ(by_title["Harbour cranes restart after the storm"].child_value("link"),
                 "https://good.example/harbour");
    EXPECT_STREQ(by_title["Market hall gets a new roof"].child_value("link"), "https://good.example/roof");
    EXPECT_EQ(by_title["Orchestra announces its summer season"].child_value("link"), server_.url("/news/season.html"));
    EXPECT_EQ(by_title["Observatory opens to night visitors"].child_value("link"),
              server_.url("/news/entry/observatory"));
    for (const char* dropped :
         {"Library extends its weekend hours", "Council approves new cycle lanes", "Bakery wins regional bread award",
          "Museum reopens its east wing", "River cleanup collects two tonnes", "Schools add evening language classes"})
        EXPECT_FALSE(by_title[dropped].child("link")) << dropped;

    const std::string library = by_title["Library extends its weekend hours"].child_value("description");
    EXPECT_NE(library.find("href=\"" + server_.url("/news/rel/page") + "\""), std::string::npos) << library;
    EXPECT_NE(library.find("src=\"" + server_.url("/news/img/hall.png") + "\""), std::string::npos) << library;
    const HtmlSeen bakery = read_html(by_title["Bakery wins regional bread award"].child_value("description"));
    for (const char* text : {"entity", "tab", "case", "vb", "inline", "mail", "cdn"})
        EXPECT_NE(bakery.text.find(text), std::string::npos) << text << " lost from " << bakery.text;
    const std::vector<std::pair<std::string, std::string>> kept{{"href", "mailto:desk@good.example"},
                                                                {"href", "http://cdn.good.example/x"}};
    EXPECT_EQ(bakery.attributes, kept);
    const std::string river = by_title["River cleanup collects two tonnes"].child_value("description");
    EXPECT_NE(river.find("href=\"" + server_.url("/news/report") + "\""), std::string::npos) << river;

    // Atom: the same stories.
    const std::string atom = read_file(dir_ / "out" / "merged.atom");
    pugi::xml_document atom_doc;
    ASSERT_TRUE(atom_doc.load_buffer(atom.data(), atom.size(), pugi::parse_default, pugi::encoding_utf8)) << atom;
    std::set<std::string> atom_titles;
    for (const pugi::xml_node entry : atom_doc.child("feed").children("entry"))
        atom_titles.insert(entry.child_value("title"));
    EXPECT_EQ(atom_titles, kTitles) << atom;

    // And nowhere in either file a URL that is not http(s).
    expect_document_urls_are_web(rss_doc, "merged.xml");
    expect_document_urls_are_web(atom_doc, "merged.atom");
    expect_no_refused_scheme_anywhere(rss, "merged.xml");
    expect_no_refused_scheme_anywhere(atom, "merged.atom");

    // What the store keeps for later renderings: links are http(s) or empty.
    const fs::path db = dir_ / "tributary.db";
    EXPECT_EQ(query(db, "SELECT count(*) FROM items")[0][0], std::to_string(kTitles.size()));
    for (const auto& row : query(db, "SELECT title, link FROM items WHERE link <> ''"))
        EXPECT_TRUE(is_web_url(row[1])) << row[0];
}

}  // namespace
}  // namespace tributary::testing
