// The broker fed with damaged byte streams through in-memory transports:
// valid packets with bytes flipped, cut, repeated or inserted. Whatever a
// client sends, the broker must not crash (the ASan build checks memory
// safety), must end that connection or keep serving it, and must go on
// serving everyone else.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <random>
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

// A stream a client might send: mostly valid packets, in a plausible order.
std::string ValidStream(std::mt19937& random, int index) {
  Connect connect;
  connect.client_id = "fuzz-" + std::to_string(index % 7);  // some share an id: takeovers
  connect.clean_session = random() % 2 == 0;
  connect.keep_alive = static_cast<uint16_t>(random() % 3);
  if (random() % 3 == 0)
    connect.will = Will{"status/fuzz", "gone", static_cast<QoS>(random() % 3), random() % 2 == 0};
  std::string stream = MustEncode(connect);
  const char* topics[] = {"a", "a/b", "$SYS/x", "fuzz/1", "status/fuzz"};
  const char* filters[] = {"#", "a/+", "+/b", "fuzz/#", "$SYS/#"};
  int packets = 1 + static_cast<int>(random() % 8);
  for (int i = 0; i < packets; ++i) {
    uint16_t id = static_cast<uint16_t>(1 + random() % 5);
    switch (random() % 6) {
      case 0: {
        Publish publish;
        publish.topic = topics[random() % 5];
        publish.payload = std::string(random() % 40, 'p');
        publish.qos = static_cast<QoS>(random() % 2);
        publish.packet_id = publish.qos == QoS::kAtMostOnce ? 0 : id;
        publish.retain = random() % 4 == 0;
        stream += MustEncode(publish);
        break;
      }
      case 1:
        stream += MustEncode(Subscribe{id, {{filters[random() % 5], static_cast<QoS>(random() % 3)}}});
        break;
      case 2:
        stream += MustEncode(Unsubscribe{id, {filters[random() % 5]}});
        break;
      case 3:
        stream += MustEncode(Puback{id});
        break;
      case 4:
        stream += MustEncode(Pingreq{});
        break;
      default:
        if (random() % 4 == 0) stream += MustEncode(Disconnect{});
        break;
    }
  }
  return stream;
}

// Damages `stream` a little.
void Mutate(std::mt19937& random, std::string* stream) {
  int mutations = static_cast<int>(random() % 4);
  for (int i = 0; i < mutations && !stream->empty(); ++i) {
    size_t at = random() % stream->size();
    switch (random() % 4) {
      case 0:
        (*stream)[at] = static_cast<char>((*stream)[at] ^ (1 << (random() % 8)));
        break;
      case 1:
        stream->resize(at);
        break;
      case 2:
        stream->insert(at, 1, static_cast<char>(random()));
        break;
      default:
        stream->insert(at, stream->substr(at, random() % 16));
        break;
    }
  }
}

TEST(BrokerRobustness, SurvivesDamagedStreamsAndKeepsServingOthers) {
  boost::asio::io_context other;
  auto work = boost::asio::make_work_guard(other);
  std::thread other_thread([&] { other.run(); });
  {
    BrokerOptions options = TestOptions();
    options.max_packet_size = 512;
    options.connect_timeout = 300ms;
    RunningBroker broker(options);
    RawClient bystander(broker.port());
    bystander.Connect("bystander");
    bystander.Subscribe("watch", QoS::kAtLeastOnce);

    std::mt19937 random(1883);
    std::vector<std::shared_ptr<FakePipe>> pipes;
    for (int i = 0; i < 400; ++i) {
      std::string stream = ValidStream(random, i);
      Mutate(random, &stream);
      auto pipe = std::make_shared<FakePipe>(other.get_executor());
      ASSERT_TRUE(broker.broker().Accept(std::make_unique<FakeTransport>(pipe)).ok());
      // In pieces of random size, as reads would deliver them.
      for (size_t at = 0; at < stream.size();) {
        size_t n = 1 + random() % 64;
        pipe->ClientSend(stream.substr(at, n));
        at += n;
      }
      if (random() % 2 == 0) pipe->ClientClose();
      pipes.push_back(pipe);
    }
    RawClient publisher(broker.port());
    publisher.Connect("publisher");
    publisher.Publish("watch", "still serving", QoS::kAtLeastOnce);
    Publish got = bystander.Expect<Publish>();
    EXPECT_EQ(got.payload, "still serving");
    bystander.Send(Puback{got.packet_id});
    // The damaged streams are read on the broker's threads meanwhile; some
    // of them are malformed.
    EXPECT_TRUE(Eventually([&] { return broker.broker().Stats().protocol_errors > 0; }, 10s));
    // Every damaged connection ends: by its own close, an error, a
    // keep-alive or connect timeout, or the shutdown.
    broker.StopAndJoin();
    // Closes are handled on `other`, which a loaded machine may run late.
    for (auto& pipe : pipes) EXPECT_TRUE(pipe->WaitClosed(10s));
    EXPECT_EQ(broker.broker().Stats().connections, 0u);
    EXPECT_GT(broker.broker().Stats().protocol_errors, 0u);
  }
  work.reset();
  other_thread.join();
}

}  // namespace
}  // namespace fundament::mqtt
