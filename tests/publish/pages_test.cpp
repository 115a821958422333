// The pages people read: the feed stylesheet (run through xsltproc, as a browser would run it) and
// the status page of every feed, failing first.

#include "publish/pages.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <vector>

#include "publish/outputs.hpp"

namespace tributary::publish {
namespace {

using namespace std::chrono;

constexpr SysTime kNow = SysTime{seconds{1'767'006'137}};  // 2025-12-29T11:02:17Z
const std::string kArabicTitle = "\u0627\u0644\u0645\u063a\u0631\u0628: \u0623\u062e\u0628\u0627\u0631";

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

FeedHealth health(std::string name, int failures, std::string error = {}) {
    FeedHealth f;
    f.name = std::move(name);
    f.url = "https://" + f.name + ".example/rss";
    f.state.consecutive_failures = failures;
    f.state.last_error = std::move(error);
    f.state.last_outcome = failures > 0 ? "http_error" : "fetched";
    f.state.last_fetch = kNow - 5min;
    f.state.next_due = kNow + 10min;
    f.state.schedule_reason = "interval";
    f.state.encoding_declared = "windows-1256";
    f.state.encoding_used = "windows-1256";
    return f;
}

TEST(FeedStylesheet, IsWellFormedXslt) {
    pugi::xml_document doc;
    const std::string_view xsl = feed_stylesheet();
    ASSERT_TRUE(doc.load_buffer(xsl.data(), xsl.size()));
    EXPECT_STREQ(doc.document_element().name(), "xsl:stylesheet");
}

// What a browser does with <?xml-stylesheet?>: both XML formats become a page with the address to
// copy, each title in its own direction.
TEST(FeedStylesheet, TurnsRssAndAtomIntoAReadablePage) {
    if (std::system("command -v xsltproc >/dev/null 2>&1") != 0) GTEST_SKIP() << "xsltproc is not installed";
    OutputSpec o;
    o.name = "main";
    o.title = "\u0623\u062e\u0628\u0627\u0631";
    o.representations = {OutputSpec::Representation{OutputSpec::Format::rss, "/main.xml", "/tmp/main.xml"},
                         OutputSpec::Representation{OutputSpec::Format::atom, "/main.atom", "/tmp/main.atom"}};
    MergedItem ar;
    ar.guid = "g1";
    ar.title = kArabicTitle;
    ar.link = "https://akhbar.example/1";
    ar.first_seen = kNow;
    MergedItem latin = ar;
    latin.guid = "g2";
    latin.title = "Le Maroc";
    const std::vector<MergedItem> items{ar, latin};
    const auto dir = std::filesystem::temp_directory_path() / ("tributary-xslt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "feed.xsl", std::ios::binary) << feed_stylesheet();
    const auto docs = render_output(o, items, kNow, "https://news.example.org/", "https://news.example.org/feed.xsl");
    ASSERT_EQ(docs.size(), 2u);
    for (const RenderedDocument& doc : docs) {
        SCOPED_TRACE(doc.url);
        EXPECT_NE(doc.body.find("<?xml-stylesheet type=\"text/xsl\" href=\"https://news.example.org/feed.xsl\"?>"),
                  std::string::npos);
        std::ofstream(dir / "feed.xml", std::ios::binary) << doc.body;
        const std::string command = "xsltproc -o '" + (dir / "page.html").string() + "' '" +
                                    (dir / "feed.xsl").string() + "' '" + (dir / "feed.xml").string() + "' 2>'" +
                                    (dir / "errors.txt").string() + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << read(dir / "errors.txt");
        const std::string page = read(dir / "page.html");
        EXPECT_NE(page.find("https://news.example.org" + doc.url), std::string::npos) << page;  // to copy
        // The entry (<li dir="auto">) takes its direction from its title: no dir on the link itself.
        EXPECT_NE(page.find("<a href=\"https://akhbar.example/1\">" + kArabicTitle + "</a>"), std::string::npos)
            << page;
        EXPECT_NE(page.find(">Le Maroc</a>"), std::string::npos) << page;
        EXPECT_EQ(page.find("<script"), std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST(StatusPage, FailingFeedsComeFirst) {
    std::vector<FeedHealth> feeds{health("alpha", 0), health("beta", 3), health("gamma", 1), health("delta", 0)};
    feeds[3].state.gone = true;
    sort_failing_first(feeds);
    std::vector<std::string> names;
    for (const FeedHealth& f : feeds) names.push_back(f.name);
    EXPECT_EQ(names, (std::vector<std::string>{"delta", "beta", "gamma", "alpha"}));
}

TEST(StatusPage, HtmlShowsEveryFeedsHealthEscaped) {
    std::vector<FeedHealth> feeds{health("beta", 3, "fetch: HTTP 503 <script>alert(1)</script>\x1b[31m"),
                                  health("alpha", 0)};
    feeds[0].state.moved_to = "https://beta.example/new";
    const std::string html = render_status_html(feeds, kNow);
    EXPECT_EQ(html.find("<script"), std::string::npos) << html;
    EXPECT_EQ(html.find('\x1b'), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_NE(html.find("2 feeds, 1 failing"), std::string::npos) << html;
    EXPECT_LT(html.find(">beta<"), html.find(">alpha<"));
    EXPECT_NE(html.find("<tr class=\"failing\">"), std::string::npos);
    for (const std::string text : {"https://beta.example/new", "windows-1256", "2025-12-29T11:12:17Z", "interval"})
        EXPECT_NE(html.find(text), std::string::npos) << text;
    pugi::xml_document doc;  // well-formed, so any HTML parser reads it as written
    EXPECT_TRUE(doc.load_buffer(html.data() + html.find("<html"), html.size() - html.find("<html")));
}

TEST(StatusPage, JsonHasTheSameData) {
    std::vector<FeedHealth> feeds{health("beta", 3, "bad \x01 byte"), health("alpha", 0)};
    const auto json = nlohmann::json::parse(render_status_json(feeds, kNow));
    EXPECT_EQ(json["generated"], "2025-12-29T11:02:17Z");
    ASSERT_EQ(json["feeds"].size(), 2u);
    EXPECT_EQ(json["feeds"][0]["name"], "beta");
    EXPECT_EQ(json["feeds"][0]["failing"], true);
    EXPECT_EQ(json["feeds"][0]["consecutive_failures"], 3);
    EXPECT_EQ(json["feeds"][0]["last_error"], "bad  byte");
    EXPECT_EQ(json["feeds"][1]["next_due"], "2025-12-29T11:12:17Z");
    EXPECT_TRUE(json["feeds"][1]["last_success"].is_null());
}

// Written feed by feed, the document must still read as one JSON document written whole: parsed
// and dumped again the same way, it is the same text, with no feed and with several.
TEST(StatusPage, JsonWrittenFeedByFeedIsTheDocumentDumpedWhole) {
    std::vector<FeedHealth> feeds{health("beta", 3, "bad \x01 byte \xff"), health("alpha", 0), health("gamma", 1)};
    feeds[2].state.moved_to = "https://gamma.example/new";
    for (const std::size_t count : {std::size_t{0}, std::size_t{1}, feeds.size()}) {
        const std::string text = render_status_json(std::span(feeds).first(count), kNow);
        const auto document = nlohmann::json::parse(text);
        EXPECT_EQ(document["feeds"].size(), count);
        EXPECT_EQ(text, document.dump(2) + "\n") << count << " feeds";
    }
}

}  // namespace
}  // namespace tributary::publish
