// A test fixture opening a fresh store, with short helpers for writing and
// reading entities. Every test runs against one of two stores:
//  - SQLite (the default): a new database in a temporary directory;
//  - PostgreSQL, when FUNDAMENT_TEST_STORE=postgres: a new schema of the
//    database named by FUNDAMENT_TEST_POSTGRES_URL, dropped after the test.
//    Without that URL the test is skipped, saying so.
// ctest runs the store tests twice, once per store (the PostgreSQL run's
// names start with "Postgres.").
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "model/entity_type.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace fundament::store::testing {

namespace json = boost::json;
using model::EntityKind;

inline json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// The reference `navigation` of `kind` to `id`.
inline std::pair<const model::NavigationDef*, int64_t> Ref(EntityKind kind, std::string_view navigation,
                                                           int64_t id) {
  const model::NavigationDef* nav = model::TypeOf(kind).FindNavigation(navigation);
  EXPECT_NE(nav, nullptr) << navigation;
  return {nav, id};
}

inline const model::NavigationDef& Nav(EntityKind kind, std::string_view navigation) {
  const model::NavigationDef* nav = model::TypeOf(kind).FindNavigation(navigation);
  EXPECT_NE(nav, nullptr) << navigation;
  return *nav;
}

inline ReadRequest Request(EntityKind kind) {
  ReadRequest request;
  request.kind = kind;
  return request;
}

inline odata::OrderKey Key(std::string property, bool descending = false,
                           std::vector<std::string> members = {}) {
  odata::OrderKey key;
  key.property = std::move(property);
  key.member_path = std::move(members);
  key.descending = descending;
  return key;
}

// Whether this run of the tests is against PostgreSQL.
inline bool TestingPostgres() {
  const char* store = std::getenv("FUNDAMENT_TEST_STORE");
  return store != nullptr && std::string_view(store) == "postgres";
}

