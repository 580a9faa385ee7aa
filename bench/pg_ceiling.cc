// The PostgreSQL storage ceiling: what PostgreSQL itself does with
// Fundament's schema, with no HTTP, JSON or store in between. bench/run
// compares the server on `--store postgresql://…` against these numbers.
// Three subcommands, each printing one JSON object per measurement on stdout
// (notes go to stderr):
//
//   insert  Raw inserts into an empty database: the schema comes from the
//           store itself (store::OpenPostgresStore migrates it), then
//           observations go to `--datastreams` datastreams round-robin in
//           transactions of `--batch` rows, once with COPY and once with
//           multi-row INSERT statements, each on an emptied observation
//           table. The rows carry the columns the store writes for a numeric
//           result (write_transaction.cc): stream, datastream_id, feature_id,
//           phenomenon_time_start, result_type and result_number; ids come
//           from the table's sequence as the store's do. A third method,
//           `single`, writes one-row transactions from `--connections`
//           connections at once: the ceiling for single-POST ingest. Each
//           measurement stops at `--rows` or after `--max-seconds`.
//   fill    Adds observations with COPY to a database the server created
//           (and has stopped using): `--first-rows` to the first datastream
//           and `--other-rows` to each other one, interleaved as live ingest
//           would write them, then recomputes the datastreams' time extents.
//           This is how bench/run fills the database for the read benchmarks.
//   read    Times the reads of the read benchmarks as hand-written SQL over
//           libpq (the baseline), and the same reads through the store
//           (store::Store::Read: the server's SQL plus decoding rows into
//           entities, without HTTP or JSON output), and prints the plans
//           of both (EXPLAIN; the server's queries with ANALYZE).
#include <libpq-fe.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "ceiling_common.h"
#include "model/entity_type.h"
#include "model/time.h"
#include "odata/filter_parser.h"
#include "store/postgres/connection.h"
#include "store/postgres/entity_reader.h"
#include "store/postgres/postgres_dialect.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/schema.h"
#include "store/store.h"

namespace {

using fundament::Internal;
using fundament::Result;
using fundament::Status;
using fundament::model::EntityKind;
using fundament::store::postgres::Connection;
using fundament::store::postgres::Rows;
using fundament::store::postgres::SqlValue;
using fundament::bench::Clock;
using fundament::bench::ParseList;
using fundament::bench::PrintTiming;
using fundament::bench::SecondsSince;
using fundament::bench::Timing;
using fundament::bench::TimeRepeated;

// Lets the store create (or migrate) the schema at `url`, then closes it.
Status CreateWithStoreMigration(const std::string& url) {
  fundament::store::PostgresOptions options;
  options.url = url;
  options.connections = 1;
  options.share_changes = false;
  FUNDAMENT_ASSIGN_OR_RETURN(auto store, fundament::store::OpenPostgresStore(options));
  return Status::Ok();
}

// Runs `sql` with text parameters on the raw connection; fails unless the
// result has status `expected`.
Result<PGresult*> Exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params,
                       ExecStatusType expected) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* result = PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                  nullptr, nullptr, 0);
  if (PQresultStatus(result) != expected) {
    std::string message = PQresultErrorMessage(result);
    PQclear(result);
    return Internal(fmt::format("{}: {}", sql.substr(0, 80), message));
  }
  return result;
}

