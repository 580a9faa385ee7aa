#include "mqtt/broker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <random>
#include <thread>
#include <utility>

#include "common/event_loop.h"
#include "mqtt/broker_core.h"
#include "mqtt/topic.h"

namespace fundament::mqtt {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Pause before accepting again after accept() failed (e.g. out of descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

QoS MinQoS(QoS a, QoS b) { return static_cast<uint8_t>(a) < static_cast<uint8_t>(b) ? a : b; }

// A prefix no two broker instances are likely to share, so that generated
// identifiers stay unique across restarts too (a persistent session of
// another client must not be picked up by accident).
std::string RandomPrefix() {
  std::random_device device;
  std::mt19937_64 engine((static_cast<uint64_t>(device()) << 32) ^ device());
  return fmt::format("fundament-{:012x}-", engine() & 0xFFFFFFFFFFFFull);
}

Error Unavailable(std::string message) { return Error{ErrorCode::kUnavailable, std::move(message), {}}; }

Result<tcp::endpoint> ResolveEndpoint(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  net::io_context context;
  tcp::resolver resolver(context);
  auto results = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    return Unavailable("cannot resolve MQTT listen address '" + host + "': " + ec.message());
  return results.begin()->endpoint();
}

}  // namespace

// ---------------------------------------------------------------------------
// Broker::Core

Broker::Core::Core(BrokerOptions options) : options_(std::move(options)), client_id_prefix_(RandomPrefix()) {
  if (!options_.hook_executor && options_.hook_threads > 0)
    hook_pool_ = std::make_unique<net::thread_pool>(static_cast<size_t>(options_.hook_threads));
}

Broker::Core::~Core() {
  // Connections still queued in io_ are destroyed with it; they must not
  // schedule anything on the dying io_context.
  destroying_ = true;
}

net::any_io_executor Broker::Core::hook_executor() {
  if (options_.hook_executor) return options_.hook_executor;
  if (hook_pool_) return hook_pool_->get_executor();
  return {};
}

std::string Broker::Core::GenerateClientId() {
  return client_id_prefix_ + std::to_string(generated_ids_.fetch_add(1) + 1);
}

Status Broker::Core::Start() {
  if (!options_.listen) {
    work_.emplace(io_.get_executor());
    return Status::Ok();
  }
  FUNDAMENT_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ResolveEndpoint(options_.address, options_.port));
  boost::system::error_code ec;
  auto fail = [&](const char* what) {
    return Unavailable(
        fmt::format("cannot {} {}:{} for MQTT: {}", what, options_.address, options_.port, ec.message()));
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  // Lets a restarted broker bind while old connections linger in TIME_WAIT;
  // on Linux it does not let two listeners share a port.
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  tcp::endpoint local = acceptor_.local_endpoint(ec);
  if (ec) return fail("query the bound address of");
  bound_port_ = local.port();
  bound_address_ = local.address().to_string();
  work_.emplace(io_.get_executor());
  net::dispatch(strand_, [this] { AcceptNext(); });
  return Status::Ok();
}

void Broker::Core::AcceptNext() {
  acceptor_.async_accept(net::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("accepting an MQTT connection failed: {}", ec.message());
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) AcceptNext();
      });
      return;
    }
    Status accepted = AcceptTransport(std::make_unique<TcpTransport>(std::move(socket)));
    if (!accepted.ok()) spdlog::debug("MQTT connection refused: {}", accepted.error().message);
    AcceptNext();
  });
}

Status Broker::Core::Accept(std::unique_ptr<Transport> transport) {
  return AcceptTransport(std::move(transport));
}

Status Broker::Core::AcceptTransport(std::unique_ptr<Transport> transport) {
  std::shared_ptr<Connection> connection;
  std::string refusal;
  std::shared_ptr<Transport> refused;
  {
    std::lock_guard lock(connections_mutex_);
    // Checked under the same mutex that BeginShutdown takes to list the
    // connections, so a connection is either refused or told to shut down.
    if (stopping_) {
      refusal = "the MQTT broker is shutting down";
      refused = std::move(transport);
    } else if (connections_.size() >= options_.max_connections) {
      refusal = fmt::format("the MQTT broker has its maximum of {} connections", options_.max_connections);
      refused = std::move(transport);
    } else {
      uint64_t id = next_connection_id_++;
      connection = std::make_shared<Connection>(*this, id, std::move(transport));
      connections_.emplace(id, connection);
    }
  }
  if (refused) {
    BrokerCounters::Add(counters_.connections_rejected);
    // The transport is used on its own executor only (transport.h).
    net::any_io_executor executor = refused->executor();
    net::post(executor, [refused] { refused->Close(); });
    return Unavailable(refusal);
  }
  BrokerCounters::Add(counters_.connections_total);
  connection->Start();
  return Status::Ok();
}

