#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <csignal>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/event_loop.h"
#include "http/cors.h"
#include "http/log_event.h"
#include "http/request_id.h"
#include "http/websocket_handshake.h"
#include "http/websocket_transport.h"
#include "mqtt/transport.h"

namespace fundament::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// How long a connection that is being closed after an error (or a final
// answer) keeps reading and discarding what the client still sends, so that
// the client gets to read the answer instead of a connection reset.
constexpr std::chrono::seconds kDrainTimeout{2};

// Pause before accepting again after accept() failed (e.g. out of descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// The value of the Date header for the current second (RFC 9110 §5.6.7).
std::string HttpDate() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[64];
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm parts;
    gmtime_r(&now, &parts);
    std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached_second = now;
  }
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Header fields that the server manages itself and a handler may not set.
bool IsServerManagedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "x-request-id") ||
         EqualsIgnoreCase(name, "date");
}

// Statuses whose responses never carry a body (RFC 9110 §6.4.1).
bool StatusForbidsBody(int status) { return status < 200 || status == 204 || status == 304; }

HttpResponse ErrorResponse(const Error& error) {
  HttpResponse response;
  response.status = error.http_status();
  response.body = error.ToJson();
  return response;
}

// 431 has no ErrorCode of its own; its body has the shape of Error::ToJson.
HttpResponse HeaderTooLargeResponse(uint32_t limit) {
  boost::json::object body;
  body["code"] = 431;
  body["error"] = "request_header_fields_too_large";
  body["message"] = "the request line and header fields exceed " + std::to_string(limit) + " bytes";
  HttpResponse response;
  response.status = 431;
  response.body = boost::json::serialize(body);
  return response;
}

class Session;

// The state shared by the listener and all connections.
class ServerCore {
 public:
  ServerCore(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)), cors_(options_.cors_allowed_origins) {
    if (options_.handler_threads > 0)
      handler_pool_ = std::make_unique<net::thread_pool>(static_cast<size_t>(options_.handler_threads));
  }

  ~ServerCore() {
    // Connections still queued in io_ are destroyed with it (below, first of
    // all members); they must not schedule anything on the dying io_context.
    destroying_ = true;
  }

  Status Start();
  void Run();
  void Stop();
  bool stopping() const { return stopping_.load(); }
  uint16_t port() const { return bound_port_; }
  const std::string& address() const { return bound_address_; }

  const HttpServerOptions& options() const { return options_; }
  const CorsPolicy& cors() const { return cors_; }
  HttpResponse CallHandler(const HttpRequest& request);
  // The pool handlers run on; null when they run on the event-loop threads.
  net::thread_pool* handler_pool() { return handler_pool_.get(); }
  void OnSessionClosed(uint64_t id);
  // Wraps the socket of an upgraded connection, counted as open until the
  // channel is destroyed.
  std::shared_ptr<WebSocketChannel> OpenWebSocket(tcp::socket socket);
  // Gives a WebSocket whose handshake is done to mqtt_websocket.accept.
  void HandOver(std::unique_ptr<WebSocketTransport> transport);

 private:
  Result<tcp::endpoint> ResolveEndpoint() const;
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void WaitForSignal();
  void BeginShutdown();

  const HttpServerOptions options_;
  const HttpHandler handler_;
  const CorsPolicy cors_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> destroying_{false};
  uint16_t bound_port_ = 0;
  std::string bound_address_;

  std::mutex sessions_mutex_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mutex_
  // Upgraded connections, by ids from the same sequence; guarded by sessions_mutex_.
  std::unordered_map<uint64_t, std::weak_ptr<WebSocketChannel>> websockets_;
  uint64_t next_session_id_ = 0;                                   // guarded by sessions_mutex_

  // Declared after everything the connections use, so destroyed before it.
  net::io_context io_;
  // The listener's objects are used only on this strand.
  net::strand<net::io_context::executor_type> strand_{net::make_strand(io_)};
  tcp::acceptor acceptor_{strand_};
  net::signal_set signals_{strand_};
  net::steady_timer accept_retry_{strand_};
  net::steady_timer shutdown_deadline_{strand_};
  // Declared last, so destroyed (joined) first: its queued work refers to
  // connections and to io_.
  std::unique_ptr<net::thread_pool> handler_pool_;
};

