// The WriteTransaction of the PostgreSQL store: inserts, updates, deletes and
// links on one connection inside the transaction PostgresStore::Write opened,
// collecting the change events to publish after commit. The rules of the
// data model and the extent bookkeeping are those of store/write_rules.h,
// shared with the SQLite store; this file holds their SQL.
//
// Referenced entities are checked with SELECT … FOR KEY SHARE: the row lock
// keeps another transaction (of this node or another) from deleting a
// Datastream while an Observation of it is being written, which the
// trigger-maintained cascade (schema.cc) could otherwise miss.
//
// Observations are gathered rather than inserted one by one: Insert()
// validates the row (references, U+0000, its partition), gives it an id from
// a block taken from the observation sequence beforehand (one round trip
// per block; the ids of a rolled-back write or an unused rest of a block are
// gaps, as with any sequence) and keeps it; the gathered rows go to the
// server with one COPY before anything could see them: a read that may reach
// Observations, an update or delete, and the commit (Flush). So a bulk
// request of thousands of rows costs a few round trips instead of one per
// row; errors are those of the INSERTs (a refused row fails the write with
// kBadRequest, rolled back whole), only reported at that flush. The first
// Observation of a transaction without a hint of more to come is inserted at
// once, as a single POST needs one round trip only.
//
// A row whose month has no partition is not written here: the partition
// needs locks (its foreign key locks feature_of_interest against writes)
// that this transaction, or one waiting for it, may hold. The month is noted
// (missing_partitions()) and the transaction fails at its next flush; the
// store rolls it back, creates the partitions in a short transaction of
// their own and runs the work again.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sql/dialect.h"
#include "store/postgres/connection.h"
#include "store/postgres/schema.h"
#include "store/store.h"
#include "store/write_rules.h"

namespace fundament::store::postgres {

// The observation partitions known to exist; shared by the store's connections.
class PartitionSet {
 public:
  // Whether the partition starting at `start` is known to exist.
  bool Known(int64_t start);
  // Notes partitions that exist (found at open, or created by a committed transaction).
  void Add(const std::vector<int64_t>& starts);
  // Forgets all, so that each is checked again (after partitions were dropped).
  void Clear();

 private:
  std::mutex mutex_;
  std::set<int64_t> known_;  // partition start instants; guarded by mutex_
};

class PostgresWriteTransaction final : public WriteTransaction {
 public:
  // `connection` must be in a transaction for the lifetime of this object.
  PostgresWriteTransaction(Connection& connection, const sql::SqlDialect& dialect, PartitionSet& partitions);
  PostgresWriteTransaction(const PostgresWriteTransaction&) = delete;
  PostgresWriteTransaction& operator=(const PostgresWriteTransaction&) = delete;

  Result<ReadResult> Read(const ReadRequest& request) override;
  Result<ReadResult> Scan(const ReadRequest& request, const EntityVisitor& visit) override;
  Result<bool> Exists(model::EntityKind kind, int64_t id) override;
  Result<int64_t> Insert(model::EntityKind kind, const boost::json::object& properties,
                         const References& references) override;
  Status Update(model::EntityKind kind, int64_t id, const boost::json::object& properties,
                const References& references) override;
  Status Delete(model::EntityKind kind, int64_t id) override;
  Status Link(model::EntityKind kind, int64_t id, const model::NavigationDef& navigation,
              int64_t target) override;
  Status UnlinkAll(model::EntityKind kind, int64_t id, const model::NavigationDef& navigation) override;
  Result<std::optional<int64_t>> GeneratedFeature(int64_t location_id) override;
  Status RecordGeneratedFeature(int64_t location_id, int64_t feature_id) override;
  void ExpectInserts(model::EntityKind kind, int64_t count) override;

  // Writes the gathered Observations and the widenings gathered since the
  // last flush (before commit, and before reads and updates that depend on
  // the extents).
  Status Flush();

  const std::vector<events::ChangeEvent>& events() const { return changes_.events(); }
  // The months without partition that rows of this transaction fall in; when
  // not empty, the transaction cannot commit.
  const std::map<int64_t, MonthPartition>& missing_partitions() const { return missing_partitions_; }

 private:
  // An Observation inserted by Insert() and not yet sent.
  struct GatheredObservation {
    int64_t id;
    std::vector<Assignment> assignments;
  };

  // Sends the gathered Observations (COPY, or INSERTs for very few).
  Status FlushObservations();
  Result<int64_t> NextObservationId();
  Result<int64_t> InsertNow(const TableMap& table, const std::vector<Assignment>& assignments);
  // Whether the partition of the row is there; notes its month as missing otherwise.
  Result<bool> PartitionReady(const std::vector<Assignment>& assignments);
  Error PartitionsMissing() const;
  Status RequireExists(model::EntityKind kind, int64_t id);
  Result<std::vector<Parent>> ParentsOnEdge(int64_t observation_id);
  Result<std::vector<Parent>> ParentsOfFeature(int64_t feature_id);
  Status Recompute(const std::vector<Parent>& parents);
  Status WidenStored(int64_t observation_id);
  // The box of a FeatureOfInterest as stored, for extents_.
  Result<std::optional<Box>> FeatureBox(int64_t feature_id);

  Connection& connection_;
  const sql::SqlDialect& dialect_;
  PartitionSet& partitions_;
  ExtentTracker extents_;
  std::set<std::pair<model::EntityKind, int64_t>> existing_;  // cleared by every delete
  ChangeLog changes_;
  std::vector<GatheredObservation> gathered_;
  std::vector<int64_t> reserved_ids_;  // taken from the sequence, not yet given out; ascending
  size_t next_reserved_ = 0;           // index of the next id to give out in reserved_ids_
  int64_t next_block_;                 // ids to reserve next when no hint says more
  int64_t expected_observations_ = 0;  // ExpectInserts' hint, less the ids reserved since
  bool inserted_observation_ = false;
  std::map<int64_t, MonthPartition> missing_partitions_;  // by start instant
};

}  // namespace fundament::store::postgres
