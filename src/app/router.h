// The top of the URL space: service endpoints (/, /health, /ready) answered
// here, the SensorThings API (/v1.1/..., /v1.0/...) handed to its service,
// and 404 for everything else.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "common/http_message.h"
#include "store/store.h"

namespace fundament::app {

// What the router dispatches to; functions so that tests can use fakes.
struct RouterTargets {
  // True for paths the API answers (sta::Service::Serves).
  std::function<bool(std::string_view path)> api_serves;
  // Answers an API request (sta::Service::Handle).
  HttpHandler api;
  // The store's readiness (store::Store::Health).
  std::function<store::StoreHealth()> store_health;
  // Prefix for the links in GET / ("https://sensors.example.org"); "" gives
  // root-relative links.
  std::string external_url;
};

class Router {
 public:
  explicit Router(RouterTargets targets);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Answers one request. Thread-safe. Never throws on its own (the API
  // handler's exceptions pass through to the server, which answers 500).
  HttpResponse Handle(const HttpRequest& request) const;

  // From now on /ready answers 503: load balancers stop sending traffic while
  // the server drains its connections.
  void SetShuttingDown() { shutting_down_ = true; }

 private:
  HttpResponse Root() const;
  HttpResponse Ready() const;

  RouterTargets targets_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace fundament::app
