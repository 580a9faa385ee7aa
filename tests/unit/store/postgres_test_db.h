// A connection to the test PostgreSQL server (env FUNDAMENT_TEST_POSTGRES_URL)
// for tests that run SQL of the PostgreSQL dialect on a real server, through
// raw libpq: each test gets a schema of its own (tests run in parallel), with
// PostGIS and the dialect's functions, dropped at the end.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sql/sql_value.h"
#include "store/postgres/postgres_dialect.h"

namespace fundament::store::testing {

// The rows of a statement's result as text; nullopt for NULL.
using PgRows = std::vector<std::vector<std::optional<std::string>>>;

// A connection with a schema of its own, dropped when it closes.
class PostgresTestDatabase {
 public:
  PostgresTestDatabase() = default;
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;
  ~PostgresTestDatabase() { Close(); }

  // The server's URL, empty when none is configured.
  static std::string Url() {
    const char* url = std::getenv("FUNDAMENT_TEST_POSTGRES_URL");
    return url == nullptr ? std::string() : std::string(url);
  }

  static constexpr const char* kSkipMessage =
      "FUNDAMENT_TEST_POSTGRES_URL is not set; start a server with `scripts/start-postgres DIR` and export "
      "the URL "
      "it prints";

  // Connects and creates the schema with PostGIS and the dialect's functions.
  void Open() {
    conn_ = PQconnectdb(Url().c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    schema_ = fmt::format("fundament_test_{}", getpid());
    Exec("SET client_min_messages = warning");
    // CREATE EXTENSION is not safe against itself in parallel.
    Exec("SELECT pg_advisory_lock(4242)");
    Exec("CREATE EXTENSION IF NOT EXISTS postgis");
    Exec("SELECT pg_advisory_unlock(4242)");
    Exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema_));
    Exec(fmt::format("CREATE SCHEMA {}", schema_));
    Exec(fmt::format("SET search_path = {}, public", schema_));
    Exec(std::string(postgres::PostgresSqlFunctions()));
  }

  void Close() {
    if (conn_ == nullptr) return;
    if (!schema_.empty()) Exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema_));
    PQfinish(conn_);
    conn_ = nullptr;
  }

  // Runs `sql` (no parameters, possibly several statements); fails the test on error.
  void Exec(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << PQresultErrorMessage(result) << "\n"
        << sql;
    PQclear(result);
  }

  // Runs `sql` with `params` bound as the store binds them (int8, float8,
  // text; NULL untyped); the error message on failure.
  std::variant<PgRows, std::string> Query(const std::string& sql, const std::vector<sql::SqlValue>& params) {
    std::vector<Oid> types;
    std::vector<std::string> texts;
    std::vector<const char*> values;
    texts.reserve(params.size());
    for (const sql::SqlValue& param : params) {
      if (const auto* i = std::get_if<int64_t>(&param)) {
        types.push_back(20);
        texts.push_back(std::to_string(*i));
      } else if (const auto* d = std::get_if<double>(&param)) {
        types.push_back(701);
        texts.push_back(fmt::format("{}", *d));
      } else if (const auto* s = std::get_if<std::string>(&param)) {
        types.push_back(25);
        texts.push_back(*s);
      } else {
        types.push_back(0);
        texts.emplace_back();
      }
    }
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(std::holds_alternative<std::monostate>(params[i]) ? nullptr : texts[i].c_str());
    }
    PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(),
                                    values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
      std::string error = PQresultErrorMessage(result);
      PQclear(result);
      return error.empty() ? std::string("error") : error;
    }
    PgRows rows;
    for (int r = 0; r < PQntuples(result); ++r) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < PQnfields(result); ++c) {
        if (PQgetisnull(result, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(PQgetvalue(result, r, c));
        }
      }
    }
    PQclear(result);
    return rows;
  }

 private:
  PGconn* conn_ = nullptr;
  std::string schema_;
};

// A test on a PostgresTestDatabase; skipped when no server is configured.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresTestDatabase::Url().empty()) GTEST_SKIP() << PostgresTestDatabase::kSkipMessage;
    db_.Open();
  }

  void TearDown() override { db_.Close(); }

  void Exec(const std::string& sql) { db_.Exec(sql); }
  std::variant<PgRows, std::string> Query(const std::string& sql, const std::vector<sql::SqlValue>& params) {
    return db_.Query(sql, params);
  }

  PostgresTestDatabase db_;
};

}  // namespace fundament::store::testing
