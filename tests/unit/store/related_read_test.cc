// Grouped reads (ReadTransaction::ReadRelated): the entities related to many
// parents at once, with filter, order, paging and count applied to each
// parent on its own, exactly as one read per parent gives them.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "odata/filter_parser.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RelatedRead : public StoreTest {
 protected:
  RelatedReadRequest Grouped(EntityKind parent_kind, std::string_view navigation,
                             std::vector<int64_t> parents) {
    RelatedReadRequest request;
    request.navigation = &Nav(parent_kind, navigation);
    request.kind = request.navigation->target;
    request.parent_kind = parent_kind;
    request.parent_ids = std::move(parents);
    return request;
  }

  std::shared_ptr<const odata::FilterExpr> Filter(EntityKind kind, std::string_view text) {
    auto parsed = odata::ParseFilter(model::TypeOf(kind), text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    return parsed.ok() ? *parsed : nullptr;
  }

  // The grouped read in a read snapshot.
  RelatedReadResult Read(const RelatedReadRequest& request) {
    RelatedReadResult groups;
    Status status = store_->ReadSnapshot([&](ReadTransaction& reads) -> Status {
      auto result = reads.ReadRelated(request);
      if (!result.ok()) return result.error();
      groups = std::move(result).value();
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.error().message;
    return groups;
  }

  static std::vector<std::vector<int64_t>> GroupIds(const RelatedReadResult& groups) {
    std::vector<std::vector<int64_t>> ids;
    for (const ReadResult& group : groups) {
      ids.emplace_back();
      for (const Entity& entity : group.entities) ids.back().push_back(entity.id);
    }
    return ids;
  }

  static std::vector<std::optional<int64_t>> Counts(const RelatedReadResult& groups) {
    std::vector<std::optional<int64_t>> counts;
    for (const ReadResult& group : groups) counts.push_back(group.count);
    return counts;
  }

  // The grouped read gives what one read per parent gives: the same
  // entities (ids, properties, references) in the same order, the same counts.
  void ExpectSameAsOneByOne(const RelatedReadRequest& request) {
    RelatedReadResult grouped = Read(request);
    ASSERT_EQ(grouped.size(), request.parent_ids.size());
    for (size_t i = 0; i < request.parent_ids.size(); ++i) {
      auto alone = store_->Read(request.ForParent(request.parent_ids[i]));
      ASSERT_TRUE(alone.ok()) << alone.error().message;
      SCOPED_TRACE(::testing::Message() << "parent " << request.parent_ids[i]);
      ASSERT_EQ(grouped[i].entities.size(), alone->entities.size());
      for (size_t j = 0; j < alone->entities.size(); ++j) {
        EXPECT_EQ(grouped[i].entities[j].id, alone->entities[j].id);
        EXPECT_EQ(grouped[i].entities[j].properties, alone->entities[j].properties);
        EXPECT_EQ(grouped[i].entities[j].references, alone->entities[j].references);
      }
      EXPECT_EQ(grouped[i].count, alone->count);
    }
  }

  // Three Datastreams of one Thing: the first without Observations, the
  // second with three, the third with five (results 1…5, an hour apart).
  struct Streams {
    Graph g;
    int64_t empty, three, five;
    std::vector<int64_t> of_three, of_five;  // in phenomenonTime order
  };
  Streams MakeStreams() {
    Streams s{MakeGraph(), 0, 0, 0, {}, {}};
    s.empty = s.g.datastream;
    s.three = MakeDatastream(s.g.thing, s.g.sensor, s.g.observed_property, "three");
    s.five = MakeDatastream(s.g.thing, s.g.sensor, s.g.observed_property, "five");
    // Written out of time order, so that id order is not time order.
    for (int hour : {2, 0, 1}) {
      s.of_three.push_back(MakeObservation(s.three, 0, fmt::format("2025-01-01T0{}:00:00.000Z", hour),
                                           std::to_string(hour + 1)));
    }
    s.of_three = {s.of_three[1], s.of_three[2], s.of_three[0]};
    for (int hour = 0; hour < 5; ++hour) {
      s.of_five.push_back(MakeObservation(s.five, 0, fmt::format("2025-01-01T0{}:00:00.000Z", hour),
                                          std::to_string(hour + 1)));
    }
    return s;
  }
};

TEST_F(RelatedRead, NoParentsGiveNoGroups) {
  EXPECT_THAT(Read(Grouped(EntityKind::kDatastream, "Observations", {})), IsEmpty());
}

TEST_F(RelatedRead, GroupsFollowTheParentsInTheirDefaultOrder) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.five, s.empty, s.three});
  EXPECT_THAT(GroupIds(Read(request)), ElementsAre(s.of_five, IsEmpty(), s.of_three));
  ExpectSameAsOneByOne(request);
}

