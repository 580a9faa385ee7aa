// The WriteTransaction of the SQLite store: inserts, updates, deletes and
// links on the writer connection inside the transaction Store::Write opened,
// collecting the change events to publish after commit.
//
// It also keeps the read-only properties of Datastreams and MultiDatastreams
// exact. Widening them when an Observation arrives or changes is gathered per
// Datastream and written once (Flush): a bulk insert of ten thousand
// Observations of one Datastream updates that Datastream once, not ten
// thousand times. Narrowing: when an Observation that lay on the edge of its
// Datastream's phenomenonTime, resultTime or observedArea goes away or moves,
// the Datastream's values are computed afresh from its Observations.
// Observations strictly inside leave them unchanged, so the full scan is rare.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "events/change_feed.h"
#include "store/sqlite/connection.h"
#include "store/store.h"
#include "store/write_rules.h"

namespace fundament::store::sqlite {

// The ids of Observations, whose clustered table has no AUTOINCREMENT: given
// out from memory by the one writer, and recorded in table id_sequence by
// every write that took some, so that no id is ever given out twice, across
// rollbacks and restarts. Used on the writer thread only.
class IdSequence {
 public:
  // Reads the last id given out (at least the largest Observation id).
  Status Load(Connection& connection);
  int64_t Next() { return ++last_; }
  // Records the last id given out, when it moved since the last record.
  Status Save(Connection& connection);

 private:
  int64_t last_ = 0;
  int64_t saved_ = 0;
};

class SqliteWriteTransaction final : public WriteTransaction {
 public:
  // `connection` must be in a write transaction for the lifetime of this object.
  SqliteWriteTransaction(Connection& connection, IdSequence& observation_ids);
  SqliteWriteTransaction(const SqliteWriteTransaction&) = delete;
  SqliteWriteTransaction& operator=(const SqliteWriteTransaction&) = delete;

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

  // Writes the widenings gathered since the last flush. Store::Write calls it
  // when the work is done; reads and updates that depend on the extents call
  // it first.
  Status Flush();

  // The events of this transaction so far, in the order of the writes: one
  // per created, updated or deleted entity (an entity created or already
  // updated in this transaction is not reported as updated again).
  const std::vector<events::ChangeEvent>& events() const { return changes_.events(); }

 private:
  Status RequireExists(model::EntityKind kind, int64_t id);
  // The parents of Observation `id` that it lies on the edge of.
  Result<std::vector<Parent>> ParentsOnEdge(int64_t observation_id);
  // The parents of the Observations of FeatureOfInterest `feature_id`.
  Result<std::vector<Parent>> ParentsOfFeature(int64_t feature_id);
  Status Recompute(const std::vector<Parent>& parents);

  Status WidenStored(int64_t observation_id);
  Result<std::optional<Box>> FeatureBox(int64_t feature_id);

  Connection& connection_;
  IdSequence& observation_ids_;
  ExtentTracker extents_;
  // Entities known to exist: checked links of a bulk write are checked once.
  // Cleared by every delete, since cascades reach far.
  std::set<std::pair<model::EntityKind, int64_t>> existing_;
  ChangeLog changes_;
};

}  // namespace fundament::store::sqlite
