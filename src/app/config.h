// The server's configuration and where it comes from.
//
// Every option has a built-in default and can be set, each source overriding
// the one before: a TOML file (`--config FILE`), then environment variables
// FUNDAMENT_<SECTION>_<KEY> (FUNDAMENT_SERVER_PORT, FUNDAMENT_STORE_DATA_DIR),
// then command-line flags. Anything that is not a known option or not a valid
// value for it is an error naming the source (file and line, variable or
// flag) and the option; nothing is silently ignored, except environment
// variables that name no option (FUNDAMENT_ is a common prefix in scripts).
// docs/configuration.md lists every option.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fundament::app {

struct ServerConfig {
  std::string host = "0.0.0.0";
  int64_t port = 8080;       // 0: an ephemeral port (logged at start)
  int64_t threads = 0;       // event-loop threads; 0: one per hardware core
  int64_t handler_threads = 64;
  std::string external_url;  // without trailing slash; "": derived from requests
  int64_t max_body_bytes = 16 * 1024 * 1024;
  int64_t max_header_bytes = 8 * 1024;
  int64_t request_timeout_seconds = 30;
  int64_t shutdown_timeout_seconds = 10;
  std::vector<std::string> cors_allowed_origins = {"*"};

  bool operator==(const ServerConfig&) const = default;
};

struct StoreConfig {
  // "": the embedded SQLite store in data_dir; postgresql://…: that
  // PostgreSQL database (docs/storage.md).
  std::string url;
  std::string data_dir = "./data";
  int64_t reader_connections = 0;  // 0: one per hardware core, at least 2
  std::string synchronous = "normal";  // "normal" or "full"
  int64_t group_commit_max_writes = 512;
  int64_t postgres_connections = 8;  // the PostgreSQL store's connection pool

  bool operator==(const StoreConfig&) const = default;
};

struct ApiConfig {
  int64_t default_page_size = 100;
  int64_t max_page_size = 10000;
  int64_t max_expand_depth = 5;
  int64_t max_filter_length = 8192;
  int64_t max_filter_depth = 64;
  int64_t max_filter_nodes = 2000;

  bool operator==(const ApiConfig&) const = default;
};

// The SensorThings MQTT extension (docs/mqtt.md).
struct MqttConfig {
  bool enabled = true;
  std::string host;     // "": the same as server.host
  int64_t port = 1883;  // 0: an ephemeral port (logged at start)
  // Announced in the service root; empty: mqtt://<host the client used>:<port>
  // (and, with websocket, ws://<the server URL>/mqtt).
  std::vector<std::string> endpoints;
  // MQTT over WebSocket on the HTTP port at /mqtt.
  bool websocket = true;
  int64_t handler_threads = 16;  // threads creating Observations from messages
  int64_t max_packet_size = 1024 * 1024;
  int64_t max_connections = 10000;
  int64_t max_queued_messages = 1000;    // per client
  std::string overflow_policy = "drop";  // "drop" or "disconnect"
  int64_t max_pending_changes = 100000;

  bool operator==(const MqttConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "json";  // "json" or "text"

  bool operator==(const LogConfig&) const = default;
};

struct Config {
  ServerConfig server;
  StoreConfig store;
  ApiConfig api;
  MqttConfig mqtt;
  LogConfig log;

  bool operator==(const Config&) const = default;
};

// Looks up an environment variable; nullopt when unset. Replaceable in tests.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// The environment of this process.
Environment ProcessEnvironment();

// A value given on the command line for option `key` ("server.port"); `flag`
// ("--port") names it in error messages.
struct FlagValue {
  std::string key;
  std::string value;
  std::string flag;
};

// Applies the TOML document `text` to `config`; `source_name` (the file name)
// prefixes error messages.
Status ApplyToml(std::string_view text, std::string_view source_name, Config& config);

// Reads and applies the TOML file at `path`.
Status ApplyTomlFile(const std::string& path, Config& config);

// Applies the FUNDAMENT_<SECTION>_<KEY> variables that `environment` has.
// Lists are comma-separated.
Status ApplyEnvironment(const Environment& environment, Config& config);

// Applies command-line values.
Status ApplyFlags(const std::vector<FlagValue>& flags, Config& config);

// Checks rules that involve more than one option.
Status Validate(const Config& config);

// Defaults, then the file at `config_file` (none when empty), then the
// environment, then `flags`; then Validate().
Result<Config> LoadConfig(const std::string& config_file, const Environment& environment,
                          const std::vector<FlagValue>& flags);

// The name of every option ("server.port", "store.data_dir", …), in the order
// of docs/configuration.md.
std::vector<std::string> OptionNames();

// The environment variable for an option: EnvironmentVariableFor("server.port")
// is "FUNDAMENT_SERVER_PORT".
std::string EnvironmentVariableFor(std::string_view key);

}  // namespace fundament::app
