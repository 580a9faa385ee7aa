// Bulk Observation writes of the PostgreSQL store (rows gathered and sent
// with COPY) and the observation partitions they create on demand: ids,
// values, events and errors are those of one INSERT per row, the rows are
// visible to the write's own reads, and a missing month is created in a
// short transaction of its own. Runs in the PostgreSQL pass of the store
// tests only.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <thread>
#include <vector>

#include "model/time.h"
#include "store/postgres/connection.h"
#include "store/postgres/schema.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using ::testing::HasSubstr;

class PostgresBulk : public StoreTest {
 protected:
  void SetUp() override {
    if (!TestingPostgres()) GTEST_SKIP() << "runs in the PostgreSQL pass (FUNDAMENT_TEST_STORE=postgres)";
    StoreTest::SetUp();
  }

  bool HasPartition(const std::string& name) {
    return Scalar("SELECT count(*) FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
                  "WHERE i.inhparent = 'observation'::regclass AND c.relname = '" +
                  name + "'") == "1";
  }

  // An Observation of `datastream` at second `second` of 2025-01-01 with `result`.
  static json::object ObservationAt(int second, json::value result) {
    json::object props;
    props["phenomenonTime"] = model::FormatInstant(int64_t{1735689600000000} + int64_t{second} * 1000000);
    props["result"] = std::move(result);
    return props;
  }
};

// Strings that the text format of COPY must escape, or that look like its
// escapes and markers.
const std::vector<std::string>& AwkwardTexts() {
  static const std::vector<std::string> texts = {
      "back\\slash", "tab\there",  "line\nbreak", "carriage\rreturn", "\\N", "\\.",     "ends with \\",
      "\\t literal", "quote \" '", "ünïcødé ✓ 𝄞",  "",                 " ",  "a,b;c|d", "\x7f control"};
  return texts;
}

TEST_F(PostgresBulk, ManyObservationsInOneWriteKeepTheirIdsAndValues) {
  Graph g = MakeGraph();
  const int64_t feature = MakeFeature(7, 51);
  constexpr int kRows = 3000;
  std::vector<int64_t> ids;
  std::vector<json::object> written;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                // A work may run more than once (here: first for the month's partition).
                ids.clear();
                written.clear();
                for (int i = 0; i < kRows; ++i) {
                  json::value result;
                  switch (i % 5) {
                    case 0: result = i; break;
                    case 1: result = i + 0.25; break;
                    case 2: result = AwkwardTexts()[i % AwkwardTexts().size()]; break;
                    case 3: result = (i % 2) == 0; break;
                    default: result = json::object{{"nested", json::array{1, "x\\y\n", nullptr}}}; break;
                  }
                  json::object props = ObservationAt(i, result);
                  if (i % 7 == 0) {
                    props["parameters"] =
                        json::object{{"text", AwkwardTexts()[i % AwkwardTexts().size()]}, {"n", i}};
                  }
                  References refs = {Ref(EntityKind::kObservation, "Datastream", g.datastream)};
                  if (i % 3 == 0) refs.push_back(Ref(EntityKind::kObservation, "FeatureOfInterest", feature));
                  auto id = tx.Insert(EntityKind::kObservation, props, refs);
                  if (!id.ok()) return id.error();
                  ids.push_back(*id);
                  written.push_back(props);
                }
                return Status::Ok();
              }).ok());
  ASSERT_EQ(ids.size(), static_cast<size_t>(kRows));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_EQ(Count(EntityKind::kObservation), kRows);
  for (int i = 0; i < kRows; i += 1 + i % 13) {
    Entity stored = Get(EntityKind::kObservation, ids[i]);
    ASSERT_EQ(stored.id, ids[i]) << i;
    EXPECT_EQ(stored.properties.at("result"), written[i].at("result")) << i;
    if (written[i].contains("parameters")) {
      EXPECT_EQ(stored.properties.at("parameters"), written[i].at("parameters")) << i;
    }
    EXPECT_EQ(stored.ReferenceId("FeatureOfInterest"), i % 3 == 0 ? std::optional<int64_t>(feature) : std::nullopt)
        << i;
  }
  // The Datastream's extents cover all rows.
  Entity datastream = Get(EntityKind::kDatastream, g.datastream);
  EXPECT_EQ(datastream.properties.at("phenomenonTime"),
            json::value(model::FormatInstant(int64_t{1735689600000000}) + "/" +
                        model::FormatInstant(int64_t{1735689600000000} + int64_t{kRows - 1} * 1000000)));
}

