#include "sta/batch.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <random>

#include <boost/json.hpp>

#include "common/json_writer.h"
#include <fmt/format.h>

#include "odata/query_options.h"
#include "odata/resource_path.h"
#include "sta/request_context.h"
#include "sta/service.h"
#include "sta/writer.h"

namespace fundament::sta {

namespace json = boost::json;

namespace {

constexpr size_t kMaxBatchRequests = 1000;

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 424: return "Failed Dependency";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    default: return "Status";
  }
}

// The outcome of one batch request.
struct BatchResponse {
  std::string id;
  std::optional<std::string> group;
  HttpResponse response;
};

HttpResponse FromError(const Error& error) {
  HttpResponse response;
  response.status = error.http_status();
  response.body = error.ToJson();
  return response;
}

// Entities created earlier in the batch, by request id.
using CreatedMap = std::map<std::string, WrittenEntity, std::less<>>;

// Replaces `{"@iot.id": "$x"}` references in a request body by the ids they name.
void ResolveBodyReferences(json::value& value, const CreatedMap& created) {
  if (value.is_array()) {
    for (auto& item : value.as_array()) ResolveBodyReferences(item, created);
  } else if (value.is_object()) {
    for (auto& member : value.as_object()) {
      if (member.key() == "@iot.id" && member.value().is_string()) {
        std::string_view ref = member.value().as_string();
        if (ref.starts_with('$')) {
          auto found = created.find(ref.substr(1));
          if (found != created.end()) member.value() = found->second.id;
        }
      } else {
        ResolveBodyReferences(member.value(), created);
      }
    }
  }
}

// Splits a batch URL into the resource below the version prefix and the query.
Result<std::pair<std::string, std::string>> ResolveUrl(std::string_view url, const CreatedMap& created) {
  std::string resource;
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    size_t slash = rest.find('/', scheme + 3);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  while (rest.starts_with('/')) rest.remove_prefix(1);
  for (std::string_view prefix : {"v1.1", "v1.0"}) {
    if (rest.starts_with(prefix) && (rest.size() == 4 || rest[4] == '/' || rest[4] == '?')) {
      rest.remove_prefix(4);
      while (rest.starts_with('/')) rest.remove_prefix(1);
    }
  }
  std::string_view path = rest.substr(0, rest.find('?'));
  std::string query = rest.size() > path.size() ? std::string(rest.substr(path.size() + 1)) : std::string();
  if (path.starts_with('$') && !path.starts_with("$batch")) {
    size_t end = path.find('/');
    std::string_view name = path.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
    auto found = created.find(name);
    if (found == created.end()) return BadRequest(fmt::format("unknown batch reference '${}' in URL", name));
    resource = fmt::format("{}({})", model::TypeOf(found->second.kind).set_name, found->second.id);
    if (end != std::string_view::npos) resource += path.substr(end);
  } else {
    resource = std::string(path);
  }
  return std::make_pair(resource, query);
}

