#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fundament::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Environment FakeEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

// A TOML file that exists for the lifetime of the object.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    path_ = std::filesystem::temp_directory_path() / ("fundament_config_test_" + std::to_string(::getpid()) +
                                                      "_" + std::to_string(counter_++) + ".toml");
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::string ErrorOf(const Status& status) { return status.ok() ? "<ok>" : status.error().message; }

template <typename T>
std::string ErrorOf(const Result<T>& result) {
  return result.ok() ? "<ok>" : result.error().message;
}

TEST(LoadConfig, DefaultsWithoutAnySource) {
  Result<Config> config = LoadConfig("", FakeEnvironment({}), {});
  ASSERT_TRUE(config.ok()) << ErrorOf(config);
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 8080);
  EXPECT_EQ(config->server.max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(config->server.max_header_bytes, 8 * 1024);
  EXPECT_EQ(config->server.request_timeout_seconds, 30);
  EXPECT_THAT(config->server.cors_allowed_origins, ElementsAre("*"));
  EXPECT_EQ(config->store.data_dir, "./data");
  EXPECT_EQ(config->store.synchronous, "normal");
  EXPECT_EQ(config->api.default_page_size, 100);
  EXPECT_EQ(config->api.max_page_size, 10000);
  EXPECT_EQ(config->api.max_expand_depth, 5);
  EXPECT_TRUE(config->mqtt.enabled);
  EXPECT_EQ(config->mqtt.host, "");
  EXPECT_EQ(config->mqtt.port, 1883);
  EXPECT_TRUE(config->mqtt.endpoints.empty());
  EXPECT_EQ(config->mqtt.overflow_policy, "drop");
  EXPECT_EQ(config->log.level, "info");
  EXPECT_EQ(config->log.format, "json");
}

TEST(LoadConfig, FileOverridesDefaults) {
  TempFile file(R"(
[server]
host = "127.0.0.1"
port = 9000
cors_allowed_origins = ["https://dash.example.org", "https://map.example.org"]
external_url = "https://sensors.example.org/"

[store]
data_dir = "/var/lib/fundament"
synchronous = "full"

[api]
max_expand_depth = 3

[log]
format = "text"
)");
  Result<Config> config = LoadConfig(file.path(), FakeEnvironment({}), {});
  ASSERT_TRUE(config.ok()) << ErrorOf(config);
  EXPECT_EQ(config->server.host, "127.0.0.1");
  EXPECT_EQ(config->server.port, 9000);
  EXPECT_THAT(config->server.cors_allowed_origins,
              ElementsAre("https://dash.example.org", "https://map.example.org"));
  EXPECT_EQ(config->server.external_url, "https://sensors.example.org");  // trailing slash dropped
  EXPECT_EQ(config->store.data_dir, "/var/lib/fundament");
  EXPECT_EQ(config->store.synchronous, "full");
  EXPECT_EQ(config->api.max_expand_depth, 3);
  EXPECT_EQ(config->log.format, "text");
  EXPECT_EQ(config->api.max_page_size, 10000);  // untouched
}

TEST(LoadConfig, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  TempFile file("[server]\nport = 9000\nhost = \"127.0.0.1\"\n[store]\ndata_dir = \"file-dir\"\n");
  Environment env = FakeEnvironment({{"FUNDAMENT_SERVER_PORT", "9100"},
                                     {"FUNDAMENT_STORE_DATA_DIR", "env-dir"},
                                     {"FUNDAMENT_LOG_LEVEL", "debug"}});
  Result<Config> config = LoadConfig(file.path(), env, {{"server.port", "9200", "--port"}});
  ASSERT_TRUE(config.ok()) << ErrorOf(config);
  EXPECT_EQ(config->server.port, 9200);          // flag beats environment
  EXPECT_EQ(config->store.data_dir, "env-dir");  // environment beats file
  EXPECT_EQ(config->server.host, "127.0.0.1");   // file beats default
  EXPECT_EQ(config->log.level, "debug");
}

TEST(LoadConfig, EnvironmentListsAreCommaSeparated) {
  Config config;
  ASSERT_TRUE(ApplyEnvironment(FakeEnvironment({{"FUNDAMENT_SERVER_CORS_ALLOWED_ORIGINS",
                                                 " https://a.example , https://b.example,"}}),
                               config)
                  .ok());
  EXPECT_THAT(config.server.cors_allowed_origins, ElementsAre("https://a.example", "https://b.example"));
}

