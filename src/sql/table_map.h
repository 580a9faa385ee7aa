// The logical schema: how every entity type, property and navigation of the
// data model maps onto tables and columns. Every SQL store keeps this layout
// (each with migrations of its own); the read path and the filter compiler
// write SQL from it.
//
// Table and column names in SQL text come only from this mapping; nothing a
// client sends is ever spliced into SQL.
#pragma once

#include <string_view>
#include <vector>

#include "model/entity_type.h"

namespace fundament::sql {

// How one property is kept in columns.
enum class Storage {
  kText,               // one TEXT column
  kJson,               // one TEXT column holding JSON
  kInstant,            // one INTEGER column, microseconds since the epoch
  kInterval,           // two INTEGER columns (start, end); both NULL when absent
  kInstantOrInterval,  // two INTEGER columns; end NULL for an instant
  kGeoJson,            // TEXT GeoJSON + a geometry BLOB (+ a bounding box when the table has one)
  kResult,             // result_type + result_number/result_string/result_json
  kBox,                // min_x, min_y, max_x, max_y, read as a GeoJSON geometry (observedArea)
};

// Observation.result_type: which column holds the result.
enum class ResultType : int {
  kNull = 0,
  kInteger = 1,  // result_number, an INTEGER
  kDouble = 2,   // result_number, a REAL
  kString = 3,   // result_string
  kBool = 4,     // result_number, 0 or 1
  kJson = 5,     // result_json: an object, an array, or an integer beyond int64
};

// The column beside every kGeoJson property that holds it as an engine
// geometry, for spatial functions.
inline constexpr std::string_view kGeometryColumn = "geom";

// The columns of one property.
struct PropertyColumns {
  const model::PropertyDef* property;
  Storage storage;
  std::string_view column;   // the (first) column
  std::string_view column2;  // kInterval/kInstantOrInterval: the end column
  bool has_bbox = false;     // kGeoJson: the table keeps min_x/min_y/max_x/max_y
  // The store fills the property in when a client leaves it out, so its
  // (first) column is never NULL: it sorts without NULLS FIRST/LAST, which
  // lets a descending index scan serve "newest first".
  bool always_set = false;
};

// The foreign key column of one to-one navigation (Relation::kReference).
struct ReferenceColumn {
  const model::NavigationDef* navigation;
  std::string_view column;
  // When set, the table is clustered on this column, which holds
  // `cluster_sign` × the referenced id (Observation.stream: a Datastream id,
  // or a negated MultiDatastream id). "References id N" is then best asked as
  // `cluster_column = cluster_sign * N`, which the clustering key serves.
  std::string_view cluster_column = {};
  int cluster_sign = 1;
};

// One entity type's table.
struct TableMap {
  model::EntityKind kind;
  std::string_view table;
  std::vector<PropertyColumns> properties;  // model order
  std::vector<ReferenceColumn> references;  // model order

  const PropertyColumns* FindProperty(std::string_view name) const;
  const ReferenceColumn* FindReference(std::string_view navigation_name) const;
};

// A many-to-many link table, seen from one side: `own_column` holds the id of
// the entity the navigation starts from, `target_column` the target's.
struct LinkTableSide {
  std::string_view table;
  std::string_view own_column;
  std::string_view target_column;
  bool ordered = false;  // has a `position` column keeping insertion order
};

// The table of an entity kind.
const TableMap& TableOf(model::EntityKind kind);

// The link table behind navigation `navigation_name` of `kind` (a
// Relation::kLinkTable navigation), seen from `kind`'s side.
const LinkTableSide* LinkTableOf(model::EntityKind kind, std::string_view navigation_name);

}  // namespace fundament::sql
