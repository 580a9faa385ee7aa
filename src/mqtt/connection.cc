// One MQTT client connection of the broker (declared in broker_core.h).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "mqtt/broker_core.h"

namespace fundament::mqtt {

namespace net = boost::asio;
using Clock = ConnectionClock;

namespace {

// Encoded answers (PUBACK, SUBACK, PINGRESP, …) waiting to be written, above
// which the connection reads nothing more from its client until they are:
// a client that sends requests and never reads the answers cannot make the
// broker buffer them without bound.
constexpr size_t kMaxPendingControlBytes = size_t{64} * 1024;

// About how many bytes of deliveries go into one write. Larger batches mean
// fewer system calls; the bound keeps the write buffer small.
constexpr size_t kMaxBatchBytes = size_t{256} * 1024;

// A write buffer that grew beyond this (a large message) is given back once
// written, so that idle connections hold little memory.
constexpr size_t kMaxRetainedWriteBuffer = size_t{64} * 1024;

std::shared_ptr<const Message> MessageFrom(Publish publish) {
  auto message = std::make_shared<Message>();
  message->topic = std::move(publish.topic);
  message->payload = std::move(publish.payload);
  message->qos = publish.qos;
  message->retain = publish.retain;
  return message;
}

}  // namespace

Connection::Connection(Broker::Core& core, uint64_t id, std::unique_ptr<Transport> transport)
    : core_(core),
      id_(id),
      transport_(std::move(transport)),
      executor_(transport_->executor()),
      decoder_(core.options().max_packet_size),
      timer_(executor_),
      write_timer_(executor_) {}

Connection::~Connection() { core_.OnConnectionEnded(id_); }

std::string Connection::Describe() const {
  std::string text = fmt::format("MQTT connection {} from {}", id_, transport_->remote());
  if (client_) text += fmt::format(" (client '{}')", client_->client_id);
  return text;
}

void Connection::Start() {
  net::post(executor_, [self = shared_from_this()] {
    if (self->phase_ == Phase::kClosed) return;  // a shutdown came first
    self->last_packet_ = Clock::now();
    self->ArmTimer(self->last_packet_ + self->core_.options().connect_timeout);
    self->Read();
  });
}

void Connection::Notify() {
  net::post(executor_, [self = shared_from_this()] { self->Flush(); });
}

void Connection::Shutdown() {
  net::post(executor_, [self = shared_from_this()] {
    if (self->phase_ == Phase::kAwaitingConnect) return self->Close(End::kShutdown);
    if (self->phase_ != Phase::kConnected) return;
    self->phase_ = Phase::kClosing;
    self->closing_end_ = End::kShutdown;
    self->Flush();
  });
}

void Connection::Abort() {
  net::post(executor_, [self = shared_from_this()] { self->Close(End::kShutdown); });
}

void Connection::TakeOver() {
  net::post(executor_, [self = shared_from_this()] {
    spdlog::debug("{}: session taken over by a new connection", self->Describe());
    self->Close(End::kTakenOver);
  });
}

void Connection::DisconnectSlow() {
  net::post(executor_, [self = shared_from_this()] {
    if (self->phase_ != Phase::kConnected && self->phase_ != Phase::kClosing) return;
    BrokerCounters::Add(self->core_.counters().slow_client_disconnects);
    spdlog::debug("{}: outgoing queue full, disconnecting the slow client", self->Describe());
    self->Close(End::kSlowClient);
  });
}

// --- Reading and handling -----------------------------------------------------

void Connection::Read() {
  if (reading_ || (phase_ != Phase::kAwaitingConnect && phase_ != Phase::kConnected)) return;
  reading_ = true;
  transport_->AsyncReadSome(
      net::buffer(read_buffer_),
      [self = shared_from_this()](boost::system::error_code ec, size_t n) { self->OnRead(ec, n); });
}

void Connection::OnRead(boost::system::error_code ec, size_t n) {
  reading_ = false;
  if (phase_ != Phase::kAwaitingConnect && phase_ != Phase::kConnected) return;
  if (ec) {
    spdlog::debug("{}: read ended: {}", Describe(), ec.message());
    return Close(End::kNetwork);
  }
  BrokerCounters::Add(core_.counters().bytes_received, n);
  unread_ = std::string_view(read_buffer_.data(), n);
  // Read ahead while a hook ran: handled once it has returned.
  if (busy_) return;
  Process();
}

void Connection::Process() {
  // One packet at a time, in order; a hook (busy_) or a phase change stops
  // the loop, and Resume or OnWrite restarts it.
  while (!busy_ && (phase_ == Phase::kAwaitingConnect || phase_ == Phase::kConnected)) {
    if (held_error_) {
      Error error = std::move(*held_error_);
      held_error_.reset();
      return OnDecodeError(error);
    }
    if (held_packet_) {
      Packet packet = std::move(*held_packet_);
      held_packet_.reset();
      Handle(std::move(packet));
      continue;
    }
    if (control_.size() >= kMaxPendingControlBytes) return;
    if (unread_.empty()) return Read();
    Result<std::optional<Packet>> next = decoder_.Next(&unread_);
    if (!next.ok()) return OnDecodeError(next.error());
    if (!next->has_value()) continue;
    last_packet_ = Clock::now();
    Handle(std::move(**next));
  }
}

void Connection::Resume() {
  if (phase_ == Phase::kClosed) return Finish();
  // While the hook ran nothing was read, so the client's silence meanwhile
  // does not count against its keep alive.
  last_packet_ = Clock::now();
  Flush();
  Process();
}

template <typename Hook, typename Then>
void Connection::Offload(Hook hook, Then then) {
  net::any_io_executor hooks = core_.hook_executor();
  if (!hooks) {
    then(hook());
    return;
  }
  busy_ = true;
  net::post(hooks, [self = shared_from_this(), hook = std::move(hook), then = std::move(then)]() mutable {
    auto result = hook();
    net::post(self->executor_, [self, then = std::move(then), result = std::move(result)]() mutable {
      self->busy_ = false;
      then(std::move(result));
      self->Resume();
    });
  });
}

void Connection::Handle(Packet packet) {
  const PacketType type = TypeOf(packet);
  if (phase_ == Phase::kAwaitingConnect) {
    if (type == PacketType::kConnect) return HandleConnect(std::get<Connect>(std::move(packet)));
    return ProtocolError(
        fmt::format("[MQTT-3.1.0-1] the first packet must be CONNECT, not {}", PacketTypeName(type)));
  }
  switch (type) {
    case PacketType::kConnect:
      return ProtocolError("[MQTT-3.1.0-2] a second CONNECT on one connection");
    case PacketType::kPublish:
      return HandlePublish(std::get<Publish>(std::move(packet)));
    case PacketType::kPuback:
      core_.Ack(session_, id_, std::get<Puback>(packet).packet_id);
      return Flush();  // the in-flight window may have room again
    case PacketType::kSubscribe:
      return HandleSubscribe(std::get<Subscribe>(std::move(packet)));
    case PacketType::kUnsubscribe:
      return HandleUnsubscribe(std::get<Unsubscribe>(std::move(packet)));
    case PacketType::kPingreq:
      return Send(Pingresp{});
    case PacketType::kDisconnect:
      will_.reset();  // [MQTT-3.14.4-3]
      return Close(End::kDisconnect);
    case PacketType::kPubrec:
    case PacketType::kPubrel:
    case PacketType::kPubcomp:
      return ProtocolError(fmt::format("{} belongs to a QoS 2 exchange, which this broker does not offer",
                                       PacketTypeName(type)));
    default:
      return ProtocolError(fmt::format("{} is sent only by a server", PacketTypeName(type)));
  }
}

void Connection::HandleConnect(Connect connect) {
  if (std::optional<ConnectReturnCode> refusal = ConnackFor(connect)) {
    spdlog::debug("{}: CONNECT refused: empty client identifier", Describe());
    return Refuse(*refusal);
  }
  auto client = std::make_shared<ClientInfo>();
  // [MQTT-3.1.3-6]: an empty identifier with clean session gets a unique one.
  client->client_id = connect.client_id.empty() ? core_.GenerateClientId() : connect.client_id;
  client->username = connect.username;
  client->remote = transport_->remote();
  client->clean_session = connect.clean_session;
  client->protocol_level = connect.protocol_level;
  client_ = client;
  keep_alive_limit_ = std::chrono::milliseconds(uint64_t{connect.keep_alive} * 1500);
  will_ = connect.will;
  if (!core_.options().hooks.on_connect) return FinishConnect(ConnectReturnCode::kAccepted);
  auto shared = std::make_shared<const Connect>(std::move(connect));
  Offload([core = &core_, client, shared] { return core->CallOnConnect(*client, *shared); },
          [this](ConnectReturnCode code) { FinishConnect(code); });
}

void Connection::FinishConnect(ConnectReturnCode code) {
  if (phase_ != Phase::kAwaitingConnect) return;  // closed while the hook ran
  if (code != ConnectReturnCode::kAccepted) {
    spdlog::debug("{}: CONNECT refused by the application (return code {})", Describe(),
                  static_cast<int>(code));
    return Refuse(code);
  }
  Broker::Core::OpenResult opened = core_.OpenSession(shared_from_this(), id_, *client_);
  if (!opened.session) {
    spdlog::debug("{}: CONNECT refused: no session available", Describe());
    return Refuse(opened.code);
  }
  session_ = std::move(opened.session);
  phase_ = Phase::kConnected;
  if (keep_alive_limit_.count() > 0) {
    ArmTimer(Clock::now() + keep_alive_limit_);
  } else {
    timer_.cancel();
  }
  spdlog::debug("{}: connected, {} session{}", Describe(), client_->clean_session ? "clean" : "persistent",
                opened.session_present ? " resumed" : "");
  Connack connack;
  // An MQTT 3.1 client knows no session-present flag (packet.h).
  connack.session_present = opened.session_present && client_->protocol_level == kProtocolLevel311;
  // The CONNACK goes out before any delivery: Flush writes answers first.
  Send(connack);
}

void Connection::HandlePublish(Publish publish) {
  BrokerCounters::Add(core_.counters().messages_received);
  if (publish.qos == QoS::kExactlyOnce) {
    return ProtocolError(fmt::format("PUBLISH with QoS 2 on '{}': this broker grants at most QoS 1",
                                     publish.topic.substr(0, 64)));
  }
  if (core_.options().hooks.on_publish_batch) return CollectRun(std::move(publish));
  if (!core_.options().hooks.on_publish) return FinishPublish(std::move(publish), PublishDecision::kRoute);
  auto shared = std::make_shared<const Publish>(std::move(publish));
  Offload([core = &core_, client = client_, shared] { return core->CallOnPublish(*client, *shared); },
          [this, shared](PublishDecision decision) { FinishPublish(*shared, decision); });
}

void Connection::FinishPublish(Publish publish, PublishDecision decision) {
  if (decision == PublishDecision::kDisconnect) {
    spdlog::debug("{}: the application closes the connection on a PUBLISH to '{}'", Describe(),
                  publish.topic.substr(0, 64));
    return Close(End::kHookDisconnect);
  }
  const uint16_t packet_id = publish.packet_id;
  const bool acknowledge = publish.qos == QoS::kAtLeastOnce;
  // Routed even when the connection closed while the hook ran: the
  // application has taken the message, and QoS 1 allows a duplicate.
  if (decision == PublishDecision::kRoute) core_.Route(MessageFrom(std::move(publish)));
  // Only now, after the hook and the routing: PUBACK means the broker has
  // accepted ownership of the message [MQTT-4.3.2-2], so an acknowledged
  // message is never one the application did not take.
  if (acknowledge) Send(Puback{packet_id});
}

void Connection::CollectRun(Publish first) {
  const BrokerOptions& options = core_.options();
  const size_t max_packets = std::max<size_t>(options.max_publish_batch, 1);
  auto run = std::make_shared<std::vector<Publish>>();
  std::vector<size_t> pings;
  size_t bytes = first.topic.size() + first.payload.size();
  run->push_back(std::move(first));
  // Only packets whose bytes are already here: a run never waits for more.
  while (run->size() < max_packets && bytes < options.max_publish_batch_bytes && !unread_.empty()) {
    Result<std::optional<Packet>> next = decoder_.Next(&unread_);
    if (!next.ok()) {
      held_error_ = next.error();
      break;
    }
    if (!next->has_value()) continue;
    last_packet_ = Clock::now();
    Packet& packet = **next;
    if (Publish* publish = std::get_if<Publish>(&packet);
        publish != nullptr && publish->qos != QoS::kExactlyOnce) {
      BrokerCounters::Add(core_.counters().messages_received);
      bytes += publish->topic.size() + publish->payload.size();
      run->push_back(std::move(*publish));
      continue;
    }
    if (std::holds_alternative<Pingreq>(packet)) {
      pings.push_back(run->size());
      continue;
    }
    held_packet_ = std::move(packet);
    break;
  }
  Offload([core = &core_, client = client_, run] { return core->CallOnPublishBatch(*client, *run); },
          [this, run, pings = std::move(pings)](const std::vector<PublishDecision>& decisions) {
            FinishRun(*run, decisions, pings);
          });
  // With the buffer handled, the next bytes are read while the hook runs;
  // they wait for it (OnRead) and make the next run.
  if (busy_ && unread_.empty() && !held_packet_ && !held_error_) Read();
}

void Connection::FinishRun(std::vector<Publish>& run, const std::vector<PublishDecision>& decisions,
                           const std::vector<size_t>& pings) {
  size_t ping = 0;
  for (size_t i = 0; i < run.size(); ++i) {
    for (; ping < pings.size() && pings[ping] == i; ++ping) Send(Pingresp{});
    FinishPublish(std::move(run[i]), decisions[i]);
    // The connection is closing: nothing after this packet is handled.
    if (decisions[i] == PublishDecision::kDisconnect) return;
  }
  for (; ping < pings.size(); ++ping) Send(Pingresp{});
}

void Connection::HandleSubscribe(Subscribe subscribe) {
  auto shared = std::make_shared<const Subscribe>(std::move(subscribe));
  const bool asked = static_cast<bool>(core_.options().hooks.on_subscribe);
  auto apply = [this, shared, asked](const std::vector<bool>& allowed) {
    std::vector<std::string> not_applied;
    Suback suback;
    suback.packet_id = shared->packet_id;
    suback.return_codes = core_.Subscribe(session_, id_, shared->subscriptions, allowed, &not_applied);
    // The application heard of these as wanted; tell it they are not.
    if (asked) core_.NotifyUnsubscribed(*client_, std::move(not_applied));
    // The SUBACK goes out before the retained messages just queued.
    Send(suback);
  };
  if (!asked) return apply(std::vector<bool>(shared->subscriptions.size(), true));
  Offload(
      [core = &core_, client = client_, shared] {
        std::vector<bool> allowed;
        allowed.reserve(shared->subscriptions.size());
        for (const Subscription& s : shared->subscriptions)
          allowed.push_back(core->CallOnSubscribe(*client, s.topic_filter, s.qos));
        return allowed;
      },
      std::move(apply));
}

void Connection::HandleUnsubscribe(const Unsubscribe& unsubscribe) {
  std::vector<std::string> removed = core_.Unsubscribe(session_, id_, unsubscribe.topic_filters);
  const uint16_t packet_id = unsubscribe.packet_id;
  if (!core_.options().hooks.on_unsubscribe || removed.empty()) return Send(Unsuback{packet_id});
  Offload(
      [core = &core_, client = client_, removed = std::move(removed)] {
        core->CallOnUnsubscribe(*client, removed);
        return true;
      },
      [this, packet_id](bool) { Send(Unsuback{packet_id}); });
}

void Connection::OnDecodeError(const Error& error) {
  BrokerCounters::Add(core_.counters().protocol_errors);
  spdlog::debug("{}: closing on a malformed packet: {}", Describe(), error.message);
  if (phase_ == Phase::kAwaitingConnect) {
    // An unsupported protocol level is answered before closing [MQTT-3.1.2-2].
    if (std::optional<ConnectReturnCode> code = ConnackFor(error)) return Refuse(*code);
  }
  Close(End::kProtocolError);
}

void Connection::ProtocolError(std::string_view message) {
  BrokerCounters::Add(core_.counters().protocol_errors);
  spdlog::debug("{}: closing on a protocol violation: {}", Describe(), message);
  Close(End::kProtocolError);
}

void Connection::Refuse(ConnectReturnCode code) {
  Connack connack;
  connack.return_code = code;
  will_.reset();
  phase_ = Phase::kClosing;
  closing_end_ = End::kRefused;
  Send(connack);  // then close [MQTT-3.2.2-5]
}

// --- Writing ------------------------------------------------------------------

void Connection::Send(const Packet& packet) {
  if (phase_ == Phase::kClosed) return;
  Status encoded = EncodeTo(packet, &control_);
  if (!encoded.ok()) {
    // The broker builds these packets itself; failing to encode one is a bug.
    spdlog::error("{}: cannot encode {}: {}", Describe(), ToString(packet), encoded.error().message);
    return Close(End::kProtocolError);
  }
  Flush();
}

void Connection::Flush() {
  if (writing_ || phase_ == Phase::kClosed) return;
  write_buffer_.clear();
  write_buffer_.swap(control_);
  if (session_ && phase_ != Phase::kAwaitingConnect) {
    core_.TakeDeliveries(session_, id_, kMaxBatchBytes, &deliveries_);
    for (const Delivery& delivery : deliveries_) {
      Status encoded = EncodeTo(delivery.ToPublish(), &write_buffer_);
      // Topics and payloads were checked when the message was routed.
      if (!encoded.ok())
        spdlog::error("{}: cannot encode a delivery: {}", Describe(), encoded.error().message);
    }
    BrokerCounters::Add(core_.counters().messages_sent, deliveries_.size());
    deliveries_.clear();
  }
  if (write_buffer_.empty()) {
    if (phase_ == Phase::kClosing && !busy_) Close(closing_end_);
    return;
  }
  writing_ = true;
  write_timer_.expires_after(core_.options().write_timeout);
  write_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->writing_ || self->phase_ == Phase::kClosed) return;
    BrokerCounters::Add(self->core_.counters().slow_client_disconnects);
    spdlog::debug("{}: write timed out, disconnecting the client", self->Describe());
    self->Close(End::kWriteTimeout);
  });
  transport_->AsyncWrite(
      net::buffer(write_buffer_),
      [self = shared_from_this()](boost::system::error_code ec, size_t n) { self->OnWrite(ec, n); });
}