TEST(LoadConfig, EmptyEnvironmentListDisablesCors) {
  Config config;
  ASSERT_TRUE(
      ApplyEnvironment(FakeEnvironment({{"FUNDAMENT_SERVER_CORS_ALLOWED_ORIGINS", ""}}), config).ok());
  EXPECT_TRUE(config.server.cors_allowed_origins.empty());
}

TEST(LoadConfig, IgnoresUnrelatedFundamentVariables) {
  Result<Config> config = LoadConfig("", FakeEnvironment({{"FUNDAMENT_BINARY", "/usr/bin/fundament"}}), {});
  EXPECT_TRUE(config.ok()) << ErrorOf(config);
}

TEST(LoadConfig, EnvironmentVariableNames) {
  EXPECT_EQ(EnvironmentVariableFor("server.port"), "FUNDAMENT_SERVER_PORT");
  EXPECT_EQ(EnvironmentVariableFor("store.data_dir"), "FUNDAMENT_STORE_DATA_DIR");
  EXPECT_EQ(EnvironmentVariableFor("server.cors_allowed_origins"), "FUNDAMENT_SERVER_CORS_ALLOWED_ORIGINS");
}

TEST(LoadConfig, RejectsUnknownKeyNamingFileLineAndKey) {
  TempFile file("[server]\nport = 1\nprot = 2\n");
  Result<Config> config = LoadConfig(file.path(), FakeEnvironment({}), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr(file.path() + ":3"));
  EXPECT_THAT(config.error().message, HasSubstr("unknown option 'server.prot'"));
}

TEST(LoadConfig, RejectsUnknownSection) {
  Config config;
  Status status = ApplyToml("[alerts]\nport = 1883\n", "f.toml", config);
  EXPECT_THAT(ErrorOf(status), HasSubstr("f.toml:1"));
  EXPECT_THAT(ErrorOf(status), HasSubstr("unknown section 'alerts'"));
}

TEST(LoadConfig, MqttSection) {
  TempFile file(R"(
[mqtt]
enabled = false
host = "127.0.0.1"
port = 8883
endpoints = ["mqtts://sensors.example.org:8883"]
overflow_policy = "disconnect"
max_pending_changes = 50
)");
  Result<Config> config = LoadConfig(file.path(), FakeEnvironment({}), {{"mqtt.port", "0", "--mqtt-port"}});
  ASSERT_TRUE(config.ok()) << ErrorOf(config);
  EXPECT_FALSE(config->mqtt.enabled);
  EXPECT_EQ(config->mqtt.host, "127.0.0.1");
  EXPECT_EQ(config->mqtt.port, 0);  // the flag wins
  EXPECT_THAT(config->mqtt.endpoints, ElementsAre("mqtts://sensors.example.org:8883"));
  EXPECT_EQ(config->mqtt.overflow_policy, "disconnect");
  EXPECT_EQ(config->mqtt.max_pending_changes, 50);
}

TEST(LoadConfig, MqttWebSocketIsOnByDefaultAndCanBeSwitchedOff) {
  Result<Config> defaults = LoadConfig("", FakeEnvironment({}), {});
  ASSERT_TRUE(defaults.ok()) << ErrorOf(defaults);
  EXPECT_TRUE(defaults->mqtt.websocket);

  TempFile file("[mqtt]\nwebsocket = false\n");
  Result<Config> from_file = LoadConfig(file.path(), FakeEnvironment({}), {});
  ASSERT_TRUE(from_file.ok()) << ErrorOf(from_file);
  EXPECT_FALSE(from_file->mqtt.websocket);

  Result<Config> from_environment = LoadConfig("", FakeEnvironment({{"FUNDAMENT_MQTT_WEBSOCKET", "false"}}), {});
  ASSERT_TRUE(from_environment.ok()) << ErrorOf(from_environment);
  EXPECT_FALSE(from_environment->mqtt.websocket);
}

