// Specifies UTF-8 string, topic name and topic filter validation and topic
// matching (MQTT 3.1.1 §1.5.3, §4.7), with the standard's own examples.
#include "mqtt/topic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace fundament::mqtt {
namespace {

using ::testing::HasSubstr;

std::string RuleOf(const Status& status) { return status.ok() ? "ok" : status.error().field; }

TEST(MqttUtf8, AcceptsAsciiAndMultiByteCharacters) {
  EXPECT_TRUE(ValidateUtf8String("").ok());
  EXPECT_TRUE(ValidateUtf8String("Pegel/Köln").ok());
  EXPECT_TRUE(ValidateUtf8String("\xE2\x82\xAC").ok());      // U+20AC
  EXPECT_TRUE(ValidateUtf8String("\xF0\x9F\x8C\xA7").ok());  // U+1F327
  EXPECT_TRUE(ValidateUtf8String("\xF4\x8F\xBF\xBF").ok());  // U+10FFFF
  EXPECT_TRUE(ValidateUtf8String("\xED\x9F\xBF").ok());      // U+D7FF, just below the surrogates
  EXPECT_TRUE(ValidateUtf8String("\xEE\x80\x80").ok());      // U+E000, just above them
}

TEST(MqttUtf8, KeepsByteOrderMarkAsCharacter) {
  // [MQTT-1.5.3-3]: 0xEF 0xBB 0xBF is U+FEFF, a character like any other.
  EXPECT_TRUE(ValidateUtf8String("\xEF\xBB\xBF"
                                 "a")
                  .ok());
}

TEST(MqttUtf8, RejectsNullCharacter) {
  Status status = ValidateUtf8String(std::string_view("a\0b", 3));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "MQTT-1.5.3-2");
  EXPECT_THAT(status.error().message, HasSubstr("[MQTT-1.5.3-2]"));
  EXPECT_THAT(status.error().message, HasSubstr("U+0000"));
}

TEST(MqttUtf8, RejectsSurrogates) {
  EXPECT_EQ(RuleOf(ValidateUtf8String("\xED\xA0\x80")), "MQTT-1.5.3-1");  // U+D800
  EXPECT_EQ(RuleOf(ValidateUtf8String("\xED\xBF\xBF")), "MQTT-1.5.3-1");  // U+DFFF
}

TEST(MqttUtf8, RejectsIllFormedSequences) {
  for (std::string_view bad : {
           std::string_view("\x80"),  // lone continuation byte
           std::string_view("\xC3"),  // truncated two-byte sequence
           std::string_view("\xC3"
                            "a"),                 // continuation missing
           std::string_view("\xC0\x80"),          // overlong U+0000
           std::string_view("\xC1\xBF"),          // overlong U+007F
           std::string_view("\xE0\x80\xAF"),      // overlong '/'
           std::string_view("\xF0\x80\x80\xAF"),  // overlong '/'
           std::string_view("\xF4\x90\x80\x80"),  // above U+10FFFF
           std::string_view("\xF5\x80\x80\x80"),  // no such lead byte
           std::string_view("\xFF"),
           std::string_view("ab\xE2\x82"),  // truncated at the end
       }) {
    Status status = ValidateUtf8String(bad);
    EXPECT_EQ(RuleOf(status), "MQTT-1.5.3-1") << testing::PrintToString(bad);
  }
}

TEST(MqttUtf8, RejectsStringsOverTheLengthPrefix) {
  EXPECT_TRUE(ValidateUtf8String(std::string(kMaxStringLength, 'a')).ok());
  Status status = ValidateUtf8String(std::string(kMaxStringLength + 1, 'a'));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "§1.5.3");
  EXPECT_THAT(status.error().message, HasSubstr("65535"));
}

TEST(MqttTopicName, AcceptsNamesWithEmptyLevels) {
  for (std::string_view topic : {"a", "sport/tennis/player1", "/", "/finance", "a//b", "a/", "$SYS/broker",
                                 "v1.1/Datastreams(1)/Observations", " "}) {
    EXPECT_TRUE(ValidateTopicName(topic).ok()) << topic;
  }
}

TEST(MqttTopicName, RejectsEmptyName) {
  Status status = ValidateTopicName("");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "MQTT-4.7.3-1");
  EXPECT_THAT(status.error().message, HasSubstr("[MQTT-4.7.3-1]"));
}

TEST(MqttTopicName, RejectsWildcards) {
  for (std::string_view topic : {"+", "#", "sport/+", "sport/#", "a+b", "a#"}) {
    Status status = ValidateTopicName(topic);
    EXPECT_EQ(RuleOf(status), "MQTT-4.7.1-1") << topic;
    if (!status.ok()) {
      EXPECT_THAT(status.error().message, HasSubstr("wildcard"));
    }
  }
}

TEST(MqttTopicName, RejectsInvalidUtf8AndNull) {
  EXPECT_EQ(RuleOf(ValidateTopicName(std::string_view("a\0", 2))), "MQTT-1.5.3-2");
  EXPECT_EQ(RuleOf(ValidateTopicName("a/\xFF")), "MQTT-1.5.3-1");
}

TEST(MqttTopicFilter, AcceptsTheStandardsValidFilters) {
  // §4.7.1.2 and §4.7.1.3.
  for (std::string_view filter :
       {"sport/tennis/player1/#", "sport/#", "#", "+", "+/tennis/#", "sport/+/player1", "+/+", "/+",
        "sport/tennis/+", "/", "/finance", "a//b", "+/", "/#", "+/+/#", "$SYS/#", "$SYS/monitor/+"}) {
    EXPECT_TRUE(ValidateTopicFilter(filter).ok()) << filter;
  }
}

