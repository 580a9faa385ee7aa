// SQLite with SpatiaLite as a SQL dialect (sql/dialect.h), and the SQL
// functions Fundament adds to every SQLite connection for it.
#pragma once

#include <sqlite3.h>

#include "common/result.h"
#include "sql/dialect.h"

namespace fundament::store::sqlite {

// SQLite: numbered `?N` parameters, json_extract()/json_type() with `$."a"[0]`
// paths, booleans as 0/1, SpatiaLite's ST_* functions for geometry.
class SqliteDialect final : public sql::SqlDialect {
 public:
  explicit SqliteDialect(bool spatialite) : spatialite_(spatialite) {}

  std::string Placeholder(int index) const override;
  Result<sql::SqlValue> JsonPath(const std::vector<std::string>& members) const override;
  std::string JsonExtract(std::string_view json, std::string_view path_placeholder) const override;
  std::string JsonRead(std::string_view json, std::string_view path_placeholder, sql::JsonAs as) const override;
  std::string True() const override { return "1"; }
  std::string False() const override { return "0"; }
  std::string UnknownAsFalse(std::string_view condition) const override;
  std::string NotDistinct(std::string_view a, std::string_view b) const override;
  std::string Distinct(std::string_view a, std::string_view b) const override;
  std::string NoLimit() const override { return "-1"; }
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
  bool HasGeometry() const override { return spatialite_; }
  std::string GeometryFromWkt(std::string_view wkt_placeholder) const override;
  std::string GeometryFromGeoJson(std::string_view geojson) const override;
  std::string GeometryFromBox(std::string_view min_x, std::string_view min_y, std::string_view max_x,
                              std::string_view max_y) const override;
  std::string Relate(sql::SpatialRelation relation, std::string_view a, std::string_view b) const override;
  std::string RelatePattern(std::string_view a, std::string_view b,
                            std::string_view pattern_placeholder) const override;
  std::string Distance(std::string_view a, std::string_view b, bool geodesic) const override;
  std::string Length(std::string_view a, bool geodesic) const override;

 private:
  bool spatialite_;
};

// The dialect instance for connections with (or without) SpatiaLite.
const SqliteDialect& SqliteSql(bool spatialite = true);

// Adds Fundament's SQL functions to `db`: fundament_lower(text) and
// fundament_upper(text), Unicode case mapping (ICU) where SQLite's lower()
// and upper() know only ASCII; fundament_instant(text), an ISO 8601 instant
// as microseconds since the epoch, NULL when the text is none.
Status RegisterSqlFunctions(sqlite3* db);

}  // namespace fundament::store::sqlite
