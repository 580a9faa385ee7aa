// The lexer of $filter expressions: text → tokens. Internal to the odata module.
//
// Tokens are classified by form only; the parser turns them into values and
// checks them against the data model. Every token knows where it starts, as a
// byte offset and as a 1-based character position for error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fundament::odata {

enum class TokenKind {
  kEnd,          // after the last token
  kWord,         // a name or keyword: and, eq, name, geo.distance, @iot.id, INF
  kPath,         // names joined by '/': Datastream/Thing/name, properties/level/0
  kString,       // 'text' ('' stands for one quote)
  kTypedString,  // prefix'text': duration'P1D', geography'POINT(1 2)'
  kInteger,      // 42, -7
  kDecimal,      // 2.5, -1e-3, 6.02E23
  kDate,         // 2025-11-18
  kDateTime,     // 2025-11-18T10:00:00Z (anything after the date with a T)
  kTimeOfDay,    // 10:00, 10:00:00.5
  kInterval,     // 2025-11-18T10:00:00Z/2025-11-19T10:00:00Z, …/P1D
  kOpenParen,
  kCloseParen,
  kComma,
  kMinus,        // a '-' not directly followed by a digit (negation)
};

// One segment of a kPath token.
struct PathSegment {
  std::string_view text;
  size_t position = 0;  // 1-based character position
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;     // the token as written (for kTypedString: the whole prefix'…')
  size_t offset = 0;         // byte offset of the first character
  size_t position = 1;       // 1-based character position of the first character
  bool space_before = false; // whitespace separates it from the previous token
  std::string value;         // kString, kTypedString: the unescaped content
  std::string_view prefix;   // kTypedString: the word before the quote
  std::vector<PathSegment> segments;  // kPath: at least two
};

// Splits `text` into tokens, ending with one kEnd token. Rejects invalid
// UTF-8, unterminated strings, empty path segments and characters that start
// no token, with "$filter: at position N: expected …, found …".
Result<std::vector<Token>> TokenizeFilter(std::string_view text);

// The error "$filter: at position N: expected <expected>, found <found>".
Error FilterSyntaxError(size_t position, std::string_view expected, std::string_view found);

// How a token is shown after "found" in error messages: the token quoted,
// or "end of input".
std::string DescribeToken(const Token& token);

// The 1-based character position of byte `offset` in `text`.
size_t CharPosition(std::string_view text, size_t offset);

}  // namespace fundament::odata
