#include "mqtt/codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "mqtt/rules.h"
#include "mqtt/topic.h"

namespace fundament::mqtt {

using internal::ByteCount;
using internal::CheckTopicFilter;
using internal::CheckTopicName;
using internal::CheckUtf8;
using internal::Quote;
using internal::Violation;

namespace {

// The rule of an unsupported protocol level; ConnackFor recognises it.
constexpr std::string_view kUnsupportedLevelRule = "MQTT-3.1.2-2";

// A body larger than this is not kept allocated between packets.
constexpr size_t kRetainedBufferCapacity = 64 * 1024;

const char* NameOf(uint8_t type) { return PacketTypeName(static_cast<PacketType>(type)); }

// The section of the standard that describes a packet type: "§3.4" for PUBACK.
std::string SectionOf(uint8_t type) { return fmt::format("§3.{}", type); }

std::string Bits(uint8_t flags) {
  return fmt::format("{}{}{}{}", (flags >> 3) & 1, (flags >> 2) & 1, (flags >> 1) & 1, flags & 1);
}

// Checks the flag bits of the first byte of the fixed header (§2.2.2), which
// are known before anything else of the packet.
Status CheckFixedHeader(uint8_t first_byte) {
  const uint8_t type = first_byte >> 4;
  const uint8_t flags = first_byte & 0x0F;
  if (type == 0 || type == 15) {
    return Violation("§2.2.1", fmt::format("control packet type {} is reserved", type));
  }
  auto expect = [&](std::string_view rule, uint8_t wanted) -> Status {
    if (flags == wanted) return Status::Ok();
    return Violation(rule, fmt::format("{} fixed header flags must be {}, got {}", NameOf(type), Bits(wanted),
                                       Bits(flags)));
  };
  switch (static_cast<PacketType>(type)) {
    case PacketType::kPublish: {
      const uint8_t qos = (flags >> 1) & 0x03;
      if (qos == 3) return Violation("MQTT-3.3.1-4", "PUBLISH must not have QoS 3 (both QoS bits set)");
      if (qos == 0 && (flags & 0x08) != 0)
        return Violation("MQTT-3.3.1-2", "PUBLISH DUP flag must be 0 with QoS 0");
      return Status::Ok();
    }
    case PacketType::kPubrel:
      return expect("MQTT-3.6.1-1", 0x02);
    case PacketType::kSubscribe:
      return expect("MQTT-3.8.1-1", 0x02);
    case PacketType::kUnsubscribe:
      return expect("MQTT-3.10.1-1", 0x02);
    case PacketType::kDisconnect:
      return expect("MQTT-3.14.1-1", 0x00);
    default:
      return expect("MQTT-2.2.2-1", 0x00);
  }
}

// Reads the fields of a packet body front to back. Every read reports
// whether the body held the whole field; the caller names the rule.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Byte(uint8_t* out) {
    if (data_.empty()) return false;
    *out = static_cast<uint8_t>(data_.front());
    data_.remove_prefix(1);
    return true;
  }

  bool U16(uint16_t* out) {
    if (data_.size() < 2) return false;
    *out = static_cast<uint16_t>((static_cast<uint8_t>(data_[0]) << 8) | static_cast<uint8_t>(data_[1]));
    data_.remove_prefix(2);
    return true;
  }

  // A field with a two-byte length prefix (§1.5.3), text or binary.
  bool Prefixed(std::string* out) {
    uint16_t length;
    if (data_.size() < 2) return false;
    length = static_cast<uint16_t>((static_cast<uint8_t>(data_[0]) << 8) | static_cast<uint8_t>(data_[1]));
    if (data_.size() - 2 < length) return false;
    out->assign(data_.substr(2, length));
    data_.remove_prefix(2 + size_t{length});
    return true;
  }

  std::string_view Rest() {
    std::string_view rest = data_;
    data_ = {};
    return rest;
  }

