// The HTTP/1.1 server: accepts connections, parses requests, hands each one as
// a plain HttpRequest to an HttpHandler and writes back its HttpResponse.
//
// What the server does itself, so that handlers never see it:
//  - persistent connections (keep-alive) and pipelined requests, answered in
//    order; HEAD (the handler sees GET, the body is dropped, Content-Length
//    kept); `Expect: 100-continue`;
//  - limits: a header section over max_header_bytes gets 431, a body over
//    max_body_bytes 413 (before the body is read when Content-Length says so),
//    a malformed request 400 — each with a JSON error body, then the
//    connection closes; a connection idle or stalled for request_timeout is
//    closed;
//  - a handler that throws gets a logged error and a 500 JSON answer; the
//    server keeps serving;
//  - CORS (see http/cors.h), the X-Request-Id header, a Date header, and one
//    access log line per request (see http/log_event.h);
//  - MQTT over WebSocket, when options.mqtt_websocket.accept is set: a
//    request for its path (/mqtt) never reaches the handler. A handshake
//    that CheckMqttUpgrade (http/websocket_handshake.h) lets through, sent
//    over HTTP/1.1 with nothing after it, is answered with 101 and the
//    connection becomes a WebSocketTransport (http/websocket_transport.h)
//    handed to `accept`; any other request for the path gets the JSON
//    refusal (426, 405, 400, 403; 503 once stopping), then the connection
//    closes.
//
// Threads: Run() runs the event loop (reading and writing connections) on
// `threads` threads, and calls the handler on a pool of `handler_threads`
// threads of its own (or, with 0, on the event-loop threads), concurrently for
// different connections, never concurrently on one connection. Handlers may
// block — a store write waits for its group commit — without holding up any
// connection but their own; the pool's size bounds how many requests are
// answered at once, and so how many writes one group commit can gather.
//
// Shutdown: Stop() (or SIGINT/SIGTERM when stop_on_signals) stops accepting,
// closes idle connections at once, lets requests in flight finish and their
// answers be written (with `Connection: close`), and then lets Run() return.
// MQTT WebSockets are left to their consumer, which on_stop should tell to
// close them (the broker's own shutdown); Run() returns only once every one
// has ended, since the broker posts to their executor until then. After
// shutdown_timeout the remaining connections, WebSockets included, are
// closed at once; a handler that is still running is waited for, since a
// thread cannot be cancelled.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/http_message.h"
#include "common/result.h"
#include "http/websocket_handshake.h"

namespace fundament::mqtt {
class Transport;
}

namespace fundament::http {

// MQTT over WebSocket on the HTTP port (MQTT 3.1.1 §6).
struct MqttWebSocketOptions {
  // Takes each MQTT WebSocket once its handshake is done, e.g. Broker::Accept;
  // called on the connection's strand. Unset: no WebSockets, and `path` is
  // an ordinary path for the handler.
  std::function<Status(std::unique_ptr<mqtt::Transport>)> accept;
  std::string path = "/mqtt";
  MqttWebSocketPolicy policy;          // which Origins may open one
  size_t max_message_bytes = 1 << 20;  // e.g. the broker's max_packet_size
  // Silence after which the connection is closed; the server pings after half of it.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(120);
};

struct HttpServerOptions {
  std::string address = "0.0.0.0";       // IPv4 or IPv6 literal to bind
  uint16_t port = 0;                     // 0: an ephemeral port, see HttpServer::port()
  int threads = 0;                       // event-loop threads; 0: one per hardware core
  int handler_threads = 0;               // threads calling the handler; 0: the event-loop threads
  uint32_t max_header_bytes = 8 * 1024;  // request line and header fields
  uint64_t max_body_bytes = 16 * 1024 * 1024;
  // Longest wait for a request to arrive complete, which is also how long an
  // idle keep-alive connection stays open; and for a response to be written.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
  // Longest wait for requests in flight when shutting down.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);
  // Origins allowed to call cross-origin ("*" for any); empty: no CORS headers.
  std::vector<std::string> cors_allowed_origins;
  // Stop gracefully on SIGINT and SIGTERM while Run() runs.
  bool stop_on_signals = false;
  // Called once, on a server thread, when a graceful shutdown begins.
  std::function<void()> on_stop;
  MqttWebSocketOptions mqtt_websocket;
};

class HttpServer {
 public:
  // `handler` is called concurrently from the server's threads.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  // Requires that Run() has returned (or was never called).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; fails (kUnavailable) when the address cannot be bound.
  // Call once, before Run().
  Status Start();

  // The bound port (the actual one when options.port was 0); valid after Start().
  uint16_t port() const;
  // The bound address; valid after Start().
  std::string address() const;

  // Serves on options.threads threads (the caller's among them) until a
  // graceful shutdown has completed.
  void Run();

  // Begins a graceful shutdown; returns at once. Thread-safe, idempotent;
  // may be called before Run() (which then returns promptly).
  void Stop();

  // True once a shutdown has begun.
  bool stopping() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fundament::http
