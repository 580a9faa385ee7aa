// The storage ceiling: what SQLite itself does with Fundament's schema, with
// no HTTP, JSON or group commit in between. bench/run compares the server
// against these numbers. Three subcommands, each printing one JSON object per
// measurement on stdout (notes go to stderr):
//
//   insert  Raw inserts into a fresh database: the schema comes from the
//           store's own migration (store::OpenSqliteStore), then one prepared
//           INSERT adds observations to `--datastreams` datastreams round-robin
//           in transactions of `--batch` rows, on a connection set up like the
//           server's writer (WAL, synchronous=NORMAL, foreign keys, SpatiaLite,
//           as the server's writer opens it). One fresh database per batch size.
//   fill    Adds observations to an existing database that the server
//           created (and has stopped using): `--first-rows` to the first
//           datastream and `--other-rows` to each other one, interleaved as
//           live ingest would write them. This is how bench/run fills the
//           database for the read benchmarks.
//   read    Times the reads of the read benchmarks as hand-written SQL on the
//           database file (the baseline), and the same reads through the
//           store (store::Store::Read: the server's SQL plus decoding rows into
//           entities, without HTTP or JSON output), and prints both queries'
//           plans.
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ceiling_common.h"
#include "model/entity_type.h"
#include "model/time.h"
#include "odata/filter_parser.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/sqlite_dialect.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using fundament::Error;
using fundament::Internal;
using fundament::Result;
using fundament::Status;
using fundament::model::EntityKind;
using fundament::store::sqlite::Connection;
using fundament::store::sqlite::Statement;
using fundament::bench::Clock;
using fundament::bench::ParseList;
using fundament::bench::PrintTiming;
using fundament::bench::SecondsSince;
using fundament::bench::Timing;
using fundament::bench::TimeRepeated;

// Creates the database at `path` the way the server does (WAL, migrations,
// SpatiaLite metadata) and closes it again.
Status CreateWithStoreMigration(const std::string& path) {
  fundament::store::SqliteOptions options;
  options.path = path;
  options.reader_connections = 1;
  FUNDAMENT_ASSIGN_OR_RETURN(auto store, fundament::store::OpenSqliteStore(options));
  return Status::Ok();
}

// A connection with the settings of the server's writer connection.
Result<std::unique_ptr<Connection>> OpenLikeTheWriter(const std::string& path, bool sync_full) {
  fundament::store::sqlite::ConnectionOptions options;
  options.load_spatialite = true;
  options.sync_full = sync_full;
  FUNDAMENT_ASSIGN_OR_RETURN(auto connection, Connection::Open(path, options));
  FUNDAMENT_ASSIGN_OR_RETURN(Statement wal, connection->Prepare("PRAGMA journal_mode = WAL"));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, wal.Step());
  if (!row || wal.ColumnText(0) != "wal") return Internal("cannot switch to WAL mode");
  return connection;
}

// One datastream to write to, with the FeatureOfInterest its observations
// name (the one the server generates from its Thing's Location).
struct Target {
  int64_t datastream;
  std::optional<int64_t> feature;
};

