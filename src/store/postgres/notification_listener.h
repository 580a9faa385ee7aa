// Brings the writes of the other nodes into this node's change feed: a
// thread with its own PostgreSQL connection LISTENs on the change channel
// (change_notification.h) and publishes every event another node committed,
// so that an MQTT subscriber here hears of an Observation created over HTTP
// on any node, once.
//
// Notifications arrive only while the connection stands. When it breaks
// (PostgreSQL restarted, network gone), the listener logs the gap and
// reconnects with a growing delay (up to reconnect_max); changes committed
// meanwhile are not replayed — as with MQTT QoS 0, subscribers miss them,
// and the log says when. Notifications this node sent itself are skipped:
// its store published those events at commit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "events/change_feed.h"

namespace fundament::store::postgres {

class NotificationSession;

struct NotificationListenerOptions {
  std::string url;   // postgresql://… of the shared database
  std::string node;  // this node's identifier; its own notifications are skipped
  std::string channel;  // ChangeChannel() of the store's schema
  std::string application_name = "fundament-listener";  // as pg_stat_activity shows it
  std::chrono::milliseconds reconnect_min = std::chrono::milliseconds(100);
  std::chrono::milliseconds reconnect_max = std::chrono::seconds(5);
};

class NotificationListener {
 public:
  NotificationListener(NotificationListenerOptions options, events::ChangeFeed& feed);
  ~NotificationListener();  // stops
  NotificationListener(const NotificationListener&) = delete;
  NotificationListener& operator=(const NotificationListener&) = delete;

  // Connects and starts listening; kUnavailable when the first connection
  // fails (later failures are retried). Returns once LISTEN is in effect, so
  // every transaction committed afterwards is heard.
  Status Start();

  // Stops the thread and closes the connection; idempotent.
  void Stop();

  // Whether the listening connection currently stands.
  bool connected() const { return connected_.load(); }
  // Notifications of other nodes published, and ones skipped (own or unreadable).
  uint64_t published() const { return published_.load(); }
  uint64_t skipped() const { return skipped_.load(); }

 private:
  // A new session that listens on the change channel.
  Result<std::unique_ptr<NotificationSession>> Connect();
  void Run(std::unique_ptr<NotificationSession> connection);
  // Waits up to `timeout` for the stop signal; true when stopping.
  bool WaitForStop(std::chrono::milliseconds timeout);
  void Deliver(std::string_view payload);

  NotificationListenerOptions options_;
  events::ChangeFeed& feed_;
  int wake_fd_ = -1;  // an eventfd: written once by Stop()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> skipped_{0};
  std::thread thread_;
};

}  // namespace fundament::store::postgres
