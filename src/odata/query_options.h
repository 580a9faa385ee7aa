// Parsing of the OData system query options that SensorThings uses
// (OGC 18-088 §9.3): $top, $skip, $count, $orderby, $select, $expand (nested,
// with options in parentheses separated by `;`), $filter and $resultFormat.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "model/entity_type.h"
#include "odata/filter_parser.h"
#include "odata/query.h"

namespace fundament::odata {

// The deepest $expand nesting any configuration can allow: parsing recurses
// once per level, so this bounds the stack whatever `max_expand_depth` says.
inline constexpr int kExpandDepthCeiling = 32;

// Limits that keep any query cheap to parse and to answer.
struct QueryLimits {
  // Levels of $expand (`A/B/C` and `A($expand=B($expand=C))` are both 3);
  // deeper requests give kBadRequest. Capped at kExpandDepthCeiling.
  int max_expand_depth = 5;
  int64_t max_top = 10000;  // larger $top values are capped by the API layer, not rejected
  FilterLimits filter;      // every $filter, at the top and inside $expand
};

// Parses the query string of a request (`$top=10&$expand=Datastreams($top=1)`,
// without or with its leading `?`) for a request on entity type `type`. The
// string is split on `&`, each piece into name and value on the first `=`, and
// both are decoded with DecodeQueryComponent (so `+` is a space). Every name is
// checked against the model: unknown properties or navigations, malformed
// numbers, repeated options, unknown `$`-options, `$expand` deeper than the
// limit and `$expand` together with `$resultFormat=dataArray` give kBadRequest
// with a message that says which option and what was wrong. OData options this
// server does not offer (`$search`, `$format`, `$apply`, …) and $orderby paths
// through navigation properties give kNotImplemented (OGC 18-088 req
// request-data/query-status-code). Options that do not start with `$` are
// ignored, as OData requires. $filter is parsed and type-checked by
// ParseFilter (filter_parser.h) into `filter`, its text kept in `filter_text`.
Result<QueryOptions> ParseQueryOptions(const model::EntityTypeDef& type, std::string_view query,
                                       const QueryLimits& limits = {});

// Percent-decodes a URL component ('+' stays '+', as in a path). Malformed
// escapes, or a result that is not valid UTF-8, give kBadRequest.
Result<std::string> PercentDecode(std::string_view text);

// Decodes one name or value of a query string: like PercentDecode, but '+'
// means a space, as HTML forms and most HTTP client libraries encode it (a
// literal '+' arrives as %2B).
Result<std::string> DecodeQueryComponent(std::string_view text);

}  // namespace fundament::odata
