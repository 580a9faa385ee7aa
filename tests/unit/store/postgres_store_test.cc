// What is particular to the PostgreSQL store: migrations run by several
// nodes at once, time partitions of observations, ids from sequences,
// streaming of large reads, error mapping, several stores on one database.
// Runs in the PostgreSQL pass of the store tests only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "model/time.h"
#include "store/postgres/connection.h"
#include "store/postgres/schema.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using ::testing::HasSubstr;

class Postgres : public StoreTest {
 protected:
  void SetUp() override {
    if (!TestingPostgres()) GTEST_SKIP() << "runs in the PostgreSQL pass (FUNDAMENT_TEST_STORE=postgres)";
    StoreTest::SetUp();
  }

  std::vector<std::string> PartitionNames() {
    auto connection = postgres::Connection::Open(schema_->url());
    EXPECT_TRUE(connection.ok()) << connection.error().message;
    if (!connection.ok()) return {};
    auto names = postgres::Partitions(**connection);
    EXPECT_TRUE(names.ok()) << names.error().message;
    return names.ok() ? *names : std::vector<std::string>{};
  }

  bool HasPartition(const std::string& name) {
    auto names = PartitionNames();
    return std::find(names.begin(), names.end(), name) != names.end();
  }
};

TEST_F(Postgres, MigrationsRunOnceWhenManyNodesStartTogether) {
  PostgresTestSchema fresh(TestPostgresUrl());
  PostgresOptions options;
  options.url = fresh.url();
  options.connections = 1;
  constexpr int kNodes = 8;
  std::vector<std::thread> nodes;
  std::vector<Status> results(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      auto opened = OpenPostgresStore(options);
      results[i] = opened.status();
    });
  }
  for (auto& node : nodes) node.join();
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(PostgresScalar(fresh.url(), "SELECT count(*) FROM schema_migrations"),
            std::to_string(postgres::LatestSchemaVersion()));
  EXPECT_EQ(PostgresScalar(fresh.url(), "SELECT to_regclass('observation') IS NOT NULL"), "t");
}

TEST_F(Postgres, RefusesADatabaseFromANewerProgram) {
  EXPECT_EQ(Scalar("INSERT INTO schema_migrations (version) VALUES (999)"), "");
  store_.reset();
  auto opened = OpenPostgresStore(postgres_options_);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.error().message, HasSubstr("999"));
}

TEST_F(Postgres, AnUnreachableServerIsUnavailable) {
  PostgresOptions options;
  options.url = "postgresql://postgres@127.0.0.1:1/fundament?connect_timeout=2";
  auto opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

TEST_F(Postgres, RefusesOtherUrls) {
  PostgresOptions options;
  options.url = "mysql://localhost/x";
  auto opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kBadRequest);
}

TEST_F(Postgres, ConstraintViolationsAreBadRequests) {
  auto connection = postgres::Connection::Open(schema_->url());
  ASSERT_TRUE(connection.ok());
  auto inserted = (*connection)->Query("INSERT INTO thing (name, description) VALUES ($1, $2)",
                                       {sql::SqlValue(), sql::SqlValue(std::string("d"))});
  ASSERT_FALSE(inserted.ok());
  EXPECT_EQ(inserted.error().code, ErrorCode::kBadRequest) << inserted.error().message;
  auto broken = (*connection)->Query("SELECT no_such_column FROM thing", {});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kInternal);
}

TEST_F(Postgres, TextWithANulCharacterIsABadRequestNotAShorterString) {
  auto connection = postgres::Connection::Open(schema_->url());
  ASSERT_TRUE(connection.ok());
  std::string with_nul("a\0b", 3);
  auto selected = (*connection)->Query("SELECT $1::text", {sql::SqlValue(with_nul)});
  ASSERT_FALSE(selected.ok());
  EXPECT_EQ(selected.error().code, ErrorCode::kBadRequest) << selected.error().message;
  EXPECT_THAT(selected.error().message, HasSubstr("U+0000"));
  // Through the store, a write is refused whole and leaves the connection usable.
  Status written = store_->Write([&](WriteTransaction& tx) -> Status {
    boost::json::object thing{{"name", with_nul}, {"description", "d"}};
    return tx.Insert(EntityKind::kThing, thing, {}).status();
  });
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(Count(EntityKind::kThing), 0);
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"after","description":"d"})"), 0);
}

