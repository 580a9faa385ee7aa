#include "mqtt/rules.h"

#include <fmt/format.h>

#include <cstdint>

#include "mqtt/topic.h"

namespace fundament::mqtt::internal {

Error Violation(std::string_view rule, std::string_view message) {
  return BadRequest(fmt::format("[{}] {}", rule, message), std::string(rule));
}

Status CheckUtf8(std::string_view text, std::string_view what) {
  if (text.size() > kMaxStringLength) {
    return Violation("§1.5.3", fmt::format("{} is {} bytes long, more than the {} a string can hold", what,
                                           text.size(), kMaxStringLength));
  }
  auto ill_formed = [&](size_t at) {
    return Violation("MQTT-1.5.3-1", fmt::format("{} is not well-formed UTF-8 (at byte {})", what, at));
  };
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    if (lead == 0) {
      return Violation("MQTT-1.5.3-2", fmt::format("{} must not contain U+0000 (at byte {})", what, i));
    }
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t smallest;  // below it, the sequence is an overlong form
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return ill_formed(i);
    }
    if (text.size() - i < length) return ill_formed(i);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return ill_formed(i);
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF) return ill_formed(i);
    if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      return Violation("MQTT-1.5.3-1", fmt::format("{} must not contain the surrogate U+{:04X} (at byte {})",
                                                   what, code_point, i));
    }
    i += length;
  }
  return Status::Ok();
}

Status CheckTopicName(std::string_view topic, std::string_view what) {
  FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(topic, what));
  if (topic.empty()) {
    return Violation("MQTT-4.7.3-1", fmt::format("{} must be at least one character long", what));
  }
  size_t wildcard = topic.find_first_of("+#");
  if (wildcard != std::string_view::npos) {
    return Violation("MQTT-4.7.1-1", fmt::format("{} must not contain the wildcard '{}' (at byte {})", what,
                                                 topic[wildcard], wildcard));
  }
  return Status::Ok();
}

Status CheckTopicFilter(std::string_view filter, std::string_view what) {
  FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(filter, what));
  if (filter.empty()) {
    return Violation("MQTT-4.7.3-1", fmt::format("{} must be at least one character long", what));
  }
  size_t start = 0;
  while (true) {
    const size_t slash = filter.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view level = filter.substr(start, last ? std::string_view::npos : slash - start);
    if (level.find('#') != std::string_view::npos && (level != "#" || !last)) {
      return Violation("MQTT-4.7.1-2",
                       fmt::format("{} {}: '#' must be a whole level and the last one", what, Quote(filter)));
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return Violation("MQTT-4.7.1-3", fmt::format("{} {}: '+' must be a whole level", what, Quote(filter)));
    }
    if (last) return Status::Ok();
    start = slash + 1;
  }
}

std::string Quote(std::string_view text) {
  constexpr size_t kShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
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
        if (c < 0x20 || c >= 0x7F) {
          out += fmt::format("\\x{:02X}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += text.size() > kShown ? "\"…" : "\"";
  return out;
}

std::string ByteCount(size_t n) { return fmt::format("{} {}", n, n == 1 ? "byte" : "bytes"); }

}  // namespace fundament::mqtt::internal