  size_t remaining() const { return data_.size(); }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

// The error for a body that ends inside or before `field`.
Error EndsBefore(std::string_view rule, uint8_t type, std::string_view field) {
  return Violation(rule, fmt::format("{} ends before the end of its {}", NameOf(type), field));
}

// The error for bytes left after the last field of a body.
Error Trailing(std::string_view rule, uint8_t type, size_t count, std::string_view after) {
  return Violation(rule, fmt::format("{} has {} after {}", NameOf(type), ByteCount(count), after));
}

// A packet identifier where one is required [MQTT-2.3.1-1].
Result<uint16_t> ReadPacketId(Reader* reader, uint8_t type, std::string_view missing_rule) {
  uint16_t id;
  if (!reader->U16(&id)) return EndsBefore(missing_rule, type, "packet identifier");
  if (id == 0) {
    return Violation("MQTT-2.3.1-1", fmt::format("{} packet identifier must be non-zero", NameOf(type)));
  }
  return id;
}

Result<Packet> DecodeConnect(std::string_view body) {
  constexpr uint8_t kType = 1;
  Reader reader(body);
  std::string name;
  if (!reader.Prefixed(&name)) return EndsBefore("§3.1.2", kType, "protocol name");
  uint8_t wanted_level;
  if (name == "MQTT") {
    wanted_level = kProtocolLevel311;
  } else if (name == "MQIsdp") {
    wanted_level = kProtocolLevel31;
  } else {
    return Violation(
        "MQTT-3.1.2-1",
        fmt::format("CONNECT protocol name must be \"MQTT\" (or \"MQIsdp\" for MQTT 3.1), got {}",
                    Quote(name)));
  }
  Connect connect;
  if (!reader.Byte(&connect.protocol_level)) return EndsBefore("§3.1.2", kType, "protocol level");
  if (connect.protocol_level != wanted_level) {
    return Violation(
        kUnsupportedLevelRule,
        fmt::format("CONNECT protocol level {} is not supported: protocol name \"{}\" needs level {}",
                    connect.protocol_level, name, wanted_level));
  }
  uint8_t flags;
  if (!reader.Byte(&flags)) return EndsBefore("§3.1.2", kType, "connect flags");
  if ((flags & 0x01) != 0) return Violation("MQTT-3.1.2-3", "CONNECT reserved flag must be 0");
  connect.clean_session = (flags & 0x02) != 0;
  const bool will = (flags & 0x04) != 0;
  const uint8_t will_qos = (flags >> 3) & 0x03;
  const bool will_retain = (flags & 0x20) != 0;
  const bool password = (flags & 0x40) != 0;
  const bool username = (flags & 0x80) != 0;
  if (!will && will_qos != 0) {
    return Violation("MQTT-3.1.2-13",
                     fmt::format("CONNECT will QoS must be 0 when the will flag is 0, got {}", will_qos));
  }
  if (!will && will_retain)
    return Violation("MQTT-3.1.2-15", "CONNECT will retain must be 0 when the will flag is 0");
  if (will && will_qos == 3) return Violation("MQTT-3.1.2-14", "CONNECT will QoS 3 is invalid");
  if (password && !username) {
    return Violation("MQTT-3.1.2-22", "CONNECT password flag must be 0 when the user name flag is 0");
  }
  if (!reader.U16(&connect.keep_alive)) return EndsBefore("§3.1.2", kType, "keep alive");

  // The payload: fields in this order, each present exactly when announced
  // [MQTT-3.1.3-1].
  if (!reader.Prefixed(&connect.client_id)) return EndsBefore("MQTT-3.1.3-3", kType, "client identifier");
  FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(connect.client_id, "CONNECT client identifier"));
  if (will) {
    Will& w = connect.will.emplace();
    w.qos = static_cast<QoS>(will_qos);
    w.retain = will_retain;
    if (!reader.Prefixed(&w.topic)) return EndsBefore("MQTT-3.1.2-9", kType, "will topic");
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicName(w.topic, "CONNECT will topic"));
    if (!reader.Prefixed(&w.message)) return EndsBefore("MQTT-3.1.2-9", kType, "will message");
  }
  if (username) {
    if (!reader.Prefixed(&connect.username.emplace())) return EndsBefore("MQTT-3.1.2-19", kType, "user name");
    FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(*connect.username, "CONNECT user name"));
  }
  if (password) {
    if (!reader.Prefixed(&connect.password.emplace())) return EndsBefore("MQTT-3.1.2-21", kType, "password");
  }
  if (!reader.done()) {
    return Trailing("§3.1.3", kType, reader.remaining(), "the payload fields its connect flags announce");
  }
  return Packet(std::move(connect));
}

