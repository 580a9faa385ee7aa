// Specifies how the decoder validates CONNECT and CONNACK (MQTT 3.1.1 §3.1,
// §3.2): one test per rule, each rejection naming its conformance statement.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

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
using testing::MustReject;
using testing::RuleOf;
using testing::Str;
using testing::U16;

std::string ConnectWithFlags(int flags, const std::string& payload) {
  return Frame(0x10, ConnectBody(flags, payload));
}

TEST(MqttConnect, DecodesAllFields) {
  Packet packet = MustDecode(ConnectWithFlags(
      0xEE, Str("id") + Str("will/topic") + Str("bye") + Str("user") + Str("pass")));  // will QoS 1, retain
  const Connect& connect = std::get<Connect>(packet);
  EXPECT_EQ(connect.protocol_level, kProtocolLevel311);
  EXPECT_TRUE(connect.clean_session);
  EXPECT_EQ(connect.keep_alive, 60);
  EXPECT_EQ(connect.client_id, "id");
  ASSERT_TRUE(connect.will.has_value());
  EXPECT_EQ(connect.will->topic, "will/topic");
  EXPECT_EQ(connect.will->message, "bye");
  EXPECT_EQ(connect.will->qos, QoS::kAtLeastOnce);
  EXPECT_TRUE(connect.will->retain);
  EXPECT_EQ(connect.username, "user");
  EXPECT_EQ(connect.password, "pass");
}

TEST(MqttConnect, RejectsUnknownProtocolName) {
  Error error = MustReject(Frame(0x10, Str("MQTX") + Bytes({4, 0x02}) + U16(0) + Str("c")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-1");
  EXPECT_THAT(error.message, HasSubstr("\"MQTX\""));
  EXPECT_EQ(RuleOf(Frame(0x10, Str("mqtt") + Bytes({4, 0x02}) + U16(0) + Str("c"))), "MQTT-3.1.2-1");
  EXPECT_EQ(RuleOf(Frame(0x10, Str("") + Bytes({4, 0x02}) + U16(0) + Str("c"))), "MQTT-3.1.2-1");
}

TEST(MqttConnect, RejectsUnsupportedProtocolLevel) {
  Error error = MustReject(Frame(0x10, Str("MQTT") + Bytes({5, 0x02}) + U16(0) + Str("c")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-2");
  EXPECT_THAT(error.message, HasSubstr("level 5"));
  EXPECT_EQ(RuleOf(Frame(0x10, Str("MQTT") + Bytes({3, 0x02}) + U16(0) + Str("c"))), "MQTT-3.1.2-2");
  EXPECT_EQ(RuleOf(Frame(0x10, Str("MQIsdp") + Bytes({4, 0x02}) + U16(0) + Str("c"))), "MQTT-3.1.2-2");
  // An MQTT 5 CONNECT is recognised as such however its body goes on.
  EXPECT_EQ(RuleOf(Frame(0x10, Str("MQTT") + Bytes({5}))), "MQTT-3.1.2-2");
}

TEST(MqttConnect, AcceptsMqtt31) {
  Packet packet = MustDecode(Frame(0x10, Str("MQIsdp") + Bytes({3, 0x02}) + U16(10) + Str("old")));
  EXPECT_EQ(std::get<Connect>(packet).protocol_level, kProtocolLevel31);
}

TEST(MqttConnect, RejectsReservedConnectFlag) {
  Error error = MustReject(ConnectWithFlags(0x03, Str("c")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-3");
  EXPECT_EQ(error.message, "[MQTT-3.1.2-3] CONNECT reserved flag must be 0");
}

TEST(MqttConnect, RejectsWillQoSWithoutWillFlag) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x0A, Str("c"))), "MQTT-3.1.2-13");  // QoS 1
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x12, Str("c"))), "MQTT-3.1.2-13");  // QoS 2
}

TEST(MqttConnect, RejectsWillQoS3) {
  Error error = MustReject(ConnectWithFlags(0x1E, Str("c") + Str("t") + Str("m")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-14");
  EXPECT_THAT(error.message, HasSubstr("QoS 3"));
}

TEST(MqttConnect, RejectsWillRetainWithoutWillFlag) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x22, Str("c"))), "MQTT-3.1.2-15");
}

TEST(MqttConnect, RejectsPasswordFlagWithoutUsernameFlag) {
  Error error = MustReject(ConnectWithFlags(0x42, Str("c") + Str("pw")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-22");
  EXPECT_THAT(error.message, HasSubstr("password"));
}

TEST(MqttConnect, RejectsMissingClientIdentifier) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x02, "")), "MQTT-3.1.3-3");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x02, Bytes({0x00}))), "MQTT-3.1.3-3");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x02, Bytes({0x00, 0x05, 'a'}))), "MQTT-3.1.3-3");
}

TEST(MqttConnect, RejectsMissingWillTopicOrMessage) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x06, Str("c"))), "MQTT-3.1.2-9");
  Error error = MustReject(ConnectWithFlags(0x06, Str("c") + Str("t")));
  EXPECT_EQ(error.field, "MQTT-3.1.2-9");
  EXPECT_THAT(error.message, HasSubstr("will message"));
}

TEST(MqttConnect, RejectsMissingUsernameOrPassword) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x82, Str("c"))), "MQTT-3.1.2-19");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0xC2, Str("c") + Str("u"))), "MQTT-3.1.2-21");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0xC2, Str("c") + Str("u") + Bytes({0x00}))), "MQTT-3.1.2-21");
}

