// Lexical helpers shared by the OData parsers: trimming, splitting lists at
// the top level of parentheses and quoted strings, and quoting user input in
// error messages. Internal to the odata module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/utf8.h"

namespace fundament::odata {

// True for the whitespace OData tolerates around tokens (space, tab, CR, LF).
bool IsSpace(char c);

// `text` without leading and trailing whitespace.
std::string_view TrimSpace(std::string_view text);

// Splits `text` at every `separator` that is outside parentheses and outside
// single-quoted strings (where '' is an escaped quote). Unbalanced parentheses
// or an unterminated string give kBadRequest. Pieces are not trimmed; an empty
// `text` gives one empty piece.
Result<std::vector<std::string_view>> SplitTopLevel(std::string_view text, char separator);

// Splits `text` at every `separator`, without regard to quotes or parentheses.
std::vector<std::string_view> Split(std::string_view text, char separator);

// `text` in single quotes for an error message, shortened (at a character
// boundary) when long and with invalid UTF-8 bytes replaced by U+FFFD, so
// messages stay short and valid whatever arrives.
std::string Quoted(std::string_view text);

// A copy of `error` whose message starts with `context: `.
Error WithContext(std::string_view context, Error error);

// Why a text is not a non-negative 64-bit integer, if it is not.
enum class IntSyntax { kOk, kMalformed, kOutOfRange };

// Parses a non-negative decimal integer (digits only, leading zeros allowed,
// no sign, no whitespace) into `value`.
IntSyntax ParseNonNegativeInt(std::string_view text, int64_t& value);

// UTF-8 checks, shared with the rest of the program (common/utf8.h).
using ::fundament::IsValidUtf8;
using ::fundament::Utf8SequenceLength;

}  // namespace fundament::odata
