// Cross-origin resource sharing (the Fetch standard's CORS protocol), so that
// dashboards and map viewers served from other origins can call the API.
//
// Only simple, credential-less CORS: a response to an allowed origin carries
// Access-Control-Allow-Origin (the origin itself, or "*" when every origin is
// allowed) and exposes Location, which clients need after a create.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/http_message.h"

namespace fundament::http {

class CorsPolicy {
 public:
  // `allowed_origins` are exact origins ("https://dashboard.example.org") or
  // "*" for any origin; empty disables CORS (no CORS headers at all).
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool enabled() const { return any_origin_ || !origins_.empty(); }

  // The 204 answer to a preflight request (OPTIONS with Origin and
  // Access-Control-Request-Method) from an allowed origin; nullopt for any
  // other request, which then goes to the handler as usual.
  std::optional<HttpResponse> Preflight(const HttpRequest& request) const;

  // Adds the CORS response headers when the request comes from an allowed
  // origin; with a list of origins (not "*") every response gets
  // `Vary: Origin`, since its CORS headers depend on the Origin header.
  void AddHeaders(const HttpRequest& request, HttpResponse& response) const;

 private:
  bool Allows(std::string_view origin) const;
  void AddOriginHeaders(std::string_view origin, HttpResponse& response) const;

  std::vector<std::string> origins_;
  bool any_origin_ = false;
};

}  // namespace fundament::http
