#include "store/postgres/notification_listener.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "store/postgres/change_notification.h"

namespace fundament::store::postgres {

// The listening libpq connection.
class NotificationListener::Connection {
 public:
  ~Connection() {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  // Connects to `url` and runs LISTEN; kUnavailable with PostgreSQL's
  // message when either fails. TCP keepalives make a dead peer noticed
  // within about a minute even when no notification comes.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url) {
    const char* keys[] = {"dbname",    "keepalives",          "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "application_name", nullptr};
    const char* values[] = {url.c_str(), "1", "30", "10", "3", "fundament-listener", nullptr};
    auto connection = std::unique_ptr<Connection>(new Connection(PQconnectdbParams(keys, values, 1)));
    if (connection->conn_ == nullptr) return Error(ErrorCode::kUnavailable, "postgresql: out of memory");
    if (PQstatus(connection->conn_) != CONNECTION_OK) {
      return Error(ErrorCode::kUnavailable, fmt::format("postgresql: {}", connection->LastError()));
    }
    PGresult* result = PQexec(connection->conn_, fmt::format("LISTEN {}", kChangeChannel).c_str());
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!ok) return Error(ErrorCode::kUnavailable, fmt::format("postgresql: LISTEN: {}", connection->LastError()));
    return connection;
  }

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

  std::string LastError() const {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
  }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

NotificationListener::NotificationListener(NotificationListenerOptions options, events::ChangeFeed& feed)
    : options_(std::move(options)), feed_(feed) {}

NotificationListener::~NotificationListener() { Stop(); }

Status NotificationListener::Start() {
  if (thread_.joinable()) return Status::Ok();
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Internal(fmt::format("eventfd: errno {}", errno));
  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(options_.url));
  connected_ = true;
  thread_ = std::thread([this, first = std::move(connection)]() mutable { Run(std::move(first)); });
  return Status::Ok();
}

void NotificationListener::Stop() {
  if (!thread_.joinable()) {
    if (wake_fd_ >= 0) close(wake_fd_);
    wake_fd_ = -1;
    return;
  }
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(wake_fd_);
  wake_fd_ = -1;
  connected_ = false;
}

bool NotificationListener::WaitForStop(std::chrono::milliseconds timeout) {
  pollfd wake{wake_fd_, POLLIN, 0};
  poll(&wake, 1, static_cast<int>(timeout.count()));
  return stopping_.load();
}

void NotificationListener::Deliver(std::string_view payload) {
  Result<ChangeNotification> notification = DecodeChangeNotification(payload);
  if (!notification.ok()) {
    ++skipped_;
    spdlog::warn("change notifications: skipped one: {}", notification.error().message);
    return;
  }
  if (notification->node == options_.node) {
    ++skipped_;
    return;
  }
  ++published_;
  feed_.Publish(notification->events);
}

void NotificationListener::Run(std::unique_ptr<Connection> connection) {
  std::chrono::milliseconds delay = options_.reconnect_min;
  while (!stopping_.load()) {
    if (connection == nullptr) {
      if (WaitForStop(delay)) break;
      Result<std::unique_ptr<Connection>> opened = Connection::Open(options_.url);
      if (!opened.ok()) {
        delay = std::min(delay * 2, options_.reconnect_max);
        spdlog::warn("change notifications: reconnecting failed ({}); next try in {} ms",
                     opened.error().message, delay.count());
        continue;
      }
      connection = std::move(opened).value();
      connected_ = true;
      delay = options_.reconnect_min;
      spdlog::warn("change notifications: listening again; changes other nodes committed while the "
                   "connection was down were not published here");
    }
    pollfd fds[2] = {{connection->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, -1);
    if (ready < 0 && errno != EINTR) {
      spdlog::error("change notifications: poll failed: errno {}", errno);
      connection.reset();
      connected_ = false;
      continue;
    }
    if (stopping_.load()) break;
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
      if (!connection->Consume([this](std::string_view payload) { Deliver(payload); })) {
        spdlog::warn("change notifications: connection lost: {}", connection->LastError());
        connection.reset();
        connected_ = false;
      }
    }
  }
}

}  // namespace fundament::store::postgres
