// The real daemon, end to end: `tributary once` and `tributary run` against a
// real HTTP server on 127.0.0.1 serving tests/fixtures/arabic, with a real
// SQLite file, checked through the merged feed, the HTTP endpoint and the
// database.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "process.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(TRIBUTARY_FIXTURES_DIR) / "arabic";
const fs::path kBinary = TRIBUTARY_BINARY;

// The three sites republish one wire story under three titles.
const std::set<std::string> kWireTitles{
    "إسبانيا تشيد بالتعاون الأمني مع المغرب بعد حصيلة غير مسبوقة في مكافحة الإرهاب",
    "الاستخبارات المغربية تساهم بشكل حاسم في حصيلة قياسية لإسبانيا في مكافحة الإرهاب خلال 2025",
    "الاستخبارات المغربيّة تساهم بشكل حاسـم في حصيلة قياسية لاسبانيا فى مكافحة الإرهاب خلال 2025",
};
const std::string kTourismTitle = "ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة";
// Atom type="html" with "&amp;amp;": the plain-text title has a single '&'.
const std::string kWeatherTitle = "أمطار رعدية مرتقبة بعدد من مناطق المملكة & انخفاض في درجات الحرارة";
// The windows-1256 file's title, as UTF-8.
const std::string kAkhbarTitle = "إسبانيا تشيد بالتعاون الأمني مع المغرب بعد حصيلة غير مسبوقة في مكافحة الإرهاب";

struct MergedFeed {
    std::vector<std::string> titles;
    std::vector<std::string> guids;
    std::vector<std::string> sources;
};

MergedFeed read_merged(const std::string& xml) {
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    EXPECT_TRUE(parsed) << "merged feed is not well-formed XML: " << parsed.description() << " at offset "
                        << parsed.offset;
    MergedFeed feed;
    for (const auto item : doc.child("rss").child("channel").children("item")) {
        feed.titles.emplace_back(item.child_value("title"));
        feed.guids.emplace_back(item.child_value("guid"));
        feed.sources.emplace_back(item.child("source").attribute("url").value());
    }
    return feed;
}

class EndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-e2e-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                           "application/rss+xml; charset=windows-1256");
        server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        server_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
        write_config(config_text({"akhbar", "lequipe", "sahel"}));
    }

    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    std::string config_text(const std::vector<std::string>& feeds) const {
        static const std::map<std::string, std::string> kPaths{
            {"akhbar", "/akhbar.rss"}, {"lequipe", "/lequipe.rss"}, {"sahel", "/sahel.atom"}};
        std::string text =
            "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
            "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n\n[output merged]\npath = "
            "out/merged.xml\nurl = /merged.xml\n"
            "title = اختبار\nmax_items = 50\n";
        for (const auto& name : feeds) text += "\n[feed " + name + "]\nurl = " + server_.url(kPaths.at(name)) + "\n";
        return text;
    }

    void write_config(const std::string& text) const { std::ofstream(dir_ / "feeds.conf", std::ios::trunc) << text; }

    int run_once(const std::string& log_name) {
        return run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / log_name, 60s);
    }

    fs::path dir_;
    TestHttpServer server_;
};

