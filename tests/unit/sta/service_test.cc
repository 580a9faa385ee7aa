// The SensorThings service end to end on a real embedded store, without HTTP.
#include "sta/service.h"

#include <algorithm>
#include <filesystem>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "sta/demo_data.h"
#include "store/sqlite/sqlite_store.h"

namespace fundament::sta {
namespace {

namespace json = boost::json;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fundament_service_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::SqliteOptions options;
    options.path = (dir_ / "test.db").string();
    options.reader_connections = 2;
    auto opened = store::OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    service_ = std::make_unique<Service>(*store_, ServiceOptions{});
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    std::string content_type = "application/json") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = "/v1.1/" + target;
    request.headers = {{"host", "example.org"}, {"content-type", content_type}};
    request.body = std::move(body);
    return service_->Handle(request);
  }
  json::object Json(const HttpResponse& response) { return json::parse(response.body).as_object(); }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Service> service_;
};

constexpr const char* kThingWithEverything = R"({
  "name": "Pegel", "description": "Gauge", "properties": {"owner": "Stadt Kiel"},
  "Locations": [{"name": "Kai", "description": "Quay", "encodingType": "application/geo+json",
                 "location": {"type": "Point", "coordinates": [10.15, 54.32]}}],
  "Datastreams": [{
    "name": "Wasserstand", "description": "Level", "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
    "unitOfMeasurement": {"name": "centimetre", "symbol": "cm", "definition": "http://qudt.org/vocab/unit/CentiM"},
    "Sensor": {"name": "Radar", "description": "r", "encodingType": "text/html", "metadata": "https://example.org"},
    "ObservedProperty": {"name": "Water level", "definition": "http://example.org/wl", "description": "wl"},
    "Observations": [{"phenomenonTime": "2025-11-18T10:00:00Z", "result": 501},
                     {"phenomenonTime": "2025-11-18T10:15:00Z", "result": 502.5}]
  }]
})";

TEST_F(ServiceTest, ServiceRootListsEverySetAndConformance) {
  auto response = Call("GET", "");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = Json(response);
  EXPECT_EQ(body.at("value").as_array().size(), 9u);
  EXPECT_EQ(body.at("value").as_array()[0].at("url"), "http://example.org/v1.1/Things");
  EXPECT_FALSE(body.at("serverSettings").at("conformance").as_array().empty());
}

