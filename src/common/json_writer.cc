#include "common/json_writer.h"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace fundament {

namespace {

bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// Appends `text` as a JSON string. Runs of characters that need no escape —
// nearly all of them — are appended at once.
void AppendString(std::string& out, std::string_view text) {
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!NeedsEscape(c)) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

}  // namespace

void AppendJson(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: AppendJsonInteger(out, value.get_int64()); break;
    case boost::json::kind::uint64: fmt::format_to(std::back_inserter(out), "{}", value.get_uint64()); break;
    case boost::json::kind::double_: {
      double d = value.get_double();
      // JSON has no NaN or infinity; the parser never produces them, arithmetic might.
      if (!std::isfinite(d)) {
        out += "null";
      } else {
        fmt::format_to(std::back_inserter(out), "{}", d);
      }
      break;
    }
    case boost::json::kind::string: AppendString(out, value.get_string()); break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, item);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendString(out, member.key());
        out += ':';
        AppendJson(out, member.value());
      }
      out += '}';
      break;
    }
  }
}

void AppendJsonString(std::string& out, std::string_view text) { AppendString(out, text); }

void AppendJsonInteger(std::string& out, int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

std::string ToJson(const boost::json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

}  // namespace fundament
