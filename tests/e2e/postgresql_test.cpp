// The real daemon on PostgreSQL: `database = postgresql://…` in feeds.conf, the password in a
// file, the throwaway server ctest starts (tests/support/postgresql.sh), and a real HTTP server
// on 127.0.0.1 serving tests/fixtures/arabic. The same story once, its Arabic intact, 304s the
// second time, `status` reading the same database, and the password nowhere in what it printed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "support/postgresql_server.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(TRIBUTARY_FIXTURES_DIR) / "arabic";
const fs::path kBinary = TRIBUTARY_BINARY;

// "key=value" from the fixture's conninfo ("host=127.0.0.1 port=… user=… dbname=…").
std::string conninfo_value(const std::string& conninfo, const std::string& key) {
    const auto at = conninfo.find(key + "=");
    if (at == std::string::npos) return {};
    const auto start = at + key.size() + 1;
    return conninfo.substr(start, conninfo.find(' ', start) - start);
}

std::vector<std::string> merged_titles(const std::string& xml) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_buffer(xml.data(), xml.size())) << xml;
    std::vector<std::string> titles;
    for (const auto item : doc.child("rss").child("channel").children("item"))
        titles.emplace_back(item.child_value("title"));
    return titles;
}

class OnPostgresql : public ::testing::Test {
protected:
    void SetUp() override {
        auto found = postgresql_server();
        ASSERT_TRUE(found) << "the postgresql fixture did not run";
        server_ = *found;
        // A schema of this test's own, named in the URL as libpq reads it (options=-c search_path=…).
        const std::string own = fresh_postgresql_schema(server_);
        const std::string schema =
            own.substr(own.find("search_path=") + 12, own.rfind('\'') - own.find("search_path=") - 12);
        url_ = "postgresql://" + conninfo_value(server_.conninfo, "user") + "@" +
               conninfo_value(server_.conninfo, "host") + ":" + conninfo_value(server_.conninfo, "port") + "/" +
               conninfo_value(server_.conninfo, "dbname") + "?options=-c%20search_path%3D" + schema;

        dir_ = fs::temp_directory_path() / ("tributary-pg-e2e-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        std::ofstream(dir_ / "db-password") << server_.password << '\n';
        fs::permissions(dir_ / "db-password", fs::perms::owner_read | fs::perms::owner_write);
        http_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                         "application/rss+xml; charset=windows-1256");
        http_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        http_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
        std::ofstream(dir_ / "feeds.conf")
            << "[daemon]\ndatabase = " << url_
            << "\ndatabase_password_file = db-password\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
               "log_level = debug\nmin_host_spacing = 0\n\n[output merged]\npath = out/merged.xml\nurl = /merged.xml\n"
               "max_items = 50\n\n[feed akhbar]\nurl = "
            << http_.url("/akhbar.rss") << "\n\n[feed lequipe]\nurl = " << http_.url("/lequipe.rss")
            << "\n\n[feed sahel]\nurl = " << http_.url("/sahel.atom") << "\n";
    }

    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    int run(const std::vector<std::string>& args, const std::string& log_name) {
        std::vector<std::string> all{"-c", (dir_ / "feeds.conf").string()};
        all.insert(all.end(), args.begin(), args.end());
        return run_to_completion(kBinary, all, dir_ / log_name, 60s);
    }

    PostgresqlServer server_;
    std::string url_;
    fs::path dir_;
    TestHttpServer http_;
};

