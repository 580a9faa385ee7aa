#include "common/json_writer.h"

#include <cmath>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace fundament {

namespace {

void AppendString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

void AppendJson(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: fmt::format_to(std::back_inserter(out), "{}", value.get_int64()); break;
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

std::string ToJson(const boost::json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

}  // namespace fundament
