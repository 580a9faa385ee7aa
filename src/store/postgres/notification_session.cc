#include "store/postgres/notification_session.h"

#include <fmt/format.h>


namespace fundament::store::postgres {

Result<std::unique_ptr<NotificationSession>> NotificationSession::Open(const std::string& url,
                                                                        const std::string& application_name) {
  const char* keys[] = {"dbname",           "keepalives",      "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "application_name", nullptr};
  const char* values[] = {url.c_str(), "1", "30", "10", "3", application_name.c_str(), nullptr};
  auto session = std::unique_ptr<NotificationSession>(new NotificationSession(PQconnectdbParams(keys, values, 1)));
  if (session->conn_ == nullptr) return Error(ErrorCode::kUnavailable, "postgresql: out of memory");
  if (PQstatus(session->conn_) != CONNECTION_OK) {
    return Error(ErrorCode::kUnavailable, fmt::format("postgresql: {}", session->LastError()));
  }
  return session;
}

NotificationSession::~NotificationSession() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Status NotificationSession::Listen(const std::string& channel) {
  // LISTEN takes an identifier, not a parameter.
  char* quoted = PQescapeIdentifier(conn_, channel.data(), channel.size());
  if (quoted == nullptr) return Error(ErrorCode::kUnavailable, fmt::format("postgresql: {}", LastError()));
  std::string sql = fmt::format("LISTEN {}", quoted);
  PQfreemem(quoted);
  PGresult* result = PQexec(conn_, sql.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) return Error(ErrorCode::kUnavailable, fmt::format("postgresql: LISTEN: {}", LastError()));
  return Status::Ok();
}

Status NotificationSession::Notify(const std::string& channel, std::string_view payload) {
  std::string text(payload);
  const char* parameters[] = {channel.c_str(), text.c_str()};
  PGresult* result = PQexecParams(conn_, "SELECT pg_notify($1, $2)", 2, nullptr, parameters, nullptr, nullptr, 0);
  bool ok = PQresultStatus(result) == PGRES_TUPLES_OK;
  PQclear(result);
  if (!ok) return Error(ErrorCode::kUnavailable, fmt::format("postgresql: NOTIFY: {}", LastError()));
  return Status::Ok();
}

std::string NotificationSession::LastError() const {
  std::string message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace fundament::store::postgres
