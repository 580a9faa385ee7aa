// Parsing of SensorThings resource paths (OGC 18-088 §9.2): the part of the
// URL after the version prefix, e.g. `Things(1)/Datastreams(2)/Observations`,
// `Datastreams(1)/Thing`, `Things(1)/name/$value`, `Things(1)/Locations/$ref`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/entity_type.h"

namespace fundament::odata {

// One step of a path: an entity set or navigation, with an id when addressed.
struct PathStep {
  const model::EntityTypeDef* type = nullptr;        // the type this step yields
  const model::NavigationDef* navigation = nullptr;  // null for the first step (an entity set)
  std::optional<int64_t> id;                         // `(id)` when given
};

// A parsed resource path. The addressed resource is the last step: a
// collection when it is a to-many step without id, else a single entity.
struct ResourcePath {
  std::vector<PathStep> steps;
  const model::PropertyDef* property = nullptr;  // `/name`: one property of the entity
  // `/unitOfMeasurement/name`, `/properties/owner`: members inside a
  // JSON-valued property, in order.
  std::vector<std::string> member_path;
  bool value = false;                            // `/$value` after a property
  bool ref = false;                              // `/$ref` after a collection or entity

  // True when the path addresses a collection of entities (or, with `ref`,
  // the references to them): no property, and the last step is an entity
  // set or a to-many navigation without id.
  bool is_collection() const;
  const PathStep& last() const { return steps.back(); }
};

// The most steps (entity set plus navigations) a path may have. Each step
// becomes a join when the path is answered; real clients use three or four.
inline constexpr size_t kMaxResourcePathSteps = 16;

// Parses `path` (already percent-decoded, without leading version segment and
// without a leading slash; one trailing slash is ignored). Ids are positive
// 64-bit integers. Unknown sets, navigations or properties give kNotFound;
// malformed syntax, an empty path or segment, an id where none may stand,
// anything after a collection but `$ref`, and paths longer than
// kMaxResourcePathSteps give kBadRequest. A member inside a JSON or complex
// property (`Things(1)/properties/owner`) is addressed through member_path.
Result<ResourcePath> ParseResourcePath(std::string_view path);

}  // namespace fundament::odata
