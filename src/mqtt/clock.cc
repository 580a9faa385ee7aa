#include "mqtt/clock.h"

#include <atomic>

namespace fundament::mqtt {

namespace {

// Nanoseconds (steady_clock ticks) added to steady_clock; relaxed: it only
// has to be monotonic, not ordered with anything else.
std::atomic<ConnectionClock::rep> offset{0};

}  // namespace

ConnectionClock::time_point ConnectionClock::now() noexcept {
  const duration since_epoch =
      std::chrono::steady_clock::now().time_since_epoch() + duration(offset.load(std::memory_order_relaxed));
  return time_point(since_epoch);
}

void ConnectionClock::AdvanceForTesting(duration by) {
  if (by.count() > 0) offset.fetch_add(by.count(), std::memory_order_relaxed);
}

}  // namespace fundament::mqtt
