// The broker against raw clients on real sockets: each test starts a broker
// on an ephemeral port and checks the packets on the wire against MQTT 3.1.1.
#include "mqtt/broker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/broker_test_util.h"

namespace fundament::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::RawClient;
using testing::Received;
using testing::RunningBroker;
using testing::TestOptions;

Will MakeWill(std::string topic, std::string message, QoS qos = QoS::kAtMostOnce, bool retain = false) {
  Will will;
  will.topic = std::move(topic);
  will.message = std::move(message);
  will.qos = qos;
  will.retain = retain;
  return will;
}

// A subscriber connected with `filter` at `qos`.
std::unique_ptr<RawClient> Subscriber(uint16_t port, const std::string& id, const std::string& filter,
                                      QoS qos = QoS::kAtMostOnce, bool clean = true) {
  auto client = std::make_unique<RawClient>(port);
  EXPECT_EQ(client->Connect(id, clean).return_code, ConnectReturnCode::kAccepted);
  client->Subscribe(filter, qos);
  return client;
}

// Lets a test hold a hook until it says so.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  bool WaitEntered(int count = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 3s, [&] { return entered_ >= count; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

// --- CONNECT ------------------------------------------------------------------

TEST(Broker, AcceptsConnectWithConnack) {
  RunningBroker broker;
  RawClient client(broker.port());
  Connack connack = client.Connect("sensor-1");
  EXPECT_EQ(connack.return_code, ConnectReturnCode::kAccepted);
  EXPECT_FALSE(connack.session_present);
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().sessions == 1; }));
}

TEST(Broker, ClosesConnectionWhoseFirstPacketIsNotConnect) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Send(Pingreq{});
  EXPECT_TRUE(client.ExpectClosed());
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().protocol_errors == 1; }));
}

TEST(Broker, ClosesConnectionOnSecondConnect) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("twice");
  Connect again;
  again.client_id = "twice";
  client.Send(again);
  EXPECT_TRUE(client.ExpectClosed());
}

TEST(Broker, ClosesConnectionWithoutConnectAfterConnectTimeout) {
  BrokerOptions options = TestOptions();
  options.connect_timeout = 200ms;
  RunningBroker broker(options);
  RawClient client(broker.port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ExpectClosed(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(Broker, GeneratesClientIdForEmptyIdWithCleanSession) {
  std::mutex mutex;
  std::vector<std::string> ids;
  BrokerOptions options = TestOptions();
  options.hooks.on_connect = [&](const ClientInfo& client, const Connect&) {
    std::lock_guard lock(mutex);
    ids.push_back(client.client_id);
    return ConnectReturnCode::kAccepted;
  };
  RunningBroker broker(options);
  RawClient a(broker.port());
  RawClient b(broker.port());
  EXPECT_EQ(a.Connect("").return_code, ConnectReturnCode::kAccepted);
  EXPECT_EQ(b.Connect("").return_code, ConnectReturnCode::kAccepted);
  std::lock_guard lock(mutex);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_FALSE(ids[0].empty());
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(broker.broker().Stats().session_takeovers, 0u);
}

TEST(Broker, RejectsEmptyClientIdWithoutCleanSession) {
  RunningBroker broker;
  RawClient client(broker.port());
  EXPECT_EQ(client.Connect("", /*clean_session=*/false).return_code, ConnectReturnCode::kIdentifierRejected);
  EXPECT_TRUE(client.ExpectClosed());  // [MQTT-3.2.2-5]
}

TEST(Broker, AnswersUnsupportedProtocolLevelWithConnackThenCloses) {
  RunningBroker broker;
  RawClient client(broker.port());
  // CONNECT "MQTT" level 5, clean session, keep alive 60, client id "x".
  client.SendRaw(
      testing::Frame(0x10, testing::Str("MQTT") + testing::Bytes({5, 0x02, 0, 60}) + testing::Str("x")));
  Connack connack = client.Expect<Connack>();
  EXPECT_EQ(connack.return_code, ConnectReturnCode::kUnacceptableProtocolVersion);
  EXPECT_TRUE(client.ExpectClosed());
}

TEST(Broker, RefusesConnectionTheHookRefuses) {
  BrokerOptions options = TestOptions();
  options.hooks.on_connect = [](const ClientInfo&, const Connect& connect) {
    return connect.password == std::optional<std::string>("secret") ? ConnectReturnCode::kAccepted
                                                                    : ConnectReturnCode::kNotAuthorized;
  };
  RunningBroker broker(options);
  Connect connect;
  connect.client_id = "c";
  connect.username = "u";
  connect.password = "wrong";
  RawClient refused(broker.port());
  EXPECT_EQ(refused.Connect(connect).return_code, ConnectReturnCode::kNotAuthorized);
  EXPECT_TRUE(refused.ExpectClosed());
  connect.password = "secret";
  RawClient accepted(broker.port());
  EXPECT_EQ(accepted.Connect(connect).return_code, ConnectReturnCode::kAccepted);
}

// --- Keep alive and will ---------------------------------------------------------

TEST(Broker, AnswersPingreq) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("pinger", true, 60);
  client.Send(Pingreq{});
  client.Expect<Pingresp>();
}

TEST(Broker, DisconnectsAfterOneAndAHalfKeepAlivesOfSilenceAndPublishesWill) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient client(broker.port());
  auto start = std::chrono::steady_clock::now();
  client.Connect("sleepy", true, /*keep_alive=*/1, MakeWill("status/sleepy", "offline"));
  EXPECT_TRUE(client.ExpectClosed(6s));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 1400ms);
  EXPECT_LT(elapsed, 5s);
  Publish will = watcher->Expect<Publish>();
  EXPECT_EQ(will.topic, "status/sleepy");
  EXPECT_EQ(will.payload, "offline");
  EXPECT_EQ(broker.broker().Stats().keep_alive_timeouts, 1u);
}

