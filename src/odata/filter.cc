// Names of filter types and functions, and the canonical text of a filter tree.
#include "odata/filter.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace fundament::odata {
namespace {

constexpr model::Micros kMicrosPerSecond = 1'000'000;
constexpr model::Micros kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr model::Micros kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr model::Micros kMicrosPerDay = 24 * kMicrosPerHour;

// An instant in UTC without the ".000" that FormatInstant adds to whole seconds.
std::string FormatUtc(model::Micros t) {
  std::string text = model::FormatInstant(t);
  const size_t zero_millis = text.rfind(".000Z");
  if (zero_millis != std::string::npos && zero_millis + 5 == text.size()) text.erase(zero_millis, 4);
  return text;
}

std::string FormatDateTime(const DateTimeValue& value) {
  std::string text = FormatUtc(value.utc + value.offset_minutes * kMicrosPerMinute);
  if (value.offset_minutes != 0) {
    const int magnitude = std::abs(value.offset_minutes);
    text.pop_back();  // the Z
    text += fmt::format("{}{:02}:{:02}", value.offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
  }
  return text;
}

// ".5" → ".500", ".000123" stays: milliseconds when exact, else microseconds.
std::string FormatFraction(model::Micros micros) {
  if (micros == 0) return "";
  if (micros % 1000 == 0) return fmt::format(".{:03}", micros / 1000);
  return fmt::format(".{:06}", micros);
}

std::string FormatTimeOfDay(model::Micros since_midnight) {
  return fmt::format("{:02}:{:02}:{:02}", since_midnight / kMicrosPerHour, since_midnight / kMicrosPerMinute % 60,
                     since_midnight / kMicrosPerSecond % 60) +
         FormatFraction(since_midnight % kMicrosPerSecond);
}

// ISO 8601 with days, hours, minutes and seconds only (no years or months,
// which have no fixed length): P1DT2H, -PT0.5S, PT0S.
std::string FormatDuration(model::Micros micros) {
  std::string out = micros < 0 ? "-P" : "P";
  // ParseDuration never yields INT64_MIN, so the magnitude is representable.
  const model::Micros magnitude = micros < 0 ? -micros : micros;
  const model::Micros days = magnitude / kMicrosPerDay;
  const model::Micros hours = magnitude % kMicrosPerDay / kMicrosPerHour;
  const model::Micros minutes = magnitude % kMicrosPerHour / kMicrosPerMinute;
  const model::Micros seconds = magnitude % kMicrosPerMinute / kMicrosPerSecond;
  const model::Micros fraction = magnitude % kMicrosPerSecond;
  if (days > 0) out += fmt::format("{}D", days);
  std::string time;
  if (hours > 0) time += fmt::format("{}H", hours);
  if (minutes > 0) time += fmt::format("{}M", minutes);
  if (seconds > 0 || fraction > 0) {
    time += std::to_string(seconds);
    if (fraction > 0) {
      std::string digits = fmt::format("{:06}", fraction);
      while (digits.back() == '0') digits.pop_back();
      time += "." + digits;
    }
    time += 'S';
  }
  if (!time.empty()) out += "T" + time;
  if (days == 0 && time.empty()) out += "T0S";
  return out;
}

// The shortest text that reads back as the same double, always with a '.' or
// an exponent so that it does not read back as an integer.
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "INF" : "-INF";
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

struct LiteralPrinter {
  std::string operator()(const NullValue&) const { return "null"; }
  std::string operator()(bool value) const { return value ? "true" : "false"; }
  std::string operator()(int64_t value) const { return std::to_string(value); }
  std::string operator()(double value) const { return FormatDouble(value); }
  std::string operator()(const std::string& value) const { return QuoteString(value); }
  std::string operator()(const DateTimeValue& value) const { return FormatDateTime(value); }
  std::string operator()(const DateValue& value) const {
    return fmt::format("{:04}-{:02}-{:02}", value.year, value.month, value.day);
  }
  std::string operator()(const TimeOfDayValue& value) const { return FormatTimeOfDay(value.since_midnight); }
  std::string operator()(const IntervalValue& value) const {
    return FormatUtc(value.interval.start) + "/" + FormatUtc(value.interval.end);
  }
  std::string operator()(const DurationValue& value) const { return "duration'" + FormatDuration(value.micros) + "'"; }
  std::string operator()(const GeometryValue& value) const {
    std::string out = value.geography ? "geography'" : "geometry'";
    if (value.srid_given) out += fmt::format("SRID={};", value.srid);
    return out + FormatWkt(value.geometry) + "'";
  }
};

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
      return "eq";
    case BinaryOp::kNe:
      return "ne";
    case BinaryOp::kGt:
      return "gt";
    case BinaryOp::kGe:
      return "ge";
    case BinaryOp::kLt:
      return "lt";
    case BinaryOp::kLe:
      return "le";
    case BinaryOp::kAdd:
      return "add";
    case BinaryOp::kSub:
      return "sub";
    case BinaryOp::kMul:
      return "mul";
    case BinaryOp::kDiv:
      return "div";
    case BinaryOp::kMod:
      return "mod";
  }
  return "?";
}