TEST_F(EndToEnd, OnceIngestsEveryStoryOnceWithArabicIntactThenGets304s) {
    ASSERT_EQ(run_once("once1.log"), 0) << read_file(dir_ / "once1.log");

    const std::string xml = read_file(dir_ / "out" / "merged.xml");
    const MergedFeed merged = read_merged(xml);
    // Five items in three feeds, but the wire story is one story: three entries.
    ASSERT_EQ(merged.titles.size(), 3u) << xml;
    EXPECT_EQ(std::set<std::string>(merged.guids.begin(), merged.guids.end()).size(), 3u);
    int wire = 0, tourism = 0, weather = 0;
    for (const std::string& title : merged.titles) {
        // Every title is byte-identical to one of the sources' (UTF-8) titles.
        wire += kWireTitles.contains(title) ? 1 : 0;
        tourism += title == kTourismTitle ? 1 : 0;
        weather += title == kWeatherTitle ? 1 : 0;
    }
    EXPECT_EQ(wire, 1) << xml;
    EXPECT_EQ(tourism, 1) << xml;
    EXPECT_EQ(weather, 1) << xml;
    for (const std::string& source : merged.sources) EXPECT_TRUE(source.starts_with(server_.url("/"))) << source;

    // The windows-1256 feed was converted correctly, whichever item represents the story.
    const fs::path db = dir_ / "tributary.db";
    const auto akhbar =
        query(db, "SELECT i.title FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'akhbar'");
    ASSERT_EQ(akhbar.size(), 1u);
    EXPECT_EQ(akhbar[0][0], kAkhbarTitle);
    EXPECT_EQ(query(db, "SELECT count(*) FROM items")[0][0], "5");
    EXPECT_EQ(query(db, "SELECT count(*) FROM stories")[0][0], "3");
    EXPECT_NE(read_file(dir_ / "once1.log").find("cycle: 3 feeds polled, 0 not modified, 0 failed, 3 new items"),
              std::string::npos)
        << read_file(dir_ / "once1.log");

    // Second run: conditional GETs, 304 for every feed, nothing added or rewritten.
    const auto mtime = fs::last_write_time(dir_ / "out" / "merged.xml");
    const std::size_t first_requests = server_.requests().size();
    ASSERT_EQ(run_once("once2.log"), 0) << read_file(dir_ / "once2.log");
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), first_requests + 3);
    for (std::size_t i = first_requests; i < requests.size(); ++i) {
        SCOPED_TRACE(requests[i].target);
        EXPECT_TRUE(requests[i].headers.contains("if-none-match"));
        EXPECT_TRUE(requests[i].headers.contains("if-modified-since"));
    }
    const auto outcomes = query(db, "SELECT last_outcome, http_status FROM feeds ORDER BY name");
    ASSERT_EQ(outcomes.size(), 3u);
    for (const auto& row : outcomes) EXPECT_EQ(row, (std::vector<std::string>{"not_modified", "304"}));
    EXPECT_EQ(query(db, "SELECT count(*) FROM items")[0][0], "5");
    EXPECT_EQ(read_file(dir_ / "out" / "merged.xml"), xml);
    EXPECT_EQ(fs::last_write_time(dir_ / "out" / "merged.xml"), mtime);
    EXPECT_NE(read_file(dir_ / "once2.log").find("cycle: 3 feeds polled, 3 not modified, 0 failed, 0 new items"),
              std::string::npos)
        << read_file(dir_ / "once2.log");
}

// Retention through the real binary: an item that left its feed stays while young, and goes at the
// next start once unseen for longer than `retention` (aged here in the database); the items the
// feed still lists stay, and the merged feed is rewritten without the removed story.
TEST_F(EndToEnd, RetentionRemovesAnItemGoneFromItsFeedLongEnough) {
    const auto write_feed = [&](const std::vector<std::string>& ids) {
        std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Rolling</title>";
        for (const std::string& id : ids)
            xml += "<item><guid>" + id + "</guid><title>خبر " + id + "</title><link>https://rolling.example/" + id +
                   "</link><description>نص الخبر رقم " + id + " عن موضوع مختلف تماما " + id + "</description></item>";
        std::ofstream(dir_ / "rolling.rss", std::ios::trunc) << xml << "</channel></rss>";
    };
    server_.serve_file("/rolling.rss", dir_ / "rolling.rss", "application/rss+xml; charset=utf-8");
    write_config(
        "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\nallow_private = yes\nlog_level = debug\n"
        "startup_spread = 1s\nmin_host_spacing = 0\nretention = 30d\n\n[output merged]\npath = out/merged.xml\n"
        "\n[feed rolling]\nurl = " +
        server_.url("/rolling.rss") + "\n");
    const fs::path db = dir_ / "tributary.db";

    write_feed({"one", "two"});
    ASSERT_EQ(run_once("once1.log"), 0) << read_file(dir_ / "once1.log");
    write_feed({"two", "three"});  // "one" leaves the feed
    ASSERT_EQ(run_once("once2.log"), 0) << read_file(dir_ / "once2.log");
    ASSERT_EQ(read_merged(read_file(dir_ / "out" / "merged.xml")).titles.size(), 3u);

    // Unseen for 40 days: only "one"; "two" and "three" were seen by the last poll.
    execute(db, "UPDATE items SET last_seen = last_seen - 40 * 86400 WHERE guid = 'one'");
    ASSERT_EQ(run_once("once3.log"), 0) << read_file(dir_ / "once3.log");
    EXPECT_NE(read_file(dir_ / "once3.log")
                  .find("retention: removed 1 items gone from their feeds for over 30 days, and 1 stories left empty"),
              std::string::npos)
        << read_file(dir_ / "once3.log");
    EXPECT_EQ(query(db, "SELECT guid FROM items ORDER BY guid"),
              (std::vector<std::vector<std::string>>{{"three"}, {"two"}}));
    EXPECT_EQ(query(db, "SELECT count(*) FROM stories")[0][0], "2");
    const MergedFeed merged = read_merged(read_file(dir_ / "out" / "merged.xml"));
    EXPECT_EQ(std::set<std::string>(merged.titles.begin(), merged.titles.end()),
              (std::set<std::string>{"خبر two", "خبر three"}));
}

