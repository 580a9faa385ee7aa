// How the service answers and reports a request that fails unexpectedly: a
// store that throws stands in for a bug or an I/O failure below the API.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <string>

#include "sta/service.h"

namespace fundament::sta {
namespace {

class ThrowingStore : public store::Store {
 public:
  Result<store::ReadResult> Read(const store::ReadRequest&) override {
    throw std::runtime_error("disk on fire");
  }
  Status ReadSnapshot(const std::function<Status(store::ReadTransaction&)>&) override {
    throw std::runtime_error("disk on fire");
  }
  Status Write(const std::function<Status(store::WriteTransaction&)>&) override {
    throw std::runtime_error("disk on fire");
  }
  events::ChangeFeed& Changes() override { return changes_; }
  store::StoreHealth Health() override { return {}; }

 private:
  events::ChangeFeed changes_;
};

HttpRequest Get(std::string target, std::string request_id) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = {{"host", "example.org"}};
  request.request_id = std::move(request_id);
  return request;
}

TEST(ServiceFailure, AnswersJson500AndReportsRequestIdWithCause) {
  ThrowingStore store;
  std::string reported_id;
  std::string reported_what;
  ServiceOptions options;
  options.report_internal_error = [&](const HttpRequest& request, std::string_view what) {
    reported_id = request.request_id;
    reported_what = std::string(what);
  };
  Service service(store, options);
  HttpResponse response = service.Handle(Get("/v1.1/Things", "req-42"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(boost::json::parse(response.body).at("code"), 500);
  // The cause goes to the log, not to the client.
  EXPECT_EQ(response.body.find("disk on fire"), std::string::npos) << response.body;
  EXPECT_EQ(reported_id, "req-42");
  EXPECT_EQ(reported_what, "disk on fire");
}

TEST(ServiceFailure, AnswersJson500WithoutReporter) {
  ThrowingStore store;
  Service service(store, ServiceOptions{});
  HttpResponse response = service.Handle(Get("/v1.1/Things(1)", "req-43"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(boost::json::parse(response.body).at("code"), 500);
}

}  // namespace
}  // namespace fundament::sta
