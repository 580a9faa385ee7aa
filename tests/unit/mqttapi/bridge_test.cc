// The MQTT bridge on a real embedded store, with a fake broker: what it
// publishes for committed writes, and what it makes of client messages.
#include "mqttapi/bridge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "sta/service.h"
#include "store/sqlite/sqlite_store.h"

namespace fundament::mqttapi {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Records what the bridge publishes; "subscribed" topics are those the test
// names (the broker's view).
class FakeSink : public MessageSink {
 public:
  Status Publish(std::string_view topic, std::string_view payload) override {
    std::lock_guard lock(mutex_);
    messages_.emplace_back(std::string(topic), std::string(payload));
    return Status::Ok();
  }
  bool HasSubscriber(std::string_view topic) const override {
    std::lock_guard lock(mutex_);
    return subscribed_.contains(std::string(topic));
  }
  void SetSubscribed(const std::string& topic, bool subscribed) {
    std::lock_guard lock(mutex_);
    if (subscribed) {
      subscribed_.insert(topic);
    } else {
      subscribed_.erase(topic);
    }
  }
  std::vector<std::pair<std::string, std::string>> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(messages_, {});
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> subscribed_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

class BridgeTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(BridgeOptions options) {
    dir_ = std::filesystem::temp_directory_path() /
           ("fundament_bridge_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::SqliteOptions store_options;
    store_options.path = (dir_ / "test.db").string();
    store_options.reader_connections = 2;
    auto opened = store::OpenSqliteStore(store_options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    service_ = std::make_unique<sta::Service>(*store_, sta::ServiceOptions{});
    bridge_ = std::make_unique<Bridge>(*store_, sta::ServiceOptions{}, options);
    bridge_->Start(sink_, "http://example.org");
  }

  void TearDown() override {
    if (commits_subscription_) store_->Changes().Unsubscribe(*commits_subscription_);
    commits_subscription_.reset();
    bridge_.reset();
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Call(std::string method, std::string target, std::string body = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = "/v1.1/" + target;
    request.headers = {{"host", "example.org"}, {"content-type", "application/json"}};
    request.body = std::move(body);
    return service_->Handle(request);
  }
  int64_t Create(std::string target, std::string body) {
    HttpResponse response = Call("POST", std::move(target), std::move(body));
    EXPECT_EQ(response.status, 201) << response.body;
    return json::parse(response.body).at("@iot.id").as_int64();
  }
  std::string Get(std::string target) {
    HttpResponse response = Call("GET", std::move(target));
    EXPECT_EQ(response.status, 200) << response.body;
    return response.body;
  }

  // Subscribes as the broker would: the hook, then the broker's table.
  bool Subscribe(const std::string& topic) {
    bool accepted = bridge_->OnSubscribe(client_, topic, mqtt::QoS::kAtMostOnce);
    if (accepted) sink_.SetSubscribed(topic, true);
    return accepted;
  }

  mqtt::PublishDecision PublishFromClient(const std::string& topic, const std::string& payload) {
    mqtt::Publish publish;
    publish.topic = topic;
    publish.payload = payload;
    publish.qos = mqtt::QoS::kAtLeastOnce;
    publish.packet_id = 1;
    return bridge_->OnPublish(client_, publish);
  }

  // The decisions about a run of QoS 1 messages (topic, payload) from the client.
  std::vector<mqtt::PublishDecision> PublishRun(
      const std::vector<std::pair<std::string, std::string>>& messages) {
    std::vector<mqtt::Publish> run;
    uint16_t packet_id = 1;
    for (const auto& [topic, payload] : messages) {
      mqtt::Publish publish;
      publish.topic = topic;
      publish.payload = payload;
      publish.qos = mqtt::QoS::kAtLeastOnce;
      publish.packet_id = packet_id++;
      run.push_back(std::move(publish));
    }
    return bridge_->OnPublishBatch(client_, run);
  }

  // The commits that created Observations from now on: the number of
  // Observations in each (the store publishes one commit's events at once).
  void CountCommits() {
    commits_subscription_ =
        store_->Changes().Subscribe([this](const std::vector<events::ChangeEvent>& events) {
          size_t observations = 0;
          for (const events::ChangeEvent& event : events)
            observations += event.kind == model::EntityKind::kObservation ? 1 : 0;
          std::lock_guard lock(commits_mutex_);
          if (observations > 0) commits_.push_back(observations);
        });
  }
  std::vector<size_t> Commits() {
    std::lock_guard lock(commits_mutex_);
    return commits_;
  }

  // The results of the Observations, in the order of their ids.
  std::vector<json::value> Results() {
    const json::value list = json::parse(Get("Observations?$orderby=id&$select=result"));
    std::vector<json::value> results;
    for (const json::value& observation : list.at("value").as_array())
      results.push_back(observation.at("result"));
    return results;
  }

  std::vector<std::pair<std::string, std::string>> Published() {
    bridge_->WaitIdle();
    return sink_.Take();
  }

  // A Thing at a Location with one Datastream; returns the Datastream's id.
  int64_t CreateDatastream() {
    // With a Location, from which Observations derive their FeatureOfInterest.
    thing_ = Create("Things", R"({"name":"Pegel","description":"gauge",
      "Locations":[{"name":"Kai","description":"quay","encodingType":"application/geo+json",
                    "location":{"type":"Point","coordinates":[10.1,54.3]}}]})");
    return Create("Datastreams", R"({"name":"Level","description":"l",
      "observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
      "unitOfMeasurement":{"name":"cm","symbol":"cm","definition":"http://qudt.org/vocab/unit/CentiM"},
      "Thing":{"@iot.id":)" + std::to_string(thing_) +
                                     R"(},
      "Sensor":{"name":"s","description":"s","encodingType":"text/html","metadata":"m"},
      "ObservedProperty":{"name":"wl","definition":"http://example.org/wl","description":"wl"}})");
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sta::Service> service_;
  FakeSink sink_;
  std::unique_ptr<Bridge> bridge_;
  mqtt::ClientInfo client_{"test-client", std::nullopt, "127.0.0.1:1", true, mqtt::kProtocolLevel311};
  int64_t thing_ = 0;
  std::optional<events::ChangeFeed::SubscriptionId> commits_subscription_;
  std::mutex commits_mutex_;
  std::vector<size_t> commits_;
};

TEST_F(BridgeTest, NewObservationGoesToItsDatastreamsCollectionAsAGetReturnsIt) {
  const int64_t datastream = CreateDatastream();
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  ASSERT_TRUE(Subscribe(topic));
  const int64_t id = Create("Datastreams(" + std::to_string(datastream) + ")/Observations",
                            R"({"phenomenonTime":"2025-11-18T10:00:00Z","result":501})");
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(messages[0].first, topic);
  EXPECT_EQ(messages[0].second, Get("Observations(" + std::to_string(id) + ")"));
}

// Bulk writes come as runs of ids, which the bridge reads in ranges.
TEST_F(BridgeTest, EveryObservationOfABulkWriteIsPublished) {
  const int64_t datastream = CreateDatastream();
  const int64_t other = Create("Datastreams", R"({"name":"Other","description":"o",
      "observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
      "unitOfMeasurement":{"name":"cm","symbol":"cm","definition":"http://qudt.org/vocab/unit/CentiM"},
      "Thing":{"@iot.id":)" + std::to_string(thing_) +
                                                  R"(},
      "Sensor":{"@iot.id":1},"ObservedProperty":{"@iot.id":1}})");
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  ASSERT_TRUE(Subscribe(topic));
  std::string rows;
  for (int i = 0; i < 50; ++i)
    rows += (i ? "," : "") + std::string("[\"2025-11-18T10:00:00Z\",") + std::to_string(i) + "]";
  const std::string body = R"([{"Datastream":{"@iot.id":)" + std::to_string(datastream) +
                           R"(},"components":["phenomenonTime","result"],"dataArray":[)" + rows +
                           R"(]},{"Datastream":{"@iot.id":)" + std::to_string(other) +
                           R"(},"components":["phenomenonTime","result"],"dataArray":[)" + rows + "]}]";
  HttpResponse response = Call("POST", "CreateObservations", body);
  ASSERT_EQ(response.status, 201) << response.body;
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(50));
  json::array links = json::parse(response.body).as_array();
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].first, topic);
    const std::string link(links[i].as_string());
    EXPECT_EQ(messages[i].second, Get(link.substr(link.find("Observations("))));
  }
}

