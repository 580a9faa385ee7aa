#include "http/server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http/log_event.h"

namespace fundament::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Response = bhttp::response<bhttp::string_body>;
using namespace std::chrono_literals;

// Lets a test hold a handler inside a request until it says so.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
  }
  void WaitUntilEntered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool released_ = false;
};

// Echoes what it received as JSON, with a few paths that behave specially.
HttpResponse EchoHandler(const HttpRequest& request, Gate* gate) {
  if (request.Path() == "/throw") throw std::runtime_error("handler exploded");
  if (request.Path() == "/slow" && gate != nullptr) gate->Enter();
  HttpResponse response;
  if (request.Path() == "/missing") {
    response.status = 404;
    response.body = R"({"code":404})";
    return response;
  }
  if (request.Path() == "/big") {
    response.body.assign(32 * 1024 * 1024, 'x');
    return response;
  }
  if (request.Path() == "/created") {
    response.status = 201;
    response.headers.emplace_back("Location", "http://localhost/v1.1/Things(1)");
    response.headers.emplace_back("Content-Length", "99999");
  }
  boost::json::object body;
  body["method"] = request.method;
  body["target"] = request.target;
  body["body"] = request.body;
  body["request_id"] = request.request_id;
  boost::json::object headers;
  for (const auto& [name, value] : request.headers) headers[name] = value;
  body["headers"] = std::move(headers);
  response.body = boost::json::serialize(body);
  return response;
}

// A server on an ephemeral port, run on a background thread.
class TestServer {
 public:
  explicit TestServer(HttpServerOptions options = {}, Gate* gate = nullptr)
      : server_(WithDefaults(std::move(options)),
                [gate](const HttpRequest& r) { return EchoHandler(r, gate); }) {
    Status started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    run_ = std::async(std::launch::async, [this] { server_.Run(); });
  }
  ~TestServer() {
    server_.Stop();
    run_.wait();
  }

  uint16_t port() const { return server_.port(); }
  HttpServer& server() { return server_; }
  // Stops the server and reports whether Run() returned within `limit`.
  bool StopAndWait(std::chrono::milliseconds limit = 5s) {
    server_.Stop();
    return run_.wait_for(limit) == std::future_status::ready;
  }
  bool RunReturnedWithin(std::chrono::milliseconds limit) {
    return run_.wait_for(limit) == std::future_status::ready;
  }

 private:
  static HttpServerOptions WithDefaults(HttpServerOptions options) {
    options.address = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    return options;
  }

  HttpServer server_;
  std::future<void> run_;
};

class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
  }

  void Send(std::string_view raw) { net::write(socket_, net::buffer(raw)); }

  Response Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (head) parser.skip(true);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  Response Get(std::string_view target, std::string_view extra_headers = "") {
    Send(std::string("GET ") + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" +
         std::string(extra_headers) + "\r\n");
    return Read();
  }

  // True when the server has closed the connection (read gives EOF or reset).
  bool ServerClosed() {
    if (buffer_.size() > 0) return false;
    char byte;
    beast::error_code ec;
    socket_.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

boost::json::object JsonBody(const Response& response) {
  return boost::json::parse(response.body()).as_object();
}

std::string Field(const Response& response, std::string_view name) { return std::string(response[name]); }

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::warn); }
};

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  TestServer server;
  Client client(server.port());
  for (int i = 0; i < 3; ++i) {
    Response response = client.Get("/v1.1/Things?$top=" + std::to_string(i));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(Field(response, "Content-Type"), "application/json");
    EXPECT_EQ(JsonBody(response).at("target").as_string(), "/v1.1/Things?$top=" + std::to_string(i));
  }
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  TestServer server;
  Client client(server.port());
  client.Send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(JsonBody(client.Read()).at("target").as_string(), "/a");
  boost::json::object second = JsonBody(client.Read());
  EXPECT_EQ(second.at("target").as_string(), "/b");
  EXPECT_EQ(second.at("body").as_string(), "hello");
  EXPECT_EQ(JsonBody(client.Read()).at("target").as_string(), "/c");
}

