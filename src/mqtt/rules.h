// Internal to the mqtt module: the checks of MQTT 3.1.1 strings and topics
// shared by the decoder, the encoder and the public helpers of topic.h, with
// error messages that say which field of which packet broke which rule.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace fundament::mqtt::internal {

// A kBadRequest error "[<rule>] <message>" with `field` = rule, where rule is
// a conformance statement ("MQTT-3.1.2-3") or a section ("§2.2.3").
Error Violation(std::string_view rule, std::string_view message);

// ValidateUtf8String, with messages about `what` ("CONNECT user name").
Status CheckUtf8(std::string_view text, std::string_view what);

// ValidateTopicName, with messages about `what` ("PUBLISH topic name").
Status CheckTopicName(std::string_view topic, std::string_view what);

// ValidateTopicFilter, with messages about `what` ("SUBSCRIBE topic filter").
Status CheckTopicFilter(std::string_view filter, std::string_view what);

// `text` in double quotes for messages and logs: '"' and '\' escaped, bytes
// outside printable ASCII as \n, \t, \r or \xNN, cut after 64 bytes with "…".
std::string Quote(std::string_view text);

// "1 byte", "2 bytes".
std::string ByteCount(size_t n);

}  // namespace fundament::mqtt::internal