bool IsWrite(std::string_view method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

class BatchExecutor {
 public:
  BatchExecutor(Service& service, const RequestContext& context) : service_(service), context_(context) {}

  std::vector<BatchResponse> Run(const std::vector<BatchRequest>& requests) {
    std::vector<BatchResponse> responses;
    for (size_t i = 0; i < requests.size();) {
      size_t end = i + 1;
      if (requests[i].group) {
        while (end < requests.size() && requests[end].group == requests[i].group) ++end;
      }
      size_t first_response = responses.size();
      if (auto failed = FailedDependency(requests, i, end)) {
        for (size_t j = i; j < end; ++j)
          responses.push_back({requests[j].id, requests[j].group,
                               DependencyFailed(fmt::format("not run: request '{}' it depends on failed", *failed))});
      } else if (!requests[i].group) {
        responses.push_back(RunSingle(requests[i]));
      } else {
        RunGroup(requests, i, end, responses);
      }
      for (size_t j = first_response; j < responses.size(); ++j) {
        if (responses[j].response.status >= 400) {
          failed_.push_back(responses[j].id);
          if (responses[j].group) failed_.push_back(*responses[j].group);
        }
      }
      i = end;
    }
    return responses;
  }

 private:
  struct PreparedWrite {
    odata::ResourcePath path;
    json::value body;
  };

  Result<PreparedWrite> Prepare(const BatchRequest& request) {
    FUNDAMENT_ASSIGN_OR_RETURN(auto target, ResolveUrl(request.url, created_));
    FUNDAMENT_ASSIGN_OR_RETURN(std::string decoded, odata::PercentDecode(target.first));
    FUNDAMENT_ASSIGN_OR_RETURN(auto path, odata::ParseResourcePath(decoded));
    json::value body;
    if (request.method != "DELETE") {
      FUNDAMENT_ASSIGN_OR_RETURN(body, ParseJsonBody(request.body));
      ResolveBodyReferences(body, created_);
    }
    return PreparedWrite{std::move(path), std::move(body)};
  }

  BatchResponse RunSingle(const BatchRequest& request) {
    BatchResponse out{request.id, request.group, {}};
    if (!IsWrite(request.method)) {
      auto target = ResolveUrl(request.url, created_);
      if (!target.ok()) {
        out.response = FromError(target.error());
        return out;
      }
      auto response = service_.Dispatch(context_, request.method, target->first, target->second, request.body, "");
      out.response = response.ok() ? std::move(response).value() : FromError(response.error());
      return out;
    }
    std::optional<WrittenEntity> written;
    Status status = [&]() -> Status {
      FUNDAMENT_ASSIGN_OR_RETURN(auto prepared, Prepare(request));
      return service_.store().Write([&](store::WriteTransaction& txn) -> Status {
        FUNDAMENT_ASSIGN_OR_RETURN(written, service_.ApplyWrite(txn, request.method, prepared.path, prepared.body));
        return Status::Ok();
      });
    }();
    if (!status.ok()) {
      out.response = FromError(status.error());
      return out;
    }
    Remember(request, written);
    auto response = service_.WriteResponse(request.method, written, context_.links());
    out.response = response.ok() ? std::move(response).value() : FromError(response.error());
    return out;
  }

  // Runs requests [begin, end) of one atomicity group in one transaction.
  void RunGroup(const std::vector<BatchRequest>& requests, size_t begin, size_t end,
                std::vector<BatchResponse>& responses) {
    std::vector<std::optional<WrittenEntity>> written(end - begin);
    size_t failed = end;
    Error failure;
    CreatedMap before = created_;
    Status status = service_.store().Write([&](store::WriteTransaction& txn) -> Status {
      // The store may run the work again (after a deadlock, or once the
      // partitions it needs exist): each run starts afresh.
      failed = end;
      created_ = before;
      for (size_t i = begin; i < end; ++i) {
        const BatchRequest& request = requests[i];
        Status step = [&]() -> Status {
          if (!IsWrite(request.method))
            return BadRequest(fmt::format("an atomicity group may only hold changes, not {}", request.method));
          FUNDAMENT_ASSIGN_OR_RETURN(auto prepared, Prepare(request));
          FUNDAMENT_ASSIGN_OR_RETURN(written[i - begin],
                                     service_.ApplyWrite(txn, request.method, prepared.path, prepared.body));
          Remember(request, written[i - begin]);
          return Status::Ok();
        }();
        if (!step.ok()) {
          failed = i;
          failure = step.error();
          return step;
        }
      }
      return Status::Ok();
    });
    if (!status.ok()) {
      created_ = std::move(before);  // nothing of the group exists
      if (failed == end) failure = status.error();
      for (size_t i = begin; i < end; ++i) {
        BatchResponse out{requests[i].id, requests[i].group, {}};
        if (i == failed || failed == end) {
          out.response = FromError(failure);
        } else {
          out.response = DependencyFailed(fmt::format("not applied: request '{}' of atomicity group '{}' failed",
                                                      requests[failed].id, *requests[i].group));
        }
        responses.push_back(std::move(out));
      }
      return;
    }
    for (size_t i = begin; i < end; ++i) {
      BatchResponse out{requests[i].id, requests[i].group, {}};
      auto response = service_.WriteResponse(requests[i].method, written[i - begin], context_.links());
      out.response = response.ok() ? std::move(response).value() : FromError(response.error());
      responses.push_back(std::move(out));
    }
  }

  static HttpResponse DependencyFailed(std::string message) {
    return FromError(Error{ErrorCode::kFailedDependency, std::move(message)});
  }

  // The first dependency of requests [begin, end) that failed, if any.
  std::optional<std::string> FailedDependency(const std::vector<BatchRequest>& requests, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      for (const auto& dependency : requests[i].depends_on)
        if (std::find(failed_.begin(), failed_.end(), dependency) != failed_.end()) return dependency;
    return std::nullopt;
  }

  void Remember(const BatchRequest& request, const std::optional<WrittenEntity>& written) {
    if (written && !request.id.empty() && request.method == "POST") created_.insert_or_assign(request.id, *written);
  }

  Service& service_;
  const RequestContext& context_;
  CreatedMap created_;
  std::vector<std::string> failed_;  // ids and groups of failed requests
};

// --- JSON batch -----------------------------------------------------------

HttpResponse JsonBatchResponse(const std::vector<BatchResponse>& responses) {
  json::array items;
  for (const auto& r : responses) {
    json::object item;
    item["id"] = r.id;
    item["status"] = r.response.status;
    if (r.group) item["atomicityGroup"] = *r.group;
    json::object headers;
    for (const auto& [name, value] : r.response.headers) headers[Lower(name)] = value;
    if (!headers.empty()) item["headers"] = std::move(headers);
    if (!r.response.body.empty()) {
      boost::system::error_code ec;
      json::value body = json::parse(r.response.body, ec);
      item["body"] = ec ? json::value(r.response.body) : std::move(body);
    }
    items.emplace_back(std::move(item));
  }
  json::object document;
  document["responses"] = std::move(items);
  HttpResponse response;
  response.body = ToJson(document);
  return response;
}

// --- multipart/mixed batch --------------------------------------------------

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string_view body;
  std::string_view Header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

bool LooksLikeHeader(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// Reads "Name: value" lines; returns the text after them. Blank lines between
// header lines are skipped: the standard's own examples put them there, and
// a JSON body or request line never looks like a header.
std::string_view ReadHeaders(std::string_view text, std::vector<std::pair<std::string, std::string>>& headers) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    std::string_view line = Trim(raw);
    if (!line.empty() && !LooksLikeHeader(line)) break;
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    headers.emplace_back(Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  return text;
}

Result<std::vector<Part>> SplitMultipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70) return BadRequest("multipart batch: missing or invalid boundary");
  std::string delimiter = fmt::format("--{}", boundary);
  std::vector<Part> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return BadRequest("multipart batch: no part delimiter found");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    size_t next = body.find(delimiter, pos);
    if (next == std::string_view::npos) return BadRequest("multipart batch: missing closing delimiter");
    std::string_view content = body.substr(pos, next - pos);
    // The line break after the delimiter belongs to it, and so does the one before the next.
    if (content.starts_with("\r\n")) content.remove_prefix(2);
    else if (content.starts_with('\n')) content.remove_prefix(1);
    if (content.ends_with("\r\n")) content.remove_suffix(2);
    else if (content.ends_with('\n')) content.remove_suffix(1);
    Part part;
    part.body = ReadHeaders(content, part.headers);
    parts.push_back(std::move(part));
    if (parts.size() > kMaxBatchRequests) return BadRequest("multipart batch: too many parts");
    pos = next;
  }
}

