#include "http/cors.h"

#include <algorithm>
#include <utility>

namespace fundament::http {

namespace {

// How long browsers may cache a preflight answer (they cap it themselves).
constexpr const char* kPreflightMaxAgeSeconds = "86400";
constexpr size_t kMaxEchoedHeaderListLength = 1024;

// A header list as browsers send it ("content-type, x-api-key") contains only
// token characters, commas and spaces; anything else is not echoed.
bool IsHeaderList(std::string_view value) {
  if (value.size() > kMaxEchoedHeaderListLength) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= '0' && c <= '9') return true;
    return std::string_view("!#$%&'*+-.^_`|~, ").find(c) != std::string_view::npos;
  });
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins) {
  for (std::string& origin : allowed_origins) {
    if (origin == "*") {
      any_origin_ = true;
    } else if (!origin.empty()) {
      origins_.push_back(std::move(origin));
    }
  }
}

bool CorsPolicy::Allows(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_origin_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::AddOriginHeaders(std::string_view origin, HttpResponse& response) const {
  if (any_origin_) {
    response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    // Caches must not hand this answer to another origin.
    response.headers.emplace_back("Vary", "Origin");
  }
}

std::optional<HttpResponse> CorsPolicy::Preflight(const HttpRequest& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  std::string_view origin = request.Header("origin");
  if (request.Header("access-control-request-method").empty() || !Allows(origin)) return std::nullopt;
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  AddOriginHeaders(origin, response);
  response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS");
  std::string_view requested_headers = request.Header("access-control-request-headers");
  if (!requested_headers.empty() && IsHeaderList(requested_headers))
    response.headers.emplace_back("Access-Control-Allow-Headers", std::string(requested_headers));
  response.headers.emplace_back("Access-Control-Max-Age", kPreflightMaxAgeSeconds);
  return response;
}

void CorsPolicy::AddHeaders(const HttpRequest& request, HttpResponse& response) const {
  std::string_view origin = request.Header("origin");
  if (!Allows(origin)) {
    // With a list of origins this answer (without CORS headers) holds only for
    // this Origin; a cache must not give it to an allowed one.
    if (!any_origin_ && !origins_.empty()) response.headers.emplace_back("Vary", "Origin");
    return;
  }
  AddOriginHeaders(origin, response);
  response.headers.emplace_back("Access-Control-Expose-Headers", "Location");
}

}  // namespace fundament::http
