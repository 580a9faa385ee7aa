// The SensorThings API 1.1 service: answers requests below the version prefix
// (`/v1.1/...`, and `/v1.0/...`) from a Store. Transport-independent: the HTTP
// server, $batch and the MQTT bridge all call Handle().
#pragma once

#include <cstdint>
#include <string>

#include "common/http_message.h"
#include "odata/query_options.h"
#include "store/store.h"

namespace fundament::sta {

struct ServiceOptions {
  // The absolute URL under which clients reach the server, without trailing
  // slash ("https://sensors.example.org"). Empty: derived from each request's
  // Host header (and X-Forwarded-Proto / X-Forwarded-Host when present).
  std::string external_url;
  int64_t default_page_size = 100;  // entities per page when $top is absent
  int64_t max_page_size = 10000;    // larger $top values are capped to this
  odata::QueryLimits query_limits;
  // MQTT endpoints to announce in serverSettings (empty: none).
  std::vector<std::string> mqtt_endpoints;
};

class Service {
 public:
  Service(store::Store& store, ServiceOptions options);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Answers one request whose path starts with `/v1.1` or `/v1.0`. Never
  // throws; every failure becomes a JSON error response.
  HttpResponse Handle(const HttpRequest& request);

  // True when `path` belongs to this service.
  static bool Serves(std::string_view path);

 private:
  store::Store& store_;
  ServiceOptions options_;
};

}  // namespace fundament::sta
