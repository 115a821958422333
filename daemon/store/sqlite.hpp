#pragma once
// RAII wrappers around the SQLite C API (STYLE.md shape 2 and table D), which also speak to a
// PostgreSQL server through libpq (postgresql.hpp), so that FeedStore is written once for both.
// Only daemon/store uses them; sqlite3.h and libpq-fe.h stay out of this header so nothing
// else can reach either C API through it.
//
// Every failure is a value: Error{ErrorKind::Db, "store: <what>: <sqlite or server message>"}.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/clock.hpp"
#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tributary::store {

class PgConnection;
class PgStatement;
struct PgConnectionDeleter {
    void operator()(PgConnection* conn) const noexcept;
};
struct PgStatementDeleter {
    void operator()(PgStatement* stmt) const noexcept;
};

enum class Dialect { sqlite, postgresql };

struct DbCloser {
    void operator()(sqlite3* db) const noexcept;  // sqlite3_close_v2
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;  // sqlite3_finalize
};

// What one checkpoint did (sqlite3_wal_checkpoint_v2's outputs).
struct WalCheckpoint {
    bool busy = false;                     // a reader kept it from copying every frame and resetting the WAL
    std::int64_t log_frames = 0;           // frames in the WAL when it began (0: not in WAL mode)
    std::int64_t checkpointed_frames = 0;  // of those, copied into the database file
};

// One connection. Owned by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
class Db {
public:
    // read_only_immutable: the file:…?immutable=1 URI. SQLite then takes no lock and creates
    // no -shm file, trusting that nobody writes the file while it is open: right only for a
    // database without a -wal file (every commit in the main file) that no writer has open.
    enum class Mode { read_write_create, read_only, read_only_immutable };

    // Errors read "store: open <path>: <sqlite message>".
    static Result<Db> open(const std::string& path, Mode mode);
    // A reader's connection, for a user who may read the database but not write its directory.
    // Read-only, then a first read of the schema. A database in WAL mode needs its -shm file,
    // which SQLite must create when it is missing; it is missing when no connection is open
    // (the last one to close removes the -wal and -shm files). When that first read fails,
    // no -wal file exists and the directory is not writable by this process, no writer has
    // the database open and every commit is in the main file: it is opened again with
    // read_only_immutable. Errors as open(), or "store: read schema version: <message>".
    static Result<Db> open_for_reading(const std::string& path);
    static Result<Db> open_in_memory();
    // A PostgreSQL connection (see postgresql.hpp); `shown_as` names it in messages, `password`
    // never appears in one. Errors: "store: connect to <shown_as>: <libpq message>".
    static Result<Db> open_postgresql(const std::string& conninfo, const std::string& password, std::string shown_as);

    Dialect dialect() const noexcept { return pg_ ? Dialect::postgresql : Dialect::sqlite; }
    sqlite3* get() const noexcept { return handle_.get(); }  // null on PostgreSQL
    PgConnection* postgresql() const noexcept { return pg_.get(); }
    std::string error_message() const;  // sqlite3_errmsg (or libpq's) of the last failed call

    // Runs one or more statements with no parameters and no result rows.
    Result<void> exec(std::string_view sql, std::string_view what);
    // A pragma that returns one value (e.g. "PRAGMA journal_mode=WAL" -> "wal"). SQLite only.
    Result<std::string> pragma_text(std::string_view sql, std::string_view what);
    // The schema's version: PRAGMA user_version, or on PostgreSQL the one row of the table
    // tributary_schema (0 when the table does not exist yet).
    Result<int> user_version();
    Result<void> set_user_version(int version);
    bool in_transaction() const noexcept;
    // The rowid of the last row this connection inserted (sqlite3_last_insert_rowid): read right
    // after the INSERT that made it, on the connection's own thread. SQLite only: on PostgreSQL
    // an INSERT says RETURNING id.
    std::int64_t last_insert_rowid() const noexcept;

    // How long a call waits for another connection's lock before SQLITE_BUSY (PostgreSQL: its
    // lock_timeout).
    void set_busy_timeout(std::chrono::milliseconds timeout) noexcept;

    // PASSIVE, then TRUNCATE (which resets the WAL to zero bytes). Neither waits for a
    // reader: the writer's thread must not stall behind a long read, and a blocked
    // checkpoint is reported (busy) and tried again by the next call. Errors read
    // "store: checkpoint: <sqlite message>". PostgreSQL checkpoints by itself: all zeros.
    Result<WalCheckpoint> checkpoint_wal();

    // Another connection checkpoints this one's WAL (SQLite only; nothing happens on PostgreSQL).
    // The connection stops checkpointing after its commits (wal_autocheckpoint): a checkpoint
    // waits for fdatasync() twice, and on the writer's thread that was a sixth of a cold
    // 10,000-feed cycle. Instead, a commit that leaves `request_at` frames or more in the WAL
    // calls `request` on the committing thread (it must not block), and the caller's other
    // connection checkpoints (one_passive_checkpoint()). While that runs the writer appends, so
    // the WAL is never wholly copied when the writer's next transaction begins, and only then may
    // it start over from its first frame: under a steady stream of commits it would only grow. A
    // commit that leaves `self_at` frames or more therefore checkpoints here, on the writer's
    // thread (a PASSIVE one: it copies what the other left, and waits for no one), and the next
    // transaction starts the WAL over.
    void hand_checkpoints_over(std::function<void()> request, int request_at, int self_at);
    // One PASSIVE checkpoint: copies what it can without waiting for anyone, and syncs. Busy when
    // another connection is checkpointing at that moment. Errors as checkpoint_wal().
    Result<WalCheckpoint> one_passive_checkpoint();