TEST_F(EndToEnd, OnceReportsABrokenFeedAndKeepsTheOthers) {
    server_.route("/broken.rss", [](const RecordedRequest&) {
        return Response{.status = 200, .headers = {{"Content-Type", "text/html"}}, .body = "<html><body>oops"};
    });
    server_.route("/gone.rss",
                  [](const RecordedRequest&) { return Response{.status = 500, .headers = {}, .body = "no"}; });
    write_config(config_text({"lequipe"}) + "\n[feed broken]\nurl = " + server_.url("/broken.rss") +
                 "\n\n[feed gone]\nurl = " + server_.url("/gone.rss") + "\n");
    ASSERT_EQ(run_once("once.log"), 0) << read_file(dir_ / "once.log");
    const std::string log = read_file(dir_ / "once.log");
    EXPECT_NE(log.find("feed=broken url=" + server_.url("/broken.rss") + " failed (parse_error)"), std::string::npos)
        << log;
    EXPECT_NE(log.find("feed=gone url=" + server_.url("/gone.rss") + " failed (http_error)"), std::string::npos) << log;
    EXPECT_NE(log.find("HTTP 500"), std::string::npos) << log;
    const auto rows =
        query(dir_ / "tributary.db", "SELECT name, last_outcome, consecutive_failures FROM feeds ORDER BY name");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"broken", "parse_error", "1"}));
    EXPECT_EQ(rows[1], (std::vector<std::string>{"gone", "http_error", "1"}));
    EXPECT_EQ(rows[2], (std::vector<std::string>{"lequipe", "fetched", "0"}));
    EXPECT_EQ(read_merged(read_file(dir_ / "out" / "merged.xml")).titles.size(), 2u);
}

// A document the store refuses (here a trigger refuses one of its items, as a full disk or a
// broken page would refuse a write) costs that document only: the daemon stores many documents
// in one transaction, and when one fails it stores each of them again in a transaction of its
// own. The refused document keeps none of its new items and nothing stored before is lost.
TEST_F(EndToEnd, AStoreErrorCostsItsOwnDocumentOnly) {
    constexpr int kFeeds = 12;
    constexpr int kRefused = 5;
    auto round = std::make_shared<std::atomic<int>>(1);
    const auto document = [round](int feed) {
        std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Site " +
                          std::to_string(feed) + "</title><link>http://example.org/</link>";
        const auto add = [&](const std::string& title, const std::string& path) {
            xml += "<item><title>" + title + "</title><link>http://example.org/" + std::to_string(feed) + "/" + path +
                   "</link><description>" + title + ".</description></item>";
        };
        for (int i = 1; i <= round->load(); ++i)
            add("Site " + std::to_string(feed) + " story " + std::to_string(i) + " about harbour number " +
                    std::to_string(feed * 100 + i),
                std::to_string(i));
        if (feed == kRefused && round->load() == 2) add("REFUSED item", "refused");
        return xml + "</channel></rss>";
    };
    std::string config = config_text({"lequipe"});
    for (int feed = 0; feed < kFeeds; ++feed) {
        const std::string path = "/site" + std::to_string(feed) + ".rss";
        server_.route(path, [document, feed](const RecordedRequest&) {
            return Response{
                .status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = document(feed)};
        });
        config += "\n[feed site" + std::to_string(feed) + "]\nurl = " + server_.url(path) + "\n";
    }
    write_config(config);
    ASSERT_EQ(run_once("first.log"), 0) << read_file(dir_ / "first.log");

    execute(dir_ / "tributary.db",
            "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.title LIKE 'REFUSED%' "
            "BEGIN SELECT RAISE(ABORT, 'the test refuses this item'); END");
    round->store(2);  // each site adds a story; the refused site also an item the trigger refuses
    ASSERT_EQ(run_once("second.log"), 0) << read_file(dir_ / "second.log");
    const std::string log = read_file(dir_ / "second.log");
    EXPECT_NE(log.find("feed=site5 url=" + server_.url("/site5.rss") + " failed (store_error)"), std::string::npos)
        << log;
    EXPECT_NE(log.find("the test refuses this item"), std::string::npos) << log;

    const auto rows = query(dir_ / "tributary.db",
                            "SELECT f.name, f.last_outcome, count(i.id) FROM feeds AS f LEFT JOIN items AS i "
                            "ON i.feed_id = f.id WHERE f.name LIKE 'site%' GROUP BY f.id ORDER BY f.id");
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(kFeeds));
    for (int feed = 0; feed < kFeeds; ++feed) {
        const std::string name = "site" + std::to_string(feed);
        if (feed == kRefused)
            EXPECT_EQ(rows[feed], (std::vector<std::string>{name, "store_error", "1"})) << "its story 2 is not kept";
        else
            EXPECT_EQ(rows[feed], (std::vector<std::string>{name, "fetched", "2"}));
    }
}

