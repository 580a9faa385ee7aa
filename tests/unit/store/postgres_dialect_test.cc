// Every function of the PostgreSQL dialect evaluated on a real PostgreSQL
// with PostGIS (`SELECT <expression>` with bound parameters): values, nulls
// and the edge cases where OData and PostgreSQL differ — division by zero,
// the sign of a remainder, rounding halves, Unicode case mapping, positions
// in characters, ISO 8601 text that is not an instant, metres on WGS 84.
#include "store/postgres/postgres_dialect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/time.h"
#include "postgres_test_db.h"

namespace fundament::store::testing {
namespace {

using postgres::PostgresSql;
using sql::ArithmeticOp;
using sql::CalendarField;
using sql::JsonAs;
using sql::NumberKind;
using sql::Rounding;
using sql::SpatialRelation;
using sql::SqlValue;
using sql::StringFunction;

const sql::SqlDialect& D() { return PostgresSql(); }

std::string P(int i) { return D().Placeholder(i); }

class PostgresDialectTest : public PostgresTest {
 protected:
  // The value of `expression` as PostgreSQL prints it; "NULL" for NULL,
  // "ERROR: …" when the statement fails.
  std::string Eval(const std::string& expression, const std::vector<SqlValue>& params = {}) {
    auto result = Query("SELECT " + expression, params);
    if (const auto* error = std::get_if<std::string>(&result)) return "ERROR: " + *error;
    const PgRows& rows = std::get<PgRows>(result);
    if (rows.size() != 1 || rows[0].size() != 1) return "ERROR: not one value";
    return rows[0][0].value_or("NULL");
  }

  double Number(const std::string& expression, const std::vector<SqlValue>& params = {}) {
    const std::string text = Eval(expression, params);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    EXPECT_TRUE(end != text.c_str() && *end == '\0') << expression << " gave " << text;
    return value;
  }

  // A JSON member read as `as` from the JSON text `json`.
  std::string Read(std::string_view json, const std::vector<std::string>& members, JsonAs as) {
    auto path = D().JsonPath(members);
    EXPECT_TRUE(path.ok());
    if (!path.ok()) return "ERROR";
    return Eval(D().JsonRead("CAST(" + P(1) + " AS jsonb)", P(2), as), {std::string(json), *path});
  }

  std::string Str(StringFunction function, const std::vector<SqlValue>& args) {
    std::vector<std::string> placeholders;
    for (size_t i = 0; i < args.size(); ++i) placeholders.push_back(P(static_cast<int>(i) + 1));
    return Eval(D().String(function, placeholders), args);
  }

