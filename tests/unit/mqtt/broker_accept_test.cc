// Broker::Accept: connections that arrive over a transport the broker did not
// make (later, MQTT over WebSocket from the HTTP server), on an executor that
// is not the broker's.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <thread>

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

// The packets in `bytes`, which must be whole packets.
std::vector<Packet> DecodeAll(std::string_view bytes) {
  Decoder decoder;
  std::vector<Packet> packets;
  Status status = decoder.Feed(bytes, &packets);
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(decoder.idle());
  return packets;
}

TEST(BrokerAccept, ServesConnectionOverForeignTransport) {
  TransportContext other;
  RunningBroker broker;
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());

  Connect connect;
  connect.client_id = "ws-client";
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {{"v1.1/Datastreams(7)/Observations", QoS::kAtLeastOnce}};
  // CONNECT and SUBSCRIBE in one piece, as one WebSocket frame may carry them.
  pipe->ClientSend(MustEncode(connect) + MustEncode(subscribe));
  std::string connack = MustEncode(Connack{});
  std::string suback = MustEncode(Suback{1, {SubackReturnCode::kGrantedQoS1}});
  EXPECT_EQ(pipe->WaitOutput(connack.size() + suback.size()), connack + suback);

  // A message from a TCP client reaches the foreign connection.
  RawClient publisher(broker.port());
  publisher.Connect("tcp-publisher");
  publisher.Publish("v1.1/Datastreams(7)/Observations", R"({"result":3})", QoS::kAtLeastOnce);
  std::string output = pipe->WaitOutput(connack.size() + suback.size() + 10);
  std::vector<Packet> packets = DecodeAll(output);
  ASSERT_EQ(packets.size(), 3u);
  const Publish& delivered = std::get<Publish>(packets[2]);
  EXPECT_EQ(delivered.payload, R"({"result":3})");

  pipe->ClientSend(MustEncode(Puback{delivered.packet_id}) + MustEncode(Disconnect{}));
  EXPECT_TRUE(pipe->WaitClosed());
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().connections == 1; }));
}

TEST(BrokerAccept, PacketsSplitAcrossReadsAreReassembled) {
  TransportContext other;
  RunningBroker broker;
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
  Connect connect;
  connect.client_id = "trickle";
  std::string bytes = MustEncode(connect) + MustEncode(Pingreq{});
  for (char c : bytes) pipe->ClientSend(std::string(1, c));
  std::string expected = MustEncode(Connack{}) + MustEncode(Pingresp{});
  EXPECT_EQ(pipe->WaitOutput(expected.size()), expected);
}

TEST(BrokerAccept, EndOfStreamPublishesWill) {
  TransportContext other;
  RunningBroker broker;
  RawClient watcher(broker.port());
  watcher.Connect("watcher");
  watcher.Subscribe("status/#", QoS::kAtMostOnce);
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
  Connect connect;
  connect.client_id = "ws";
  connect.will = Will{"status/ws", "lost", QoS::kAtMostOnce, false};
  pipe->ClientSend(MustEncode(connect));
  pipe->WaitOutput(MustEncode(Connack{}).size());
  pipe->ClientClose();
  EXPECT_EQ(watcher.Expect<Publish>().payload, "lost");
  EXPECT_TRUE(pipe->WaitClosed());
}

TEST(BrokerAccept, RefusesWhenStopping) {
  TransportContext other;
  RunningBroker broker;
  broker.StopAndJoin();
  auto pipe = std::make_shared<FakePipe>(other.executor());
  Status accepted = broker.broker().Accept(std::make_unique<FakeTransport>(pipe));
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(pipe->WaitClosed());
}

TEST(BrokerAccept, WorksWithoutListener) {
  TransportContext other;
  BrokerOptions options = TestOptions();
  options.listen = false;
  RunningBroker broker(options);
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
  Connect connect;
  connect.client_id = "only";
  pipe->ClientSend(MustEncode(connect));
  EXPECT_EQ(pipe->WaitOutput(4), MustEncode(Connack{}));
  broker.StopAndJoin();  // closes the foreign connection too
  EXPECT_TRUE(pipe->WaitClosed());
}

}  // namespace
}  // namespace fundament::mqtt
