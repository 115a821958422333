#include "store/sqlite.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "full_disk_vfs.hpp"

namespace tributary::store {
namespace {

using namespace std::chrono_literals;

Db open_memory() {
    auto db = Db::open_in_memory();
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
}

Statement prepare(Db& db, std::string_view sql) {
    auto stmt = Statement::prepare(db, sql, "test");
    EXPECT_TRUE(stmt) << stmt.error().message;
    return std::move(*stmt);
}

std::int64_t count_rows(Db& db) {
    Statement s = prepare(db, "SELECT count(*) FROM t");
    EXPECT_TRUE(s.step().value_or(false));
    return s.column_int64(0);
}

TEST(SqliteStatement, BindsAndReadsEveryType) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, s TEXT, a INTEGER, b INTEGER, n TEXT)", "create"));
    Statement insert = prepare(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
    const SysTime when{std::chrono::seconds{1'700'000'123}};
    const std::string with_nul("a\0b", 3);
    ASSERT_TRUE(insert.reset()
                    .bind(1, std::int64_t{-9'000'000'000})
                    .bind(2, with_nul)
                    .bind(3, std::optional<SysTime>{when})
                    .bind(4, std::optional<SysTime>{})
                    .bind_null(5)
                    .run());

    Statement select = prepare(db, "SELECT i, s, a, b, n FROM t");
    auto row = select.step();
    ASSERT_TRUE(row);
    ASSERT_TRUE(*row);
    EXPECT_EQ(select.column_int64(0), -9'000'000'000);
    EXPECT_EQ(select.column_text(1), with_nul);
    EXPECT_EQ(select.column_time(2), when);
    EXPECT_EQ(select.column_time(3), std::nullopt);
    EXPECT_TRUE(select.is_null(4));
    EXPECT_EQ(select.column_text(4), "");
    EXPECT_EQ(select.step(), Result<bool>{false});
}

// The store reads an inserted row's id from the connection (no RETURNING: see insert_item).
TEST(SqliteDb, LastInsertRowidIsTheRowItsLastInsertMade) {
    Db db = open_memory();
    ASSERT_TRUE(
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (id, v) VALUES (41, 'a')", "t"));
    auto insert = Statement::prepare(db, "INSERT INTO t (v) VALUES (?1)", "insert");
    ASSERT_TRUE(insert);
    ASSERT_TRUE(insert->bind(1, std::string_view{"b"}).run());
    EXPECT_EQ(db.last_insert_rowid(), 42);
    ASSERT_TRUE(db.exec("UPDATE t SET v = 'c' WHERE id = 41", "t"));  // an update inserts nothing
    EXPECT_EQ(db.last_insert_rowid(), 42);
    auto again = insert->reset().bind(1, std::string_view{"d"}).run();
    ASSERT_TRUE(again);
    EXPECT_EQ(db.last_insert_rowid(), 43);
}

TEST(SqliteStatement, EmptyTextIsNotNull) {
    Db db = open_memory();
    Statement s = prepare(db, "SELECT ?1 IS NULL, length(?1)");
    ASSERT_TRUE(s.bind(1, std::string_view{}).step().value_or(false));
    EXPECT_EQ(s.column_int64(0), 0);
    EXPECT_EQ(s.column_int64(1), 0);
}

TEST(SqliteStatement, ReusedAfterResetWithFreshBindings) {
    Db db = open_memory();
    Statement s = prepare(db, "SELECT ?1 + 1");
    for (std::int64_t i = 0; i < 3; ++i) {
        auto use = s.use();
        ASSERT_TRUE(s.bind(1, i).step().value_or(false));
        EXPECT_EQ(s.column_int64(0), i + 1);
    }
    auto use = s.use();  // bindings were cleared: NULL + 1 is NULL
    ASSERT_TRUE(s.step().value_or(false));
    EXPECT_TRUE(s.is_null(0));
}

TEST(SqliteStatement, BindErrorIsReportedByStep) {
    Db db = open_memory();
    Statement s = prepare(db, "SELECT ?1");
    auto r = s.bind(1, std::int64_t{1}).bind(7, std::int64_t{2}).step();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Db);
    EXPECT_EQ(r.error().message, "store: test: bind parameter 7: column index out of range");
}

TEST(SqliteStatement, PrepareErrorNamesWhatAndSqliteMessage) {
    Db db = open_memory();
    auto s = Statement::prepare(db, "SELECT * FROM missing", "read missing");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::Db);
    EXPECT_EQ(s.error().message, "store: prepare read missing: no such table: missing");
}

TEST(SqliteStatement, StepErrorNamesWhatAndSqliteMessage) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER NOT NULL)", "create"));
    auto s = Statement::prepare(db, "INSERT INTO t VALUES (NULL)", "insert t");
    ASSERT_TRUE(s);
    auto r = s->run();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "store: insert t: NOT NULL constraint failed: t.x");
}

// In autocommit mode a write commits when the statement ends. A write with RETURNING ends after
// its row was read: finish() is where a failed commit (here: a full disk, which fails the WAL
// write) is reported, not the reset that would otherwise end it.
TEST(SqliteStatement, FinishReportsTheCommitOfAnAutocommitWrite) {
    const auto dir = std::filesystem::temp_directory_path() / ("tributary-sqlite-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
        test_support::FullDiskVfs disk;
        auto db = Db::open((dir / "t.db").string(), Db::Mode::read_write_create);
        ASSERT_TRUE(db) << db.error().message;
        ASSERT_EQ(db->pragma_text("PRAGMA journal_mode = WAL", "wal"), Result<std::string>{"wal"});
        ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)", "create"));

        Statement bump = prepare(*db, "UPDATE t SET x = x + 1 RETURNING x");
        disk.set_full(true);
        ASSERT_EQ(bump.step(), Result<bool>{true});  // the row is there, the commit is still to come
        EXPECT_EQ(bump.column_int64(0), 2);
        auto done = bump.finish();
        ASSERT_FALSE(done);
        EXPECT_EQ(done.error(), (Error{ErrorKind::Db, "store: test: database or disk is full"}));
        disk.set_full(false);
        bump.reset();

        Statement read = prepare(*db, "SELECT x FROM t");
        ASSERT_EQ(read.step(), Result<bool>{true});
        EXPECT_EQ(read.column_int64(0), 1);  // rolled back, and said so
    }
    std::filesystem::remove_all(dir);
}

// The guard ends reads; a write it would end could take its commit's error with it.
TEST(SqliteStatement, UseGuardIsNotWhereAWriteEnds) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER)", "create"));
    Statement insert = prepare(db, "INSERT INTO t VALUES (1) RETURNING x");
    EXPECT_DEBUG_DEATH(
        {
            auto use = insert.use();
            ASSERT_EQ(insert.step(), Result<bool>{true});
        },
        "unfinished");
    {
        auto use = insert.use();
        ASSERT_EQ(insert.step(), Result<bool>{true});
        ASSERT_TRUE(insert.finish());
        EXPECT_FALSE(insert.unfinished());
    }
}