  std::string Geo(std::string_view wkt) { return D().GeometryFromWkt(std::string(wkt)); }
};

std::string Quote(std::string_view wkt) { return fmt::format("'{}'", wkt); }

// ---- Placeholders and JSON ----

TEST(PostgresDialect, NumbersPlaceholders) {
  EXPECT_EQ(D().Placeholder(1), "$1");
  EXPECT_EQ(D().Placeholder(12), "$12");
}

TEST(PostgresDialect, JsonPathIsAStrictPathOfQuotedNames) {
  auto path = D().JsonPath({"a.b", "c\"d", "e\\f", "0", "ü", "-1", "1234567890", "tab\t"});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(std::get<std::string>(*path), R"(strict $."a.b"."c\"d"."e\\f"[0]."ü"."-1"."1234567890"."tab\u0009")");
  auto empty = D().JsonPath({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(std::get<std::string>(*empty), "strict $");
  EXPECT_FALSE(D().JsonPath({std::string("a\0b", 3)}).ok());
  EXPECT_FALSE(D().JsonPath({"a", ""}).ok());
}

TEST_F(PostgresDialectTest, JsonMembersOfEveryType) {
  const std::string json =
      R"({"n":5,"r":2.5,"s":"five","t":true,"f":false,"z":null,"o":{"w":7},"a":[10,20],)"
      R"("q\"uote":1,"back\\slash":2,"ü":3,"a.b":4,"c d":5,"0":6,"big":123456789012345678901234567890})";
  EXPECT_EQ(Read(json, {"n"}, JsonAs::kNumber), "5");
  EXPECT_EQ(Read(json, {"r"}, JsonAs::kNumber), "2.5");
  EXPECT_EQ(Read(json, {"big"}, JsonAs::kNumber), "1.2345678901234568e+29");
  EXPECT_EQ(Read(json, {"s"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"t"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"s"}, JsonAs::kString), "five");
  EXPECT_EQ(Read(json, {"n"}, JsonAs::kString), "NULL");
  EXPECT_EQ(Read(json, {"o"}, JsonAs::kString), "NULL");
  EXPECT_EQ(Read(json, {"t"}, JsonAs::kBoolean), "t");
  EXPECT_EQ(Read(json, {"f"}, JsonAs::kBoolean), "f");
  EXPECT_EQ(Read(json, {"n"}, JsonAs::kBoolean), "NULL");
  EXPECT_EQ(Read(json, {"z"}, JsonAs::kBoolean), "NULL");
  EXPECT_EQ(Read(json, {"missing"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"o", "w"}, JsonAs::kNumber), "7");
  EXPECT_EQ(Read(json, {"a", "1"}, JsonAs::kNumber), "20");
  EXPECT_EQ(Read(json, {"a", "2"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"n", "x"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"q\"uote"}, JsonAs::kNumber), "1");
  EXPECT_EQ(Read(json, {"back\\slash"}, JsonAs::kNumber), "2");
  EXPECT_EQ(Read(json, {"ü"}, JsonAs::kNumber), "3");
  EXPECT_EQ(Read(json, {"a.b"}, JsonAs::kNumber), "4");
  EXPECT_EQ(Read(json, {"c d"}, JsonAs::kNumber), "5");
  // Digits index arrays only, as in the SQLite store; other names are members only.
  EXPECT_EQ(Read(json, {"0"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"a", "0"}, JsonAs::kNumber), "10");
  EXPECT_EQ(Read(json, {"a", "-1"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"o", "0"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(json, {"a", "w"}, JsonAs::kNumber), "NULL");
  EXPECT_EQ(Read(R"({"t\tab":8})", {"t\tab"}, JsonAs::kNumber), "8");
  // kValue: JSON null and absence are both SQL NULL; other values are jsonb.
  EXPECT_EQ(Read(json, {"z"}, JsonAs::kValue), "NULL");
  EXPECT_EQ(Read(json, {"missing"}, JsonAs::kValue), "NULL");
  EXPECT_EQ(Read(json, {"o"}, JsonAs::kValue), R"({"w": 7})");
  EXPECT_EQ(Read(json, {"s"}, JsonAs::kValue), R"("five")");
  EXPECT_EQ(Read(json, {}, JsonAs::kString), "NULL");
  EXPECT_EQ(Read(R"("top")", {}, JsonAs::kString), "top");
  // A NULL column reads as NULL in every type.
  EXPECT_EQ(Eval(D().JsonRead("CAST(NULL AS jsonb)", P(1), JsonAs::kNumber), {std::string(R"(strict $."a")")}),
            "NULL");
}

TEST_F(PostgresDialectTest, JsonExtractKeepsJsonAndMakesNullNull) {
  auto path = D().JsonPath({"a"});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(
      Eval(D().JsonExtract("CAST(" + P(1) + " AS jsonb)", P(2)), {std::string(R"({"a":[1,"x"]})"), *path}),
      R"([1, "x"])");
  EXPECT_EQ(Eval(D().JsonExtract("CAST(" + P(1) + " AS jsonb)", P(2)), {std::string(R"({"a":null})"), *path}),
            "NULL");
}

// ---- Logic ----

TEST_F(PostgresDialectTest, TruthAndNullSafeEquality) {
  EXPECT_EQ(Eval(D().True()), "t");
  EXPECT_EQ(Eval(D().False()), "f");
  EXPECT_EQ(Eval(D().UnknownAsFalse("CAST(NULL AS boolean)")), "f");
  EXPECT_EQ(Eval(D().UnknownAsFalse(D().True())), "t");
  EXPECT_EQ(Eval(D().NotDistinct(P(1), P(2)), {SqlValue{}, SqlValue{}}), "t");
  EXPECT_EQ(Eval(D().NotDistinct(P(1), P(2)), {int64_t{1}, SqlValue{}}), "f");
  EXPECT_EQ(Eval(D().NotDistinct(P(1), P(2)), {int64_t{1}, int64_t{1}}), "t");
  EXPECT_EQ(Eval(D().Distinct(P(1), P(2)), {int64_t{1}, SqlValue{}}), "t");
  EXPECT_EQ(Eval(D().Distinct(P(1), P(2)), {std::string("a"), std::string("a")}), "f");
  EXPECT_EQ(Eval(D().Distinct(P(1), P(2)), {int64_t{1}, 1.0}), "f");
}

TEST_F(PostgresDialectTest, NoLimitLetsOffsetStandAlone) {
  auto rows =
      Query("SELECT g FROM generate_series(1, 5) AS g ORDER BY g LIMIT " + D().NoLimit() + " OFFSET " + P(1),
            {int64_t{3}});
  ASSERT_TRUE(std::holds_alternative<PgRows>(rows)) << std::get<std::string>(rows);
  EXPECT_EQ(std::get<PgRows>(rows).size(), 2u);
}

// ---- Numbers ----

TEST_F(PostgresDialectTest, IntegerArithmeticNeverOverflows) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kInteger), {max, int64_t{1}}),
            "9223372036854775808");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kSubtract, P(1), P(2), NumberKind::kInteger), {-max, int64_t{2}}),
      "-9223372036854775809");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kMultiply, P(1), P(2), NumberKind::kInteger), {max, int64_t{2}}),
      "18446744073709551614");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kInteger), {int64_t{2}, int64_t{3}}),
      "5");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kInteger), {int64_t{2}, SqlValue{}}),
      "NULL");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kInteger) + " = " + P(3),
                 {int64_t{2}, int64_t{3}, int64_t{5}}),
            "t");
}

