// A load generator for MQTT 3.1.1 brokers: Fundament's embedded broker and,
// as the baseline, Mosquitto (bench/run). It speaks MQTT through Fundament's
// own codec (mqtt/codec.h) over Asio, on one thread.
//
// One run: `--subscribers` connections subscribe to `--subscribe` first (all
// SUBACKs are awaited), then `--publishers` connections publish to `--topic`
// for `--duration` seconds (or until `--messages` in all), at `--rate`
// messages/s in all (0: as fast as the broker takes them; with subscribers,
// `--max-ahead` bounds the messages sent but not yet received by every one of
// them, so that a broker's queues cannot grow without end). QoS 0 publishers
// send batches of 64 PUBLISHes, each followed by a PINGREQ, with at most
// `--window` PINGREQs unanswered (a broker handles a client's packets in
// order, so a PINGRESP means every PUBLISH before it was handled); QoS 1
// publishers keep at most `--window` PUBLISHes unacknowledged each. When the
// time is up a publisher waits for its last PINGRESP or PUBACK. Subscribers are then given `--drain` seconds
// without a delivery before the run ends.
//
// Every payload is `{"result":N}`, N the microseconds since the run started
// when the message was sent. A subscriber reads N back from the payload it
// receives — the message itself from a relaying broker, the Observation
// created from it (whose JSON has the same "result") from Fundament — so
// delivery latency is measured from the publisher's send to the subscriber's
// receipt, both in this process.
//
// Prints one line `MQTT_LOAD {json}` on stdout: counts, rates, PUBACK
// latencies and delivery latencies (µs percentiles). Exits non-zero when a
// connection fails or is refused.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/packet.h"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using fundament::Status;
using namespace fundament::mqtt;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 1883;
  int publishers = 1;
  std::string topic = "bench";
  int qos = 0;
  int window = 16;
  double duration = 10;
  uint64_t messages = 0;  // 0: no limit
  double rate = 0;        // messages/s in all; 0: no limit
  uint64_t max_ahead = 0;  // messages published but not yet delivered to every subscriber; 0: no limit
  int subscribers = 0;
  std::string subscribe;
  int sub_qos = 0;
  double drain = 3;
  double connect_timeout = 30;
  std::string client_prefix = "bench";
};

// Microsecond samples; percentiles on demand.
class Samples {
 public:
  // A cap keeps memory bounded on long runs; the first samples are kept.
  void Add(int64_t us) {
    if (values_.size() < kMax) values_.push_back(static_cast<uint32_t>(std::clamp<int64_t>(us, 0, UINT32_MAX)));
  }
  size_t size() const { return values_.size(); }
  std::optional<double> Percentile(double q) {
    if (values_.empty()) return std::nullopt;
    if (!sorted_) {
      std::sort(values_.begin(), values_.end());
      sorted_ = true;
    }
    return values_[std::min(values_.size() - 1, static_cast<size_t>(q * values_.size()))];
  }

 private:
  static constexpr size_t kMax = 50'000'000;
  std::vector<uint32_t> values_;
  bool sorted_ = false;
};

std::string Json(Samples& s) {
  auto p = [&](double q) {
    auto v = s.Percentile(q);
    return v ? fmt::format("{:.0f}", *v) : std::string("null");
  };
  return fmt::format(R"({{"n":{},"p50":{},"p90":{},"p99":{},"p999":{},"max":{}}})", s.size(), p(0.5), p(0.9),
                     p(0.99), p(0.999), p(1.0));
}

class Run;

// One MQTT connection: connects, reads and decodes packets, writes what is
// queued, one write at a time.
class Client : public std::enable_shared_from_this<Client> {
 public:
  enum class Role { kPublisher, kSubscriber };

  Client(Run& run, Role role, std::string id) : run_(run), role_(role), id_(std::move(id)), socket_(Io()) {}

  void Start(const tcp::endpoint& endpoint);
  // Publishers: sends what the rate and the window allow.
  void Pump();
  // Publishers: no more new messages; finish as described in the file comment.
  void Finish();
  bool done() const { return done_; }

 private:
  net::io_context& Io();
  void Read();
  void OnPacket(Packet packet);
  void Queue(const Packet& packet);
  void Flush();
  void Fail(const std::string& what);

  Run& run_;
  const Role role_;
  const std::string id_;
  tcp::socket socket_;
  Decoder decoder_{kMaxRemainingLength};
  std::array<char, 64 * 1024> buffer_;
  std::string out_, writing_;
  bool write_busy_ = false;
  bool connected_ = false;
  bool finishing_ = false;
  bool done_ = false;
  uint16_t next_id_ = 1;
  int inflight_ = 0;
  int pings_ = 0;  // PINGREQs unanswered
  static constexpr int kBatch = 64;
  std::vector<Clock::time_point> sent_at_ = std::vector<Clock::time_point>(65536);
};

