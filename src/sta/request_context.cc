#include "sta/request_context.h"

namespace fundament::sta {
namespace {

// Host names and schemes come from the client; keep only characters that can
// appear in them so that a hostile header cannot inject into links.
std::string Sanitised(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' ||
        c == '_')
      out += c;
  }
  return out;
}

std::string ServerUrl(const HttpRequest& request, const ServiceOptions& options) {
  if (!options.external_url.empty()) {
    std::string url = options.external_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  std::string scheme = Sanitised(request.Header("x-forwarded-proto"));
  if (scheme != "https") scheme = "http";
  std::string_view host = request.Header("x-forwarded-host");
  if (host.empty()) host = request.Header("host");
  host = host.substr(0, host.find(','));  // the first of several proxies
  std::string clean = Sanitised(host);
  if (clean.empty()) clean = "localhost";
  return scheme + "://" + clean;
}

}  // namespace

RequestContext::RequestContext(const HttpRequest& request, const ServiceOptions& options)
    : server_url_(ServerUrl(request, options)),
      version_(std::string(request.Path().substr(0, 5))),
      links_(server_url_ + version_) {
  std::string_view rest = request.Path().substr(version_.size());
  while (rest.starts_with('/')) rest.remove_prefix(1);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  resource_ = std::string(rest);
}

}  // namespace fundament::sta
