// The embedded MQTT 3.1.1 broker: accepts client connections, keeps their
// sessions, and routes application messages from publishers (clients, or the
// application itself through Broker::Publish) to the subscribers whose topic
// filters match.
//
// What it does (OASIS MQTT 3.1.1, 29 October 2014):
// - CONNECT first, within connect_timeout, and only once [MQTT-3.1.0-1],
//   [MQTT-3.1.0-2]; refusals per ConnackFor (codec.h) and the on_connect
//   hook, answered with CONNACK and a close [MQTT-3.2.2-5]. An empty client
//   identifier with clean session gets a generated one [MQTT-3.1.3-6]. A new
//   connection with the client identifier of a connected client takes over
//   its session and closes the old connection [MQTT-3.1.4-2], without the
//   old connection's will: its client is evidently alive.
// - Keep alive: a client that sends no packet for 1.5 times its keep-alive
//   is disconnected [MQTT-3.1.2-24]; PINGREQ gets PINGRESP.
// - The will is published when the connection ends other than by DISCONNECT
//   (network error, keep-alive expiry, protocol violation, write timeout,
//   slow-consumer disconnect) [MQTT-3.1.2-8], [MQTT-3.14.4-3]; not when the
//   session is taken over and not when the broker shuts down.
// - QoS 0 and 1 in both directions. SUBSCRIBE is granted min(requested, 1):
//   QoS 2 is not offered (§3.8.4 lets the Server grant less). A client
//   PUBLISH with QoS 2 closes its connection: the client had no grant of
//   QoS 2 and 3.1.1 has no way to refuse one message.
// - A message matching several subscriptions of a client is delivered once,
//   at the highest QoS of them [MQTT-3.3.5-1]; deliveries to a client keep
//   the order of routing (§4.6).
// - Retained messages: one per topic; a retained PUBLISH with an empty
//   payload clears it and is not stored [MQTT-3.3.1-10], [MQTT-3.3.1-11];
//   sent with RETAIN set on a matching new SUBSCRIBE [MQTT-3.3.1-6],
//   [MQTT-3.3.1-8], with RETAIN cleared otherwise [MQTT-3.3.1-9].
// - Sessions: a clean session ends with its connection [MQTT-3.1.2-6]; a
//   persistent one keeps its subscriptions and queued QoS 1 messages while
//   offline (up to the queue bounds; QoS 0 messages are not queued for an
//   offline client), answers CONNACK with session present [MQTT-3.2.2-2], and
//   resends unacknowledged QoS 1 messages with DUP set [MQTT-4.4.0-1].
//   Sessions live in memory only: they do not survive a restart.
// - Limits: max_packet_size (a larger packet closes the connection),
//   max_connections (a connection over it is closed at once, before CONNECT
//   is read), max_sessions (CONNACK "server unavailable"),
//   max_subscriptions_per_client (SUBACK failure 0x80 for the excess), and a
//   bounded outgoing queue per session (see OverflowPolicy). Memory per
//   connection is bounded by the read buffer, one packet being decoded, the
//   queue bounds and one write batch.
// - A malformed packet or a protocol violation closes that client's
//   connection only; it is logged at debug level and counted in
//   BrokerStats::protocol_errors.
//
// Threading: the broker runs on an io_context of its own. Run() runs it on
// `threads` threads. Each connection's work runs serialized on its
// transport's executor (for accepted TCP connections a strand of that
// io_context; for transports given to Accept whatever executor they use, e.g.
// the HTTP server's). The routing state (sessions, subscriptions, retained
// messages) is guarded by one mutex, held only for in-memory bookkeeping:
// never during I/O or a hook. Publish(), HasSubscriber(), Stats() and Stop()
// may be called from any thread.
//
// Hooks (BrokerHooks) run on `hook_executor` when set, else on a pool of
// `hook_threads` threads the broker owns, else (both unset) inline on the
// network threads, where they must be quick. Per client, hooks run one at a
// time and in packet order: while a hook for a client's packet runs, the
// broker handles nothing further from that client (deliveries to it
// continue); it reads at most one read buffer ahead, which it handles once
// the hook has returned. For QoS 1 the PUBACK is sent only after the hook
// has returned and the message has been routed, so a message is
// acknowledged only once the application has taken it (an Observation
// created). Hooks of different clients run concurrently on a multi-threaded
// executor. The calls that are notifications only — on_unsubscribe at a
// session's end, the publish hook for a will — are not waited for. Hooks may
// call Publish() and HasSubscriber(); the broker holds no lock while a hook
// runs.
//
// Runs of PUBLISH packets (on_publish_batch): when the application sets
// on_publish_batch, the broker hands it a client's PUBLISH packets in runs:
// the PUBLISH packets (QoS 0 and 1) already read from the client one after
// another — in the bytes of one read, or read while the client's previous
// hook ran — up to max_publish_batch packets and about
// max_publish_batch_bytes of topics and payloads. The broker never waits for
// more packets to fill a run: a lone PUBLISH is a run of one. PINGREQs
// between the PUBLISH packets do not end a run (they need no hook); any
// other packet, a QoS 2 PUBLISH or malformed bytes end it, and are handled
// after the run's hook has returned. Once it has, the broker acts on the
// decisions in packet order — routing, PUBACK, PINGRESP, each where its
// packet was — and stops at the first kDisconnect: the packets after it are
// neither routed nor acknowledged. So a client's answers keep the order of
// its packets, a PUBACK still follows the hook that took its message, and a
// PINGRESP means that every PUBLISH before its PINGREQ was handled.
//
// Shutdown: Stop() stops accepting, then lets every connection finish the
// hook it is running (with its PUBACK), write what is queued for it as far as
// its in-flight window allows, and closes it; Run() returns once every
// connection has ended. After shutdown_timeout the remaining connections are
// closed at once; a hook still running is waited for (a thread cannot be
// cancelled). Nothing acknowledged to a publisher is dropped by the broker
// before it has been routed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "mqtt/codec.h"
#include "mqtt/packet.h"
#include "mqtt/transport.h"

