#include "store/postgresql.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

#include "store/sqlite.hpp"

namespace tributary::store {

void PgConnCloser::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }
void PgResultClearer::operator()(pg_result* result) const noexcept { PQclear(result); }

namespace {

using ResultPtr = std::unique_ptr<pg_result, PgResultClearer>;

// libpq's messages end with a newline and may run over several lines ("ERROR: …\nDETAIL: …").
std::string one_line(const char* message) {
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    std::replace(out.begin(), out.end(), '\n', ' ');
    if (out.empty()) out = "unknown error";
    return out;
}

bool ok(const ResultPtr& r) {
    if (!r) return false;
    const auto status = PQresultStatus(r.get());
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// The server's NOTICEs ("relation … already exists, skipping") would go to stderr.
void ignore_notice(void*, const char*) {}

constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

// ------------------------------------------------------------ PgConnection ---

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo, const std::string& password,
                                                            std::string shown_as) {
    // expand_dbname: "dbname" may be a whole URI or key=value string, whose settings apply over
    // the keywords before it (application_name, a default) and under those after it (the
    // password, and UTF-8, which every text we send and read is).
    std::array<const char*, 5> keys{"application_name", "dbname", "client_encoding", nullptr, nullptr};
    std::array<const char*, 5> values{"tributary", conninfo.c_str(), "UTF8", nullptr, nullptr};
    if (!password.empty()) {
        keys[3] = "password";
        values[3] = password.c_str();
    }
    pg_conn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    auto conn = std::make_unique<PgConnection>(raw, std::move(shown_as));
    if (raw == nullptr) return db_error("connect to " + conn->shown_as_, "out of memory");
    if (PQstatus(raw) != CONNECTION_OK) return db_error("connect to " + conn->shown_as_, one_line(PQerrorMessage(raw)));
    PQsetNoticeProcessor(raw, ignore_notice, nullptr);
    return conn;
}

Result<void> PgConnection::exec(std::string_view sql, std::string_view what) {
    if (auto ready = ensure_connected(what); !ready) return ready;
    const std::string text(sql);
    ResultPtr r(PQexec(conn_.get(), text.c_str()));
    if (!ok(r)) return db_error(what, r ? one_line(PQresultErrorMessage(r.get())) : error_message());
    return {};
}

Result<void> PgConnection::begin() {
    if (auto r = exec("BEGIN", "begin transaction"); !r) return r;
    in_transaction_ = true;
    return {};
}

Result<void> PgConnection::commit() {
    if (auto ready = ensure_connected("commit"); !ready) {
        in_transaction_ = false;  // lost with its session: the server rolled it back
        return ready;
    }
    ResultPtr r(PQexec(conn_.get(), "COMMIT"));
    // Whatever the answer, the transaction is over: committed, rolled back, or lost with its session.
    in_transaction_ = false;
    if (!ok(r)) return db_error("commit", r ? one_line(PQresultErrorMessage(r.get())) : error_message());
    if (std::string_view(PQcmdStatus(r.get())) != "COMMIT")
        return db_error("commit", "a statement of the transaction failed, so PostgreSQL rolled it back");
    return {};
}

PgConnection::~PgConnection() {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return;
    // An open (or failed) transaction would refuse the statement.
    if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) ResultPtr rolled_back(PQexec(conn_.get(), "ROLLBACK"));
    ResultPtr unlocked(PQexec(conn_.get(), "SELECT pg_advisory_unlock_all()"));
}

void PgConnection::rollback() noexcept {
    const bool open = std::exchange(in_transaction_, false);
    if (!open || PQstatus(conn_.get()) != CONNECTION_OK) return;  // a lost session took it with it
    ResultPtr r(PQexec(conn_.get(), "ROLLBACK"));
}

Result<void> PgConnection::run_setup(const Setup& setup) {
    ResultPtr r(PQexec(conn_.get(), setup.sql.c_str()));
    if (!ok(r)) return db_error(setup.what, r ? one_line(PQresultErrorMessage(r.get())) : error_message());
    if (setup.must_be_true) {
        const bool yes = PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 &&
                         PQgetvalue(r.get(), 0, 0)[0] == 't';
        if (!yes) return fail(ErrorKind::Db, setup.refusal);
    }
    return {};
}