Result<Packet> DecodeConnack(std::string_view body) {
  constexpr uint8_t kType = 2;
  Reader reader(body);
  uint8_t flags;
  uint8_t code;
  if (!reader.Byte(&flags)) return EndsBefore("§3.2", kType, "acknowledge flags");
  if (!reader.Byte(&code)) return EndsBefore("§3.2", kType, "return code");
  if (!reader.done()) {
    return Trailing("§3.2", kType, reader.remaining(), "its return code; its remaining length must be 2");
  }
  if ((flags & 0xFE) != 0) {
    return Violation("§3.2.2.1", "CONNACK acknowledge flags bits 7-1 are reserved and must be 0");
  }
  if (code > static_cast<uint8_t>(ConnectReturnCode::kNotAuthorized)) {
    return Violation("§3.2.2.3", fmt::format("CONNACK return code {} is reserved", code));
  }
  Connack connack{(flags & 0x01) != 0, static_cast<ConnectReturnCode>(code)};
  if (connack.session_present && code != 0) {
    return Violation("MQTT-3.2.2-4", "CONNACK session present must be 0 with a non-zero return code");
  }
  return Packet(connack);
}

Result<Packet> DecodePublish(uint8_t flags, std::string_view body) {
  constexpr uint8_t kType = 3;
  Reader reader(body);
  Publish publish;
  publish.dup = (flags & 0x08) != 0;
  publish.qos = static_cast<QoS>((flags >> 1) & 0x03);  // CheckFixedHeader excluded 3
  publish.retain = (flags & 0x01) != 0;
  if (!reader.Prefixed(&publish.topic)) return EndsBefore("MQTT-3.3.2-1", kType, "topic name");
  FUNDAMENT_RETURN_IF_ERROR(CheckTopicName(publish.topic, "PUBLISH topic name"));
  if (publish.qos != QoS::kAtMostOnce) {
    FUNDAMENT_ASSIGN_OR_RETURN(publish.packet_id, ReadPacketId(&reader, kType, "§3.3.2.2"));
  }
  publish.payload.assign(reader.Rest());
  return Packet(std::move(publish));
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: a packet identifier only.
template <typename Ack>
Result<Packet> DecodeAck(uint8_t type, std::string_view body) {
  Reader reader(body);
  const std::string section = SectionOf(type);
  FUNDAMENT_ASSIGN_OR_RETURN(uint16_t id, ReadPacketId(&reader, type, section));
  if (!reader.done()) {
    return Trailing(section, type, reader.remaining(),
                    "its packet identifier; its remaining length must be 2");
  }
  return Packet(Ack{id});
}

Result<Packet> DecodeSubscribe(std::string_view body) {
  constexpr uint8_t kType = 8;
  Reader reader(body);
  Subscribe subscribe;
  FUNDAMENT_ASSIGN_OR_RETURN(subscribe.packet_id, ReadPacketId(&reader, kType, "§3.8.2"));
  if (reader.done()) return Violation("MQTT-3.8.3-3", "SUBSCRIBE must contain at least one topic filter");
  while (!reader.done()) {
    Subscription& s = subscribe.subscriptions.emplace_back();
    if (!reader.Prefixed(&s.topic_filter)) return EndsBefore("§3.8.3", kType, "last topic filter");
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicFilter(s.topic_filter, "SUBSCRIBE topic filter"));
    uint8_t qos;
    if (!reader.Byte(&qos)) {
      return Violation("§3.8.3", fmt::format("SUBSCRIBE topic filter {} lacks its requested QoS byte",
                                             Quote(s.topic_filter)));
    }
    // The standard prints this statement's number as "MQTT-3-8.3-4".
    if (qos > 2) {
      return Violation("MQTT-3.8.3-4",
                       fmt::format("SUBSCRIBE requested QoS byte 0x{:02X} of topic filter {} must "
                                   "be 0, 1 or 2 (bits 7-2 are reserved)",
                                   qos, Quote(s.topic_filter)));
    }
    s.qos = static_cast<QoS>(qos);
  }
  return Packet(std::move(subscribe));
}