TEST_F(EndToEnd, PermanentRedirectIsRecordedThenFollowedDirectlyAndGoneStopsPolling) {
    server_.route("/old.rss", [this](const RecordedRequest&) {
        return Response{.status = 301, .headers = {{"Location", server_.url("/lequipe.rss")}}, .body = {}};
    });
    server_.route("/gone.rss",
                  [](const RecordedRequest&) { return Response{.status = 410, .headers = {}, .body = {}}; });
    write_config(config_text({}) + "\n[feed moving]\nurl = " + server_.url("/old.rss") +
                 "\n\n[feed gone]\nurl = " + server_.url("/gone.rss") + "\n");
    const fs::path db = dir_ / "tributary.db";

    ASSERT_EQ(run_once("once1.log"), 0) << read_file(dir_ / "once1.log");
    EXPECT_NE(read_file(dir_ / "once1.log")
                  .find("feed=moving url=" + server_.url("/old.rss") + " moved permanently to " +
                        server_.url("/lequipe.rss") + " (1 fetches in a row): suggest editing url in "),
              std::string::npos)
        << read_file(dir_ / "once1.log");
    EXPECT_EQ(query(db, "SELECT moved_to, moved_count FROM feeds WHERE name = 'moving'")[0],
              (std::vector<std::string>{server_.url("/lequipe.rss"), "1"}));
    EXPECT_EQ(query(db, "SELECT gone, last_outcome FROM feeds WHERE name = 'gone'")[0],
              (std::vector<std::string>{"1", "gone"}));
    EXPECT_EQ(query(db, "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'moving'")[0][0],
              "2");

    ASSERT_EQ(run_once("once2.log"), 0);
    ASSERT_EQ(run_once("once3.log"), 0);
    EXPECT_EQ(server_.hits("/old.rss"), 3);
    EXPECT_EQ(query(db, "SELECT moved_count FROM feeds WHERE name = 'moving'")[0][0], "3");
    // Stable now: the fourth poll goes to the new location directly. The gone feed is not polled again.
    ASSERT_EQ(run_once("once4.log"), 0);
    EXPECT_EQ(server_.hits("/old.rss"), 3);
    EXPECT_EQ(server_.hits("/gone.rss"), 1);
    EXPECT_NE(read_file(dir_ / "once4.log").find("feed=gone url=" + server_.url("/gone.rss") + " skipped: gone"),
              std::string::npos);

    const int status =
        run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "status"}, dir_ / "status.txt", 10s);
    EXPECT_EQ(status, 0);
    const std::string table = read_file(dir_ / "status.txt");
    EXPECT_NE(table.find("moved permanently to " + server_.url("/lequipe.rss") + " (3x): edit its url"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("gone (410): polling stopped"), std::string::npos) << table;
}

TEST_F(EndToEnd, SendsPerFeedHeadersAndBasicAuthWithoutLoggingThePassword) {
    const std::string body = read_file(kFixtures / "lequipe-news.rss");
    server_.route("/private.rss", [body](const RecordedRequest& request) {
        // "reader:s3cret-ar" in base64
        const auto auth = request.headers.find("authorization");
        const auto token = request.headers.find("x-token");
        if (auth == request.headers.end() || auth->second != "Basic cmVhZGVyOnMzY3JldC1hcg==" ||
            token == request.headers.end() || token->second != "abc")
            return Response{.status = 401, .headers = {}, .body = "who are you?"};
        return Response{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = body};
    });
    ::setenv("TRIBUTARY_E2E_PASSWORD", "s3cret-ar", 1);
    write_config(config_text({}) + "\n[feed private]\nurl = " + server_.url("/private.rss") +
                 "\nusername = reader\npassword_env = TRIBUTARY_E2E_PASSWORD\nheader = X-Token: abc\n"
                 "\n[feed unset]\nurl = " +
                 server_.url("/private.rss") + "\nusername = reader\npassword_env = TRIBUTARY_E2E_NOT_SET\n");
    ASSERT_EQ(run_once("once.log"), 0) << read_file(dir_ / "once.log");
    const std::string log = read_file(dir_ / "once.log");
    EXPECT_EQ(log.find("s3cret-ar"), std::string::npos) << "the password leaked into the log";
    const fs::path db = dir_ / "tributary.db";
    EXPECT_EQ(query(db, "SELECT last_outcome FROM feeds WHERE name = 'private'")[0][0], "fetched") << log;
    EXPECT_EQ(query(db, "SELECT last_outcome, last_error FROM feeds WHERE name = 'unset'")[0],
              (std::vector<std::string>{"config_error",
                                        "config: password_env TRIBUTARY_E2E_NOT_SET is not set in the environment"}));
    EXPECT_EQ(server_.hits("/private.rss"), 1);  // the feed without its password never asked
}