Result<void> PgConnection::add_session_setup(std::string sql, std::string what, bool must_be_true,
                                             std::string refusal) {
    Setup setup{
        .sql = std::move(sql), .what = std::move(what), .refusal = std::move(refusal), .must_be_true = must_be_true};
    if (auto r = run_setup(setup); !r) return r;
    setup_.push_back(std::move(setup));
    return {};
}

Result<void> PgConnection::ensure_connected(std::string_view what) {
    if (PQstatus(conn_.get()) == CONNECTION_OK && set_up_) return {};
    if (in_transaction_) return db_error(what, "the connection to " + shown_as_ + " was lost in a transaction");
    const auto now = std::chrono::steady_clock::now();
    const auto wait_text = [this] { return "; next attempt in " + std::to_string(backoff_.count()) + "s"; };
    if (now < next_attempt_) return db_error(what, "the connection to " + shown_as_ + " is lost" + wait_text());
    PQreset(conn_.get());
    Result<void> ready;
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        ready = db_error("reconnect to " + shown_as_, error_message());
    } else {
        PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
        ++session_;
        for (const Setup& setup : setup_)
            if (ready = run_setup(setup); !ready) break;
    }
    set_up_ = static_cast<bool>(ready);
    if (ready) {
        backoff_ = std::chrono::seconds{0};
        return {};
    }
    // A session without its setup is not used, and holds nothing a setup took (a lock) meanwhile.
    if (PQstatus(conn_.get()) == CONNECTION_OK) ResultPtr discarded(PQexec(conn_.get(), "DISCARD ALL"));
    // The next attempt waits 1 s, then twice as long each time, up to a minute.
    backoff_ = std::clamp(backoff_ * 2, std::chrono::seconds{1}, std::chrono::seconds{60});
    next_attempt_ = now + backoff_;
    std::string message = ready.error().message;
    if (message.starts_with("store: ")) message.erase(0, 7);
    return db_error(what, message + wait_text());
}

std::string PgConnection::next_statement_name() { return "tributary_" + std::to_string(++statements_); }

std::string PgConnection::error_message() const { return one_line(PQerrorMessage(conn_.get())); }

// ------------------------------------------------------------- PgStatement ---

PgSql to_postgresql(std::string_view sql) {
    PgSql out;
    out.text.reserve(sql.size() + 8);
    char quote = 0;  // inside '…' or "…"
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
            out.text.push_back(c);
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out.text.push_back(c);
            continue;
        }
        if (c == '?') {
            std::size_t end = i + 1;
            while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end])) != 0) ++end;
            int number = 0;
            std::from_chars(sql.data() + i + 1, sql.data() + end, number);
            out.parameters = std::max(out.parameters, number);
            out.text.push_back('$');
            out.text.append(sql.substr(i + 1, end - i - 1));
            i = end - 1;
            continue;
        }
        if (sql.substr(i).starts_with("CROSS JOIN ")) {
            out.text.append("JOIN ");
            i += std::string_view("CROSS JOIN ").size() - 1;
            continue;
        }
        out.text.push_back(c);
    }
    return out;
}

PgStatement::PgStatement(PgConnection& conn, std::string name, std::string sql, int parameters)
    : conn_(&conn),
      name_(std::move(name)),
      sql_(std::move(sql)),
      session_(conn.session()),
      values_(static_cast<std::size_t>(parameters)),
      binary_(static_cast<std::size_t>(parameters), 0) {}

PgStatement::~PgStatement() {
    if (conn_ == nullptr || PQstatus(conn_->get()) != CONNECTION_OK || session_ != conn_->session()) return;
    // Inside a failed transaction the server refuses every command until ROLLBACK; the name
    // is then left until the connection closes, which costs nothing but its memory there.
    if (PQtransactionStatus(conn_->get()) == PQTRANS_INERROR) return;
    const std::string sql = "DEALLOCATE " + name_;
    ResultPtr r(PQexec(conn_->get(), sql.c_str()));
}

Result<std::unique_ptr<PgStatement>> PgStatement::prepare(PgConnection& conn, std::string_view sql, std::string what) {
    if (auto ready = conn.ensure_connected("prepare " + what); !ready) return std::unexpected(ready.error());
    PgSql translated = to_postgresql(sql);
    std::string name = conn.next_statement_name();
    ResultPtr r(PQprepare(conn.get(), name.c_str(), translated.text.c_str(), 0, nullptr));
    if (!ok(r)) return db_error("prepare " + what, r ? one_line(PQresultErrorMessage(r.get())) : conn.error_message());
    return std::make_unique<PgStatement>(conn, std::move(name), std::move(translated.text), translated.parameters);
}

