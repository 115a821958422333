// The throwaway PostgreSQL server of the ctest fixture "postgresql" (support/postgresql.sh) and
// support/postgresql_server.hpp. The fixture is required: without the server these tests fail.

#include "support/postgresql_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>

namespace tributary::testing {
namespace {

using Connection = PgConnectionPtr;
using Result = PgResultPtr;

Connection connect(const std::string& conninfo, const std::string& password) {
    return connect_postgresql(conninfo, password);
}

// Runs sql; "" for a command, else the first column of the first row ("<null>" for NULL);
// "error: …" when it fails.
std::string query(PGconn* conn, const std::string& sql) {
    const Result result{PQexec(conn, sql.c_str())};
    const auto status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK) return "";
    if (status != PGRES_TUPLES_OK) return std::string("error: ") + PQerrorMessage(conn);
    if (PQntuples(result.get()) == 0) return "<no rows>";
    return PQgetisnull(result.get(), 0, 0) ? "<null>" : PQgetvalue(result.get(), 0, 0);
}

constexpr const char* no_server = "no PostgreSQL server described in " TRIBUTARY_TEST_POSTGRESQL_DIR
                                  ": run these tests through ctest, whose fixture test postgresql.start starts it";

TEST(PostgresqlServer, IsReachableThroughAFreshSchemaWithThePassword) {
    const auto server = postgresql_server();
    ASSERT_TRUE(server) << no_server;
    EXPECT_EQ(server->conninfo.find("password"), std::string::npos) << "the password is kept apart";
    EXPECT_NE(server->conninfo.find("host=127.0.0.1 "), std::string::npos) << server->conninfo;
    EXPECT_EQ(server->conninfo.find("port=5432 "), std::string::npos) << server->conninfo;

    const std::string conninfo = fresh_postgresql_schema(*server);
    const Connection conn = connect(conninfo, server->password);
    ASSERT_TRUE(conn);
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    EXPECT_EQ(query(conn.get(), "SELECT 1"), "1");
    EXPECT_EQ(query(conn.get(), "SELECT current_user"), "tributary");
    EXPECT_EQ(query(conn.get(), "SELECT current_database()"), "tributary_test");
    EXPECT_EQ(query(conn.get(), "SELECT current_schema()").substr(0, 2), "t_");
    EXPECT_EQ(
        query(conn.get(), "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'tributary_test'"),
        "UTF8");
    EXPECT_EQ(query(conn.get(), "SELECT split_part(current_setting('server_version'), '.', 1)"), "15");
}

TEST(PostgresqlServer, FreshSchemasAreDistinctAndIsolated) {
    const auto server = postgresql_server();
    ASSERT_TRUE(server) << no_server;

    const std::string first = fresh_postgresql_schema(*server);
    const std::string second = fresh_postgresql_schema(*server);
    EXPECT_NE(first, second);

    const Connection a = connect(first, server->password);
    const Connection b = connect(second, server->password);
    ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
    ASSERT_EQ(PQstatus(b.get()), CONNECTION_OK) << PQerrorMessage(b.get());
    EXPECT_NE(query(a.get(), "SELECT current_schema()"), query(b.get(), "SELECT current_schema()"));

    EXPECT_EQ(query(a.get(), "CREATE TABLE items (id integer PRIMARY KEY, title text)"), "");
    EXPECT_EQ(query(a.get(), "INSERT INTO items VALUES (1, 'first')"), "");
    EXPECT_EQ(query(a.get(), "SELECT title FROM items"), "first");

    EXPECT_EQ(query(b.get(), "SELECT to_regclass('items')"), "<null>") << "a's table is visible in b";
    EXPECT_EQ(query(b.get(), "CREATE TABLE items (id integer PRIMARY KEY, title text)"), "");
    EXPECT_EQ(query(b.get(), "SELECT count(*) FROM items"), "0");
    EXPECT_EQ(query(a.get(), "SELECT count(*) FROM items"), "1");
}

}  // namespace
}  // namespace tributary::testing
