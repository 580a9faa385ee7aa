// Specifies the incremental Decoder: the fixed header (§2.2), the remaining
// length (§2.2.3), bytes arriving in any split, the packet size limit, and
// what happens after an error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/mqtt_test_util.h"
#include "mqtt/packet.h"

namespace fundament::mqtt {
namespace {

using testing::Bytes;
using testing::ConnectBody;
using testing::Frame;
using ::testing::HasSubstr;
using testing::MustDecode;
using testing::MustEncode;
using testing::MustReject;
using testing::RuleOf;
using testing::Str;
using testing::U16;

// A stream of several packets of different shapes.
std::vector<Packet> SamplePackets() {
  Connect connect;
  connect.client_id = "sensor-1";
  connect.will = Will{"sensors/1/state", "lost", QoS::kAtLeastOnce, true};
  connect.username = "city";
  connect.password = "pw";
  return {connect,
          Publish{false, QoS::kAtMostOnce, false, "a/b", 0, "hello"},
          Publish{false, QoS::kExactlyOnce, true, "big", 9, std::string(300, 'z')},
          Pingreq{},
          Subscribe{4, {{"a/#", QoS::kAtLeastOnce}, {"+/b", QoS::kAtMostOnce}}},
          Pubrel{9},
          Publish{false, QoS::kAtMostOnce, false, "empty", 0, ""},
          Disconnect{}};
}

std::string Concatenate(const std::vector<Packet>& packets) {
  std::string stream;
  for (const Packet& packet : packets) stream += MustEncode(packet);
  return stream;
}

TEST(MqttDecoder, DecodesByteByByte) {
  const std::vector<Packet> packets = SamplePackets();
  const std::string stream = Concatenate(packets);
  Decoder decoder;
  std::vector<Packet> decoded;
  for (char byte : stream) {
    ASSERT_TRUE(decoder.Feed(std::string_view(&byte, 1), &decoded).ok());
  }
  EXPECT_EQ(decoded, packets);
  EXPECT_TRUE(decoder.idle());
}

TEST(MqttDecoder, DecodesEverySplitOfAStream) {
  const std::vector<Packet> packets = SamplePackets();
  const std::string stream = Concatenate(packets);
  for (size_t chunk = 2; chunk <= 64; chunk = chunk * 2 + 1) {
    Decoder decoder;
    std::vector<Packet> decoded;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(at, chunk), &decoded).ok()) << chunk;
    }
    EXPECT_EQ(decoded, packets) << "chunk size " << chunk;
  }
  // Every single cut point into two pieces.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    Decoder decoder;
    std::vector<Packet> decoded;
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(0, cut), &decoded).ok());
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(cut), &decoded).ok());
    EXPECT_EQ(decoded, packets) << "cut at " << cut;
  }
}

TEST(MqttDecoder, NextStopsAfterEachPacket) {
  const std::string stream = MustEncode(Pingreq{}) + MustEncode(Puback{3}) + Bytes({0x40});
  std::string_view input = stream;
  Decoder decoder;

  auto first = decoder.Next(&input);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, Packet(Pingreq{}));
  EXPECT_EQ(input.size(), 5u);  // the PUBACK and one byte are left

  auto second = decoder.Next(&input);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, Packet(Puback{3}));
  EXPECT_EQ(input.size(), 1u);

  auto third = decoder.Next(&input);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->has_value());
  EXPECT_TRUE(input.empty());
  EXPECT_FALSE(decoder.idle());  // holds the first byte of a PUBACK

  const std::string more = Bytes({0x02, 0x00, 0x04});
  std::string_view rest = more;
  auto fourth = decoder.Next(&rest);
  ASSERT_TRUE(fourth.ok());
  ASSERT_TRUE(fourth->has_value());
  EXPECT_EQ(**fourth, Packet(Puback{4}));
  EXPECT_TRUE(decoder.idle());
}

TEST(MqttDecoder, NextOnEmptyInputWantsMore) {
  Decoder decoder;
  std::string_view input;
  auto next = decoder.Next(&input);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_TRUE(decoder.idle());
}

TEST(MqttDecoder, AcceptsRemainingLengthOfFourBytes) {
  // 2,097,152 = 0x80 0x80 0x80 0x01, the smallest four-byte value.
  Publish publish;
  publish.topic = "t";
  publish.payload = std::string(2'097'152 - 3, 'x');
  std::string wire = MustEncode(publish);
  EXPECT_EQ(wire.substr(0, 5), Bytes({0x30, 0x80, 0x80, 0x80, 0x01}));
  Decoder decoder(4 << 20);
  std::vector<Packet> decoded;
  ASSERT_TRUE(decoder.Feed(wire, &decoded).ok());
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0], Packet(publish));
}

