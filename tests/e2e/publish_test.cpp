// Issue 12 through the real binary: outputs per audience, each in RSS, Atom and JSON Feed, written
// as files and served over HTTP, with every link absolute against public_url; what `check` says.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(TRIBUTARY_FIXTURES_DIR) / "arabic";
const fs::path kBinary = TRIBUTARY_BINARY;
const std::string kTourismTitle = "ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة";

class PublishEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-e2e-publish-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                           "application/rss+xml; charset=windows-1256");
        server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        server_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
    }

    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    // Three outputs: every feed; the wire's sites (by tag), in Arabic, as summaries; one feed by name.
    std::string config(const std::string& daemon_extra) const {
        return "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
               "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n" +
               daemon_extra +
               "\n[output all]\npath = out/all.xml\ntitle = الكل\n"
               "\n[output wire]\npath = out/wire.xml\ninclude_tags = wire\nlanguage = ar\ncontent = summary\n"
               "\n[output tourism]\npath = out/tourism.xml\nfeeds = lequipe\npublic_url = https://tourism.example/\n"
               "\n[feed akhbar]\nurl = " +
               server_.url("/akhbar.rss") + "\ntags = wire\npriority = 100\ninterval = 20m\n" +
               "\n[feed lequipe]\nurl = " + server_.url("/lequipe.rss") + "\ntags = sites\n" +
               "\n[feed sahel]\nurl = " + server_.url("/sahel.atom") + "\ntags = wire, sites\n";
    }

    void write_config(const std::string& text) const { std::ofstream(dir_ / "feeds.conf", std::ios::trunc) << text; }

    fs::path dir_;
    TestHttpServer server_;
};

pugi::xml_document load_xml(const std::string& xml) {
    pugi::xml_document doc;
    const auto result = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    EXPECT_TRUE(result) << result.description() << "\n" << xml;
    return doc;
}

std::vector<std::string> rss_titles(const pugi::xml_document& doc) {
    std::vector<std::string> titles;
    for (const auto item : doc.child("rss").child("channel").children("item"))
        titles.emplace_back(item.child_value("title"));
    return titles;
}

