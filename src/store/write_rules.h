// The engine-neutral part of writing entities, shared by the SQL stores:
// the rules of the data model that every insert and update obeys (mandatory
// properties and references, nulls, an Observation's one Datastream or
// MultiDatastream), the column assignments that store a write, the
// bookkeeping of the read-only extents of Datastreams and MultiDatastreams,
// and the change events of a transaction.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/result.h"
#include "events/change_feed.h"
#include "store/entity_codec.h"
#include "store/store.h"

namespace fundament::store {

// kNotFound: "<Type> <id> does not exist".
Error Missing(model::EntityKind kind, int64_t id);

// The assignments of an INSERT of a new `kind` entity: its writable
// properties, validated (mandatory ones given, no null where none is
// allowed; an Observation's phenomenonTime defaults to now), and the foreign
// keys of `references` (mandatory ones given, each target existing as
// `tx.Exists` says). An Observation needs exactly one of Datastream and
// MultiDatastream and gets its `stream` column. The id is left to the store.
Result<std::vector<Assignment>> InsertAssignments(model::EntityKind kind, const boost::json::object& properties,
                                                  const References& references, WriteTransaction& tx);

// What an UPDATE changes.
struct UpdateAssignments {
  std::vector<Assignment> assignments;
  // A Location's new `location`, when given (its generated feature is then forgotten).
  const boost::json::value* new_location = nullptr;
  // A FeatureOfInterest's `feature` changes (its Observations' parents need recomputing).
  bool feature_changes = false;
};

// The assignments of an UPDATE of the given properties (JSON null clears an
// optional one) and references. An Observation moved to a Datastream leaves
// its MultiDatastream, and the other way round.
Result<UpdateAssignments> UpdateAssignmentsOf(model::EntityKind kind, const boost::json::object& properties,
                                              const References& references, WriteTransaction& tx);

// kBadRequest when a column is assigned twice.
Status CheckDistinct(const std::vector<Assignment>& assignments);

// The integer assigned to `column`, if any.
std::optional<int64_t> AssignedInt(const std::vector<Assignment>& assignments, std::string_view column);

// NULL for nullopt.
SqlValue OptionalValue(std::optional<int64_t> value);
SqlValue OptionalValue(std::optional<double> value);

// Does a read of `request` see a Datastream's or MultiDatastream's
// phenomenonTime, resultTime or observedArea (so pending widenings must be
// written first)?
bool ReadsExtents(const ReadRequest& request);

// A Datastream (kDatastream) or MultiDatastream, the parent of Observations.
using Parent = std::pair<model::EntityKind, int64_t>;

// A FeatureOfInterest's bounding box.
struct Box {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

// How far the Observations written since the last flush reach, per parent.
struct Extent {
  std::optional<int64_t> phenomenon_start, phenomenon_end, result_start, result_end;
  std::optional<double> min_x, min_y, max_x, max_y;
};

// The widenings of parents' extents gathered in a transaction, so that a
// bulk insert of ten thousand Observations of one Datastream updates that
// Datastream once, not ten thousand times. The boxes of the Observations'
// FeaturesOfInterest are read through `read_box` once per feature and
// transaction.
class ExtentTracker {
 public:
  // The box of a FeatureOfInterest as stored (none without a geometry).
  using BoxReader = std::function<Result<std::optional<Box>>(int64_t feature_id)>;

  explicit ExtentTracker(BoxReader read_box) : read_box_(std::move(read_box)) {}

  // Notes how far the Observation stored with `assignments` reaches.
  Status Widen(const std::vector<Assignment>& assignments);
  // Forgets the box of a FeatureOfInterest that was changed or deleted.
  void ForgetFeature(int64_t feature_id) { boxes_.erase(feature_id); }
  // The gathered widenings, in parent order (a fixed order of row updates
  // keeps concurrent transactions from deadlocking).
  const std::map<Parent, Extent>& pending() const { return pending_; }
  void Clear() { pending_.clear(); }

 private:
  BoxReader read_box_;
  std::map<int64_t, std::optional<Box>> boxes_;  // by FeatureOfInterest id
  std::map<Parent, Extent> pending_;
};

// The change events of one transaction, in the order of the writes: one per
// created, updated or deleted entity (an entity created or already updated
// in this transaction is not reported as updated again).
class ChangeLog {
 public:
  void Record(model::EntityKind kind, int64_t id, events::Operation operation);
  const std::vector<events::ChangeEvent>& events() const { return events_; }

 private:
  std::vector<events::ChangeEvent> events_;
  std::set<std::pair<model::EntityKind, int64_t>> reported_;  // with a Created or Updated event
};

}  // namespace fundament::store
