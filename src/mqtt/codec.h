// The MQTT 3.1.1 wire format (§2, §3): bytes from a socket → packets
// (Decoder), packets → bytes (Encode).
//
// Invariants:
// - The decoder accepts exactly the packets the standard allows a receiver to
//   process, whoever sent them: every malformed packet and every violation of
//   a conformance statement it can see in one packet is an error, upon which
//   the receiver must close the network connection. What needs session state
//   or knows the direction (CONNECT first and only once, packet ids in use,
//   client id policy, no CONNACK or SUBACK from a client) is the broker's
//   business.
// - The decoder never holds more than one incomplete packet, and never more
//   than `max_packet_size` bytes: the size is known from the fixed header, so
//   an oversize packet is rejected before its body arrives.
// - Encode accepts the same packets the decoder returns, and
//   DecodePacket(Encode(p)) == p for each of them. The encoder writes the
//   shortest remaining length; the decoder also takes longer encodings of
//   it, which MQTT 3.1.1 (unlike 5.0) does not forbid, up to 4 bytes.
//
// Errors are kBadRequest (kPayloadTooLarge for a packet over the size limit)
// with a message that starts with the violated rule and names the packet,
// "[MQTT-3.1.2-3] CONNECT reserved flag must be 0", and `Error::field` set to
// that rule: a conformance statement "MQTT-x.y.z-n", or "§x.y.z" where the
// standard states the rule without a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "mqtt/packet.h"

namespace fundament::mqtt {

// The largest remaining length four bytes can encode (§2.2.3).
inline constexpr size_t kMaxRemainingLength = 268'435'455;

// The default limit on a whole packet (fixed header included): 1 MiB.
inline constexpr size_t kDefaultMaxPacketSize = size_t{1} << 20;

// An incremental decoder for one direction of one connection. Bytes can be
// fed in any split, one at a time too; each packet comes out once complete.
// After an error the decoder stays failed: every further call returns the
// same error. Not thread-safe; one per connection.
class Decoder {
 public:
  // `max_packet_size` bounds a packet's total size, fixed header included.
  explicit Decoder(size_t max_packet_size = kDefaultMaxPacketSize);

  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Consumes bytes from the front of `*input` up to the end of at most one
  // packet. Returns the packet once it is complete (the rest of the input
  // stays in `*input`), nullopt when all of `*input` was consumed and the
  // packet is not yet complete, or the protocol error.
  Result<std::optional<Packet>> Next(std::string_view* input);

  // Consumes all of `bytes`, appending every packet completed to `*packets`.
  // On an error the packets before it have been appended.
  Status Feed(std::string_view bytes, std::vector<Packet>* packets);

  // True between packets: no byte of an incomplete packet is held.
  bool idle() const { return stage_ == Stage::kType && !failed_; }

  // True once an error was returned.
  bool failed() const { return failed_; }

 private:
  enum class Stage { kType, kLength, kBody };

  Result<std::optional<Packet>> Fail(Error error);
  Result<std::optional<Packet>> Finish(std::string_view body);

  size_t max_packet_size_;
  Stage stage_ = Stage::kType;
  uint8_t first_byte_ = 0;
  size_t remaining_length_ = 0;
  int length_bytes_ = 0;  // bytes of the remaining length read so far
  std::string body_;      // the part of the body received so far, when it came in pieces
  bool failed_ = false;
  Error error_;
};

// Decodes `bytes` holding exactly one complete packet; trailing bytes after
// it or a packet cut short are errors.
Result<Packet> DecodePacket(std::string_view bytes, size_t max_packet_size = kDefaultMaxPacketSize);

// Appends the wire form of `packet` to `*out`. Rejects, leaving `*out`
// unchanged, what the decoder would reject: invalid strings and topics, QoS
// above 2, a missing or superfluous packet id, empty subscription lists,
// reserved return codes, a password without user name, a field over 65,535
// bytes or a packet over kMaxRemainingLength.
Status EncodeTo(const Packet& packet, std::string* out);

// The wire form of `packet`, or why it cannot be encoded (see EncodeTo).
Result<std::string> Encode(const Packet& packet);

// The CONNACK return code a Server sends, before closing the connection, for
// a decoding error: kUnacceptableProtocolVersion for a CONNECT of an
// unsupported protocol level [MQTT-3.1.2-2]. Nullopt for every other error,
// which closes the connection without CONNACK [MQTT-3.1.4-1].
std::optional<ConnectReturnCode> ConnackFor(const Error& error);

// The refusal a Server must send for a CONNECT the decoder accepted, because
// the codec surfaces rather than rejects it: kIdentifierRejected for an empty
// client identifier without clean session [MQTT-3.1.3-8], or for an empty one
// from an MQTT 3.1 client (3.1 requires 1 to 23 characters). Nullopt when the
// packet itself requires no refusal; the broker's own policy (authentication,
// identifiers it does not allow) comes on top.
std::optional<ConnectReturnCode> ConnackFor(const Connect& connect);

}  // namespace fundament::mqtt
