// Security and failure, end to end (issue 10): the real binary, a real HTTP server on
// 127.0.0.1, a real SQLite file. What an operator configures as a secret never leaves the
// request; configs that would destroy data or stop every feed are refused; a server cannot
// hold a host forever nor write control characters into the log or `status`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
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

class Security : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-security-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    static std::string daemon_section(const std::string& extra = {}) {
        return "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
               "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n" +
               extra + "\n[output merged]\npath = out/merged.xml\nurl = /merged.xml\n";
    }
    void write_config(const std::string& text) const { std::ofstream(dir_ / "feeds.conf", std::ios::trunc) << text; }
    fs::path config() const { return dir_ / "feeds.conf"; }

    int run(const std::vector<std::string>& args, const std::string& log_name) {
        std::vector<std::string> full{"-c", config().string()};
        full.insert(full.end(), args.begin(), args.end());
        return run_to_completion(kBinary, full, dir_ / log_name, 60s);
    }

    static std::uint16_t port_of(const ChildProcess& daemon) { return served_port(daemon.log()); }

    fs::path dir_;
    TestHttpServer server_;
};

Response feed_or_401(bool authorised, const fs::path& fixture) {
    if (!authorised) return Response{.status = 401, .headers = {}, .body = "who are you?"};
    return Response{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = read_file(fixture)};
}

bool header_is(const RecordedRequest& request, const std::string& name, const std::string& value) {
    const auto it = request.headers.find(name);
    return it != request.headers.end() && it->second == value;
}

// Every byte the daemon wrote or said, file by file: outputs, logs, the database with its WAL.
std::map<std::string, std::string> everything_written(const fs::path& dir, const std::vector<fs::path>& skip) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        if (std::find(skip.begin(), skip.end(), entry.path()) != skip.end()) continue;
        out[entry.path().string()] = read_file(entry.path());
    }
    return out;
}