TEST(LoadConfig, BooleansFromFileAndEnvironment) {
  Config config;
  ASSERT_TRUE(ApplyEnvironment(FakeEnvironment({{"FUNDAMENT_MQTT_ENABLED", "false"}}), config).ok());
  EXPECT_FALSE(config.mqtt.enabled);
  ASSERT_TRUE(ApplyEnvironment(FakeEnvironment({{"FUNDAMENT_MQTT_ENABLED", "true"}}), config).ok());
  EXPECT_TRUE(config.mqtt.enabled);
  EXPECT_THAT(ErrorOf(ApplyEnvironment(FakeEnvironment({{"FUNDAMENT_MQTT_ENABLED", "no"}}), config)),
              HasSubstr("FUNDAMENT_MQTT_ENABLED: mqtt.enabled: expected true or false"));
  EXPECT_THAT(ErrorOf(ApplyToml("[mqtt]\nenabled = \"false\"\n", "f.toml", config)),
              HasSubstr("f.toml:2: mqtt.enabled: expected a boolean, got a string"));
}

TEST(LoadConfig, RejectsBadMqttValues) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("[mqtt]\noverflow_policy = \"block\"\n", "f.toml", config)),
              HasSubstr("mqtt.overflow_policy: must be one of drop, disconnect"));
  EXPECT_THAT(ErrorOf(ApplyToml("[mqtt]\nport = 65536\n", "f.toml", config)),
              HasSubstr("mqtt.port: must be between 0 and 65535"));
  Result<Config> loaded =
      LoadConfig("", FakeEnvironment({{"FUNDAMENT_MQTT_ENDPOINTS", "sensors.example.org:1883"}}), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("mqtt.endpoints"));
}

TEST(LoadConfig, RejectsTopLevelValue) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("port = 1\n", "f.toml", config)), HasSubstr("unknown option 'port'"));
}

TEST(LoadConfig, RejectsWrongTypeInFile) {
  Config config;
  Status status = ApplyToml("[server]\nport = \"8080\"\n", "f.toml", config);
  EXPECT_THAT(ErrorOf(status), HasSubstr("f.toml:2"));
  EXPECT_THAT(ErrorOf(status), HasSubstr("server.port"));
  EXPECT_THAT(ErrorOf(status), HasSubstr("expected an integer"));
}

TEST(LoadConfig, RejectsNonStringListElement) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("[server]\ncors_allowed_origins = [\"*\", 3]\n", "f.toml", config)),
              HasSubstr("server.cors_allowed_origins: expected an array of strings"));
}

TEST(LoadConfig, RejectsSectionThatIsNotATable) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("server = 3\n", "f.toml", config)), HasSubstr("'server' must be a table"));
}

TEST(LoadConfig, RejectsOutOfRangeValues) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("[server]\nport = 70000\n", "f.toml", config)),
              HasSubstr("server.port: must be between 0 and 65535"));
  EXPECT_THAT(ErrorOf(ApplyToml("[store]\nreader_connections = -1\n", "f.toml", config)),
              HasSubstr("store.reader_connections: must be between 0 and"));
}

TEST(LoadConfig, RejectsValueOutsideChoices) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("[store]\nsynchronous = \"off\"\n", "f.toml", config)),
              HasSubstr("store.synchronous: must be one of normal, full"));
  EXPECT_THAT(ErrorOf(ApplyToml("[log]\nlevel = \"verbose\"\n", "f.toml", config)), HasSubstr("log.level"));
  EXPECT_THAT(ErrorOf(ApplyToml("[log]\nformat = \"xml\"\n", "f.toml", config)), HasSubstr("log.format"));
}

TEST(LoadConfig, RejectsExternalUrlWithoutScheme) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyToml("[server]\nexternal_url = \"sensors.example.org\"\n", "f.toml", config)),
              HasSubstr("server.external_url: must start with http:// or https://"));
}

TEST(LoadConfig, RejectsEmptyDataDir) {
  Config config;
  EXPECT_THAT(ErrorOf(ApplyFlags({{"store.data_dir", "", "--data"}}, config)), HasSubstr("--data"));
}

TEST(LoadConfig, RejectsTomlSyntaxErrorWithPosition) {
  Config config;
  Status status = ApplyToml("[server]\nport = = 3\n", "f.toml", config);
  EXPECT_THAT(ErrorOf(status), HasSubstr("f.toml:2"));
}

TEST(LoadConfig, RejectsMissingFile) {
  Result<Config> config = LoadConfig("/nonexistent/fundament.toml", FakeEnvironment({}), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("/nonexistent/fundament.toml"));
}