TEST_F(OnPostgresql, OnceKeepsEveryStoryOnceThenGets304sAndShowsNoPassword) {
    ASSERT_EQ(run({"check"}, "check1.log"), 0) << read_file(dir_ / "check1.log");
    EXPECT_NE(read_file(dir_ / "check1.log").find("database " + url_ + ": PostgreSQL 15."), std::string::npos)
        << read_file(dir_ / "check1.log");
    EXPECT_NE(read_file(dir_ / "check1.log").find(", no tables yet (created at start)"), std::string::npos);

    ASSERT_EQ(run({"once"}, "once1.log"), 0) << read_file(dir_ / "once1.log");
    const std::string log1 = read_file(dir_ / "once1.log");
    EXPECT_NE(log1.find("store: created " + url_ + " at schema version "), std::string::npos) << log1;
    EXPECT_NE(log1.find("(0001_init.sql, 0002_feed_leases.sql"), std::string::npos) << log1;
    EXPECT_NE(log1.find("cycle: 3 feeds polled, 0 not modified, 0 failed, 3 new items"), std::string::npos) << log1;

    const std::string xml = read_file(dir_ / "out" / "merged.xml");
    const std::vector<std::string> titles = merged_titles(xml);
    // Five items in three feeds, one wire story among them: three entries, Arabic as the sites wrote it.
    ASSERT_EQ(titles.size(), 3u) << xml;
    EXPECT_EQ(std::set<std::string>(titles.begin(), titles.end())
                  .count("ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة"),
              1u)
        << xml;

    ASSERT_EQ(run({"once"}, "once2.log"), 0) << read_file(dir_ / "once2.log");
    const std::string log2 = read_file(dir_ / "once2.log");
    EXPECT_NE(log2.find("cycle: 3 feeds polled, 3 not modified, 0 failed, 0 new items"), std::string::npos) << log2;
    EXPECT_EQ(read_file(dir_ / "out" / "merged.xml"), xml);

    ASSERT_EQ(run({"status"}, "status.log"), 0) << read_file(dir_ / "status.log");
    const std::string status = read_file(dir_ / "status.log");
    for (const char* feed : {"akhbar", "lequipe", "sahel"}) EXPECT_NE(status.find(feed), std::string::npos) << status;
    EXPECT_NE(status.find("not_modified"), std::string::npos) << status;

    // backup copies a SQLite file; for PostgreSQL it says what to use instead.
    EXPECT_NE(run({"backup", (dir_ / "copy.db").string()}, "backup.log"), 0);
    EXPECT_NE(read_file(dir_ / "backup.log").find("is PostgreSQL: use pg_dump"), std::string::npos)
        << read_file(dir_ / "backup.log");

    ASSERT_EQ(run({"check"}, "check2.log"), 0) << read_file(dir_ / "check2.log");
    EXPECT_NE(read_file(dir_ / "check2.log").find(" (this build's)"), std::string::npos)
        << read_file(dir_ / "check2.log");

    for (const char* log : {"check1.log", "once1.log", "once2.log", "status.log", "backup.log", "check2.log"})
        EXPECT_EQ(read_file(dir_ / log).find(server_.password), std::string::npos) << log;
}