TEST_F(PublishEndToEnd, OnceWritesEachOutputInThreeFormatsForItsAudience) {
    write_config(config("public_url = https://news.example.org/feeds\n"));
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / "once.log", 60s), 0)
        << read_file(dir_ / "once.log");

    for (const std::string name : {"all", "wire", "tourism"})
        for (const std::string ext : {".xml", ".atom", ".json"})
            EXPECT_TRUE(fs::exists(dir_ / "out" / (name + ext))) << name << ext;

    // Every link absolute against public_url: the channel's, the self links, JSON Feed's feed_url.
    const pugi::xml_document all = load_xml(read_file(dir_ / "out" / "all.xml"));
    const auto channel = all.child("rss").child("channel");
    EXPECT_STREQ(channel.child_value("link"), "https://news.example.org/feeds/");
    EXPECT_STREQ(channel.find_child_by_attribute("atom:link", "rel", "self").attribute("href").value(),
                 "https://news.example.org/feeds/all.xml");
    EXPECT_EQ(rss_titles(all).size(), 3u);
    const pugi::xml_document all_atom = load_xml(read_file(dir_ / "out" / "all.atom"));
    EXPECT_STREQ(all_atom.child("feed").child_value("id"), "https://news.example.org/feeds/all.atom");
    const auto all_json = nlohmann::json::parse(read_file(dir_ / "out" / "all.json"));
    EXPECT_EQ(all_json["feed_url"], "https://news.example.org/feeds/all.json");
    EXPECT_EQ(all_json["home_page_url"], "https://news.example.org/feeds/");
    EXPECT_EQ(all_json["items"].size(), 3u);
    // Every entry of the Arabic fixtures reads right to left.
    for (const auto entry : all_atom.child("feed").children("entry"))
        EXPECT_TRUE(std::string(entry.child_value("content")).starts_with("<div dir=\"rtl\">"));

    // wire: the feeds tagged wire, shown through the priority copy, naming only the sites it carries.
    const pugi::xml_document wire = load_xml(read_file(dir_ / "out" / "wire.xml"));
    EXPECT_EQ(rss_titles(wire).size(), 2u) << read_file(dir_ / "out" / "wire.xml");
    EXPECT_STREQ(wire.child("rss").child("channel").child_value("language"), "ar");
    std::set<std::string> sources, others;
    for (const auto item : wire.child("rss").child("channel").children("item")) {
        sources.insert(item.child("source").attribute("url").value());
        for (const auto other : item.children("tributary:also-reported-by")) others.insert(other.child_value());
        // content = summary: text without markup.
        const std::string description = item.child_value("description");
        EXPECT_EQ(description.find("<p"), std::string::npos) << description;
    }
    EXPECT_EQ(sources, (std::set<std::string>{server_.url("/akhbar.rss"), server_.url("/sahel.atom")}));
    EXPECT_EQ(others.size(), 1u);  // sahel named on the wire story; lequipe is not in this output
    const pugi::xml_document wire_atom = load_xml(read_file(dir_ / "out" / "wire.atom"));
    EXPECT_STREQ(wire_atom.child("feed").attribute("xml:lang").value(), "ar");

    // tourism: one feed by name, its own public URL. lequipe carried the wire story too: it is shown
    // here through lequipe's own copy (akhbar's, the priority copy, is not in this output), and no
    // entry names a feed this output does not carry.
    const pugi::xml_document tourism = load_xml(read_file(dir_ / "out" / "tourism.xml"));
    const std::vector<std::string> tourism_titles = rss_titles(tourism);
    ASSERT_EQ(tourism_titles.size(), 2u) << read_file(dir_ / "out" / "tourism.xml");
    EXPECT_NE(std::find(tourism_titles.begin(), tourism_titles.end(), kTourismTitle), tourism_titles.end());
    for (const auto item : tourism.child("rss").child("channel").children("item")) {
        EXPECT_STREQ(item.child("source").attribute("url").value(), server_.url("/lequipe.rss").c_str());
        EXPECT_FALSE(item.child("tributary:also-reported-by")) << item.child_value("title");
    }
    EXPECT_STREQ(tourism.child("rss").child("channel").child_value("link"), "https://tourism.example/");

    // Both XML formats of each output pass xmllint; our own parser reads all three back.
    if (std::system("command -v xmllint >/dev/null 2>&1") == 0) {
        for (const std::string file : {"all.xml", "all.atom", "wire.xml", "wire.atom", "tourism.xml", "tourism.atom"}) {
            const std::string command =
                "xmllint --noout '" + (dir_ / "out" / file).string() + "' 2>'" + (dir_ / "xmllint.txt").string() + "'";
            EXPECT_EQ(std::system(command.c_str()), 0) << file;
            EXPECT_EQ(read_file(dir_ / "xmllint.txt"), "") << file;
        }
    }
    for (const std::string file : {"all.xml", "all.atom", "all.json"}) {
        const int status =
            run_to_completion(kBinary, {"parse", (dir_ / "out" / file).string(), "--json"}, dir_ / "parse.json", 10s);
        ASSERT_EQ(status, 0) << file << read_file(dir_ / "parse.json");
        const auto parsed = nlohmann::json::parse(read_file(dir_ / "parse.json"));
        EXPECT_EQ(parsed["items"].size(), 3u) << file;
        EXPECT_EQ(parsed["link"], "https://news.example.org/feeds/") << file;
    }
}

// A podcast's enclosures, its full content and its language go from the feed through the store to
// every format; an enclosure that is not http(s) never reaches an output.
TEST_F(PublishEndToEnd, EnclosuresContentAndLanguageReachEveryFormat) {
    const std::string rss =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
        "<title>Podcast</title><link>https://pod.example/</link><language>fr</language>"
        "<item><title>Épisode 1</title><link>https://pod.example/1</link><guid>https://pod.example/1</guid>"
        "<pubDate>Fri, 04 Dec 2026 10:00:00 +0000</pubDate><description>Résumé court</description>"
        "<content:encoded><![CDATA[<p>Notes <b>complètes</b></p>]]></content:encoded>"
        "<enclosure url=\"https://pod.example/1.mp3\" type=\"audio/mpeg\" length=\"12345\"/>"
        "<enclosure url=\"javascript:alert(1)\" type=\"audio/mpeg\" length=\"1\"/>"
        "</item></channel></rss>";
    server_.route("/pod.rss", [rss](const RecordedRequest&) {
        Response r;
        r.body = rss;
        r.headers.emplace_back("Content-Type", "application/rss+xml");
        return r;
    });
    write_config(
        "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\nallow_private = yes\n"
        "public_url = https://news.example.org/\n"
        "\n[output all]\npath = out/all.xml\n\n[feed pod]\nurl = " +
        server_.url("/pod.rss") + "\n");
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / "once.log", 60s), 0)
        << read_file(dir_ / "once.log");

    const std::string xml = read_file(dir_ / "out" / "all.xml");
    const pugi::xml_document rss_out = load_xml(xml);
    const auto item = rss_out.child("rss").child("channel").child("item");
    EXPECT_STREQ(item.child("enclosure").attribute("url").value(), "https://pod.example/1.mp3") << xml;
    EXPECT_STREQ(item.child("enclosure").attribute("length").value(), "12345");
    EXPECT_EQ(xml.find("javascript:"), std::string::npos) << xml;
    const std::string atom = read_file(dir_ / "out" / "all.atom");
    const pugi::xml_document atom_out = load_xml(atom);
    const auto entry = atom_out.child("feed").child("entry");
    EXPECT_STREQ(entry.attribute("xml:lang").value(), "fr") << atom;
    EXPECT_NE(std::string(entry.child_value("content")).find("complètes"), std::string::npos) << atom;
    EXPECT_STREQ(entry.find_child_by_attribute("link", "rel", "enclosure").attribute("href").value(),
                 "https://pod.example/1.mp3");
    const auto json = nlohmann::json::parse(read_file(dir_ / "out" / "all.json"));
    ASSERT_EQ(json["items"].size(), 1u);
    EXPECT_EQ(json["items"][0]["language"], "fr");
    ASSERT_EQ(json["items"][0]["attachments"].size(), 1u);
    EXPECT_EQ(json["items"][0]["attachments"][0]["url"], "https://pod.example/1.mp3");
}

