#pragma once
// The PostgreSQL side of Db and Statement (sqlite.hpp), through libpq. Only sqlite.cpp and
// postgresql.cpp see these classes; libpq-fe.h stays out of every header.
//
// FeedStore's statements are written once, in SQLite's spelling, and translated here when they
// are prepared: "?N" parameters become "$N" (outside quoted text) and SQLite's "CROSS JOIN … ON"
// (an inner join whose order SQLite must keep) becomes "JOIN … ON". The few statements whose
// meaning needs other words in PostgreSQL carry their own text (FeedStore's statement table).
//
// A connection that breaks (the server restarted, a network cut, an administrator ended the
// session) is made again at the next call, outside a transaction only: a transaction lost with
// its session fails to its end (its statements, then its commit), because carrying on in a new
// session would commit its second half without its first. Attempts after a failed one wait 1 s,
// then 2, 4 … up to 60 s; a call in between fails at once and says when the next one comes. A
// new session runs the setup its owner registered (lock_timeout, the instance lock, read-only),
// and statements are prepared again in it before they run.
//
// Parameters go as text, except blobs (binary, so bytea takes their bytes as they are); results
// come back as text, and a bytea column is decoded from its "\x…" hex form. A statement runs
// whole on its first step(): PostgreSQL sends every row of its result at once, and step() then
// walks them.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

struct pg_conn;
struct pg_result;

namespace tributary::store {

struct PgConnCloser {
    void operator()(pg_conn* conn) const noexcept;  // PQfinish
};
struct PgResultClearer {
    void operator()(pg_result* result) const noexcept;  // PQclear
};

class PgConnection {
public:
    // `conninfo`: a postgresql:// URI or "key=value …" string; `password` apart from it, so that
    // nothing that names the database for a message or a log carries it. Errors:
    // "store: connect to <shown_as>: <libpq message>".
    static Result<std::unique_ptr<PgConnection>> connect(const std::string& conninfo, const std::string& password,
                                                         std::string shown_as);

    pg_conn* get() const noexcept { return conn_.get(); }
    const std::string& shown_as() const noexcept { return shown_as_; }

    // One or more statements without parameters (the simple query protocol).
    Result<void> exec(std::string_view sql, std::string_view what);
    // BEGIN, COMMIT and ROLLBACK: the connection knows when a transaction is open, and so when
    // it may not connect again. COMMIT is answered with ROLLBACK (and no error) when a statement
    // of the transaction failed: that is reported as the failure it is. A rollback of a
    // transaction whose session is gone has nothing to do.
    Result<void> begin();
    Result<void> commit();
    void rollback() noexcept;
    bool in_transaction() const noexcept { return in_transaction_; }

    // A statement run at the start of every session, this one included (it runs now):
    // `must_be_true` for a query whose one value must be true (a lock taken), else `refusal`.
    Result<void> add_session_setup(std::string sql, std::string what, bool must_be_true = false,
                                   std::string refusal = {});
    // Ready for a call: connected, or connected again (see the header's comment). Errors:
    // "store: <what>: the connection to <shown_as> was lost in a transaction",
    // "store: <what>: reconnect to <shown_as>: <message>; next attempt in 4s", and a setup's.
    Result<void> ensure_connected(std::string_view what);
    // Sessions so far: a statement prepared in an earlier one is prepared again.
    std::uint64_t session() const noexcept { return session_; }
    // A name for the next prepared statement of this connection.
    std::string next_statement_name();
    // The server's message for the last failed call, on one line.
    std::string error_message() const;

    // Owns `conn`: use connect().
    PgConnection(pg_conn* conn, std::string shown_as) : conn_(conn), shown_as_(std::move(shown_as)) {}
    // Gives the session's advisory locks (the instance lock) back before closing: the server ends
    // a closed session a moment later, and until then a daemon restarted at once, or a store
    // opened again, would be refused as "in use by another tributary".
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

private:
    struct Setup {
        std::string sql, what, refusal;
        bool must_be_true = false;
    };
    Result<void> run_setup(const Setup& setup);

    std::unique_ptr<pg_conn, PgConnCloser> conn_;
    std::string shown_as_;
    std::uint64_t statements_ = 0;
    std::uint64_t session_ = 1;
    bool in_transaction_ = false;
    std::vector<Setup> setup_;
    bool set_up_ = true;  // the session ran every setup: false after a reconnect whose setup failed
    std::chrono::steady_clock::time_point next_attempt_{};
    std::chrono::seconds backoff_{0};
};

class PgStatement {
public:
    // Errors: "store: prepare <what>: <server message>".
    static Result<std::unique_ptr<PgStatement>> prepare(PgConnection& conn, std::string_view sql, std::string what);
    ~PgStatement();  // DEALLOCATE: a connection keeps its prepared statements until it closes

    void reset() noexcept;
    void bind_int64(int index, std::int64_t value);
    void bind_text(int index, std::string_view value);
    void bind_blob(int index, std::string_view bytes);
    void bind_null(int index);
    // Runs the statement on its first call; true while a row is available.
    Result<bool> step(const std::string& what);
    Result<void> finish(const std::string& what);

    bool is_null(int column) const noexcept;
    std::int64_t column_int64(int column) const noexcept;  // a boolean reads 1 or 0
    std::string column_text(int column) const;
    std::string column_blob(int column) const;  // NULL -> ""

    // Of a statement prepared under `name`: use prepare().
    PgStatement(PgConnection& conn, std::string name, std::string sql, int parameters);
    PgStatement(const PgStatement&) = delete;
    PgStatement& operator=(const PgStatement&) = delete;

private:
    // The parameter's value, or nullptr (and a bind error) for a number out of range.
    std::optional<std::string>* slot(int index);

    PgConnection* conn_;
    std::string name_;
    std::string sql_;                                 // as prepared, to prepare again in a new session
    std::uint64_t session_ = 0;                       // the connection's session it was prepared in
    std::vector<std::optional<std::string>> values_;  // by parameter, 0-based; nullopt: NULL
    std::vector<int> binary_;                         // 1: values_[i] is a blob's bytes
    std::unique_ptr<pg_result, PgResultClearer> result_;
    int rows_ = 0;
    int row_ = -1;
    bool ran_ = false;
    std::string bind_error_;
};

// The statement as PostgreSQL reads it (see the header's comment), and its number of parameters.
struct PgSql {
    std::string text;
    int parameters = 0;
};
PgSql to_postgresql(std::string_view sqlite_sql);

}  // namespace tributary::store
