// Specifies what the encoder refuses to write: exactly what the decoder would
// refuse to read, so the broker can never send a packet a peer must reject.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mqtt/codec.h"
#include "mqtt/mqtt_test_util.h"
#include "mqtt/packet.h"
#include "mqtt/topic.h"

namespace fundament::mqtt {
namespace {

using testing::EncodeRuleOf;
using ::testing::HasSubstr;

Publish ValidPublish() { return Publish{false, QoS::kAtLeastOnce, false, "a/b", 1, "x"}; }

Connect ValidConnect() {
  Connect connect;
  connect.client_id = "c";
  return connect;
}

TEST(MqttEncoder, LeavesOutputUnchangedOnError) {
  std::string out = "kept";
  Publish publish = ValidPublish();
  publish.topic = "a/+";
  Status status = EncodeTo(publish, &out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(out, "kept");
  ASSERT_TRUE(EncodeTo(Pingreq{}, &out).ok());
  EXPECT_EQ(out, std::string("kept\xC0\x00", 6));
}

TEST(MqttEncoder, RejectsInvalidPublish) {
  Publish publish = ValidPublish();
  publish.qos = static_cast<QoS>(3);
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-3.3.1-4");

  publish = ValidPublish();
  publish.packet_id = 0;
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-2.3.1-1");

  publish = ValidPublish();
  publish.qos = QoS::kAtMostOnce;
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-2.3.1-5");  // packet id 1 with QoS 0

  publish.packet_id = 0;
  publish.dup = true;
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-3.3.1-2");

  publish = ValidPublish();
  publish.topic = "";
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-4.7.3-1");
  publish.topic = "a/#";
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-4.7.1-1");
  publish.topic = "\xFF";
  EXPECT_EQ(EncodeRuleOf(publish), "MQTT-1.5.3-1");
  publish.topic = std::string(kMaxStringLength + 1, 'a');
  EXPECT_EQ(EncodeRuleOf(publish), "§1.5.3");
}

TEST(MqttEncoder, RejectsPacketOverMaximumRemainingLength) {
  Publish publish = ValidPublish();
  publish.qos = QoS::kAtMostOnce;
  publish.packet_id = 0;
  publish.topic = "t";
  // 3 bytes of topic, so one byte over the limit.
  publish.payload.assign(kMaxRemainingLength - 2, 'x');
  auto encoded = Encode(publish);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().field, "§2.2.3");
  EXPECT_THAT(encoded.error().message, HasSubstr("268435455"));
}

TEST(MqttEncoder, RejectsInvalidConnect) {
  Connect connect = ValidConnect();
  connect.protocol_level = 5;
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-3.1.2-2");

  connect = ValidConnect();
  connect.password = "pw";
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-3.1.2-22");

  connect = ValidConnect();
  connect.client_id = std::string("\0", 1);
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-1.5.3-2");

  connect = ValidConnect();
  connect.username = "\xC0\x80";
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-1.5.3-1");

  connect = ValidConnect();
  connect.username = "u";
  connect.password = std::string(kMaxStringLength + 1, 'p');
  EXPECT_EQ(EncodeRuleOf(connect), "§1.5.3");

  connect = ValidConnect();
  connect.will = Will{"t/+", "m", QoS::kAtMostOnce, false};
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-4.7.1-1");
  connect.will = Will{"t", "m", static_cast<QoS>(3), false};
  EXPECT_EQ(EncodeRuleOf(connect), "MQTT-3.1.2-14");
  connect.will = Will{"t", std::string(kMaxStringLength + 1, 'm'), QoS::kAtMostOnce, false};
  EXPECT_EQ(EncodeRuleOf(connect), "§1.5.3");
}

TEST(MqttEncoder, AcceptsEmptyClientIdentifierWithoutCleanSession) {
  // Surfaced for the Server to answer, so a test client must be able to send it.
  Connect connect;
  connect.clean_session = false;
  EXPECT_EQ(EncodeRuleOf(connect), "accepted");
}

TEST(MqttEncoder, RejectsInvalidConnack) {
  EXPECT_EQ(EncodeRuleOf(Connack{false, static_cast<ConnectReturnCode>(6)}), "§3.2.2.3");
  EXPECT_EQ(EncodeRuleOf(Connack{true, ConnectReturnCode::kNotAuthorized}), "MQTT-3.2.2-4");
}

TEST(MqttEncoder, RejectsInvalidSubscriptions) {
  EXPECT_EQ(EncodeRuleOf(Subscribe{1, {}}), "MQTT-3.8.3-3");
  EXPECT_EQ(EncodeRuleOf(Subscribe{0, {{"a", QoS::kAtMostOnce}}}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Subscribe{1, {{"a+", QoS::kAtMostOnce}}}), "MQTT-4.7.1-3");
  EXPECT_EQ(EncodeRuleOf(Subscribe{1, {{"a", static_cast<QoS>(3)}}}), "MQTT-3.8.3-4");
  EXPECT_EQ(EncodeRuleOf(Suback{1, {}}), "§3.9.3");
  EXPECT_EQ(EncodeRuleOf(Suback{0, {SubackReturnCode::kFailure}}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Suback{1, {static_cast<SubackReturnCode>(3)}}), "MQTT-3.9.3-2");
  EXPECT_EQ(EncodeRuleOf(Unsubscribe{1, {}}), "MQTT-3.10.3-2");
  EXPECT_EQ(EncodeRuleOf(Unsubscribe{0, {"a"}}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Unsubscribe{1, {"#/a"}}), "MQTT-4.7.1-2");
}

TEST(MqttEncoder, RejectsAcknowledgementsWithPacketIdZero) {
  EXPECT_EQ(EncodeRuleOf(Puback{0}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Pubrec{0}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Pubrel{0}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Pubcomp{0}), "MQTT-2.3.1-1");
  EXPECT_EQ(EncodeRuleOf(Unsuback{0}), "MQTT-2.3.1-1");
}

}  // namespace
}  // namespace fundament::mqtt
