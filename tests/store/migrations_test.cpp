#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
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

std::string text_of(Db& db, std::string_view sql) {
    auto s = Statement::prepare(db, sql, "test");
    EXPECT_TRUE(s) << s.error().message;
    auto row = s->step();
    EXPECT_TRUE(row && *row) << sql;
    return s->column_text(0);
}

bool index_exists(Db& db, std::string_view name) {
    auto s = Statement::prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1", "test");
    EXPECT_TRUE(s);
    return s->bind(1, name).step().value_or(false);
}

// Every column of every story, in one line: what a rebuild of the table must keep.
std::string stories_of(Db& db) {
    return text_of(db,
                   "SELECT group_concat(id || ':' || guid || ':' || canonical_url || ':' || fingerprint || ':' || "
                   "coalesce(published, '-') || ':' || first_seen || ':' || first_item_id || ':' || "
                   "quote(features), ' ') FROM (SELECT * FROM stories ORDER BY id)");
}

// The stories of store_at_version_6(), as stories_of() shows them.
constexpr std::string_view kStoriesOfVersion6 =
    "10:urn:tributary:story:00000000000000aa:https://a.example/1:7:100:200:1:X'545346' "
    "11:urn:tributary:story:00000000000000bb::0:-:300:3:NULL";

// A store of schema 6 with a feed, two stories and three items, as a daemon left it.
Db store_at_version_6() {
    Db db = open_memory();
    EXPECT_TRUE(db.exec("PRAGMA foreign_keys = ON", "test"));
    EXPECT_EQ(migrate(db, embedded_migrations().first(6)), Result<int>{6});
    EXPECT_TRUE(
        db.exec("INSERT INTO feeds (id, name, url, created) VALUES (1, 'alpha', 'https://a.example/feed', 0);"
                "INSERT INTO stories (id, guid, canonical_url, fingerprint, published, first_seen, features) VALUES "
                "  (10, 'urn:tributary:story:00000000000000aa', 'https://a.example/1', 7, 100, 200, x'545346'),"
                "  (11, 'urn:tributary:story:00000000000000bb', '', 0, NULL, 300, NULL);"
                "INSERT INTO items (id, feed_id, item_key, story_id, first_seen, last_seen) VALUES "
                "  (1, 1, 'g:1', 10, 200, 200), (2, 1, 'g:2', 10, 250, 250), (3, 1, 'g:3', 11, 300, 300);"
                "UPDATE stories SET first_item_id = 1 WHERE id = 10;"
                "UPDATE stories SET first_item_id = 3 WHERE id = 11;",
                "test"));
    return db;
}

TEST(Migrations, StoriesRebuiltWithoutTheirRandomIndexesKeepEveryRowAndReference) {
    Db db = store_at_version_6();
    ASSERT_TRUE(index_exists(db, "stories_by_time"));
    ASSERT_EQ(migrate(db, embedded_migrations().first(7)), Result<int>{7});

    EXPECT_FALSE(index_exists(db, "stories_by_time"));
    EXPECT_TRUE(index_exists(db, "stories_by_first_item"));
    EXPECT_TRUE(index_exists(db, "stories_by_first_seen"));
    EXPECT_EQ(stories_of(db), kStoriesOfVersion6);
    EXPECT_EQ(text_of(db, "SELECT group_concat(id || '>' || story_id, ' ') FROM items"), "1>10 2>10 3>11");
    // The dropped table's children were not deleted with it, and still point at the new one.
    EXPECT_EQ(text_of(db, "PRAGMA foreign_keys"), "1");
    ASSERT_TRUE(db.exec("DELETE FROM stories WHERE id = 11", "test"));
    EXPECT_EQ(text_of(db, "SELECT group_concat(id, ' ') FROM items"), "1 2");
    ASSERT_TRUE(db.exec("DELETE FROM items WHERE id = 1", "test"));
    EXPECT_EQ(text_of(db, "SELECT coalesce(first_item_id, 'null') FROM stories WHERE id = 10"), "null");
    // Two stories may carry one guid now: nothing but the hash of a unique item key makes them.
    EXPECT_TRUE(
        db.exec("INSERT INTO stories (guid, first_seen) VALUES ('urn:tributary:story:00000000000000aa', 1)", "test"));
}

