// Issue 13 through the real binary: import-opml, export-opml and backup while the daemon runs.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "process.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Ops : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "tributary_ops_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir = pattern;
        config = dir / "feeds.conf";
        std::ofstream(config) << "# the operator's comment\n[daemon]\ndatabase = state/t.db\nlisten = 127.0.0.1:0\n"
                                 "allow_private = yes\ninterval = 1h\n\n[output merged]\npath = state/merged.xml\n"
                                 "url = /merged.xml\ntitle = t\n\n[feed local]\nurl = http://127.0.0.1:9/feed.xml\n";
    }
    void TearDown() override { fs::remove_all(dir); }

    int tributary(const std::vector<std::string>& args, const std::string& log_name) {
        std::vector<std::string> all{"-c", config.string()};
        all.insert(all.end(), args.begin(), args.end());
        return run_to_completion(TRIBUTARY_BINARY, all, dir / log_name, 30s);
    }

    fs::path dir;
    fs::path config;
};

TEST_F(Ops, ImportOpmlAppendsFeedsTheConfigLoadsAndExportGivesThemBack) {
    std::ofstream(dir / "subs.opml") << R"(<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Feedly</title></head><body>
<outline text="أخبار" title="أخبار">
  <outline type="rss" text="هسبريس" title="هسبريس" xmlUrl="https://www.hespress.com/feed" htmlUrl="https://www.hespress.com"/>
</outline>
<outline text="local again" xmlUrl="HTTP://127.0.0.1:9/feed.xml#top"/>
<outline text="bad" xmlUrl="ftp://x.example/feed"/>
</body></opml>
)";
    const std::string before = read_file(config);
    ASSERT_EQ(tributary({"import-opml", (dir / "subs.opml").string()}, "import.log"), 0)
        << read_file(dir / "import.log");
    const std::string log = read_file(dir / "import.log");
    EXPECT_NE(log.find("added [feed hespress.com]"), std::string::npos) << log;
    EXPECT_NE(log.find("already followed as [feed local]"), std::string::npos) << log;
    EXPECT_NE(log.find("subs.opml:7: outline \"bad\": xmlUrl \"ftp://x.example/feed\" is not an http(s) URL"),
              std::string::npos)
        << log;
    const std::string after = read_file(config);
    EXPECT_TRUE(after.starts_with(before));
    EXPECT_NE(after.find("[feed hespress.com]\nurl = https://www.hespress.com/feed\ntags = أخبار\n"), std::string::npos)
        << after;
    EXPECT_EQ(tributary({"check"}, "check.log"), 0) << read_file(dir / "check.log");
    EXPECT_NE(read_file(dir / "check.log").find("ok: 2 feeds"), std::string::npos) << read_file(dir / "check.log");

    // Again: nothing to add, the file untouched.
    ASSERT_EQ(tributary({"import-opml", (dir / "subs.opml").string()}, "again.log"), 0);
    EXPECT_NE(read_file(dir / "again.log").find("nothing to add"), std::string::npos);
    EXPECT_EQ(read_file(config), after);

    ASSERT_EQ(tributary({"export-opml"}, "export.log"), 0);
    const std::string exported = read_file(dir / "export.log");
    EXPECT_NE(exported.find("<opml version=\"2.0\">"), std::string::npos) << exported;
    EXPECT_NE(exported.find("<outline text=\"أخبار\" title=\"أخبار\">"), std::string::npos) << exported;
    EXPECT_NE(exported.find("xmlUrl=\"https://www.hespress.com/feed\""), std::string::npos) << exported;
    EXPECT_NE(exported.find("xmlUrl=\"http://127.0.0.1:9/feed.xml\""), std::string::npos) << exported;
}

TEST_F(Ops, ImportOpmlRefusesAFileThatIsNotOpmlAndLeavesTheConfigAlone) {
    std::ofstream(dir / "feed.xml") << "<rss version=\"2.0\"><channel/></rss>";
    const std::string before = read_file(config);
    EXPECT_EQ(tributary({"import-opml", (dir / "feed.xml").string()}, "import.log"), 1);
    EXPECT_NE(read_file(dir / "import.log").find("not OPML: the root element is <rss>"), std::string::npos);
    EXPECT_EQ(read_file(config), before);
}

TEST_F(Ops, BackupCopiesTheDatabaseWhileTheDaemonRunsAndRefusesTheLiveFile) {
    ChildProcess daemon(TRIBUTARY_BINARY, {"-c", config.string(), "run"}, dir / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("running:", 20s)) << daemon.log();
    ASSERT_TRUE(daemon.wait_for_log("cycle:", 20s)) << daemon.log();
    const fs::path copy = dir / "backup.db";
    ASSERT_EQ(tributary({"backup", copy.string()}, "backup.log"), 0) << read_file(dir / "backup.log");
    EXPECT_EQ(query(copy, "PRAGMA integrity_check"), (std::vector<std::vector<std::string>>{{"ok"}}));
    EXPECT_EQ(query(copy, "SELECT name FROM feeds"), (std::vector<std::vector<std::string>>{{"local"}}));

    EXPECT_EQ(tributary({"backup", (dir / "state" / "t.db").string()}, "live.log"), 1);
    EXPECT_NE(read_file(dir / "live.log").find("refusing to overwrite the live database"), std::string::npos)
        << read_file(dir / "live.log");
    EXPECT_TRUE(daemon.running());
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(20s), 0) << daemon.log();
}

}  // namespace
}  // namespace tributary::testing
