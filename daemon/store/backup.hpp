#pragma once
// `tributary backup FILE`: an online, consistent copy of the database.

#include <filesystem>

#include "core/error.hpp"

namespace tributary::store {

// Copies `database` to `target` with SQLite's online backup API while a daemon may be writing
// it: the copy is the database as of one committed transaction (WAL lets the writer go on
// meanwhile). The copy is written to "<target>.tmp-<pid>" in the target's directory, turned
// into a single self-contained file (journal_mode=DELETE), checked (PRAGMA quick_check),
// fsync'ed and renamed over `target`, so `target` is either the old file or a whole copy.
// Refuses a target that is the database itself or one of its -wal, -shm, -journal or .lock
// companions. Errors (ErrorKind::Db or Io) read "store: backup <database> to <target>: <why>".
Result<void> backup_database(const std::filesystem::path& database, const std::filesystem::path& target);

}  // namespace tributary::store