class Run {
 public:
  explicit Run(Options options) : options(std::move(options)), start(Clock::now()) {}

  int Execute();

  // Whether a publisher may send one more message now (rate and count).
  bool MaySend() const {
    if (stopping) return false;
    if (options.messages > 0 && published >= options.messages) return false;
    // Closed loop: no more than max_ahead messages sent and not yet received
    // by every subscriber, so that the broker's queues stay short.
    if (options.max_ahead > 0 && options.subscribers > 0 &&
        published >= delivered / static_cast<uint64_t>(options.subscribers) + options.max_ahead)
      return false;
    if (options.rate > 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - publish_start).count();
      if (static_cast<double>(published) >= elapsed * options.rate + 1) return false;
    }
    return true;
  }
  int64_t Micros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  }
  void OnConnected(Client::Role role);
  void OnFinished() {
    ++finished;
    CheckFinished();
  }
  void CheckFinished();
  void OnDelivery(std::string_view payload) {
    ++delivered;
    last_delivery = Clock::now();
    // The payload holds "result":N (the message itself, or the Observation).
    const size_t at = payload.find("\"result\":");
    if (at == std::string_view::npos) return;
    const std::string number(payload.substr(at + 9, 24));
    const double sent = std::strtod(number.c_str(), nullptr);
    if (sent > 0) delivery_us.Add(Micros() - static_cast<int64_t>(sent));
  }
  void Error(const std::string& what) {
    if (errors++ < 5) std::fprintf(stderr, "mqtt_load: %s\n", what.c_str());
  }

  const Options options;
  const Clock::time_point start;
  net::io_context io;
  std::vector<std::shared_ptr<Client>> publishers_, subscribers_;
  int subscribed = 0, publishers_connected = 0, finished = 0;
  uint64_t published = 0, acked = 0, delivered = 0, errors = 0;
  bool publishing = false, stopping = false, publishers_done = false;
  Clock::time_point publish_start, publish_end, last_delivery;
  Samples puback_us, delivery_us;

 private:
  void StartPublishers();
  void Tick();
  net::steady_timer ticker_{io};
  net::steady_timer deadline_{io};
  std::vector<tcp::endpoint> endpoints_;
};

net::io_context& Client::Io() { return run_.io; }

void Client::Start(const tcp::endpoint& endpoint) {
  socket_.async_connect(endpoint, [self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return self->Fail("connect: " + ec.message());
    self->socket_.set_option(tcp::no_delay(true), ec);
    Connect connect;
    connect.client_id = self->id_;
    connect.keep_alive = 600;
    self->Queue(connect);
    self->Read();
  });
}

void Client::Read() {
  socket_.async_read_some(net::buffer(buffer_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
    if (ec) {
      if (!self->done_) self->Fail("read: " + ec.message());
      return;
    }
    std::string_view input(self->buffer_.data(), n);
    while (!input.empty()) {
      auto next = self->decoder_.Next(&input);
      if (!next.ok()) return self->Fail("malformed packet from the broker: " + next.error().message);
      if (!next->has_value()) break;
      self->OnPacket(std::move(**next));
      if (self->done_ && self->role_ == Role::kPublisher) return;
    }
    self->Flush();
    self->Read();
  });
}

