#include "support/postgresql_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace tributary::testing {
namespace {

using Connection = PgConnectionPtr;
using Result = PgResultPtr;

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string trim_trailing_newlines(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// libpq's message for the last failure on conn, without its trailing newline.
std::string error_message(const PGconn* conn) {
    return trim_trailing_newlines(conn != nullptr ? PQerrorMessage(conn) : "out of memory");
}

std::string unique_schema_name() {
    static std::atomic<unsigned> counter{0};
    static const unsigned random = [] {
        std::random_device device;
        return static_cast<unsigned>(device());
    }();
    char hex[16] = {};
    std::to_chars(std::begin(hex), std::end(hex), random, 16);
    // Lower-case letters, digits and underscores only: no quoting, in SQL or in options=.
    return "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)) + "_" + hex;
}

}  // namespace

std::optional<PostgresqlServer> postgresql_server() {
    const std::filesystem::path dir = TRIBUTARY_TEST_POSTGRESQL_DIR;
    auto conninfo = read_file(dir / "conninfo");
    auto password = read_file(dir / "password");
    if (!conninfo || !password) return std::nullopt;
    return PostgresqlServer{.conninfo = trim_trailing_newlines(std::move(*conninfo)), .password = std::move(*password)};
}

PgConnectionPtr connect_postgresql(const std::string& conninfo, const std::string& password) {
    const char* const keys[] = {"dbname", "password", nullptr};
    const char* const values[] = {conninfo.c_str(), password.c_str(), nullptr};
    return PgConnectionPtr{PQconnectdbParams(keys, values, /*expand_dbname=*/1)};
}

std::string fresh_postgresql_schema(const PostgresqlServer& server) {
    const Connection conn = connect_postgresql(server.conninfo, server.password);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error("fresh_postgresql_schema: cannot connect to " + server.conninfo + ": " +
                                 error_message(conn.get()));
    }

    const std::string schema = unique_schema_name();
    const Result result{PQexec(conn.get(), ("CREATE SCHEMA " + schema).c_str())};
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        throw std::runtime_error("fresh_postgresql_schema: cannot create schema " + schema + ": " +
                                 error_message(conn.get()));
    }
    return server.conninfo + " options='-c search_path=" + schema + "'";
}

}  // namespace tributary::testing