TEST_F(Security, ConfiguredSecretsReachNoOutputLogStatusMetricsOrDatabase) {
    const std::string url_secret = "Url-Secret-7f3a";
    const std::string file_secret = "File-Secret-91c2";
    const std::string header_secret = "Header-Secret-55d0";
    server_.route("/userinfo.rss", [](const RecordedRequest& r) {
        return feed_or_401(header_is(r, "authorization", "Basic cmVhZGVyOlVybC1TZWNyZXQtN2YzYQ=="),
                           kFixtures / "lequipe-news.rss");
    });
    server_.route("/password-file.rss", [](const RecordedRequest& r) {
        return feed_or_401(header_is(r, "authorization", "Basic cmVhZGVyMjpGaWxlLVNlY3JldC05MWMy"),
                           kFixtures / "lequipe-news.rss");
    });
    server_.route("/header.atom", [header_secret](const RecordedRequest& r) {
        if (!header_is(r, "x-api-key", header_secret)) return Response{.status = 403, .headers = {}, .body = "no"};
        return Response{.status = 200,
                        .headers = {{"Content-Type", "application/atom+xml"}},
                        .body = read_file(kFixtures / "sahel-press.atom")};
    });
    std::ofstream(dir_ / "feed.pass") << file_secret << "\n";
    const std::string userinfo_url =
        "http://reader:" + url_secret + "@127.0.0.1:" + std::to_string(server_.port()) + "/userinfo.rss";
    write_config(daemon_section() + "\n[feed userinfo]\nurl = " + userinfo_url +
                 "\n\n[feed passfile]\nurl = " + server_.url("/password-file.rss") +
                 "\nusername = reader2\npassword_file = feed.pass\n\n[feed keyed]\nurl = " +
                 server_.url("/header.atom") + "\nheader = X-Api-Key: " + header_secret + "\n");

    ASSERT_EQ(run({"check"}, "check.txt"), 0) << read_file(dir_ / "check.txt");
    ASSERT_EQ(run({"once"}, "once.log"), 0) << read_file(dir_ / "once.log");
    // The credentials were used: every feed was fetched, none refused.
    const fs::path db = dir_ / "tributary.db";
    EXPECT_EQ(
        query(db, "SELECT name, last_outcome FROM feeds ORDER BY name"),
        (std::vector<std::vector<std::string>>{{"keyed", "fetched"}, {"passfile", "fetched"}, {"userinfo", "fetched"}}))
        << read_file(dir_ / "once.log");
    // The url is kept, and shown, without its user info.
    EXPECT_EQ(query(db, "SELECT url FROM feeds WHERE name = 'userinfo'")[0][0], server_.url("/userinfo.rss"));

    ASSERT_EQ(run({"status"}, "status.txt"), 0);
    ASSERT_EQ(run({"status", "--json"}, "status.json"), 0);
    {
        ChildProcess daemon(kBinary, {"-c", config().string(), "run"}, dir_ / "run.log");
        ASSERT_TRUE(daemon.wait_for_log("published ", 30s)) << daemon.log();
        const std::uint16_t port = port_of(daemon);
        ASSERT_NE(port, 0) << daemon.log();
        HttpAnswer feed, metrics;
        for (int attempt = 0; attempt < 100 && feed.status != 200; ++attempt) {
            feed = http_get(port, "/merged.xml");
            if (feed.status != 200) std::this_thread::sleep_for(50ms);
        }
        metrics = http_get(port, "/metrics");
        ASSERT_EQ(feed.status, 200);
        ASSERT_EQ(metrics.status, 200);
        std::ofstream(dir_ / "http-merged.txt") << feed.head << "\n\n" << feed.body;
        std::ofstream(dir_ / "http-metrics.txt") << metrics.head << "\n\n" << metrics.body;
        daemon.signal(SIGTERM);
        ASSERT_TRUE(daemon.wait(20s).has_value()) << daemon.log();
    }
    // The merged feed names its sources by their urls, without user info.
    const std::string merged = read_file(dir_ / "out" / "merged.xml");
    EXPECT_NE(merged.find("url=\"" + server_.url("/")), std::string::npos) << merged;
    EXPECT_EQ(merged.find("@127.0.0.1"), std::string::npos) << merged;

    const auto written = everything_written(dir_, {config(), dir_ / "feed.pass"});
    ASSERT_GE(written.size(), 8u);  // database, outputs, logs, status, HTTP answers
    for (const auto& [file, bytes] : written) {
        SCOPED_TRACE(file);
        EXPECT_EQ(bytes.find(url_secret), std::string::npos) << "the url's password leaked";
        EXPECT_EQ(bytes.find(file_secret), std::string::npos) << "the password file's content leaked";
        EXPECT_EQ(bytes.find(header_secret), std::string::npos) << "a configured header leaked";
    }
}

TEST_F(Security, CheckRefusesAnOutputThatWouldOverwriteTheDatabase) {
    write_config(
        "[daemon]\ndatabase = state/tributary.db\n\n[output merged]\npath = state/tributary.db\n\n[feed a]\nurl = "
        "http://a.example/feed\n");
    EXPECT_EQ(run({"check"}, "check.txt"), 1);
    EXPECT_NE(read_file(dir_ / "check.txt").find("feeds.conf:4: [output merged] path "), std::string::npos)
        << read_file(dir_ / "check.txt");
    EXPECT_EQ(run({"once"}, "once.txt"), 1);
    EXPECT_FALSE(fs::exists(dir_ / "state" / "tributary.db"));

    std::ofstream(dir_ / "feeds.conf", std::ios::trunc | std::ios::binary)
        << std::string("SQLite format 3\0\x10\x00\x01\x01", 20) << std::string(4000, '\x7f');
    EXPECT_EQ(run({"check"}, "binary.txt"), 1);
    const std::string said = read_file(dir_ / "binary.txt");
    EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
    EXPECT_NE(said.find("not a text file"), std::string::npos) << said;

    fs::remove(dir_ / "feeds.conf");
    fs::create_directories(dir_ / "feeds.conf");
    EXPECT_EQ(run({"check"}, "directory.txt"), 1);
    EXPECT_NE(read_file(dir_ / "directory.txt").find("is a directory"), std::string::npos);
}