Result<Packet> DecodeSuback(std::string_view body) {
  constexpr uint8_t kType = 9;
  Reader reader(body);
  Suback suback;
  FUNDAMENT_ASSIGN_OR_RETURN(suback.packet_id, ReadPacketId(&reader, kType, "§3.9.2"));
  if (reader.done()) return Violation("§3.9.3", "SUBACK must contain at least one return code");
  for (char c : reader.Rest()) {
    const auto code = static_cast<uint8_t>(c);
    if (code > 2 && code != 0x80) {
      return Violation("MQTT-3.9.3-2", fmt::format("SUBACK return code 0x{:02X} is reserved", code));
    }
    suback.return_codes.push_back(static_cast<SubackReturnCode>(code));
  }
  return Packet(std::move(suback));
}

Result<Packet> DecodeUnsubscribe(std::string_view body) {
  constexpr uint8_t kType = 10;
  Reader reader(body);
  Unsubscribe unsubscribe;
  FUNDAMENT_ASSIGN_OR_RETURN(unsubscribe.packet_id, ReadPacketId(&reader, kType, "§3.10.2"));
  if (reader.done()) return Violation("MQTT-3.10.3-2", "UNSUBSCRIBE must contain at least one topic filter");
  while (!reader.done()) {
    std::string& filter = unsubscribe.topic_filters.emplace_back();
    if (!reader.Prefixed(&filter)) return EndsBefore("§3.10.3", kType, "last topic filter");
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicFilter(filter, "UNSUBSCRIBE topic filter"));
  }
  return Packet(std::move(unsubscribe));
}

// PINGREQ, PINGRESP, DISCONNECT: nothing after the fixed header.
template <typename Empty>
Result<Packet> DecodeEmpty(uint8_t type, std::string_view body) {
  if (!body.empty()) {
    return Trailing(SectionOf(type), type, body.size(), "its fixed header; its remaining length must be 0");
  }
  return Packet(Empty{});
}

// Decodes the body of a packet whose fixed header passed CheckFixedHeader.
Result<Packet> DecodeBody(uint8_t first_byte, std::string_view body) {
  const uint8_t type = first_byte >> 4;
  switch (static_cast<PacketType>(type)) {
    case PacketType::kConnect:
      return DecodeConnect(body);
    case PacketType::kConnack:
      return DecodeConnack(body);
    case PacketType::kPublish:
      return DecodePublish(first_byte & 0x0F, body);
    case PacketType::kPuback:
      return DecodeAck<Puback>(type, body);
    case PacketType::kPubrec:
      return DecodeAck<Pubrec>(type, body);
    case PacketType::kPubrel:
      return DecodeAck<Pubrel>(type, body);
    case PacketType::kPubcomp:
      return DecodeAck<Pubcomp>(type, body);
    case PacketType::kSubscribe:
      return DecodeSubscribe(body);
    case PacketType::kSuback:
      return DecodeSuback(body);
    case PacketType::kUnsubscribe:
      return DecodeUnsubscribe(body);
    case PacketType::kUnsuback:
      return DecodeAck<Unsuback>(type, body);
    case PacketType::kPingreq:
      return DecodeEmpty<Pingreq>(type, body);
    case PacketType::kPingresp:
      return DecodeEmpty<Pingresp>(type, body);
    case PacketType::kDisconnect:
      return DecodeEmpty<Disconnect>(type, body);
  }
  return Internal(fmt::format("MQTT control packet type {} passed the fixed header check", type));
}

}  // namespace

