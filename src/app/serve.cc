#include "app/serve.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "app/data_dir_lock.h"
#include "app/router.h"
#include "app/version.h"
#include "http/log_event.h"
#include "http/server.h"
#include "mqtt/broker.h"
#include "mqttapi/bridge.h"
#include "sta/demo_data.h"
#include "sta/service.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace fundament::app {

namespace {

// Where MQTT over WebSocket is served on the HTTP port.
constexpr const char* kMqttWebSocketPath = "/mqtt";

using http::LogEvent;
using http::LogFields;

void LogFailure(std::string_view message, const Error& error) {
  LogEvent(spdlog::level::err, message, LogFields().Add("error", error.message));
}

sta::ServiceOptions ServiceOptionsFrom(const Config& config) {
  sta::ServiceOptions options;
  options.external_url = config.server.external_url;
  options.default_page_size = config.api.default_page_size;
  options.max_page_size = config.api.max_page_size;
  options.query_limits.max_expand_depth = static_cast<int>(config.api.max_expand_depth);
  options.query_limits.max_top = config.api.max_page_size;
  options.query_limits.filter.max_length = static_cast<size_t>(config.api.max_filter_length);
  options.query_limits.filter.max_depth = static_cast<size_t>(config.api.max_filter_depth);
  options.query_limits.filter.max_nodes = static_cast<size_t>(config.api.max_filter_nodes);
  options.report_internal_error = [](const HttpRequest& request, std::string_view what) {
    LogEvent(spdlog::level::err, "handler failed",
             LogFields()
                 .Add("request_id", request.request_id)
                 .Add("method", request.method)
                 .Add("path", request.Path())
                 .Add("error", what));
  };
  return options;
}

http::HttpServerOptions ServerOptionsFrom(const Config& config) {
  http::HttpServerOptions options;
  options.address = config.server.host;
  options.port = static_cast<uint16_t>(config.server.port);
  options.threads = static_cast<int>(config.server.threads);
  options.handler_threads = static_cast<int>(config.server.handler_threads);
  options.max_header_bytes = static_cast<uint32_t>(config.server.max_header_bytes);
  options.max_body_bytes = static_cast<uint64_t>(config.server.max_body_bytes);
  options.request_timeout = std::chrono::seconds(config.server.request_timeout_seconds);
  options.shutdown_timeout = std::chrono::seconds(config.server.shutdown_timeout_seconds);
  options.cors_allowed_origins = config.server.cors_allowed_origins;
  options.stop_on_signals = true;
  return options;
}

mqtt::BrokerOptions BrokerOptionsFrom(const Config& config) {
  mqtt::BrokerOptions options;
  options.address = config.mqtt.host.empty() ? config.server.host : config.mqtt.host;
  options.port = static_cast<uint16_t>(config.mqtt.port);
  options.threads = 1;
  // Creating an Observation waits for its group commit on one of these;
  // messages waiting together are committed together.
  options.hook_threads = static_cast<int>(config.mqtt.handler_threads);
  options.max_packet_size = static_cast<size_t>(config.mqtt.max_packet_size);
  options.max_connections = static_cast<size_t>(config.mqtt.max_connections);
  options.max_queued_messages = static_cast<size_t>(config.mqtt.max_queued_messages);
  options.overflow_policy = config.mqtt.overflow_policy == "disconnect" ? mqtt::OverflowPolicy::kDisconnect
                                                                        : mqtt::OverflowPolicy::kDropNew;
  options.shutdown_timeout = std::chrono::seconds(config.server.shutdown_timeout_seconds);
  return options;
}

// The server URL in the links of MQTT messages, which answer no request
// whose Host header could say it: server.external_url, else the HTTP
// address and port (the machine's host name for a wildcard address).
std::string MessageServerUrl(const Config& config, const http::HttpServer& server) {
  if (!config.server.external_url.empty()) return config.server.external_url;
  std::string host = config.server.host;
  if (host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = gethostname(name, sizeof name - 1) == 0 && name[0] != '\0' ? name : "localhost";
  }
  if (host.find(':') != std::string::npos && !host.starts_with('[')) host = "[" + host + "]";
  return fmt::format("http://{}:{}", host, server.port());
}

}  // namespace

