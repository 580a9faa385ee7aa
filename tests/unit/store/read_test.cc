// Reads: related entities through every kind of navigation, ordering,
// paging and counting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/connection.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/sqlite_dialect.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Related = StoreTest;

TEST_F(Related, ReferenceGivesTheReferencedEntity) {
  Graph g = MakeGraph();
  MakeGraph();
  EXPECT_THAT(RelatedIds(EntityKind::kDatastream, g.datastream, "Thing"), ElementsAre(g.thing));
  EXPECT_THAT(RelatedIds(EntityKind::kDatastream, g.datastream, "Sensor"), ElementsAre(g.sensor));
  EXPECT_THAT(RelatedIds(EntityKind::kDatastream, g.datastream, "ObservedProperty"),
              ElementsAre(g.observed_property));
}

TEST_F(Related, UnsetReferenceGivesNothing) {
  Graph g = MakeGraph();
  int64_t o = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z");
  EXPECT_THAT(RelatedIds(EntityKind::kObservation, o, "FeatureOfInterest"), IsEmpty());
  EXPECT_THAT(RelatedIds(EntityKind::kObservation, o, "MultiDatastream"), IsEmpty());
}

TEST_F(Related, ReferencedByGivesTheReferringEntities) {
  Graph g = MakeGraph();
  int64_t ds2 = MakeDatastream(g.thing, g.sensor, g.observed_property);
  Graph other = MakeGraph();
  EXPECT_THAT(RelatedIds(EntityKind::kThing, g.thing, "Datastreams"), ElementsAre(g.datastream, ds2));
  EXPECT_THAT(RelatedIds(EntityKind::kSensor, other.sensor, "Datastreams"), ElementsAre(other.datastream));
  int64_t f = MakeFeature(1, 1);
  int64_t o1 = MakeObservation(g.datastream, f, "2025-01-01T00:00:00.000Z");
  int64_t o2 = MakeObservation(ds2, f, "2025-01-01T00:00:00.000Z");
  EXPECT_THAT(RelatedIds(EntityKind::kDatastream, g.datastream, "Observations"), ElementsAre(o1));
  EXPECT_THAT(RelatedIds(EntityKind::kFeatureOfInterest, f, "Observations"), ElementsAre(o1, o2));
  EXPECT_THAT(RelatedIds(EntityKind::kObservation, o2, "FeatureOfInterest"), ElementsAre(f));
}

TEST_F(Related, LinkTableWorksFromBothSides) {
  int64_t t1 = Insert(EntityKind::kThing, R"({"name":"1","description":"d"})");
  int64_t t2 = Insert(EntityKind::kThing, R"({"name":"2","description":"d"})");
  const char* loc =
      R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}})";
  int64_t l1 = Insert(EntityKind::kLocation, loc);
  int64_t l2 = Insert(EntityKind::kLocation, loc);
  ASSERT_TRUE(Link(EntityKind::kThing, t1, "Locations", l1).ok());
  ASSERT_TRUE(Link(EntityKind::kThing, t1, "Locations", l1).ok());  // twice is harmless
  ASSERT_TRUE(Link(EntityKind::kLocation, l2, "Things", t1).ok());
  ASSERT_TRUE(Link(EntityKind::kLocation, l2, "Things", t2).ok());
  EXPECT_THAT(RelatedIds(EntityKind::kThing, t1, "Locations"), ElementsAre(l1, l2));
  EXPECT_THAT(RelatedIds(EntityKind::kThing, t2, "Locations"), ElementsAre(l2));
  EXPECT_THAT(RelatedIds(EntityKind::kLocation, l2, "Things"), ElementsAre(t1, t2));

  int64_t hl = Insert(EntityKind::kHistoricalLocation, R"({"time":"2025-01-01T00:00:00.000Z"})",
                      {Ref(EntityKind::kHistoricalLocation, "Thing", t1)});
  ASSERT_TRUE(Link(EntityKind::kHistoricalLocation, hl, "Locations", l1).ok());
  EXPECT_THAT(RelatedIds(EntityKind::kHistoricalLocation, hl, "Locations"), ElementsAre(l1));
  EXPECT_THAT(RelatedIds(EntityKind::kLocation, l1, "HistoricalLocations"), ElementsAre(hl));
  EXPECT_THAT(RelatedIds(EntityKind::kThing, t1, "HistoricalLocations"), ElementsAre(hl));
  EXPECT_THAT(RelatedIds(EntityKind::kHistoricalLocation, hl, "Thing"), ElementsAre(t1));

  ASSERT_TRUE(Write([&](WriteTransaction& tx) {
                return tx.UnlinkAll(EntityKind::kThing, t1, Nav(EntityKind::kThing, "Locations"));
              }).ok());
  EXPECT_THAT(RelatedIds(EntityKind::kThing, t1, "Locations"), IsEmpty());
  EXPECT_THAT(RelatedIds(EntityKind::kThing, t2, "Locations"), ElementsAre(l2));
}

