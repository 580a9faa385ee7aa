#include "store/sqlite/schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cassert>
#include <string>

#include "model/time.h"

namespace fundament::store::sqlite {
namespace {

using model::EntityKind;

// Migration 1: the whole SensorThings 1.1 schema.
//
// Every to-one navigation is a foreign key whose ON DELETE CASCADE realises
// the integrity rules of OGC 18-088 §10.4 (Table "Integrity constraints when
// deleting an entity"); the two cascades that run through link tables
// (Location → HistoricalLocations, ObservedProperty → MultiDatastreams) are
// triggers. Observation results keep their JSON type: result_number has no
// declared type, so SQLite stores integers as INTEGER and doubles as REAL.
// Ids are AUTOINCREMENT so that an id is never given out twice: a selfLink
// of a deleted entity must answer 404, not name a new entity.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE thing (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  properties TEXT
);

CREATE TABLE feature_of_interest (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  encoding_type TEXT NOT NULL,
  feature TEXT NOT NULL,
  geom BLOB,
  min_x REAL, min_y REAL, max_x REAL, max_y REAL,
  properties TEXT
);

CREATE TABLE location (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  encoding_type TEXT NOT NULL,
  location TEXT NOT NULL,
  geom BLOB,
  properties TEXT,
  generated_feature_id INTEGER REFERENCES feature_of_interest(id) ON DELETE SET NULL
);
CREATE INDEX location_generated_feature ON location(generated_feature_id);

CREATE TABLE thing_location (
  thing_id INTEGER NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL REFERENCES location(id) ON DELETE CASCADE,
  PRIMARY KEY (thing_id, location_id)
) WITHOUT ROWID;
CREATE INDEX thing_location_location ON thing_location(location_id, thing_id);

CREATE TABLE historical_location (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  thing_id INTEGER NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  time INTEGER NOT NULL
);
CREATE INDEX historical_location_thing ON historical_location(thing_id, time);

CREATE TABLE historical_location_location (
  historical_location_id INTEGER NOT NULL REFERENCES historical_location(id) ON DELETE CASCADE,
  location_id INTEGER NOT NULL REFERENCES location(id) ON DELETE CASCADE,
  PRIMARY KEY (historical_location_id, location_id)
) WITHOUT ROWID;
CREATE INDEX historical_location_location_location
  ON historical_location_location(location_id, historical_location_id);

-- Runs before the Location row goes, while its link rows still say which
-- HistoricalLocations it belongs to.
CREATE TRIGGER location_deletes_historical_locations BEFORE DELETE ON location BEGIN
  DELETE FROM historical_location WHERE id IN
    (SELECT historical_location_id FROM historical_location_location WHERE location_id = OLD.id);
END;

CREATE TABLE sensor (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  encoding_type TEXT NOT NULL,
  metadata TEXT NOT NULL,
  properties TEXT
);

CREATE TABLE observed_property (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  description TEXT NOT NULL,
  properties TEXT
);

CREATE TABLE datastream (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  unit TEXT NOT NULL,
  observation_type TEXT NOT NULL,
  phenomenon_time_start INTEGER, phenomenon_time_end INTEGER,
  result_time_start INTEGER, result_time_end INTEGER,
  min_x REAL, min_y REAL, max_x REAL, max_y REAL,
  properties TEXT,
  thing_id INTEGER NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  sensor_id INTEGER NOT NULL REFERENCES sensor(id) ON DELETE CASCADE,
  observed_property_id INTEGER NOT NULL REFERENCES observed_property(id) ON DELETE CASCADE
);
CREATE INDEX datastream_thing ON datastream(thing_id);
CREATE INDEX datastream_sensor ON datastream(sensor_id);
CREATE INDEX datastream_observed_property ON datastream(observed_property_id);

CREATE TABLE multi_datastream (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  unit_of_measurements TEXT NOT NULL,
  observation_type TEXT NOT NULL,
  multi_observation_data_types TEXT NOT NULL,
  phenomenon_time_start INTEGER, phenomenon_time_end INTEGER,
  result_time_start INTEGER, result_time_end INTEGER,
  min_x REAL, min_y REAL, max_x REAL, max_y REAL,
  properties TEXT,
  thing_id INTEGER NOT NULL REFERENCES thing(id) ON DELETE CASCADE,
  sensor_id INTEGER NOT NULL REFERENCES sensor(id) ON DELETE CASCADE
);
CREATE INDEX multi_datastream_thing ON multi_datastream(thing_id);
CREATE INDEX multi_datastream_sensor ON multi_datastream(sensor_id);

-- position keeps the order of the ObservedProperties, which matches the
-- order of unitOfMeasurements and multiObservationDataTypes.
CREATE TABLE multi_datastream_observed_property (
  multi_datastream_id INTEGER NOT NULL REFERENCES multi_datastream(id) ON DELETE CASCADE,
  observed_property_id INTEGER NOT NULL REFERENCES observed_property(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  PRIMARY KEY (multi_datastream_id, observed_property_id)
) WITHOUT ROWID;
CREATE INDEX multi_datastream_observed_property_reverse
  ON multi_datastream_observed_property(observed_property_id, multi_datastream_id);

CREATE TRIGGER observed_property_deletes_multi_datastreams BEFORE DELETE ON observed_property BEGIN
  DELETE FROM multi_datastream WHERE id IN
    (SELECT multi_datastream_id FROM multi_datastream_observed_property WHERE observed_property_id = OLD.id);
END;

-- Observations are nearly all of the data and are read as time series of one
-- (Multi)Datastream: the table is clustered on (stream, phenomenon time, id),
-- so that a time range of one Datastream is one contiguous run of pages, and
-- appending to many Datastreams touches one page each. `stream` is the
-- Datastream id, or the negated MultiDatastream id. Ids come from
-- id_sequence (a WITHOUT ROWID table has no AUTOINCREMENT) and have an index
-- of their own. Deleting a (Multi)Datastream deletes its Observations by
-- trigger, along the clustering key; a foreign key would scan the table.
CREATE TABLE observation (
  id INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  datastream_id INTEGER,
  multi_datastream_id INTEGER,
  feature_id INTEGER REFERENCES feature_of_interest(id) ON DELETE CASCADE,
  phenomenon_time_start INTEGER NOT NULL,
  phenomenon_time_end INTEGER,
  result_time INTEGER,
  result_type INTEGER NOT NULL,
  result_number,
  result_string TEXT,
  result_json TEXT,
  result_quality TEXT,
  valid_time_start INTEGER,
  valid_time_end INTEGER,
  parameters TEXT,
  PRIMARY KEY (stream, phenomenon_time_start, id),
  CHECK ((datastream_id IS NULL) <> (multi_datastream_id IS NULL)),
  CHECK (stream = coalesce(datastream_id, -multi_datastream_id))
) WITHOUT ROWID;
CREATE UNIQUE INDEX observation_id ON observation(id);
CREATE TRIGGER datastream_deletes_observations AFTER DELETE ON datastream BEGIN
  DELETE FROM observation WHERE stream = OLD.id;
END;
CREATE TRIGGER multi_datastream_deletes_observations AFTER DELETE ON multi_datastream BEGIN
  DELETE FROM observation WHERE stream = -OLD.id;
END;

-- The last id given out per table that has no AUTOINCREMENT of its own.
CREATE TABLE id_sequence (name TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO id_sequence VALUES ('observation', 0);
CREATE INDEX observation_feature ON observation(feature_id);
)sql";

struct Migration {
  int version;
  std::string sql;
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, std::string(kMigration1)},
  };
  return migrations;
}

