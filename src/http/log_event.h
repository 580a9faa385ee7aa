// Structured log events on top of spdlog.
//
// A log event is a message plus named fields (`request_id`, `status`, …). The
// fields travel inside the spdlog payload, after the message and a record
// separator byte, already encoded as JSON members; the formatter the
// application installs (app/logging.h) renders them as members of the JSON log
// line, or as `key=value` pairs in text format. Without that formatter a line
// still carries every field, just not pretty.
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace fundament::http {

// Separates the message from the encoded fields in a log payload.
inline constexpr char kLogFieldSeparator = '\x1e';

// Appends `text` to `out` as a JSON string literal (quoted and escaped).
// Invalid UTF-8 is replaced by U+FFFD so that the output is always valid JSON,
// whatever bytes a client put into a request line.
void AppendJsonString(std::string& out, std::string_view text);

// The named fields of one log event, kept as comma-separated JSON members.
class LogFields {
 public:
  LogFields& Add(std::string_view key, std::string_view value);
  LogFields& AddInt(std::string_view key, int64_t value);
  LogFields& AddNumber(std::string_view key, double value);

  // `"key":value,"key2":value2` (no braces), or "" when there are no fields.
  const std::string& members() const { return members_; }

 private:
  void AppendKey(std::string_view key);

  std::string members_;
};

// A log payload split into message and encoded fields.
struct LogPayload {
  std::string_view message;
  std::string_view members;  // "" when the payload carries no fields
};

// Splits a payload written by LogEvent (or any plain message).
LogPayload SplitLogPayload(std::string_view payload);

// Logs `message` with `fields` on the default logger at `level`.
void LogEvent(spdlog::level::level_enum level, std::string_view message, const LogFields& fields);

}  // namespace fundament::http
