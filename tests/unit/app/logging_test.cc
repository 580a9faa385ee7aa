#include "app/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "http/log_event.h"

namespace fundament::app {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string Format(LogFormat format, spdlog::level::level_enum level, std::string_view payload) {
  spdlog::details::log_msg msg("fundament", level, spdlog::string_view_t(payload.data(), payload.size()));
  msg.time =
      spdlog::log_clock::time_point(std::chrono::milliseconds(1714564800123));  // 2024-05-01T12:00:00.123Z
  spdlog::memory_buf_t buffer;
  MakeLogFormatter(format)->format(msg, buffer);
  return std::string(buffer.data(), buffer.size());
}

std::string WithFields(std::string_view message, const http::LogFields& fields) {
  return std::string(message) + http::kLogFieldSeparator + fields.members();
}

TEST(LogFormatter, JsonLineHasTimestampLevelAndMessage) {
  std::string line = Format(LogFormat::kJson, spdlog::level::warn, "disk \"almost\" full\n");
  ASSERT_EQ(line.back(), '\n');
  boost::json::object parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("ts").as_string(), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(parsed.at("level").as_string(), "warn");
  EXPECT_EQ(parsed.at("msg").as_string(), "disk \"almost\" full\n");
}

TEST(LogFormatter, JsonLineCarriesEventFields) {
  http::LogFields fields;
  fields.Add("request_id", "abc")
      .Add("path", "/v1.1/Things")
      .AddInt("status", 200)
      .AddNumber("latency_ms", 0.25);
  std::string line = Format(LogFormat::kJson, spdlog::level::info, WithFields("request", fields));
  boost::json::object parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("msg").as_string(), "request");
  EXPECT_EQ(parsed.at("request_id").as_string(), "abc");
  EXPECT_EQ(parsed.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(parsed.at("latency_ms").as_double(), 0.25);
}

TEST(LogFormatter, ListeningLineHasTheShapeToolsParse) {
  http::LogFields fields;
  fields.Add("address", "0.0.0.0").AddInt("port", 43121);
  std::string line = Format(LogFormat::kJson, spdlog::level::info, WithFields("listening", fields));
  EXPECT_THAT(line, HasSubstr(R"("msg":"listening")"));
  EXPECT_THAT(line, HasSubstr(R"("port":43121)"));
}

TEST(LogFormatter, StraySeparatorInPlainMessageStaysValidJson) {
  std::string payload = std::string("odd") + http::kLogFieldSeparator + "\"x\":}";
  boost::json::object parsed =
      boost::json::parse(Format(LogFormat::kJson, spdlog::level::info, payload)).as_object();
  EXPECT_EQ(parsed.at("msg").as_string(), payload);
  EXPECT_EQ(parsed.size(), 3u);
}

TEST(LogFormatter, InvalidUtf8StaysValidJson) {
  std::string line = Format(LogFormat::kJson, spdlog::level::err, "bad \xff byte");
  EXPECT_NO_THROW(boost::json::parse(line));
}

TEST(LogFormatter, TextLineShowsFieldsAsKeyValue) {
  http::LogFields fields;
  fields.Add("method", "GET").Add("path", "/a b").AddInt("status", 404).AddNumber("latency_ms", 0.979);
  std::string line = Format(LogFormat::kText, spdlog::level::info, WithFields("request", fields));
  EXPECT_EQ(line,
            "2024-05-01T12:00:00.123Z info  request method=GET path=\"/a b\" status=404 latency_ms=0.979\n");
}

TEST(ConfigureLogging, RejectsUnknownLevelAndFormat) {
  EXPECT_FALSE(ConfigureLogging("verbose", "json").ok());
  EXPECT_FALSE(ConfigureLogging("info", "xml").ok());
  EXPECT_TRUE(ConfigureLogging("warn", "text").ok());
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
}

}  // namespace
}  // namespace fundament::app
