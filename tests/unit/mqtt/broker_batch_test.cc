// BrokerHooks::on_publish_batch: how the broker hands a client's PUBLISH
// packets to the application in runs. The client speaks through an
// in-memory transport, so that a test decides which bytes one read returns.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/broker_test_util.h"
#include "mqtt/fake_transport.h"

namespace fundament::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::FakePipe;
using testing::FakeTransport;
using testing::MustEncode;
using testing::RawClient;
using testing::RunningBroker;
using testing::TestOptions;
using testing::TransportContext;

// Records the runs the hook is given (as payloads) and can hold the hook
// until the test lets it return.
class RunRecorder {
 public:
  // The hook: records the run, waits while held, then decides by `decide`.
  std::vector<PublishDecision> Take(std::span<const Publish> run) {
    std::unique_lock lock(mutex_);
    std::vector<std::string> payloads;
    for (const Publish& publish : run) payloads.push_back(publish.payload);
    runs_.push_back(std::move(payloads));
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_; });
    std::vector<PublishDecision> decisions;
    for (const Publish& publish : run)
      decisions.push_back(decide_ ? decide_(publish) : PublishDecision::kRoute);
    return decisions;
  }
  void Hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }
  bool WaitRuns(size_t count, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return runs_.size() >= count; });
  }
  std::vector<std::vector<std::string>> runs() {
    std::lock_guard lock(mutex_);
    return runs_;
  }
  void set_decide(std::function<PublishDecision(const Publish&)> decide) { decide_ = std::move(decide); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<std::string>> runs_;
  bool held_ = false;
  std::function<PublishDecision(const Publish&)> decide_;
};

using Runs = std::vector<std::vector<std::string>>;

BrokerOptions BatchOptions(RunRecorder& recorder) {
  BrokerOptions options = TestOptions();
  options.hook_threads = 2;
  options.hooks.on_publish_batch = [&recorder](const ClientInfo&, std::span<const Publish> run) {
    return recorder.Take(run);
  };
  return options;
}

std::string Pub(std::string payload, QoS qos = QoS::kAtMostOnce, uint16_t packet_id = 0,
                std::string topic = "t") {
  Publish publish;
  publish.topic = std::move(topic);
  publish.payload = std::move(payload);
  publish.qos = qos;
  publish.packet_id = packet_id;
  return MustEncode(publish);
}

std::string ConnectBytes(std::string client_id) {
  Connect connect;
  connect.client_id = std::move(client_id);
  return MustEncode(connect);
}

// The packets in `bytes`, which must be whole packets.
std::vector<Packet> DecodeAll(std::string_view bytes) {
  Decoder decoder;
  std::vector<Packet> packets;
  EXPECT_TRUE(decoder.Feed(bytes, &packets).ok());
  EXPECT_TRUE(decoder.idle());
  return packets;
}

// The broker's answers after the CONNACK, as short names ("PUBACK 3").
std::vector<std::string> Answers(std::string_view output) {
  std::vector<std::string> names;
  std::vector<Packet> packets = DecodeAll(output);
  for (size_t i = 1; i < packets.size(); ++i) {
    const Packet& packet = packets[i];
    if (const Puback* puback = std::get_if<Puback>(&packet)) {
      names.push_back("PUBACK " + std::to_string(puback->packet_id));
    } else if (std::holds_alternative<Pingresp>(packet)) {
      names.push_back("PINGRESP");
    } else if (const Suback* suback = std::get_if<Suback>(&packet)) {
      names.push_back("SUBACK " + std::to_string(suback->packet_id));
    } else {
      names.push_back(ToString(packet));
    }
  }
  return names;
}

// A client connection of the broker over an in-memory transport on
// `context`; null when the broker refuses it.
std::shared_ptr<FakePipe> Attach(RunningBroker& broker, TransportContext& context) {
  auto pipe = std::make_shared<FakePipe>(context.executor());
  Status accepted = broker.broker().Accept(std::make_unique<FakeTransport>(pipe));
  EXPECT_TRUE(accepted.ok()) << accepted.error().message;
  return accepted.ok() ? pipe : nullptr;
}

const std::string kConnack = MustEncode(Connack{});

