// The libpq connection that change notifications travel over (sent by
// ChangeNotifier, heard by NotificationListener): a session of its own
// beside the store's pool, outside any transaction, with TCP keepalives so
// that a dead peer is noticed within about a minute even when nothing is
// sent or arrives.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fundament::store::postgres {

class NotificationSession {
 public:
  // Connects to `url`; `application_name` shows in pg_stat_activity.
  // kUnavailable with PostgreSQL's message when it fails.
  static Result<std::unique_ptr<NotificationSession>> Open(const std::string& url,
                                                           const std::string& application_name);
  ~NotificationSession();
  NotificationSession(const NotificationSession&) = delete;
  NotificationSession& operator=(const NotificationSession&) = delete;

  // LISTEN on `channel`.
  Status Listen(const std::string& channel);
  // Sends one notification on `channel` (committed at once: the session
  // runs no transaction).
  Status Notify(const std::string& channel, std::string_view payload);

  // The socket to wait on for arriving notifications.
  int socket() const { return PQsocket(conn_); }
  // Reads what arrived and hands each notification's payload to `deliver`;
  // false when the connection broke.
  template <typename Deliver>
  bool Consume(const Deliver& deliver) {
    if (PQconsumeInput(conn_) == 0) return false;
    while (PGnotify* note = PQnotifies(conn_)) {
      deliver(std::string_view(note->extra));
      PQfreemem(note);
    }
    return PQstatus(conn_) == CONNECTION_OK;
  }

  // PostgreSQL's last error message, without the trailing newline.
  std::string LastError() const;

 private:
  explicit NotificationSession(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

}  // namespace fundament::store::postgres