// One connection: reads requests one after the other (pipelined ones wait in
// buffer_), answers each before reading the next. All its work runs on the
// strand of its socket.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerCore& server, uint64_t id, tcp::socket socket, std::string remote)
      : server_(server), id_(id), stream_(std::move(socket)), remote_(std::move(remote)) {}

  ~Session() { server_.OnSessionClosed(id_); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Closes the connection if no request has begun to arrive on it (an idle
  // keep-alive connection) or it is only being drained.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      bool idle = self->phase_ == Phase::kReading && self->buffer_.size() == 0;
      if (idle || self->phase_ == Phase::kDraining) self->Close();
    });
  }

  // Closes the connection whatever it is doing (the shutdown timeout).
  void Abort() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  enum class Phase {
    kReading,    // waiting for the next request's header
    kReceiving,  // header received, reading the body
    kHandling,
    kWriting,
    kDraining,  // answered for the last time, discarding input until the peer closes
    kClosed,
  };

  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Handle();
  void Upgrade(const HttpRequest& request);
  void Write(HttpResponse response, bool keep_alive);
  void OnWrite(beast::error_code ec);
  void Drain();
  void Close();
  void LogAccess();

  ServerCore& server_;
  const uint64_t id_;
  beast::tcp_stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  Phase phase_ = Phase::kReading;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_response_;
  bhttp::response<bhttp::string_body> response_;
  std::array<char, 4096> drain_buffer_;

  // About the request being answered, for the access log.
  std::string method_;
  std::string target_;
  std::string request_id_;
  Clock::time_point started_;
  size_t body_bytes_ = 0;
  bool keep_alive_ = false;
};

