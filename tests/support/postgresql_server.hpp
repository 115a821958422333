#pragma once
// The throwaway PostgreSQL 15 server ctest starts for the tests that ask for it
// (tributary_add_test(… POSTGRESQL): fixture "postgresql", tests/support/postgresql.sh).
// It listens on 127.0.0.1, has the superuser `tributary` (password authentication) and the
// database `tributary_test`. Each test takes a schema of its own, so tests may run in parallel:
//
//     auto server = postgresql_server();
//     ASSERT_TRUE(server) << "the postgresql fixture did not run";
//     std::string conninfo = fresh_postgresql_schema(*server);
//     // connect with conninfo (expand_dbname) and server->password, e.g.
//     const char* keys[] = {"dbname", "password", nullptr};
//     const char* values[] = {conninfo.c_str(), server->password.c_str(), nullptr};
//     PGconn* conn = PQconnectdbParams(keys, values, 1);

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>

namespace tributary::testing {

struct PostgresqlServer {
    std::string conninfo;  // "host=127.0.0.1 port=… user=tributary dbname=tributary_test"; no password
    std::string password;  // pass it separately (libpq key "password"); never log it
};

// The server the fixture started, read from TRIBUTARY_TEST_POSTGRESQL_DIR/{conninfo,password};
// nullopt when those files are absent (the fixture did not run).
std::optional<PostgresqlServer> postgresql_server();

// Creates a new, empty schema with a name no other call uses (t_<pid>_<counter>_<random>) and
// returns server.conninfo + " options='-c search_path=<schema>'": unqualified names of
// connections made with it resolve in that schema only. Throws std::runtime_error with libpq's
// message when the server cannot be reached or the schema cannot be created.
std::string fresh_postgresql_schema(const PostgresqlServer& server);

// libpq handles for tests that talk to the server themselves.
struct PgConnDeleter {
    void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultDeleter {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgConnectionPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;
// Connects with `conninfo` (a URI or key=value string) and the password apart; check PQstatus.
PgConnectionPtr connect_postgresql(const std::string& conninfo, const std::string& password);

}  // namespace tributary::testing
