// Write transactions: all or nothing, change events after commit only,
// reference checks, and the read-only Datastream properties.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "model/geojson.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using events::ChangeEvent;
using events::Operation;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Transaction = StoreTest;

TEST_F(Transaction, FailingWorkLeavesNothing) {
  Status status = Write([](WriteTransaction& tx) -> Status {
    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
    if (!thing.ok()) return thing.error();
    auto sensor = tx.Insert(EntityKind::kSensor,
                            Obj(R"({"name":"s","description":"d","encodingType":"e","metadata":"m"})"), {});
    if (!sensor.ok()) return sensor.error();
    // Seen inside the transaction …
    auto read = tx.Read(Request(EntityKind::kThing));
    if (!read.ok() || read->entities.size() != 1) return Internal("own write not visible");
    return Error{ErrorCode::kConflict, "stop here", {}};
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);
  EXPECT_EQ(status.error().message, "stop here");
  // … and gone after the rollback.
  EXPECT_EQ(Count(EntityKind::kThing), 0);
  EXPECT_EQ(Count(EntityKind::kSensor), 0);
}

TEST_F(Transaction, FailedStepRollsBackEarlierSteps) {
  Status status = Write([](WriteTransaction& tx) -> Status {
    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
    if (!thing.ok()) return thing.error();
    return tx
        .Insert(EntityKind::kHistoricalLocation, Obj(R"({"time":"2025-01-01T00:00:00Z"})"),
                {Ref(EntityKind::kHistoricalLocation, "Thing", 42)})
        .status();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().message, "Thing 42 does not exist");
  EXPECT_EQ(status.error().field, "Thing");
  EXPECT_EQ(Count(EntityKind::kThing), 0);
}

TEST_F(Transaction, ExceptionRollsBackAndIsInternal) {
  Status status = Write([](WriteTransaction& tx) -> Status {
    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
    if (thing.ok()) throw std::runtime_error("boom");
    return Status::Ok();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_THAT(status.error().message, ::testing::HasSubstr("boom"));
  EXPECT_EQ(Count(EntityKind::kThing), 0);
  // The writer is usable afterwards.
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"t","description":"d"})"), 0);
}

TEST_F(Transaction, MandatoryReferenceIsRequired) {
  Status status = Write([](WriteTransaction& tx) {
    return tx.Insert(EntityKind::kHistoricalLocation, Obj(R"({"time":"2025-01-01T00:00:00Z"})"), {}).status();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "Thing");
}

TEST_F(Transaction, ObservationNeedsExactlyOneDatastreamOrMultiDatastream) {
  Status status = Write([](WriteTransaction& tx) {
    return tx.Insert(EntityKind::kObservation, Obj(R"({"result":1})"), {}).status();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
}

TEST_F(Transaction, LinkToMissingTargetIsBadRequestAndFromMissingEntityNotFound) {
  int64_t thing = Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  Status missing_target = Link(EntityKind::kThing, thing, "Locations", 77);
  ASSERT_FALSE(missing_target.ok());
  EXPECT_EQ(missing_target.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(missing_target.error().message, "Location 77 does not exist");
  Status missing_entity = Link(EntityKind::kThing, 88, "Locations", 1);
  ASSERT_FALSE(missing_entity.ok());
  EXPECT_EQ(missing_entity.error().code, ErrorCode::kNotFound);
}

TEST_F(Transaction, LinkThroughNonLinkNavigationIsBadRequest) {
  int64_t thing = Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  Status status = Link(EntityKind::kThing, thing, "Datastreams", 1);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
}

class Events : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_->Changes().Subscribe([this](const std::vector<ChangeEvent>& batch) { batches_.push_back(batch); });
  }
  std::vector<std::vector<ChangeEvent>> batches_;
};

TEST_F(Events, PublishedAfterCommitOnly) {
  bool seen_during_work = false;
  bool committed_when_published = false;
  store_->Changes().Subscribe([&](const std::vector<ChangeEvent>& batch) {
    // The readers already see what the events announce.
    committed_when_published = Exists(batch.front().kind, batch.front().id);
  });
  int64_t id = 0;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
                if (!thing.ok()) return thing.error();
                id = *thing;
                seen_during_work = !batches_.empty();
                return Status::Ok();
              }).ok());
  EXPECT_FALSE(seen_during_work);
  EXPECT_TRUE(committed_when_published);
  EXPECT_THAT(batches_, ElementsAre(ElementsAre(ChangeEvent{EntityKind::kThing, id, Operation::kCreated})));
}

TEST_F(Events, NoneOnRollback) {
  Status status = Write([](WriteTransaction& tx) -> Status {
    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
    return Internal("no");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(batches_, IsEmpty());
}

TEST_F(Events, OneBatchPerTransactionInWriteOrder) {
  int64_t thing = Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  int64_t location = 0;
  ASSERT_TRUE(
      Write([&](WriteTransaction& tx) -> Status {
        auto l = tx.Insert(
            EntityKind::kLocation,
            Obj(R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[0,0]}})"),
            {});
        if (!l.ok()) return l.error();
        location = *l;
        // Linking the new Location reports it once, as created; the Thing as updated.
        FUNDAMENT_RETURN_IF_ERROR(
            tx.Link(EntityKind::kLocation, location, Nav(EntityKind::kLocation, "Things"), thing));
        FUNDAMENT_RETURN_IF_ERROR(tx.Update(EntityKind::kThing, thing, Obj(R"({"name":"u"})"), {}));
        return tx.UnlinkAll(EntityKind::kThing, thing, Nav(EntityKind::kThing, "Locations"));
      }).ok());
  ASSERT_TRUE(Delete(EntityKind::kLocation, location).ok());
  EXPECT_THAT(batches_,
              ElementsAre(ElementsAre(ChangeEvent{EntityKind::kThing, thing, Operation::kCreated}),
                          ElementsAre(ChangeEvent{EntityKind::kLocation, location, Operation::kCreated},
                                      ChangeEvent{EntityKind::kThing, thing, Operation::kUpdated}),
                          ElementsAre(ChangeEvent{EntityKind::kLocation, location, Operation::kDeleted})));
}

TEST_F(Events, CascadedDeletesAreNotReported) {
  Graph g = MakeGraph();
  MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  batches_.clear();
  ASSERT_TRUE(Delete(EntityKind::kThing, g.thing).ok());
  EXPECT_THAT(batches_,
              ElementsAre(ElementsAre(ChangeEvent{EntityKind::kThing, g.thing, Operation::kDeleted})));
}

// The read-only phenomenonTime, resultTime and observedArea of Datastreams.
class Maintained : public StoreTest {
 protected:
  json::value Property(std::string_view name, EntityKind kind = EntityKind::kDatastream, int64_t id = 0) {
    return Get(kind, id != 0 ? id : g_.datastream).properties.at(name);
  }
  void SetUp() override {
    StoreTest::SetUp();
    g_ = MakeGraph();
  }
  int64_t Observe(int64_t feature, std::string_view phenomenon, std::string_view result_time = {}) {
    std::string props = R"({"result":1,"phenomenonTime":")" + std::string(phenomenon) + "\"";
    if (!result_time.empty()) props += R"(,"resultTime":")" + std::string(result_time) + "\"";
    props += "}";
    References refs = {Ref(EntityKind::kObservation, "Datastream", g_.datastream)};
    if (feature != 0) refs.push_back(Ref(EntityKind::kObservation, "FeatureOfInterest", feature));
    return Insert(EntityKind::kObservation, props, refs);
  }
  static json::value Box(double x0, double y0, double x1, double y1) {
    return model::GeometryOfBox({x0, y0, x1, y1});
  }
  Graph g_;
};

