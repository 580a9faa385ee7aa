#include "model/entity_type.h"

#include <cassert>

namespace fundament::model {
namespace {

using K = EntityKind;
using V = ValueType;
using R = Relation;

// Properties and navigations as OGC 18-088 §8.2 defines them (Tables 5-24),
// plus the MultiDatastream extension (§12). Navigation order follows the standard.
std::vector<EntityTypeDef> BuildTypes() {
  std::vector<EntityTypeDef> types;
  types.push_back({K::kThing, "Thing", "Things",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"properties", V::kObject}},
                   {{"Locations", K::kLocation, true, false, R::kLinkTable, "Things"},
                    {"HistoricalLocations", K::kHistoricalLocation, true, false, R::kReferencedBy, "Thing"},
                    {"Datastreams", K::kDatastream, true, false, R::kReferencedBy, "Thing"},
                    {"MultiDatastreams", K::kMultiDatastream, true, false, R::kReferencedBy, "Thing"}}});
  types.push_back({K::kLocation, "Location", "Locations",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"encodingType", V::kString, true, false},
                    {"location", V::kGeoJson, true, false},
                    {"properties", V::kObject}},
                   {{"Things", K::kThing, true, false, R::kLinkTable, "Locations"},
                    {"HistoricalLocations", K::kHistoricalLocation, true, false, R::kLinkTable, "Locations"}}});
  types.push_back({K::kHistoricalLocation, "HistoricalLocation", "HistoricalLocations",
                   {{"time", V::kInstant, true, false}},
                   {{"Thing", K::kThing, false, true, R::kReference, "HistoricalLocations"},
                    {"Locations", K::kLocation, true, false, R::kLinkTable, "HistoricalLocations"}}});
  types.push_back({K::kDatastream, "Datastream", "Datastreams",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"unitOfMeasurement", V::kUnitOfMeasurement, true, false},
                    {"observationType", V::kString, true, false},
                    {"observedArea", V::kGeoJson, false, true, true},
                    {"phenomenonTime", V::kInterval, false, true, true},
                    {"resultTime", V::kInterval, false, true, true},
                    {"properties", V::kObject}},
                   {{"Thing", K::kThing, false, true, R::kReference, "Datastreams"},
                    {"Sensor", K::kSensor, false, true, R::kReference, "Datastreams"},
                    {"ObservedProperty", K::kObservedProperty, false, true, R::kReference, "Datastreams"},
                    {"Observations", K::kObservation, true, false, R::kReferencedBy, "Datastream"}}});
  types.push_back({K::kMultiDatastream, "MultiDatastream", "MultiDatastreams",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"unitOfMeasurements", V::kUnitArray, true, false},
                    {"observationType", V::kString, true, false},
                    {"multiObservationDataTypes", V::kStringArray, true, false},
                    {"observedArea", V::kGeoJson, false, true, true},
                    {"phenomenonTime", V::kInterval, false, true, true},
                    {"resultTime", V::kInterval, false, true, true},
                    {"properties", V::kObject}},
                   {{"Thing", K::kThing, false, true, R::kReference, "MultiDatastreams"},
                    {"Sensor", K::kSensor, false, true, R::kReference, "MultiDatastreams"},
                    {"ObservedProperties", K::kObservedProperty, true, true, R::kLinkTable, "MultiDatastreams"},
                    {"Observations", K::kObservation, true, false, R::kReferencedBy, "MultiDatastream"}}});
  types.push_back({K::kSensor, "Sensor", "Sensors",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"encodingType", V::kString, true, false},
                    {"metadata", V::kAny, true, false},
                    {"properties", V::kObject}},
                   {{"Datastreams", K::kDatastream, true, false, R::kReferencedBy, "Sensor"},
                    {"MultiDatastreams", K::kMultiDatastream, true, false, R::kReferencedBy, "Sensor"}}});
  types.push_back({K::kObservedProperty, "ObservedProperty", "ObservedProperties",
                   {{"name", V::kString, true, false},
                    {"definition", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"properties", V::kObject}},
                   {{"Datastreams", K::kDatastream, true, false, R::kReferencedBy, "ObservedProperty"},
                    {"MultiDatastreams", K::kMultiDatastream, true, false, R::kLinkTable, "ObservedProperties"}}});
  // phenomenonTime is mandatory in the model but the server fills in "now"
  // when a client omits it (§10.2.1.1), so it is not mandatory on create.
  types.push_back({K::kObservation, "Observation", "Observations",
                   {{"phenomenonTime", V::kInstantOrInterval, false, false},
                    {"resultTime", V::kInstant, false, true},
                    {"result", V::kAny, true, true},
                    {"resultQuality", V::kAny},
                    {"validTime", V::kInterval},
                    {"parameters", V::kObject}},
                   {{"Datastream", K::kDatastream, false, false, R::kReference, "Observations"},
                    {"MultiDatastream", K::kMultiDatastream, false, false, R::kReference, "Observations"},
                    {"FeatureOfInterest", K::kFeatureOfInterest, false, false, R::kReference, "Observations"}}});
  types.push_back({K::kFeatureOfInterest, "FeatureOfInterest", "FeaturesOfInterest",
                   {{"name", V::kString, true, false},
                    {"description", V::kString, true, false},
                    {"encodingType", V::kString, true, false},
                    {"feature", V::kGeoJson, true, false},
                    {"properties", V::kObject}},
                   {{"Observations", K::kObservation, true, false, R::kReferencedBy, "FeatureOfInterest"}}});
  return types;
}

const std::vector<EntityTypeDef>& AllTypes() {
  static const std::vector<EntityTypeDef> types = BuildTypes();
  return types;
}

}  // namespace

const PropertyDef* EntityTypeDef::FindProperty(std::string_view wanted) const {
  for (const auto& p : properties)
    if (p.name == wanted) return &p;
  return nullptr;
}

const NavigationDef* EntityTypeDef::FindNavigation(std::string_view wanted) const {
  for (const auto& n : navigations)
    if (n.name == wanted) return &n;
  return nullptr;
}

const EntityTypeDef& TypeOf(EntityKind kind) {
  const auto& types = AllTypes();
  const auto& type = types[static_cast<size_t>(kind)];
  assert(type.kind == kind);
  return type;
}

const EntityTypeDef* FindBySetName(std::string_view set_name) {
  for (const auto& t : AllTypes())
    if (t.set_name == set_name) return &t;
  return nullptr;
}

const EntityTypeDef* FindByName(std::string_view name) {
  for (const auto& t : AllTypes())
    if (t.name == name) return &t;
  return nullptr;
}

const NavigationDef& InverseOf(const EntityTypeDef& from, const NavigationDef& nav) {
  const NavigationDef* inverse = TypeOf(nav.target).FindNavigation(nav.inverse);
  assert(inverse != nullptr && inverse->target == from.kind);
  return *inverse;
}

}  // namespace fundament::model