TEST_F(RelatedRead, PagesAndCountsEachParentOnItsOwn) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.three, s.empty, s.five});
  request.orderby = {Key("phenomenonTime", true)};
  request.skip = 1;
  request.limit = 2;
  request.count = true;
  RelatedReadResult groups = Read(request);
  EXPECT_THAT(GroupIds(groups), ElementsAre(ElementsAre(s.of_three[1], s.of_three[0]), IsEmpty(),
                                            ElementsAre(s.of_five[3], s.of_five[2])));
  EXPECT_THAT(Counts(groups), ElementsAre(3, 0, 5));
  ExpectSameAsOneByOne(request);
}

TEST_F(RelatedRead, TheNewestOfEachParent) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.empty, s.three, s.five});
  request.orderby = {Key("phenomenonTime", true)};
  request.limit = 2;  // one more than wanted, as the API asks
  EXPECT_THAT(GroupIds(Read(request)), ElementsAre(IsEmpty(), ElementsAre(s.of_three[2], s.of_three[1]),
                                                   ElementsAre(s.of_five[4], s.of_five[3])));
  ExpectSameAsOneByOne(request);
}

TEST_F(RelatedRead, FilterOrderAndSelectApplyToEveryParent) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.five, s.three});
  request.filter = Filter(EntityKind::kObservation, "result ge 2 and result le 4");
  request.orderby = {Key("result", true)};
  request.count = true;
  request.properties = {"result"};
  RelatedReadResult groups = Read(request);
  EXPECT_THAT(GroupIds(groups), ElementsAre(ElementsAre(s.of_five[3], s.of_five[2], s.of_five[1]),
                                            ElementsAre(s.of_three[2], s.of_three[1])));
  EXPECT_THAT(Counts(groups), ElementsAre(3, 2));
  ASSERT_FALSE(groups[0].entities.empty());
  EXPECT_EQ(groups[0].entities[0].properties.at("result"), json::value(4));
  EXPECT_FALSE(groups[0].entities[0].properties.contains("phenomenonTime"));
  ExpectSameAsOneByOne(request);
}

TEST_F(RelatedRead, CountsWithoutEntities) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.three, s.empty, s.five});
  request.limit = 0;
  request.count = true;
  RelatedReadResult groups = Read(request);
  EXPECT_THAT(GroupIds(groups), ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));
  EXPECT_THAT(Counts(groups), ElementsAre(3, 0, 5));
}

TEST_F(RelatedRead, RepeatedAndUnknownParents) {
  Streams s = MakeStreams();
  RelatedReadRequest request =
      Grouped(EntityKind::kDatastream, "Observations", {s.three, 999999, s.three, s.five, s.three});
  request.limit = 2;
  request.count = true;
  RelatedReadResult groups = Read(request);
  const std::vector<int64_t> first_of_three = {s.of_three[0], s.of_three[1]};
  const std::vector<int64_t> first_of_five = {s.of_five[0], s.of_five[1]};
  EXPECT_THAT(GroupIds(groups),
              ElementsAre(first_of_three, IsEmpty(), first_of_three, first_of_five, first_of_three));
  EXPECT_THAT(Counts(groups), ElementsAre(3, 0, 3, 5, 3));
  ExpectSameAsOneByOne(request);
}

TEST_F(RelatedRead, MoreParentsThanAStatementTakesParameters) {
  // SQLite takes at most 32766 parameters in one statement by default.
  Streams s = MakeStreams();
  std::vector<int64_t> parents;
  for (int64_t id = 1000000; id < 1040000; ++id) parents.push_back(id);
  parents[5] = s.five;
  parents[20000] = s.three;
  parents.push_back(s.five);
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", parents);
  request.orderby = {Key("phenomenonTime", true)};
  request.limit = 1;
  request.count = true;
  RelatedReadResult groups = Read(request);
  ASSERT_EQ(groups.size(), parents.size());
  size_t with_entities = 0;
  for (const ReadResult& group : groups) with_entities += group.entities.empty() ? 0 : 1;
  EXPECT_EQ(with_entities, 3u);
  EXPECT_THAT(GroupIds({groups[5]}), ElementsAre(ElementsAre(s.of_five[4])));
  EXPECT_THAT(GroupIds({groups[20000]}), ElementsAre(ElementsAre(s.of_three[2])));
  EXPECT_THAT(GroupIds({groups.back()}), ElementsAre(ElementsAre(s.of_five[4])));
  EXPECT_EQ(groups[5].count, 5);
  EXPECT_EQ(groups[20000].count, 3);
  EXPECT_EQ(groups[6].count, 0);
}

