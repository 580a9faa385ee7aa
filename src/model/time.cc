// ISO 8601 parsing and formatting with the proleptic Gregorian calendar done by
// hand: no locale, no time zone database and no C library time functions, so
// the result never depends on the host's settings.
#include "model/time.h"

#include <chrono>
#include <cstdio>
#include <limits>

namespace fundament::model {
namespace {

constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr Micros kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;
constexpr Micros kMicrosPerWeek = 7 * kMicrosPerDay;

// Days from 1970-01-01 to a civil date, for any year (March-based 400-year eras).
constexpr int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year;
  int month;
  int day;
};

// The inverse of DaysFromCivil.
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool IsLeapYear(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The representable range: years 0000 through 9999, so that every instant has
// exactly one four-digit text form and FormatInstant output always parses back.
constexpr Micros kMinInstant = DaysFromCivil(0, 1, 1) * kMicrosPerDay;
constexpr Micros kMaxInstant = DaysFromCivil(10000, 1, 1) * kMicrosPerDay - 1;

bool InRange(Micros t) { return t >= kMinInstant && t <= kMaxInstant; }

// The input as quoted in error messages, cut short so that a huge request
// cannot make a huge error body.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 80;
  if (text.size() <= kMaxQuoted) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuoted)) + "...'";
}

