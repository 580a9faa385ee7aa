// Fuzzes the MQTT broker's session handling: an input is a script of up to
// four clients talking to one real Broker (mqtt/broker.h) over in-memory
// transports — connecting (clean and persistent sessions, wills, takeovers),
// subscribing, publishing at QoS 0, 1 and 2, acknowledging, pinging, going
// silent while the clock runs (keep alive, connect and write timeouts),
// refusing to read, dropping the connection — interleaved with publications
// by the application and raw bytes of any kind. Broker limits and hooks are
// chosen by the input too, small enough to be reached.
//
// Everything but the final shutdown runs on this thread, on one io_context
// that serves every connection, so a run is deterministic. After every step
// the harness checks, against its own model of what each client sent:
// - the broker sends every client only well-formed packets a server may send:
//   one CONNACK first (session present only for a persistent session, a
//   refusal last), the answers (PUBACK, SUBACK, UNSUBACK, PINGRESP) in the
//   order of the requests and with their packet ids, deliveries only at QoS
//   0 or 1, on topics that a filter the client subscribed to matches, never
//   more unacknowledged QoS 1 deliveries than max_inflight and never a packet
//   id that is still in flight;
// - a client that broke the protocol (malformed bytes, a packet out of
//   place, QoS 2) is disconnected; a connection the broker closes had a
//   reason (a violation, DISCONNECT, a refusal, a takeover, a hook, the
//   clock, a full queue, too many connections): other clients are
//   unaffected;
// - the limits hold: sessions, connections, retained messages, the size of
//   one write;
// - on_unsubscribe is called only for subscriptions on_subscribe allowed;
// - with on_publish_batch (run on an executor, so that the broker reads
//   ahead while a hook runs): each run is non-empty and within
//   max_publish_batch and max_publish_batch_bytes, holds the connection's
//   PUBLISH packets in the order sent, and a PUBACK comes only for a
//   message whose run's hook has decided about it;
// - Stop() ends every connection and Run() returns.
// Any crash, sanitizer report (ASan, UBSan, LeakSanitizer) or broken
// invariant (abort) is a bug.
//
// Input: four bytes of configuration, then operations. Each operation is a
// byte — the client slot in the top two bits, the kind below — followed by
// its arguments (see Step). tests/fuzz/corpus/mqtt_session_fuzz/ holds
// scripted sessions made by tests/fuzz/corpus/mqtt_session_fuzz.py.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/clock.h"
#include "mqtt/codec.h"
#include "mqtt/packet.h"
#include "mqtt/topic.h"
#include "mqtt/transport.h"

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using fundament::Status;
using namespace fundament::mqtt;

constexpr size_t kSlots = 4;
// Connect and write timeouts, and the least keep alive limit (1.5 × 1 s).
constexpr auto kTimeout = 1s;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "mqtt_session_fuzz: %s\n", what.c_str());
  std::abort();
}

// Topics and filters the structured operations choose from.
constexpr std::array<std::string_view, 12> kTopics = {
    "a", "a/b", "a/b/c", "v1.1/Datastreams(1)/Observations", "/a", "a//b",
    "$SYS/x", "drop/x", "swallow/x", "throw/x", "deny/x", "b"};
constexpr std::array<std::string_view, 16> kFilters = {
    "#", "+", "a", "a/#", "a/+", "a/+/c", "+/b", "v1.1/#", "drop/#", "deny/x", "$SYS/#", "+/+/+",
    "/#", "a/b/c", "swallow/x", "throw/#"};
constexpr std::array<std::string_view, 4> kClientIds = {"a", "b", "c", ""};

// The client end of one connection, and the state the transport shares with
// it. All on the fuzz thread.
struct Pipe {
  explicit Pipe(net::io_context& io) : io(io) {}

  void Read(net::mutable_buffer buffer, Transport::Handler handler) {
    read_buffer = buffer;
    read_handler = std::move(handler);
    TryRead();
  }

  void TryRead() {
    if (!read_handler) return;
    boost::system::error_code ec;
    size_t n = 0;
    if (broker_closed) {
      ec = net::error::operation_aborted;
    } else if (!inbound.empty()) {
      n = std::min(inbound.size(), read_buffer.size());
      std::memcpy(read_buffer.data(), inbound.data(), n);
      inbound.erase(0, n);
    } else if (client_closed) {
      ec = net::error::eof;
    } else {
      return;
    }
    net::post(io, [handler = std::move(read_handler), ec, n] { handler(ec, n); });
    read_handler = nullptr;
  }

