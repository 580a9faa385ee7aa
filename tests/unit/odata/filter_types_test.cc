// Specifies the type rules of $filter: which operands comparisons, arithmetic
// and logical operators take, what they yield, and that a filter is Boolean.
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

// The type of the left operand of the top-level comparison.
FilterType LeftType(EntityKind kind, const std::string& text) {
  auto filter = MustParse(kind, text);
  return filter ? std::get<BinaryNode>(filter->node).left->type : FilterType::kNull;
}

TEST(FilterTypes, ComparableOperands) {
  for (const char* text : {"name eq 'x'", "name lt 'x'", "id eq 1", "id gt 1.5", "length(name) gt 2.5",
                           "properties/x eq true", "properties/x eq 'a'", "properties/x gt 2",
                           "properties/x eq properties/y", "name eq null", "null eq name", "null eq null",
                           "true eq (name eq 'x')", "Locations/location eq null"}) {
    EXPECT_TRUE(MustParse(kThing, text)) << text;
  }
  for (const char* text : {"result eq 'x'", "result gt 2.5", "result eq resultTime",
                           "resultTime gt 2025-01-01T00:00:00Z", "resultTime gt 2025-01-01",
                           "phenomenonTime gt resultTime", "validTime lt phenomenonTime",
                           "resultTime sub resultTime gt duration'PT1H'", "time(resultTime) gt 10:00",
                           "date(resultTime) eq 2025-01-01", "date(resultTime) lt resultTime"}) {
    EXPECT_TRUE(MustParse(kObs, text)) << text;
  }
}