TEST(Broker, KeepsConnectionThatPingsWithinKeepAlive) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("awake", true, /*keep_alive=*/1);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(500ms);
    client.Send(Pingreq{});
    client.Expect<Pingresp>();
  }
}

TEST(Broker, PublishesWillWithQoSAndRetainOnAbnormalClose) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/+", QoS::kAtLeastOnce);
  {
    RawClient client(broker.port());
    client.Connect("device", true, 0, MakeWill("status/device", "gone", QoS::kAtLeastOnce, /*retain=*/true));
    client.Drop();
  }
  Publish will = watcher->Expect<Publish>();
  EXPECT_EQ(will.topic, "status/device");
  EXPECT_EQ(will.qos, QoS::kAtLeastOnce);
  EXPECT_FALSE(will.retain);  // to an established subscription [MQTT-3.3.1-9]
  watcher->Send(Puback{will.packet_id});
  // Retained: a later subscriber gets it with RETAIN set.
  RawClient late(broker.port());
  late.Connect("late");
  late.Subscribe("status/device", QoS::kAtMostOnce);
  Publish retained = late.Expect<Publish>();
  EXPECT_EQ(retained.payload, "gone");
  EXPECT_TRUE(retained.retain);
  EXPECT_EQ(retained.qos, QoS::kAtMostOnce);
}

TEST(Broker, PublishesWillOnProtocolViolation) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient client(broker.port());
  client.Connect("broken", true, 0, MakeWill("status/broken", "bye"));
  client.SendRaw(testing::Bytes({0xF0, 0x00}));  // reserved packet type 15
  EXPECT_TRUE(client.ExpectClosed());
  EXPECT_EQ(watcher->Expect<Publish>().payload, "bye");
}

TEST(Broker, DiscardsWillOnDisconnect) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient client(broker.port());
  client.Connect("polite", true, 0, MakeWill("status/polite", "gone"));
  client.Disconnect();
  EXPECT_TRUE(client.ExpectClosed());
  EXPECT_TRUE(watcher->ExpectSilence(300ms));
}

// --- SUBSCRIBE and PUBLISH -----------------------------------------------------

TEST(Broker, RoutesQoS0PublishToSubscriber) {
  RunningBroker broker;
  auto subscriber = Subscriber(broker.port(), "sub", "city/water/level");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("city/water/level", "1.42");
  Publish got = subscriber->Expect<Publish>();
  EXPECT_EQ(got.topic, "city/water/level");
  EXPECT_EQ(got.payload, "1.42");
  EXPECT_EQ(got.qos, QoS::kAtMostOnce);
  EXPECT_FALSE(got.retain);
  EXPECT_FALSE(got.dup);
}

TEST(Broker, RoutesQoS1WithPubackBothWays) {
  RunningBroker broker;
  auto subscriber = Subscriber(broker.port(), "sub", "a/b", QoS::kAtLeastOnce);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("a/b", "x", QoS::kAtLeastOnce, false, /*packet_id=*/77);  // waits for PUBACK 77
  Publish got = subscriber->Expect<Publish>();
  EXPECT_EQ(got.qos, QoS::kAtLeastOnce);
  EXPECT_NE(got.packet_id, 0);
  subscriber->Send(Puback{got.packet_id});
  // QoS 1 published, QoS 0 subscription: delivered at QoS 0.
  auto low = Subscriber(broker.port(), "low", "a/b", QoS::kAtMostOnce);
  publisher.Publish("a/b", "y", QoS::kAtLeastOnce, false, 78);
  EXPECT_EQ(low->Expect<Publish>().qos, QoS::kAtMostOnce);
}

TEST(Broker, GrantsAtMostQoS1) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("greedy");
  Subscribe subscribe;
  subscribe.packet_id = 9;
  subscribe.subscriptions = {{"a", QoS::kExactlyOnce}, {"b", QoS::kAtLeastOnce}, {"c", QoS::kAtMostOnce}};
  client.Send(subscribe);
  Suback suback = client.Expect<Suback>();
  EXPECT_EQ(suback.packet_id, 9);
  EXPECT_EQ(suback.return_codes,
            (std::vector<SubackReturnCode>{SubackReturnCode::kGrantedQoS1, SubackReturnCode::kGrantedQoS1,
                                           SubackReturnCode::kGrantedQoS0}));
}

