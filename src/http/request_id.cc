#include "http/request_id.h"

#include <cstdint>
#include <random>

namespace fundament::http {

namespace {

bool IsRequestIdChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case ':':
    case '/':
    case '+':
    case '=':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string SanitizeRequestId(std::string_view client_value) {
  std::string id;
  for (char c : client_value) {
    if (id.size() == kMaxRequestIdLength) break;
    if (IsRequestIdChar(c)) id.push_back(c);
  }
  return id;
}

std::string GenerateRequestId() {
  // One generator per thread: no locking, and seeded once from the OS.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t half = 0; half < 2; ++half) {
    uint64_t bits = generator();
    for (size_t i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[bits & 0xF];
      bits >>= 4;
    }
  }
  return id;
}

std::string RequestIdFor(std::string_view client_value) {
  std::string id = SanitizeRequestId(client_value);
  return id.empty() ? GenerateRequestId() : id;
}

}  // namespace fundament::http