TEST_F(BridgeTest, SelectIsRenderedLikeAGetWithSelect) {
  CreateDatastream();
  const std::string topic = "v1.1/Observations?$select=result,phenomenonTime";
  ASSERT_TRUE(Subscribe(topic));
  const int64_t id = Create(
      "Observations", R"({"phenomenonTime":"2025-11-18T10:00:00Z","result":7,"Datastream":{"@iot.id":1}})");
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(messages[0].second,
            Get("Observations(" + std::to_string(id) + ")?$select=result,phenomenonTime"));
  EXPECT_EQ(json::parse(messages[0].second),
            json::parse(R"({"phenomenonTime":"2025-11-18T10:00:00.000Z","result":7})"));
}

TEST_F(BridgeTest, NothingIsRenderedForTopicsWithoutSubscriber) {
  const int64_t datastream = CreateDatastream();
  ASSERT_TRUE(bridge_->OnSubscribe(client_, "v1.1/Observations", mqtt::QoS::kAtMostOnce));
  // The hook accepted it, but the broker has no such subscription (any more).
  Create("Datastreams(" + std::to_string(datastream) + ")/Observations", R"({"result":1})");
  EXPECT_THAT(Published(), IsEmpty());
}

TEST_F(BridgeTest, EntityAndPropertyTopicsOnUpdate) {
  CreateDatastream();
  const std::string thing = "Things(" + std::to_string(thing_) + ")";
  ASSERT_TRUE(Subscribe("v1.1/" + thing));
  ASSERT_TRUE(Subscribe("v1.1/" + thing + "/description"));
  ASSERT_TRUE(Subscribe("v1.1/" + thing + "/name"));
  ASSERT_EQ(Call("PATCH", thing, R"({"description":"changed"})").status, 200);
  auto messages = Published();
  std::map<std::string, std::string> by_topic(messages.begin(), messages.end());
  EXPECT_EQ(by_topic.size(), 2u) << "the name did not change, so its topic gets nothing";
  EXPECT_EQ(by_topic["v1.1/" + thing], Get(thing));
  EXPECT_EQ(by_topic["v1.1/" + thing + "/description"], R"({"description":"changed"})");

  // The same value again is an update of the entity, but no change of the property.
  ASSERT_EQ(Call("PATCH", thing, R"({"description":"changed"})").status, 200);
  messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(messages[0].first, "v1.1/" + thing);
}

