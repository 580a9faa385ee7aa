// The seam between the SQL that Fundament generates and the database that
// runs it. The read path and the filter compiler decide *what* to compute —
// which tables, which columns, what a filter means (null handling, "any"
// semantics of to-many paths, interval comparisons); a dialect decides how
// that is spelled in one SQL engine: SQLite with SpatiaLite, or PostgreSQL
// with PostGIS.
//
// Conventions every implementation keeps:
//  - Expressions passed in and returned are complete SQL expressions; a
//    dialect parenthesises what it builds, so results can be nested freely.
//  - Instants are integers: microseconds since 1970-01-01T00:00:00Z (UTC).
//  - Booleans returned are SQL truth values that may be NULL ("unknown").
//  - Geometry expressions are the engine's geometry values in EPSG:4326.
//  - Nothing a client sent appears in returned text; only placeholders do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/sql_value.h"

namespace fundament::sql {

// What a JSON value reads as in a typed context.
enum class JsonAs {
  kNumber,   // the number, NULL for anything else
  kString,   // the string, NULL for anything else
  kBoolean,  // the truth value, NULL for anything else
  kValue,    // the value as the engine holds it (numbers and strings typed, objects and arrays as JSON text)
};

// The spatial relations of OGC 06-104r4 §6.1.2.3 (and geo.intersects).
enum class SpatialRelation { kEquals, kDisjoint, kTouches, kWithin, kOverlaps, kCrosses, kIntersects, kContains };

// String functions with the meaning OData gives them (positions zero-based).
enum class StringFunction {
  kContains,    // (haystack, needle) → boolean
  kStartsWith,  // (text, prefix) → boolean
  kEndsWith,    // (text, suffix) → boolean
  kLength,      // (text) → integer, in characters
  kIndexOf,     // (haystack, needle) → integer, -1 when absent
  kSubstring,   // (text, start) or (text, start, length) → string
  kToLower,     // Unicode-aware
  kToUpper,     // Unicode-aware
  kTrim,        // leading and trailing whitespace
  kConcat,      // (a, b) → string
};

// Calendar fields of an instant, in UTC.
enum class CalendarField { kYear, kMonth, kDay };

// Rounding of numbers, OData round/floor/ceiling.
enum class Rounding { kRound, kFloor, kCeiling };

// Addition, subtraction and multiplication.
enum class ArithmeticOp { kAdd, kSubtract, kMultiply };

// What arithmetic computes on.
enum class NumberKind {
  kInteger,  // integers: a result beyond 64 bits is still a number (SQLite: a double; PostgreSQL: exact)
  kDouble,   // doubles: overflow gives an infinity, underflow zero
  kMicros,   // instants and durations (add and subtract): a result beyond 64 bits is unknown (SQLite: a double)
};

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  // The text of parameter number `index` (1-based).
  virtual std::string Placeholder(int index) const = 0;

  // ---- JSON ----

  // The path value to bind for a member path (`properties/a/b` → a, b);
  // members of digits only index arrays. An empty list is the whole value.
  // kBadRequest for a member name the dialect cannot address.
  virtual Result<SqlValue> JsonPath(const std::vector<std::string>& members) const = 0;

  // The value at the path held by `path_placeholder` in the JSON text
  // expression `json`, as engine values (for sorting and reading).
  virtual std::string JsonExtract(std::string_view json, std::string_view path_placeholder) const = 0;

  // The value at that path read as `as`: NULL when absent or of another type.
  virtual std::string JsonRead(std::string_view json, std::string_view path_placeholder, JsonAs as) const = 0;

  // ---- Logic and comparison ----

  virtual std::string True() const = 0;
  virtual std::string False() const = 0;
  // `condition` with unknown (NULL) taken as false.
  virtual std::string UnknownAsFalse(std::string_view condition) const = 0;
  // Null-safe equality and inequality: NULL equals NULL and differs from every value.
  virtual std::string NotDistinct(std::string_view a, std::string_view b) const = 0;
  virtual std::string Distinct(std::string_view a, std::string_view b) const = 0;

  // ---- Clauses ----

  // What stands after LIMIT for "no limit" when an OFFSET follows.
  virtual std::string NoLimit() const = 0;

  // ---- Numbers ----

  virtual std::string ToDouble(std::string_view number) const = 0;
  // a + b, a - b or a * b of two numbers of kind `of`; never an error.
  virtual std::string Arithmetic(ArithmeticOp op, std::string_view a, std::string_view b, NumberKind of) const = 0;
  // Division of integers truncating toward zero; of doubles as doubles. NULL on division by zero, never an error.
  virtual std::string IntegerDivide(std::string_view a, std::string_view b) const = 0;
  virtual std::string DoubleDivide(std::string_view a, std::string_view b) const = 0;
  // The remainder with the sign of the dividend; NULL on division by zero.
  virtual std::string Modulo(std::string_view a, std::string_view b, bool integers) const = 0;
  // round/floor/ceiling; `integer` when the argument is an integer (the result is then one too).
  virtual std::string Round(Rounding rounding, std::string_view number, bool integer) const = 0;

  // ---- Strings ----

  virtual std::string String(StringFunction function, const std::vector<std::string>& args) const = 0;

  // ---- Time ----

  // The calendar field of `instant` (microseconds since the epoch), in UTC.
  virtual std::string Calendar(CalendarField field, std::string_view instant) const = 0;
  // ISO 8601 text (a JSON string member) as an instant; NULL when it is not one.
  virtual std::string ParseInstant(std::string_view text) const = 0;

  // ---- Geometry ----

  // False when the engine has no geometry support; geometry filters then
  // answer kNotImplemented.
  virtual bool HasGeometry() const = 0;
  // A geometry from WKT text in parameter `wkt_placeholder`.
  virtual std::string GeometryFromWkt(std::string_view wkt_placeholder) const = 0;
  // A geometry from a GeoJSON geometry text expression (NULL when it is none).
  virtual std::string GeometryFromGeoJson(std::string_view geojson) const = 0;
  // The rectangle from min/max coordinates (NULL when any is NULL).
  virtual std::string GeometryFromBox(std::string_view min_x, std::string_view min_y, std::string_view max_x,
                                      std::string_view max_y) const = 0;
  // The relation between `a` and `b`; NULL when either is NULL.
  virtual std::string Relate(SpatialRelation relation, std::string_view a, std::string_view b) const = 0;
  // Whether `a` and `b` match the DE-9IM pattern in `pattern_placeholder`.
  virtual std::string RelatePattern(std::string_view a, std::string_view b,
                                    std::string_view pattern_placeholder) const = 0;
  // Distance and length: in metres on the WGS 84 ellipsoid when `geodesic`,
  // else in coordinate units (degrees).
  virtual std::string Distance(std::string_view a, std::string_view b, bool geodesic) const = 0;
  virtual std::string Length(std::string_view a, bool geodesic) const = 0;
};

}  // namespace fundament::sql