// Creates `count` Things, each with a Location, a FeatureOfInterest and one
// Datastream, as the HTTP benchmarks create them through the API.
Result<std::vector<Target>> CreateDatastreams(Connection& db, int count) {
  std::vector<Target> targets;
  FUNDAMENT_RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
  FUNDAMENT_RETURN_IF_ERROR(db.Execute(
      "INSERT INTO sensor (name, description, encoding_type, metadata) "
      "VALUES ('bench sensor', 'benchmark', 'text/html', 'https://example.org/sensor');"
      "INSERT INTO observed_property (name, definition, description) "
      "VALUES ('Temperature', 'http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/', 'air temperature')"));
  const int64_t sensor = 1, property = 1;
  for (int i = 0; i < count; ++i) {
    const double lon = 10.0 + i * 0.001, lat = 54.3;
    const std::string point = fmt::format(R"({{"type":"Point","coordinates":[{},{}]}})", lon, lat);
    FUNDAMENT_ASSIGN_OR_RETURN(Statement thing, db.Prepare("INSERT INTO thing (name, description) VALUES (?1, ?2)"));
    FUNDAMENT_RETURN_IF_ERROR(thing.BindText(1, fmt::format("bench thing {}", i + 1)));
    FUNDAMENT_RETURN_IF_ERROR(thing.BindText(2, "benchmark"));
    FUNDAMENT_RETURN_IF_ERROR(thing.Run());
    const int64_t thing_id = db.LastInsertId();
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement feature,
        db.Prepare("INSERT INTO feature_of_interest (name, description, encoding_type, feature, geom, "
                   "min_x, min_y, max_x, max_y) VALUES (?1, 'benchmark', 'application/geo+json', ?2, "
                   "SetSRID(GeomFromGeoJSON(?2), 4326), ?3, ?4, ?3, ?4)"));
    FUNDAMENT_RETURN_IF_ERROR(feature.BindText(1, fmt::format("bench place {}", i + 1)));
    FUNDAMENT_RETURN_IF_ERROR(feature.BindText(2, point));
    FUNDAMENT_RETURN_IF_ERROR(feature.BindDouble(3, lon));
    FUNDAMENT_RETURN_IF_ERROR(feature.BindDouble(4, lat));
    FUNDAMENT_RETURN_IF_ERROR(feature.Run());
    const int64_t feature_id = db.LastInsertId();
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement location,
        db.Prepare("INSERT INTO location (name, description, encoding_type, location, geom, generated_feature_id) "
                   "VALUES (?1, 'benchmark', 'application/geo+json', ?2, SetSRID(GeomFromGeoJSON(?2), 4326), ?3)"));
    FUNDAMENT_RETURN_IF_ERROR(location.BindText(1, fmt::format("bench place {}", i + 1)));
    FUNDAMENT_RETURN_IF_ERROR(location.BindText(2, point));
    FUNDAMENT_RETURN_IF_ERROR(location.BindInt(3, feature_id));
    FUNDAMENT_RETURN_IF_ERROR(location.Run());
    const int64_t location_id = db.LastInsertId();
    FUNDAMENT_ASSIGN_OR_RETURN(Statement link,
                               db.Prepare("INSERT INTO thing_location (thing_id, location_id) VALUES (?1, ?2)"));
    FUNDAMENT_RETURN_IF_ERROR(link.BindInt(1, thing_id));
    FUNDAMENT_RETURN_IF_ERROR(link.BindInt(2, location_id));
    FUNDAMENT_RETURN_IF_ERROR(link.Run());
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement datastream,
        db.Prepare("INSERT INTO datastream (name, description, unit, observation_type, thing_id, sensor_id, "
                   "observed_property_id) VALUES (?1, 'benchmark', "
                   "'{\"name\":\"degree Celsius\",\"symbol\":\"degC\",\"definition\":\"http://qudt.org/vocab/unit/DEG_C\"}', "
                   "'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement', ?2, ?3, ?4)"));
    FUNDAMENT_RETURN_IF_ERROR(datastream.BindText(1, fmt::format("bench datastream {}", i + 1)));
    FUNDAMENT_RETURN_IF_ERROR(datastream.BindInt(2, thing_id));
    FUNDAMENT_RETURN_IF_ERROR(datastream.BindInt(3, sensor));
    FUNDAMENT_RETURN_IF_ERROR(datastream.BindInt(4, property));
    FUNDAMENT_RETURN_IF_ERROR(datastream.Run());
    targets.push_back({db.LastInsertId(), feature_id});
  }
  FUNDAMENT_RETURN_IF_ERROR(db.Execute("COMMIT"));
  return targets;
}

// The datastreams of a database the server wrote, each with the
// FeatureOfInterest of one of its observations (none when it has none yet).
Result<std::vector<Target>> ExistingDatastreams(Connection& db) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      db.Prepare("SELECT d.id, (SELECT o.feature_id FROM observation AS o WHERE o.stream = d.id "
                 "AND o.feature_id IS NOT NULL LIMIT 1) FROM datastream AS d ORDER BY d.id"));
  std::vector<Target> targets;
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    targets.push_back({stmt.ColumnInt(0), stmt.ColumnOptionalInt(1)});
  }
  return targets;
}

