// The typed syntax tree of a SensorThings $filter expression (OGC 18-088
// §9.3.3.5, after OData 4.0 URL conventions §5.1.1): what ParseFilter in
// filter_parser.h produces and the query compiler consumes.
//
// The tree is plain data. Every node carries its result type, already checked:
// a tree that ParseFilter returned is well typed, its root is Boolean (or Json,
// decided at run time), every path names an existing property, and no node is
// deeper than the limits allowed. `ToString` prints a canonical, fully
// parenthesised form that parses back to an equal tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "model/entity_type.h"
#include "model/time.h"
#include "odata/wkt.h"

namespace fundament::odata {

// The type of a value in a filter expression.
enum class FilterType {
  kBoolean,
  kInteger,    // 64-bit signed
  kDouble,     // any non-integer number (OData Decimal and Double)
  kString,
  kDateTime,   // an instant (OData DateTimeOffset): resultTime, now(), 2025-11-18T10:00:00Z
  kDate,       // a calendar date: date(…), 2025-11-18 (compares with instants as midnight UTC)
  kTimeOfDay,  // a time of day: time(…), 10:00:00
  kInterval,   // an instant or a time interval: phenomenonTime, validTime, Datastream resultTime
  kDuration,   // duration'P1D'
  kGeometry,   // Locations/location, geography'POINT(10 54)'
  kJson,       // a JSON value whose type is known only at run time: result, properties/…
  kNull,       // the literal null
};

// The name of a type as error messages use it ("String", "DateTime", …).
const char* FilterTypeName(FilterType type);

// ---- Literals ----------------------------------------------------------------

struct NullValue {
  bool operator==(const NullValue&) const = default;
};

// An instant and the UTC offset it was written with, which only
// totaloffsetminutes() and printing need.
struct DateTimeValue {
  model::Micros utc = 0;
  int offset_minutes = 0;
  bool operator==(const DateTimeValue&) const = default;
};

struct DateValue {
  int year = 1970;
  int month = 1;
  int day = 1;
  model::Micros midnight_utc = 0;  // the same date as an instant
  bool operator==(const DateValue&) const = default;
};

struct TimeOfDayValue {
  model::Micros since_midnight = 0;
  bool operator==(const TimeOfDayValue&) const = default;
};

// An interval literal `2025-01-01T00:00:00Z/2025-02-01T00:00:00Z` (a duration
// may stand for either end).
struct IntervalValue {
  model::TimeInterval interval;
  bool operator==(const IntervalValue&) const = default;
};

struct DurationValue {
  model::Micros micros = 0;
  bool operator==(const DurationValue&) const = default;
};

// `geography'SRID=4326;POINT(10 54)'` or `geometry'…'`.
struct GeometryValue {
  bool geography = true;  // geography'…' (true) or geometry'…' (false)
  int srid = 4326;        // SRID=…; when given, else 4326
  bool srid_given = false;
  Geometry geometry;
  boost::json::value geojson;  // `geometry` as a GeoJSON geometry object
  bool operator==(const GeometryValue& other) const {
    return geography == other.geography && srid == other.srid && srid_given == other.srid_given &&
           geometry == other.geometry;
  }
};

// A literal. The alternative matches the node's type: NullValue ↔ kNull,
// bool ↔ kBoolean, int64_t ↔ kInteger, double ↔ kDouble, std::string ↔
// kString (unescaped UTF-8), DateTimeValue ↔ kDateTime, DateValue ↔ kDate,
// TimeOfDayValue ↔ kTimeOfDay, IntervalValue ↔ kInterval, DurationValue ↔
// kDuration, GeometryValue ↔ kGeometry.
using LiteralValue = std::variant<NullValue, bool, int64_t, double, std::string, DateTimeValue, DateValue,
                                  TimeOfDayValue, IntervalValue, DurationValue, GeometryValue>;

// ---- Nodes -------------------------------------------------------------------

struct FilterExpr;
using FilterExprPtr = std::unique_ptr<const FilterExpr>;

struct LiteralNode {
  LiteralValue value;
};

// One navigation step of a path, from the entity type before it.
struct PathNavigation {
  const model::NavigationDef* navigation = nullptr;
  // A collection (Datastreams, Observations): the path is true for an entity
  // when it is true for any related entity ("any" semantics).
  bool to_many = false;
};

// A property reference: navigations, then `id` or a property of the entity
// type reached, then member names inside a JSON-valued property.
//   `name`                               → property name
//   `Datastream/Thing/properties/owner`  → Datastream, Thing; properties; ["owner"]
//   `@iot.id`, `id`, `Datastream/id`     → property null (the entity id, kInteger)
struct PathNode {
  std::vector<PathNavigation> navigations;
  const model::EntityTypeDef* entity = nullptr;    // the type the property belongs to
  const model::PropertyDef* property = nullptr;    // null for the id
  std::vector<std::string> members;                // JSON member names (or array indices as text)

