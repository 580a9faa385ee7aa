#include "sql/table_map.h"

#include <array>
#include <cassert>

namespace fundament::sql {
namespace {

using model::EntityKind;

// The mapping, written by property name and resolved against the model once.
struct PropertySpec {
  std::string_view name;
  Storage storage;
  std::string_view column;
  std::string_view column2 = {};
  bool has_bbox = false;
  bool always_set = false;
};
struct ReferenceSpec {
  std::string_view navigation;
  std::string_view column;
  std::string_view cluster_column = {};
  int cluster_sign = 1;
};
struct TableSpec {
  EntityKind kind;
  std::string_view table;
  std::vector<PropertySpec> properties;
  std::vector<ReferenceSpec> references;
};

std::vector<TableSpec> Specs() {
  using S = Storage;
  return {
      {EntityKind::kThing,
       "thing",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"properties", S::kJson, "properties"}},
       {}},
      {EntityKind::kLocation,
       "location",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"encodingType", S::kText, "encoding_type"},
        {"location", S::kGeoJson, "location"},
        {"properties", S::kJson, "properties"}},
       {}},
      {EntityKind::kHistoricalLocation,
       "historical_location",
       {{"time", S::kInstant, "time"}},
       {{"Thing", "thing_id"}}},
      {EntityKind::kDatastream,
       "datastream",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"unitOfMeasurement", S::kJson, "unit"},
        {"observationType", S::kText, "observation_type"},
        {"observedArea", S::kBox, "min_x"},
        {"phenomenonTime", S::kInterval, "phenomenon_time_start", "phenomenon_time_end"},
        {"resultTime", S::kInterval, "result_time_start", "result_time_end"},
        {"properties", S::kJson, "properties"}},
       {{"Thing", "thing_id"}, {"Sensor", "sensor_id"}, {"ObservedProperty", "observed_property_id"}}},
      {EntityKind::kMultiDatastream,
       "multi_datastream",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"unitOfMeasurements", S::kJson, "unit_of_measurements"},
        {"observationType", S::kText, "observation_type"},
        {"multiObservationDataTypes", S::kJson, "multi_observation_data_types"},
        {"observedArea", S::kBox, "min_x"},
        {"phenomenonTime", S::kInterval, "phenomenon_time_start", "phenomenon_time_end"},
        {"resultTime", S::kInterval, "result_time_start", "result_time_end"},
        {"properties", S::kJson, "properties"}},
       {{"Thing", "thing_id"}, {"Sensor", "sensor_id"}}},
      {EntityKind::kSensor,
       "sensor",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"encodingType", S::kText, "encoding_type"},
        {"metadata", S::kJson, "metadata"},
        {"properties", S::kJson, "properties"}},
       {}},
      {EntityKind::kObservedProperty,
       "observed_property",
       {{"name", S::kText, "name"},
        {"definition", S::kText, "definition"},
        {"description", S::kText, "description"},
        {"properties", S::kJson, "properties"}},
       {}},
      {EntityKind::kObservation,
       "observation",
       {{"phenomenonTime", S::kInstantOrInterval, "phenomenon_time_start", "phenomenon_time_end", false, true},
        {"resultTime", S::kInstant, "result_time"},
        {"result", S::kResult, "result_type"},
        {"resultQuality", S::kJson, "result_quality"},
        {"validTime", S::kInterval, "valid_time_start", "valid_time_end"},
        {"parameters", S::kJson, "parameters"}},
       {{"Datastream", "datastream_id", "stream", 1},
        {"MultiDatastream", "multi_datastream_id", "stream", -1},
        {"FeatureOfInterest", "feature_id"}}},
      {EntityKind::kFeatureOfInterest,
       "feature_of_interest",
       {{"name", S::kText, "name"},
        {"description", S::kText, "description"},
        {"encodingType", S::kText, "encoding_type"},
        {"feature", S::kGeoJson, "feature", {}, true},
        {"properties", S::kJson, "properties"}},
       {}},
  };
}

std::vector<TableMap> BuildTables() {
  std::vector<TableMap> tables;
  for (const TableSpec& spec : Specs()) {
    const model::EntityTypeDef& type = model::TypeOf(spec.kind);
    assert(tables.size() == static_cast<size_t>(spec.kind));
    TableMap map{spec.kind, spec.table, {}, {}};
    for (const PropertySpec& p : spec.properties) {
      const model::PropertyDef* def = type.FindProperty(p.name);
      assert(def != nullptr);
      map.properties.push_back({def, p.storage, p.column, p.column2, p.has_bbox, p.always_set});
    }
    assert(map.properties.size() == type.properties.size());
    for (const ReferenceSpec& r : spec.references) {
      const model::NavigationDef* nav = type.FindNavigation(r.navigation);
      assert(nav != nullptr && nav->relation == model::Relation::kReference);
      map.references.push_back({nav, r.column, r.cluster_column, r.cluster_sign});
    }
    tables.push_back(std::move(map));
  }
  return tables;
}

struct LinkSpec {
  EntityKind kind;
  std::string_view navigation;
  LinkTableSide side;
};

const std::array<LinkSpec, 6>& Links() {
  static const std::array<LinkSpec, 6> links = {{
      {EntityKind::kThing, "Locations", {"thing_location", "thing_id", "location_id"}},
      {EntityKind::kLocation, "Things", {"thing_location", "location_id", "thing_id"}},
      {EntityKind::kHistoricalLocation,
       "Locations",
       {"historical_location_location", "historical_location_id", "location_id"}},
      {EntityKind::kLocation,
       "HistoricalLocations",
       {"historical_location_location", "location_id", "historical_location_id"}},
      {EntityKind::kMultiDatastream,
       "ObservedProperties",
       {"multi_datastream_observed_property", "multi_datastream_id", "observed_property_id", true}},
      {EntityKind::kObservedProperty,
       "MultiDatastreams",
       {"multi_datastream_observed_property", "observed_property_id", "multi_datastream_id", true}},
  }};
  return links;
}

}  // namespace

const PropertyColumns* TableMap::FindProperty(std::string_view name) const {
  for (const auto& p : properties)
    if (p.property->name == name) return &p;
  return nullptr;
}

const ReferenceColumn* TableMap::FindReference(std::string_view navigation_name) const {
  for (const auto& r : references)
    if (r.navigation->name == navigation_name) return &r;
  return nullptr;
}

const TableMap& TableOf(EntityKind kind) {
  static const std::vector<TableMap> tables = BuildTables();
  return tables[static_cast<size_t>(kind)];
}

const LinkTableSide* LinkTableOf(EntityKind kind, std::string_view navigation_name) {
  for (const LinkSpec& link : Links())
    if (link.kind == kind && link.navigation == navigation_name) return &link.side;
  return nullptr;
}

}  // namespace fundament::sql