void Append(std::string& out, const FilterExpr& expr);

struct NodePrinter {
  std::string& out;

  void operator()(const LiteralNode& node) const { out += std::visit(LiteralPrinter{}, node.value); }
  void operator()(const PathNode& node) const {
    for (const PathNavigation& step : node.navigations) {
      out += step.navigation->name;
      out += '/';
    }
    out += node.is_id() ? std::string_view("id") : node.property->name;
    for (const std::string& member : node.members) {
      out += '/';
      out += member;
    }
  }
  void operator()(const UnaryNode& node) const {
    out += node.op == UnaryOp::kNot ? "(not " : "(-";
    Append(out, *node.operand);
    out += ')';
  }
  void operator()(const BinaryNode& node) const {
    out += '(';
    Append(out, *node.left);
    out += ' ';
    out += BinaryOpName(node.op);
    out += ' ';
    Append(out, *node.right);
    out += ')';
  }
  void operator()(const LogicalNode& node) const {
    out += '(';
    for (size_t i = 0; i < node.operands.size(); ++i) {
      if (i > 0) out += node.op == LogicalOp::kAnd ? " and " : " or ";
      Append(out, *node.operands[i]);
    }
    out += ')';
  }
  void operator()(const CallNode& node) const {
    out += FunctionName(node.function);
    out += '(';
    for (size_t i = 0; i < node.args.size(); ++i) {
      if (i > 0) out += ", ";
      Append(out, *node.args[i]);
    }
    out += ')';
  }
};

void Append(std::string& out, const FilterExpr& expr) { std::visit(NodePrinter{out}, expr.node); }

}  // namespace

const char* FilterTypeName(FilterType type) {
  switch (type) {
    case FilterType::kBoolean:
      return "Boolean";
    case FilterType::kInteger:
      return "Integer";
    case FilterType::kDouble:
      return "Double";
    case FilterType::kString:
      return "String";
    case FilterType::kDateTime:
      return "DateTime";
    case FilterType::kDate:
      return "Date";
    case FilterType::kTimeOfDay:
      return "TimeOfDay";
    case FilterType::kInterval:
      return "Interval";
    case FilterType::kDuration:
      return "Duration";
    case FilterType::kGeometry:
      return "Geometry";
    case FilterType::kJson:
      return "Json";
    case FilterType::kNull:
      return "null";
  }
  return "?";
}

const char* FunctionName(FilterFunction function) {
  switch (function) {
    case FilterFunction::kSubstringOf:
      return "substringof";
    case FilterFunction::kContains:
      return "contains";
    case FilterFunction::kStartsWith:
      return "startswith";
    case FilterFunction::kEndsWith:
      return "endswith";
    case FilterFunction::kLength:
      return "length";
    case FilterFunction::kIndexOf:
      return "indexof";
    case FilterFunction::kSubstring:
      return "substring";
    case FilterFunction::kToLower:
      return "tolower";
    case FilterFunction::kToUpper:
      return "toupper";
    case FilterFunction::kTrim:
      return "trim";
    case FilterFunction::kConcat:
      return "concat";
    case FilterFunction::kYear:
      return "year";
    case FilterFunction::kMonth:
      return "month";
    case FilterFunction::kDay:
      return "day";
    case FilterFunction::kHour:
      return "hour";
    case FilterFunction::kMinute:
      return "minute";
    case FilterFunction::kSecond:
      return "second";
    case FilterFunction::kFractionalSeconds:
      return "fractionalseconds";
    case FilterFunction::kDate:
      return "date";
    case FilterFunction::kTime:
      return "time";
    case FilterFunction::kTotalOffsetMinutes:
      return "totaloffsetminutes";
    case FilterFunction::kNow:
      return "now";
    case FilterFunction::kMinDateTime:
      return "mindatetime";
    case FilterFunction::kMaxDateTime:
      return "maxdatetime";
    case FilterFunction::kRound:
      return "round";
    case FilterFunction::kFloor:
      return "floor";
    case FilterFunction::kCeiling:
      return "ceiling";
    case FilterFunction::kGeoDistance:
      return "geo.distance";
    case FilterFunction::kGeoLength:
      return "geo.length";
    case FilterFunction::kGeoIntersects:
      return "geo.intersects";
    case FilterFunction::kStEquals:
      return "st_equals";
    case FilterFunction::kStDisjoint:
      return "st_disjoint";
    case FilterFunction::kStTouches:
      return "st_touches";
    case FilterFunction::kStWithin:
      return "st_within";
    case FilterFunction::kStOverlaps:
      return "st_overlaps";
    case FilterFunction::kStCrosses:
      return "st_crosses";
    case FilterFunction::kStIntersects:
      return "st_intersects";
    case FilterFunction::kStContains:
      return "st_contains";
    case FilterFunction::kStRelate:
      return "st_relate";
  }
  return "?";
}

std::string ToString(const FilterExpr& expr) {
  std::string out;
  Append(out, expr);
  return out;
}

}  // namespace fundament::odata
