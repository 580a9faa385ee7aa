#include "store/postgres/schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/postgres/postgres_dialect.h"

namespace fundament::store::postgres {
namespace {

// Keys of the advisory locks (pg_advisory_xact_lock): any two fixed numbers
// no other program on the database uses.
constexpr int64_t kMigrationLock = 0x46554e44414d0001;  // "FUNDAM" 1
constexpr int64_t kPartitionLock = 0x46554e44414d0002;

// Migration 1: the whole SensorThings 1.1 schema, laid out as the SQLite one
// (store/sqlite/schema.cc) with PostgreSQL types: instants are bigint
// microseconds since the epoch, JSON is jsonb, GeoJSON is kept as text
// (exactly as given) beside a PostGIS geometry in EPSG:4326, ids come from
// identity columns and sequences and are never given out twice.
//
// Every to-one navigation is a foreign key whose ON DELETE CASCADE realises
// the integrity rules of OGC 18-088 §10.4; the two cascades running through
// link tables (Location → HistoricalLocations, ObservedProperty →
// MultiDatastreams) and the deletion of a (Multi)Datastream's Observations
// are triggers, as in the SQLite schema.
//
// Observations are partitioned by RANGE of phenomenon_time_start (monthly
// partitions, created by EnsurePartition), so that retention can drop whole
// months. The primary key (stream, phenomenon_time_start, id) serves the
// time series of one Datastream (`stream` is the Datastream id or the
// negated MultiDatastream id) and includes the partition key, as PostgreSQL
// requires. Ids are unique by the sequence; an index per partition finds them.
// Result numbers are double precision (the dialect computes on them as
// such); integer results beyond ±2^53, which a double cannot hold exactly,
// are kept as JSON (write_transaction.cc).
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE thing (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  properties jsonb
);

CREATE TABLE feature_of_interest (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  encoding_type text NOT NULL,
  feature text NOT NULL,
  geom geometry(Geometry, 4326),
  min_x double precision, min_y double precision, max_x double precision, max_y double precision,
  properties jsonb
);
CREATE INDEX feature_of_interest_geom ON feature_of_interest USING gist (geom);

CREATE TABLE location (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  encoding_type text NOT NULL,
  location text NOT NULL,
  geom geometry(Geometry, 4326),
  properties jsonb,
  generated_feature_id bigint REFERENCES feature_of_interest(id) ON DELETE SET NULL
);
CREATE INDEX location_generated_feature ON location(generated_feature_id);
CREATE INDEX location_geom ON location USING gist (geom);

CREATE TABLE thing_location (
  thing_id bigint NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  location_id bigint NOT NULL REFERENCES location(id) ON DELETE CASCADE,
  PRIMARY KEY (thing_id, location_id)
);
CREATE INDEX thing_location_location ON thing_location(location_id, thing_id);

CREATE TABLE historical_location (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thing_id bigint NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  time bigint NOT NULL
);
CREATE INDEX historical_location_thing ON historical_location(thing_id, time);

CREATE TABLE historical_location_location (
  historical_location_id bigint NOT NULL REFERENCES historical_location(id) ON DELETE CASCADE,
  location_id bigint NOT NULL REFERENCES location(id) ON DELETE CASCADE,
  PRIMARY KEY (historical_location_id, location_id)
);
CREATE INDEX historical_location_location_location
  ON historical_location_location(location_id, historical_location_id);

-- Runs before the Location row goes, while its link rows still say which
-- HistoricalLocations it belongs to.
CREATE FUNCTION location_deletes_historical_locations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM historical_location WHERE id IN
    (SELECT historical_location_id FROM historical_location_location WHERE location_id = OLD.id);
  RETURN OLD;
END $$;
CREATE TRIGGER location_deletes_historical_locations BEFORE DELETE ON location
  FOR EACH ROW EXECUTE FUNCTION location_deletes_historical_locations();

CREATE TABLE sensor (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  encoding_type text NOT NULL,
  metadata jsonb NOT NULL,
  properties jsonb
);

CREATE TABLE observed_property (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  definition text NOT NULL,
  description text NOT NULL,
  properties jsonb
);

CREATE TABLE datastream (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  unit jsonb NOT NULL,
  observation_type text NOT NULL,
  phenomenon_time_start bigint, phenomenon_time_end bigint,
  result_time_start bigint, result_time_end bigint,
  min_x double precision, min_y double precision, max_x double precision, max_y double precision,
  properties jsonb,
  thing_id bigint NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  sensor_id bigint NOT NULL REFERENCES sensor(id) ON DELETE CASCADE,
  observed_property_id bigint NOT NULL REFERENCES observed_property(id) ON DELETE CASCADE
);
CREATE INDEX datastream_thing ON datastream(thing_id);
CREATE INDEX datastream_sensor ON datastream(sensor_id);
CREATE INDEX datastream_observed_property ON datastream(observed_property_id);

CREATE TABLE multi_datastream (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  unit_of_measurements jsonb NOT NULL,
  observation_type text NOT NULL,
  multi_observation_data_types jsonb NOT NULL,
  phenomenon_time_start bigint, phenomenon_time_end bigint,
  result_time_start bigint, result_time_end bigint,
  min_x double precision, min_y double precision, max_x double precision, max_y double precision,
  properties jsonb,
  thing_id bigint NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  sensor_id bigint NOT NULL REFERENCES sensor(id) ON DELETE CASCADE
);
CREATE INDEX multi_datastream_thing ON multi_datastream(thing_id);
CREATE INDEX multi_datastream_sensor ON multi_datastream(sensor_id);

-- position keeps the order of the ObservedProperties, which matches the
-- order of unitOfMeasurements and multiObservationDataTypes.
CREATE TABLE multi_datastream_observed_property (
  multi_datastream_id bigint NOT NULL REFERENCES multi_datastream(id) ON DELETE CASCADE,
  observed_property_id bigint NOT NULL REFERENCES observed_property(id) ON DELETE CASCADE,
  position integer NOT NULL,
  PRIMARY KEY (multi_datastream_id, observed_property_id)
);
CREATE INDEX multi_datastream_observed_property_reverse
  ON multi_datastream_observed_property(observed_property_id, multi_datastream_id);

CREATE FUNCTION observed_property_deletes_multi_datastreams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM multi_datastream WHERE id IN
    (SELECT multi_datastream_id FROM multi_datastream_observed_property WHERE observed_property_id = OLD.id);
  RETURN OLD;
END $$;
CREATE TRIGGER observed_property_deletes_multi_datastreams BEFORE DELETE ON observed_property
  FOR EACH ROW EXECUTE FUNCTION observed_property_deletes_multi_datastreams();

CREATE SEQUENCE observation_id AS bigint;
CREATE TABLE observation (
  id bigint NOT NULL DEFAULT nextval('observation_id'),
  stream bigint NOT NULL,
  datastream_id bigint,
  multi_datastream_id bigint,
  feature_id bigint REFERENCES feature_of_interest(id) ON DELETE CASCADE,
  phenomenon_time_start bigint NOT NULL,
  phenomenon_time_end bigint,
  result_time bigint,
  result_type smallint NOT NULL,
  result_number double precision,
  result_string text,
  result_json jsonb,
  result_quality jsonb,
  valid_time_start bigint,
  valid_time_end bigint,
  parameters jsonb,
  PRIMARY KEY (stream, phenomenon_time_start, id),
  CHECK ((datastream_id IS NULL) <> (multi_datastream_id IS NULL)),
  CHECK (stream = coalesce(datastream_id, -multi_datastream_id))
) PARTITION BY RANGE (phenomenon_time_start);
ALTER SEQUENCE observation_id OWNED BY observation.id;
CREATE INDEX observation_by_id ON observation(id);
CREATE INDEX observation_feature ON observation(feature_id);

CREATE FUNCTION datastream_deletes_observations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM observation WHERE stream = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER datastream_deletes_observations AFTER DELETE ON datastream
  FOR EACH ROW EXECUTE FUNCTION datastream_deletes_observations();
CREATE FUNCTION multi_datastream_deletes_observations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM observation WHERE stream = -OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER multi_datastream_deletes_observations AFTER DELETE ON multi_datastream
  FOR EACH ROW EXECUTE FUNCTION multi_datastream_deletes_observations();
)sql";

struct Migration {
  int version;
  std::string_view sql;
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kMigration1},
  };
  return migrations;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

