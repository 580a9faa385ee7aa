#include "sta/service.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/json.hpp>

#include "common/json_writer.h"
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "odata/query_options.h"
#include "odata/resource_path.h"
#include "sta/batch.h"
#include "sta/data_array.h"
#include "sta/entity_output.h"
#include "sta/reader.h"
#include "sta/request_context.h"
#include "sta/writer.h"

namespace fundament::sta {

namespace json = boost::json;

namespace {

constexpr std::string_view kConformancePrefix = "http://www.opengis.net/spec/iot_sensing/1.1/req/";
constexpr std::string_view kConformanceClasses[] = {
    "datamodel",
    "resource-path/resource-path-to-entities",
    "request-data",
    "create-update-delete",
    "batch-request/batch-request",
    "data-array/data-array",
    "multi-datastream",
};

HttpResponse ErrorResponse(const Error& error) {
  HttpResponse response;
  response.status = error.http_status();
  response.body = error.ToJson();
  return response;
}

// The host of `server_url` ("https://example.org:8080" → "example.org",
// "http://[::1]:8080" → "[::1]").
std::string_view HostOf(std::string_view server_url) {
  size_t scheme = server_url.find("://");
  std::string_view host = scheme == std::string_view::npos ? server_url : server_url.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

// The MQTT endpoints to announce (see ServiceOptions::mqtt_endpoints).
std::vector<std::string> MqttEndpoints(const ServiceOptions& options, std::string_view server_url) {
  if (!options.mqtt_endpoints.empty()) return options.mqtt_endpoints;
  if (options.mqtt_port == 0) return {};
  std::vector<std::string> endpoints = {fmt::format("mqtt://{}:{}", HostOf(server_url), options.mqtt_port)};
  // MQTT over WebSocket sits on the HTTP server, behind the same URL as the
  // entities' links (a proxy's path prefix included).
  if (!options.mqtt_websocket_path.empty() && server_url.starts_with("http"))
    endpoints.push_back(fmt::format("ws{}{}", server_url.substr(4), options.mqtt_websocket_path));
  return endpoints;
}

// The service root document (OGC 18-088 §9.2.1). `version_prefix` is "/v1.1"
// or "/v1.0"; `server_url` the server's URL as the client sees it.
HttpResponse ServiceRoot(const Links& links, const ServiceOptions& options, std::string_view version_prefix,
                         std::string_view server_url) {
  json::array sets;
  for (model::EntityKind kind : model::kAllEntityKinds) {
    const auto& type = model::TypeOf(kind);
    json::object entry;
    entry["name"] = type.set_name;
    entry["url"] = fmt::format("{}/{}", links.root(), type.set_name);
    sets.emplace_back(std::move(entry));
  }
  json::object body;
  body["value"] = std::move(sets);
  // serverSettings came with 1.1 (OGC 18-088 Annex B): a 1.0 root lists the
  // entity sets only. Announcing the 1.1 requirement classes under /v1.0
  // would claim that this path speaks 1.1.
  if (version_prefix == "/v1.0") {
    HttpResponse response;
    response.body = ToJson(body);
    return response;
  }
  json::array conformance;
  for (auto c : kConformanceClasses) conformance.emplace_back(fmt::format("{}{}", kConformancePrefix, c));
  // FROST-Server's name for the OData 4.01 JSON batch, which clients check for.
  conformance.emplace_back("https://fraunhoferiosb.github.io/FROST-Server/extensions/JsonBatchRequest.html");
  json::object settings;
  std::vector<std::string> endpoints = MqttEndpoints(options, server_url);
  if (!endpoints.empty()) {
    // §14: "the serverSettings object SHALL contain properties of type
    // Object" named by both MQTT requirement classes, each with the
    // endpoints; this server offers both on the same ones.
    json::array list;
    for (const auto& e : endpoints) list.emplace_back(e);
    json::object mqtt;
    mqtt["endpoints"] = std::move(list);
    for (std::string_view requirement :
         {"create-observations-via-mqtt/observations-creation", "receive-updates-via-mqtt/receive-updates"}) {
      std::string uri = fmt::format("{}{}", kConformancePrefix, requirement);
      conformance.emplace_back(uri);
      settings[uri] = mqtt;
    }
  }
  settings["conformance"] = std::move(conformance);
  body["serverSettings"] = std::move(settings);
  HttpResponse response;
  response.body = ToJson(body);
  return response;
}

// Entity bodies are JSON (OGC 18-088 §10): a write that says it sends
// something else (text/plain, or the form type `curl -d` sends unless told
// otherwise) is refused with 415 rather than read as JSON regardless. A
// missing Content-Type is accepted: RFC 9110 §8.3 lets a sender leave it out,
// and device firmware often does. Parameters (`; charset=utf-8`) are allowed.
Status CheckJsonContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  const bool json =
      type.size() == kJson.size() && std::equal(type.begin(), type.end(), kJson.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
      });
  if (type.empty() || json) return Status::Ok();
  // The type is echoed only when it is short printable ASCII: error bodies
  // must stay valid JSON whatever a client sends.
  const bool printable = type.size() <= 100 &&
                         std::all_of(type.begin(), type.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  return Error{ErrorCode::kUnsupportedMediaType,
               printable ? fmt::format("request bodies must be application/json, not '{}'", type)
                         : std::string("request bodies must be application/json")};
}

// The methods `resource` answers, for the Allow header that a 405 must carry
// (RFC 9110 §15.5.6).
std::string AllowedMethods(std::string_view resource) {
  if (resource == "$batch" || resource == "CreateObservations") return "POST";
  if (resource.empty()) return "GET, HEAD";
  Result<std::string> decoded = odata::PercentDecode(resource);
  if (!decoded.ok()) return "GET, HEAD";
  Result<odata::ResourcePath> path = odata::ParseResourcePath(*decoded);
  if (!path.ok() || path->property != nullptr || path->ref) return "GET, HEAD";
  if (path->is_collection()) return "GET, HEAD, POST";
  return "GET, HEAD, PATCH, PUT, DELETE";
}

}  // namespace

Service::Service(store::Store& store, ServiceOptions options) : store_(store), options_(std::move(options)) {}

bool Service::Serves(std::string_view path) {
  for (std::string_view prefix : {"/v1.1", "/v1.0"}) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) return true;
  }
  return false;
}

