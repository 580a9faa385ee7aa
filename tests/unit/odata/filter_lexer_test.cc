// Specifies TokenizeFilter: how $filter text splits into tokens, and which
// characters no token may start with.
#include "odata/filter_lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fundament::odata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Token> MustTokenize(std::string_view text) {
  auto tokens = TokenizeFilter(text);
  EXPECT_TRUE(tokens.ok()) << text << ": " << (tokens.ok() ? "" : tokens.error().message);
  return tokens.ok() ? std::move(tokens).value() : std::vector<Token>{};
}

std::vector<TokenKind> KindsOf(std::string_view text) {
  std::vector<TokenKind> kinds;
  for (const Token& token : MustTokenize(text)) kinds.push_back(token.kind);
  return kinds;
}

std::string ErrorOf(std::string_view text) {
  auto tokens = TokenizeFilter(text);
  EXPECT_FALSE(tokens.ok()) << text << " was tokenized";
  if (tokens.ok()) return "";
  EXPECT_EQ(tokens.error().code, ErrorCode::kBadRequest);
  return tokens.error().message;
}

TEST(FilterLexer, SplitsWordsAndPunctuation) {
  EXPECT_THAT(KindsOf("startswith(name, 'x') and not (id eq 1)"),
              ElementsAre(TokenKind::kWord, TokenKind::kOpenParen, TokenKind::kWord, TokenKind::kComma,
                          TokenKind::kString, TokenKind::kCloseParen, TokenKind::kWord, TokenKind::kWord,
                          TokenKind::kOpenParen, TokenKind::kWord, TokenKind::kWord, TokenKind::kInteger,
                          TokenKind::kCloseParen, TokenKind::kEnd));
}

TEST(FilterLexer, EmptyInputIsJustEnd) {
  EXPECT_THAT(KindsOf(""), ElementsAre(TokenKind::kEnd));
  EXPECT_THAT(KindsOf(" \t\r\n"), ElementsAre(TokenKind::kEnd));
}

TEST(FilterLexer, WordsKeepDotsAndAt) {
  auto tokens = MustTokenize("geo.distance @iot.id _x1");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].text, "geo.distance");
  EXPECT_EQ(tokens[1].text, "@iot.id");
  EXPECT_EQ(tokens[2].text, "_x1");
}

TEST(FilterLexer, PathsSplitIntoSegmentsWithPositions) {
  auto tokens = MustTokenize("x eq Datastream/Thing/properties/owner");
  ASSERT_EQ(tokens.size(), 4u);
  const Token& path = tokens[2];
  EXPECT_EQ(path.kind, TokenKind::kPath);
  EXPECT_EQ(path.text, "Datastream/Thing/properties/owner");
  ASSERT_EQ(path.segments.size(), 4u);
  EXPECT_EQ(path.segments[0].text, "Datastream");
  EXPECT_EQ(path.segments[0].position, 6u);
  EXPECT_EQ(path.segments[1].text, "Thing");
  EXPECT_EQ(path.segments[1].position, 17u);
  EXPECT_EQ(path.segments[3].text, "owner");
  EXPECT_EQ(path.segments[3].position, 34u);
}

TEST(FilterLexer, MemberSegmentsMayBeIndicesHyphenatedOrUnicode) {
  auto tokens = MustTokenize("properties/0/sensor-type/straße");
  ASSERT_EQ(tokens[0].kind, TokenKind::kPath);
  ASSERT_EQ(tokens[0].segments.size(), 4u);
  EXPECT_EQ(tokens[0].segments[1].text, "0");
  EXPECT_EQ(tokens[0].segments[2].text, "sensor-type");
  EXPECT_EQ(tokens[0].segments[3].text, "straße");
}

TEST(FilterLexer, RejectsEmptyPathSegments) {
  EXPECT_THAT(ErrorOf("properties//x eq 1"), HasSubstr("at position 12: expected a name after '/'"));
  EXPECT_THAT(ErrorOf("properties/ eq 1"), HasSubstr("at position 12: expected a name after '/'"));
  EXPECT_THAT(ErrorOf("properties/-x eq 1"), HasSubstr("at position 12: expected a name after '/'"));
}

TEST(FilterLexer, StringsUnescapeDoubledQuotes) {
  auto tokens = MustTokenize("'it''s' '' ''''");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kString);
  EXPECT_EQ(tokens[0].value, "it's");
  EXPECT_EQ(tokens[0].text, "'it''s'");
  EXPECT_EQ(tokens[1].value, "");
  EXPECT_EQ(tokens[2].value, "'");
}

TEST(FilterLexer, StringsKeepUnicodeAndOperatorsVerbatim) {
  auto tokens = MustTokenize("'Pegel 🌊 Süd (eq) , / -'");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].value, "Pegel 🌊 Süd (eq) , / -");
}

