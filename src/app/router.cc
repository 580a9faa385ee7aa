#include "app/router.h"

#include <boost/json.hpp>

#include "app/version.h"
#include "common/result.h"

namespace fundament::app {

namespace {

HttpResponse JsonResponse(int status, const boost::json::object& body) {
  HttpResponse response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

HttpResponse ErrorResponse(const Error& error) {
  HttpResponse response;
  response.status = error.http_status();
  response.body = error.ToJson();
  return response;
}

HttpResponse MethodNotAllowed(std::string_view method, std::string_view path) {
  HttpResponse response = ErrorResponse(
      Error{ErrorCode::kMethodNotAllowed,
            std::string(method) + " is not allowed on " + std::string(path) + "; only GET and HEAD are",
            {}});
  response.headers.emplace_back("Allow", "GET, HEAD");
  return response;
}

}  // namespace

Router::Router(RouterTargets targets) : targets_(std::move(targets)) {}

HttpResponse Router::Handle(const HttpRequest& request) const {
  std::string_view path = request.Path();
  if (targets_.api_serves && targets_.api_serves(path)) return targets_.api(request);
  bool is_get = request.method == "GET";
  if (path == "/" || path == "/health" || path == "/ready") {
    if (!is_get) return MethodNotAllowed(request.method, path);
    if (path == "/") return Root();
    if (path == "/health") return JsonResponse(200, {{"status", "up"}});
    return Ready();
  }
  return ErrorResponse(NotFound("no resource at " + std::string(path)));
}

HttpResponse Router::Root() const {
  const std::string& base = targets_.external_url;
  boost::json::array links = {
      {{"name", "SensorThings API 1.1"}, {"url", base + "/v1.1"}},
      {{"name", "SensorThings API 1.0"}, {"url", base + "/v1.0"}},
      {{"name", "health"}, {"url", base + "/health"}},
      {{"name", "readiness"}, {"url", base + "/ready"}},
  };
  return JsonResponse(200, {{"name", kProgramName}, {"version", kVersion}, {"links", std::move(links)}});
}

HttpResponse Router::Ready() const {
  if (shutting_down_) return JsonResponse(503, {{"status", "unavailable"}, {"detail", "shutting down"}});
  store::StoreHealth health = targets_.store_health ? targets_.store_health() : store::StoreHealth{};
  if (!health.ready) return JsonResponse(503, {{"status", "unavailable"}, {"detail", health.detail}});
  return JsonResponse(200, {{"status", "ready"}, {"detail", health.detail}});
}

}  // namespace fundament::app
