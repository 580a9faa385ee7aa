// The SensorThings data model (OGC 18-088 §8) as data: every entity type, its
// properties and its navigation properties. The API layer, the query compiler
// and the stores all read this one description instead of repeating it.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace fundament::model {

// The entity types of SensorThings 1.1 Part 1, with the MultiDatastream extension.
enum class EntityKind {
  kThing,
  kLocation,
  kHistoricalLocation,
  kDatastream,
  kMultiDatastream,
  kSensor,
  kObservedProperty,
  kObservation,
  kFeatureOfInterest,
};

inline constexpr EntityKind kAllEntityKinds[] = {
    EntityKind::kThing,           EntityKind::kLocation,         EntityKind::kHistoricalLocation,
    EntityKind::kDatastream,      EntityKind::kMultiDatastream,  EntityKind::kSensor,
    EntityKind::kObservedProperty, EntityKind::kObservation,     EntityKind::kFeatureOfInterest,
};

// How a property's JSON value is checked, normalised and stored.
enum class ValueType {
  kString,             // JSON string
  kObject,             // JSON object (properties, parameters)
  kAny,                // any JSON value (Observation result, resultQuality)
  kGeoJson,            // a GeoJSON geometry or Feature (RFC 7946)
  kInstant,            // ISO 8601 instant, normalised to UTC
  kInterval,           // ISO 8601 interval "start/end"
  kInstantOrInterval,  // Observation phenomenonTime
  kUnitOfMeasurement,  // {name, symbol, definition}
  kUnitArray,          // MultiDatastream unitOfMeasurements: array of units
  kStringArray,        // MultiDatastream multiObservationDataTypes
};

// One property of an entity type.
struct PropertyDef {
  std::string_view name;
  ValueType type;
  bool mandatory = false;  // must be present on create (and on PUT)
  bool nullable = true;    // may be JSON null
  bool read_only = false;  // maintained by the server (Datastream phenomenonTime, observedArea)
};

// How a navigation property is realised. Each relation is described twice,
// once from each side, and the two descriptions name each other (`inverse`).
enum class Relation {
  kReference,     // this entity refers to one target (Datastream -> Thing)
  kReferencedBy,  // targets refer to this entity (Thing -> Datastreams)
  kLinkTable,     // many-to-many (Thing <-> Locations)
};

// One navigation property of an entity type.
struct NavigationDef {
  std::string_view name;     // "Datastreams", "Thing"
  EntityKind target;
  bool to_many;              // a collection (true) or a single entity
  bool mandatory;            // must be given on create (Datastream.Thing, …)
  Relation relation;
  std::string_view inverse;  // the navigation property of the target pointing back
};

// An entity type: its names, properties and navigation properties, in the
// order the standard lists them (responses use this order).
struct EntityTypeDef {
  EntityKind kind;
  std::string_view name;      // "Datastream"
  std::string_view set_name;  // "Datastreams"
  std::vector<PropertyDef> properties;
  std::vector<NavigationDef> navigations;

  const PropertyDef* FindProperty(std::string_view name) const;
  const NavigationDef* FindNavigation(std::string_view name) const;
};

// The description of one entity type.
const EntityTypeDef& TypeOf(EntityKind kind);

// The entity type whose set is called `set_name` ("Things"), if any.
const EntityTypeDef* FindBySetName(std::string_view set_name);

// The entity type called `name` ("Thing"), if any.
const EntityTypeDef* FindByName(std::string_view name);

// The navigation from `to` back to `from` for a navigation `nav` of `from`.
const NavigationDef& InverseOf(const EntityTypeDef& from, const NavigationDef& nav);

}  // namespace fundament::model
