#include "store/postgres/notification_listener.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "store/postgres/change_notification.h"
#include "store/postgres/notification_session.h"

namespace fundament::store::postgres {

NotificationListener::NotificationListener(NotificationListenerOptions options, events::ChangeFeed& feed)
    : options_(std::move(options)), feed_(feed) {}

NotificationListener::~NotificationListener() { Stop(); }

Status NotificationListener::Start() {
  if (thread_.joinable()) return Status::Ok();
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Internal(fmt::format("eventfd: errno {}", errno));
  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<NotificationSession> connection, Connect());
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

Result<std::unique_ptr<NotificationSession>> NotificationListener::Connect() {
  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<NotificationSession> session,
                             NotificationSession::Open(options_.url, options_.application_name));
  FUNDAMENT_RETURN_IF_ERROR(session->Listen(options_.channel));
  return session;
}

void NotificationListener::Run(std::unique_ptr<NotificationSession> connection) {
  std::chrono::milliseconds delay = options_.reconnect_min;
  while (!stopping_.load()) {
    if (connection == nullptr) {
      if (WaitForStop(delay)) break;
      Result<std::unique_ptr<NotificationSession>> opened = Connect();
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
