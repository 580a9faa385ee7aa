// The opening handshake of MQTT over WebSocket (MQTT 3.1.1 §6 on RFC 6455
// §4.2): which requests for the MQTT WebSocket path the server upgrades, and
// the JSON answer to every other one. Free of any server library, so that
// the rules can be tested without a network; the upgrade itself is
// http/websocket_transport.h.
//
// A request is upgraded when it is a GET over HTTP/1.1 with
// `Upgrade: websocket`, `Connection: upgrade`, a Sec-WebSocket-Key,
// `Sec-WebSocket-Version: 13`, offers the subprotocol "mqtt" in
// Sec-WebSocket-Protocol ([MQTT-6.0.0-3], [MQTT-6.0.0-4]), and comes from an
// allowed origin (see MqttWebSocketPolicy). The refusals:
//  - 426 (with `Upgrade: websocket` and `Sec-WebSocket-Version: 13`) for a
//    request that is no WebSocket upgrade, or asks for another version;
//  - 405 for a method other than GET;
//  - 400 for a missing or malformed key, or no "mqtt" among the offered
//    subprotocols;
//  - 403 for an Origin that is not allowed.
// Each has a JSON body {"code":…, "error":…, "message":…}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_message.h"

namespace fundament::http {

// The WebSocket subprotocol of MQTT, offered by the client and chosen by the
// server (MQTT 3.1.1 §6).
inline constexpr std::string_view kMqttSubprotocol = "mqtt";

// Which browser pages may open the MQTT WebSocket. Browsers send the page's
// origin in the Origin header of the handshake; other clients usually send
// none. Without the check, any page a user visits could talk MQTT to the
// server from the user's machine (cross-site WebSocket hijacking).
struct MqttWebSocketPolicy {
  // Exact origins ("https://dashboard.example.org"), or "*" for any. A
  // handshake without Origin is always allowed, and so is one whose Origin
  // names the host and port the request was sent to (its Host header): the
  // server's own pages.
  std::vector<std::string> allowed_origins;
};

// True when `request` asks to switch to WebSocket (`Upgrade: websocket` and
// `Connection: upgrade`, case-insensitive, among comma-separated tokens).
bool IsWebSocketUpgrade(const HttpRequest& request);

// True when the Sec-WebSocket-Protocol header fields of `request` (there may
// be several, each a comma-separated list) offer `subprotocol` exactly.
bool OffersSubprotocol(const HttpRequest& request, std::string_view subprotocol);

// True when a handshake with this Origin header (empty: none) is allowed by
// `policy` for a request whose Host header is `host`.
bool OriginAllowed(std::string_view origin, std::string_view host, const MqttWebSocketPolicy& policy);

// nullopt when `request` may be upgraded to an MQTT WebSocket; otherwise the
// refusal to answer with (see the file comment).
std::optional<HttpResponse> CheckMqttUpgrade(const HttpRequest& request, const MqttWebSocketPolicy& policy);

}  // namespace fundament::http
