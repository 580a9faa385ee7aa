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
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "sql/dialect.h"
#include "store/postgres/connection.h"
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

  // Writes the widenings gathered since the last flush (before commit, and
  // before reads and updates that depend on the extents).
  Status Flush();

  const std::vector<events::ChangeEvent>& events() const { return changes_.events(); }
  // The partitions this transaction created (their start instants).
  const std::vector<int64_t>& created_partitions() const { return created_partitions_; }

 private:
  Status RequireExists(model::EntityKind kind, int64_t id);
  Result<std::vector<Parent>> ParentsOnEdge(int64_t observation_id);
  Result<std::vector<Parent>> ParentsOfFeature(int64_t feature_id);
  Status Recompute(const std::vector<Parent>& parents);
  Status Widen(const std::vector<Assignment>& assignments);
  Status WidenStored(int64_t observation_id);
  Result<std::optional<Box>> FeatureBox(int64_t feature_id);
  Status EnsurePartitionFor(const std::vector<Assignment>& assignments);

  Connection& connection_;
  const sql::SqlDialect& dialect_;
  PartitionSet& partitions_;
  ExtentTracker extents_;
  std::map<int64_t, std::optional<Box>> feature_boxes_;  // valid for this transaction's lifetime
  std::set<std::pair<model::EntityKind, int64_t>> existing_;  // cleared by every delete
  ChangeLog changes_;
  std::vector<int64_t> created_partitions_;
};

}  // namespace fundament::store::postgres
