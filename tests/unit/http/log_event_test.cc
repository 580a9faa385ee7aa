#include "http/log_event.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace fundament::http {
namespace {

std::string Quote(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Quote("a\"b\\c\nd\te\x01"), R"("a\"b\\c\nd\te\u0001")");
}

TEST(AppendJsonString, KeepsValidUtf8) { EXPECT_EQ(Quote("Kiel – Förde €"), "\"Kiel – Förde €\""); }

TEST(AppendJsonString, ReplacesInvalidUtf8SoOutputParses) {
  std::string quoted = Quote("a\xff\xc0\x80z\xed\xa0\x80");
  boost::json::value parsed = boost::json::parse(quoted);
  EXPECT_EQ(parsed.as_string(), "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(AppendJsonString, ReplacesTruncatedSequenceAtEnd) {
  EXPECT_EQ(boost::json::parse(Quote("ab\xe2\x82")).as_string(), "ab\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(LogFields, EncodesMembersAsJson) {
  LogFields fields;
  fields.Add("path", "/v1.1/Things").AddInt("status", 200).AddNumber("latency_ms", 1.5);
  boost::json::object parsed = boost::json::parse("{" + fields.members() + "}").as_object();
  EXPECT_EQ(parsed.at("path").as_string(), "/v1.1/Things");
  EXPECT_EQ(parsed.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(parsed.at("latency_ms").as_double(), 1.5);
}

TEST(LogFields, EncodesNonFiniteNumbersAsNull) {
  LogFields fields;
  fields.AddNumber("x", 1.0 / 0.0);
  EXPECT_EQ(fields.members(), R"("x":null)");
}

TEST(SplitLogPayload, SeparatesMessageAndFields) {
  std::string payload = std::string("request") + kLogFieldSeparator + R"("status":200)";
  LogPayload split = SplitLogPayload(payload);
  EXPECT_EQ(split.message, "request");
  EXPECT_EQ(split.members, R"("status":200)");
}

TEST(SplitLogPayload, PlainMessageHasNoFields) {
  LogPayload split = SplitLogPayload("store opened");
  EXPECT_EQ(split.message, "store opened");
  EXPECT_TRUE(split.members.empty());
}

}  // namespace
}  // namespace fundament::http
