// `fundament serve`: opens the store, builds the SensorThings service and
// serves it over HTTP, and with mqtt.enabled over MQTT (the SensorThings MQTT
// extension, mqttapi/bridge.h), until SIGINT or SIGTERM, then shuts both down
// gracefully.
#pragma once

#include "app/config.h"

namespace fundament::app {

// Exit codes of the program.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the server could not start or run
inline constexpr int kExitUsage = 2;    // bad command line or configuration

// Runs the server with `config`; with `demo`, loads the demo data set first
// (unless the store already holds Things). Returns the process exit code.
// Expects logging to be configured (ConfigureLogging).
int Serve(const Config& config, bool demo);

}  // namespace fundament::app
