#include "mqtt/transport.h"

#include <array>
#include <boost/asio/write.hpp>
#include <utility>

namespace fundament::mqtt {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string Describe(const tcp::socket& socket) {
  boost::system::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  if (peer.address().is_v6()) return "[" + peer.address().to_string() + "]:" + std::to_string(peer.port());
  return peer.address().to_string() + ":" + std::to_string(peer.port());
}

}  // namespace

TcpTransport::TcpTransport(tcp::socket socket) : socket_(std::move(socket)), remote_(Describe(socket_)) {
  boost::system::error_code ignored;
  // MQTT packets are small and latency matters more than segment count.
  socket_.set_option(tcp::no_delay(true), ignored);
}

net::any_io_executor TcpTransport::executor() { return socket_.get_executor(); }

void TcpTransport::AsyncReadSome(net::mutable_buffer buffer, Handler handler) {
  socket_.async_read_some(buffer, std::move(handler));
}

void TcpTransport::AsyncWrite(net::const_buffer buffer, Handler handler) {
  net::async_write(socket_, buffer, std::move(handler));
}

void TcpTransport::Close() {
  if (!socket_.is_open()) return;
  boost::system::error_code ec;
  // Closing a socket with unread input makes the kernel answer with a reset,
  // which can destroy the last packets still on their way to the client (a
  // CONNACK refusal, the PUBACKs of a shutdown). Discard what has arrived.
  socket_.non_blocking(true, ec);
  std::array<char, 4096> scratch;
  for (int i = 0; !ec && i < 16; ++i) {
    if (socket_.read_some(net::buffer(scratch), ec) == 0) break;
  }
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

std::string TcpTransport::remote() const { return remote_; }

}  // namespace fundament::mqtt