  void Write(net::const_buffer buffer, Transport::Handler handler) {
    if (write_handler) Fail("two writes outstanding at once");
    if (broker_closed) {
      net::post(io, [handler = std::move(handler)] { handler(net::error::operation_aborted, 0); });
      return;
    }
    write_buffer = buffer;
    write_handler = std::move(handler);
    if (!paused) CompleteWrite();
  }

  void CompleteWrite() {
    if (!write_handler) return;
    output.append(static_cast<const char*>(write_buffer.data()), write_buffer.size());
    net::post(io, [handler = std::move(write_handler), n = write_buffer.size()] { handler({}, n); });
    write_handler = nullptr;
  }

  void Close() {
    broker_closed = true;
    TryRead();
    if (write_handler) {
      net::post(io, [handler = std::move(write_handler)] { handler(net::error::operation_aborted, 0); });
      write_handler = nullptr;
    }
  }

  net::io_context& io;
  std::string inbound;         // sent by the client, not yet read by the broker
  std::string output;          // written by the broker
  bool client_closed = false;  // the client ended its side
  bool broker_closed = false;  // the broker closed the transport
  bool paused = false;         // the client reads nothing: writes do not complete
  net::mutable_buffer read_buffer;
  Transport::Handler read_handler;
  net::const_buffer write_buffer;
  Transport::Handler write_handler;
};

class FuzzTransport final : public Transport {
 public:
  FuzzTransport(std::shared_ptr<Pipe> pipe, uint64_t serial) : pipe_(std::move(pipe)), serial_(serial) {}
  net::any_io_executor executor() override { return pipe_->io.get_executor(); }
  void AsyncReadSome(net::mutable_buffer buffer, Handler handler) override {
    pipe_->Read(buffer, std::move(handler));
  }
  void AsyncWrite(net::const_buffer buffer, Handler handler) override {
    pipe_->Write(buffer, std::move(handler));
  }
  void Close() override { pipe_->Close(); }
  // Names the connection, so that the hooks know whose packets they see.
  std::string remote() const override { return "fuzz-" + std::to_string(serial_); }

 private:
  std::shared_ptr<Pipe> pipe_;
  const uint64_t serial_;
};

// Runs Broker::Run() on a thread of its own, kept for the whole fuzzing
// session (a thread per input would cost more than most inputs), while the
// fuzz thread serves the connections.
class BrokerRunner {
 public:
  BrokerRunner() : thread_([this] { Loop(); }) {}
  ~BrokerRunner() {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // Starts broker->Run(); Done() tells when it has returned.
  void Begin(Broker* broker) {
    {
      std::lock_guard lock(mutex_);
      broker_ = broker;
      done_ = false;
    }
    changed_.notify_all();
  }

  bool Done() {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return quit_ || broker_ != nullptr; });
      if (quit_) return;
      Broker* broker = std::exchange(broker_, nullptr);
      lock.unlock();
      broker->Run();
      lock.lock();
      done_ = true;
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  Broker* broker_ = nullptr;
  bool done_ = false;
  bool quit_ = false;
  std::thread thread_;
};

// An answer the client waits for, in the order of its requests.
struct Expected {
  PacketType type;
  uint16_t packet_id = 0;
  std::vector<std::string> filters;  // of a SUBSCRIBE
};

// The harness's model of one connection.
struct Client {
  Client(net::io_context& io, size_t max_packet_size, uint64_t serial)
      : pipe(std::make_shared<Pipe>(io)), sent(max_packet_size), serial(serial) {}

  std::shared_ptr<Pipe> pipe;
  Decoder sent;                           // what the client sent, as the broker decodes it
  Decoder received{kMaxRemainingLength};  // what the broker sent
  size_t received_bytes = 0;
  const uint64_t serial;

  // What the client sent.
  bool connect_sent = false;
  std::string client_id;
  bool clean = true;
  uint8_t protocol_level = kProtocolLevel311;
  bool expect_refusal = false;  // the codec or the on_connect hook refuses it
  bool violation = false;
  bool stopped = false;  // nothing after this is processed (violation, DISCONNECT, hook)
  bool excused = false;  // the broker may close it (see Excused)
  std::deque<Expected> expected;
  uint16_t next_packet_id = 1;
  ConnectionClock::time_point last_packet;
  std::optional<ConnectionClock::time_point> paused_since;
  uint64_t slow_disconnects_at_open = 0;

