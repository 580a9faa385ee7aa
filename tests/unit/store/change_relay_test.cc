// Change notifications between nodes against a real PostgreSQL
// (FUNDAMENT_TEST_POSTGRES_URL, which `make test` sets): the listener hears
// notifications on commit only, in commit order, skips its own node's, and
// re-establishes a broken connection; the notifier delivers every event in
// order, also across a broken connection and at stop.
#include "store/postgres/notification_listener.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/change_notification.h"
#include "store/postgres/change_notifier.h"

namespace fundament::store::postgres {
namespace {

using events::ChangeEvent;
using events::Operation;
using model::EntityKind;
using namespace std::chrono_literals;

// Collects what the feed publishes.
class Collector {
 public:
  explicit Collector(events::ChangeFeed& feed) {
    feed.Subscribe([this](const std::vector<ChangeEvent>& batch) {
      std::lock_guard lock(mutex_);
      events_.insert(events_.end(), batch.begin(), batch.end());
      changed_.notify_all();
    });
  }
  // Waits until `count` events arrived (or a few seconds passed); returns them.
  std::vector<ChangeEvent> WaitFor(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return events_.size() >= count; });
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ChangeEvent> events_;
};

// A plain libpq session to send notifications with.
class Session {
 public:
  explicit Session(const std::string& url) : conn_(PQconnectdb(url.c_str())) {}
  ~Session() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  void Run(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }
  void Notify(const std::string& channel, const std::string& payload) {
    const char* params[] = {channel.c_str(), payload.c_str()};
    PGresult* result = PQexecParams(conn_, "SELECT pg_notify($1, $2)", 2, nullptr, params, nullptr, nullptr, 0);
    EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQerrorMessage(conn_);
    PQclear(result);
  }

 private:
  PGconn* conn_;
};

class ChangeRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("FUNDAMENT_TEST_POSTGRES_URL");
    if (url == nullptr || *url == '\0') GTEST_SKIP() << "FUNDAMENT_TEST_POSTGRES_URL is not set (make test sets it)";
    url_ = url;
    // A channel of this test's own: tests run in parallel on one server.
    channel_ = ChangeChannel(fmt::format("test_{}_{}", getpid(), ++tests_));
  }
  NotificationListenerOptions Listening(std::string node) const { return {url_, std::move(node), channel_}; }
  ChangeNotifierOptions Notifying(std::string node) const { return {url_, std::move(node), channel_}; }
  void Notify(Session& session, const std::string& payload) const { session.Notify(channel_, payload); }

  std::string url_;
  std::string channel_;
  static inline int tests_ = 0;
};

std::string Payload(std::string_view node, const std::vector<ChangeEvent>& events) {
  return EncodeChangeNotifications(node, events).at(0);
}

TEST_F(ChangeRelayTest, PublishesCommittedNotificationsOfOtherNodesInCommitOrder) {
  events::ChangeFeed feed;
  Collector collector(feed);
  NotificationListener listener(Listening("self"), feed);
  ASSERT_TRUE(listener.Start().ok());

  Session a(url_), b(url_);
  ASSERT_TRUE(a.ok() && b.ok());
  // b commits before a although a sent first: commit order counts.
  a.Run("BEGIN");
  Notify(a, Payload("nodeA", {{EntityKind::kObservation, 1, Operation::kCreated}}));
  b.Run("BEGIN");
  Notify(b, Payload("nodeB", {{EntityKind::kObservation, 2, Operation::kCreated}}));
  b.Run("COMMIT");
  a.Run("COMMIT");
  // Rolled back: never heard. Own node: skipped.
  a.Run("BEGIN");
  Notify(a, Payload("nodeA", {{EntityKind::kThing, 3, Operation::kDeleted}}));
  a.Run("ROLLBACK");
  Notify(a, Payload("self", {{EntityKind::kThing, 4, Operation::kCreated}}));
  Notify(a, "not a change notification");
  Notify(a, Payload("nodeA", {{EntityKind::kDatastream, 5, Operation::kUpdated}}));

  std::vector<ChangeEvent> expected = {{EntityKind::kObservation, 2, Operation::kCreated},
                                       {EntityKind::kObservation, 1, Operation::kCreated},
                                       {EntityKind::kDatastream, 5, Operation::kUpdated}};
  EXPECT_EQ(collector.WaitFor(3), expected);
  EXPECT_EQ(listener.published(), 3u);
  EXPECT_EQ(listener.skipped(), 2u);
}

TEST_F(ChangeRelayTest, EveryNodeHearsEveryOtherNodeOnce) {
  events::ChangeFeed feed_a, feed_b;
  Collector heard_a(feed_a), heard_b(feed_b);
  NotificationListener a(Listening("nodeA"), feed_a), b(Listening("nodeB"), feed_b);
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  Session session(url_);
  std::vector<ChangeEvent> from_a, from_b;
  for (int64_t id = 1; id <= 200; ++id) {
    ChangeEvent event{EntityKind::kObservation, id, Operation::kCreated};
    bool by_a = id % 3 != 0;
    Notify(session, Payload(by_a ? "nodeA" : "nodeB", {event}));
    (by_a ? from_a : from_b).push_back(event);
  }
  EXPECT_EQ(heard_b.WaitFor(from_a.size()), from_a);
  EXPECT_EQ(heard_a.WaitFor(from_b.size()), from_b);
}