TEST(Broker, ClosesConnectionOnQoS2Publish) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("qos2");
  Publish publish;
  publish.topic = "t";
  publish.qos = QoS::kExactlyOnce;
  publish.packet_id = 1;
  client.Send(publish);
  EXPECT_TRUE(client.ExpectClosed());
}

TEST(Broker, MatchesWildcardsButNotDollarTopicsWithLeadingWildcard) {
  RunningBroker broker;
  auto all = Subscriber(broker.port(), "all", "#");
  auto plus = Subscriber(broker.port(), "plus", "+/temp");
  auto sys = Subscriber(broker.port(), "sys", "$SYS/#");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("$SYS/uptime", "1");
  publisher.Publish("room/temp", "2");
  EXPECT_EQ(sys->Expect<Publish>().payload, "1");
  EXPECT_EQ(all->Expect<Publish>().payload, "2");  // not "$SYS/uptime" [MQTT-4.7.2-1]
  EXPECT_EQ(plus->Expect<Publish>().payload, "2");
  EXPECT_TRUE(sys->ExpectSilence(100ms));
}

TEST(Broker, DeliversOnceAtHighestQoSOfOverlappingSubscriptions) {
  RunningBroker broker;
  RawClient client(broker.port());
  client.Connect("overlap");
  client.Subscribe("a/#", QoS::kAtMostOnce, 1);
  client.Subscribe("a/+", QoS::kAtLeastOnce, 2);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("a/b", "once", QoS::kAtLeastOnce);
  Publish got = client.Expect<Publish>();
  EXPECT_EQ(got.qos, QoS::kAtLeastOnce);
  client.Send(Puback{got.packet_id});
  EXPECT_TRUE(client.ExpectSilence(200ms));
}

TEST(Broker, StopsDeliveringAfterUnsubscribe) {
  RunningBroker broker;
  auto client = Subscriber(broker.port(), "leaver", "x/y");
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 4;
  unsubscribe.topic_filters = {"x/y", "never/subscribed"};
  client->Send(unsubscribe);
  EXPECT_EQ(client->Expect<Unsuback>().packet_id, 4);
  EXPECT_FALSE(broker.broker().HasSubscriber("x/y"));
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("x/y", "late");
  EXPECT_TRUE(client->ExpectSilence(200ms));
}

TEST(Broker, DeliversInPublishOrder) {
  RunningBroker broker;
  auto subscriber = Subscriber(broker.port(), "sub", "seq", QoS::kAtLeastOnce);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) {
    Publish publish;
    publish.topic = "seq";
    publish.payload = std::to_string(i);
    publish.qos = i % 2 == 0 ? QoS::kAtMostOnce : QoS::kAtLeastOnce;
    publish.packet_id = i % 2 == 0 ? 0 : static_cast<uint16_t>(i);
    publisher.Send(publish);
  }
  for (int i = 0; i < kCount; ++i) {
    Publish got = subscriber->Expect<Publish>();
    ASSERT_EQ(got.payload, std::to_string(i));
    if (got.qos == QoS::kAtLeastOnce) subscriber->Send(Puback{got.packet_id});
  }
}

TEST(Broker, KeepsEachPublishersOrderUnderConcurrentLoad) {
  RunningBroker broker;
  constexpr int kPublishers = 6;
  constexpr int kMessages = 300;
  std::vector<std::unique_ptr<RawClient>> subscribers;
  for (int i = 0; i < 3; ++i)
    subscribers.push_back(Subscriber(broker.port(), "sub" + std::to_string(i), "load/#", QoS::kAtLeastOnce));
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      RawClient publisher(broker.port());
      publisher.Connect("pub" + std::to_string(p));
      for (int i = 0; i < kMessages; ++i) {
        publisher.Publish("load/" + std::to_string(p), std::to_string(i),
                          i % 3 == 0 ? QoS::kAtMostOnce : QoS::kAtLeastOnce, false,
                          static_cast<uint16_t>(i + 1));
      }
      publisher.Disconnect();
    });
  }
  std::vector<std::thread> readers;
  for (auto& subscriber : subscribers) {
    readers.emplace_back([&subscriber] {
      std::vector<int> next(kPublishers, 0);
      for (int n = 0; n < kPublishers * kMessages; ++n) {
        Publish got = subscriber->Expect<Publish>(10s);
        if (got.topic.size() < 6) return ADD_FAILURE() << "no message " << n;
        int p = std::stoi(got.topic.substr(5));
        ASSERT_EQ(got.payload, std::to_string(next[p])) << "from publisher " << p;
        ++next[p];
        if (got.qos == QoS::kAtLeastOnce) subscriber->Send(Puback{got.packet_id});
      }
    });
  }
  for (auto& t : publishers) t.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(broker.broker().Stats().messages_dropped, 0u);
}

// --- Retained messages ----------------------------------------------------------------