void Connection::OnWrite(boost::system::error_code ec, size_t n) {
  writing_ = false;
  write_timer_.cancel();
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    spdlog::debug("{}: write failed: {}", Describe(), ec.message());
    return Close(End::kNetwork);
  }
  BrokerCounters::Add(core_.counters().bytes_sent, n);
  if (write_buffer_.capacity() > kMaxRetainedWriteBuffer) std::string().swap(write_buffer_);
  Flush();
  Process();  // reading may have waited for answers to be written
}

// --- Timers ---------------------------------------------------------------------

void Connection::ArmTimer(Clock::time_point deadline) {
  if (phase_ == Phase::kClosed) return;  // a pending wait would keep the connection alive
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) { self->OnTimer(ec); });
}

void Connection::OnTimer(boost::system::error_code ec) {
  if (ec || (phase_ != Phase::kAwaitingConnect && phase_ != Phase::kConnected)) return;
  const Clock::time_point now = Clock::now();
  if (phase_ == Phase::kAwaitingConnect) {
    // A CONNECT is in and on_connect is still deciding: not the client's delay.
    if (busy_) return ArmTimer(now + core_.options().connect_timeout);
    const Clock::time_point deadline = last_packet_ + core_.options().connect_timeout;
    if (now < deadline) return ArmTimer(deadline);
    spdlog::debug("{}: no CONNECT within {} ms", Describe(), core_.options().connect_timeout.count());
    return Close(End::kConnectTimeout);
  }
  if (keep_alive_limit_.count() == 0) return;
  if (busy_) return ArmTimer(now + keep_alive_limit_);
  const Clock::time_point deadline = last_packet_ + keep_alive_limit_;
  if (now < deadline) return ArmTimer(deadline);
  // [MQTT-3.1.2-24]: nothing for 1.5 times the keep alive.
  BrokerCounters::Add(core_.counters().keep_alive_timeouts);
  spdlog::debug("{}: keep alive expired", Describe());
  Close(End::kKeepAlive);
}

