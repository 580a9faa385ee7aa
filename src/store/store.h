// The Store: the one interface through which Fundament keeps and finds
// entities. The SQLite/SpatiaLite implementation is the embedded default; a
// PostgreSQL/PostGIS one implements the same contract.
//
// Contract shared by all implementations:
//  - Property values cross this interface as JSON, already validated and
//    normalised by the API layer (times as UTC ISO 8601 strings from
//    model::FormatInstant/FormatInterval, geometries as GeoJSON objects). The
//    store keeps them typed (times as numbers, Observation results as number,
//    string, boolean or JSON) and gives them back in the same JSON form.
//  - Every value reaches SQL as a bound parameter.
//  - Write() runs its work in one transaction and returns only after the
//    transaction committed durably (a 201 may be answered then), or after it
//    rolled back completely. After commit it publishes one ChangeEvent per
//    created, updated or deleted entity on Changes().
//  - Read() and ReadSnapshot() never block writes and see only committed data.
//  - Deletes cascade along mandatory links as OGC 18-088 §10.4 requires:
//    Thing → its Datastreams, MultiDatastreams, HistoricalLocations;
//    Datastream/MultiDatastream → its Observations; Sensor/ObservedProperty →
//    the Datastreams (and MultiDatastreams) that need them; FeatureOfInterest →
//    its Observations; Location → the HistoricalLocations linked to it.
//  - Read-only properties are maintained by the store: a Datastream's (and
//    MultiDatastream's) phenomenonTime and resultTime span its Observations,
//    its observedArea covers their FeaturesOfInterest (a bounding box).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/result.h"
#include "events/change_feed.h"
#include "model/entity_type.h"
#include "odata/query.h"

namespace fundament::store {

// To-one references of an entity: navigation name ("Thing") → id of the target.
using References = std::vector<std::pair<const model::NavigationDef*, int64_t>>;

// An entity as stored.
struct Entity {
  int64_t id = 0;
  // The properties of the type in model order, as JSON (absent optional
  // properties are JSON null). Restricted to ReadRequest::properties if given.
  boost::json::object properties;
  // The ids of the entity's to-one references (Datastream: Thing, Sensor,
  // ObservedProperty), as far as they are set.
  References references;

  // The id referenced through `navigation_name`, if set.
  std::optional<int64_t> ReferenceId(std::string_view navigation_name) const;
};

// "The entities reached from entity (kind, id) through navigation": the
// collection in `/Things(1)/Datastreams`, or the entity in `/Datastreams(1)/Thing`.
struct RelatedTo {
  model::EntityKind kind;
  int64_t id;
  const model::NavigationDef* navigation;  // a navigation of `kind` whose target is the read kind
};

// A read of one entity type.
struct ReadRequest {
  model::EntityKind kind;
  std::optional<int64_t> id;          // only this entity
  std::optional<RelatedTo> related;   // only entities related to this one
  std::shared_ptr<const odata::FilterExpr> filter;  // only entities matching; null = all
  // Sort keys; the store appends the id (ascending) so that paging is stable.
  std::vector<odata::OrderKey> orderby;
  int64_t skip = 0;
  int64_t limit = -1;  // at most this many entities; -1 = no limit
  bool count = false;  // also count all matches, ignoring skip and limit
  // Properties to load (names from the model); empty = all. A hint: the store may load more.
  std::vector<std::string> properties;
};

struct ReadResult {
  std::vector<Entity> entities;
  std::optional<int64_t> count;  // set when ReadRequest::count
};

// "The entities reached from each of many entities through one navigation":
// the expansion of one navigation for a page of entities, read at once. The
// filter, order, paging, count and properties apply to each parent's
// entities on their own, exactly as in the ReadRequest of ForParent().
struct RelatedReadRequest {
  model::EntityKind kind;                            // the kind read: the navigation's target
  model::EntityKind parent_kind;                     // the kind the navigation starts from
  const model::NavigationDef* navigation = nullptr;  // a navigation of parent_kind
  std::vector<int64_t> parent_ids;                   // in any order; repeats are allowed
  std::shared_ptr<const odata::FilterExpr> filter;
  std::vector<odata::OrderKey> orderby;
  int64_t skip = 0;    // per parent
  int64_t limit = -1;  // per parent; -1 = no limit
  bool count = false;  // per parent, ignoring skip and limit
  std::vector<std::string> properties;

