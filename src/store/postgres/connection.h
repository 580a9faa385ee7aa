// A thin RAII layer over libpq: one Connection owns one PGconn and the
// statements prepared on it (one per distinct SQL text and parameter types);
// Rows owns one PGresult.
//
// Parameters are sql::SqlValue, sent as text with explicit types: int8 for
// integers, float8 for doubles, text for strings, unknown for NULL (the
// server takes the type from the context). Results come back as text and
// are converted on access. A Connection is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "sql/sql_value.h"

namespace fundament::store::postgres {

using sql::SqlValue;

// The Error for a failed call on `connection` with result `result` (may be
// null): integrity and data exceptions (SQLSTATE classes 23 and 22) become
// kBadRequest, a lost connection (class 08, shutdown, or the connection in
// a bad state) kUnavailable, everything else kInternal.
Error PostgresError(PGconn* connection, const PGresult* result, std::string_view context);

// kBadRequest when a text value holds the character U+0000, which
// PostgreSQL text and jsonb cannot hold (and which libpq, passing C strings,
// would silently cut the text at).
Status RefuseNulCharacters(const std::vector<SqlValue>& values);

// One row of a result, with the accessors store::DecodeProperty expects.
class RowView {
 public:
  RowView(const PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string_view ColumnText(int column) const;

 private:
  const PGresult* result_;
  int row_;
};

// The rows of one statement. Move-only.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result) {}
  ~Rows() { PQclear(result_); }
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const { return result_ != nullptr ? PQntuples(result_) : 0; }
  RowView row(int index) const { return RowView(result_, index); }
  // The rows a command changed (UPDATE, DELETE, INSERT).
  int64_t affected() const;

 private:
  PGresult* result_ = nullptr;
};

class Connection {
 public:
  // Connects to `url` (postgresql://user@host:port/database?…, anything
  // libpq accepts). kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL text without parameters (schema, BEGIN/COMMIT); may hold
  // several statements.
  Status Execute(std::string_view sql);

  // Runs `sql` with `parameters` ($1, $2, …) as a prepared statement, from
  // the cache when this text ran before with the same parameter types.
  Result<Rows> Query(const std::string& sql, const std::vector<SqlValue>& parameters);

  // Runs a SELECT through a cursor, handing the rows to `visit` `chunk` at
  // a time, so memory stays flat however many there are. Must run inside a
  // transaction. The connection stays usable for other statements between
  // chunks (a visitor may read more).
  Status Stream(const std::string& sql, const std::vector<SqlValue>& parameters, int chunk,
                const std::function<Status(const RowView&)>& visit);

  // Runs `copy_sql` (COPY … FROM STDIN) and sends `data`, the rows in the
  // format the statement names; the server's error when a row is refused
  // (mapped as by PostgresError).
  Status CopyIn(const std::string& copy_sql, std::string_view data);

  // The first error of the transaction the connection is in, when a
  // statement failed and the transaction can only be rolled back (a COMMIT
  // of it would roll back, too); reset when the transaction ends.
  const std::optional<Error>& transaction_failure() const { return transaction_failure_; }

  // True when the last failed statement may succeed if the transaction is
  // run again (serialization failure, deadlock).
  bool last_failure_retryable() const { return last_failure_retryable_; }
  // Whether the connection is up; Reset() reconnects a broken one (the
  // statement cache is dropped with the old session).
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  Status Reset();
  bool InTransaction() const;
  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<Rows> Check(PGresult* result, std::string_view context);

  // Past this many prepared statements the cache is dropped and rebuilt
  // (queries vary with orderby and update column sets).
  static constexpr size_t kMaxPreparedStatements = 512;

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // key (types + SQL) → statement name
  uint64_t next_statement_ = 0;
  uint64_t next_cursor_ = 0;
  bool last_failure_retryable_ = false;
  std::optional<Error> transaction_failure_;
};

}  // namespace fundament::store::postgres
