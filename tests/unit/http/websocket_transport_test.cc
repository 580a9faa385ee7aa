// MQTT over WebSocket through the HTTP server: the upgrade at /mqtt, and the
// WebSocketTransport it hands over, driven as the broker drives a transport
// (on its executor, one read and one write at a time).
#include "http/websocket_transport.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "http/server.h"

namespace fundament::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A server whose MQTT WebSockets land in a queue for the test to take.
class WebSocketServer {
 public:
  explicit WebSocketServer(HttpServerOptions options = {}) : server_(WithDefaults(options, this), Handler) {
    Status started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    run_ = std::async(std::launch::async, [this] { server_.Run(); });
  }
  // Run() returns only once every transport is gone, and one may still be
  // handed over while stopping.
  ~WebSocketServer() {
    server_.Stop();
    do {
      std::lock_guard lock(mutex_);
      transports_.clear();
    } while (run_.wait_for(10ms) != std::future_status::ready);
  }

  uint16_t port() const { return server_.port(); }
  HttpServer& server() { return server_; }
  bool RunReturnedWithin(std::chrono::milliseconds limit) {
    return run_.wait_for(limit) == std::future_status::ready;
  }

  // The next transport handed over, or null after `wait`.
  std::unique_ptr<mqtt::Transport> Next(std::chrono::milliseconds wait = 10s) {
    std::unique_lock lock(mutex_);
    if (!arrived_.wait_for(lock, wait, [&] { return !transports_.empty(); })) return nullptr;
    std::unique_ptr<mqtt::Transport> transport = std::move(transports_.front());
    transports_.pop_front();
    return transport;
  }

 private:
  static HttpResponse Handler(const HttpRequest& request) {
    HttpResponse response;
    response.body = boost::json::serialize(boost::json::object{{"path", request.Path()}});
    return response;
  }

  static HttpServerOptions WithDefaults(HttpServerOptions options, WebSocketServer* self) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.mqtt_websocket.accept = [self](std::unique_ptr<mqtt::Transport> transport) {
      std::lock_guard lock(self->mutex_);
      self->transports_.push_back(std::move(transport));
      self->arrived_.notify_all();
      return Status::Ok();
    };
    return options;
  }

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::unique_ptr<mqtt::Transport>> transports_;
  HttpServer server_;
  std::future<void> run_;
};

struct ReadResult {
  boost::system::error_code ec;
  std::string bytes;
};

// Starts one read on the transport's executor, as the broker does.
std::future<ReadResult> StartRead(mqtt::Transport& transport, size_t max = 4096) {
  auto done = std::make_shared<std::promise<ReadResult>>();
  std::future<ReadResult> result = done->get_future();
  net::post(transport.executor(), [&transport, done, max] {
    auto buffer = std::make_shared<std::vector<char>>(max);
    transport.AsyncReadSome(net::buffer(*buffer), [done, buffer](boost::system::error_code ec, size_t n) {
      done->set_value({ec, std::string(buffer->data(), n)});
    });
  });
  return result;
}

// Reads until `count` bytes have arrived or a read fails.
ReadResult ReadExactly(mqtt::Transport& transport, size_t count) {
  ReadResult all;
  while (all.bytes.size() < count) {
    std::future<ReadResult> next = StartRead(transport, count - all.bytes.size());
    if (next.wait_for(10s) != std::future_status::ready) {
      all.ec = net::error::timed_out;
      return all;
    }
    ReadResult part = next.get();
    all.bytes += part.bytes;
    if (part.ec) {
      all.ec = part.ec;
      return all;
    }
  }
  return all;
}

boost::system::error_code Write(mqtt::Transport& transport, std::string bytes) {
  std::promise<boost::system::error_code> done;
  auto data = std::make_shared<std::string>(std::move(bytes));
  net::post(transport.executor(), [&] {
    transport.AsyncWrite(net::buffer(*data), [&done, data](boost::system::error_code ec, size_t n) {
      EXPECT_TRUE(ec || n == data->size());
      done.set_value(ec);
    });
  });
  return done.get_future().get();
}

void CloseOnExecutor(std::unique_ptr<mqtt::Transport> transport) {
  mqtt::Transport* raw = transport.get();
  std::promise<void> done;
  net::post(raw->executor(), [&] {
    raw->Close();
    transport.reset();
    done.set_value();
  });
  done.get_future().wait();
}

// A WebSocket client (Beast, synchronous) that offers the mqtt subprotocol.
class WebSocketClient {
 public:
  explicit WebSocketClient(uint16_t port, std::string_view subprotocol = "mqtt") : ws_(io_) {
    beast::get_lowest_layer(ws_).connect({net::ip::make_address("127.0.0.1"), port});
    std::string offered(subprotocol);
    ws_.set_option(websocket::stream_base::decorator([offered](websocket::request_type& request) {
      if (!offered.empty()) request.set(bhttp::field::sec_websocket_protocol, offered);
    }));
    ws_.handshake(response_, "127.0.0.1:" + std::to_string(port), "/mqtt", ec_);
    ws_.binary(true);
  }

