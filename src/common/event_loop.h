// Running an Asio event loop on a pool of threads, shared by the HTTP server
// and the MQTT broker.
#pragma once

#include <string_view>

namespace boost::asio {
class io_context;
}

namespace fundament {

// Runs `io` on `threads` threads (at least one; the calling thread is one of
// them) until it has no more work, then joins them. An exception that escapes
// a handler is logged with `component` and the loop goes on: handlers catch
// their own errors, so reaching here is a bug elsewhere, and one bad
// connection must not end the server.
void RunEventLoop(boost::asio::io_context& io, int threads, std::string_view component);

}  // namespace fundament
