// Start-up after an upgrade applies the pending migrations and says which (issue 13).

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "store/feed_store.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"

namespace tributary::store {
namespace {

namespace fs = std::filesystem;

class Upgrade : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "tributary_upgrade_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir = pattern;
        auto logger = std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
        spdlog::drop("store");
        spdlog::register_logger(logger);
    }
    void TearDown() override {
        spdlog::drop("store");
        fs::remove_all(dir);
    }
    fs::path dir;
    std::ostringstream log;
};

TEST_F(Upgrade, MigrateReportsWhatItApplied) {
    auto db = Db::open_in_memory();
    ASSERT_TRUE(db);
    const auto all = detail::embedded_migrations();
    ASSERT_GE(all.size(), 3u);
    std::vector<std::string_view> applied;
    ASSERT_TRUE(detail::migrate(*db, all.first(2), &applied));
    EXPECT_EQ(applied, (std::vector<std::string_view>{all[0].name, all[1].name}));
    applied.clear();
    ASSERT_TRUE(detail::migrate(*db, all, &applied));
    ASSERT_EQ(applied.size(), all.size() - 2);
    EXPECT_EQ(applied.front(), all[2].name);
    applied.clear();
    ASSERT_TRUE(detail::migrate(*db, all, &applied));
    EXPECT_TRUE(applied.empty());
}

TEST_F(Upgrade, OpeningAnOlderDatabaseLogsTheMigrationsApplied) {
    const fs::path file = dir / "t.db";
    const auto all = detail::embedded_migrations();
    const int old_version = static_cast<int>(all.size()) - 2;
    {
        // What an older tributary left behind.
        auto db = Db::open(file.string(), Db::Mode::read_write_create);
        ASSERT_TRUE(db);
        ASSERT_TRUE(detail::migrate(*db, all.first(static_cast<std::size_t>(old_version))));
    }
    {
        auto store = FeedStore::open(file);
        ASSERT_TRUE(store) << store.error().message;
        EXPECT_EQ(store->schema_version(), detail::latest_version(all));
    }
    const std::string expected = "store: upgraded " + file.string() + " from schema version " +
                                 std::to_string(old_version) + " to " + std::to_string(all.size()) + ": applied " +
                                 std::string(all[all.size() - 2].name) + ", " + std::string(all.back().name);
    EXPECT_NE(log.str().find(expected), std::string::npos) << log.str();

    log.str("");
    {
        auto again = FeedStore::open(file);
        ASSERT_TRUE(again);
    }
    EXPECT_EQ(log.str(), "") << "nothing to apply, nothing said";
}

TEST_F(Upgrade, ANewDatabaseSaysItWasCreated) {
    const fs::path file = dir / "new.db";
    {
        auto store = FeedStore::open(file);
        ASSERT_TRUE(store) << store.error().message;
    }
    EXPECT_NE(log.str().find("store: created " + file.string() + " at schema version " +
                             std::to_string(detail::latest_version(detail::embedded_migrations()))),
              std::string::npos)
        << log.str();
}

}  // namespace
}  // namespace tributary::store