TEST(Broker, DeliversRetainedMessageOnSubscribeAndClearsItWithEmptyPayload) {
  RunningBroker broker;
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("gauge/1", "old", QoS::kAtMostOnce, /*retain=*/true);
  publisher.Publish("gauge/1", "new", QoS::kAtLeastOnce, /*retain=*/true);
  publisher.Publish("gauge/2", "other", QoS::kAtMostOnce, /*retain=*/true);
  publisher.Publish("gauge/3", "not retained", QoS::kAtMostOnce, /*retain=*/false);
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().retained_messages == 2; }));

  RawClient first(broker.port());
  first.Connect("first");
  EXPECT_EQ(first.Subscribe("gauge/1", QoS::kAtLeastOnce), SubackReturnCode::kGrantedQoS1);
  Publish retained = first.Expect<Publish>();
  EXPECT_EQ(retained.payload, "new");
  EXPECT_TRUE(retained.retain);  // [MQTT-3.3.1-8]
  EXPECT_EQ(retained.qos, QoS::kAtLeastOnce);
  first.Send(Puback{retained.packet_id});

  // A live retained PUBLISH reaches the existing subscriber with RETAIN 0.
  publisher.Publish("gauge/1", "", QoS::kAtMostOnce, /*retain=*/true);
  Publish cleared = first.Expect<Publish>();
  EXPECT_EQ(cleared.payload, "");
  EXPECT_FALSE(cleared.retain);

  RawClient second(broker.port());
  second.Connect("second");
  second.Subscribe("gauge/+", QoS::kAtMostOnce);
  Publish only = second.Expect<Publish>();
  EXPECT_EQ(only.topic, "gauge/2");
  EXPECT_TRUE(second.ExpectSilence(200ms));
  EXPECT_EQ(broker.broker().Stats().retained_messages, 1u);
}

// --- Sessions ----------------------------------------------------------------------------

TEST(Broker, PersistentSessionKeepsSubscriptionsAndQueuesQoS1WhileOffline) {
  RunningBroker broker;
  {
    RawClient client(broker.port());
    EXPECT_FALSE(client.Connect("keeper", /*clean_session=*/false).session_present);
    client.Subscribe("q/#", QoS::kAtLeastOnce);
    client.Disconnect();
    EXPECT_TRUE(client.ExpectClosed());
  }
  EXPECT_TRUE(broker.broker().HasSubscriber("q/a"));
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("q/a", "1", QoS::kAtLeastOnce, false, 1);
  publisher.Publish("q/b", "qos0 is not kept", QoS::kAtMostOnce);
  publisher.Publish("q/c", "2", QoS::kAtLeastOnce, false, 2);

  RawClient client(broker.port());
  EXPECT_TRUE(client.Connect("keeper", false).session_present);  // [MQTT-3.2.2-2]
  Publish one = client.Expect<Publish>();
  Publish two = client.Expect<Publish>();
  EXPECT_EQ(one.payload, "1");
  EXPECT_EQ(two.payload, "2");
  EXPECT_FALSE(one.dup);
  client.Send(Puback{one.packet_id});
  client.Send(Puback{two.packet_id});
  EXPECT_TRUE(client.ExpectSilence(200ms));
  // Still subscribed after the reconnect.
  publisher.Publish("q/d", "3");
  EXPECT_EQ(client.Expect<Publish>().payload, "3");
}

TEST(Broker, ResendsUnacknowledgedQoS1WithDupOnReconnect) {
  RunningBroker broker;
  auto client = Subscriber(broker.port(), "forgetful", "r", QoS::kAtLeastOnce, /*clean=*/false);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("r", "a", QoS::kAtLeastOnce, false, 1);
  publisher.Publish("r", "b", QoS::kAtLeastOnce, false, 2);
  Publish first = client->Expect<Publish>();
  Publish second = client->Expect<Publish>();
  EXPECT_FALSE(first.dup);
  client->Send(Puback{first.packet_id});  // only the first is acknowledged
  client->Send(Pingreq{});
  client->Expect<Pingresp>();  // so the PUBACK has been handled
  client->Drop();

  RawClient again(broker.port());
  EXPECT_TRUE(again.Connect("forgetful", false).session_present);
  Publish resent = again.Expect<Publish>();
  EXPECT_EQ(resent.payload, "b");
  EXPECT_TRUE(resent.dup);  // [MQTT-4.4.0-1]
  EXPECT_EQ(resent.packet_id, second.packet_id);
  again.Send(Puback{resent.packet_id});
  EXPECT_TRUE(again.ExpectSilence(200ms));
}

TEST(Broker, CleanSessionDiscardsStoredSession) {
  RunningBroker broker;
  {
    auto client = Subscriber(broker.port(), "fickle", "f", QoS::kAtLeastOnce, /*clean=*/false);
    client->Disconnect();
    EXPECT_TRUE(client->ExpectClosed());
  }
  RawClient clean(broker.port());
  EXPECT_FALSE(clean.Connect("fickle", /*clean_session=*/true).session_present);  // [MQTT-3.2.2-1]
  EXPECT_FALSE(broker.broker().HasSubscriber("f"));
  clean.Disconnect();
  EXPECT_TRUE(clean.ExpectClosed());
  // The clean session ended with its connection.
  RawClient persistent(broker.port());
  EXPECT_FALSE(persistent.Connect("fickle", false).session_present);
}

