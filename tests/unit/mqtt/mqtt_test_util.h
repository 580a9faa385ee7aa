// Helpers shared by the MQTT codec tests: building wire bytes by hand (so the
// tests do not trust the encoder they test), decoding them, and printing
// packets in failure messages.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

#include "mqtt/codec.h"
#include "mqtt/packet.h"

namespace fundament::mqtt {

// GoogleTest prints a Packet alternative through these (found by ADL).
#define FUNDAMENT_MQTT_PRINT_TO(Type) \
  inline void PrintTo(const Type& p, std::ostream* os) { *os << ToString(Packet(p)); }
FUNDAMENT_MQTT_PRINT_TO(Connect)
FUNDAMENT_MQTT_PRINT_TO(Connack)
FUNDAMENT_MQTT_PRINT_TO(Publish)
FUNDAMENT_MQTT_PRINT_TO(Puback)
FUNDAMENT_MQTT_PRINT_TO(Pubrec)
FUNDAMENT_MQTT_PRINT_TO(Pubrel)
FUNDAMENT_MQTT_PRINT_TO(Pubcomp)
FUNDAMENT_MQTT_PRINT_TO(Subscribe)
FUNDAMENT_MQTT_PRINT_TO(Suback)
FUNDAMENT_MQTT_PRINT_TO(Unsubscribe)
FUNDAMENT_MQTT_PRINT_TO(Unsuback)
FUNDAMENT_MQTT_PRINT_TO(Pingreq)
FUNDAMENT_MQTT_PRINT_TO(Pingresp)
FUNDAMENT_MQTT_PRINT_TO(Disconnect)
#undef FUNDAMENT_MQTT_PRINT_TO

namespace testing {

// Raw bytes, e.g. Bytes({0x10, 0x00}).
inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// A length-prefixed string or binary field (§1.5.3).
inline std::string Str(std::string_view text) {
  std::string out;
  out.push_back(static_cast<char>(text.size() >> 8));
  out.push_back(static_cast<char>(text.size() & 0xFF));
  out.append(text);
  return out;
}

// A two-byte big-endian integer.
inline std::string U16(unsigned value) {
  return Bytes({static_cast<int>(value >> 8), static_cast<int>(value & 0xFF)});
}

// A whole packet: first byte, remaining length (minimal encoding), body.
inline std::string Frame(int first_byte, std::string_view body) {
  std::string out(1, static_cast<char>(first_byte));
  size_t length = body.size();
  do {
    uint8_t digit = length % 128;
    length /= 128;
    if (length > 0) digit |= 0x80;
    out.push_back(static_cast<char>(digit));
  } while (length > 0);
  out.append(body);
  return out;
}

// The body of a CONNECT with protocol "MQTT" level 4, then `flags`,
// `keep_alive`, and `payload` as given.
inline std::string ConnectBody(int flags, std::string_view payload, unsigned keep_alive = 60) {
  return Str("MQTT") + Bytes({4, flags}) + U16(keep_alive) + std::string(payload);
}

// Decodes bytes that must form exactly one valid packet.
inline Packet MustDecode(std::string_view bytes) {
  auto packet = DecodePacket(bytes);
  EXPECT_TRUE(packet.ok()) << (packet.ok() ? "" : packet.error().message);
  return packet.ok() ? std::move(packet).value() : Packet{Disconnect{}};
}

// Decodes bytes that must be rejected; returns the error (kBadRequest
// unless `code` says otherwise), checking it names a rule.
inline Error MustReject(std::string_view bytes, ErrorCode code = ErrorCode::kBadRequest) {
  auto packet = DecodePacket(bytes);
  EXPECT_FALSE(packet.ok()) << "accepted: " << (packet.ok() ? ToString(*packet) : "");
  if (packet.ok()) return {};
  EXPECT_EQ(packet.error().code, code) << packet.error().message;
  EXPECT_FALSE(packet.error().field.empty()) << packet.error().message;
  EXPECT_EQ(packet.error().message.rfind("[" + packet.error().field + "] ", 0), 0u)
      << "message does not start with its rule: " << packet.error().message;
  return packet.error();
}

// The rule (Error::field) a rejected input violates, or "accepted".
inline std::string RuleOf(std::string_view bytes) {
  auto packet = DecodePacket(bytes);
  return packet.ok() ? "accepted" : packet.error().field;
}

// Encodes a packet that must be encodable.
inline std::string MustEncode(const Packet& packet) {
  auto bytes = Encode(packet);
  EXPECT_TRUE(bytes.ok()) << ToString(packet) << ": " << (bytes.ok() ? "" : bytes.error().message);
  return bytes.ok() ? std::move(bytes).value() : std::string();
}

// The rule an encoder rejection names, or "accepted".
inline std::string EncodeRuleOf(const Packet& packet) {
  auto bytes = Encode(packet);
  return bytes.ok() ? "accepted" : bytes.error().field;
}

}  // namespace testing
}  // namespace fundament::mqtt