TEST_F(ChangeRelayTest, ReconnectsAfterTheConnectionIsKilled) {
  events::ChangeFeed feed;
  Collector collector(feed);
  NotificationListenerOptions options = Listening("self");
  options.reconnect_min = 20ms;
  options.reconnect_max = 200ms;
  options.application_name = "fundament-listener-" + channel_;
  NotificationListener listener(options, feed);
  ASSERT_TRUE(listener.Start().ok());
  Session session(url_);
  session.Run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE application_name = 'fundament-listener-" + channel_ + "'");
  // Until it listens again, notifications are lost by design; send until one is heard.
  std::vector<ChangeEvent> heard;
  for (int64_t id = 1; id <= 100 && heard.empty(); ++id) {
    Notify(session, Payload("other", {{EntityKind::kThing, id, Operation::kCreated}}));
    std::this_thread::sleep_for(50ms);
    heard = collector.WaitFor(0);
  }
  ASSERT_FALSE(heard.empty()) << "no notification heard after the connection was killed";
  EXPECT_TRUE(listener.connected());
}

TEST_F(ChangeRelayTest, NotifierReachesOtherNodesInOrderAndNotItself) {
  events::ChangeFeed feed_self, feed_other;
  Collector heard_self(feed_self), heard_other(feed_other);
  NotificationListener self(Listening("nodeA"), feed_self), other(Listening("nodeB"), feed_other);
  ASSERT_TRUE(self.Start().ok());
  ASSERT_TRUE(other.Start().ok());
  ChangeNotifier notifier(Notifying("nodeA"));
  ASSERT_TRUE(notifier.Start().ok());
  std::vector<ChangeEvent> sent;
  for (int64_t id = 1; id <= 3000; ++id) {
    std::vector<ChangeEvent> write = {{EntityKind::kObservation, id, Operation::kCreated}};
    if (id % 100 == 0) write.push_back({EntityKind::kDatastream, id / 100, Operation::kUpdated});
    notifier.Send(write);
    sent.insert(sent.end(), write.begin(), write.end());
  }
  EXPECT_EQ(heard_other.WaitFor(sent.size()), sent);
  // The listener may hear a batch before the notifier has counted it as sent.
  notifier.Stop();
  EXPECT_EQ(notifier.sent_events(), sent.size());
  EXPECT_TRUE(heard_self.WaitFor(0).empty());
}

TEST_F(ChangeRelayTest, NotifierReconnectsAndSendsWhatQueuedMeanwhile) {
  events::ChangeFeed feed;
  Collector collector(feed);
  NotificationListener listener(Listening("listener"), feed);
  ASSERT_TRUE(listener.Start().ok());
  ChangeNotifierOptions options = Notifying("notifier");
  options.reconnect_min = 20ms;
  options.application_name = "fundament-notifier-" + channel_;
  ChangeNotifier notifier(options);
  ASSERT_TRUE(notifier.Start().ok());
  notifier.Send({{EntityKind::kThing, 1, Operation::kCreated}});
  ASSERT_EQ(collector.WaitFor(1).size(), 1u);
  Session session(url_);
  session.Run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fundament-notifier-" + channel_ + "'");
  notifier.Send({{EntityKind::kThing, 2, Operation::kCreated}});
  notifier.Send({{EntityKind::kThing, 3, Operation::kCreated}});
  std::vector<ChangeEvent> expected = {{EntityKind::kThing, 1, Operation::kCreated},
                                       {EntityKind::kThing, 2, Operation::kCreated},
                                       {EntityKind::kThing, 3, Operation::kCreated}};
  EXPECT_EQ(collector.WaitFor(3), expected);
}

TEST_F(ChangeRelayTest, NotifierStopSendsWhatIsQueued) {
  events::ChangeFeed feed;
  Collector collector(feed);
  NotificationListener listener(Listening("listener"), feed);
  ASSERT_TRUE(listener.Start().ok());
  {
    ChangeNotifier notifier(Notifying("notifier"));
    ASSERT_TRUE(notifier.Start().ok());
    for (int64_t id = 1; id <= 500; ++id) notifier.Send({{EntityKind::kObservation, id, Operation::kCreated}});
  }  // destroyed: stops
  EXPECT_EQ(collector.WaitFor(500).size(), 500u);
}

TEST_F(ChangeRelayTest, StartFailsClearlyWithoutAServer) {
  events::ChangeFeed feed;
  NotificationListener listener({"postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", "self", channel_}, feed);
  Status started = listener.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(started.error().message.find("postgresql"), std::string::npos);
  ChangeNotifier notifier({"postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", "self", channel_});
  Status notifier_started = notifier.Start();
  ASSERT_FALSE(notifier_started.ok());
  EXPECT_EQ(notifier_started.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace fundament::store::postgres