void Broker::Core::OnConnectionEnded(uint64_t connection_id) {
  ending_calls_.fetch_add(1);
  bool last;
  {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection_id);
    last = connections_.empty();
  }
  if (last && stopping_ && !destroying_) net::post(strand_, [this] { FinishShutdown(); });
  ending_calls_.fetch_sub(1);
}

std::vector<std::shared_ptr<Connection>> Broker::Core::OpenConnections() {
  std::vector<std::shared_ptr<Connection>> open;
  std::lock_guard lock(connections_mutex_);
  for (auto& [id, weak] : connections_)
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  return open;
}

void Broker::Core::Run() {
  RunEventLoop(io_, options_.threads, "MQTT");
  if (hook_pool_) hook_pool_->join();
  // The post in OnConnectionEnded can let the loop finish while the posting
  // thread still holds a copy of the strand; wait until it has let go.
  while (ending_calls_.load() != 0) std::this_thread::yield();
}

void Broker::Core::Stop() {
  if (stopping_.exchange(true)) return;
  net::post(strand_, [this] { BeginShutdown(); });
}

void Broker::Core::BeginShutdown() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  std::vector<std::shared_ptr<Connection>> open = OpenConnections();
  if (open.empty()) return FinishShutdown();
  spdlog::info("MQTT broker shutting down: closing {} connection(s)", open.size());
  for (auto& connection : open) connection->Shutdown();
  open.clear();
  shutdown_deadline_.expires_after(options_.shutdown_timeout);
  shutdown_deadline_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // every connection ended in time
    std::vector<std::shared_ptr<Connection>> left = OpenConnections();
    if (left.empty()) return;
    spdlog::warn("MQTT shutdown timeout: closing {} connection(s) at once", left.size());
    for (auto& connection : left) connection->Abort();
  });
}

void Broker::Core::FinishShutdown() {
  if (shutdown_finished_) return;
  {
    std::lock_guard lock(connections_mutex_);
    if (!connections_.empty()) return;
  }
  shutdown_finished_ = true;
  shutdown_deadline_.cancel();
  work_.reset();
}

// --- Hooks ------------------------------------------------------------------

ConnectReturnCode Broker::Core::CallOnConnect(const ClientInfo& client, const Connect& connect) {
  if (!options_.hooks.on_connect) return ConnectReturnCode::kAccepted;
  try {
    return options_.hooks.on_connect(client, connect);
  } catch (const std::exception& e) {
    spdlog::error("MQTT on_connect hook failed for client '{}': {}", client.client_id, e.what());
  } catch (...) {
    spdlog::error("MQTT on_connect hook failed for client '{}' with an exception of unknown type",
                  client.client_id);
  }
  return ConnectReturnCode::kServerUnavailable;
}

PublishDecision Broker::Core::CallOnPublish(const ClientInfo& client, const mqtt::Publish& publish) {
  if (!options_.hooks.on_publish) return PublishDecision::kRoute;
  try {
    return options_.hooks.on_publish(client, publish);
  } catch (const std::exception& e) {
    spdlog::error("MQTT on_publish hook failed for client '{}': {}", client.client_id, e.what());
  } catch (...) {
    spdlog::error("MQTT on_publish hook failed for client '{}' with an exception of unknown type",
                  client.client_id);
  }
  return PublishDecision::kDisconnect;
}