Status MigrateLocked(Connection& connection) {
  FUNDAMENT_RETURN_IF_ERROR(connection.Execute(
      "CREATE EXTENSION IF NOT EXISTS postgis; "
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
      "applied_at timestamptz NOT NULL DEFAULT now())"));
  FUNDAMENT_ASSIGN_OR_RETURN(Rows current,
                             connection.Query("SELECT coalesce(max(version), 0) FROM schema_migrations", {}));
  const int64_t version = current.row(0).ColumnInt(0);
  if (version > LatestSchemaVersion()) {
    return Internal(fmt::format("the database has schema version {}, newer than the newest this program knows "
                                "({}); use a newer program",
                                version, LatestSchemaVersion()));
  }
  for (const Migration& migration : Migrations()) {
    if (migration.version <= version) continue;
    Status applied = connection.Execute(migration.sql);
    if (!applied.ok()) {
      Error error = applied.error();
      error.message = fmt::format("schema migration {} failed: {}", migration.version, error.message);
      return error;
    }
    FUNDAMENT_RETURN_IF_ERROR(connection
                                  .Query("INSERT INTO schema_migrations (version) VALUES ($1)",
                                         {SqlValue(int64_t{migration.version})})
                                  .status());
    spdlog::info("store: applied PostgreSQL schema migration {}", migration.version);
  }
  // The functions the dialect's SQL calls, in the version of this program
  // (CREATE OR REPLACE: a newer node brings its own).
  return connection.Execute(postgres::PostgresSqlFunctions());
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

Status Migrate(Connection& connection) {
  FUNDAMENT_RETURN_IF_ERROR(connection.Execute("BEGIN"));
  Status migrated = connection
                        .Query("SELECT pg_advisory_xact_lock($1)", {SqlValue(kMigrationLock)})
                        .status();
  if (migrated.ok()) migrated = MigrateLocked(connection);
  if (!migrated.ok()) {
    Status rollback = connection.Execute("ROLLBACK");
    if (!rollback.ok()) spdlog::error("store: rollback after a failed migration: {}", rollback.error().message);
    return migrated;
  }
  return connection.Execute("COMMIT");
}

Result<std::vector<int>> AppliedMigrations(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(Rows rows,
                             connection.Query("SELECT version FROM schema_migrations ORDER BY version", {}));
  std::vector<int> versions;
  for (int i = 0; i < rows.size(); ++i) versions.push_back(static_cast<int>(rows.row(i).ColumnInt(0)));
  return versions;
}

std::string MonthPartition::Name() const { return fmt::format("observation_y{:04d}m{:02d}", year, month); }

int64_t MonthPartition::Start() const {
  return DaysFromCivil(year, static_cast<unsigned>(month), 1) * kMicrosPerDay;
}

int64_t MonthPartition::End() const { return Next().Start(); }

MonthPartition MonthPartition::Next() const {
  return month == 12 ? MonthPartition{year + 1, 1} : MonthPartition{year, month + 1};
}

MonthPartition MonthOf(int64_t instant) {
  int64_t days = instant >= 0 ? instant / kMicrosPerDay : -((-instant + kMicrosPerDay - 1) / kMicrosPerDay);
  // civil_from_days, the inverse of DaysFromCivil.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return MonthPartition{static_cast<int>(y + (m <= 2)), static_cast<int>(m)};
}

Result<bool> PartitionExists(Connection& connection, const MonthPartition& month) {
  // A partition of this store's observation table: a table of that name in
  // another schema on the search path (another instance's) is not one. From
  // the catalog under the statement's snapshot, not by name lookup
  // (to_regclass): a backend's cache of names may still miss a partition
  // another node committed a moment ago.
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows, connection.Query("SELECT count(*) FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
                                  "WHERE i.inhparent = 'observation'::regclass AND c.relname = $1",
                                  {SqlValue(month.Name())}));
  return rows.size() == 1 && rows.row(0).ColumnInt(0) > 0;
}