TEST_F(PostgresDialectTest, DoubleArithmeticOverflowsToInfinityNeverAnError) {
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kDouble), {1.5, 2.25}), "3.75");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kSubtract, P(1), P(2), NumberKind::kDouble), {1.5, 2.25}),
            "-0.75");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kMultiply, P(1), P(2), NumberKind::kDouble), {1.5, 2.0}), "3");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kMultiply, P(1), P(2), NumberKind::kDouble), {1e308, 10.0}),
            "Infinity");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kMultiply, P(1), P(2), NumberKind::kDouble), {-1e308, 10.0}),
            "-Infinity");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kDouble), {1.7e308, 1.7e308}),
            "Infinity");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kMultiply, P(1), P(2), NumberKind::kDouble), {1e-200, 1e-200}),
            "0");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {1e300, 1e-300}), "Infinity");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {1e-300, 1e300}), "0");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kDouble), {1.5, SqlValue{}}),
            "NULL");
  // A JSON number beyond the doubles reads as an infinity.
  EXPECT_EQ(Read(R"({"x":1e400,"y":-1e400,"z":1e-400})", {"x"}, JsonAs::kNumber), "Infinity");
  EXPECT_EQ(Read(R"({"x":1e400,"y":-1e400,"z":1e-400})", {"y"}, JsonAs::kNumber), "-Infinity");
  EXPECT_EQ(Read(R"({"x":1e400,"y":-1e400,"z":1e-400})", {"z"}, JsonAs::kNumber), "0");
  EXPECT_EQ(Read(R"({"x":1e400})", {"x"}, JsonAs::kNumber), "Infinity");
  EXPECT_EQ(Eval(D().JsonRead("CAST(" + P(1) + " AS jsonb)", P(2), JsonAs::kNumber) + " > " + P(3),
                 {std::string(R"({"x":1e400})"), std::string(R"(strict $."x")"), 1.5}),
            "t");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kMultiply, D().ToDouble(P(1)), P(2), NumberKind::kDouble) +
                     " > " + P(3),
                 {int64_t{3}, 1e308, 5.0}),
            "t");
  // An exact integer beyond the doubles, as a double.
  EXPECT_EQ(Eval(D().ToDouble("CAST(" + P(1) + " AS numeric)"), {std::string("1e400")}), "Infinity");
}