// Writes observations with one prepared INSERT, `batch` rows per
// transaction. rows_of(i) is how many rows target i gets; rows go to the
// targets round-robin (row k of every target, then row k+1), row k at
// start_us + k * step_us. Results are numbers with two decimals, as the HTTP
// benchmarks send them. Returns the rows written.
template <typename RowsOf>
Result<int64_t> InsertRoundRobin(Connection& db, const std::vector<Target>& targets, RowsOf rows_of, int64_t batch,
                                 int64_t start_us, int64_t step_us) {
  // The clustered table takes its ids from id_sequence (schema.cc), as the
  // store does; the stream column is the Datastream id.
  int64_t next_id = 0;
  {
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement last, db.Prepare("SELECT max((SELECT last FROM id_sequence WHERE name = 'observation'), "
                                   "coalesce((SELECT max(id) FROM observation), 0))"));
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, last.Step());
    if (row) next_id = last.ColumnInt(0);
  }
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO observation (id, stream, datastream_id, feature_id, phenomenon_time_start, "
                 "result_type, result_number) VALUES (?5, ?1, ?1, ?2, ?3, 2, ?4)"));
  FUNDAMENT_ASSIGN_OR_RETURN(Statement record,
                             db.Prepare("UPDATE id_sequence SET last = max(last, ?1) WHERE name = 'observation'"));
  std::mt19937_64 random(20261201);
  std::uniform_int_distribution<int> hundredths(0, 10000);
  int64_t most = 0;
  for (size_t t = 0; t < targets.size(); ++t) most = std::max(most, rows_of(t));
  int64_t written = 0, in_transaction = 0;
  for (int64_t k = 0; k < most; ++k) {
    for (size_t t = 0; t < targets.size(); ++t) {
      if (k >= rows_of(t)) continue;
      if (in_transaction == 0) FUNDAMENT_RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
      sqlite3_reset(insert.raw());
      FUNDAMENT_RETURN_IF_ERROR(insert.BindInt(1, targets[t].datastream));
      if (targets[t].feature) {
        FUNDAMENT_RETURN_IF_ERROR(insert.BindInt(2, *targets[t].feature));
      } else {
        FUNDAMENT_RETURN_IF_ERROR(insert.BindNull(2));
      }
      FUNDAMENT_RETURN_IF_ERROR(insert.BindInt(3, start_us + k * step_us));
      FUNDAMENT_RETURN_IF_ERROR(insert.BindDouble(4, hundredths(random) / 100.0));
      FUNDAMENT_RETURN_IF_ERROR(insert.BindInt(5, ++next_id));
      FUNDAMENT_RETURN_IF_ERROR(insert.Run());
      ++written;
      if (++in_transaction == batch) {
        sqlite3_reset(record.raw());
        FUNDAMENT_RETURN_IF_ERROR(record.BindInt(1, next_id));
        FUNDAMENT_RETURN_IF_ERROR(record.Run());
        FUNDAMENT_RETURN_IF_ERROR(db.Execute("COMMIT"));
        in_transaction = 0;
      }
    }
  }
  if (in_transaction > 0) {
    sqlite3_reset(record.raw());
    FUNDAMENT_RETURN_IF_ERROR(record.BindInt(1, next_id));
    FUNDAMENT_RETURN_IF_ERROR(record.Run());
    FUNDAMENT_RETURN_IF_ERROR(db.Execute("COMMIT"));
  }
  return written;
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

Status RunInsert(const std::string& dir, int64_t rows, const std::vector<int64_t>& batches, int datastreams,
                 bool sync_full, const std::vector<std::string>& pragmas, bool keep) {
  fs::create_directories(dir);
  const int64_t start_us = 1735689600LL * 1000000;  // 2025-01-01T00:00:00Z
  for (int64_t batch : batches) {
    const std::string path = (fs::path(dir) / fmt::format("ceiling-{}.db", batch)).string();
    RemoveDatabase(path);
    FUNDAMENT_RETURN_IF_ERROR(CreateWithStoreMigration(path));
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, OpenLikeTheWriter(path, sync_full));
    FUNDAMENT_ASSIGN_OR_RETURN(auto targets, CreateDatastreams(*db, datastreams));
    std::string pragma_list;
    for (const std::string& pragma : pragmas) {
      // Diagnostic only: settings the server does not make.
      FUNDAMENT_RETURN_IF_ERROR(db->Execute("PRAGMA " + pragma));
      pragma_list += (pragma_list.empty() ? "" : "; ") + pragma;
    }
    const int64_t per_target = (rows + datastreams - 1) / datastreams;
    const auto started = Clock::now();
    FUNDAMENT_ASSIGN_OR_RETURN(
        int64_t written, InsertRoundRobin(*db, targets, [&](size_t) { return per_target; }, batch, start_us,
                                          1000000));
    const double seconds = SecondsSince(started);
    fmt::print(R"({{"mode":"insert","batch":{},"rows":{},"datastreams":{},"synchronous":"{}","pragmas":"{}","seconds":{:.4f},"rows_per_s":{:.0f}}})"
               "\n",
               batch, written, datastreams, sync_full ? "full" : "normal", pragma_list, seconds,
               written / seconds);
    std::fflush(stdout);
    db.reset();
    if (!keep) RemoveDatabase(path);
  }
  return Status::Ok();
}