TEST_F(Security, AReloadThatWouldRemoveEveryFeedIsRefusedAndAReloadedOutFeedIsNotStored) {
    server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    // A slow server: its fetch is still running when the reload removes the feed.
    server_.route("/slow.atom", [](const RecordedRequest&) {
        return Response{.status = 200,
                        .headers = {{"Content-Type", "application/atom+xml"}},
                        .body = read_file(kFixtures / "sahel-press.atom"),
                        .delay = 3s};
    });
    const std::string kept = "\n[feed lequipe]\nurl = " + server_.url("/lequipe.rss") + "\n";
    write_config(daemon_section() + kept + "\n[feed slow]\nurl = " + server_.url("/slow.atom") + "\n");
    ChildProcess daemon(kBinary, {"-c", config().string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=slow fetching", 20s)) << daemon.log();

    write_config(daemon_section() + kept);
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload: feeds +0 -1 ~0 (-slow); 1 feeds active", 10s)) << daemon.log();
    // The slow answer arrives after the reload: dropped, not parsed or stored.
    ASSERT_TRUE(daemon.wait_for_log("feed=slow outcome=fetched", 10s)) << daemon.log();
    ASSERT_TRUE(daemon.wait_for_log("feed=lequipe fetched in", 10s)) << daemon.log();
    std::this_thread::sleep_for(500ms);

    // An empty file, as a truncated deploy would leave it: refused, the feeds keep running.
    write_config("");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload rejected", 10s)) << daemon.log();
    EXPECT_NE(daemon.log().find("feeds.conf:1: no [feed NAME] section"), std::string::npos) << daemon.log();
    EXPECT_TRUE(daemon.running());

    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(20s).has_value()) << daemon.log();
    const fs::path db = dir_ / "tributary.db";
    EXPECT_EQ(query(db, "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'slow'")[0][0],
              "0")
        << daemon.log();
    EXPECT_EQ(daemon.log().find("feed=slow fetched in"), std::string::npos) << daemon.log();
    EXPECT_EQ(query(db, "SELECT active FROM feeds WHERE name = 'lequipe'")[0][0], "1");
}

TEST_F(Security, AHugeRetryAfterHoldsTheHostNoLongerThanMaxBackoffAndShowsInStatusAndMetrics) {
    server_.route("/busy.rss", [](const RecordedRequest&) {
        return Response{.status = 429, .headers = {{"Retry-After", "999999999"}}, .body = "slow down"};
    });
    server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    const std::string busy = "\n[feed busy]\nurl = " + server_.url("/busy.rss") + "\n";
    write_config(daemon_section("max_backoff = 2h\nmax_interval = 2h\n") + busy);
    ChildProcess daemon(kBinary, {"-c", config().string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=busy url=", 20s)) << daemon.log();
    const auto now = std::chrono::system_clock::now();
    EXPECT_NE(daemon.log().find("holds every feed until"), std::string::npos) << daemon.log();
    EXPECT_NE(daemon.log().find("capped at max_backoff"), std::string::npos) << daemon.log();

    // A feed added on the same host waits for the hold, and says why in `status`.
    write_config(daemon_section("max_backoff = 2h\nmax_interval = 2h\n") + busy +
                 "\n[feed neighbour]\nurl = " + server_.url("/lequipe.rss") + "\n");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload: feeds +1 -0 ~0 (+neighbour)", 10s)) << daemon.log();
    std::string table;
    for (int attempt = 0; attempt < 100; ++attempt) {
        run({"status"}, "status.txt");
        table = read_file(dir_ / "status.txt");
        if (table.find("held until") != std::string::npos) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(table.find("host 127.0.0.1 held until "), std::string::npos) << table;
    EXPECT_NE(table.find("by Retry-After (asked by feed busy)"), std::string::npos) << table;
    EXPECT_EQ(server_.hits("/lequipe.rss"), 0);

    // The pages are rendered off the event loop: the hold shows in the first one after it.
    const std::regex line(R"(tributary_host_hold_until_timestamp_seconds\{host="127\.0\.0\.1",feed="busy"\} (\d+))");
    const HttpAnswer metrics = http_get_until(port_of(daemon), "/metrics", [&](const HttpAnswer& a) {
        return a.status == 200 && std::regex_search(a.body, line);
    });
    std::smatch match;
    ASSERT_TRUE(std::regex_search(metrics.body, match, line)) << metrics.body;
    const auto until = std::chrono::system_clock::time_point{std::chrono::seconds{std::stoll(match[1])}};
    EXPECT_LE(until, now + 2h + 10s);
    EXPECT_GE(until, now + 2h - 60s);
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(20s).has_value());
}

TEST_F(Security, ControlCharactersFromAServerAreEscapedInTheLogAndStatus) {
    server_.route("/moved.rss", [](const RecordedRequest&) {
        return Response{.status = 302,
                        .headers = {},
                        .body =
                            "HTTP/1.1 302 Found\r\nLocation: ht\x1b[2Jtp://evil\x07.example/\x01x\r\n"
                            "Content-Length: 0\r\nConnection: close\r\n\r\n",
                        .mode = Response::Mode::raw};
    });
    write_config(daemon_section() + "\n[feed moved]\nurl = " + server_.url("/moved.rss") + "\n");
    ASSERT_EQ(run({"once"}, "once.log"), 0);
    const std::string log = read_file(dir_ / "once.log");
    ASSERT_NE(log.find("feed=moved url="), std::string::npos) << log;
    ASSERT_EQ(run({"status"}, "status.txt"), 0);
    const std::string table = read_file(dir_ / "status.txt");
    for (const std::string* text : {&log, &table}) {
        EXPECT_EQ(text->find('\x1b'), std::string::npos) << *text;
        EXPECT_EQ(text->find('\x07'), std::string::npos) << *text;
        EXPECT_EQ(text->find('\x01'), std::string::npos) << *text;
    }
    EXPECT_NE(table.find("\\x1b[2J"), std::string::npos) << table;
}

// Two daemons writing one database would interleave their schedules and overwrite each
// other's state: the second is refused at start-up and names the first.
TEST_F(Security, ASecondDaemonOnTheSameDatabaseIsRefusedAndNamesTheFirst) {
    server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    write_config(daemon_section() + "\n[feed lequipe]\nurl = " + server_.url("/lequipe.rss") + "\n");
    ChildProcess first(kBinary, {"-c", config().string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(first.wait_for_log("feed=lequipe fetched in", 20s)) << first.log();

    EXPECT_EQ(run({"once"}, "second.log"), 3);
    const std::string second = read_file(dir_ / "second.log");
    EXPECT_NE(second.find("is in use by another tributary (pid "), std::string::npos) << second;
    EXPECT_TRUE(first.running());
    // `status` only reads: it still works beside the running daemon.
    EXPECT_EQ(run({"status"}, "status.txt"), 0) << read_file(dir_ / "status.txt");

    first.signal(SIGTERM);
    ASSERT_EQ(first.wait(20s), std::optional<int>(0)) << first.log();
    // Once the first is gone, the lock is free again.
    EXPECT_EQ(run({"once"}, "after.log"), 0) << read_file(dir_ / "after.log");
}

// SQLite writes on into a deleted file without an error, and everything written after is
// lost. The next write notices, says so, and the daemon exits with an error (so that systemd
// restarts it on a fresh database) instead of polling into the void.
TEST_F(Security, ADeletedDatabaseStopsTheDaemonWithAnError) {
    server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    server_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
    const std::string first_feed = "\n[feed lequipe]\nurl = " + server_.url("/lequipe.rss") + "\n";
    write_config(daemon_section() + first_feed);
    ChildProcess daemon(kBinary, {"-c", config().string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("cycle: 1 feeds polled", 20s)) << daemon.log();

    const fs::path db = dir_ / "tributary.db";
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    // A feed added by a reload is polled at once: its ingest is the next write.
    write_config(daemon_section() + first_feed + "\n[feed sahel]\nurl = " + server_.url("/sahel.atom") + "\n");
    daemon.signal(SIGHUP);
    const auto status = daemon.wait(20s);
    ASSERT_TRUE(status.has_value()) << daemon.log();
    EXPECT_EQ(*status, 3) << daemon.log();
    const std::string log = daemon.log();
    EXPECT_NE(log.find("store: the database " + db.string() + " was deleted while the daemon ran; stopping"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("feed=sahel fetched in"), std::string::npos) << log;
}

}  // namespace
}  // namespace tributary::testing
