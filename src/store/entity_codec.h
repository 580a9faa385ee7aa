// Converting property values between their JSON form at the Store interface
// and their typed columns (sql/table_map.h): times as microseconds, GeoJSON
// as text plus an engine geometry and a bounding box, Observation results
// split by JSON type. Shared by the SQL stores; what differs between engines
// (how a geometry is built from GeoJSON, how results sort) is left to them.
#pragma once

#include <fmt/format.h>

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/geojson.h"
#include "model/time.h"
#include "sql/sql_value.h"
#include "sql/table_map.h"

namespace fundament::store {

using sql::LinkTableOf;
using sql::LinkTableSide;
using sql::PropertyColumns;
using sql::ReferenceColumn;
using sql::ResultType;
using sql::SqlValue;
using sql::Storage;
using sql::TableMap;
using sql::TableOf;

// One column set by an INSERT or UPDATE.
struct Assignment {
  std::string_view column;
  SqlValue value;
  // `value` is GeoJSON geometry text that the SQL turns into an engine
  // geometry (column kGeometryColumn).
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

// Parses JSON text kept by the store; kInternal when it is corrupt.
Result<boost::json::value> ParseStoredJson(std::string_view text);

// The JSON value of property `columns` from the current row of `row`, whose
// columns from `first` on are those of SelectExpressions(). A Row offers
// IsNull(i), ColumnInt(i), ColumnDouble(i) and ColumnText(i) (a SQLite
// statement, a PostgreSQL result row).
template <typename Row>
Result<boost::json::value> DecodeProperty(const PropertyColumns& columns, const Row& row, int first);

// The SQL expression Observations sort by when ordered by their result
// itself, for table alias `alias`: numbers (and booleans) before strings,
// strings before structured results. Engine-specific.
using ResultOrder = std::string (*)(std::string_view alias);

// The SQL expression a property sorts by (a time interval by its start).
// kBadRequest for properties without an order of their own (geometries,
// objects); those sort by a member (JsonTextExpression).
Result<std::string> SortExpression(const PropertyColumns& columns, std::string_view alias,
                                   ResultOrder result_order);

// The JSON text expression a member path is looked up in, for properties
// held as JSON; kBadRequest for the others.
Result<std::string> JsonTextExpression(const PropertyColumns& columns, std::string_view alias);

template <typename Row>
Result<boost::json::value> DecodeProperty(const PropertyColumns& columns, const Row& row, int first) {
  namespace json = boost::json;
  if (columns.storage != Storage::kResult && row.IsNull(first)) return json::value(nullptr);
  switch (columns.storage) {
    case Storage::kText:
      return json::value(json::string(row.ColumnText(first)));
    case Storage::kJson:
    case Storage::kGeoJson:
      return ParseStoredJson(row.ColumnText(first));
    case Storage::kInstant:
      return json::value(model::FormatInstant(row.ColumnInt(first)));
    case Storage::kInterval:
    case Storage::kInstantOrInterval: {
      model::TimeInterval interval{row.ColumnInt(first), row.ColumnInt(first)};
      if (row.IsNull(first + 1)) {
        if (columns.storage == Storage::kInstantOrInterval)
          return json::value(model::FormatInstant(interval.start));
      } else {
        interval.end = row.ColumnInt(first + 1);
      }
      return json::value(model::FormatInterval(interval));
    }
    case Storage::kResult: {
      switch (static_cast<ResultType>(row.ColumnInt(first))) {
        case ResultType::kNull:
          return json::value(nullptr);
        case ResultType::kInteger:
          return json::value(row.ColumnInt(first + 1));
        case ResultType::kDouble:
          return json::value(row.ColumnDouble(first + 1));
        case ResultType::kString:
          return json::value(json::string(row.ColumnText(first + 2)));
        case ResultType::kBool:
          return json::value(row.ColumnInt(first + 1) != 0);
        case ResultType::kJson:
          return ParseStoredJson(row.ColumnText(first + 3));
      }
      return Internal(fmt::format("unknown result type {}", row.ColumnInt(first)));
    }
    case Storage::kBox: {
      model::BoundingBox box{row.ColumnDouble(first), row.ColumnDouble(first + 1), row.ColumnDouble(first + 2),
                             row.ColumnDouble(first + 3)};
      return model::GeometryOfBox(box);
    }
  }
  return Internal("unknown storage");
}

}  // namespace fundament::store
