// The SensorThings MQTT topics (OGC 18-088 §14): which topics are accepted,
// what they address, and which subscribed topics a change concerns.
#include "sta/mqtt_topic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

namespace fundament::sta {
namespace {

using model::EntityKind;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Clock = TopicRegistry::Clock;

SubscriptionTopic Parsed(std::string_view topic) {
  Result<SubscriptionTopic> parsed = ParseSubscriptionTopic(topic);
  EXPECT_TRUE(parsed.ok()) << topic << ": " << parsed.error().message;
  return parsed.ok() ? *parsed : SubscriptionTopic{};
}

std::string RefusalOf(std::string_view topic) {
  Result<SubscriptionTopic> parsed = ParseSubscriptionTopic(topic);
  return parsed.ok() ? "<accepted>" : parsed.error().message;
}

TEST(SubscriptionTopic, EntitySet) {
  SubscriptionTopic topic = Parsed("v1.1/Things");
  EXPECT_EQ(topic.version, "v1.1");
  EXPECT_EQ(topic.form, TopicForm::kEntitySet);
  EXPECT_EQ(topic.type->kind, EntityKind::kThing);
  EXPECT_TRUE(topic.select.empty());
}

TEST(SubscriptionTopic, Entity) {
  SubscriptionTopic topic = Parsed("v1.1/Datastreams(1)");
  EXPECT_EQ(topic.form, TopicForm::kEntity);
  EXPECT_EQ(topic.type->kind, EntityKind::kDatastream);
  EXPECT_EQ(topic.id, 1);
}

TEST(SubscriptionTopic, Property) {
  SubscriptionTopic topic = Parsed("v1.1/Datastreams(1)/observedArea");
  EXPECT_EQ(topic.form, TopicForm::kProperty);
  EXPECT_EQ(topic.type->kind, EntityKind::kDatastream);
  EXPECT_EQ(topic.id, 1);
  ASSERT_NE(topic.property, nullptr);
  EXPECT_EQ(topic.property->name, "observedArea");
}

TEST(SubscriptionTopic, NavigationCollection) {
  SubscriptionTopic topic = Parsed("v1.1/Datastreams(7)/Observations");
  EXPECT_EQ(topic.form, TopicForm::kNavigationCollection);
  EXPECT_EQ(topic.type->kind, EntityKind::kObservation);
  EXPECT_EQ(topic.source->kind, EntityKind::kDatastream);
  EXPECT_EQ(topic.id, 7);
  EXPECT_EQ(topic.navigation->name, "Observations");
  EXPECT_EQ(Parsed("v1.1/Things(2)/Locations").type->kind, EntityKind::kLocation);
}

TEST(SubscriptionTopic, SelectAsTheStandardWritesIt) {
  SubscriptionTopic topic = Parsed("v1.1/Datastreams(1)/Observations?$select=phenomenonTime,result");
  EXPECT_EQ(topic.form, TopicForm::kNavigationCollection);
  EXPECT_EQ(topic.select, (std::vector<std::string>{"phenomenonTime", "result"}));
  EXPECT_EQ(Parsed("v1.1/Observations?$select=result,phenomenonTime").select.size(), 2u);
  EXPECT_EQ(Parsed("v1.1/Things(1)?$select=name,@iot.id").select.size(), 2u);
  EXPECT_EQ(Parsed("v1.1/Things?%24select=name").select, (std::vector<std::string>{"name"}));
}

TEST(SubscriptionTopic, Version10) {
  SubscriptionTopic topic = Parsed("v1.0/Observations");
  EXPECT_EQ(topic.version, "v1.0");
  EXPECT_EQ(topic.form, TopicForm::kEntitySet);
}

TEST(SubscriptionTopic, RefusesWildcards) {
  EXPECT_THAT(RefusalOf("v1.1/#"), HasSubstr("wildcards"));
  EXPECT_THAT(RefusalOf("#"), HasSubstr("wildcards"));
  EXPECT_THAT(RefusalOf("v1.1/Datastreams(1)/+"), HasSubstr("wildcards"));
  EXPECT_THAT(RefusalOf("+/Things"), HasSubstr("wildcards"));
}

TEST(SubscriptionTopic, RefusesPlainMqttTopics) {
  EXPECT_THAT(RefusalOf("sensors/kiel/level"), HasSubstr("not a SensorThings topic"));
  EXPECT_THAT(RefusalOf("v1.1"), HasSubstr("not a SensorThings topic"));
  EXPECT_THAT(RefusalOf("v1.1/"), HasSubstr("not a SensorThings topic"));
  EXPECT_THAT(RefusalOf("v2.0/Things"), HasSubstr("not a SensorThings topic"));
  EXPECT_THAT(RefusalOf("/v1.1/Things"), HasSubstr("not a SensorThings topic"));
}

TEST(SubscriptionTopic, RefusesUnknownSetsAndMalformedPaths) {
  EXPECT_NE(RefusalOf("v1.1/Thingz"), "<accepted>");
  EXPECT_NE(RefusalOf("v1.1/Things(x)"), "<accepted>");
  EXPECT_NE(RefusalOf("v1.1/Things(1)/nonsense"), "<accepted>");
  EXPECT_NE(RefusalOf("v1.1/Things(0)"), "<accepted>");
}

TEST(SubscriptionTopic, RefusesPathsThatAreNoneOfTheFourTopics) {
  for (std::string_view topic :
       {"v1.1/Datastreams(1)/Thing", "v1.1/Things(1)/Datastreams(2)",
        "v1.1/Things(1)/Datastreams(2)/Observations", "v1.1/Things(1)/name/$value",
        "v1.1/Things(1)/Datastreams/$ref", "v1.1/Things(1)/properties/owner", "v1.1/Things/$ref"}) {
    EXPECT_THAT(RefusalOf(topic), HasSubstr("is not a SensorThings MQTT topic")) << topic;
  }
}

TEST(SubscriptionTopic, RefusesQueryOptionsOtherThanSelect) {
  EXPECT_THAT(RefusalOf("v1.1/Observations?$filter=result gt 3"), HasSubstr("only $select"));
  EXPECT_THAT(RefusalOf("v1.1/Observations?$select=result&$top=1"), HasSubstr("only $select"));
  EXPECT_THAT(RefusalOf("v1.1/Observations?"), HasSubstr("only $select"));
  EXPECT_THAT(RefusalOf("v1.1/Things(1)/name?$select=name"), HasSubstr("property topic"));
  EXPECT_NE(RefusalOf("v1.1/Observations?$select=nonsense"), "<accepted>");
}

std::string CreationRefusalOf(std::string_view topic) {
  Result<CreationTopic> parsed = ParseCreationTopic(topic);
  return parsed.ok() ? "<accepted>" : parsed.error().message;
}

TEST(CreationTopic, ObservationsAndTheCollectionsThatLinkImplicitly) {
  for (std::string_view topic :
       {"v1.1/Observations", "v1.1/Datastreams(1)/Observations", "v1.1/MultiDatastreams(2)/Observations",
        "v1.1/FeaturesOfInterest(3)/Observations", "v1.0/Observations"}) {
    Result<CreationTopic> parsed = ParseCreationTopic(topic);
    ASSERT_TRUE(parsed.ok()) << topic << ": " << parsed.error().message;
    EXPECT_EQ(parsed->path.last().type->kind, EntityKind::kObservation);
  }
  Result<CreationTopic> parsed = ParseCreationTopic("v1.1/Datastreams(1)/Observations");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->version, "v1.1");
  ASSERT_EQ(parsed->path.steps.size(), 2u);
  EXPECT_EQ(parsed->path.steps[0].id, 1);
}

TEST(CreationTopic, RefusesEverythingElse) {
  for (std::string_view topic :
       {"v1.1/Things", "v1.1/Observations(1)", "v1.1/Datastreams(1)", "v1.1/Things(1)/Datastreams",
        "v1.1/Things(1)/Datastreams(1)/Observations", "v1.1/Observations/$ref",
        "v1.1/Observations?$select=result", "sensors/kiel", "v1.1/Datastreams(1)/Observations(2)"}) {
    EXPECT_NE(CreationRefusalOf(topic), "<accepted>") << topic;
  }
  EXPECT_THAT(CreationRefusalOf("v1.1/Things"), HasSubstr("v1.1/Observations"));
}

// Topics come from any client: whatever the bytes, an answer (the fuzz
// target mqtt_topic_fuzz goes further).
TEST(SubscriptionTopic, ArbitraryTopicsGetAnAnswer) {
  using namespace std::literals;
  constexpr std::string_view kAlphabet = "v1.0/()$?=&,+#%2 ThingsObservationsDatastreams(1)select\xff\x00"sv;
  std::mt19937 random(42);
  for (int i = 0; i < 20000; ++i) {
    std::string topic = random() % 2 ? "v1.1/" : "";
    const size_t length = random() % 40;
    for (size_t j = 0; j < length; ++j) topic += kAlphabet[random() % kAlphabet.size()];
    (void)ParseSubscriptionTopic(topic);
    (void)ParseCreationTopic(topic);
  }
}

// --- TopicRegistry -------------------------------------------------------------

class TopicRegistryTest : public ::testing::Test {
 protected:
  void Subscribe(const std::string& topic) { registry_.Add(topic, Parsed(topic), now_); }

