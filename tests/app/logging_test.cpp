#include "app/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/log_levels.hpp"

namespace tributary::app {
namespace {

namespace fs = std::filesystem;

TEST(LogLevelsParse, PlainLevelSetsTheBase) {
    const auto levels = parse_log_levels("debug");
    ASSERT_TRUE(levels) << levels.error().message;
    EXPECT_EQ(levels->base, "debug");
    EXPECT_TRUE(levels->stages.empty());
    EXPECT_EQ(levels->level_of("fetch"), "debug");
}

TEST(LogLevelsParse, StageEntriesOverrideTheBaseForTheirStageOnly) {
    const auto levels = parse_log_levels(" INFO , fetch = Debug,http=off");
    ASSERT_TRUE(levels) << levels.error().message;
    EXPECT_EQ(levels->level_of(""), "info");
    EXPECT_EQ(levels->level_of("fetch"), "debug");
    EXPECT_EQ(levels->level_of("http"), "off");
    EXPECT_EQ(levels->level_of("store"), "info");
}

TEST(LogLevelsParse, StagesAloneLeaveTheBaseUnsaid) {
    const auto levels = parse_log_levels("fetch=trace");
    ASSERT_TRUE(levels) << levels.error().message;
    EXPECT_FALSE(levels->base);
    EXPECT_EQ(levels->level_of("fetch"), "trace");
    EXPECT_FALSE(levels->level_of("parse"));
}

TEST(LogLevelsParse, RejectsWhatItDoesNotKnowAndSaysWhy) {
    struct Case {
        const char* spec;
        const char* why;
    };
    for (const Case c : {Case{"loud", "unknown level 'loud'"}, Case{"info,fech=debug", "unknown stage 'fech'"},
                         Case{"info,,fetch=debug", "empty entry"}, Case{"", "empty entry"},
                         Case{"fetch=", "unknown level ''"}, Case{"info,", "empty entry"}}) {
        SCOPED_TRACE(c.spec);
        const auto levels = parse_log_levels(c.spec);
        ASSERT_FALSE(levels);
        EXPECT_EQ(levels.error().kind, ErrorKind::Config);
        EXPECT_NE(levels.error().message.find(c.why), std::string::npos) << levels.error().message;
    }
}

TEST(LogLevelsOverlay, APlainLevelAboveResetsEveryStageBelow) {
    const LogLevels merged = overlay(*parse_log_levels("warn,fetch=debug"), *parse_log_levels("error"));
    EXPECT_EQ(merged.level_of("fetch"), "error");
    EXPECT_EQ(merged.level_of(""), "error");
}

TEST(LogLevelsOverlay, StageEntriesAboveKeepTheBaseBelow) {
    const LogLevels merged = overlay(*parse_log_levels("warn,http=debug"), *parse_log_levels("fetch=trace"));
    EXPECT_EQ(merged.level_of(""), "warn");
    EXPECT_EQ(merged.level_of("fetch"), "trace");
    EXPECT_EQ(merged.level_of("http"), "debug");
}

TEST(ChooseLogLevels, CommandLineOverEnvironmentOverConfig) {
    std::vector<std::string> warnings;
    const LogLevels levels = choose_log_levels("warn,http=debug", "info,fetch=debug", "parse=trace", warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(levels.level_of(""), "info");  // the environment's base replaced the config's
    EXPECT_EQ(levels.level_of("http"), "info");
    EXPECT_EQ(levels.level_of("fetch"), "debug");
    EXPECT_EQ(levels.level_of("parse"), "trace");
}

TEST(ChooseLogLevels, NothingSaidMeansInfoAndAMalformedEnvironmentIsLeftOutWithAWarning) {
    std::vector<std::string> warnings;
    EXPECT_FALSE(choose_log_levels("", nullptr, "", warnings).base);
    const LogLevels levels = choose_log_levels("error", "verbose", "", warnings);
    EXPECT_EQ(levels.level_of(""), "error");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("TRIBUTARY_LOG ignored: log level 'verbose': unknown level"), std::string::npos)
        << warnings[0];
}

TEST(FeedOf, TakesTheNameFromALineThatBeginsWithIt) {
    EXPECT_EQ(feed_of("feed=alpha fetched in 12ms: 3 items"), "alpha");
    EXPECT_EQ(feed_of("feed=le-monde.fr"), "le-monde.fr");
    EXPECT_EQ(feed_of("feed=a: x"), "a");
    EXPECT_EQ(feed_of("cycle: 3 feeds polled"), "");
    EXPECT_EQ(feed_of("output merged: feed=alpha"), "");
}

class TempFile {
public:
    TempFile()
        : path_(fs::temp_directory_path() /
                ("tributary_log_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
        std::ofstream(path_) << "x";
        file_ = std::fopen(path_.c_str(), "r");
    }
    ~TempFile() {
        if (file_ != nullptr) std::fclose(file_);
        fs::remove(path_);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int fd() const { return ::fileno(file_); }
    std::string journal_stream() const {
        struct stat st {};
        ::fstat(fd(), &st);
        return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    }

private:
    static inline int counter_ = 0;
    fs::path path_;
    std::FILE* file_ = nullptr;
};

TEST(StderrIsJournal, OnlyWhenJournalStreamNamesTheDescriptorsFile) {
    const TempFile stream;
    const TempFile other;
    EXPECT_TRUE(stderr_is_journal(stream.journal_stream().c_str(), stream.fd()));
    // Inherited by a child whose stderr was redirected: not the journal any more.
    EXPECT_FALSE(stderr_is_journal(stream.journal_stream().c_str(), other.fd()));
    EXPECT_FALSE(stderr_is_journal(nullptr, stream.fd()));
    for (const char* bad : {"", ":", "12", "12:", ":34", "x:1", "1:2:3", "-1:5"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(stderr_is_journal(bad, stream.fd()));
    }
}

// What the journal would receive, field by field.
struct Captured {
    std::vector<std::map<std::string, std::string>> entries;
    int result = 0;
};

std::shared_ptr<spdlog::logger> journal_logger(const std::string& name, Captured& captured) {
    auto sink = make_journal_sink([&captured](std::span<const iovec> fields) {
        std::map<std::string, std::string> entry;
        for (const iovec& field : fields) {
            const std::string text(static_cast<const char*>(field.iov_base), field.iov_len);
            const std::size_t equals = text.find('=');
            entry[text.substr(0, equals)] = text.substr(equals + 1);
        }
        captured.entries.push_back(std::move(entry));
        return captured.result;
    });
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(spdlog::level::trace);
    return logger;
}

TEST(JournalSink, SendsPriorityFeedAndStageAsFields) {
    Captured captured;
    auto fetch = journal_logger("fetch", captured);
    fetch->warn("feed=alpha url=http://a.example/ failed (timed_out)");
    fetch->debug("feed=beta outcome=fetched status=200");
    ASSERT_EQ(captured.entries.size(), 2u);
    auto& warn = captured.entries[0];
    EXPECT_EQ(warn["MESSAGE"], "feed=alpha url=http://a.example/ failed (timed_out)");
    EXPECT_EQ(warn["PRIORITY"], std::to_string(LOG_WARNING));
    EXPECT_EQ(warn["FEED"], "alpha");
    EXPECT_EQ(warn["TRIBUTARY_STAGE"], "fetch");
    EXPECT_EQ(warn["SYSLOG_IDENTIFIER"], "tributary");
    EXPECT_EQ(captured.entries[1]["PRIORITY"], std::to_string(LOG_DEBUG));
    EXPECT_EQ(captured.entries[1]["FEED"], "beta");
}

TEST(JournalSink, PrioritiesFollowSyslogAndLinesWithoutAFeedHaveNoFeedField) {
    Captured captured;
    auto daemon = journal_logger("tributary", captured);
    daemon->info("cycle: 2 feeds polled");
    daemon->error("retention: disk full\nsecond line");
    daemon->critical("cannot start");
    ASSERT_EQ(captured.entries.size(), 3u);
    EXPECT_EQ(captured.entries[0]["PRIORITY"], std::to_string(LOG_INFO));
    EXPECT_FALSE(captured.entries[0].contains("FEED"));
    EXPECT_FALSE(captured.entries[0].contains("TRIBUTARY_STAGE"));  // the daemon's own logger
    EXPECT_EQ(captured.entries[1]["PRIORITY"], std::to_string(LOG_ERR));
    EXPECT_EQ(captured.entries[1]["MESSAGE"], "retention: disk full\nsecond line");
    EXPECT_EQ(captured.entries[2]["PRIORITY"], std::to_string(LOG_CRIT));
}

class EnvVar {
public:
    EnvVar(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value != nullptr)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(InitLogging, GivesEachStageItsLevelFromTheEnvironment) {
    const EnvVar journal("JOURNAL_STREAM", nullptr);
    const EnvVar env("TRIBUTARY_LOG", "info,fetch=debug");
    init_logging("warn,http=error");
    ASSERT_TRUE(spdlog::get("fetch"));
    EXPECT_EQ(spdlog::get("fetch")->level(), spdlog::level::debug);
    EXPECT_EQ(spdlog::get("http")->level(), spdlog::level::info);
    EXPECT_EQ(spdlog::get("store")->level(), spdlog::level::info);
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
    EXPECT_EQ(spdlog::default_logger()->name(), "tributary");

    init_logging("warn", "trace");  // again: replaces, and --log-level wins
    EXPECT_EQ(spdlog::get("fetch")->level(), spdlog::level::trace);
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::trace);
}

TEST(InitLogging, KeepsTheOldSingleLevelBehaviour) {
    const EnvVar journal("JOURNAL_STREAM", nullptr);
    const EnvVar env("TRIBUTARY_LOG", nullptr);
    init_logging("error");
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
    EXPECT_EQ(spdlog::get("fetch")->level(), spdlog::level::err);
    init_logging("");
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
}

fs::path write_config(const std::string& log_level) {
    const fs::path dir = fs::temp_directory_path() / ("tributary_logcfg_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "feeds.conf") << "[daemon]\ndatabase = t.db\nlog_level = " << log_level
                                      << "\n[feed a]\nurl = https://example.org/feed.xml\n";
    return dir / "feeds.conf";
}

TEST(ConfigLogLevel, AcceptsLevelsPerStageAndRejectsUnknownOnesWithTheLine) {
    const fs::path good = write_config("info, fetch=debug");
    const auto config = config::load_config(good);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->daemon.log_level, "info, fetch=debug");

    const fs::path bad = write_config("info,fetch=loud");
    const auto refused = config::load_config(bad);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("feeds.conf:3:"), std::string::npos) << refused.error().message;
    fs::remove_all(bad.parent_path());
}

}  // namespace
}  // namespace tributary::app
