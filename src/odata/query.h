// The query AST: what a SensorThings request asks for, independent of how any
// store answers it. URL → ResourcePath + QueryOptions → (store) SQL → rows → JSON.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/entity_type.h"

namespace fundament::odata {

// A boolean filter expression ($filter). Defined by the filter module; the
// query options only carry it, so the type may stay incomplete here.
struct FilterExpr;

// One $orderby key: a property of the entity type, optionally a JSON member
// path inside it (`properties/level`), ascending unless `descending`.
struct OrderKey {
  std::string property;
  std::vector<std::string> member_path;
  bool descending = false;
};

enum class ResultFormat { kDefault, kDataArray };

struct ExpandItem;

// The system query options of one collection or entity request, or of one
// level of $expand. Names are checked against the entity type at parse time.
struct QueryOptions {
  std::optional<int64_t> top;   // $top; absent means the server's default page size
  int64_t skip = 0;             // $skip
  bool count = false;           // $count=true
  std::vector<OrderKey> orderby;
  // $select: property names, navigation names, "@iot.id", "@iot.selfLink".
  // Empty means every property and every navigation link.
  std::vector<std::string> select;
  std::vector<ExpandItem> expand;
  std::shared_ptr<const FilterExpr> filter;  // $filter, null when absent
  std::string filter_text;                   // $filter as given, for nextLinks
  ResultFormat result_format = ResultFormat::kDefault;
};

// One navigation property to expand, with the options that apply to it.
// `$expand=Datastreams/Observations` becomes Datastreams{expand: Observations}.
struct ExpandItem {
  const model::NavigationDef* navigation = nullptr;
  QueryOptions options;
};

}  // namespace fundament::odata