TEST(BrokerBatch, HandsPublishesOfOneReadToOneCallInOrder) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  pipe->ClientSend(ConnectBytes("c") + Pub("1") + Pub("2", QoS::kAtLeastOnce, 7) + Pub("3"));
  ASSERT_TRUE(recorder.WaitRuns(1));
  std::string puback = MustEncode(Puback{7});
  EXPECT_EQ(pipe->WaitOutput(kConnack.size() + puback.size()), kConnack + puback);
  EXPECT_EQ(recorder.runs(), (Runs{{"1", "2", "3"}}));
}

TEST(BrokerBatch, RunsOnlyWhatIsReadAndReadsAheadWhileTheHookRuns) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  recorder.Hold();
  // A lone PUBLISH is a run of one: the broker does not wait for more.
  pipe->ClientSend(ConnectBytes("c") + Pub("1", QoS::kAtLeastOnce, 1));
  ASSERT_TRUE(recorder.WaitRuns(1));
  // Arrive while the hook runs: read, and handed over together afterwards.
  ASSERT_TRUE(pipe->WaitReading()) << "no read ahead while the hook runs";
  pipe->ClientSend(Pub("2", QoS::kAtLeastOnce, 2) + Pub("3", QoS::kAtLeastOnce, 3));
  pipe->ClientSend(Pub("4", QoS::kAtLeastOnce, 4));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pipe->WaitOutput(0), kConnack) << "no PUBACK before the hook has returned";
  recorder.Release();
  std::string pubacks;
  for (uint16_t id = 1; id <= 4; ++id) pubacks += MustEncode(Puback{id});
  EXPECT_EQ(pipe->WaitOutput(kConnack.size() + pubacks.size()), kConnack + pubacks);
  Runs runs = recorder.runs();
  // The read ahead holds what had arrived when it was made.
  // The read ahead holds what had arrived when it was made; the rest waits
  // for the next read.
  EXPECT_EQ(runs, (Runs{{"1"}, {"2", "3"}, {"4"}}));
}

TEST(BrokerBatch, SendsPubacksOnlyAfterTheRunsHookReturned) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto subscriber = std::make_unique<RawClient>(broker.port());
  subscriber->Connect("sub");
  subscriber->Subscribe("t", QoS::kAtMostOnce);
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  recorder.Hold();
  pipe->ClientSend(ConnectBytes("pub") + Pub("a", QoS::kAtLeastOnce, 1) + Pub("b", QoS::kAtLeastOnce, 2));
  ASSERT_TRUE(recorder.WaitRuns(1));
  EXPECT_TRUE(subscriber->ExpectSilence(200ms));
  EXPECT_EQ(pipe->WaitOutput(0), kConnack);
  recorder.Release();
  std::string pubacks = MustEncode(Puback{1}) + MustEncode(Puback{2});
  EXPECT_EQ(pipe->WaitOutput(kConnack.size() + pubacks.size()), kConnack + pubacks);
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "a");
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "b");
}

TEST(BrokerBatch, CapsRunsByCountAndBytes) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  BrokerOptions options = BatchOptions(recorder);
  options.max_publish_batch = 2;
  RunningBroker broker(options);
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  std::string bytes = ConnectBytes("c");
  for (int i = 1; i <= 5; ++i) bytes += Pub(std::to_string(i));
  bytes += Pub("x", QoS::kAtLeastOnce, 9);
  pipe->ClientSend(bytes);
  EXPECT_EQ(pipe->WaitOutput(kConnack.size() + 4), kConnack + MustEncode(Puback{9}));
  EXPECT_EQ(recorder.runs(), (Runs{{"1", "2"}, {"3", "4"}, {"5", "x"}}));

  RunRecorder by_bytes;
  BrokerOptions small = BatchOptions(by_bytes);
  // "t" plus four payload bytes: the second message reaches the bound.
  small.max_publish_batch_bytes = 10;
  RunningBroker second(small);
  auto other = Attach(second, context);
  ASSERT_TRUE(other);
  other->ClientSend(ConnectBytes("c") + Pub("aaaa") + Pub("bbbb") + Pub("cccc") + Pub("dddddddddddd") +
                    Pub("e", QoS::kAtLeastOnce, 3));
  EXPECT_EQ(other->WaitOutput(kConnack.size() + 4), kConnack + MustEncode(Puback{3}));
  EXPECT_EQ(by_bytes.runs(), (Runs{{"aaaa", "bbbb"}, {"cccc", "dddddddddddd"}, {"e"}}));
}