TEST_F(BridgeTest, DatastreamPhenomenonTimeFollowsItsObservations) {
  const int64_t datastream = CreateDatastream();
  const std::string base = "Datastreams(" + std::to_string(datastream) + ")";
  ASSERT_TRUE(Subscribe("v1.1/" + base + "/phenomenonTime"));
  Create(base + "/Observations", R"({"phenomenonTime":"2025-11-18T10:00:00Z","result":1})");
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(messages[0].second, Get(base + "/phenomenonTime"));
  // Inside the interval: no change.
  Create(base + "/Observations", R"({"phenomenonTime":"2025-11-18T10:00:00Z","result":2})");
  EXPECT_THAT(Published(), IsEmpty());
  Create(base + "/Observations", R"({"phenomenonTime":"2025-11-18T11:00:00Z","result":3})");
  messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(json::parse(messages[0].second).at("phenomenonTime"),
            "2025-11-18T10:00:00.000Z/2025-11-18T11:00:00.000Z");
}

TEST_F(BridgeTest, LinkTableCollections) {
  CreateDatastream();
  const std::string topic = "v1.1/Things(" + std::to_string(thing_) + ")/Locations";
  ASSERT_TRUE(Subscribe(topic));
  const int64_t location = Create("Things(" + std::to_string(thing_) + ")/Locations",
                                  R"({"name":"Kai","description":"quay","encodingType":"application/geo+json",
                                      "location":{"type":"Point","coordinates":[10.1,54.3]}})");
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_EQ(messages[0].first, topic);
  EXPECT_EQ(messages[0].second, Get("Locations(" + std::to_string(location) + ")"));
}

TEST_F(BridgeTest, Version10TopicsCarryVersion10Links) {
  CreateDatastream();
  ASSERT_TRUE(Subscribe("v1.0/Things"));
  Create("Things", R"({"name":"x","description":"y"})");
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(1));
  EXPECT_THAT(messages[0].second, ::testing::HasSubstr("\"http://example.org/v1.0/Things("));
}

