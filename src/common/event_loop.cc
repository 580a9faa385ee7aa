#include "common/event_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <thread>
#include <vector>

namespace fundament {

void RunEventLoop(boost::asio::io_context& io, int threads, std::string_view component) {
  threads = std::max(threads, 1);
  auto run_loop = [&io, component] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("unexpected exception in the {} event loop: {}", component, e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (int i = 1; i < threads; ++i) pool.emplace_back(run_loop);
  run_loop();
  for (auto& thread : pool) thread.join();
}

}  // namespace fundament