void PgStatement::reset() noexcept {
    result_.reset();
    for (auto& v : values_) v.reset();
    std::fill(binary_.begin(), binary_.end(), 0);
    rows_ = 0;
    row_ = -1;
    ran_ = false;
    bind_error_.clear();
}

std::optional<std::string>* PgStatement::slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
        if (bind_error_.empty())
            bind_error_ = "bind parameter " + std::to_string(index) + ": the statement has " +
                          std::to_string(values_.size()) + " parameters";
        return nullptr;
    }
    binary_[static_cast<std::size_t>(index - 1)] = 0;
    return &values_[static_cast<std::size_t>(index - 1)];
}

void PgStatement::bind_int64(int index, std::int64_t value) {
    if (auto* v = slot(index)) *v = std::to_string(value);
}

void PgStatement::bind_text(int index, std::string_view value) {
    // A text parameter travels as a C string: a NUL byte would cut it short, silently.
    if (value.find('\0') != std::string_view::npos) {
        if (bind_error_.empty()) bind_error_ = "bind parameter " + std::to_string(index) + ": text with a NUL byte";
        return;
    }
    if (auto* v = slot(index)) *v = std::string(value);
}

void PgStatement::bind_blob(int index, std::string_view bytes) {
    if (auto* v = slot(index)) {
        *v = std::string(bytes);
        binary_[static_cast<std::size_t>(index - 1)] = 1;
    }
}

void PgStatement::bind_null(int index) {
    if (auto* v = slot(index)) v->reset();
}

Result<bool> PgStatement::step(const std::string& what) {
    if (!bind_error_.empty()) return db_error(what, bind_error_);
    if (!ran_) {
        ran_ = true;
        if (auto ready = conn_->ensure_connected(what); !ready) return std::unexpected(ready.error());
        if (session_ != conn_->session()) {
            ResultPtr again(PQprepare(conn_->get(), name_.c_str(), sql_.c_str(), 0, nullptr));
            if (!ok(again))
                return db_error(what, again ? one_line(PQresultErrorMessage(again.get())) : conn_->error_message());
            session_ = conn_->session();
        }
        const std::size_t n = values_.size();
        std::vector<const char*> pointers(n);
        std::vector<int> lengths(n);
        for (std::size_t i = 0; i < n; ++i) {
            pointers[i] = values_[i] ? values_[i]->c_str() : nullptr;
            lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
        }
        result_.reset(PQexecPrepared(conn_->get(), name_.c_str(), static_cast<int>(n), pointers.data(), lengths.data(),
                                     binary_.data(), /*resultFormat=*/0));
        if (!ok(result_)) {
            std::string message = result_ ? one_line(PQresultErrorMessage(result_.get())) : conn_->error_message();
            result_.reset();
            return db_error(what, message);
        }
        rows_ = PQresultStatus(result_.get()) == PGRES_TUPLES_OK ? PQntuples(result_.get()) : 0;
    }
    if (row_ < rows_) ++row_;
    return row_ < rows_;
}

Result<void> PgStatement::finish(const std::string& what) {
    if (auto r = step(what); !r) return std::unexpected(r.error());
    row_ = rows_;
    return {};
}

bool PgStatement::is_null(int column) const noexcept {
    if (!result_ || row_ < 0 || row_ >= rows_) return true;
    return PQgetisnull(result_.get(), row_, column) != 0;
}

std::int64_t PgStatement::column_int64(int column) const noexcept {
    if (is_null(column)) return 0;
    const char* text = PQgetvalue(result_.get(), row_, column);
    if (PQftype(result_.get(), column) == kBoolOid) return text[0] == 't' ? 1 : 0;
    std::int64_t value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
}

std::string PgStatement::column_text(int column) const {
    if (is_null(column)) return {};
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
}

std::string PgStatement::column_blob(int column) const {
    std::string text = column_text(column);
    if (PQftype(result_.get(), column) != kByteaOid || !text.starts_with("\\x")) return text;
    std::string bytes;
    bytes.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
        const int high = hex_value(text[i]);
        const int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0) break;
        bytes.push_back(static_cast<char>(high * 16 + low));
    }
    return bytes;
}

}  // namespace tributary::store