TEST(Broker, NewConnectionWithSameClientIdTakesOverSession) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient old_connection(broker.port());
  old_connection.Connect("twin", false, 0, MakeWill("status/twin", "dead"));
  old_connection.Subscribe("cmd/twin", QoS::kAtLeastOnce);

  RawClient new_connection(broker.port());
  Connack connack = new_connection.Connect("twin", false);
  EXPECT_EQ(connack.return_code, ConnectReturnCode::kAccepted);
  EXPECT_TRUE(connack.session_present);
  EXPECT_TRUE(old_connection.ExpectClosed());  // [MQTT-3.1.4-2]
  EXPECT_TRUE(watcher->ExpectSilence(200ms));  // no will on a takeover
  EXPECT_EQ(broker.broker().Stats().session_takeovers, 1u);

  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("cmd/twin", "go", QoS::kAtLeastOnce);
  Publish got = new_connection.Expect<Publish>();
  EXPECT_EQ(got.payload, "go");
  new_connection.Send(Puback{got.packet_id});
}

// --- Limits and back-pressure ---------------------------------------------------------------

TEST(Broker, BoundsQueueOfOfflineSessionAndCountsDrops) {
  BrokerOptions options = TestOptions();
  options.max_queued_messages = 3;
  RunningBroker broker(options);
  {
    auto client = Subscriber(broker.port(), "offline", "o", QoS::kAtLeastOnce, /*clean=*/false);
    client->Disconnect();
    EXPECT_TRUE(client->ExpectClosed());
  }
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  for (int i = 0; i < 10; ++i) publisher.Publish("o", std::to_string(i), QoS::kAtLeastOnce, false, i + 1);
  EXPECT_EQ(broker.broker().Stats().messages_dropped, 7u);
  RawClient client(broker.port());
  client.Connect("offline", false);
  for (int i = 0; i < 3; ++i) {
    Publish got = client.Expect<Publish>();
    EXPECT_EQ(got.payload, std::to_string(i));
    client.Send(Puback{got.packet_id});
  }
  EXPECT_TRUE(client.ExpectSilence(200ms));
}

TEST(Broker, DropsNewMessagesForSlowClientUnderDropPolicy) {
  BrokerOptions options = TestOptions();
  options.max_inflight = 1;
  options.max_queued_messages = 2;
  options.overflow_policy = OverflowPolicy::kDropNew;
  RunningBroker broker(options);
  auto slow = Subscriber(broker.port(), "slow", "s", QoS::kAtLeastOnce);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("s", "0", QoS::kAtLeastOnce, false, 1);
  Publish first = slow->Expect<Publish>();  // in flight, not acknowledged yet
  EXPECT_EQ(first.payload, "0");
  // Two wait for the in-flight window, three do not fit.
  for (int i = 1; i < 6; ++i) publisher.Publish("s", std::to_string(i), QoS::kAtLeastOnce, false, i + 1);
  EXPECT_TRUE(slow->ExpectSilence(100ms));
  EXPECT_EQ(broker.broker().Stats().messages_dropped, 3u);
  slow->Send(Puback{first.packet_id});
  Publish second = slow->Expect<Publish>();
  EXPECT_EQ(second.payload, "1");
  slow->Send(Puback{second.packet_id});
  Publish third = slow->Expect<Publish>();
  EXPECT_EQ(third.payload, "2");
  slow->Send(Puback{third.packet_id});
  EXPECT_TRUE(slow->ExpectSilence(100ms));
  slow->Send(Pingreq{});
  slow->Expect<Pingresp>();  // still connected
}

TEST(Broker, DisconnectsSlowClientUnderDisconnectPolicy) {
  BrokerOptions options = TestOptions();
  options.max_inflight = 1;
  options.max_queued_messages = 2;
  options.overflow_policy = OverflowPolicy::kDisconnect;
  RunningBroker broker(options);
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient slow(broker.port());
  slow.Connect("slow", true, 0, MakeWill("status/slow", "too slow"));
  slow.Subscribe("s", QoS::kAtLeastOnce);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  for (int i = 0; i < 5; ++i) publisher.Publish("s", std::to_string(i), QoS::kAtLeastOnce, false, i + 1);
  EXPECT_TRUE(slow.ExpectClosed());
  EXPECT_EQ(watcher->Expect<Publish>().payload, "too slow");
  EXPECT_EQ(broker.broker().Stats().slow_client_disconnects, 1u);
  // The publisher was not affected.
  publisher.Send(Pingreq{});
  publisher.Expect<Pingresp>();
}

TEST(Broker, MalformedBytesDisconnectOnlyThatClient) {
  RunningBroker broker;
  auto subscriber = Subscriber(broker.port(), "bystander", "t");
  RawClient bad(broker.port());
  bad.Connect("bad");
  // A PUBLISH with QoS 3 (both QoS bits set) is malformed [MQTT-3.3.1-4].
  bad.SendRaw(testing::Bytes({0x36, 0x03, 0x00, 0x01, 'x'}));
  EXPECT_TRUE(bad.ExpectClosed());
  RawClient garbage(broker.port());
  garbage.SendRaw(std::string(64, '\xff'));
  EXPECT_TRUE(garbage.ExpectClosed());
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().protocol_errors == 2; }));
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("t", "fine");
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "fine");
}

