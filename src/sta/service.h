// The SensorThings API 1.1 service: answers requests below the version prefix
// (`/v1.1/...`, and `/v1.0/...`) from a Store. Transport-independent: the HTTP
// server and $batch call Handle() and Dispatch(); the MQTT bridge
// (mqttapi/bridge.h) creates Observations through ApplyWrite().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_message.h"
#include "odata/query_options.h"
#include "odata/resource_path.h"
#include "store/store.h"

namespace boost::json {
class value;
}

namespace fundament::sta {

class Links;
class RequestContext;
struct WrittenEntity;

struct ServiceOptions {
  // The absolute URL under which clients reach the server, without trailing
  // slash ("https://sensors.example.org"). Empty: derived from each request's
  // Host header (and X-Forwarded-Proto / X-Forwarded-Host when present).
  std::string external_url;
  int64_t default_page_size = 100;  // entities per page when $top is absent
  int64_t max_page_size = 10000;    // larger $top values are capped to this
  odata::QueryLimits query_limits;
  // The MQTT extension (OGC 18-088 §14), announced in the service root's
  // serverSettings when either is set: `mqtt_endpoints` as given
  // ("mqtt://sensors.example.org:1883"), else, with a non-zero `mqtt_port`,
  // mqtt://<the host name the client used for HTTP>:<mqtt_port>.
  std::vector<std::string> mqtt_endpoints;
  uint16_t mqtt_port = 0;
  // With `mqtt_port` (and no `mqtt_endpoints`), the path of MQTT over
  // WebSocket on the HTTP server, e.g. "/mqtt": announced as the server URL
  // with ws:// for http:// (wss:// for https://) and this path appended.
  std::string mqtt_websocket_path;
  // Told about a request that failed unexpectedly (it is answered with 500),
  // so that the operator's log has the request id beside the cause. Empty: a
  // plain error line that carries both.
  std::function<void(const HttpRequest& request, std::string_view what)> report_internal_error;
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

  // Answers one request given by parts: `resource` is the path below the
  // version prefix ("Things(1)/Datastreams", still percent-encoded), `query`
  // the raw query string. Used by Handle() and by $batch. The body of a
  // POST, PATCH or PUT must be JSON: a `content_type` other than
  // application/json (with any parameters) or "" is kUnsupportedMediaType.
  Result<HttpResponse> Dispatch(const RequestContext& context, std::string_view method, std::string_view resource,
                                std::string_view query, std::string_view body, std::string_view content_type);

  // Applies one write (POST, PATCH, PUT, DELETE) of `path` inside `txn`;
  // returns the entity written (none for DELETE).
  Result<std::optional<WrittenEntity>> ApplyWrite(store::WriteTransaction& txn, std::string_view method,
                                                  const odata::ResourcePath& path, const boost::json::value& body);

  // The response to a committed write: 201 + Location + entity for POST,
  // 200 + entity for PATCH/PUT, 200 without body for DELETE.
  Result<HttpResponse> WriteResponse(std::string_view method, const std::optional<WrittenEntity>& written,
                                     const Links& links);

  store::Store& store() { return store_; }
  const ServiceOptions& options() const { return options_; }

 private:
  store::Store& store_;
  ServiceOptions options_;
};

}  // namespace fundament::sta