TEST_F(EndToEnd, MergedDescriptionsAreSanitized) {
    server_.route("/dirty.rss", [](const RecordedRequest&) {
        const std::string rss =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title>"
            "<link>https://dirty.example/</link><item><title>عنوان</title><link>/a/1</link><guid>d-1</guid>"
            "<description>&lt;p onclick=\"steal()\" dir=\"rtl\"&gt;نص المقال&lt;script&gt;alert(1)&lt;/script&gt;"
            "&lt;iframe src=\"https://evil.example/\"&gt;&lt;/iframe&gt;&lt;a "
            "href=\"javascript:alert(2)\"&gt;x&lt;/a&gt;"
            "&lt;a href=\"/more\"&gt;المزيد&lt;/a&gt;&lt;style&gt;p{}&lt;/style&gt;&lt;/p&gt;</description></item>"
            "</channel></rss>";
        return Response{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = rss};
    });
    write_config(config_text({}) + "\n[feed dirty]\nurl = " + server_.url("/dirty.rss") + "\n");
    ASSERT_EQ(run_once("once.log"), 0) << read_file(dir_ / "once.log");
    pugi::xml_document doc;
    const std::string xml = read_file(dir_ / "out" / "merged.xml");
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    const std::string description = doc.child("rss").child("channel").child("item").child_value("description");
    EXPECT_NE(description.find("نص المقال"), std::string::npos) << description;
    EXPECT_NE(description.find("dir=\"rtl\""), std::string::npos) << description;
    EXPECT_NE(description.find("href=\"https://dirty.example/more\""), std::string::npos) << description;
    for (const char* banned : {"script", "alert", "onclick", "iframe", "javascript:", "style"})
        EXPECT_EQ(description.find(banned), std::string::npos) << banned << " in " << description;
}

TEST_F(EndToEnd, RunServesReloadsAndStopsCleanly) {
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    // Start-up spreads the three first polls over a second: wait for all three.
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, 3)) << daemon.log();

    const std::string log = daemon.log();
    const std::uint16_t port = served_port(log);
    ASSERT_NE(port, 0) << log;
    // The snapshot is swapped in after the cycle's commit; wait for it.
    HttpAnswer answer = http_get_until(port, "/merged.xml", [](const HttpAnswer& a) {
        return a.status == 200 && read_merged(a.body).titles.size() == 3;
    });
    ASSERT_EQ(answer.status, 200) << answer.head;
    EXPECT_EQ(read_merged(answer.body).titles.size(), 3u);
    EXPECT_NE(answer.head.find("ETag: \""), std::string::npos) << answer.head;

    // The cycle's figures for monitoring: three feeds fetched, five items, one story from three.
    const HttpAnswer metrics = http_get_until(port, "/metrics", [](const HttpAnswer& a) {
        return a.body.find("tributary_feed_attempts_total{outcome=\"fetched\"} 3\n") != std::string::npos;
    });
    EXPECT_EQ(metrics.status, 200) << metrics.head;
    EXPECT_NE(metrics.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << metrics.head;
    // (Start-up spreads the first polls over a second: they may end as one cycle or several.)
    EXPECT_EQ(metrics.body.find("tributary_cycles_total 0\n"), std::string::npos) << metrics.body;
    for (const std::string line :
         {"tributary_feed_attempts_total{outcome=\"fetched\"} 3", "tributary_items_total{kind=\"new\"} 3",
          "tributary_items_total{kind=\"duplicate\"} 2", "tributary_feed_up{feed=\"akhbar\"} 1",
          "tributary_feed_consecutive_failures{feed=\"sahel\"} 0"})
        EXPECT_NE(metrics.body.find(line + "\n"), std::string::npos) << line << "\n" << metrics.body;

    // A broken config on SIGHUP is rejected; the old one keeps running.
    write_config("[daemon]\ninterval = often\n[feed x]\n");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload rejected", 10s)) << daemon.log();
    EXPECT_NE(daemon.log().find("feeds.conf:2: bad value 'often' for 'interval'"), std::string::npos) << daemon.log();
    EXPECT_TRUE(daemon.running());
    EXPECT_EQ(http_get(port, "/merged.xml").status, 200);

    // A valid one applies: one feed removed, the others keep their state.
    write_config(config_text({"akhbar", "sahel"}));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload: feeds +0 -1 ~0 (-lequipe); 2 feeds active", 10s)) << daemon.log();

    daemon.signal(SIGTERM);
    const auto status = daemon.wait(20s);
    ASSERT_TRUE(status.has_value()) << daemon.log();
    EXPECT_EQ(*status, 0) << daemon.log();
    const fs::path db = dir_ / "tributary.db";
    EXPECT_EQ(query(db, "PRAGMA integrity_check")[0][0], "ok");
    EXPECT_EQ(query(db, "SELECT count(*) FROM items")[0][0], "5");
    EXPECT_EQ(query(db, "SELECT name, active FROM feeds WHERE name = 'lequipe'")[0][1], "0");
}

