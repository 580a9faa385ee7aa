// The clock of a connection's timers (connect timeout, keep alive, write
// timeout): std::chrono::steady_clock, shifted by an offset that only tests
// move. A test or fuzz target can so let minutes pass at once and see the
// timeouts fire, without waiting for them; in a running server the offset
// stays zero and ConnectionClock is steady_clock.
//
// The offset is one per process and only grows, so the clock stays monotonic.
// A timer already waiting when the clock is advanced notices at its next
// check; arming any ConnectionTimer (e.g. one that expires now) makes the
// event loop look at every timer of that clock again.
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <chrono>

namespace fundament::mqtt {

struct ConnectionClock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<ConnectionClock>;
  static constexpr bool is_steady = true;

  // steady_clock::now() plus the offset.
  static time_point now() noexcept;

  // Moves the clock of every broker in the process forward by `by` (>= 0).
  // For tests only.
  static void AdvanceForTesting(duration by);
};

// A timer on ConnectionClock.
using ConnectionTimer = boost::asio::basic_waitable_timer<ConnectionClock>;

}  // namespace fundament::mqtt
