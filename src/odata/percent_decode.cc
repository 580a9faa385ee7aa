// Percent-decoding of URL components (RFC 3986 §2.1), declared in
// query_options.h. Decoded text must be UTF-8 (RFC 3987), so that every name
// and literal the parsers see, and every message that quotes one, is valid text.
#include <string>

#include "odata/query_options.h"
#include "odata/syntax.h"

namespace fundament::odata {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0)
        return BadRequest("malformed percent-encoding at position " + std::to_string(i) + " of " +
                          Quoted(text));
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!IsValidUtf8(out)) return BadRequest("decoded text is not valid UTF-8");
  return out;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text) { return Decode(text, false); }

Result<std::string> DecodeQueryComponent(std::string_view text) { return Decode(text, true); }

}  // namespace fundament::odata