// OGC 18-088 §14: both MQTT requirement classes are listed in conformance
// and named as serverSettings objects with the endpoints.
TEST_F(ServiceTest, ServiceRootAnnouncesMqttOnlyWhenOffered) {
  constexpr const char* kCreate =
      "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation";
  constexpr const char* kReceive =
      "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates";
  auto settings = [&](const ServiceOptions& options, std::string host) {
    Service service(*store_, options);
    HttpRequest request;
    request.method = "GET";
    request.target = "/v1.1";
    request.headers = {{"host", std::move(host)}};
    return json::parse(service.Handle(request).body).at("serverSettings").as_object();
  };
  auto lists = [](const json::object& settings, const char* uri) {
    const auto& conformance = settings.at("conformance").as_array();
    return std::find(conformance.begin(), conformance.end(), json::value(uri)) != conformance.end();
  };

  json::object none = settings(ServiceOptions{}, "example.org");
  EXPECT_FALSE(lists(none, kCreate));
  EXPECT_FALSE(lists(none, kReceive));
  EXPECT_FALSE(none.contains(kCreate));

  ServiceOptions derived;
  derived.mqtt_port = 1883;
  for (const auto& [host, endpoint] :
       std::vector<std::pair<std::string, std::string>>{{"example.org:8080", "mqtt://example.org:1883"},
                                                        {"example.org", "mqtt://example.org:1883"},
                                                        {"[::1]:8080", "mqtt://[::1]:1883"}}) {
    json::object offered = settings(derived, host);
    EXPECT_TRUE(lists(offered, kCreate));
    EXPECT_TRUE(lists(offered, kReceive));
    for (const char* uri : {kCreate, kReceive})
      EXPECT_EQ(offered.at(uri), json::parse(R"({"endpoints":[")" + endpoint + R"("]})")) << host;
  }

  ServiceOptions configured = derived;
  configured.mqtt_endpoints = {"mqtts://sensors.example.org:8883"};
  EXPECT_EQ(settings(configured, "example.org").at(kReceive),
            json::parse(R"({"endpoints":["mqtts://sensors.example.org:8883"]})"));
  configured.external_url = "https://sensors.example.org";
  configured.mqtt_endpoints.clear();
  EXPECT_EQ(settings(configured, "internal:8080").at(kCreate),
            json::parse(R"({"endpoints":["mqtt://sensors.example.org:1883"]})"));
}

// MQTT over WebSocket is on the HTTP server: its endpoint is the server URL
// (external_url, else the Host the client used) with a WebSocket scheme.
TEST_F(ServiceTest, ServiceRootAnnouncesMqttOverWebSocketUnderTheServerUrl) {
  constexpr const char* kReceive =
      "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates";
  auto endpoints = [&](const ServiceOptions& options, std::string host) {
    Service service(*store_, options);
    HttpRequest request;
    request.method = "GET";
    request.target = "/v1.1";
    request.headers = {{"host", std::move(host)}};
    return json::parse(service.Handle(request).body).at("serverSettings").at(kReceive).at("endpoints");
  };
  ServiceOptions options;
  options.mqtt_port = 1883;
  options.mqtt_websocket_path = "/mqtt";
  EXPECT_EQ(endpoints(options, "example.org:8080"),
            json::parse(R"(["mqtt://example.org:1883","ws://example.org:8080/mqtt"])"));
  options.external_url = "https://sensors.example.org/city";
  EXPECT_EQ(endpoints(options, "internal:8080"),
            json::parse(R"(["mqtt://sensors.example.org:1883","wss://sensors.example.org/city/mqtt"])"));
  // Configured endpoints are announced as given.
  options.mqtt_endpoints = {"wss://mqtt.example.org/mqtt"};
  EXPECT_EQ(endpoints(options, "internal:8080"), json::parse(R"(["wss://mqtt.example.org/mqtt"])"));
}

TEST_F(ServiceTest, DeepInsertCreatesAndLinksEverything) {
  auto created = Call("POST", "Things", kThingWithEverything);
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_FALSE(created.headers.empty());
  EXPECT_EQ(created.headers[0].second, "http://example.org/v1.1/Things(1)");

  auto observations = Call("GET", "Things(1)/Datastreams(1)/Observations?$orderby=phenomenonTime%20desc&$count=true");
  ASSERT_EQ(observations.status, 200) << observations.body;
  auto body = Json(observations);
  EXPECT_EQ(body.at("@iot.count"), 2);
  EXPECT_EQ(body.at("value").as_array()[0].at("result"), 502.5);
  EXPECT_EQ(body.at("value").as_array()[1].at("result"), 501);

  // A HistoricalLocation was recorded and a FeatureOfInterest generated from the Location, once.
  EXPECT_EQ(Json(Call("GET", "Things(1)/HistoricalLocations?$count=true")).at("@iot.count"), 1);
  EXPECT_EQ(Json(Call("GET", "FeaturesOfInterest?$count=true")).at("@iot.count"), 1);

  auto datastream = Json(Call("GET", "Datastreams(1)"));
  EXPECT_EQ(datastream.at("phenomenonTime"), "2025-11-18T10:00:00.000Z/2025-11-18T10:15:00.000Z");
  EXPECT_EQ(datastream.at("Thing@iot.navigationLink"), "http://example.org/v1.1/Datastreams(1)/Thing");
}

TEST_F(ServiceTest, FailedDeepInsertWritesNothing) {
  std::string bad = kThingWithEverything;
  bad.replace(bad.find("\"result\": 502.5"), 15, "\"resultx\": 1");
  auto response = Call("POST", "Things", bad);
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(Json(Call("GET", "Things?$count=true")).at("@iot.count"), 0);
  EXPECT_EQ(Json(Call("GET", "Sensors?$count=true")).at("@iot.count"), 0);
}

TEST_F(ServiceTest, ExpandSelectAndPaging) {
  ASSERT_EQ(Call("POST", "Things", kThingWithEverything).status, 201);
  auto response = Call("GET",
                       "Things?$select=name&$expand=Datastreams($select=name;$expand=Observations($top=1;$orderby="
                       "phenomenonTime%20desc;$select=result))");
  ASSERT_EQ(response.status, 200) << response.body;
  auto thing = Json(response).at("value").as_array()[0].as_object();
  EXPECT_EQ(thing.size(), 2u) << response.body;  // name + Datastreams
  auto observations = thing.at("Datastreams").as_array()[0].at("Observations").as_array();
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(observations[0].at("result"), 502.5);

  auto page = Json(Call("GET", "Observations?$top=1"));
  EXPECT_EQ(page.at("value").as_array().size(), 1u);
  EXPECT_EQ(page.at("@iot.nextLink"), "http://example.org/v1.1/Observations?$top=1&$skip=1");
}

TEST_F(ServiceTest, PropertyValueAndRef) {
  ASSERT_EQ(Call("POST", "Things", kThingWithEverything).status, 201);
  EXPECT_EQ(Call("GET", "Things(1)/name").body, R"({"name":"Pegel"})");
  EXPECT_EQ(Call("GET", "Things(1)/name/$value").body, "Pegel");
  auto refs = Json(Call("GET", "Things(1)/Locations/$ref"));
  EXPECT_EQ(refs.at("value").as_array()[0].as_object().size(), 1u);
  EXPECT_EQ(Call("GET", "Things(9)").status, 404);
  EXPECT_EQ(Call("GET", "Things(1)/Datastreams(7)").status, 404);
  EXPECT_EQ(Call("GET", "Thingz").status, 404);
}

TEST_F(ServiceTest, PatchPutAndDeleteWithCascade) {
  ASSERT_EQ(Call("POST", "Things", kThingWithEverything).status, 201);
  auto patched = Call("PATCH", "Things(1)", R"({"description":"changed"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("description"), "changed");
  EXPECT_EQ(Json(patched).at("name"), "Pegel");

  auto replaced = Call("PUT", "Things(1)", R"({"name":"n","description":"d"})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_TRUE(Json(replaced).at("properties").is_null());

  EXPECT_EQ(Call("DELETE", "Things(1)").status, 200);
  EXPECT_EQ(Json(Call("GET", "Datastreams?$count=true")).at("@iot.count"), 0);
  EXPECT_EQ(Json(Call("GET", "Observations?$count=true")).at("@iot.count"), 0);
  EXPECT_EQ(Json(Call("GET", "Locations?$count=true")).at("@iot.count"), 1);
  EXPECT_EQ(Call("DELETE", "Things(1)").status, 404);
}

TEST_F(ServiceTest, CreateObservationsAnswersPerRow) {
  ASSERT_EQ(Call("POST", "Things", kThingWithEverything).status, 201);
  auto response = Call("POST", "CreateObservations", R"([{"Datastream":{"@iot.id":1},
      "components":["phenomenonTime","result"],
      "dataArray":[["2025-11-18T11:00:00Z",7],["not a time",8],["2025-11-18T11:30:00Z",9]]}])");
  ASSERT_EQ(response.status, 201) << response.body;
  auto rows = json::parse(response.body).as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], "error");
  EXPECT_EQ(rows[2], "http://example.org/v1.1/Observations(4)");

  auto data = Json(Call("GET", "Datastreams(1)/Observations?$resultFormat=dataArray&$select=result"));
  auto group = data.at("value").as_array()[0].as_object();
  EXPECT_EQ(group.at("Datastream@iot.navigationLink"), "http://example.org/v1.1/Datastreams(1)");
  EXPECT_EQ(group.at("dataArray@iot.count"), 4);
}

TEST_F(ServiceTest, JsonBatchWithAtomicityGroupAndReferences) {
  auto response = Call("POST", "$batch", R"({"requests":[
    {"id":"t","method":"post","url":"Things","body":{"name":"a","description":"b"},"atomicityGroup":"g"},
    {"id":"l","method":"post","url":"$t/Locations","atomicityGroup":"g",
     "body":{"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}}},
    {"id":"r","method":"get","url":"Things(1)/Locations?$select=name"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto responses = Json(response).at("responses").as_array();
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].at("status"), 201);
  EXPECT_EQ(responses[1].at("status"), 201);
  EXPECT_EQ(responses[2].at("body").at("value").as_array()[0].at("name"), "l");

  auto failed = Call("POST", "$batch", R"({"requests":[
    {"id":"a","method":"post","url":"Things","body":{"name":"x","description":"y"},"atomicityGroup":"g"},
    {"id":"b","method":"post","url":"Things","body":{"name":"x"},"atomicityGroup":"g"}]})");
  auto failed_responses = Json(failed).at("responses").as_array();
  EXPECT_EQ(failed_responses[1].at("status"), 400);
  EXPECT_EQ(Json(Call("GET", "Things?$count=true")).at("@iot.count"), 1);
}

TEST_F(ServiceTest, MultipartBatchWithChangeSet) {
  const std::string body =
      "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n"
      "--cs\r\nContent-Type: application/http\r\nContent-ID: sensor1\r\n\r\n"
      "POST /v1.1/Sensors HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
      "{\"name\":\"s\",\"description\":\"d\",\"encodingType\":\"text/html\",\"metadata\":\"m\"}\r\n"
      "--cs--\r\n"
      "--b\r\nContent-Type: application/http\r\n\r\nGET /v1.1/Sensors(1)?$select=name HTTP/1.1\r\n\r\n\r\n"
      "--b--\r\n";
  auto response = Call("POST", "$batch", body, "multipart/mixed; boundary=b");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.content_type.starts_with("multipart/mixed; boundary=")) << response.content_type;
  EXPECT_NE(response.body.find("HTTP/1.1 201 Created"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("Content-ID: sensor1"), std::string::npos);
  EXPECT_NE(response.body.find(R"({"name":"s"})"), std::string::npos) << response.body;
}

TEST_F(ServiceTest, DemoDataLoadsOnceWithAWeekOfObservations) {
  ASSERT_TRUE(LoadDemoData(*service_).ok());
  ASSERT_TRUE(LoadDemoData(*service_).ok());  // a second start adds nothing
  EXPECT_EQ(Json(Call("GET", "Things?$count=true")).at("@iot.count"), 5);
  EXPECT_EQ(Json(Call("GET", "Datastreams(1)/Observations?$count=true&$top=1")).at("@iot.count"), 7 * 24 * 4);
}

}  // namespace
}  // namespace fundament::sta