TEST_F(HttpServerTest, PassesMethodBodyAndLowerCaseHeaders) {
  TestServer server;
  Client client(server.port());
  client.Send(
      "PATCH /v1.1/Things(1) HTTP/1.1\r\nHost: x\r\nX-Custom-Thing: Value\r\nContent-Length: 2\r\n\r\n{}");
  boost::json::object echoed = JsonBody(client.Read());
  EXPECT_EQ(echoed.at("method").as_string(), "PATCH");
  EXPECT_EQ(echoed.at("body").as_string(), "{}");
  EXPECT_EQ(echoed.at("headers").at("x-custom-thing").as_string(), "Value");
}

TEST_F(HttpServerTest, ReadsChunkedBody) {
  TestServer server;
  Client client(server.port());
  client.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(JsonBody(client.Read()).at("body").as_string(), "abcde");
}

TEST_F(HttpServerTest, PassesHandlerStatusAndHeadersThrough) {
  TestServer server;
  Client client(server.port());
  Response missing = client.Get("/missing");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing.body(), R"({"code":404})");
  Response created = client.Get("/created");
  EXPECT_EQ(created.result_int(), 201);
  EXPECT_EQ(Field(created, "Location"), "http://localhost/v1.1/Things(1)");
  // The server computes Content-Length itself.
  EXPECT_EQ(Field(created, "Content-Length"), std::to_string(created.body().size()));
  EXPECT_FALSE(Field(created, "Date").empty());
}

TEST_F(HttpServerTest, HeadAnswersLikeGetWithoutBody) {
  TestServer server;
  Client client(server.port());
  size_t get_length = client.Get("/v1.1").body().size();
  client.Send("HEAD /v1.1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  Response head = client.Read(/*head=*/true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(Field(head, "Content-Length"), std::to_string(get_length));
  // No body bytes were sent: the next answer on the connection parses cleanly.
  Response next = client.Get("/after");
  EXPECT_EQ(JsonBody(next).at("target").as_string(), "/after");
  EXPECT_EQ(JsonBody(next).at("method").as_string(), "GET");
}

TEST_F(HttpServerTest, BodyOverLimitGets413AndClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(options);
  Client client(server.port());
  client.Send("POST /x HTTP/1.1\r\nHost: x\r\nX-Request-Id: upload-7\r\nContent-Length: 5000\r\n\r\n" +
              std::string(5000, 'a'));
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(Field(response, "X-Request-Id"), "upload-7");
  EXPECT_EQ(JsonBody(response).at("code").as_int64(), 413);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

// A dashboard on another origin must be able to read why its upload failed;
// without CORS headers its browser hides the 413 behind a network error.
TEST_F(HttpServerTest, BodyOverLimitAnswerCarriesCorsHeaders) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  options.cors_allowed_origins = {"https://dash.example.org"};
  TestServer server(options);
  Client client(server.port());
  client.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nOrigin: https://dash.example.org\r\nContent-Length: 5000\r\n\r\n" +
      std::string(5000, 'a'));
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(Field(response, "Access-Control-Allow-Origin"), "https://dash.example.org");
  EXPECT_EQ(JsonBody(response).at("code").as_int64(), 413);
}