HttpResponse Service::Handle(const HttpRequest& request) {
  try {
    RequestContext context(request, options_);
    Result<HttpResponse> response = Dispatch(context, request.method, context.resource(), request.Query(),
                                             request.body, request.Header("content-type"));
    if (!response.ok()) {
      // The client sees the message too, but an operator must find what failed in the log.
      if (response.error().code == ErrorCode::kInternal) {
        spdlog::error("request {} ({} {}) failed: {}", request.request_id, request.method, request.target,
                      response.error().message);
      }
      HttpResponse answer = ErrorResponse(response.error());
      if (response.error().code == ErrorCode::kMethodNotAllowed)
        answer.headers.emplace_back("Allow", AllowedMethods(context.resource()));
      return answer;
    }
    return std::move(response).value();
  } catch (const std::exception& e) {
    if (options_.report_internal_error) {
      options_.report_internal_error(request, e.what());
    } else {
      spdlog::error("request {} ({} {}) failed: {}", request.request_id, request.method, request.target, e.what());
    }
    return ErrorResponse(Internal("internal error while answering the request"));
  }
}

Result<HttpResponse> Service::Dispatch(const RequestContext& context, std::string_view method,
                                       std::string_view resource, std::string_view query, std::string_view body,
                                       std::string_view content_type) {
  const Links& links = context.links();
  if (resource.empty()) {
    if (method != "GET" && method != "HEAD") return Error{ErrorCode::kMethodNotAllowed, "the service root is read-only"};
    return ServiceRoot(links, options_, context.version_prefix(), context.server_url());
  }
  if (resource == "$batch") {
    if (method != "POST") return Error{ErrorCode::kMethodNotAllowed, "$batch takes POST"};
    return HandleBatch(*this, context, body, content_type);
  }
  if (resource == "CreateObservations") {
    if (method != "POST") return Error{ErrorCode::kMethodNotAllowed, "CreateObservations takes POST"};
    FUNDAMENT_RETURN_IF_ERROR(CheckJsonContentType(content_type));
    FUNDAMENT_ASSIGN_OR_RETURN(auto document, ParseJsonBody(body));
    return CreateObservations(store_, links, document);
  }

  FUNDAMENT_ASSIGN_OR_RETURN(std::string decoded, odata::PercentDecode(resource));
  FUNDAMENT_ASSIGN_OR_RETURN(auto path, odata::ParseResourcePath(decoded));

  if (method == "GET" || method == "HEAD") {
    FUNDAMENT_ASSIGN_OR_RETURN(auto options,
                               odata::ParseQueryOptions(*path.last().type, query, options_.query_limits));
    if (options.result_format == odata::ResultFormat::kDataArray) {
      if (path.last().type->kind != model::EntityKind::kObservation || !path.is_collection() || path.ref)
        return BadRequest("$resultFormat=dataArray applies to collections of Observations only");
      if (!options.expand.empty()) return BadRequest("$expand cannot be combined with $resultFormat=dataArray");
    }
    Result<HttpResponse> response = Internal("the read did not run");
    FUNDAMENT_RETURN_IF_ERROR(store_.ReadSnapshot([&](store::ReadTransaction& reads) -> Status {
      Reader reader(reads, options_, links);
      response = reader.Get(path, options, decoded, query);
      return Status::Ok();
    }));
    return response;
  }

  if (method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE") {
    json::value document;
    if (method != "DELETE") {
      FUNDAMENT_RETURN_IF_ERROR(CheckJsonContentType(content_type));
      FUNDAMENT_ASSIGN_OR_RETURN(document, ParseJsonBody(body));
    }
    std::optional<WrittenEntity> written;
    FUNDAMENT_RETURN_IF_ERROR(store_.Write([&](store::WriteTransaction& txn) -> Status {
      FUNDAMENT_ASSIGN_OR_RETURN(written, ApplyWrite(txn, method, path, document));
      return Status::Ok();
    }));
    return WriteResponse(method, written, links);
  }
  return Error{ErrorCode::kMethodNotAllowed, fmt::format("method {} is not supported", method)};
}