TEST(LoadConfig, RejectsBadEnvironmentValueNamingVariable) {
  Result<Config> config = LoadConfig("", FakeEnvironment({{"FUNDAMENT_SERVER_PORT", "80x"}}), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("FUNDAMENT_SERVER_PORT"));
  EXPECT_THAT(config.error().message, HasSubstr("expected an integer"));
}

TEST(LoadConfig, RejectsBadFlagValueNamingFlag) {
  Result<Config> config = LoadConfig("", FakeEnvironment({}), {{"server.port", "-1", "--port"}});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("--port"));
}

TEST(LoadConfig, RejectsDefaultPageSizeAboveMaximum) {
  Result<Config> config = LoadConfig(
      "",
      FakeEnvironment({{"FUNDAMENT_API_DEFAULT_PAGE_SIZE", "500"}, {"FUNDAMENT_API_MAX_PAGE_SIZE", "200"}}),
      {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("api.default_page_size"));
}

// The repository's root, found from this file (tests/unit/app/config_test.cc).
std::filesystem::path RepositoryRoot() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::pair<std::string, std::string> SectionAndKey(const std::string& name) {
  size_t dot = name.find('.');
  return {name.substr(0, dot), name.substr(dot + 1)};
}

TEST(LoadConfig, ExampleFileIsValid) {
  std::filesystem::path example = RepositoryRoot() / "fundament.example.toml";
  Result<Config> config = LoadConfig(example.string(), FakeEnvironment({}), {});
  EXPECT_TRUE(config.ok()) << ErrorOf(config);
}

// fundament.example.toml promises "every option with its default value".
TEST(LoadConfig, ExampleFileSetsEveryOptionToItsDefault) {
  std::filesystem::path example = RepositoryRoot() / "fundament.example.toml";
  Result<Config> config = LoadConfig(example.string(), FakeEnvironment({}), {});
  ASSERT_TRUE(config.ok()) << ErrorOf(config);
  EXPECT_TRUE(*config == Config{}) << "an option in fundament.example.toml differs from its default";
  toml::table document = toml::parse(ReadFile(example));
  for (const std::string& name : OptionNames()) {
    auto [section, key] = SectionAndKey(name);
    EXPECT_TRUE(document[section][key]) << name << " is missing from fundament.example.toml";
  }
}

// docs/configuration.md has one table row per option, in the table of its
// section, naming the option and its environment variable; and no row for an
// option that does not exist.
TEST(LoadConfig, DocumentationListsEveryOptionAndNoOther) {
  std::string doc = ReadFile(RepositoryRoot() / "docs" / "configuration.md");
  ASSERT_FALSE(doc.empty());
  std::vector<std::string> names = OptionNames();
  std::map<std::string, std::string> documented;  // option -> its table row
  std::string section;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("### `[", 0) == 0) {
      section = line.substr(6, line.find(']') - 6);
      continue;
    }
    if (line.rfind("#", 0) == 0) section.clear();
    if (section.empty() || line.rfind("| `", 0) != 0) continue;
    std::string key = line.substr(3, line.find('`', 3) - 3);
    documented[section + "." + key] = line;
  }
  for (const std::string& name : names) {
    auto row = documented.find(name);
    ASSERT_NE(row, documented.end()) << name << " has no row in docs/configuration.md";
    EXPECT_THAT(row->second, HasSubstr("| `" + EnvironmentVariableFor(name) + "` |")) << name;
  }
  for (const auto& [name, row] : documented)
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end())
        << "docs/configuration.md documents " << name << ", which is no option";
}

// The complete file shown in docs/configuration.md is accepted as it stands.
TEST(LoadConfig, DocumentationExampleFileIsValid) {
  std::string doc = ReadFile(RepositoryRoot() / "docs" / "configuration.md");
  size_t start = doc.find("```toml\n");
  ASSERT_NE(start, std::string::npos);
  start += 8;
  std::string toml_text = doc.substr(start, doc.find("```", start) - start);
  Config config;
  Status applied = ApplyToml(toml_text, "docs/configuration.md", config);
  EXPECT_TRUE(applied.ok()) << ErrorOf(applied);
  EXPECT_TRUE(Validate(config).ok());
}

}  // namespace
}  // namespace fundament::app