Decoder::Decoder(size_t max_packet_size) : max_packet_size_(max_packet_size) {}

Result<std::optional<Packet>> Decoder::Fail(Error error) {
  failed_ = true;
  error_ = std::move(error);
  std::string().swap(body_);
  return error_;
}

Result<std::optional<Packet>> Decoder::Finish(std::string_view body) {
  Result<Packet> packet = DecodeBody(first_byte_, body);
  if (!packet.ok()) return Fail(packet.error());
  stage_ = Stage::kType;
  if (body_.capacity() > kRetainedBufferCapacity) {
    std::string().swap(body_);
  } else {
    body_.clear();
  }
  return std::optional<Packet>(std::move(packet).value());
}

Result<std::optional<Packet>> Decoder::Next(std::string_view* input) {
  if (failed_) return error_;
  while (true) {
    switch (stage_) {
      case Stage::kType: {
        if (input->empty()) return std::optional<Packet>();
        first_byte_ = static_cast<uint8_t>(input->front());
        input->remove_prefix(1);
        Status header = CheckFixedHeader(first_byte_);
        if (!header.ok()) return Fail(header.error());
        remaining_length_ = 0;
        length_bytes_ = 0;
        stage_ = Stage::kLength;
        break;
      }
      case Stage::kLength: {
        if (input->empty()) return std::optional<Packet>();
        const auto digit = static_cast<uint8_t>(input->front());
        input->remove_prefix(1);
        remaining_length_ |= size_t{digit & 0x7Fu} << (7 * length_bytes_);
        ++length_bytes_;
        if ((digit & 0x80) != 0) {
          if (length_bytes_ == 4) {
            return Fail(Violation("§2.2.3", fmt::format("{} remaining length must not be longer than 4 bytes",
                                                        NameOf(first_byte_ >> 4))));
          }
          break;
        }
        const size_t total = 1 + static_cast<size_t>(length_bytes_) + remaining_length_;
        if (total > max_packet_size_) {
          return Fail(Error(ErrorCode::kPayloadTooLarge,
                            fmt::format("[§2.2.3] {} of {} bytes exceeds the maximum packet size of {} bytes",
                                        NameOf(first_byte_ >> 4), total, max_packet_size_),
                            "§2.2.3"));
        }
        stage_ = Stage::kBody;
        break;
      }
      case Stage::kBody: {
        if (body_.empty() && input->size() >= remaining_length_) {
          // The whole body is at hand: decode it in place, without a copy.
          const std::string_view body = input->substr(0, remaining_length_);
          input->remove_prefix(remaining_length_);
          return Finish(body);
        }
        const size_t take = std::min(remaining_length_ - body_.size(), input->size());
        body_.append(input->substr(0, take));
        input->remove_prefix(take);
        if (body_.size() < remaining_length_) return std::optional<Packet>();
        return Finish(body_);
      }
    }
  }
}

Status Decoder::Feed(std::string_view bytes, std::vector<Packet>* packets) {
  do {
    auto next = Next(&bytes);
    if (!next.ok()) return next.error();
    if (!next->has_value()) break;
    packets->push_back(std::move(**next));
  } while (!bytes.empty());
  return Status::Ok();
}

Result<Packet> DecodePacket(std::string_view bytes, size_t max_packet_size) {
  Decoder decoder(max_packet_size);
  std::string_view input = bytes;
  auto next = decoder.Next(&input);
  if (!next.ok()) return next.error();
  if (!next->has_value()) {
    return Violation("§2.2.3",
                     fmt::format("incomplete packet: the input ends after {}", ByteCount(bytes.size())));
  }
  if (!input.empty()) {
    return Violation("§2.2.3", fmt::format("{} after the end of the {} packet", ByteCount(input.size()),
                                           PacketTypeName(TypeOf(**next))));
  }
  return std::move(**next);
}