Status Run(PGconn* conn, const std::string& sql) {
  FUNDAMENT_ASSIGN_OR_RETURN(PGresult * result, Exec(conn, sql, {}, PGRES_COMMAND_OK));
  PQclear(result);
  return Status::Ok();
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
  FUNDAMENT_RETURN_IF_ERROR(db.Execute("BEGIN"));
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows sensor, db.Query("INSERT INTO sensor (name, description, encoding_type, metadata) VALUES ('bench sensor', "
                            "'benchmark', 'text/html', '\"https://example.org/sensor\"') RETURNING id",
                            {}));
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows property,
      db.Query("INSERT INTO observed_property (name, definition, description) VALUES ('Temperature', "
               "'http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/', 'air temperature') RETURNING id",
               {}));
  const int64_t sensor_id = sensor.row(0).ColumnInt(0), property_id = property.row(0).ColumnInt(0);
  std::vector<Target> targets;
  for (int i = 0; i < count; ++i) {
    const double lon = 10.0 + i * 0.001, lat = 54.3;
    const std::string point = fmt::format(R"({{"type":"Point","coordinates":[{},{}]}})", lon, lat);
    FUNDAMENT_ASSIGN_OR_RETURN(Rows thing,
                               db.Query("INSERT INTO thing (name, description) VALUES ($1, 'benchmark') RETURNING id",
                                        {SqlValue(fmt::format("bench thing {}", i + 1))}));
    const int64_t thing_id = thing.row(0).ColumnInt(0);
    FUNDAMENT_ASSIGN_OR_RETURN(
        Rows feature,
        db.Query("INSERT INTO feature_of_interest (name, description, encoding_type, feature, geom, min_x, min_y, "
                 "max_x, max_y) VALUES ($1, 'benchmark', 'application/geo+json', $2, "
                 "ST_SetSRID(ST_GeomFromGeoJSON($2), 4326), $3, $4, $3, $4) RETURNING id",
                 {SqlValue(fmt::format("bench place {}", i + 1)), SqlValue(point), SqlValue(lon), SqlValue(lat)}));
    const int64_t feature_id = feature.row(0).ColumnInt(0);
    FUNDAMENT_ASSIGN_OR_RETURN(
        Rows location,
        db.Query("INSERT INTO location (name, description, encoding_type, location, geom, generated_feature_id) "
                 "VALUES ($1, 'benchmark', 'application/geo+json', $2, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326), "
                 "$3) RETURNING id",
                 {SqlValue(fmt::format("bench place {}", i + 1)), SqlValue(point), SqlValue(feature_id)}));
    FUNDAMENT_RETURN_IF_ERROR(db.Query("INSERT INTO thing_location (thing_id, location_id) VALUES ($1, $2)",
                                       {SqlValue(thing_id), SqlValue(location.row(0).ColumnInt(0))})
                                  .status());
    FUNDAMENT_ASSIGN_OR_RETURN(
        Rows datastream,
        db.Query("INSERT INTO datastream (name, description, unit, observation_type, thing_id, sensor_id, "
                 "observed_property_id) VALUES ($1, 'benchmark', "
                 "'{\"name\":\"degree Celsius\",\"symbol\":\"degC\",\"definition\":\"http://qudt.org/vocab/unit/DEG_C\"}', "
                 "'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement', $2, $3, $4) RETURNING id",
                 {SqlValue(fmt::format("bench datastream {}", i + 1)), SqlValue(thing_id), SqlValue(sensor_id),
                  SqlValue(property_id)}));
    targets.push_back({datastream.row(0).ColumnInt(0), feature_id});
  }
  FUNDAMENT_RETURN_IF_ERROR(db.Execute("COMMIT"));
  return targets;
}

// The datastreams of a database the server wrote, each with the
// FeatureOfInterest of one of its observations (none when it has none yet).
Result<std::vector<Target>> ExistingDatastreams(Connection& db) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows, db.Query("SELECT d.id, (SELECT o.feature_id FROM observation AS o WHERE o.stream = d.id "
                          "AND o.feature_id IS NOT NULL LIMIT 1) FROM datastream AS d ORDER BY d.id",
                          {}));
  std::vector<Target> targets;
  for (int i = 0; i < rows.size(); ++i) {
    auto row = rows.row(i);
    targets.push_back({row.ColumnInt(0), row.IsNull(1) ? std::nullopt : std::optional<int64_t>(row.ColumnInt(1))});
  }
  return targets;
}