// The systemd side of `run`, through a real notification socket as systemd would pass it: READY=1
// once serving, STATUS= after a cycle, WATCHDOG=1 from the loop at half the watchdog interval,
// RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
class NotifySocket {
public:
    // In the abstract namespace ("@name" in NOTIFY_SOCKET, as sd_notify reads it): no path to
    // outgrow sun_path under a long TMPDIR, nothing to remove.
    NotifySocket() : name_("tributary-e2e-notify-" + std::to_string(::getpid())) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("notify socket");
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::copy(name_.begin(), name_.end(), addr.sun_path + 1);  // sun_path[0] = 0: abstract
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) != 0) throw std::runtime_error("bind");
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    std::string address() const { return "@" + name_; }

    // Datagrams until one contains `text` (returned), or "" after `limit`.
    std::string wait_for(std::string_view text, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            timeval tv{.tv_sec = 0, .tv_usec = 100'000};
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) continue;
            std::string message(buffer, static_cast<std::size_t>(n));
            received_.push_back(message);
            if (message.find(text) != std::string::npos) return message;
        }
        return {};
    }
    std::string received() const {
        std::string all;
        for (const std::string& m : received_) all += "[" + m + "] ";
        return all;
    }

private:
    std::string name_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

// The database thread is the cycle's one serial stage: the parsing threads, which run ahead of it
// in parallel, yield the CPU to it (a niceness 5 above the daemon's), and every thread says
// what it is for.
TEST_F(EndToEnd, ParsingThreadsYieldToTheDatabaseThreadAndEveryThreadIsNamed) {
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("cycle:", 30s)) << daemon.log();
    const fs::path tasks = fs::path("/proc") / std::to_string(daemon.pid()) / "task";
    const auto niceness_of = [](const fs::path& task) {
        // Field 19 of stat, counted after the command name's closing parenthesis (a name may
        // hold spaces).
        const std::string stat = read_file(task / "stat");
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));
        std::string field;
        for (int i = 3; i <= 19; ++i) fields >> field;
        return std::stoi(field);
    };
    const int daemon_niceness = niceness_of(tasks / std::to_string(daemon.pid()));
    std::multimap<std::string, int> threads;  // name -> niceness
    for (const auto& task : fs::directory_iterator(tasks)) {
        std::string name = read_file(task.path() / "comm");
        if (!name.empty() && name.back() == '\n') name.pop_back();
        threads.emplace(name, niceness_of(task.path()));
    }
    ASSERT_EQ(threads.count("tributary-parse"), 2u) << daemon.log();
    for (auto [it, end] = threads.equal_range("tributary-parse"); it != end; ++it)
        EXPECT_EQ(it->second, std::min(daemon_niceness + 5, 19));
    ASSERT_EQ(threads.count("tributary-store"), 1u);
    EXPECT_EQ(threads.find("tributary-store")->second, daemon_niceness);
    EXPECT_EQ(threads.count("tributary-lease"), 1u);
    EXPECT_EQ(threads.count("tributary-wal"), 1u);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(20s), 0) << daemon.log();
}