TEST_F(PostgresDialectTest, MicrosArithmeticIsUnknownBeyond64Bits) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kMicros), {int64_t{5}, int64_t{7}}),
      "12");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kSubtract, P(1), P(2), NumberKind::kMicros),
                 {int64_t{5}, int64_t{7}}),
            "-2");
  EXPECT_EQ(Eval(D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kMicros), {max, int64_t{1}}),
            "NULL");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kSubtract, P(1), P(2), NumberKind::kMicros), {-max, int64_t{2}}),
      "NULL");
  EXPECT_EQ(
      Eval(D().Arithmetic(ArithmeticOp::kSubtract, P(1), P(2), NumberKind::kMicros), {-max, int64_t{1}}),
      std::to_string(std::numeric_limits<int64_t>::min()));
  // Still bigint: calendar fields and time of day take it.
  EXPECT_EQ(Eval("pg_typeof(" + D().Arithmetic(ArithmeticOp::kAdd, P(1), P(2), NumberKind::kMicros) + ")",
                 {int64_t{5}, int64_t{7}}),
            "bigint");
  // Instants beyond years 0000-9999 have no calendar fields (and raise no error).
  EXPECT_EQ(Eval(D().Calendar(CalendarField::kYear, P(1)), {max}), "NULL");
  EXPECT_EQ(Eval(D().Calendar(CalendarField::kDay, P(1)), {std::numeric_limits<int64_t>::min()}), "NULL");
}

TEST_F(PostgresDialectTest, IntegerDivisionTruncatesAndZeroIsNull) {
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)), {int64_t{7}, int64_t{2}}), "3");
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)), {int64_t{-7}, int64_t{2}}), "-3");
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)), {int64_t{7}, int64_t{-2}}), "-3");
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)), {int64_t{7}, int64_t{0}}), "NULL");
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)), {std::numeric_limits<int64_t>::min(), int64_t{-1}}),
            "9223372036854775808");
  EXPECT_EQ(Eval(D().IntegerDivide(P(1), P(2)) + " = " + P(3), {int64_t{-7}, int64_t{2}, int64_t{-3}}), "t");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {int64_t{7}, int64_t{2}}), "3.5");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {7.5, 2.0}), "3.75");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {7.5, 0.0}), "NULL");
  EXPECT_EQ(Eval(D().DoubleDivide(P(1), P(2)), {int64_t{7}, int64_t{0}}), "NULL");
}

TEST_F(PostgresDialectTest, ModuloHasTheSignOfTheDividend) {
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), true), {int64_t{7}, int64_t{2}}), "1");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), true), {int64_t{-7}, int64_t{2}}), "-1");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), true), {int64_t{7}, int64_t{-2}}), "1");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), true), {int64_t{7}, int64_t{0}}), "NULL");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), true), {std::numeric_limits<int64_t>::min(), int64_t{-1}}), "0");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), false), {7.5, 2.0}), "1.5");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), false), {-7.5, 2.0}), "-1.5");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), false), {7.5, -2.0}), "1.5");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), false), {7.5, 0.0}), "NULL");
  EXPECT_EQ(Eval(D().Modulo(P(1), P(2), false), {SqlValue{}, 2.0}), "NULL");
}

TEST_F(PostgresDialectTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {32.5}), "33");
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {-32.5}), "-33");
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {2.5}), "3");
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {2.4}), "2");
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {0.49999999999999994}), "0");
  EXPECT_EQ(Number(D().Round(Rounding::kRound, P(1), false), {4503599627370497.0}), 4503599627370497.0);
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), false), {SqlValue{}}), "NULL");
  EXPECT_EQ(Eval(D().Round(Rounding::kFloor, P(1), false), {-32.5}), "-33");
  EXPECT_EQ(Eval(D().Round(Rounding::kFloor, P(1), false), {32.5}), "32");
  EXPECT_EQ(Eval(D().Round(Rounding::kCeiling, P(1), false), {-32.5}), "-32");
  EXPECT_EQ(Eval(D().Round(Rounding::kCeiling, P(1), false), {32.1}), "33");
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, P(1), true), {int64_t{32}}), "32");
  // A JSON number (numeric) is rounded as a double.
  EXPECT_EQ(Eval(D().Round(Rounding::kRound, "CAST(" + P(1) + " AS numeric)", false), {std::string("-0.5")}),
            "-1");
  EXPECT_EQ(Eval(D().ToDouble(P(1)), {int64_t{3}}), "3");
  EXPECT_EQ(Eval(D().ToDouble(P(1)) + " / 2", {int64_t{3}}), "1.5");
}

// ---- Strings ----