Status RunFill(const std::string& path, int64_t first_rows, int64_t other_rows, int64_t start_us, int64_t step_us,
               int64_t batch) {
  if (!fs::exists(path)) return Internal(fmt::format("{} does not exist; let the server create it", path));
  FUNDAMENT_ASSIGN_OR_RETURN(auto db, OpenLikeTheWriter(path, false));
  FUNDAMENT_ASSIGN_OR_RETURN(auto targets, ExistingDatastreams(*db));
  if (targets.empty()) return Internal("the database has no datastreams");
  const auto started = Clock::now();
  FUNDAMENT_ASSIGN_OR_RETURN(
      int64_t written,
      InsertRoundRobin(*db, targets, [&](size_t t) { return t == 0 ? first_rows : other_rows; }, batch, start_us,
                       step_us));
  const double seconds = SecondsSince(started);
  // The store keeps each Datastream's phenomenonTime and resultTime as its
  // Observations reach; rows written behind its back need them recomputed.
  FUNDAMENT_RETURN_IF_ERROR(db->Execute(
      "UPDATE datastream SET phenomenon_time_start = s.pts, phenomenon_time_end = s.pte, "
      "result_time_start = s.rts, result_time_end = s.rte FROM (SELECT stream, min(phenomenon_time_start) AS pts, "
      "max(coalesce(phenomenon_time_end, phenomenon_time_start)) AS pte, min(result_time) AS rts, "
      "max(result_time) AS rte FROM observation GROUP BY stream) AS s WHERE datastream.id = s.stream"));
  FUNDAMENT_RETURN_IF_ERROR(db->Execute("PRAGMA wal_checkpoint(TRUNCATE)"));
  fmt::print(R"({{"mode":"fill","datastreams":{},"first_datastream":{},"rows":{},"batch":{},"seconds":{:.4f},"rows_per_s":{:.0f}}})"
             "\n",
             targets.size(), targets.front().datastream, written, batch, seconds, written / seconds);
  return Status::Ok();
}

// Steps through all rows of `stmt`, reading every column as its type asks,
// as a client of the SQLite C API would. Returns the row count.
Result<int64_t> ReadAll(Statement& stmt, uint64_t& checksum) {
  int64_t rows = 0;
  const int columns = stmt.ColumnCount();
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ++rows;
    for (int c = 0; c < columns; ++c) {
      switch (stmt.ColumnType(c)) {
        case SQLITE_INTEGER:
          checksum += static_cast<uint64_t>(stmt.ColumnInt(c));
          break;
        case SQLITE_FLOAT:
          checksum += static_cast<uint64_t>(stmt.ColumnDouble(c) * 100);
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB:
          checksum += stmt.ColumnText(c).size();
          break;
        default:
          break;
      }
    }
  }
  return rows;
}

void PrintPlan(Connection& db, const std::string& label, const std::string& sql) {
  fmt::print(stderr, "-- {}\n{}\n", label, sql);
  auto plan = db.Prepare("EXPLAIN QUERY PLAN " + sql);
  if (!plan.ok()) {
    fmt::print(stderr, "   (no plan: {})\n", plan.error().message);
    return;
  }
  for (;;) {
    auto row = plan->Step();
    if (!row.ok() || !*row) break;
    fmt::print(stderr, "   plan: {}\n", plan->ColumnText(3));
  }
}

