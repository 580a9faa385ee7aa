#include "app/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fundament::app {

namespace {

enum class Kind { kString, kInteger, kStringList, kBoolean };

// One configuration option: where it lives in the file and in Config, and
// what values it takes.
struct OptionDef {
  std::string_view section;
  std::string_view key;
  Kind kind;
  std::string* (*string_field)(Config&) = nullptr;
  int64_t* (*integer_field)(Config&) = nullptr;
  std::vector<std::string>* (*list_field)(Config&) = nullptr;
  bool* (*bool_field)(Config&) = nullptr;
  int64_t min = 0;
  int64_t max = 0;
  std::vector<std::string_view> choices = {};  // allowed strings; empty = any
  bool non_empty = false;
  bool url = false;  // http(s) URL; a trailing slash is dropped

  std::string Name() const { return fmt::format("{}.{}", section, key); }
};

OptionDef StringOption(std::string_view section, std::string_view key, std::string* (*field)(Config&)) {
  OptionDef def{section, key, Kind::kString};
  def.string_field = field;
  return def;
}

OptionDef IntegerOption(std::string_view section, std::string_view key, int64_t* (*field)(Config&),
                        int64_t min, int64_t max) {
  OptionDef def{section, key, Kind::kInteger};
  def.integer_field = field;
  def.min = min;
  def.max = max;
  return def;
}

OptionDef ListOption(std::string_view section, std::string_view key,
                     std::vector<std::string>* (*field)(Config&)) {
  OptionDef def{section, key, Kind::kStringList};
  def.list_field = field;
  return def;
}

OptionDef BooleanOption(std::string_view section, std::string_view key, bool* (*field)(Config&)) {
  OptionDef def{section, key, Kind::kBoolean};
  def.bool_field = field;
  return def;
}

OptionDef WithChoices(OptionDef def, std::vector<std::string_view> choices) {
  def.choices = std::move(choices);
  return def;
}

OptionDef NonEmpty(OptionDef def) {
  def.non_empty = true;
  return def;
}

OptionDef Url(OptionDef def) {
  def.url = true;
  return def;
}

constexpr int64_t kGiB = int64_t{1} << 30;

// The URL schemes of MQTT endpoints (the WebSocket ones for a proxy in front).
constexpr std::string_view kMqttSchemes[] = {"mqtt://", "mqtts://", "ws://", "wss://"};

const std::vector<OptionDef>& Options() {
  static const std::vector<OptionDef> options = {
      NonEmpty(StringOption("server", "host", [](Config& c) { return &c.server.host; })),
      IntegerOption(
          "server", "port", [](Config& c) { return &c.server.port; }, 0, 65535),
      IntegerOption(
          "server", "threads", [](Config& c) { return &c.server.threads; }, 0, 1024),
      IntegerOption(
          "server", "handler_threads", [](Config& c) { return &c.server.handler_threads; }, 1, 4096),
      Url(StringOption("server", "external_url", [](Config& c) { return &c.server.external_url; })),
      IntegerOption(
          "server", "max_body_bytes", [](Config& c) { return &c.server.max_body_bytes; }, 1, 4 * kGiB),
      IntegerOption(
          "server", "max_header_bytes", [](Config& c) { return &c.server.max_header_bytes; }, 1024,
          1024 * 1024),
      IntegerOption(
          "server", "request_timeout_seconds", [](Config& c) { return &c.server.request_timeout_seconds; }, 1,
          3600),
      IntegerOption(
          "server", "shutdown_timeout_seconds", [](Config& c) { return &c.server.shutdown_timeout_seconds; },
          0, 3600),
      ListOption("server", "cors_allowed_origins", [](Config& c) { return &c.server.cors_allowed_origins; }),
      StringOption("store", "url", [](Config& c) { return &c.store.url; }),
      NonEmpty(StringOption("store", "data_dir", [](Config& c) { return &c.store.data_dir; })),
      IntegerOption(
          "store", "reader_connections", [](Config& c) { return &c.store.reader_connections; }, 0, 256),
      WithChoices(StringOption("store", "synchronous", [](Config& c) { return &c.store.synchronous; }),
                  {"normal", "full"}),
      IntegerOption(
          "store", "group_commit_max_writes", [](Config& c) { return &c.store.group_commit_max_writes; }, 1,
          100000),
      IntegerOption(
          "store", "postgres_connections", [](Config& c) { return &c.store.postgres_connections; }, 1, 1000),
      IntegerOption(
          "api", "default_page_size", [](Config& c) { return &c.api.default_page_size; }, 1, 1000000),
      IntegerOption(
          "api", "max_page_size", [](Config& c) { return &c.api.max_page_size; }, 1, 1000000),
      IntegerOption(
          "api", "max_expand_depth", [](Config& c) { return &c.api.max_expand_depth; }, 0, 20),
      IntegerOption(
          "api", "max_filter_length", [](Config& c) { return &c.api.max_filter_length; }, 16, 1024 * 1024),
      IntegerOption(
          "api", "max_filter_depth", [](Config& c) { return &c.api.max_filter_depth; }, 2, 512),
      IntegerOption(
          "api", "max_filter_nodes", [](Config& c) { return &c.api.max_filter_nodes; }, 3, 1000000),
      BooleanOption("mqtt", "enabled", [](Config& c) { return &c.mqtt.enabled; }),
      StringOption("mqtt", "host", [](Config& c) { return &c.mqtt.host; }),
      IntegerOption(
          "mqtt", "port", [](Config& c) { return &c.mqtt.port; }, 0, 65535),
      ListOption("mqtt", "endpoints", [](Config& c) { return &c.mqtt.endpoints; }),
      BooleanOption("mqtt", "websocket", [](Config& c) { return &c.mqtt.websocket; }),
      IntegerOption(
          "mqtt", "handler_threads", [](Config& c) { return &c.mqtt.handler_threads; }, 1, 4096),
      // MQTT's own ceiling: a remaining length of at most 268435455 bytes
      // plus a fixed header of at most 5.
      IntegerOption(
          "mqtt", "max_packet_size", [](Config& c) { return &c.mqtt.max_packet_size; }, 64, 268435460),
      IntegerOption(
          "mqtt", "max_connections", [](Config& c) { return &c.mqtt.max_connections; }, 1, 1000000),
      IntegerOption(
          "mqtt", "max_queued_messages", [](Config& c) { return &c.mqtt.max_queued_messages; }, 1, 1000000),
      WithChoices(StringOption("mqtt", "overflow_policy", [](Config& c) { return &c.mqtt.overflow_policy; }),
                  {"drop", "disconnect"}),
      IntegerOption(
          "mqtt", "max_pending_changes", [](Config& c) { return &c.mqtt.max_pending_changes; }, 1, 100000000),
      WithChoices(StringOption("log", "level", [](Config& c) { return &c.log.level; }),
                  {"trace", "debug", "info", "warn", "error", "critical", "off"}),
      WithChoices(StringOption("log", "format", [](Config& c) { return &c.log.format; }), {"json", "text"}),
  };
  return options;
}

const OptionDef* FindOption(std::string_view section, std::string_view key) {
  for (const OptionDef& def : Options())
    if (def.section == section && def.key == key) return &def;
  return nullptr;
}

bool IsSection(std::string_view name) {
  return std::any_of(Options().begin(), Options().end(),
                     [&](const OptionDef& def) { return def.section == name; });
}

Error ConfigError(std::string message) { return BadRequest(std::move(message)); }

// Checks a string value against the option's rules and stores it.
Status SetString(const OptionDef& def, std::string value, Config& config, std::string_view origin) {
  if (def.non_empty && value.empty())
    return ConfigError(fmt::format("{}: {} must not be empty", origin, def.Name()));
  if (!def.choices.empty() && std::find(def.choices.begin(), def.choices.end(), value) == def.choices.end()) {
    return ConfigError(fmt::format("{}: {}: must be one of {}, got \"{}\"", origin, def.Name(),
                                   fmt::join(def.choices, ", "), value));
  }
  if (def.url && !value.empty()) {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
      return ConfigError(
          fmt::format("{}: {}: must start with http:// or https://, got \"{}\"", origin, def.Name(), value));
    while (!value.empty() && value.back() == '/') value.pop_back();
  }
  *def.string_field(config) = std::move(value);
  return Status::Ok();
}

Status SetInteger(const OptionDef& def, int64_t value, Config& config, std::string_view origin) {
  if (value < def.min || value > def.max)
    return ConfigError(fmt::format("{}: {}: must be between {} and {}, got {}", origin, def.Name(), def.min,
                                   def.max, value));
  *def.integer_field(config) = value;
  return Status::Ok();
}

// Sets an option from text (an environment variable or a flag).
Status SetFromText(const OptionDef& def, std::string_view text, Config& config, std::string_view origin) {
  switch (def.kind) {
    case Kind::kString:
      return SetString(def, std::string(text), config, origin);
    case Kind::kInteger: {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return ConfigError(fmt::format("{}: {}: expected an integer, got \"{}\"", origin, def.Name(), text));
      return SetInteger(def, value, config, origin);
    }
    case Kind::kBoolean:
      if (text != "true" && text != "false")
        return ConfigError(fmt::format("{}: {}: expected true or false, got \"{}\"", origin, def.Name(), text));
      *def.bool_field(config) = text == "true";
      return Status::Ok();
    case Kind::kStringList: {
      std::vector<std::string> items;
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        start = comma + 1;
      }
      *def.list_field(config) = std::move(items);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

const char* TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Status SetFromToml(const OptionDef& def, const toml::node& node, Config& config, std::string_view origin) {
  switch (def.kind) {
    case Kind::kString:
      if (!node.is_string())
        return ConfigError(
            fmt::format("{}: {}: expected a string, got {}", origin, def.Name(), TomlTypeName(node)));
      return SetString(def, *node.value<std::string>(), config, origin);
    case Kind::kInteger:
      if (!node.is_integer())
        return ConfigError(
            fmt::format("{}: {}: expected an integer, got {}", origin, def.Name(), TomlTypeName(node)));
      return SetInteger(def, *node.value<int64_t>(), config, origin);
    case Kind::kBoolean:
      if (!node.is_boolean())
        return ConfigError(
            fmt::format("{}: {}: expected a boolean, got {}", origin, def.Name(), TomlTypeName(node)));
      *def.bool_field(config) = *node.value<bool>();
      return Status::Ok();
    case Kind::kStringList: {
      const toml::array* array = node.as_array();
      if (array == nullptr || !std::all_of(array->begin(), array->end(),
                                           [](const toml::node& item) { return item.is_string(); })) {
        return ConfigError(fmt::format("{}: {}: expected an array of strings", origin, def.Name()));
      }
      std::vector<std::string> items;
      for (const toml::node& item : *array) items.push_back(*item.value<std::string>());
      *def.list_field(config) = std::move(items);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

std::string Origin(std::string_view source_name, const toml::source_region& region) {
  return fmt::format("{}:{}", source_name, region.begin.line);
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::vector<std::string> OptionNames() {
  std::vector<std::string> names;
  for (const OptionDef& def : Options()) names.push_back(def.Name());
  return names;
}

std::string EnvironmentVariableFor(std::string_view key) {
  std::string name = "FUNDAMENT_";
  for (char c : key)
    name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

Status ApplyToml(std::string_view text, std::string_view source_name, Config& config) {
  toml::table document;
  try {
    document = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return ConfigError(fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line,
                                   e.source().begin.column, e.description()));
  }
  for (const auto& [section_key, section_node] : document) {
    std::string_view section = section_key.str();
    if (!IsSection(section)) {
      const char* what = section_node.is_table() ? "section" : "option";
      return ConfigError(
          fmt::format("{}: unknown {} '{}'", Origin(source_name, section_key.source()), what, section));
    }
    const toml::table* table = section_node.as_table();
    if (table == nullptr)
      return ConfigError(fmt::format("{}: '{}' must be a table ([{}])",
                                     Origin(source_name, section_key.source()), section, section));
    for (const auto& [key, node] : *table) {
      const OptionDef* def = FindOption(section, key.str());
      if (def == nullptr)
        return ConfigError(
            fmt::format("{}: unknown option '{}.{}'", Origin(source_name, key.source()), section, key.str()));
      FUNDAMENT_RETURN_IF_ERROR(SetFromToml(*def, node, config, Origin(source_name, key.source())));
    }
  }
  return Status::Ok();
}

Status ApplyTomlFile(const std::string& path, Config& config) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return ConfigError(fmt::format("{}: cannot read configuration file: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return ConfigError(fmt::format("{}: cannot read configuration file", path));
  return ApplyToml(text.str(), path, config);
}

Status ApplyEnvironment(const Environment& environment, Config& config) {
  for (const OptionDef& def : Options()) {
    std::string variable = EnvironmentVariableFor(def.Name());
    std::optional<std::string> value = environment(variable);
    if (!value) continue;
    FUNDAMENT_RETURN_IF_ERROR(SetFromText(def, *value, config, "environment variable " + variable));
  }
  return Status::Ok();
}

Status ApplyFlags(const std::vector<FlagValue>& flags, Config& config) {
  for (const FlagValue& flag : flags) {
    size_t dot = flag.key.find('.');
    const OptionDef* def = dot == std::string::npos ? nullptr
                                                    : FindOption(std::string_view(flag.key).substr(0, dot),
                                                                 flag.key.substr(dot + 1));
    if (def == nullptr) return Internal("no configuration option " + flag.key + " for " + flag.flag);
    FUNDAMENT_RETURN_IF_ERROR(SetFromText(*def, flag.value, config, flag.flag));
  }
  return Status::Ok();
}

Status Validate(const Config& config) {
  if (config.api.default_page_size > config.api.max_page_size) {
    return ConfigError(fmt::format("api.default_page_size ({}) must not exceed api.max_page_size ({})",
                                   config.api.default_page_size, config.api.max_page_size));
  }
  const std::string& store_url = config.store.url;
  if (!store_url.empty() && !store_url.starts_with("postgresql://") && !store_url.starts_with("postgres://")) {
    // The URL may hold a password: only its scheme is repeated.
    return ConfigError("store.url: must be empty (the embedded store) or start with postgresql://");
  }
  for (const std::string& endpoint : config.mqtt.endpoints) {
    const bool url = std::any_of(std::begin(kMqttSchemes), std::end(kMqttSchemes), [&](std::string_view scheme) {
      return endpoint.size() > scheme.size() && endpoint.compare(0, scheme.size(), scheme) == 0;
    });
    if (!url)
      return ConfigError(fmt::format("mqtt.endpoints: \"{}\" must start with mqtt://, mqtts://, ws:// or wss://",
                                     endpoint));
  }
  return Status::Ok();
}

Result<Config> LoadConfig(const std::string& config_file, const Environment& environment,
                          const std::vector<FlagValue>& flags) {
  Config config;
  if (!config_file.empty()) FUNDAMENT_RETURN_IF_ERROR(ApplyTomlFile(config_file, config));
  FUNDAMENT_RETURN_IF_ERROR(ApplyEnvironment(environment, config));
  FUNDAMENT_RETURN_IF_ERROR(ApplyFlags(flags, config));
  FUNDAMENT_RETURN_IF_ERROR(Validate(config));
  return config;
}

}  // namespace fundament::app