TEST(BrokerBatch, PingreqsStayInTheRunAndAreAnsweredInPacketOrder) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  recorder.Hold();
  const std::string ping = MustEncode(Pingreq{});
  pipe->ClientSend(ConnectBytes("c") + ping + Pub("1", QoS::kAtLeastOnce, 1) + ping + Pub("2") +
                   Pub("3", QoS::kAtLeastOnce, 3) + ping);
  ASSERT_TRUE(recorder.WaitRuns(1));
  // The PINGREQ before the first PUBLISH was handled at once; the others
  // wait for the PUBLISH packets before them.
  EXPECT_EQ(Answers(pipe->WaitOutput(kConnack.size() + 2)), (std::vector<std::string>{"PINGRESP"}));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Answers(pipe->WaitOutput(0)), (std::vector<std::string>{"PINGRESP"}));
  recorder.Release();
  std::string output = pipe->WaitOutput(kConnack.size() + 2 + 4 + 2 + 4 + 2);
  EXPECT_EQ(Answers(output),
            (std::vector<std::string>{"PINGRESP", "PUBACK 1", "PINGRESP", "PUBACK 3", "PINGRESP"}));
  EXPECT_EQ(recorder.runs(), (Runs{{"1", "2", "3"}}));
}

TEST(BrokerBatch, OtherPacketsEndARunAndAreHandledAfterIt) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  Subscribe subscribe;
  subscribe.packet_id = 5;
  subscribe.subscriptions = {{"elsewhere", QoS::kAtMostOnce}};
  pipe->ClientSend(ConnectBytes("c") + Pub("1", QoS::kAtLeastOnce, 1) + MustEncode(subscribe) +
                   Pub("2", QoS::kAtLeastOnce, 2) + Pub("3", QoS::kAtLeastOnce, 3));
  const size_t suback = MustEncode(Suback{5, {SubackReturnCode::kGrantedQoS0}}).size();
  EXPECT_EQ(Answers(pipe->WaitOutput(kConnack.size() + 3 * 4 + suback)),
            (std::vector<std::string>{"PUBACK 1", "SUBACK 5", "PUBACK 2", "PUBACK 3"}));
  EXPECT_EQ(recorder.runs(), (Runs{{"1"}, {"2", "3"}}));
}

TEST(BrokerBatch, StopsAtTheFirstDisconnectDecision) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  recorder.set_decide([](const Publish& publish) {
    return publish.payload == "bad" ? PublishDecision::kDisconnect : PublishDecision::kRoute;
  });
  RunningBroker broker(BatchOptions(recorder));
  auto subscriber = std::make_unique<RawClient>(broker.port());
  subscriber->Connect("sub");
  subscriber->Subscribe("t", QoS::kAtMostOnce);
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  pipe->ClientSend(ConnectBytes("pub") + Pub("ok", QoS::kAtLeastOnce, 1) + Pub("bad", QoS::kAtLeastOnce, 2) +
                   Pub("after", QoS::kAtLeastOnce, 3));
  ASSERT_TRUE(pipe->WaitClosed());
  EXPECT_EQ(Answers(pipe->WaitOutput(0)), (std::vector<std::string>{"PUBACK 1"}));
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "ok");
  EXPECT_TRUE(subscriber->ExpectSilence(200ms));
  EXPECT_EQ(recorder.runs(), (Runs{{"ok", "bad", "after"}}));
}

TEST(BrokerBatch, QoS2PublishAfterARunClosesOnceTheRunIsHandled) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  pipe->ClientSend(ConnectBytes("c") + Pub("1", QoS::kAtLeastOnce, 1) + Pub("2", QoS::kExactlyOnce, 2) +
                   Pub("3", QoS::kAtLeastOnce, 3));
  ASSERT_TRUE(pipe->WaitClosed());
  EXPECT_EQ(recorder.runs(), (Runs{{"1"}}));
  EXPECT_EQ(broker.broker().Stats().protocol_errors, 1u);
}

