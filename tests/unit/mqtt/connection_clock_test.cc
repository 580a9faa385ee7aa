// ConnectionClock (mqtt/clock.h): the connections' timers follow it, so a
// test can let the keep alive and the connect timeout expire without waiting.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <optional>
#include <thread>

#include "mqtt/broker.h"
#include "mqtt/broker_test_util.h"
#include "mqtt/clock.h"
#include "mqtt/fake_transport.h"

namespace fundament::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::FakePipe;
using testing::FakeTransport;
using testing::MustEncode;
using testing::RunningBroker;
using testing::TestOptions;
using testing::TransportContext;

// Advances the clock and makes the loop of `context` look at its timers at
// once (clock.h).
void Advance(TransportContext& context, std::chrono::milliseconds by) {
  ConnectionClock::AdvanceForTesting(by);
  auto kick = std::make_shared<ConnectionTimer>(context.io());
  kick->expires_at(ConnectionClock::time_point{});
  kick->async_wait([kick](boost::system::error_code) {});
}

BrokerOptions WithoutListener() {
  BrokerOptions options = TestOptions();
  options.listen = false;
  return options;
}

TEST(ConnectionClock, IsMonotonicAndAdvances) {
  const ConnectionClock::time_point before = ConnectionClock::now();
  ConnectionClock::AdvanceForTesting(1h);
  const ConnectionClock::time_point after = ConnectionClock::now();
  EXPECT_GE(after - before, 1h);
  ConnectionClock::AdvanceForTesting(-1h);  // ignored: the clock never goes back
  EXPECT_GE(ConnectionClock::now(), after);
}

TEST(ConnectionClock, KeepAliveExpiresWhenTheClockIsAdvanced) {
  TransportContext other;
  RunningBroker broker(WithoutListener());
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
  Connect connect;
  connect.client_id = "quiet";
  connect.keep_alive = 60;  // disconnected after 90 s without a packet [MQTT-3.1.2-24]
  pipe->ClientSend(MustEncode(connect));
  EXPECT_EQ(pipe->WaitOutput(4), MustEncode(Connack{}));

  Advance(other, 80s);
  EXPECT_FALSE(pipe->WaitClosed(200ms));
  Advance(other, 11s);
  EXPECT_TRUE(pipe->WaitClosed());
  EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().keep_alive_timeouts == 1; }));
}

TEST(ConnectionClock, ConnectTimeoutExpiresWhenTheClockIsAdvanced) {
  TransportContext other;
  RunningBroker broker(WithoutListener());
  auto pipe = std::make_shared<FakePipe>(other.executor());
  ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
  EXPECT_FALSE(pipe->WaitClosed(200ms));
  Advance(other, 11s);  // the connect timeout is 10 s
  EXPECT_TRUE(pipe->WaitClosed());
  EXPECT_EQ(pipe->WaitOutput(1), "");  // closed without a CONNACK
}

}  // namespace
}  // namespace fundament::mqtt
