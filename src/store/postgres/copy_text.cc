#include "store/postgres/copy_text.h"

#include <fmt/format.h>

#include <iterator>
#include <string_view>
#include <variant>

namespace fundament::store::postgres {
namespace {

void AppendEscaped(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c; break;
    }
  }
}

}  // namespace

void AppendCopyField(const sql::SqlValue& value, std::string& out) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    fmt::format_to(std::back_inserter(out), "{}", *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    fmt::format_to(std::back_inserter(out), "{:.17g}", *d);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    AppendEscaped(*s, out);
  } else {
    out += "\\N";
  }
}

void AppendCopyRow(const std::vector<sql::SqlValue>& values, std::string& out) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += '\t';
    AppendCopyField(values[i], out);
  }
  out += '\n';
}

}  // namespace fundament::store::postgres
