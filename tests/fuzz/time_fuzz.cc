// Fuzzes the ISO 8601 parsers of model/time.h. Beyond not crashing, every
// instant they accept must survive FormatInstant -> ParseInstant unchanged,
// and every accepted interval must be ordered and survive its own round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/time.h"

namespace {

using fundament::model::FormatInstant;
using fundament::model::FormatInterval;
using fundament::model::Micros;
using fundament::model::TimeInterval;

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "%s\ninput: '%.*s'\ndetail: %s\n", what, static_cast<int>(input.size()), input.data(),
               detail.c_str());
  std::abort();
}

void CheckInstantRoundTrip(Micros t, std::string_view input) {
  const std::string text = FormatInstant(t);
  auto parsed = fundament::model::ParseInstant(text);
  if (!parsed.ok()) Fail("formatted instant does not parse", input, text + ": " + parsed.error().message);
  if (*parsed != t) Fail("instant changed in round trip", input, text + " -> " + FormatInstant(*parsed));
}

void CheckInterval(const TimeInterval& interval, std::string_view input) {
  if (interval.start > interval.end) Fail("interval start after end", input, FormatInterval(interval));
  CheckInstantRoundTrip(interval.start, input);
  CheckInstantRoundTrip(interval.end, input);
  auto parsed = fundament::model::ParseInterval(FormatInterval(interval));
  if (!parsed.ok() || !(*parsed == interval))
    Fail("interval changed in round trip", input, FormatInterval(interval));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto instant = fundament::model::ParseInstant(input);
  if (instant.ok()) CheckInstantRoundTrip(*instant, input);

  auto interval = fundament::model::ParseInterval(input);
  if (interval.ok()) CheckInterval(*interval, input);

  auto either = fundament::model::ParseInstantOrInterval(input);
  if (either.ok()) {
    CheckInterval(*either, input);
    if (!instant.ok() && !interval.ok()) Fail("accepted by ParseInstantOrInterval alone", input, "");
  } else if (instant.ok()) {
    Fail("instant rejected by ParseInstantOrInterval", input, either.error().message);
  }

  auto duration = fundament::model::ParseDuration(input);
  if (duration.ok() && !input.empty() && input[0] != '-') {
    // The negated form must parse to the negated value.
    auto negated = fundament::model::ParseDuration("-" + std::string(input));
    if (!negated.ok() || *negated != -*duration) Fail("negated duration differs", input, "");
  }
  return 0;
}
