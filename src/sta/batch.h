// Batch requests on `POST /$batch` (OGC 18-088 §11): the OData 4.0
// multipart/mixed form the standard defines, with change sets that commit all
// or nothing, and the OData 4.01 JSON form most clients send, with atomicity
// groups. In both, a later request may refer to an entity an earlier one
// created as `$<id>` (in its URL, or as `{"@iot.id": "$<id>"}` in its body).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_message.h"
#include "common/result.h"

namespace fundament::sta {

class Service;
class RequestContext;

// One request inside a batch, independent of the batch's wire format.
struct BatchRequest {
  std::string id;                     // JSON "id" or multipart Content-ID (may be empty outside change sets)
  std::string method;                 // upper case
  std::string url;                    // as given: relative, absolute, or starting with "$<id>"
  std::string body;
  std::optional<std::string> group;   // atomicity group / change set; all or nothing
  // Ids of earlier requests or atomicity groups this one needs (JSON
  // "dependsOn"): when one of them failed, this one is not run (424).
  std::vector<std::string> depends_on;
};

// Parses a JSON batch body ({"requests": [...]}).
Result<std::vector<BatchRequest>> ParseJsonBatch(std::string_view body);

// Parses a multipart/mixed batch body with the given boundary.
Result<std::vector<BatchRequest>> ParseMultipartBatch(std::string_view body, std::string_view boundary);

// The boundary parameter of a multipart Content-Type, or "".
std::string BoundaryOf(std::string_view content_type);

// Answers `POST /$batch`, choosing the format by Content-Type.
Result<HttpResponse> HandleBatch(Service& service, const RequestContext& context, std::string_view body,
                                 std::string_view content_type);

}  // namespace fundament::sta
