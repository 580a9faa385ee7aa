#include "store/postgres/postgres_dialect.h"

#include <fmt/format.h>

#include <string>

#include "model/time.h"

namespace fundament::store::postgres {
namespace {

using sql::ArithmeticOp;
using sql::CalendarField;
using sql::JsonAs;
using sql::Rounding;
using sql::SpatialRelation;
using sql::StringFunction;

// The JSON value at the path in `path_placeholder` (a strict SQL/JSON path,
// PostgresDialect::JsonPath), or NULL where the path leads nowhere: silent,
// so that a member of a non-object or an index into a non-array is no error.
std::string At(std::string_view json, std::string_view path_placeholder) {
  return fmt::format("jsonb_path_query_first({}, CAST({} AS jsonpath), '{{}}', true)", json, path_placeholder);
}

// As the SQLite store reads paths: a member of digits only (up to nine) is an
// array index, any other member an object member's name.
bool IsArrayIndex(std::string_view member) {
  if (member.empty() || member.size() > 9) return false;
  for (char c : member)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string Predicate(std::string_view function, std::string_view a, std::string_view b) {
  return fmt::format("{}(CAST({} AS geometry), CAST({} AS geometry))", function, a, b);
}

// A string argument as text (an untyped NULL has no collation and matches
// no overload by itself).
std::string Text(std::string_view arg) { return fmt::format("CAST({} AS text)", arg); }

// A position or length as the int4 that substr() takes: truncated (a JSON
// number may have a fraction), clamped to [0, 2^31 - 2]; NULL stays NULL
// (greatest() and least() skip NULLs).
std::string Int4(std::string_view arg) {
  return fmt::format(
      "CAST(CASE WHEN {0} IS NOT NULL THEN least(greatest(trunc(CAST({0} AS numeric)), 0), 2147483646) END "
      "AS integer)",
      arg);
}

// The date of `instant` (microseconds), `shift_days` later; exact for every
// bigint (no floating point).
std::string DateOf(std::string_view instant, std::string_view shift_days) {
  return fmt::format("(DATE '1970-01-01' + CAST(floor({} / 86400000000.0) AS integer){})", instant,
                     shift_days);
}

}  // namespace

std::string PostgresDialect::Placeholder(int index) const { return fmt::format("${}", index); }

Result<sql::SqlValue> PostgresDialect::JsonPath(const std::vector<std::string>& members) const {
  // A strict SQL/JSON path (strict: an index of a non-array or a member of a
  // non-object does not wrap or unwrap, it leads nowhere, as in SQLite).
  // Names are double-quoted path strings, escaped as JSON strings are.
  std::string path = "strict $";
  for (const std::string& member : members) {
    if (member.empty()) return BadRequest("an empty member name cannot be addressed");
    if (member.find('\0') != std::string::npos) {
      return BadRequest("a member name with a NUL character cannot be addressed");
    }
    if (IsArrayIndex(member)) {
      path += '[';
      path += member;
      path += ']';
      continue;
    }
    path += ".\"";
    for (char c : member) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        path += '\\';
        path += c;
      } else if (byte < 0x20) {
        path += fmt::format("\\u{:04x}", byte);
      } else {
        path += c;
      }
    }
    path += '"';
  }
  return sql::SqlValue(std::move(path));
}

std::string PostgresDialect::JsonExtract(std::string_view json, std::string_view path_placeholder) const {
  // A JSON null reads as SQL NULL, as an absent member does.
  return fmt::format("nullif({}, 'null'::jsonb)", At(json, path_placeholder));
}

std::string PostgresDialect::JsonRead(std::string_view json, std::string_view path, JsonAs as) const {
  const std::string value = At(json, path);
  switch (as) {
    case JsonAs::kNumber:
      // As a double, as result_number holds numbers; jsonb numbers may lie
      // beyond the range of doubles.
      return fmt::format(
          "(CASE WHEN jsonb_typeof({0}) = 'number' THEN fundament_float(CAST({0} AS numeric)) END)", value);
    case JsonAs::kString:
      return fmt::format("(CASE WHEN jsonb_typeof({0}) = 'string' THEN ({0} #>> '{{}}') END)", value);
    case JsonAs::kBoolean:
      return fmt::format("(CASE WHEN jsonb_typeof({0}) = 'boolean' THEN CAST({0} AS boolean) END)", value);
    case JsonAs::kValue:
      break;
  }
  return JsonExtract(json, path);
}