TEST_F(PostgresDialectTest, StringPredicates) {
  const std::string s = "Sensor Things";
  EXPECT_EQ(Str(StringFunction::kContains, {s, std::string("sor")}), "t");
  EXPECT_EQ(Str(StringFunction::kContains, {s, std::string("SOR")}), "f");
  EXPECT_EQ(Str(StringFunction::kContains, {s, std::string("")}), "t");
  EXPECT_EQ(Str(StringFunction::kContains, {s, SqlValue{}}), "NULL");
  EXPECT_EQ(Str(StringFunction::kStartsWith, {s, std::string("Sensor")}), "t");
  EXPECT_EQ(Str(StringFunction::kStartsWith, {s, std::string("sensor")}), "f");
  EXPECT_EQ(Str(StringFunction::kStartsWith, {s, std::string("")}), "t");
  EXPECT_EQ(Str(StringFunction::kStartsWith, {std::string(""), std::string("x")}), "f");
  EXPECT_EQ(Str(StringFunction::kStartsWith,
                {std::string("\xF0\x9F\x8C\x8A wave"), std::string("\xF0\x9F\x8C\x8A")}),
            "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {s, std::string("Things")}), "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {s, std::string("")}), "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {std::string("s"), std::string("Things")}), "f");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {std::string("s"), std::string("")}), "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {std::string(""), std::string("")}), "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {std::string("Größe"), std::string("öße")}), "t");
  EXPECT_EQ(Str(StringFunction::kEndsWith, {SqlValue{}, std::string("")}), "NULL");
}

TEST_F(PostgresDialectTest, PositionsAndLengthsInCharacters) {
  EXPECT_EQ(Str(StringFunction::kLength, {std::string("Größe")}), "5");
  EXPECT_EQ(Str(StringFunction::kLength, {std::string("\xF0\x9F\x8C\x8A wave")}), "6");
  EXPECT_EQ(Str(StringFunction::kLength, {std::string("")}), "0");
  EXPECT_EQ(Str(StringFunction::kLength, {SqlValue{}}), "NULL");
  EXPECT_EQ(Str(StringFunction::kIndexOf, {std::string("Sensor Things"), std::string("Things")}), "7");
  EXPECT_EQ(Str(StringFunction::kIndexOf, {std::string("Größe"), std::string("e")}), "4");
  EXPECT_EQ(Str(StringFunction::kIndexOf, {std::string("abc"), std::string("zzz")}), "-1");
  EXPECT_EQ(Str(StringFunction::kIndexOf, {std::string("abc"), std::string("")}), "0");
  EXPECT_EQ(Str(StringFunction::kIndexOf, {std::string(""), std::string("")}), "0");
}

TEST_F(PostgresDialectTest, SubstringIsZeroBasedAndClamped) {
  const std::string s = "Sensor Things";
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{1}}), "ensor Things");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{2}, int64_t{4}}), "nsor");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{100}}), "");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{-3}, int64_t{2}}), "Se");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{0}, int64_t{-2}}), "");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, int64_t{7}, std::numeric_limits<int64_t>::max()}), "Things");
  EXPECT_EQ(Str(StringFunction::kSubstring, {s, std::numeric_limits<int64_t>::max()}), "");
  EXPECT_EQ(Str(StringFunction::kSubstring, {std::string("Größe"), int64_t{2}, int64_t{2}}), "öß");
  // The compiler writes NULL for a null operand (it binds no NULLs).
  EXPECT_EQ(Eval(D().String(StringFunction::kSubstring, {P(1), "NULL"}), {s}), "NULL");
  EXPECT_EQ(Str(StringFunction::kSubstring, {SqlValue{}, int64_t{1}}), "NULL");
  EXPECT_EQ(Eval(D().String(StringFunction::kSubstring, {P(1), P(2), "NULL"}), {s, int64_t{1}}), "NULL");
  // A position computed in numeric (integer arithmetic) is taken too.
  EXPECT_EQ(Eval(D().String(StringFunction::kSubstring,
                            {P(1), D().Arithmetic(ArithmeticOp::kAdd, P(2), P(3), NumberKind::kInteger)}),
                 {s, int64_t{1}, int64_t{1}}),
            "nsor Things");
}