// Memory that answers gave back must go back to the system. glibc keeps
// freed blocks in per-thread arenas and, after a large block was freed,
// serves even larger ones from those arenas instead of fresh mappings: with
// dozens of handler threads, each large answer ever rendered would stay
// resident. A fixed mapping threshold returns every large buffer when it is
// freed, and a few arenas bound what small allocations keep.
void LimitRetainedMemory() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
  mallopt(M_ARENA_MAX, 4);
}

int Serve(const Config& config, bool demo) {
  LimitRetainedMemory();
  LogEvent(spdlog::level::info, "starting",
           LogFields().Add("version", kVersion).Add("data_dir", config.store.data_dir));

  // Held until Serve returns, after the store is closed (the embedded store only).
  std::optional<DataDirLock> data_dir_lock;
  Result<std::unique_ptr<store::Store>> opened = Internal("no store opened");
  if (store::IsPostgresUrl(config.store.url)) {
    store::PostgresOptions postgres_options;
    postgres_options.url = config.store.url;
    postgres_options.connections = static_cast<int>(config.store.postgres_connections);
    opened = store::OpenPostgresStore(postgres_options);
    if (!opened.ok()) {
      LogFailure("cannot open the store", opened.error());
      return kExitFailure;
    }
    // The URL may hold a password: the log names the kind of store only.
    LogEvent(spdlog::level::info, "store opened", LogFields().Add("store", "postgresql"));
  } else {
    std::error_code ec;
    std::filesystem::create_directories(config.store.data_dir, ec);
    if (ec) {
      LogEvent(spdlog::level::err, "cannot create the data directory",
               LogFields().Add("data_dir", config.store.data_dir).Add("error", ec.message()));
      return kExitFailure;
    }
    Result<DataDirLock> lock = DataDirLock::Acquire(config.store.data_dir);
    if (!lock.ok()) {
      LogFailure("cannot lock the data directory", lock.error());
      return kExitFailure;
    }
    data_dir_lock.emplace(std::move(lock).value());

    store::SqliteOptions sqlite_options;
    sqlite_options.path = (std::filesystem::path(config.store.data_dir) / "fundament.db").string();
    // Reads are CPU-bound: one connection per core keeps every core busy, and
    // each connection costs memory (its page cache, SpatiaLite's state).
    sqlite_options.reader_connections =
        config.store.reader_connections > 0
            ? static_cast<int>(config.store.reader_connections)
            : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    sqlite_options.sync_full = config.store.synchronous == "full";
    sqlite_options.max_group_writes = static_cast<size_t>(config.store.group_commit_max_writes);
    opened = store::OpenSqliteStore(sqlite_options);
    if (!opened.ok()) {
      LogFailure("cannot open the store", opened.error());
      return kExitFailure;
    }
    LogEvent(spdlog::level::info, "store opened", LogFields().Add("path", sqlite_options.path));
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();

  {
    sta::ServiceOptions service_options = ServiceOptionsFrom(config);
    // The MQTT extension: the broker binds its port first, so that the
    // service root can announce it (the actual one when mqtt.port is 0).
    std::unique_ptr<mqttapi::Bridge> bridge;
    std::unique_ptr<mqtt::Broker> broker;
    if (config.mqtt.enabled) {
      mqttapi::BridgeOptions bridge_options;
      bridge_options.max_pending_changes = static_cast<size_t>(config.mqtt.max_pending_changes);
      bridge = std::make_unique<mqttapi::Bridge>(*store, service_options, bridge_options);
      mqtt::BrokerOptions broker_options = BrokerOptionsFrom(config);
      broker_options.hooks = bridge->Hooks();
      broker = std::make_unique<mqtt::Broker>(std::move(broker_options));
      Status listening = broker->Start();
      if (!listening.ok()) {
        LogEvent(spdlog::level::err, "cannot listen",
                 LogFields().Add("protocol", "mqtt").Add("error", listening.error().message));
        return kExitFailure;
      }
      if (config.mqtt.endpoints.empty()) {
        service_options.mqtt_port = broker->port();
        if (config.mqtt.websocket) service_options.mqtt_websocket_path = kMqttWebSocketPath;
      } else {
        service_options.mqtt_endpoints = config.mqtt.endpoints;
      }
    }
    sta::Service service(*store, std::move(service_options));
    if (demo) {
      Status loaded = sta::LoadDemoData(service);
      if (!loaded.ok()) {
        LogFailure("cannot load the demo data", loaded.error());
        return kExitFailure;
      }
      LogEvent(spdlog::level::info, "demo data ready", LogFields());
    }

    RouterTargets targets;
    targets.api_serves = [](std::string_view path) { return sta::Service::Serves(path); };
    targets.api = [&service](const HttpRequest& request) { return service.Handle(request); };
    targets.store_health = [&store] { return store->Health(); };
    targets.external_url = config.server.external_url;
    Router router(std::move(targets));

    http::HttpServerOptions server_options = ServerOptionsFrom(config);
    mqtt::Broker* broker_to_stop = broker.get();
    if (broker && config.mqtt.websocket) {
      // Every broker feature works over WebSocket: the broker sees a
      // transport like any other. The broker stops (closing these) in on_stop.
      server_options.mqtt_websocket.accept = [broker_to_stop](std::unique_ptr<mqtt::Transport> transport) {
        return broker_to_stop->Accept(std::move(transport));
      };
      server_options.mqtt_websocket.path = kMqttWebSocketPath;
      server_options.mqtt_websocket.policy.allowed_origins = config.server.cors_allowed_origins;
      server_options.mqtt_websocket.max_message_bytes = static_cast<size_t>(config.mqtt.max_packet_size);
    }
    server_options.on_stop = [&router, broker_to_stop] {
      router.SetShuttingDown();
      if (broker_to_stop != nullptr) broker_to_stop->Stop();
    };
    http::HttpServer server(std::move(server_options),
                            [&router](const HttpRequest& request) { return router.Handle(request); });
    Status started = server.Start();
    if (!started.ok()) {
      LogFailure("cannot listen", started.error());
      return kExitFailure;
    }
    int threads = config.server.threads > 0
                      ? static_cast<int>(config.server.threads)
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    LogEvent(spdlog::level::info, "listening",
             LogFields()
                 .Add("protocol", "http")
                 .Add("address", server.address())
                 .AddInt("port", server.port())
                 .AddInt("threads", threads)
                 .AddInt("handler_threads", config.server.handler_threads));

    std::optional<mqttapi::BrokerSink> sink;
    std::thread broker_thread;
    if (broker) {
      sink.emplace(*broker);
      bridge->Start(*sink, MessageServerUrl(config, server));
      broker_thread = std::thread([&broker] { broker->Run(); });
      LogEvent(spdlog::level::info, "listening",
               LogFields()
                   .Add("protocol", "mqtt")
                   .Add("address", broker->address())
                   .AddInt("port", broker->port())
                   .Add("websocket", config.mqtt.websocket ? kMqttWebSocketPath : "off")
                   .AddInt("handler_threads", config.mqtt.handler_threads));
    }
    server.Run();
    if (broker) {
      // The HTTP server stopped for a signal, and told the broker to stop
      // too; this is for any other reason. Connections finish their hook (a
      // message being written is committed and acknowledged) first.
      broker->Stop();
      broker_thread.join();
      bridge->Stop();
      const mqttapi::BridgeStats stats = bridge->Stats();
      LogEvent(spdlog::level::info, "mqtt stopped",
               LogFields()
                   .AddInt("observations_created", static_cast<int64_t>(stats.observations_created))
                   .AddInt("messages_published", static_cast<int64_t>(stats.messages_published))
                   .AddInt("changes_dropped", static_cast<int64_t>(stats.changes_dropped)));
    }
    LogEvent(spdlog::level::info, "server stopped", LogFields());
  }
  // Only now that no request can reach it any more.
  store.reset();
  LogEvent(spdlog::level::info, "store closed", LogFields());
  return kExitOk;
}

}  // namespace fundament::app
