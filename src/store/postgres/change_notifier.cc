#include "store/postgres/change_notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/postgres/change_notification.h"
#include "store/postgres/notification_session.h"

namespace fundament::store::postgres {

ChangeNotifier::ChangeNotifier(ChangeNotifierOptions options) : options_(std::move(options)) {}

ChangeNotifier::~ChangeNotifier() { Stop(); }

Status ChangeNotifier::Start() {
  if (thread_.joinable()) return Status::Ok();
  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<NotificationSession> session,
                             NotificationSession::Open(options_.url, options_.application_name));
  thread_ = std::thread([this, first = std::move(session)]() mutable { Run(std::move(first)); });
  return Status::Ok();
}

void ChangeNotifier::Send(const std::vector<events::ChangeEvent>& events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), events.begin(), events.end());
    if (queue_.size() > options_.max_queued_events) {
      size_t excess = queue_.size() - options_.max_queued_events;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(excess));
      if (dropped_.fetch_add(excess) == 0) {
        spdlog::error("change notifications: PostgreSQL unreachable and {} events queued; other nodes will "
                      "not hear of the oldest",
                      options_.max_queued_events);
      }
    }
  }
  wake_.notify_one();
}

void ChangeNotifier::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + options_.stop_timeout;
  }
  wake_.notify_one();
  thread_.join();
}

bool ChangeNotifier::SendAll(std::unique_ptr<NotificationSession>& session, const std::vector<std::string>& payloads) {
  std::chrono::milliseconds delay = options_.reconnect_min;
  for (size_t next = 0; next < payloads.size();) {
    if (session != nullptr) {
      Status sent = session->Notify(options_.channel, payloads[next]);
      if (sent.ok()) {
        ++next;
        continue;
      }
      spdlog::warn("change notifications: sending failed ({}); reconnecting", sent.error().message);
      session.reset();
    }
    {
      // Wait before reconnecting; a stop past its deadline gives up.
      std::unique_lock lock(mutex_);
      if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) return false;
      wake_.wait_for(lock, delay, [&] { return stopping_ && std::chrono::steady_clock::now() >= stop_deadline_; });
    }
    Result<std::unique_ptr<NotificationSession>> opened = NotificationSession::Open(options_.url, options_.application_name);
    if (opened.ok()) {
      session = std::move(opened).value();
      delay = options_.reconnect_min;
    } else {
      delay = std::min(delay * 2, options_.reconnect_max);
    }
  }
  return true;
}

void ChangeNotifier::Run(std::unique_ptr<NotificationSession> session) {
  for (;;) {
    std::vector<events::ChangeEvent> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, all sent
      batch.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    if (!SendAll(session, EncodeChangeNotifications(options_.node, batch))) {
      spdlog::error("change notifications: stopped with {} events not sent to other nodes", batch.size());
      return;
    }
    sent_ += batch.size();
  }
}

}  // namespace fundament::store::postgres
