// MQTT 3.1.1 strings and topics (§1.5.3, §4.7): what makes a UTF-8 string,
// a topic name or a topic filter valid, and which topic names a filter
// matches. Used by the codec for every string field it reads or writes, and
// by the broker to route PUBLISH packets to subscriptions.
//
// Errors are kBadRequest with a message that starts with the violated rule,
// "[MQTT-4.7.1-2] topic filter …", and `Error::field` set to that rule
// (a conformance statement "MQTT-x.y.z-n", or "§x.y" where the standard
// states the rule without a number).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace fundament::mqtt {

// The longest string the two-byte length prefix can carry (§1.5.3).
inline constexpr size_t kMaxStringLength = 65535;

// Checks a UTF-8 encoded string field: at most kMaxStringLength bytes,
// well-formed UTF-8 without surrogates or overlong forms [MQTT-1.5.3-1], and
// no U+0000 [MQTT-1.5.3-2]. U+FEFF is an ordinary character [MQTT-1.5.3-3].
Status ValidateUtf8String(std::string_view text);

// Checks a topic name (of a PUBLISH or a will): a valid UTF-8 string, at
// least one character long [MQTT-4.7.3-1], without the wildcards '+' and
// '#' [MQTT-4.7.1-1]. Levels may be empty ("/a", "a//b", "/").
Status ValidateTopicName(std::string_view topic);

// Checks a topic filter (of a SUBSCRIBE or UNSUBSCRIBE): a valid UTF-8
// string, at least one character long [MQTT-4.7.3-1], with '#' only as the
// whole last level [MQTT-4.7.1-2] and '+' only as a whole level [MQTT-4.7.1-3].
Status ValidateTopicFilter(std::string_view filter);

// True when `topic` (a valid topic name) matches `filter` (a valid topic
// filter) under §4.7: levels are compared exactly, '+' matches exactly one
// level (an empty one too), '#' matches any number of levels including none,
// so "a/#" matches "a". A filter whose first level is a wildcard does not
// match a topic name starting with '$' [MQTT-4.7.2-1]. Invalid input yields
// some answer, never undefined behaviour.
bool TopicMatches(std::string_view filter, std::string_view topic);

}  // namespace fundament::mqtt
