#include "odata/filter_lexer.h"

#include <fmt/format.h>

#include "odata/syntax.h"

namespace fundament::odata {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsMultiByte(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool IsWordStart(char c) { return IsAsciiAlpha(c) || c == '_' || c == '@' || IsMultiByte(c); }
bool IsWordChar(char c) { return IsAsciiAlpha(c) || IsDigit(c) || c == '_' || c == '.' || IsMultiByte(c); }

// Member names inside JSON may be array indices or carry hyphens and '@'.
bool IsSegmentStart(char c) { return IsWordStart(c) || IsDigit(c); }
bool IsSegmentChar(char c) { return IsWordChar(c) || c == '-' || c == '@'; }

// Characters of the literals that start with a digit: numbers, dates, times
// and intervals. Classified afterwards.
bool IsLiteralChar(char c) {
  return IsDigit(c) || IsAsciiAlpha(c) || c == '.' || c == ':' || c == '+' || c == '-' || c == '/';
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The literal prefixes that join a following quoted string into one token.
bool IsLiteralPrefix(std::string_view word) {
  return word == "duration" || word == "geography" || word == "geometry";
}

// Whether `text[i, i+n)` are all digits.
bool DigitsAt(std::string_view text, size_t i, size_t n) {
  if (i + n > text.size()) return false;
  for (size_t k = i; k < i + n; ++k)
    if (!IsDigit(text[k])) return false;
  return true;
}

// -?digits(.digits)?([eE][+-]?digits)?; sets `decimal` when it has a fraction or exponent.
bool IsNumber(std::string_view text, bool* decimal) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const size_t digits_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == digits_start) return false;
  *decimal = false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const size_t fraction_start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == fraction_start) return false;
    *decimal = true;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const size_t exponent_start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == exponent_start) return false;
    *decimal = true;
  }
  return i == text.size();
}