void Client::OnPacket(Packet packet) {
  if (auto* connack = std::get_if<Connack>(&packet)) {
    if (connack->return_code != ConnectReturnCode::kAccepted)
      return Fail(fmt::format("CONNACK refused ({})", static_cast<int>(connack->return_code)));
    connected_ = true;
    if (role_ == Role::kSubscriber) {
      Subscribe subscribe;
      subscribe.packet_id = 1;
      subscribe.subscriptions.push_back({run_.options.subscribe, static_cast<QoS>(run_.options.sub_qos)});
      return Queue(subscribe);
    }
    return run_.OnConnected(role_);
  }
  if (auto* suback = std::get_if<Suback>(&packet)) {
    if (suback->return_codes.empty() || suback->return_codes[0] == SubackReturnCode::kFailure)
      return Fail("SUBSCRIBE refused");
    return run_.OnConnected(role_);
  }
  if (auto* publish = std::get_if<Publish>(&packet)) {
    run_.OnDelivery(publish->payload);
    if (publish->qos == QoS::kAtLeastOnce) Queue(Puback{publish->packet_id});
    return;
  }
  if (auto* puback = std::get_if<Puback>(&packet)) {
    const Clock::time_point sent = sent_at_[puback->packet_id];
    run_.puback_us.Add(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
    ++run_.acked;
    --inflight_;
    if (finishing_ && inflight_ == 0) {
      done_ = true;
      return run_.OnFinished();
    }
    return Pump();
  }
  if (std::holds_alternative<Pingresp>(packet)) {
    --pings_;
    if (finishing_ && pings_ == 0) {
      done_ = true;
      return run_.OnFinished();
    }
    return Pump();
  }
}

void Client::Pump() {
  if (!connected_ || finishing_ || role_ != Role::kPublisher) return;
  const bool qos1 = run_.options.qos == 1;
  // QoS 0: a batch per write, each followed by a PINGREQ, and at most
  // `window` PINGREQs unanswered: the broker answers them in order, after
  // the PUBLISHes before them, so the sender stays at most window × batch
  // messages ahead of the broker instead of filling the socket buffers.
  if (!qos1 && (write_busy_ || pings_ >= run_.options.window)) return;
  int batch = 0;
  while (run_.MaySend() && (qos1 ? inflight_ < run_.options.window : batch < kBatch)) {
    Publish publish;
    publish.topic = run_.options.topic;
    publish.qos = qos1 ? QoS::kAtLeastOnce : QoS::kAtMostOnce;
    publish.payload = fmt::format(R"({{"result":{}}})", run_.Micros());
    if (qos1) {
      publish.packet_id = next_id_;
      sent_at_[next_id_] = Clock::now();
      next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
      ++inflight_;
    }
    Status encoded = EncodeTo(publish, &out_);
    if (!encoded.ok()) return Fail("encode: " + encoded.error().message);
    ++run_.published;
    ++batch;
  }
  if (!qos1 && batch > 0) {
    Status encoded = EncodeTo(Pingreq{}, &out_);
    if (!encoded.ok()) return Fail("encode: " + encoded.error().message);
    ++pings_;
  }
  Flush();
}

void Client::Finish() {
  if (finishing_ || done_) return;
  finishing_ = true;
  if (!connected_) {
    done_ = true;
    return run_.OnFinished();
  }
  if (run_.options.qos == 1 ? inflight_ == 0 : pings_ == 0) {
    done_ = true;
    return run_.OnFinished();
  }
}

void Client::Queue(const Packet& packet) {
  Status encoded = EncodeTo(packet, &out_);
  if (!encoded.ok()) return Fail("encode: " + encoded.error().message);
  Flush();
}

void Client::Flush() {
  if (write_busy_ || out_.empty()) return;
  write_busy_ = true;
  writing_.clear();
  writing_.swap(out_);
  net::async_write(socket_, net::buffer(writing_), [self = shared_from_this()](boost::system::error_code ec, size_t) {
    self->write_busy_ = false;
    if (ec) return self->Fail("write: " + ec.message());
    self->Flush();
    if (self->role_ == Role::kPublisher) self->Pump();
  });
}

void Client::Fail(const std::string& what) {
  run_.Error(id_ + ": " + what);
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (!done_) {
    done_ = true;
    if (role_ == Role::kPublisher && (finishing_ || run_.publishing)) run_.OnFinished();
  }
}

void Run::OnConnected(Client::Role role) {
  if (role == Client::Role::kSubscriber) {
    if (++subscribed == options.subscribers) StartPublishers();
    return;
  }
  if (++publishers_connected == options.publishers) {
    publishing = true;
    publish_start = Clock::now();
    for (auto& p : publishers_) p->Pump();
    deadline_.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration)));
    deadline_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      stopping = true;
      for (auto& p : publishers_) p->Finish();
    });
    Tick();
  }
}

void Run::StartPublishers() {
  for (int i = 0; i < options.publishers; ++i) {
    auto client = std::make_shared<Client>(*this, Client::Role::kPublisher, fmt::format("{}-pub-{}", options.client_prefix, i));
    publishers_.push_back(client);
    client->Start(endpoints_[0]);
  }
  if (options.publishers == 0) publishers_done = true;
}

// Every millisecond: lets rate-limited publishers send, and ends a run that
// reached its message count.
void Run::Tick() {
  ticker_.expires_after(std::chrono::milliseconds(1));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (ec || publishers_done) return;
    if (!stopping && options.messages > 0 && published >= options.messages) {
      stopping = true;
      for (auto& p : publishers_) p->Finish();
    }
    if (!stopping)
      for (auto& p : publishers_) p->Pump();
    Tick();
  });
}

