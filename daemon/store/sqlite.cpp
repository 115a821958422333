#include "store/sqlite.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "store/postgresql.hpp"

namespace tributary::store {

// sqlite3_close_v2 only fails on misuse: with statements still open it defers the close
// until the last one is finalized.
void DbCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
// sqlite3_finalize repeats the last step's error, already reported by step(); a write
// left unfinished, whose commit would happen here, is what Statement's rule rules out.
void StatementFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
void PgConnectionDeleter::operator()(PgConnection* conn) const noexcept { std::default_delete<PgConnection>{}(conn); }
void PgStatementDeleter::operator()(PgStatement* stmt) const noexcept { std::default_delete<PgStatement>{}(stmt); }

std::unexpected<Error> db_error(std::string_view what, std::string_view message) {
    std::string text = "store: ";
    text.append(what);
    text.append(": ");
    text.append(message);
    return fail(ErrorKind::Db, std::move(text));
}

// ------------------------------------------------------------------- Db ---

namespace {

// "file:" URI of a path: '%', '?' and '#' (and, for safety, every byte outside printable
// ASCII) percent-encoded, as sqlite3_open_v2's URI parser expects.
std::string file_uri(const std::string& path, std::string_view query) {
    std::string uri = "file:";
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '%' || c == '?' || c == '#' || byte <= 0x20 || byte >= 0x7f) {
            std::array<char, 4> hex{};
            std::snprintf(hex.data(), hex.size(), "%%%02X", byte);
            uri += hex.data();
        } else {
            uri += c;
        }
    }
    uri += '?';
    uri += query;
    return uri;
}

}  // namespace