// Creates the monthly partitions that rows from `start_us` to `end_us` fall
// in, as the store does when a write reaches a new month.
Status EnsurePartitions(Connection& db, int64_t start_us, int64_t end_us) {
  auto month = fundament::store::postgres::MonthOf(start_us);
  for (int i = 0; i < 1200 && month.Start() <= end_us; ++i, month = month.Next()) {
    FUNDAMENT_RETURN_IF_ERROR(fundament::store::postgres::EnsurePartition(db, month));
  }
  return Status::Ok();
}

// One observation row as the store writes a numeric result.
struct Row {
  const Target* target;
  int64_t phenomenon_time;
  double result;
};

// Hands the rows to `write` in transactions of `batch` rows: rows_of(i) rows
// for target i, round-robin (row k of every target, then row k+1), row k at
// start_us + k * step_us, results numbers with two decimals as the HTTP
// benchmarks send them. `write` gets one transaction's rows. No transaction
// starts after `deadline`. Returns the rows written.
template <typename RowsOf, typename Write>
Result<int64_t> WriteRoundRobin(PGconn* conn, const std::vector<Target>& targets, RowsOf rows_of, int64_t batch,
                                int64_t start_us, int64_t step_us, Clock::time_point deadline, Write write) {
  std::mt19937_64 random(20261201);
  std::uniform_int_distribution<int> hundredths(0, 10000);
  int64_t most = 0;
  for (size_t t = 0; t < targets.size(); ++t) most = std::max(most, rows_of(t));
  std::vector<Row> pending;
  pending.reserve(static_cast<size_t>(batch));
  int64_t written = 0;
  auto commit = [&]() -> Status {
    FUNDAMENT_RETURN_IF_ERROR(Run(conn, "BEGIN"));
    FUNDAMENT_RETURN_IF_ERROR(write(pending));
    FUNDAMENT_RETURN_IF_ERROR(Run(conn, "COMMIT"));
    written += static_cast<int64_t>(pending.size());
    pending.clear();
    return Status::Ok();
  };
  for (int64_t k = 0; k < most && Clock::now() < deadline; ++k) {
    for (size_t t = 0; t < targets.size(); ++t) {
      if (k >= rows_of(t)) continue;
      pending.push_back({&targets[t], start_us + k * step_us, hundredths(random) / 100.0});
      if (static_cast<int64_t>(pending.size()) == batch) FUNDAMENT_RETURN_IF_ERROR(commit());
    }
  }
  if (!pending.empty() && Clock::now() < deadline) FUNDAMENT_RETURN_IF_ERROR(commit());
  return written;
}

constexpr const char* kInsertColumns =
    "stream, datastream_id, feature_id, phenomenon_time_start, result_type, result_number";

// COPY … FROM STDIN in text format: one line per row, tab-separated, \N
// for NULL.
Status CopyRows(PGconn* conn, const std::vector<Row>& rows) {
  FUNDAMENT_ASSIGN_OR_RETURN(PGresult * started,
                             Exec(conn, fmt::format("COPY observation ({}) FROM STDIN", kInsertColumns), {},
                                  PGRES_COPY_IN));
  PQclear(started);
  std::string buffer;
  auto flush = [&]() -> Status {
    if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      return Internal(fmt::format("COPY: {}", PQerrorMessage(conn)));
    }
    buffer.clear();
    return Status::Ok();
  };
  for (const Row& row : rows) {
    const int64_t id = row.target->datastream;
    if (row.target->feature) {
      fmt::format_to(std::back_inserter(buffer), "{}\t{}\t{}\t{}\t2\t{}\n", id, id, *row.target->feature,
                     row.phenomenon_time, row.result);
    } else {
      fmt::format_to(std::back_inserter(buffer), "{}\t{}\t\\N\t{}\t2\t{}\n", id, id, row.phenomenon_time,
                     row.result);
    }
    if (buffer.size() >= 256 * 1024) FUNDAMENT_RETURN_IF_ERROR(flush());
  }
  if (!buffer.empty()) FUNDAMENT_RETURN_IF_ERROR(flush());
  if (PQputCopyEnd(conn, nullptr) != 1) return Internal(fmt::format("COPY end: {}", PQerrorMessage(conn)));
  PGresult* result = PQgetResult(conn);
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = ok ? "" : PQresultErrorMessage(result);
  PQclear(result);
  while ((result = PQgetResult(conn)) != nullptr) PQclear(result);
  if (!ok) return Internal(fmt::format("COPY: {}", message));
  return Status::Ok();
}