Status EnsurePartition(Connection& connection, const MonthPartition& month) {
  const bool own = !connection.InTransaction();
  if (own) FUNDAMENT_RETURN_IF_ERROR(connection.Execute("BEGIN"));
  auto run = [&]() -> Status {
    FUNDAMENT_RETURN_IF_ERROR(
        connection.Query("SELECT pg_advisory_xact_lock($1)", {SqlValue(kPartitionLock)}).status());
    const std::string name = month.Name();
    FUNDAMENT_ASSIGN_OR_RETURN(bool exists, PartitionExists(connection, month));
    if (exists) return Status::Ok();
    // The name is built from two integers, the bounds are integers: nothing
    // from a client is in this text.
    return connection.Execute(fmt::format(
        "CREATE TABLE {0} (LIKE observation INCLUDING DEFAULTS INCLUDING CONSTRAINTS); "
        "ALTER TABLE observation ATTACH PARTITION {0} FOR VALUES FROM ({1}) TO ({2})",
        name, month.Start(), month.End()));
  };
  Status status = run();
  if (own) {
    if (!status.ok()) {
      Status rollback = connection.Execute("ROLLBACK");
      if (!rollback.ok()) spdlog::error("store: rollback failed: {}", rollback.error().message);
      return status;
    }
    return connection.Execute("COMMIT");
  }
  return status;
}

Result<std::vector<std::string>> Partitions(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows, connection.Query("SELECT c.relname::text FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = "
                                  "i.inhrelid WHERE i.inhparent = 'observation'::regclass ORDER BY 1",
                                  {}));
  std::vector<std::string> names;
  for (int i = 0; i < rows.size(); ++i) names.emplace_back(rows.row(i).ColumnText(0));
  return names;
}

}  // namespace fundament::store::postgres