std::optional<ConnectReturnCode> ConnackFor(const Error& error) {
  if (error.field == kUnsupportedLevelRule) return ConnectReturnCode::kUnacceptableProtocolVersion;
  return std::nullopt;
}

std::optional<ConnectReturnCode> ConnackFor(const Connect& connect) {
  if (connect.client_id.empty() && (!connect.clean_session || connect.protocol_level == kProtocolLevel31)) {
    return ConnectReturnCode::kIdentifierRejected;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Encoding

namespace {

Status CheckPacketId(uint16_t id, PacketType type) {
  if (id != 0) return Status::Ok();
  return Violation("MQTT-2.3.1-1",
                   fmt::format("{} packet identifier must be non-zero", PacketTypeName(type)));
}

Status CheckBinary(const std::string& data, std::string_view what) {
  if (data.size() <= kMaxStringLength) return Status::Ok();
  return Violation("§1.5.3", fmt::format("{} is {} bytes long, more than the {} a length prefix can hold",
                                         what, data.size(), kMaxStringLength));
}

bool ValidQoS(QoS qos) { return static_cast<uint8_t>(qos) <= 2; }

// The checks of the decoder, on a packet about to be encoded.
Status Check(const Connect& p) {
  if (p.protocol_level != kProtocolLevel311 && p.protocol_level != kProtocolLevel31) {
    return Violation(
        kUnsupportedLevelRule,
        fmt::format("CONNECT protocol level {} is not supported (4 for MQTT 3.1.1, 3 for MQTT 3.1)",
                    p.protocol_level));
  }
  FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(p.client_id, "CONNECT client identifier"));
  if (p.will) {
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicName(p.will->topic, "CONNECT will topic"));
    if (!ValidQoS(p.will->qos)) {
      return Violation("MQTT-3.1.2-14",
                       fmt::format("CONNECT will QoS {} is invalid", static_cast<int>(p.will->qos)));
    }
    FUNDAMENT_RETURN_IF_ERROR(CheckBinary(p.will->message, "CONNECT will message"));
  }
  if (p.username) FUNDAMENT_RETURN_IF_ERROR(CheckUtf8(*p.username, "CONNECT user name"));
  if (p.password) {
    if (!p.username)
      return Violation("MQTT-3.1.2-22", "CONNECT must not have a password without a user name");
    FUNDAMENT_RETURN_IF_ERROR(CheckBinary(*p.password, "CONNECT password"));
  }
  return Status::Ok();
}

Status Check(const Connack& p) {
  if (static_cast<uint8_t>(p.return_code) > static_cast<uint8_t>(ConnectReturnCode::kNotAuthorized)) {
    return Violation("§3.2.2.3",
                     fmt::format("CONNACK return code {} is reserved", static_cast<int>(p.return_code)));
  }
  if (p.session_present && p.return_code != ConnectReturnCode::kAccepted) {
    return Violation("MQTT-3.2.2-4", "CONNACK session present must be 0 with a non-zero return code");
  }
  return Status::Ok();
}

Status Check(const Publish& p) {
  if (!ValidQoS(p.qos)) return Violation("MQTT-3.3.1-4", "PUBLISH must not have QoS 3 (both QoS bits set)");
  if (p.qos == QoS::kAtMostOnce) {
    if (p.dup) return Violation("MQTT-3.3.1-2", "PUBLISH DUP flag must be 0 with QoS 0");
    if (p.packet_id != 0)
      return Violation("MQTT-2.3.1-5", "PUBLISH with QoS 0 must not have a packet identifier");
  } else {
    FUNDAMENT_RETURN_IF_ERROR(CheckPacketId(p.packet_id, PacketType::kPublish));
  }
  return CheckTopicName(p.topic, "PUBLISH topic name");
}

Status Check(const Subscribe& p) {
  FUNDAMENT_RETURN_IF_ERROR(CheckPacketId(p.packet_id, PacketType::kSubscribe));
  if (p.subscriptions.empty())
    return Violation("MQTT-3.8.3-3", "SUBSCRIBE must contain at least one topic filter");
  for (const Subscription& s : p.subscriptions) {
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicFilter(s.topic_filter, "SUBSCRIBE topic filter"));
    if (!ValidQoS(s.qos)) {
      return Violation("MQTT-3.8.3-4",
                       fmt::format("SUBSCRIBE requested QoS {} of topic filter {} must be 0, 1 or 2",
                                   static_cast<int>(s.qos), Quote(s.topic_filter)));
    }
  }
  return Status::Ok();
}

