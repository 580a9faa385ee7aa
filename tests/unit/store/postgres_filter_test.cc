// The filter compiler's SQL for PostgreSQL, run on a real PostgreSQL with
// PostGIS: a world of entities is written through the SQLite store, copied
// into PostgreSQL tables laid out by the logical schema (table_map.h) with
// the PostgreSQL conventions (bigint instants, jsonb, geometry in 4326), and
// every filter of the store's filter tests and of the API's filter tests is
// then run on both engines. The SQLite store's answers are the expected rows
// (filter_test.cc fixes their meaning); PostgreSQL must give the same ids
// for every filter, and every filter must run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "model/time.h"
#include "odata/filter_parser.h"
#include "postgres_test_db.h"
#include "sql/filter_compiler.h"
#include "sql/select_builder.h"
#include "sql/table_map.h"
#include "store/postgres/postgres_dialect.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using sql::Storage;

struct Column {
  std::string name;
  std::string type;
};

struct PgTable {
  std::string name;
  std::vector<Column> columns;  // copied from SQLite
  std::string geojson;          // the GeoJSON column a `geom` column is computed from
};

// The tables of the logical schema with PostgreSQL column types.
std::vector<PgTable> LogicalTables() {
  std::vector<PgTable> tables;
  for (model::EntityKind kind : model::kAllEntityKinds) {
    const sql::TableMap& map = sql::TableOf(kind);
    PgTable table{std::string(map.table), {{"id", "bigint"}}, {}};
    auto add = [&](std::string_view name, std::string_view type) {
      for (const Column& c : table.columns)
        if (c.name == name) return;
      table.columns.push_back({std::string(name), std::string(type)});
    };
    for (const sql::PropertyColumns& p : map.properties) {
      switch (p.storage) {
        case Storage::kText:
          add(p.column, "text");
          break;
        case Storage::kJson:
          add(p.column, "jsonb");
          break;
        case Storage::kInstant:
          add(p.column, "bigint");
          break;
        case Storage::kInterval:
        case Storage::kInstantOrInterval:
          add(p.column, "bigint");
          add(p.column2, "bigint");
          break;
        case Storage::kGeoJson:
          add(p.column, "text");
          table.geojson = std::string(p.column);
          if (p.has_bbox) {
            for (const char* c : {"min_x", "min_y", "max_x", "max_y"}) add(c, "double precision");
          }
          break;
        case Storage::kResult:
          add("result_type", "smallint");
          add("result_number", "double precision");
          add("result_string", "text");
          add("result_json", "jsonb");
          break;
        case Storage::kBox:
          for (const char* c : {"min_x", "min_y", "max_x", "max_y"}) add(c, "double precision");
          break;
      }
    }
    for (const sql::ReferenceColumn& r : map.references) {
      add(r.column, "bigint");
      if (!r.cluster_column.empty()) add(r.cluster_column, "bigint");
    }
    tables.push_back(std::move(table));
  }
  std::set<std::string_view> links;
  for (model::EntityKind kind : model::kAllEntityKinds) {
    for (const model::NavigationDef& navigation : model::TypeOf(kind).navigations) {
      if (navigation.relation != model::Relation::kLinkTable) continue;
      const sql::LinkTableSide* side = sql::LinkTableOf(kind, navigation.name);
      if (side == nullptr || !links.insert(side->table).second) continue;
      PgTable table{std::string(side->table),
                    {{std::string(side->own_column), "bigint"}, {std::string(side->target_column), "bigint"}},
                    {}};
      if (side->ordered) table.columns.push_back({"position", "bigint"});
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

class PostgresFilter : public StoreTest {
 protected:
  void SetUp() override {
    if (PostgresTestDatabase::Url().empty()) GTEST_SKIP() << PostgresTestDatabase::kSkipMessage;
    StoreTest::SetUp();
    pg_.Open();
  }

  void TearDown() override {
    pg_.Close();
    StoreTest::TearDown();
  }

  int64_t Thing(std::string_view name, std::string_view description, std::string_view properties = "null") {
    json::object object;
    object["name"] = name;
    object["description"] = description;
    object["properties"] = json::parse(properties);
    return Insert(EntityKind::kThing, json::serialize(object));
  }

  int64_t Location(double x, double y, std::string_view name) {
    json::object props = Obj(R"({"description":"d","encodingType":"application/geo+json"})");
    props["name"] = name;
    props["location"] = json::object{{"type", "Point"}, {"coordinates", json::array{x, y}}};
    return Insert(EntityKind::kLocation, json::serialize(props));
  }

  int64_t Observation(int64_t datastream, int64_t feature, std::string_view fields) {
    References refs = {Ref(EntityKind::kObservation, "Datastream", datastream)};
    if (feature > 0) refs.push_back(Ref(EntityKind::kObservation, "FeatureOfInterest", feature));
    return Insert(EntityKind::kObservation, std::string(fields), refs);
  }

  // The world every filter runs on: JSON members of every type, unicode and
  // empty strings, instants and intervals before and after 1970, geometry,
  // to-one, to-many and link-table navigations.
  void MakeWorld() {
    const int64_t t1 =
        Thing("alpha", "Sensor Things",
              R"({"level":5,"v":5,"p":3,"q":3,"installed":"2020-05-01T00:00:00Z","a.b":1,"x-y":3,)"
              R"("ü":4,"owner":"Stadt Kiel","tags":["water","tide"],"lvl":{"max":7.5}})");
    const int64_t t2 =
        Thing("beta", "  padded  ",
              R"({"v":5.0,"p":2,"q":"3","installed":"not a time","level":null,"owner":"Stadtwerke",)"
              R"("lvl":{"max":"n/a"},"tags":{"0":"zero"}})");
    Thing("", "", R"({"v":"5","p":"x","q":"x","installed":12})");
    Thing("Größe", "x", R"({"v":true,"c d":2})");
    Thing("\xF0\x9F\x8C\x8A wave", "x", R"({"v":{"w":5}})");
    const int64_t t6 = Thing("Sensor Things", "rain gauge", R"({"v":[5,6]})");
    const int64_t t7 = Thing("thing sensor", "x", R"({"v":1,"installed":"2021-05-01T00:00:00+02:00"})");
    Thing("GRÖSSE Ärger", "x");
    Thing("straße", "  x  ", R"({})");
    Thing("it's", "x", R"({"v":false,"huge":1.7e308,"tiny":5e-324})");
    const int64_t kiel = Location(10.13, 54.32, "Kiel");
    const int64_t munich = Location(11.58, 48.14, "München");
    const int64_t hamburg = Location(9.99, 53.55, "Hamburg");
    ASSERT_TRUE(Link(EntityKind::kThing, t1, "Locations", kiel).ok());
    ASSERT_TRUE(Link(EntityKind::kThing, t2, "Locations", munich).ok());
    ASSERT_TRUE(Link(EntityKind::kThing, t6, "Locations", kiel).ok());
    ASSERT_TRUE(Link(EntityKind::kThing, t6, "Locations", hamburg).ok());
    const int64_t sensor = Insert(
        EntityKind::kSensor,
        R"({"name":"s","description":"d","encodingType":"text/html","metadata":"https://example.org"})");
    const int64_t op = Insert(EntityKind::kObservedProperty,
                              R"({"name":"op","definition":"https://example.org/op","description":"d"})");
    const int64_t level = MakeDatastream(t1, sensor, op, "level");
    const int64_t rain = MakeDatastream(t1, sensor, op, "rain");
    const int64_t other = MakeDatastream(t2, sensor, op, "level");
    MakeDatastream(t7, sensor, op, "x");
    const int64_t holtenau = MakeFeature(10.13, 54.32);
    MakeFeature(0, 0);
    const std::string t = R"("phenomenonTime":"2025-01-01T00:00:00Z")";
    for (const char* result :
         {"7", "7.5", "\"seven\"", "true", "false", R"({"level":3,"ok":true})", "null", "32.5", "-32.5", "32",
          "500.5", "512", "\"offline\"", "0", "\"2025-01-01T00:00:00Z\"",
          R"({"type":"Point","coordinates":[10.13,54.32]})", "[1,2]"}) {
      Observation(level, holtenau, "{" + t + R"(,"result":)" + result + "}");
    }
    Observation(level, 0,
                R"({"phenomenonTime":"2025-01-01T10:00:00Z","result":1,"resultTime":"2025-01-01T10:05:00Z",)"
                R"("parameters":{"depth":2,"at":"2025-01-01T00:00:00Z"}})");
    Observation(level, 0, R"({"phenomenonTime":"2015-12-08T01:02:03.250Z","result":1})");
    Observation(level, 0, R"({"phenomenonTime":"1969-07-20T20:17:40Z","result":1})");
    Observation(rain, holtenau,
                R"({"phenomenonTime":"2025-01-01T10:00:00Z/2025-01-01T12:00:00Z","result":3,)"
                R"("validTime":"2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"})");
    Observation(rain, 0, R"({"phenomenonTime":"2025-11-19T11:00:00Z/2025-11-19T12:00:00Z","result":0})");
    Observation(other, 0, R"({"phenomenonTime":"2025-01-02T10:00:00Z","result":42})");
    CopyToPostgres();
  }

  // Creates the logical tables in PostgreSQL and copies every row of them
  // from the SQLite database.
  void CopyToPostgres() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(options_.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    for (const PgTable& table : LogicalTables()) {
      std::string ddl = fmt::format("CREATE TABLE {} (", table.name);
      std::string names, values;
      for (size_t i = 0; i < table.columns.size(); ++i) {
        const Column& c = table.columns[i];
        ddl += fmt::format("{}{} {}", i > 0 ? ", " : "", c.name, c.type);
        names += fmt::format("{}{}", i > 0 ? ", " : "", c.name);
        values += fmt::format("{}CAST(${} AS {})", i > 0 ? ", " : "", i + 1, c.type);
      }
      if (!table.geojson.empty()) ddl += fmt::format(", {} geometry(Geometry, 4326)", sql::kGeometryColumn);
      pg_.Exec(ddl + ")");
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, fmt::format("SELECT {} FROM {}", names, table.name).c_str(), -1, &stmt,
                                   nullptr),
                SQLITE_OK)
          << sqlite3_errmsg(db);
      const std::string insert = fmt::format("INSERT INTO {} ({}) VALUES ({})", table.name, names, values);
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        std::vector<sql::SqlValue> row;
        for (int i = 0; i < static_cast<int>(table.columns.size()); ++i) {
          switch (sqlite3_column_type(stmt, i)) {
            case SQLITE_INTEGER:
              row.emplace_back(int64_t{sqlite3_column_int64(stmt, i)});
              break;
            case SQLITE_FLOAT:
              row.emplace_back(sqlite3_column_double(stmt, i));
              break;
            case SQLITE_NULL:
              row.emplace_back(std::monostate{});
              break;
            default:
              row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i))));
          }
        }
        auto inserted = pg_.Query(insert, row);
        ASSERT_TRUE(std::holds_alternative<PgRows>(inserted)) << std::get<std::string>(inserted);
        ++copied_;
      }
      sqlite3_finalize(stmt);
      if (!table.geojson.empty()) {
        pg_.Exec(fmt::format("UPDATE {0} SET {1} = ST_SetSRID(ST_GeomFromGeoJSON({2}), 4326)", table.name,
                             sql::kGeometryColumn, table.geojson));
      }
    }
    sqlite3_close(db);
  }

  // The ids of `kind` matching `filter` in the SQLite store, ascending.
  std::vector<int64_t> SqliteIds(EntityKind kind, const std::shared_ptr<const odata::FilterExpr>& filter) {
    ReadRequest request = Request(kind);
    request.filter = filter;
    auto result = store_->Read(request);
    EXPECT_TRUE(result.ok()) << result.error().message;
    std::vector<int64_t> ids;
    if (result.ok())
      for (const auto& e : result->entities) ids.push_back(e.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // The compiled filter, or its error.
  Result<sql::SelectBuilder> PostgresQuery(EntityKind kind, const odata::FilterExpr& filter) {
    sql::SelectBuilder builder(postgres::PostgresSql(), fmt::format("{} AS e", sql::TableOf(kind).table));
    builder.AddColumn("e.id");
    sql::FilterScope scope{kind, "e", model::Now()};
    FUNDAMENT_ASSIGN_OR_RETURN(std::string condition, sql::CompileFilter(filter, scope, builder));
    builder.AddWhere(std::move(condition));
    builder.AddOrderBy("e.id", false);
    return builder;
  }

  // The ids of `kind` matching `filter` in PostgreSQL, ascending; the
  // statement's error when it fails.
  std::variant<std::vector<int64_t>, std::string> PostgresIds(EntityKind kind,
                                                              const odata::FilterExpr& filter) {
    auto builder = PostgresQuery(kind, filter);
    if (!builder.ok()) return "compile: " + builder.error().message;
    auto rows = pg_.Query(builder->SelectSql(), builder->parameters());
    if (auto* error = std::get_if<std::string>(&rows)) return *error + "\n" + builder->SelectSql();
    std::vector<int64_t> ids;
    for (const auto& row : std::get<PgRows>(rows)) ids.push_back(std::stoll(row[0].value_or("-1")));
    return ids;
  }

  // Runs `filter` on both engines and expects the same ids; returns them.
  std::vector<int64_t> Same(EntityKind kind, std::string_view filter) {
    auto parsed = odata::ParseFilter(model::TypeOf(kind), filter);
    EXPECT_TRUE(parsed.ok()) << filter << ": " << parsed.error().message;
    if (!parsed.ok()) return {};
    const std::vector<int64_t> expected = SqliteIds(kind, *parsed);
    auto got = PostgresIds(kind, **parsed);
    if (const auto* error = std::get_if<std::string>(&got)) {
      ADD_FAILURE() << model::TypeOf(kind).set_name << "?$filter=" << filter
                    << "\nfails on PostgreSQL: " << *error;
      return {};
    }
    EXPECT_EQ(std::get<std::vector<int64_t>>(got), expected)
        << model::TypeOf(kind).set_name << "?$filter=" << filter;
    ++compared_;
    if (!expected.empty()) ++nonempty_;
    return expected;
  }

  PostgresTestDatabase pg_;
  int copied_ = 0;
  int compared_ = 0;
  int nonempty_ = 0;
};

// Filters of tests/unit/store/filter_test.cc and of tests/api/test_filter.py.
struct Case {
  EntityKind kind;
  const char* filter;
};

const std::vector<Case>& Cases() {
  using K = EntityKind;
  static const std::vector<Case> cases = {
      // Comparison and logic.
      {K::kThing, "name eq 'alpha'"},
      {K::kThing, "name ne 'alpha'"},
      {K::kThing, "name gt 'alpha'"},
      {K::kThing, "name ge 'alpha'"},
      {K::kThing, "name lt 'alpha'"},
      {K::kThing, "name le 'beta'"},
      {K::kThing, "name eq ''"},
      {K::kThing, "'alpha' eq name"},
      {K::kThing, "name eq 'it''s'"},
      {K::kThing, "name eq 'Größe'"},
      {K::kThing, "length(name) eq 5"},
      {K::kThing, "startswith(name, '\xF0\x9F\x8C\x8A')"},
      {K::kThing, "length(name) eq 6"},
      {K::kThing, "id eq 1"},
      {K::kThing, "@iot.id gt 3"},
      {K::kThing, "id ne 2"},
      {K::kThing, "name eq 'alpha' or name eq 'beta' and description eq 'x'"},
      {K::kThing, "(name eq 'alpha' or name eq 'beta') and description eq '  padded  '"},
      {K::kThing, "not (description eq 'x')"},
      {K::kThing, "not description eq 'x' or name eq ''"},
      {K::kThing, "not not (name eq 'alpha')"},
      {K::kThing, "true"},
      {K::kThing, "false"},
      {K::kThing, "name eq 'alpha' eq true"},
      {K::kThing, "name eq 'alpha' ne false"},
      {K::kThing, "(name eq 'alpha') eq (description eq 'x')"},
      {K::kThing, "true eq (name gt 'b')"},
      {K::kThing, "not true"},
      {K::kThing, "not (true eq false)"},
      {K::kThing, "(name gt 'b') gt false"},
      {K::kThing, "(name gt 'b') le (description eq 'x')"},
      {K::kThing, "properties/v eq (name eq 'Größe')"},
      {K::kThing, "properties/v ne (name eq 'Größe')"},
      {K::kThing, "substring(name, properties/v) eq 'ts'"},
      {K::kThing, "substring(name, properties/p, properties/v) eq 'ha'"},
      {K::kThing, "date(properties/installed) eq 2020-05-01"},
      {K::kThing, "hour(properties/installed) eq 22"},
      {K::kThing, "properties/installed gt now() sub duration'P36500D'"},
      {K::kThing, "properties/v add properties/p eq 8"},
      {K::kThing, "id add properties/v eq 6"},
      {K::kThing, "id eq properties/v"},
      {K::kThing, "length(name) add 1 eq 6"},
      {K::kThing, "substring(name, id) eq 'ing sensor'"},
      // Null.
      {K::kThing, "properties/level eq null"},
      {K::kThing, "properties/level ne null"},
      {K::kThing, "null eq properties/level"},
      {K::kThing, "properties/level ne 5"},
      {K::kThing, "properties/level gt 3"},
      {K::kThing, "not (properties/level gt 3)"},
      {K::kThing, "properties/level gt null"},
      {K::kThing, "null eq null"},
      {K::kThing, "null ne null"},
      {K::kThing, "properties eq null"},
      {K::kThing, "properties ne null"},
      {K::kThing, "properties/level add 1 eq 6"},
      {K::kThing, "null add 1 eq null"},
      {K::kThing, "length(properties/name) eq null"},
      {K::kThing, "name eq null"},
      {K::kThing, "name ne null"},
      {K::kThing, "not (name eq null)"},
      {K::kThing, "length(name) gt null"},
      // JSON members of mixed types.
      {K::kThing, "properties/v eq 5"},
      {K::kThing, "properties/v eq '5'"},
      {K::kThing, "properties/v eq true"},
      {K::kThing, "properties/v eq false"},
      {K::kThing, "properties/v eq 1"},
      {K::kThing, "properties/v gt 'a'"},
      {K::kThing, "properties/v gt 4"},
      {K::kThing, "properties/v/w eq 5"},
      {K::kThing, "properties/v/0 eq 5"},
      {K::kThing, "properties/v/1 eq 6"},
      {K::kThing, "properties/v ne 5"},
      {K::kThing, "properties/v"},
      {K::kThing, "not properties/v"},
      {K::kThing, "properties/v eq 5.0"},
      {K::kThing, "properties/v lt 5.5"},
      {K::kThing, "properties/p eq properties/q"},
      {K::kThing, "properties/p ne properties/q"},
      {K::kThing, "properties/p lt properties/q"},
      {K::kThing, "properties/p le properties/q"},
      {K::kThing, "properties/p gt properties/q"},
      {K::kThing, "properties/x-y eq 3"},
      {K::kThing, "properties/ü eq 4"},
      {K::kThing, "properties/a.b eq 1"},
      {K::kThing, "properties/owner eq 'Stadtwerke'"},
      {K::kThing, "properties/lvl/max gt 5"},
      {K::kThing, "properties/lvl/max eq 'n/a'"},
      {K::kThing, "properties/tags/1 eq 'tide'"},
      // Digits index arrays only, never name an object's member.
      {K::kThing, "properties/tags/0 eq 'water'"},
      {K::kThing, "properties/tags/0 eq 'zero'"},
      {K::kThing, "properties/tags/0 ne null"},
      {K::kThing, "properties/owner eq null"},
      {K::kThing, "properties/owner ne 'Stadtwerke'"},
      {K::kThing, "properties/v eq properties/v"},
      {K::kThing, "properties/v ne properties/p"},
      {K::kThing, "-properties/v lt -4"},
      {K::kThing, "properties/v mul 2 eq 10"},
      {K::kThing, "properties/v div 0 eq null"},
      {K::kThing, "properties/v mod 2 eq 1"},
      {K::kThing, "round(properties/v) eq 5"},
      {K::kThing, "contains(properties/owner, 'Kiel')"},
      {K::kThing, "length(properties/owner) gt 5"},
      {K::kThing, "tolower(properties/owner) eq 'stadtwerke'"},
      {K::kThing, "properties/v eq name"},
      {K::kThing, "name eq properties/owner"},
      {K::kDatastream, "unitOfMeasurement/symbol eq 'm'"},
      {K::kDatastream, "unitOfMeasurement/name ne 'm'"},
      {K::kDatastream, "startswith(unitOfMeasurement/definition, 'u')"},
      {K::kSensor, "metadata eq 'https://example.org'"},
      {K::kSensor, "contains(metadata, 'example')"},
      // Observation results.
      {K::kObservation, "result gt 7"},
      {K::kObservation, "result ge 7"},
      {K::kObservation, "result lt 10"},
      {K::kObservation, "result eq 'seven'"},
      {K::kObservation, "result eq true"},
      {K::kObservation, "result eq false"},
      {K::kObservation, "result"},
      {K::kObservation, "not result"},
      {K::kObservation, "result/level eq 3"},
      {K::kObservation, "result/ok"},
      {K::kObservation, "result eq null"},
      {K::kObservation, "result ne null"},
      {K::kObservation, "result add 1 gt 8"},
      {K::kObservation, "startswith(result, 'sev')"},
      {K::kObservation, "result/1 eq 2"},
      {K::kObservation, "result eq result"},
      {K::kObservation, "result ne result"},
      {K::kObservation, "result eq parameters/depth"},
      {K::kObservation, "parameters/depth eq 2"},
      {K::kObservation, "result lt 10.00"},
      {K::kObservation, "result gt 20.0"},
      {K::kObservation, "result ge 512"},
      {K::kObservation, "result le 100"},
      {K::kObservation, "result eq 'offline'"},
      {K::kObservation, "result ne 'offline'"},
      {K::kObservation, "result le 3.5 and result gt 0"},
      {K::kObservation, "result gt 20 or result le 0"},
      {K::kObservation, "result add 5 gt 10"},
      {K::kObservation, "result sub 5 gt 10"},
      {K::kObservation, "result mul 2 gt 1000"},
      {K::kObservation, "result div 2 gt 4"},
      {K::kObservation, "result mod 2 eq 0"},
      {K::kObservation, "(result sub 5) gt 10"},
      {K::kObservation, "result lt 2025-06-01T00:00:00Z"},
      {K::kObservation, "year(result) eq 2025"},
      {K::kObservation, "result gt 5 eq true"},
      {K::kObservation, "(result gt 5) eq (result lt 10)"},
      {K::kObservation, "totaloffsetminutes(result) eq 0"},
      {K::kObservation, "time(phenomenonTime) eq time(resultTime)"},
      {K::kObservation, "resultTime add duration'P1D' add duration'PT1H' gt 2025-01-02T11:00:00Z"},
      {K::kObservation, "resultTime sub parameters/at eq duration'PT10H5M'"},
      {K::kObservation, "result eq id"},
      {K::kObservation, "result ge id add 5"},
      // Arithmetic.
      {K::kObservation, "result add 5 gt 12"},
      {K::kObservation, "result sub 5 eq 2"},
      {K::kObservation, "result mul 2 eq 15"},
      {K::kObservation, "result div 2 eq 3.5"},
      {K::kObservation, "result div 2 eq 3.75"},
      {K::kObservation, "result mod 2 eq 1.5"},
      {K::kObservation, "-result lt -7"},
      {K::kObservation, "7 div 2 eq 3 and id eq 1"},
      {K::kObservation, "-7 div 2 eq -3 and id eq 1"},
      {K::kObservation, "-7 mod 2 eq -1 and id eq 1"},
      {K::kObservation, "7 mod -2 eq 1 and id eq 1"},
      {K::kObservation, "result div 0 eq 1"},
      {K::kObservation, "result mod 0 eq 1"},
      {K::kObservation, "id div 0 eq null"},
      {K::kObservation, "id mod 0 eq null"},
      {K::kObservation, "9223372036854775807 add 1 gt 0 and id eq 1"},
      {K::kObservation, "-9223372036854775807 sub 2 lt 0 and id eq 1"},
      {K::kObservation, "9223372036854775807 mul 2 gt 0 and id eq 1"},
      {K::kObservation, "id add 1 eq 2"},
      {K::kObservation, "id mul 2 sub 1 eq 5"},
      {K::kObservation, "id div 2 eq 1"},
      {K::kObservation, "id mod 3 eq 0"},
      {K::kObservation, "id div 2.0 eq 1.5"},
      {K::kObservation, "id add 0.5 gt 3"},
      {K::kObservation, "7.5 mod 2 eq 1.5 and id eq 1"},
      {K::kObservation, "1 div 0 eq null and id eq 1"},
      {K::kObservation, "1.0 div 0 eq null and id eq 1"},
      {K::kObservation, "result mul 1e308 mul 10 gt 0"},
      {K::kObservation, "result mul 1e-200 mul 1e-200 eq 0"},
      {K::kObservation, "result div 1e-300 gt 1e300"},
      {K::kObservation, "result add 1.7e308 add 1.7e308 gt 0"},
      {K::kObservation, "id mul 9223372036854775807 mul 9223372036854775807 gt 0"},
      {K::kObservation, "resultTime add duration'P100000000D' gt now()"},
      {K::kObservation, "year(resultTime add duration'P100000000D') eq 2025"},
      {K::kObservation, "year(resultTime sub duration'P100000000D') eq null"},
      {K::kObservation, "resultTime sub duration'P100000000D' lt now()"},
      {K::kObservation, "resultTime sub duration'P106751D' sub duration'P106751D' lt now()"},
      {K::kThing, "properties/huge gt 1e308"},
      {K::kThing, "properties/huge mul 2 gt 0"},
      {K::kThing, "properties/tiny gt 0"},
      {K::kThing, "properties/tiny eq 0"},
      // String functions.
      {K::kThing, "substringof('Things', name)"},
      {K::kThing, "substringof('', name)"},
      {K::kThing, "contains(name, 'sor')"},
      {K::kThing, "startswith(name, 'Sensor')"},
      {K::kThing, "startswith(name, 'sensor')"},
      {K::kThing, "endswith(name, 'Things')"},
      {K::kThing, "endswith(name, '')"},
      {K::kThing, "endswith('s', name)"},
      {K::kThing, "length(name) eq 13"},
      {K::kThing, "length(name) eq 0"},
      {K::kThing, "indexof(name, 'Things') eq 7"},
      {K::kThing, "indexof(name, 'zzz') eq -1"},
      {K::kThing, "substring(name, 1) eq 'ensor Things'"},
      {K::kThing, "substring(name, 2, 4) eq 'nsor'"},
      {K::kThing, "substring(name, 100) eq ''"},
      {K::kThing, "substring(name, -3, 2) eq 'Se'"},
      {K::kThing, "substring(name, 1, -2) eq ''"},
      {K::kThing, "substring(name, 0, 9223372036854775807) eq name"},
      {K::kThing, "substring(name, 9223372036854775807) eq ''"},
      {K::kThing, "substring(name, 4294967297, 1) eq ''"},
      {K::kThing, "substring(name, 1, 4294967297) eq 'lpha'"},
      {K::kThing, "substring(name, length(name) sub 2) eq 'ge'"},
      {K::kThing, "tolower(name) eq 'sensor things'"},
      {K::kThing, "toupper(name) eq 'THING SENSOR'"},
      {K::kThing, "trim(description) eq 'padded'"},
      {K::kThing, "concat(concat(name, ', '), description) eq 'thing sensor, x'"},
      {K::kThing, "tolower(name) eq 'grösse ärger'"},
      {K::kThing, "toupper(name) eq 'STRASSE'"},
      {K::kThing, "toupper(name) eq 'GRÖSSE'"},
      {K::kThing, "tolower(name) gt 'grp'"},
      {K::kThing, "toupper(name) lt 'GRP'"},
      {K::kThing, "tolower(name) lt toupper(name)"},
      {K::kThing, "substringof('Sensor Things', description)"},
      {K::kThing, "endswith(description, 'Things')"},
      {K::kThing, "startswith(description, 'Sensor')"},
      {K::kThing, "contains(description, 'gauge')"},
      {K::kThing, "length(description) eq 13"},
      {K::kThing, "indexof(description, 'Things') eq 7"},
      {K::kThing, "substring(description, 1) eq 'ensor Things'"},
      {K::kThing, "tolower(description) eq 'sensor things'"},
      {K::kThing, "toupper(description) eq 'SENSOR THINGS'"},
      {K::kThing, "trim(description) eq 'x'"},
      {K::kThing, "concat(name, description) eq 'alphaSensor Things'"},
      {K::kThing, "toupper(Locations/name) eq 'MÜNCHEN'"},
      {K::kThing, "not startswith(description,'Sensor')"},
      {K::kThing, "indexof(name, '') eq 0"},
      {K::kThing, "length(trim(description)) eq 0"},
      {K::kThing, "concat(name, null) eq null"},
      {K::kThing, "tolower(null) eq null"},
      {K::kThing, "tolower(trim(substring(concat(concat(name, 'x'), description), 0, 5))) eq 'alpha'"},
      // Time.
      {K::kObservation, "resultTime eq 2025-01-01T10:05:00Z"},
      {K::kObservation, "resultTime eq 2025-01-01T11:05:00+01:00"},
      {K::kObservation, "resultTime eq null"},
      {K::kObservation, "resultTime ne 2025-01-01T10:05:00Z"},
      {K::kObservation, "phenomenonTime gt 2025-01-01T10:00:00Z"},
      {K::kObservation, "phenomenonTime ge 2025-01-01T10:00:00Z"},
      {K::kObservation, "phenomenonTime lt 2025-01-02"},
      {K::kObservation, "date(phenomenonTime) eq 2025-01-02"},
      {K::kObservation, "phenomenonTime ge now()"},
      {K::kObservation, "phenomenonTime lt now() sub duration'P1D'"},
      {K::kObservation, "resultTime add duration'PT14H' gt 2025-01-02T00:00:00Z"},
      {K::kObservation, "resultTime add duration'PT13H' lt 2025-01-02T00:00:00Z"},
      {K::kObservation, "duration'PT13H' add resultTime lt 2025-01-02T00:00:00Z"},
      {K::kObservation, "resultTime sub 2025-01-01T10:00:00Z eq duration'PT5M'"},
      {K::kObservation, "resultTime sub duration'PT5M' eq 2025-01-01T10:00:00Z"},
      {K::kObservation, "resultTime gt mindatetime() and resultTime lt maxdatetime()"},
      {K::kObservation, "year(phenomenonTime) eq 2015"},
      {K::kObservation, "month(phenomenonTime) eq 12"},
      {K::kObservation, "day(phenomenonTime) eq 8"},
      {K::kObservation, "hour(phenomenonTime) eq 1"},
      {K::kObservation, "minute(phenomenonTime) eq 2"},
      {K::kObservation, "second(phenomenonTime) eq 3"},
      {K::kObservation, "fractionalseconds(phenomenonTime) eq 0.25"},
      {K::kObservation, "year(phenomenonTime) eq 1969 and month(phenomenonTime) eq 7"},
      {K::kObservation, "hour(phenomenonTime) eq 20 and minute(phenomenonTime) eq 17"},
      {K::kObservation, "second(phenomenonTime) eq 40 and day(phenomenonTime) eq 20"},
      {K::kObservation, "date(phenomenonTime) eq 1969-07-20"},
      {K::kObservation, "time(phenomenonTime) eq 20:17:40"},
      {K::kObservation, "time(phenomenonTime) lt 02:00"},
      {K::kObservation, "hour(12:30:00) eq 12 and id eq 1"},
      {K::kObservation, "totaloffsetminutes(phenomenonTime) eq 0"},
      {K::kObservation, "totaloffsetminutes(2025-01-01T00:00:00+01:30) eq 90 and id eq 1"},
      {K::kObservation, "totaloffsetminutes(resultTime) eq null"},
      {K::kObservation, "phenomenonTime lt 2025-01-01T12:30:00Z"},
      {K::kObservation, "phenomenonTime lt 2025-01-01T11:30:00Z"},
      {K::kObservation, "phenomenonTime le 2025-01-01T12:00:00Z"},
      {K::kObservation, "phenomenonTime gt 2025-01-01T09:00:00Z"},
      {K::kObservation, "phenomenonTime gt 2025-01-01T10:30:00Z"},
      {K::kObservation, "phenomenonTime eq 2025-01-01T10:00:00Z/2025-01-01T12:00:00Z"},
      {K::kObservation, "phenomenonTime eq 2025-01-01T11:00:00Z"},
      {K::kObservation, "phenomenonTime ne 2025-01-01T11:00:00Z"},
      {K::kObservation, "phenomenonTime gt 2025-01-01T08:00:00Z/2025-01-01T09:00:00Z"},
      {K::kObservation, "validTime eq null"},
      {K::kObservation, "validTime ge 2025-01-01T00:00:00Z"},
      {K::kObservation, "validTime lt 2025-01-02T00:00:01Z"},
      {K::kObservation, "phenomenonTime lt validTime"},
      {K::kObservation, "phenomenonTime eq validTime"},
      {K::kObservation, "phenomenonTime ne validTime"},
      {K::kObservation, "year(validTime) eq 2025 and day(validTime) eq 1"},
      {K::kObservation, "year(phenomenonTime) eq 2025"},
      {K::kObservation, "month(phenomenonTime) eq 11"},
      {K::kObservation, "day(phenomenonTime) eq 19"},
      {K::kObservation, "hour(phenomenonTime) eq 11"},
      {K::kObservation, "minute(phenomenonTime) eq 0"},
      {K::kObservation, "second(phenomenonTime) eq 0"},
      {K::kObservation, "fractionalseconds(phenomenonTime) eq 0"},
      {K::kObservation, "date(phenomenonTime) eq 2025-11-18"},
      {K::kObservation, "time(phenomenonTime) ge 11:00:00"},
      {K::kObservation, "phenomenonTime lt now()"},
      {K::kObservation, "phenomenonTime gt mindatetime()"},
      {K::kObservation, "phenomenonTime lt maxdatetime()"},
      {K::kObservation, "phenomenonTime ge 2025-11-18T11:00:00Z and phenomenonTime lt 2025-11-19T10:00:00Z"},
      {K::kObservation, "phenomenonTime ge 2025-11-18T12:00:00+01:00 and phenomenonTime le 2025-11-18"},
      {K::kObservation, "phenomenonTime lt 2025-11-19T11:30:00Z"},
      {K::kObservation, "phenomenonTime gt 2025-11-19T10:30:00Z"},
      {K::kObservation, "phenomenonTime eq 2025-11-19T11:00:00Z/2025-11-19T12:00:00Z"},
      {K::kObservation, "parameters/at eq 2025-01-01T00:00:00Z"},
      {K::kObservation, "parameters/at lt phenomenonTime"},
      {K::kObservation, "resultTime gt parameters/at"},
      {K::kDatastream, "phenomenonTime eq null"},
      {K::kDatastream, "phenomenonTime lt 2025-03-02T00:00:00Z"},
      {K::kDatastream, "phenomenonTime lt 2025-02-01T00:00:00Z"},
      {K::kDatastream, "phenomenonTime eq 2025-01-01T00:00:00Z/2025-03-01T00:00:00Z"},
      {K::kDatastream, "phenomenonTime gt 1969-01-01T00:00:00Z"},
      {K::kDatastream, "resultTime eq null"},
      {K::kDatastream, "year(phenomenonTime) eq 1969"},
      {K::kThing, "properties/installed lt 2021-01-01T00:00:00Z"},
      {K::kThing, "year(properties/installed) eq 2020"},
      {K::kThing, "properties/installed add duration'P365D' eq 2021-05-01T00:00:00Z"},
      {K::kThing, "properties/installed eq 2021-04-30T22:00:00Z"},
      {K::kThing, "month(properties/installed) eq 4"},
      {K::kThing, "properties/installed ne 2020-05-01T00:00:00Z"},
      // Math.
      {K::kObservation, "round(result) eq 33"},
      {K::kObservation, "round(result) eq -33"},
      {K::kObservation, "floor(result) eq 32"},
      {K::kObservation, "floor(result) eq -33"},
      {K::kObservation, "ceiling(result) eq 33"},
      {K::kObservation, "ceiling(result) eq -32"},
      {K::kObservation, "round(id) eq id"},
      {K::kObservation, "round(result) eq 501"},
      {K::kObservation, "floor(result) eq 500"},
      {K::kObservation, "ceiling(result) eq 501"},
      {K::kObservation, "round(result) eq 3"},
      {K::kObservation, "round(result div 2) eq 4"},
      {K::kObservation, "floor(id div 2) eq 1"},
      {K::kObservation, "ceiling(-7.5) eq -7 and id eq 1"},
      // Navigation.
      {K::kObservation, "Datastream/id eq 1"},
      {K::kObservation, "Datastream/@iot.id eq 3"},
      {K::kObservation, "Datastream/name eq 'rain'"},
      {K::kObservation, "Datastream/Thing/id eq 1"},
      {K::kObservation, "Datastream/Thing/name eq 'alpha'"},
      {K::kObservation, "FeatureOfInterest/id eq 1"},
      {K::kObservation, "MultiDatastream/id eq null"},
      {K::kObservation, "MultiDatastream/id ne null"},
      {K::kObservation, "Datastream/name eq 'level' or Datastream/name eq 'rain'"},
      {K::kObservation, "Datastream/Thing/properties/owner eq 'Stadt Kiel'"},
      {K::kObservation, "FeatureOfInterest/name eq 'f' and result gt 510"},
      {K::kObservation,
       "Datastream/id eq 1 and phenomenonTime ge 2025-01-01T00:00:00Z and "
       "phenomenonTime lt 2025-02-01T00:00:00Z"},
      {K::kObservation, "Datastream/id eq Datastream/Thing/id"},
      {K::kObservation, "FeatureOfInterest/id eq null"},
      {K::kThing, "Datastreams/name eq 'level'"},
      {K::kThing, "Datastreams/name eq 'rain'"},
      {K::kThing, "Datastreams/name ne 'level'"},
      {K::kThing, "not (Datastreams/name eq 'level')"},
      {K::kThing, "Datastreams/name eq 'level' and Datastreams/name eq 'rain'"},
      {K::kThing, "Datastreams/name eq Datastreams/description"},
      {K::kThing, "concat(Datastreams/name, Datastreams/name) eq 'rainrain'"},
      {K::kThing, "Datastreams/id eq 2"},
      {K::kThing, "Datastreams/Observations/result eq 42"},
      {K::kThing, "Datastreams/Observations/result eq 'offline'"},
      {K::kThing, "Datastreams/Observations/result gt 100"},
      {K::kThing, "Locations/name eq 'München'"},
      {K::kThing, "Locations/name eq 'Kiel'"},
      {K::kThing, "Locations/name eq 'Kiel' or Locations/name eq 'München'"},
      {K::kThing, "Locations/name eq 'Kiel' and Locations/name eq 'Hamburg'"},
      {K::kThing, "Datastreams/Observations/phenomenonTime lt 1970-01-01T00:00:00Z"},
      {K::kThing, "HistoricalLocations/time gt 2000-01-01T00:00:00Z"},
      {K::kLocation, "Things/name eq 'beta'"},
      {K::kLocation, "Things/id eq 1"},
      {K::kLocation, "Things/Datastreams/name eq 'rain'"},
      {K::kLocation, "HistoricalLocations/Thing/id eq 6"},
      {K::kSensor, "Datastreams/Thing/id eq 2"},
      {K::kObservedProperty, "Datastreams/name eq 'x'"},
      {K::kObservedProperty, "MultiDatastreams/name eq 'x'"},
      {K::kHistoricalLocation, "Thing/name eq 'alpha'"},
      {K::kHistoricalLocation, "Locations/name eq 'Kiel'"},
      {K::kHistoricalLocation, "time lt now()"},
      {K::kFeatureOfInterest, "Observations/result eq 7"},
      {K::kFeatureOfInterest, "name eq 'f'"},
      {K::kDatastream, "Observations/result eq 42"},
      {K::kDatastream, "Thing/Locations/name eq 'Kiel'"},
      {K::kDatastream, "ObservedProperty/name eq 'op' and Sensor/name eq 's'"},
      {K::kMultiDatastream, "name eq 'x'"},
      {K::kMultiDatastream, "ObservedProperties/name eq 'op'"},
      // Geometry.
      {K::kLocation, "st_within(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation, "st_intersects(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation, "geo.intersects(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation, "st_disjoint(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation, "st_contains(geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))', location)"},
      {K::kLocation, "st_equals(location, geography'POINT(11.58 48.14)')"},
      {K::kLocation, "st_touches(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation,
       "st_crosses(geography'LINESTRING(10 54, 12 47)', "
       "geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation,
       "st_overlaps(geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))', "
       "geography'POLYGON((10 54, 12 54, 12 56, 10 56, 10 54))')"},
      {K::kLocation,
       "st_relate(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))', 'T*F**F***')"},
      {K::kLocation, "not st_within(location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kLocation, "geo.distance(location, geography'POINT(10.13 54.32)') lt 1"},
      {K::kLocation,
       "geo.distance(location, geography'POINT(10.13 54.32)') gt 690000 and "
       "geo.distance(location, geography'POINT(10.13 54.32)') lt 700000"},
      {K::kLocation,
       "geo.distance(location, geography'POINT(10.13 54.32)') gt 80000 and "
       "geo.distance(location, geography'POINT(10.13 54.32)') lt 95000"},
      {K::kLocation, "geo.distance(location, geometry'POINT(10.13 54.32)') lt 7"},
      {K::kLocation, "geo.length(geography'LINESTRING(10.13 54.32, 11.58 48.14)') gt 690000 and id eq 1"},
      {K::kLocation, "geo.length(geometry'LINESTRING(0 0, 3 4)') eq 5 and id eq 1"},
      {K::kLocation, "st_equals(location, geography'SRID=4326;POINT(10.13 54.32)')"},
      {K::kLocation, "location eq null"},
      {K::kLocation, "location ne null"},
      {K::kThing, "geo.distance(Locations/location, geography'POINT(10.1 54.3)') lt 5000"},
      {K::kThing, "st_within(Locations/location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kThing, "st_disjoint(Locations/location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kThing, "geo.distance(Locations/location, geometry'POINT(10.13 54.32)') lt 0.01"},
      {K::kThing,
       "st_relate(Locations/location, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))', 'T*F**F***')"},
      {K::kFeatureOfInterest, "st_within(feature, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kObservation,
       "st_intersects(FeatureOfInterest/feature, "
       "geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kDatastream, "st_intersects(observedArea, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kDatastream, "observedArea eq null"},
      {K::kObservation, "st_intersects(result, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kObservation, "geo.distance(result, geography'POINT(10.13 54.32)') lt 1"},
      {K::kThing, "st_within(properties/v, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"},
      {K::kThing, "geo.length(properties/v) gt 0"},
  };
  return cases;
}

TEST_F(PostgresFilter, EveryFilterRunsAndMatchesWhatSqliteMatches) {
  MakeWorld();
  ASSERT_GT(copied_, 40);
  for (const Case& c : Cases()) Same(c.kind, c.filter);
  EXPECT_EQ(compared_, static_cast<int>(Cases().size()));
  // The world is rich enough that most filters match something.
  EXPECT_GT(nonempty_, compared_ * 2 / 3);
}

TEST_F(PostgresFilter, SpotChecksOfExpectedRows) {
  MakeWorld();
  using ::testing::ElementsAre;
  EXPECT_THAT(Same(EntityKind::kThing, "toupper(name) eq 'STRASSE'"), ElementsAre(9));
  EXPECT_THAT(Same(EntityKind::kThing, "properties/v eq 5"), ElementsAre(1, 2));
  EXPECT_THAT(Same(EntityKind::kThing, "properties/level eq null"), ::testing::SizeIs(9));
  EXPECT_THAT(Same(EntityKind::kObservation, "result eq 'offline'"), ElementsAre(13));
  EXPECT_THAT(Same(EntityKind::kObservation, "9223372036854775807 add 1 gt 0 and id eq 1"), ElementsAre(1));
  EXPECT_THAT(Same(EntityKind::kLocation, "geo.distance(location, geography'POINT(10.13 54.32)') lt 1"),
              ElementsAre(1));
}

TEST_F(PostgresFilter, HostileTextIsOnlyEverData) {
  MakeWorld();
  const std::vector<std::string> hostile = {"'; DROP TABLE thing; --",
                                            "x') OR 1=1 --",
                                            "\" OR \"1\"=\"1",
                                            "/* comment */",
                                            "; DELETE FROM observation;",
                                            "\\'",
                                            "%27%20OR%201=1",
                                            "\xe2\x80\x99 OR 1=1",
                                            "?1 ?2 :x @y $z $1",
                                            "$.\"a\"",
                                            "{\"a\",\"b\"}",
                                            "\\\"}",
                                            "NULL); DROP TABLE thing; SELECT (1",
                                            "$fn$ DROP TABLE thing $fn$"};
  auto quote = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  };
  for (const std::string& text : hostile) {
    const std::string literal = quote(text);
    for (const std::string& filter :
         {"name eq " + literal, "properties/a eq " + literal, "contains(name, " + literal + ")",
          "concat(name, " + literal + ") eq " + literal, "tolower(" + literal + ") eq 'x'",
          "Datastreams/name eq " + literal, "properties/installed eq " + literal}) {
      Same(EntityKind::kThing, filter);
    }
    auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), "properties/" + text + " eq 1");
    if (parsed.ok()) Same(EntityKind::kThing, "properties/" + text + " eq 1");
  }
  auto rows = pg_.Query("SELECT count(*) FROM thing", {});
  ASSERT_TRUE(std::holds_alternative<PgRows>(rows));
  EXPECT_EQ(std::get<PgRows>(rows)[0][0], "10");
}

TEST_F(PostgresFilter, CompileErrorsAreTheSameAsForSqlite) {
  MakeWorld();
  for (std::string filter : {std::string("st_within(location, geography'SRID=3857;POINT(1 2)')"),
                             std::string(58, '-') + "id lt 0", [] {
                               std::string f = "name";
                               for (int i = 0; i < 40; ++i) f = "concat(" + f + ", 'x')";
                               return f + " eq 'y'";
                             }()}) {
    auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kLocation), filter);
    ASSERT_TRUE(parsed.ok()) << filter << ": " << parsed.error().message;
    auto compiled = PostgresQuery(EntityKind::kLocation, **parsed);
    ASSERT_FALSE(compiled.ok()) << filter;
    EXPECT_EQ(compiled.error().code, ErrorCode::kBadRequest) << filter;
    ReadRequest request = Request(EntityKind::kLocation);
    request.filter = *parsed;
    auto sqlite = store_->Read(request);
    ASSERT_FALSE(sqlite.ok()) << filter;
    EXPECT_EQ(sqlite.error().code, ErrorCode::kBadRequest) << filter;
  }
}

// The seeds of the filter fuzz target (a byte picking the entity type, then
// the filter): odd filters, each run on both engines. FUNDAMENT_FILTER_CORPUS
// names another directory of such inputs (a fuzz run's corpus).
TEST_F(PostgresFilter, FuzzCorpusRunsAsOnSqlite) {
  MakeWorld();
  const char* dir = std::getenv("FUNDAMENT_FILTER_CORPUS");
  // __FILE__ is relative to the build directory, where ctest runs tests.
  std::filesystem::path corpus =
      std::filesystem::path(__FILE__).parent_path() / "../../fuzz/corpus/filter_fuzz";
  if (!std::filesystem::is_directory(corpus)) corpus = "tests/fuzz/corpus/filter_fuzz";
  if (dir != nullptr) corpus = dir;
  ASSERT_TRUE(std::filesystem::is_directory(corpus)) << corpus;
  int inputs = 0, ran = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (input.empty()) continue;
    ++inputs;
    const EntityKind kind =
        model::kAllEntityKinds[static_cast<unsigned char>(input[0]) % std::size(model::kAllEntityKinds)];
    const std::string_view text = std::string_view(input).substr(1);
    odata::FilterLimits limits;
    limits.max_length = 4096;
    auto parsed = odata::ParseFilter(model::TypeOf(kind), text, limits);
    if (!parsed.ok()) continue;
    ReadRequest request = Request(kind);
    request.filter = *parsed;
    auto sqlite = store_->Read(request);
    auto got = PostgresIds(kind, **parsed);
    if (const auto* error = std::get_if<std::string>(&got)) {
      // Only what the compiler refuses may fail, and as it does for SQLite.
      EXPECT_TRUE(error->rfind("compile: ", 0) == 0) << entry.path() << ": " << text << "\n" << *error;
      continue;
    }
    if (!sqlite.ok()) continue;
    std::vector<int64_t> expected;
    for (const auto& e : sqlite->entities) expected.push_back(e.id);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(std::get<std::vector<int64_t>>(got), expected) << entry.path() << ": " << text;
    ++ran;
  }
  EXPECT_GT(inputs, 10);
  EXPECT_GT(ran, 5);
}

TEST_F(PostgresFilter, LongChainsRun) {
  MakeWorld();
  std::string chain = "id eq 1";
  for (int i = 0; i < 1500; ++i) chain += " or true eq false";
  odata::FilterLimits limits;
  limits.max_length = 1 << 20;
  limits.max_nodes = 10000;
  auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), chain, limits);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto ids = PostgresIds(EntityKind::kThing, **parsed);
  ASSERT_TRUE(std::holds_alternative<std::vector<int64_t>>(ids)) << std::get<std::string>(ids);
  EXPECT_THAT(std::get<std::vector<int64_t>>(ids), ::testing::ElementsAre(1));
}

}  // namespace
}  // namespace fundament::store::testing
