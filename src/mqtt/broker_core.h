// Internal to the mqtt module: the parts of the broker behind broker.h.
//
// Broker::Core owns the listener, the io_context, the table of connections
// and the routing state: the sessions by client identifier, the subscription
// tree and the retained messages, all guarded by one mutex (`mutex_`). That
// mutex is held only for in-memory bookkeeping — never during I/O, encoding
// of packets or a hook — so one lock per routed message is cheap next to the
// socket writes it causes.
//
// Connection is one client connection: it reads and decodes packets, runs
// the protocol state machine, and writes what the core has queued for its
// session. All of a Connection's work runs on its transport's executor; the
// core reaches it only through the thread-safe Notify/Shutdown/Abort/
// TakeOver/DisconnectSlow, which post to that executor.
//
// A session (SessionRecord) outlives connections when it is persistent; it
// knows its attached connection by id. Every call from a connection into the
// core names the connection's id, and the core ignores a connection whose
// session has since been taken over or discarded, so a late packet from a
// dying connection can never touch the session of its successor.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/clock.h"
#include "mqtt/codec.h"
#include "mqtt/outbound_queue.h"
#include "mqtt/subscription_tree.h"

namespace fundament::mqtt {

class Connection;

// The state of one session (§4.1) kept by the broker. Guarded by the core's
// mutex, except `serial` and `client_id`, which never change.
struct SessionRecord {
  SessionRecord(SubscriberId serial, std::string client_id, QueueLimits limits)
      : serial(serial), client_id(std::move(client_id)), queue(limits) {}