namespace fundament::mqtt {

// Who a hook is called for: a snapshot taken when the client connected.
struct ClientInfo {
  std::string client_id;  // as sent, or generated for an empty one
  std::optional<std::string> username;
  std::string remote;  // Transport::remote(), e.g. "127.0.0.1:50412"
  bool clean_session = true;
  uint8_t protocol_level = kProtocolLevel311;
};

// What the broker does with a client's PUBLISH once on_publish has seen it.
enum class PublishDecision {
  kRoute,    // deliver to the subscribers (and retain, if flagged); PUBACK for QoS 1
  kSwallow,  // deliver to nobody, but acknowledge as usual [MQTT-3.3.5-2]
  // Close the connection without acknowledging, e.g. because the store is
  // unavailable: a QoS 1 publisher sends the message again when it reconnects.
  kDisconnect,
};

// What happens when a message does not fit into a session's outgoing queue.
enum class OverflowPolicy {
  // The message is not delivered to that client (counted in
  // BrokerStats::messages_dropped); the client stays connected.
  kDropNew,
  // A connected client is disconnected as too slow (its will is published;
  // a persistent session keeps what was queued). A message to an offline
  // session that does not fit is dropped as with kDropNew.
  kDisconnect,
};

// The application's view into the broker. Every member is optional. A hook
// that throws is logged; it counts as kDisconnect, a refused connection
// (kServerUnavailable) or a refused subscription.
struct BrokerHooks {
  // Decides about a CONNECT the codec and the broker accepted (e.g. checks
  // the user name and password); anything but kAccepted refuses it.
  std::function<ConnectReturnCode(const ClientInfo&, const Connect&)> on_connect;
  // Called for every PUBLISH from a client, and for a will before it is
  // published (with packet_id 0), before it is routed. Not called when
  // on_publish_batch is set.
  std::function<PublishDecision(const ClientInfo&, const Publish&)> on_publish;
  // Called instead of on_publish, when set, with a run of a client's PUBLISH
  // packets in packet order (see the file comment), and with a will alone.
  // Returns one decision per packet, in the same order; a result of another
  // size counts as kDisconnect for the packets without a decision.
  std::function<std::vector<PublishDecision>(const ClientInfo&, std::span<const Publish>)> on_publish_batch;
  // Called for every topic filter of a SUBSCRIBE with the QoS asked for;
  // false refuses it (SUBACK 0x80) and leaves the session's subscription to
  // that filter, if any, as it was.
  std::function<bool(const ClientInfo&, const std::string& filter, QoS requested)> on_subscribe;
  // Called once for every subscription that ends: by UNSUBSCRIBE, or with
  // its session (a clean session's connection ending, a session discarded by
  // a clean-session CONNECT of the same client id).
  std::function<void(const ClientInfo&, const std::string& filter)> on_unsubscribe;
};

struct BrokerOptions {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal, or a host name, to bind
  uint16_t port = 1883;             // 0: an ephemeral port, see Broker::port()
  bool listen = true;               // false: only connections given to Accept()
  int threads = 1;                  // threads of Run(), the caller's among them