TEST_F(Maintained, SpanTheObservations) {
  int64_t f1 = MakeFeature(7, 50);
  int64_t f2 = MakeFeature(8, 51.5);
  Observe(f1, "2025-01-02T00:00:00.000Z", "2025-01-03T00:00:00.000Z");
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-02T00:00:00.000Z/2025-01-02T00:00:00.000Z");
  EXPECT_EQ(Property("resultTime"), "2025-01-03T00:00:00.000Z/2025-01-03T00:00:00.000Z");
  EXPECT_EQ(Property("observedArea"), Box(7, 50, 7, 50));
  EXPECT_EQ(Property("observedArea").as_object().at("type"), "Point");
  Observe(f2, "2025-01-01T00:00:00.000Z/2025-01-04T00:00:00.000Z");
  Observe(0, "2025-01-03T00:00:00.000Z", "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-01T00:00:00.000Z/2025-01-04T00:00:00.000Z");
  EXPECT_EQ(Property("resultTime"), "2025-01-01T00:00:00.000Z/2025-01-03T00:00:00.000Z");
  EXPECT_EQ(Property("observedArea"), Box(7, 50, 8, 51.5));
}

TEST_F(Maintained, NarrowWhenEdgeObservationsGo) {
  int64_t f1 = MakeFeature(0, 0);
  int64_t f2 = MakeFeature(5, 5);
  int64_t f3 = MakeFeature(10, 10);
  int64_t first = Observe(f1, "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z");
  int64_t inside = Observe(f2, "2025-01-02T00:00:00.000Z", "2025-01-02T00:00:00.000Z");
  int64_t last = Observe(f3, "2025-01-03T00:00:00.000Z", "2025-01-03T00:00:00.000Z");
  ASSERT_TRUE(Delete(EntityKind::kObservation, inside).ok());
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-01T00:00:00.000Z/2025-01-03T00:00:00.000Z");
  ASSERT_TRUE(Delete(EntityKind::kObservation, last).ok());
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z");
  EXPECT_EQ(Property("resultTime"), "2025-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z");
  EXPECT_EQ(Property("observedArea"), Box(0, 0, 0, 0));
  ASSERT_TRUE(Delete(EntityKind::kObservation, first).ok());
  EXPECT_TRUE(Property("phenomenonTime").is_null());
  EXPECT_TRUE(Property("resultTime").is_null());
  EXPECT_TRUE(Property("observedArea").is_null());
}

