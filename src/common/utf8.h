// UTF-8 well-formedness (RFC 3629): what every parser of client text and every
// writer of logs needs to know about a byte sequence.
#pragma once

#include <cstddef>
#include <string_view>

namespace fundament {

// The length of the well-formed UTF-8 sequence starting at `text[i]` (i must
// be in range), or 0 when the bytes there are not one: no overlong forms, no
// surrogates, nothing above U+10FFFF.
size_t Utf8SequenceLength(std::string_view text, size_t i);

// True when all of `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace fundament
