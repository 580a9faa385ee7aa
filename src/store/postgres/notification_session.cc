#include "store/postgres/notification_session.h"

#include <fmt/format.h>

#include "store/postgres/change_notification.h"

namespace fundament::store::postgres {

Result<std::unique_ptr<NotificationSession>> NotificationSession::Open(const std::string& url,
                                                                        const char* application_name) {
  const char* keys[] = {"dbname",           "keepalives",      "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "application_name", nullptr};
  const char* values[] = {url.c_str(), "1", "30", "10", "3", application_name, nullptr};
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

Status NotificationSession::Listen() {
  PGresult* result = PQexec(conn_, fmt::format("LISTEN {}", kChangeChannel).c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) return Error(ErrorCode::kUnavailable, fmt::format("postgresql: LISTEN: {}", LastError()));
  return Status::Ok();
}

Status NotificationSession::Notify(std::string_view payload) {
  std::string text(payload);
  const char* parameters[] = {kChangeChannel.data(), text.c_str()};
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