TEST_F(HttpServerTest, MalformedBodyAnswerCarriesCorsHeaders) {
  HttpServerOptions options;
  options.cors_allowed_origins = {"*"};
  TestServer server(options);
  Client client(server.port());
  client.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nOrigin: https://dash.example.org\r\nTransfer-Encoding: chunked\r\n\r\n"
      "zz\r\n");
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(Field(response, "Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpServerTest, BodyAtLimitIsAccepted) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(options);
  Client client(server.port());
  client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'a'));
  EXPECT_EQ(client.Read().result_int(), 200);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  TestServer server(options);
  Client client(server.port());
  client.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 413);
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  TestServer server;
  Client client(server.port());
  Response response = client.Get("/x", "X-Big: " + std::string(10000, 'b') + "\r\n");
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_EQ(JsonBody(response).at("code").as_int64(), 431);
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, MalformedRequestGets400AndClose) {
  TestServer server;
  Client client(server.port());
  client.Send("GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(JsonBody(response).at("error").as_string(), "bad_request");
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, GarbageRequestLineGets400) {
  TestServer server;
  Client client(server.port());
  client.Send("\x01\x02 nonsense\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 400);
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndServerKeepsServing) {
  TestServer server;
  Client client(server.port());
  Response failed = client.Get("/throw");
  EXPECT_EQ(failed.result_int(), 500);
  EXPECT_EQ(JsonBody(failed).at("error").as_string(), "internal");
  // Same connection, and a new one, still work.
  EXPECT_EQ(client.Get("/fine").result_int(), 200);
  Client other(server.port());
  EXPECT_EQ(other.Get("/fine").result_int(), 200);
}

TEST_F(HttpServerTest, EchoesSanitisedRequestId) {
  TestServer server;
  Client client(server.port());
  Response response = client.Get("/x", "X-Request-Id: abc <def>\r\n");
  EXPECT_EQ(Field(response, "X-Request-Id"), "abcdef");
  EXPECT_EQ(JsonBody(response).at("request_id").as_string(), "abcdef");
}

TEST_F(HttpServerTest, GeneratesRequestIdWhenAbsent) {
  TestServer server;
  Client client(server.port());
  Response first = client.Get("/x");
  Response second = client.Get("/x");
  EXPECT_EQ(Field(first, "X-Request-Id").size(), 32u);
  EXPECT_EQ(JsonBody(first).at("request_id").as_string(), Field(first, "X-Request-Id"));
  EXPECT_NE(Field(first, "X-Request-Id"), Field(second, "X-Request-Id"));
}

TEST_F(HttpServerTest, LogsOneAccessLinePerRequest) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto logger =
      std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  logger->set_pattern("%v");
  spdlog::set_default_logger(logger);
  {
    TestServer server;
    Client client(server.port());
    client.Get("/v1.1/Things?$top=2", "X-Request-Id: log-me\r\n");
  }
  spdlog::set_default_logger(previous);
  std::string line = captured.str();
  ASSERT_FALSE(line.empty());
  line.pop_back();  // newline
  LogPayload payload = SplitLogPayload(line);
  EXPECT_EQ(payload.message, "request");
  boost::json::object fields = boost::json::parse("{" + std::string(payload.members) + "}").as_object();
  EXPECT_EQ(fields.at("request_id").as_string(), "log-me");
  EXPECT_EQ(fields.at("method").as_string(), "GET");
  EXPECT_EQ(fields.at("path").as_string(), "/v1.1/Things");
  EXPECT_EQ(fields.at("query").as_string(), "$top=2");
  EXPECT_EQ(fields.at("status").as_int64(), 200);
  EXPECT_GT(fields.at("bytes").as_int64(), 0);
  EXPECT_TRUE(fields.at("latency_ms").is_number());
  EXPECT_EQ(fields.at("remote").as_string(), "127.0.0.1");
}

TEST_F(HttpServerTest, AnswersCorsPreflightWithoutCallingHandler) {
  HttpServerOptions options;
  options.cors_allowed_origins = {"https://dash.example.org"};
  TestServer server(options);
  Client client(server.port());
  client.Send(
      "OPTIONS /v1.1/Things HTTP/1.1\r\nHost: x\r\nOrigin: https://dash.example.org\r\n"
      "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n");
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 204);
  EXPECT_TRUE(response.body().empty());
  EXPECT_EQ(Field(response, "Access-Control-Allow-Origin"), "https://dash.example.org");
  EXPECT_EQ(Field(response, "Access-Control-Allow-Methods"), "GET, POST, PATCH, PUT, DELETE, OPTIONS");
  EXPECT_EQ(Field(response, "Access-Control-Allow-Headers"), "content-type");
  EXPECT_FALSE(Field(response, "Access-Control-Max-Age").empty());
  EXPECT_TRUE(response.keep_alive());
}