Status Check(const Suback& p) {
  FUNDAMENT_RETURN_IF_ERROR(CheckPacketId(p.packet_id, PacketType::kSuback));
  if (p.return_codes.empty()) return Violation("§3.9.3", "SUBACK must contain at least one return code");
  for (SubackReturnCode code : p.return_codes) {
    const auto value = static_cast<uint8_t>(code);
    if (value > 2 && value != 0x80) {
      return Violation("MQTT-3.9.3-2", fmt::format("SUBACK return code 0x{:02X} is reserved", value));
    }
  }
  return Status::Ok();
}

Status Check(const Unsubscribe& p) {
  FUNDAMENT_RETURN_IF_ERROR(CheckPacketId(p.packet_id, PacketType::kUnsubscribe));
  if (p.topic_filters.empty()) {
    return Violation("MQTT-3.10.3-2", "UNSUBSCRIBE must contain at least one topic filter");
  }
  for (const std::string& filter : p.topic_filters) {
    FUNDAMENT_RETURN_IF_ERROR(CheckTopicFilter(filter, "UNSUBSCRIBE topic filter"));
  }
  return Status::Ok();
}

Status Check(const Puback& p) { return CheckPacketId(p.packet_id, PacketType::kPuback); }
Status Check(const Pubrec& p) { return CheckPacketId(p.packet_id, PacketType::kPubrec); }
Status Check(const Pubrel& p) { return CheckPacketId(p.packet_id, PacketType::kPubrel); }
Status Check(const Pubcomp& p) { return CheckPacketId(p.packet_id, PacketType::kPubcomp); }
Status Check(const Unsuback& p) { return CheckPacketId(p.packet_id, PacketType::kUnsuback); }
Status Check(const Pingreq&) { return Status::Ok(); }
Status Check(const Pingresp&) { return Status::Ok(); }
Status Check(const Disconnect&) { return Status::Ok(); }

// Writes fields to `out`, or with a null `out` only counts their bytes, so
// that a body's size is known before its fixed header is written.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Byte(uint8_t value) {
    if (out_ != nullptr) out_->push_back(static_cast<char>(value));
    ++size_;
  }
  void U16(uint16_t value) {
    Byte(static_cast<uint8_t>(value >> 8));
    Byte(static_cast<uint8_t>(value & 0xFF));
  }
  void Raw(std::string_view bytes) {
    if (out_ != nullptr) out_->append(bytes);
    size_ += bytes.size();
  }
  // A length-prefixed field; Check has bounded its size.
  void Prefixed(std::string_view bytes) {
    U16(static_cast<uint16_t>(bytes.size()));
    Raw(bytes);
  }

  size_t size() const { return size_; }

 private:
  std::string* out_;
  size_t size_ = 0;
};

uint8_t FirstByte(const Packet& packet) {
  const auto type = static_cast<uint8_t>(TypeOf(packet));
  if (const auto* p = std::get_if<Publish>(&packet)) {
    return static_cast<uint8_t>((type << 4) | (p->dup ? 0x08 : 0) | (static_cast<uint8_t>(p->qos) << 1) |
                                (p->retain ? 0x01 : 0));
  }
  const bool flags_0010 = std::holds_alternative<Pubrel>(packet) ||
                          std::holds_alternative<Subscribe>(packet) ||
                          std::holds_alternative<Unsubscribe>(packet);
  return static_cast<uint8_t>((type << 4) | (flags_0010 ? 0x02 : 0x00));
}