Error Invalid(std::string_view what, std::string_view text) {
  return BadRequest(std::string(what) + " in " + Quote(text));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A forward-only reader over the text being parsed.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  std::size_t pos() const { return pos_; }
  void Advance() { ++pos_; }

  // Consumes `c` (or its lowercase form when `lower` is given) if it is next.
  bool Consume(char c, char lower = '\0') {
    if (AtEnd() || (text_[pos_] != c && (lower == '\0' || text_[pos_] != lower))) return false;
    ++pos_;
    return true;
  }

  // Reads exactly `n` digits; fails (consuming nothing) if they are not there.
  bool Digits(int n, int* value, std::string_view* digits) {
    if (text_.size() - pos_ < static_cast<std::size_t>(n)) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = text_[pos_ + i];
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    *value = v;
    *digits = text_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  // True if the next character is a digit.
  bool AtDigit() const { return !AtEnd() && IsDigit(text_[pos_]); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads a two-digit field and checks its range, naming it in the error.
Status ReadField(Cursor& cursor, const char* name, int min, int max, std::string_view text, int* value) {
  std::string_view digits;
  if (!cursor.Digits(2, value, &digits)) return Invalid(std::string("expected a two-digit ") + name, text);
  if (*value < min || *value > max)
    return Invalid("invalid " + std::string(name) + " " + std::string(digits), text);
  return Status::Ok();
}

// Parses `±hh[[:]mm]` after the sign; returns the offset in microseconds east of UTC.
Result<Micros> ParseOffset(Cursor& cursor, std::string_view text) {
  const bool negative = cursor.Peek() == '-';
  cursor.Advance();
  int hours = 0, minutes = 0;
  std::string_view digits;
  if (!cursor.Digits(2, &hours, &digits)) return Invalid("invalid time zone offset", text);
  if (hours > 23) return Invalid("invalid time zone offset hour " + std::string(digits), text);
  const bool colon = cursor.Consume(':');
  if (colon || cursor.AtDigit()) {
    if (!cursor.Digits(2, &minutes, &digits)) return Invalid("invalid time zone offset", text);
    if (minutes > 59) return Invalid("invalid time zone offset minute " + std::string(digits), text);
  }
  if (!cursor.AtEnd()) return Invalid("invalid time zone offset", text);
  const Micros offset = hours * kMicrosPerHour + minutes * kMicrosPerMinute;
  return negative ? -offset : offset;
}

// Parses `.fraction` or `,fraction` (the cursor is on the separator),
// truncating to microseconds.
Result<Micros> ParseFraction(Cursor& cursor, std::string_view text) {
  cursor.Advance();
  if (!cursor.AtDigit()) return Invalid("expected digits after the decimal sign", text);
  Micros micros = 0;
  int count = 0;
  while (cursor.AtDigit()) {
    if (count < 6) micros = micros * 10 + (cursor.Peek() - '0');
    ++count;
    cursor.Advance();
  }
  for (; count < 6; ++count) micros *= 10;
  return micros;
}

// Adds with overflow detection.
bool CheckedAdd(Micros a, Micros b, Micros* sum) { return !__builtin_add_overflow(a, b, sum); }

// Parses an ISO 8601 duration; see ParseDuration. Kept separate so that
// interval parsing can report errors against the whole interval text.
Result<Micros> ParseDurationIn(std::string_view part, std::string_view text) {
  Cursor cursor(part);
  const bool negative = cursor.Consume('-');
  if (!cursor.Consume('P')) return Invalid("a duration must start with 'P'", text);
  if (cursor.AtEnd()) return Invalid("empty duration", text);

  // Designators in the order they must appear; 'W' stands alone.
  enum Unit { kWeek, kDay, kHour, kMinute, kSecond };
  static constexpr Micros kUnitMicros[] = {kMicrosPerWeek, kMicrosPerDay, kMicrosPerHour, kMicrosPerMinute,
                                           kMicrosPerSecond};
  int next_unit = kWeek;  // the smallest unit still allowed
  bool in_time = false;
  bool any = false;
  bool had_fraction = false;
  bool had_week = false;
  __int128 total = 0;

  while (!cursor.AtEnd()) {
    if (cursor.Consume('T')) {
      if (in_time) return Invalid("repeated 'T' in duration", text);
      if (had_week) return Invalid("weeks cannot be combined with other units in duration", text);
      in_time = true;
      if (cursor.AtEnd()) return Invalid("expected hours, minutes or seconds after 'T' in duration", text);
      continue;
    }
    if (had_fraction) return Invalid("only the smallest unit may have a fraction in duration", text);
    if (had_week) return Invalid("weeks cannot be combined with other units in duration", text);
    if (!cursor.AtDigit()) return Invalid("expected a number in duration", text);

    // The integer part; anything past 20 digits overflows anyway.
    __int128 whole = 0;
    int whole_digits = 0;
    while (cursor.AtDigit()) {
      if (++whole_digits > 20) return Invalid("duration out of range", text);
      whole = whole * 10 + (cursor.Peek() - '0');
      cursor.Advance();
    }
    // The fraction, kept to 18 digits: finer than a microsecond of any unit.
    __int128 fraction = 0, scale = 1;
    if (cursor.Peek() == '.' || cursor.Peek() == ',') {
      cursor.Advance();
      if (!cursor.AtDigit()) return Invalid("expected digits after the decimal sign in duration", text);
      while (cursor.AtDigit()) {
        if (scale < 1'000'000'000'000'000'000) {
          fraction = fraction * 10 + (cursor.Peek() - '0');
          scale *= 10;
        }
        cursor.Advance();
      }
      had_fraction = true;
    }

    const char designator = cursor.Peek();
    int unit;
    switch (designator) {
      case 'Y':
        return Invalid("years are not a fixed length of time; use days (D) or weeks (W) in duration", text);
      case 'M':
        if (!in_time) {
          return Invalid("months are not a fixed length of time; use days (D) or weeks (W) in duration",
                         text);
        }
        unit = kMinute;
        break;
      case 'W':
        unit = kWeek;
        break;
      case 'D':
        unit = kDay;
        break;
      case 'H':
        unit = kHour;
        break;
      case 'S':
        unit = kSecond;
        break;
      default:
        return Invalid("expected a unit designator (W, D, H, M or S) in duration", text);
    }
    cursor.Advance();
    const bool time_unit = unit >= kHour;
    if (time_unit != in_time) {
      return Invalid(
          std::string("unit '") + designator + (in_time ? "' after 'T'" : "' before 'T'") + " in duration",
          text);
    }
    if (unit < next_unit)
      return Invalid(std::string("unit '") + designator + "' out of order in duration", text);
    if (unit == kWeek) {
      if (any) return Invalid("weeks cannot be combined with other units in duration", text);
      had_week = true;
    }
    next_unit = unit + 1;
    any = true;
    total += whole * kUnitMicros[unit] + fraction * kUnitMicros[unit] / scale;
    if (total > std::numeric_limits<Micros>::max()) return Invalid("duration out of range", text);
  }
  if (!any) return Invalid("empty duration", text);
  const Micros micros = static_cast<Micros>(total);
  return negative ? -micros : micros;
}

bool LooksLikeDuration(std::string_view part) {
  return (!part.empty() && part[0] == 'P') || (part.size() > 1 && part[0] == '-' && part[1] == 'P');
}

// Parses one instant; `text` is the whole input, quoted in errors.
Result<Micros> ParseInstantIn(std::string_view part, std::string_view text) {
  Cursor cursor(part);
  int year = 0, month = 0, day = 0;
  std::string_view digits;
  if (!cursor.Digits(4, &year, &digits)) return Invalid("expected a four-digit year", text);
  if (!cursor.Consume('-')) return Invalid("expected '-' after the year", text);
  FUNDAMENT_RETURN_IF_ERROR(ReadField(cursor, "month", 1, 12, text, &month));
  if (!cursor.Consume('-')) return Invalid("expected '-' after the month", text);
  if (!cursor.Digits(2, &day, &digits)) return Invalid("expected a two-digit day", text);
  if (day < 1 || day > DaysInMonth(year, month)) return Invalid("invalid day " + std::string(digits), text);

  Micros local = DaysFromCivil(year, month, day) * kMicrosPerDay;
  if (cursor.AtEnd()) return local;  // a plain date: midnight UTC

  if (!cursor.Consume('T', 't')) return Invalid("expected 'T' between date and time", text);
  int hour = 0, minute = 0, second = 0;
  FUNDAMENT_RETURN_IF_ERROR(ReadField(cursor, "hour", 0, 23, text, &hour));
  if (!cursor.Consume(':')) return Invalid("expected ':' after the hour", text);
  FUNDAMENT_RETURN_IF_ERROR(ReadField(cursor, "minute", 0, 59, text, &minute));
  Micros fraction = 0;
  if (cursor.Consume(':')) {
    FUNDAMENT_RETURN_IF_ERROR(ReadField(cursor, "second", 0, 59, text, &second));
    if (cursor.Peek() == '.' || cursor.Peek() == ',') {
      FUNDAMENT_ASSIGN_OR_RETURN(fraction, ParseFraction(cursor, text));
    }
  }
  local += hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond + fraction;

  Micros offset = 0;
  if (cursor.AtEnd()) return Invalid("missing time zone (Z or an offset such as +01:00)", text);
  if (cursor.Consume('Z', 'z')) {
    if (!cursor.AtEnd()) return Invalid("unexpected text after the time zone", text);
  } else if (cursor.Peek() == '+' || cursor.Peek() == '-') {
    FUNDAMENT_ASSIGN_OR_RETURN(offset, ParseOffset(cursor, text));
  } else {
    return Invalid("expected a time zone (Z or an offset such as +01:00)", text);
  }
  const Micros utc = local - offset;
  if (!InRange(utc)) return Invalid("instant out of range (years 0000-9999)", text);
  return utc;
}

// Formats `value` as exactly `width` zero-padded digits (value >= 0).
void AppendDigits(std::string& out, int64_t value, int width) {
  char buffer[24];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, width);
}

}  // namespace

Result<Micros> ParseInstant(std::string_view text) { return ParseInstantIn(text, text); }

Result<Micros> ParseDuration(std::string_view text) { return ParseDurationIn(text, text); }

Result<TimeInterval> ParseInterval(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Invalid("expected an interval 'start/end'", text);
  const std::string_view first = text.substr(0, slash);
  const std::string_view second = text.substr(slash + 1);
  if (second.find('/') != std::string_view::npos) return Invalid("more than one '/' in interval", text);
  if (first.empty()) return Invalid("missing interval start", text);
  if (second.empty()) return Invalid("missing interval end", text);

  const bool first_is_duration = LooksLikeDuration(first);
  const bool second_is_duration = LooksLikeDuration(second);
  if (first_is_duration && second_is_duration) return Invalid("an interval needs at least one instant", text);

  TimeInterval interval;
  if (first_is_duration) {
    FUNDAMENT_ASSIGN_OR_RETURN(const Micros duration, ParseDurationIn(first, text));
    FUNDAMENT_ASSIGN_OR_RETURN(interval.end, ParseInstantIn(second, text));
    // Both operands are bounded by ±INT64_MAX and the end lies within years
    // 0000-9999, so the subtraction only overflows for impossible spans.
    if (__builtin_sub_overflow(interval.end, duration, &interval.start) || !InRange(interval.start)) {
      return Invalid("interval start out of range (years 0000-9999)", text);
    }
  } else if (second_is_duration) {
    FUNDAMENT_ASSIGN_OR_RETURN(interval.start, ParseInstantIn(first, text));
    FUNDAMENT_ASSIGN_OR_RETURN(const Micros duration, ParseDurationIn(second, text));
    if (!CheckedAdd(interval.start, duration, &interval.end) || !InRange(interval.end)) {
      return Invalid("interval end out of range (years 0000-9999)", text);
    }
  } else {
    FUNDAMENT_ASSIGN_OR_RETURN(interval.start, ParseInstantIn(first, text));
    FUNDAMENT_ASSIGN_OR_RETURN(interval.end, ParseInstantIn(second, text));
  }
  if (interval.start > interval.end) return Invalid("interval start is after its end", text);
  return interval;
}

Result<TimeInterval> ParseInstantOrInterval(std::string_view text) {
  if (text.find('/') != std::string_view::npos) return ParseInterval(text);
  FUNDAMENT_ASSIGN_OR_RETURN(const Micros t, ParseInstant(text));
  return TimeInterval{t, t};
}

std::string FormatInstant(Micros t) {
  // Floor division, so that instants before 1970 get a positive time of day.
  int64_t days = t / kMicrosPerDay;
  int64_t micros_of_day = t % kMicrosPerDay;
  if (micros_of_day < 0) {
    micros_of_day += kMicrosPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  std::string out;
  out.reserve(32);
  if (date.year >= 0 && date.year <= 9999) {
    AppendDigits(out, date.year, 4);
  } else {
    // Outside the four-digit years (only reachable by arithmetic, never by
    // parsing) use the ISO 8601 expanded form so the text stays truthful.
    out += date.year < 0 ? '-' : '+';
    const int64_t magnitude = date.year < 0 ? -date.year : date.year;
    AppendDigits(out, magnitude, magnitude > 99999 ? 6 : 5);
  }
  out += '-';
  AppendDigits(out, date.month, 2);
  out += '-';
  AppendDigits(out, date.day, 2);
  out += 'T';
  AppendDigits(out, micros_of_day / kMicrosPerHour, 2);
  out += ':';
  AppendDigits(out, micros_of_day / kMicrosPerMinute % 60, 2);
  out += ':';
  AppendDigits(out, micros_of_day / kMicrosPerSecond % 60, 2);
  out += '.';
  const int64_t sub_second = micros_of_day % kMicrosPerSecond;
  if (sub_second % 1000 == 0) {
    AppendDigits(out, sub_second / 1000, 3);
  } else {
    AppendDigits(out, sub_second, 6);
  }
  out += 'Z';
  return out;
}

std::string FormatInterval(const TimeInterval& interval, bool collapse_instant) {
  if (collapse_instant && interval.is_instant()) return FormatInstant(interval.start);
  return FormatInstant(interval.start) + "/" + FormatInstant(interval.end);
}

Micros MinInstant() { return kMinInstant; }
Micros MaxInstant() { return kMaxInstant; }

Micros Now() {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::chrono::duration_cast<std::chrono::microseconds>(millis).count();
}

}  // namespace fundament::model