Result<int> CurrentVersion(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                             connection.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("cannot read the schema version");
  return static_cast<int>(stmt.ColumnInt(0));
}

Status RollbackAfter(Connection& connection, Error error) {
  if (connection.InTransaction()) {
    // The original error is the one to report; a failed rollback is logged.
    Status rollback = connection.Execute("ROLLBACK");
    if (!rollback.ok()) spdlog::error("store: rollback after a failed migration step: {}", rollback.error().message);
  }
  return error;
}

Status InitSpatialMetadata(Connection& connection) {
  {
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement exists,
        connection.Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'spatial_ref_sys'"));
    FUNDAMENT_ASSIGN_OR_RETURN(bool present, exists.Step());
    if (present) return Status::Ok();
  }
  // Argument 0: no transaction of its own, it runs inside ours (which makes
  // it fast). 'WGS84': only the WGS 84 reference systems; GeoJSON is always
  // EPSG:4326 (RFC 7946), and the full EPSG table would add megabytes.
  FUNDAMENT_RETURN_IF_ERROR(connection.Execute("BEGIN IMMEDIATE"));
  auto init = connection.Prepare("SELECT InitSpatialMetaData(0, 'WGS84')");
  if (!init.ok()) return RollbackAfter(connection, init.error());
  auto row = init->Step();
  if (!row.ok()) return RollbackAfter(connection, row.error());
  if (!*row || init->ColumnInt(0) != 1) {
    return RollbackAfter(connection, Internal("SpatiaLite could not initialise its metadata tables"));
  }
  *init = Statement();
  return connection.Execute("COMMIT");
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

Status Migrate(Connection& connection) {
  FUNDAMENT_RETURN_IF_ERROR(
      connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                         "applied_at TEXT NOT NULL)"));
  for (const Migration& migration : Migrations()) {
    // IMMEDIATE takes the write lock before reading the version, so two
    // processes opening the same file cannot both apply a migration.
    FUNDAMENT_RETURN_IF_ERROR(connection.Execute("BEGIN IMMEDIATE"));
    auto current = CurrentVersion(connection);
    if (!current.ok()) return RollbackAfter(connection, current.error());
    if (*current > LatestSchemaVersion()) {
      return RollbackAfter(connection,
                           Internal(fmt::format("the database has schema version {}, newer than the "
                                                "newest this program knows ({}); use a newer program",
                                                *current, LatestSchemaVersion())));
    }
    if (*current >= migration.version) {
      FUNDAMENT_RETURN_IF_ERROR(connection.Execute("COMMIT"));
      continue;
    }
    Status applied = connection.Execute(migration.sql);
    if (!applied.ok()) {
      Error error = applied.error();
      error.message = fmt::format("schema migration {} failed: {}", migration.version, error.message);
      return RollbackAfter(connection, error);
    }
    {
      auto record = connection.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
      if (!record.ok()) return RollbackAfter(connection, record.error());
      Status bound = record->BindInt(1, migration.version);
      if (bound.ok()) bound = record->BindText(2, model::FormatInstant(model::Now()));
      if (bound.ok()) bound = record->Run();
      if (!bound.ok()) return RollbackAfter(connection, bound.error());
    }
    FUNDAMENT_RETURN_IF_ERROR(connection.Execute("COMMIT"));
  }
  if (connection.spatialite()) FUNDAMENT_RETURN_IF_ERROR(InitSpatialMetadata(connection));
  return Status::Ok();
}

Result<std::vector<int>> AppliedMigrations(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                             connection.Prepare("SELECT version FROM schema_migrations ORDER BY version"));
  std::vector<int> versions;
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    versions.push_back(static_cast<int>(stmt.ColumnInt(0)));
  }
  return versions;
}

}  // namespace fundament::store::sqlite
