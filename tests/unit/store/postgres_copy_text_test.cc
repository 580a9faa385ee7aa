// The COPY text format the PostgreSQL store sends gathered rows in.
#include "store/postgres/copy_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fundament::store::postgres {
namespace {

using sql::SqlValue;

std::string Field(const SqlValue& value) {
  std::string out;
  AppendCopyField(value, out);
  return out;
}

TEST(PostgresCopyText, EscapesWhatWouldEndAFieldOrALine) {
  EXPECT_EQ(Field(SqlValue(std::string("a\\b"))), "a\\\\b");
  EXPECT_EQ(Field(SqlValue(std::string("a\tb"))), "a\\tb");
  EXPECT_EQ(Field(SqlValue(std::string("a\nb"))), "a\\nb");
  EXPECT_EQ(Field(SqlValue(std::string("a\rb"))), "a\\rb");
  EXPECT_EQ(Field(SqlValue(std::string("plain, \"quoted\" ünïcødé"))), "plain, \"quoted\" ünïcødé");
}

TEST(PostgresCopyText, TextThatLooksLikeAMarkerStaysText) {
  EXPECT_EQ(Field(SqlValue(std::string("\\N"))), "\\\\N");
  EXPECT_EQ(Field(SqlValue(std::string("\\."))), "\\\\.");
  EXPECT_EQ(Field(SqlValue(std::string())), "");
}

TEST(PostgresCopyText, NullNumbersAndRows) {
  EXPECT_EQ(Field(SqlValue()), "\\N");
  EXPECT_EQ(Field(SqlValue(int64_t{-9007199254740993})), "-9007199254740993");
  EXPECT_EQ(Field(SqlValue(0.1)), "0.10000000000000001");
  std::string row;
  AppendCopyRow({SqlValue(int64_t{1}), SqlValue(), SqlValue(std::string("{\"k\":\"a\\\\b\"}"))}, row);
  EXPECT_EQ(row, "1\t\\N\t{\"k\":\"a\\\\\\\\b\"}\n");
}

}  // namespace
}  // namespace fundament::store::postgres
