#include "app/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/logging.h"
#include "app/serve.h"
#include "app/version.h"

namespace fundament::app {

namespace {

// The flags of `serve` that set configuration options.
struct ServeFlag {
  const char* name;  // as given to CLI11
  const char* key;   // configuration option
  const char* value_name;
  const char* help;
};

constexpr ServeFlag kServeFlags[] = {
    {"--port", "server.port", "N", "TCP port to listen on (0: any free port) [server.port]"},
    {"--host", "server.host", "ADDR", "address to listen on [server.host]"},
    {"--mqtt-port", "mqtt.port", "N", "MQTT port to listen on (0: any free port) [mqtt.port]"},
    {"--data", "store.data_dir", "DIR", "data directory [store.data_dir]"},
    {"--store", "store.url", "URL",
     "postgresql://… to keep the data in PostgreSQL; empty: the embedded store in the data directory [store.url]"},
    {"--external-url", "server.external_url", "URL",
     "URL under which clients reach the server [server.external_url]"},
    {"--log-level", "log.level", "LEVEL", "trace, debug, info, warn, error, critical or off [log.level]"},
};

}  // namespace

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"Fundament: an open urban data platform serving the OGC SensorThings API.",
               std::string(kProgramName)};
  app.set_version_flag("--version", fmt::format("{} {}", kProgramName, kVersion),
                       "Print the version and exit");
  app.require_subcommand(1);

  CLI::App* serve =
      app.add_subcommand("serve", "Serve the SensorThings API over HTTP and MQTT until SIGINT or SIGTERM");
  std::string config_file;
  serve->add_option("--config,-c", config_file, "TOML configuration file (see fundament.example.toml)")
      ->type_name("FILE");
  std::vector<std::string> flag_values(std::size(kServeFlags));
  std::vector<CLI::Option*> flag_options;
  for (size_t i = 0; i < std::size(kServeFlags); ++i)
    flag_options.push_back(serve->add_option(kServeFlags[i].name, flag_values[i], kServeFlags[i].help)
                               ->type_name(kServeFlags[i].value_name));
  bool demo = false;
  serve->add_flag("--demo", demo, "Load a demo data set (gauges around Kiel) when the store has no Things");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? kExitOk : kExitUsage;
  }

  std::vector<FlagValue> flags;
  for (size_t i = 0; i < std::size(kServeFlags); ++i) {
    if (flag_options[i]->count() > 0)
      flags.push_back({kServeFlags[i].key, flag_values[i], kServeFlags[i].name});
  }
  Result<Config> config = LoadConfig(config_file, ProcessEnvironment(), flags);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: configuration error: %s\n", std::string(kProgramName).c_str(),
                 config.error().message.c_str());
    return kExitUsage;
  }
  Status logging = ConfigureLogging(config->log.level, config->log.format);
  if (!logging.ok()) {
    std::fprintf(stderr, "%s: configuration error: %s\n", std::string(kProgramName).c_str(),
                 logging.error().message.c_str());
    return kExitUsage;
  }
  return Serve(*config, demo);
}

}  // namespace fundament::app