Result<std::optional<WrittenEntity>> Service::ApplyWrite(store::WriteTransaction& txn, std::string_view method,
                                                         const odata::ResourcePath& path, const json::value& body) {
  Writer writer(txn);
  if (method == "POST") {
    FUNDAMENT_ASSIGN_OR_RETURN(auto created, writer.Create(path, body));
    return std::optional<WrittenEntity>(created);
  }
  if (method == "PATCH" || method == "PUT") {
    FUNDAMENT_ASSIGN_OR_RETURN(auto updated, writer.Update(path, body, method == "PUT"));
    return std::optional<WrittenEntity>(updated);
  }
  FUNDAMENT_RETURN_IF_ERROR(writer.Delete(path));
  return std::optional<WrittenEntity>();
}

Result<HttpResponse> Service::WriteResponse(std::string_view method, const std::optional<WrittenEntity>& written,
                                            const Links& links) {
  HttpResponse response;
  if (!written) {
    response.status = 200;
    response.content_type.clear();
    return response;
  }
  Result<json::object> entity = Internal("the read did not run");
  FUNDAMENT_RETURN_IF_ERROR(store_.ReadSnapshot([&](store::ReadTransaction& reads) -> Status {
    Reader reader(reads, options_, links);
    entity = reader.ReadEntity(model::TypeOf(written->kind), written->id, {});
    return Status::Ok();
  }));
  if (!entity.ok()) return entity.error();
  response.body = ToJson(*entity);
  if (method == "POST") {
    response.status = 201;
    response.headers.emplace_back("Location", links.Self(written->kind, written->id));
  }
  return response;
}

}  // namespace fundament::sta