    // What hand_checkpoints_over() set: at a fixed address, for SQLite's WAL hook.
    struct CheckpointHandoff {
        std::function<void()> request;
        int request_at = 0;
        int self_at = 0;
    };

private:
    explicit Db(sqlite3* handle) : handle_(handle) {}
    // Before handle_, so it outlives the connection whose hook points to it.
    std::unique_ptr<CheckpointHandoff> handoff_;
    std::unique_ptr<sqlite3, DbCloser> handle_;
    std::unique_ptr<PgConnection, PgConnectionDeleter> pg_;
    std::chrono::milliseconds busy_timeout_{0};
};

// A prepared statement, prepared once and reused: reset() (or use()) before each
// execution. Bind errors are remembered and reported by the next step(), so
// binds chain: stmt.bind(1, id).bind(2, name).step().
//
// A write runs to its end through run() or finish(), never just up to its first
// row: SQLite completes a statement's work (in autocommit mode, its commit) when
// the statement ends, and an end that comes from reset() has nobody to report to.
class Statement {
public:
    static Result<Statement> prepare(Db& db, std::string_view sql, std::string what);

    // Resets the statement and clears its bindings. sqlite3_reset's result is
    // dropped: it repeats the last step()'s error, which step() reported. Only a
    // write stopped before its end could have more to say, and none is (see above).
    Statement& reset() noexcept;

    // Resets now and again when the returned guard dies, so a statement never
    // keeps a read snapshot open between two calls of its owner. The guard only
    // ends reads: a write it finds unfinished is a bug (asserted in debug builds).
    class [[nodiscard]] Use {
    public:
        explicit Use(Statement& stmt) noexcept : stmt_(&stmt) { stmt_->reset(); }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;
        ~Use();

    private:
        Statement* stmt_;
    };
    Use use() noexcept { return Use{*this}; }

    // Parameters are 1-based, as in SQL (?1, ?2, …).
    Statement& bind(int index, std::int64_t value) noexcept;
    Statement& bind(int index, std::string_view value) noexcept;               // copied (SQLITE_TRANSIENT)
    Statement& bind(int index, SysTime value) noexcept;                        // Unix seconds
    Statement& bind(int index, const std::optional<SysTime>& value) noexcept;  // NULL when empty
    Statement& bind_null(int index) noexcept;
    Statement& bind_blob(int index, std::string_view bytes) noexcept;  // copied; "" binds an empty blob
    // Not copied (SQLITE_STATIC): for text that outlives the statement's Use guard, which clears
    // the bindings when it ends. An item's title, summary and content were copied once more on
    // every insert, half a percent of a cold cycle.
    Statement& bind_view(int index, std::string_view value) noexcept;
    Statement& bind_blob_view(int index, std::string_view bytes) noexcept;

    // true: a row is available; false: done.
    Result<bool> step();
    // Steps a statement that returns no row (INSERT/UPDATE/DELETE).
    Result<void> run();
    // Steps to the end, skipping any rows left (after a write's RETURNING row was
    // read, or a pragma's value): its error, a commit's included, is reported here.
    Result<void> finish();
    // Started and not yet at its end.
    bool unfinished() const noexcept;
    bool read_only() const noexcept;

    // Columns are 0-based, as in sqlite3_column_*.
    bool is_null(int column) const noexcept;
    std::int64_t column_int64(int column) const noexcept;
    std::string column_text(int column) const;
    std::string column_blob(int column) const;                      // NULL -> ""
    std::optional<SysTime> column_time(int column) const noexcept;  // NULL -> nullopt

    const std::string& what() const noexcept { return what_; }

private:
    Statement(sqlite3* db, sqlite3_stmt* stmt, std::string what) : db_(db), stmt_(stmt), what_(std::move(what)) {}
    Statement(PgStatement* pg, std::string what) : db_(nullptr), pg_(pg), what_(std::move(what)) {}
    void note_bind(int rc) noexcept;
    // copy: SQLITE_TRANSIENT, else SQLITE_STATIC (the caller keeps the bytes until the reset).
    Statement& bind_text(int index, std::string_view value, bool copy) noexcept;
    Statement& bind_bytes(int index, std::string_view bytes, bool copy) noexcept;

    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
    std::unique_ptr<PgStatement, PgStatementDeleter> pg_;  // instead of stmt_ on PostgreSQL
    std::string what_;
    int bind_error_ = 0;  // first failed sqlite3_bind_* since reset()
    int bind_index_ = 0;
};

// BEGIN IMMEDIATE (PostgreSQL: BEGIN) on creation, ROLLBACK on destruction unless commit()
// succeeded (SQLiteCpp's contract). Creation can fail (busy, I/O), hence begin().
// Every write of the store runs inside one, so a commit's error (a full disk
// fails in COMMIT, when SQLite writes the WAL) comes back from commit().
class Transaction {
public:
    [[nodiscard]] static Result<Transaction> begin(Db& db);

    Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

private:
    explicit Transaction(Db* db) : db_(db) {}
    Db* db_;  // null once committed, rolled back or moved from
};

// "store: <what>: <message>" as a Db error.
std::unexpected<Error> db_error(std::string_view what, std::string_view message);

}  // namespace tributary::store
