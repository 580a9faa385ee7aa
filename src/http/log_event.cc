#include "http/log_event.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "common/utf8.h"

namespace fundament::http {


void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t n = Utf8SequenceLength(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void LogFields::AppendKey(std::string_view key) {
  if (!members_.empty()) members_.push_back(',');
  AppendJsonString(members_, key);
  members_.push_back(':');
}

LogFields& LogFields::Add(std::string_view key, std::string_view value) {
  AppendKey(key);
  AppendJsonString(members_, value);
  return *this;
}

LogFields& LogFields::AddInt(std::string_view key, int64_t value) {
  AppendKey(key);
  members_ += fmt::format("{}", value);
  return *this;
}

LogFields& LogFields::AddNumber(std::string_view key, double value) {
  AppendKey(key);
  // JSON has no NaN or infinity.
  members_ += std::isfinite(value) ? fmt::format("{}", value) : "null";
  return *this;
}

LogPayload SplitLogPayload(std::string_view payload) {
  size_t separator = payload.find(kLogFieldSeparator);
  if (separator == std::string_view::npos) return {payload, {}};
  return {payload.substr(0, separator), payload.substr(separator + 1)};
}

void LogEvent(spdlog::level::level_enum level, std::string_view message, const LogFields& fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string payload;
  payload.reserve(message.size() + 1 + fields.members().size());
  payload.append(message);
  if (!fields.members().empty()) {
    payload.push_back(kLogFieldSeparator);
    payload.append(fields.members());
  }
  logger->log(level, spdlog::string_view_t(payload.data(), payload.size()));
}

}  // namespace fundament::http
