// Tells the other nodes what this node committed: the store hands the
// events of each committed write to Send() in commit order, and a thread of
// the notifier sends them on the change channel (change_notification.h),
// as many as have gathered in one notification.
//
// Why after the commit and not inside the write transaction: a NOTIFY in a
// transaction holds a database-wide lock from the commit until the commit
// record is on disk, so every notifying transaction of every node commits
// one after another and PostgreSQL can no longer flush several commits with
// one fsync. Measured with pgbench on the test machine (one-row inserts, 64
// clients): 611 transactions/s with a NOTIFY in each against 6,882 without;
// the same inserts beside a separate session sending 2,000 notifications/s
// ran at 4,626 against 4,674 alone (docs/storage.md). The price: when a
// node dies between a commit and its notification, the other nodes do not
// hear of that write — as the node's own subscribers, who also miss it.
//
// Send() never waits for the network. While PostgreSQL cannot be reached
// the events queue up to max_queued_events and are sent when it is back;
// past that, the oldest are dropped and counted (a store that cannot reach
// its database commits nothing new meanwhile, so this is rare).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "events/change_feed.h"

namespace fundament::store::postgres {

class NotificationSession;

struct ChangeNotifierOptions {
  std::string url;   // postgresql://… of the shared database
  std::string node;  // this node's identifier, sent with every notification
  std::string channel;  // ChangeChannel() of the store's schema
  std::string application_name = "fundament-notifier";  // as pg_stat_activity shows it
  size_t max_queued_events = 1 << 20;
  std::chrono::milliseconds reconnect_min = std::chrono::milliseconds(100);
  std::chrono::milliseconds reconnect_max = std::chrono::seconds(5);
  // How long Stop() keeps trying to send what is queued.
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(5);
};

class ChangeNotifier {
 public:
  explicit ChangeNotifier(ChangeNotifierOptions options);
  ~ChangeNotifier();  // stops
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  // Connects and starts the sending thread; kUnavailable when the first
  // connection fails.
  Status Start();

  // Queues the events of one committed write. Thread-safe; call in commit order.
  void Send(const std::vector<events::ChangeEvent>& events);

  // Sends what is queued (for up to stop_timeout), then stops; idempotent.
  void Stop();

  uint64_t sent_events() const { return sent_.load(); }
  uint64_t dropped_events() const { return dropped_.load(); }

 private:
  void Run(std::unique_ptr<NotificationSession> session);
  // Sends `payloads` in order, reconnecting as needed; false when a stop
  // past its deadline cut it short.
  bool SendAll(std::unique_ptr<NotificationSession>& session, const std::vector<std::string>& payloads);

  ChangeNotifierOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<events::ChangeEvent> queue_;  // guarded by mutex_
  bool stopping_ = false;                  // guarded by mutex_
  std::chrono::steady_clock::time_point stop_deadline_;  // guarded by mutex_
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace fundament::store::postgres
