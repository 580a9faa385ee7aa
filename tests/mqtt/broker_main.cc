// mqtt_broker_demo: the embedded MQTT broker alone on a port, for the tests
// with real MQTT clients (tests/mqtt/) and for trying the broker by hand.
//
//   mqtt_broker_demo [--address A] [--port N] [--hook none|echo|batch-echo] [--verbose]
//
// Prints "listening on ADDRESS:PORT" on stdout once it accepts connections
// (with --port 0 the port is an ephemeral one), runs until SIGINT or SIGTERM,
// shuts down gracefully and prints the broker's counters on stderr.
//
// With --hook echo (the default) the application hooks are those of a tiny
// application: a PUBLISH to "swallow/..." is acknowledged but not routed; one
// to "echo/X" is routed and also published again by the application, from
// the hook thread, on "echoed/X" (exercising Broker::Publish from a hook).
// --hook batch-echo does the same through on_publish_batch, which the broker
// hands runs of a client's PUBLISH packets.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mqtt/broker.h"

namespace {

using fundament::mqtt::Broker;
using fundament::mqtt::BrokerOptions;
using fundament::mqtt::ClientInfo;
using fundament::mqtt::PublishDecision;

int Usage() {
  std::fprintf(
      stderr, "usage: mqtt_broker_demo [--address A] [--port N] [--hook none|echo|batch-echo] [--verbose]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  BrokerOptions options;
  options.address = "127.0.0.1";
  options.port = 1883;
  options.threads = 2;
  options.hook_threads = 2;
  std::string hook = "echo";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--address") {
      const char* v = value();
      if (v == nullptr) return Usage();
      options.address = v;
    } else if (arg == "--port") {
      const char* v = value();
      if (v == nullptr) return Usage();
      options.port = static_cast<uint16_t>(std::atoi(v));
    } else if (arg == "--hook") {
      const char* v = value();
      if (v == nullptr || (std::string_view(v) != "none" && std::string_view(v) != "echo" &&
                           std::string_view(v) != "batch-echo"))
        return Usage();
      hook = v;
    } else if (arg == "--verbose") {
      spdlog::set_level(spdlog::level::debug);
    } else {
      return Usage();
    }
  }

  Broker* broker_for_hooks = nullptr;
  auto echo = [&broker_for_hooks](const fundament::mqtt::Publish& publish) {
    std::string_view topic = publish.topic;
    if (topic.starts_with("swallow/")) return PublishDecision::kSwallow;
    if (topic.starts_with("echo/")) {
      fundament::Status echoed = broker_for_hooks->Publish("echoed/" + std::string(topic.substr(5)),
                                                           publish.payload, publish.qos, false);
      if (!echoed.ok()) spdlog::warn("echo failed: {}", echoed.error().message);
    }
    return PublishDecision::kRoute;
  };
  if (hook == "echo") {
    options.hooks.on_publish = [echo](const ClientInfo&, const fundament::mqtt::Publish& publish) {
      return echo(publish);
    };
  } else if (hook == "batch-echo") {
    options.hooks.on_publish_batch = [echo](const ClientInfo&,
                                            std::span<const fundament::mqtt::Publish> run) {
      std::vector<PublishDecision> decisions;
      for (const fundament::mqtt::Publish& publish : run) decisions.push_back(echo(publish));
      return decisions;
    };
  }

  Broker broker(options);
  broker_for_hooks = &broker;
  fundament::Status started = broker.Start();
  if (!started.ok()) {
    std::fprintf(stderr, "mqtt_broker_demo: %s\n", started.error().message.c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", broker.address().c_str(), static_cast<unsigned>(broker.port()));
  std::fflush(stdout);

  boost::asio::io_context signal_io;
  boost::asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) broker.Stop();
  });
  std::thread signal_thread([&] { signal_io.run(); });

  broker.Run();

  signals.cancel();
  signal_thread.join();
  fundament::mqtt::BrokerStats stats = broker.Stats();
  std::fprintf(stderr,
               "mqtt_broker_demo: stopped; connections_total=%llu messages_received=%llu messages_sent=%llu "
               "messages_dropped=%llu protocol_errors=%llu\n",
               static_cast<unsigned long long>(stats.connections_total),
               static_cast<unsigned long long>(stats.messages_received),
               static_cast<unsigned long long>(stats.messages_sent),
               static_cast<unsigned long long>(stats.messages_dropped),
               static_cast<unsigned long long>(stats.protocol_errors));
  return 0;
}
