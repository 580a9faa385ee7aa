#include "http/websocket_transport.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <utility>

#include "http/websocket_handshake.h"

namespace fundament::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string Describe(const tcp::socket& socket) {
  boost::system::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  if (peer.address().is_v6()) return "[" + peer.address().to_string() + "]:" + std::to_string(peer.port());
  return peer.address().to_string() + ":" + std::to_string(peer.port());
}

class TextFrameCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mqtt-websocket"; }
  std::string message(int) const override {
    return "a text frame arrived, but MQTT over WebSocket takes binary frames only";
  }
};

// Reads until at least one byte of a binary message has arrived: an empty
// frame gives no byte, and a text frame ends the stream.
void ReadSome(std::shared_ptr<WebSocketChannel> channel, net::mutable_buffer buffer,
              mqtt::Transport::Handler handler) {
  WebSocketChannel::Stream& stream = channel->stream();
  stream.async_read_some(buffer, [channel = std::move(channel), buffer, handler = std::move(handler)](
                                     beast::error_code ec, size_t n) mutable {
    if (ec) return handler(ec, 0);
    if (channel->stream().got_text()) {
      channel->Teardown();
      return handler(TextFrameError(), 0);
    }
    if (n == 0) return ReadSome(std::move(channel), buffer, std::move(handler));
    handler(ec, n);
  });
}

}  // namespace

boost::system::error_code TextFrameError() {
  static const TextFrameCategory category;
  return {1, category};
}

// --- WebSocketChannel ------------------------------------------------------------

WebSocketChannel::WebSocketChannel(tcp::socket socket, std::function<void()> on_closed)
    : work_(net::prefer(socket.get_executor(), net::execution::outstanding_work.tracked)),
      executor_(socket.get_executor()),
      remote_(Describe(socket)),
      stream_(std::move(socket)),
      on_closed_(std::move(on_closed)) {}

WebSocketChannel::~WebSocketChannel() {
  if (on_closed_) on_closed_();
}

void WebSocketChannel::Abort(const std::shared_ptr<WebSocketChannel>& self) {
  net::post(executor_, [self] { self->Teardown(); });
}

void WebSocketChannel::Teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  tcp::socket& socket = beast::get_lowest_layer(stream_).socket();
  if (!socket.is_open()) return;
  boost::system::error_code ec;
  // As in TcpTransport::Close: closing with unread input would make the
  // kernel answer with a reset, which can destroy the last packets still on
  // their way to the client. Discard what has arrived.
  socket.non_blocking(true, ec);
  std::array<char, 4096> scratch;
  for (int i = 0; !ec && i < 16; ++i) {
    if (socket.read_some(net::buffer(scratch), ec) == 0) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// --- WebSocketTransport ----------------------------------------------------------

void WebSocketTransport::Accept(std::shared_ptr<WebSocketChannel> channel,
                                bhttp::request<bhttp::string_body> request, const WebSocketOptions& options,
                                std::function<void(std::unique_ptr<WebSocketTransport>)> opened) {
  WebSocketChannel::Stream& stream = channel->stream();
  // The WebSocket's own timeouts replace those of the TCP stream.
  beast::get_lowest_layer(stream).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = options.idle_timeout;
  timeouts.keep_alive_pings = true;
  stream.set_option(timeouts);
  stream.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(bhttp::field::sec_websocket_protocol, kMqttSubprotocol);
    // As on every other answer of the server: no product name.
    response.erase(bhttp::field::server);
  }));
  stream.read_message_max(options.max_message_bytes);
  stream.binary(true);
  stream.auto_fragment(false);
  // The request must outlive the operation.
  auto upgrade = std::make_shared<bhttp::request<bhttp::string_body>>(std::move(request));
  stream.async_accept(*upgrade, [channel = std::move(channel), upgrade, opened = std::move(opened)](
                                    beast::error_code ec) mutable {
    if (ec) {
      spdlog::debug("MQTT WebSocket handshake with {} failed: {}", channel->remote(), ec.message());
      channel->Teardown();
      return;
    }
    opened(std::make_unique<WebSocketTransport>(std::move(channel)));
  });
}

WebSocketTransport::WebSocketTransport(std::shared_ptr<WebSocketChannel> channel)
    : channel_(std::move(channel)) {}

WebSocketTransport::~WebSocketTransport() {
  // The last owner may let go of the transport on another thread; the stream
  // is touched on its executor only.
  channel_->Abort(channel_);
}

net::any_io_executor WebSocketTransport::executor() { return channel_->executor(); }

void WebSocketTransport::AsyncReadSome(net::mutable_buffer buffer, Handler handler) {
  ReadSome(channel_, buffer, std::move(handler));
}

void WebSocketTransport::AsyncWrite(net::const_buffer buffer, Handler handler) {
  channel_->stream().async_write(
      buffer, [channel = channel_, handler = std::move(handler)](beast::error_code ec, size_t n) {
        handler(ec, n);
      });
}

void WebSocketTransport::Close() { channel_->Teardown(); }

std::string WebSocketTransport::remote() const { return channel_->remote(); }

}  // namespace fundament::http
