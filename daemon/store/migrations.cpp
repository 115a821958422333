#include "store/migrations.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace tributary::store::detail {
namespace {

Result<void> check_list(std::span<const Migration> migrations) {
    int expected = 1;
    for (const Migration& m : migrations) {
        if (m.version != expected) {
            return fail(ErrorKind::Internal, "store: migration " + std::string(m.name) + " has version " +
                                                 std::to_string(m.version) + ", expected " + std::to_string(expected));
        }
        ++expected;
    }
    return {};
}

std::unexpected<Error> too_new(int found, int known) {
    return fail(ErrorKind::Db, "store: database schema version " + std::to_string(found) +
                                   " is newer than this build of tributary knows (" + std::to_string(known) +
                                   "); use a newer tributary");
}

// "store: migration X: commit: <message>" from "store: commit: <message>".
std::unexpected<Error> within(const std::string& what, const Error& error) {
    std::string_view inner = error.message;
    if (inner.starts_with("store: ")) inner.remove_prefix(7);
    return db_error(what, inner);
}

// Migrations run with foreign keys off, as SQLite's way of rebuilding a table needs (DROP TABLE
// would otherwise delete, through ON DELETE CASCADE, every row that refers to the dropped one);
// each is checked for rows left without their parent before it commits. The connection's setting
// comes back when migrate() returns, on every path.
class ForeignKeysOff {
public:
    static Result<ForeignKeysOff> begin(Db& db) {
        auto was = db.pragma_text("PRAGMA foreign_keys", "read foreign_keys");
        if (!was) return std::unexpected(was.error());
        if (auto r = db.exec("PRAGMA foreign_keys = OFF", "turn foreign keys off"); !r)
            return std::unexpected(r.error());
        return ForeignKeysOff(db, *was == "1");
    }
    ForeignKeysOff(ForeignKeysOff&& other) noexcept
        : db_(std::exchange(other.db_, nullptr)), restore_on_(other.restore_on_) {}
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(ForeignKeysOff&&) = delete;
    // Sets foreign keys back as they were; its error is migrate()'s when the migrations succeeded.
    Result<void> restore() {
        Db* db = std::exchange(db_, nullptr);
        if (db == nullptr || !restore_on_) return {};
        return db->exec("PRAGMA foreign_keys = ON", "turn foreign keys on");
    }
    // After a failed migration: its error is the one reported.
    ~ForeignKeysOff() { (void)restore(); }

private:
    ForeignKeysOff(Db& db, bool restore_on) : db_(&db), restore_on_(restore_on) {}
    Db* db_;
    bool restore_on_;
};

// Rows whose parent is missing (PRAGMA foreign_key_check): table, rowid, parent table.
using Orphan = std::tuple<std::string, std::int64_t, std::string>;

Result<std::set<Orphan>> orphans(Db& db) {
    auto check = Statement::prepare(db, "PRAGMA foreign_key_check", "check foreign keys");
    if (!check) return std::unexpected(check.error());
    std::set<Orphan> found;
    for (;;) {
        auto row = check->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return found;
        found.emplace(check->column_text(0), check->column_int64(1), check->column_text(2));
    }
}

// "": the migration left no row without its parent that was not so before it (a row an operator's
// tool orphaned is not the migration's doing, and must not stop the daemon from starting).
Result<std::string> new_orphan(Db& db, const std::set<Orphan>& before) {
    auto after = orphans(db);
    if (!after) return std::unexpected(after.error());
    for (const auto& [table, rowid, parent] : *after)
        if (!before.contains(Orphan{table, rowid, parent}))
            return "a row of " + table + " (rowid " + std::to_string(rowid) + ") refers to a missing row of " + parent;
    return std::string{};
}

// Held while one connection migrates: a session advisory lock, taken before the migrations'
// transactions begin. A transaction that began before another daemon's migration committed would
// not see its tables in the server's catalog caches (they are refreshed when a transaction starts,
// not when an advisory lock is granted): it failed with "relation "feeds" already exists".
class PostgresqlMigrationLock {
public:
    static Result<PostgresqlMigrationLock> take(Db& db) {
        if (auto r = db.exec("SELECT pg_advisory_lock(" + std::to_string(kPostgresqlMigrationLock) + ")",
                             "wait for other daemons' migrations");
            !r)
            return std::unexpected(r.error());
        return PostgresqlMigrationLock(db);
    }
    PostgresqlMigrationLock(PostgresqlMigrationLock&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    PostgresqlMigrationLock(const PostgresqlMigrationLock&) = delete;
    PostgresqlMigrationLock& operator=(const PostgresqlMigrationLock&) = delete;
    PostgresqlMigrationLock& operator=(PostgresqlMigrationLock&&) = delete;
    // A failed unlock leaves the lock to the connection's end, which releases it.
    ~PostgresqlMigrationLock() {
        if (db_ != nullptr)
            (void)db_->exec("SELECT pg_advisory_unlock(" + std::to_string(kPostgresqlMigrationLock) + ")",
                            "end the migrations' lock");
    }

private:
    explicit PostgresqlMigrationLock(Db& db) : db_(&db) {}
    Db* db_;
};

}  // namespace

std::span<const Migration> embedded_migrations_for(const Db& db) noexcept {
    return db.dialect() == Dialect::postgresql ? embedded_postgresql_migrations() : embedded_migrations();
}

int latest_version(std::span<const Migration> migrations) noexcept {
    return migrations.empty() ? 0 : migrations.back().version;
}

Result<int> migrate(Db& db, std::span<const Migration> migrations, std::vector<std::string_view>* applied) {
    if (auto ok = check_list(migrations); !ok) return std::unexpected(ok.error());
    const int latest = latest_version(migrations);
    auto current = db.user_version();
    if (!current) return std::unexpected(current.error());
    if (*current > latest) return too_new(*current, latest);
    if (*current == latest) return latest;

    // SQLite: foreign keys off while tables are rebuilt, each migration checked for rows it left
    // without their parent. PostgreSQL enforces foreign keys as each statement runs (a migration
    // that breaks one fails by itself), and daemons starting together take turns under its lock.
    const bool sqlite = db.dialect() == Dialect::sqlite;
    std::optional<ForeignKeysOff> foreign_keys_off;
    std::optional<PostgresqlMigrationLock> lock;
    if (sqlite) {
        auto off = ForeignKeysOff::begin(db);
        if (!off) return std::unexpected(off.error());
        foreign_keys_off.emplace(std::move(*off));
    } else {
        auto taken = PostgresqlMigrationLock::take(db);
        if (!taken) return std::unexpected(taken.error());
        lock.emplace(std::move(*taken));
    }
    for (const Migration& m : migrations) {
        if (m.version <= *current) continue;
        const std::string what = "migration " + std::string(m.name);
        auto tx = Transaction::begin(db);
        if (!tx) return within(what, tx.error());
        // Another process may have migrated between our read and our lock.
        auto now = db.user_version();
        if (!now) return std::unexpected(now.error());
        if (*now > latest) return too_new(*now, latest);
        if (*now >= m.version) {
            *current = *now;
            continue;
        }
        std::set<Orphan> orphaned_before;
        if (sqlite) {
            auto found = orphans(db);
            if (!found) return within(what, found.error());
            orphaned_before = std::move(*found);
        }
        if (auto r = db.exec(m.sql, what); !r) return std::unexpected(r.error());
        if (sqlite) {
            auto orphan = new_orphan(db, orphaned_before);
            if (!orphan) return within(what, orphan.error());
            if (!orphan->empty()) return db_error(what, "leaves " + *orphan);
        }
        if (auto r = db.set_user_version(m.version); !r) return within(what, r.error());
        if (auto r = tx->commit(); !r) return within(what, r.error());
        *current = m.version;
        if (applied != nullptr) applied->push_back(m.name);
    }
    if (foreign_keys_off)
        if (auto r = foreign_keys_off->restore(); !r) return std::unexpected(r.error());
    return *current;
}

Result<int> check_version(Db& db, std::span<const Migration> migrations) {
    const int latest = latest_version(migrations);
    auto current = db.user_version();
    if (!current) return std::unexpected(current.error());
    if (*current > latest) return too_new(*current, latest);
    if (*current < latest) {
        return fail(ErrorKind::Db, "store: database schema version " + std::to_string(*current) +
                                       " is older than this build expects (" + std::to_string(latest) +
                                       "); start the daemon once to migrate it");
    }
    return *current;
}

}  // namespace tributary::store::detail