TEST_F(Maintained, FollowObservationUpdates) {
  int64_t a = Observe(0, "2025-01-01T00:00:00.000Z");
  Observe(0, "2025-01-05T00:00:00.000Z");
  ASSERT_TRUE(
      Update(EntityKind::kObservation, a,
             R"({"phenomenonTime":"2025-01-03T00:00:00.000Z","resultTime":"2025-02-01T00:00:00.000Z"})")
          .ok());
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-03T00:00:00.000Z/2025-01-05T00:00:00.000Z");
  EXPECT_EQ(Property("resultTime"), "2025-02-01T00:00:00.000Z/2025-02-01T00:00:00.000Z");
  ASSERT_TRUE(Update(EntityKind::kObservation, a, R"({"phenomenonTime":"2025-01-09T00:00:00.000Z"})").ok());
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-05T00:00:00.000Z/2025-01-09T00:00:00.000Z");
}

TEST_F(Maintained, FollowObservationsMovingToAnotherDatastream) {
  int64_t other = MakeDatastream(g_.thing, g_.sensor, g_.observed_property);
  int64_t a = Observe(0, "2025-01-01T00:00:00.000Z");
  Observe(0, "2025-01-05T00:00:00.000Z");
  ASSERT_TRUE(
      Update(EntityKind::kObservation, a, "{}", {Ref(EntityKind::kObservation, "Datastream", other)}).ok());
  EXPECT_EQ(Property("phenomenonTime"), "2025-01-05T00:00:00.000Z/2025-01-05T00:00:00.000Z");
  EXPECT_EQ(Property("phenomenonTime", EntityKind::kDatastream, other),
            "2025-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z");
}