TEST(SqliteTransaction, RollsBackUnlessCommitted) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER)", "create"));
    {
        auto tx = Transaction::begin(db);
        ASSERT_TRUE(tx);
        EXPECT_TRUE(db.in_transaction());
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)", "insert"));
    }
    EXPECT_FALSE(db.in_transaction());
    EXPECT_EQ(count_rows(db), 0);
    {
        auto tx = Transaction::begin(db);
        ASSERT_TRUE(tx);
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)", "insert"));
        ASSERT_TRUE(tx->commit());
    }
    EXPECT_EQ(count_rows(db), 1);
}

TEST(SqliteTransaction, NestedBeginFails) {
    Db db = open_memory();
    auto outer = Transaction::begin(db);
    ASSERT_TRUE(outer);
    auto inner = Transaction::begin(db);
    ASSERT_FALSE(inner);
    EXPECT_EQ(inner.error().message, "store: begin transaction: cannot start a transaction within a transaction");
    EXPECT_TRUE(db.in_transaction());  // the failed inner one did not end the outer one
}

// Counting every allocation under a global mutex was 3.5% of the database thread's time in a
// cold cycle; nothing reads the count.
TEST(SqliteDb, KeepsNoMemoryStatistics) {
    Db db = open_memory();
    ASSERT_TRUE(db.exec("CREATE TABLE t (s TEXT); INSERT INTO t VALUES (printf('%.*c', 100000, 'x'))", "fill"));
    EXPECT_EQ(sqlite3_memory_used(), 0);
}

TEST(SqliteDb, UserVersionRoundTrip) {
    Db db = open_memory();
    EXPECT_EQ(db.user_version(), Result<int>{0});
    ASSERT_TRUE(db.set_user_version(42));
    EXPECT_EQ(db.user_version(), Result<int>{42});
}

TEST(SqliteDb, OpenFailureNamesThePath) {
    auto db = Db::open("/nonexistent-dir-for-tributary/x.db", Db::Mode::read_write_create);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().kind, ErrorKind::Db);
    EXPECT_EQ(db.error().message, "store: open /nonexistent-dir-for-tributary/x.db: unable to open database file");
}

}  // namespace
}  // namespace tributary::store
