// Specifies the bounds ParseFilter enforces (FilterLimits) and its error
// messages for malformed input: whatever arrives, it answers with an error,
// never with a crash or an unbounded recursion.
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

constexpr EntityKind kThing = EntityKind::kThing;
constexpr EntityKind kObs = EntityKind::kObservation;

std::string Repeat(std::string_view piece, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += piece;
  return out;
}

// `id eq 1 or id eq 2 or …` with `terms` comparisons.
std::string IdList(size_t terms) {
  std::string out;
  for (size_t i = 1; i <= terms; ++i) {
    if (i > 1) out += " or ";
    out += "id eq " + std::to_string(i);
  }
  return out;
}

TEST(FilterLimits, RejectsTooLongText) {
  FilterLimits limits;
  limits.max_length = 20;
  EXPECT_TRUE(MustParse(kThing, "name eq '1234567890'", limits));
  EXPECT_THAT(ErrorOf(kThing, "name eq '12345678901'", limits),
              HasSubstr("$filter: at position 21: expected at most 20 bytes, found 21"));
  std::string huge = "name eq '" + std::string(9000, 'x') + "'";
  EXPECT_THAT(ErrorOf(kThing, huge), HasSubstr("expected at most 8192 bytes, found 9010"));
}

TEST(FilterLimits, AcceptsNestingUpToTheLimit) {
  FilterLimits limits;
  limits.max_depth = 10;
  EXPECT_EQ(Canonical(kThing, Repeat("(", 10) + "name eq 'a'" + Repeat(")", 10), limits), "(name eq 'a')");
  EXPECT_THAT(ErrorOf(kThing, Repeat("(", 11) + "name eq 'a'" + Repeat(")", 11), limits),
              HasSubstr("at position 11: expected at most 10 levels of nesting, found more"));
}

TEST(FilterLimits, DeepParenthesesDoNotOverflowTheStack) {
  for (size_t count : {65u, 1000u, 100000u}) {
    std::string text = Repeat("(", count) + "name eq 'a'" + Repeat(")", count);
    FilterLimits limits;
    limits.max_length = text.size();
    EXPECT_THAT(ErrorOf(kThing, text, limits), HasSubstr("expected at most 64 levels of nesting")) << count;
  }
}

TEST(FilterLimits, DeepUnaryOperatorsDoNotOverflowTheStack) {
  FilterLimits limits;
  limits.max_length = 1'000'000;
  EXPECT_THAT(ErrorOf(kThing, Repeat("not ", 100000) + "true", limits),
              HasSubstr("expected at most 64 levels of nesting"));
  EXPECT_THAT(ErrorOf(kObs, Repeat("-", 100000) + "result eq 1", limits),
              HasSubstr("expected at most 64 levels of nesting"));
  EXPECT_THAT(ErrorOf(kThing, Repeat("tolower(", 100000) + "name" + Repeat(")", 100000) + " eq 'a'", limits),
              HasSubstr("expected at most 64 levels of nesting"));
}

TEST(FilterLimits, LongOperatorChainsAreBoundedByDepth) {
  // Left-associative chains grow the tree one level per operator.
  EXPECT_TRUE(MustParse(kObs, "result" + Repeat(" add 1", 60) + " gt 0"));
  EXPECT_THAT(ErrorOf(kObs, "result" + Repeat(" add 1", 70) + " gt 0"),
              HasSubstr("expected at most 64 levels of nesting, found more"));
}

TEST(FilterLimits, LongAndOrChainsStayShallow) {
  EXPECT_TRUE(MustParse(kThing, IdList(500)));
}

TEST(FilterLimits, RejectsTooManyNodes) {
  FilterLimits long_text;
  long_text.max_length = 1 << 20;
  EXPECT_THAT(ErrorOf(kThing, IdList(700), long_text), HasSubstr("expected at most 2000 nodes, found more"));
  FilterLimits limits;
  limits.max_nodes = 3;
  EXPECT_TRUE(MustParse(kThing, "id eq 1", limits));
  EXPECT_THAT(ErrorOf(kThing, "id eq 1 or id eq 2", limits),
              HasSubstr("at position 12: expected at most 3 nodes, found more"));
}

TEST(FilterErrors, EmptyAndIncomplete) {
  EXPECT_THAT(ErrorOf(kThing, ""), HasSubstr("$filter: at position 1: expected an expression, found end of input"));
  EXPECT_THAT(ErrorOf(kThing, "   "), HasSubstr("at position 4: expected an expression, found end of input"));
  EXPECT_THAT(ErrorOf(kThing, "name eq"), HasSubstr("at position 8: expected an expression, found end of input"));
  EXPECT_THAT(ErrorOf(kThing, "name eq 'a' and"), HasSubstr("at position 16: expected an expression, found end of input"));
  EXPECT_THAT(ErrorOf(kThing, "not"), HasSubstr("at position 4: expected an expression, found end of input"));
}

TEST(FilterErrors, Parentheses) {
  EXPECT_THAT(ErrorOf(kThing, "(name eq 'a'"), HasSubstr("at position 13: expected ')', found end of input"));
  EXPECT_THAT(ErrorOf(kThing, "name eq 'a')"),
              HasSubstr("at position 12: expected an operator or end of input, found ')'"));
  EXPECT_THAT(ErrorOf(kThing, "()"), HasSubstr("at position 2: expected an expression, found ')'"));
  EXPECT_THAT(ErrorOf(kThing, "name eq 'a' foo"),
              HasSubstr("at position 13: expected an operator or end of input, found 'foo'"));
}

TEST(FilterErrors, OperatorsWhereOperandsBelong) {
  EXPECT_THAT(ErrorOf(kThing, "eq 'a'"), HasSubstr("at position 1: expected an expression, found 'eq'"));
  EXPECT_THAT(ErrorOf(kThing, "name eq and"), HasSubstr("at position 9: expected an expression, found 'and'"));
  EXPECT_THAT(ErrorOf(kThing, "name eq ,"), HasSubstr("at position 9: expected an expression, found ','"));
}

TEST(FilterErrors, UnsupportedOData401Operators) {
  EXPECT_THAT(ErrorOf(kThing, "name in ('a', 'b')"), HasSubstr("at position 6: expected an operator or end of input, found 'in'"));
  EXPECT_THAT(ErrorOf(kThing, "Datastreams/any(d:d/name eq 'a')"), HasSubstr("at position"));
}

TEST(FilterErrors, PositionsCountCharacters) {
  EXPECT_THAT(ErrorOf(kThing, "name eq 'äöü' and foo"),
              HasSubstr("at position 19: expected a property or navigation of Thing, found 'foo'"));
}

TEST(FilterErrors, QuotesLongInputShortly) {
  std::string message = ErrorOf(kThing, "name eq 'a' " + std::string(500, 'x'));
  EXPECT_LT(message.size(), 200u) << message;
}

}  // namespace
}  // namespace fundament::odata