  // What the broker sent.
  bool connack_seen = false;
  bool refused = false;
  std::set<uint16_t> outstanding;  // QoS 1 deliveries not yet acknowledged
  std::deque<uint16_t> to_ack;     // the same, in the order received
  bool close_checked = false;

  std::string Key() const { return client_id.empty() ? "#" + std::to_string(serial) : client_id; }
};

struct Config {
  BrokerOptions options;
  bool hooks = false;
  bool batch = false;  // on_publish_batch instead of on_publish
};

// What on_publish_batch may see of one connection: the PUBLISH packets
// (QoS 0 and 1) the client sent, in order, not yet handed to the hook.
struct RunModel {
  std::deque<Publish> sent;
  std::optional<Will> will;
  bool stopped = false;        // the model stopped following the client
  std::set<uint16_t> decided;  // QoS 1 packet ids the hook let through: a PUBACK may follow
};

Config ReadConfig(const uint8_t* config) {
  Config c;
  BrokerOptions& o = c.options;
  o.listen = false;
  o.threads = 1;
  o.connect_timeout = kTimeout;
  o.write_timeout = kTimeout;
  o.shutdown_timeout = 2s;
  o.max_inflight = 1 + (config[0] & 3);
  o.max_queued_messages = 1 + ((config[0] >> 2) & 7);
  o.overflow_policy = (config[0] & 0x20) ? OverflowPolicy::kDisconnect : OverflowPolicy::kDropNew;
  c.hooks = (config[0] & 0x40) != 0;
  c.batch = c.hooks && (config[0] & 0x80) != 0;
  o.max_sessions = 2 + (config[1] & 3);
  o.max_connections = 2 + ((config[1] >> 2) & 3);
  o.max_subscriptions_per_client = 1 + ((config[1] >> 4) & 3);
  o.max_retained_messages = (config[1] >> 6) & 3;
  o.max_retained_bytes = 512;
  o.max_packet_size = 64 + size_t{config[2]} * 8;
  o.max_queued_bytes = 64 + size_t{config[3]} * 32;
  o.max_publish_batch = 1 + (config[2] & 7);
  o.max_publish_batch_bytes = 16 + static_cast<size_t>(config[3] & 0x3F) * 4;
  return c;
}

class Harness {
 public:
  explicit Harness(const Config& config)
      : options_(config.options), hooks_(config.hooks), batch_(config.batch), work_(io_.get_executor()) {
    BrokerOptions options = config.options;
    if (hooks_) InstallHooks(&options.hooks);
    // On the connections' own event loop, yet not inline: a connection
    // waits for its hook as with a pool, and the run stays deterministic.
    if (batch_) options.hook_executor = io_.get_executor();
    broker_ = std::make_unique<Broker>(std::move(options));
    if (!broker_->Start().ok()) Fail("Start failed");
  }

  ~Harness() {
    Shutdown();
    clients_ = {};
    broker_.reset();
  }

