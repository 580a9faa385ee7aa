// The SQLite store as a whole: opening, migrations, reopening, concurrent
// readers and writers, health.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "store/sqlite/schema.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

TEST_F(StoreTest, OpensInWalModeWithTheLatestSchema) {
  FUNDAMENT_SQLITE_ONLY();
  EXPECT_EQ(Scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Scalar("SELECT group_concat(version) FROM schema_migrations"),
            std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(Scalar("SELECT count(*) FROM spatial_ref_sys WHERE srid = 4326"), "1");
}

TEST_F(StoreTest, ReopenKeepsDataAndDoesNotRerunMigrations) {
  int64_t id = Insert(EntityKind::kThing, R"({"name":"kept","description":"d"})");
  std::string applied = Scalar("SELECT applied_at FROM schema_migrations WHERE version = 1");
  Reopen();
  EXPECT_EQ(Get(EntityKind::kThing, id).properties.at("name"), "kept");
  EXPECT_EQ(Scalar("SELECT count(*) FROM schema_migrations"), "1");
  EXPECT_EQ(Scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied);
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"more","description":"d"})"), id);
}

TEST_F(StoreTest, CloseCheckpointsTheWal) {
  FUNDAMENT_SQLITE_ONLY();
  Insert(EntityKind::kThing, R"({"name":"t","description":"d"})");
  store_.reset();
  std::error_code ec;
  auto wal = std::filesystem::path(options_.path + "-wal");
  EXPECT_TRUE(!std::filesystem::exists(wal) || std::filesystem::file_size(wal, ec) == 0);
  Reopen();
}

TEST_F(StoreTest, RefusesADatabaseFromANewerProgram) {
  FUNDAMENT_SQLITE_ONLY();
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 'future')", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto opened = OpenSqliteStore(options_);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.error().message, ::testing::HasSubstr("999"));
}

TEST_F(StoreTest, RefusesInMemoryDatabases) {
  FUNDAMENT_SQLITE_ONLY();
  SqliteOptions options;
  options.path = ":memory:";
  EXPECT_FALSE(OpenSqliteStore(options).ok());
}

TEST_F(StoreTest, OpeningWithoutSpatiaLiteThenWithItWorks) {
  FUNDAMENT_SQLITE_ONLY();
  store_.reset();
  std::filesystem::remove(options_.path);
  options_.load_spatialite = false;
  Reopen();
  EXPECT_EQ(Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'spatial_ref_sys'"), "0");
  options_.load_spatialite = true;
  Reopen();
  EXPECT_EQ(Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'spatial_ref_sys'"), "1");
}

TEST_F(StoreTest, ADatabaseWithSpatialMetadataOpensWithoutSpatiaLite) {
  FUNDAMENT_SQLITE_ONLY();
  options_.load_spatialite = false;
  Reopen();
  int64_t id = Insert(
      EntityKind::kLocation,
      R"({"name":"l","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,2]}})");
  EXPECT_EQ(Get(EntityKind::kLocation, id).properties.at("name"), "l");
}

TEST_F(StoreTest, SyncFullIsAccepted) {
  FUNDAMENT_SQLITE_ONLY();
  options_.sync_full = true;
  Reopen();
  EXPECT_GT(Insert(EntityKind::kThing, R"({"name":"t","description":"d"})"), 0);
}

TEST_F(StoreTest, HealthyWhenAReaderAnswers) {
  StoreHealth health = store_->Health();
  EXPECT_TRUE(health.ready) << health.detail;
}

TEST_F(StoreTest, ReadersDoNotWaitForAnOpenWriteAndSeeOnlyCommittedData) {
  Insert(EntityKind::kThing, R"({"name":"before","description":"d"})");
  std::promise<void> inserted, release;
  std::future<void> released = release.get_future();
  std::thread writer([&] {
    Status status = Write([&](WriteTransaction& tx) -> Status {
      auto thing = tx.Insert(EntityKind::kThing, Obj(R"({"name":"during","description":"d"})"), {});
      if (!thing.ok()) return thing.error();
      inserted.set_value();
      released.wait();
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok());
  });
  inserted.get_future().wait();
  // The write transaction is open and holds the write lock; reads go on.
  EXPECT_EQ(Count(EntityKind::kThing), 1);
  EXPECT_TRUE(store_->Health().ready);
  release.set_value();
  writer.join();
  EXPECT_EQ(Count(EntityKind::kThing), 2);
}

TEST_F(StoreTest, ConcurrentReadersAndWriters) {
  constexpr int kWrites = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  // More reading threads than reader connections: some wait for a free one.
  for (int r = 0; r < 5; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!done.load()) {
        ReadRequest request = Request(EntityKind::kThing);
        request.count = true;
        request.orderby = {Key("name")};
        auto result = store_->Read(request);
        if (!result.ok() || *result->count < last ||
            static_cast<int64_t>(result->entities.size()) != *result->count) {
          ++failures;
          return;
        }
        last = *result->count;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kWrites / 2; ++i) {
        if (Insert(EntityKind::kThing, R"({"name":"t","description":"d"})") <= 0) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(EntityKind::kThing), kWrites);
}

}  // namespace
}  // namespace fundament::store::testing