// file_mode: every format of every output gets its mode (the output's, else the daemon's) on each
// replacement, whatever the daemon's umask.
TEST_F(PublishEndToEnd, FileModeAppliesToEveryFormatOfEveryOutput) {
    std::string text = config("file_mode = 0640\n");
    const std::string tourism = "[output tourism]\n";
    text.insert(text.find(tourism) + tourism.size(), "file_mode = 0604\n");
    write_config(text);
    for (int run = 0; run < 2; ++run) {
        if (run == 1) {  // a missing file makes `once` publish again: each file is replaced, and gets its mode back
            for (const auto& entry : fs::directory_iterator(dir_ / "out"))
                fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write);
            fs::remove(dir_ / "out" / "all.json");
        }
        ASSERT_EQ(run_to_completion("/bin/sh",
                                    {"-c", "umask 077 && exec \"$0\" \"$@\"", kBinary.string(), "-c",
                                     (dir_ / "feeds.conf").string(), "once"},
                                    dir_ / "once.log", 60s),
                  0)
            << read_file(dir_ / "once.log");
        for (const std::string name : {"all", "wire", "tourism"})
            for (const std::string ext : {".xml", ".atom", ".json"}) {
                struct stat st {};
                ASSERT_EQ(::stat((dir_ / "out" / (name + ext)).c_str(), &st), 0) << name << ext;
                EXPECT_EQ(st.st_mode & 07777, name == "tourism" ? 0604u : 0640u) << name << ext << " run " << run;
            }
    }
}

TEST_F(PublishEndToEnd, RunServesEveryFormatWithItsTypeAndTheFeedsMaxAge) {
    write_config(config(""));
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, 3)) << daemon.log();
    const std::string log = daemon.log();
    const std::uint16_t port = served_port(log);
    ASSERT_NE(port, 0) << log;

    const HttpAnswer json = http_get_until(port, "/all.json", [](const HttpAnswer& a) {
        return a.status == 200 && nlohmann::json::parse(a.body)["items"].size() == 3;
    });
    ASSERT_EQ(json.status, 200) << json.head;
    EXPECT_NE(json.head.find("Content-Type: application/feed+json; charset=utf-8"), std::string::npos) << json.head;
    // Without public_url, links name the listen address, with the port actually bound.
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
    EXPECT_EQ(nlohmann::json::parse(json.body)["feed_url"], base + "all.json");
    // all carries akhbar (20 min) and the others (1 h): the shortest wins.
    EXPECT_NE(json.head.find("Cache-Control: public, max-age=1200"), std::string::npos) << json.head;

    const HttpAnswer atom = http_get(port, "/all.atom");
    EXPECT_EQ(atom.status, 200);
    EXPECT_NE(atom.head.find("Content-Type: application/atom+xml; charset=utf-8"), std::string::npos) << atom.head;
    const HttpAnswer rss = http_get(port, "/tourism.xml");
    EXPECT_EQ(rss.status, 200);
    EXPECT_NE(rss.head.find("Content-Type: application/rss+xml; charset=utf-8"), std::string::npos) << rss.head;
    // tourism carries lequipe only: the daemon's interval.
    EXPECT_NE(rss.head.find("Cache-Control: public, max-age=3600"), std::string::npos) << rss.head;
    EXPECT_STREQ(load_xml(rss.body).child("rss").child("channel").child_value("link"), "https://tourism.example/");

    // A browser opening the feed is pointed to the daemon's stylesheet.
    EXPECT_NE(rss.body.find("<?xml-stylesheet type=\"text/xsl\" href=\"https://tourism.example/feed.xsl\"?>"),
              std::string::npos);
    const HttpAnswer xsl = http_get(port, "/feed.xsl");
    EXPECT_EQ(xsl.status, 200);
    EXPECT_NE(xsl.head.find("Content-Type: text/xsl; charset=utf-8"), std::string::npos) << xsl.head;

    // Every feed's health, as a page and as JSON, from the daemon's own state.
    const HttpAnswer status = http_get_until(port, "/status.json", [](const HttpAnswer& a) {
        return a.status == 200 && a.body.find("\"last_outcome\": \"fetched\"") != std::string::npos;
    });
    ASSERT_EQ(status.status, 200) << status.head;
    const auto feeds = nlohmann::json::parse(status.body)["feeds"];
    ASSERT_EQ(feeds.size(), 3u) << status.body;
    const HttpAnswer page = http_get(port, "/status");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.head.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << page.head;
    for (const std::string name : {">akhbar<", ">lequipe<", ">sahel<"})
        EXPECT_NE(page.body.find(name), std::string::npos) << name << page.body;
    EXPECT_EQ(page.body.find("<script"), std::string::npos);

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(30s), 0) << daemon.log();
}