TEST(MqttDecoder, AcceptsNonMinimalRemainingLength) {
  // MQTT 3.1.1 (unlike 5.0) does not require the shortest encoding.
  EXPECT_EQ(MustDecode(Bytes({0xC0, 0x80, 0x00})), Packet(Pingreq{}));
  EXPECT_EQ(MustDecode(Bytes({0x40, 0x82, 0x80, 0x00, 0x00, 0x05})), Packet(Puback{5}));
}

TEST(MqttDecoder, RejectsFifthRemainingLengthByte) {
  Error error = MustReject(Bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}));
  EXPECT_EQ(error.field, "§2.2.3");
  EXPECT_THAT(error.message, HasSubstr("remaining length"));
  EXPECT_THAT(error.message, HasSubstr("4 bytes"));

  // Rejected as soon as the fourth byte announces a fifth.
  Decoder decoder;
  std::string stream = Bytes({0x30, 0x80, 0x80, 0x80, 0x80});
  std::string_view input = stream;
  auto next = decoder.Next(&input);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().field, "§2.2.3");
}

TEST(MqttDecoder, RejectsReservedPacketTypes) {
  EXPECT_EQ(RuleOf(Bytes({0x00, 0x00})), "§2.2.1");
  Error error = MustReject(Bytes({0xF0, 0x00}));
  EXPECT_EQ(error.field, "§2.2.1");
  EXPECT_THAT(error.message, HasSubstr("15"));
}

TEST(MqttDecoder, RejectsReservedFixedHeaderFlags) {
  // [MQTT-2.2.2-1]: every packet type but PUBLISH has fixed flag bits.
  for (int flags = 1; flags < 16; ++flags) {
    EXPECT_EQ(RuleOf(Frame(0x10 | flags, ConnectBody(0x02, Str("c")))), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0x20 | flags, 0x02, 0x00, 0x00})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0x40 | flags, 0x02, 0x00, 0x01})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0x50 | flags, 0x02, 0x00, 0x01})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0x70 | flags, 0x02, 0x00, 0x01})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0x90 | flags, 0x03, 0x00, 0x01, 0x00})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0xB0 | flags, 0x02, 0x00, 0x01})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0xC0 | flags, 0x00})), "MQTT-2.2.2-1") << flags;
    EXPECT_EQ(RuleOf(Bytes({0xD0 | flags, 0x00})), "MQTT-2.2.2-1") << flags;
    // [MQTT-3.14.1-1]: the Server validates DISCONNECT's reserved bits.
    EXPECT_EQ(RuleOf(Bytes({0xE0 | flags, 0x00})), "MQTT-3.14.1-1") << flags;
  }
}

TEST(MqttDecoder, RejectsPubrelSubscribeUnsubscribeWithoutFlags0010) {
  for (int flags = 0; flags < 16; ++flags) {
    if (flags == 0x2) continue;
    EXPECT_EQ(RuleOf(Bytes({0x60 | flags, 0x02, 0x00, 0x01})), "MQTT-3.6.1-1") << flags;
    EXPECT_EQ(RuleOf(Frame(0x80 | flags, U16(1) + Str("a") + Bytes({0}))), "MQTT-3.8.1-1") << flags;
    EXPECT_EQ(RuleOf(Frame(0xA0 | flags, U16(1) + Str("a"))), "MQTT-3.10.1-1") << flags;
  }
  Error error = MustReject(Bytes({0x60, 0x02, 0x00, 0x01}));
  EXPECT_THAT(error.message, HasSubstr("PUBREL"));
  EXPECT_THAT(error.message, HasSubstr("0010"));
}

TEST(MqttDecoder, RejectsFlagsBeforeTheRestArrives) {
  // The first byte alone is enough to see invalid flags.
  Decoder decoder;
  std::string_view input = "\x11";
  auto next = decoder.Next(&input);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().field, "MQTT-2.2.2-1");
  EXPECT_THAT(next.error().message, HasSubstr("CONNECT"));
}

TEST(MqttDecoder, RejectsOversizePacketFromItsFixedHeader) {
  Decoder decoder(/*max_packet_size=*/100);
  // A PUBLISH announcing 1,000 bytes: rejected after the header, before the body.
  std::string header = Bytes({0x30, 0xE8, 0x07});
  std::string_view input = header;
  auto next = decoder.Next(&input);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(next.error().field, "§2.2.3");
  EXPECT_THAT(next.error().message, HasSubstr("1003"));
  EXPECT_THAT(next.error().message, HasSubstr("100"));
  EXPECT_TRUE(decoder.failed());
}