// A database the daemon cannot reach is an error at start that names it, not a crash, and a
// wrong password is not printed.
TEST_F(OnPostgresql, AWrongPasswordStopsTheStartWithTheDatabaseNamed) {
    std::ofstream(dir_ / "db-password", std::ios::trunc) << "wrong-password-77c1\n";
    const int code = run({"once"}, "once.log");
    EXPECT_EQ(code, 3);
    const std::string log = read_file(dir_ / "once.log");
    EXPECT_NE(log.find("store: connect to " + url_ + ": "), std::string::npos) << log;
    EXPECT_EQ(log.find("wrong-password-77c1"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(dir_ / "out" / "merged.xml"));

    EXPECT_EQ(run({"check"}, "check.log"), 3);
    EXPECT_NE(read_file(dir_ / "check.log").find("store: connect to " + url_ + ": "), std::string::npos)
        << read_file(dir_ / "check.log");
    EXPECT_EQ(read_file(dir_ / "check.log").find("wrong-password-77c1"), std::string::npos);
}

// Daemons sharing one database (share_database = yes): each feed polled once per due time by
// one of them, each story once whichever daemon saw it, and a daemon killed mid-cycle loses its
// feeds to another when its leases expire.
class SharedOnPostgresql : public OnPostgresql {
protected:
    struct Site {
        std::string path;
        std::string fixture;
        std::string type;
        std::string url;  // on another server than http_ ("": http_.url(path))
    };

    // Each fixture feed under `copies` addresses: as many feeds, whose items (the same links)
    // are copies of three stories.
    std::vector<Site> sites(int copies) const {
        std::vector<Site> out;
        for (int k = 1; k <= copies; ++k) {
            out.push_back({"/akhbar-" + std::to_string(k) + ".rss", "akhbar-maghreb-windows1256.rss",
                           "application/rss+xml; charset=windows-1256", ""});
            out.push_back({"/lequipe-" + std::to_string(k) + ".rss", "lequipe-news.rss",
                           "application/rss+xml; charset=utf-8", ""});
            out.push_back({"/sahel-" + std::to_string(k) + ".atom", "sahel-press.atom", "application/atom+xml", ""});
        }
        return out;
    }

    void write_config(const std::string& file, const std::string& output, const std::vector<Site>& feeds,
                      const std::string& extra = {}) const {
        std::ofstream out(dir_ / file);
        out << "[daemon]\ndatabase = " << url_
            << "\ndatabase_password_file = db-password\nshare_database = yes\nlisten = 127.0.0.1:0\n"
               "interval = 1h\nallow_private = yes\nlog_level = debug\nmin_host_spacing = 0\n"
            << extra << "\n[output merged]\npath = " << output << "/merged.xml\nurl = /merged.xml\nmax_items = 50\n";
        for (const Site& site : feeds)
            out << "\n[feed " << site.path.substr(1, site.path.find('.') - 1)
                << "]\nurl = " << (site.url.empty() ? http_.url(site.path) : site.url) << "\n";
    }

    // `once` by daemon1 … daemon3 at the same moment: the feeds they polled, all together.
    int polled_by_three_onces() const {
        std::vector<std::unique_ptr<ChildProcess>> daemons;
        for (int d = 1; d <= 3; ++d)
            daemons.push_back(std::make_unique<ChildProcess>(
                kBinary,
                std::vector<std::string>{"-c", (dir_ / ("daemon" + std::to_string(d) + ".conf")).string(), "once"},
                dir_ / ("daemon" + std::to_string(d) + ".log")));
        int polled = 0;
        for (const auto& daemon : daemons) {
            EXPECT_EQ(daemon->wait(60s), 0) << daemon->log();
            polled += polled_in(daemon->log());
        }
        return polled;
    }

    // A second `once` by daemons first … last ("daemonN.conf", output "outN"), one after the other,
    // and the titles each one's merged output shows then.
    std::vector<std::vector<std::string>> titles_after_second_once(int first, int last) const {
        std::vector<std::vector<std::string>> outputs;
        for (int d = first; d <= last; ++d) {
            const std::string name = "daemon" + std::to_string(d);
            const int code = run_to_completion(kBinary, {"-c", (dir_ / (name + ".conf")).string(), "once"},
                                               dir_ / (name + "-2.log"), 60s);
            EXPECT_EQ(code, 0) << read_file(dir_ / (name + "-2.log"));
            outputs.push_back(merged_titles(read_file(dir_ / ("out" + std::to_string(d)) / "merged.xml")));
        }
        return outputs;
    }

    static int polled_in(const std::string& log) {
        const auto at = log.find("cycle: ");
        return at == std::string::npos ? 0 : std::stoi(log.substr(at + 7));  // none: polled nothing
    }
};

TEST_F(SharedOnPostgresql, ThreeDaemonsPollEachFeedOnceAndKeepEachStoryOnce) {
    const std::vector<Site> feeds = sites(4);
    for (const Site& site : feeds) http_.serve_file(site.path, kFixtures / site.fixture, site.type);
    for (int d = 1; d <= 3; ++d) write_config("daemon" + std::to_string(d) + ".conf", "out" + std::to_string(d), feeds);

    // Twelve feeds, each polled by one daemon: twelve requests in all.
    EXPECT_EQ(polled_by_three_onces(), 12);
    EXPECT_EQ(http_.requests().size(), 12u);
    for (const Site& site : feeds) EXPECT_EQ(http_.hits(site.path), 1) << site.path;

    // Once all are done, each daemon's output shows the same three stories (a second `once`
    // each, one after the other: every feed answers 304, and each publishes what all stored).
    std::vector<std::vector<std::string>> outputs;
    ASSERT_NO_FATAL_FAILURE(outputs = titles_after_second_once(1, 3));
    EXPECT_EQ(outputs[0].size(), 3u);
    EXPECT_EQ(outputs[1], outputs[0]);
    EXPECT_EQ(outputs[2], outputs[0]);
}

// Three daemons are as polite to a host as one: with max_per_host = 1, a host has one request at a
// time from all of them together (the daemon holding the host's lease polls its feeds), while the
// hosts are shared out among the daemons. Without the host's lease each daemon kept its own limit,
// and a host had up to three requests at once.
TEST_F(SharedOnPostgresql, ThreeDaemonsTogetherKeepEachHostsLimit) {
    constexpr auto kAnswerTime = 300ms;
    struct Arrivals {
        std::mutex mutex;
        std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> by_host;
    };
    const auto arrivals = std::make_shared<Arrivals>();
    TestHttpServer second_host("127.0.0.2");
    TestHttpServer third_host("127.0.0.3");
    const std::string body = read_file(kFixtures / "lequipe-news.rss");
    // Named and listed so that the hosts alternate: each daemon's first due feeds span every host.
    std::vector<Site> feeds;
    const std::vector<TestHttpServer*> servers{&http_, &second_host, &third_host};
    for (int f = 1; f <= 4; ++f) {
        for (std::size_t h = 0; h < servers.size(); ++h) {
            const std::string host = "host" + std::to_string(h + 1);
            const std::string path = "/f" + std::to_string(f) + "-" + host + ".rss";
            servers[h]->route(path, [arrivals, host, body, kAnswerTime](const RecordedRequest&) {
                {
                    const std::lock_guard lock(arrivals->mutex);
                    arrivals->by_host[host].push_back(std::chrono::steady_clock::now());
                }
                Response r;
                r.headers = {{"Content-Type", "application/rss+xml; charset=utf-8"}};
                r.body = body;
                r.delay = kAnswerTime;  // the next request to this host may start once this answer is in
                return r;
            });
            feeds.push_back({path, "", "", servers[h]->url(path)});
        }
    }
    // Two transfers at a time per daemon, so that each leases a few feeds at a time (four per
    // transfer it may run): the three daemons ask for the feeds in turns.
    for (int d = 1; d <= 3; ++d)
        write_config("daemon" + std::to_string(d) + ".conf", "out" + std::to_string(d), feeds,
                     "max_per_host = 1\nmax_concurrent = 2\n");

    EXPECT_EQ(polled_by_three_onces(), 12);
    for (const Site& site : feeds) {
        TestHttpServer& server = site.path.ends_with("-host1.rss")   ? http_
                                 : site.path.ends_with("-host2.rss") ? second_host
                                                                     : third_host;
        EXPECT_EQ(server.hits(site.path), 1) << site.path;
    }
    const std::lock_guard lock(arrivals->mutex);
    ASSERT_EQ(arrivals->by_host.size(), 3u);
    for (auto& [host, times] : arrivals->by_host) {
        ASSERT_EQ(times.size(), 4u) << host;
        std::sort(times.begin(), times.end());
        for (std::size_t i = 1; i < times.size(); ++i)
            EXPECT_GE(times[i] - times[i - 1], kAnswerTime - 10ms)
                << host << ": request " << i + 1 << " started while another was answered";
    }
}

TEST_F(SharedOnPostgresql, ADaemonKilledMidCycleLosesItsFeedsToAnotherWhenItsLeasesExpire) {
    const std::vector<Site> feeds = sites(2);
    // Every answer takes five seconds, and all six are asked at once: the first daemon dies while it
    // waits for them, having polled none.
    for (const Site& site : feeds) {
        const std::string body = read_file(kFixtures / site.fixture);
        http_.route(site.path, [body, type = site.type](const RecordedRequest&) {
            Response r;
            r.headers = {{"Content-Type", type}};
            r.body = body;
            r.delay = 5s;
            return r;
        });
    }
    write_config("first.conf", "out1", feeds, "lease_time = 2s\nmax_per_host = 16\n");
    write_config("second.conf", "out2", feeds, "lease_time = 2s\nmax_per_host = 16\n");

    ChildProcess first(kBinary, {"-c", (dir_ / "first.conf").string(), "once"}, dir_ / "first.log");
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (http_.requests().size() < feeds.size() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    ASSERT_EQ(http_.requests().size(), feeds.size()) << first.log();
    first.signal(SIGKILL);
    EXPECT_EQ(first.wait(10s), 128 + SIGKILL);
    // `status` names the daemon each feed is leased to, and until when.
    ASSERT_EQ(run({"status"}, "status.log"), 0) << read_file(dir_ / "status.log");
    EXPECT_NE(read_file(dir_ / "status.log").find("being polled by "), std::string::npos)
        << read_file(dir_ / "status.log");
    EXPECT_NE(read_file(dir_ / "status.log").find("(leased until "), std::string::npos);
    // And the host, whose feeds the dead daemon alone may poll until then.
    EXPECT_NE(read_file(dir_ / "status.log").find("host 127.0.0.1 is polled by "), std::string::npos)
        << read_file(dir_ / "status.log");

    // The second daemon finds every feed leased to the dead one, waits for the leases to expire,
    // then polls them all itself.
    ChildProcess second(kBinary, {"-c", (dir_ / "second.conf").string(), "once"}, dir_ / "second.log");
    ASSERT_EQ(second.wait(60s), 0) << second.log();
    EXPECT_EQ(polled_in(second.log()), static_cast<int>(feeds.size())) << second.log();
    EXPECT_NE(second.log().find("is polled by"), std::string::npos) << second.log();
    for (const Site& site : feeds) EXPECT_EQ(http_.hits(site.path), 2) << site.path;
    const std::vector<std::string> titles = merged_titles(read_file(dir_ / "out2" / "merged.xml"));
    EXPECT_EQ(titles.size(), 3u);
    EXPECT_EQ(std::set<std::string>(titles.begin(), titles.end()).size(), 3u);
}

// A host that asked one daemon for patience (429, Retry-After) is left alone by the others too.
TEST_F(SharedOnPostgresql, AHostsRetryAfterHoldsEveryDaemon) {
    http_.route("/limited.rss", [](const RecordedRequest&) {
        Response r;
        r.status = 429;
        r.headers = {{"Retry-After", "3600"}};
        return r;
    });
    http_.serve_file("/lequipe-1.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    const std::vector<Site> limited{{"/limited.rss", "", "", ""}};
    std::vector<Site> both = limited;
    both.push_back({"/lequipe-1.rss", "", "", ""});
    write_config("first.conf", "out1", limited);
    write_config("second.conf", "out2", both);

    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "first.conf").string(), "once"}, dir_ / "first.log", 60s), 0)
        << read_file(dir_ / "first.log");
    EXPECT_EQ(http_.hits("/limited.rss"), 1);
    EXPECT_NE(read_file(dir_ / "first.log").find("host 127.0.0.1 holds every feed until"), std::string::npos)
        << read_file(dir_ / "first.log");

    // The second daemon has a feed due on that host, and leaves it: the hold is the database's.
    ASSERT_EQ(run_to_completion(kBinary, {"-c", (dir_ / "second.conf").string(), "once"}, dir_ / "second.log", 60s), 0)
        << read_file(dir_ / "second.log");
    EXPECT_EQ(http_.hits("/lequipe-1.rss"), 0) << read_file(dir_ / "second.log");
    EXPECT_EQ(http_.hits("/limited.rss"), 1);
    ASSERT_EQ(run({"status"}, "status.log"), 0);
    EXPECT_NE(read_file(dir_ / "status.log").find("host 127.0.0.1 held until"), std::string::npos)
        << read_file(dir_ / "status.log");
}

