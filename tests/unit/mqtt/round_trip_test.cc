// Specifies the wire form of every MQTT 3.1.1 control packet (§3): the
// encoder writes the bytes the standard lays out (built here by hand), and the
// decoder turns those bytes back into the same packet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/mqtt_test_util.h"
#include "mqtt/packet.h"

namespace fundament::mqtt {
namespace {

using testing::Bytes;
using testing::ConnectBody;
using testing::Frame;
using testing::MustDecode;
using testing::MustEncode;
using testing::Str;
using testing::U16;

// The packet encodes to exactly `wire`, and `wire` decodes to the packet.
void ExpectWireForm(const Packet& packet, const std::string& wire) {
  EXPECT_EQ(::testing::PrintToString(MustEncode(packet)), ::testing::PrintToString(wire)) << ToString(packet);
  EXPECT_EQ(MustDecode(wire), packet) << ToString(packet);
}

TEST(MqttRoundTrip, ConnectMinimal) {
  Connect connect;
  connect.client_id = "gauge-17";
  connect.keep_alive = 60;
  ExpectWireForm(connect, Frame(0x10, ConnectBody(0x02, Str("gauge-17"), 60)));
}

TEST(MqttRoundTrip, ConnectStandardExampleFlags) {
  // §3.1.2.11 example: flags 0xCE (user name, password, will QoS 1, will,
  // clean session), keep alive 10.
  Connect connect;
  connect.keep_alive = 10;
  connect.client_id = "c1";
  connect.will = Will{"clients/c1/state", "offline", QoS::kAtLeastOnce, false};
  connect.username = "operator";
  connect.password = std::string("s\0cret", 6);
  ExpectWireForm(connect, Frame(0x10, Str("MQTT") + Bytes({0x04, 0xCE, 0x00, 0x0A}) + Str("c1") +
                                          Str("clients/c1/state") + Str("offline") + Str("operator") +
                                          Str(std::string("s\0cret", 6))));
}

TEST(MqttRoundTrip, ConnectWillRetainQoS2WithoutCredentials) {
  Connect connect;
  connect.clean_session = false;
  connect.client_id = "station";
  connect.will = Will{"status", "", QoS::kExactlyOnce, true};
  // Will retain (0x20) | will QoS 2 (0x10) | will flag (0x04).
  ExpectWireForm(connect, Frame(0x10, ConnectBody(0x34, Str("station") + Str("status") + Str(""), 0)));
}

TEST(MqttRoundTrip, ConnectUsernameWithoutPassword) {
  Connect connect;
  connect.client_id = "x";
  connect.username = "";
  ExpectWireForm(connect, Frame(0x10, ConnectBody(0x82, Str("x") + Str(""), 0)));
}

TEST(MqttRoundTrip, ConnectEmptyClientIdIsSurfacedNotRejected) {
  // [MQTT-3.1.3-8]: with clean session 0 the Server answers CONNACK 0x02;
  // that is its decision, so the codec delivers the packet as it is.
  Connect connect;
  connect.clean_session = false;
  ExpectWireForm(connect, Frame(0x10, ConnectBody(0x00, Str(""), 0)));
}

TEST(MqttRoundTrip, ConnectMqtt31) {
  Connect connect;
  connect.protocol_level = kProtocolLevel31;
  connect.client_id = "legacy";
  connect.keep_alive = 30;
  ExpectWireForm(connect, Frame(0x10, Str("MQIsdp") + Bytes({0x03, 0x02}) + U16(30) + Str("legacy")));
}

TEST(MqttRoundTrip, Connack) {
  ExpectWireForm(Connack{}, Bytes({0x20, 0x02, 0x00, 0x00}));
  ExpectWireForm(Connack{true, ConnectReturnCode::kAccepted}, Bytes({0x20, 0x02, 0x01, 0x00}));
  ExpectWireForm(Connack{false, ConnectReturnCode::kUnacceptableProtocolVersion},
                 Bytes({0x20, 0x02, 0x00, 0x01}));
  ExpectWireForm(Connack{false, ConnectReturnCode::kIdentifierRejected}, Bytes({0x20, 0x02, 0x00, 0x02}));
  ExpectWireForm(Connack{false, ConnectReturnCode::kServerUnavailable}, Bytes({0x20, 0x02, 0x00, 0x03}));
  ExpectWireForm(Connack{false, ConnectReturnCode::kBadUsernameOrPassword}, Bytes({0x20, 0x02, 0x00, 0x04}));
  ExpectWireForm(Connack{false, ConnectReturnCode::kNotAuthorized}, Bytes({0x20, 0x02, 0x00, 0x05}));
}

TEST(MqttRoundTrip, PublishQoS0) {
  Publish publish;
  publish.topic = "v1.1/Datastreams(1)/Observations";
  publish.payload = R"({"result":4.2})";
  ExpectWireForm(publish, Frame(0x30, Str(publish.topic) + publish.payload));
}

TEST(MqttRoundTrip, PublishQoS0RetainEmptyPayload) {
  // An empty retained message clears the retained message of the topic.
  Publish publish;
  publish.retain = true;
  publish.topic = "a/b";
  ExpectWireForm(publish, Frame(0x31, Str("a/b")));
}

TEST(MqttRoundTrip, PublishQoS1) {
  Publish publish;
  publish.qos = QoS::kAtLeastOnce;
  publish.topic = "a/b";
  publish.packet_id = 10;
  publish.payload = std::string("\x00\xFF\x01", 3);
  ExpectWireForm(publish, Frame(0x32, Str("a/b") + U16(10) + publish.payload));
}

TEST(MqttRoundTrip, PublishQoS2DupRetain) {
  Publish publish;
  publish.dup = true;
  publish.qos = QoS::kExactlyOnce;
  publish.retain = true;
  publish.topic = "$SYS/x";
  publish.packet_id = 0xFFFF;
  publish.payload = "p";
  ExpectWireForm(publish, Frame(0x3D, Str("$SYS/x") + U16(0xFFFF) + "p"));
}

TEST(MqttRoundTrip, PublishWithLargePayloadUsesLongerRemainingLength) {
  Publish publish;
  publish.topic = "t";
  publish.payload = std::string(20'000, 'x');
  std::string wire = MustEncode(publish);
  // 3 + 20000 = 20003 = 0x4E23: digits 0xA3 0x9C 0x01.
  ASSERT_GE(wire.size(), 4u);
  EXPECT_EQ(wire.substr(0, 4), Bytes({0x30, 0xA3, 0x9C, 0x01}));
  EXPECT_EQ(MustDecode(wire), Packet(publish));
}

TEST(MqttRoundTrip, Acknowledgements) {
  ExpectWireForm(Puback{7}, Bytes({0x40, 0x02, 0x00, 0x07}));
  ExpectWireForm(Pubrec{0x0102}, Bytes({0x50, 0x02, 0x01, 0x02}));
  ExpectWireForm(Pubrel{0xFFFF}, Bytes({0x62, 0x02, 0xFF, 0xFF}));
  ExpectWireForm(Pubcomp{1}, Bytes({0x70, 0x02, 0x00, 0x01}));
  ExpectWireForm(Unsuback{300}, Bytes({0xB0, 0x02, 0x01, 0x2C}));
}

TEST(MqttRoundTrip, Subscribe) {
  Subscribe subscribe;
  subscribe.packet_id = 10;
  subscribe.subscriptions = {{"v1.1/Datastreams(1)/Observations", QoS::kAtMostOnce},
                             {"sport/+/player1", QoS::kAtLeastOnce},
                             {"#", QoS::kExactlyOnce}};
  ExpectWireForm(subscribe, Frame(0x82, U16(10) + Str("v1.1/Datastreams(1)/Observations") + Bytes({0}) +
                                            Str("sport/+/player1") + Bytes({1}) + Str("#") + Bytes({2})));
}

TEST(MqttRoundTrip, Suback) {
  Suback suback;
  suback.packet_id = 10;
  suback.return_codes = {SubackReturnCode::kGrantedQoS0, SubackReturnCode::kGrantedQoS1,
                         SubackReturnCode::kGrantedQoS2, SubackReturnCode::kFailure};
  ExpectWireForm(suback, Frame(0x90, U16(10) + Bytes({0x00, 0x01, 0x02, 0x80})));
}

TEST(MqttRoundTrip, Unsubscribe) {
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 11;
  unsubscribe.topic_filters = {"a/b", "c/#"};
  ExpectWireForm(unsubscribe, Frame(0xA2, U16(11) + Str("a/b") + Str("c/#")));
}

TEST(MqttRoundTrip, PacketsWithoutBody) {
  ExpectWireForm(Pingreq{}, Bytes({0xC0, 0x00}));
  ExpectWireForm(Pingresp{}, Bytes({0xD0, 0x00}));
  ExpectWireForm(Disconnect{}, Bytes({0xE0, 0x00}));
}

TEST(MqttRoundTrip, EveryPacketTypeThroughOneDecoder) {
  Connect connect;
  connect.client_id = "all";
  connect.will = Will{"w", "gone", QoS::kAtLeastOnce, true};
  connect.username = "u";
  connect.password = "p";
  Publish publish{false, QoS::kAtLeastOnce, false, "t", 5, "x"};
  const std::vector<Packet> packets = {connect,
                                       Connack{true, ConnectReturnCode::kAccepted},
                                       publish,
                                       Puback{5},
                                       Pubrec{6},
                                       Pubrel{6},
                                       Pubcomp{6},
                                       Subscribe{7, {{"a/+", QoS::kExactlyOnce}}},
                                       Suback{7, {SubackReturnCode::kGrantedQoS2}},
                                       Unsubscribe{8, {"a/+"}},
                                       Unsuback{8},
                                       Pingreq{},
                                       Pingresp{},
                                       Disconnect{}};
  std::string stream;
  for (const Packet& packet : packets) stream += MustEncode(packet);

  Decoder decoder;
  std::vector<Packet> decoded;
  ASSERT_TRUE(decoder.Feed(stream, &decoded).ok());
  EXPECT_EQ(decoded, packets);
  EXPECT_TRUE(decoder.idle());
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(TypeOf(packets[i])), i + 1);
  }
}

TEST(MqttPacket, NamesEveryType) {
  EXPECT_STREQ(PacketTypeName(PacketType::kConnect), "CONNECT");
  EXPECT_STREQ(PacketTypeName(PacketType::kPubrel), "PUBREL");
  EXPECT_STREQ(PacketTypeName(PacketType::kUnsuback), "UNSUBACK");
  EXPECT_STREQ(PacketTypeName(PacketType::kDisconnect), "DISCONNECT");
  EXPECT_STREQ(PacketTypeName(static_cast<PacketType>(0)), "RESERVED");
  EXPECT_STREQ(PacketTypeName(static_cast<PacketType>(15)), "RESERVED");
}

TEST(MqttPacket, PrintsPacketsOnOneLine) {
  Publish publish{false, QoS::kAtLeastOnce, true, "a/\"b\"", 7, "hello"};
  EXPECT_EQ(ToString(publish),
            R"(PUBLISH{qos=1 dup=0 retain=1 packet_id=7 topic="a/\"b\"" payload=5 bytes})");
  EXPECT_EQ(ToString(Pingreq{}), "PINGREQ{}");
  EXPECT_EQ(ToString(Suback{3, {SubackReturnCode::kGrantedQoS1, SubackReturnCode::kFailure}}),
            "SUBACK{packet_id=3 return_codes=[0x01 0x80]}");
  Connect connect;
  connect.client_id = "c\n";
  connect.password = "secret";
  std::string text = ToString(connect);
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(client_id="c\n")"), std::string::npos) << text;
}

}  // namespace
}  // namespace fundament::mqtt
