#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tributary::store::detail {
namespace {

Db open_memory() {
    auto db = Db::open_in_memory();
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
}

bool table_exists(Db& db, std::string_view name) {
    auto s = Statement::prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", "test");
    EXPECT_TRUE(s);
    return s->bind(1, name).step().value_or(false);
}

TEST(Migrations, EmbeddedListStartsWithInit) {
    const auto migrations = embedded_migrations();
    ASSERT_GE(migrations.size(), 1u);
    EXPECT_EQ(migrations[0].version, 1);
    EXPECT_EQ(migrations[0].name, "0001_init.sql");
    EXPECT_NE(migrations[0].sql.find("CREATE TABLE feeds"), std::string_view::npos);
    EXPECT_EQ(latest_version(migrations), static_cast<int>(migrations.size()));
}

TEST(Migrations, AppliesEverythingOnAFreshDatabase) {
    Db db = open_memory();
    auto v = migrate(db, embedded_migrations());
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(*v, latest_version(embedded_migrations()));
    EXPECT_EQ(db.user_version(), Result<int>{*v});
    EXPECT_TRUE(table_exists(db, "feeds"));
    EXPECT_TRUE(table_exists(db, "items"));
    EXPECT_TRUE(table_exists(db, "stories"));
    EXPECT_FALSE(db.in_transaction());
}

TEST(Migrations, SecondRunIsANoOp) {
    Db db = open_memory();
    ASSERT_TRUE(migrate(db, embedded_migrations()));
    auto again = migrate(db, embedded_migrations());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, latest_version(embedded_migrations()));
}

TEST(Migrations, FailedMigrationLeavesNothingAndNamesTheFile) {
    Db db = open_memory();
    std::vector<Migration> list(embedded_migrations().begin(), embedded_migrations().end());
    const int good = latest_version(list);
    ASSERT_TRUE(migrate(db, list));
    list.push_back(
        Migration{good + 1, "0099_broken.sql", "CREATE TABLE half_done (x INTEGER);\nINSERT INTO nowhere VALUES (1);"});

    auto r = migrate(db, list);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Db);
    EXPECT_EQ(r.error().message, "store: migration 0099_broken.sql: no such table: nowhere");
    EXPECT_EQ(db.user_version(), Result<int>{good});
    EXPECT_FALSE(table_exists(db, "half_done"));
    EXPECT_FALSE(db.in_transaction());
}

TEST(Migrations, FailedFirstMigrationLeavesAnEmptyDatabase) {
    Db db = open_memory();
    const std::vector<Migration> list{
        Migration{1, "0001_bad.sql", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);"}};
    auto r = migrate(db, list);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "store: migration 0001_bad.sql: table a already exists");
    EXPECT_EQ(db.user_version(), Result<int>{0});
    EXPECT_FALSE(table_exists(db, "a"));
}

TEST(Migrations, OnlyNewerMigrationsRun) {
    Db db = open_memory();
    std::vector<Migration> list{Migration{1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"}};
    ASSERT_EQ(migrate(db, list), Result<int>{1});
    // Re-running 0001 would fail ("table a already exists"): it must be skipped.
    list.push_back(Migration{2, "0002_b.sql", "CREATE TABLE b (x INTEGER);"});
    ASSERT_EQ(migrate(db, list), Result<int>{2});
    EXPECT_TRUE(table_exists(db, "b"));
}

TEST(Migrations, NewerDatabaseIsRefused) {
    Db db = open_memory();
    ASSERT_TRUE(db.set_user_version(latest_version(embedded_migrations()) + 5));
    auto r = migrate(db, embedded_migrations());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Db);
    const std::string expected = "store: database schema version " +
                                 std::to_string(latest_version(embedded_migrations()) + 5) +
                                 " is newer than this build of tributary knows (" +
                                 std::to_string(latest_version(embedded_migrations())) + "); use a newer tributary";
    EXPECT_EQ(r.error().message, expected);
    EXPECT_FALSE(table_exists(db, "feeds"));
}

TEST(Migrations, MalformedListIsRejected) {
    Db db = open_memory();
    const std::vector<Migration> gap{Migration{1, "0001_a.sql", "SELECT 1;"}, Migration{3, "0003_c.sql", "SELECT 1;"}};
    auto r = migrate(db, gap);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Internal);
    EXPECT_EQ(r.error().message, "store: migration 0003_c.sql has version 3, expected 2");
    EXPECT_EQ(db.user_version(), Result<int>{0});
}

TEST(Migrations, CheckVersionAcceptsOnlyTheCurrentVersion) {
    Db db = open_memory();
    auto fresh = check_version(db, embedded_migrations());
    ASSERT_FALSE(fresh);
    EXPECT_NE(fresh.error().message.find("schema version 0 is older"), std::string::npos) << fresh.error().message;
    ASSERT_TRUE(migrate(db, embedded_migrations()));
    EXPECT_EQ(check_version(db, embedded_migrations()), Result<int>{latest_version(embedded_migrations())});
    ASSERT_TRUE(db.set_user_version(latest_version(embedded_migrations()) + 1));
    auto newer = check_version(db, embedded_migrations());
    ASSERT_FALSE(newer);
    EXPECT_NE(newer.error().message.find("is newer than this build"), std::string::npos);
}

}  // namespace
}  // namespace tributary::store::detail
