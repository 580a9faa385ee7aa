// Applying create, update and delete requests (OGC 18-088 §10) inside one
// store write transaction, with the server-side behaviour the standard asks
// for: deep insert, linking by id, HistoricalLocations when a Thing's
// Locations change, FeaturesOfInterest generated from a Thing's Location,
// and the default phenomenonTime of an Observation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "odata/resource_path.h"
#include "sta/entity_input.h"
#include "sta/resolve.h"
#include "store/store.h"

namespace fundament::sta {

// The entity a write created or changed.
struct WrittenEntity {
  model::EntityKind kind;
  int64_t id;
};

// Applies writes within one transaction. Cheap to construct; one per transaction.
class Writer {
 public:
  explicit Writer(store::WriteTransaction& txn) : txn_(txn) {}

  // POST to `path` (an entity set or a navigation collection such as
  // `Datastreams(1)/Observations`, which links the new entity implicitly).
  Result<WrittenEntity> Create(const odata::ResourcePath& path, const boost::json::value& body);

  // The checks of Create that need no store: that `path` takes a POST and
  // that `body` is a valid new entity of its type (kBadRequest otherwise).
  // Returns the parsed entity for the Create below.
  static Result<EntityInput> ParseCreate(const odata::ResourcePath& path, const boost::json::value& body);

  // Create with a body that ParseCreate has accepted for the same `path`.
  Result<WrittenEntity> Create(const odata::ResourcePath& path, const EntityInput& input);

  // PATCH (`replace` false) or PUT (`replace` true) of the entity addressed by `path`.
  Result<WrittenEntity> Update(const odata::ResourcePath& path, const boost::json::value& body, bool replace);

  // DELETE of the entity addressed by `path`.
  Status Delete(const odata::ResourcePath& path);

  // Creates one Observation of the Datastream or MultiDatastream
  // (`stream_kind`, `stream_id`) from normalised properties
  // (CreateObservations); `feature_id` when the row names one. Every check
  // runs before the insert, so a kBadRequest leaves nothing written.
  Result<int64_t> CreateObservation(model::EntityKind stream_kind, int64_t stream_id,
                                    boost::json::object properties, std::optional<int64_t> feature_id);

 private:
  // Creates `input` (or checks that the entity it links exists) and returns
  // its id. `implicit` are references the enclosing entity provides.
  Result<int64_t> CreateOrLink(const EntityInput& input, const store::References& implicit);
  Result<int64_t> Insert(const EntityInput& input, const store::References& implicit);
  Status LinkRelatedCollections(const EntityInput& input, int64_t id);
  // Checks the stored MultiDatastream `id` as the standard requires it to be
  // (lists of equal length, OM_ComplexObservation); kBadRequest otherwise.
  Status CheckMultiDatastream(int64_t id, const std::string& field_path);
  // `field_path` is where the Observation is in the request body, for error messages.
  Status CheckObservation(boost::json::object& properties, store::References& references,
                          const std::string& field_path);
  Result<int64_t> FeatureFromLocation(const store::References& references, const std::string& field_path);
  Result<int64_t> DeriveFeature(model::EntityKind stream_kind, int64_t stream_id,
                                const std::string& field_path);
  // Records that Thing `thing_id` is now at its current Locations; nothing
  // when it has none left (a HistoricalLocation needs one or more Locations).
  Status RecordHistoricalLocation(int64_t thing_id);
  Status MoveThingIfLatest(int64_t thing_id, int64_t historical_location_id);
  Status ApplyLinks(const model::EntityTypeDef& type, int64_t id, const EntityInput& input,
                    store::References& references);
  Result<std::optional<ResolvedEntity>> Resolve(const odata::ResourcePath& path);

  // The FeatureOfInterest derived for Observations of a (Multi)Datastream
  // during this write; forgotten whenever anything but an Observation is
  // written.
  std::map<std::pair<model::EntityKind, int64_t>, int64_t> derived_features_;

  store::WriteTransaction& txn_;
};

}  // namespace fundament::sta
