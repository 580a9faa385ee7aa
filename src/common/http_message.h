// Plain HTTP request and response values, free of any server library, so that
// the API layer can be called and tested without a network (and from $batch).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fundament {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // origin-form: path and query, still percent-encoded
  // Header fields with lower-case names, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;  // for logs and error bodies

  // The value of the first header called `name` (lower case), or "".
  std::string_view Header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (key == name) return value;
    return {};
  }
  // The path part of target (before '?').
  std::string_view Path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
  // The query part of target (after '?'), or "".
  std::string_view Query() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  std::string body;
};

// Something that answers requests. Called concurrently from several threads.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace fundament
