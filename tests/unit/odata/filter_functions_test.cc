// Specifies the built-in functions of $filter (OGC 18-088 Table 23): each
// one's arity, argument types and result type.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "filter_test_util.h"

namespace fundament::odata {
namespace {

using model::EntityKind;
using testing::Canonical;
using testing::ErrorOf;
using testing::MustParse;
using ::testing::HasSubstr;

constexpr EntityKind kObs = EntityKind::kObservation;
constexpr EntityKind kThing = EntityKind::kThing;
constexpr EntityKind kLoc = EntityKind::kLocation;

// The type of the function call that is the left operand of a comparison.
FilterType CallType(EntityKind kind, const std::string& text) {
  auto filter = MustParse(kind, text);
  if (!filter) return FilterType::kNull;
  const auto& comparison = std::get<BinaryNode>(filter->node);
  EXPECT_TRUE(std::holds_alternative<CallNode>(comparison.left->node)) << text;
  return comparison.left->type;
}

struct Accepted {
  EntityKind kind;
  const char* text;
  const char* canonical;
};

TEST(FilterFunction, AcceptsEveryFunctionAsTheStandardShowsIt) {
  const Accepted cases[] = {
      {kThing, "substringof('Sensor Things',description)", "substringof('Sensor Things', description)"},
      {kThing, "contains(description,'Things')", "contains(description, 'Things')"},
      {kThing, "endswith(description,'Things')", "endswith(description, 'Things')"},
      {kThing, "startswith(description,'Sensor')", "startswith(description, 'Sensor')"},
      {kThing, "length(description) eq 13", "(length(description) eq 13)"},
      {kThing, "indexof(description,'Sensor') eq 1", "(indexof(description, 'Sensor') eq 1)"},
      {kThing, "substring(description,1) eq 'ensor Things'", "(substring(description, 1) eq 'ensor Things')"},
      {kThing, "substring(description,2,4) eq 'nsor'", "(substring(description, 2, 4) eq 'nsor')"},
      {kThing, "tolower(description) eq 'sensor things'", "(tolower(description) eq 'sensor things')"},
      {kThing, "toupper(description) eq 'SENSOR THINGS'", "(toupper(description) eq 'SENSOR THINGS')"},
      {kThing, "trim(description) eq 'Sensor Things'", "(trim(description) eq 'Sensor Things')"},
      {EntityKind::kDatastream,
       "concat(concat(unitOfMeasurement/symbol,', '), unitOfMeasurement/name) eq 'degree, Celsius'",
       "(concat(concat(unitOfMeasurement/symbol, ', '), unitOfMeasurement/name) eq 'degree, Celsius')"},
      {kObs, "year(resultTime) eq 2015", "(year(resultTime) eq 2015)"},
      {kObs, "month(resultTime) eq 12", "(month(resultTime) eq 12)"},
      {kObs, "day(resultTime) eq 8", "(day(resultTime) eq 8)"},
      {kObs, "hour(resultTime) eq 1", "(hour(resultTime) eq 1)"},
      {kObs, "minute(resultTime) eq 0", "(minute(resultTime) eq 0)"},
      {kObs, "second(resultTime) eq 0", "(second(resultTime) eq 0)"},
      {kObs, "fractionalseconds(resultTime) eq 0", "(fractionalseconds(resultTime) eq 0)"},
      {kObs, "date(resultTime) ne date(validTime)", "(date(resultTime) ne date(validTime))"},
      {kObs, "time(resultTime) le time(phenomenonTime)", "(time(resultTime) le time(phenomenonTime))"},
      {kObs, "totaloffsetminutes(resultTime) eq 60", "(totaloffsetminutes(resultTime) eq 60)"},
      {kObs, "resultTime ge now()", "(resultTime ge now())"},
      {kObs, "resultTime eq mindatetime()", "(resultTime eq mindatetime())"},
      {kObs, "resultTime eq maxdatetime()", "(resultTime eq maxdatetime())"},
      {kObs, "round(result) eq 32", "(round(result) eq 32)"},
      {kObs, "floor(result) eq 32", "(floor(result) eq 32)"},
      {kObs, "ceiling(result) eq 33", "(ceiling(result) eq 33)"},
      {kLoc, "geo.distance(location, geography'POINT (30 10)') lt 1",
       "(geo.distance(location, geography'POINT(30 10)') lt 1)"},
      {kLoc, "geo.length(geography'LINESTRING (30 10, 10 30, 40 40)') gt 1",
       "(geo.length(geography'LINESTRING(30 10,10 30,40 40)') gt 1)"},
      {kLoc, "geo.intersects(location, geography'POLYGON ((30 10, 10 20, 20 40, 40 40, 30 10))')",
       "geo.intersects(location, geography'POLYGON((30 10,10 20,20 40,40 40,30 10))')"},
      {kLoc, "st_equals(location, geography'POINT (30 10)')", "st_equals(location, geography'POINT(30 10)')"},
      {kLoc, "st_disjoint(location, geography'POLYGON ((30 10, 10 20, 20 40, 40 40, 30 10))')",
       "st_disjoint(location, geography'POLYGON((30 10,10 20,20 40,40 40,30 10))')"},
      {kLoc, "st_touches(location, geography'LINESTRING (30 10, 10 30, 40 40)')",
       "st_touches(location, geography'LINESTRING(30 10,10 30,40 40)')"},
      {kLoc, "st_within(location, geography'POLYGON ((30 10, 10 20, 20 40, 40 40, 30 10))')",
       "st_within(location, geography'POLYGON((30 10,10 20,20 40,40 40,30 10))')"},
      {kLoc, "st_overlaps(location, geography'POLYGON ((30 10, 10 20, 20 40, 40 40, 30 10))')",
       "st_overlaps(location, geography'POLYGON((30 10,10 20,20 40,40 40,30 10))')"},
      {kLoc, "st_crosses(location, geography'LINESTRING (30 10, 10 30, 40 40)')",
       "st_crosses(location, geography'LINESTRING(30 10,10 30,40 40)')"},
      {kLoc, "st_intersects(location, geography'LINESTRING (30 10, 10 30, 40 40)')",
       "st_intersects(location, geography'LINESTRING(30 10,10 30,40 40)')"},
      {kLoc, "st_contains(location, geography'POINT (30 10)')", "st_contains(location, geography'POINT(30 10)')"},
      {kLoc, "st_relate(location, geography'POLYGON ((30 10, 10 20, 20 40, 40 40, 30 10))', 'T********')",
       "st_relate(location, geography'POLYGON((30 10,10 20,20 40,40 40,30 10))', 'T********')"},
  };
  for (const Accepted& c : cases) EXPECT_EQ(Canonical(c.kind, c.text), c.canonical) << c.text;
}

TEST(FilterFunction, ResultTypes) {
  EXPECT_EQ(CallType(kThing, "length(name) eq 1"), FilterType::kInteger);
  EXPECT_EQ(CallType(kThing, "indexof(name, 'a') eq 1"), FilterType::kInteger);
  EXPECT_EQ(CallType(kThing, "substring(name, 1) eq 'a'"), FilterType::kString);
  EXPECT_EQ(CallType(kThing, "tolower(name) eq 'a'"), FilterType::kString);
  EXPECT_EQ(CallType(kThing, "concat(name, 'a') eq 'a'"), FilterType::kString);
  EXPECT_EQ(CallType(kObs, "year(resultTime) eq 1"), FilterType::kInteger);
  EXPECT_EQ(CallType(kObs, "fractionalseconds(resultTime) eq 0.5"), FilterType::kDouble);
  EXPECT_EQ(CallType(kObs, "date(resultTime) eq 2025-01-01"), FilterType::kDate);
  EXPECT_EQ(CallType(kObs, "time(resultTime) eq 10:00"), FilterType::kTimeOfDay);
  EXPECT_EQ(CallType(kObs, "totaloffsetminutes(resultTime) eq 0"), FilterType::kInteger);
  EXPECT_EQ(CallType(kObs, "now() eq resultTime"), FilterType::kDateTime);
  EXPECT_EQ(CallType(kObs, "round(result) eq 1"), FilterType::kDouble);
  EXPECT_EQ(CallType(kThing, "round(length(name)) eq 1"), FilterType::kInteger);
  EXPECT_EQ(CallType(kObs, "floor(2.5) eq 1"), FilterType::kDouble);
  EXPECT_EQ(CallType(kLoc, "geo.distance(location, location) eq 1"), FilterType::kDouble);
  EXPECT_EQ(CallType(kLoc, "geo.length(location) eq 1"), FilterType::kDouble);
  EXPECT_EQ(MustParse(kLoc, "st_within(location, location)")->type, FilterType::kBoolean);
  EXPECT_EQ(MustParse(kThing, "startswith(name, 'a')")->type, FilterType::kBoolean);
}

TEST(FilterFunction, RecordsTheFunction) {
  auto filter = MustParse(kThing, "substringof('a', name)");
  ASSERT_NE(filter, nullptr);
  const auto& call = std::get<CallNode>(filter->node);
  EXPECT_EQ(call.function, FilterFunction::kSubstringOf);
  ASSERT_EQ(call.args.size(), 2u);
  EXPECT_EQ(call.args[0]->type, FilterType::kString);
  EXPECT_STREQ(FunctionName(FilterFunction::kGeoDistance), "geo.distance");
  EXPECT_STREQ(FunctionName(FilterFunction::kStRelate), "st_relate");
}

TEST(FilterFunction, TimeFunctionsTakeAnyTimeValue) {
  EXPECT_EQ(Canonical(kObs, "year(phenomenonTime) eq 2025"), "(year(phenomenonTime) eq 2025)");
  EXPECT_EQ(Canonical(kObs, "year(date(resultTime)) eq 2025"), "(year(date(resultTime)) eq 2025)");
  EXPECT_EQ(Canonical(kObs, "hour(time(resultTime)) eq 10"), "(hour(time(resultTime)) eq 10)");
  EXPECT_EQ(Canonical(kObs, "year(2025-11-18T10:00:00Z) eq 2025"), "(year(2025-11-18T10:00:00Z) eq 2025)");
}

TEST(FilterFunction, JsonAndNullArgumentsAreCheckedAtRunTime) {
  EXPECT_EQ(Canonical(kThing, "startswith(properties/name, 'x')"), "startswith(properties/name, 'x')");
  EXPECT_EQ(Canonical(kObs, "round(parameters/x) eq 1"), "(round(parameters/x) eq 1)");
  EXPECT_EQ(Canonical(kObs, "year(parameters/t) eq 2025"), "(year(parameters/t) eq 2025)");
  EXPECT_EQ(Canonical(kThing, "st_within(properties/area, geography'POINT(1 2)')"),
            "st_within(properties/area, geography'POINT(1 2)')");
  EXPECT_EQ(Canonical(kThing, "startswith(name, null)"), "startswith(name, null)");
}

TEST(FilterFunction, NameNeedsNoSpaceBeforeParenthesisButMayHaveOne) {
  EXPECT_EQ(Canonical(kThing, "length (name) eq 4"), "(length(name) eq 4)");
  EXPECT_EQ(Canonical(kThing, "length( name ) eq 4"), "(length(name) eq 4)");
}

TEST(FilterFunction, RejectsUnknownFunctions) {
  EXPECT_THAT(ErrorOf(kThing, "foo(name) eq 1"), HasSubstr("$filter: at position 1: expected a function, found 'foo'"));
  EXPECT_THAT(ErrorOf(kThing, "Length(name) eq 1"), HasSubstr("found 'Length'"));
  EXPECT_THAT(ErrorOf(kThing, "geo.foo(name) eq 1"), HasSubstr("found 'geo.foo'"));
}

TEST(FilterFunction, RejectsWrongArity) {
  EXPECT_THAT(ErrorOf(kThing, "startswith(name)"),
              HasSubstr("$filter: at position 1: expected 2 arguments for startswith, found 1"));
  EXPECT_THAT(ErrorOf(kThing, "length(name, name) eq 1"), HasSubstr("expected 1 argument for length, found 2"));
  EXPECT_THAT(ErrorOf(kThing, "substring(name) eq 'a'"), HasSubstr("expected 2 or 3 arguments for substring, found 1"));
  EXPECT_THAT(ErrorOf(kThing, "substring(name, 1, 2, 3) eq 'a'"), HasSubstr("found 4"));
  EXPECT_THAT(ErrorOf(kObs, "now(1) eq resultTime"), HasSubstr("expected no arguments for now, found 1"));
  EXPECT_THAT(ErrorOf(kLoc, "st_relate(location, location)"), HasSubstr("expected 3 arguments for st_relate, found 2"));
  EXPECT_THAT(ErrorOf(kLoc, "st_within(location)"), HasSubstr("expected 2 arguments for st_within, found 1"));
  EXPECT_THAT(ErrorOf(kThing, "length() eq 1"), HasSubstr("expected 1 argument for length, found 0"));
}

TEST(FilterFunction, RejectsMalformedArgumentLists) {
  EXPECT_THAT(ErrorOf(kThing, "startswith(name,)"), HasSubstr("at position 17: expected an expression, found ')'"));
  EXPECT_THAT(ErrorOf(kThing, "startswith(name 'a')"), HasSubstr("at position 17: expected ',' or ')', found ''a''"));
  EXPECT_THAT(ErrorOf(kThing, "startswith(name, 'a'"), HasSubstr("expected ',' or ')', found end of input"));
}

TEST(FilterFunction, RejectsWrongArgumentTypes) {
  EXPECT_THAT(ErrorOf(kThing, "startswith(name, 1)"),
              HasSubstr("$filter: at position 18: expected a String as argument 2 of startswith, found an Integer"));
  EXPECT_THAT(ErrorOf(kThing, "length(id) eq 1"), HasSubstr("expected a String as argument 1 of length, found an Integer"));
  EXPECT_THAT(ErrorOf(kThing, "substring(name, 'a') eq 'a'"),
              HasSubstr("expected an Integer as argument 2 of substring, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "substring(name, 1.5) eq 'a'"),
              HasSubstr("expected an Integer as argument 2 of substring, found a Double"));
  EXPECT_THAT(ErrorOf(kThing, "year(name) eq 1"),
              HasSubstr("expected a DateTime, Date or Interval as argument 1 of year, found a String"));
  EXPECT_THAT(ErrorOf(kObs, "hour(date(resultTime)) eq 1"),
              HasSubstr("expected a DateTime, TimeOfDay or Interval as argument 1 of hour, found a Date"));
  EXPECT_THAT(ErrorOf(kObs, "date(date(resultTime)) eq 1"),
              HasSubstr("expected a DateTime or Interval as argument 1 of date, found a Date"));
  EXPECT_THAT(ErrorOf(kThing, "round(name) eq 1"), HasSubstr("expected a number as argument 1 of round, found a String"));
  EXPECT_THAT(ErrorOf(kLoc, "geo.distance(name, location) eq 1"),
              HasSubstr("at position 14: expected a Geometry as argument 1 of geo.distance, found a String"));
  EXPECT_THAT(ErrorOf(kLoc, "st_within(location, 'POINT(1 2)')"),
              HasSubstr("expected a Geometry as argument 2 of st_within, found a String"));
}

TEST(FilterFunction, StRelateNeedsAPatternLiteral) {
  EXPECT_EQ(Canonical(kLoc, "st_relate(location, location, '0FT*12***')"),
            "st_relate(location, location, '0FT*12***')");
  EXPECT_THAT(ErrorOf(kLoc, "st_relate(location, location, 'T*')"),
              HasSubstr("at position 31: expected a DE-9IM pattern (9 of T F * 0 1 2) as argument 3 of "
                        "st_relate, found 'T*'"));
  EXPECT_THAT(ErrorOf(kLoc, "st_relate(location, location, 'T*******X')"), HasSubstr("found 'T*******X'"));
  EXPECT_THAT(ErrorOf(kLoc, "st_relate(location, location, name)"),
              HasSubstr("at position 31: expected a DE-9IM pattern (9 of T F * 0 1 2) as argument 3 of "
                        "st_relate, found 'name'"));
}

TEST(FilterFunction, ResultMustFitTheContext) {
  EXPECT_THAT(ErrorOf(kThing, "length(name)"),
              HasSubstr("at position 1: expected a Boolean expression, found an Integer"));
  EXPECT_THAT(ErrorOf(kThing, "startswith(name, 'a') eq 'a'"),
              HasSubstr("expected a value comparable with a Boolean, found a String"));
}

}  // namespace
}  // namespace fundament::odata
