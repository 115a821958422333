#include "app/opml.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "config/config.hpp"

namespace tributary::app {
namespace {

const std::filesystem::path kConfigFile = "/etc/tributary/feeds.conf";

std::string opml(const std::string& body) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml "
           "version=\"2.0\">\n<head><title>t</title></head>\n<body>\n" +
           body + "</body>\n</opml>\n";
}

OpmlReading read(const std::string& text) {
    auto reading = read_opml(text, "subs.opml");
    EXPECT_TRUE(reading) << reading.error().message;
    return reading ? *reading : OpmlReading{};
}

const OpmlFeed* find(const OpmlReading& r, std::string_view url) {
    const auto it = std::find_if(r.feeds.begin(), r.feeds.end(), [&](const OpmlFeed& f) { return f.xml_url == url; });
    return it == r.feeds.end() ? nullptr : &*it;
}

// Feedly-style: folders as labels, one feed in two of them, type="rss", title and text.
TEST(OpmlRead, NestedFoldersGiveOnePathTagAndAFeedInTwoFoldersGetsBoth) {
    const OpmlReading r = read(opml(R"(
<outline text="News" title="News">
  <outline text="Morocco" title="Morocco">
    <outline type="rss" text="Hespress FR" title="Hespress FR" xmlUrl="https://fr.hespress.com/feed" htmlUrl="https://fr.hespress.com"/>
  </outline>
  <outline type="rss" text="Le Monde" title="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml" htmlUrl="https://www.lemonde.fr"/>
</outline>
<outline text="World" title="World">
  <outline type="rss" text="Le Monde" title="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml"/>
</outline>
<outline type="rss" text="Top" xmlUrl="https://top.example/rss"/>
)"));
    ASSERT_EQ(r.feeds.size(), 3u);
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_EQ(find(r, "https://fr.hespress.com/feed")->tags, std::vector<std::string>{"news/morocco"});
    EXPECT_EQ(find(r, "https://fr.hespress.com/feed")->html_url, "https://fr.hespress.com");
    EXPECT_EQ(find(r, "https://www.lemonde.fr/rss/une.xml")->tags, (std::vector<std::string>{"news", "world"}));
    EXPECT_TRUE(find(r, "https://top.example/rss")->tags.empty());
    EXPECT_EQ(find(r, "https://top.example/rss")->title, "Top");  // text when title is missing
}

// Inoreader/NetNewsWire/Thunderbird shapes: no type attribute, lower-case xmlurl, OPML 1.0,
// folders with only text, an outline with no URL and no children.
TEST(OpmlRead, AcceptsMissingTypeOddAttributeCaseAndEmptyOutlines) {
    const OpmlReading r = read(R"(<?xml version="1.0"?>
<opml version="1.0"><head/><body>
<outline text="Blogs">
  <outline text="A blog" xmlurl="http://blog.example/feed/" htmlurl="http://blog.example/"/>
  <outline text="nothing here"/>
</outline>
</body></opml>)");
    ASSERT_EQ(r.feeds.size(), 1u);
    EXPECT_EQ(r.feeds[0].xml_url, "http://blog.example/feed/");
    EXPECT_EQ(r.feeds[0].html_url, "http://blog.example/");
    EXPECT_EQ(r.feeds[0].tags, std::vector<std::string>{"blogs"});
}

TEST(OpmlRead, RefusesNonHttpUrlsWithTheirLineAndEscapesWhatItQuotes) {
    const OpmlReading r =
        read(opml("<outline text=\"ok\" xmlUrl=\"https://ok.example/rss\"/>\n"
                  "<outline text=\"js\" xmlUrl=\"javascript:alert(1)\"/>\n"
                  "<outline text=\"file\" xmlUrl=\"file:///etc/passwd\"/>\n"
                  "<outline text=\"esc&#27;[31m\" xmlUrl=\"feed://x.example/&#10;rss\"/>\n"
                  "<outline text=\"sp\" xmlUrl=\"https://a b.example/\"/>\n"));
    ASSERT_EQ(r.feeds.size(), 1u);
    ASSERT_EQ(r.warnings.size(), 4u);
    EXPECT_NE(r.warnings[0].find("subs.opml:6: outline \"js\": xmlUrl \"javascript:alert(1)\" is not an http(s) URL"),
              std::string::npos)
        << r.warnings[0];
    EXPECT_NE(r.warnings[1].find("subs.opml:7:"), std::string::npos) << r.warnings[1];
    for (const std::string& w : r.warnings) {
        EXPECT_EQ(w.find('\x1b'), std::string::npos) << w;
        EXPECT_EQ(w.find('\n'), std::string::npos) << w;
    }
}

TEST(OpmlRead, SaysWhyADocumentIsNotOpml) {
    auto broken = read_opml("<opml><body>\n<outline text='x'>\n</opml>", "a.opml");
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("a.opml:3: not well-formed XML"), std::string::npos)
        << broken.error().message;
    auto rss = read_opml("<rss version='2.0'><channel/></rss>", "b.opml");
    ASSERT_FALSE(rss);
    EXPECT_EQ(rss.error().message, "b.opml: not OPML: the root element is <rss>");
    EXPECT_FALSE(read_opml("<opml/>", "c.opml"));
    EXPECT_FALSE(read_opml(std::string(kMaxOpmlBytes + 1, ' '), "d.opml"));
}

TEST(OpmlRead, CapsNestingTitlesAndDuplicates) {
    std::string deep;
    for (int i = 0; i < kMaxOpmlDepth + 5; ++i) deep += "<outline text=\"f\">";
    deep += "<outline text=\"deep\" xmlUrl=\"https://deep.example/rss\"/>";
    for (int i = 0; i < kMaxOpmlDepth + 5; ++i) deep += "</outline>";
    const std::string long_title(5000, 'x');
    const OpmlReading r = read(opml(deep + "<outline text=\"" + long_title + "\" xmlUrl=\"https://long.example/\"/>" +
                                    "<outline text=\"dup\" xmlUrl=\"https://LONG.example:443/#top\"/>"));
    ASSERT_EQ(r.feeds.size(), 1u);  // the deep one skipped, the duplicate merged
    EXPECT_EQ(r.feeds[0].title.size(), kMaxOpmlTitleBytes);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find("nested deeper than"), std::string::npos);
}

