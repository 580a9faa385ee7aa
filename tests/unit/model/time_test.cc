// Specifies ISO 8601 instant, interval and duration handling (model/time.h).
#include "model/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace fundament::model {
namespace {

using ::testing::HasSubstr;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kMinute = 60 * kSecond;
constexpr Micros kHour = 60 * kMinute;
constexpr Micros kDay = 24 * kHour;

// 2025-11-18T00:00:00Z, computed independently: 20410 days after the epoch.
constexpr Micros k20251118 = 20410 * kDay;

Micros MustParse(std::string_view text) {
  auto result = ParseInstant(text);
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : 0;
}

std::string ErrorOf(std::string_view text) {
  auto result = ParseInstant(text);
  EXPECT_FALSE(result.ok()) << text << " parsed as " << (result.ok() ? FormatInstant(*result) : "");
  return result.ok() ? std::string() : result.error().message;
}

// --- ParseInstant: accepted forms -------------------------------------------

TEST(ParseInstant, EpochIsZero) {
  EXPECT_EQ(MustParse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(MustParse("1970-01-01"), 0);
}

TEST(ParseInstant, KnownDateTime) {
  EXPECT_EQ(MustParse("2025-11-18T00:00:00Z"), k20251118);
  EXPECT_EQ(MustParse("2025-11-18T09:30:15Z"), k20251118 + 9 * kHour + 30 * kMinute + 15 * kSecond);
  // 2000-03-01 is day 11017 (after the 2000 leap day).
  EXPECT_EQ(MustParse("2000-03-01T00:00:00Z"), 11017 * kDay);
}

TEST(ParseInstant, PlainDateIsMidnightUtc) { EXPECT_EQ(MustParse("2025-11-18"), k20251118); }

TEST(ParseInstant, MinutesWithoutSeconds) {
  EXPECT_EQ(MustParse("2025-11-18T09:30Z"), k20251118 + 9 * kHour + 30 * kMinute);
  EXPECT_EQ(MustParse("2025-11-18T09:30+01:00"), k20251118 + 8 * kHour + 30 * kMinute);
}

TEST(ParseInstant, LowercaseDesignators) {
  EXPECT_EQ(MustParse("2025-11-18t09:00:00z"), k20251118 + 9 * kHour);
}

TEST(ParseInstant, FractionalSeconds) {
  EXPECT_EQ(MustParse("2025-11-18T00:00:00.5Z"), k20251118 + 500'000);
  EXPECT_EQ(MustParse("2025-11-18T00:00:00.123Z"), k20251118 + 123'000);
  EXPECT_EQ(MustParse("2025-11-18T00:00:00.000123Z"), k20251118 + 123);
  EXPECT_EQ(MustParse("2025-11-18T00:00:00,25Z"), k20251118 + 250'000);
}

TEST(ParseInstant, FractionBeyondMicrosecondsIsTruncated) {
  EXPECT_EQ(MustParse("2025-11-18T00:00:00.1234567899999Z"), k20251118 + 123'456);
  EXPECT_EQ(MustParse("2025-11-18T00:00:00.9999999Z"), k20251118 + 999'999);
}

TEST(ParseInstant, AllOffsetForms) {
  const Micros expected = k20251118 + 7 * kHour + 30 * kMinute;
  EXPECT_EQ(MustParse("2025-11-18T09:00:00+01:30"), expected);
  EXPECT_EQ(MustParse("2025-11-18T09:00:00+0130"), expected);
  EXPECT_EQ(MustParse("2025-11-18T08:30:00+01"), expected);
  EXPECT_EQ(MustParse("2025-11-18T04:30:00-03:00"), expected);
  EXPECT_EQ(MustParse("2025-11-18T04:30:00-0300"), expected);
  EXPECT_EQ(MustParse("2025-11-18T04:30:00-03"), expected);
  EXPECT_EQ(MustParse("2025-11-18T07:30:00+00:00"), expected);
  EXPECT_EQ(MustParse("2025-11-18T07:30:00-00:00"), expected);
}

TEST(ParseInstant, PositiveOffsetCrossesMidnightBackwards) {
  EXPECT_EQ(MustParse("2025-11-18T01:00:00+02:00"), k20251118 - kHour);
  EXPECT_EQ(FormatInstant(MustParse("2025-01-01T00:30:00+01:00")), "2024-12-31T23:30:00.000Z");
}

TEST(ParseInstant, NegativeOffsetCrossesMidnightForwards) {
  EXPECT_EQ(MustParse("2025-11-18T23:00:00-02:00"), k20251118 + kDay + kHour);
  EXPECT_EQ(FormatInstant(MustParse("2024-02-28T22:00:00-05:00")), "2024-02-29T03:00:00.000Z");
  EXPECT_EQ(FormatInstant(MustParse("2024-12-31T23:59:59.999-00:01")), "2025-01-01T00:00:59.999Z");
}

TEST(ParseInstant, LeapDays) {
  EXPECT_EQ(FormatInstant(MustParse("2024-02-29")), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatInstant(MustParse("2000-02-29")), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(MustParse("2024-03-01") - MustParse("2024-02-28"), 2 * kDay);
  EXPECT_EQ(MustParse("2023-03-01") - MustParse("2023-02-28"), kDay);
  EXPECT_EQ(MustParse("1900-03-01") - MustParse("1900-02-28"), kDay);
}

TEST(ParseInstant, PreEpochIsNegative) {
  EXPECT_EQ(MustParse("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(MustParse("1969-12-31T23:59:59.999999Z"), -1);
}

TEST(ParseInstant, YearBounds) {
  EXPECT_EQ(FormatInstant(MustParse("0000-01-01T00:00:00Z")), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatInstant(MustParse("9999-12-31T23:59:59.999999Z")), "9999-12-31T23:59:59.999999Z");
  // Year 0 is a leap year in the proleptic Gregorian calendar.
  EXPECT_EQ(FormatInstant(MustParse("0000-02-29")), "0000-02-29T00:00:00.000Z");
}

// --- ParseInstant: rejected forms -------------------------------------------

TEST(ParseInstant, RejectsInvalidMonthNamingIt) {
  EXPECT_EQ(ErrorOf("2025-13-01T00:00:00Z"), "invalid month 13 in '2025-13-01T00:00:00Z'");
  EXPECT_THAT(ErrorOf("2025-00-01"), HasSubstr("invalid month 00"));
}

TEST(ParseInstant, RejectsInvalidDays) {
  EXPECT_THAT(ErrorOf("2025-02-29"), HasSubstr("invalid day 29"));
  EXPECT_THAT(ErrorOf("2025-02-30T00:00:00Z"), HasSubstr("invalid day 30"));
  EXPECT_THAT(ErrorOf("1900-02-29"), HasSubstr("invalid day 29"));
  EXPECT_THAT(ErrorOf("2025-04-31"), HasSubstr("invalid day 31"));
  EXPECT_THAT(ErrorOf("2025-01-00"), HasSubstr("invalid day 00"));
  EXPECT_THAT(ErrorOf("2025-01-32"), HasSubstr("invalid day 32"));
}

TEST(ParseInstant, RejectsInvalidTimeOfDay) {
  EXPECT_THAT(ErrorOf("2025-11-18T25:00:00Z"), HasSubstr("invalid hour 25"));
  EXPECT_THAT(ErrorOf("2025-11-18T24:00:00Z"), HasSubstr("invalid hour 24"));
  EXPECT_THAT(ErrorOf("2025-11-18T10:60:00Z"), HasSubstr("invalid minute 60"));
  EXPECT_THAT(ErrorOf("2025-11-18T10:00:60Z"), HasSubstr("invalid second 60"));
}

TEST(ParseInstant, RejectsMissingTimeZone) {
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00"), HasSubstr("time zone"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00"), HasSubstr("time zone"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00.5"), HasSubstr("time zone"));
}

TEST(ParseInstant, RejectsInvalidOffsets) {
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+24:00"), HasSubstr("offset"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+01:60"), HasSubstr("offset"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+1"), HasSubstr("offset"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+01:"), HasSubstr("offset"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+01:0"), HasSubstr("offset"));
  EXPECT_THAT(ErrorOf("2025-11-18T09:00:00+013"), HasSubstr("offset"));
}

TEST(ParseInstant, RejectsMalformedText) {
  for (const char* text : {"",
                           "2025",
                           "2025-11",
                           "25-11-18",
                           "2025-1-18",
                           "2025-11-8",
                           "2025/11/18",
                           "20251118",
                           "2025-11-18T",
                           "2025-11-18T9:00Z",
                           "2025-11-18T09Z",
                           "2025-11-18T09:0Z",
                           "2025-11-18 09:00:00Z",
                           "2025-11-18T09:00:00.Z",
                           "2025-11-18T09:00:00ZZ",
                           "2025-11-18T09:00:00Z ",
                           " 2025-11-18",
                           "2025-11-18Z",
                           "+2025-11-18",
                           "-2025-11-18",
                           "12025-11-18",
                           "2025-11-18T09:00:00.5.5Z",
                           "２０２５-11-18",
                           "2025-11-18T09:00:00\tZ",
                           "abc",
                           "P1D",
                           "2025-11-18/2025-11-19"}) {
    auto result = ParseInstant(text);
    EXPECT_FALSE(result.ok()) << "accepted '" << text << "'";
  }
}

TEST(ParseInstant, RejectsEmbeddedNul) {
  EXPECT_FALSE(ParseInstant(std::string_view("2025-11-18\0", 11)).ok());
}

TEST(ParseInstant, RejectsYearsOutsideFourDigitsAfterOffset) {
  EXPECT_THAT(ErrorOf("0000-01-01T00:30:00+01:00"), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("9999-12-31T23:30:00-01:00"), HasSubstr("out of range"));
}

TEST(ParseInstant, ErrorIsBadRequest) {
  auto result = ParseInstant("nope");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
  EXPECT_THAT(result.error().message, HasSubstr("'nope'"));
}

TEST(ParseInstant, LongInputIsAbbreviatedInMessage) {
  const std::string text = "2025-11-18T09:00:00.5" + std::string(10'000, '1');
  auto result = ParseInstant(text);
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 300u);
}

// --- FormatInstant ----------------------------------------------------------

TEST(FormatInstant, AlwaysMilliseconds) {
  EXPECT_EQ(FormatInstant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatInstant(k20251118 + 9 * kHour), "2025-11-18T09:00:00.000Z");
  EXPECT_EQ(FormatInstant(k20251118 + 9 * kHour + 120'000), "2025-11-18T09:00:00.120Z");
}

TEST(FormatInstant, MicrosecondsOnlyWhenNeeded) {
  EXPECT_EQ(FormatInstant(k20251118 + 9 * kHour + 123), "2025-11-18T09:00:00.000123Z");
  EXPECT_EQ(FormatInstant(k20251118 + 9 * kHour + 123'456), "2025-11-18T09:00:00.123456Z");
  EXPECT_EQ(FormatInstant(k20251118 + 9 * kHour + 123'000), "2025-11-18T09:00:00.123Z");
}

TEST(FormatInstant, BeforeEpoch) {
  EXPECT_EQ(FormatInstant(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatInstant(-kDay), "1969-12-31T00:00:00.000Z");
}

TEST(FormatInstant, ExtremeValuesDoNotCrash) {
  EXPECT_FALSE(FormatInstant(std::numeric_limits<Micros>::min()).empty());
  EXPECT_FALSE(FormatInstant(std::numeric_limits<Micros>::max()).empty());
  // Outside years 0000-9999 the output cannot be parsed back.
  EXPECT_FALSE(ParseInstant(FormatInstant(std::numeric_limits<Micros>::max())).ok());
}

TEST(FormatInstant, RoundTripsThroughParse) {
  for (const char* text :
       {"2025-11-18T09:00:00.000Z", "2024-02-29T23:59:59.999999Z", "1969-07-20T20:17:40.000Z",
        "0001-01-01T00:00:00.000Z", "1600-02-29T12:00:00.500Z", "9999-12-31T23:59:59.999Z"}) {
    EXPECT_EQ(FormatInstant(MustParse(text)), text);
  }
  for (Micros t : {Micros{0}, Micros{-1}, Micros{1}, k20251118 + 1, k20251118 - 1, Micros{253402300799999999},
                   Micros{-62167219200000000}}) {
    EXPECT_EQ(MustParse(FormatInstant(t)), t) << t;
  }
}

TEST(FormatInstant, RoundTripsEveryDayOverFourHundredYears) {
  // One Gregorian cycle covers every leap-year rule.
  const Micros start = MustParse("1900-01-01");
  for (int day = 0; day < 146097; ++day) {
    const Micros t = start + day * kDay + 12 * kHour + 7;
    ASSERT_EQ(MustParse(FormatInstant(t)), t) << FormatInstant(t);
  }
}

// --- ParseDuration -----------------------------------------------------------

Micros MustParseDuration(std::string_view text) {
  auto result = ParseDuration(text);
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : 0;
}

TEST(ParseDuration, DaysAndTimes) {
  EXPECT_EQ(MustParseDuration("P1D"), kDay);
  EXPECT_EQ(MustParseDuration("PT1H"), kHour);
  EXPECT_EQ(MustParseDuration("PT1M"), kMinute);
  EXPECT_EQ(MustParseDuration("PT1S"), kSecond);
  EXPECT_EQ(MustParseDuration("P1DT2H"), kDay + 2 * kHour);
  EXPECT_EQ(MustParseDuration("P2DT3H4M5S"), 2 * kDay + 3 * kHour + 4 * kMinute + 5 * kSecond);
  EXPECT_EQ(MustParseDuration("PT36H"), 36 * kHour);
  EXPECT_EQ(MustParseDuration("P0D"), 0);
  EXPECT_EQ(MustParseDuration("PT0S"), 0);
}

TEST(ParseDuration, Weeks) {
  EXPECT_EQ(MustParseDuration("P1W"), 7 * kDay);
  EXPECT_EQ(MustParseDuration("P0.5W"), 7 * kDay / 2);
}

TEST(ParseDuration, FractionOnSmallestUnit) {
  EXPECT_EQ(MustParseDuration("PT0.5S"), 500'000);
  EXPECT_EQ(MustParseDuration("PT0,5S"), 500'000);
  EXPECT_EQ(MustParseDuration("PT1.5H"), kHour + 30 * kMinute);
  EXPECT_EQ(MustParseDuration("P1.25D"), kDay + 6 * kHour);
  EXPECT_EQ(MustParseDuration("PT1M0.000001S"), kMinute + 1);
  EXPECT_EQ(MustParseDuration("PT0.00000199S"), 1);
}

TEST(ParseDuration, NegativeSign) {
  EXPECT_EQ(MustParseDuration("-P1D"), -kDay);
  EXPECT_EQ(MustParseDuration("-PT0.5S"), -500'000);
}

TEST(ParseDuration, RejectsYearsAndMonthsWithReason) {
  auto years = ParseDuration("P1Y");
  ASSERT_FALSE(years.ok());
  EXPECT_THAT(years.error().message, HasSubstr("years"));
  auto months = ParseDuration("P2M");
  ASSERT_FALSE(months.ok());
  EXPECT_THAT(months.error().message, HasSubstr("months"));
  EXPECT_FALSE(ParseDuration("P1Y2M3DT4H").ok());
}

TEST(ParseDuration, RejectsFractionBeforeSmallerUnit) {
  auto result = ParseDuration("PT1.5H30M");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("fraction"));
  EXPECT_FALSE(ParseDuration("P1.5DT1H").ok());
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* text :
       {"",       "P",      "PT",    "P1DT",  "1D",       "P1",   "PD",     "P1H",   "PT1D",  "P1S",
        "PT1H1H", "PT1M1H", "P1D1D", "P1W1D", "P1DT1W",   "P.5D", "P1.D",   "+P1D",  "--P1D", "-",
        "p1d",    "P1d",    "P 1D",  "P1D ",  "PT1.5.5S", "P-1D", "P1WT1H", "PT1S1S"}) {
    EXPECT_FALSE(ParseDuration(text).ok()) << "accepted '" << text << "'";
  }
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_FALSE(ParseDuration("P99999999999999999999D").ok());
  EXPECT_FALSE(ParseDuration("P9999999999999D").ok());
  EXPECT_FALSE(ParseDuration("PT9223372036854775807S").ok());
  // INT64_MAX microseconds is 106751991.17 days.
  EXPECT_TRUE(ParseDuration("P106751991D").ok());
  EXPECT_FALSE(ParseDuration("P106751992D").ok());
  EXPECT_FALSE(ParseDuration("P106751991.5D").ok());
  EXPECT_FALSE(ParseDuration("-P106751992D").ok());
}

// --- ParseInterval -----------------------------------------------------------

TEST(ParseInterval, TwoInstants) {
  auto result = ParseInterval("2025-11-18T00:00:00Z/2025-11-18T01:00:00Z");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->start, k20251118);
  EXPECT_EQ(result->end, k20251118 + kHour);
  EXPECT_FALSE(result->is_instant());
}

TEST(ParseInterval, MixedOffsetsAndDates) {
  auto result = ParseInterval("2025-11-18T01:00:00+01:00/2025-11-19");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->start, k20251118);
  EXPECT_EQ(result->end, k20251118 + kDay);
}

TEST(ParseInterval, EqualEndsIsAnInstant) {
  auto result = ParseInterval("2025-11-18T00:00:00Z/2025-11-18T00:00:00Z");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->is_instant());
}

TEST(ParseInterval, StartAndDuration) {
  auto result = ParseInterval("2025-11-18T00:00:00Z/P1DT2H");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, (TimeInterval{k20251118, k20251118 + kDay + 2 * kHour}));
}

TEST(ParseInterval, DurationAndEnd) {
  auto result = ParseInterval("PT30M/2025-11-18T00:00:00Z");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, (TimeInterval{k20251118 - 30 * kMinute, k20251118}));
}

TEST(ParseInterval, RejectsStartAfterEnd) {
  auto result = ParseInterval("2025-11-19T00:00:00Z/2025-11-18T00:00:00Z");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("after"));
  EXPECT_FALSE(ParseInterval("2025-11-18T00:00:00Z/-P1D").ok());
  EXPECT_FALSE(ParseInterval("-P1D/2025-11-18T00:00:00Z").ok());
}

TEST(ParseInterval, RejectsMalformed) {
  for (const char* text :
       {"", "/", "2025-11-18T00:00:00Z", "2025-11-18T00:00:00Z/", "/2025-11-18T00:00:00Z", "P1D/P2D",
        "2025-11-18/2025-11-19/2025-11-20", "2025-11-18T00:00:00/2025-11-19T00:00:00Z", "2025-11-18/P1Y",
        "2025-11-18 / 2025-11-19", "2025-11-18/2025-13-19"}) {
    EXPECT_FALSE(ParseInterval(text).ok()) << "accepted '" << text << "'";
  }
}

TEST(ParseInterval, ErrorNamesTheBadPart) {
  auto result = ParseInterval("2025-11-18T00:00:00Z/2025-13-19T00:00:00Z");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("invalid month 13"));
}

TEST(ParseInterval, RejectsDurationLeavingYearRange) {
  EXPECT_THAT(ParseInterval("9999-12-31T00:00:00Z/P2D").error().message, HasSubstr("out of range"));
  EXPECT_THAT(ParseInterval("P2D/0000-01-01T00:00:00Z").error().message, HasSubstr("out of range"));
  EXPECT_FALSE(ParseInterval("0000-01-01T00:00:00Z/P106751990D").ok());
}

// --- ParseInstantOrInterval --------------------------------------------------

TEST(ParseInstantOrInterval, InstantBecomesDegenerateInterval) {
  auto result = ParseInstantOrInterval("2025-11-18T00:00:00Z");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, (TimeInterval{k20251118, k20251118}));
  EXPECT_TRUE(result->is_instant());
}

TEST(ParseInstantOrInterval, Interval) {
  auto result = ParseInstantOrInterval("2025-11-18T00:00:00Z/2025-11-19T00:00:00Z");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, (TimeInterval{k20251118, k20251118 + kDay}));
}

TEST(ParseInstantOrInterval, RejectsGarbage) {
  EXPECT_FALSE(ParseInstantOrInterval("yesterday").ok());
  EXPECT_FALSE(ParseInstantOrInterval("P1D").ok());
  EXPECT_FALSE(ParseInstantOrInterval("2025-11-19T00:00:00Z/2025-11-18T00:00:00Z").ok());
}

// --- FormatInterval ----------------------------------------------------------

TEST(FormatInterval, StartSlashEnd) {
  EXPECT_EQ(FormatInterval({k20251118, k20251118 + kDay}),
            "2025-11-18T00:00:00.000Z/2025-11-19T00:00:00.000Z");
}

TEST(FormatInterval, InstantCollapsesOnlyWhenAsked) {
  EXPECT_EQ(FormatInterval({k20251118, k20251118}), "2025-11-18T00:00:00.000Z/2025-11-18T00:00:00.000Z");
  EXPECT_EQ(FormatInterval({k20251118, k20251118}, true), "2025-11-18T00:00:00.000Z");
  EXPECT_EQ(FormatInterval({k20251118, k20251118 + 1}, true),
            "2025-11-18T00:00:00.000Z/2025-11-18T00:00:00.000001Z");
}

TEST(FormatInterval, RoundTripsThroughParse) {
  const TimeInterval interval{k20251118 - 5, k20251118 + 3 * kDay + 17};
  auto result = ParseInterval(FormatInterval(interval));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, interval);
}

// --- Now ---------------------------------------------------------------------

TEST(Now, IsRecentAndFormattable) {
  const Micros now = Now();
  EXPECT_GT(now, MustParse("2024-01-01"));
  EXPECT_LT(now, MustParse("2100-01-01"));
  EXPECT_EQ(MustParse(FormatInstant(now)), now);
}

// Server-made times (HistoricalLocation time, default phenomenonTime) are
// written with milliseconds, like the times clients send.
TEST(Now, HasWholeMillisecondsAndFormatsWithThem) {
  for (int i = 0; i < 50; ++i) {
    const Micros now = Now();
    EXPECT_EQ(now % 1000, 0) << now;
    const std::string text = FormatInstant(now);
    ASSERT_EQ(text.size(), std::string("2025-11-18T09:00:00.000Z").size()) << text;
  }
}

}  // namespace
}  // namespace fundament::model
