#include "sql/select_builder.h"
#include "store/sqlite/sqlite_dialect.h"

#include <gtest/gtest.h>

namespace fundament::store::sqlite {
namespace {

using sql::SelectBuilder;
using sql::SqlValue;

TEST(SelectBuilder, PutsClausesInOrderWithNumberedParameters) {
  SelectBuilder b(SqliteSql(), "thing AS e");
  b.AddColumn("e.id");
  b.AddColumn("e.name");
  b.AddJoin("JOIN thing_location AS l ON l.thing_id = e.id");
  b.AddWhere("l.location_id = " + b.Bind(int64_t{7}));
  b.AddOrderBy(b.dialect().JsonExtract("e.properties", b.Bind(std::string("$.\"a\""))), true);
  b.AddOrderBy("e.id", false);
  b.SetLimit(10, 20);
  EXPECT_EQ(
      b.SelectSql(),
      "SELECT e.id, e.name FROM thing AS e JOIN thing_location AS l ON l.thing_id = e.id "
      "WHERE (l.location_id = ?1) ORDER BY json_extract(e.properties, ?2) DESC, e.id ASC LIMIT ?3 OFFSET ?4");
  EXPECT_EQ(b.CountSql(),
            "SELECT count(*) FROM thing AS e JOIN thing_location AS l ON l.thing_id = e.id "
            "WHERE (l.location_id = ?1)");
  ASSERT_EQ(b.parameters().size(), 4u);
  EXPECT_EQ(b.parameters()[0], SqlValue(int64_t{7}));
  EXPECT_EQ(b.parameters()[1], SqlValue(std::string("$.\"a\"")));
  EXPECT_EQ(b.parameters()[2], SqlValue(int64_t{10}));
  EXPECT_EQ(b.parameters()[3], SqlValue(int64_t{20}));
}

TEST(SelectBuilder, ConditionsAreParenthesisedAndJoinedWithAnd) {
  SelectBuilder b(SqliteSql(), "thing AS e");
  b.AddColumn("e.id");
  b.AddWhere("e.id = 1 OR e.id = 2");
  b.AddWhere("e.name = " + b.Bind(std::string("x")));
  EXPECT_EQ(b.SelectSql(), "SELECT e.id FROM thing AS e WHERE (e.id = 1 OR e.id = 2) AND (e.name = ?1)");
}

TEST(SelectBuilder, OffsetWithoutLimitUsesLimitMinusOne) {
  SelectBuilder b(SqliteSql(), "thing AS e");
  b.AddColumn("e.id");
  b.SetLimit(-1, 5);
  EXPECT_EQ(b.SelectSql(), "SELECT e.id FROM thing AS e LIMIT -1 OFFSET ?1");
  ASSERT_EQ(b.parameters().size(), 1u);
  EXPECT_EQ(b.parameters()[0], SqlValue(int64_t{5}));
}

TEST(SelectBuilder, NoLimitClauseWhenUnbounded) {
  SelectBuilder b(SqliteSql(), "thing AS e");
  b.AddColumn("e.id");
  b.SetLimit(-1, 0);
  EXPECT_EQ(b.SelectSql(), "SELECT e.id FROM thing AS e");
  EXPECT_TRUE(b.parameters().empty());
}

TEST(SqliteDialect, QuotesEveryJsonMember) {
  auto path = SqliteSql().JsonPath({"a.b", "c d", "[0]"});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(std::get<std::string>(*path), R"($."a.b"."c d"."[0]")");
}

TEST(SqliteDialect, DigitsIndexArrays) {
  auto path = SqliteSql().JsonPath({"levels", "0", "max"});
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(std::get<std::string>(*path), R"($."levels"[0]."max")");
}

TEST(SqliteDialect, RejectsMembersItCannotQuote) {
  EXPECT_FALSE(SqliteSql().JsonPath({"a\"b"}).ok());
  EXPECT_FALSE(SqliteSql().JsonPath({""}).ok());
  EXPECT_FALSE(SqliteSql().JsonPath({std::string("a\nb")}).ok());
}

}  // namespace
}  // namespace fundament::store::sqlite