TEST_F(PostgresDialectTest, CaseMappingIsUnicode) {
  EXPECT_EQ(Str(StringFunction::kToLower, {std::string("GRÖSSE Ärger")}), "grösse ärger");
  EXPECT_EQ(Str(StringFunction::kToUpper, {std::string("straße")}), "STRASSE");
  EXPECT_EQ(Str(StringFunction::kToUpper, {std::string("ǆ éa")}), "Ǆ ÉA");
  EXPECT_EQ(Str(StringFunction::kToLower, {std::string("ΣΑΣ")}), "σας");
  EXPECT_EQ(Str(StringFunction::kToLower, {std::string("")}), "");
  EXPECT_EQ(Str(StringFunction::kToLower, {SqlValue{}}), "NULL");
  EXPECT_EQ(Eval(D().String(StringFunction::kToUpper, {"NULL"})), "NULL");
  // The mapped text compares in code point order (ö after p), as SQLite's does.
  EXPECT_EQ(Eval(D().String(StringFunction::kToLower, {P(1)}) + " > " + P(2),
                 {std::string("GRÖSSE"), std::string("grp")}),
            "t");
  EXPECT_EQ(Eval(D().String(StringFunction::kToLower, {P(1)}) + " < " +
                     D().String(StringFunction::kToUpper, {P(1)}),
                 {std::string("a")}),
            "f");
}

TEST_F(PostgresDialectTest, TrimAndConcat) {
  EXPECT_EQ(Str(StringFunction::kTrim, {std::string(" \t\n padded \r\n")}), "padded");
  EXPECT_EQ(Str(StringFunction::kTrim, {std::string("a b")}), "a b");
  EXPECT_EQ(Str(StringFunction::kTrim, {std::string("   ")}), "");
  EXPECT_EQ(Str(StringFunction::kConcat, {std::string("a"), std::string("b")}), "ab");
  EXPECT_EQ(Str(StringFunction::kConcat, {std::string(""), std::string("")}), "");
  EXPECT_EQ(Str(StringFunction::kConcat, {std::string("a"), SqlValue{}}), "NULL");
  EXPECT_EQ(Eval(D().String(StringFunction::kConcat, {"NULL", "NULL"})), "NULL");
}

// ---- Time ----

TEST_F(PostgresDialectTest, CalendarFieldsInUtc) {
  struct Case {
    const char* instant;
    int year, month, day;
  };
  for (const Case& c :
       {Case{"2015-12-08T01:02:03.250Z", 2015, 12, 8}, Case{"2015-12-08T23:59:59Z", 2015, 12, 8},
        Case{"2015-12-08T01:00:00+02:00", 2015, 12, 7}, Case{"1969-07-20T20:17:40Z", 1969, 7, 20},
        Case{"1969-12-31T23:59:59.999999Z", 1969, 12, 31}, Case{"1970-01-01T00:00:00Z", 1970, 1, 1},
        Case{"2000-02-29T12:00:00Z", 2000, 2, 29}, Case{"0000-01-01T00:00:00Z", 0, 1, 1},
        Case{"0001-03-01T00:00:00Z", 1, 3, 1}, Case{"9999-12-31T23:59:59.999999Z", 9999, 12, 31}}) {
    auto instant = model::ParseInstant(c.instant);
    ASSERT_TRUE(instant.ok()) << c.instant;
    EXPECT_EQ(Eval(D().Calendar(CalendarField::kYear, P(1)), {*instant}), std::to_string(c.year))
        << c.instant;
    EXPECT_EQ(Eval(D().Calendar(CalendarField::kMonth, P(1)), {*instant}), std::to_string(c.month))
        << c.instant;
    EXPECT_EQ(Eval(D().Calendar(CalendarField::kDay, P(1)), {*instant}), std::to_string(c.day)) << c.instant;
  }
  EXPECT_EQ(Eval(D().Calendar(CalendarField::kYear, P(1)), {SqlValue{}}), "NULL");
}