  // Runs one operation from the front of `in`; false when the input is used up.
  bool Step(std::string_view* in) {
    if (in->empty()) return false;
    const uint8_t op = Take(in);
    const size_t slot = op >> 6;
    if (trace_) std::fprintf(stderr, "op %d on client slot %zu\n", (op & 0x3F) % 16, slot);
    switch ((op & 0x3F) % 16) {
      case 0:
        Open(slot);
        break;
      case 1:
        if (Client* c = Live(slot)) {
          c->pipe->client_closed = true;
          c->pipe->TryRead();
        }
        break;
      case 2: {
        const size_t n = std::min<size_t>(Take(in), in->size());
        SendRaw(slot, std::string(in->substr(0, n)));
        in->remove_prefix(n);
        break;
      }
      case 3:
        SendConnect(slot, Take(in), Take(in));
        break;
      case 4: {
        const uint8_t a = Take(in);
        Subscribe subscribe;
        subscribe.packet_id = NextId(slot);
        subscribe.subscriptions.push_back({std::string(kFilters[a & 15]), static_cast<QoS>((a >> 4) % 3)});
        if (a & 0x40) subscribe.subscriptions.push_back({std::string(kFilters[(a >> 2) & 15]), QoS::kAtLeastOnce});
        SendPacket(slot, subscribe);
        break;
      }
      case 5: {
        const uint8_t a = Take(in);
        Unsubscribe unsubscribe;
        unsubscribe.packet_id = NextId(slot);
        unsubscribe.topic_filters.push_back(std::string(kFilters[a & 15]));
        SendPacket(slot, unsubscribe);
        break;
      }
      case 6: {
        const uint8_t a = Take(in);
        Publish publish;
        publish.topic = std::string(kTopics[(a & 15) % kTopics.size()]);
        static constexpr std::array<QoS, 4> kQoS = {QoS::kAtMostOnce, QoS::kAtLeastOnce, QoS::kExactlyOnce,
                                                    QoS::kAtLeastOnce};
        publish.qos = kQoS[(a >> 4) & 3];
        publish.retain = (a & 0x40) != 0;
        publish.dup = (a & 0x80) != 0 && publish.qos != QoS::kAtMostOnce;
        publish.packet_id = publish.qos == QoS::kAtMostOnce ? 0 : NextId(slot);
        publish.payload = Payload(Take(in));
        SendPacket(slot, publish);
        break;
      }
      case 7: {
        const uint8_t a = Take(in);
        Client* c = Live(slot);
        if (c == nullptr) break;
        if (a & 0x80) {
          SendPacket(slot, Puback{static_cast<uint16_t>(1 + (a & 0x7F))});  // perhaps not in flight
          break;
        }
        std::string bytes;
        for (size_t i = 0; i < (a & 0x7F) + 1u && !c->to_ack.empty(); ++i) {
          Status encoded = EncodeTo(Puback{c->to_ack.front()}, &bytes);
          if (!encoded.ok()) Fail("cannot encode PUBACK");
          c->to_ack.pop_front();
        }
        SendRaw(slot, std::move(bytes));
        break;
      }
      case 8:
        SendPacket(slot, Pingreq{});
        break;
      case 9:
        SendPacket(slot, Disconnect{});
        break;
      case 10:
        if (Client* c = Live(slot); c != nullptr && !c->pipe->paused) {
          c->pipe->paused = true;
          c->paused_since = ConnectionClock::now();
        }
        break;
      case 11:
        if (Client* c = Live(slot)) {
          c->pipe->paused = false;
          c->paused_since.reset();
          c->pipe->CompleteWrite();
        }
        break;
      case 12:
        Advance(std::chrono::milliseconds(50 * Take(in)));
        break;
      case 13: {
        const uint8_t a = Take(in);
        const QoS qos = static_cast<QoS>((a >> 4) & 1);
        Status published =
            broker_->Publish(kTopics[(a & 15) % kTopics.size()], Payload(Take(in)), qos, (a & 0x40) != 0);
        if (!published.ok() && published.error().code != fundament::ErrorCode::kPayloadTooLarge)
          Fail("Broker::Publish failed: " + published.error().message);
        break;
      }
      case 14: {
        // Sends the client's next bytes split into pieces the broker reads one by one.
        chunk_ = Take(in) % 8;
        break;
      }
      default:
        break;
    }
    RunUntilIdle();
    Check();
    return true;
  }