  size_t max_packet_size = kDefaultMaxPacketSize;  // a whole packet, fixed header included
  size_t max_connections = 10'000;                 // open connections, CONNECT read or not
  size_t max_sessions = 100'000;                   // sessions, offline persistent ones included
  size_t max_subscriptions_per_client = 100;
  // Per session: messages waiting to be sent (and their topic plus payload
  // bytes; a message larger than max_queued_bytes is never delivered), and
  // QoS 1 messages sent but not yet acknowledged.
  size_t max_queued_messages = 1000;
  size_t max_queued_bytes = 4 << 20;
  size_t max_inflight = 32;  // 1 to 65535
  // The most PUBLISH packets of a client handed to on_publish_batch at once
  // (1: one at a time), and the topic plus payload bytes after which a run
  // ends (the packet that reaches them is the run's last).
  size_t max_publish_batch = 256;
  size_t max_publish_batch_bytes = 256 << 10;
  OverflowPolicy overflow_policy = OverflowPolicy::kDropNew;
  // Retained messages in all; a new retained topic beyond them is routed but
  // not retained (BrokerStats::retained_dropped).
  size_t max_retained_messages = 100'000;
  size_t max_retained_bytes = 64 << 20;

  // Longest wait for CONNECT after the connection opened.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // Longest wait for one write to the client to complete (a client that
  // stops reading is disconnected after it).
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  // Longest wait for connections to finish when shutting down.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);

  BrokerHooks hooks;
  // Where hooks run: this executor if set (it must keep running until Run()
  // has returned), else a pool of hook_threads threads owned by the broker if
  // > 0, else the network threads.
  boost::asio::any_io_executor hook_executor;
  int hook_threads = 0;
};

// Counters since the broker was made (current values where so marked).
struct BrokerStats {
  uint64_t connections = 0;           // current: open connections
  uint64_t connections_total = 0;     // accepted, over the broker's life
  uint64_t connections_rejected = 0;  // closed at once: over max_connections or stopping
  uint64_t sessions = 0;              // current, offline persistent ones included
  uint64_t subscriptions = 0;         // current
  uint64_t retained_messages = 0;     // current
  uint64_t messages_received = 0;     // PUBLISH packets from clients
  uint64_t messages_published = 0;    // routed: from clients (not swallowed), wills, Broker::Publish
  uint64_t messages_sent = 0;         // PUBLISH packets written to clients, resent ones included
  uint64_t messages_dropped = 0;      // deliveries refused by a full queue
  uint64_t retained_dropped = 0;      // retained messages not stored for want of room
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t protocol_errors = 0;          // connections closed for malformed bytes or a protocol violation
  uint64_t slow_client_disconnects = 0;  // OverflowPolicy::kDisconnect and write timeouts
  uint64_t keep_alive_timeouts = 0;
  uint64_t session_takeovers = 0;
};

class Broker {
 public:
  explicit Broker(BrokerOptions options);
  // Requires that Run() has returned, or that neither Run() nor Accept() was
  // ever called.
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Binds and listens (when options.listen); fails (kUnavailable) when the
  // address cannot be bound, e.g. the port is taken. Call once, before Run()
  // and Accept().
  Status Start();

  // The bound port (the actual one when options.port was 0) and address;
  // valid after a successful Start() with options.listen.
  uint16_t port() const;
  std::string address() const;

  // Serves on options.threads threads (the caller's among them) until a
  // graceful shutdown has completed.
  void Run();

  // Begins a graceful shutdown (see the file comment); returns at once.
  // Thread-safe, idempotent; may be called before Run() (which then returns
  // promptly).
  void Stop();

  // True once a shutdown has begun.
  bool stopping() const;

  // Serves an MQTT connection that was accepted elsewhere, e.g. a WebSocket
  // upgraded by the HTTP server: the broker owns the transport from now on
  // and runs the connection on transport->executor(). Fails (kUnavailable),
  // closing the transport, when stopping or over max_connections.
  // Thread-safe; after Start().
  Status Accept(std::unique_ptr<Transport> transport);

  // Publishes an application message as the server: routes it to the
  // matching subscriptions and, with `retain`, stores (or, with an empty
  // payload, clears) the topic's retained message. The hooks are not called.
  // Fails (kBadRequest) for an invalid topic name, QoS above 2 or a payload
  // over max_packet_size; (kUnavailable) once stopping. Thread-safe.
  Status Publish(std::string_view topic, std::string_view payload, QoS qos = QoS::kAtMostOnce,
                 bool retain = false);

  // True when some session has a subscription matching `topic`, so that the
  // application can skip rendering a message nobody wants. Thread-safe.
  bool HasSubscriber(std::string_view topic) const;

  // The counters; thread-safe.
  BrokerStats Stats() const;

  class Core;  // the implementation; internal (broker_core.h)

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace fundament::mqtt
