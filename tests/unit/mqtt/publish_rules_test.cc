// Specifies how the decoder validates PUBLISH and its acknowledgements
// (MQTT 3.1.1 §3.3 to §3.7): flags, topic names and packet identifiers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mqtt/codec.h"
#include "mqtt/mqtt_test_util.h"
#include "mqtt/packet.h"

namespace fundament::mqtt {
namespace {

using testing::Bytes;
using testing::Frame;
using ::testing::HasSubstr;
using testing::MustDecode;
using testing::MustReject;
using testing::RuleOf;
using testing::Str;
using testing::U16;

TEST(MqttPublish, DecodesFlags) {
  const Packet packet = MustDecode(Frame(0x3B, Str("a") + U16(1) + "x"));  // dup, QoS 1, retain
  const Publish& p = std::get<Publish>(packet);
  EXPECT_TRUE(p.dup);
  EXPECT_EQ(p.qos, QoS::kAtLeastOnce);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.packet_id, 1);
  EXPECT_EQ(p.payload, "x");
}

TEST(MqttPublish, RejectsQoS3) {
  Error error = MustReject(Frame(0x36, Str("a") + U16(1)));
  EXPECT_EQ(error.field, "MQTT-3.3.1-4");
  EXPECT_THAT(error.message, HasSubstr("PUBLISH"));
  EXPECT_THAT(error.message, HasSubstr("QoS 3"));
  EXPECT_EQ(RuleOf(Frame(0x3F, Str("a") + U16(1))), "MQTT-3.3.1-4");
}

TEST(MqttPublish, RejectsDupWithQoS0) {
  EXPECT_EQ(RuleOf(Frame(0x38, Str("a"))), "MQTT-3.3.1-2");
  EXPECT_EQ(RuleOf(Frame(0x39, Str("a"))), "MQTT-3.3.1-2");
}

TEST(MqttPublish, RejectsWildcardsInTopicName) {
  Error error = MustReject(Frame(0x30, Str("sport/+/player1")));
  EXPECT_EQ(error.field, "MQTT-4.7.1-1");
  EXPECT_THAT(error.message, HasSubstr("PUBLISH topic name"));
  EXPECT_EQ(RuleOf(Frame(0x30, Str("sport/#"))), "MQTT-4.7.1-1");
}

TEST(MqttPublish, RejectsEmptyTopicName) {
  EXPECT_EQ(RuleOf(Frame(0x30, Str("") + "payload")), "MQTT-4.7.3-1");
}

TEST(MqttPublish, RejectsInvalidUtf8TopicName) {
  EXPECT_EQ(RuleOf(Frame(0x30, Str("a/\xED\xA0\x80"))), "MQTT-1.5.3-1");
  EXPECT_EQ(RuleOf(Frame(0x30, Str(std::string("a\0b", 3)))), "MQTT-1.5.3-2");
}

TEST(MqttPublish, RejectsMissingTopicName) {
  EXPECT_EQ(RuleOf(Frame(0x30, "")), "MQTT-3.3.2-1");
  EXPECT_EQ(RuleOf(Frame(0x30, Bytes({0x00}))), "MQTT-3.3.2-1");
  EXPECT_EQ(RuleOf(Frame(0x30, Bytes({0x00, 0x04, 'a', 'b'}))), "MQTT-3.3.2-1");
}

TEST(MqttPublish, RejectsPacketIdZeroWithQoS1And2) {
  Error error = MustReject(Frame(0x32, Str("a") + U16(0)));
  EXPECT_EQ(error.field, "MQTT-2.3.1-1");
  EXPECT_THAT(error.message, HasSubstr("PUBLISH"));
  EXPECT_EQ(RuleOf(Frame(0x34, Str("a") + U16(0) + "x")), "MQTT-2.3.1-1");
}

TEST(MqttPublish, RejectsMissingPacketId) {
  EXPECT_EQ(RuleOf(Frame(0x32, Str("a"))), "§3.3.2.2");
  EXPECT_EQ(RuleOf(Frame(0x34, Str("a") + Bytes({0x01}))), "§3.3.2.2");
}

TEST(MqttPublish, QoS0HasNoPacketId) {
  // With QoS 0, what follows the topic is payload, even if it looks like an id.
  const Packet packet = MustDecode(Frame(0x30, Str("a") + U16(5)));
  const Publish& p = std::get<Publish>(packet);
  EXPECT_EQ(p.packet_id, 0);
  EXPECT_EQ(p.payload, U16(5));
}

TEST(MqttPublish, PayloadIsBinary) {
  const std::string payload("\x00\xC3\x28\xFF", 4);
  EXPECT_EQ(std::get<Publish>(MustDecode(Frame(0x30, Str("a") + payload))).payload, payload);
}

TEST(MqttAcknowledgement, RejectsPacketIdZero) {
  EXPECT_EQ(RuleOf(Bytes({0x40, 0x02, 0x00, 0x00})), "MQTT-2.3.1-1");
  EXPECT_EQ(RuleOf(Bytes({0x50, 0x02, 0x00, 0x00})), "MQTT-2.3.1-1");
  EXPECT_EQ(RuleOf(Bytes({0x62, 0x02, 0x00, 0x00})), "MQTT-2.3.1-1");
  EXPECT_EQ(RuleOf(Bytes({0x70, 0x02, 0x00, 0x00})), "MQTT-2.3.1-1");
  Error error = MustReject(Bytes({0xB0, 0x02, 0x00, 0x00}));
  EXPECT_EQ(error.field, "MQTT-2.3.1-1");
  EXPECT_THAT(error.message, HasSubstr("UNSUBACK"));
}

TEST(MqttAcknowledgement, RejectsMissingPacketId) {
  EXPECT_EQ(RuleOf(Bytes({0x40, 0x00})), "§3.4");
  EXPECT_EQ(RuleOf(Bytes({0x50, 0x01, 0x00})), "§3.5");
  EXPECT_EQ(RuleOf(Bytes({0x62, 0x00})), "§3.6");
  EXPECT_EQ(RuleOf(Bytes({0x70, 0x00})), "§3.7");
  EXPECT_EQ(RuleOf(Bytes({0xB0, 0x00})), "§3.11");
}

}  // namespace
}  // namespace fundament::mqtt