void Session::ReadHeader() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kReading;
  parser_.emplace();
  parser_->header_limit(server_.options().max_header_bytes);
  parser_->body_limit(server_.options().max_body_bytes);
  method_ = "-";
  target_ = "-";
  request_id_.clear();
  started_ = {};
  stream_.expires_after(server_.options().request_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  phase_ = Phase::kReceiving;
  started_ = Clock::now();
  const auto& request = parser_->get();
  method_ = std::string(request.method_string());
  target_ = std::string(request.target());
  request_id_ = RequestIdFor(request["x-request-id"]);
  if (parser_->is_done()) return Handle();
  if (EqualsIgnoreCase(request[bhttp::field::expect], "100-continue")) {
    continue_response_ = {bhttp::status::continue_, request.version()};
    stream_.expires_after(server_.options().request_timeout);
    bhttp::async_write(stream_, continue_response_,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  stream_.expires_after(server_.options().request_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  Handle();
}

void Session::OnReadError(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  const auto& http_category = bhttp::make_error_code(bhttp::error::end_of_stream).category();
  // The peer went away, the wait timed out, or the server closed the
  // connection: nobody to answer.
  if (ec.category() != http_category || ec == bhttp::error::end_of_stream ||
      ec == bhttp::error::partial_message) {
    return Close();
  }
  // The request line (and, for a body too large, the whole header) may have
  // been parsed before the error; the access log and the id should show it.
  const auto& partial = parser_->get();
  if (method_ == "-" && !partial.method_string().empty()) {
    method_ = std::string(partial.method_string());
    target_ = std::string(partial.target());
  }
  if (request_id_.empty()) request_id_ = RequestIdFor(partial["x-request-id"]);
  if (started_ == Clock::time_point{}) started_ = Clock::now();
  HttpResponse response;
  if (ec == bhttp::error::body_limit) {
    response = ErrorResponse(
        Error{ErrorCode::kPayloadTooLarge,
              "the request body exceeds " + std::to_string(server_.options().max_body_bytes) + " bytes",
              {}});
  } else if (ec == bhttp::error::header_limit) {
    response = HeaderTooLargeResponse(server_.options().max_header_bytes);
  } else {
    response = ErrorResponse(BadRequest("malformed HTTP request: " + ec.message()));
  }
  // A page on another origin can read the error only with CORS headers, which
  // need the Origin header: parsed when the body is too large or malformed,
  // though not when the header section itself is too large.
  HttpRequest origin_only;
  origin_only.method = method_;
  if (std::string_view origin = partial[bhttp::field::origin]; !origin.empty())
    origin_only.headers.emplace_back("origin", std::string(origin));
  server_.cors().AddHeaders(origin_only, response);
  Write(std::move(response), /*keep_alive=*/false);
}

void Session::Handle() {
  phase_ = Phase::kHandling;
  auto& message = parser_->get();
  HttpRequest request;
  // The handler answers HEAD as GET; Write() drops the body.
  bool head = message.method() == bhttp::verb::head;
  request.method = head ? "GET" : std::string(message.method_string());
  request.target = std::string(message.target());
  request.headers.reserve(std::distance(message.begin(), message.end()));
  for (const auto& field : message) request.headers.emplace_back(ToLower(field.name_string()), field.value());
  request.body = std::move(message.body());
  request.request_id = request_id_;
  bool keep_alive = message.keep_alive();

  const MqttWebSocketOptions& websocket = server_.options().mqtt_websocket;
  if (websocket.accept && request.Path() == websocket.path) return Upgrade(request);
  if (std::optional<HttpResponse> preflight = server_.cors().Preflight(request)) {
    Write(std::move(*preflight), keep_alive && !server_.stopping());
    return;
  }
  net::thread_pool* handlers = server_.handler_pool();
  if (handlers == nullptr) {
    HttpResponse response = server_.CallHandler(request);
    server_.cors().AddHeaders(request, response);
    Write(std::move(response), keep_alive && !server_.stopping());
    return;
  }
  // The work guard keeps the event loop running while the handler does, so
  // that Run() cannot return with an answer still to write.
  net::post(*handlers, [self = shared_from_this(), request = std::move(request), keep_alive,
                        work = net::make_work_guard(stream_.get_executor())]() mutable {
    HttpResponse response = self->server_.CallHandler(request);
    self->server_.cors().AddHeaders(request, response);
    net::post(self->stream_.get_executor(), [self, response = std::move(response), keep_alive]() mutable {
      self->Write(std::move(response), keep_alive && !self->server_.stopping());
    });
  });
}

void Session::Upgrade(const HttpRequest& request) {
  std::optional<HttpResponse> refusal = CheckMqttUpgrade(request, server_.options().mqtt_websocket.policy);
  if (!refusal && parser_->get().version() != 11)
    refusal = ErrorResponse(BadRequest("a WebSocket handshake must be sent over HTTP/1.1"));
  // RFC 6455 §4.1: the client sends no data before the handshake is answered.
  if (!refusal && buffer_.size() != 0)
    refusal = ErrorResponse(BadRequest("data arrived after the WebSocket handshake before its answer"));
  if (!refusal && server_.stopping())
    refusal = ErrorResponse(Error{ErrorCode::kUnavailable, "the server is shutting down", {}});
  if (refusal) return Write(std::move(*refusal), /*keep_alive=*/false);

  // The socket belongs to the WebSocket from now on; this session ends.
  phase_ = Phase::kClosed;
  response_ = {};
  response_.result(bhttp::status::switching_protocols);
  body_bytes_ = 0;
  LogAccess();
  const MqttWebSocketOptions& options = server_.options().mqtt_websocket;
  WebSocketOptions limits;
  limits.max_message_bytes = options.max_message_bytes;
  limits.handshake_timeout = server_.options().request_timeout;
  limits.idle_timeout = options.idle_timeout;
  std::shared_ptr<WebSocketChannel> channel = server_.OpenWebSocket(stream_.release_socket());
  WebSocketTransport::Accept(std::move(channel), parser_->release(), limits,
                             [&server = server_](std::unique_ptr<WebSocketTransport> transport) {
                               server.HandOver(std::move(transport));
                             });
}

void Session::Write(HttpResponse response, bool keep_alive) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kWriting;
  keep_alive_ = keep_alive;
  bool head = parser_ && parser_->is_header_done() && parser_->get().method() == bhttp::verb::head;
  unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;

  if (response.status < 100 || response.status > 999) {
    spdlog::error("handler returned invalid status {} for request {}", response.status, request_id_);
    response = ErrorResponse(Internal("invalid response status"));
  }
  response_ = {};
  response_.version(version);
  response_.result(static_cast<unsigned>(response.status));
  bool forbids_body = StatusForbidsBody(response.status);
  if (!forbids_body && !response.content_type.empty())
    response_.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) {
    if (IsServerManagedHeader(name)) continue;
    // A CR or LF would end the header field early (response splitting).
    if (name.empty() || name.find_first_of("\r\n: ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      spdlog::error("dropping invalid response header field '{}' for request {}", name, request_id_);
      continue;
    }
    response_.insert(name, value);
  }
  response_.set("X-Request-Id", request_id_);
  response_.set(bhttp::field::date, HttpDate());
  response_.keep_alive(keep_alive);
  body_bytes_ = 0;
  if (!forbids_body) {
    response_.content_length(response.body.size());
    // A HEAD answer announces the length the GET answer would have had.
    if (!head) {
      body_bytes_ = response.body.size();
      response_.body() = std::move(response.body);
    }
  }
  stream_.expires_after(server_.options().request_timeout);
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(beast::error_code ec) {
  LogAccess();
  response_ = {};
  if (ec) return Close();
  if (!keep_alive_ || server_.stopping()) return Drain();
  ReadHeader();
}

void Session::Drain() {
  if (phase_ == Phase::kClosed) return;
  if (phase_ != Phase::kDraining) {
    phase_ = Phase::kDraining;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kDrainTimeout);
  }
  stream_.async_read_some(net::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->Drain();
                          });
}

void Session::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void Session::LogAccess() {
  std::string_view target = target_;
  size_t query_start = target.find('?');
  double latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  LogFields fields;
  fields.Add("request_id", request_id_).Add("method", method_).Add("path", target.substr(0, query_start));
  if (query_start != std::string_view::npos) fields.Add("query", target.substr(query_start + 1));
  fields.AddInt("status", response_.result_int())
      .AddInt("bytes", static_cast<int64_t>(body_bytes_))
      .AddNumber("latency_ms", std::round(latency_ms * 1000.0) / 1000.0)
      .Add("remote", remote_);
  LogEvent(spdlog::level::info, "request", fields);
}

HttpResponse ServerCore::CallHandler(const HttpRequest& request) {
  auto log_failure = [&](std::string_view what) {
    LogEvent(spdlog::level::err, "handler failed",
             LogFields()
                 .Add("request_id", request.request_id)
                 .Add("method", request.method)
                 .Add("path", request.Path())
                 .Add("error", what));
  };
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    log_failure(e.what());
  } catch (...) {
    log_failure("exception of unknown type");
  }
  return ErrorResponse(Internal("internal error while answering the request"));
}