TEST_F(Related, MultiDatastreamObservedPropertiesKeepLinkOrder) {
  Graph g = MakeGraph();
  int64_t op2 = Insert(EntityKind::kObservedProperty, R"({"name":"b","definition":"d","description":"d"})");
  int64_t md = Insert(
      EntityKind::kMultiDatastream,
      R"({"name":"m","description":"d","unitOfMeasurements":[{},{}],"observationType":"o","multiObservationDataTypes":["a","b"]})",
      {Ref(EntityKind::kMultiDatastream, "Thing", g.thing),
       Ref(EntityKind::kMultiDatastream, "Sensor", g.sensor)});
  ASSERT_TRUE(Link(EntityKind::kMultiDatastream, md, "ObservedProperties", op2).ok());
  ASSERT_TRUE(Link(EntityKind::kObservedProperty, g.observed_property, "MultiDatastreams", md).ok());
  EXPECT_THAT(RelatedIds(EntityKind::kMultiDatastream, md, "ObservedProperties"),
              ElementsAre(op2, g.observed_property));
  EXPECT_THAT(RelatedIds(EntityKind::kObservedProperty, op2, "MultiDatastreams"), ElementsAre(md));
  EXPECT_THAT(RelatedIds(EntityKind::kThing, g.thing, "MultiDatastreams"), ElementsAre(md));
  int64_t o = MakeObservation(md, 0, "2025-01-01T00:00:00.000Z", "[1,2]", "MultiDatastream");
  EXPECT_THAT(RelatedIds(EntityKind::kMultiDatastream, md, "Observations"), ElementsAre(o));
  EXPECT_THAT(RelatedIds(EntityKind::kObservation, o, "MultiDatastream"), ElementsAre(md));
  EXPECT_EQ(Get(EntityKind::kObservation, o).ReferenceId("MultiDatastream"), md);
}

TEST_F(Related, CombinesWithAnId) {
  Graph g = MakeGraph();
  Graph other = MakeGraph();
  ReadRequest request = Request(EntityKind::kDatastream);
  request.related = RelatedTo{EntityKind::kThing, g.thing, &Nav(EntityKind::kThing, "Datastreams")};
  request.id = other.datastream;
  EXPECT_THAT(Ids(request), IsEmpty());
  request.id = g.datastream;
  EXPECT_THAT(Ids(request), ElementsAre(g.datastream));
}

TEST_F(Related, NavigationToAnotherTypeIsBadRequest) {
  ReadRequest request = Request(EntityKind::kSensor);
  request.related = RelatedTo{EntityKind::kThing, 1, &Nav(EntityKind::kThing, "Datastreams")};
  auto result = store_->Read(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
}

class Ordering : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* p : {R"({"name":"c","description":"d","properties":{"level":3}})",
                          R"({"name":"a","description":"d","properties":{"level":10}})",
                          R"({"name":"b","description":"d","properties":{"level":1.5}})",
                          R"({"name":"a","description":"d","properties":{"other":1}})",
                          R"({"name":"e","description":"d","properties":{"level":-1}})"}) {
      ids_.push_back(Insert(EntityKind::kThing, p));
    }
  }
  std::vector<int64_t> Ordered(std::vector<odata::OrderKey> keys, int64_t skip = 0, int64_t limit = -1) {
    ReadRequest request = Request(EntityKind::kThing);
    request.orderby = std::move(keys);
    request.skip = skip;
    request.limit = limit;
    return Ids(request);
  }
  std::vector<int64_t> ids_;
};

TEST_F(Ordering, DefaultsToId) { EXPECT_EQ(Ordered({}), ids_); }

TEST_F(Ordering, TiesAreBrokenByIdInTheDirectionOfTheLastKey) {
  EXPECT_THAT(Ordered({Key("name")}), ElementsAre(ids_[1], ids_[3], ids_[2], ids_[0], ids_[4]));
  EXPECT_THAT(Ordered({Key("name", true)}), ElementsAre(ids_[4], ids_[0], ids_[2], ids_[3], ids_[1]));
}

TEST_F(Ordering, ById) {
  EXPECT_THAT(Ordered({Key("id", true)}), ElementsAre(ids_[4], ids_[3], ids_[2], ids_[1], ids_[0]));
}

TEST_F(Ordering, ByJsonMemberNumerically) {
  // Absent members are NULL and sort first.
  EXPECT_THAT(Ordered({Key("properties", false, {"level"})}),
              ElementsAre(ids_[3], ids_[4], ids_[2], ids_[0], ids_[1]));
}

TEST_F(Ordering, JsonMemberWithQuoteIsBadRequest) {
  ReadRequest request = Request(EntityKind::kThing);
  request.orderby = {Key("properties", false, {"a\"b"})};
  auto result = store_->Read(request);
  if (postgres()) {
    // PostgreSQL's text[] paths can hold any member name.
    EXPECT_TRUE(result.ok()) << result.error().message;
    return;
  }
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
}