// A generated farm of 60 feeds on three hosts, whose 120 items are three copies each of 40 stories,
// polled by three daemons at once; one of them is killed mid-cycle. The farm's servers count each
// feed's requests: once each, but for the few the dead daemon had fetched and never stored,
// which another daemon polls again once their leases expire. Every story is kept once, and the
// two daemons left publish the same 40 entries.
TEST_F(SharedOnPostgresql, ThreeDaemonsOverAGeneratedFarmOneKilledMidCycleLoseNothingAndKeepEachStoryOnce) {
    constexpr int kFeeds = 60;
    constexpr int kStories = 40;
    TestHttpServer second_host("127.0.0.4");
    TestHttpServer third_host("127.0.0.5");
    const std::vector<TestHttpServer*> servers{&http_, &second_host, &third_host};
    std::vector<Site> feeds;
    for (int f = 0; f < kFeeds; ++f) {
        const std::string path = "/farm-" + std::to_string(f) + ".rss";
        TestHttpServer& server = *servers[static_cast<std::size_t>(f) % servers.size()];
        std::string rss = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Site " +
                          std::to_string(f) + "</title><link>" + server.url("/") + "</link>";
        for (int i = 0; i < 2; ++i) {
            const int story = (2 * f + i) % kStories;
            rss += "<item><title>Story " + std::to_string(story) + ": the council of city " + std::to_string(story) +
                   " votes its budget</title><link>" + server.url(path + "/" + std::to_string(i)) +
                   "</link><description>Report on the vote of city " + std::to_string(story) + ".</description></item>";
        }
        rss += "</channel></rss>\n";
        server.route(path, [rss](const RecordedRequest&) {
            Response r;
            r.headers = {{"Content-Type", "application/rss+xml; charset=utf-8"}};
            r.body = rss;
            r.delay = 150ms;
            return r;
        });
        feeds.push_back({path, "", "", server.url(path)});
    }
    const std::string extra = "lease_time = 2s\nmax_per_host = 2\nmax_concurrent = 2\n";
    for (int d = 1; d <= 3; ++d)
        write_config("daemon" + std::to_string(d) + ".conf", "out" + std::to_string(d), feeds, extra);
    const auto requests = [&] {
        std::size_t n = 0;
        for (const TestHttpServer* server : servers) n += server->requests().size();
        return n;
    };

    std::vector<std::unique_ptr<ChildProcess>> daemons;
    for (int d = 1; d <= 3; ++d)
        daemons.push_back(std::make_unique<ChildProcess>(
            kBinary, std::vector<std::string>{"-c", (dir_ / ("daemon" + std::to_string(d) + ".conf")).string(), "once"},
            dir_ / ("daemon" + std::to_string(d) + ".log")));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (requests() < 12 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    daemons[0]->signal(SIGKILL);
    EXPECT_EQ(daemons[0]->wait(10s), 128 + SIGKILL);
    EXPECT_EQ(daemons[1]->wait(90s), 0) << daemons[1]->log();
    EXPECT_EQ(daemons[2]->wait(90s), 0) << daemons[2]->log();

    // Every feed polled; twice only those the dead daemon had asked for and not stored: at most the
    // eight it may hold at once (four per transfer it may run), fetching or waiting to be stored.
    int twice = 0;
    for (int f = 0; f < kFeeds; ++f) {
        const int hits =
            servers[static_cast<std::size_t>(f) % servers.size()]->hits("/farm-" + std::to_string(f) + ".rss");
        EXPECT_GE(hits, 1) << f;
        EXPECT_LE(hits, 2) << f;
        twice += hits == 2;
    }
    EXPECT_LE(twice, 8);
    EXPECT_EQ(requests(), static_cast<std::size_t>(kFeeds + twice));

    // The survivors publish what all stored (a second `once` each: nothing is due).
    std::vector<std::vector<std::string>> outputs;
    ASSERT_NO_FATAL_FAILURE(outputs = titles_after_second_once(2, 3));
    EXPECT_EQ(requests(), static_cast<std::size_t>(kFeeds + twice));
    EXPECT_EQ(outputs[0].size(), static_cast<std::size_t>(kStories));
    EXPECT_EQ(std::set<std::string>(outputs[0].begin(), outputs[0].end()).size(), static_cast<std::size_t>(kStories));
    EXPECT_EQ(outputs[1], outputs[0]);
}

// SIGHUP works on each daemon as on one alone: a feed added to both configurations is synced once
// into the shared database and polled once, by one of them.
TEST_F(SharedOnPostgresql, AFeedAddedByReloadingEachDaemonIsPolledOnceByOneOfThem) {
    std::vector<Site> feeds = sites(1);
    for (const Site& site : feeds) http_.serve_file(site.path, kFixtures / site.fixture, site.type);
    http_.serve_file("/lequipe-2.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
    const std::string extra = "startup_spread = 1s\n";
    write_config("a.conf", "outA", feeds, extra);
    write_config("b.conf", "outB", feeds, extra);
    ChildProcess a(kBinary, {"-c", (dir_ / "a.conf").string(), "run"}, dir_ / "a.log");
    ChildProcess b(kBinary, {"-c", (dir_ / "b.conf").string(), "run"}, dir_ / "b.log");
    ASSERT_TRUE(a.wait_for_log("published", 20s)) << a.log();
    ASSERT_TRUE(b.wait_for_log("published", 20s)) << b.log();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (http_.requests().size() < feeds.size() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    ASSERT_EQ(http_.requests().size(), feeds.size()) << a.log() << b.log();

    feeds.push_back({"/lequipe-2.rss", "", "", ""});
    write_config("a.conf", "outA", feeds, extra);
    write_config("b.conf", "outB", feeds, extra);
    a.signal(SIGHUP);
    b.signal(SIGHUP);
    for (ChildProcess* daemon : {&a, &b})
        ASSERT_TRUE(daemon->wait_for_log("reload: feeds +1 -0 ~0 (+lequipe-2); 4 feeds active", 10s)) << daemon->log();
    const auto polled = [&] {
        return (a.log().find("feed=lequipe-2 fetched in") != std::string::npos) +
               (b.log().find("feed=lequipe-2 fetched in") != std::string::npos);
    };
    for (int i = 0; i < 300 && polled() == 0; ++i) std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(1s);  // time for a second poll, which must not come
    EXPECT_EQ(polled(), 1) << a.log() << b.log();
    EXPECT_EQ(http_.hits("/lequipe-2.rss"), 1);
    for (const Site& site : sites(1)) EXPECT_EQ(http_.hits(site.path), 1) << site.path;
    a.signal(SIGTERM);
    b.signal(SIGTERM);
    EXPECT_EQ(a.wait(20s), 0) << a.log();
    EXPECT_EQ(b.wait(20s), 0) << b.log();
}

// "ETag: …" of an answer's head, "" if none.
std::string etag_of(const HttpAnswer& answer) {
    const auto at = answer.head.find("ETag: ");
    return at == std::string::npos ? std::string{} : answer.head.substr(at, answer.head.find('\r', at) - at);
}

// Two daemons running on one database: one writes the output files, both serve the same bytes
// under the same ETag, and when the writer stops the other takes over its files.
TEST_F(SharedOnPostgresql, OneDaemonWritesTheFilesBothServeTheSameBytesAndTheOtherTakesOver) {
    const std::vector<Site> feeds = sites(1);
    for (const Site& site : feeds) http_.serve_file(site.path, kFixtures / site.fixture, site.type);
    // Behind one public address, as daemons sharing the work would be: links do not name a daemon.
    const std::string extra = "lease_time = 2s\nstartup_spread = 1s\npublic_url = https://news.example/\n";
    write_config("a.conf", "outA", feeds, extra);
    write_config("b.conf", "outB", feeds, extra);

    ChildProcess a(kBinary, {"-c", (dir_ / "a.conf").string(), "run"}, dir_ / "a.log");
    ASSERT_TRUE(a.wait_for_log("published", 20s)) << a.log();
    ChildProcess b(kBinary, {"-c", (dir_ / "b.conf").string(), "run"}, dir_ / "b.log");
    ASSERT_TRUE(b.wait_for_log("another daemon sharing the database writes the output files", 20s)) << b.log();

    const std::uint16_t port_a = served_port(a.log());
    const std::uint16_t port_b = served_port(b.log());
    ASSERT_NE(port_a, 0);
    ASSERT_NE(port_b, 0);
    // Once the three feeds are stored (whichever daemon polled each), both serve the same three
    // stories, the wire story naming its two other sites.
    const auto polled = [&] {
        const auto count = [](const std::string& log) {
            int n = 0;
            for (auto at = log.find(" fetched in "); at != std::string::npos; at = log.find(" fetched in ", at + 1))
                ++n;
            return n;
        };
        return count(a.log()) + count(b.log());
    };
    for (int i = 0; i < 400 && polled() < 3; ++i) std::this_thread::sleep_for(50ms);
    ASSERT_EQ(polled(), 3) << a.log() << b.log();
    const auto complete = [](const HttpAnswer& answer) {
        std::size_t also = 0;
        for (auto at = answer.body.find("also-reported-by url="); at != std::string::npos;
             at = answer.body.find("also-reported-by url=", at + 1))
            ++also;
        return answer.status == 200 && merged_titles(answer.body).size() == 3 && also == 2;
    };
    const HttpAnswer from_a = http_get_until(port_a, "/merged.xml", complete, 20s);
    ASSERT_TRUE(complete(from_a)) << from_a.head << a.log();
    const HttpAnswer from_b = http_get_until(
        port_b, "/merged.xml", [&](const HttpAnswer& answer) { return answer.body == from_a.body; }, 20s);
    EXPECT_TRUE(from_b.body == from_a.body) << "the two daemons serve different bytes";
    EXPECT_FALSE(etag_of(from_a).empty()) << from_a.head;
    EXPECT_EQ(etag_of(from_b), etag_of(from_a));
    EXPECT_TRUE(fs::exists(dir_ / "outA" / "merged.xml"));
    EXPECT_FALSE(fs::exists(dir_ / "outB" / "merged.xml")) << b.log();
    // Each daemon's /metrics says whether it writes the files, and what it leased.
    const auto leader = [](const std::string& flag) {
        return [flag](const HttpAnswer& answer) {
            return answer.body.find("\ntributary_publishing_leader " + flag + "\n") != std::string::npos;
        };
    };
    const HttpAnswer metrics_a = http_get_until(port_a, "/metrics", leader("1"), 10s);
    EXPECT_TRUE(leader("1")(metrics_a)) << metrics_a.body;
    EXPECT_NE(metrics_a.body.find("\ntributary_hosts_leased "), std::string::npos) << metrics_a.body;
    const HttpAnswer metrics_b = http_get_until(port_b, "/metrics", leader("0"), 10s);
    EXPECT_TRUE(leader("0")(metrics_b)) << metrics_b.body;
    // The three feeds share one host, so whichever daemon leased it first polled all three: the
    // writer of the files need not be the poller, but every poll was leased by one of the two.
    const auto leased = [](const std::string& metrics) {
        const std::string name = "\ntributary_feed_leases_total{result=\"leased\"} ";
        const auto at = metrics.find(name);
        return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + name.size()));
    };
    EXPECT_GE(leased(metrics_a.body), 0) << metrics_a.body;
    EXPECT_GE(leased(metrics_b.body), 0) << metrics_b.body;
    EXPECT_GE(leased(metrics_a.body) + leased(metrics_b.body), 3) << metrics_a.body << metrics_b.body;

    a.signal(SIGTERM);
    ASSERT_EQ(a.wait(20s), 0) << a.log();
    ASSERT_TRUE(b.wait_for_log("this daemon writes the output files now", 20s)) << b.log();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(dir_ / "outB" / "merged.xml") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(fs::exists(dir_ / "outB" / "merged.xml")) << b.log();
    EXPECT_TRUE(read_file(dir_ / "outB" / "merged.xml") == from_a.body) << "the file differs from what was served";
    b.signal(SIGTERM);
    EXPECT_EQ(b.wait(20s), 0) << b.log();
}

}  // namespace
}  // namespace tributary::testing