TEST(BrokerBatch, MalformedBytesAfterARunCloseOnceTheRunIsHandled) {
  TransportContext context;  // outlives the broker, which uses its executor
  RunRecorder recorder;
  RunningBroker broker(BatchOptions(recorder));
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  // 0xF0 is a reserved packet type.
  pipe->ClientSend(ConnectBytes("c") + Pub("1") + Pub("2") + std::string("\xF0\x00", 2) + Pub("3"));
  ASSERT_TRUE(pipe->WaitClosed());
  EXPECT_EQ(recorder.runs(), (Runs{{"1", "2"}}));
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().protocol_errors == 1; }));
}

TEST(BrokerBatch, AHookResultOfTheWrongSizeDisconnects) {
  TransportContext context;  // outlives the broker, which uses its executor
  BrokerOptions options = TestOptions();
  options.hooks.on_publish_batch = [](const ClientInfo&, std::span<const Publish> run) {
    return std::vector<PublishDecision>(run.size() - 1, PublishDecision::kRoute);
  };
  RunningBroker broker(options);
  auto subscriber = std::make_unique<RawClient>(broker.port());
  subscriber->Connect("sub");
  subscriber->Subscribe("t", QoS::kAtMostOnce);
  auto pipe = Attach(broker, context);
  ASSERT_TRUE(pipe);
  pipe->ClientSend(ConnectBytes("c") + Pub("1", QoS::kAtLeastOnce, 1) + Pub("2", QoS::kAtLeastOnce, 2));
  ASSERT_TRUE(pipe->WaitClosed());
  // The message with a decision is routed; the one without is not.
  EXPECT_EQ(subscriber->Expect<Publish>().payload, "1");
  EXPECT_TRUE(subscriber->ExpectSilence(200ms));
}

TEST(BrokerBatch, WillGoesThroughTheBatchHook) {
  RunRecorder recorder;
  recorder.set_decide([](const Publish& publish) {
    return publish.topic == "forbidden" ? PublishDecision::kSwallow : PublishDecision::kRoute;
  });
  RunningBroker broker(BatchOptions(recorder));
  auto watcher = std::make_unique<RawClient>(broker.port());
  watcher->Connect("watcher");
  watcher->Subscribe("#", QoS::kAtMostOnce);
  Will will;
  will.topic = "status";
  will.message = "gone";
  RawClient client(broker.port());
  client.Connect("c", true, 0, will);
  client.Drop();
  EXPECT_EQ(watcher->Expect<Publish>().payload, "gone");
  EXPECT_EQ(recorder.runs(), (Runs{{"gone"}}));
}

TEST(BrokerBatch, KeepsPerClientOrderUnderLoad) {
  BrokerOptions options = TestOptions();
  options.hook_threads = 4;
  options.max_queued_messages = 10'000;
  std::mutex mutex;
  size_t calls = 0;
  options.hooks.on_publish_batch = [&](const ClientInfo&, std::span<const Publish> run) {
    {
      std::lock_guard lock(mutex);
      ++calls;
    }
    if (run.size() % 3 == 0) std::this_thread::sleep_for(1ms);
    return std::vector<PublishDecision>(run.size(), PublishDecision::kRoute);
  };
  RunningBroker broker(options);
  auto subscriber = std::make_unique<RawClient>(broker.port());
  subscriber->Connect("sub");
  subscriber->Subscribe("seq", QoS::kAtMostOnce);
  RawClient publisher(broker.port());
  publisher.Connect("pub");
  std::string bytes;
  for (int i = 0; i < 2000; ++i) bytes += Pub(std::to_string(i), QoS::kAtMostOnce, 0, "seq");
  publisher.SendRaw(bytes);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(subscriber->Expect<Publish>().payload, std::to_string(i));
  std::lock_guard lock(mutex);
  EXPECT_LT(calls, 2000u) << "2000 messages sent at once come in runs";
}

}  // namespace
}  // namespace fundament::mqtt