Result<Db> Db::open(const std::string& path, Mode mode) {
    // SQLite counts the bytes it allocates under a global mutex, for sqlite3_memory_used(), which
    // nothing here reads. The setting holds only before SQLite initializes, at the first open.
    static std::once_flag no_memory_statistics;
    std::call_once(no_memory_statistics, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    int flags = SQLITE_OPEN_NOMUTEX;
    std::string name = path;
    switch (mode) {
        case Mode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
        case Mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
        case Mode::read_only_immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
            name = file_uri(path, "immutable=1");
            break;
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
    Db db{raw};  // sqlite3_open_v2 allocates a handle even when it fails
    if (rc != SQLITE_OK) {
        const std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return db_error("open " + path, message);
    }
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Result<Db> Db::open_for_reading(const std::string& path) {
    auto db = open(path, Mode::read_only);
    if (!db) return db;
    auto probe = db->user_version();
    if (probe) return db;
    std::error_code ec;
    const std::filesystem::path file(path);
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (std::filesystem::exists(path + "-wal", ec) || ec || ::access(dir.c_str(), W_OK) == 0)
        return std::unexpected(probe.error());
    auto immutable = open(path, Mode::read_only_immutable);
    if (!immutable) return immutable;
    if (auto again = immutable->user_version(); !again) return std::unexpected(probe.error());
    return immutable;
}

Result<Db> Db::open_in_memory() { return open(":memory:", Mode::read_write_create); }

Result<Db> Db::open_postgresql(const std::string& conninfo, const std::string& password, std::string shown_as) {
    auto conn = PgConnection::connect(conninfo, password, std::move(shown_as));
    if (!conn) return std::unexpected(conn.error());
    Db db{nullptr};
    db.pg_.reset(conn->release());
    return db;
}

std::string Db::error_message() const {
    if (pg_) return pg_->error_message();
    return sqlite3_errmsg(handle_.get());
}

bool Db::in_transaction() const noexcept {
    if (pg_) return pg_->in_transaction();
    return sqlite3_get_autocommit(handle_.get()) == 0;
}

std::int64_t Db::last_insert_rowid() const noexcept {
    assert(!pg_);
    return pg_ ? 0 : sqlite3_last_insert_rowid(handle_.get());
}

Result<void> Db::exec(std::string_view sql, std::string_view what) {
    if (pg_) return pg_->exec(sql, what);
    const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(handle_.get(), text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return db_error(what, reason);
    }
    return {};
}

Result<std::string> Db::pragma_text(std::string_view sql, std::string_view what) {
    if (pg_) return db_error(what, "PRAGMA is SQLite's");
    auto stmt = Statement::prepare(*this, sql, std::string(what));
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    std::string value = *row ? stmt->column_text(0) : std::string{};
    if (auto done = stmt->finish(); !done) return std::unexpected(done.error());
    return value;
}

// PostgreSQL has no user_version: one row in a table of ours holds it.
constexpr std::string_view kPgVersionTable = "tributary_schema";

Result<int> Db::user_version() {
    if (pg_) {
        // Asked in two steps: a statement that names a missing table fails to prepare, and a
        // failure inside a transaction ends it.
        auto exists =
            Statement::prepare(*this, "SELECT to_regclass('tributary_schema') IS NOT NULL", "read schema version");
        if (!exists) return std::unexpected(exists.error());
        auto found = exists->step();
        if (!found) return std::unexpected(found.error());
        if (!*found || exists->column_int64(0) == 0) return 0;
        auto stmt =
            Statement::prepare(*this, "SELECT coalesce(max(version), 0) FROM tributary_schema", "read schema version");
        if (!stmt) return std::unexpected(stmt.error());
        auto row = stmt->step();
        if (!row) return std::unexpected(row.error());
        return *row ? static_cast<int>(stmt->column_int64(0)) : 0;
    }
    auto stmt = Statement::prepare(*this, "PRAGMA user_version", "read schema version");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    return *row ? static_cast<int>(stmt->column_int64(0)) : 0;
}

void Db::set_busy_timeout(std::chrono::milliseconds timeout) noexcept {
    busy_timeout_ = timeout;
    if (pg_) {
        // A setting of the session: every new one (after a lost connection) takes it again.
        (void)pg_->add_session_setup("SET lock_timeout = " + std::to_string(timeout.count()), "set lock_timeout");
        // The store's statements are short, and JIT compiling one costs milliseconds: the
        // planner, misled by a URL's estimated rows, compiled the per-document URL lookup, which
        // then took 3.3 ms instead of 0.2 (a whole all-200 cycle of 1,000 feeds: 6 s of server
        // CPU instead of 2.7). JIT is for long analytical queries, which the store never runs.
        (void)pg_->add_session_setup("SET jit = off", "turn JIT off");
        return;
    }
    sqlite3_busy_timeout(handle_.get(), static_cast<int>(timeout.count()));
}

Result<WalCheckpoint> Db::checkpoint_wal() {
    if (pg_) return WalCheckpoint{};
    sqlite3_busy_timeout(handle_.get(), 0);
    WalCheckpoint out;
    int log = 0;
    int done = 0;
    int rc = sqlite3_wal_checkpoint_v2(handle_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if ((rc & 0xff) == SQLITE_BUSY) {
        // Another connection is checkpointing (hand_checkpoints_over()): it copies the frames.
        out.busy = true;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_OK) {
        // -1: not in WAL mode (an in-memory database), nothing to do.
        out.log_frames = log < 0 ? 0 : log;
        out.checkpointed_frames = done < 0 ? 0 : done;
        rc = sqlite3_wal_checkpoint_v2(handle_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
        if (rc == SQLITE_OK) {
            out.checkpointed_frames = out.log_frames;  // TRUNCATE reports 0/0 once the WAL is reset
        } else if ((rc & 0xff) == SQLITE_BUSY) {
            // It went on as PASSIVE: what it copied counts, the reset did not happen.
            out.busy = true;
            if (log >= 0) out.log_frames = log;
            if (done >= 0) out.checkpointed_frames = done;
            rc = SQLITE_OK;
        }
    }
    sqlite3_busy_timeout(handle_.get(), static_cast<int>(busy_timeout_.count()));
    if (rc != SQLITE_OK) return db_error("checkpoint", sqlite3_errmsg(handle_.get()));
    return out;
}

namespace {

// SQLite's WAL hook, after each commit of a connection that handed its checkpoints over.
int after_commit(void* context, sqlite3* db, const char* schema, int frames) {
    const auto& handoff = *static_cast<const Db::CheckpointHandoff*>(context);
    if (frames >= handoff.self_at) {
        // Like SQLite's own autocheckpoint, which this hook replaces: its outcome is for the next
        // commit to see (a busy checkpoint is tried again then; a failing one fails a write too).
        (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= handoff.request_at) {
        handoff.request();
    }
    return SQLITE_OK;
}

}  // namespace

void Db::hand_checkpoints_over(std::function<void()> request, int request_at, int self_at) {
    if (pg_) return;
    handoff_ = std::make_unique<CheckpointHandoff>(
        CheckpointHandoff{.request = std::move(request), .request_at = request_at, .self_at = self_at});
    // Setting a WAL hook turns the autocheckpoint off (it is SQLite's own WAL hook).
    sqlite3_wal_hook(handle_.get(), &after_commit, handoff_.get());
}

Result<WalCheckpoint> Db::one_passive_checkpoint() {
    if (pg_) return WalCheckpoint{};
    int log = 0;
    int done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(handle_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if ((rc & 0xff) == SQLITE_BUSY) return WalCheckpoint{.busy = true};
    if (rc != SQLITE_OK) return db_error("checkpoint", sqlite3_errmsg(handle_.get()));
    // -1: not in WAL mode (an in-memory database), nothing to do.
    return WalCheckpoint{.busy = false, .log_frames = log < 0 ? 0 : log, .checkpointed_frames = done < 0 ? 0 : done};
}

Result<void> Db::set_user_version(int version) {
    if (pg_) {
        const std::string sql = "CREATE TABLE IF NOT EXISTS " + std::string(kPgVersionTable) +
                                " (version integer NOT NULL); DELETE FROM " + std::string(kPgVersionTable) +
                                "; INSERT INTO " + std::string(kPgVersionTable) + " VALUES (" +
                                std::to_string(version) + ")";
        return exec(sql, "set schema version");
    }
    // PRAGMA takes no parameters; the value is an int we format ourselves.
    std::array<char, 48> sql{};
    std::snprintf(sql.data(), sql.size(), "PRAGMA user_version = %d", version);
    return exec(sql.data(), "set schema version");
}

// ------------------------------------------------------------ Statement ---

Result<Statement> Statement::prepare(Db& db, std::string_view sql, std::string what) {
    if (PgConnection* pg = db.postgresql()) {
        auto stmt = PgStatement::prepare(*pg, sql, what);
        if (!stmt) return std::unexpected(stmt.error());
        return Statement{stmt->release(), std::move(what)};
    }
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &raw, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return db_error("prepare " + what, db.error_message());
    }
    if (raw == nullptr) return db_error("prepare " + what, "empty statement");
    return Statement{db.get(), raw, std::move(what)};
}

Statement::Use::~Use() {
    assert(stmt_->read_only() || !stmt_->unfinished());
    stmt_->reset();
}

Statement& Statement::reset() noexcept {
    if (pg_) {
        pg_->reset();
        return *this;
    }
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    bind_error_ = 0;
    bind_index_ = 0;
    return *this;
}

void Statement::note_bind(int rc) noexcept {
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Statement& Statement::bind(int index, std::int64_t value) noexcept {
    if (pg_) {
        pg_->bind_int64(index, value);
        return *this;
    }
    if (bind_error_ == 0) bind_index_ = index;
    note_bind(sqlite3_bind_int64(stmt_.get(), index, value));
    return *this;
}

Statement& Statement::bind_text(int index, std::string_view value, bool copy) noexcept {
    if (pg_) {
        pg_->bind_text(index, value);
        return *this;
    }
    if (bind_error_ == 0) bind_index_ = index;
    // A non-null pointer even for "": a null pointer would bind NULL.
    note_bind(sqlite3_bind_text64(stmt_.get(), index, value.empty() ? "" : value.data(), value.size(),
                                  copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8));
    return *this;
}

Statement& Statement::bind_bytes(int index, std::string_view bytes, bool copy) noexcept {
    if (pg_) {
        pg_->bind_blob(index, bytes);
        return *this;
    }
    if (bind_error_ == 0) bind_index_ = index;
    note_bind(sqlite3_bind_blob64(stmt_.get(), index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                                  copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) noexcept { return bind_text(index, value, true); }

Statement& Statement::bind_view(int index, std::string_view value) noexcept { return bind_text(index, value, false); }

Statement& Statement::bind_blob(int index, std::string_view bytes) noexcept { return bind_bytes(index, bytes, true); }

Statement& Statement::bind_blob_view(int index, std::string_view bytes) noexcept {
    return bind_bytes(index, bytes, false);
}

Statement& Statement::bind(int index, SysTime value) noexcept {
    return bind(index, static_cast<std::int64_t>(value.time_since_epoch().count()));
}

Statement& Statement::bind(int index, const std::optional<SysTime>& value) noexcept {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) noexcept {
    if (pg_) {
        pg_->bind_null(index);
        return *this;
    }
    if (bind_error_ == 0) bind_index_ = index;
    note_bind(sqlite3_bind_null(stmt_.get(), index));
    return *this;
}

Result<bool> Statement::step() {
    if (pg_) return pg_->step(what_);
    if (bind_error_ != 0) {
        return db_error(what_, "bind parameter " + std::to_string(bind_index_) + ": " + sqlite3_errstr(bind_error_));
    }
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_error(what_, sqlite3_errmsg(db_));
}

Result<void> Statement::run() {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (*row) return db_error(what_, "statement returned a row where none was expected");
    return {};
}

Result<void> Statement::finish() {
    if (pg_) return pg_->finish(what_);
    for (;;) {
        const int rc = sqlite3_step(stmt_.get());
        if (rc == SQLITE_DONE) return {};
        if (rc != SQLITE_ROW) return db_error(what_, sqlite3_errmsg(db_));
    }
}

// A PostgreSQL statement has done all its work once it ran: nothing is left to finish.
bool Statement::unfinished() const noexcept { return pg_ ? false : sqlite3_stmt_busy(stmt_.get()) != 0; }

bool Statement::read_only() const noexcept { return pg_ ? false : sqlite3_stmt_readonly(stmt_.get()) != 0; }

bool Statement::is_null(int column) const noexcept {
    if (pg_) return pg_->is_null(column);
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int column) const noexcept {
    if (pg_) return pg_->column_int64(column);
    return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::column_blob(int column) const {
    if (pg_) return pg_->column_blob(column);
    const void* bytes = sqlite3_column_blob(stmt_.get(), column);
    const int size = sqlite3_column_bytes(stmt_.get(), column);  // after _blob, as SQLite documents
    if (bytes == nullptr || size <= 0) return {};
    return std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

std::string Statement::column_text(int column) const {
    if (pg_) return pg_->column_text(column);
    const auto* text = sqlite3_column_text(stmt_.get(), column);
    const int size = sqlite3_column_bytes(stmt_.get(), column);  // after _text, as SQLite documents
    if (text == nullptr || size <= 0) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::optional<SysTime> Statement::column_time(int column) const noexcept {
    if (is_null(column)) return std::nullopt;
    return SysTime{std::chrono::seconds{column_int64(column)}};
}

// ---------------------------------------------------------- Transaction ---

Result<Transaction> Transaction::begin(Db& db) {
    // IMMEDIATE: SQLite takes the write lock now, not at the first write, which could then fail
    // with SQLITE_BUSY in the middle of the transaction. PostgreSQL locks rows as it goes.
    if (PgConnection* pg = db.postgresql()) {
        if (auto r = pg->begin(); !r) return std::unexpected(r.error());
        return Transaction{&db};
    }
    if (auto r = db.exec("BEGIN IMMEDIATE", "begin transaction"); !r) return std::unexpected(r.error());
    return Transaction{&db};
}

Transaction::~Transaction() {
    // COMMIT may have failed and left the transaction open; roll back then too. A
    // ROLLBACK that fails (it does no I/O in WAL mode) leaves the transaction open, and
    // the next begin() reports it ("cannot start a transaction within a transaction").
    if (db_ != nullptr && db_->in_transaction()) {
        if (PgConnection* pg = db_->postgresql())
            pg->rollback();
        else
            sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

Result<void> Transaction::commit() {
    if (db_ == nullptr) return fail(ErrorKind::Internal, "store: commit: no open transaction");
    auto r = db_->postgresql() != nullptr ? db_->postgresql()->commit() : db_->exec("COMMIT", "commit");
    if (r) db_ = nullptr;
    return r;
}

}  // namespace tributary::store