TEST_F(PostgresBulk, TextThatCopyEscapesComesBackExactly) {
  Graph g = MakeGraph();
  std::vector<int64_t> ids;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                ids.clear();
                int second = 0;
                for (const std::string& text : AwkwardTexts()) {
                  json::object props = ObservationAt(second++, json::string(text));
                  props["parameters"] = json::object{{text, text}};
                  props["resultQuality"] = json::array{text};
                  auto id = tx.Insert(EntityKind::kObservation, props,
                                      {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                  if (!id.ok()) return id.error();
                  ids.push_back(*id);
                }
                return Status::Ok();
              }).ok());
  ASSERT_EQ(ids.size(), AwkwardTexts().size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& text = AwkwardTexts()[i];
    Entity stored = Get(EntityKind::kObservation, ids[i]);
    EXPECT_EQ(stored.properties.at("result"), json::value(text)) << i;
    EXPECT_EQ(stored.properties.at("parameters"), (json::object{{text, text}})) << i;
    EXPECT_EQ(stored.properties.at("resultQuality"), (json::array{json::value(text)})) << i;
  }
  // As PostgreSQL holds them, not only as the store reads them back.
  EXPECT_EQ(Scalar(fmt::format("SELECT result_string FROM observation WHERE id = {}", ids[0])), "back\\slash");
  EXPECT_EQ(Scalar(fmt::format("SELECT result_string = E'line\\nbreak' FROM observation WHERE id = {}", ids[2])),
            "1");
}

