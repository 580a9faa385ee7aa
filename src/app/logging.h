// The process-wide log: one line per event on standard error, as JSON
// (`{"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"request",…}`) or as
// human-readable text. Fields of structured events (http/log_event.h) become
// members of the JSON object, or `key=value` pairs in text.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

#include "common/result.h"

namespace fundament::app {

enum class LogFormat { kJson, kText };

// The formatter for `format` (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

// Makes the default spdlog logger write to standard error in `format`
// ("json" or "text") at `level` ("trace" … "critical", "off").
Status ConfigureLogging(std::string_view level, std::string_view format);

}  // namespace fundament::app
