// The MQTT 3.1.1 control packets (OASIS Standard, 29 October 2014, §3) as
// plain data: one struct per packet type and `Packet`, the variant of them all.
//
// These types say what a packet means, not how it is laid out: flags that
// only announce the presence of a field are the presence of that field
// (`Connect::will`, `Connect::username`), so a Connect cannot claim a will it
// does not carry. Values that the wire format could express but the standard
// forbids (QoS 3, a PUBLISH packet id with QoS 0, a password without a user
// name, …) are representable here; the codec (codec.h) rejects them in both
// directions. Binary fields (payloads, the will message, the password) are
// held in std::string as raw bytes; UTF-8 fields hold the text as received.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fundament::mqtt {

// The control packet type, the high nibble of the first byte (§2.2.1).
// 0 and 15 are reserved and have no enumerator.
enum class PacketType : uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
};

// The packet type's name as the standard writes it: "CONNECT", "PUBACK", …
// ("RESERVED" for a value without enumerator).
const char* PacketTypeName(PacketType type);

// Quality of service of a message delivery (§4.3). Only 0, 1 and 2 are valid.
enum class QoS : uint8_t {
  kAtMostOnce = 0,
  kAtLeastOnce = 1,
  kExactlyOnce = 2,
};

// The Protocol Level byte of CONNECT: 4 for MQTT 3.1.1 (protocol name
// "MQTT"), 3 for MQTT 3.1 (protocol name "MQIsdp").
inline constexpr uint8_t kProtocolLevel311 = 4;
inline constexpr uint8_t kProtocolLevel31 = 3;

// The message a Server publishes on the Client's behalf when the connection
// ends without DISCONNECT (§3.1.2.5).
struct Will {
  std::string topic;    // a topic name: UTF-8, non-empty, no wildcards
  std::string message;  // binary, at most 65,535 bytes
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;

  bool operator==(const Will&) const = default;
};

// CONNECT (§3.1): the first packet a Client sends.
struct Connect {
  // kProtocolLevel311 or kProtocolLevel31; it also selects the protocol name.
  uint8_t protocol_level = kProtocolLevel311;
  bool clean_session = true;
  uint16_t keep_alive = 0;  // seconds; 0 turns the keep-alive mechanism off
  // UTF-8, possibly empty. An empty one without clean_session is answered
  // with kIdentifierRejected [MQTT-3.1.3-8], not rejected by the decoder;
  // ConnackFor (codec.h) tells.
  std::string client_id;
  std::optional<Will> will;             // present exactly when the Will Flag is 1
  std::optional<std::string> username;  // UTF-8; present exactly when the User Name Flag is 1
  std::optional<std::string> password;  // binary; needs a username [MQTT-3.1.2-22]

  bool operator==(const Connect&) const = default;
};

// The CONNACK return code (§3.2.2.3). Values 6 to 255 are reserved.
enum class ConnectReturnCode : uint8_t {
  kAccepted = 0,
  kUnacceptableProtocolVersion = 1,
  kIdentifierRejected = 2,
  kServerUnavailable = 3,
  kBadUsernameOrPassword = 4,
  kNotAuthorized = 5,
};

// CONNACK (§3.2): the Server's answer to CONNECT. An MQTT 3.1 client knows no
// session-present flag; the Server leaves it false for protocol level 3.
struct Connack {
  bool session_present = false;  // only with kAccepted [MQTT-3.2.2-4]
  ConnectReturnCode return_code = ConnectReturnCode::kAccepted;

  bool operator==(const Connack&) const = default;
};

// PUBLISH (§3.3): an application message, in either direction.
struct Publish {
  bool dup = false;  // a redelivery; must be false with QoS 0 [MQTT-3.3.1-2]
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  std::string topic;       // a topic name: UTF-8, non-empty, no wildcards
  uint16_t packet_id = 0;  // non-zero when qos > 0 [MQTT-2.3.1-1], else 0 [MQTT-2.3.1-5]
  std::string payload;     // binary, possibly empty

  bool operator==(const Publish&) const = default;
};

// PUBACK (§3.4): acknowledges a QoS 1 PUBLISH.
struct Puback {
  uint16_t packet_id = 0;  // non-zero
  bool operator==(const Puback&) const = default;
};

// PUBREC (§3.5): first answer to a QoS 2 PUBLISH.
struct Pubrec {
  uint16_t packet_id = 0;  // non-zero
  bool operator==(const Pubrec&) const = default;
};

// PUBREL (§3.6): answer to PUBREC.
struct Pubrel {
  uint16_t packet_id = 0;  // non-zero
  bool operator==(const Pubrel&) const = default;
};

// PUBCOMP (§3.7): answer to PUBREL, the end of a QoS 2 exchange.
struct Pubcomp {
  uint16_t packet_id = 0;  // non-zero
  bool operator==(const Pubcomp&) const = default;
};

// One topic filter of a SUBSCRIBE with the maximum QoS the Client asks for.
struct Subscription {
  std::string topic_filter;  // UTF-8, non-empty, '+' and '#' only as whole levels
  QoS qos = QoS::kAtMostOnce;

  bool operator==(const Subscription&) const = default;
};

// SUBSCRIBE (§3.8): one or more subscriptions.
struct Subscribe {
  uint16_t packet_id = 0;                   // non-zero
  std::vector<Subscription> subscriptions;  // at least one [MQTT-3.8.3-3]

  bool operator==(const Subscribe&) const = default;
};

// A SUBACK return code (§3.9.3): the QoS granted, or failure.
enum class SubackReturnCode : uint8_t {
  kGrantedQoS0 = 0x00,
  kGrantedQoS1 = 0x01,
  kGrantedQoS2 = 0x02,
  kFailure = 0x80,
};

// SUBACK (§3.9): one return code per subscription of the SUBSCRIBE, in order.
struct Suback {
  uint16_t packet_id = 0;                      // non-zero
  std::vector<SubackReturnCode> return_codes;  // at least one

  bool operator==(const Suback&) const = default;
};

// UNSUBSCRIBE (§3.10): removes subscriptions by their exact topic filters.
struct Unsubscribe {
  uint16_t packet_id = 0;                  // non-zero
  std::vector<std::string> topic_filters;  // at least one [MQTT-3.10.3-2]

  bool operator==(const Unsubscribe&) const = default;
};

// UNSUBACK (§3.11): acknowledges an UNSUBSCRIBE.
struct Unsuback {
  uint16_t packet_id = 0;  // non-zero
  bool operator==(const Unsuback&) const = default;
};

// PINGREQ (§3.12): keep-alive probe from the Client.
struct Pingreq {
  bool operator==(const Pingreq&) const = default;
};

// PINGRESP (§3.13): the Server's answer to PINGREQ.
struct Pingresp {
  bool operator==(const Pingresp&) const = default;
};

// DISCONNECT (§3.14): the Client's last packet of a clean disconnection.
struct Disconnect {
  bool operator==(const Disconnect&) const = default;
};

// Any control packet. The alternatives are in PacketType order, so that
// `index() + 1` is the packet type.
using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect>;

// The type of a packet.
PacketType TypeOf(const Packet& packet);

// A one-line, human-readable rendering of a packet for logs and test output,
// e.g. `PUBLISH{qos=1 dup=0 retain=0 packet_id=7 topic="a/b" payload=5 bytes}`.
// Binary content is shown by size only; text is escaped and shortened.
std::string ToString(const Packet& packet);

}  // namespace fundament::mqtt
