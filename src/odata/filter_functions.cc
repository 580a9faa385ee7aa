// The function table of $filter (OGC 18-088 Table 23, OData 4.0 URL
// conventions §5.1.1.4-5.1.1.7) and its type rules.
#include "odata/filter_functions.h"

#include <fmt/format.h>

#include <initializer_list>

#include "odata/filter_lexer.h"
#include "odata/syntax.h"

namespace fundament::odata {
namespace {

using F = FilterFunction;
using T = FilterType;

// The set of types a parameter takes, and how an error message names it.
struct Param {
  std::initializer_list<T> types;
  const char* description;
};

const Param kString{{T::kString}, "a String"};
const Param kInteger{{T::kInteger}, "an Integer"};
const Param kNumber{{T::kInteger, T::kDouble}, "a number"};
const Param kCalendar{{T::kDateTime, T::kDate, T::kInterval}, "a DateTime, Date or Interval"};
const Param kClock{{T::kDateTime, T::kTimeOfDay, T::kInterval}, "a DateTime, TimeOfDay or Interval"};
const Param kInstant{{T::kDateTime, T::kInterval}, "a DateTime or Interval"};
const Param kGeometry{{T::kGeometry}, "a Geometry"};

struct Signature {
  F function;
  size_t min_args;
  std::vector<const Param*> params;  // max_args == params.size()
  T result;                          // for round/floor/ceiling: kDouble, kInteger for an Integer argument
};

const std::vector<Signature>& Signatures() {
  static const std::vector<Signature> signatures = {
      {F::kSubstringOf, 2, {&kString, &kString}, T::kBoolean},
      {F::kContains, 2, {&kString, &kString}, T::kBoolean},
      {F::kStartsWith, 2, {&kString, &kString}, T::kBoolean},
      {F::kEndsWith, 2, {&kString, &kString}, T::kBoolean},
      {F::kLength, 1, {&kString}, T::kInteger},
      {F::kIndexOf, 2, {&kString, &kString}, T::kInteger},
      {F::kSubstring, 2, {&kString, &kInteger, &kInteger}, T::kString},
      {F::kToLower, 1, {&kString}, T::kString},
      {F::kToUpper, 1, {&kString}, T::kString},
      {F::kTrim, 1, {&kString}, T::kString},
      {F::kConcat, 2, {&kString, &kString}, T::kString},
      {F::kYear, 1, {&kCalendar}, T::kInteger},
      {F::kMonth, 1, {&kCalendar}, T::kInteger},
      {F::kDay, 1, {&kCalendar}, T::kInteger},
      {F::kHour, 1, {&kClock}, T::kInteger},
      {F::kMinute, 1, {&kClock}, T::kInteger},
      {F::kSecond, 1, {&kClock}, T::kInteger},
      {F::kFractionalSeconds, 1, {&kClock}, T::kDouble},
      {F::kDate, 1, {&kInstant}, T::kDate},
      {F::kTime, 1, {&kInstant}, T::kTimeOfDay},
      {F::kTotalOffsetMinutes, 1, {&kInstant}, T::kInteger},
      {F::kNow, 0, {}, T::kDateTime},
      {F::kMinDateTime, 0, {}, T::kDateTime},
      {F::kMaxDateTime, 0, {}, T::kDateTime},
      {F::kRound, 1, {&kNumber}, T::kDouble},
      {F::kFloor, 1, {&kNumber}, T::kDouble},
      {F::kCeiling, 1, {&kNumber}, T::kDouble},
      {F::kGeoDistance, 2, {&kGeometry, &kGeometry}, T::kDouble},
      {F::kGeoLength, 1, {&kGeometry}, T::kDouble},
      {F::kGeoIntersects, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStEquals, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStDisjoint, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStTouches, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStWithin, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStOverlaps, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStCrosses, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStIntersects, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      {F::kStContains, 2, {&kGeometry, &kGeometry}, T::kBoolean},
      // The pattern is checked separately: it must be a literal.
      {F::kStRelate, 3, {&kGeometry, &kGeometry, &kString}, T::kBoolean},
  };
  return signatures;
}

const Signature& SignatureOf(F function) {
  for (const Signature& signature : Signatures())
    if (signature.function == function) return signature;
  return Signatures().front();
}

std::string ArityText(const Signature& signature) {
  const size_t max = signature.params.size();
  if (max == 0) return "no arguments";
  if (signature.min_args == max) return fmt::format("{} argument{}", max, max == 1 ? "" : "s");
  return fmt::format("{} or {} arguments", signature.min_args, max);
}

bool IsDe9imPattern(std::string_view text) {
  if (text.size() != 9) return false;
  for (char c : text)
    if (std::string_view("TF*012").find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace

bool FindFilterFunction(std::string_view name, FilterFunction* function) {
  for (const Signature& signature : Signatures()) {
    if (name == FunctionName(signature.function)) {
      *function = signature.function;
      return true;
    }
  }
  return false;
}

std::string FilterTypeWithArticle(FilterType type) {
  switch (type) {
    case FilterType::kNull:
      return "null";
    case FilterType::kInteger:
    case FilterType::kInterval:
      return std::string("an ") + FilterTypeName(type);
    default:
      return std::string("a ") + FilterTypeName(type);
  }
}

Result<FilterType> CheckFilterCall(FilterFunction function, size_t position, const std::vector<FilterExprPtr>& args) {
  const Signature& signature = SignatureOf(function);
  const char* name = FunctionName(function);
  if (args.size() < signature.min_args || args.size() > signature.params.size()) {
    return FilterSyntaxError(position, fmt::format("{} for {}", ArityText(signature), name),
                             std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const FilterExpr& arg = *args[i];
    if (function == F::kStRelate && i == 2) {
      const auto* literal = std::get_if<LiteralNode>(&arg.node);
      const auto* pattern = literal ? std::get_if<std::string>(&literal->value) : nullptr;
      if (pattern == nullptr || !IsDe9imPattern(*pattern)) {
        return FilterSyntaxError(arg.position,
                                 fmt::format("a DE-9IM pattern (9 of T F * 0 1 2) as argument 3 of {}", name),
                                 Quoted(pattern ? *pattern : ToString(arg)));
      }
      continue;
    }
    if (arg.type == T::kJson || arg.type == T::kNull) continue;
    const Param& param = *signature.params[i];
    bool fits = false;
    for (T type : param.types) fits = fits || type == arg.type;
    if (!fits) {
      return FilterSyntaxError(arg.position, fmt::format("{} as argument {} of {}", param.description, i + 1, name),
                               FilterTypeWithArticle(arg.type));
    }
  }
  if ((function == F::kRound || function == F::kFloor || function == F::kCeiling) &&
      args[0]->type == T::kInteger) {
    return T::kInteger;
  }
  return signature.result;
}

}  // namespace fundament::odata
