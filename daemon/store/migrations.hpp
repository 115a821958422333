#pragma once
// Schema migrations (detail of FeedStore, exposed for tests).
//
// schema/NNNN_<name>.sql files are embedded at build time by
// cmake/EmbedSql.cmake. PRAGMA user_version holds the number of the last one
// applied. Each migration runs in its own transaction together with the new
// user_version, so a failed one leaves nothing behind.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace tributary::store::detail {

struct Migration {
    int version = 0;        // 1, 2, 3, … without gaps
    std::string_view name;  // the file name, for messages: "0001_init.sql"
    std::string_view sql;
};

// The migrations compiled into this binary, in version order (generated): SQLite's from
// schema/, PostgreSQL's from schema/postgresql/.
std::span<const Migration> embedded_migrations() noexcept;
std::span<const Migration> embedded_postgresql_migrations() noexcept;
// The migrations for this connection's dialect.
std::span<const Migration> embedded_migrations_for(const Db& db) noexcept;

// The key of the PostgreSQL advisory lock (pg_advisory_lock) under which migrations run.
inline constexpr std::int64_t kPostgresqlMigrationLock = 0x7472696275746172;  // "tributar"

// The newest version in `migrations` (0 when empty).
int latest_version(std::span<const Migration> migrations) noexcept;

// Applies every migration newer than the database's user_version; returns the
// resulting version. Fails, with nothing of the failed migration left, when a
// migration fails ("store: migration 0002_x.sql: <sqlite message>"), when the
// database is newer than `migrations` knows, or when the list is malformed.
// On PostgreSQL the migrations run under the advisory lock kPostgresqlMigrationLock, so that
// daemons starting together migrate once.
// On SQLite, migrations run with foreign keys off (a table is rebuilt by dropping the old one, which would
// otherwise delete the rows that refer to it), and one that leaves a row without its parent
// (one that had its parent before the migration) fails
// ("store: migration 0007_x.sql: leaves a row of items (rowid 3) refers to a missing row of
// stories"); the connection's foreign_keys setting is as before when migrate() returns.
// `applied`, when given, receives the name of each migration this call applied, in order.
Result<int> migrate(Db& db, std::span<const Migration> migrations, std::vector<std::string_view>* applied = nullptr);

// For read-only connections: succeeds only when the database is exactly at
// latest_version(migrations); returns that version.
Result<int> check_version(Db& db, std::span<const Migration> migrations);

}  // namespace tributary::store::detail