// Multi-row INSERT: statements of up to kRowsPerInsert rows, each with its
// values as text parameters (six per row, well below libpq's 65535).
constexpr size_t kRowsPerInsert = 1000;

std::string InsertSql(size_t rows) {
  std::string sql = fmt::format("INSERT INTO observation ({}) VALUES ", kInsertColumns);
  for (size_t r = 0; r < rows; ++r) {
    const size_t p = r * 6;
    fmt::format_to(std::back_inserter(sql), "{}(${}::int8, ${}::int8, ${}::int8, ${}::int8, ${}::int2, ${}::float8)",
                   r == 0 ? "" : ", ", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6);
  }
  return sql;
}

Status InsertRows(PGconn* conn, const std::vector<Row>& rows) {
  std::vector<std::string> params;
  for (size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
    const size_t count = std::min(kRowsPerInsert, rows.size() - first);
    params.clear();
    for (size_t r = first; r < first + count; ++r) {
      const int64_t id = rows[r].target->datastream;
      params.push_back(std::to_string(id));
      params.push_back(std::to_string(id));
      params.push_back(rows[r].target->feature ? std::to_string(*rows[r].target->feature) : std::string());
      params.push_back(std::to_string(rows[r].phenomenon_time));
      params.push_back("2");
      params.push_back(fmt::format("{}", rows[r].result));
    }
    std::vector<const char*> values;
    for (size_t i = 0; i < params.size(); ++i) {
      // The feature is the third value of each row; empty means NULL.
      values.push_back(i % 6 == 2 && params[i].empty() ? nullptr : params[i].c_str());
    }
    const std::string sql = InsertSql(count);
    PGresult* result = PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                    nullptr, nullptr, 0);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    std::string message = ok ? "" : PQresultErrorMessage(result);
    PQclear(result);
    if (!ok) return Internal(fmt::format("INSERT: {}", message));
  }
  return Status::Ok();
}

