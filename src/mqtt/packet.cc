#include "mqtt/packet.h"

#include <fmt/format.h>

#include "mqtt/rules.h"

namespace fundament::mqtt {

using internal::ByteCount;
using internal::Quote;

const char* PacketTypeName(PacketType type) {
  switch (type) {
    case PacketType::kConnect:
      return "CONNECT";
    case PacketType::kConnack:
      return "CONNACK";
    case PacketType::kPublish:
      return "PUBLISH";
    case PacketType::kPuback:
      return "PUBACK";
    case PacketType::kPubrec:
      return "PUBREC";
    case PacketType::kPubrel:
      return "PUBREL";
    case PacketType::kPubcomp:
      return "PUBCOMP";
    case PacketType::kSubscribe:
      return "SUBSCRIBE";
    case PacketType::kSuback:
      return "SUBACK";
    case PacketType::kUnsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::kUnsuback:
      return "UNSUBACK";
    case PacketType::kPingreq:
      return "PINGREQ";
    case PacketType::kPingresp:
      return "PINGRESP";
    case PacketType::kDisconnect:
      return "DISCONNECT";
  }
  return "RESERVED";
}

PacketType TypeOf(const Packet& packet) { return static_cast<PacketType>(packet.index() + 1); }

namespace {

int Flag(bool value) { return value ? 1 : 0; }
int Level(QoS qos) { return static_cast<int>(qos); }

std::string Body(const Connect& p) {
  std::string out = fmt::format("level={} clean_session={} keep_alive={} client_id={}", p.protocol_level,
                                Flag(p.clean_session), p.keep_alive, Quote(p.client_id));
  if (p.will) {
    out += fmt::format(" will={{topic={} qos={} retain={} message={}}}", Quote(p.will->topic),
                       Level(p.will->qos), Flag(p.will->retain), ByteCount(p.will->message.size()));
  }
  if (p.username) out += " username=" + Quote(*p.username);
  // Never the password itself: these strings end up in logs.
  if (p.password) out += " password=" + ByteCount(p.password->size());
  return out;
}

std::string Body(const Connack& p) {
  return fmt::format("session_present={} return_code={}", Flag(p.session_present),
                     static_cast<int>(p.return_code));
}

std::string Body(const Publish& p) {
  return fmt::format("qos={} dup={} retain={} packet_id={} topic={} payload={}", Level(p.qos), Flag(p.dup),
                     Flag(p.retain), p.packet_id, Quote(p.topic), ByteCount(p.payload.size()));
}

std::string PacketId(uint16_t id) { return fmt::format("packet_id={}", id); }
std::string Body(const Puback& p) { return PacketId(p.packet_id); }
std::string Body(const Pubrec& p) { return PacketId(p.packet_id); }
std::string Body(const Pubrel& p) { return PacketId(p.packet_id); }
std::string Body(const Pubcomp& p) { return PacketId(p.packet_id); }
std::string Body(const Unsuback& p) { return PacketId(p.packet_id); }

std::string Body(const Subscribe& p) {
  std::string out = PacketId(p.packet_id) + " subscriptions=[";
  for (size_t i = 0; i < p.subscriptions.size(); ++i) {
    if (i > 0) out += ' ';
    out += fmt::format("{}:{}", Quote(p.subscriptions[i].topic_filter), Level(p.subscriptions[i].qos));
  }
  return out + "]";
}

std::string Body(const Suback& p) {
  std::string out = PacketId(p.packet_id) + " return_codes=[";
  for (size_t i = 0; i < p.return_codes.size(); ++i) {
    if (i > 0) out += ' ';
    out += fmt::format("0x{:02X}", static_cast<int>(p.return_codes[i]));
  }
  return out + "]";
}

std::string Body(const Unsubscribe& p) {
  std::string out = PacketId(p.packet_id) + " topic_filters=[";
  for (size_t i = 0; i < p.topic_filters.size(); ++i) {
    if (i > 0) out += ' ';
    out += Quote(p.topic_filters[i]);
  }
  return out + "]";
}

std::string Body(const Pingreq&) { return {}; }
std::string Body(const Pingresp&) { return {}; }
std::string Body(const Disconnect&) { return {}; }

}  // namespace

std::string ToString(const Packet& packet) {
  const std::string body = std::visit([](const auto& p) { return Body(p); }, packet);
  return fmt::format("{}{{{}}}", PacketTypeName(TypeOf(packet)), body);
}

}  // namespace fundament::mqtt
