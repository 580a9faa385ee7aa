// The byte stream an MQTT connection runs over (MQTT 3.1.1 §4.2): an
// ordered, lossless, two-way stream of bytes, with no framing of its own that
// the broker relies on. TcpTransport is plain TCP; MQTT over WebSocket (§6:
// binary frames, subprotocol "mqtt", here on the HTTP port at /mqtt) is a
// second implementation that the http module provides and hands to
// Broker::Accept (broker.h).
//
// The contract between a connection of the broker and its transport:
// - The connection calls every method, and runs all its own work, on
//   executor(); so an implementation needs no locking as long as its
//   stream's completion handlers run there too (asio's default for a handler
//   without an associated executor of its own). executor() must not run two
//   handlers at once: a strand, or an io_context run by one thread.
// - At most one AsyncReadSome and one AsyncWrite are outstanding at a time.
//   The buffers stay valid until the operation's handler has been called.
// - AsyncReadSome completes as soon as at least one byte has arrived (or with
//   an error, e.g. boost::asio::error::eof at the end of the stream).
//   WebSocket framing is invisible: an MQTT packet may span frames and a
//   frame may hold several packets (§6, [MQTT-6.0.0-2], [MQTT-6.0.0-3]).
// - AsyncWrite completes once all of the buffer has been written, or with an
//   error.
// - Close() ends the stream at once (no graceful handshake is waited for) and
//   makes outstanding operations complete soon, with an error. It is
//   idempotent; no operation is started after it.
// - Every handler is called exactly once, also when the transport is
//   destroyed with operations outstanding (asio's rule).
// - executor() keeps running until the broker has stopped (Broker::Run has
//   returned): the connection posts its own work there (hook results,
//   deliveries) even after the stream has closed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace fundament::mqtt {

// A bidirectional byte stream under one MQTT connection (see the file comment
// for the threading contract).
class Transport {
 public:
  // Called once per operation with its outcome and the bytes transferred.
  using Handler = std::function<void(boost::system::error_code, size_t)>;

  virtual ~Transport() = default;

  // The executor that serializes the stream's handlers; the broker runs the
  // connection's work on it as well.
  virtual boost::asio::any_io_executor executor() = 0;

  // Reads at least one byte into `buffer`.
  virtual void AsyncReadSome(boost::asio::mutable_buffer buffer, Handler handler) = 0;

  // Writes all of `buffer`.
  virtual void AsyncWrite(boost::asio::const_buffer buffer, Handler handler) = 0;

  // Ends the stream; outstanding operations complete with an error.
  virtual void Close() = 0;

  // The peer for logs and ClientInfo::remote, e.g. "127.0.0.1:50412".
  virtual std::string remote() const = 0;
};

// MQTT over a TCP socket. The socket's executor should be a strand (or an
// io_context run by one thread), since it becomes the connection's executor.
class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(boost::asio::ip::tcp::socket socket);

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  boost::asio::any_io_executor executor() override;
  void AsyncReadSome(boost::asio::mutable_buffer buffer, Handler handler) override;
  void AsyncWrite(boost::asio::const_buffer buffer, Handler handler) override;
  void Close() override;
  std::string remote() const override;

 private:
  boost::asio::ip::tcp::socket socket_;
  std::string remote_;  // captured at construction: unavailable once closed
};

}  // namespace fundament::mqtt
