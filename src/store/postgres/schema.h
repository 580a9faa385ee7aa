// The PostgreSQL schema: the versioned migrations that create the tables of
// the logical schema (sql/table_map.h) in PostgreSQL with PostGIS, and the
// time partitions of the observation table.
//
// Several Fundament nodes may start against one database at once: all
// migrations run in one transaction that first takes an advisory lock, so
// exactly one node applies them and the others find them applied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/postgres/connection.h"

namespace fundament::store::postgres {

// The newest schema version this program knows.
int LatestSchemaVersion();

// Brings the schema behind `connection` to the latest version (creating the
// PostGIS extension if needed). Fails when the database was written by a
// newer program.
Status Migrate(Connection& connection);

// The applied migrations' versions, ascending.
Result<std::vector<int>> AppliedMigrations(Connection& connection);

// Observations are partitioned by phenomenonTime start into calendar months
// (UTC): partition observation_yYYYYmMM holds [first instant of the month,
// first instant of the next). Instants in microseconds since the epoch.
struct MonthPartition {
  int year = 0;
  int month = 0;  // 1–12
  std::string Name() const;
  int64_t Start() const;
  int64_t End() const;
  MonthPartition Next() const;
};

// The month holding `instant`.
MonthPartition MonthOf(int64_t instant);

// Whether the partition of `month` is attached, as committed when the
// statement started.
Result<bool> PartitionExists(Connection& connection, const MonthPartition& month);

// Creates the partition for `month` unless it exists, in the transaction
// `connection` is in (its own when it is in none; the store calls it so,
// before the write that needs the partition runs). Serialised across nodes
// by an advisory lock held to the end of that transaction, under which a
// partition another node created is found and left alone. The partition is
// created on its own and then attached, which lets reads and inserts of
// other partitions continue; attaching adds the partition's foreign key,
// which waits for transactions that wrote feature_of_interest to end and
// keeps new writes of it waiting meanwhile.
Status EnsurePartition(Connection& connection, const MonthPartition& month);

// The names of the observation partitions, ascending.
Result<std::vector<std::string>> Partitions(Connection& connection);

}  // namespace fundament::store::postgres
