#include "app/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace fundament::app {
namespace {

HttpRequest Get(std::string target, std::string method = "GET") {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

boost::json::object Body(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : router_(RouterTargets{[](std::string_view path) { return path.starts_with("/v1.1"); },
                              [this](const HttpRequest& request) {
                                api_calls_.push_back(request.target);
                                HttpResponse response;
                                response.body = R"({"api":true})";
                                return response;
                              },
                              [this] { return health_; }, "https://sensors.example.org"}) {}

  store::StoreHealth health_{true, ""};
  std::vector<std::string> api_calls_;
  Router router_;
};

TEST_F(RouterTest, HealthIsUp) {
  HttpResponse response = router_.Handle(Get("/health"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response).at("status").as_string(), "up");
}

TEST_F(RouterTest, ReadyWhenStoreIsReady) {
  HttpResponse response = router_.Handle(Get("/ready"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response).at("status").as_string(), "ready");
}

TEST_F(RouterTest, NotReadyReportsStoreDetail) {
  health_ = {false, "database is locked"};
  HttpResponse response = router_.Handle(Get("/ready"));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response).at("detail").as_string(), "database is locked");
}

TEST_F(RouterTest, NotReadyWhileShuttingDown) {
  router_.SetShuttingDown();
  HttpResponse response = router_.Handle(Get("/ready"));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Body(response).at("detail").as_string(), "shutting down");
  EXPECT_EQ(router_.Handle(Get("/health")).status, 200);
}

TEST_F(RouterTest, RootLinksToApi) {
  HttpResponse response = router_.Handle(Get("/"));
  EXPECT_EQ(response.status, 200);
  boost::json::object body = Body(response);
  EXPECT_EQ(body.at("name").as_string(), "fundament");
  EXPECT_EQ(body.at("version").as_string(), "0.1.0");
  EXPECT_EQ(body.at("links").as_array().at(0).at("url").as_string(), "https://sensors.example.org/v1.1");
}

TEST_F(RouterTest, ApiPathsGoToTheApi) {
  HttpResponse response = router_.Handle(Get("/v1.1/Things?$top=1", "POST"));
  EXPECT_EQ(response.body, R"({"api":true})");
  ASSERT_EQ(api_calls_.size(), 1u);
  EXPECT_EQ(api_calls_[0], "/v1.1/Things?$top=1");
}

TEST_F(RouterTest, QueryStringDoesNotChangeTheRoute) {
  EXPECT_EQ(router_.Handle(Get("/health?verbose=1")).status, 200);
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  HttpResponse response = router_.Handle(Get("/v2/Things"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Body(response).at("error").as_string(), "not_found");
  EXPECT_TRUE(api_calls_.empty());
}

TEST_F(RouterTest, ServiceEndpointsAllowOnlyGet) {
  HttpResponse response = router_.Handle(Get("/health", "POST"));
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
}

}  // namespace
}  // namespace fundament::app
