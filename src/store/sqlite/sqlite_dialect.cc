#include "store/sqlite/sqlite_dialect.h"

#include <fmt/format.h>
#include <unicode/ucasemap.h>
#include <unicode/utypes.h>

#include <memory>
#include <string>

#include "model/time.h"

namespace fundament::store::sqlite {
namespace {

using sql::CalendarField;
using sql::JsonAs;
using sql::Rounding;
using sql::SpatialRelation;
using sql::StringFunction;

bool AllDigits(std::string_view text) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// SpatiaLite's predicates answer 1, 0, or -1 when an argument is not a
// geometry (NULL among them); -1 becomes unknown.
std::string Predicate(std::string_view function, std::string_view a, std::string_view b) {
  return fmt::format("(nullif({}({}, {}), -1) = 1)", function, a, b);
}

// ---- SQL functions ----

// Unicode case mapping with the root locale. One UCaseMap per connection: a
// connection is used by one thread at a time.
struct CaseMapper {
  UCaseMap* map = nullptr;
  bool upper = false;
  ~CaseMapper() { ucasemap_close(map); }
};

void MapCase(sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  auto* mapper = static_cast<CaseMapper*>(sqlite3_user_data(context));
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int length = sqlite3_value_bytes(argv[0]);
  if (text == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  // Case mapping can grow UTF-8 text (ß → SS); one retry with the size ICU asks for.
  std::string out(static_cast<size_t>(length) + 16, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = mapper->upper ? ucasemap_utf8ToUpper(mapper->map, out.data(), static_cast<int32_t>(out.size()),
                                                          text, length, &status)
                                   : ucasemap_utf8ToLower(mapper->map, out.data(), static_cast<int32_t>(out.size()),
                                                          text, length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.assign(static_cast<size_t>(needed) + 1, '\0');
      continue;
    }
    if (U_FAILURE(status)) {
      sqlite3_result_error(context, "case mapping failed", -1);
      return;
    }
    sqlite3_result_text(context, out.data(), needed, SQLITE_TRANSIENT);
    return;
  }
  sqlite3_result_error(context, "case mapping failed", -1);
}

void DestroyCaseMapper(void* mapper) { delete static_cast<CaseMapper*>(mapper); }

void ParseInstantFunction(sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_null(context);
    return;
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  auto instant = model::ParseInstant(std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
  if (instant.ok()) {
    sqlite3_result_int64(context, *instant);
  } else {
    sqlite3_result_null(context);
  }
}

Status RegisterCaseFunction(sqlite3* db, const char* name, bool upper) {
  auto mapper = std::make_unique<CaseMapper>();
  UErrorCode status = U_ZERO_ERROR;
  mapper->map = ucasemap_open("", 0, &status);
  if (U_FAILURE(status)) return Internal(fmt::format("ICU: cannot open a case map: {}", u_errorName(status)));
  mapper->upper = upper;
  // On failure SQLite calls the destructor itself.
  int rc = sqlite3_create_function_v2(db, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      mapper.release(), MapCase, nullptr, nullptr, DestroyCaseMapper);
  if (rc != SQLITE_OK) return Internal(fmt::format("cannot register SQL function {}: {}", name, sqlite3_errstr(rc)));
  return Status::Ok();
}

}  // namespace

std::string SqliteDialect::Placeholder(int index) const { return fmt::format("?{}", index); }

Result<sql::SqlValue> SqliteDialect::JsonPath(const std::vector<std::string>& members) const {
  // Object labels are double-quoted so that dots, brackets and spaces are
  // taken literally. SQLite's path syntax has no escape for a quote inside a
  // quoted label, so such names cannot be addressed.
  std::string path = "$";
  for (const std::string& member : members) {
    if (member.empty()) return BadRequest("an empty member name cannot be addressed");
    if (AllDigits(member)) {
      path += '[';
      path += member;
      path += ']';
      continue;
    }
    for (char c : member) {
      if (c == '"' || static_cast<unsigned char>(c) < 0x20) {
        return BadRequest(fmt::format("member name \"{}\" cannot be addressed", member));
      }
    }
    path += ".\"";
    path += member;
    path += '"';
  }
  return sql::SqlValue(std::move(path));
}

std::string SqliteDialect::JsonExtract(std::string_view json, std::string_view path_placeholder) const {
  return fmt::format("json_extract({}, {})", json, path_placeholder);
}

std::string SqliteDialect::JsonRead(std::string_view json, std::string_view path, JsonAs as) const {
  switch (as) {
    case JsonAs::kNumber:
      return fmt::format("(CASE WHEN json_type({0}, {1}) IN ('integer', 'real') THEN json_extract({0}, {1}) END)",
                         json, path);
    case JsonAs::kString:
      return fmt::format("(CASE WHEN json_type({0}, {1}) = 'text' THEN json_extract({0}, {1}) END)", json, path);
    case JsonAs::kBoolean:
      return fmt::format("(CASE json_type({0}, {1}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)", json, path);
    case JsonAs::kValue:
      break;
  }
  return JsonExtract(json, path);
}

std::string SqliteDialect::UnknownAsFalse(std::string_view condition) const {
  return fmt::format("coalesce({}, 0)", condition);
}

std::string SqliteDialect::NotDistinct(std::string_view a, std::string_view b) const {
  return fmt::format("({} IS {})", a, b);
}

std::string SqliteDialect::Distinct(std::string_view a, std::string_view b) const {
  return fmt::format("({} IS NOT {})", a, b);
}

std::string SqliteDialect::ToDouble(std::string_view number) const { return fmt::format("CAST({} AS REAL)", number); }

std::string SqliteDialect::Arithmetic(sql::ArithmeticOp op, std::string_view a, std::string_view b,
                                      sql::NumberKind of) const {
  // SQLite turns an integer result beyond 64 bits into a double itself, and
  // doubles overflow to infinities.
  const char* symbol = op == sql::ArithmeticOp::kAdd ? "+" : op == sql::ArithmeticOp::kSubtract ? "-" : "*";
  return fmt::format("({} {} {})", a, symbol, b);
}

std::string SqliteDialect::IntegerDivide(std::string_view a, std::string_view b) const {
  return fmt::format("({} / {})", a, b);
}

std::string SqliteDialect::DoubleDivide(std::string_view a, std::string_view b) const {
  return fmt::format("(CAST({} AS REAL) / {})", a, b);
}

std::string SqliteDialect::Modulo(std::string_view a, std::string_view b, bool integers) const {
  // % truncates doubles to integers first; mod() is fmod().
  if (integers) return fmt::format("({} % {})", a, b);
  return fmt::format("mod({}, {})", a, b);
}

std::string SqliteDialect::Round(Rounding rounding, std::string_view number, bool integer) const {
  if (integer) return std::string(number);
  switch (rounding) {
    case Rounding::kRound:
      // round() rounds half away from zero, as OData asks.
      return fmt::format("round({})", number);
    case Rounding::kFloor:
      return fmt::format("floor({})", number);
    case Rounding::kCeiling:
      return fmt::format("ceiling({})", number);
  }
  return std::string(number);
}

std::string SqliteDialect::String(StringFunction function, const std::vector<std::string>& args) const {
  auto arg = [&](size_t i) -> std::string_view { return i < args.size() ? std::string_view(args[i]) : "NULL"; };
  switch (function) {
    case StringFunction::kContains:
      return fmt::format("(instr({}, {}) > 0)", arg(0), arg(1));
    case StringFunction::kStartsWith:
      return fmt::format("(substr({0}, 1, length({1})) = {1})", arg(0), arg(1));
    case StringFunction::kEndsWith:
      // substr() with a start before the string counts from its end, hence the length test.
      return fmt::format("(CASE WHEN length({1}) > length({0}) THEN 0 ELSE substr({0}, length({0}) - length({1}) + 1) = {1} END)",
                         arg(0), arg(1));
    case StringFunction::kLength:
      return fmt::format("length({})", arg(0));
    case StringFunction::kIndexOf:
      return fmt::format("(instr({}, {}) - 1)", arg(0), arg(1));
    case StringFunction::kSubstring:
      // substr() takes its start and length as 32-bit integers: larger ones
      // would wrap around, so they are clamped first.
      if (args.size() < 3) return fmt::format("substr({}, max(min({}, 2147483646), 0) + 1)", arg(0), arg(1));
      return fmt::format("substr({}, max(min({}, 2147483646), 0) + 1, max(min({}, 2147483646), 0))", arg(0), arg(1),
                         arg(2));
    case StringFunction::kToLower:
      return fmt::format("fundament_lower({})", arg(0));
    case StringFunction::kToUpper:
      return fmt::format("fundament_upper({})", arg(0));
    case StringFunction::kTrim:
      return fmt::format("trim({}, char(32, 9, 10, 13))", arg(0));
    case StringFunction::kConcat:
      return fmt::format("({} || {})", arg(0), arg(1));
  }
  return "NULL";
}

std::string SqliteDialect::Calendar(CalendarField field, std::string_view instant) const {
  const char* format = field == CalendarField::kYear ? "%Y" : field == CalendarField::kMonth ? "%m" : "%d";
  return fmt::format("CAST(strftime('{}', {} / 1000000.0, 'unixepoch') AS INTEGER)", format, instant);
}

std::string SqliteDialect::ParseInstant(std::string_view text) const {
  return fmt::format("fundament_instant({})", text);
}

std::string SqliteDialect::GeometryFromWkt(std::string_view wkt_placeholder) const {
  return fmt::format("ST_GeomFromText({}, 4326)", wkt_placeholder);
}

std::string SqliteDialect::GeometryFromGeoJson(std::string_view geojson) const {
  return fmt::format("SetSRID(GeomFromGeoJSON({}), 4326)", geojson);
}

std::string SqliteDialect::GeometryFromBox(std::string_view min_x, std::string_view min_y, std::string_view max_x,
                                           std::string_view max_y) const {
  return fmt::format("BuildMbr({}, {}, {}, {}, 4326)", min_x, min_y, max_x, max_y);
}

std::string SqliteDialect::Relate(SpatialRelation relation, std::string_view a, std::string_view b) const {
  switch (relation) {
    case SpatialRelation::kEquals: return Predicate("ST_Equals", a, b);
    case SpatialRelation::kDisjoint: return Predicate("ST_Disjoint", a, b);
    case SpatialRelation::kTouches: return Predicate("ST_Touches", a, b);
    case SpatialRelation::kWithin: return Predicate("ST_Within", a, b);
    case SpatialRelation::kOverlaps: return Predicate("ST_Overlaps", a, b);
    case SpatialRelation::kCrosses: return Predicate("ST_Crosses", a, b);
    case SpatialRelation::kIntersects: return Predicate("ST_Intersects", a, b);
    case SpatialRelation::kContains: return Predicate("ST_Contains", a, b);
  }
  return "NULL";
}

std::string SqliteDialect::RelatePattern(std::string_view a, std::string_view b,
                                         std::string_view pattern_placeholder) const {
  return fmt::format("(nullif(ST_Relate({}, {}, {}), -1) = 1)", a, b, pattern_placeholder);
}

std::string SqliteDialect::Distance(std::string_view a, std::string_view b, bool geodesic) const {
  if (geodesic) return fmt::format("ST_Distance({}, {}, 1)", a, b);
  return fmt::format("ST_Distance({}, {})", a, b);
}

std::string SqliteDialect::Length(std::string_view a, bool geodesic) const {
  if (geodesic) return fmt::format("ST_Length({}, 1)", a);
  return fmt::format("ST_Length({})", a);
}

const SqliteDialect& SqliteSql(bool spatialite) {
  static const SqliteDialect with(true);
  static const SqliteDialect without(false);
  return spatialite ? with : without;
}

Status RegisterSqlFunctions(sqlite3* db) {
  FUNDAMENT_RETURN_IF_ERROR(RegisterCaseFunction(db, "fundament_lower", false));
  FUNDAMENT_RETURN_IF_ERROR(RegisterCaseFunction(db, "fundament_upper", true));
  int rc = sqlite3_create_function_v2(db, "fundament_instant", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                      ParseInstantFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    return Internal(fmt::format("cannot register SQL function fundament_instant: {}", sqlite3_errstr(rc)));
  return Status::Ok();
}

}  // namespace fundament::store::sqlite
