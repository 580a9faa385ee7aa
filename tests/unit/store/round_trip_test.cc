// Every entity type goes in as JSON and comes back the same, in model order.
#include <gtest/gtest.h>

#include "model/time.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

std::vector<std::string> Keys(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& member : object) keys.emplace_back(member.key());
  return keys;
}

std::vector<std::string> ModelOrder(EntityKind kind) {
  std::vector<std::string> names;
  for (const auto& p : model::TypeOf(kind).properties) names.emplace_back(p.name);
  return names;
}

using RoundTrip = StoreTest;

TEST_F(RoundTrip, ThingKeepsPropertiesInModelOrder) {
  int64_t id =
      Insert(EntityKind::kThing,
             R"({"properties":{"a":1,"b":[true,null,"x"],"c":{"d":2.5}},"description":"desc","name":"n"})");
  Entity thing = Get(EntityKind::kThing, id);
  EXPECT_EQ(thing.id, id);
  EXPECT_EQ(Keys(thing.properties), ModelOrder(EntityKind::kThing));
  EXPECT_EQ(
      thing.properties,
      Obj(R"({"name":"n","description":"desc","properties":{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}})"));
  EXPECT_TRUE(thing.references.empty());
}

TEST_F(RoundTrip, AbsentOptionalPropertiesComeBackAsNull) {
  int64_t id = Insert(EntityKind::kThing, R"({"name":"n","description":"d"})");
  EXPECT_EQ(Get(EntityKind::kThing, id).properties,
            Obj(R"({"name":"n","description":"d","properties":null})"));
}

TEST_F(RoundTrip, Location) {
  const char* props =
      R"({"name":"L","description":"d","encodingType":"application/geo+json",)"
      R"("location":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"k":"v"}})";
  int64_t id = Insert(EntityKind::kLocation, props);
  Entity location = Get(EntityKind::kLocation, id);
  EXPECT_EQ(location.properties, Obj(props));
  EXPECT_EQ(Keys(location.properties), ModelOrder(EntityKind::kLocation));
  EXPECT_EQ(Scalar("SELECT geom IS NOT NULL FROM location"), "1");
}

TEST_F(RoundTrip, HistoricalLocationWithThing) {
  int64_t thing = Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  int64_t id = Insert(EntityKind::kHistoricalLocation, R"({"time":"2025-11-18T09:00:00.000Z"})",
                      {Ref(EntityKind::kHistoricalLocation, "Thing", thing)});
  Entity hl = Get(EntityKind::kHistoricalLocation, id);
  EXPECT_EQ(hl.properties, Obj(R"({"time":"2025-11-18T09:00:00.000Z"})"));
  EXPECT_EQ(hl.ReferenceId("Thing"), thing);
  EXPECT_EQ(Scalar("SELECT time FROM historical_location"), "1763456400000000");
}