TEST(FilterLexer, RejectsUnterminatedString) {
  EXPECT_THAT(ErrorOf("name eq 'abc"),
              HasSubstr("$filter: at position 9: expected a string closed by ', found 'abc"));
  EXPECT_THAT(ErrorOf("name eq 'it''"), HasSubstr("at position 9: expected a string closed by '"));
}

TEST(FilterLexer, TypedStringsKeepPrefix) {
  auto tokens = MustTokenize("duration'P1D' geography'POINT(1 2)' geometry'SRID=0;POINT(1 2)'");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kTypedString);
  EXPECT_EQ(tokens[0].prefix, "duration");
  EXPECT_EQ(tokens[0].value, "P1D");
  EXPECT_EQ(tokens[1].prefix, "geography");
  EXPECT_EQ(tokens[1].value, "POINT(1 2)");
  EXPECT_EQ(tokens[2].prefix, "geometry");
  // A space between prefix and quote makes two tokens.
  EXPECT_THAT(KindsOf("duration 'P1D'"), ElementsAre(TokenKind::kWord, TokenKind::kString, TokenKind::kEnd));
}

TEST(FilterLexer, ClassifiesNumbersAndTimes) {
  EXPECT_THAT(KindsOf("42 -7 2.5 -1e-3 6.02E+23 2025-11-18 2025-11-18T10:00:00Z 10:00:00"),
              ElementsAre(TokenKind::kInteger, TokenKind::kInteger, TokenKind::kDecimal, TokenKind::kDecimal,
                          TokenKind::kDecimal, TokenKind::kDate, TokenKind::kDateTime, TokenKind::kTimeOfDay,
                          TokenKind::kEnd));
  EXPECT_THAT(KindsOf("2025-11-18T10:00:00+01:00 2025-01-01T00:00:00Z/2025-02-01T00:00:00Z 2025-01-01T00:00:00Z/P1D"),
              ElementsAre(TokenKind::kDateTime, TokenKind::kInterval, TokenKind::kInterval, TokenKind::kEnd));
}

TEST(FilterLexer, MinusBeforeDigitIsPartOfTheNumber) {
  auto tokens = MustTokenize("- 5 -5 -x -(1)");
  ASSERT_EQ(tokens.size(), 10u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kMinus);
  EXPECT_EQ(tokens[1].kind, TokenKind::kInteger);
  EXPECT_EQ(tokens[2].kind, TokenKind::kInteger);
  EXPECT_EQ(tokens[2].text, "-5");
  EXPECT_EQ(tokens[3].kind, TokenKind::kMinus);
  EXPECT_EQ(tokens[4].kind, TokenKind::kWord);
  EXPECT_EQ(tokens[5].kind, TokenKind::kMinus);
}

TEST(FilterLexer, RejectsMalformedNumbers) {
  EXPECT_THAT(ErrorOf("x eq 1."), HasSubstr("at position 6: expected a number, date or time, found '1.'"));
  EXPECT_THAT(ErrorOf("x eq 5eq"), HasSubstr("found '5eq'"));
  EXPECT_THAT(ErrorOf("x eq 1e"), HasSubstr("found '1e'"));
  EXPECT_THAT(ErrorOf("x eq 1.5.2"), HasSubstr("found '1.5.2'"));
  EXPECT_THAT(ErrorOf("x eq 2025-1-1"), HasSubstr("found '2025-1-1'"));
}

TEST(FilterLexer, RecordsPositionsAndSpacing) {
  auto tokens = MustTokenize("a eq(b)");
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(tokens[1].position, 3u);
  EXPECT_TRUE(tokens[1].space_before);
  EXPECT_EQ(tokens[2].position, 5u);
  EXPECT_FALSE(tokens[2].space_before);
  EXPECT_EQ(tokens[5].position, 8u);  // end of input: one past the last character
}

TEST(FilterLexer, PositionsCountCharactersNotBytes) {
  auto tokens = MustTokenize("'äöü' eq x");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[1].position, 7u);
  EXPECT_EQ(tokens[1].offset, 9u);
  EXPECT_EQ(CharPosition("'äöü' eq x", 9), 7u);
}

TEST(FilterLexer, RejectsUnknownCharacters) {
  EXPECT_THAT(ErrorOf("name eq 'a' & x"), HasSubstr("at position 13: expected an expression or operator, found '&'"));
  EXPECT_THAT(ErrorOf("name eq \"a\""), HasSubstr("at position 9: expected an expression or operator, found '\"'"));
  EXPECT_THAT(ErrorOf("a:b"), HasSubstr("found ':'"));
}

TEST(FilterLexer, RejectsInvalidUtf8) {
  EXPECT_THAT(ErrorOf("name eq '\xC3('"), HasSubstr("at position 10: expected UTF-8 text"));
  EXPECT_THAT(ErrorOf("\xFF"), HasSubstr("at position 1: expected UTF-8 text"));
}

}  // namespace
}  // namespace fundament::odata