TEST_F(HttpServerTest, AddsCorsHeadersForAllowedOriginOnly) {
  HttpServerOptions options;
  options.cors_allowed_origins = {"*"};
  TestServer server(options);
  Client client(server.port());
  Response cross = client.Get("/x", "Origin: https://anywhere.example\r\n");
  EXPECT_EQ(Field(cross, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Field(cross, "Access-Control-Expose-Headers"), "Location");
  Response same = client.Get("/x");
  EXPECT_EQ(Field(same, "Access-Control-Allow-Origin"), "");
}

TEST_F(HttpServerTest, NoCorsHeadersWhenDisabled) {
  TestServer server;
  Client client(server.port());
  Response response = client.Get("/x", "Origin: https://anywhere.example\r\n");
  EXPECT_EQ(Field(response, "Access-Control-Allow-Origin"), "");
}

TEST_F(HttpServerTest, SendsContinueBeforeBody) {
  TestServer server;
  Client client(server.port());
  client.Send("POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 100);
  client.Send("abc");
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(JsonBody(response).at("body").as_string(), "abc");
}

TEST_F(HttpServerTest, ConnectionCloseRequestClosesAfterAnswer) {
  TestServer server;
  Client client(server.port());
  Response response = client.Get("/x", "Connection: close\r\n");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, ClosesIdleConnectionAfterTimeout) {
  HttpServerOptions options;
  options.request_timeout = 200ms;
  TestServer server(options);
  Client client(server.port());
  EXPECT_EQ(client.Get("/x").result_int(), 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(HttpServerTest, GracefulStopFinishesRequestInFlight) {
  Gate gate;
  std::promise<void> stop_began;
  HttpServerOptions options;
  options.on_stop = [&] { stop_began.set_value(); };
  TestServer server(options, &gate);
  Client client(server.port());
  client.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  gate.WaitUntilEntered();
  server.server().Stop();
  EXPECT_TRUE(server.server().stopping());
  ASSERT_EQ(stop_began.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(server.RunReturnedWithin(100ms));
  gate.Release();
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_TRUE(server.RunReturnedWithin(5s));
  EXPECT_THROW(Client{server.port()}, boost::system::system_error);
}

TEST_F(HttpServerTest, GracefulStopWaitsForRequestBeingReceived) {
  TestServer server;
  Client client(server.port());
  client.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
  std::this_thread::sleep_for(100ms);
  server.server().Stop();
  std::this_thread::sleep_for(100ms);
  client.Send("67890");
  Response response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(JsonBody(response).at("body").as_string(), "1234567890");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(server.RunReturnedWithin(5s));
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  TestServer server;
  Client client(server.port());
  EXPECT_EQ(client.Get("/x").result_int(), 200);
  // Far less than the 30 s idle timeout.
  EXPECT_TRUE(server.StopAndWait(5s));
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, ShutdownTimeoutAbandonsStuckConnection) {
  HttpServerOptions options;
  options.shutdown_timeout = 200ms;
  options.request_timeout = 60s;
  TestServer server(options);
  Client client(server.port());
  // The client never reads this answer, so writing it cannot finish.
  client.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(200ms);
  server.server().Stop();
  EXPECT_TRUE(server.RunReturnedWithin(5s));
}

TEST_F(HttpServerTest, StopBeforeRunReturnsPromptly) {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  HttpServer server(options, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(server.Start().ok());
  EXPECT_NE(server.port(), 0);
  server.Stop();
  auto run = std::async(std::launch::async, [&] { server.Run(); });
  EXPECT_EQ(run.wait_for(5s), std::future_status::ready);
}

TEST_F(HttpServerTest, StartFailsWhenPortIsTaken) {
  TestServer first;
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = first.port();
  HttpServer second(options, [](const HttpRequest&) { return HttpResponse{}; });
  Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find(std::to_string(first.port())), std::string::npos);
}

TEST_F(HttpServerTest, StartFailsOnUnknownAddress) {
  HttpServerOptions options;
  options.address = "no.such.host.invalid";
  HttpServer server(options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_FALSE(server.Start().ok());
}

}  // namespace
}  // namespace fundament::http
