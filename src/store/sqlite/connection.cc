#include "store/sqlite/connection.h"

#include <fmt/format.h>

#include <utility>

#include "store/sqlite/sqlite_dialect.h"

namespace fundament::store::sqlite {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = fmt::format("{}: {}", context, detail);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return BadRequest(std::move(message));
  return Internal(std::move(message));
}

Statement::Statement(sqlite3* db, CachedStatement* cached) : db_(db), stmt_(cached->stmt), cached_(cached) {
  cached_->in_use = true;
}

Statement::Statement(sqlite3* db, sqlite3_stmt* owned) : db_(db), stmt_(owned) {}

Statement::~Statement() { Release(); }

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      cached_(std::exchange(other.cached_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    cached_ = std::exchange(other.cached_, nullptr);
  }
  return *this;
}

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cached_ != nullptr) {
    // Resetting ends the statement's read of the database, which lets the
    // connection commit and the WAL be checkpointed past it.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    cached_->in_use = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  cached_ = nullptr;
}

Status Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindDouble(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindText(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::Bind(int index, const SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return BindInt(index, *i);
  if (const auto* d = std::get_if<double>(&value)) return BindDouble(index, *d);
  if (const auto* s = std::get_if<std::string>(&value)) return BindText(index, *s);
  return BindNull(index);
}

Status Statement::BindAll(const std::vector<SqlValue>& values) {
  int count = sqlite3_bind_parameter_count(stmt_);
  for (size_t i = 0; i < values.size() && static_cast<int>(i) < count; ++i) {
    FUNDAMENT_RETURN_IF_ERROR(Bind(static_cast<int>(i) + 1, values[i]));
  }
  return Status::Ok();
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, sqlite3_extended_errcode(db_), "step");
}

Status Statement::Run() {
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() { sqlite3_reset(stmt_); }

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int Statement::ColumnType(int column) const { return sqlite3_column_type(stmt_, column); }
int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::optional<int64_t> Statement::ColumnOptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return ColumnInt(column);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, rc, fmt::format("cannot open database {}", path));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  FUNDAMENT_RETURN_IF_ERROR(connection->Execute("PRAGMA foreign_keys = ON"));
  FUNDAMENT_RETURN_IF_ERROR(RegisterSqlFunctions(db));
  FUNDAMENT_RETURN_IF_ERROR(
      connection->Execute(options.sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  // Statement journals and sort spills stay in memory: on disk they were
  // most of the write calls of a bulk insert.
  FUNDAMENT_RETURN_IF_ERROR(connection->Execute("PRAGMA temp_store = MEMORY"));
  if (options.load_spatialite) {
    // Enables extension loading through the C API only; the SQL function
    // load_extension() stays disabled so no query can load code.
    rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot enable extension loading");
    char* message = nullptr;
    rc = sqlite3_load_extension(db, "mod_spatialite", nullptr, &message);
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    if (rc != SQLITE_OK) {
      return Internal(
          fmt::format("cannot load the SpatiaLite extension mod_spatialite ({}); install it (Debian: "
                      "libsqlite3-mod-spatialite) or disable SpatiaLite",
                      detail));
    }
    connection->spatialite_ = true;
  }
  if (options.query_only) FUNDAMENT_RETURN_IF_ERROR(connection->Execute("PRAGMA query_only = ON"));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  cache_.clear();
  sqlite3_close(db_);
}

Status Connection::Execute(std::string_view sql) {
  char* message = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error error = SqliteError(nullptr, sqlite3_extended_errcode(db_), "execute");
    error.message = fmt::format("{}: {}", text.substr(0, 60), detail);
    return error;
  }
  return Status::Ok();
}

Result<Statement> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use) return Statement(db_, it->second.get());
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, fmt::format("prepare \"{}\"", sql));
  // The same text is already being stepped (a nested use): run this one uncached.
  if (it != cache_.end()) return Statement(db_, stmt);
  if (cache_.size() >= kMaxCachedStatements) EvictIdle();
  auto cached = std::make_unique<CachedStatement>();
  cached->stmt = stmt;
  CachedStatement* entry = cached.get();
  cache_.emplace(sql, std::move(cached));
  return Statement(db_, entry);
}

void Connection::EvictIdle() {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second->in_use) {
      ++it;
    } else {
      sqlite3_finalize(it->second->stmt);
      it = cache_.erase(it);
    }
  }
}

int64_t Connection::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace fundament::store::sqlite