 private:
  static uint8_t Take(std::string_view* in) {
    if (in->empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    return b;
  }

  static std::string Payload(uint8_t n) { return std::string(n, static_cast<char>('a' + n % 26)); }

  Client* Live(size_t slot) { return clients_[slot].get(); }

  uint16_t NextId(size_t slot) {
    Client* c = Live(slot);
    if (c == nullptr) return 1;
    const uint16_t id = c->next_packet_id++;
    if (c->next_packet_id == 0) c->next_packet_id = 1;
    return id;
  }

  void InstallHooks(BrokerHooks* hooks) {
    hooks->on_connect = [](const ClientInfo&, const Connect& connect) {
      if (connect.username == "deny") return ConnectReturnCode::kNotAuthorized;
      return ConnectReturnCode::kAccepted;
    };
    auto decide = [](const Publish& publish) {
      if (publish.topic.starts_with("throw/")) throw std::runtime_error("hook failure");
      if (publish.topic.starts_with("drop/")) return PublishDecision::kDisconnect;
      if (publish.topic.starts_with("swallow/")) return PublishDecision::kSwallow;
      return PublishDecision::kRoute;
    };
    if (batch_) {
      hooks->on_publish_batch = [this, decide](const ClientInfo& client, std::span<const Publish> run) {
        CheckRun(client, run);
        std::vector<PublishDecision> decisions;
        for (const Publish& publish : run) decisions.push_back(decide(publish));
        RunModel& model = runs_[SerialOf(client)];
        for (size_t i = 0; i < run.size() && decisions[i] != PublishDecision::kDisconnect; ++i)
          if (run[i].qos == QoS::kAtLeastOnce) model.decided.insert(run[i].packet_id);
        return decisions;
      };
    } else {
      hooks->on_publish = [decide](const ClientInfo&, const Publish& publish) { return decide(publish); };
    }
    hooks->on_subscribe = [this](const ClientInfo& client, const std::string& filter, QoS) {
      if (filter.starts_with("deny")) return false;
      ++hook_subscriptions_[{client.client_id, filter}];
      return true;
    };
    hooks->on_unsubscribe = [this](const ClientInfo& client, const std::string& filter) {
      int& count = hook_subscriptions_[{client.client_id, filter}];
      if (--count < 0) Fail("on_unsubscribe for '" + filter + "' of '" + client.client_id + "' without on_subscribe");
    };
  }

  static uint64_t SerialOf(const ClientInfo& client) {
    std::string_view remote = client.remote;
    if (!remote.starts_with("fuzz-")) Fail("a hook for an unknown connection '" + client.remote + "'");
    return std::stoull(std::string(remote.substr(5)));
  }

  // A run handed to on_publish_batch, against the limits and what the
  // connection sent.
  void CheckRun(const ClientInfo& client, std::span<const Publish> run) {
    if (run.empty()) Fail("an empty run");
    if (run.size() > options_.max_publish_batch) Fail("a run over max_publish_batch");
    size_t bytes = 0;
    for (size_t i = 0; i + 1 < run.size(); ++i) bytes += run[i].topic.size() + run[i].payload.size();
    if (bytes >= options_.max_publish_batch_bytes) Fail("a run that goes on past max_publish_batch_bytes");
    RunModel& model = runs_[SerialOf(client)];
    for (const Publish& publish : run) {
      if (!model.sent.empty() && model.sent.front() == publish) {
        model.sent.pop_front();
        continue;
      }
      const bool will = run.size() == 1 && model.will && publish.packet_id == 0 &&
                        publish.topic == model.will->topic && publish.payload == model.will->message;
      // Past the packet the model stopped at (a hook's kDisconnect), a run
      // may hold packets the model did not follow.
      if (!will && !model.stopped) Fail("a run out of the order sent: '" + publish.topic + "'");
    }
  }

  void Open(size_t slot) {
    if (Client* old = Live(slot)) {
      old->pipe->client_closed = true;
      old->pipe->TryRead();
      RunUntilIdle();
      Check();
    }
    const uint64_t rejected = broker_->Stats().connections_rejected;
    auto client = std::make_unique<Client>(io_, options_.max_packet_size, ++serials_);
    client->last_packet = ConnectionClock::now();
    client->slow_disconnects_at_open = broker_->Stats().slow_client_disconnects;
    Status accepted = broker_->Accept(std::make_unique<FuzzTransport>(client->pipe, client->serial));
    if (!accepted.ok()) {
      if (broker_->Stats().connections_rejected == rejected) Fail("Accept failed without a rejection");
      client->excused = true;
    }
    clients_[slot] = std::move(client);
  }

  void SendConnect(size_t slot, uint8_t a, uint8_t b) {
    Connect connect;
    connect.client_id = std::string(kClientIds[a & 3]);
    connect.clean_session = (a & 4) != 0;
    static constexpr std::array<uint16_t, 4> kKeepAlive = {0, 1, 2, 60};
    connect.keep_alive = kKeepAlive[(a >> 3) & 3];
    if (a & 0x20) {
      connect.will = Will{std::string(kTopics[(b & 15) % kTopics.size()]), Payload(b >> 4),
                          static_cast<QoS>((b >> 6) & 1), (b & 0x80) != 0};
    }
    if (a & 0x40) connect.username = "deny";
    if (a & 0x80) connect.protocol_level = kProtocolLevel31;  // an empty client id is refused then
    SendPacket(slot, connect);
  }

  void SendPacket(size_t slot, const Packet& packet) {
    std::string bytes;
    Status encoded = EncodeTo(packet, &bytes);
    if (!encoded.ok()) Fail("cannot encode " + ToString(packet) + ": " + encoded.error().message);
    SendRaw(slot, std::move(bytes));
  }

  // The client sends `bytes` (in pieces of chunk_ bytes if set); the model
  // learns what the broker is to make of them.
  void SendRaw(size_t slot, std::string bytes) {
    Client* c = Live(slot);
    if (c == nullptr || c->pipe->client_closed || bytes.empty()) return;
    Learn(*c, bytes);
    if (chunk_ == 0) {
      c->pipe->inbound += bytes;
      c->pipe->TryRead();
      return;
    }
    for (size_t at = 0; at < bytes.size(); at += chunk_) {
      c->pipe->inbound += bytes.substr(at, chunk_);
      c->pipe->TryRead();
      RunUntilIdle();
    }
  }

  void Learn(Client& c, std::string_view bytes) {
    while (!bytes.empty() && !c.stopped) {
      auto next = c.sent.Next(&bytes);
      if (!next.ok()) {
        c.violation = c.stopped = true;
        return;
      }
      if (!next->has_value()) return;
      c.last_packet = ConnectionClock::now();
      Packet& packet = **next;
      const PacketType type = TypeOf(packet);
      if (!c.connect_sent) {
        if (type != PacketType::kConnect) {
          c.violation = c.stopped = true;
          return;
        }
        const Connect& connect = std::get<Connect>(packet);
        c.connect_sent = true;
        c.client_id = connect.client_id;
        c.clean = connect.clean_session;
        c.protocol_level = connect.protocol_level;
        c.expect_refusal = ConnackFor(connect).has_value() || (hooks_ && connect.username == "deny");
        runs_[c.serial].will = connect.will;
        if (c.expect_refusal) {
          c.stopped = true;
          return;
        }
        // A connection of the same client is taken over.
        for (auto& other : clients_) {
          if (other && other.get() != &c && !c.client_id.empty() && other->client_id == c.client_id)
            other->excused = true;
        }
        continue;
      }
      switch (type) {
        case PacketType::kPublish: {
          const Publish& publish = std::get<Publish>(packet);
          if (publish.qos == QoS::kExactlyOnce) {
            c.violation = c.stopped = true;
            return;
          }
          runs_[c.serial].sent.push_back(publish);
          if (hooks_ && (publish.topic.starts_with("drop/") || publish.topic.starts_with("throw/"))) {
            c.excused = c.stopped = true;
            runs_[c.serial].stopped = true;
            return;
          }
          if (publish.qos == QoS::kAtLeastOnce) c.expected.push_back({PacketType::kPuback, publish.packet_id, {}});
          break;
        }
        case PacketType::kSubscribe: {
          const Subscribe& subscribe = std::get<Subscribe>(packet);
          Expected answer{PacketType::kSuback, subscribe.packet_id, {}};
          for (const Subscription& s : subscribe.subscriptions) {
            answer.filters.push_back(s.topic_filter);
            // The broker may apply it even if its SUBACK never reaches the
            // client (a persistent session keeps it), so it counts as of now.
            if (!(hooks_ && s.topic_filter.starts_with("deny"))) subscribed_[c.Key()].insert(s.topic_filter);
          }
          c.expected.push_back(std::move(answer));
          break;
        }
        case PacketType::kUnsubscribe:
          c.expected.push_back({PacketType::kUnsuback, std::get<Unsubscribe>(packet).packet_id, {}});
          break;
        case PacketType::kPingreq:
          c.expected.push_back({PacketType::kPingresp, 0, {}});
          break;
        case PacketType::kPuback:
          c.outstanding.erase(std::get<Puback>(packet).packet_id);
          break;
        case PacketType::kDisconnect:
          c.stopped = true;
          c.excused = true;
          return;
        default:  // a second CONNECT, QoS 2 flow, packets only a server sends
          c.violation = c.stopped = true;
          return;
      }
    }
  }

  void Advance(std::chrono::milliseconds by) {
    if (by.count() == 0) return;
    ConnectionClock::AdvanceForTesting(by);
    // Makes the event loop look at the connections' timers again (clock.h).
    bool fired = false;
    ConnectionTimer kick(io_);
    kick.expires_at(ConnectionClock::time_point{});
    kick.async_wait([&fired](boost::system::error_code) { fired = true; });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!fired) {
      io_.run_one_for(100ms);
      if (std::chrono::steady_clock::now() > deadline) Fail("a timer that expired long ago did not fire");
    }
  }

