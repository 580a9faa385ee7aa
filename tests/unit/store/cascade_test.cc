// Deletes cascade as OGC 18-088 §10.4 (Table "Integrity constraints when
// deleting an entity") requires, and no further.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

// A small world with two of everything, so that each test can check that
// the cascade reached the linked entities and stopped there.
class Cascade : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = MakeGraph("a");
    b_ = MakeGraph("b");
    const char* loc =
        R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}})";
    location_a_ = Insert(EntityKind::kLocation, loc);
    location_b_ = Insert(EntityKind::kLocation, loc);
    ASSERT_TRUE(Link(EntityKind::kThing, a_.thing, "Locations", location_a_).ok());
    ASSERT_TRUE(Link(EntityKind::kThing, b_.thing, "Locations", location_b_).ok());
    hl_a_ = Insert(EntityKind::kHistoricalLocation, R"({"time":"2025-01-01T00:00:00.000Z"})",
                   {Ref(EntityKind::kHistoricalLocation, "Thing", a_.thing)});
    hl_b_ = Insert(EntityKind::kHistoricalLocation, R"({"time":"2025-01-01T00:00:00.000Z"})",
                   {Ref(EntityKind::kHistoricalLocation, "Thing", b_.thing)});
    ASSERT_TRUE(Link(EntityKind::kHistoricalLocation, hl_a_, "Locations", location_a_).ok());
    ASSERT_TRUE(Link(EntityKind::kHistoricalLocation, hl_b_, "Locations", location_b_).ok());
    md_a_ = Insert(
        EntityKind::kMultiDatastream,
        R"({"name":"m","description":"d","unitOfMeasurements":[{}],"observationType":"o","multiObservationDataTypes":["x"]})",
        {Ref(EntityKind::kMultiDatastream, "Thing", a_.thing),
         Ref(EntityKind::kMultiDatastream, "Sensor", a_.sensor)});
    ASSERT_TRUE(Link(EntityKind::kMultiDatastream, md_a_, "ObservedProperties", a_.observed_property).ok());
    feature_a_ = MakeFeature(1, 1);
    feature_b_ = MakeFeature(2, 2);
    obs_a_ = MakeObservation(a_.datastream, feature_a_, "2025-01-01T00:00:00.000Z");
    obs_b_ = MakeObservation(b_.datastream, feature_b_, "2025-01-01T00:00:00.000Z");
    obs_md_ = MakeObservation(md_a_, feature_b_, "2025-01-01T00:00:00.000Z", "[1]", "MultiDatastream");
  }

  void ExpectBIntact() {
    EXPECT_TRUE(Exists(EntityKind::kThing, b_.thing));
    EXPECT_TRUE(Exists(EntityKind::kSensor, b_.sensor));
    EXPECT_TRUE(Exists(EntityKind::kObservedProperty, b_.observed_property));
    EXPECT_TRUE(Exists(EntityKind::kDatastream, b_.datastream));
    EXPECT_TRUE(Exists(EntityKind::kLocation, location_b_));
    EXPECT_TRUE(Exists(EntityKind::kHistoricalLocation, hl_b_));
    EXPECT_TRUE(Exists(EntityKind::kObservation, obs_b_));
  }

  Graph a_, b_;
  int64_t location_a_ = 0, location_b_ = 0, hl_a_ = 0, hl_b_ = 0, md_a_ = 0;
  int64_t feature_a_ = 0, feature_b_ = 0, obs_a_ = 0, obs_b_ = 0, obs_md_ = 0;
};

TEST_F(Cascade, ThingTakesItsDatastreamsMultiDatastreamsAndHistoricalLocations) {
  ASSERT_TRUE(Delete(EntityKind::kThing, a_.thing).ok());
  EXPECT_FALSE(Exists(EntityKind::kThing, a_.thing));
  EXPECT_FALSE(Exists(EntityKind::kDatastream, a_.datastream));
  EXPECT_FALSE(Exists(EntityKind::kMultiDatastream, md_a_));
  EXPECT_FALSE(Exists(EntityKind::kHistoricalLocation, hl_a_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_a_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_md_));
  // Not linked by a mandatory link: they stay.
  EXPECT_TRUE(Exists(EntityKind::kLocation, location_a_));
  EXPECT_TRUE(Exists(EntityKind::kSensor, a_.sensor));
  EXPECT_TRUE(Exists(EntityKind::kFeatureOfInterest, feature_a_));
  EXPECT_EQ(Scalar("SELECT count(*) FROM thing_location"), "1");
  ExpectBIntact();
}