TEST_F(Postgres, PartitionsOfTheComingMonthsAreCreatedAhead) {
  postgres::MonthPartition month = postgres::MonthOf(model::Now());
  for (int i = 0; i <= postgres_options_.partition_months_ahead; ++i, month = month.Next()) {
    EXPECT_TRUE(HasPartition(month.Name())) << month.Name();
  }
  EXPECT_FALSE(HasPartition(month.Name())) << month.Name();
}

TEST_F(Postgres, MonthsAreCalendarMonthsInUtc) {
  auto month = postgres::MonthOf(*model::ParseInstant("2024-02-29T23:59:59.999999Z"));
  EXPECT_EQ(month.Name(), "observation_y2024m02");
  EXPECT_EQ(month.Start(), *model::ParseInstant("2024-02-01T00:00:00Z"));
  EXPECT_EQ(month.End(), *model::ParseInstant("2024-03-01T00:00:00Z"));
  EXPECT_EQ(postgres::MonthOf(*model::ParseInstant("1969-12-31T23:59:59Z")).Name(), "observation_y1969m12");
  EXPECT_EQ(postgres::MonthOf(*model::ParseInstant("2025-12-15T00:00:00Z")).Next().Name(), "observation_y2026m01");
}

TEST_F(Postgres, PartitionsAreCreatedOnDemandForRowsOutsideThem) {
  Graph g = MakeGraph();
  EXPECT_FALSE(HasPartition("observation_y1999m05"));
  int64_t old = MakeObservation(g.datastream, 0, "1999-05-10T12:00:00Z");
  ASSERT_GT(old, 0);
  EXPECT_TRUE(HasPartition("observation_y1999m05"));
  EXPECT_EQ(Get(EntityKind::kObservation, old).properties.at("phenomenonTime"), "1999-05-10T12:00:00.000Z");
  // An update moving the row to another month moves it to that month's partition.
  ASSERT_TRUE(Update(EntityKind::kObservation, old, R"({"phenomenonTime":"1998-01-02T00:00:00Z"})").ok());
  EXPECT_TRUE(HasPartition("observation_y1998m01"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation_y1998m01"), "1");
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation_y1999m05"), "0");
  EXPECT_EQ(RelatedIds(EntityKind::kDatastream, g.datastream, "Observations"), std::vector<int64_t>{old});
}

TEST_F(Postgres, ATableOfAPartitionsNameInAnotherSchemaIsNotTakenForIt) {
  // Another instance's partition, or any table of that name, on the search path.
  EXPECT_EQ(Scalar("CREATE TABLE IF NOT EXISTS public.observation_y1997m07 (x integer)"), "");
  Graph g = MakeGraph();
  int64_t id = MakeObservation(g.datastream, 0, "1997-07-04T00:00:00Z");
  EXPECT_GT(id, 0);
  EXPECT_TRUE(HasPartition("observation_y1997m07"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM observation_y1997m07"), "1");
  EXPECT_EQ(Scalar("DROP TABLE public.observation_y1997m07"), "");
}

TEST_F(Postgres, RetentionCanDropAWholeMonth) {
  Graph g = MakeGraph();
  int64_t kept = MakeObservation(g.datastream, 0, "2001-02-01T00:00:00Z");
  MakeObservation(g.datastream, 0, "2001-01-15T00:00:00Z");
  EXPECT_EQ(Scalar("DROP TABLE observation_y2001m01"), "");
  EXPECT_EQ(RelatedIds(EntityKind::kDatastream, g.datastream, "Observations"), std::vector<int64_t>{kept});
}

TEST_F(Postgres, IdsOfRolledBackWritesAreNotGivenOutAgain) {
  Graph g = MakeGraph();
  int64_t rolled_back_thing = 0, rolled_back_observation = 0;
  Status failed = Write([&](WriteTransaction& tx) -> Status {
    auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
    if (!thing.ok()) return thing.error();
    rolled_back_thing = *thing;
    auto observation = tx.Insert(EntityKind::kObservation, Obj(R"({"phenomenonTime":"2025-01-01T00:00:00Z"})"),
                                 {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
    if (!observation.ok()) return observation.error();
    rolled_back_observation = *observation;
    return Error{ErrorCode::kConflict, "undo", {}};
  });
  ASSERT_FALSE(failed.ok());
  ASSERT_GT(rolled_back_thing, 0);
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"t","description":"d"})"), rolled_back_thing);
  EXPECT_GT(MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z"), rolled_back_observation);
}

TEST_F(Postgres, LargeScansStreamInChunksAndLeaveTheConnectionUsable) {
  Graph g = MakeGraph();
  constexpr int kObservations = 2500;
  ASSERT_TRUE(Write([&](WriteTransaction& tx) -> Status {
                for (int i = 0; i < kObservations; ++i) {
                  json::object props = Obj(R"({"result":1})");
                  props["phenomenonTime"] = model::FormatInstant(int64_t{1735689600000000} + int64_t{i} * 1000000);
                  auto inserted =
                      tx.Insert(EntityKind::kObservation, props, {Ref(EntityKind::kObservation, "Datastream", g.datastream)});
                  if (!inserted.ok()) return inserted.error();
                }
                return Status::Ok();
              }).ok());
  ReadRequest request = Request(EntityKind::kObservation);
  request.related = RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
  request.count = true;
  int seen = 0;
  int64_t last = 0;
  bool ordered = true;
  Status scanned = store_->ReadSnapshot([&](ReadTransaction& snapshot) -> Status {
    auto result = snapshot.Scan(request, [&](Entity&& entity) -> Status {
      if (entity.id <= last) ordered = false;
      last = entity.id;
      // Between chunks the snapshot's connection answers other reads.
      if (++seen % 1000 == 0) {
        ReadRequest thing = Request(EntityKind::kThing);
        auto read = snapshot.Read(thing);
        if (!read.ok()) return read.error();
      }
      return Status::Ok();
    });
    if (!result.ok()) return result.error();
    EXPECT_EQ(result->count, kObservations);
    EXPECT_TRUE(result->entities.empty());
    return Status::Ok();
  });
  ASSERT_TRUE(scanned.ok()) << scanned.error().message;
  EXPECT_EQ(seen, kObservations);
  EXPECT_TRUE(ordered);
  // A visitor that stops the scan stops it with its error; the store goes on.
  Status stopped = store_->ReadSnapshot([&](ReadTransaction& snapshot) -> Status {
    return snapshot.Scan(request, [](Entity&&) -> Status { return Error{ErrorCode::kConflict, "enough", {}}; })
        .status();
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().message, "enough");
  EXPECT_EQ(Count(EntityKind::kObservation), kObservations);
}

TEST_F(Postgres, TwoNodesOnOneDatabaseSeeEachOthersWrites) {
  auto other = OpenPostgresStore(postgres_options_);
  ASSERT_TRUE(other.ok()) << other.error().message;
  int64_t id = Insert(EntityKind::kThing, R"({"name":"from one","description":"d"})");
  ReadRequest request = Request(EntityKind::kThing);
  request.id = id;
  auto read = (*other)->Read(request);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->entities.size(), 1u);
  EXPECT_EQ(read->entities[0].properties.at("name"), "from one");
  // The other node's ids come from the same sequences.
  Status written = (*other)->Write([&](WriteTransaction& tx) {
    auto inserted = tx.Insert(EntityKind::kThing, Obj(R"({"name":"from two","description":"d"})"), {});
    if (!inserted.ok()) return Status(inserted.error());
    EXPECT_GT(*inserted, id);
    return Status::Ok();
  });
  EXPECT_TRUE(written.ok());
  EXPECT_EQ(Count(EntityKind::kThing), 2);
}

TEST_F(Postgres, ALostConnectionIsUnavailableThenReconnects) {
  // Ends the store's sessions, as a server restart would.
  EXPECT_EQ(Scalar("SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity WHERE application_name = '" +
                   schema_->name() + "' AND pid <> pg_backend_pid()"),
            "1");
  bool unavailable = false;
  for (int i = 0; i < 8; ++i) {
    auto read = store_->Read(Request(EntityKind::kThing));
    if (!read.ok()) {
      EXPECT_EQ(read.error().code, ErrorCode::kUnavailable) << read.error().message;
      unavailable = true;
    }
  }
  EXPECT_TRUE(unavailable);
  auto again = store_->Read(Request(EntityKind::kThing));
  EXPECT_TRUE(again.ok()) << again.error().message;
}

}  // namespace
}  // namespace fundament::store::testing