void ServerCore::OnSessionClosed(uint64_t id) {
  bool last;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(id);
    websockets_.erase(id);
    last = sessions_.empty() && websockets_.empty();
  }
  if (last && stopping_ && !destroying_) net::post(strand_, [this] { shutdown_deadline_.cancel(); });
}

std::shared_ptr<WebSocketChannel> ServerCore::OpenWebSocket(tcp::socket socket) {
  std::lock_guard lock(sessions_mutex_);
  uint64_t id = next_session_id_++;
  auto channel = std::make_shared<WebSocketChannel>(std::move(socket), [this, id] { OnSessionClosed(id); });
  websockets_.emplace(id, channel);
  return channel;
}

void ServerCore::HandOver(std::unique_ptr<WebSocketTransport> transport) {
  std::string remote = transport->remote();
  Status accepted = options_.mqtt_websocket.accept(std::move(transport));
  if (!accepted.ok()) {
    LogEvent(spdlog::level::info, "mqtt websocket refused",
             LogFields().Add("remote", remote).Add("error", accepted.error().message));
  }
}

Result<tcp::endpoint> ServerCore::ResolveEndpoint() const {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options_.address, ec);
  if (!ec) return tcp::endpoint(address, options_.port);
  // A host name such as "localhost": take its first address.
  net::io_context resolver_context;
  tcp::resolver resolver(resolver_context);
  auto results = resolver.resolve(options_.address, std::to_string(options_.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    return Error{ErrorCode::kUnavailable,
                 "cannot resolve listen address '" + options_.address + "': " + ec.message(),
                 {}};
  return results.begin()->endpoint();
}

Status ServerCore::Start() {
  FUNDAMENT_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ResolveEndpoint());
  beast::error_code ec;
  auto fail = [&](const char* what) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot {} {}:{}: {}", what, options_.address, options_.port, ec.message()),
                 {}};
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
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
  if (options_.stop_on_signals) {
    signals_.add(SIGINT, ec);
    if (!ec) signals_.add(SIGTERM, ec);
    if (ec) return fail("install signal handlers for");
    WaitForSignal();
  }
  Accept();
  return Status::Ok();
}

