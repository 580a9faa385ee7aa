#include "http/websocket_handshake.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace fundament::http {

namespace {

// Sec-WebSocket-Key is the base64 form of 16 bytes: 24 characters.
constexpr size_t kMaxKeyLength = 24;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `visit` with each token of every header field `name` (a
// comma-separated list, RFC 9110 §5.6.1); stops when it returns true.
template <typename Visit>
bool AnyToken(const HttpRequest& request, std::string_view name, Visit visit) {
  for (const auto& [key, value] : request.headers) {
    if (key != name) continue;
    std::string_view rest = value;
    while (true) {
      size_t comma = rest.find(',');
      if (visit(Trimmed(rest.substr(0, comma)))) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool IsBase64Key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

// The authority (host and port) of an origin ("https://a.example:8443" →
// "a.example:8443"); "" when it is no http(s) origin.
std::string_view AuthorityOf(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() > scheme.size() && EqualsIgnoreCase(origin.substr(0, scheme.size()), scheme))
      return origin.substr(scheme.size());
  }
  return {};
}

// The authority without the scheme's default port, so that Origin
// "https://a.example" matches Host "a.example:443" and the other way round.
std::string_view WithoutDefaultPort(std::string_view authority) {
  for (std::string_view port : {":80", ":443"}) {
    if (authority.ends_with(port)) return authority.substr(0, authority.size() - port.size());
  }
  return authority;
}

HttpResponse Refusal(int status, std::string_view error, std::string message) {
  boost::json::object body;
  body["code"] = status;
  body["error"] = error;
  body["message"] = std::move(message);
  HttpResponse response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace

bool IsWebSocketUpgrade(const HttpRequest& request) {
  auto is = [](std::string_view expected) {
    return [expected](std::string_view token) { return EqualsIgnoreCase(token, expected); };
  };
  return AnyToken(request, "upgrade", is("websocket")) && AnyToken(request, "connection", is("upgrade"));
}

bool OffersSubprotocol(const HttpRequest& request, std::string_view subprotocol) {
  // Subprotocol names are case-sensitive (RFC 6455 §4.1).
  return AnyToken(request, "sec-websocket-protocol",
                  [subprotocol](std::string_view token) { return token == subprotocol; });
}

bool OriginAllowed(std::string_view origin, std::string_view host, const MqttWebSocketPolicy& policy) {
  if (origin.empty()) return true;
  for (const std::string& allowed : policy.allowed_origins) {
    if (allowed == "*" || EqualsIgnoreCase(allowed, origin)) return true;
  }
  std::string_view authority = AuthorityOf(origin);
  return !authority.empty() && !host.empty() &&
         EqualsIgnoreCase(WithoutDefaultPort(authority), WithoutDefaultPort(Trimmed(host)));
}

std::optional<HttpResponse> CheckMqttUpgrade(const HttpRequest& request, const MqttWebSocketPolicy& policy) {
  if (!IsWebSocketUpgrade(request) || request.Header("sec-websocket-version") != "13") {
    HttpResponse response =
        Refusal(426, "upgrade_required",
                "this path serves MQTT over WebSocket only: send a WebSocket handshake (RFC 6455, "
                "Sec-WebSocket-Version 13) offering the subprotocol \"mqtt\"");
    response.headers.emplace_back("Upgrade", "websocket");
    response.headers.emplace_back("Sec-WebSocket-Version", "13");
    return response;
  }
  if (request.method != "GET") {
    HttpResponse response = Refusal(405, "method_not_allowed", "a WebSocket handshake must be a GET request");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  if (request.Header("host").empty())
    return Refusal(400, "bad_request", "the WebSocket handshake has no Host header");
  if (!IsBase64Key(Trimmed(request.Header("sec-websocket-key"))))
    return Refusal(400, "bad_request", "the WebSocket handshake has no valid Sec-WebSocket-Key");
  if (!OffersSubprotocol(request, kMqttSubprotocol))
    return Refusal(400, "bad_request",
                   "the WebSocket handshake must offer the subprotocol \"mqtt\" in Sec-WebSocket-Protocol "
                   "(MQTT 3.1.1 section 6)");
  if (!OriginAllowed(request.Header("origin"), request.Header("host"), policy))
    return Refusal(403, "forbidden",
                   "pages from the origin in the Origin header may not open the MQTT WebSocket: it is not "
                   "among the allowed origins and not this server's own");
  return std::nullopt;
}

}  // namespace fundament::http