TEST_F(EndToEnd, RunTellsSystemdWhenReadyReloadingAndStoppingAndFeedsTheWatchdog) {
    NotifySocket notify;
    // The child inherits these; nothing else in this test process reads them.
    ::setenv("NOTIFY_SOCKET", notify.address().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "400000", 1);
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");

    const std::string ready = notify.wait_for("READY=1", 20s);
    EXPECT_NE(ready.find("STATUS=running: 3 feeds"), std::string::npos) << notify.received();
    EXPECT_NE(notify.wait_for("STATUS=cycle: ", 30s), "") << notify.received() << daemon.log();
    // 200 ms apart: a handful arrive in a second.
    int pings = 0;
    for (int i = 0; i < 4; ++i) pings += notify.wait_for("WATCHDOG=1", 1s).empty() ? 0 : 1;
    EXPECT_EQ(pings, 4) << notify.received();

    daemon.signal(SIGHUP);
    EXPECT_NE(notify.wait_for("RELOADING=1", 10s).find("MONOTONIC_USEC="), std::string::npos) << notify.received();
    EXPECT_NE(notify.wait_for("READY=1", 10s), "") << notify.received() << daemon.log();

    daemon.signal(SIGTERM);
    EXPECT_NE(notify.wait_for("STOPPING=1", 10s), "") << notify.received();
    const auto status = daemon.wait(20s);
    ASSERT_TRUE(status.has_value()) << daemon.log();
    EXPECT_EQ(*status, 0) << daemon.log();
}

TEST_F(EndToEnd, CheckListsEveryErrorAndExitsOne) {
    write_config("[daemon]\nlisten = nowhere\n[feed a]\n[feed a]\nurl = gopher://x\n");
    const int status =
        run_to_completion(kBinary, {"-c", (dir_ / "feeds.conf").string(), "check"}, dir_ / "check.log", 10s);
    EXPECT_EQ(status, 1);
    const std::string log = read_file(dir_ / "check.log");
    EXPECT_NE(log.find("feeds.conf:2: bad value 'nowhere' for 'listen'"), std::string::npos) << log;
    EXPECT_NE(log.find("feeds.conf:3: [feed a] has no url"), std::string::npos) << log;
    EXPECT_NE(log.find("feeds.conf:4: duplicate feed name 'a'"), std::string::npos) << log;
}

// An Atom output beside the RSS one: the same stories, guids as entry ids, and a document our own
// parser reads back as Atom with the Arabic titles intact.
TEST_F(EndToEnd, AtomOutputCarriesTheSameStoriesAndReadsBack) {
    write_config(config_text({"akhbar", "lequipe", "sahel"}) +
                 "\n[output atom]\npath = out/merged.atom\nurl = /merged.atom\nformat = atom\ntitle = اختبار\n");
    ASSERT_EQ(run_once("once.log"), 0) << read_file(dir_ / "once.log");
    const MergedFeed rss = read_merged(read_file(dir_ / "out" / "merged.xml"));
    const std::string atom = read_file(dir_ / "out" / "merged.atom");
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_buffer(atom.data(), atom.size(), pugi::parse_default, pugi::encoding_utf8)) << atom;
    std::vector<std::string> ids, titles;
    for (const auto entry : doc.child("feed").children("entry")) {
        ids.emplace_back(entry.child_value("id"));
        titles.emplace_back(entry.child_value("title"));
    }
    EXPECT_EQ(ids, rss.guids);
    EXPECT_EQ(titles, rss.titles);

    const int status = run_to_completion(kBinary, {"parse", (dir_ / "out" / "merged.atom").string(), "--json"},
                                         dir_ / "parse.json", 10s);
    ASSERT_EQ(status, 0) << read_file(dir_ / "parse.json");
    const std::string json = read_file(dir_ / "parse.json");
    EXPECT_NE(json.find("\"format\": \"atom\""), std::string::npos) << json;
    for (const std::string& title : rss.titles)
        EXPECT_NE(json.find("\"title\": \"" + title + "\""), std::string::npos) << title << "\n" << json;
}