void Run::CheckFinished() {
  if (publishers_done || finished < options.publishers) return;
  publishers_done = true;
  publish_end = Clock::now();
  ticker_.cancel();
  deadline_.cancel();
  // Deliveries: wait until `drain` seconds pass without one (bounded).
  auto hard_end = Clock::now() + std::chrono::seconds(60);
  auto check = std::make_shared<std::function<void()>>();
  *check = [this, hard_end, check] {
    const auto quiet = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.drain));
    const Clock::time_point last = std::max(last_delivery, publish_end);
    if (options.subscribers == 0 || Clock::now() - last >= quiet || Clock::now() > hard_end) {
      io.stop();
      return;
    }
    deadline_.expires_after(std::chrono::milliseconds(50));
    deadline_.async_wait([check](boost::system::error_code ec) {
      if (!ec) (*check)();
    });
  };
  (*check)();
}

int Run::Execute() {
  tcp::resolver resolver(io);
  for (const auto& entry : resolver.resolve(options.host, std::to_string(options.port))) endpoints_.push_back(entry.endpoint());
  if (endpoints_.empty()) {
    std::fprintf(stderr, "mqtt_load: cannot resolve %s\n", options.host.c_str());
    return 2;
  }
  // Nothing may hang: the whole run is bounded.
  net::steady_timer guard(io);
  guard.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.connect_timeout + options.duration + options.drain + 120)));
  guard.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    Error("the run did not end in time");
    io.stop();
  });
  const Clock::time_point connect_start = Clock::now();
  net::steady_timer connect_guard(io);
  connect_guard.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.connect_timeout)));
  connect_guard.async_wait([this](boost::system::error_code ec) {
    if (ec || publishing) return;
    Error(fmt::format("only {} of {} subscribers and {} of {} publishers ready in time", subscribed,
                      options.subscribers, publishers_connected, options.publishers));
    io.stop();
  });
  for (int i = 0; i < options.subscribers; ++i) {
    auto client = std::make_shared<Client>(*this, Client::Role::kSubscriber, fmt::format("{}-sub-{}", options.client_prefix, i));
    subscribers_.push_back(client);
    client->Start(endpoints_[0]);
  }
  if (options.subscribers == 0) StartPublishers();
  io.run();
  connect_guard.cancel();
  const double connect_seconds = std::chrono::duration<double>(publish_start - connect_start).count();
  const double publish_seconds = std::chrono::duration<double>(publish_end - publish_start).count();
  const Clock::time_point delivery_end = std::max(last_delivery, publish_start);
  const double delivery_seconds = std::chrono::duration<double>(delivery_end - publish_start).count();
  std::printf(
      "MQTT_LOAD {\"publishers\":%d,\"subscribers\":%d,\"qos\":%d,\"window\":%d,\"rate\":%g,"
      "\"connect_seconds\":%.3f,\"publish_seconds\":%.3f,\"published\":%llu,\"acked\":%llu,"
      "\"publish_rate\":%.1f,\"delivered\":%llu,\"delivery_seconds\":%.3f,\"delivery_rate\":%.1f,"
      "\"errors\":%llu,\"puback_us\":%s,\"delivery_us\":%s}\n",
      options.publishers, options.subscribers, options.qos, options.window, options.rate, connect_seconds,
      publish_seconds, static_cast<unsigned long long>(published), static_cast<unsigned long long>(acked),
      publish_seconds > 0 ? published / publish_seconds : 0.0, static_cast<unsigned long long>(delivered),
      delivery_seconds, delivery_seconds > 0 ? delivered / delivery_seconds : 0.0,
      static_cast<unsigned long long>(errors), Json(puback_us).c_str(), Json(delivery_us).c_str());
  std::fflush(stdout);
  return errors == 0 && publishers_done ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"MQTT load generator (see bench/mqtt_load.cc)"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--publishers", o.publishers);
  app.add_option("--topic", o.topic);
  app.add_option("--qos", o.qos)->check(CLI::Range(0, 1));
  app.add_option("--window", o.window, "unacknowledged QoS 1 PUBLISHes per publisher")->check(CLI::Range(1, 65535));
  app.add_option("--duration", o.duration, "seconds of publishing");
  app.add_option("--messages", o.messages, "messages in all (0: no limit)");
  app.add_option("--rate", o.rate, "messages/s in all (0: no limit)");
  app.add_option("--max-ahead", o.max_ahead,
                 "messages published and not yet received by every subscriber (0: no limit)");
  app.add_option("--subscribers", o.subscribers);
  app.add_option("--subscribe", o.subscribe, "topic filter of the subscribers");
  app.add_option("--sub-qos", o.sub_qos)->check(CLI::Range(0, 1));
  app.add_option("--drain", o.drain, "seconds without a delivery that end the run");
  app.add_option("--connect-timeout", o.connect_timeout);
  app.add_option("--client-prefix", o.client_prefix);
  CLI11_PARSE(app, argc, argv);
  if (o.subscribers > 0 && o.subscribe.empty()) o.subscribe = o.topic;
  Run run(o);
  return run.Execute();
}
