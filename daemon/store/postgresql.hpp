#pragma once
// The PostgreSQL side of Db and Statement (sqlite.hpp), through libpq. Only sqlite.cpp and
// postgresql.cpp see these classes; libpq-fe.h stays out of every header.
//
// FeedStore's statements are written once, in SQLite's spelling, and translated here when they
// are prepared: "?N" parameters become "$N" (outside quoted text) and SQLite's "CROSS JOIN … ON"
// (an inner join whose order SQLite must keep) becomes "JOIN … ON". The few statements whose
// meaning needs other words in PostgreSQL carry their own text (FeedStore's statement table).
//
// Parameters go as text, except blobs (binary, so bytea takes their bytes as they are); results
// come back as text, and a bytea column is decoded from its "\x…" hex form. A statement runs
// whole on its first step(): PostgreSQL sends every row of its result at once, and step() then
// walks them.

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
    // COMMIT, which PostgreSQL answers with ROLLBACK (and no error) when a statement of the
    // transaction failed: that is reported as the failure it is.
    Result<void> commit();
    bool in_transaction() const noexcept;
    // A name for the next prepared statement of this connection.
    std::string next_statement_name();
    // The server's message for the last failed call, on one line.
    std::string error_message() const;

    // Owns `conn`: use connect().
    PgConnection(pg_conn* conn, std::string shown_as) : conn_(conn), shown_as_(std::move(shown_as)) {}

private:
    std::unique_ptr<pg_conn, PgConnCloser> conn_;
    std::string shown_as_;
    std::uint64_t statements_ = 0;
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
    PgStatement(PgConnection& conn, std::string name, int parameters);
    PgStatement(const PgStatement&) = delete;
    PgStatement& operator=(const PgStatement&) = delete;

private:
    // The parameter's value, or nullptr (and a bind error) for a number out of range.
    std::optional<std::string>* slot(int index);

    PgConnection* conn_;
    std::string name_;
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