std::string PostgresDialect::UnknownAsFalse(std::string_view condition) const {
  return fmt::format("coalesce({}, FALSE)", condition);
}

std::string PostgresDialect::NotDistinct(std::string_view a, std::string_view b) const {
  return fmt::format("({} IS NOT DISTINCT FROM {})", a, b);
}

std::string PostgresDialect::Distinct(std::string_view a, std::string_view b) const {
  return fmt::format("({} IS DISTINCT FROM {})", a, b);
}

std::string PostgresDialect::ToDouble(std::string_view number) const {
  return fmt::format("fundament_float(CAST({} AS numeric))", number);
}

std::string PostgresDialect::Arithmetic(ArithmeticOp op, std::string_view a, std::string_view b,
                                        sql::NumberKind of) const {
  const char* symbol = op == ArithmeticOp::kAdd ? "+" : op == ArithmeticOp::kSubtract ? "-" : "*";
  switch (of) {
    case sql::NumberKind::kInteger:
      // bigint arithmetic raises an error on overflow; numeric is exact.
      return fmt::format("(CAST({} AS numeric) {} {})", a, symbol, b);
    case sql::NumberKind::kDouble:
      // double precision arithmetic raises errors on overflow and underflow.
      return fmt::format("fundament_float(CAST({} AS numeric) {} CAST({} AS numeric))", a, symbol, b);
    case sql::NumberKind::kMicros:
      // Stays bigint (which indexes on time columns serve), computed only
      // when it fits.
      return fmt::format(
          "(CASE WHEN (CAST({0} AS numeric) {2} {1}) BETWEEN -9223372036854775808 AND 9223372036854775807 "
          "THEN ({0} {2} {1}) END)",
          a, b, symbol);
  }
  return "NULL";
}

std::string PostgresDialect::IntegerDivide(std::string_view a, std::string_view b) const {
  // div() truncates toward zero; on numeric it cannot overflow (bigint
  // -2^63 / -1 would).
  return fmt::format("div(CAST({} AS numeric), nullif({}, 0))", a, b);
}

std::string PostgresDialect::DoubleDivide(std::string_view a, std::string_view b) const {
  return fmt::format("fundament_float(CAST({} AS numeric) / nullif(CAST({} AS numeric), 0))", a, b);
}

std::string PostgresDialect::Modulo(std::string_view a, std::string_view b, bool integers) const {
  // mod() takes the dividend's sign. There is no mod() of doubles; numeric
  // holds them in the decimal digits they are written with.
  if (integers) return fmt::format("mod({}, nullif({}, 0))", a, b);
  return fmt::format("fundament_float(mod(CAST({} AS numeric), CAST(nullif({}, 0) AS numeric)))", a, b);
}

std::string PostgresDialect::Round(Rounding rounding, std::string_view number, bool integer) const {
  if (integer) return std::string(number);
  switch (rounding) {
    case Rounding::kRound:
      // round(double precision) rounds half to even; OData rounds half away from zero.
      return fmt::format("fundament_round(CAST({} AS double precision))", number);
    case Rounding::kFloor:
      return fmt::format("floor(CAST({} AS double precision))", number);
    case Rounding::kCeiling:
      return fmt::format("ceil(CAST({} AS double precision))", number);
  }
  return std::string(number);
}

std::string PostgresDialect::String(StringFunction function, const std::vector<std::string>& args) const {
  auto arg = [&](size_t i) -> std::string {
    return Text(i < args.size() ? std::string_view(args[i]) : "NULL");
  };
  switch (function) {
    case StringFunction::kContains:
      return fmt::format("(strpos({}, {}) > 0)", arg(0), arg(1));
    case StringFunction::kStartsWith:
      return fmt::format("starts_with({}, {})", arg(0), arg(1));
    case StringFunction::kEndsWith:
      // right() of more characters than the text has is the whole text,
      // which then equals the suffix only when they are the same.
      return fmt::format("(right({0}, char_length({1})) = {1})", arg(0), arg(1));
    case StringFunction::kLength:
      return fmt::format("char_length({})", arg(0));
    case StringFunction::kIndexOf:
      return fmt::format("(strpos({}, {}) - 1)", arg(0), arg(1));
    case StringFunction::kSubstring: {
      const std::string start = args.size() > 1 ? Int4(args[1]) : "0";
      if (args.size() < 3) return fmt::format("substr({}, {} + 1)", arg(0), start);
      return fmt::format("substr({}, {} + 1, {})", arg(0), start, Int4(args[2]));
    }
    // The ICU collation picks the case mapping; the result compares in code
    // point order again, as text does everywhere else.
    case StringFunction::kToLower:
      return fmt::format("(lower({} COLLATE \"und-x-icu\") COLLATE \"C\")", arg(0));
    case StringFunction::kToUpper:
      return fmt::format("(upper({} COLLATE \"und-x-icu\") COLLATE \"C\")", arg(0));
    case StringFunction::kTrim:
      return fmt::format("btrim({}, chr(32) || chr(9) || chr(10) || chr(13))", arg(0));
    case StringFunction::kConcat:
      return fmt::format("({} || {})", arg(0), arg(1));
  }
  return "NULL";
}