// The hand-written SQL of the reads; what someone writing against the
// schema directly would run.
constexpr const char* kObservationColumns =
    "o.id, o.phenomenon_time_start, o.phenomenon_time_end, o.result_time, o.result_type, o.result_number, "
    "o.result_string, o.result_json, o.result_quality, o.valid_time_start, o.valid_time_end, o.parameters, "
    "o.datastream_id, o.multi_datastream_id, o.feature_id";

std::string ScanSql() {
  return fmt::format(
      "SELECT {} FROM observation AS o WHERE o.stream = ?1 AND o.phenomenon_time_start >= ?2 "
      "AND o.phenomenon_time_start < ?3 ORDER BY o.phenomenon_time_start, o.id LIMIT ?4",
      kObservationColumns);
}

std::string LatestSql() {
  return fmt::format(
      "SELECT d.id, d.name, d.description, d.unit, d.observation_type, d.phenomenon_time_start, "
      "d.phenomenon_time_end, d.result_time_start, d.result_time_end, d.min_x, d.min_y, d.max_x, d.max_y, "
      "d.properties, d.thing_id, d.sensor_id, d.observed_property_id, {} "
      "FROM (SELECT * FROM datastream ORDER BY id LIMIT ?1) AS d "
      "LEFT JOIN observation AS o ON o.id = (SELECT l.id FROM observation AS l WHERE l.stream = d.id "
      "ORDER BY l.phenomenon_time_start DESC, l.id DESC LIMIT 1) ORDER BY d.id",
      kObservationColumns);
}

Status RunRead(const std::string& path, int64_t datastream, int64_t from_us, int64_t to_us, int64_t limit,
               int64_t latest, int repeat) {
  if (!fs::exists(path)) return Internal(fmt::format("{} does not exist", path));
  uint64_t checksum = 0;
  {
    fundament::store::sqlite::ConnectionOptions options;
    options.load_spatialite = true;
    options.query_only = true;
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(path, options));

    const std::string scan = ScanSql();
    PrintPlan(*db, "hand-written scan", scan);
    FUNDAMENT_ASSIGN_OR_RETURN(Timing scan_timing, TimeRepeated(repeat, [&]() -> Result<int64_t> {
      FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(scan));
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, datastream));
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(2, from_us));
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(3, to_us));
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(4, limit));
      return ReadAll(stmt, checksum);
    }));
    PrintTiming("scan", "raw_sql", scan_timing);

    const std::string latest_sql = LatestSql();
    PrintPlan(*db, "hand-written latest", latest_sql);
    FUNDAMENT_ASSIGN_OR_RETURN(Timing latest_timing, TimeRepeated(repeat, [&]() -> Result<int64_t> {
      FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, db->Prepare(latest_sql));
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, latest));
      return ReadAll(stmt, checksum);
    }));
    PrintTiming("latest", "raw_sql", latest_timing);
  }

  // The same reads as the server asks the store for them.
  using fundament::store::ReadRequest;
  using fundament::store::RelatedTo;
  const auto& observation_type = fundament::model::TypeOf(EntityKind::kObservation);
  const auto& datastream_type = fundament::model::TypeOf(EntityKind::kDatastream);
  const auto* observations = datastream_type.FindNavigation("Observations");
  const std::string filter_text =
      fmt::format("phenomenonTime ge {} and phenomenonTime lt {}", fundament::model::FormatInstant(from_us),
                  fundament::model::FormatInstant(to_us));
  FUNDAMENT_ASSIGN_OR_RETURN(auto filter, fundament::odata::ParseFilter(observation_type, filter_text));
  ReadRequest scan_request;
  scan_request.kind = EntityKind::kObservation;
  scan_request.related = RelatedTo{EntityKind::kDatastream, datastream, observations};
  scan_request.filter = filter;
  scan_request.limit = limit + 1;  // the server asks for one more to know whether a next page exists

  {
    fundament::store::sqlite::ConnectionOptions options;
    options.load_spatialite = true;
    options.query_only = true;
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(path, options));
    FUNDAMENT_ASSIGN_OR_RETURN(auto query,
                               fundament::store::sqlite::BuildReadQuery(scan_request,
                                                                        fundament::store::sqlite::SqliteSql(true)));
    PrintPlan(*db, fmt::format("server scan ($filter={})", filter_text), query.builder.SelectSql());
    ReadRequest expand_request;
    expand_request.kind = EntityKind::kObservation;
    expand_request.related = RelatedTo{EntityKind::kDatastream, 1, observations};
    expand_request.orderby = {fundament::odata::OrderKey{"phenomenonTime", {}, true}};
    expand_request.limit = 2;
    FUNDAMENT_ASSIGN_OR_RETURN(auto expand_query,
                               fundament::store::sqlite::BuildReadQuery(expand_request,
                                                                        fundament::store::sqlite::SqliteSql(true)));
    PrintPlan(*db, "server latest, one statement rebound per datastream ($expand=Observations($top=1;$orderby=phenomenonTime desc))",
              expand_query.builder.SelectSql());
  }

  fundament::store::SqliteOptions options;
  options.path = path;
  options.reader_connections = 1;
  FUNDAMENT_ASSIGN_OR_RETURN(auto store, fundament::store::OpenSqliteStore(options));
  FUNDAMENT_RETURN_IF_ERROR(
      fundament::bench::TimeStoreReads(*store, scan_request, limit, latest, repeat, checksum));
  fmt::print(stderr, "checksum {}\n", checksum);
  return Status::Ok();
}