TEST_F(BridgeTest, RefusesNonSensorThingsSubscriptions) {
  EXPECT_FALSE(Subscribe("v1.1/#"));
  EXPECT_FALSE(Subscribe("sensors/level"));
  EXPECT_FALSE(Subscribe("v1.1/Datastreams(1)/Thing"));
  EXPECT_EQ(bridge_->Stats().subscriptions_refused, 3u);
}

TEST_F(BridgeTest, PublishedObservationIsCreatedAndPublishedOnce) {
  const int64_t datastream = CreateDatastream();
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  ASSERT_TRUE(Subscribe(topic));
  ASSERT_TRUE(Subscribe("v1.1/Observations"));
  EXPECT_EQ(PublishFromClient(topic, R"({"result":12.5,"phenomenonTime":"2025-11-18T10:00:00Z"})"),
            mqtt::PublishDecision::kSwallow);
  // Committed when the hook returned: readable at once.
  json::value list = json::parse(Get(topic.substr(5)));
  ASSERT_EQ(list.at("value").as_array().size(), 1u);
  EXPECT_EQ(list.at("value").at(0).at("result"), 12.5);
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(2));
  EXPECT_EQ(bridge_->Stats().observations_created, 1u);

  EXPECT_EQ(PublishFromClient("v1.1/Observations",
                              R"({"result":3,"Datastream":{"@iot.id":)" + std::to_string(datastream) + "}}"),
            mqtt::PublishDecision::kSwallow);
  EXPECT_EQ(json::parse(Get(topic.substr(5))).at("value").as_array().size(), 2u);
}

TEST_F(BridgeTest, InvalidMessagesCreateNothing) {
  const int64_t datastream = CreateDatastream();
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  for (const auto& [to, payload] : std::vector<std::pair<std::string, std::string>>{
           {topic, "not json"},
           {topic, R"({"phenomenonTime":"2025-11-18T10:00:00Z"})"},    // no result
           {topic, R"({"result":1,"phenomenonTime":"yesterday"})"},    // bad time
           {topic, R"([{"result":1}])"},                               // not one Observation
           {"v1.1/Observations", R"({"result":1})"},                   // no Datastream
           {"v1.1/Datastreams(999)/Observations", R"({"result":1})"},  // no such Datastream
           {"v1.1/Things", R"({"name":"a","description":"b"})"},       // not a creation topic
           {"plain/topic", "hello"},
       }) {
    EXPECT_EQ(PublishFromClient(to, payload), mqtt::PublishDecision::kSwallow) << to << " " << payload;
  }
  EXPECT_EQ(json::parse(Get("Observations")).at("value").as_array().size(), 0u);
  EXPECT_EQ(json::parse(Get("Things")).at("value").as_array().size(), 1u);
  EXPECT_EQ(bridge_->Stats().messages_refused, 8u);
  EXPECT_EQ(bridge_->Stats().observations_created, 0u);
}

TEST_F(BridgeTest, RunIsCreatedInOneWriteAroundInvalidMessagesAndPublishedOnceEach) {
  const int64_t datastream = CreateDatastream();
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  ASSERT_TRUE(Subscribe(topic));
  CountCommits();
  std::vector<mqtt::PublishDecision> decisions = PublishRun({
      {topic, R"({"result":1})"},
      {topic, "not json"},
      {topic, R"({"result":2})"},
      {topic, R"({"result":3,"phenomenonTime":"yesterday"})"},
      {"v1.1/Things", R"({"name":"a","description":"b"})"},
      {topic, R"({"result":4})"},
  });
  EXPECT_THAT(decisions, ::testing::Each(mqtt::PublishDecision::kSwallow));
  // The valid ones, in the order of their messages, in one commit.
  EXPECT_EQ(Results(), (std::vector<json::value>{1, 2, 4}));
  EXPECT_EQ(Commits(), (std::vector<size_t>{3}));
  EXPECT_EQ(bridge_->Stats().observations_created, 3u);
  EXPECT_EQ(bridge_->Stats().messages_refused, 3u);
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(3));
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].first, topic);
    EXPECT_EQ(json::parse(messages[i].second).at("result"), (std::vector<int>{1, 2, 4})[i]);
  }
}