std::string PostgresDialect::Calendar(CalendarField field, std::string_view instant) const {
  std::string value;
  switch (field) {
    case CalendarField::kYear:
      // 146097 days are 400 Gregorian years: years 0000-0399 stay after 1 BC,
      // which PostgreSQL numbers without a year 0.
      value = fmt::format("(CAST(extract(YEAR FROM {}) AS bigint) - 400)", DateOf(instant, " + 146097"));
      break;
    case CalendarField::kMonth:
      value = fmt::format("CAST(extract(MONTH FROM {}) AS bigint)", DateOf(instant, ""));
      break;
    case CalendarField::kDay:
      value = fmt::format("CAST(extract(DAY FROM {}) AS bigint)", DateOf(instant, ""));
      break;
  }
  // Beyond years 0000-9999 (computed instants) dates may leave PostgreSQL's
  // range, which would be an error; such instants have no calendar fields.
  return fmt::format("(CASE WHEN {} BETWEEN {} AND {} THEN {} END)", instant, model::MinInstant(),
                     model::MaxInstant(), value);
}

std::string PostgresDialect::ParseInstant(std::string_view text) const {
  return fmt::format("fundament_instant({})", Text(text));
}

std::string PostgresDialect::GeometryFromWkt(std::string_view wkt_placeholder) const {
  return fmt::format("ST_GeomFromText({}, 4326)", Text(wkt_placeholder));
}

std::string PostgresDialect::GeometryFromGeoJson(std::string_view geojson) const {
  return fmt::format("fundament_geometry({})", geojson);
}

std::string PostgresDialect::GeometryFromBox(std::string_view min_x, std::string_view min_y,
                                             std::string_view max_x, std::string_view max_y) const {
  return fmt::format("ST_MakeEnvelope({}, {}, {}, {}, 4326)", min_x, min_y, max_x, max_y);
}

std::string PostgresDialect::Relate(SpatialRelation relation, std::string_view a, std::string_view b) const {
  switch (relation) {
    case SpatialRelation::kEquals:
      return Predicate("ST_Equals", a, b);
    case SpatialRelation::kDisjoint:
      return Predicate("ST_Disjoint", a, b);
    case SpatialRelation::kTouches:
      return Predicate("ST_Touches", a, b);
    case SpatialRelation::kWithin:
      return Predicate("ST_Within", a, b);
    case SpatialRelation::kOverlaps:
      return Predicate("ST_Overlaps", a, b);
    case SpatialRelation::kCrosses:
      return Predicate("ST_Crosses", a, b);
    case SpatialRelation::kIntersects:
      return Predicate("ST_Intersects", a, b);
    case SpatialRelation::kContains:
      return Predicate("ST_Contains", a, b);
  }
  return "NULL";
}

std::string PostgresDialect::RelatePattern(std::string_view a, std::string_view b,
                                           std::string_view pattern_placeholder) const {
  return fmt::format("ST_Relate(CAST({} AS geometry), CAST({} AS geometry), {})", a, b,
                     Text(pattern_placeholder));
}

std::string PostgresDialect::Distance(std::string_view a, std::string_view b, bool geodesic) const {
  // geography measures on the WGS 84 spheroid, in metres.
  if (geodesic) return fmt::format("ST_Distance(CAST({} AS geography), CAST({} AS geography))", a, b);
  return fmt::format("ST_Distance(CAST({} AS geometry), CAST({} AS geometry))", a, b);
}

std::string PostgresDialect::Length(std::string_view a, bool geodesic) const {
  if (geodesic) return fmt::format("ST_Length(CAST({} AS geography))", a);
  return fmt::format("ST_Length(CAST({} AS geometry))", a);
}

const PostgresDialect& PostgresSql() {
  static const PostgresDialect dialect;
  return dialect;
}