TEST(MqttConnect, RejectsFieldsTheFlagsDoNotAnnounce) {
  // [MQTT-3.1.2-11], -18, -20: a field is present only with its flag; what is
  // left after the announced fields is not part of any.
  Error error = MustReject(ConnectWithFlags(0x02, Str("c") + Str("surplus")));
  EXPECT_EQ(error.field, "§3.1.3");
  EXPECT_THAT(error.message, HasSubstr("9 bytes"));
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x82, Str("c") + Str("u") + Bytes({0x00}))), "§3.1.3");
}

TEST(MqttConnect, RejectsTruncatedVariableHeader) {
  EXPECT_EQ(RuleOf(Frame(0x10, "")), "§3.1.2");
  EXPECT_EQ(RuleOf(Frame(0x10, Str("MQTT"))), "§3.1.2");
  EXPECT_EQ(RuleOf(Frame(0x10, Str("MQTT") + Bytes({4, 0x02, 0x00}))), "§3.1.2");
}

TEST(MqttConnect, RejectsInvalidUtf8InStringFields) {
  const std::string bad = "\xC3\x28";
  const std::string null = std::string("a\0", 2);
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x02, Str(bad))), "MQTT-1.5.3-1");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x02, Str(null))), "MQTT-1.5.3-2");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x06, Str("c") + Str(bad) + Str("m"))), "MQTT-1.5.3-1");
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x82, Str("c") + Str(null))), "MQTT-1.5.3-2");
  Error error = MustReject(ConnectWithFlags(0x82, Str("c") + Str(bad)));
  EXPECT_THAT(error.message, HasSubstr("user name"));
}

TEST(MqttConnect, KeepsBinaryWillMessageAndPassword) {
  const std::string binary("\x00\xFF\xC3\x28", 4);
  Packet packet =
      MustDecode(ConnectWithFlags(0xC6, Str("c") + Str("t") + Str(binary) + Str("u") + Str(binary)));
  const Connect& connect = std::get<Connect>(packet);
  EXPECT_EQ(connect.will->message, binary);
  EXPECT_EQ(connect.password, binary);
}

TEST(MqttConnect, RejectsInvalidWillTopic) {
  EXPECT_EQ(RuleOf(ConnectWithFlags(0x06, Str("c") + Str("a/+") + Str("m"))), "MQTT-4.7.1-1");
  Error error = MustReject(ConnectWithFlags(0x06, Str("c") + Str("") + Str("m")));
  EXPECT_EQ(error.field, "MQTT-4.7.3-1");
  EXPECT_THAT(error.message, HasSubstr("will topic"));
}

TEST(MqttConnect, AcceptsEmptyClientIdentifierEitherWay) {
  // Whether to accept it is the Server's decision ([MQTT-3.1.3-6], -8).
  EXPECT_EQ(std::get<Connect>(MustDecode(ConnectWithFlags(0x02, Str("")))).client_id, "");
  EXPECT_FALSE(std::get<Connect>(MustDecode(ConnectWithFlags(0x00, Str("")))).clean_session);
}

TEST(MqttConnect, ConnackForEmptyClientIdentifierWithoutCleanSessionIsIdentifierRejected) {
  // [MQTT-3.1.3-8]: surfaced by ConnackFor, for the Server to send.
  Connect connect = std::get<Connect>(MustDecode(ConnectWithFlags(0x00, Str(""))));
  EXPECT_EQ(ConnackFor(connect), ConnectReturnCode::kIdentifierRejected);
  connect.clean_session = true;
  EXPECT_EQ(ConnackFor(connect), std::nullopt);
  connect.client_id = "c";
  connect.clean_session = false;
  EXPECT_EQ(ConnackFor(connect), std::nullopt);
}

TEST(MqttConnect, ConnackForEmptyClientIdentifierOfMqtt31IsIdentifierRejected) {
  // MQTT 3.1 requires 1 to 23 characters; only 3.1.1 lets the Server assign one.
  Connect connect;
  connect.protocol_level = kProtocolLevel31;
  EXPECT_EQ(ConnackFor(connect), ConnectReturnCode::kIdentifierRejected);
  connect.client_id = "c";
  EXPECT_EQ(ConnackFor(connect), std::nullopt);
}

TEST(MqttConnack, RejectsReservedAcknowledgeFlags) {
  Error error = MustReject(Bytes({0x20, 0x02, 0x02, 0x00}));
  EXPECT_EQ(error.field, "§3.2.2.1");
  EXPECT_THAT(error.message, HasSubstr("CONNACK"));
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x02, 0x80, 0x00})), "§3.2.2.1");
}

TEST(MqttConnack, RejectsReservedReturnCodes) {
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x02, 0x00, 0x06})), "§3.2.2.3");
  Error error = MustReject(Bytes({0x20, 0x02, 0x00, 0xFF}));
  EXPECT_THAT(error.message, HasSubstr("255"));
}

TEST(MqttConnack, RejectsSessionPresentWithRefusal) {
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x02, 0x01, 0x05})), "MQTT-3.2.2-4");
}

TEST(MqttConnack, RejectsShortBody) {
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x01, 0x00})), "§3.2");
  EXPECT_EQ(RuleOf(Bytes({0x20, 0x00})), "§3.2");
}

}  // namespace
}  // namespace fundament::mqtt