std::vector<PublishDecision> Broker::Core::CallOnPublishBatch(const ClientInfo& client,
                                                              std::span<const mqtt::Publish> run) {
  std::vector<PublishDecision> decisions;
  if (!options_.hooks.on_publish_batch) {
    decisions.assign(run.size(), PublishDecision::kRoute);
    return decisions;
  }
  try {
    decisions = options_.hooks.on_publish_batch(client, run);
    if (decisions.size() != run.size()) {
      spdlog::error("MQTT on_publish_batch hook returned {} decisions for {} messages of client '{}'",
                    decisions.size(), run.size(), client.client_id);
    }
  } catch (const std::exception& e) {
    spdlog::error("MQTT on_publish_batch hook failed for client '{}': {}", client.client_id, e.what());
    decisions.clear();
  } catch (...) {
    spdlog::error("MQTT on_publish_batch hook failed for client '{}' with an exception of unknown type",
                  client.client_id);
    decisions.clear();
  }
  decisions.resize(run.size(), PublishDecision::kDisconnect);
  return decisions;
}

PublishDecision Broker::Core::DecideWill(const ClientInfo& client, const mqtt::Publish& will) {
  if (options_.hooks.on_publish_batch) return CallOnPublishBatch(client, std::span(&will, 1)).front();
  return CallOnPublish(client, will);
}

bool Broker::Core::CallOnSubscribe(const ClientInfo& client, const std::string& filter, QoS requested) {
  if (!options_.hooks.on_subscribe) return true;
  try {
    return options_.hooks.on_subscribe(client, filter, requested);
  } catch (const std::exception& e) {
    spdlog::error("MQTT on_subscribe hook failed for client '{}': {}", client.client_id, e.what());
  } catch (...) {
    spdlog::error("MQTT on_subscribe hook failed for client '{}' with an exception of unknown type",
                  client.client_id);
  }
  return false;
}

void Broker::Core::CallOnUnsubscribe(const ClientInfo& client, const std::vector<std::string>& filters) {
  if (!options_.hooks.on_unsubscribe) return;
  for (const std::string& filter : filters) {
    try {
      options_.hooks.on_unsubscribe(client, filter);
    } catch (const std::exception& e) {
      spdlog::error("MQTT on_unsubscribe hook failed for client '{}': {}", client.client_id, e.what());
    } catch (...) {
      spdlog::error("MQTT on_unsubscribe hook failed for client '{}' with an exception of unknown type",
                    client.client_id);
    }
  }
}

void Broker::Core::NotifyUnsubscribed(const ClientInfo& client, std::vector<std::string> filters) {
  if (!options_.hooks.on_unsubscribe || filters.empty()) return;
  net::any_io_executor executor = hook_executor();
  if (!executor) return CallOnUnsubscribe(client, filters);
  // Runs after the connection and perhaps the broker are gone, so it holds
  // only copies.
  net::post(executor, [hook = options_.hooks.on_unsubscribe, client, filters = std::move(filters)] {
    for (const std::string& filter : filters) {
      try {
        hook(client, filter);
      } catch (const std::exception& e) {
        spdlog::error("MQTT on_unsubscribe hook failed for client '{}': {}", client.client_id, e.what());
      } catch (...) {
        spdlog::error("MQTT on_unsubscribe hook failed for client '{}' with an exception of unknown type",
                      client.client_id);
      }
    }
  });
}

// --- Sessions and routing ----------------------------------------------------

std::vector<std::string> Broker::Core::DropSessionLocked(const SessionPtr& session) {
  std::vector<std::string> filters;
  filters.reserve(session->subscriptions.size());
  for (const auto& [filter, qos] : session->subscriptions) {
    tree_.Erase(filter, session->serial);
    filters.push_back(filter);
  }
  session->subscriptions.clear();
  session->connection_id = 0;
  session->connection.reset();
  serials_.erase(session->serial);
  auto it = sessions_.find(session->client_id);
  if (it != sessions_.end() && it->second == session) sessions_.erase(it);
  return filters;
}