std::string_view PostgresSqlFunctions() {
  // The instant parser follows model::ParseInstant: YYYY-MM-DD, optionally
  // followed by THH:MM[:SS[.fraction]] and a zone (Z, ±HH, ±HHMM, ±HH:MM);
  // fractions are truncated to microseconds; years 0000-9999 in UTC. Dates
  // are counted in plain integer arithmetic (days from the civil calendar),
  // so no cast can raise an error.
  //
  // ST_GeomFromGeoJSON raises errors (most as internal errors) for values
  // that are no GeoJSON geometry; stored JSON values (jsonb) that are none
  // read as NULL, the only outcome a filter can use. The exception block
  // costs a subtransaction, which only non-null JSON objects reach, and
  // which parallel query forbids (hence PARALLEL UNSAFE, for the rare
  // filters that read geometry from JSON). Literals (text) come from the
  // filter parser, always GeoJSON geometries, and keep parallel plans.
  static const std::string functions = fmt::format(
      R"sql(
CREATE OR REPLACE FUNCTION fundament_instant(t text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  m text[];
  y int; mo int; d int; h int := 0; mi int := 0; s int := 0;
  frac bigint := 0; off bigint := 0; dim int; yy int; era int; yoe int; doy int; utc bigint;
BEGIN
  m := regexp_match(t, '^(\d{{4}})-(\d{{2}})-(\d{{2}})(?:[Tt](\d{{2}}):(\d{{2}})(?::(\d{{2}})(?:[.,](\d+))?)?(?:[Zz]|([+-])(\d{{2}})(?::?(\d{{2}}))?))?$');
  IF m IS NULL THEN RETURN NULL; END IF;
  y := m[1]::int; mo := m[2]::int; d := m[3]::int;
  IF mo < 1 OR mo > 12 THEN RETURN NULL; END IF;
  dim := CASE WHEN mo = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
              WHEN mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
  IF d < 1 OR d > dim THEN RETURN NULL; END IF;
  IF m[4] IS NOT NULL THEN
    h := m[4]::int; mi := m[5]::int; s := coalesce(m[6], '0')::int;
    IF h > 23 OR mi > 59 OR s > 59 THEN RETURN NULL; END IF;
    IF m[7] IS NOT NULL THEN frac := rpad(left(m[7], 6), 6, '0')::bigint; END IF;
    IF m[8] IS NOT NULL THEN
      IF m[9]::int > 23 OR coalesce(m[10], '0')::int > 59 THEN RETURN NULL; END IF;
      off := m[9]::bigint * 3600000000 + coalesce(m[10], '0')::bigint * 60000000;
      IF m[8] = '-' THEN off := -off; END IF;
    END IF;
  END IF;
  -- Days since 1970-01-01, with the year shifted by 400 to keep it positive.
  yy := y - (mo <= 2)::int + 400;
  era := yy / 400;
  yoe := yy - era * 400;
  doy := (153 * (mo + CASE WHEN mo > 2 THEN -3 ELSE 9 END) + 2) / 5 + d - 1;
  utc := ((era::bigint * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 - 146097) * 86400
          + h * 3600 + mi * 60 + s) * 1000000 + frac - off;
  IF utc < {min} OR utc > {max} THEN RETURN NULL; END IF;
  RETURN utc;
END
$fn$;

CREATE OR REPLACE FUNCTION fundament_geometry(g jsonb) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $fn$
BEGIN
  IF jsonb_typeof(g) <> 'object' THEN RETURN NULL; END IF;
  RETURN ST_SetSRID(ST_GeomFromGeoJSON(g), 4326);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION fundament_geometry(g text) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)
$fn$;

CREATE OR REPLACE FUNCTION fundament_float(x numeric) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT CASE WHEN x = 'NaN'::numeric THEN 'NaN'::double precision
              WHEN x > 1.7976931348623157e308 THEN 'Infinity'::double precision
              WHEN x < -1.7976931348623157e308 THEN '-Infinity'::double precision
              WHEN abs(x) <= 2.4703282292062328e-324 THEN 0
              ELSE CAST(x AS double precision) END
$fn$;

CREATE OR REPLACE FUNCTION fundament_round(x double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT trunc(x) + CASE WHEN abs(x - trunc(x)) >= 0.5 THEN sign(x) ELSE 0 END
$fn$;
)sql",
      fmt::arg("min", model::MinInstant()), fmt::arg("max", model::MaxInstant()));
  return functions;
}

}  // namespace fundament::store::postgres
