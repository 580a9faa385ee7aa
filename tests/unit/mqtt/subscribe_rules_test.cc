// Specifies how the decoder validates SUBSCRIBE, SUBACK, UNSUBSCRIBE
// (MQTT 3.1.1 §3.8 to §3.10): topic filters, requested QoS, return codes.
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

std::string SubscribeFrame(const std::string& payload, unsigned packet_id = 1) {
  return Frame(0x82, U16(packet_id) + payload);
}

TEST(MqttSubscribe, DecodesWildcardFilters) {
  const Packet packet = MustDecode(SubscribeFrame(Str("sport/tennis/player1/#") + Bytes({1}) + Str("+/+") +
                                                  Bytes({0}) + Str("#") + Bytes({2})));
  const Subscribe& s = std::get<Subscribe>(packet);
  ASSERT_EQ(s.subscriptions.size(), 3u);
  EXPECT_EQ(s.subscriptions[0], (Subscription{"sport/tennis/player1/#", QoS::kAtLeastOnce}));
  EXPECT_EQ(s.subscriptions[1], (Subscription{"+/+", QoS::kAtMostOnce}));
  EXPECT_EQ(s.subscriptions[2], (Subscription{"#", QoS::kExactlyOnce}));
}

TEST(MqttSubscribe, RejectsNoTopicFilters) {
  Error error = MustReject(SubscribeFrame(""));
  EXPECT_EQ(error.field, "MQTT-3.8.3-3");
  EXPECT_THAT(error.message, HasSubstr("SUBSCRIBE"));
}

TEST(MqttSubscribe, RejectsPacketIdZero) {
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a") + Bytes({0}), 0)), "MQTT-2.3.1-1");
}

TEST(MqttSubscribe, RejectsMissingPacketId) {
  EXPECT_EQ(RuleOf(Frame(0x82, "")), "§3.8.2");
  EXPECT_EQ(RuleOf(Frame(0x82, Bytes({0x00}))), "§3.8.2");
}

TEST(MqttSubscribe, RejectsRequestedQoS3AndReservedBits) {
  // [MQTT-3-8.3-4] in the standard's own spelling.
  Error error = MustReject(SubscribeFrame(Str("a") + Bytes({3})));
  EXPECT_EQ(error.field, "MQTT-3.8.3-4");
  EXPECT_THAT(error.message, HasSubstr("QoS"));
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a") + Bytes({0x04}))), "MQTT-3.8.3-4");
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a") + Bytes({0x81}))), "MQTT-3.8.3-4");
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a") + Bytes({0}) + Str("b") + Bytes({0x40}))), "MQTT-3.8.3-4");
}

TEST(MqttSubscribe, RejectsInvalidTopicFilters) {
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("sport/tennis#") + Bytes({0}))), "MQTT-4.7.1-2");
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("sport/#/ranking") + Bytes({0}))), "MQTT-4.7.1-2");
  Error error = MustReject(SubscribeFrame(Str("a") + Bytes({0}) + Str("sport+") + Bytes({0})));
  EXPECT_EQ(error.field, "MQTT-4.7.1-3");
  EXPECT_THAT(error.message, HasSubstr("SUBSCRIBE topic filter"));
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("") + Bytes({0}))), "MQTT-4.7.3-1");
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("\xF8\x88\x80\x80\x80") + Bytes({0}))), "MQTT-1.5.3-1");
}

TEST(MqttSubscribe, RejectsTopicFilterWithoutQoS) {
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a"))), "§3.8.3");
  EXPECT_EQ(RuleOf(SubscribeFrame(Str("a") + Bytes({0}) + Bytes({0x00}))), "§3.8.3");
  Error error = MustReject(SubscribeFrame(Str("a") + Bytes({0}) + Bytes({0x00, 0x09, 'b'})));
  EXPECT_EQ(error.field, "§3.8.3");
}

TEST(MqttSuback, RejectsReservedReturnCodes) {
  for (int code : {0x03, 0x7F, 0x81, 0xFF}) {
    EXPECT_EQ(RuleOf(Frame(0x90, U16(1) + Bytes({0, code}))), "MQTT-3.9.3-2") << code;
  }
}

TEST(MqttSuback, RejectsNoReturnCodes) { EXPECT_EQ(RuleOf(Frame(0x90, U16(1))), "§3.9.3"); }

TEST(MqttSuback, RejectsPacketIdZeroOrMissing) {
  EXPECT_EQ(RuleOf(Frame(0x90, U16(0) + Bytes({0}))), "MQTT-2.3.1-1");
  EXPECT_EQ(RuleOf(Frame(0x90, Bytes({0x01}))), "§3.9.2");
}

TEST(MqttUnsubscribe, DecodesFilters) {
  const Packet packet = MustDecode(Frame(0xA2, U16(9) + Str("a/+") + Str("#")));
  const Unsubscribe& u = std::get<Unsubscribe>(packet);
  EXPECT_EQ(u.packet_id, 9);
  EXPECT_EQ(u.topic_filters, (std::vector<std::string>{"a/+", "#"}));
}

TEST(MqttUnsubscribe, RejectsNoTopicFilters) {
  Error error = MustReject(Frame(0xA2, U16(9)));
  EXPECT_EQ(error.field, "MQTT-3.10.3-2");
  EXPECT_THAT(error.message, HasSubstr("UNSUBSCRIBE"));
}

TEST(MqttUnsubscribe, RejectsInvalidFiltersAndPacketId) {
  EXPECT_EQ(RuleOf(Frame(0xA2, U16(9) + Str("a/#/b"))), "MQTT-4.7.1-2");
  EXPECT_EQ(RuleOf(Frame(0xA2, U16(9) + Str(std::string("\0", 1)))), "MQTT-1.5.3-2");
  EXPECT_EQ(RuleOf(Frame(0xA2, U16(0) + Str("a"))), "MQTT-2.3.1-1");
  EXPECT_EQ(RuleOf(Frame(0xA2, Bytes({0x00}))), "§3.10.2");
  EXPECT_EQ(RuleOf(Frame(0xA2, U16(9) + Str("a") + Bytes({0x00}))), "§3.10.3");
}

}  // namespace
}  // namespace fundament::mqtt