TEST_F(Ordering, UnknownPropertyIsBadRequest) {
  ReadRequest request = Request(EntityKind::kThing);
  request.orderby = {Key("colour")};
  auto result = store_->Read(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
}

TEST_F(Ordering, WholeObjectIsBadRequest) {
  ReadRequest request = Request(EntityKind::kThing);
  request.orderby = {Key("properties")};
  auto result = store_->Read(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kBadRequest);
}

TEST_F(Ordering, SkipAndLimitPageAndCountIgnoresThem) {
  ReadRequest request = Request(EntityKind::kThing);
  request.orderby = {Key("name")};
  request.skip = 1;
  request.limit = 2;
  request.count = true;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->entities.size(), 2u);
  EXPECT_EQ(result->entities[0].id, ids_[3]);
  EXPECT_EQ(result->entities[1].id, ids_[2]);
  EXPECT_EQ(result->count, 5);
}

TEST_F(Ordering, SkipWithoutLimit) { EXPECT_THAT(Ordered({}, 3), ElementsAre(ids_[3], ids_[4])); }

TEST_F(Ordering, CountWithoutRows) {
  ReadRequest request = Request(EntityKind::kThing);
  request.limit = 0;
  request.count = true;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->entities.empty());
  EXPECT_EQ(result->count, 5);
}

TEST_F(Ordering, NoCountUnlessAsked) {
  auto result = store_->Read(Request(EntityKind::kThing));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->count.has_value());
}

TEST_F(StoreTest, CountOfRelatedEntities) {
  Graph g = MakeGraph();
  for (int i = 0; i < 4; ++i) MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z");
  Graph other = MakeGraph();
  MakeObservation(other.datastream, 0, "2025-01-01T00:00:00.000Z");
  ReadRequest request = Request(EntityKind::kObservation);
  request.related =
      RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
  request.count = true;
  request.limit = 1;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->entities.size(), 1u);
  EXPECT_EQ(result->count, 4);
}

TEST_F(StoreTest, ObservationsOrderByPhenomenonTimeStartAndResult) {
  Graph g = MakeGraph();
  int64_t late = MakeObservation(g.datastream, 0, "2025-01-03T00:00:00.000Z", "\"x\"");
  int64_t early = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z/2025-01-05T00:00:00.000Z", "2");
  int64_t middle = MakeObservation(g.datastream, 0, "2025-01-02T00:00:00.000Z", "10.5");
  ReadRequest request = Request(EntityKind::kObservation);
  request.orderby = {Key("phenomenonTime")};
  EXPECT_THAT(Ids(request), ElementsAre(early, middle, late));
  request.orderby = {Key("result", true)};
  EXPECT_THAT(Ids(request), ElementsAre(late, middle, early));
}

TEST_F(StoreTest, ObservationsOfADatastreamComeInTimeOrderByDefault) {
  Graph g = MakeGraph();
  int64_t late = MakeObservation(g.datastream, 0, "2025-01-03T00:00:00Z");
  int64_t early = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  int64_t middle = MakeObservation(g.datastream, 0, "2025-01-02T00:00:00Z");
  ReadRequest request = Request(EntityKind::kObservation);
  request.related = RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
  EXPECT_THAT(Ids(request), ElementsAre(early, middle, late));
  // All Observations, without a Datastream: by id.
  EXPECT_THAT(Ids(Request(EntityKind::kObservation)), ElementsAre(late, early, middle));
}

// The query plan of the hot read path: one Datastream's Observations in
// phenomenonTime order, read along the index.
class QueryPlan : public StoreTest {
 protected:
  std::string PlanOfObservationsByTime(bool descending) {
    Graph g = MakeGraph();
    MakeObservation(g.datastream, 0, "2025-01-01T00:00:00.000Z");
    ReadRequest request = Request(EntityKind::kObservation);
    request.related =
        RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
    request.orderby = {Key("phenomenonTime", descending)};
    request.limit = 100;
    auto query = sqlite::BuildReadQuery(request, sqlite::SqliteSql());
    EXPECT_TRUE(query.ok());
    if (!query.ok()) return {};
    auto connection = sqlite::Connection::Open(options_.path, {});
    EXPECT_TRUE(connection.ok());
    auto stmt = (*connection)->Prepare("EXPLAIN QUERY PLAN " + query->builder.SelectSql());
    EXPECT_TRUE(stmt.ok()) << stmt.error().message;
    EXPECT_TRUE(stmt->BindAll(query->builder.parameters()).ok());
    std::string plan;
    for (;;) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) break;
      plan += std::string(stmt->ColumnText(3)) + "\n";
    }
    return plan;
  }
};

TEST_F(QueryPlan, ObservationsOfADatastreamByTimeComeFromTheIndexUnsorted) {
  FUNDAMENT_SQLITE_ONLY();
  std::string plan = PlanOfObservationsByTime(false);
  EXPECT_NE(plan.find("USING PRIMARY KEY (stream=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(QueryPlan, NewestFirstWalksTheIndexBackwards) {
  FUNDAMENT_SQLITE_ONLY();
  // The ascending id tie-break only sorts observations with equal times.
  std::string plan = PlanOfObservationsByTime(true);
  EXPECT_NE(plan.find("USING PRIMARY KEY (stream=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("USE TEMP B-TREE FOR ORDER BY"), std::string::npos) << plan;
}

}  // namespace
}  // namespace fundament::store::testing