TEST_F(PostgresBulk, AWriteWhoseRowsPostgresRefusesLeavesNothingBehind) {
  Graph g = MakeGraph();
  Status failed = Write([&](WriteTransaction& tx) -> Status {
    for (int i = 0; i < 200; ++i) {
      json::object props = ObservationAt(i, i);
      // jsonb cannot hold the character U+0000 (SQLSTATE 22P05).
      if (i == 150) props["parameters"] = json::object{{"k", std::string("a\0b", 3)}};
      auto id = tx.Insert(EntityKind::kObservation, props, {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
      if (!id.ok()) return id.error();
    }
    return Status::Ok();
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kBadRequest) << failed.error().message;
  EXPECT_EQ(Count(EntityKind::kObservation), 0);
  EXPECT_EQ(Get(EntityKind::kDatastream, g.datastream).properties.at("phenomenonTime"), nullptr);
  // The store goes on.
  EXPECT_GT(MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z"), 0);
}

TEST_F(PostgresBulk, TextWithANulCharacterIsRefusedAtItsInsert) {
  Graph g = MakeGraph();
  Status refused_at_insert;
  Status written = Write([&](WriteTransaction& tx) -> Status {
    for (int i = 0; i < 20; ++i) {
      auto id = tx.Insert(EntityKind::kObservation, ObservationAt(i, i),
                          {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
      if (!id.ok()) return id.error();
    }
    auto nul = tx.Insert(EntityKind::kObservation, ObservationAt(99, json::string(std::string("a\0b", 3))),
                         {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
    refused_at_insert = nul.status();
    // A bulk request answers such a row with an error and writes the others.
    return Status::Ok();
  });
  ASSERT_TRUE(written.ok()) << written.error().message;
  ASSERT_FALSE(refused_at_insert.ok());
  EXPECT_EQ(refused_at_insert.error().code, ErrorCode::kBadRequest);
  EXPECT_THAT(refused_at_insert.error().message, HasSubstr("U+0000"));
  EXPECT_EQ(Count(EntityKind::kObservation), 20);
}

TEST_F(PostgresBulk, AWriteReadsUpdatesAndDeletesTheObservationsItGathered) {
  Graph g = MakeGraph();
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                std::vector<int64_t> ids;
                for (int i = 0; i < 50; ++i) {
                  auto id = tx.Insert(EntityKind::kObservation, ObservationAt(i, i),
                                      {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                  if (!id.ok()) return id.error();
                  ids.push_back(*id);
                }
                ReadRequest request = Request(EntityKind::kObservation);
                request.related =
                    RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
                request.count = true;
                auto read = tx.Read(request);
                if (!read.ok()) return read.error();
                EXPECT_EQ(read->count, 50);
                auto exists = tx.Exists(EntityKind::kObservation, ids[10]);
                EXPECT_TRUE(exists.ok() && *exists);
                // More rows after the read, then an update and a delete of gathered ones.
                for (int i = 50; i < 60; ++i) {
                  auto id = tx.Insert(EntityKind::kObservation, ObservationAt(i, i),
                                      {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                  if (!id.ok()) return id.error();
                  ids.push_back(*id);
                }
                FUNDAMENT_RETURN_IF_ERROR(tx.Update(EntityKind::kObservation, ids[55], Obj(R"({"result":-1})"), {}));
                FUNDAMENT_RETURN_IF_ERROR(tx.Delete(EntityKind::kObservation, ids[59]));
                ReadRequest datastream = Request(EntityKind::kDatastream);
                datastream.id = g.datastream;
                auto extents = tx.Read(datastream);
                if (!extents.ok()) return extents.error();
                EXPECT_EQ(extents->entities.at(0).properties.at("phenomenonTime"),
                          json::value(model::FormatInstant(int64_t{1735689600000000}) + "/" +
                                      model::FormatInstant(int64_t{1735689600000000} + int64_t{58} * 1000000)));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(Count(EntityKind::kObservation), 59);
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation WHERE result_number = -1"), "1");
}

TEST_F(PostgresBulk, EventsOfABulkWriteComeInTheOrderOfItsInserts) {
  Graph g = MakeGraph();
  std::vector<events::ChangeEvent> seen;
  store_->Changes().Subscribe([&](const std::vector<events::ChangeEvent>& batch) {
    seen.insert(seen.end(), batch.begin(), batch.end());
  });
  std::vector<events::ChangeEvent> expected;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                expected.clear();
                for (int i = 0; i < 300; ++i) {
                  auto id = tx.Insert(EntityKind::kObservation, ObservationAt(i, i),
                                      {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                  if (!id.ok()) return id.error();
                  expected.push_back({EntityKind::kObservation, *id, events::Operation::kCreated});
                  if (i == 100) {
                    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
                    if (!thing.ok()) return thing.error();
                    expected.push_back({EntityKind::kThing, *thing, events::Operation::kCreated});
                  }
                }
                return Status::Ok();
              }).ok());
  EXPECT_EQ(seen, expected);
}

TEST_F(PostgresBulk, APartitionCreatedForAWriteStaysWhenTheWriteRollsBack) {
  Graph g = MakeGraph();
  EXPECT_FALSE(HasPartition("observation_y1990m03"));
  Status failed = Write([&](WriteTransaction& tx) -> Status {
    auto inserted = tx.Insert(EntityKind::kObservation, Obj(R"({"phenomenonTime":"1990-03-01T00:00:00Z","result":1})"),
                              {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
    if (!inserted.ok()) return inserted.error();
    return Error{ErrorCode::kConflict, "undo", {}};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "undo");
  EXPECT_TRUE(HasPartition("observation_y1990m03"));
  EXPECT_EQ(Count(EntityKind::kObservation), 0);
  EXPECT_GT(MakeObservation(g.datastream, 0, "1990-03-01T00:00:00Z"), 0);
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation_y1990m03"), "1");
}

TEST_F(PostgresBulk, OneWriteGetsThePartitionsOfAllItsMonths) {
  Graph g = MakeGraph();
  int runs = 0;
  std::vector<int64_t> ids;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                ++runs;
                ids.clear();
                for (int month = 1; month <= 6; ++month) {
                  for (int i = 0; i < 20; ++i) {
                    json::object props;
                    props["phenomenonTime"] = fmt::format("1985-{:02d}-{:02d}T00:00:00Z", month, i + 1);
                    props["result"] = i;
                    auto id = tx.Insert(EntityKind::kObservation, props,
                                        {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                    if (!id.ok()) return id.error();
                    ids.push_back(*id);
                  }
                }
                return Status::Ok();
              }).ok());
  // The months are created together, after one run of the work that found them all missing.
  EXPECT_LE(runs, 2);
  for (int month = 1; month <= 6; ++month) {
    const std::string name = fmt::format("observation_y1985m{:02d}", month);
    EXPECT_TRUE(HasPartition(name)) << name;
    EXPECT_EQ(Scalar("SELECT count(*) FROM " + name), "20") << name;
  }
  EXPECT_EQ(Count(EntityKind::kObservation), 120);
  for (int64_t id : ids) ASSERT_EQ(Get(EntityKind::kObservation, id).id, id);
}

TEST_F(PostgresBulk, AMonthIsCreatedWhileTheWriteHoldsANewFeatureOfInterest) {
  // Attaching a partition locks feature_of_interest against writes (for its
  // foreign key); the write that inserted a feature must not wait for itself.
  Graph g = MakeGraph();
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                json::object feature = Obj(R"({"name":"f","description":"d","encodingType":"application/geo+json"})");
                feature["feature"] = json::object{{"type", "Point"}, {"coordinates", json::array{1, 2}}};
                FUNDAMENT_ASSIGN_OR_RETURN(int64_t feature_id, tx.Insert(EntityKind::kFeatureOfInterest, feature, {}));
                for (int day = 1; day <= 3; ++day) {
                  json::object props;
                  props["phenomenonTime"] = fmt::format("1977-0{}-01T00:00:00Z", day);
                  props["result"] = day;
                  auto id = tx.Insert(EntityKind::kObservation, props,
                                      {Ref(EntityKind::kObservation, "Datastream", g.datastream),
                                       Ref(EntityKind::kObservation, "FeatureOfInterest", feature_id)});
                  if (!id.ok()) return id.error();
                }
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(HasPartition("observation_y1977m01"));
  EXPECT_TRUE(HasPartition("observation_y1977m03"));
  EXPECT_EQ(Count(EntityKind::kObservation), 3);
  EXPECT_EQ(Count(EntityKind::kFeatureOfInterest), 1);
}

TEST_F(PostgresBulk, AnUpdateIntoAMonthWithoutPartitionGetsOne) {
  Graph g = MakeGraph();
  int64_t id = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  ASSERT_TRUE(Update(EntityKind::kObservation, id, R"({"phenomenonTime":"1971-08-09T00:00:00Z"})").ok());
  EXPECT_TRUE(HasPartition("observation_y1971m08"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation_y1971m08"), "1");
}

TEST_F(PostgresBulk, SeveralNodesCreatingTheSameMonthAtOnceAllSucceed) {
  Graph g = MakeGraph();
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Store>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    auto opened = OpenPostgresStore(postgres_options_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    nodes.push_back(std::move(opened).value());
  }
  std::vector<Status> results(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      results[i] = nodes[i]->Write([&](WriteTransaction& tx) -> Status {
        for (int row = 0; row < 25; ++row) {
          json::object props;
          props["phenomenonTime"] = fmt::format("1966-0{}-{:02d}T00:00:00Z", 1 + (i + row) % 3, 1 + row);
          props["result"] = row;
          auto id = tx.Insert(EntityKind::kObservation, props,
                              {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
          if (!id.ok()) return id.error();
        }
        return Status::Ok();
      });
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.error().message;
  for (int month = 1; month <= 3; ++month) EXPECT_TRUE(HasPartition(fmt::format("observation_y1966m0{}", month)));
  EXPECT_EQ(Count(EntityKind::kObservation), kNodes * 25);
}

}  // namespace
}  // namespace fundament::store::testing