TEST(Broker, ClosesConnectionOnPacketOverSizeLimit) {
  BrokerOptions options = TestOptions();
  options.max_packet_size = 1024;
  RunningBroker broker(options);
  RawClient client(broker.port());
  client.Connect("big");
  Publish publish;
  publish.topic = "t";
  publish.payload = std::string(2000, 'x');
  client.Send(publish);
  EXPECT_TRUE(client.ExpectClosed());
}

TEST(Broker, ClosesConnectionsOverMaxConnections) {
  BrokerOptions options = TestOptions();
  options.max_connections = 2;
  RunningBroker broker(options);
  RawClient a(broker.port());
  RawClient b(broker.port());
  a.Connect("a");
  b.Connect("b");
  RawClient c(broker.port());
  EXPECT_TRUE(c.ExpectClosed());
  EXPECT_EQ(broker.broker().Stats().connections_rejected, 1u);
  a.Disconnect();
  EXPECT_TRUE(a.ExpectClosed());
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().connections == 1; }));
  RawClient d(broker.port());
  EXPECT_EQ(d.Connect("d").return_code, ConnectReturnCode::kAccepted);
}

TEST(Broker, RefusesConnectionOverMaxSessions) {
  BrokerOptions options = TestOptions();
  options.max_sessions = 1;
  RunningBroker broker(options);
  RawClient first(broker.port());
  EXPECT_EQ(first.Connect("first", /*clean_session=*/false).return_code, ConnectReturnCode::kAccepted);
  first.Disconnect();
  EXPECT_TRUE(first.ExpectClosed());  // its persistent session stays
  RawClient second(broker.port());
  EXPECT_EQ(second.Connect("second").return_code, ConnectReturnCode::kServerUnavailable);
  EXPECT_TRUE(second.ExpectClosed());
  RawClient again(broker.port());
  EXPECT_TRUE(again.Connect("first", false).session_present);
}

TEST(Broker, DeliversRetainedMessagesMatchingWildcardFilters) {
  RunningBroker broker;
  for (const char* topic : {"a", "a/b", "a/b/c", "ab", "b/a", "$SYS/a"})
    ASSERT_TRUE(broker.broker().Publish(topic, topic, QoS::kAtMostOnce, /*retain=*/true).ok());
  auto topics_for = [&](const std::string& filter) {
    RawClient client(broker.port());
    client.Connect("r");
    client.Subscribe(filter, QoS::kAtMostOnce);
    std::set<std::string> topics;
    for (;;) {
      Received received = client.Receive(200ms);
      if (received.kind != Received::Kind::kPacket) break;
      topics.insert(std::get<Publish>(*received.packet).topic);
    }
    return topics;
  };
  EXPECT_EQ(topics_for("a/#"), (std::set<std::string>{"a", "a/b", "a/b/c"}));
  EXPECT_EQ(topics_for("a/+"), (std::set<std::string>{"a/b"}));
  EXPECT_EQ(topics_for("+"), (std::set<std::string>{"a", "ab"}));
  EXPECT_EQ(topics_for("#"), (std::set<std::string>{"a", "a/b", "a/b/c", "ab", "b/a"}));
  EXPECT_EQ(topics_for("a"), (std::set<std::string>{"a"}));
  EXPECT_EQ(topics_for("$SYS/+"), (std::set<std::string>{"$SYS/a"}));
}

TEST(Broker, RefusesSubscriptionsOverPerClientLimit) {
  BrokerOptions options = TestOptions();
  options.max_subscriptions_per_client = 2;
  RunningBroker broker(options);
  RawClient client(broker.port());
  client.Connect("many");
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {{"a", QoS::kAtMostOnce}, {"b", QoS::kAtMostOnce}, {"c", QoS::kAtMostOnce}};
  client.Send(subscribe);
  EXPECT_EQ(client.Expect<Suback>().return_codes,
            (std::vector<SubackReturnCode>{SubackReturnCode::kGrantedQoS0, SubackReturnCode::kGrantedQoS0,
                                           SubackReturnCode::kFailure}));
  // Replacing an existing subscription is not a new one.
  EXPECT_EQ(client.Subscribe("a", QoS::kAtLeastOnce, 2), SubackReturnCode::kGrantedQoS1);
}

// --- Hooks -------------------------------------------------------------------------------------