TEST_F(RelatedRead, EveryKindOfNavigation) {
  Streams s = MakeStreams();
  Graph other = MakeGraph("other");
  int64_t feature = MakeFeature(1, 2);
  int64_t with_feature = MakeObservation(other.datastream, feature, "2025-02-01T00:00:00.000Z");
  const char* loc =
      R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}})";
  int64_t l1 = Insert(EntityKind::kLocation, loc);
  int64_t l2 = Insert(EntityKind::kLocation, loc);
  ASSERT_TRUE(Link(EntityKind::kThing, s.g.thing, "Locations", l2).ok());
  ASSERT_TRUE(Link(EntityKind::kThing, s.g.thing, "Locations", l1).ok());
  ASSERT_TRUE(Link(EntityKind::kThing, other.thing, "Locations", l2).ok());
  int64_t md = Insert(
      EntityKind::kMultiDatastream,
      R"({"name":"m","description":"d","unitOfMeasurements":[{}],"observationType":"o","multiObservationDataTypes":["a"]})",
      {Ref(EntityKind::kMultiDatastream, "Thing", other.thing),
       Ref(EntityKind::kMultiDatastream, "Sensor", other.sensor)});
  ASSERT_TRUE(Link(EntityKind::kMultiDatastream, md, "ObservedProperties", other.observed_property).ok());
  int64_t mo1 = MakeObservation(md, 0, "2025-01-02T00:00:00.000Z", "[1]", "MultiDatastream");
  int64_t mo2 = MakeObservation(md, 0, "2025-01-01T00:00:00.000Z", "[2]", "MultiDatastream");

  // Many-to-many, from both sides.
  RelatedReadRequest locations = Grouped(EntityKind::kThing, "Locations", {other.thing, s.g.thing});
  EXPECT_THAT(GroupIds(Read(locations)), ElementsAre(ElementsAre(l2), ElementsAre(l1, l2)));
  ExpectSameAsOneByOne(locations);
  locations.orderby = {Key("id", true)};
  locations.limit = 1;
  locations.count = true;
  ExpectSameAsOneByOne(locations);
  RelatedReadRequest things = Grouped(EntityKind::kLocation, "Things", {l1, l2});
  EXPECT_THAT(GroupIds(Read(things)),
              ElementsAre(ElementsAre(s.g.thing), ElementsAre(s.g.thing, other.thing)));
  ExpectSameAsOneByOne(things);
  // To-one, also unset.
  RelatedReadRequest thing = Grouped(EntityKind::kDatastream, "Thing", {s.five, other.datastream, s.empty});
  thing.limit = 1;
  EXPECT_THAT(GroupIds(Read(thing)),
              ElementsAre(ElementsAre(s.g.thing), ElementsAre(other.thing), ElementsAre(s.g.thing)));
  ExpectSameAsOneByOne(thing);
  RelatedReadRequest features =
      Grouped(EntityKind::kObservation, "FeatureOfInterest", {with_feature, s.of_five[0]});
  features.limit = 1;
  EXPECT_THAT(GroupIds(Read(features)), ElementsAre(ElementsAre(feature), IsEmpty()));
  ExpectSameAsOneByOne(features);
  // To-many through a reference column other than a Datastream's.
  RelatedReadRequest datastreams = Grouped(EntityKind::kThing, "Datastreams", {s.g.thing, other.thing});
  datastreams.count = true;
  EXPECT_THAT(GroupIds(Read(datastreams)),
              ElementsAre(ElementsAre(s.empty, s.three, s.five), ElementsAre(other.datastream)));
  ExpectSameAsOneByOne(datastreams);
  // A MultiDatastream's Observations and ObservedProperties.
  RelatedReadRequest multi = Grouped(EntityKind::kMultiDatastream, "Observations", {md});
  EXPECT_THAT(GroupIds(Read(multi)), ElementsAre(ElementsAre(mo2, mo1)));
  ExpectSameAsOneByOne(multi);
  ExpectSameAsOneByOne(Grouped(EntityKind::kMultiDatastream, "ObservedProperties", {md}));
  ExpectSameAsOneByOne(Grouped(EntityKind::kThing, "MultiDatastreams", {s.g.thing, other.thing}));
}

TEST_F(RelatedRead, InsideAWriteSeesItsOwnWrites) {
  Streams s = MakeStreams();
  RelatedReadResult groups;
  Status status = Write([&](WriteTransaction& tx) -> Status {
    FUNDAMENT_ASSIGN_OR_RETURN(int64_t added,
                               tx.Insert(EntityKind::kObservation,
                                         Obj(R"({"phenomenonTime":"2025-01-02T00:00:00.000Z","result":9})"),
                                         {Ref(EntityKind::kObservation, "Datastream", s.empty)}));
    RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.empty, s.three});
    request.count = true;
    FUNDAMENT_ASSIGN_OR_RETURN(groups, tx.ReadRelated(request));
    EXPECT_THAT(GroupIds(groups), ElementsAre(ElementsAre(added), s.of_three));
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_THAT(Counts(groups), ElementsAre(1, 3));
}

TEST_F(RelatedRead, NavigationToAnotherTypeIsBadRequest) {
  Streams s = MakeStreams();
  RelatedReadRequest request = Grouped(EntityKind::kDatastream, "Observations", {s.three});
  request.kind = EntityKind::kThing;
  Status status = store_->ReadSnapshot(
      [&](ReadTransaction& reads) -> Status { return reads.ReadRelated(request).status(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace fundament::store::testing