int Report(const Status& status) {
  if (status.ok()) return 0;
  fmt::print(stderr, "sqlite_ceiling: {}\n", status.error().message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Raw SQLite on Fundament's schema: the storage ceiling of bench/run"};
  app.require_subcommand(1);

  std::string dir = "ceiling", batches = "1000,10000,100000", sync = "normal";
  int64_t rows = 1000000;
  int datastreams = 100;
  bool keep = false;
  std::vector<std::string> pragmas;
  CLI::App* insert = app.add_subcommand("insert", "raw inserts into fresh databases, one per batch size");
  insert->add_option("--dir", dir, "directory for the databases")->required();
  insert->add_option("--rows", rows, "rows per database")->check(CLI::PositiveNumber);
  insert->add_option("--batch", batches, "rows per transaction, comma-separated sizes");
  insert->add_option("--datastreams", datastreams, "datastreams written round-robin")->check(CLI::PositiveNumber);
  insert->add_option("--synchronous", sync, "normal or full")->check(CLI::IsMember({"normal", "full"}));
  insert->add_flag("--keep", keep, "keep the databases");
  insert->add_option("--pragma", pragmas, "an extra PRAGMA after opening, e.g. temp_store=MEMORY (a diagnostic)");

  std::string db;
  int64_t first_rows = 100000, other_rows = 100, start_us = 1735689600LL * 1000000, step_us = 60000000,
          fill_batch = 100000;
  CLI::App* fill = app.add_subcommand("fill", "add observations to a database the server created");
  fill->add_option("--db", db, "database file (the server must not be running on it)")->required();
  fill->add_option("--first-rows", first_rows, "rows for the first datastream");
  fill->add_option("--other-rows", other_rows, "rows for each other datastream");
  fill->add_option("--start-us", start_us, "phenomenonTime of the first row, microseconds since 1970");
  fill->add_option("--step-us", step_us, "time between a datastream's rows, microseconds");
  fill->add_option("--batch", fill_batch, "rows per transaction")->check(CLI::PositiveNumber);

  int64_t datastream = 1, from_us = 0, to_us = 0, limit = 100000, latest = 1000;
  int repeat = 5;
  CLI::App* read = app.add_subcommand("read", "time the read benchmarks' queries as raw SQL and store reads");
  read->add_option("--db", db, "database file")->required();
  read->add_option("--datastream", datastream, "datastream of the time-range scan");
  read->add_option("--from-us", from_us, "scan from this phenomenonTime (inclusive)")->required();
  read->add_option("--to-us", to_us, "scan to this phenomenonTime (exclusive)")->required();
  read->add_option("--limit", limit, "most rows of the scan");
  read->add_option("--latest", latest, "datastreams of the latest-observation read");
  read->add_option("--repeat", repeat, "timed runs (after one warm-up run)")->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);
  if (*insert) return Report(RunInsert(dir, rows, ParseList(batches), datastreams, sync == "full", pragmas, keep));
  if (*fill) return Report(RunFill(db, first_rows, other_rows, start_us, step_us, fill_batch));
  return Report(RunRead(db, datastream, from_us, to_us, limit, latest, repeat));
}