  beast::error_code handshake_error() const { return ec_; }
  const websocket::response_type& response() const { return response_; }
  websocket::stream<tcp::socket>& ws() { return ws_; }

  void Send(std::string_view bytes) { ws_.write(net::buffer(bytes)); }

  // The next message, or "" with `*ec` set when the connection ended.
  std::string Receive(beast::error_code* ec) {
    beast::flat_buffer buffer;
    ws_.read(buffer, *ec);
    return beast::buffers_to_string(buffer.data());
  }

 private:
  net::io_context io_;
  websocket::stream<tcp::socket> ws_;
  websocket::response_type response_;
  beast::error_code ec_;
};

bhttp::response<bhttp::string_body> RawRequest(uint16_t port, const std::string& request) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  net::write(socket, net::buffer(request));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer, response);
  return response;
}

std::string Handshake(std::string_view extra_headers) {
  return "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         std::string(extra_headers) + "\r\n";
}

class WebSocketTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::warn); }
};

TEST_F(WebSocketTransportTest, AnswersWithTheMqttSubprotocolAndHandsOverATransport) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  EXPECT_EQ(client.response()[bhttp::field::sec_websocket_protocol], "mqtt");
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  EXPECT_TRUE(transport->remote().starts_with("127.0.0.1:")) << transport->remote();
}