Broker::Core::OpenResult Broker::Core::OpenSession(const std::shared_ptr<Connection>& connection,
                                                   uint64_t connection_id, const ClientInfo& client) {
  OpenResult result;
  std::shared_ptr<Connection> previous;
  std::vector<std::string> discarded;
  ClientInfo discarded_client;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      result.code = ConnectReturnCode::kServerUnavailable;
      return result;
    }
    SessionPtr session;
    if (auto it = sessions_.find(client.client_id); it != sessions_.end()) {
      session = it->second;
      if (session->connection_id != 0) {
        previous = session->connection.lock();
        BrokerCounters::Add(counters_.session_takeovers);
      }
      // A clean session lasts only as long as its connection [MQTT-3.1.2-6],
      // and a CONNECT with clean session discards the state there was.
      if (client.clean_session || session->clean) {
        discarded_client = session->client;
        discarded = DropSessionLocked(session);
        session.reset();
      }
    }
    if (session) {
      result.session_present = true;
    } else {
      if (sessions_.size() >= options_.max_sessions) {
        result.code = ConnectReturnCode::kServerUnavailable;
      } else {
        QueueLimits limits{options_.max_queued_messages, options_.max_queued_bytes,
                           std::clamp<size_t>(options_.max_inflight, 1, 65535)};
        session = std::make_shared<SessionRecord>(next_serial_++, client.client_id, limits);
        sessions_.emplace(client.client_id, session);
        serials_.emplace(session->serial, session.get());
      }
    }
    if (session) {
      session->clean = client.clean_session;
      session->client = client;
      session->connection_id = connection_id;
      session->connection = connection;
      session->notify_pending = false;
      session->overflowed = false;
      session->queue.MarkForResend();
      result.session = std::move(session);
    }
  }
  if (previous) previous->TakeOver();
  NotifyUnsubscribed(discarded_client, std::move(discarded));
  return result;
}

bool Broker::Core::CloseSession(const SessionPtr& session, uint64_t connection_id) {
  std::vector<std::string> filters;
  ClientInfo client;
  {
    std::lock_guard lock(mutex_);
    if (session->connection_id != connection_id) return false;
    if (session->clean) {
      client = session->client;
      filters = DropSessionLocked(session);
    } else {
      session->connection_id = 0;
      session->connection.reset();
      session->notify_pending = false;
      // An offline session keeps QoS 1 messages only (§3.1.2.4 makes QoS 0
      // ones optional), so a client that is away cannot pin memory with them.
      BrokerCounters::Add(counters_.messages_dropped, session->queue.DropQoS0());
    }
  }
  NotifyUnsubscribed(client, std::move(filters));
  return true;
}

void Broker::Core::StoreRetainedLocked(const MessagePtr& message) {
  auto it = retained_.find(message->topic);
  if (it != retained_.end()) {
    retained_bytes_ -= it->second->size();
    retained_.erase(it);
  }
  // An empty retained message clears the topic and is not stored
  // [MQTT-3.3.1-10], [MQTT-3.3.1-11].
  if (message->payload.empty()) return;
  if (retained_.size() >= options_.max_retained_messages ||
      message->size() >
          options_.max_retained_bytes - std::min(options_.max_retained_bytes, retained_bytes_)) {
    BrokerCounters::Add(counters_.retained_dropped);
    spdlog::warn("MQTT retained message store full: not retaining the message on '{}'", message->topic);
    return;
  }
  retained_bytes_ += message->size();
  retained_.emplace(message->topic, message);
}