void ServerCore::WaitForSignal() {
  signals_.async_wait([this](beast::error_code ec, int signal_number) {
    if (ec) return;
    LogEvent(spdlog::level::info, "shutting down",
             LogFields().Add("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"));
    Stop();
  });
}

void ServerCore::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || !acceptor_.is_open()) return;
  if (ec) {
    spdlog::warn("accepting a connection failed: {}", ec.message());
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  tcp::endpoint remote = socket.remote_endpoint(ignored);
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mutex_);
    uint64_t id = next_session_id_++;
    session = std::make_shared<Session>(*this, id, std::move(socket), remote.address().to_string());
    sessions_.emplace(id, session);
  }
  session->Start();
  Accept();
}

void ServerCore::Stop() {
  if (stopping_.exchange(true)) return;
  net::post(strand_, [this] { BeginShutdown(); });
}

void ServerCore::BeginShutdown() {
  if (options_.on_stop) {
    try {
      options_.on_stop();
    } catch (const std::exception& e) {
      spdlog::error("shutdown callback failed: {}", e.what());
    }
  }
  beast::error_code ignored;
  acceptor_.close(ignored);
  signals_.cancel(ignored);
  accept_retry_.cancel();
  std::vector<std::shared_ptr<Session>> open;
  bool websockets_open;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, weak] : sessions_)
      if (auto session = weak.lock()) open.push_back(std::move(session));
    websockets_open = !websockets_.empty();
  }
  if (open.empty() && !websockets_open) return;
  for (auto& session : open) session->CloseIfIdle();
  open.clear();
  shutdown_deadline_.expires_after(options_.shutdown_timeout);
  shutdown_deadline_.async_wait([this](beast::error_code ec) {
    if (ec) return;  // every connection closed in time
    std::vector<std::shared_ptr<Session>> sessions;
    std::vector<std::shared_ptr<WebSocketChannel>> websockets;
    {
      std::lock_guard lock(sessions_mutex_);
      for (auto& [id, weak] : sessions_)
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
      for (auto& [id, weak] : websockets_)
        if (auto channel = weak.lock()) websockets.push_back(std::move(channel));
    }
    if (sessions.empty() && websockets.empty()) return;
    // Closing rather than stopping the event loop: a WebSocket's MQTT
    // connection still posts to this loop until it has ended.
    spdlog::warn("shutdown timeout: closing {} open connection(s) at once", sessions.size() + websockets.size());
    for (auto& session : sessions) session->Abort();
    for (auto& channel : websockets) channel->Abort(channel);
  });
}

void ServerCore::Run() {
  RunEventLoop(io_, options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency()),
               "HTTP");
  // After a shutdown timeout connections are closed with handlers still
  // running; a thread cannot be cancelled, so they are waited for.
  if (handler_pool_) handler_pool_->join();
}

}  // namespace

class HttpServer::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::address() const { return impl_->address(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }
bool HttpServer::stopping() const { return impl_->stopping(); }

}  // namespace fundament::http