// The PostgreSQL server of the tests; empty when none is given.
inline std::string TestPostgresUrl() {
  const char* url = std::getenv("FUNDAMENT_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// Runs `sql` on a connection of its own to `url`; the first column of the
// first row as text ("NULL" for SQL NULL, "<error> …" on failure).
inline std::string PostgresScalar(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string("<error> ") + PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK) {
      out = PQntuples(result) == 0 ? "<no row>" : PQgetisnull(result, 0, 0) ? "NULL" : PQgetvalue(result, 0, 0);
    } else if (status == PGRES_COMMAND_OK) {
      out = "";
    } else {
      out = std::string("<error> ") + PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return out;
}

// A schema of its own for one test, on the test server: the store's tables
// go there (search_path), and are dropped with it.
class PostgresTestSchema {
 public:
  explicit PostgresTestSchema(std::string base_url) : base_url_(std::move(base_url)) {
    static std::atomic<int> counter{0};
    name_ = "fundament_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    // PostGIS in public, where every test schema finds it; were a store to
    // create it, it would land in (and be dropped with) that test's schema.
    // The advisory lock keeps test processes from creating it together.
    std::string extension = PostgresScalar(
        base_url_,
        "SELECT pg_advisory_lock(4242); CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public; "
        "SELECT pg_advisory_unlock(4242)");
    EXPECT_EQ(extension, "t") << extension;
    std::string created = PostgresScalar(base_url_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
    EXPECT_EQ(created, "") << created;
  }
  ~PostgresTestSchema() {
    std::string dropped = PostgresScalar(base_url_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    EXPECT_EQ(dropped, "") << dropped;
  }
  PostgresTestSchema(const PostgresTestSchema&) = delete;
  PostgresTestSchema& operator=(const PostgresTestSchema&) = delete;

  const std::string& name() const { return name_; }
  // The URL of the server with this schema first on the search path
  // (PostGIS stays in public); its sessions are named after the schema.
  std::string url() const {
    return base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_ +
           "%2Cpublic&application_name=" + name_;
  }

 private:
  std::string base_url_;
  std::string name_;
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestingPostgres()) {
      if (TestPostgresUrl().empty()) {
        GTEST_SKIP() << "PostgreSQL store tests need a server: set FUNDAMENT_TEST_POSTGRES_URL "
                        "(url=$(scripts/start-postgres DIR)); `make asan-test` does";
      }
      schema_ = std::make_unique<PostgresTestSchema>(TestPostgresUrl());
      postgres_options_.url = schema_->url();
      postgres_options_.connections = 4;
    } else {
      std::string pattern = (std::filesystem::temp_directory_path() / "fundament-store-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      options_.path = (dir_ / "fundament.db").string();
      options_.reader_connections = 3;
    }
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    schema_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void Reopen() {
    store_.reset();
    auto opened = postgres() ? OpenPostgresStore(postgres_options_) : OpenSqliteStore(options_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  bool postgres() const { return schema_ != nullptr; }

  // Inserts one entity in its own transaction; -1 on failure (which fails the test).
  int64_t Insert(EntityKind kind, std::string_view properties, const References& references = {}) {
    int64_t id = -1;
    Status status = store_->Write([&](WriteTransaction& tx) -> Status {
      auto inserted = tx.Insert(kind, Obj(properties), references);
      if (!inserted.ok()) return inserted.error();
      id = *inserted;
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.error().message;
    return id;
  }

  Status Write(const std::function<Status(WriteTransaction&)>& work) { return store_->Write(work); }

  Status Delete(EntityKind kind, int64_t id) {
    return store_->Write([&](WriteTransaction& tx) { return tx.Delete(kind, id); });
  }

  Status Update(EntityKind kind, int64_t id, std::string_view properties, const References& references = {}) {
    return store_->Write(
        [&](WriteTransaction& tx) { return tx.Update(kind, id, Obj(properties), references); });
  }

  Status Link(EntityKind kind, int64_t id, std::string_view navigation, int64_t target) {
    return store_->Write(
        [&](WriteTransaction& tx) { return tx.Link(kind, id, Nav(kind, navigation), target); });
  }

  // The entity, or an entity with id 0 when it is absent.
  Entity Get(EntityKind kind, int64_t id) {
    ReadRequest request = Request(kind);
    request.id = id;
    auto result = store_->Read(request);
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (!result.ok() || result->entities.empty()) return Entity{};
    return result->entities.front();
  }

  bool Exists(EntityKind kind, int64_t id) { return Get(kind, id).id == id; }

  // The ids read by `request`, in order.
  std::vector<int64_t> Ids(const ReadRequest& request) {
    auto result = store_->Read(request);
    EXPECT_TRUE(result.ok()) << result.error().message;
    std::vector<int64_t> ids;
    if (result.ok())
      for (const auto& e : result->entities) ids.push_back(e.id);
    return ids;
  }

  std::vector<int64_t> RelatedIds(EntityKind kind, int64_t id, std::string_view navigation) {
    ReadRequest request = Request(Nav(kind, navigation).target);
    request.related = RelatedTo{kind, id, &Nav(kind, navigation)};
    return Ids(request);
  }

  int64_t Count(EntityKind kind) {
    ReadRequest request = Request(kind);
    request.count = true;
    request.limit = 0;
    auto result = store_->Read(request);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? result->count.value_or(-1) : -1;
  }

  // The first column of the first row of `sql`, run on a connection of its
  // own (without SpatiaLite), as text; "NULL" for SQL NULL. PostgreSQL's
  // truth values are given as SQLite's, "1" and "0".
  std::string Scalar(const std::string& sql) {
    if (postgres()) {
      std::string out = PostgresScalar(schema_->url(), sql);
      EXPECT_FALSE(out.starts_with("<error>")) << out;
      if (out == "t") return "1";
      if (out == "f") return "0";
      return out;
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(options_.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      if (sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(stmt, 0);
        out = text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
      } else {
        out = "<no row>";
      }
    } else {
      ADD_FAILURE() << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  // A Thing, Sensor and ObservedProperty and a Datastream joining them.
  struct Graph {
    int64_t thing, sensor, observed_property, datastream;
  };
  Graph MakeGraph(std::string_view name = "ds") {
    Graph g{};
    g.thing = Insert(EntityKind::kThing, R"({"name":"t","description":"a thing"})");
    g.sensor = Insert(
        EntityKind::kSensor,
        R"({"name":"s","description":"d","encodingType":"text/html","metadata":"https://example.org"})");
    g.observed_property = Insert(EntityKind::kObservedProperty,
                                 R"({"name":"op","definition":"https://example.org/op","description":"d"})");
    g.datastream = MakeDatastream(g.thing, g.sensor, g.observed_property, name);
    return g;
  }

  int64_t MakeDatastream(int64_t thing, int64_t sensor, int64_t observed_property,
                         std::string_view name = "ds") {
    std::string props =
        R"({"name":")" + std::string(name) +
        R"(","description":"d","unitOfMeasurement":{"name":"m","symbol":"m","definition":"u"},)"
        R"("observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"})";
    return Insert(
        EntityKind::kDatastream, props,
        {Ref(EntityKind::kDatastream, "Thing", thing), Ref(EntityKind::kDatastream, "Sensor", sensor),
         Ref(EntityKind::kDatastream, "ObservedProperty", observed_property)});
  }

  int64_t MakeFeature(double x, double y) {
    json::object props = Obj(R"({"name":"f","description":"d","encodingType":"application/geo+json"})");
    props["feature"] = json::object{{"type", "Point"}, {"coordinates", json::array{x, y}}};
    return Insert(EntityKind::kFeatureOfInterest, json::serialize(props));
  }

  int64_t MakeObservation(int64_t datastream, int64_t feature, std::string_view phenomenon_time,
                          std::string_view result = "1", std::string_view navigation = "Datastream") {
    std::string props = R"({"phenomenonTime":")" + std::string(phenomenon_time) + R"(","result":)" +
                        std::string(result) + "}";
    References refs = {Ref(EntityKind::kObservation, navigation, datastream)};
    if (feature > 0) refs.push_back(Ref(EntityKind::kObservation, "FeatureOfInterest", feature));
    return Insert(EntityKind::kObservation, props, refs);
  }

  std::filesystem::path dir_;
  SqliteOptions options_;
  std::unique_ptr<PostgresTestSchema> schema_;
  PostgresOptions postgres_options_;
  std::unique_ptr<Store> store_;
};

// Skips a test that is about the SQLite store only.
#define FUNDAMENT_SQLITE_ONLY() \
  do {                          \
    if (postgres()) GTEST_SKIP() << "about the SQLite store only"; \
  } while (0)

}  // namespace fundament::store::testing