std::vector<MessagePtr> Broker::Core::RetainedMatchingLocked(std::string_view filter) const {
  std::vector<MessagePtr> matching;
  // A matching topic starts with the filter's levels before its first
  // wildcard, so only the retained topics in that range of the ordered map
  // are looked at. The '/' before the wildcard is left out of the prefix, as
  // "a/#" also matches "a" (§4.7.1.2).
  std::string_view prefix = filter.substr(0, filter.find_first_of("+#"));
  if (prefix.size() < filter.size() && !prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  for (auto it = retained_.lower_bound(prefix); it != retained_.end() && it->first.starts_with(prefix);
       ++it) {
    if (TopicMatches(filter, it->first)) matching.push_back(it->second);
  }
  return matching;
}

void Broker::Core::Route(const MessagePtr& message) {
  std::vector<std::shared_ptr<Connection>> wake;
  std::vector<std::shared_ptr<Connection>> slow;
  {
    std::lock_guard lock(mutex_);
    BrokerCounters::Add(counters_.messages_published);
    if (message->retain) StoreRetainedLocked(message);
    matches_.clear();
    tree_.Match(message->topic, &matches_);
    // One delivery per session, at the highest QoS of its matching
    // subscriptions [MQTT-3.3.5-1].
    if (matches_.size() > 1) {
      std::sort(matches_.begin(), matches_.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first
                                  : static_cast<int>(a.second) > static_cast<int>(b.second);
      });
      matches_.erase(std::unique(matches_.begin(), matches_.end(),
                                 [](const auto& a, const auto& b) { return a.first == b.first; }),
                     matches_.end());
    }
    for (const auto& [serial, granted] : matches_) {
      auto found = serials_.find(serial);
      if (found == serials_.end()) continue;
      SessionRecord& session = *found->second;
      const QoS qos = MinQoS(message->qos, granted);
      const bool online = session.connection_id != 0;
      if (!online && qos == QoS::kAtMostOnce) continue;
      // [MQTT-3.3.1-9]: RETAIN is 0 towards established subscriptions.
      if (!session.queue.Push(message, qos, /*retain=*/false)) {
        BrokerCounters::Add(counters_.messages_dropped);
        if (online && options_.overflow_policy == OverflowPolicy::kDisconnect && !session.overflowed) {
          if (auto connection = session.connection.lock()) {
            session.overflowed = true;
            slow.push_back(std::move(connection));
          }
        }
        continue;
      }
      if (online && !session.notify_pending) {
        if (auto connection = session.connection.lock()) {
          session.notify_pending = true;
          wake.push_back(std::move(connection));
        }
      }
    }
  }
  for (auto& connection : wake) connection->Notify();
  for (auto& connection : slow) connection->DisconnectSlow();
}

std::vector<SubackReturnCode> Broker::Core::Subscribe(const SessionPtr& session, uint64_t connection_id,
                                                      const std::vector<Subscription>& subscriptions,
                                                      const std::vector<bool>& allowed,
                                                      std::vector<std::string>* not_applied) {
  std::vector<SubackReturnCode> codes;
  codes.reserve(subscriptions.size());
  std::lock_guard lock(mutex_);
  const bool attached = session->connection_id == connection_id;
  for (size_t i = 0; i < subscriptions.size(); ++i) {
    const Subscription& subscription = subscriptions[i];
    if (!allowed[i]) {
      codes.push_back(SubackReturnCode::kFailure);
      continue;
    }
    const bool exists = session->subscriptions.contains(subscription.topic_filter);
    if (!attached || (!exists && session->subscriptions.size() >= options_.max_subscriptions_per_client)) {
      codes.push_back(SubackReturnCode::kFailure);
      not_applied->push_back(subscription.topic_filter);
      continue;
    }
    const QoS granted = MinQoS(subscription.qos, QoS::kAtLeastOnce);
    // A subscription to the same filter is replaced [MQTT-3.8.4-3].
    session->subscriptions[subscription.topic_filter] = granted;
    tree_.Insert(subscription.topic_filter, session->serial, granted);
    codes.push_back(granted == QoS::kAtMostOnce ? SubackReturnCode::kGrantedQoS0
                                                : SubackReturnCode::kGrantedQoS1);
    // The retained messages the new subscription matches, RETAIN set
    // [MQTT-3.3.1-6], [MQTT-3.3.1-8]. They go through the bounded queue like
    // any delivery; those that do not fit are dropped, whatever the overflow
    // policy, since a subscription matching many topics is no slow client.
    for (const MessagePtr& message : RetainedMatchingLocked(subscription.topic_filter)) {
      if (!session->queue.Push(message, MinQoS(message->qos, granted), /*retain=*/true))
        BrokerCounters::Add(counters_.messages_dropped);
    }
  }
  return codes;
}

std::vector<std::string> Broker::Core::Unsubscribe(const SessionPtr& session, uint64_t connection_id,
                                                   const std::vector<std::string>& filters) {
  std::vector<std::string> removed;
  std::lock_guard lock(mutex_);
  if (session->connection_id != connection_id) return removed;
  for (const std::string& filter : filters) {
    if (session->subscriptions.erase(filter) == 0) continue;
    tree_.Erase(filter, session->serial);
    removed.push_back(filter);
  }
  return removed;
}

void Broker::Core::Ack(const SessionPtr& session, uint64_t connection_id, uint16_t packet_id) {
  std::lock_guard lock(mutex_);
  if (session->connection_id != connection_id) return;
  if (!session->queue.Ack(packet_id)) {
    spdlog::debug("MQTT client '{}' acknowledged packet id {}, which is not in flight", session->client_id,
                  packet_id);
  }
}