TEST_F(PostgresDialectTest, ParseInstantAgreesWithTheModel) {
  const char* inputs[] = {
      "2020-05-01T00:00:00Z", "2020-05-01T00:00:00.123456789Z", "2020-05-01t10:20:30z", "2020-05-01T10:20Z",
      "2020-05-01T10:20:30,5+01:00", "2020-05-01T10:20:30-0130", "2020-05-01T10:20:30+05", "2020-05-01",
      "2024-02-29T00:00:00Z", "2000-02-29", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
      "1969-07-20T20:17:40Z", "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
      // Not instants.
      "not a time", "", "2025-02-30T00:00:00Z", "2023-02-29", "1900-02-29", "2025-13-01", "2025-00-10",
      "2025-01-00", "2025-01-01T10:00", "2025-01-01T24:00:00Z", "2025-01-01T10:60:00Z",
      "2025-01-01T10:00:60Z", "2025-01-01T10:00:00+01:", "2025-01-01T10:00:00+013",
      "2025-01-01T10:00:00+24:00", "2025-01-01T10:00:00+01:60", "2025-01-01T10:00.5Z",
      "2025-01-01T10:00:00.Z", "2025-01-01 10:00:00Z", "2025-1-01", "12025-01-01", " 2025-01-01",
      "2025-01-01T10:00:00Zx", "2025-01-01T10:00:00ZZ", "٢٠٢٥-01-01"};
  for (const char* input : inputs) {
    auto expected = model::ParseInstant(input);
    EXPECT_EQ(Eval(D().ParseInstant(P(1)), {std::string(input)}),
              expected.ok() ? std::to_string(*expected) : std::string("NULL"))
        << input;
  }
  EXPECT_EQ(Eval(D().ParseInstant(P(1)), {SqlValue{}}), "NULL");
  EXPECT_EQ(Eval(D().ParseInstant("NULL")), "NULL");
}

// ---- Geometry ----

TEST_F(PostgresDialectTest, GeometriesFromTextGeoJsonAndBoxes) {
  EXPECT_EQ(Eval("ST_AsText(" + D().GeometryFromWkt(P(1)) + ")", {std::string("POINT(10 54)")}),
            "POINT(10 54)");
  EXPECT_EQ(Eval("ST_SRID(" + D().GeometryFromWkt(P(1)) + ")", {std::string("POINT(10 54)")}), "4326");
  const std::string point = R"({"type":"Point","coordinates":[10.13,54.32]})";
  EXPECT_EQ(Eval("ST_AsText(" + D().GeometryFromGeoJson(P(1)) + ")", {point}), "POINT(10.13 54.32)");
  EXPECT_EQ(Eval("ST_SRID(" + D().GeometryFromGeoJson(P(1)) + ")", {point}), "4326");
  EXPECT_EQ(Eval("ST_AsText(" + D().GeometryFromGeoJson("CAST(" + P(1) + " AS jsonb)") + ")", {point}),
            "POINT(10.13 54.32)");
  // What is no GeoJSON geometry is NULL, not an error.
  for (const char* none : {R"({"level":3})", R"({"type":"Point","coordinates":"x"})", R"("text")", "5",
                           "[1,2]", R"({"type":"Polygon","coordinates":[[[0,0],["a"]]]})", "null"}) {
    EXPECT_EQ(Eval(D().GeometryFromGeoJson("CAST(" + P(1) + " AS jsonb)"), {std::string(none)}), "NULL")
        << none;
  }
  EXPECT_EQ(Eval(D().GeometryFromGeoJson(P(1)), {SqlValue{}}), "NULL");
  EXPECT_EQ(Eval("ST_AsText(" + D().GeometryFromBox(P(1), P(2), P(3), P(4)) + ")", {9.0, 53.0, 11.0, 55.0}),
            "POLYGON((9 53,9 55,11 55,11 53,9 53))");
  EXPECT_EQ(Eval(D().GeometryFromBox(P(1), P(2), P(3), P(4)), {SqlValue{}, 53.0, 11.0, 55.0}), "NULL");
  // A box of one point still meets what contains the point.
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kIntersects, D().GeometryFromBox(P(1), P(2), P(1), P(2)),
                            Geo(Quote("POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))"))),
                 {10.13, 54.32}),
            "t");
}