TEST(MqttTopicFilter, RejectsMultiLevelWildcardNotLastOrNotAlone) {
  // §4.7.1.2: "sport/tennis#" and "sport/tennis/#/ranking" are not valid.
  for (std::string_view filter :
       {"sport/tennis#", "sport/tennis/#/ranking", "#/", "##", "a/#b", "#+", "/#/"}) {
    EXPECT_EQ(RuleOf(ValidateTopicFilter(filter)), "MQTT-4.7.1-2") << filter;
  }
}

TEST(MqttTopicFilter, RejectsSingleLevelWildcardInsideALevel) {
  // §4.7.1.3: "sport+" is not valid.
  for (std::string_view filter : {"sport+", "+sport", "a/b+/c", "++", "a/+b"}) {
    EXPECT_EQ(RuleOf(ValidateTopicFilter(filter)), "MQTT-4.7.1-3") << filter;
  }
}

TEST(MqttTopicFilter, RejectsEmptyFilterAndBadStrings) {
  EXPECT_EQ(RuleOf(ValidateTopicFilter("")), "MQTT-4.7.3-1");
  EXPECT_EQ(RuleOf(ValidateTopicFilter(std::string_view("#\0", 2))), "MQTT-1.5.3-2");
  EXPECT_EQ(RuleOf(ValidateTopicFilter("\xC0\xAF")), "MQTT-1.5.3-1");
}

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

class MqttTopicMatches : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MqttTopicMatches, FollowsTheStandard) {
  const MatchCase& c = GetParam();
  EXPECT_EQ(TopicMatches(c.filter, c.topic), c.matches) << "filter " << c.filter << ", topic " << c.topic;
}

INSTANTIATE_TEST_SUITE_P(
    StandardExamples, MqttTopicMatches,
    ::testing::Values(
        // §4.7.1.2: "sport/tennis/player1/#" and its parent level.
        MatchCase{"sport/tennis/player1/#", "sport/tennis/player1", true},
        MatchCase{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
        MatchCase{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
        MatchCase{"sport/tennis/player1/#", "sport/tennis/player2", false},
        MatchCase{"sport/tennis/player1/#", "sport/tennis", false}, MatchCase{"sport/#", "sport", true},
        MatchCase{"sport/#", "sport/", true}, MatchCase{"sport/#", "sports", false},
        MatchCase{"#", "sport/tennis/player1", true}, MatchCase{"#", "/", true}, MatchCase{"#", "a", true},
        // §4.7.1.3: "+" matches exactly one level.
        MatchCase{"sport/tennis/+", "sport/tennis/player1", true},
        MatchCase{"sport/tennis/+", "sport/tennis/player2", true},
        MatchCase{"sport/tennis/+", "sport/tennis/player1/ranking", false},
        MatchCase{"sport/+", "sport", false}, MatchCase{"sport/+", "sport/", true},
        MatchCase{"+/tennis/#", "sport/tennis/player1", true}, MatchCase{"+/tennis/#", "sport/tennis", true},
        MatchCase{"sport/+/player1", "sport/tennis/player1", true},
        MatchCase{"sport/+/player1", "sport/tennis/player2", false},
        // "/finance" matches "+/+" and "/+", but not "+".
        MatchCase{"+/+", "/finance", true}, MatchCase{"/+", "/finance", true},
        MatchCase{"+", "/finance", false}, MatchCase{"+", "finance", true},
        MatchCase{"/finance", "/finance", true}, MatchCase{"/finance", "finance", false},
        MatchCase{"+/+/#", "a/b", true}, MatchCase{"+/+/#", "a", false},
        // §4.7.2: topics beginning with '$' and wildcards at the first level.
        MatchCase{"#", "$SYS/monitor/Clients", false},
        MatchCase{"+/monitor/Clients", "$SYS/monitor/Clients", false}, MatchCase{"+", "$SYS", false},
        MatchCase{"$SYS/#", "$SYS/monitor/Clients", true},
        MatchCase{"$SYS/monitor/+", "$SYS/monitor/Clients", true}, MatchCase{"$SYS/#", "$SYS", true},
        MatchCase{"a/$b/#", "a/$b/c", true}, MatchCase{"+/$b", "a/$b", true}, MatchCase{"+/b", "$a/b", false},
        // Exact levels: case-sensitive, no normalisation of separators.
        MatchCase{"sport/tennis", "sport/tennis", true}, MatchCase{"sport/tennis", "Sport/Tennis", false},
        MatchCase{"sport/tennis", "sport/tennis/", false}, MatchCase{"sport//tennis", "sport//tennis", true},
        MatchCase{"sport/+/tennis", "sport//tennis", true}, MatchCase{"sport/tennis", "sport", false},
        MatchCase{"sport", "sport/tennis", false},
        MatchCase{"v1.1/Datastreams(1)/Observations", "v1.1/Datastreams(1)/Observations", true},
        MatchCase{"v1.1/+/Observations", "v1.1/Datastreams(1)/Observations", true},
        MatchCase{"v1.1/Datastreams(1)/#", "v1.1/Datastreams(2)/Observations", false}));

}  // namespace
}  // namespace fundament::mqtt
