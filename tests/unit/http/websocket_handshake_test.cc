#include "http/websocket_handshake.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace fundament::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A handshake as a browser or MQTT library sends it, with `changes` applied
// (an empty value removes the field).
HttpRequest Handshake(const Headers& changes = {}, std::string method = "GET") {
  HttpRequest request;
  request.method = std::move(method);
  request.target = "/mqtt";
  request.headers = {{"host", "sensors.example.org:8080"},
                     {"upgrade", "websocket"},
                     {"connection", "Upgrade"},
                     {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                     {"sec-websocket-version", "13"},
                     {"sec-websocket-protocol", "mqtt"}};
  for (const auto& change : changes) {
    std::erase_if(request.headers, [&](const auto& field) { return field.first == change.first; });
    if (!change.second.empty()) request.headers.push_back(change);
  }
  return request;
}

boost::json::object Body(const HttpResponse& response) { return boost::json::parse(response.body).as_object(); }

std::string HeaderOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return "<absent>";
}

TEST(CheckMqttUpgrade, AcceptsAWellFormedHandshake) {
  EXPECT_FALSE(CheckMqttUpgrade(Handshake(), {}).has_value());
  // Token lists and case as real clients send them.
  EXPECT_FALSE(CheckMqttUpgrade(Handshake({{"connection", "keep-alive, Upgrade"}, {"upgrade", "WebSocket"}}), {})
                   .has_value());
}

TEST(CheckMqttUpgrade, AsksForAnUpgradeWith426) {
  for (const Headers& changes : {Headers{{"upgrade", ""}}, Headers{{"connection", "keep-alive"}},
                                 Headers{{"sec-websocket-version", "8"}}}) {
    std::optional<HttpResponse> refusal = CheckMqttUpgrade(Handshake(changes), {});
    ASSERT_TRUE(refusal.has_value());
    EXPECT_EQ(refusal->status, 426);
    EXPECT_EQ(Body(*refusal).at("code"), 426);
    EXPECT_EQ(Body(*refusal).at("error"), "upgrade_required");
    EXPECT_EQ(HeaderOf(*refusal, "Sec-WebSocket-Version"), "13");
    EXPECT_EQ(HeaderOf(*refusal, "Upgrade"), "websocket");
  }
}

TEST(CheckMqttUpgrade, RefusesOtherMethods) {
  std::optional<HttpResponse> refusal = CheckMqttUpgrade(Handshake({}, "POST"), {});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 405);
  EXPECT_EQ(HeaderOf(*refusal, "Allow"), "GET");
}

TEST(CheckMqttUpgrade, RefusesAMissingOrMalformedKey) {
  for (const Headers& changes : {Headers{{"sec-websocket-key", ""}},
                                 Headers{{"sec-websocket-key", "not a key!"}},
                                 Headers{{"sec-websocket-key", std::string(40, 'A')}}}) {
    std::optional<HttpResponse> refusal = CheckMqttUpgrade(Handshake(changes), {});
    ASSERT_TRUE(refusal.has_value());
    EXPECT_EQ(refusal->status, 400);
    EXPECT_EQ(Body(*refusal).at("error"), "bad_request");
  }
}

// [MQTT-6.0.0-3], [MQTT-6.0.0-4]: the client offers "mqtt", the server picks it.
TEST(CheckMqttUpgrade, RequiresTheMqttSubprotocol) {
  for (const Headers& changes : {Headers{{"sec-websocket-protocol", ""}},
                                 Headers{{"sec-websocket-protocol", "mqttv3.1"}},
                                 Headers{{"sec-websocket-protocol", "MQTT"}},
                                 Headers{{"sec-websocket-protocol", "wamp, mqtt-sn"}}}) {
    std::optional<HttpResponse> refusal = CheckMqttUpgrade(Handshake(changes), {});
    ASSERT_TRUE(refusal.has_value()) << changes[0].second;
    EXPECT_EQ(refusal->status, 400);
    EXPECT_NE(Body(*refusal).at("message").as_string().find("mqtt"), std::string::npos);
  }
  EXPECT_FALSE(CheckMqttUpgrade(Handshake({{"sec-websocket-protocol", "mqttv3.1, mqtt"}}), {}).has_value());
  // Several header fields count together.
  HttpRequest split = Handshake({{"sec-websocket-protocol", "wamp"}});
  split.headers.emplace_back("sec-websocket-protocol", "mqtt");
  EXPECT_FALSE(CheckMqttUpgrade(split, {}).has_value());
}

TEST(CheckMqttUpgrade, RefusesForeignOriginsWith403) {
  MqttWebSocketPolicy policy;
  policy.allowed_origins = {"https://dashboard.example.org"};
  std::optional<HttpResponse> refusal =
      CheckMqttUpgrade(Handshake({{"origin", "https://evil.example.net"}}), policy);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 403);
  EXPECT_EQ(Body(*refusal).at("code"), 403);
  EXPECT_EQ(Body(*refusal).at("error"), "forbidden");
  EXPECT_EQ(refusal->content_type, "application/json");
  // Nothing configured: only the server's own pages.
  EXPECT_TRUE(CheckMqttUpgrade(Handshake({{"origin", "https://dashboard.example.org"}}), {}).has_value());
  EXPECT_TRUE(CheckMqttUpgrade(Handshake({{"origin", "null"}}), policy).has_value());
}

TEST(CheckMqttUpgrade, AllowsListedOwnAndAbsentOrigins) {
  MqttWebSocketPolicy policy;
  policy.allowed_origins = {"https://dashboard.example.org"};
  EXPECT_FALSE(CheckMqttUpgrade(Handshake(), policy).has_value());
  EXPECT_FALSE(CheckMqttUpgrade(Handshake({{"origin", "https://dashboard.example.org"}}), policy).has_value());
  EXPECT_FALSE(CheckMqttUpgrade(Handshake({{"origin", "http://sensors.example.org:8080"}}), {}).has_value());
  policy.allowed_origins = {"*"};
  EXPECT_FALSE(CheckMqttUpgrade(Handshake({{"origin", "https://anyone.example"}}), policy).has_value());
}

TEST(OriginAllowed, ComparesTheOriginWithTheHostItWasSentTo) {
  EXPECT_TRUE(OriginAllowed("https://a.example", "a.example:443", {}));
  EXPECT_TRUE(OriginAllowed("HTTP://A.example:8080", "a.example:8080", {}));
  EXPECT_FALSE(OriginAllowed("https://a.example:8443", "a.example:8080", {}));
  EXPECT_FALSE(OriginAllowed("https://a.example.evil.net", "a.example", {}));
  EXPECT_FALSE(OriginAllowed("file://", "a.example", {}));
  EXPECT_FALSE(OriginAllowed("https://a.example", "", {}));
  EXPECT_TRUE(OriginAllowed("", "", {}));
}

}  // namespace
}  // namespace fundament::http
