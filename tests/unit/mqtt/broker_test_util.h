// Helpers for the broker tests: a broker running on a thread on an ephemeral
// port, and a raw MQTT client over a blocking socket that speaks through the
// codec, so that a test sees exactly the packets on the wire.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>

#include "mqtt/broker.h"
#include "mqtt/codec.h"
#include "mqtt/mqtt_test_util.h"
#include "mqtt/packet.h"

namespace fundament::mqtt::testing {

using namespace std::chrono_literals;

// Options for a broker on 127.0.0.1, an ephemeral port, short timeouts.
inline BrokerOptions TestOptions() {
  BrokerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.shutdown_timeout = 2s;
  return options;
}

// A broker started in the constructor and stopped in the destructor.
class RunningBroker {
 public:
  explicit RunningBroker(BrokerOptions options = TestOptions()) : broker_(std::move(options)) {
    // MQTT_TEST_DEBUG=1 shows the broker's per-connection log lines.
    if (std::getenv("MQTT_TEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
    Status started = broker_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    thread_ = std::thread([this] { broker_.Run(); });
  }
  ~RunningBroker() { StopAndJoin(); }
  RunningBroker(const RunningBroker&) = delete;
  RunningBroker& operator=(const RunningBroker&) = delete;

  Broker& broker() { return broker_; }
  uint16_t port() const { return broker_.port(); }

  void StopAndJoin() {
    broker_.Stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Broker broker_;
  std::thread thread_;
};

// Polls `condition` until it holds or `timeout` passes; returns it.
template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout = 3s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// What Receive saw.
struct Received {
  enum class Kind { kPacket, kTimeout, kClosed, kMalformed } kind = Kind::kTimeout;
  std::optional<Packet> packet;
};

// A raw MQTT client: a blocking TCP socket plus the codec.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  }

  void SendRaw(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
  }

  void Send(const Packet& packet) { SendRaw(MustEncode(packet)); }

  // The next packet from the broker, waiting at most `timeout`.
  Received Receive(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string_view input(pending_);
      auto next = decoder_.Next(&input);
      pending_.erase(0, pending_.size() - input.size());
      if (!next.ok()) return {Received::Kind::kMalformed, std::nullopt};
      if (next->has_value()) return {Received::Kind::kPacket, std::move(**next)};
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd fd{socket_.native_handle(), POLLIN, 0};
      int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
      if (ready == 0) return {};
      char buffer[4096];
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(buffer), ec);
      if (ec) return {Received::Kind::kClosed, std::nullopt};
      pending_.append(buffer, n);
    }
  }

  // The next packet, which must be a T.
  template <typename T>
  T Expect(std::chrono::milliseconds timeout = 5s) {
    Received received = Receive(timeout);
    if (received.kind != Received::Kind::kPacket) {
      ADD_FAILURE() << "expected a packet, got "
                    << (received.kind == Received::Kind::kTimeout  ? "nothing (timeout)"
                        : received.kind == Received::Kind::kClosed ? "the connection closed"
                                                                   : "malformed bytes");
      return T{};
    }
    const T* packet = std::get_if<T>(&*received.packet);
    if (packet == nullptr) {
      ADD_FAILURE() << "unexpected packet " << ToString(*received.packet);
      return T{};
    }
    return *packet;
  }

  // True when the broker closes the connection within `timeout`; packets
  // before the close are skipped.
  bool ExpectClosed(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      Received received = Receive(left);
      if (received.kind == Received::Kind::kClosed) return true;
      if (received.kind == Received::Kind::kTimeout) return false;
    }
  }

  // True when nothing arrives for `quiet`.
  bool ExpectSilence(std::chrono::milliseconds quiet = 200ms) {
    Received received = Receive(quiet);
    if (received.kind == Received::Kind::kPacket)
      ADD_FAILURE() << "unexpected " << ToString(*received.packet);
    return received.kind == Received::Kind::kTimeout;
  }

  // Sends CONNECT and returns the CONNACK.
  Connack Connect(Connect connect) {
    Send(connect);
    return Expect<Connack>();
  }
  Connack Connect(std::string client_id, bool clean_session = true, uint16_t keep_alive = 0,
                  std::optional<Will> will = std::nullopt) {
    mqtt::Connect connect;
    connect.client_id = std::move(client_id);
    connect.clean_session = clean_session;
    connect.keep_alive = keep_alive;
    connect.will = std::move(will);
    return Connect(std::move(connect));
  }

  // SUBSCRIBE to one filter; returns the SUBACK's return code.
  SubackReturnCode Subscribe(std::string filter, QoS qos, uint16_t packet_id = 1) {
    mqtt::Subscribe subscribe;
    subscribe.packet_id = packet_id;
    subscribe.subscriptions.push_back({std::move(filter), qos});
    Send(subscribe);
    Suback suback = Expect<Suback>();
    EXPECT_EQ(suback.packet_id, packet_id);
    if (suback.return_codes.size() != 1) {
      ADD_FAILURE() << "SUBACK with " << suback.return_codes.size() << " return codes";
      return SubackReturnCode::kFailure;
    }
    return suback.return_codes[0];
  }

  // PUBLISH; for QoS 1 waits for the PUBACK.
  void Publish(std::string topic, std::string payload, QoS qos = QoS::kAtMostOnce, bool retain = false,
               uint16_t packet_id = 1) {
    mqtt::Publish publish;
    publish.topic = std::move(topic);
    publish.payload = std::move(payload);
    publish.qos = qos;
    publish.retain = retain;
    publish.packet_id = qos == QoS::kAtMostOnce ? 0 : packet_id;
    Send(publish);
    if (qos == QoS::kAtLeastOnce) {
      EXPECT_EQ(Expect<Puback>().packet_id, packet_id);
    }
  }

  void Disconnect() { Send(mqtt::Disconnect{}); }

  // Ends the connection without DISCONNECT.
  void Drop() {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  Decoder decoder_{kMaxRemainingLength};
  std::string pending_;
};

}  // namespace fundament::mqtt::testing