TEST(OpmlImport, ArabicTitlesGetNamesFromTheHostAndKeepTheTitleInAComment) {
    const OpmlReading r = read(opml(R"(<outline text="أخبار">
<outline type="rss" text="هسبريس" title="هسبريس" xmlUrl="https://www.hespress.com/feed" htmlUrl="https://www.hespress.com"/>
<outline type="rss" text="الجزيرة نت" xmlUrl="https://www.aljazeera.net/aljazeerarss/a7c186be/rss"/>
</outline>
)"));
    const ConfigAppend out = append_feeds("", {}, r.feeds, "subs.opml");
    EXPECT_EQ(out.added, (std::vector<std::string>{"hespress.com", "aljazeera.net"}));
    EXPECT_NE(out.text.find("# هسبريس — https://www.hespress.com\n[feed hespress.com]\n"), std::string::npos)
        << out.text;
    EXPECT_NE(out.text.find("tags = أخبار\n"), std::string::npos) << out.text;
    const auto config = config::parse_config(out.text, kConfigFile);
    ASSERT_TRUE(config) << config.error().message;
    ASSERT_EQ(config->feeds.size(), 2u);
    EXPECT_EQ(config->feeds[0].tags, std::vector<std::string>{"أخبار"});
}

const char* kOperatorConfig = R"(# My feeds.  Keep this comment.
[daemon]
database = /var/lib/tributary/tributary.db   ; and this one

; the agency first
[feed lemonde]
url = https://www.lemonde.fr/rss/une.xml
tags = news

[feed le-monde-2]
url = https://other.example/rss
# trailing comment, no newline at the end)";

TEST(OpmlImport, KeepsTheOperatorsTextSkipsFeedsAlreadyFollowedAndNamesUniquely) {
    const auto before = config::parse_config(kOperatorConfig, kConfigFile);
    ASSERT_TRUE(before) << before.error().message;
    const OpmlReading r = read(opml(R"(
<outline text="Le Monde" xmlUrl="https://WWW.LEMONDE.FR:443/rss/une.xml?utm_source=feedly#x"/>
<outline text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/en_continu.xml"/>
<outline text="Le Monde" xmlUrl="https://www.lemonde.fr/international/rss_full.xml"/>
<outline text="lemonde" xmlUrl="https://www.lemonde.fr/sport/rss_full.xml"/>
)"));
    const ConfigAppend out = append_feeds(kOperatorConfig, before->feeds, r.feeds, "subs.opml");
    EXPECT_EQ(out.skipped.size(), 1u);
    EXPECT_NE(out.skipped[0].find("already followed as [feed lemonde]"), std::string::npos) << out.skipped[0];
    // "le-monde" is free; "le-monde-2" is an existing section; "lemonde" too.
    EXPECT_EQ(out.added, (std::vector<std::string>{"le-monde", "le-monde-3", "lemonde-2"}));
    ASSERT_TRUE(out.text.starts_with(kOperatorConfig));
    EXPECT_EQ(out.text[std::string_view(kOperatorConfig).size()], '\n');  // the last line ended first
    const auto after = config::parse_config(out.text, kConfigFile);
    ASSERT_TRUE(after) << after.error().message;
    ASSERT_EQ(after->feeds.size(), 5u);
    EXPECT_EQ(after->feeds[0].name, "lemonde");  // order kept: the operator's first
    EXPECT_EQ(after->feeds[4].name, "lemonde-2");
    EXPECT_EQ(after->daemon.database, before->daemon.database);
}

TEST(OpmlImport, NothingToAddLeavesTheTextAlone) {
    const auto before = config::parse_config(kOperatorConfig, kConfigFile);
    ASSERT_TRUE(before);
    const OpmlReading r = read(opml(R"(<outline text="x" xmlUrl="https://other.example/rss"/>)"));
    const ConfigAppend out = append_feeds(kOperatorConfig, before->feeds, r.feeds, "subs.opml");
    EXPECT_TRUE(out.added.empty());
    EXPECT_EQ(out.text, kOperatorConfig);
}

TEST(OpmlImport, HostileTitlesStayInsideTheirCommentLine) {
    const OpmlReading r =
        read(opml("<outline text=\"Evil&#10;[feed injected]&#10;url = https://evil.example/\" "
                  "xmlUrl=\"https://good.example/rss\"/>\n"
                  "<outline text=\"x, y # z\"><outline text=\"t\" xmlUrl=\"https://t.example/\"/></outline>"));
    const ConfigAppend out = append_feeds("", {}, r.feeds, "subs.opml");
    const auto config = config::parse_config(out.text, kConfigFile);
    ASSERT_TRUE(config) << config.error().message << "\n" << out.text;
    ASSERT_EQ(config->feeds.size(), 2u);
    EXPECT_EQ(config->feeds[0].url, "https://good.example/rss");
    EXPECT_EQ(config->feeds[0].name, "evil-feed-injected-url-https-evil-example");
    EXPECT_EQ(config->feeds[1].tags, std::vector<std::string>{"x-y-z"});
}

TEST(OpmlExport, EscapesAndRoundTripsThroughImport) {
    const char* conf = R"([daemon]
database = /var/lib/tributary/t.db
[feed plain]
url = https://plain.example/rss
[feed amp]
url = https://q.example/feed?a=1&b="2"&c=<3>
tags = news/morocco, world
[feed arabic]
url = https://ar.example/rss
tags = أخبار
)";
    const auto config = config::parse_config(conf, kConfigFile);
    ASSERT_TRUE(config) << config.error().message;
    const std::string exported = write_opml(config->feeds, "mine <&>");
    EXPECT_TRUE(exported.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) << exported;
    EXPECT_NE(exported.find("<opml version=\"2.0\">"), std::string::npos);
    EXPECT_NE(exported.find("xmlUrl=\"https://q.example/feed?a=1&amp;b=&quot;2&quot;&amp;c=&lt;3>\""),
              std::string::npos)
        << exported;
    EXPECT_NE(exported.find("<title>mine &lt;&amp;&gt;</title>"), std::string::npos) << exported;

    // Into an empty config: the same feeds, URLs and tags come back.
    const OpmlReading r = read(exported);
    const ConfigAppend again = append_feeds("[daemon]\ndatabase = /var/lib/tributary/t.db\n", {}, r.feeds, "x");
    const auto reloaded = config::parse_config(again.text, kConfigFile);
    ASSERT_TRUE(reloaded) << reloaded.error().message << "\n" << again.text;
    ASSERT_EQ(reloaded->feeds.size(), config->feeds.size());
    for (std::size_t i = 0; i < config->feeds.size(); ++i) {
        SCOPED_TRACE(config->feeds[i].name);
        EXPECT_EQ(reloaded->feeds[i].name, config->feeds[i].name);
        EXPECT_EQ(reloaded->feeds[i].url, config->feeds[i].url);
        EXPECT_EQ(reloaded->feeds[i].tags, config->feeds[i].tags);
    }
}

}  // namespace
}  // namespace tributary::app