// [MQTT-6.0.0-2]: a packet may span frames; [MQTT-6.0.0-3] a frame may hold several.
TEST_F(WebSocketTransportTest, ReadsBytesWhateverTheFrameBoundaries) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);

  client.Send(std::string("\x10\x0c", 2));  // a CONNECT's fixed header alone
  client.Send(std::string("\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 12));
  ReadResult connect = ReadExactly(*transport, 14);
  ASSERT_FALSE(connect.ec) << connect.ec.message();
  EXPECT_EQ(connect.bytes, std::string("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 14));

  // One message of two fragments, then an empty message, then two PINGREQs in one frame.
  client.ws().write_some(false, net::buffer(std::string("ab")));
  client.ws().write_some(true, net::buffer(std::string("cd")));
  client.Send("");
  client.Send(std::string("\xc0\x00\xc0\x00", 4));
  ReadResult rest = ReadExactly(*transport, 8);
  ASSERT_FALSE(rest.ec) << rest.ec.message();
  EXPECT_EQ(rest.bytes, std::string("abcd\xc0\x00\xc0\x00", 8));
}

TEST_F(WebSocketTransportTest, WritesBinaryMessages) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  ASSERT_FALSE(Write(*transport, std::string("\x20\x02\x00\x00", 4)));
  beast::error_code ec;
  std::string message = client.Receive(&ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(client.ws().got_binary());
  EXPECT_EQ(message, std::string("\x20\x02\x00\x00", 4));
}

// [MQTT-6.0.0-1]: data in any other than binary frames closes the connection.
TEST_F(WebSocketTransportTest, TextFrameEndsTheStream) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  std::future<ReadResult> read = StartRead(*transport);
  client.ws().text(true);
  client.ws().write(net::buffer(std::string("{\"hello\":1}")));
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(read.get().ec, TextFrameError());
  beast::error_code ec;
  client.Receive(&ec);
  EXPECT_TRUE(ec);  // the server closed the connection
}

TEST_F(WebSocketTransportTest, MessageOverTheLimitEndsTheStream) {
  HttpServerOptions options;
  options.mqtt_websocket.max_message_bytes = 64;
  WebSocketServer server(options);
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  client.Send(std::string(32, 'a'));
  ReadResult fits = ReadExactly(*transport, 32);
  EXPECT_FALSE(fits.ec);
  std::future<ReadResult> over = StartRead(*transport);
  client.Send(std::string(100, 'b'));
  // The server closes with 1009 (message too big); reading answers the close.
  beast::error_code ec;
  client.Receive(&ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client.ws().reason().code, websocket::close_code::too_big);
  ASSERT_EQ(over.wait_for(10s), std::future_status::ready);
  ReadResult result = over.get();
  EXPECT_TRUE(result.ec);
  EXPECT_TRUE(result.bytes.empty());
}

TEST_F(WebSocketTransportTest, CloseCompletesTheReadUnderWayWithAnError) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  std::future<ReadResult> read = StartRead(*transport);
  mqtt::Transport* raw = transport.get();
  net::post(raw->executor(), [raw] { raw->Close(); });
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(read.get().ec);
  beast::error_code ec;
  client.Receive(&ec);
  EXPECT_TRUE(ec);
  CloseOnExecutor(std::move(transport));
}

TEST_F(WebSocketTransportTest, DestroyingTheTransportCompletesItsOperations) {
  WebSocketServer server;
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  std::future<ReadResult> read = StartRead(*transport);
  std::this_thread::sleep_for(50ms);  // the read is under way
  transport.reset();
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(read.get().ec);
}

TEST_F(WebSocketTransportTest, SilentClientIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.mqtt_websocket.idle_timeout = 400ms;
  WebSocketServer server(options);
  // Never reads, so never answers the server's ping.
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  std::future<ReadResult> read = StartRead(*transport);
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(read.get().ec);
}

TEST_F(WebSocketTransportTest, RefusesAHandshakeWithoutTheSubprotocol) {
  WebSocketServer server;
  WebSocketClient client(server.port(), "");
  EXPECT_EQ(client.handshake_error(), websocket::error::upgrade_declined);
  EXPECT_EQ(client.response().result_int(), 400);
  EXPECT_EQ(boost::json::parse(client.response().body()).at("code"), 400);
  EXPECT_EQ(server.Next(300ms), nullptr);
}

TEST_F(WebSocketTransportTest, RefusesForeignOriginWithJson403) {
  HttpServerOptions options;
  options.mqtt_websocket.policy.allowed_origins = {"https://dashboard.example.org"};
  WebSocketServer server(options);
  auto refused = RawRequest(server.port(), Handshake("Sec-WebSocket-Protocol: mqtt\r\nOrigin: https://evil.example\r\n"));
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_EQ(refused[bhttp::field::content_type], "application/json");
  EXPECT_EQ(boost::json::parse(refused.body()).at("error"), "forbidden");
  auto allowed =
      RawRequest(server.port(), Handshake("Sec-WebSocket-Protocol: mqtt\r\nOrigin: https://dashboard.example.org\r\n"));
  EXPECT_EQ(allowed.result_int(), 101);
  EXPECT_EQ(allowed[bhttp::field::sec_websocket_protocol], "mqtt");
}

TEST_F(WebSocketTransportTest, PlainRequestForThePathGets426AndOtherPathsStillWork) {
  WebSocketServer server;
  auto plain = RawRequest(server.port(), "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(plain.result_int(), 426);
  EXPECT_EQ(boost::json::parse(plain.body()).at("error"), "upgrade_required");
  auto other = RawRequest(server.port(), "GET /v1.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(other.result_int(), 200);
}

TEST_F(WebSocketTransportTest, WithoutAcceptThePathGoesToTheHandler) {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.threads = 1;
  HttpServer server(options, [](const HttpRequest& request) {
    HttpResponse response;
    response.status = 404;
    response.body = boost::json::serialize(boost::json::object{{"path", request.Path()}});
    return response;
  });
  ASSERT_TRUE(server.Start().ok());
  auto run = std::async(std::launch::async, [&] { server.Run(); });
  auto answer = RawRequest(server.port(), Handshake("Sec-WebSocket-Protocol: mqtt\r\n"));
  EXPECT_EQ(answer.result_int(), 404);
  server.Stop();
  EXPECT_EQ(run.wait_for(5s), std::future_status::ready);
}

// Run() must not return while a WebSocket's consumer still uses the event
// loop; after shutdown_timeout the WebSocket is closed at once.
TEST_F(WebSocketTransportTest, ShutdownWaitsForWebSocketsAndClosesThemAtTheTimeout) {
  HttpServerOptions options;
  options.shutdown_timeout = 300ms;
  WebSocketServer server(options);
  WebSocketClient client(server.port());
  std::unique_ptr<mqtt::Transport> transport = server.Next();
  ASSERT_NE(transport, nullptr);
  std::future<ReadResult> read = StartRead(*transport);
  server.server().Stop();
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(read.get().ec);
  // The transport still exists: its executor keeps running.
  EXPECT_FALSE(server.RunReturnedWithin(200ms));
  CloseOnExecutor(std::move(transport));
  EXPECT_TRUE(server.RunReturnedWithin(5s));
}

TEST_F(WebSocketTransportTest, RefusesUpgradesOnceStopping) {
  WebSocketServer server;
  net::io_context io;
  tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
  // A request whose body is still on its way is in flight: stopping lets it finish.
  net::write(socket, net::buffer(Handshake("Sec-WebSocket-Protocol: mqtt\r\nContent-Length: 2\r\n") + "a"));
  std::this_thread::sleep_for(100ms);
  server.server().Stop();
  std::this_thread::sleep_for(100ms);
  net::write(socket, net::buffer(std::string("b")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> refused;
  bhttp::read(socket, buffer, refused);
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_EQ(boost::json::parse(refused.body()).at("error"), "unavailable");
  EXPECT_EQ(server.Next(300ms), nullptr);
}

}  // namespace
}  // namespace fundament::http