TEST_F(Maintained, FollowFeaturesOfInterest) {
  int64_t near = MakeFeature(1, 1);
  int64_t far = MakeFeature(9, 9);
  Observe(near, "2025-01-01T00:00:00.000Z");
  Observe(far, "2025-01-01T00:00:00.000Z");
  ASSERT_TRUE(
      Update(EntityKind::kFeatureOfInterest, far, R"({"feature":{"type":"Point","coordinates":[3,4]}})")
          .ok());
  EXPECT_EQ(Property("observedArea"), Box(1, 1, 3, 4));
  ASSERT_TRUE(Delete(EntityKind::kFeatureOfInterest, far).ok());
  EXPECT_EQ(Property("observedArea"), Box(1, 1, 1, 1));
}

TEST_F(Maintained, AlsoForMultiDatastreams) {
  int64_t md = Insert(
      EntityKind::kMultiDatastream,
      R"({"name":"m","description":"d","unitOfMeasurements":[{}],"observationType":"o","multiObservationDataTypes":["x"]})",
      {Ref(EntityKind::kMultiDatastream, "Thing", g_.thing),
       Ref(EntityKind::kMultiDatastream, "Sensor", g_.sensor)});
  int64_t f = MakeFeature(2, 3);
  int64_t o = MakeObservation(md, f, "2025-01-01T00:00:00.000Z", "[1]", "MultiDatastream");
  EXPECT_EQ(Property("phenomenonTime", EntityKind::kMultiDatastream, md),
            "2025-01-01T00:00:00.000Z/2025-01-01T00:00:00.000Z");
  EXPECT_EQ(Property("observedArea", EntityKind::kMultiDatastream, md), Box(2, 3, 2, 3));
  EXPECT_TRUE(Property("phenomenonTime").is_null());
  ASSERT_TRUE(Delete(EntityKind::kObservation, o).ok());
  EXPECT_TRUE(Property("phenomenonTime", EntityKind::kMultiDatastream, md).is_null());
}

class GeneratedFeature : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    location_ = Insert(
        EntityKind::kLocation,
        R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}})");
    feature_ = MakeFeature(1, 2);
    ASSERT_TRUE(
        Write([&](WriteTransaction& tx) { return tx.RecordGeneratedFeature(location_, feature_); }).ok());
  }
  std::optional<int64_t> Generated() {
    std::optional<int64_t> out;
    Status status = Write([&](WriteTransaction& tx) -> Status {
      auto feature = tx.GeneratedFeature(location_);
      if (!feature.ok()) return feature.error();
      out = *feature;
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok());
    return out;
  }
  int64_t location_ = 0, feature_ = 0;
};

TEST_F(GeneratedFeature, IsRemembered) { EXPECT_EQ(Generated(), feature_); }

TEST_F(GeneratedFeature, SurvivesUpdatesThatKeepTheLocation) {
  ASSERT_TRUE(Update(EntityKind::kLocation, location_, R"({"name":"renamed"})").ok());
  ASSERT_TRUE(
      Update(EntityKind::kLocation, location_, R"({"location":{"type":"Point","coordinates":[1,2]}})").ok());
  EXPECT_EQ(Generated(), feature_);
}

TEST_F(GeneratedFeature, IsForgottenWhenTheLocationMoves) {
  ASSERT_TRUE(
      Update(EntityKind::kLocation, location_, R"({"location":{"type":"Point","coordinates":[3,4]}})").ok());
  EXPECT_EQ(Generated(), std::nullopt);
}

TEST_F(GeneratedFeature, IsForgottenWhenTheFeatureIsDeleted) {
  ASSERT_TRUE(Delete(EntityKind::kFeatureOfInterest, feature_).ok());
  EXPECT_EQ(Generated(), std::nullopt);
}

TEST_F(Transaction, IdsOfDeletedEntitiesAreNeverReused) {
  Graph g = MakeGraph();
  int64_t observation = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  ASSERT_TRUE(Delete(EntityKind::kThing, g.thing).ok());
  Graph again = MakeGraph();
  EXPECT_GT(again.thing, g.thing);
  EXPECT_GT(again.datastream, g.datastream);
  EXPECT_GT(MakeObservation(again.datastream, 0, "2025-01-01T00:00:00Z"), observation);
  Reopen();
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"t","description":"d"})"), again.thing);
}

}  // namespace
}  // namespace fundament::store::testing