// Schema 9: a story may name its first item before the item is written, in the same
// transaction; a story still naming no item of its own when the transaction commits fails it.
TEST(Migrations, AStoryNamesItsFirstItemBeforeItIsWrittenButNotInstead) {
    Db db = store_at_version_6();
    ASSERT_EQ(migrate(db, embedded_migrations().first(9)), Result<int>{9});
    EXPECT_EQ(stories_of(db), kStoriesOfVersion6);
    EXPECT_TRUE(index_exists(db, "stories_by_first_item"));
    EXPECT_TRUE(index_exists(db, "stories_by_first_seen"));
    EXPECT_EQ(text_of(db, "PRAGMA foreign_keys"), "1");

    ASSERT_TRUE(
        db.exec("BEGIN;"
                "INSERT INTO stories (id, guid, first_seen, first_item_id) VALUES (12, 'g12', 400, 4);"
                "INSERT INTO items (id, feed_id, item_key, story_id, first_seen, last_seen) "
                "  VALUES (4, 1, 'g:4', 12, 400, 400);"
                "COMMIT",
                "test"));
    EXPECT_EQ(text_of(db, "SELECT first_item_id FROM stories WHERE id = 12"), "4");

    ASSERT_TRUE(
        db.exec("BEGIN; INSERT INTO stories (id, guid, first_seen, first_item_id) VALUES (13, 'g13', 500, 5)", "test"));
    auto dangling = db.exec("COMMIT", "test");
    ASSERT_FALSE(dangling);
    EXPECT_NE(dangling.error().message.find("FOREIGN KEY constraint failed"), std::string::npos)
        << dangling.error().message;
    ASSERT_TRUE(db.exec("ROLLBACK", "test"));
    EXPECT_EQ(text_of(db, "SELECT count(*) FROM stories WHERE id = 13"), "0");
    // Deleting an item still unnames it at once.
    ASSERT_TRUE(db.exec("DELETE FROM items WHERE id = 4", "test"));
    EXPECT_EQ(text_of(db, "SELECT coalesce(first_item_id, 'null') FROM stories WHERE id = 12"), "null");
}

TEST(Migrations, AMigrationThatLeavesARowWithoutItsParentFails) {
    Db db = store_at_version_6();
    std::vector<Migration> list(embedded_migrations().begin(), embedded_migrations().end());
    const int good = latest_version(list);
    ASSERT_EQ(migrate(db, list), Result<int>{good});
    list.push_back(
        Migration{good + 1, "0099_orphan.sql", "CREATE TABLE kept (x INTEGER); DELETE FROM stories WHERE id = 11;"});

    auto r = migrate(db, list);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Db);
    EXPECT_EQ(r.error().message,
              "store: migration 0099_orphan.sql: leaves a row of items (rowid 3) refers to a missing row of stories");
    EXPECT_EQ(db.user_version(), Result<int>{good});
    EXPECT_FALSE(table_exists(db, "kept"));
    EXPECT_EQ(text_of(db, "SELECT count(*) FROM stories WHERE id = 11"), "1");
    EXPECT_EQ(text_of(db, "PRAGMA foreign_keys"), "1");
}

// A row an operator orphaned by hand (the sqlite3 shell has foreign keys off) is not the
// migration's doing: the upgrade goes on, and the row stays as it was.
TEST(Migrations, ARowOrphanedBeforeTheMigrationDoesNotStopIt) {
    Db db = store_at_version_6();
    ASSERT_TRUE(db.exec("PRAGMA foreign_keys = OFF; DELETE FROM feeds WHERE id = 1; PRAGMA foreign_keys = ON", "test"));
    ASSERT_EQ(migrate(db, embedded_migrations().first(7)), Result<int>{7});
    EXPECT_EQ(text_of(db, "SELECT group_concat(id || '>' || feed_id, ' ') FROM items"), "1>1 2>1 3>1");

    std::vector<Migration> list(embedded_migrations().begin(), embedded_migrations().begin() + 7);
    list.push_back(Migration{8, "0008_orphan.sql", "DELETE FROM stories WHERE id = 11;"});
    auto r = migrate(db, list);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "store: migration 0008_orphan.sql: leaves a row of items (rowid 3) refers to a missing row of stories");
}

TEST(Migrations, ForeignKeysOffBeforeStayOff) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("PRAGMA foreign_keys = OFF", "test"));
    ASSERT_TRUE(migrate(db, embedded_migrations()));
    EXPECT_EQ(text_of(db, "PRAGMA foreign_keys"), "0");
}

}  // namespace
}  // namespace tributary::store::detail
