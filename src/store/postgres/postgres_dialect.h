// PostgreSQL 15 with PostGIS 3 as a SQL dialect (sql/dialect.h), and the SQL
// functions Fundament adds to a PostgreSQL database for it.
//
// The schema conventions this dialect assumes (every PostgreSQL schema of
// Fundament keeps them):
//  - instants are bigint microseconds since the epoch (UTC);
//  - JSON columns (properties, parameters, unit, metadata, result_json, …)
//    are jsonb; text is text;
//  - the geometry column `geom` is geometry(Geometry, 4326), kept beside the
//    GeoJSON text; bounding-box columns are double precision;
//  - Observation results: result_type smallint (sql::ResultType) with
//    result_number double precision (booleans as 0/1), result_string text,
//    result_json jsonb;
//  - the database is UTF-8; Unicode case mapping uses the ICU collation
//    "und-x-icu" (the root locale), whatever the database's own collation.
//
// Parameters are `$N`, sent with explicit types from the SqlValue kind:
// int64 as int8, double as float8, text as text. A JSON path is bound as the
// text of a PostgreSQL text[] literal and cast where it is used.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/dialect.h"

namespace fundament::store::postgres {

// PostgreSQL: `$N` parameters, jsonb `#>`/`#>>` with text[] paths and
// jsonb_typeof() for run-time typing, true booleans, PostGIS for geometry.
// Instants are parsed and GeoJSON is read by the functions of
// PostgresSqlFunctions(), which the database must hold.
class PostgresDialect final : public sql::SqlDialect {
 public:
  std::string Placeholder(int index) const override;
  Result<sql::SqlValue> JsonPath(const std::vector<std::string>& members) const override;
  std::string JsonExtract(std::string_view json, std::string_view path_placeholder) const override;
  std::string JsonRead(std::string_view json, std::string_view path_placeholder,
                       sql::JsonAs as) const override;
  std::string True() const override { return "TRUE"; }
  std::string False() const override { return "FALSE"; }
  std::string UnknownAsFalse(std::string_view condition) const override;
  std::string NotDistinct(std::string_view a, std::string_view b) const override;
  std::string Distinct(std::string_view a, std::string_view b) const override;
  std::string NoLimit() const override { return "ALL"; }
  std::string ToDouble(std::string_view number) const override;
  std::string Arithmetic(sql::ArithmeticOp op, std::string_view a, std::string_view b,
                         sql::NumberKind of) const override;
  std::string IntegerDivide(std::string_view a, std::string_view b) const override;
  std::string DoubleDivide(std::string_view a, std::string_view b) const override;
  std::string Modulo(std::string_view a, std::string_view b, bool integers) const override;
  std::string Round(sql::Rounding rounding, std::string_view number, bool integer) const override;
  std::string String(sql::StringFunction function, const std::vector<std::string>& args) const override;
  std::string Calendar(sql::CalendarField field, std::string_view instant) const override;
  std::string ParseInstant(std::string_view text) const override;
  bool HasGeometry() const override { return true; }
  std::string GeometryFromWkt(std::string_view wkt_placeholder) const override;
  std::string GeometryFromGeoJson(std::string_view geojson) const override;
  std::string GeometryFromBox(std::string_view min_x, std::string_view min_y, std::string_view max_x,
                              std::string_view max_y) const override;
  std::string Relate(sql::SpatialRelation relation, std::string_view a, std::string_view b) const override;
  std::string RelatePattern(std::string_view a, std::string_view b,
                            std::string_view pattern_placeholder) const override;
  std::string Distance(std::string_view a, std::string_view b, bool geodesic) const override;
  std::string Length(std::string_view a, bool geodesic) const override;
};

// The dialect instance.
const PostgresDialect& PostgresSql();

// SQL (several statements, idempotent: CREATE OR REPLACE) that creates the
// functions the dialect's SQL calls; run it in the schema, after
// `CREATE EXTENSION postgis`:
//  - fundament_instant(text) → bigint: an ISO 8601 instant (the forms
//    model::ParseInstant takes) as microseconds since the epoch, NULL when
//    the text is none — never an error;
//  - fundament_geometry(jsonb) → geometry: a GeoJSON geometry in SRID 4326,
//    NULL when the value is none; fundament_geometry(text), the same for the
//    GeoJSON text of a filter literal (an error when it is none);
//  - fundament_float(numeric) → double precision: the nearest double, an
//    infinity beyond the range of doubles, 0 below the smallest (where a cast raises
//    an error);
//  - fundament_round(double precision): rounding half away from zero.
std::string_view PostgresSqlFunctions();

}  // namespace fundament::store::postgres