TEST(Broker, SendsPubackOnlyAfterOnPublishReturned) {
  Gate gate;
  BrokerOptions options = TestOptions();
  options.hook_threads = 2;
  options.hooks.on_publish = [&](const ClientInfo& client, const Publish& publish) {
    EXPECT_EQ(client.client_id, "pub");
    gate.Enter();
    return PublishDecision::kRoute;
  };
  RunningBroker broker(options);
  auto subscriber = Subscriber(broker.port(), "sub", "obs");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  Publish publish;
  publish.topic = "obs";
  publish.payload = "21.5";
  publish.qos = QoS::kAtLeastOnce;
  publish.packet_id = 5;
  publisher.Send(publish);
  ASSERT_TRUE(gate.WaitEntered());
  EXPECT_TRUE(publisher.ExpectSilence(200ms));
  EXPECT_TRUE(subscriber->ExpectSilence(0ms));
  gate.Open();
  EXPECT_EQ(publisher.Expect<Puback>().packet_id, 5);
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "21.5");
}

TEST(Broker, SwallowedPublishIsAcknowledgedButNotRouted) {
  BrokerOptions options = TestOptions();
  options.hooks.on_publish = [](const ClientInfo&, const Publish& publish) {
    return publish.topic.starts_with("internal/") ? PublishDecision::kSwallow : PublishDecision::kRoute;
  };
  RunningBroker broker(options);
  auto subscriber = Subscriber(broker.port(), "sub", "#");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("internal/x", "hidden", QoS::kAtLeastOnce, false, 1);  // PUBACK all the same
  publisher.Publish("public/x", "shown", QoS::kAtLeastOnce, false, 2);
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "shown");
}

TEST(Broker, HookDisconnectClosesWithoutPuback) {
  BrokerOptions options = TestOptions();
  options.hooks.on_publish = [](const ClientInfo&, const Publish&) -> PublishDecision {
    throw std::runtime_error("store unavailable");  // counts as kDisconnect
  };
  RunningBroker broker(options);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  Publish publish;
  publish.topic = "obs";
  publish.qos = QoS::kAtLeastOnce;
  publish.packet_id = 3;
  publisher.Send(publish);
  Received received = publisher.Receive();
  EXPECT_EQ(received.kind, Received::Kind::kClosed);
}

TEST(Broker, KeepsPerClientOrderWithHooksOnPool) {
  BrokerOptions options = TestOptions();
  options.hook_threads = 4;
  options.hooks.on_publish = [](const ClientInfo&, const Publish& publish) {
    // Uneven hook durations would reorder the messages if hooks of one
    // client ran concurrently.
    if (std::stoi(publish.payload) % 3 == 0) std::this_thread::sleep_for(1ms);
    return PublishDecision::kRoute;
  };
  RunningBroker broker(options);
  auto subscriber = Subscriber(broker.port(), "sub", "seq");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  for (int i = 0; i < 100; ++i) {
    Publish publish;
    publish.topic = "seq";
    publish.payload = std::to_string(i);
    publisher.Send(publish);
  }
  for (int i = 0; i < 100; ++i) ASSERT_EQ(subscriber->Expect<Publish>().payload, std::to_string(i));
}

