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


}  // namespace fundament::odata