// Classifies a token that starts with a digit (or '-' and a digit). Only the
// shape is checked here; values and ranges are the parser's business.
bool Classify(std::string_view text, TokenKind* kind) {
  bool decimal = false;
  if (IsNumber(text, &decimal)) {
    *kind = decimal ? TokenKind::kDecimal : TokenKind::kInteger;
    return true;
  }
  if (text.front() == '-') return false;
  if (text.find('/') != std::string_view::npos) {
    *kind = TokenKind::kInterval;
    return true;
  }
  const bool date = DigitsAt(text, 0, 4) && text.size() >= 10 && text[4] == '-' && DigitsAt(text, 5, 2) &&
                    text[7] == '-' && DigitsAt(text, 8, 2);
  if (date && text.size() == 10) {
    *kind = TokenKind::kDate;
    return true;
  }
  if (date && (text[10] == 'T' || text[10] == 't')) {
    *kind = TokenKind::kDateTime;
    return true;
  }
  if (DigitsAt(text, 0, 2) && text.size() >= 5 && text[2] == ':' && DigitsAt(text, 3, 2)) {
    *kind = TokenKind::kTimeOfDay;
    return true;
  }
  return false;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      bool space = false;
      while (pos_ < text_.size() && IsSpace(text_[pos_])) {
        Advance(1);
        space = true;
      }
      Token token;
      token.offset = pos_;
      token.position = position_;
      token.space_before = space;
      if (pos_ == text_.size()) {
        token.kind = TokenKind::kEnd;
        tokens.push_back(std::move(token));
        return tokens;
      }
      FUNDAMENT_RETURN_IF_ERROR(Next(&token));
      token.text = text_.substr(token.offset, pos_ - token.offset);
      tokens.push_back(std::move(token));
    }
  }

 private:
  // Moves over `bytes` bytes, counting characters.
  void Advance(size_t bytes) {
    for (size_t end = pos_ + bytes; pos_ < end; ++pos_)
      if (!IsContinuation(text_[pos_])) ++position_;
  }

  char Peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  Status Next(Token* token) {
    const char c = Peek();
    switch (c) {
      case '(':
        token->kind = TokenKind::kOpenParen;
        Advance(1);
        return Status::Ok();
      case ')':
        token->kind = TokenKind::kCloseParen;
        Advance(1);
        return Status::Ok();
      case ',':
        token->kind = TokenKind::kComma;
        Advance(1);
        return Status::Ok();
      case '\'':
        token->kind = TokenKind::kString;
        return ReadString(token);
      case '-':
        if (!IsDigit(Peek(1))) {
          token->kind = TokenKind::kMinus;
          Advance(1);
          return Status::Ok();
        }
        return ReadLiteral(token);
      default:
        break;
    }
    if (IsDigit(c)) return ReadLiteral(token);
    if (IsWordStart(c)) return ReadWord(token);
    size_t length = Utf8SequenceLength(text_, pos_);
    return FilterSyntaxError(position_, "an expression or operator",
                             Quoted(text_.substr(pos_, length == 0 ? 1 : length)));
  }

  // '…' with '' for a quote; the position is the opening quote's.
  Status ReadString(Token* token) {
    const size_t start_position = position_;
    const size_t start = pos_;
    Advance(1);
    while (true) {
      const size_t quote = text_.find('\'', pos_);
      if (quote == std::string_view::npos) {
        // The content after the opening quote, quoted once more.
        return FilterSyntaxError(start_position, "a string closed by '", Quoted(text_.substr(start + 1)));
      }
      token->value.append(text_.substr(pos_, quote - pos_));
      Advance(quote - pos_ + 1);
      if (Peek() != '\'') return Status::Ok();
      token->value.push_back('\'');
      Advance(1);
    }
  }

  Status ReadLiteral(Token* token) {
    const size_t start = pos_;
    const size_t start_position = position_;
    size_t end = pos_ + 1;
    while (end < text_.size() && IsLiteralChar(text_[end])) ++end;
    Advance(end - pos_);
    const std::string_view text = text_.substr(start, end - start);
    if (!Classify(text, &token->kind))
      return FilterSyntaxError(start_position, "a number, date or time", Quoted(text));
    return Status::Ok();
  }

  // A word, a path of words joined by '/', or a literal prefix with its string.
  Status ReadWord(Token* token) {
    const size_t start = pos_;
    const size_t start_position = position_;
    // The first character is a word start ('@' among them) but not always a
    // word character, so it is taken before the loop.
    size_t end = pos_ + 1;
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    Advance(end - pos_);
    const std::string_view word = text_.substr(start, end - start);
    token->kind = TokenKind::kWord;

    if (Peek() == '\'' && IsLiteralPrefix(word)) {
      token->prefix = word;
      FUNDAMENT_RETURN_IF_ERROR(ReadString(token));
      token->kind = TokenKind::kTypedString;
      return Status::Ok();
    }
    if (Peek() != '/') return Status::Ok();

    token->kind = TokenKind::kPath;
    token->segments.push_back({word, start_position});
    while (Peek() == '/') {
      Advance(1);
      if (!IsSegmentStart(Peek())) {
        std::string found = "end of input";
        if (pos_ < text_.size()) {
          size_t length = Utf8SequenceLength(text_, pos_);
          found = Quoted(text_.substr(pos_, length == 0 ? 1 : length));
        }
        return FilterSyntaxError(position_, "a name after '/'", found);
      }
      const size_t segment_start = pos_;
      const size_t segment_position = position_;
      size_t segment_end = pos_;
      while (segment_end < text_.size() && IsSegmentChar(text_[segment_end])) ++segment_end;
      Advance(segment_end - pos_);
      token->segments.push_back({text_.substr(segment_start, segment_end - segment_start), segment_position});
    }
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t position_ = 1;
};

}  // namespace

Error FilterSyntaxError(size_t position, std::string_view expected, std::string_view found) {
  return BadRequest(fmt::format("$filter: at position {}: expected {}, found {}", position, expected, found));
}

std::string DescribeToken(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of input";
  return Quoted(token.text);
}

size_t CharPosition(std::string_view text, size_t offset) {
  size_t position = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (!IsContinuation(text[i])) ++position;
  return position;
}

Result<std::vector<Token>> TokenizeFilter(std::string_view text) {
  // Checked first so that everything after may step over multi-byte
  // characters without looking at them, and messages stay valid UTF-8.
  for (size_t i = 0; i < text.size();) {
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      return FilterSyntaxError(CharPosition(text, i), "UTF-8 text",
                               fmt::format("the byte 0x{:02X}", static_cast<unsigned char>(text[i])));
    }
    i += length;
  }
  return Lexer(text).Run();
}

}  // namespace fundament::odata
