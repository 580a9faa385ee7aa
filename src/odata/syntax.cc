#include "odata/syntax.h"

#include <limits>

namespace fundament::odata {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

Result<std::vector<std::string_view>> SplitTopLevel(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t depth = 0;
  bool in_string = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      // An escaped quote ('') closes and reopens the string: same outcome.
      if (c == '\'') in_string = false;
      continue;
    }
    if (c == '\'') {
      in_string = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth == 0) return BadRequest("unbalanced ')' in " + Quoted(text));
      --depth;
    } else if (c == separator && depth == 0) {
      pieces.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (in_string) return BadRequest("unterminated string literal in " + Quoted(text));
  if (depth != 0) return BadRequest("missing ')' in " + Quoted(text));
  pieces.push_back(text.substr(start));
  return pieces;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == separator) {
      pieces.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

std::string Quoted(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  std::string out = "'";
  size_t i = 0;
  while (i < text.size()) {
    if (out.size() > kMaxShown) {
      out.append("\xE2\x80\xA6");  // …
      break;
    }
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      // Messages end up in JSON bodies and logs: never pass on broken UTF-8.
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out.push_back('\'');
  return out;
}

Error WithContext(std::string_view context, Error error) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

IntSyntax ParseNonNegativeInt(std::string_view text, int64_t& value) {
  if (text.empty()) return IntSyntax::kMalformed;
  for (char c : text)
    if (c < '0' || c > '9') return IntSyntax::kMalformed;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t result = 0;
  for (char c : text) {
    int digit = c - '0';
    if (result > (kMax - digit) / 10) return IntSyntax::kOutOfRange;
    result = result * 10 + digit;
  }
  value = result;
  return IntSyntax::kOk;
}

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return length;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace fundament::odata