Result<BatchRequest> ParseHttpPart(const Part& part, std::optional<std::string> group) {
  std::string_view type = part.Header("content-type");
  if (Lower(type).find("application/http") == std::string::npos)
    return BadRequest("multipart batch: each part must have Content-Type application/http");
  std::string_view text = part.body;
  size_t eol = text.find('\n');
  std::string_view line = Trim(text.substr(0, eol));
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  // "METHOD URL HTTP/1.1"; the version is optional (the standard's examples omit it).
  size_t s1 = line.find(' ');
  if (s1 == std::string_view::npos)
    return BadRequest(fmt::format("multipart batch: malformed request line '{}'", line));
  std::string_view target = Trim(line.substr(s1 + 1));
  if (size_t s2 = target.find(' '); s2 != std::string_view::npos) target = target.substr(0, s2);
  BatchRequest request;
  request.method = Upper(line.substr(0, s1));
  request.url = std::string(target);
  std::vector<std::pair<std::string, std::string>> headers;
  request.body = std::string(Trim(ReadHeaders(text, headers)));
  request.id = std::string(part.Header("content-id"));
  for (const auto& [k, v] : headers)
    if (k == "content-id" && request.id.empty()) request.id = v;
  request.group = std::move(group);
  return request;
}

std::string NewBoundary(std::string_view prefix) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{}_{:016x}", prefix, random());
}

