// Specifies ParseFilter's grammar: operator precedence and associativity,
// every literal form, and property paths (OGC 18-088 §9.3.3.5, OData 4.0 URL
// conventions §5.1.1). Trees are compared through their canonical text.
#include "odata/filter_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "filter_test_util.h"

namespace fundament::odata {
namespace {

using model::EntityKind;
using testing::Canonical;
using testing::ErrorOf;
using testing::MustParse;
using testing::RightOf;
using ::testing::HasSubstr;

constexpr EntityKind kObs = EntityKind::kObservation;
constexpr EntityKind kThing = EntityKind::kThing;
constexpr EntityKind kDs = EntityKind::kDatastream;

// ---- Precedence and associativity ---------------------------------------------

TEST(FilterParser, MultiplicationBindsTighterThanAddition) {
  EXPECT_EQ(Canonical(kObs, "result add 1 mul 2 gt 3"), "((result add (1 mul 2)) gt 3)");
  EXPECT_EQ(Canonical(kObs, "result mul 2 add 1 gt 3"), "(((result mul 2) add 1) gt 3)");
  EXPECT_EQ(Canonical(kObs, "result sub 1 div 2 mod 3 eq 0"), "((result sub ((1 div 2) mod 3)) eq 0)");
}

TEST(FilterParser, ArithmeticAssociatesLeft) {
  EXPECT_EQ(Canonical(kObs, "result sub 1 sub 2 eq 0"), "(((result sub 1) sub 2) eq 0)");
  EXPECT_EQ(Canonical(kObs, "result div 2 mul 3 eq 0"), "(((result div 2) mul 3) eq 0)");
}

TEST(FilterParser, ParenthesesOverridePrecedence) {
  EXPECT_EQ(Canonical(kObs, "(result sub 5) gt 10"), "((result sub 5) gt 10)");
  EXPECT_EQ(Canonical(kObs, "(result add 1) mul 2 gt 3"), "(((result add 1) mul 2) gt 3)");
  EXPECT_EQ(Canonical(kObs, "((((result eq 1))))"), "(result eq 1)");
}

TEST(FilterParser, ArithmeticBindsTighterThanComparison) {
  EXPECT_EQ(Canonical(kObs, "result add 5 gt 10"), "((result add 5) gt 10)");
  EXPECT_EQ(Canonical(kObs, "10 lt result mul 2"), "(10 lt (result mul 2))");
}

TEST(FilterParser, RelationalBindsTighterThanEquality) {
  EXPECT_EQ(Canonical(kObs, "result gt 1 eq true"), "((result gt 1) eq true)");
  EXPECT_EQ(Canonical(kObs, "true eq result gt 1"), "(true eq (result gt 1))");
  EXPECT_EQ(Canonical(kObs, "result eq 1 ne false"), "((result eq 1) ne false)");
}

TEST(FilterParser, ComparisonBindsTighterThanNot) {
  EXPECT_EQ(Canonical(kThing, "not name eq 'a'"), "(not (name eq 'a'))");
  EXPECT_EQ(Canonical(kThing, "not startswith(description,'test')"), "(not startswith(description, 'test'))");
  EXPECT_EQ(Canonical(kThing, "not not name eq 'a'"), "(not (not (name eq 'a')))");
  EXPECT_EQ(Canonical(kThing, "not(name eq 'a')"), "(not (name eq 'a'))");
}

TEST(FilterParser, NotBindsTighterThanAnd) {
  EXPECT_EQ(Canonical(kThing, "not name eq 'a' and name eq 'b'"), "((not (name eq 'a')) and (name eq 'b'))");
  EXPECT_EQ(Canonical(kThing, "name eq 'a' and not name eq 'b'"), "((name eq 'a') and (not (name eq 'b')))");
}

TEST(FilterParser, AndBindsTighterThanOr) {
  EXPECT_EQ(Canonical(kObs, "result gt 1 and result lt 5 or result eq 10"),
            "(((result gt 1) and (result lt 5)) or (result eq 10))");
  EXPECT_EQ(Canonical(kObs, "result eq 10 or result gt 1 and result lt 5"),
            "((result eq 10) or ((result gt 1) and (result lt 5)))");
  EXPECT_EQ(Canonical(kObs, "(result eq 10 or result gt 1) and result lt 5"),
            "(((result eq 10) or (result gt 1)) and (result lt 5))");
}

TEST(FilterParser, ChainsOfAndOrBecomeOneNode) {
  auto filter = MustParse(kObs, "result eq 1 or result eq 2 or result eq 3");
  ASSERT_NE(filter, nullptr);
  const auto& logical = std::get<LogicalNode>(filter->node);
  EXPECT_EQ(logical.op, LogicalOp::kOr);
  EXPECT_EQ(logical.operands.size(), 3u);
  EXPECT_EQ(ToString(*filter), "((result eq 1) or (result eq 2) or (result eq 3))");
  // Parentheses keep their grouping.
  EXPECT_EQ(Canonical(kObs, "(result eq 1 or result eq 2) or result eq 3"),
            "(((result eq 1) or (result eq 2)) or (result eq 3))");
}

TEST(FilterParser, UnaryMinus) {
  EXPECT_EQ(Canonical(kObs, "-result gt 5"), "((-result) gt 5)");
  EXPECT_EQ(Canonical(kObs, "- result mul 2 gt 5"), "(((-result) mul 2) gt 5)");
  EXPECT_EQ(Canonical(kObs, "result sub -5 gt 5"), "((result sub -5) gt 5)");
  EXPECT_EQ(Canonical(kObs, "-(result add 1) gt 5"), "((-(result add 1)) gt 5)");
  EXPECT_EQ(Canonical(kObs, "- -result gt 5"), "((-(-result)) gt 5)");
}

TEST(FilterParser, NegatedNumberLiteralsFold) {
  EXPECT_EQ(Canonical(kObs, "result eq - 5"), "(result eq -5)");
  EXPECT_EQ(Canonical(kObs, "result eq -(5)"), "(result eq -5)");
  EXPECT_EQ(Canonical(kObs, "result eq --5"), "(result eq 5)");
  EXPECT_EQ(Canonical(kObs, "result eq -2.5"), "(result eq -2.5)");
  EXPECT_THAT(ErrorOf(kObs, "result eq -(-9223372036854775808)"), HasSubstr("out of range"));
}

TEST(FilterParser, KeywordsAreCaseSensitive) {
  EXPECT_THAT(ErrorOf(kThing, "name EQ 'a'"),
              HasSubstr("at position 6: expected an operator or end of input, found 'EQ'"));
  EXPECT_THAT(ErrorOf(kThing, "name eq 'a' AND name eq 'b'"), HasSubstr("found 'AND'"));
  EXPECT_THAT(ErrorOf(kThing, "name eq TRUE"), HasSubstr("found 'TRUE'"));
}

TEST(FilterParser, WhitespaceIsFlexible) {
  EXPECT_EQ(Canonical(kThing, "  startswith( name ,'a' )  and(name eq'b')  "),
            "(startswith(name, 'a') and (name eq 'b'))");
}

// ---- Literals ------------------------------------------------------------------

const LiteralValue& LiteralOf(const FilterExpr& expr) { return std::get<LiteralNode>(expr.node).value; }

TEST(FilterLiteral, Strings) {
  auto filter = MustParse(kThing, "name eq 'it''s'");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(std::get<std::string>(LiteralOf(RightOf(*filter))), "it's");
  EXPECT_EQ(RightOf(*filter).type, FilterType::kString);
  EXPECT_EQ(ToString(*filter), "(name eq 'it''s')");
  EXPECT_EQ(Canonical(kThing, "name eq ''"), "(name eq '')");
  EXPECT_EQ(Canonical(kThing, "name eq ''''"), "(name eq '''')");
  EXPECT_EQ(Canonical(kThing, "name eq 'Straße 🌊 水位'"), "(name eq 'Straße 🌊 水位')");
  EXPECT_EQ(Canonical(kThing, "name eq 'a and b or (c)'"), "(name eq 'a and b or (c)')");
}

TEST(FilterLiteral, Integers) {
  auto filter = MustParse(kObs, "result eq 42");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(std::get<int64_t>(LiteralOf(RightOf(*filter))), 42);
  EXPECT_EQ(RightOf(*filter).type, FilterType::kInteger);
  EXPECT_EQ(Canonical(kObs, "result eq 007"), "(result eq 7)");
  EXPECT_EQ(Canonical(kObs, "result eq 9223372036854775807"), "(result eq 9223372036854775807)");
  EXPECT_EQ(Canonical(kObs, "result eq -9223372036854775808"), "(result eq -9223372036854775808)");
  EXPECT_THAT(ErrorOf(kObs, "result eq 9223372036854775808"),
              HasSubstr("at position 11: expected an integer from -9223372036854775808 to "
                        "9223372036854775807, found '9223372036854775808'"));
  EXPECT_THAT(ErrorOf(kObs, "result eq -9223372036854775809"), HasSubstr("at position 11"));
}

TEST(FilterLiteral, Decimals) {
  auto filter = MustParse(kObs, "result lt 10.00");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(std::get<double>(LiteralOf(RightOf(*filter))), 10.0);
  EXPECT_EQ(RightOf(*filter).type, FilterType::kDouble);
  EXPECT_EQ(ToString(*filter), "(result lt 10.0)");
  EXPECT_EQ(Canonical(kObs, "result eq 2.5"), "(result eq 2.5)");
  EXPECT_EQ(Canonical(kObs, "result eq 0.1"), "(result eq 0.1)");
  EXPECT_EQ(Canonical(kObs, "result eq -0.5"), "(result eq -0.5)");
  EXPECT_EQ(Canonical(kObs, "result eq 1e3"), "(result eq 1000.0)");
  EXPECT_EQ(Canonical(kObs, "result eq 1.5E-3"), "(result eq 0.0015)");
  EXPECT_EQ(Canonical(kObs, "result eq 6.02e+23"), "(result eq 6.02e+23)");
  EXPECT_EQ(Canonical(kObs, "result eq INF"), "(result eq INF)");
  EXPECT_EQ(Canonical(kObs, "result eq -INF"), "(result eq -INF)");
  EXPECT_EQ(Canonical(kObs, "result ne NaN"), "(result ne NaN)");
  EXPECT_THAT(ErrorOf(kObs, "result eq 1e999"), HasSubstr("at position 11: expected a number within the range of a double, found '1e999'"));
}

TEST(FilterLiteral, BooleansAndNull) {
  EXPECT_EQ(Canonical(kObs, "result eq true"), "(result eq true)");
  EXPECT_EQ(Canonical(kObs, "result eq false"), "(result eq false)");
  EXPECT_EQ(Canonical(kObs, "resultTime eq null"), "(resultTime eq null)");
  EXPECT_EQ(Canonical(kObs, "true"), "true");
  auto filter = MustParse(kObs, "resultTime ne null");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(RightOf(*filter).type, FilterType::kNull);
}

TEST(FilterLiteral, DateTimes) {
  auto filter = MustParse(kObs, "resultTime ge 2025-11-18T10:00:00+01:00");
  ASSERT_NE(filter, nullptr);
  const auto& value = std::get<DateTimeValue>(LiteralOf(RightOf(*filter)));
  EXPECT_EQ(value.utc, *model::ParseInstant("2025-11-18T09:00:00Z"));
  EXPECT_EQ(value.offset_minutes, 60);
  EXPECT_EQ(RightOf(*filter).type, FilterType::kDateTime);
  EXPECT_EQ(ToString(*filter), "(resultTime ge 2025-11-18T10:00:00+01:00)");
  EXPECT_EQ(Canonical(kObs, "resultTime ge 2025-11-18T10:00:00Z"), "(resultTime ge 2025-11-18T10:00:00Z)");
  EXPECT_EQ(Canonical(kObs, "resultTime ge 2025-11-18T10:00Z"), "(resultTime ge 2025-11-18T10:00:00Z)");
  EXPECT_EQ(Canonical(kObs, "resultTime ge 2025-11-18T10:00:00.5Z"), "(resultTime ge 2025-11-18T10:00:00.500Z)");
  EXPECT_EQ(Canonical(kObs, "resultTime ge 2025-11-18T10:00:00.000123-05:30"),
            "(resultTime ge 2025-11-18T10:00:00.000123-05:30)");
  EXPECT_THAT(ErrorOf(kObs, "resultTime ge 2025-11-18T10:00:00"),
              HasSubstr("at position 15: expected an ISO 8601 date and time, found '2025-11-18T10:00:00'"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime ge 2025-02-30T00:00:00Z"), HasSubstr("at position 15"));
}

TEST(FilterLiteral, Dates) {
  auto filter = MustParse(kObs, "resultTime ge 2025-11-18");
  ASSERT_NE(filter, nullptr);
  const auto& value = std::get<DateValue>(LiteralOf(RightOf(*filter)));
  EXPECT_EQ(value.year, 2025);
  EXPECT_EQ(value.month, 11);
  EXPECT_EQ(value.day, 18);
  EXPECT_EQ(value.midnight_utc, *model::ParseInstant("2025-11-18T00:00:00Z"));
  EXPECT_EQ(ToString(*filter), "(resultTime ge 2025-11-18)");
  EXPECT_THAT(ErrorOf(kObs, "resultTime ge 2025-13-01"),
              HasSubstr("at position 15: expected an ISO 8601 date, found '2025-13-01'"));
}

TEST(FilterLiteral, TimesOfDay) {
  auto filter = MustParse(kObs, "time(resultTime) le 10:30");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(std::get<TimeOfDayValue>(LiteralOf(RightOf(*filter))).since_midnight, 37'800'000'000);
  EXPECT_EQ(ToString(*filter), "(time(resultTime) le 10:30:00)");
  EXPECT_EQ(Canonical(kObs, "time(resultTime) le 23:59:59.25"), "(time(resultTime) le 23:59:59.250)");
  EXPECT_THAT(ErrorOf(kObs, "time(resultTime) le 24:00:00"),
              HasSubstr("at position 21: expected a time of day, found '24:00:00'"));
  EXPECT_THAT(ErrorOf(kObs, "time(resultTime) le 10:60"), HasSubstr("at position 21"));
}

TEST(FilterLiteral, Intervals) {
  auto filter = MustParse(kObs, "phenomenonTime eq 2025-01-01T00:00:00Z/2025-02-01T00:00:00Z");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(RightOf(*filter).type, FilterType::kInterval);
  const auto& value = std::get<IntervalValue>(LiteralOf(RightOf(*filter)));
  EXPECT_EQ(value.interval.start, *model::ParseInstant("2025-01-01T00:00:00Z"));
  EXPECT_EQ(value.interval.end, *model::ParseInstant("2025-02-01T00:00:00Z"));
  EXPECT_EQ(ToString(*filter), "(phenomenonTime eq 2025-01-01T00:00:00Z/2025-02-01T00:00:00Z)");
  EXPECT_EQ(Canonical(kObs, "phenomenonTime eq 2025-01-01T00:00:00+01:00/P1D"),
            "(phenomenonTime eq 2024-12-31T23:00:00Z/2025-01-01T23:00:00Z)");
  EXPECT_THAT(ErrorOf(kObs, "phenomenonTime eq 2025-02-01T00:00:00Z/2025-01-01T00:00:00Z"),
              HasSubstr("at position 19: expected an ISO 8601 interval"));
}

TEST(FilterLiteral, Durations) {
  auto filter = MustParse(kObs, "resultTime gt now() sub duration'P1DT2H'");
  ASSERT_NE(filter, nullptr);
  const auto& sub = std::get<BinaryNode>(RightOf(*filter).node);
  EXPECT_EQ(sub.right->type, FilterType::kDuration);
  EXPECT_EQ(std::get<DurationValue>(LiteralOf(*sub.right)).micros, 26LL * 3600 * 1'000'000);
  EXPECT_EQ(ToString(*filter), "(resultTime gt (now() sub duration'P1DT2H'))");
  EXPECT_EQ(Canonical(kObs, "resultTime gt now() sub duration'PT90M'"),
            "(resultTime gt (now() sub duration'PT1H30M'))");
  EXPECT_EQ(Canonical(kObs, "resultTime gt now() sub duration'-PT0.5S'"),
            "(resultTime gt (now() sub duration'-PT0.5S'))");
  EXPECT_EQ(Canonical(kObs, "resultTime gt now() sub duration'P2W'"),
            "(resultTime gt (now() sub duration'P14D'))");
  EXPECT_EQ(Canonical(kObs, "resultTime gt now() sub duration'PT0S'"),
            "(resultTime gt (now() sub duration'PT0S'))");
  EXPECT_THAT(ErrorOf(kObs, "resultTime gt now() sub duration'P1Y'"),
              HasSubstr("at position 25: expected an ISO 8601 duration of weeks, days, hours, minutes or "
                        "seconds, found 'P1Y'"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime gt now() sub duration''"), HasSubstr("at position 25"));
}

TEST(FilterLiteral, UnknownLiteralPrefix) {
  EXPECT_THAT(ErrorOf(kObs, "resultTime gt datetime'2025-01-01T00:00:00Z'"),
              HasSubstr("at position 15: expected duration, geography or geometry before a quote, found "
                        "'datetime'"));
}

TEST(FilterLiteral, Geography) {
  auto filter = MustParse(EntityKind::kLocation, "st_within(location, geography'POINT (30 10)')");
  ASSERT_NE(filter, nullptr);
  const auto& call = std::get<CallNode>(filter->node);
  ASSERT_EQ(call.args.size(), 2u);
  EXPECT_EQ(call.args[1]->type, FilterType::kGeometry);
  const auto& value = std::get<GeometryValue>(LiteralOf(*call.args[1]));
  EXPECT_TRUE(value.geography);
  EXPECT_FALSE(value.srid_given);
  EXPECT_EQ(value.srid, 4326);
  EXPECT_EQ(value.geometry.kind, GeometryKind::kPoint);
  EXPECT_EQ(value.geojson.at("type").as_string(), "Point");
  EXPECT_EQ(value.geojson.at("coordinates").at(0).as_double(), 30.0);
  EXPECT_EQ(value.geojson.at("coordinates").at(1).as_double(), 10.0);
  EXPECT_EQ(ToString(*filter), "st_within(location, geography'POINT(30 10)')");
}

TEST(FilterLiteral, GeometryWithSrid) {
  auto filter = MustParse(EntityKind::kLocation, "st_within(location, geometry'SRID=25832;POINT(500000 6000000)')");
  ASSERT_NE(filter, nullptr);
  const auto& value = std::get<GeometryValue>(LiteralOf(*std::get<CallNode>(filter->node).args[1]));
  EXPECT_FALSE(value.geography);
  EXPECT_TRUE(value.srid_given);
  EXPECT_EQ(value.srid, 25832);
  EXPECT_EQ(ToString(*filter), "st_within(location, geometry'SRID=25832;POINT(500000 6000000)')");
}

TEST(FilterLiteral, GeometryErrorsPointIntoTheLiteral) {
  EXPECT_THAT(ErrorOf(EntityKind::kLocation, "st_within(location, geography'POINT(30)')"),
              HasSubstr("at position 39: expected a number, found ')'"));
  EXPECT_THAT(ErrorOf(EntityKind::kLocation,
                      "st_within(location, geography'POLYGON((0 0, 1 0, 1 1, 0 1))')"),
              HasSubstr("expected a closed ring"));
  EXPECT_THAT(ErrorOf(EntityKind::kLocation, "st_within(location, geography'SRID=x;POINT(1 2)')"),
              HasSubstr("at position 36: expected an SRID of 1 to 6 digits, found 'x'"));
}

// ---- Paths ------------------------------------------------------------------------

const PathNode& PathOf(const FilterExpr& comparison) {
  return std::get<PathNode>(std::get<BinaryNode>(comparison.node).left->node);
}
FilterType LeftType(const FilterExpr& comparison) { return std::get<BinaryNode>(comparison.node).left->type; }

TEST(FilterPath, Properties) {
  auto filter = MustParse(kThing, "name eq 'x'");
  ASSERT_NE(filter, nullptr);
  const PathNode& path = PathOf(*filter);
  EXPECT_TRUE(path.navigations.empty());
  EXPECT_EQ(path.entity, &model::TypeOf(kThing));
  ASSERT_NE(path.property, nullptr);
  EXPECT_EQ(path.property->name, "name");
  EXPECT_TRUE(path.members.empty());
  EXPECT_EQ(LeftType(*filter), FilterType::kString);
}

TEST(FilterPath, IdInBothSpellings) {
  for (const char* text : {"id eq 1", "@iot.id eq 1"}) {
    auto filter = MustParse(kThing, text);
    ASSERT_NE(filter, nullptr);
    EXPECT_TRUE(PathOf(*filter).is_id());
    EXPECT_EQ(LeftType(*filter), FilterType::kInteger);
    EXPECT_EQ(ToString(*filter), "(id eq 1)");
  }
  EXPECT_EQ(Canonical(kObs, "Datastream/@iot.id eq 1"), "(Datastream/id eq 1)");
}

TEST(FilterPath, TypesFollowTheModel) {
  auto left_type = [](EntityKind kind, const std::string& text) {
    auto filter = MustParse(kind, text + " eq null");
    return filter ? LeftType(*filter) : FilterType::kNull;
  };
  EXPECT_EQ(left_type(kObs, "result"), FilterType::kJson);
  EXPECT_EQ(left_type(kObs, "resultTime"), FilterType::kDateTime);
  EXPECT_EQ(left_type(kObs, "phenomenonTime"), FilterType::kInterval);
  EXPECT_EQ(left_type(kObs, "validTime"), FilterType::kInterval);
  EXPECT_EQ(left_type(kObs, "resultQuality"), FilterType::kJson);
  EXPECT_EQ(left_type(kDs, "phenomenonTime"), FilterType::kInterval);
  EXPECT_EQ(left_type(kDs, "observedArea"), FilterType::kGeometry);
  EXPECT_EQ(left_type(kDs, "unitOfMeasurement"), FilterType::kJson);
  EXPECT_EQ(left_type(kDs, "unitOfMeasurement/symbol"), FilterType::kString);
  EXPECT_EQ(left_type(kThing, "properties"), FilterType::kJson);
  EXPECT_EQ(left_type(EntityKind::kLocation, "location"), FilterType::kGeometry);
  EXPECT_EQ(left_type(EntityKind::kSensor, "metadata"), FilterType::kJson);
  EXPECT_EQ(left_type(EntityKind::kHistoricalLocation, "time"), FilterType::kDateTime);
  EXPECT_EQ(left_type(EntityKind::kMultiDatastream, "unitOfMeasurements/0/name"), FilterType::kJson);
}

TEST(FilterPath, JsonMembers) {
  auto filter = MustParse(kThing, "properties/level/max gt 3");
  ASSERT_NE(filter, nullptr);
  const PathNode& path = PathOf(*filter);
  EXPECT_EQ(path.property->name, "properties");
  EXPECT_EQ(path.members, (std::vector<std::string>{"level", "max"}));
  EXPECT_EQ(LeftType(*filter), FilterType::kJson);
  EXPECT_EQ(ToString(*filter), "(properties/level/max gt 3)");
  EXPECT_EQ(Canonical(kObs, "parameters/x eq 'a'"), "(parameters/x eq 'a')");
  EXPECT_EQ(Canonical(kObs, "result/0 eq 1"), "(result/0 eq 1)");
  EXPECT_EQ(Canonical(kThing, "properties/straße eq 'x'"), "(properties/straße eq 'x')");
}

TEST(FilterPath, ToOneNavigation) {
  auto filter = MustParse(kObs, "Datastream/Thing/properties/owner eq 'city'");
  ASSERT_NE(filter, nullptr);
  const PathNode& path = PathOf(*filter);
  ASSERT_EQ(path.navigations.size(), 2u);
  EXPECT_EQ(path.navigations[0].navigation->name, "Datastream");
  EXPECT_FALSE(path.navigations[0].to_many);
  EXPECT_EQ(path.navigations[1].navigation->name, "Thing");
  EXPECT_FALSE(path.navigations[1].to_many);
  EXPECT_EQ(path.entity, &model::TypeOf(kThing));
  EXPECT_EQ(path.property->name, "properties");
  EXPECT_EQ(path.members, std::vector<std::string>{"owner"});
  EXPECT_EQ(ToString(*filter), "(Datastream/Thing/properties/owner eq 'city')");
}

TEST(FilterPath, ToManyNavigation) {
  auto filter = MustParse(kThing, "Datastreams/Observations/result gt 5");
  ASSERT_NE(filter, nullptr);
  const PathNode& path = PathOf(*filter);
  ASSERT_EQ(path.navigations.size(), 2u);
  EXPECT_TRUE(path.navigations[0].to_many);
  EXPECT_TRUE(path.navigations[1].to_many);
  EXPECT_EQ(path.entity, &model::TypeOf(kObs));
  EXPECT_EQ(LeftType(*filter), FilterType::kJson);

  auto location = MustParse(kThing, "geo.distance(Locations/location, geography'POINT(-122 43)') gt 1");
  ASSERT_NE(location, nullptr);
  const auto& call = std::get<CallNode>(std::get<BinaryNode>(location->node).left->node);
  const auto& location_path = std::get<PathNode>(call.args[0]->node);
  ASSERT_EQ(location_path.navigations.size(), 1u);
  EXPECT_TRUE(location_path.navigations[0].to_many);
  EXPECT_EQ(call.args[0]->type, FilterType::kGeometry);
}

TEST(FilterPath, StandardExampleWithNavigations) {
  EXPECT_EQ(Canonical(kThing,
                      "Datastreams/Observations/FeatureOfInterest/id eq 1 and "
                      "Datastreams/Observations/resultTime ge 2010-06-01T00:00:00Z and "
                      "Datastreams/Observations/resultTime le 2010-07-01T00:00:00Z"),
            "((Datastreams/Observations/FeatureOfInterest/id eq 1) and "
            "(Datastreams/Observations/resultTime ge 2010-06-01T00:00:00Z) and "
            "(Datastreams/Observations/resultTime le 2010-07-01T00:00:00Z))");
}

TEST(FilterPath, RejectsUnknownNames) {
  EXPECT_THAT(ErrorOf(kThing, "foo eq 1"),
              HasSubstr("$filter: at position 1: expected a property or navigation of Thing, found 'foo'"));
  EXPECT_THAT(ErrorOf(kThing, "Name eq 'x'"), HasSubstr("found 'Name'"));
  EXPECT_THAT(ErrorOf(kObs, "Datastream/foo eq 1"),
              HasSubstr("at position 12: expected a property or navigation of Datastream, found 'foo'"));
  EXPECT_THAT(ErrorOf(kObs, "name eq 'x'"),
              HasSubstr("at position 1: expected a property or navigation of Observation, found 'name'"));
}

TEST(FilterPath, RejectsPathsEndingInANavigation) {
  EXPECT_THAT(ErrorOf(kObs, "Datastream eq null"),
              HasSubstr("at position 11: expected a property after navigation 'Datastream', found end of path"));
  EXPECT_THAT(ErrorOf(kObs, "Datastream/Thing eq null"),
              HasSubstr("at position 17: expected a property after navigation 'Thing'"));
}

TEST(FilterPath, RejectsMembersOfNonJsonProperties) {
  EXPECT_THAT(ErrorOf(kThing, "name/first eq 'x'"),
              HasSubstr("at position 6: expected no member after String property 'name', found 'first'"));
  EXPECT_THAT(ErrorOf(EntityKind::kLocation, "location/type eq 'Point'"),
              HasSubstr("expected no member after Geometry property 'location'"));
  EXPECT_THAT(ErrorOf(kThing, "id/x eq 1"), HasSubstr("at position 4: expected no member after the id"));
  EXPECT_THAT(ErrorOf(kDs, "unitOfMeasurement/foo eq 'x'"),
              HasSubstr("at position 19: expected name, symbol or definition, found 'foo'"));
  EXPECT_THAT(ErrorOf(kDs, "unitOfMeasurement/name/x eq 'x'"), HasSubstr("expected no member"));
}

TEST(FilterPath, ReportsTheSegmentPosition) {
  EXPECT_THAT(ErrorOf(kThing, "name eq 'ä' and Datastreams/Sensorr/name eq 'x'"),
              HasSubstr("at position 29: expected a property or navigation of Datastream, found 'Sensorr'"));
}

}  // namespace
}  // namespace fundament::odata