TEST(FilterTypes, RejectsIncomparableOperands) {
  EXPECT_THAT(ErrorOf(kThing, "name eq 1"),
              HasSubstr("$filter: at position 9: expected a value comparable with a String, found an Integer"));
  EXPECT_THAT(ErrorOf(kThing, "id eq 'FOI_1'"),
              HasSubstr("at position 7: expected a value comparable with an Integer, found a String"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime gt 5"),
              HasSubstr("expected a value comparable with a DateTime, found an Integer"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime gt '2025-01-01T00:00:00Z'"),
              HasSubstr("expected a value comparable with a DateTime, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "name gt true"), HasSubstr("found a Boolean"));
  EXPECT_THAT(ErrorOf(kObs, "time(resultTime) eq resultTime"),
              HasSubstr("expected a value comparable with a TimeOfDay, found a DateTime"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime eq duration'P1D'"), HasSubstr("found a Duration"));
  EXPECT_THAT(ErrorOf(kLoc, "location eq geography'POINT(1 2)'"),
              HasSubstr("at position 1: expected a comparable value (use st_equals for geometries), found a Geometry"));
}

TEST(FilterTypes, ComparisonsAreBoolean) {
  auto filter = MustParse(kThing, "name eq 'x'");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(filter->type, FilterType::kBoolean);
  EXPECT_EQ(std::get<BinaryNode>(filter->node).op, BinaryOp::kEq);
}

TEST(FilterTypes, ArithmeticResultTypes) {
  EXPECT_EQ(LeftType(kThing, "length(name) add 1 eq 2"), FilterType::kInteger);
  EXPECT_EQ(LeftType(kThing, "length(name) div 2 eq 1"), FilterType::kInteger);
  EXPECT_EQ(LeftType(kThing, "length(name) mod 2 eq 1"), FilterType::kInteger);
  EXPECT_EQ(LeftType(kThing, "length(name) div 2.0 eq 1"), FilterType::kDouble);
  EXPECT_EQ(LeftType(kThing, "length(name) mul 1.5 eq 1"), FilterType::kDouble);
  EXPECT_EQ(LeftType(kObs, "result add 5 gt 10"), FilterType::kDouble);
  EXPECT_EQ(LeftType(kObs, "result mul result gt 10"), FilterType::kDouble);
  EXPECT_EQ(LeftType(kObs, "resultTime add duration'P1D' gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "resultTime sub duration'P1D' gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "duration'P1D' add resultTime gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "now() sub resultTime gt duration'PT1H'"), FilterType::kDuration);
  EXPECT_EQ(LeftType(kObs, "duration'P1D' add duration'PT1H' eq duration'P1DT1H'"), FilterType::kDuration);
  EXPECT_EQ(LeftType(kObs, "date(resultTime) add duration'P1D' gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "parameters/t add duration'P1D' gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "duration'P1D' add parameters/t gt now()"), FilterType::kDateTime);
  EXPECT_EQ(LeftType(kObs, "parameters/t sub resultTime gt duration'P1D'"), FilterType::kDuration);
  EXPECT_EQ(LeftType(kObs, "resultTime sub parameters/t gt duration'P1D'"), FilterType::kDuration);
  EXPECT_EQ(LeftType(kObs, "result add null eq 1"), FilterType::kNull);
  EXPECT_EQ(LeftType(kObs, "-result eq 1"), FilterType::kDouble);
  EXPECT_EQ(LeftType(kThing, "-length(name) eq 1"), FilterType::kInteger);
  EXPECT_EQ(LeftType(kObs, "-duration'P1D' eq duration'P1D'"), FilterType::kDuration);
}

TEST(FilterTypes, TimeArithmeticWithJsonIsTypedNotACondition) {
  EXPECT_THAT(ErrorOf(kObs, "resultTime sub result"), HasSubstr("expected a Boolean expression, found a Duration"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime add result eq now()"), HasSubstr("expected a Duration, found a Json"));
  EXPECT_THAT(ErrorOf(kObs, "duration'P1D' sub result eq now()"), HasSubstr("expected a Duration or DateTime"));
  EXPECT_THAT(ErrorOf(kObs, "result add now() eq now()"), HasSubstr("expected a number or Duration"));
}

TEST(FilterTypes, NegatedJsonIsANumberNotACondition) {
  EXPECT_THAT(ErrorOf(kObs, "-result"), HasSubstr("at position 1: expected a Boolean expression, found a Double"));
  EXPECT_THAT(ErrorOf(kObs, "--\n-result"), HasSubstr("expected a Boolean expression"));
}

TEST(FilterTypes, RejectsArithmeticOnOtherTypes) {
  EXPECT_THAT(ErrorOf(kThing, "name add 1 eq 2"),
              HasSubstr("at position 1: expected a number, DateTime or Duration, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "length(name) add duration'P1D' eq 2"),
              HasSubstr("at position 18: expected a number, found a Duration"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime add 1 eq now()"),
              HasSubstr("at position 16: expected a Duration, found an Integer"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime add resultTime eq now()"), HasSubstr("expected a Duration, found a DateTime"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime sub 1 eq now()"),
              HasSubstr("expected a Duration or DateTime, found an Integer"));
  EXPECT_THAT(ErrorOf(kObs, "resultTime mul 2 eq now()"),
              HasSubstr("at position 1: expected a number, found a DateTime"));
  EXPECT_THAT(ErrorOf(kObs, "result mod 'a' eq 1"), HasSubstr("at position 12: expected a number, found a String"));
  EXPECT_THAT(ErrorOf(kObs, "phenomenonTime add duration'P1D' gt now()"),
              HasSubstr("expected a number, DateTime or Duration, found an Interval"));
  EXPECT_THAT(ErrorOf(kThing, "-name eq 'x'"), HasSubstr("at position 2: expected a number or Duration, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "(name eq 'a') add 1 eq 1"), HasSubstr("found a Boolean"));
}

TEST(FilterTypes, LogicalOperatorsNeedBooleans) {
  EXPECT_THAT(ErrorOf(kThing, "name eq 'x' and 1"),
              HasSubstr("$filter: at position 17: expected a Boolean, found an Integer"));
  EXPECT_THAT(ErrorOf(kThing, "name or name eq 'x'"), HasSubstr("at position 1: expected a Boolean, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "not name"), HasSubstr("at position 5: expected a Boolean, found a String"));
  EXPECT_TRUE(MustParse(kThing, "properties/active and name eq 'x'"));
  EXPECT_TRUE(MustParse(kThing, "not properties/active"));
  EXPECT_TRUE(MustParse(kThing, "name eq 'x' or null"));
}

TEST(FilterTypes, FilterMustBeBoolean) {
  EXPECT_THAT(ErrorOf(kThing, "name"), HasSubstr("$filter: at position 1: expected a Boolean expression, found a String"));
  EXPECT_THAT(ErrorOf(kThing, "null"), HasSubstr("expected a Boolean expression, found null"));
  EXPECT_THAT(ErrorOf(kObs, "result add 1"), HasSubstr("expected a Boolean expression, found a Double"));
  EXPECT_EQ(Canonical(kThing, "properties/active"), "properties/active");
  EXPECT_EQ(Canonical(kThing, "true"), "true");
}

TEST(FilterTypes, EveryNodeHasAPosition) {
  auto filter = MustParse(kThing, "name eq 'x' and length(description) gt 3");
  ASSERT_NE(filter, nullptr);
  const auto& logical = std::get<LogicalNode>(filter->node);
  EXPECT_EQ(filter->position, 1u);
  EXPECT_EQ(logical.operands[0]->position, 1u);
  EXPECT_EQ(std::get<BinaryNode>(logical.operands[0]->node).right->position, 9u);
  EXPECT_EQ(logical.operands[1]->position, 17u);
  const auto& call = std::get<CallNode>(std::get<BinaryNode>(logical.operands[1]->node).left->node);
  EXPECT_EQ(call.args[0]->position, 24u);
}

}  // namespace
}  // namespace fundament::odata
