// Converting property values between their JSON form at the Store interface
// and their typed columns (schema.h): times as microseconds, GeoJSON as text
// plus a SpatiaLite geometry and a bounding box, Observation results split
// by JSON type.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"

namespace fundament::store::sqlite {

// One column set by an INSERT or UPDATE.
struct Assignment {
  std::string_view column;
  SqlValue value;
  // `value` is GeoJSON geometry text that the SQL turns into a SpatiaLite
  // geometry (only written when the connection has SpatiaLite).
  bool geometry = false;
};

// Appends the column assignments storing `value` for property `columns`.
// kBadRequest (naming the property) when the value does not have the form the
// property needs. Read-only (kBox) properties produce nothing.
Status EncodeProperty(const PropertyColumns& columns, const boost::json::value& value,
                      std::vector<Assignment>& out);

// The select-list expressions reading property `columns` from table alias
// `alias`, in the order DecodeProperty expects them.
std::vector<std::string> SelectExpressions(const PropertyColumns& columns, std::string_view alias);

// The JSON value of property `columns` from the current row of `stmt`,
// whose columns from `first` on are those of SelectExpressions().
Result<boost::json::value> DecodeProperty(const PropertyColumns& columns, const Statement& stmt, int first);

// The SQL expression a property sorts by (a time interval by its start).
// kBadRequest for properties without an order of their own (geometries,
// objects); those sort by a member (JsonTextExpression).
Result<std::string> SortExpression(const PropertyColumns& columns, std::string_view alias);

// The JSON text expression a member path is looked up in, for properties
// held as JSON; kBadRequest for the others.
Result<std::string> JsonTextExpression(const PropertyColumns& columns, std::string_view alias);

}  // namespace fundament::store::sqlite