// --- Ending -----------------------------------------------------------------------

void Connection::Close(End end) {
  if (phase_ == Phase::kClosed) return;
  // [MQTT-3.1.2-8]: the will is for connections that end without DISCONNECT;
  // not for a refused one, one whose session moved on, or at shutdown.
  const bool abnormal =
      end != End::kDisconnect && end != End::kRefused && end != End::kTakenOver && end != End::kShutdown;
  publish_will_ = abnormal && will_.has_value() && session_ != nullptr && !core_.stopping();
  phase_ = Phase::kClosed;
  timer_.cancel();
  write_timer_.cancel();
  transport_->Close();
  // The session is let go only once no hook of this connection runs, so
  // that its hooks and the session's end come in order.
  if (!busy_) Finish();
}

void Connection::Finish() {
  if (finished_) return;
  finished_ = true;
  const bool attached = session_ && core_.CloseSession(session_, id_);
  if (publish_will_ && attached) PublishWill();
}

void Connection::PublishWill() {
  Publish will;
  will.topic = will_->topic;
  will.payload = will_->message;
  will.qos = will_->qos;
  will.retain = will_->retain;
  spdlog::debug("{}: publishing its will on '{}'", Describe(), will.topic.substr(0, 64));
  if (!core_.options().hooks.on_publish && !core_.options().hooks.on_publish_batch)
    return core_.Route(MessageFrom(std::move(will)));
  auto run = [self = shared_from_this(), will = std::move(will)]() mutable {
    if (self->core_.DecideWill(*self->client_, will) == PublishDecision::kRoute)
      self->core_.Route(MessageFrom(std::move(will)));
  };
  net::any_io_executor hooks = core_.hook_executor();
  if (!hooks) return run();
  net::post(hooks, std::move(run));
}

}  // namespace fundament::mqtt