TEST(MqttDecoder, LimitCountsTheWholePacket) {
  // A packet of exactly the limit passes, one byte more does not.
  Publish publish;
  publish.topic = "t";
  publish.payload = std::string(95, 'x');  // body 98 bytes, 1 + 1 + 98 = 100
  const std::string wire = MustEncode(publish);
  ASSERT_EQ(wire.size(), 100u);
  {
    Decoder decoder(100);
    std::vector<Packet> decoded;
    EXPECT_TRUE(decoder.Feed(wire, &decoded).ok());
    EXPECT_EQ(decoded.size(), 1u);
  }
  {
    Decoder decoder(99);
    std::vector<Packet> decoded;
    Status status = decoder.Feed(wire, &decoded);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kPayloadTooLarge);
  }
  auto decoded = DecodePacket(wire, 99);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(MqttDecoder, StaysFailedAfterAnError) {
  Decoder decoder;
  std::vector<Packet> decoded;
  Status status = decoder.Feed(MustEncode(Pingreq{}) + Bytes({0xC1, 0x00}) + MustEncode(Pingreq{}), &decoded);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(decoded.size(), 1u);  // the packet before the error
  EXPECT_TRUE(decoder.failed());
  EXPECT_FALSE(decoder.idle());

  std::vector<Packet> more;
  Status again = decoder.Feed(MustEncode(Pingreq{}), &more);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, status.error().message);
  EXPECT_TRUE(more.empty());
}

TEST(MqttDecoder, DecodePacketRejectsIncompleteAndTrailingInput) {
  Error incomplete = MustReject(Bytes({0x40, 0x02, 0x00}));
  EXPECT_EQ(incomplete.field, "§2.2.3");
  EXPECT_THAT(incomplete.message, HasSubstr("incomplete"));
  EXPECT_EQ(RuleOf(""), "§2.2.3");
  Error trailing = MustReject(Bytes({0xC0, 0x00, 0xC0, 0x00}));
  EXPECT_EQ(trailing.field, "§2.2.3");
  EXPECT_THAT(trailing.message, HasSubstr("after"));
}

TEST(MqttDecoder, RejectsBodyShorterThanItsFields) {
  // Remaining length 1 for a packet id of 2 bytes.
  Error error = MustReject(Bytes({0x40, 0x01, 0x00}));
  EXPECT_EQ(error.field, "§3.4");
  EXPECT_THAT(error.message, HasSubstr("PUBACK"));
}

TEST(MqttDecoder, RejectsTrailingBytesAfterFixedSizePackets) {
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x03, 0x00, 0x00, 0x00})), "§3.2");
  EXPECT_EQ(RuleOf(Bytes({0x40, 0x03, 0x00, 0x01, 0x00})), "§3.4");
  EXPECT_EQ(RuleOf(Bytes({0x50, 0x03, 0x00, 0x01, 0x00})), "§3.5");
  EXPECT_EQ(RuleOf(Bytes({0x62, 0x03, 0x00, 0x01, 0x00})), "§3.6");
  EXPECT_EQ(RuleOf(Bytes({0x70, 0x03, 0x00, 0x01, 0x00})), "§3.7");
  EXPECT_EQ(RuleOf(Bytes({0xB0, 0x03, 0x00, 0x01, 0x00})), "§3.11");
  EXPECT_EQ(RuleOf(Bytes({0xC0, 0x01, 0x00})), "§3.12");
  EXPECT_EQ(RuleOf(Bytes({0xD0, 0x01, 0x00})), "§3.13");
  Error error = MustReject(Bytes({0xE0, 0x01, 0x00}));
  EXPECT_EQ(error.field, "§3.14");
  EXPECT_THAT(error.message, HasSubstr("DISCONNECT"));
  EXPECT_THAT(error.message, HasSubstr("1 byte"));
}

TEST(MqttDecoder, SurfacesUnsupportedProtocolLevelForConnack) {
  // [MQTT-3.1.2-2]: the Server answers CONNACK 0x01, then closes.
  auto decoded = DecodePacket(Frame(0x10, Str("MQTT") + Bytes({5, 0x02}) + U16(0) + Str("c")));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().field, "MQTT-3.1.2-2");
  EXPECT_EQ(ConnackFor(decoded.error()), ConnectReturnCode::kUnacceptableProtocolVersion);

  auto other = DecodePacket(Frame(0x10, ConnectBody(0x01, Str("c"))));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(ConnackFor(other.error()), std::nullopt);
}

}  // namespace
}  // namespace fundament::mqtt
