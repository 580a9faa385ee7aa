// MQTT over WebSocket (MQTT 3.1.1 §6): an mqtt::Transport on a connection
// that the HTTP server (http/server.h) upgraded after CheckMqttUpgrade
// (http/websocket_handshake.h) let its handshake through.
//
// - The server answers 101 with `Sec-WebSocket-Protocol: mqtt`
//   ([MQTT-6.0.0-4]).
// - Binary data messages only: a text frame ends the stream with an error
//   ([MQTT-6.0.0-1]), and the broker closes the connection. Reads hand over
//   message bytes as they arrive, whatever the frame and message boundaries,
//   so a packet may span frames and a frame may hold several packets
//   ([MQTT-6.0.0-2], [MQTT-6.0.0-3]). Ping, pong and close frames are
//   answered by the WebSocket layer and never reach the broker.
// - Each AsyncWrite sends one binary message in a single frame.
// - Limits: a message over max_message_bytes ends the stream (the client
//   gets close code 1009); the 101 answer must be written within
//   handshake_timeout; when nothing arrives for half of idle_timeout the
//   server pings, and when still nothing (not even the pong) has arrived
//   after all of it the connection is closed.
// - Close() tears the TCP connection down at once, unread input discarded
//   first as TcpTransport does; no WebSocket close handshake is waited for.
//
// Threading: everything runs on the executor of the socket (a strand of the
// HTTP server's io_context), as mqtt/transport.h requires. A channel keeps
// that io_context running while it exists, because the broker posts the
// connection's work to it until the connection has ended.
//
// Beast is used here and in http/server.cc only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "mqtt/transport.h"

namespace fundament::http {

struct WebSocketOptions {
  size_t max_message_bytes = 1 << 20;  // the largest data message read
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(120);
};

// The stream of one WebSocket, shared by its transport and the operations
// under way on it, so that it outlives every one of them. Made by the server
// around the socket of an upgraded request; runs `on_closed` when destroyed.
class WebSocketChannel {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  WebSocketChannel(boost::asio::ip::tcp::socket socket, std::function<void()> on_closed);
  ~WebSocketChannel();
  WebSocketChannel(const WebSocketChannel&) = delete;
  WebSocketChannel& operator=(const WebSocketChannel&) = delete;

  // Ends the stream at once, on its executor; operations under way complete
  // with an error. Thread-safe.
  void Abort(const std::shared_ptr<WebSocketChannel>& self);

  // The rest is for the channel's executor only.
  Stream& stream() { return stream_; }
  boost::asio::any_io_executor executor() { return executor_; }
  const std::string& remote() const { return remote_; }
  // Closes the socket (see Close() in the file comment); idempotent.
  void Teardown();

 private:
  // Declared first, so released last: keeps the io_context running.
  boost::asio::any_io_executor work_;
  boost::asio::any_io_executor executor_;
  std::string remote_;
  Stream stream_;
  std::function<void()> on_closed_;
  bool torn_down_ = false;
};

class WebSocketTransport final : public mqtt::Transport {
 public:
  // Answers the upgrade `request` (already checked) with 101 on `channel`,
  // and calls `opened` with the transport, on the channel's executor, once
  // the answer is written. On failure (the client went away, a timeout) the
  // channel is dropped and `opened` is not called.
  static void Accept(std::shared_ptr<WebSocketChannel> channel,
                     boost::beast::http::request<boost::beast::http::string_body> request,
                     const WebSocketOptions& options,
                     std::function<void(std::unique_ptr<WebSocketTransport>)> opened);

  // `channel` has completed its opening handshake.
  explicit WebSocketTransport(std::shared_ptr<WebSocketChannel> channel);
  // Closes the stream; operations under way complete with an error.
  ~WebSocketTransport() override;
  WebSocketTransport(const WebSocketTransport&) = delete;
  WebSocketTransport& operator=(const WebSocketTransport&) = delete;

  boost::asio::any_io_executor executor() override;
  void AsyncReadSome(boost::asio::mutable_buffer buffer, Handler handler) override;
  void AsyncWrite(boost::asio::const_buffer buffer, Handler handler) override;
  void Close() override;
  std::string remote() const override;

 private:
  std::shared_ptr<WebSocketChannel> channel_;
};

// The error a read ends with when a text frame arrives ([MQTT-6.0.0-1]).
boost::system::error_code TextFrameError();

}  // namespace fundament::http