TEST_F(RoundTrip, SensorMetadataMayBeAnyJson) {
  int64_t url = Insert(
      EntityKind::kSensor,
      R"({"name":"s","description":"d","encodingType":"application/pdf","metadata":"https://x/y.pdf"})");
  int64_t object = Insert(
      EntityKind::kSensor,
      R"({"name":"s","description":"d","encodingType":"application/json","metadata":{"a":[1]},"properties":{}})");
  EXPECT_EQ(
      Get(EntityKind::kSensor, url).properties,
      Obj(R"({"name":"s","description":"d","encodingType":"application/pdf","metadata":"https://x/y.pdf","properties":null})"));
  EXPECT_EQ(
      Get(EntityKind::kSensor, object).properties,
      Obj(R"({"name":"s","description":"d","encodingType":"application/json","metadata":{"a":[1]},"properties":{}})"));
}

TEST_F(RoundTrip, ObservedProperty) {
  const char* props = R"({"name":"T","definition":"https://d","description":"temp","properties":{"x":1}})";
  int64_t id = Insert(EntityKind::kObservedProperty, props);
  EXPECT_EQ(Get(EntityKind::kObservedProperty, id).properties, Obj(props));
}

TEST_F(RoundTrip, DatastreamWithReferencesAndEmptyReadOnlyProperties) {
  Graph g = MakeGraph();
  Entity ds = Get(EntityKind::kDatastream, g.datastream);
  EXPECT_EQ(Keys(ds.properties), ModelOrder(EntityKind::kDatastream));
  EXPECT_EQ(ds.properties.at("unitOfMeasurement"), Obj(R"({"name":"m","symbol":"m","definition":"u"})"));
  EXPECT_TRUE(ds.properties.at("observedArea").is_null());
  EXPECT_TRUE(ds.properties.at("phenomenonTime").is_null());
  EXPECT_TRUE(ds.properties.at("resultTime").is_null());
  EXPECT_TRUE(ds.properties.at("properties").is_null());
  EXPECT_EQ(ds.ReferenceId("Thing"), g.thing);
  EXPECT_EQ(ds.ReferenceId("Sensor"), g.sensor);
  EXPECT_EQ(ds.ReferenceId("ObservedProperty"), g.observed_property);
  EXPECT_EQ(ds.ReferenceId("Observations"), std::nullopt);
}

TEST_F(RoundTrip, ReadOnlyPropertiesGivenOnInsertAreIgnored) {
  Graph g = MakeGraph();
  int64_t id = Insert(
      EntityKind::kDatastream,
      R"({"name":"n","description":"d","unitOfMeasurement":{},"observationType":"o",)"
      R"("phenomenonTime":"2020-01-01T00:00:00.000Z/2021-01-01T00:00:00.000Z"})",
      {Ref(EntityKind::kDatastream, "Thing", g.thing), Ref(EntityKind::kDatastream, "Sensor", g.sensor),
       Ref(EntityKind::kDatastream, "ObservedProperty", g.observed_property)});
  EXPECT_TRUE(Get(EntityKind::kDatastream, id).properties.at("phenomenonTime").is_null());
}

TEST_F(RoundTrip, MultiDatastream) {
  Graph g = MakeGraph();
  const char* props =
      R"({"name":"m","description":"d","unitOfMeasurements":[{"name":"a","symbol":"a","definition":"a"},)"
      R"({"name":"b","symbol":"b","definition":"b"}],"observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation",)"
      R"("multiObservationDataTypes":["x","y"]})";
  int64_t id = Insert(EntityKind::kMultiDatastream, props,
                      {Ref(EntityKind::kMultiDatastream, "Thing", g.thing),
                       Ref(EntityKind::kMultiDatastream, "Sensor", g.sensor)});
  Entity md = Get(EntityKind::kMultiDatastream, id);
  EXPECT_EQ(Keys(md.properties), ModelOrder(EntityKind::kMultiDatastream));
  EXPECT_EQ(
      md.properties.at("unitOfMeasurements"),
      json::parse(
          R"([{"name":"a","symbol":"a","definition":"a"},{"name":"b","symbol":"b","definition":"b"}])"));
  EXPECT_EQ(md.properties.at("multiObservationDataTypes"), json::parse(R"(["x","y"])"));
  EXPECT_EQ(md.ReferenceId("Thing"), g.thing);
  EXPECT_EQ(md.ReferenceId("Sensor"), g.sensor);
}

TEST_F(RoundTrip, FeatureOfInterestKeepsAFeatureAndItsBoundingBox) {
  const char* props =
      R"({"name":"f","description":"d","encodingType":"application/geo+json",)"
      R"("feature":{"type":"Feature","geometry":{"type":"LineString","coordinates":[[7,50],[8,52.5]]},"properties":{"p":1}},"properties":null})";
  int64_t id = Insert(EntityKind::kFeatureOfInterest, props);
  EXPECT_EQ(Get(EntityKind::kFeatureOfInterest, id).properties, Obj(props));
  EXPECT_EQ(std::stod(Scalar("SELECT min_x FROM feature_of_interest")), 7.0);
  EXPECT_EQ(std::stod(Scalar("SELECT min_y FROM feature_of_interest")), 50.0);
  EXPECT_EQ(std::stod(Scalar("SELECT max_x FROM feature_of_interest")), 8.0);
  EXPECT_EQ(std::stod(Scalar("SELECT max_y FROM feature_of_interest")), 52.5);
  EXPECT_EQ(Scalar("SELECT geom IS NOT NULL FROM feature_of_interest"), "1");
}

TEST_F(RoundTrip, ObservationWithEveryProperty) {
  Graph g = MakeGraph();
  int64_t feature = MakeFeature(7, 50);
  const char* props =
      R"({"phenomenonTime":"2025-11-18T09:00:00.000Z/2025-11-18T10:00:00.000Z","resultTime":"2025-11-18T10:00:00.001Z",)"
      R"("result":12.5,"resultQuality":{"q":"good"},"validTime":"2025-11-18T00:00:00.000Z/2025-11-19T00:00:00.000Z",)"
      R"("parameters":{"depth":3}})";
  int64_t id = Insert(EntityKind::kObservation, props,
                      {Ref(EntityKind::kObservation, "Datastream", g.datastream),
                       Ref(EntityKind::kObservation, "FeatureOfInterest", feature)});
  Entity o = Get(EntityKind::kObservation, id);
  EXPECT_EQ(o.properties, Obj(props));
  EXPECT_EQ(Keys(o.properties), ModelOrder(EntityKind::kObservation));
  EXPECT_EQ(o.ReferenceId("Datastream"), g.datastream);
  EXPECT_EQ(o.ReferenceId("FeatureOfInterest"), feature);
  EXPECT_EQ(o.ReferenceId("MultiDatastream"), std::nullopt);
}

TEST_F(RoundTrip, ObservationOptionalPropertiesAreNull) {
  Graph g = MakeGraph();
  int64_t id = MakeObservation(g.datastream, 0, "2025-11-18T09:00:00.000Z", "1");
  EXPECT_EQ(Get(EntityKind::kObservation, id).properties,
            Obj(R"({"phenomenonTime":"2025-11-18T09:00:00.000Z","resultTime":null,"result":1,)"
                R"("resultQuality":null,"validTime":null,"parameters":null})"));
}

TEST_F(RoundTrip, PhenomenonTimeIntervalWithEqualEndsIsAnInstant) {
  Graph g = MakeGraph();
  int64_t id = MakeObservation(g.datastream, 0, "2025-11-18T09:00:00.000Z/2025-11-18T09:00:00.000Z");
  EXPECT_EQ(Get(EntityKind::kObservation, id).properties.at("phenomenonTime"), "2025-11-18T09:00:00.000Z");
  EXPECT_EQ(Scalar("SELECT phenomenon_time_end FROM observation"), "NULL");
}

TEST_F(RoundTrip, PhenomenonTimeDefaultsToNow) {
  Graph g = MakeGraph();
  int64_t id = Insert(EntityKind::kObservation, R"({"result":1})",
                      {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
  auto time =
      model::ParseInstant(Get(EntityKind::kObservation, id).properties.at("phenomenonTime").as_string());
  ASSERT_TRUE(time.ok());
  EXPECT_LE(model::Now() - *time, int64_t{60'000'000});
}

TEST_F(RoundTrip, ProjectionLoadsOnlyTheNamedProperties) {
  int64_t id = Insert(EntityKind::kThing, R"({"name":"n","description":"d","properties":{"a":1}})");
  ReadRequest request = Request(EntityKind::kThing);
  request.id = id;
  request.properties = {"properties", "name"};
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->entities.size(), 1u);
  EXPECT_EQ(result->entities[0].properties, Obj(R"({"name":"n","properties":{"a":1}})"));
}

TEST_F(RoundTrip, UpdateChangesOnlyGivenPropertiesAndNullClears) {
  int64_t id = Insert(EntityKind::kThing, R"({"name":"n","description":"d","properties":{"a":1}})");
  ASSERT_TRUE(Update(EntityKind::kThing, id, R"({"description":"new","properties":null})").ok());
  EXPECT_EQ(Get(EntityKind::kThing, id).properties,
            Obj(R"({"name":"n","description":"new","properties":null})"));
}

TEST_F(RoundTrip, UpdateRejectsNullForMandatoryProperty) {
  int64_t id = Insert(EntityKind::kThing, R"({"name":"n","description":"d"})");
  Status status = Update(EntityKind::kThing, id, R"({"name":null})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "name");
}

TEST_F(RoundTrip, UpdateChangesReferences) {
  Graph g = MakeGraph();
  int64_t other = Insert(EntityKind::kThing, R"({"name":"o","description":"d"})");
  ASSERT_TRUE(
      Update(EntityKind::kDatastream, g.datastream, "{}", {Ref(EntityKind::kDatastream, "Thing", other)})
          .ok());
  EXPECT_EQ(Get(EntityKind::kDatastream, g.datastream).ReferenceId("Thing"), other);
}

TEST_F(RoundTrip, UpdateOfMissingEntityIsNotFound) {
  Status status = Update(EntityKind::kThing, 99, R"({"name":"x"})");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
}

TEST_F(RoundTrip, ReadOfMissingIdIsEmpty) {
  ReadRequest request = Request(EntityKind::kThing);
  request.id = 5;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->entities.empty());
}

TEST_F(RoundTrip, MissingMandatoryPropertyIsBadRequest) {
  Status status = Write([](WriteTransaction& tx) {
    return tx.Insert(EntityKind::kThing, Obj(R"({"name":"n"})"), {}).status();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "description");
}

TEST_F(RoundTrip, BadTimeIsBadRequestNamingTheProperty) {
  int64_t thing = Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  Status status = Write([&](WriteTransaction& tx) {
    return tx
        .Insert(EntityKind::kHistoricalLocation, Obj(R"({"time":"yesterday"})"),
                {Ref(EntityKind::kHistoricalLocation, "Thing", thing)})
        .status();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "time");
}

// The result keeps its JSON type: an integer stays an integer, a double a double.
class TypedResult : public StoreTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(TypedResult, ComesBackWithItsType) {
  Graph g = MakeGraph();
  json::value expected = json::parse(GetParam());
  int64_t id = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z", GetParam());
  json::value actual = Get(EntityKind::kObservation, id).properties.at("result");
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(actual.kind(), expected.kind()) << json::serialize(actual);
}

INSTANTIATE_TEST_SUITE_P(AllJsonKinds, TypedResult,
                         ::testing::Values("42", "-7", "9223372036854775807", "18446744073709551615", "1.5",
                                           "2.0", "-0.25", "\"text\"", "\"\"", "true", "false", "null",
                                           R"({"a":[1,{"b":null}]})", "[1,2.5,\"x\"]", "[]", "{}"));

TEST_F(StoreTest, ResultNumbersAreStoredWithTheirSqlType) {
  FUNDAMENT_SQLITE_ONLY();
  Graph g = MakeGraph();
  MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z", "3");
  MakeObservation(g.datastream, 0, "2025-01-01T00:00:01.000Z", "3.0");
  EXPECT_EQ(Scalar("SELECT group_concat(typeof(result_number), ',') FROM (SELECT result_number FROM "
                   "observation ORDER BY id)"),
            "integer,real");
}

TEST_F(StoreTest, WithoutSpatiaLiteGeometriesAreKeptAsGeoJsonOnly) {
  FUNDAMENT_SQLITE_ONLY();
  options_.load_spatialite = false;
  std::error_code ec;
  store_.reset();
  std::filesystem::remove_all(dir_ / "fundament.db", ec);
  Reopen();
  int64_t id = MakeFeature(1, 2);
  EXPECT_EQ(Get(EntityKind::kFeatureOfInterest, id).properties.at("feature"),
            json::value(json::object{{"type", "Point"}, {"coordinates", json::array{1.0, 2.0}}}));
  EXPECT_EQ(Scalar("SELECT geom IS NULL FROM feature_of_interest"), "1");
}

}  // namespace
}  // namespace fundament::store::testing