// One-row transactions (a single INSERT in autocommit, prepared once) from
// `connections` connections at once, as many as the server's pool has:
// connection j writes the targets t with t % connections == j, round-robin.
// Each stops after `rows` / `connections` rows or at `deadline`. Returns the
// rows written.
Result<int64_t> InsertSingleRows(const std::string& url, const std::vector<Target>& targets, int connections,
                                 int64_t rows, int64_t start_us, int64_t step_us, Clock::time_point deadline) {
  std::vector<std::unique_ptr<Connection>> open;
  for (int j = 0; j < connections; ++j) {
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
    const std::string sql = fmt::format(
        "INSERT INTO observation ({}) VALUES ($1::int8, $1::int8, $2::int8, $3::int8, 2, $4::float8)",
        kInsertColumns);
    PGresult* prepared = PQprepare(db->raw(), "single", sql.c_str(), 4, nullptr);
    const bool ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
    PQclear(prepared);
    if (!ok) return Internal(fmt::format("PREPARE: {}", PQerrorMessage(db->raw())));
    open.push_back(std::move(db));
  }
  std::vector<int64_t> written(static_cast<size_t>(connections), 0);
  std::vector<std::string> failures(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  const int64_t per_connection = (rows + connections - 1) / connections;
  for (int j = 0; j < connections; ++j) {
    threads.emplace_back([&, j] {
      PGconn* conn = open[static_cast<size_t>(j)]->raw();
      std::vector<const Target*> mine;
      for (size_t t = static_cast<size_t>(j); t < targets.size(); t += static_cast<size_t>(connections)) {
        mine.push_back(&targets[t]);
      }
      if (mine.empty()) return;
      std::mt19937_64 random(20261201 + static_cast<uint64_t>(j));
      std::uniform_int_distribution<int> hundredths(0, 10000);
      int64_t& count = written[static_cast<size_t>(j)];
      while (count < per_connection && Clock::now() < deadline) {
        const Target& target = *mine[static_cast<size_t>(count) % mine.size()];
        const int64_t k = count / static_cast<int64_t>(mine.size());
        const std::string stream = std::to_string(target.datastream);
        const std::string feature = target.feature ? std::to_string(*target.feature) : std::string();
        const std::string time = std::to_string(start_us + k * step_us);
        const std::string result = fmt::format("{}", hundredths(random) / 100.0);
        const char* values[] = {stream.c_str(), target.feature ? feature.c_str() : nullptr, time.c_str(),
                                result.c_str()};
        PGresult* inserted = PQexecPrepared(conn, "single", 4, values, nullptr, nullptr, 0);
        const bool ok = PQresultStatus(inserted) == PGRES_COMMAND_OK;
        if (!ok) failures[static_cast<size_t>(j)] = PQresultErrorMessage(inserted);
        PQclear(inserted);
        if (!ok) return;
        ++count;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  int64_t total = 0;
  for (int j = 0; j < connections; ++j) {
    if (!failures[static_cast<size_t>(j)].empty()) {
      return Internal(fmt::format("INSERT: {}", failures[static_cast<size_t>(j)]));
    }
    total += written[static_cast<size_t>(j)];
  }
  return total;
}

Status RunInsert(const std::string& url, int64_t rows, const std::vector<int64_t>& batches, int datastreams,
                 const std::vector<std::string>& methods, int connections, double max_seconds) {
  FUNDAMENT_RETURN_IF_ERROR(CreateWithStoreMigration(url));
  FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
  FUNDAMENT_ASSIGN_OR_RETURN(auto targets, CreateDatastreams(*db, datastreams));
  const int64_t start_us = 1735689600LL * 1000000;  // 2025-01-01T00:00:00Z
  const int64_t step_us = 1000000;
  const int64_t per_target = (rows + datastreams - 1) / datastreams;
  FUNDAMENT_RETURN_IF_ERROR(EnsurePartitions(*db, start_us, start_us + per_target * step_us));
  PGconn* conn = db->raw();
  for (const std::string& method : methods) {
    // One-row transactions have no batch size of their own.
    const std::vector<int64_t> sizes = method == "single" ? std::vector<int64_t>{1} : batches;
    for (int64_t batch : sizes) {
      // Each measurement starts from an empty, vacuumed table.
      FUNDAMENT_RETURN_IF_ERROR(Run(conn, "TRUNCATE observation"));
      FUNDAMENT_RETURN_IF_ERROR(Run(conn, "VACUUM ANALYZE observation"));
      FUNDAMENT_RETURN_IF_ERROR(Run(conn, "CHECKPOINT"));
      const auto started = Clock::now();
      const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(max_seconds));
      auto per = [&](size_t) { return per_target; };
      Result<int64_t> written = Internal("no method");
      if (method == "copy") {
        written = WriteRoundRobin(conn, targets, per, batch, start_us, step_us, deadline,
                                  [&](const auto& pending) { return CopyRows(conn, pending); });
      } else if (method == "insert") {
        written = WriteRoundRobin(conn, targets, per, batch, start_us, step_us, deadline,
                                  [&](const auto& pending) { return InsertRows(conn, pending); });
      } else {
        written = InsertSingleRows(url, targets, connections, rows, start_us, step_us, deadline);
      }
      if (!written.ok()) return written.status();
      const double seconds = SecondsSince(started);
      const int streams = method == "single" ? connections : 1;
      fmt::print(R"({{"mode":"insert","method":"{}","batch":{},"connections":{},"rows":{},"datastreams":{},"seconds":{:.4f},"rows_per_s":{:.0f}}})"
                 "\n",
                 method, batch, streams, *written, datastreams, seconds, *written / seconds);
      std::fflush(stdout);
    }
  }
  return Run(conn, "TRUNCATE observation");
}

Status RunFill(const std::string& url, int64_t first_rows, int64_t other_rows, int64_t start_us, int64_t step_us,
               int64_t batch) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
  FUNDAMENT_ASSIGN_OR_RETURN(auto targets, ExistingDatastreams(*db));
  if (targets.empty()) return Internal("the database has no datastreams");
  FUNDAMENT_RETURN_IF_ERROR(
      EnsurePartitions(*db, start_us, start_us + std::max(first_rows, other_rows) * step_us));
  PGconn* conn = db->raw();
  const auto started = Clock::now();
  FUNDAMENT_ASSIGN_OR_RETURN(
      int64_t written,
      WriteRoundRobin(conn, targets, [&](size_t t) { return t == 0 ? first_rows : other_rows; }, batch, start_us,
                      step_us, Clock::time_point::max(), [&](const auto& pending) { return CopyRows(conn, pending); }));
  const double seconds = SecondsSince(started);
  // The store keeps each Datastream's phenomenonTime and resultTime as its
  // Observations reach; rows written behind its back need them recomputed.
  FUNDAMENT_RETURN_IF_ERROR(Run(
      conn,
      "UPDATE datastream SET phenomenon_time_start = s.pts, phenomenon_time_end = s.pte, "
      "result_time_start = s.rts, result_time_end = s.rte FROM (SELECT stream, min(phenomenon_time_start) AS pts, "
      "max(coalesce(phenomenon_time_end, phenomenon_time_start)) AS pte, min(result_time) AS rts, "
      "max(result_time) AS rte FROM observation GROUP BY stream) AS s WHERE datastream.id = s.stream"));
  FUNDAMENT_RETURN_IF_ERROR(Run(conn, "VACUUM ANALYZE"));
  fmt::print(R"({{"mode":"fill","datastreams":{},"first_datastream":{},"rows":{},"batch":{},"seconds":{:.4f},"rows_per_s":{:.0f}}})"
             "\n",
             targets.size(), targets.front().datastream, written, batch, seconds, written / seconds);
  return Status::Ok();
}

// Runs a query and touches every value of every row, as a libpq client
// reading text results would. Returns the row count.
Result<int64_t> ReadAll(PGconn* conn, const std::string& sql, const std::vector<std::string>& params,
                        uint64_t& checksum) {
  FUNDAMENT_ASSIGN_OR_RETURN(PGresult * result, Exec(conn, sql, params, PGRES_TUPLES_OK));
  const int rows = PQntuples(result), columns = PQnfields(result);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      if (!PQgetisnull(result, r, c)) checksum += static_cast<uint64_t>(PQgetlength(result, r, c));
    }
  }
  PQclear(result);
  return rows;
}

// The hand-written SQL of the reads; what someone writing against the
// schema directly would run.
constexpr const char* kObservationColumns =
    "o.id, o.phenomenon_time_start, o.phenomenon_time_end, o.result_time, o.result_type, o.result_number, "
    "o.result_string, o.result_json, o.result_quality, o.valid_time_start, o.valid_time_end, o.parameters, "
    "o.datastream_id, o.multi_datastream_id, o.feature_id";

std::string ScanSql() {
  return fmt::format(
      "SELECT {} FROM observation AS o WHERE o.stream = $1::int8 AND o.phenomenon_time_start >= $2::int8 "
      "AND o.phenomenon_time_start < $3::int8 ORDER BY o.phenomenon_time_start, o.id LIMIT $4::int8",
      kObservationColumns);
}

std::string LatestSql() {
  return fmt::format(
      "SELECT d.id, d.name, d.description, d.unit, d.observation_type, d.phenomenon_time_start, "
      "d.phenomenon_time_end, d.result_time_start, d.result_time_end, d.min_x, d.min_y, d.max_x, d.max_y, "
      "d.properties, d.thing_id, d.sensor_id, d.observed_property_id, {} "
      "FROM (SELECT * FROM datastream ORDER BY id LIMIT $1::int8) AS d "
      "LEFT JOIN LATERAL (SELECT * FROM observation AS l WHERE l.stream = d.id "
      "ORDER BY l.phenomenon_time_start DESC, l.id DESC LIMIT 1) AS o ON true ORDER BY d.id",
      kObservationColumns);
}

void PrintPlan(PGconn* conn, const std::string& label, const std::string& sql,
               const std::vector<std::string>& params) {
  fmt::print(stderr, "-- {}\n{}\n", label, sql);
  auto plan = Exec(conn, "EXPLAIN " + sql, params, PGRES_TUPLES_OK);
  if (!plan.ok()) {
    fmt::print(stderr, "   (no plan: {})\n", plan.error().message);
    return;
  }
  for (int r = 0; r < PQntuples(*plan); ++r) fmt::print(stderr, "   plan: {}\n", PQgetvalue(*plan, r, 0));
  PQclear(*plan);
}

Status RunRead(const std::string& url, int64_t datastream, int64_t from_us, int64_t to_us, int64_t limit,
               int64_t latest, int repeat) {
  uint64_t checksum = 0;
  {
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
    PGconn* conn = db->raw();
    const std::vector<std::string> scan_params = {std::to_string(datastream), std::to_string(from_us),
                                                  std::to_string(to_us), std::to_string(limit)};
    const std::string scan = ScanSql();
    PrintPlan(conn, "hand-written scan", scan, scan_params);
    FUNDAMENT_ASSIGN_OR_RETURN(Timing scan_timing, TimeRepeated(repeat, [&]() {
      return ReadAll(conn, scan, scan_params, checksum);
    }));
    PrintTiming("scan", "raw_sql", scan_timing);

    const std::vector<std::string> latest_params = {std::to_string(latest)};
    const std::string latest_sql = LatestSql();
    PrintPlan(conn, "hand-written latest", latest_sql, latest_params);
    FUNDAMENT_ASSIGN_OR_RETURN(Timing latest_timing, TimeRepeated(repeat, [&]() {
      return ReadAll(conn, latest_sql, latest_params, checksum);
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
    // The server's own SQL for both reads, run once each under EXPLAIN
    // ANALYZE (the newest-of-each read is one grouped query over the first
    // `latest` Datastreams).
    FUNDAMENT_ASSIGN_OR_RETURN(auto db, Connection::Open(url));
    FUNDAMENT_ASSIGN_OR_RETURN(auto scan_query, fundament::store::postgres::BuildReadQuery(
                                                    scan_request, fundament::store::postgres::PostgresSql()));
    fundament::store::RelatedReadRequest newest;
    newest.kind = EntityKind::kObservation;
    newest.parent_kind = EntityKind::kDatastream;
    newest.navigation = observations;
    newest.orderby = {fundament::odata::OrderKey{"phenomenonTime", {}, true}};
    newest.limit = 2;
    FUNDAMENT_ASSIGN_OR_RETURN(auto ids, db->Query("SELECT id FROM datastream ORDER BY id LIMIT $1", {latest}));
    for (int r = 0; r < ids.size(); ++r) newest.parent_ids.push_back(ids.row(r).ColumnInt(0));
    FUNDAMENT_ASSIGN_OR_RETURN(auto newest_query, fundament::store::postgres::BuildRelatedRowsQuery(
                                                      newest, newest.parent_ids,
                                                      fundament::store::postgres::PostgresSql()));
    const std::tuple<std::string, std::string, const std::vector<fundament::store::SqlValue>*> reads[] = {
        {fmt::format("server scan ($filter={})", filter_text), scan_query.builder.SelectSql(),
         &scan_query.builder.parameters()},
        {"server latest, grouped ($expand=Observations($top=1;$orderby=phenomenonTime desc))", newest_query.sql,
         &newest_query.query.builder.parameters()}};
    for (const auto& [label, sql, parameters] : reads) {
      fmt::print(stderr, "-- {}\n{}\n", label, sql);
      auto plan = db->Query("EXPLAIN (ANALYZE, BUFFERS) " + sql, *parameters);
      if (!plan.ok()) {
        fmt::print(stderr, "   (no plan: {})\n", plan.error().message);
        continue;
      }
      for (int r = 0; r < plan->size(); ++r) fmt::print(stderr, "   plan: {}\n", plan->row(r).ColumnText(0));
    }
  }

  fundament::store::PostgresOptions options;
  options.url = url;
  options.connections = 1;
  options.share_changes = false;
  FUNDAMENT_ASSIGN_OR_RETURN(auto store, fundament::store::OpenPostgresStore(options));
  FUNDAMENT_RETURN_IF_ERROR(
      fundament::bench::TimeStoreReads(*store, scan_request, limit, latest, repeat, checksum));
  fmt::print(stderr, "checksum {}\n", checksum);
  return Status::Ok();
}

int Report(const Status& status) {
  if (status.ok()) return 0;
  fmt::print(stderr, "pg_ceiling: {}\n", status.error().message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Raw PostgreSQL on Fundament's schema: the storage ceiling of bench/run"};
  app.require_subcommand(1);

  std::string url, batches = "1000,10000,100000";
  int64_t rows = 1000000;
  int datastreams = 100;
  std::vector<std::string> methods = {"copy", "insert", "single"};
  int connections = 8;
  double max_seconds = 60;
  CLI::App* insert = app.add_subcommand("insert", "raw COPY and multi-row INSERT into an empty database");
  insert->add_option("--url", url, "an empty database (postgresql://…); the store creates the schema")->required();
  insert->add_option("--rows", rows, "rows per measurement")->check(CLI::PositiveNumber);
  insert->add_option("--batch", batches, "rows per transaction, comma-separated sizes");
  insert->add_option("--datastreams", datastreams, "datastreams written round-robin")->check(CLI::PositiveNumber);
  insert->add_option("--method", methods, "copy, insert (multi-row) and/or single (one-row transactions)")
      ->check(CLI::IsMember({"copy", "insert", "single"}));
  insert->add_option("--connections", connections, "connections of the single method (the server's pool: 8)")
      ->check(CLI::PositiveNumber);
  insert->add_option("--max-seconds", max_seconds, "no transaction starts later in a measurement")
      ->check(CLI::PositiveNumber);

  int64_t first_rows = 100000, other_rows = 100, start_us = 1735689600LL * 1000000, step_us = 60000000,
          fill_batch = 100000;
  CLI::App* fill = app.add_subcommand("fill", "add observations to a database the server created");
  fill->add_option("--url", url, "database (the server must not be running on it)")->required();
  fill->add_option("--first-rows", first_rows, "rows for the first datastream");
  fill->add_option("--other-rows", other_rows, "rows for each other datastream");
  fill->add_option("--start-us", start_us, "phenomenonTime of the first row, microseconds since 1970");
  fill->add_option("--step-us", step_us, "time between a datastream's rows, microseconds");
  fill->add_option("--batch", fill_batch, "rows per transaction")->check(CLI::PositiveNumber);

  int64_t datastream = 1, from_us = 0, to_us = 0, limit = 100000, latest = 1000;
  int repeat = 5;
  CLI::App* read = app.add_subcommand("read", "time the read benchmarks' queries as raw SQL and store reads");
  read->add_option("--url", url, "database")->required();
  read->add_option("--datastream", datastream, "datastream of the time-range scan");
  read->add_option("--from-us", from_us, "scan from this phenomenonTime (inclusive)")->required();
  read->add_option("--to-us", to_us, "scan to this phenomenonTime (exclusive)")->required();
  read->add_option("--limit", limit, "most rows of the scan");
  read->add_option("--latest", latest, "datastreams of the latest-observation read");
  read->add_option("--repeat", repeat, "timed runs (after one warm-up run)")->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);
  if (*insert) {
    return Report(RunInsert(url, rows, ParseList(batches), datastreams, methods, connections, max_seconds));
  }
  if (*fill) return Report(RunFill(url, first_rows, other_rows, start_us, step_us, fill_batch));
  return Report(RunRead(url, datastream, from_us, to_us, limit, latest, repeat));
}
