#include "store/postgres/connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace fundament::store::postgres {
namespace {

// Type OIDs of pg_type (stable across PostgreSQL versions).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

Oid TypeOf(const SqlValue& value) {
  if (std::holds_alternative<int64_t>(value)) return kInt8Oid;
  if (std::holds_alternative<double>(value)) return kFloat8Oid;
  if (std::holds_alternative<std::string>(value)) return kTextOid;
  return 0;
}

// The parameters as libpq takes them: text values (null pointers for NULL).
struct Parameters {
  explicit Parameters(const std::vector<SqlValue>& values) {
    texts.reserve(values.size());
    for (const SqlValue& value : values) {
      types.push_back(TypeOf(value));
      if (const auto* i = std::get_if<int64_t>(&value)) {
        texts.push_back(std::to_string(*i));
      } else if (const auto* d = std::get_if<double>(&value)) {
        // 17 significant digits give the double back exactly.
        texts.push_back(fmt::format("{:.17g}", *d));
      } else if (const auto* s = std::get_if<std::string>(&value)) {
        texts.push_back(*s);
      } else {
        texts.emplace_back();
      }
    }
    for (size_t i = 0; i < values.size(); ++i)
      pointers.push_back(std::holds_alternative<std::monostate>(values[i]) ? nullptr : texts[i].c_str());
  }
  std::string Key() const {
    std::string key;
    for (Oid type : types) key += std::to_string(type) + ",";
    return key;
  }
  int count() const { return static_cast<int>(types.size()); }

  std::vector<Oid> types;
  std::vector<std::string> texts;
  std::vector<const char*> pointers;
};

bool StartsWith(const char* text, std::string_view prefix) {
  return text != nullptr && std::string_view(text).starts_with(prefix);
}

}  // namespace

// A filter literal cut at U+0000 would become a shorter string (the empty
// one matching everything): refused instead, as PostgreSQL refuses the
// character in stored text and jsonb.
Status RefuseNulCharacters(const std::vector<SqlValue>& values) {
  for (const SqlValue& value : values) {
    const auto* text = std::get_if<std::string>(&value);
    if (text != nullptr && text->find('\0') != std::string::npos) {
      return BadRequest("text with the character U+0000 cannot be stored or compared in PostgreSQL");
    }
  }
  return Status::Ok();
}

Error PostgresError(PGconn* connection, const PGresult* result, std::string_view context) {
  std::string detail = result != nullptr ? PQresultErrorMessage(result) : "";
  if (detail.empty() && connection != nullptr) detail = PQerrorMessage(connection);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string message = fmt::format("{}: {}", context, detail);
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (StartsWith(state, "23") || StartsWith(state, "22")) return BadRequest(std::move(message));
  if ((connection != nullptr && PQstatus(connection) != CONNECTION_OK) || StartsWith(state, "08") ||
      StartsWith(state, "57P")) {
    return Error{ErrorCode::kUnavailable, std::move(message), {}};
  }
  return Internal(std::move(message));
}

int64_t RowView::ColumnInt(int column) const {
  std::string_view text = ColumnText(column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    // A numeric with a fraction or an exponent: its integral value.
    return static_cast<int64_t>(ColumnDouble(column));
  }
  return value;
}

double RowView::ColumnDouble(int column) const {
  // strtod reads "Infinity" and "NaN" as PostgreSQL writes them, too.
  return std::strtod(PQgetvalue(result_, row_, column), nullptr);
}

std::string_view RowView::ColumnText(int column) const {
  return {PQgetvalue(result_, row_, column), static_cast<size_t>(PQgetlength(result_, row_, column))};
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int64_t Rows::affected() const {
  const char* text = result_ != nullptr ? PQcmdTuples(result_) : "";
  return text[0] == '\0' ? 0 : std::strtoll(text, nullptr, 10);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Error{ErrorCode::kUnavailable, "cannot allocate a PostgreSQL connection", {}};
  std::unique_ptr<Connection> connection(new Connection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    return Error{ErrorCode::kUnavailable, fmt::format("cannot connect to PostgreSQL: {}", PQerrorMessage(conn)),
                 {}};
  }
  // UTC and ISO dates so that nothing depends on the server's settings;
  // notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  FUNDAMENT_RETURN_IF_ERROR(connection->Execute("SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'"));
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

Result<Rows> Connection::Check(PGresult* result, std::string_view context) {
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_failure_retryable_ = false;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) transaction_failure_.reset();
    return Rows(result);
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_failure_retryable_ = StartsWith(state, "40001") || StartsWith(state, "40P01");
  Error error = PostgresError(conn_, result, context);
  PQclear(result);
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR && !transaction_failure_) transaction_failure_ = error;
  return error;
}

