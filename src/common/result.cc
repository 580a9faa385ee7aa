#include "common/result.h"

#include <boost/json.hpp>

#include "common/json_writer.h"

namespace fundament {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kFailedDependency: return 424;
    case ErrorCode::kNotImplemented: return 501;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kFailedDependency: return "failed_dependency";
    case ErrorCode::kNotImplemented: return "not_implemented";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToJson() const {
  boost::json::object body;
  body["code"] = HttpStatus(code);
  body["error"] = ErrorCodeName(code);
  body["message"] = message;
  if (!field.empty()) body["field"] = field;
  return ::fundament::ToJson(body);
}

}  // namespace fundament