// A daemon started after `once` (a restart, as far as the outputs go) serves the bytes the run
// before published, build date included, so readers' ETags still hold; /status shows each feed's
// stored items.
TEST_F(PublishEndToEnd, ARestartedDaemonServesWhatTheRunBeforePublished) {
    write_config(config(""));
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / "once.log", 60s), 0)
        << read_file(dir_ / "once.log");
    const std::string published = read_file(dir_ / "out" / "tourism.xml");
    ASSERT_NE(published.find("<lastBuildDate>"), std::string::npos);
    std::this_thread::sleep_for(1100ms);  // a new build date would now show

    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    // Its feeds are not due yet (the schedule `once` stored): it publishes from the store.
    ASSERT_TRUE(daemon.wait_for_log("published ", 30s)) << daemon.log();
    const std::string log = daemon.log();
    const std::uint16_t port = served_port(log);
    ASSERT_NE(port, 0) << log;
    const HttpAnswer rss = http_get_until(port, "/tourism.xml", [](const HttpAnswer& a) { return a.status == 200; });
    ASSERT_EQ(rss.status, 200) << rss.head;
    EXPECT_EQ(rss.body, published);
    EXPECT_EQ(read_file(dir_ / "out" / "tourism.xml"), published);

    const HttpAnswer status = http_get_until(port, "/status.json", [](const HttpAnswer& a) {
        return a.status == 200 && a.body.find("\"last_outcome\": \"fetched\"") != std::string::npos;
    });
    ASSERT_EQ(status.status, 200) << status.head;
    const auto health = nlohmann::json::parse(status.body);
    ASSERT_EQ(health["feeds"].size(), 3u) << status.body;
    for (const auto& feed : health["feeds"]) EXPECT_GT(feed["items"].get<int>(), 0) << feed.dump();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(30s), 0) << daemon.log();
}

TEST_F(PublishEndToEnd, CheckNamesTheListenAddressOnceAndUnknownSelectionsByLine) {
    write_config(config(""));
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "check"}, dir_ / "check.log", 10s), 0)
        << read_file(dir_ / "check.log");
    const std::string out = read_file(dir_ / "check.log");
    const std::string note = "no public_url in [daemon]: the published feeds link to the listen address";
    const auto first = out.find(note);
    EXPECT_NE(first, std::string::npos) << out;
    EXPECT_EQ(out.find(note, first + 1), std::string::npos) << out;

    const std::string text = config("public_url = https://news.example.org/\n") + "\n[output typo]\n";
    const auto line = std::count(text.begin(), text.end(), '\n') + 1;
    write_config(text + "include_tags = wrie\n");
    EXPECT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "check"}, dir_ / "check2.log", 10s), 1);
    const std::string errors = read_file(dir_ / "check2.log");
    EXPECT_NE(
        errors.find("feeds.conf:" + std::to_string(line) + ": [output typo] include_tags: no feed has the tag 'wrie'"),
        std::string::npos)
        << errors;
    EXPECT_EQ(errors.find(note), std::string::npos) << errors;
}

}  // namespace
}  // namespace tributary::testing