void WriteBody(const Connect& p, Writer* w) {
  w->Prefixed(p.protocol_level == kProtocolLevel31 ? "MQIsdp" : "MQTT");
  w->Byte(p.protocol_level);
  uint8_t flags = p.clean_session ? 0x02 : 0x00;
  if (p.will) {
    flags |=
        0x04 | static_cast<uint8_t>(static_cast<uint8_t>(p.will->qos) << 3) | (p.will->retain ? 0x20 : 0x00);
  }
  if (p.password) flags |= 0x40;
  if (p.username) flags |= 0x80;
  w->Byte(flags);
  w->U16(p.keep_alive);
  w->Prefixed(p.client_id);
  if (p.will) {
    w->Prefixed(p.will->topic);
    w->Prefixed(p.will->message);
  }
  if (p.username) w->Prefixed(*p.username);
  if (p.password) w->Prefixed(*p.password);
}

void WriteBody(const Connack& p, Writer* w) {
  w->Byte(p.session_present ? 0x01 : 0x00);
  w->Byte(static_cast<uint8_t>(p.return_code));
}

void WriteBody(const Publish& p, Writer* w) {
  w->Prefixed(p.topic);
  if (p.qos != QoS::kAtMostOnce) w->U16(p.packet_id);
  w->Raw(p.payload);
}

void WriteBody(const Puback& p, Writer* w) { w->U16(p.packet_id); }
void WriteBody(const Pubrec& p, Writer* w) { w->U16(p.packet_id); }
void WriteBody(const Pubrel& p, Writer* w) { w->U16(p.packet_id); }
void WriteBody(const Pubcomp& p, Writer* w) { w->U16(p.packet_id); }
void WriteBody(const Unsuback& p, Writer* w) { w->U16(p.packet_id); }

void WriteBody(const Subscribe& p, Writer* w) {
  w->U16(p.packet_id);
  for (const Subscription& s : p.subscriptions) {
    w->Prefixed(s.topic_filter);
    w->Byte(static_cast<uint8_t>(s.qos));
  }
}

void WriteBody(const Suback& p, Writer* w) {
  w->U16(p.packet_id);
  for (SubackReturnCode code : p.return_codes) w->Byte(static_cast<uint8_t>(code));
}

void WriteBody(const Unsubscribe& p, Writer* w) {
  w->U16(p.packet_id);
  for (const std::string& filter : p.topic_filters) w->Prefixed(filter);
}

void WriteBody(const Pingreq&, Writer*) {}
void WriteBody(const Pingresp&, Writer*) {}
void WriteBody(const Disconnect&, Writer*) {}

}  // namespace

Status EncodeTo(const Packet& packet, std::string* out) {
  FUNDAMENT_RETURN_IF_ERROR(std::visit([](const auto& p) { return Check(p); }, packet));
  Writer counter(nullptr);
  std::visit([&](const auto& p) { WriteBody(p, &counter); }, packet);
  size_t length = counter.size();
  if (length > kMaxRemainingLength) {
    return Violation("§2.2.3",
                     fmt::format("{} body of {} bytes exceeds the maximum remaining length of {} bytes",
                                 PacketTypeName(TypeOf(packet)), length, kMaxRemainingLength));
  }
  out->reserve(out->size() + 5 + length);
  out->push_back(static_cast<char>(FirstByte(packet)));
  do {
    auto digit = static_cast<uint8_t>(length % 128);
    length /= 128;
    if (length > 0) digit |= 0x80;
    out->push_back(static_cast<char>(digit));
  } while (length > 0);
  Writer writer(out);
  std::visit([&](const auto& p) { WriteBody(p, &writer); }, packet);
  return Status::Ok();
}

Result<std::string> Encode(const Packet& packet) {
  std::string out;
  FUNDAMENT_RETURN_IF_ERROR(EncodeTo(packet, &out));
  return out;
}

}  // namespace fundament::mqtt