TEST_F(PostgresDialectTest, GeoJsonIsReadInParallelQueries) {
  Exec(
      "CREATE TABLE shapes AS SELECT CAST('{\"type\":\"Point\",\"coordinates\":[1,2]}' AS jsonb) AS j "
      "FROM generate_series(1, 10)");
  Exec("SET force_parallel_mode = on");
  auto rows = Query("SELECT count(" + D().GeometryFromGeoJson("j") + ") FROM shapes", {});
  ASSERT_TRUE(std::holds_alternative<PgRows>(rows)) << std::get<std::string>(rows);
  EXPECT_EQ(std::get<PgRows>(rows)[0][0], "10");
  // Literals keep the plan parallel.
  auto literal = Query("EXPLAIN SELECT count(*) FROM shapes WHERE " +
                           D().Relate(SpatialRelation::kIntersects, D().GeometryFromGeoJson(P(1)),
                                      D().GeometryFromGeoJson("j")),
                       {std::string(R"({"type":"Point","coordinates":[1,2]})")});
  ASSERT_TRUE(std::holds_alternative<PgRows>(literal)) << std::get<std::string>(literal);
  std::string plan;
  for (const auto& row : std::get<PgRows>(literal)) plan += row[0].value_or("") + "\n";
  EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("Gather"))) << plan;
  auto parallel = Query("EXPLAIN SELECT count(*) FROM shapes WHERE " +
                            D().Relate(SpatialRelation::kIntersects, D().GeometryFromGeoJson(P(1)),
                                       D().GeometryFromGeoJson(P(1))),
                        {std::string(R"({"type":"Point","coordinates":[1,2]})")});
  ASSERT_TRUE(std::holds_alternative<PgRows>(parallel)) << std::get<std::string>(parallel);
  plan.clear();
  for (const auto& row : std::get<PgRows>(parallel)) plan += row[0].value_or("") + "\n";
  EXPECT_THAT(plan, ::testing::HasSubstr("Gather")) << plan;
  Exec("RESET force_parallel_mode");
}

TEST_F(PostgresDialectTest, SpatialRelations) {
  const std::string box = Geo(Quote("POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))"));
  const std::string kiel = Geo(Quote("POINT(10.13 54.32)"));
  const std::string munich = Geo(Quote("POINT(11.58 48.14)"));
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kWithin, kiel, box)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kWithin, munich, box)), "f");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kContains, box, kiel)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kIntersects, kiel, box)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kDisjoint, munich, box)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kEquals, kiel, Geo(Quote("POINT(10.13 54.32)")))), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kTouches, kiel, box)), "f");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kTouches, Geo(Quote("POINT(9 54)")), box)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kCrosses, Geo(Quote("LINESTRING(10 54, 12 47)")), box)), "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kOverlaps, box,
                            Geo(Quote("POLYGON((10 54, 12 54, 12 56, 10 56, 10 54))")))),
            "t");
  EXPECT_EQ(Eval(D().Relate(SpatialRelation::kWithin, "NULL", box)), "NULL");
  EXPECT_EQ(Eval(D().RelatePattern(kiel, box, P(1)), {std::string("T*F**F***")}), "t");
  EXPECT_EQ(Eval(D().RelatePattern(munich, box, P(1)), {std::string("T*F**F***")}), "f");
  EXPECT_EQ(Eval(D().RelatePattern("NULL", box, P(1)), {std::string("T*F**F***")}), "NULL");
}

TEST_F(PostgresDialectTest, DistanceAndLengthInMetresOrDegrees) {
  const std::string kiel = Geo(Quote("POINT(10.1228 54.3233)"));
  const std::string hamburg = Geo(Quote("POINT(9.9937 53.5511)"));
  // Kiel – Hamburg is about 86.3 km on the ellipsoid.
  EXPECT_NEAR(Number(D().Distance(kiel, hamburg, true)), 86'300, 500);
  EXPECT_NEAR(Number(D().Distance(kiel, hamburg, false)), std::hypot(10.1228 - 9.9937, 54.3233 - 53.5511),
              1e-9);
  EXPECT_EQ(Eval(D().Distance(kiel, kiel, true)), "0");
  EXPECT_EQ(Eval(D().Distance(kiel, "NULL", true)), "NULL");
  EXPECT_NEAR(Number(D().Length(Geo(Quote("LINESTRING(10.1228 54.3233, 9.9937 53.5511)")), true)), 86'300,
              500);
  EXPECT_EQ(Eval(D().Length(Geo(Quote("LINESTRING(0 0, 3 4)")), false)), "5");
  EXPECT_EQ(Eval(D().Length("NULL", false)), "NULL");
  // From GeoJSON (a JSON value) as well.
  EXPECT_NEAR(Number(D().Distance(D().GeometryFromGeoJson("CAST(" + P(1) + " AS jsonb)"), hamburg, true),
                     {std::string(R"({"type":"Point","coordinates":[10.1228,54.3233]})")}),
              86'300, 500);
}

}  // namespace
}  // namespace fundament::store::testing