std::string HttpPart(const BatchResponse& r) {
  std::string out = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
  if (!r.id.empty()) out += fmt::format("Content-ID: {}\r\n", r.id);
  out += fmt::format("\r\nHTTP/1.1 {} {}\r\n", r.response.status, Reason(r.response.status));
  for (const auto& [name, value] : r.response.headers) out += fmt::format("{}: {}\r\n", name, value);
  if (!r.response.body.empty()) out += fmt::format("Content-Type: {}\r\n", r.response.content_type);
  out += fmt::format("\r\n{}\r\n", r.response.body);
  return out;
}

HttpResponse MultipartBatchResponse(const std::vector<BatchResponse>& responses) {
  std::string boundary = NewBoundary("batchresponse");
  std::string body;
  for (size_t i = 0; i < responses.size();) {
    if (!responses[i].group) {
      body += fmt::format("--{}\r\n{}", boundary, HttpPart(responses[i]));
      ++i;
      continue;
    }
    size_t end = i;
    while (end < responses.size() && responses[end].group == responses[i].group) ++end;
    const auto first = responses.begin() + static_cast<std::ptrdiff_t>(i);
    const auto last = responses.begin() + static_cast<std::ptrdiff_t>(end);
    // OData 4.0 Part 1 §11.7.4: when a request of a change set fails, the
    // change set is not answered as multipart/mixed but with a single
    // application/http response that applies to all of its requests: the
    // failing request's (the others only say 424, not applied).
    auto failed = std::find_if(first, last, [](const BatchResponse& r) {
      return r.response.status >= 400 && r.response.status != 424;
    });
    if (failed == last)  // every request of the group not run: one of its dependencies failed
      failed = std::find_if(first, last, [](const BatchResponse& r) { return r.response.status >= 400; });
    if (failed != last) {
      body += fmt::format("--{}\r\n{}", boundary, HttpPart(*failed));
      i = end;
      continue;
    }
    std::string changeset = NewBoundary("changesetresponse");
    body += fmt::format("--{}\r\nContent-Type: multipart/mixed; boundary={}\r\n\r\n", boundary, changeset);
    for (size_t j = i; j < end; ++j) body += fmt::format("--{}\r\n{}", changeset, HttpPart(responses[j]));
    body += fmt::format("--{}--\r\n", changeset);
    i = end;
  }
  body += fmt::format("--{}--\r\n", boundary);
  HttpResponse response;
  response.content_type = fmt::format("multipart/mixed; boundary={}", boundary);
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string BoundaryOf(std::string_view content_type) {
  std::string lower = Lower(content_type);
  size_t at = lower.find("boundary=");
  if (at == std::string::npos) return {};
  std::string_view value = content_type.substr(at + 9);
  value = value.substr(0, value.find(';'));
  value = Trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return std::string(value);
}

Result<std::vector<BatchRequest>> ParseJsonBatch(std::string_view body) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto document, ParseJsonBody(body));
  const json::value* list = document.is_object() ? document.as_object().if_contains("requests") : nullptr;
  if (list == nullptr || !list->is_array()) return BadRequest("JSON batch: expected {\"requests\": [...]}", "requests");
  if (list->as_array().size() > kMaxBatchRequests)
    return BadRequest(fmt::format("JSON batch: at most {} requests", kMaxBatchRequests), "requests");
  std::vector<BatchRequest> requests;
  std::vector<std::string> seen_groups;
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const json::value& item = list->as_array()[i];
    std::string where = fmt::format("requests[{}]", i);
    if (!item.is_object()) return BadRequest(where + ": expected an object", where);
    const json::object& object = item.as_object();
    BatchRequest request;
    const json::value* id = object.if_contains("id");
    const json::value* method = object.if_contains("method");
    const json::value* url = object.if_contains("url");
    if (id == nullptr || !id->is_string()) return BadRequest(where + ".id: expected a string", where + ".id");
    if (method == nullptr || !method->is_string())
      return BadRequest(where + ".method: expected a string", where + ".method");
    if (url == nullptr || !url->is_string()) return BadRequest(where + ".url: expected a string", where + ".url");
    request.id = std::string(id->as_string());
    request.method = Upper(std::string_view(method->as_string()));
    request.url = std::string(url->as_string());
    if (const json::value* b = object.if_contains("body"); b != nullptr && !b->is_null())
      request.body = ToJson(*b);
    if (const json::value* d = object.if_contains("dependsOn"); d != nullptr) {
      if (!d->is_array()) return BadRequest(where + ".dependsOn: expected an array of ids", where + ".dependsOn");
      for (const auto& dependency : d->as_array()) {
        if (!dependency.is_string())
          return BadRequest(where + ".dependsOn: expected an array of ids", where + ".dependsOn");
        std::string_view name = dependency.as_string();
        bool earlier = std::any_of(requests.begin(), requests.end(), [&](const BatchRequest& r) {
          return r.id == name || (r.group && *r.group == name);
        });
        if (!earlier)
          return BadRequest(fmt::format("{}.dependsOn: '{}' is not an earlier request or atomicity group", where, name),
                            where + ".dependsOn");
        request.depends_on.emplace_back(name);
      }
    }
    if (const json::value* g = object.if_contains("atomicityGroup"); g != nullptr) {
      if (!g->is_string()) return BadRequest(where + ".atomicityGroup: expected a string", where + ".atomicityGroup");
      request.group = std::string(g->as_string());
      bool adjacent = !requests.empty() && requests.back().group == request.group;
      if (!adjacent && std::find(seen_groups.begin(), seen_groups.end(), *request.group) != seen_groups.end())
        return BadRequest(where + ": the requests of an atomicity group must be adjacent", where);
      if (!adjacent) seen_groups.push_back(*request.group);
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

Result<std::vector<BatchRequest>> ParseMultipartBatch(std::string_view body, std::string_view boundary) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto parts, SplitMultipart(body, boundary));
  std::vector<BatchRequest> requests;
  int changesets = 0;
  for (const Part& part : parts) {
    std::string type = Lower(part.Header("content-type"));
    if (type.starts_with("multipart/mixed")) {
      std::string group = fmt::format("changeset{}", ++changesets);
      FUNDAMENT_ASSIGN_OR_RETURN(auto inner, SplitMultipart(part.body, BoundaryOf(part.Header("content-type"))));
      for (const Part& p : inner) {
        FUNDAMENT_ASSIGN_OR_RETURN(auto request, ParseHttpPart(p, group));
        requests.push_back(std::move(request));
      }
    } else {
      FUNDAMENT_ASSIGN_OR_RETURN(auto request, ParseHttpPart(part, std::nullopt));
      requests.push_back(std::move(request));
    }
    if (requests.size() > kMaxBatchRequests) return BadRequest("multipart batch: too many requests");
  }
  return requests;
}

Result<HttpResponse> HandleBatch(Service& service, const RequestContext& context, std::string_view body,
                                 std::string_view content_type) {
  std::string type = Lower(content_type);
  BatchExecutor executor(service, context);
  if (type.starts_with("multipart/mixed")) {
    FUNDAMENT_ASSIGN_OR_RETURN(auto requests, ParseMultipartBatch(body, BoundaryOf(content_type)));
    return MultipartBatchResponse(executor.Run(requests));
  }
  if (type.empty() || type.starts_with("application/json")) {
    FUNDAMENT_ASSIGN_OR_RETURN(auto requests, ParseJsonBatch(body));
    return JsonBatchResponse(executor.Run(requests));
  }
  return Error{ErrorCode::kUnsupportedMediaType,
               "$batch takes application/json (OData JSON batch) or multipart/mixed"};
}

}  // namespace fundament::sta
