#include "app/logging.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <ctime>
#include <string>

#include "http/log_event.h"

namespace fundament::app {

namespace {

using http::AppendJsonString;

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// ISO 8601 in UTC with milliseconds: 2024-05-01T12:00:00.123Z.
void AppendTimestamp(std::string& out, spdlog::log_clock::time_point time) {
  auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm parts;
  gmtime_r(&whole, &parts);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900,
                 parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis);
}

// The fields of a structured event, or nullopt when the payload's tail is not
// a valid list of JSON members (a plain message that happens to contain the
// separator byte is then logged whole, as its message).
std::optional<boost::json::object> ParseMembers(std::string_view members) {
  if (members.empty()) return std::nullopt;
  boost::system::error_code ec;
  std::string text;
  text.reserve(members.size() + 2);
  text.push_back('{');
  text.append(members);
  text.push_back('}');
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

class LogFormatter final : public spdlog::formatter {
 public:
  explicit LogFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    http::LogPayload split = http::SplitLogPayload(payload);
    std::optional<boost::json::object> fields = ParseMembers(split.members);
    std::string_view message = fields || split.members.empty() ? split.message : payload;

    std::string line;
    line.reserve(payload.size() + 64);
    if (format_ == LogFormat::kJson) {
      line += "{\"ts\":\"";
      AppendTimestamp(line, msg.time);
      line += "\",\"level\":\"";
      line += LevelName(msg.level);
      line += "\",\"msg\":";
      AppendJsonString(line, message);
      if (fields) {
        line.push_back(',');
        line.append(split.members);
      }
      line += "}\n";
    } else {
      AppendTimestamp(line, msg.time);
      line += fmt::format(" {:<5} ", LevelName(msg.level));
      line.append(message);
      if (fields) {
        for (const auto& member : *fields) {
          line.push_back(' ');
          line.append(member.key());
          line.push_back('=');
          const boost::json::value& value = member.value();
          if (value.is_string()) {
            std::string_view text = value.get_string();
            bool plain = !text.empty() && text.find_first_of(" \"=\\") == std::string_view::npos &&
                         std::all_of(text.begin(), text.end(),
                                     [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
            if (plain) {
              line.append(text);
            } else {
              AppendJsonString(line, text);
            }
          } else if (value.is_double()) {
            line += fmt::format("{}", value.get_double());
          } else {
            line += boost::json::serialize(value);
          }
        }
      }
      line.push_back('\n');
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LogFormatter>(format_);
  }

 private:
  LogFormat format_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  return std::make_unique<LogFormatter>(format);
}

Status ConfigureLogging(std::string_view level, std::string_view format) {
  LogFormat log_format;
  if (format == "json") {
    log_format = LogFormat::kJson;
  } else if (format == "text") {
    log_format = LogFormat::kText;
  } else {
    return BadRequest(fmt::format("unknown log format \"{}\" (json or text)", format), "log.format");
  }
  spdlog::level::level_enum log_level;
  if (level == "trace") {
    log_level = spdlog::level::trace;
  } else if (level == "debug") {
    log_level = spdlog::level::debug;
  } else if (level == "info") {
    log_level = spdlog::level::info;
  } else if (level == "warn") {
    log_level = spdlog::level::warn;
  } else if (level == "error") {
    log_level = spdlog::level::err;
  } else if (level == "critical") {
    log_level = spdlog::level::critical;
  } else if (level == "off") {
    log_level = spdlog::level::off;
  } else {
    return BadRequest(fmt::format("unknown log level \"{}\"", level), "log.level");
  }
  auto logger =
      std::make_shared<spdlog::logger>("fundament", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(MakeLogFormatter(log_format));
  logger->set_level(log_level);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace fundament::app