void Broker::Core::TakeDeliveries(const SessionPtr& session, uint64_t connection_id, size_t max_bytes,
                                  std::vector<Delivery>* out) {
  std::lock_guard lock(mutex_);
  if (session->connection_id != connection_id) return;
  session->notify_pending = false;
  size_t bytes = 0;
  while (bytes < max_bytes) {
    std::optional<Delivery> delivery = session->queue.Pop();
    if (!delivery) break;
    bytes += delivery->message->size();
    out->push_back(std::move(*delivery));
  }
}

Status Broker::Core::Publish(std::string_view topic, std::string_view payload, QoS qos, bool retain) {
  FUNDAMENT_RETURN_IF_ERROR(ValidateTopicName(topic));
  if (static_cast<uint8_t>(qos) > 2) return BadRequest("QoS must be 0, 1 or 2");
  // The PUBLISH a subscriber would get: fixed header (at most 5 bytes),
  // topic with its length, packet id, payload.
  if (5 + 2 + topic.size() + 2 + payload.size() > options_.max_packet_size) {
    return Error{ErrorCode::kPayloadTooLarge,
                 fmt::format("an MQTT message of {} bytes exceeds the broker's packet size limit of {} bytes",
                             topic.size() + payload.size(), options_.max_packet_size),
                 {}};
  }
  if (stopping_) return Unavailable("the MQTT broker is shutting down");
  auto message = std::make_shared<Message>();
  message->topic = std::string(topic);
  message->payload = std::string(payload);
  message->qos = qos;
  message->retain = retain;
  Route(std::move(message));
  return Status::Ok();
}

bool Broker::Core::HasSubscriber(std::string_view topic) const {
  std::lock_guard lock(mutex_);
  return tree_.HasMatch(topic);
}

BrokerStats Broker::Core::Stats() const {
  BrokerStats stats;
  auto load = [](const std::atomic<uint64_t>& counter) { return counter.load(std::memory_order_relaxed); };
  stats.connections_total = load(counters_.connections_total);
  stats.connections_rejected = load(counters_.connections_rejected);
  stats.messages_received = load(counters_.messages_received);
  stats.messages_published = load(counters_.messages_published);
  stats.messages_sent = load(counters_.messages_sent);
  stats.messages_dropped = load(counters_.messages_dropped);
  stats.retained_dropped = load(counters_.retained_dropped);
  stats.bytes_received = load(counters_.bytes_received);
  stats.bytes_sent = load(counters_.bytes_sent);
  stats.protocol_errors = load(counters_.protocol_errors);
  stats.slow_client_disconnects = load(counters_.slow_client_disconnects);
  stats.keep_alive_timeouts = load(counters_.keep_alive_timeouts);
  stats.session_takeovers = load(counters_.session_takeovers);
  {
    std::lock_guard lock(mutex_);
    stats.sessions = sessions_.size();
    stats.subscriptions = tree_.size();
    stats.retained_messages = retained_.size();
  }
  {
    std::lock_guard lock(connections_mutex_);
    stats.connections = connections_.size();
  }
  return stats;
}

// ---------------------------------------------------------------------------
// Broker

Broker::Broker(BrokerOptions options) : core_(std::make_unique<Core>(std::move(options))) {}
Broker::~Broker() = default;

Status Broker::Start() { return core_->Start(); }
uint16_t Broker::port() const { return core_->port(); }
std::string Broker::address() const { return core_->address(); }
void Broker::Run() { core_->Run(); }
void Broker::Stop() { core_->Stop(); }
bool Broker::stopping() const { return core_->stopping(); }
Status Broker::Accept(std::unique_ptr<Transport> transport) { return core_->Accept(std::move(transport)); }
Status Broker::Publish(std::string_view topic, std::string_view payload, QoS qos, bool retain) {
  return core_->Publish(topic, payload, qos, retain);
}
bool Broker::HasSubscriber(std::string_view topic) const { return core_->HasSubscriber(topic); }
BrokerStats Broker::Stats() const { return core_->Stats(); }

}  // namespace fundament::mqtt