  void RunUntilIdle() {
    for (int rounds = 0; io_.poll() != 0; ++rounds) {
      if (rounds > 100'000) Fail("the broker does not come to rest");
    }
  }

  bool TimeExcuse(const Client& c) const {
    const auto now = ConnectionClock::now();
    if (now - c.last_packet >= kTimeout) return true;
    return c.paused_since && now - *c.paused_since >= kTimeout;
  }

  void Check() {
    const BrokerStats stats = broker_->Stats();
    if (stats.sessions > options_.max_sessions) Fail("more sessions than max_sessions");
    if (stats.connections > options_.max_connections) Fail("more connections than max_connections");
    if (stats.retained_messages > options_.max_retained_messages) Fail("more retained messages than allowed");
    if (stats.subscriptions > options_.max_sessions * options_.max_subscriptions_per_client)
      Fail("more subscriptions than the limits allow");
    for (auto& slot : clients_) {
      if (!slot) continue;
      Client& c = *slot;
      CheckOutput(c);
      Pipe& pipe = *c.pipe;
      if (pipe.write_handler && pipe.write_buffer.size() > 64 * 1024 + 256 * 1024 + 4 * options_.max_packet_size)
        Fail("one write of " + std::to_string(pipe.write_buffer.size()) + " bytes");
      if (c.violation && !pipe.paused && !pipe.broker_closed)
        Fail("client " + c.Key() + " broke the protocol and is still connected");
      if (pipe.broker_closed && !c.close_checked) {
        c.close_checked = true;
        const bool overflow = options_.overflow_policy == OverflowPolicy::kDisconnect &&
                              stats.slow_client_disconnects > c.slow_disconnects_at_open;
        if (!(c.violation || c.excused || c.expect_refusal || c.refused || pipe.client_closed ||
              TimeExcuse(c) || overflow))
          Fail("the broker closed client " + c.Key() + " without a reason");
      }
    }
  }

  // Decodes what the broker wrote to `c` since the last check and holds it
  // against the model.
  void CheckOutput(Client& c) {
    std::string_view fresh = std::string_view(c.pipe->output).substr(c.received_bytes);
    c.received_bytes = c.pipe->output.size();
    while (!fresh.empty()) {
      auto next = c.received.Next(&fresh);
      if (!next.ok()) Fail("the broker sent a malformed packet: " + next.error().message);
      if (!next->has_value()) break;
      const Packet& packet = **next;
      const PacketType type = TypeOf(packet);
      if (c.refused) Fail("a packet after a refusing CONNACK: " + ToString(packet));
      if (!c.connack_seen && type != PacketType::kConnack) Fail("first packet not CONNACK: " + ToString(packet));
      switch (type) {
        case PacketType::kConnack: {
          if (c.connack_seen) Fail("a second CONNACK");
          c.connack_seen = true;
          const Connack& connack = std::get<Connack>(packet);
          if (connack.return_code != ConnectReturnCode::kAccepted) {
            c.refused = true;
            break;
          }
          if (c.expect_refusal) Fail("accepted a CONNECT that must be refused");
          if (connack.session_present && (c.clean || c.protocol_level != kProtocolLevel311))
            Fail("session present for a clean session [MQTT-3.2.2-1]");
          break;
        }
        case PacketType::kPublish: {
          const Publish& publish = std::get<Publish>(packet);
          if (publish.qos == QoS::kExactlyOnce) Fail("a delivery at QoS 2");
          if (publish.qos == QoS::kAtLeastOnce) {
            const bool known = c.outstanding.contains(publish.packet_id);
            if (known && !publish.dup) Fail("packet id " + std::to_string(publish.packet_id) + " reused in flight");
            if (!known) {
              c.outstanding.insert(publish.packet_id);
              c.to_ack.push_back(publish.packet_id);
            }
            if (c.outstanding.size() > options_.max_inflight)
              Fail("more than max_inflight QoS 1 deliveries unacknowledged");
          }
          bool matched = false;
          for (const std::string& filter : subscribed_[c.Key()])
            matched = matched || TopicMatches(filter, publish.topic);
          if (!matched) Fail("delivery on '" + publish.topic + "' matching no filter " + c.Key() + " subscribed to");
          break;
        }
        case PacketType::kPuback:
        case PacketType::kSuback:
        case PacketType::kUnsuback:
        case PacketType::kPingresp: {
          if (c.expected.empty()) Fail("an answer to nothing: " + ToString(packet));
          const Expected want = std::move(c.expected.front());
          c.expected.pop_front();
          if (want.type != type) Fail(std::string("expected ") + PacketTypeName(want.type) + ", got " + ToString(packet));
          if (type == PacketType::kPuback && std::get<Puback>(packet).packet_id != want.packet_id)
            Fail("PUBACK with the wrong packet id");
          if (type == PacketType::kPuback && batch_ && runs_[c.serial].decided.erase(want.packet_id) == 0)
            Fail("PUBACK " + std::to_string(want.packet_id) + " before on_publish_batch decided about it");
          if (type == PacketType::kUnsuback && std::get<Unsuback>(packet).packet_id != want.packet_id)
            Fail("UNSUBACK with the wrong packet id");
          if (type == PacketType::kSuback) {
            const Suback& suback = std::get<Suback>(packet);
            if (suback.packet_id != want.packet_id || suback.return_codes.size() != want.filters.size())
              Fail("SUBACK does not answer its SUBSCRIBE: " + ToString(packet));
            for (size_t i = 0; i < want.filters.size(); ++i) {
              if (suback.return_codes[i] == SubackReturnCode::kFailure) continue;
              if (suback.return_codes[i] == SubackReturnCode::kGrantedQoS2) Fail("QoS 2 granted");
              if (hooks_ && want.filters[i].starts_with("deny")) Fail("granted a filter on_subscribe refused");
            }
          }
          break;
        }
        default:
          Fail("the broker sent " + ToString(packet));
      }
    }
  }

  // Lets every client read again, stops the broker and waits for Run().
  void Shutdown() {
    for (auto& c : clients_) {
      if (!c) continue;
      c->pipe->paused = false;
      c->pipe->CompleteWrite();
    }
    RunUntilIdle();
    broker_->Stop();
    static BrokerRunner runner;
    runner.Begin(broker_.get());
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!runner.Done()) {
      if (io_.poll() == 0) std::this_thread::yield();
      if (std::chrono::steady_clock::now() > deadline) Fail("Stop() did not end Run() in time");
    }
    RunUntilIdle();
    const BrokerStats stats = broker_->Stats();
    if (trace_) {
      std::fprintf(stderr,
                   "received %llu, published %llu, sent %llu, dropped %llu, protocol errors %llu, "
                   "slow %llu, keep alive %llu, takeovers %llu, rejected %llu\n",
                   static_cast<unsigned long long>(stats.messages_received),
                   static_cast<unsigned long long>(stats.messages_published),
                   static_cast<unsigned long long>(stats.messages_sent),
                   static_cast<unsigned long long>(stats.messages_dropped),
                   static_cast<unsigned long long>(stats.protocol_errors),
                   static_cast<unsigned long long>(stats.slow_client_disconnects),
                   static_cast<unsigned long long>(stats.keep_alive_timeouts),
                   static_cast<unsigned long long>(stats.session_takeovers),
                   static_cast<unsigned long long>(stats.connections_rejected));
    }
    if (stats.connections != 0) Fail("connections left after Run() returned");
    for (auto& c : clients_)
      if (c && !c->pipe->broker_closed) Fail("a connection not closed by Stop()");
  }

