// The real daemon on PostgreSQL: `database = postgresql://…` in feeds.conf, the password in a
// file, the throwaway server ctest starts (tests/support/postgresql.sh), and a real HTTP server
// on 127.0.0.1 serving tests/fixtures/arabic. The same story once, its Arabic intact, 304s the
// second time, `status` reading the same database, and the password nowhere in what it printed.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <set>
#include <string>
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
    EXPECT_NE(log1.find("store: created " + url_ + " at schema version 1 (0001_init.sql)"), std::string::npos) << log1;
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
    EXPECT_NE(read_file(dir_ / "check2.log").find(", schema version 1 (this build's)"), std::string::npos)
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

}  // namespace
}  // namespace tributary::testing
