// What the API layer needs to know about the request it answers: the absolute
// service root for links (from configuration or the Host and X-Forwarded-*
// headers) and the resource path below the version prefix.
#pragma once

#include <string>
#include <string_view>

#include "common/http_message.h"
#include "sta/entity_output.h"
#include "sta/service.h"

namespace fundament::sta {

class RequestContext {
 public:
  RequestContext(const HttpRequest& request, const ServiceOptions& options);

  const Links& links() const { return links_; }
  // The path after "/v1.1/" (or "/v1.0/"), without slashes around it, still percent-encoded.
  std::string_view resource() const { return resource_; }
  // "/v1.1" or "/v1.0".
  std::string_view version_prefix() const { return version_; }
  const std::string& server_url() const { return server_url_; }

 private:
  std::string server_url_;
  std::string version_;
  Links links_;
  std::string resource_;
};

}  // namespace fundament::sta