  const SubscriberId serial;
  const std::string client_id;
  bool clean = true;
  ClientInfo client;                         // of the last connection
  std::map<std::string, QoS> subscriptions;  // filter -> granted QoS
  OutboundQueue queue;
  uint64_t connection_id = 0;  // the attached connection; 0 while offline or once discarded
  std::weak_ptr<Connection> connection;
  bool notify_pending = false;  // a Notify is on its way to the connection
  bool overflowed = false;      // a slow-client disconnect is on its way
};
using SessionPtr = std::shared_ptr<SessionRecord>;

// The broker's event counters; relaxed atomics, read by Stats().
struct BrokerCounters {
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> messages_published{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> messages_dropped{0};
  std::atomic<uint64_t> retained_dropped{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> slow_client_disconnects{0};
  std::atomic<uint64_t> keep_alive_timeouts{0};
  std::atomic<uint64_t> session_takeovers{0};

  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
};

class Broker::Core {
 public:
  explicit Core(BrokerOptions options);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // The implementations of Broker's members.
  Status Start();
  void Run();
  void Stop();
  bool stopping() const { return stopping_.load(); }
  uint16_t port() const { return bound_port_; }
  const std::string& address() const { return bound_address_; }
  Status Accept(std::unique_ptr<Transport> transport);
  Status Publish(std::string_view topic, std::string_view payload, QoS qos, bool retain);
  bool HasSubscriber(std::string_view topic) const;
  BrokerStats Stats() const;

  // --- For connections ---

  const BrokerOptions& options() const { return options_; }
  BrokerCounters& counters() { return counters_; }
  // Where hooks run; empty: inline on the calling (network) thread.
  boost::asio::any_io_executor hook_executor();
  // A client identifier for a client that sent an empty one: unique for the
  // broker's life and unlike the identifiers clients usually choose.
  std::string GenerateClientId();

  // The hooks, each guarded against exceptions (see BrokerHooks).
  ConnectReturnCode CallOnConnect(const ClientInfo& client, const Connect& connect);
  PublishDecision CallOnPublish(const ClientInfo& client, const mqtt::Publish& publish);
  // on_publish_batch; always one decision per publish.
  std::vector<PublishDecision> CallOnPublishBatch(const ClientInfo& client,
                                                  std::span<const mqtt::Publish> run);
  // Decides about a will: by on_publish_batch (a run of one) when it is set,
  // else by on_publish, else kRoute.
  PublishDecision DecideWill(const ClientInfo& client, const mqtt::Publish& will);
  bool CallOnSubscribe(const ClientInfo& client, const std::string& filter, QoS requested);
  void CallOnUnsubscribe(const ClientInfo& client, const std::vector<std::string>& filters);
  // Calls on_unsubscribe for each filter on the hook executor, not waiting.
  void NotifyUnsubscribed(const ClientInfo& client, std::vector<std::string> filters);

  struct OpenResult {
    SessionPtr session;  // null when refused
    bool session_present = false;
    ConnectReturnCode code = ConnectReturnCode::kAccepted;
  };
  // Attaches `connection` to the session of client.client_id: resumed when
  // it is persistent and the new connection asks for that, new otherwise. A
  // connection the session had is taken over.
  OpenResult OpenSession(const std::shared_ptr<Connection>& connection, uint64_t connection_id,
                         const ClientInfo& client);

  // Ends the connection's hold on its session: a clean session ends, a
  // persistent one goes offline. Returns false, doing nothing, when the
  // session was taken over or discarded meanwhile.
  bool CloseSession(const SessionPtr& session, uint64_t connection_id);

  // Routes a message to every matching subscription and handles its RETAIN
  // flag; wakes up the connections that got something to send.
  void Route(const MessagePtr& message);

  // Applies the filters of a SUBSCRIBE that `allowed` lets through, queues
  // the retained messages they match, and returns the SUBACK return codes.
  // `*not_applied` gets the allowed filters the broker could not take.
  std::vector<SubackReturnCode> Subscribe(const SessionPtr& session, uint64_t connection_id,
                                          const std::vector<Subscription>& subscriptions,
                                          const std::vector<bool>& allowed,
                                          std::vector<std::string>* not_applied);

  // Removes the session's subscriptions to `filters`; returns those it had.
  std::vector<std::string> Unsubscribe(const SessionPtr& session, uint64_t connection_id,
                                       const std::vector<std::string>& filters);

  // PUBACK from the client.
  void Ack(const SessionPtr& session, uint64_t connection_id, uint16_t packet_id);

  // Moves deliveries that can be sent now into `*out`, about `max_bytes` of
  // them (at least one if any is sendable).
  void TakeDeliveries(const SessionPtr& session, uint64_t connection_id, size_t max_bytes,
                      std::vector<Delivery>* out);

  // Called by ~Connection.
  void OnConnectionEnded(uint64_t connection_id);

 private:
  Status AcceptTransport(std::unique_ptr<Transport> transport);
  void AcceptNext();
  void BeginShutdown();
  void FinishShutdown();
  std::vector<std::shared_ptr<Connection>> OpenConnections();
  // With mutex_ held: removes a session with its subscriptions; returns its filters.
  std::vector<std::string> DropSessionLocked(const SessionPtr& session);
  void StoreRetainedLocked(const MessagePtr& message);
  // With mutex_ held: the retained messages whose topics `filter` matches.
  std::vector<MessagePtr> RetainedMatchingLocked(std::string_view filter) const;

  const BrokerOptions options_;
  BrokerCounters counters_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> destroying_{false};
  // Calls of OnConnectionEnded under way. A connection on another executor
  // ends on a thread Run() does not join; Run() waits for this to be 0, so
  // that such a thread is done with strand_ before the core can be destroyed.
  std::atomic<int> ending_calls_{0};
  uint16_t bound_port_ = 0;
  std::string bound_address_;
  const std::string client_id_prefix_;
  std::atomic<uint64_t> generated_ids_{0};

  // The routing state.
  mutable std::mutex mutex_;
  std::unordered_map<std::string, SessionPtr> sessions_;      // by client id
  std::unordered_map<SubscriberId, SessionRecord*> serials_;  // the same sessions by serial
  SubscriberId next_serial_ = 1;
  SubscriptionTree tree_;
  std::map<std::string, MessagePtr, std::less<>> retained_;  // by topic
  size_t retained_bytes_ = 0;
  std::vector<std::pair<SubscriberId, QoS>> matches_;  // scratch of Route

  mutable std::mutex connections_mutex_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;  // guarded by connections_mutex_
  uint64_t next_connection_id_ = 1;                                      // guarded by connections_mutex_

  // Declared after everything connections use, so destroyed before it.
  boost::asio::io_context io_;
  // The listener's objects and the shutdown sequence run on this strand.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_{boost::asio::make_strand(io_)};
  boost::asio::ip::tcp::acceptor acceptor_{strand_};
  boost::asio::steady_timer accept_retry_{strand_};
  boost::asio::steady_timer shutdown_deadline_{strand_};
  // Keeps Run() running while connections on other executors (Accept) and
  // hooks are still at work; released when the shutdown completes.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  bool shutdown_finished_ = false;  // on strand_
  // Declared last, so destroyed (joined) first: its queued work refers to
  // connections.
  std::unique_ptr<boost::asio::thread_pool> hook_pool_;
};

// One client connection (see the file comment). Created by the core, kept
// alive by its own pending operations and hooks.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Broker::Core& core, uint64_t id, std::unique_ptr<Transport> transport);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Begins reading; the connect timeout starts.
  void Start();

  // Thread-safe; each posts to the connection's executor.
  void Notify();          // its session has deliveries to send
  void Shutdown();        // broker stopping: finish what is under way, flush, close
  void Abort();           // broker shutdown timeout: close now
  void TakeOver();        // another connection took over the session: close, no will
  void DisconnectSlow();  // the session's queue overflowed under OverflowPolicy::kDisconnect

 private:
  enum class Phase {
    kAwaitingConnect,  // until CONNACK accepted
    kConnected,
    kClosing,  // reads and handles nothing more; writes what is queued, then closes
    kClosed,
  };
  // Why a connection ends; decides about the will.
  enum class End {
    kDisconnect,  // DISCONNECT from the client
    kRefused,     // CONNACK with a refusal
    kNetwork,     // read or write failed, or the client closed
    kProtocolError,
    kConnectTimeout,
    kKeepAlive,
    kWriteTimeout,
    kSlowClient,
    kHookDisconnect,
    kTakenOver,
    kShutdown,
  };

  void Read();
  void OnRead(boost::system::error_code ec, size_t n);
  void Process();
  void Handle(Packet packet);
  void HandleConnect(Connect connect);
  void FinishConnect(ConnectReturnCode code);
  void HandlePublish(Publish publish);
  void FinishPublish(Publish publish, PublishDecision decision);
  // Gathers the run of PUBLISH packets that begins with `first` from the
  // bytes already read and hands it to on_publish_batch.
  void CollectRun(Publish first);
  // Acts on the decisions about `run`, in packet order, with the PINGRESPs
  // of the PINGREQs read among its packets (`pings[k]`: how many of the
  // run's PUBLISH packets came before the k-th PINGREQ).
  void FinishRun(std::vector<Publish>& run, const std::vector<PublishDecision>& decisions,
                 const std::vector<size_t>& pings);
  void HandleSubscribe(Subscribe subscribe);
  void HandleUnsubscribe(const Unsubscribe& unsubscribe);
  void OnDecodeError(const Error& error);
  void ProtocolError(std::string_view message);
  void Refuse(ConnectReturnCode code);
  void Send(const Packet& packet);
  void Flush();
  void OnWrite(boost::system::error_code ec, size_t n);
  void ArmTimer(ConnectionClock::time_point deadline);
  void OnTimer(boost::system::error_code ec);
  void Close(End end);
  void Finish();
  void PublishWill();
  void Resume();
  std::string Describe() const;

  // Runs `hook` where hooks run, then `then(result)` back on the executor;
  // reading and handling pause in between.
  template <typename Hook, typename Then>
  void Offload(Hook hook, Then then);

  Broker::Core& core_;
  const uint64_t id_;
  std::unique_ptr<Transport> transport_;
  const boost::asio::any_io_executor executor_;
  Decoder decoder_;
  std::array<char, 16 * 1024> read_buffer_;
  std::string_view unread_;  // into read_buffer_
  // What ended the last run of PUBLISH packets (a packet other than PUBLISH
  // or PINGREQ, or a decoding error): handled once the run's hook has
  // returned, before any further byte.
  std::optional<Packet> held_packet_;
  std::optional<Error> held_error_;
  Phase phase_ = Phase::kAwaitingConnect;
  End closing_end_ = End::kShutdown;  // why, in kClosing
  bool reading_ = false;
  bool writing_ = false;
  bool busy_ = false;  // a hook runs for this connection
  bool finished_ = false;
  bool publish_will_ = false;
  std::string control_;       // encoded packets other than deliveries, waiting to be written
  std::string write_buffer_;  // being written
  std::vector<Delivery> deliveries_;
  ConnectionTimer timer_;        // connect timeout, then keep alive
  ConnectionTimer write_timer_;  // write timeout
  ConnectionClock::time_point last_packet_;
  std::chrono::milliseconds keep_alive_limit_{0};  // 1.5 x keep alive; 0: none
  std::shared_ptr<const ClientInfo> client_;
  SessionPtr session_;
  std::optional<Will> will_;
};

}  // namespace fundament::mqtt