TEST_F(Cascade, LocationTakesItsHistoricalLocations) {
  ASSERT_TRUE(Delete(EntityKind::kLocation, location_a_).ok());
  EXPECT_FALSE(Exists(EntityKind::kLocation, location_a_));
  EXPECT_FALSE(Exists(EntityKind::kHistoricalLocation, hl_a_));
  EXPECT_TRUE(Exists(EntityKind::kThing, a_.thing));
  EXPECT_TRUE(RelatedIds(EntityKind::kThing, a_.thing, "Locations").empty());
  ExpectBIntact();
}

TEST_F(Cascade, DatastreamTakesItsObservations) {
  ASSERT_TRUE(Delete(EntityKind::kDatastream, a_.datastream).ok());
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_a_));
  EXPECT_TRUE(Exists(EntityKind::kObservation, obs_md_));
  EXPECT_TRUE(Exists(EntityKind::kThing, a_.thing));
  EXPECT_TRUE(Exists(EntityKind::kSensor, a_.sensor));
  EXPECT_TRUE(Exists(EntityKind::kFeatureOfInterest, feature_a_));
  ExpectBIntact();
}

TEST_F(Cascade, MultiDatastreamTakesItsObservations) {
  ASSERT_TRUE(Delete(EntityKind::kMultiDatastream, md_a_).ok());
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_md_));
  EXPECT_TRUE(Exists(EntityKind::kObservedProperty, a_.observed_property));
  EXPECT_EQ(Scalar("SELECT count(*) FROM multi_datastream_observed_property"), "0");
  EXPECT_TRUE(Exists(EntityKind::kObservation, obs_a_));
  ExpectBIntact();
}

TEST_F(Cascade, SensorTakesItsDatastreamsAndMultiDatastreams) {
  ASSERT_TRUE(Delete(EntityKind::kSensor, a_.sensor).ok());
  EXPECT_FALSE(Exists(EntityKind::kDatastream, a_.datastream));
  EXPECT_FALSE(Exists(EntityKind::kMultiDatastream, md_a_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_a_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_md_));
  EXPECT_TRUE(Exists(EntityKind::kThing, a_.thing));
  EXPECT_TRUE(Exists(EntityKind::kObservedProperty, a_.observed_property));
  ExpectBIntact();
}

TEST_F(Cascade, ObservedPropertyTakesItsDatastreamsAndMultiDatastreams) {
  ASSERT_TRUE(Delete(EntityKind::kObservedProperty, a_.observed_property).ok());
  EXPECT_FALSE(Exists(EntityKind::kDatastream, a_.datastream));
  EXPECT_FALSE(Exists(EntityKind::kMultiDatastream, md_a_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_md_));
  EXPECT_TRUE(Exists(EntityKind::kSensor, a_.sensor));
  ExpectBIntact();
}

TEST_F(Cascade, ObservationTakesNothing) {
  ASSERT_TRUE(Delete(EntityKind::kObservation, obs_a_).ok());
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_a_));
  EXPECT_TRUE(Exists(EntityKind::kDatastream, a_.datastream));
  EXPECT_TRUE(Exists(EntityKind::kFeatureOfInterest, feature_a_));
  ExpectBIntact();
}

TEST_F(Cascade, FeatureOfInterestTakesItsObservations) {
  ASSERT_TRUE(Delete(EntityKind::kFeatureOfInterest, feature_b_).ok());
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_b_));
  EXPECT_FALSE(Exists(EntityKind::kObservation, obs_md_));
  EXPECT_TRUE(Exists(EntityKind::kObservation, obs_a_));
  EXPECT_TRUE(Exists(EntityKind::kDatastream, b_.datastream));
}

TEST_F(Cascade, HistoricalLocationTakesNothing) {
  ASSERT_TRUE(Delete(EntityKind::kHistoricalLocation, hl_a_).ok());
  EXPECT_FALSE(Exists(EntityKind::kHistoricalLocation, hl_a_));
  EXPECT_TRUE(Exists(EntityKind::kThing, a_.thing));
  EXPECT_TRUE(Exists(EntityKind::kLocation, location_a_));
  ExpectBIntact();
}

TEST_F(Cascade, DeleteOfMissingEntityIsNotFound) {
  Status status = Delete(EntityKind::kThing, 999);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace fundament::store::testing