TEST_F(BridgeTest, RunFallsBackToOneWriteEachWhenTheStoreRefusesOneMessage) {
  const int64_t datastream = CreateDatastream();
  const std::string topic = "v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations";
  const int64_t deleted =
      Create("Datastreams", R"({"name":"Gone","description":"g",
      "observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
      "unitOfMeasurement":{"name":"cm","symbol":"cm","definition":"http://qudt.org/vocab/unit/CentiM"},
      "Thing":{"@iot.id":)" + std::to_string(thing_) +
                                R"(},"Sensor":{"@iot.id":1},"ObservedProperty":{"@iot.id":1}})");
  ASSERT_EQ(Call("DELETE", "Datastreams(" + std::to_string(deleted) + ")").status, 200);
  ASSERT_TRUE(Subscribe(topic));
  CountCommits();
  // Valid as far as a message alone can tell; the store finds the
  // Datastream gone. The second one creates its FeatureOfInterest before
  // the Datastream is looked at: nothing of it may stay.
  std::vector<mqtt::PublishDecision> decisions = PublishRun({
      {topic, R"({"result":1})"},
      {"v1.1/Datastreams(" + std::to_string(deleted) + ")/Observations", R"({"result":2})"},
      {"v1.1/Observations", R"({"result":3,"FeatureOfInterest":{"name":"f","description":"d",
          "encodingType":"application/geo+json","feature":{"type":"Point","coordinates":[10,54]}},
          "Datastream":{"@iot.id":)" +
                                std::to_string(deleted) + "}}"},
      {topic, R"({"result":4})"},
  });
  EXPECT_THAT(decisions, ::testing::Each(mqtt::PublishDecision::kSwallow));
  EXPECT_EQ(Results(), (std::vector<json::value>{1, 4}));
  EXPECT_EQ(Commits(), (std::vector<size_t>{1, 1}));
  // Only the one derived from the Thing's Location for the valid ones.
  EXPECT_EQ(json::parse(Get("FeaturesOfInterest")).at("value").as_array().size(), 1u);
  EXPECT_EQ(bridge_->Stats().observations_created, 2u);
  EXPECT_EQ(bridge_->Stats().messages_refused, 2u);
  auto messages = Published();
  ASSERT_THAT(messages, SizeIs(2));
  EXPECT_EQ(json::parse(messages[0].second).at("result"), 1);
  EXPECT_EQ(json::parse(messages[1].second).at("result"), 4);
}

TEST_F(BridgeTest, DeepInsertOfAFeatureOfInterest) {
  const int64_t datastream = CreateDatastream();
  EXPECT_EQ(PublishFromClient("v1.1/Datastreams(" + std::to_string(datastream) + ")/Observations",
                              R"({"result":1,"FeatureOfInterest":{"name":"f","description":"d",
                                  "encodingType":"application/geo+json",
                                  "feature":{"type":"Point","coordinates":[10,54]}}})"),
            mqtt::PublishDecision::kSwallow);
  EXPECT_EQ(json::parse(Get("FeaturesOfInterest")).at("value").as_array().size(), 1u);
}

TEST_F(BridgeTest, FullQueueDropsAndCounts) {
  TearDown();
  BridgeOptions options;
  options.max_pending_changes = 1;
  Open(options);
  ASSERT_TRUE(Subscribe("v1.1/Things"));
  // One batch of writes: a $batch change set with three Things commits as
  // one transaction, whose three events reach a queue of one.
  HttpResponse response = Call("POST", "$batch", R"({"requests":[
    {"id":"1","atomicityGroup":"g","method":"post","url":"Things","body":{"name":"a","description":"a"}},
    {"id":"2","atomicityGroup":"g","method":"post","url":"Things","body":{"name":"b","description":"b"}},
    {"id":"3","atomicityGroup":"g","method":"post","url":"Things","body":{"name":"c","description":"c"}}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto messages = Published();
  EXPECT_GE(bridge_->Stats().changes_dropped, 1u);
  EXPECT_EQ(messages.size() + bridge_->Stats().changes_dropped, 3u);
}

TEST_F(BridgeTest, StopEndsPublishing) {
  ASSERT_TRUE(Subscribe("v1.1/Things"));
  bridge_->Stop();
  Create("Things", R"({"name":"x","description":"y"})");
  EXPECT_THAT(sink_.Take(), IsEmpty());
}

}  // namespace
}  // namespace fundament::mqttapi