  const BrokerOptions options_;
  const bool hooks_;
  const bool batch_;
  // MQTT_SESSION_FUZZ_TRACE=1: the operations and the broker's counters on stderr.
  const bool trace_ = std::getenv("MQTT_SESSION_FUZZ_TRACE") != nullptr;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::unique_ptr<Broker> broker_;
  std::array<std::unique_ptr<Client>, kSlots> clients_;
  uint64_t serials_ = 0;
  size_t chunk_ = 0;
  // Every filter each client asked for (and the hooks allow), by Client::Key().
  std::map<std::string, std::set<std::string>> subscribed_;
  std::map<std::pair<std::string, std::string>, int> hook_subscriptions_;
  std::map<uint64_t, RunModel> runs_;  // by connection serial
};

}  // namespace

// libFuzzer reads its flags after this returns. An input of this target
// reaches tens of thousands of features, and the entropic schedule's
// bookkeeping per feature and run would then take most of the time, so it
// is off unless the command line says otherwise.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  spdlog::set_level(spdlog::level::off);
  static std::vector<char*> args;
  static char entropic_off[] = "-entropic=0";
  args.assign(*argv, *argv + *argc);
  for (char* arg : args)
    if (std::string_view(arg).starts_with("-entropic=")) return 0;
  args.insert(args.begin() + 1, entropic_off);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size() - 1);
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4 || size > 8192) return -1;
  Harness harness(ReadConfig(data));
  std::string_view in(reinterpret_cast<const char*>(data) + 4, size - 4);
  while (harness.Step(&in)) {
  }
  return 0;
}
