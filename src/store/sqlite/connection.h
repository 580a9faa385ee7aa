// A thin RAII layer over the SQLite C API: one Connection owns one sqlite3
// handle and a cache of its prepared statements; a Statement borrows one
// cached statement and resets it when it goes out of scope.
//
// A Connection is used by one thread at a time (the store hands connections
// out under its own locks), so it is opened with SQLITE_OPEN_NOMUTEX.
// Values only ever reach SQL through the Bind* calls.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/result.h"
#include "sql/sql_value.h"

namespace fundament::store::sqlite {

using sql::SqlValue;

// The Error for a failed SQLite call on `db` with result code `rc`.
// Constraint violations become kBadRequest (the input broke a rule of the
// data model); everything else is kInternal.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// One prepared statement kept by a Connection between uses.
struct CachedStatement {
  sqlite3_stmt* stmt = nullptr;
  bool in_use = false;
};

// A prepared statement ready to be bound and stepped. Move-only. When it
// came from the cache it is reset and returned there on destruction;
// otherwise it is finalized.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, CachedStatement* cached);
  Statement(sqlite3* db, sqlite3_stmt* owned);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameter indexes are 1-based as in SQLite.
  Status BindNull(int index);
  Status BindInt(int index, int64_t value);
  Status BindDouble(int index, double value);
  Status BindText(int index, std::string_view value);
  Status Bind(int index, const SqlValue& value);
  // Binds values[i] to parameter i+1, skipping indexes the statement does
  // not have (a count query built from the same clauses uses fewer).
  Status BindAll(const std::vector<SqlValue>& values);

  // Advances to the next row: true when there is one, false when done.
  Result<bool> Step();
  // Steps until done (for statements without rows).
  Status Run();
  // Rewinds the statement to run again; its bindings stay.
  void Reset();

  // Values of the current row; column indexes are 0-based as in SQLite.
  int ColumnCount() const;
  bool IsNull(int column) const;
  int ColumnType(int column) const;  // SQLITE_INTEGER, SQLITE_FLOAT, …
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string_view ColumnText(int column) const;
  std::optional<int64_t> ColumnOptionalInt(int column) const;  // nullopt for NULL

  // The SQLite handle, for calls this wrapper does not offer.
  sqlite3_stmt* raw() const { return stmt_; }

 private:
  void Release();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  CachedStatement* cached_ = nullptr;  // null when the statement is owned
};

// Options of one connection.
struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  bool load_spatialite = false;
  bool query_only = false;  // reader connections refuse writes
  bool sync_full = false;
};

// One open database connection with its statement cache.
class Connection {
 public:
  // Opens (creating if needed) the database at `path` and applies the
  // per-connection settings: foreign keys, busy timeout, synchronous mode,
  // and SpatiaLite when asked for.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, const ConnectionOptions& options);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL text without parameters (schema, pragmas, BEGIN/COMMIT).
  Status Execute(std::string_view sql);

  // A prepared statement for `sql`, from the cache when possible.
  Result<Statement> Prepare(const std::string& sql);

  // The rowid of the last row inserted on this connection.
  int64_t LastInsertId() const;
  // True between BEGIN and COMMIT/ROLLBACK.
  bool InTransaction() const;
  // True when SpatiaLite is loaded and geometry functions are available.
  bool spatialite() const { return spatialite_; }
  // The SQLite handle, for calls this wrapper does not offer.
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  void EvictIdle();

  // A statement cache grows with the distinct queries run (orderby variants,
  // update column sets); past this many entries idle ones are dropped.
  static constexpr size_t kMaxCachedStatements = 256;

  sqlite3* db_ = nullptr;
  bool spatialite_ = false;
  // Nodes are stable, so Statements may point at the entries.
  std::unordered_map<std::string, std::unique_ptr<CachedStatement>> cache_;
};

}  // namespace fundament::store::sqlite
