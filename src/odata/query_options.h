// Parsing of the OData system query options that SensorThings uses
// (OGC 18-088 §9.3): $top, $skip, $count, $orderby, $select, $expand (nested,
// with options in parentheses separated by `;`), $filter and $resultFormat.
#pragma once

#include <string_view>

#include "common/result.h"
#include "model/entity_type.h"
#include "odata/query.h"

namespace fundament::odata {

// Limits that keep any query cheap to parse and to answer.
struct QueryLimits {
  int max_expand_depth = 5;
  int64_t max_top = 10000;  // larger $top values are capped by the API layer, not rejected
};

// Parses the query string of a request (`$top=10&$expand=Datastreams($top=1)`),
// percent-decoding it, for a request on entity type `type`. Every name is
// checked against the model: unknown properties or navigations, malformed
// numbers, repeated options or unknown `$`-options give kBadRequest with a
// message that says which option and what was wrong. Options that do not start
// with `$` are ignored, as OData requires.
Result<QueryOptions> ParseQueryOptions(const model::EntityTypeDef& type, std::string_view query,
                                       const QueryLimits& limits = {});

// Percent-decodes a URL component ('+' stays '+'). Malformed escapes give kBadRequest.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace fundament::odata
