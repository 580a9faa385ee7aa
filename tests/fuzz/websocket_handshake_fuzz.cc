// Fuzzes the checks of the MQTT WebSocket handshake (http/websocket_handshake.h):
// the header fields of an upgrade request to /mqtt, which any client sends.
// The input is header lines "name: value"; the first line is the method. No
// input may crash, hang or leak, and every refusal is a JSON error body.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/websocket_handshake.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fundament;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  HttpRequest request;
  request.target = "/mqtt";
  size_t end = input.find('\n');
  request.method = std::string(input.substr(0, end));
  while (end != std::string_view::npos) {
    input.remove_prefix(end + 1);
    end = input.find('\n');
    std::string_view line = input.substr(0, end);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  http::MqttWebSocketPolicy policy;
  policy.allowed_origins = {"https://dashboard.example.org"};
  std::optional<HttpResponse> refusal = http::CheckMqttUpgrade(request, policy);
  if (refusal) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(refusal->body, ec);
    if (ec || !body.is_object() || body.as_object().at("code") != refusal->status) std::abort();
  }
  return 0;
}