  bool is_id() const { return property == nullptr; }
};

enum class UnaryOp { kNot, kNegate };

enum class BinaryOp {
  // Comparisons (Boolean result).
  kEq, kNe, kGt, kGe, kLt, kLe,
  // Arithmetic.
  kAdd, kSub, kMul, kDiv, kMod,
};

struct UnaryNode {
  UnaryOp op = UnaryOp::kNot;
  FilterExprPtr operand;
};

// A comparison or arithmetic operation. For arithmetic the result type says
// which operation it is: kInteger (integer division for kDiv), kDouble,
// kDateTime (instant ± duration), kDuration (instant − instant, duration ±
// duration), kJson (run-time typed operands), kNull (an operand is null).
struct BinaryNode {
  BinaryOp op = BinaryOp::kEq;
  FilterExprPtr left;
  FilterExprPtr right;
};

enum class LogicalOp { kAnd, kOr };

// `a and b and c` as one node with three operands (at least two), so that long
// chains of conditions stay shallow.
struct LogicalNode {
  LogicalOp op = LogicalOp::kAnd;
  std::vector<FilterExprPtr> operands;
};

// The built-in functions of OGC 18-088 Table 23 (and OData `contains`).
enum class FilterFunction {
  // String functions.
  kSubstringOf,  // substringof(p0, p1): p1 contains p0
  kContains,     // contains(p0, p1): p0 contains p1
  kStartsWith,
  kEndsWith,
  kLength,
  kIndexOf,      // zero-based; -1 when absent
  kSubstring,    // 2 or 3 arguments, zero-based start
  kToLower,
  kToUpper,
  kTrim,
  kConcat,
  // Date and time functions.
  kYear,
  kMonth,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kFractionalSeconds,
  kDate,
  kTime,
  kTotalOffsetMinutes,
  kNow,
  kMinDateTime,
  kMaxDateTime,
  // Math functions.
  kRound,
  kFloor,
  kCeiling,
  // Geospatial functions.
  kGeoDistance,
  kGeoLength,
  kGeoIntersects,
  kStEquals,
  kStDisjoint,
  kStTouches,
  kStWithin,
  kStOverlaps,
  kStCrosses,
  kStIntersects,
  kStContains,
  kStRelate,  // third argument: a String literal, a DE-9IM pattern of 9 of T F * 0 1 2
};

// The name of a function as written in a filter ("geo.distance").
const char* FunctionName(FilterFunction function);

struct CallNode {
  FilterFunction function = FilterFunction::kNow;
  std::vector<FilterExprPtr> args;
};

// One node of the tree. Move-only; a parsed filter is shared as
// std::shared_ptr<const FilterExpr>.
struct FilterExpr {
  FilterType type = FilterType::kNull;
  size_t position = 0;  // 1-based character (code point) offset in the filter text
  std::variant<LiteralNode, PathNode, UnaryNode, BinaryNode, LogicalNode, CallNode> node;
};

// The canonical text of `expr`: every operation parenthesised (`(a add (b mul
// c))`, `(not (a eq 1))`, `(-a)`, `(a and b and c)`), calls as `f(a, b)`,
// paths with `/`, the id as `id`, literals in a form that parses back to the
// same value (`'it''s'`, `2.5`, `1e+20`, `2025-11-18T10:00:00+01:00`,
// `duration'P1DT2H'`, `geography'POINT(10 54)'`).
std::string ToString(const FilterExpr& expr);

}  // namespace fundament::odata
