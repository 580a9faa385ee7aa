// Request ids: the value that ties a request's log lines, its error body and
// the client's own logs together (echoed as the X-Request-Id header).
#pragma once

#include <string>
#include <string_view>

namespace fundament::http {

// Longest request id taken from a client.
inline constexpr size_t kMaxRequestIdLength = 64;

// The client's X-Request-Id reduced to characters that are safe in logs and
// headers (letters, digits, '-', '_', '.', ':', '/', '+', '='), cut to
// kMaxRequestIdLength. "" when nothing usable is left.
std::string SanitizeRequestId(std::string_view client_value);

// A fresh random id: 32 lower-case hex digits.
std::string GenerateRequestId();

// The sanitised client id if usable, else a generated one.
std::string RequestIdFor(std::string_view client_value);

}  // namespace fundament::http
