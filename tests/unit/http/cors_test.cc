#include "http/cors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fundament::http {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;

HttpRequest Request(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = "/v1.1/Things";
  request.headers = std::move(headers);
  return request;
}

std::string HeaderOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return "<absent>";
}

TEST(CorsPolicy, AnswersPreflightFromAllowedOrigin) {
  CorsPolicy cors({"https://dash.example.org"});
  auto response =
      cors.Preflight(Request("OPTIONS", {{"origin", "https://dash.example.org"},
                                         {"access-control-request-method", "POST"},
                                         {"access-control-request-headers", "content-type, x-api-key"}}));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Origin"), "https://dash.example.org");
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Methods"), "GET, POST, PATCH, PUT, DELETE, OPTIONS");
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Headers"), "content-type, x-api-key");
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Max-Age"), "86400");
  EXPECT_EQ(HeaderOf(*response, "Vary"), "Origin");
}

TEST(CorsPolicy, WildcardAnswersWithStar) {
  CorsPolicy cors({"*"});
  auto response = cors.Preflight(
      Request("OPTIONS", {{"origin", "http://localhost:3000"}, {"access-control-request-method", "GET"}}));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Headers"), "<absent>");
}

TEST(CorsPolicy, PlainOptionsIsNotPreflight) {
  CorsPolicy cors({"*"});
  EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"origin", "http://a.example"}})).has_value());
  EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"access-control-request-method", "GET"}})).has_value());
}

TEST(CorsPolicy, IgnoresPreflightFromOtherOrigin) {
  CorsPolicy cors({"https://dash.example.org"});
  EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"origin", "https://evil.example"},
                                                  {"access-control-request-method", "DELETE"}}))
                   .has_value());
}

TEST(CorsPolicy, DoesNotEchoMalformedRequestHeaders) {
  CorsPolicy cors({"*"});
  auto response = cors.Preflight(Request("OPTIONS", {{"origin", "http://a.example"},
                                                     {"access-control-request-method", "GET"},
                                                     {"access-control-request-headers", "x\r\ny: z"}}));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(HeaderOf(*response, "Access-Control-Allow-Headers"), "<absent>");
}

TEST(CorsPolicy, AddsOriginAndExposesLocation) {
  CorsPolicy cors({"https://dash.example.org", "https://map.example.org"});
  HttpResponse response;
  cors.AddHeaders(Request("GET", {{"origin", "https://map.example.org"}}), response);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "https://map.example.org");
  EXPECT_EQ(HeaderOf(response, "Access-Control-Expose-Headers"), "Location");
}

// With a list of origins the answer depends on the Origin header, so every
// answer says so: a shared cache must not hand an answer fetched without
// Origin (or for another origin) to the dashboard, which would then be
// refused by its browser (Fetch standard, "CORS protocol and HTTP caches").
TEST(CorsPolicy, AddsOnlyVaryWithoutOriginOrForOtherOrigin) {
  CorsPolicy cors({"https://dash.example.org"});
  using Headers = std::vector<std::pair<std::string, std::string>>;
  HttpResponse without_origin;
  cors.AddHeaders(Request("GET", {}), without_origin);
  EXPECT_EQ(without_origin.headers, (Headers{{"Vary", "Origin"}}));
  HttpResponse other_origin;
  cors.AddHeaders(Request("GET", {{"origin", "https://evil.example"}}), other_origin);
  EXPECT_EQ(other_origin.headers, (Headers{{"Vary", "Origin"}}));
}

TEST(CorsPolicy, WildcardNeedsNoVary) {
  CorsPolicy cors({"*"});
  HttpResponse same_origin;
  cors.AddHeaders(Request("GET", {}), same_origin);
  EXPECT_TRUE(same_origin.headers.empty());
  HttpResponse cross_origin;
  cors.AddHeaders(Request("GET", {{"origin", "https://a.example"}}), cross_origin);
  EXPECT_EQ(HeaderOf(cross_origin, "Vary"), "<absent>");
}

TEST(CorsPolicy, EmptyListDisablesCors) {
  CorsPolicy cors({});
  EXPECT_FALSE(cors.enabled());
  HttpResponse response;
  cors.AddHeaders(Request("GET", {{"origin", "https://dash.example.org"}}), response);
  EXPECT_THAT(response.headers, Not(Contains(Pair("Access-Control-Allow-Origin", ::testing::_))));
  EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"origin", "https://dash.example.org"},
                                                  {"access-control-request-method", "GET"}}))
                   .has_value());
}

}  // namespace
}  // namespace fundament::http