  std::vector<std::string> Matched(ChangedEntity change) {
    std::vector<std::string> topics;
    for (const TopicMatch& match : registry_.Match(change)) topics.push_back(match.topic);
    return topics;
  }

  static ChangedEntity Change(EntityKind kind, int64_t id, events::Operation operation) {
    ChangedEntity change;
    change.kind = kind;
    change.id = id;
    change.operation = operation;
    return change;
  }

  const model::NavigationDef* Navigation(EntityKind kind, std::string_view name) {
    return model::TypeOf(kind).FindNavigation(name);
  }

  TopicRegistry registry_;
  Clock::time_point now_ = Clock::now();
};

TEST_F(TopicRegistryTest, EmptyConcernsNothing) {
  EXPECT_TRUE(registry_.empty());
  for (EntityKind kind : model::kAllEntityKinds) EXPECT_FALSE(registry_.Concerns(kind));
  EXPECT_TRUE(Matched(Change(EntityKind::kThing, 1, events::Operation::kCreated)).empty());
}

TEST_F(TopicRegistryTest, CreatedEntityGoesToItsSetItselfAndItsCollections) {
  Subscribe("v1.1/Observations");
  Subscribe("v1.1/Observations?$select=result,phenomenonTime");
  Subscribe("v1.1/Observations(5)");
  Subscribe("v1.1/Datastreams(1)/Observations");
  Subscribe("v1.1/Datastreams(2)/Observations");
  Subscribe("v1.1/FeaturesOfInterest(9)/Observations");
  Subscribe("v1.1/Things");
  EXPECT_TRUE(registry_.Concerns(EntityKind::kObservation));
  EXPECT_TRUE(registry_.Concerns(EntityKind::kThing));
  EXPECT_FALSE(registry_.Concerns(EntityKind::kSensor));

  ChangedEntity change = Change(EntityKind::kObservation, 5, events::Operation::kCreated);
  change.memberships = {
      {EntityKind::kDatastream, Navigation(EntityKind::kDatastream, "Observations"), 1},
      {EntityKind::kFeatureOfInterest, Navigation(EntityKind::kFeatureOfInterest, "Observations"), 9}};
  EXPECT_THAT(Matched(change),
              UnorderedElementsAre("v1.1/Observations", "v1.1/Observations?$select=result,phenomenonTime",
                                   "v1.1/Observations(5)", "v1.1/Datastreams(1)/Observations",
                                   "v1.1/FeaturesOfInterest(9)/Observations"));
}

TEST_F(TopicRegistryTest, UpdatesGoToTheSetTooAsSection14Says) {
  Subscribe("v1.1/Things");
  Subscribe("v1.1/Things(1)");
  Subscribe("v1.1/Things(2)");
  EXPECT_THAT(Matched(Change(EntityKind::kThing, 1, events::Operation::kUpdated)),
              UnorderedElementsAre("v1.1/Things", "v1.1/Things(1)"));
}

TEST_F(TopicRegistryTest, DeletionsConcernNoTopic) {
  Subscribe("v1.1/Things");
  Subscribe("v1.1/Things(1)");
  EXPECT_TRUE(Matched(Change(EntityKind::kThing, 1, events::Operation::kDeleted)).empty());
}

TEST_F(TopicRegistryTest, PropertyTopicsOfTheEntity) {
  Subscribe("v1.1/Things(1)/name");
  Subscribe("v1.1/Things(1)/description");
  Subscribe("v1.1/Things(2)/name");
  EXPECT_THAT(Matched(Change(EntityKind::kThing, 1, events::Operation::kUpdated)),
              UnorderedElementsAre("v1.1/Things(1)/name", "v1.1/Things(1)/description"));
}

TEST_F(TopicRegistryTest, DerivedChangesConcernReadOnlyPropertyTopicsOnly) {
  Subscribe("v1.1/Datastreams(1)");
  Subscribe("v1.1/Datastreams(1)/name");
  Subscribe("v1.1/Datastreams(1)/phenomenonTime");
  Subscribe("v1.1/Datastreams(1)/observedArea");
  EXPECT_TRUE(registry_.HasReadOnlyPropertyTopics(EntityKind::kDatastream));
  EXPECT_FALSE(registry_.HasReadOnlyPropertyTopics(EntityKind::kMultiDatastream));
  // An Observation write may change them, so Observations concern the registry.
  EXPECT_TRUE(registry_.Concerns(EntityKind::kObservation));
  ChangedEntity derived = Change(EntityKind::kDatastream, 1, events::Operation::kUpdated);
  derived.derived = true;
  EXPECT_THAT(Matched(derived),
              UnorderedElementsAre("v1.1/Datastreams(1)/phenomenonTime", "v1.1/Datastreams(1)/observedArea"));
}

TEST_F(TopicRegistryTest, CollectionsOfAKind) {
  Subscribe("v1.1/Datastreams(1)/Observations");
  Subscribe("v1.1/Datastreams(2)/Observations");
  Subscribe("v1.1/Things(1)/Locations");
  std::vector<CollectionNavigation> collections = registry_.CollectionsOf(EntityKind::kObservation);
  ASSERT_EQ(collections.size(), 1u);
  EXPECT_EQ(collections[0].source, EntityKind::kDatastream);
  EXPECT_EQ(collections[0].navigation->name, "Observations");
  ASSERT_EQ(registry_.CollectionsOf(EntityKind::kLocation).size(), 1u);
  EXPECT_EQ(registry_.CollectionsOf(EntityKind::kLocation)[0].source, EntityKind::kThing);
  EXPECT_TRUE(registry_.CollectionsOf(EntityKind::kThing).empty());
}

TEST_F(TopicRegistryTest, VersionsAreDistinctTopics) {
  Subscribe("v1.1/Things");
  Subscribe("v1.0/Things");
  std::vector<TopicMatch> matches =
      registry_.Match(Change(EntityKind::kThing, 1, events::Operation::kCreated));
  std::set<std::string_view> versions;
  for (const TopicMatch& match : matches) versions.insert(match.parsed->version);
  EXPECT_EQ(versions, (std::set<std::string_view>{"v1.1", "v1.0"}));
}

TEST_F(TopicRegistryTest, SubscribingTwiceRegistersOnce) {
  EXPECT_TRUE(registry_.Add("v1.1/Things", Parsed("v1.1/Things"), now_));
  EXPECT_FALSE(registry_.Add("v1.1/Things", Parsed("v1.1/Things"), now_));
  EXPECT_EQ(registry_.size(), 1u);
  EXPECT_EQ(Matched(Change(EntityKind::kThing, 1, events::Operation::kCreated)).size(), 1u);
}

TEST_F(TopicRegistryTest, CollectForgetsOnlyUnsubscribedTopicsTheBrokerNoLongerHas) {
  Subscribe("v1.1/Things");
  Subscribe("v1.1/Datastreams(1)/Observations");
  Subscribe("v1.1/Sensors");
  registry_.MarkUnsubscribed("v1.1/Things");
  registry_.MarkUnsubscribed("v1.1/Datastreams(1)/Observations");
  std::set<std::string> broker = {"v1.1/Datastreams(1)/Observations",
                                  "v1.1/Sensors"};  // another client still has it
  auto subscribed = [&](const std::string& topic) { return broker.contains(topic); };
  const auto grace = std::chrono::seconds(2);

  // Within the grace period nothing goes: the broker may not have the new subscription yet.
  EXPECT_EQ(registry_.Collect(subscribed, now_ + std::chrono::seconds(1), grace), 0u);
  EXPECT_EQ(registry_.Collect(subscribed, now_ + std::chrono::seconds(3), grace), 1u);
  EXPECT_EQ(registry_.size(), 2u);
  EXPECT_FALSE(registry_.Concerns(EntityKind::kThing));
  EXPECT_TRUE(registry_.Concerns(EntityKind::kObservation));
  EXPECT_TRUE(registry_.CollectionsOf(EntityKind::kObservation).size() == 1);

  // Once the last subscriber is gone the collection goes too.
  broker.erase("v1.1/Datastreams(1)/Observations");
  EXPECT_EQ(registry_.Collect(subscribed, now_ + std::chrono::seconds(4), grace), 1u);
  EXPECT_FALSE(registry_.Concerns(EntityKind::kObservation));
  EXPECT_TRUE(registry_.CollectionsOf(EntityKind::kObservation).empty());
}

TEST_F(TopicRegistryTest, SubscribingAgainCancelsAnUnsubscription) {
  Subscribe("v1.1/Things");
  registry_.MarkUnsubscribed("v1.1/Things");
  registry_.Add("v1.1/Things", Parsed("v1.1/Things"), now_ + std::chrono::seconds(5));
  auto nobody = [](const std::string&) { return false; };
  EXPECT_EQ(registry_.Collect(nobody, now_ + std::chrono::seconds(10), std::chrono::seconds(2)), 0u);
  EXPECT_EQ(registry_.size(), 1u);
}

TEST_F(TopicRegistryTest, ReadOnlyPropertyInterestEndsWithItsTopic) {
  Subscribe("v1.1/Datastreams(1)/phenomenonTime");
  registry_.MarkUnsubscribed("v1.1/Datastreams(1)/phenomenonTime");
  registry_.Collect([](const std::string&) { return false; }, now_ + std::chrono::seconds(5),
                    std::chrono::seconds(2));
  EXPECT_FALSE(registry_.HasReadOnlyPropertyTopics(EntityKind::kDatastream));
  EXPECT_FALSE(registry_.Concerns(EntityKind::kObservation));
  EXPECT_FALSE(registry_.Concerns(EntityKind::kDatastream));
  EXPECT_TRUE(registry_.empty());
}

TEST_F(TopicRegistryTest, PropertyValuesPublishOnlyWhenChanged) {
  Subscribe("v1.1/Things(1)/name");
  registry_.SetBaseline("v1.1/Things(1)/name", R"({"name":"a"})");
  EXPECT_FALSE(registry_.ExchangeLastValue("v1.1/Things(1)/name", R"({"name":"a"})"));
  EXPECT_TRUE(registry_.ExchangeLastValue("v1.1/Things(1)/name", R"({"name":"b"})"));
  EXPECT_FALSE(registry_.ExchangeLastValue("v1.1/Things(1)/name", R"({"name":"b"})"));
  // A baseline read after a publication does not overwrite what was published.
  registry_.SetBaseline("v1.1/Things(1)/name", R"({"name":"a"})");
  EXPECT_FALSE(registry_.ExchangeLastValue("v1.1/Things(1)/name", R"({"name":"b"})"));
}

TEST_F(TopicRegistryTest, UnknownPropertyValueCountsAsChanged) {
  Subscribe("v1.1/Things(9)/name");  // Thing 9 does not exist yet: no baseline
  EXPECT_TRUE(registry_.ExchangeLastValue("v1.1/Things(9)/name", R"({"name":"new"})"));
}

}  // namespace
}  // namespace fundament::sta