TEST(Broker, AsksOnSubscribeAndReportsEndedSubscriptions) {
  std::mutex mutex;
  std::vector<std::string> events;
  BrokerOptions options = TestOptions();
  options.hook_threads = 1;
  options.hooks.on_subscribe = [&](const ClientInfo& client, const std::string& filter, QoS) {
    std::lock_guard lock(mutex);
    events.push_back("+" + client.client_id + ":" + filter);
    return filter != "forbidden";
  };
  options.hooks.on_unsubscribe = [&](const ClientInfo& client, const std::string& filter) {
    std::lock_guard lock(mutex);
    events.push_back("-" + client.client_id + ":" + filter);
  };
  RunningBroker broker(options);
  {
    RawClient client(broker.port());
    client.Connect("app");
    EXPECT_EQ(client.Subscribe("forbidden", QoS::kAtMostOnce, 1), SubackReturnCode::kFailure);
    EXPECT_EQ(client.Subscribe("v1.1/Datastreams(1)/Observations", QoS::kAtMostOnce, 2),
              SubackReturnCode::kGrantedQoS0);
    EXPECT_EQ(client.Subscribe("v1.1/Things", QoS::kAtMostOnce, 3), SubackReturnCode::kGrantedQoS0);
    Unsubscribe unsubscribe;
    unsubscribe.packet_id = 4;
    unsubscribe.topic_filters = {"v1.1/Things"};
    client.Send(unsubscribe);
    client.Expect<Unsuback>();
    EXPECT_TRUE(broker.broker().HasSubscriber("v1.1/Datastreams(1)/Observations"));
    client.Disconnect();  // the clean session ends: its last subscription too
    EXPECT_TRUE(client.ExpectClosed());
  }
  EXPECT_TRUE(Eventually([&] {
    std::lock_guard lock(mutex);
    return events.size() == 5;
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(events, (std::vector<std::string>{"+app:forbidden", "+app:v1.1/Datastreams(1)/Observations",
                                              "+app:v1.1/Things", "-app:v1.1/Things",
                                              "-app:v1.1/Datastreams(1)/Observations"}));
}

TEST(Broker, PassesWillThroughOnPublish) {
  BrokerOptions options = TestOptions();
  options.hooks.on_publish = [](const ClientInfo&, const Publish& publish) {
    return publish.topic == "forbidden" ? PublishDecision::kSwallow : PublishDecision::kRoute;
  };
  RunningBroker broker(options);
  auto watcher = Subscriber(broker.port(), "watcher", "#");
  RawClient client(broker.port());
  client.Connect("sneaky", true, 0, MakeWill("forbidden", "x"));
  client.Drop();
  EXPECT_TRUE(watcher->ExpectSilence(300ms));
}

// --- Server-side publishing -------------------------------------------------------------------

TEST(Broker, PublishFromApplicationReachesSubscribersFromAnyThread) {
  RunningBroker broker;
  EXPECT_FALSE(broker.broker().HasSubscriber("v1.1/Things(1)"));
  auto subscriber = Subscriber(broker.port(), "sub", "v1.1/+", QoS::kAtLeastOnce);
  EXPECT_TRUE(broker.broker().HasSubscriber("v1.1/Things(1)"));
  EXPECT_FALSE(broker.broker().HasSubscriber("v1.0/Things(1)"));
  std::thread other([&] {
    EXPECT_TRUE(broker.broker().Publish("v1.1/Things(1)", R"({"name":"x"})", QoS::kAtLeastOnce).ok());
  });
  other.join();
  Publish got = subscriber->Expect<Publish>();
  EXPECT_EQ(got.payload, R"({"name":"x"})");
  EXPECT_EQ(got.qos, QoS::kAtLeastOnce);
  subscriber->Send(Puback{got.packet_id});

  EXPECT_TRUE(broker.broker().Publish("v1.1/Sensors(2)", "kept", QoS::kAtMostOnce, /*retain=*/true).ok());
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "kept");
  RawClient late(broker.port());
  late.Connect("late");
  late.Subscribe("v1.1/Sensors(2)", QoS::kAtMostOnce);
  EXPECT_TRUE(late.Expect<Publish>().retain);

  EXPECT_FALSE(broker.broker().Publish("bad/#", "x").ok());
  EXPECT_FALSE(broker.broker().Publish("", "x").ok());
}

// --- Lifecycle ------------------------------------------------------------------------------------

TEST(Broker, StartFailsWhenPortIsTaken) {
  RunningBroker first;
  BrokerOptions options = TestOptions();
  options.port = first.port();
  Broker second(options);
  Status started = second.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
}

TEST(Broker, StopClosesConnectionsAndRunReturns) {
  RunningBroker broker;
  auto watcher = Subscriber(broker.port(), "watcher", "status/#");
  RawClient client(broker.port());
  client.Connect("c", true, 0, MakeWill("status/c", "x"));
  RawClient unconnected(broker.port());
  broker.StopAndJoin();
  EXPECT_TRUE(client.ExpectClosed());
  EXPECT_TRUE(unconnected.ExpectClosed());
  // No will at shutdown: the watcher sees only the close.
  EXPECT_EQ(watcher->Receive().kind, Received::Kind::kClosed);
  EXPECT_EQ(broker.broker().Publish("t", "x").error().code, ErrorCode::kUnavailable);
}

TEST(Broker, StopLetsRunningHookFinishAndSendsItsPuback) {
  Gate gate;
  BrokerOptions options = TestOptions();
  options.hook_threads = 1;
  options.hooks.on_publish = [&](const ClientInfo&, const Publish&) {
    gate.Enter();
    return PublishDecision::kRoute;
  };
  RunningBroker broker(options);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  Publish publish;
  publish.topic = "obs";
  publish.qos = QoS::kAtLeastOnce;
  publish.packet_id = 11;
  publisher.Send(publish);
  ASSERT_TRUE(gate.WaitEntered());
  broker.broker().Stop();
  std::this_thread::sleep_for(100ms);
  gate.Open();
  EXPECT_EQ(publisher.Expect<Puback>().packet_id, 11);
  EXPECT_TRUE(publisher.ExpectClosed());
  broker.StopAndJoin();
}

TEST(Broker, StopBeforeRunReturnsPromptly) {
  Broker broker(TestOptions());
  ASSERT_TRUE(broker.Start().ok());
  broker.Stop();
  broker.Run();
  EXPECT_TRUE(broker.stopping());
}

TEST(Broker, CountsTraffic) {
  RunningBroker broker;
  auto subscriber = Subscriber(broker.port(), "sub", "t");
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  publisher.Publish("t", "1");
  publisher.Publish("t", "2");
  subscriber->Expect<Publish>();
  subscriber->Expect<Publish>();
  BrokerStats stats = broker.broker().Stats();
  EXPECT_EQ(stats.connections, 2u);
  EXPECT_EQ(stats.connections_total, 2u);
  EXPECT_EQ(stats.sessions, 2u);
  EXPECT_EQ(stats.subscriptions, 1u);
  EXPECT_EQ(stats.messages_received, 2u);
  EXPECT_EQ(stats.messages_published, 2u);
  EXPECT_EQ(stats.messages_sent, 2u);
  EXPECT_GT(stats.bytes_received, 0u);
  EXPECT_GT(stats.bytes_sent, 0u);
}

}  // namespace
}  // namespace fundament::mqtt