// Each output reads the store in its own dedup mode; a feed's priority picks the copy a story is
// shown through, and the story names the other sites that carried it.
TEST_F(EndToEnd, EachOutputHasItsDedupModeAndPriorityPicksTheRepresentative) {
    write_config(config_text({"lequipe", "sahel"}) + "\n[feed akhbar]\nurl = " + server_.url("/akhbar.rss") +
                 "\npriority = 100\n" +
                 "\n[output items]\npath = out/items.xml\nurl = /items.xml\ndedup = item\n"
                 "\n[output urls]\npath = out/urls.atom\nurl = /urls.atom\nformat = atom\ndedup = url\n");
    ASSERT_EQ(run_once("once.log"), 0) << read_file(dir_ / "once.log");

    const std::string xml = read_file(dir_ / "out" / "merged.xml");
    const MergedFeed stories = read_merged(xml);
    const MergedFeed items = read_merged(read_file(dir_ / "out" / "items.xml"));
    pugi::xml_document urls;
    const std::string atom = read_file(dir_ / "out" / "urls.atom");
    ASSERT_TRUE(urls.load_buffer(atom.data(), atom.size(), pugi::parse_default, pugi::encoding_utf8)) << atom;
    std::vector<std::string> url_ids;
    for (const auto entry : urls.child("feed").children("entry")) url_ids.emplace_back(entry.child_value("id"));

    // Three stories; five items; five URLs (each site links its own page).
    ASSERT_EQ(stories.titles.size(), 3u) << xml;
    EXPECT_EQ(items.titles.size(), 5u);
    EXPECT_EQ(url_ids.size(), 5u) << atom;
    std::set<std::string> guids(stories.guids.begin(), stories.guids.end());
    guids.insert(items.guids.begin(), items.guids.end());
    guids.insert(url_ids.begin(), url_ids.end());
    EXPECT_EQ(guids.size(), 13u);

    // The wire story is shown through akhbar, the priority feed, and names the other two sites.
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8));
    EXPECT_STREQ(doc.child("rss").attribute("xmlns:tributary").value(), "https://tributary.invalid/ns/1");
    int wire = 0;
    for (const auto item : doc.child("rss").child("channel").children("item")) {
        if (!kWireTitles.contains(item.child_value("title"))) {
            EXPECT_FALSE(item.child("tributary:also-reported-by"));
            continue;
        }
        ++wire;
        EXPECT_EQ(item.child_value("title"), kAkhbarTitle);
        EXPECT_EQ(std::string(item.child("source").attribute("url").value()), server_.url("/akhbar.rss"));
        std::set<std::string> sites;
        for (const auto other : item.children("tributary:also-reported-by"))
            sites.insert(other.attribute("source").value());
        EXPECT_EQ(sites, (std::set<std::string>{"https://lequipe-news.example/", "https://sahel-press.example/"}));
    }
    EXPECT_EQ(wire, 1) << xml;
}

TEST_F(EndToEnd, ParseJsonReadsTheWindows1256Fixture) {
    const int status = run_to_completion(kBinary,
                                         {"parse", (kFixtures / "akhbar-maghreb-windows1256.rss").string(), "--json",
                                          "--content-type", "application/rss+xml; charset=windows-1256"},
                                         dir_ / "parse.json", 10s);
    ASSERT_EQ(status, 0) << read_file(dir_ / "parse.json");
    const std::string json = read_file(dir_ / "parse.json");
    EXPECT_NE(json.find("\"format\": \"rss\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"title\": \"" + kAkhbarTitle + "\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"published\": \"2025-12-29T11:02:17Z\""), std::string::npos) << json;
}

// The URL form fetches with the daemon's fetcher: the server's Content-Type (with its charset)
// decides, as it would for a polled feed, and no --content-type is given.
TEST_F(EndToEnd, ParseJsonReadsAUrlWithTheServersCharset) {
    const int status =
        run_to_completion(kBinary, {"parse", server_.url("/akhbar.rss"), "--json"}, dir_ / "parse-url.json", 10s);
    ASSERT_EQ(status, 0) << read_file(dir_ / "parse-url.json");
    const std::string json = read_file(dir_ / "parse-url.json");
    EXPECT_NE(json.find("\"title\": \"" + kAkhbarTitle + "\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"used\": \"windows-1256\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"source\": \"http\""), std::string::npos) << json;
    ASSERT_FALSE(server_.requests().empty());
}

TEST_F(EndToEnd, ParseNamesTheUrlWhenTheFetchFails) {
    server_.route("/missing.rss",
                  [](const RecordedRequest&) { return Response{.status = 404, .headers = {}, .body = "no"}; });
    const int status =
        run_to_completion(kBinary, {"parse", server_.url("/missing.rss")}, dir_ / "parse-missing.log", 10s);
    EXPECT_NE(status, 0);
    const std::string log = read_file(dir_ / "parse-missing.log");
    EXPECT_NE(log.find("404"), std::string::npos) << log;
}

}  // namespace
}  // namespace tributary::testing