Status Connection::Execute(std::string_view sql) {
  std::string text(sql);
  auto result = Check(PQexec(conn_, text.c_str()), fmt::format("execute \"{}\"", text.substr(0, 60)));
  return result.status();
}

Result<Rows> Connection::Query(const std::string& sql, const std::vector<SqlValue>& parameters) {
  FUNDAMENT_RETURN_IF_ERROR(RefuseNulCharacters(parameters));
  Parameters params(parameters);
  std::string key = params.Key() + sql;
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    if (prepared_.size() >= kMaxPreparedStatements) {
      FUNDAMENT_RETURN_IF_ERROR(Execute("DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string name = fmt::format("s{}", ++next_statement_);
    FUNDAMENT_ASSIGN_OR_RETURN(
        Rows prepared, Check(PQprepare(conn_, name.c_str(), sql.c_str(), params.count(), params.types.data()),
                             fmt::format("prepare \"{}\"", sql)));
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  return Check(PQexecPrepared(conn_, it->second.c_str(), params.count(), params.pointers.data(), nullptr, nullptr,
                              0),
               "query");
}

Status Connection::Stream(const std::string& sql, const std::vector<SqlValue>& parameters, int chunk,
                          const std::function<Status(const RowView&)>& visit) {
  FUNDAMENT_RETURN_IF_ERROR(RefuseNulCharacters(parameters));
  Parameters params(parameters);
  std::string cursor = fmt::format("fundament_cursor_{}", ++next_cursor_);
  std::string declare = fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", cursor, sql);
  FUNDAMENT_RETURN_IF_ERROR(Check(PQexecParams(conn_, declare.c_str(), params.count(), params.types.data(),
                                               params.pointers.data(), nullptr, nullptr, 0),
                                  fmt::format("declare cursor for \"{}\"", sql))
                                .status());
  std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", chunk, cursor);
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, Check(PQexec(conn_, fetch.c_str()), "fetch"));
    for (int i = 0; i < rows.size(); ++i) {
      Status visited = visit(rows.row(i));
      if (!visited.ok()) {
        // The transaction may have failed meanwhile; its end closes the cursor then.
        Status closed = Execute("CLOSE " + cursor);
        (void)closed;
        return visited;
      }
    }
    if (rows.size() < chunk) break;
  }
  return Execute("CLOSE " + cursor);
}

Status Connection::CopyIn(const std::string& copy_sql, std::string_view data) {
  PGresult* started = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(started) != PGRES_COPY_IN) {
    FUNDAMENT_RETURN_IF_ERROR(Check(started, fmt::format("start \"{}\"", copy_sql.substr(0, 60))).status());
    return Internal(fmt::format("\"{}\" did not start a COPY", copy_sql.substr(0, 60)));
  }
  PQclear(started);
  // In chunks, so that libpq's send buffer stays small.
  constexpr size_t kChunk = size_t{1} << 20;
  const char* failure = nullptr;
  for (size_t at = 0; at < data.size() && failure == nullptr; at += kChunk) {
    const size_t size = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(size)) != 1) failure = "sending the rows failed";
  }
  if (PQputCopyEnd(conn_, failure) != 1) {
    return Error{ErrorCode::kUnavailable, fmt::format("copy: {}", PQerrorMessage(conn_)), {}};
  }
  Status status = Check(PQgetResult(conn_), "copy").status();
  while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
  return status;
}

Status Connection::Reset() {
  transaction_failure_.reset();
  prepared_.clear();
  PQreset(conn_);
  if (!ok()) {
    return Error{ErrorCode::kUnavailable, fmt::format("cannot reconnect to PostgreSQL: {}", PQerrorMessage(conn_)),
                 {}};
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  return Execute("SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'");
}

bool Connection::InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

}  // namespace fundament::store::postgres