  // The read of one parent's entities that this request stands for.
  ReadRequest ForParent(int64_t parent_id) const;
};

// One ReadResult per RelatedReadRequest::parent_ids entry, in that order
// (a repeated parent gets the same entities again).
using RelatedReadResult = std::vector<ReadResult>;

// Hands each entity of a read to the reader as it comes from the store.
// Returning an error stops the read with that error.
using EntityVisitor = std::function<Status(Entity&& entity)>;

// Reads from one consistent snapshot: every read through it sees the same
// committed state (or, inside a write, the transaction's own writes).
class ReadTransaction {
 public:
  virtual ~ReadTransaction() = default;

  virtual Result<ReadResult> Read(const ReadRequest& request) = 0;

  // Like Read(), but hands the entities to `visit` one by one, in order,
  // instead of collecting them: memory stays flat however many match.
  // The result carries the count (when asked for) and no entities.
  virtual Result<ReadResult> Scan(const ReadRequest& request, const EntityVisitor& visit) = 0;

  // The results of request.ForParent(id) for every parent id, read with as
  // few queries as the store can (the SQL stores need one or two however
  // many parents there are). This default runs Read() once per parent.
  virtual Result<RelatedReadResult> ReadRelated(const RelatedReadRequest& request);
};

// ReadRelated() by one Read() per distinct parent: for implementations
// without a grouped read of their own.
Result<RelatedReadResult> ReadRelatedOneByOne(ReadTransaction& reads, const RelatedReadRequest& request);

// The operations available inside one write transaction. Reads made through it
// see the transaction's own writes. Any error leaves the transaction to be
// rolled back by Store::Write (the work returns the error).
class WriteTransaction : public ReadTransaction {
 public:
  virtual Result<bool> Exists(model::EntityKind kind, int64_t id) = 0;

  // Creates an entity from validated `properties` (read-only ones are ignored)
  // and its to-one `references` (which must exist; kBadRequest otherwise).
  // Returns the new id.
  virtual Result<int64_t> Insert(model::EntityKind kind, const boost::json::object& properties,
                                 const References& references) = 0;

  // A hint that about `count` more entities of `kind` are about to be
  // inserted in this transaction (the rows of a bulk request), so that the
  // store can prepare for them at once (the PostgreSQL store allocates their
  // Observation ids in one round trip). Changes nothing that is written.
  virtual void ExpectInserts(model::EntityKind kind, int64_t count) {
    (void)kind;
    (void)count;
  }

  // Changes the given properties (JSON null clears an optional property) and
  // references of an existing entity; kNotFound when it does not exist.
  virtual Status Update(model::EntityKind kind, int64_t id, const boost::json::object& properties,
                        const References& references) = 0;

  // Deletes an entity with the cascades described above; kNotFound when absent.
  virtual Status Delete(model::EntityKind kind, int64_t id) = 0;

  // Adds a many-to-many link (`navigation` has Relation::kLinkTable) from
  // (kind, id) to `target`; linking twice is harmless.
  virtual Status Link(model::EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                      int64_t target) = 0;

  // Removes all many-to-many links of (kind, id) through `navigation`.
  virtual Status UnlinkAll(model::EntityKind kind, int64_t id, const model::NavigationDef& navigation) = 0;

  // The FeatureOfInterest generated earlier from Location `location_id`, if
  // any. Forgotten by the store when the Location's `location` changes.
  virtual Result<std::optional<int64_t>> GeneratedFeature(int64_t location_id) = 0;
  virtual Status RecordGeneratedFeature(int64_t location_id, int64_t feature_id) = 0;
};

// What /ready reports.
struct StoreHealth {
  bool ready = false;
  std::string detail;
};

class Store {
 public:
  virtual ~Store() = default;

  // Reads committed data (from a pool of readers; never blocks writers).
  virtual Result<ReadResult> Read(const ReadRequest& request) = 0;

  // Runs `work` with reads from one snapshot of committed data, on one
  // reader, so that a response assembled from several reads (an entity and
  // its expansions) is consistent. Returns what `work` returns.
  virtual Status ReadSnapshot(const std::function<Status(ReadTransaction&)>& work) = 0;

  // Runs `work` in one write transaction: commits durably when it returns
  // Ok, rolls back completely when it returns an error (and returns that
  // error). Then publishes the transaction's change events.
  virtual Status Write(const std::function<Status(WriteTransaction&)>& work) = 0;

  // Committed changes, in commit order.
  virtual events::ChangeFeed& Changes() = 0;

  virtual StoreHealth Health() = 0;
};

}  // namespace fundament::store
