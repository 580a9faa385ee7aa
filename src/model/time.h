// ISO 8601 instants and intervals as SensorThings uses them (OGC 18-088 §8.2,
// Table 1): parsing, UTC normalisation and formatting.
//
// Instants are held as microseconds since 1970-01-01T00:00:00Z. Input accepts
// the extended format with a time zone designator (`Z` or `±hh:mm`/`±hhmm`),
// fractional seconds of any length (truncated to microseconds), and a plain
// date (`2025-11-18`, meaning midnight UTC). Output is always UTC with `Z` and
// milliseconds, or microseconds when the value needs them:
// `2025-11-18T09:00:00.000Z`, `2025-11-18T09:00:00.000123Z`.
//
// The rule for every time the API answers with: three fractional digits,
// unless the stored value has sub-millisecond precision, which only a client
// can give (it sent `…:00.000123Z`; that is kept, not rounded away). Times the
// server makes itself (a HistoricalLocation's time, a default
// phenomenonTime) come from Now(), which has whole milliseconds, so that they
// look like every other time and clients that parse milliseconds are not
// surprised by them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fundament::model {

// Microseconds since the Unix epoch, UTC.
using Micros = int64_t;

// A time interval [start, end]; an instant is an interval with start == end.
struct TimeInterval {
  Micros start = 0;
  Micros end = 0;
  bool is_instant() const { return start == end; }
  bool operator==(const TimeInterval&) const = default;
};

// Parses an ISO 8601 instant. Rejects anything that is not a valid calendar
// date and time (month 13, 25:00, 2025-02-30) and a missing time zone on a
// date-time (ambiguous local time).
Result<Micros> ParseInstant(std::string_view text);

// Parses an ISO 8601 interval `start/end` of two instants (start <= end).
// Forms with a duration (`start/P1D`, `P1D/end`) are accepted too.
Result<TimeInterval> ParseInterval(std::string_view text);

// Parses either an instant or an interval (Observation phenomenonTime).
Result<TimeInterval> ParseInstantOrInterval(std::string_view text);

// Parses an ISO 8601 duration (`P1DT2H`, `PT0.5S`, `-P1D`) into microseconds.
// Years and months are not fixed lengths and are rejected.
Result<Micros> ParseDuration(std::string_view text);

// Formats an instant as UTC ISO 8601 (see the header comment).
std::string FormatInstant(Micros t);

// Formats an interval as `start/end`, or as a single instant when start == end
// and `collapse_instant` is set.
std::string FormatInterval(const TimeInterval& interval, bool collapse_instant = false);

// The current time, truncated to whole milliseconds (see the header comment:
// server-made times are formatted with milliseconds like the others).
Micros Now();

// The earliest and latest representable instants: 0000-01-01T00:00:00Z and
// 9999-12-31T23:59:59.999999Z.
Micros MinInstant();
Micros MaxInstant();

}  // namespace fundament::model
