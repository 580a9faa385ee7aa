#include "sta/writer.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "model/time.h"

namespace fundament::sta {

namespace json = boost::json;
using model::EntityKind;
using model::Relation;

namespace {

constexpr std::string_view kComplexObservation =
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation";

std::string Where(const EntityInput& input) {
  return input.field_path.empty() ? std::string(input.type->name) : input.field_path;
}

// The body member `member` of `input` as error bodies name it: a path from the
// top of the request body ("Datastreams[0].Sensor", or "Sensor" at the top).
std::string FieldOf(const std::string& field_path, std::string_view member) {
  return field_path.empty() ? std::string(member) : fmt::format("{}.{}", field_path, member);
}

bool HasReference(const store::References& references, std::string_view name) {
  for (const auto& [nav, id] : references)
    if (nav->name == name) return true;
  return false;
}

std::optional<int64_t> ReferenceOf(const store::References& references, std::string_view name) {
  for (const auto& [nav, id] : references)
    if (nav->name == name) return id;
  return std::nullopt;
}

void SetReference(store::References& references, const model::NavigationDef* nav, int64_t id) {
  for (auto& entry : references) {
    if (entry.first == nav) {
      entry.second = id;
      return;
    }
  }
  references.emplace_back(nav, id);
}

// Locations and FeaturesOfInterest carry GeoJSON; other encodings are not supported.
Status CheckGeoEncoding(const EntityInput& input) {
  const json::value* encoding = input.properties.if_contains("encodingType");
  if (encoding == nullptr || !encoding->is_string()) return Status::Ok();
  std::string_view value = encoding->as_string();
  if (value == "application/geo+json" || value == "application/vnd.geo+json") return Status::Ok();
  std::string field = input.field_path.empty() ? "encodingType" : input.field_path + ".encodingType";
  return BadRequest(fmt::format("{}: unsupported encodingType '{}' (expected application/geo+json)", field, value),
                    field);
}

const model::NavigationDef& Nav(EntityKind kind, std::string_view name) {
  return *model::TypeOf(kind).FindNavigation(name);
}

}  // namespace

Result<std::optional<ResolvedEntity>> Writer::Resolve(const odata::ResourcePath& path) {
  return ResolvePath([this](const store::ReadRequest& r) { return txn_.Read(r); }, path);
}

Result<EntityInput> Writer::ParseCreate(const odata::ResourcePath& path, const json::value& body) {
  if (!path.is_collection() || path.ref || path.property != nullptr)
    return Error{ErrorCode::kMethodNotAllowed, "POST creates entities in an entity set or a navigation collection"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto input, ParseEntityInput(*path.last().type, body, InputMode::kCreate));
  if (input.is_link()) return BadRequest("the body links an existing entity; POST needs a new entity");
  return input;
}

Result<WrittenEntity> Writer::Create(const odata::ResourcePath& path, const json::value& body) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto input, ParseCreate(path, body));
  return Create(path, input);
}

Result<WrittenEntity> Writer::Create(const odata::ResourcePath& path, const EntityInput& input) {
  const model::EntityTypeDef& type = *path.last().type;
  FUNDAMENT_ASSIGN_OR_RETURN(auto parent, Resolve(path));

  store::References implicit;
  const model::NavigationDef* via = path.last().navigation;
  if (via != nullptr && via->relation == Relation::kReferencedBy) {
    implicit.emplace_back(&model::InverseOf(*parent->type, *via), parent->id);
  }
  FUNDAMENT_ASSIGN_OR_RETURN(int64_t id, Insert(input, implicit));
  if (via != nullptr && via->relation == Relation::kLinkTable) {
    FUNDAMENT_RETURN_IF_ERROR(txn_.Link(parent->type->kind, parent->id, *via, id));
    if (parent->type->kind == EntityKind::kThing && via->name == "Locations")
      FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(parent->id));
    if (parent->type->kind == EntityKind::kLocation && via->name == "Things")
      FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(id));
  }
  return WrittenEntity{type.kind, id};
}

Result<int64_t> Writer::CreateOrLink(const EntityInput& input, const store::References& implicit) {
  if (!input.is_link()) return Insert(input, implicit);
  const int64_t id = *input.existing_id;
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, txn_.Exists(input.type->kind, id));
  if (!exists)
    return BadRequest(fmt::format("{}: {} {} does not exist", Where(input), input.type->name, id), Where(input));
  if (!implicit.empty()) {
    // An existing entity listed under a new one moves to it (e.g. a Datastream under a new Thing).
    FUNDAMENT_RETURN_IF_ERROR(txn_.Update(input.type->kind, id, {}, implicit));
  }
  return id;
}

Result<int64_t> Writer::Insert(const EntityInput& input, const store::References& implicit) {
  // A new Location or link may change which FeatureOfInterest an Observation derives.
  if (input.type->kind != EntityKind::kObservation) derived_features_.clear();
  const model::EntityTypeDef& type = *input.type;
  store::References references = implicit;
  for (const auto& related : input.related) {
    if (related.navigation->relation != Relation::kReference) continue;
    const EntityInput& target_input = related.entities.front();
    // The request path or the enclosing entity already says what this link
    // is (`POST Datastreams(1)/Observations`); a body naming another entity
    // contradicts the request rather than overriding it.
    if (std::optional<int64_t> implied = ReferenceOf(implicit, related.navigation->name)) {
      if (target_input.is_link() && *target_input.existing_id == *implied) continue;
      return BadRequest(fmt::format("{}: contradicts the {} {} this {} is created under", Where(target_input),
                                    related.navigation->name, *implied, type.name),
                        Where(target_input));
    }
    FUNDAMENT_ASSIGN_OR_RETURN(int64_t target, CreateOrLink(target_input, {}));
    SetReference(references, related.navigation, target);
  }

  json::object properties = input.properties;
  switch (type.kind) {
    case EntityKind::kLocation:
    case EntityKind::kFeatureOfInterest:
      FUNDAMENT_RETURN_IF_ERROR(CheckGeoEncoding(input));
      break;
    case EntityKind::kObservation:
      FUNDAMENT_RETURN_IF_ERROR(CheckObservation(properties, references, input.field_path));
      break;
    case EntityKind::kMultiDatastream: {
      const RelatedInput* observed = input.FindRelated("ObservedProperties");
      size_t n_types = properties["multiObservationDataTypes"].as_array().size();
      size_t n_units = properties["unitOfMeasurements"].as_array().size();
      size_t n_properties = observed ? observed->entities.size() : 0;
      if (n_types != n_units || n_types != n_properties)
        return BadRequest(fmt::format("{}: multiObservationDataTypes ({}), unitOfMeasurements ({}) and "
                                      "ObservedProperties ({}) must have the same length",
                                      Where(input), n_types, n_units, n_properties),
                          FieldOf(input.field_path, "multiObservationDataTypes"));
      if (properties["observationType"].as_string() != kComplexObservation)
        return BadRequest(fmt::format("{}: observationType of a MultiDatastream must be {}", Where(input),
                                      kComplexObservation),
                          FieldOf(input.field_path, "observationType"));
      break;
    }
    case EntityKind::kHistoricalLocation: {
      const RelatedInput* locations = input.FindRelated("Locations");
      if (locations == nullptr || locations->entities.empty())
        return BadRequest(fmt::format("{}: a HistoricalLocation needs one or more Locations", Where(input)),
                          FieldOf(input.field_path, "Locations"));
      break;
    }
    default:
      break;
  }
  for (const auto& nav : type.navigations) {
    if (!nav.mandatory || nav.relation != Relation::kReference) continue;
    if (!HasReference(references, nav.name))
      return BadRequest(fmt::format("{}: a {} must link to a {} (give \"{}\": {{\"@iot.id\": …}} or a new one)",
                                    Where(input), type.name, nav.name, nav.name),
                        FieldOf(input.field_path, nav.name));
  }

  FUNDAMENT_ASSIGN_OR_RETURN(int64_t id, txn_.Insert(type.kind, properties, references));
  FUNDAMENT_RETURN_IF_ERROR(LinkRelatedCollections(input, id));
  // The same ObservedProperty listed twice is linked once.
  if (type.kind == EntityKind::kMultiDatastream)
    FUNDAMENT_RETURN_IF_ERROR(CheckMultiDatastream(id, input.field_path));
  if (type.kind == EntityKind::kHistoricalLocation)
    FUNDAMENT_RETURN_IF_ERROR(MoveThingIfLatest(*ReferenceOf(references, "Thing"), id));
  return id;
}

// OGC 18-088 §8.2.3 (historical-location-manual-creation): a HistoricalLocation
// a client adds that is later than every other one of its Thing moves the
// Thing to its Locations.
Status Writer::MoveThingIfLatest(int64_t thing_id, int64_t historical_location_id) {
  store::ReadRequest request;
  request.kind = EntityKind::kHistoricalLocation;
  request.related = store::RelatedTo{EntityKind::kThing, thing_id, &Nav(EntityKind::kThing, "HistoricalLocations")};
  request.orderby = {odata::OrderKey{"time", {}, true}};
  request.limit = 2;
  FUNDAMENT_ASSIGN_OR_RETURN(auto latest, txn_.Read(request));
  model::Micros newest_other = INT64_MIN;
  model::Micros mine = INT64_MIN;
  for (const auto& entity : latest.entities) {
    auto time = model::ParseInstant(std::string_view(entity.properties.at("time").as_string()));
    if (!time.ok()) return time.error();
    if (entity.id == historical_location_id) mine = *time;
    else newest_other = std::max(newest_other, *time);
  }
  // Not among the two newest: an older entry of the Thing's history.
  if (mine == INT64_MIN || mine <= newest_other) return Status::Ok();

  store::ReadRequest locations;
  locations.kind = EntityKind::kLocation;
  locations.related = store::RelatedTo{EntityKind::kHistoricalLocation, historical_location_id,
                                       &Nav(EntityKind::kHistoricalLocation, "Locations")};
  locations.properties = {"name"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto found, txn_.Read(locations));
  const model::NavigationDef& thing_locations = Nav(EntityKind::kThing, "Locations");
  FUNDAMENT_RETURN_IF_ERROR(txn_.UnlinkAll(EntityKind::kThing, thing_id, thing_locations));
  for (const auto& location : found.entities)
    FUNDAMENT_RETURN_IF_ERROR(txn_.Link(EntityKind::kThing, thing_id, thing_locations, location.id));
  return Status::Ok();
}

// OGC 18-088 §12: a MultiDatastream has as many multiObservationDataTypes as
// unitOfMeasurements as ObservedProperties, and is an OM_ComplexObservation.
Status Writer::CheckMultiDatastream(int64_t id, const std::string& field_path) {
  store::ReadRequest request;
  request.kind = EntityKind::kMultiDatastream;
  request.id = id;
  request.properties = {"multiObservationDataTypes", "unitOfMeasurements", "observationType"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto found, txn_.Read(request));
  if (found.entities.empty()) return Internal(fmt::format("MultiDatastream {} vanished during its write", id));
  const json::object& stored = found.entities.front().properties;
  auto length = [&](std::string_view name) -> size_t {
    const json::value* value = stored.if_contains(name);
    return value != nullptr && value->is_array() ? value->as_array().size() : 0;
  };
  store::ReadRequest observed;
  observed.kind = EntityKind::kObservedProperty;
  observed.related =
      store::RelatedTo{EntityKind::kMultiDatastream, id, &Nav(EntityKind::kMultiDatastream, "ObservedProperties")};
  observed.properties = {"name"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto properties, txn_.Read(observed));
  size_t n_types = length("multiObservationDataTypes");
  size_t n_units = length("unitOfMeasurements");
  size_t n_properties = properties.entities.size();
  std::string where = field_path.empty() ? "MultiDatastream" : field_path;
  if (n_types != n_units || n_types != n_properties)
    return BadRequest(fmt::format("{}: multiObservationDataTypes ({}), unitOfMeasurements ({}) and distinct "
                                  "ObservedProperties ({}) must have the same length",
                                  where, n_types, n_units, n_properties),
                      FieldOf(field_path, "multiObservationDataTypes"));
  const json::value* type = stored.if_contains("observationType");
  if (type == nullptr || !type->is_string() || type->as_string() != kComplexObservation)
    return BadRequest(fmt::format("{}: observationType of a MultiDatastream must be {}", where, kComplexObservation),
                      FieldOf(field_path, "observationType"));
  return Status::Ok();
}

Status Writer::LinkRelatedCollections(const EntityInput& input, int64_t id) {
  const model::EntityTypeDef& type = *input.type;
  // Link tables first: a Thing's Locations must be in place before its new
  // Datastreams' Observations look for a FeatureOfInterest.
  for (const auto& related : input.related) {
    const model::NavigationDef& nav = *related.navigation;
    if (nav.relation != Relation::kLinkTable || related.entities.empty()) continue;
    for (const auto& child : related.entities) {
      FUNDAMENT_ASSIGN_OR_RETURN(int64_t child_id, CreateOrLink(child, {}));
      FUNDAMENT_RETURN_IF_ERROR(txn_.Link(type.kind, id, nav, child_id));
      if (type.kind == EntityKind::kLocation && nav.name == "Things")
        FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(child_id));
    }
    if (type.kind == EntityKind::kThing && nav.name == "Locations")
      FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(id));
  }
  for (const auto& related : input.related) {
    const model::NavigationDef& nav = *related.navigation;
    if (nav.relation != Relation::kReferencedBy) continue;
    store::References back{{&model::InverseOf(type, nav), id}};
    for (const auto& child : related.entities) FUNDAMENT_RETURN_IF_ERROR(CreateOrLink(child, back).status());
  }
  return Status::Ok();
}

Status Writer::CheckObservation(json::object& properties, store::References& references,
                                const std::string& field_path) {
  auto datastream = ReferenceOf(references, "Datastream");
  auto multi = ReferenceOf(references, "MultiDatastream");
  if (datastream.has_value() == multi.has_value())
    return BadRequest("an Observation must link to exactly one Datastream or MultiDatastream",
                      FieldOf(field_path, "Datastream"));
  const json::value* phenomenon = properties.if_contains("phenomenonTime");
  if (phenomenon == nullptr || phenomenon->is_null())
    properties["phenomenonTime"] = model::FormatInstant(model::Now());
  if (!properties.contains("resultTime")) properties["resultTime"] = nullptr;

  if (multi) {
    store::ReadRequest request;
    request.kind = EntityKind::kMultiDatastream;
    request.id = *multi;
    request.properties = {"multiObservationDataTypes"};
    FUNDAMENT_ASSIGN_OR_RETURN(auto found, txn_.Read(request));
    if (found.entities.empty())
      return BadRequest(fmt::format("MultiDatastream {} does not exist", *multi),
                        FieldOf(field_path, "MultiDatastream"));
    const json::value* types = found.entities.front().properties.if_contains("multiObservationDataTypes");
    const json::value& result = properties["result"];
    size_t expected = types && types->is_array() ? types->as_array().size() : 0;
    if (!result.is_array() || result.as_array().size() != expected) {
      std::string field = FieldOf(field_path, "result");
      return BadRequest(
          fmt::format("{}: an Observation of a MultiDatastream needs an array of {} values", field, expected), field);
    }
  }
  if (!HasReference(references, "FeatureOfInterest")) {
    FUNDAMENT_ASSIGN_OR_RETURN(int64_t feature, FeatureFromLocation(references, field_path));
    SetReference(references, &Nav(EntityKind::kObservation, "FeatureOfInterest"), feature);
  }
  return Status::Ok();
}

// OGC 18-088 §10.2.1.1, special case 1: an Observation without a
// FeatureOfInterest observes its Thing's Location. The generated feature is
// remembered per Location and reused.
Result<int64_t> Writer::FeatureFromLocation(const store::References& references, const std::string& field_path) {
  auto datastream = ReferenceOf(references, "Datastream");
  EntityKind stream_kind = datastream ? EntityKind::kDatastream : EntityKind::kMultiDatastream;
  int64_t stream_id = datastream ? *datastream : *ReferenceOf(references, "MultiDatastream");
  // The rows of a bulk request mostly share their Datastreams: look each up once.
  const auto key = std::make_pair(stream_kind, stream_id);
  if (auto known = derived_features_.find(key); known != derived_features_.end()) return known->second;
  FUNDAMENT_ASSIGN_OR_RETURN(int64_t feature, DeriveFeature(stream_kind, stream_id, field_path));
  derived_features_.emplace(key, feature);
  return feature;
}

Result<int64_t> Writer::DeriveFeature(EntityKind stream_kind, int64_t stream_id, const std::string& field_path) {

  store::ReadRequest stream_request;
  stream_request.kind = stream_kind;
  stream_request.id = stream_id;
  stream_request.properties = {"name"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto stream, txn_.Read(stream_request));
  if (stream.entities.empty())
    return BadRequest(fmt::format("{} {} does not exist", model::TypeOf(stream_kind).name, stream_id),
                      FieldOf(field_path, model::TypeOf(stream_kind).name));
  auto thing = stream.entities.front().ReferenceId("Thing");
  if (!thing) return Internal("a Datastream without Thing");

  store::ReadRequest location_request;
  location_request.kind = EntityKind::kLocation;
  location_request.related = store::RelatedTo{EntityKind::kThing, *thing, &Nav(EntityKind::kThing, "Locations")};
  location_request.limit = 1;
  FUNDAMENT_ASSIGN_OR_RETURN(auto locations, txn_.Read(location_request));
  if (locations.entities.empty()) {
    std::string field = FieldOf(field_path, "FeatureOfInterest");
    return BadRequest(fmt::format("{}: the Observation names no FeatureOfInterest and its Thing has no Location to "
                                  "derive one from",
                                  field),
                      field);
  }
  const store::Entity& location = locations.entities.front();

  FUNDAMENT_ASSIGN_OR_RETURN(auto generated, txn_.GeneratedFeature(location.id));
  if (generated) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool exists, txn_.Exists(EntityKind::kFeatureOfInterest, *generated));
    if (exists) return *generated;
  }
  json::object feature;
  feature["name"] = location.properties.at("name");
  feature["description"] = location.properties.at("description");
  feature["encodingType"] = location.properties.at("encodingType");
  feature["feature"] = location.properties.at("location");
  feature["properties"] = nullptr;
  FUNDAMENT_ASSIGN_OR_RETURN(int64_t feature_id, txn_.Insert(EntityKind::kFeatureOfInterest, feature, {}));
  FUNDAMENT_RETURN_IF_ERROR(txn_.RecordGeneratedFeature(location.id, feature_id));
  return feature_id;
}

Status Writer::RecordHistoricalLocation(int64_t thing_id) {
  store::ReadRequest request;
  request.kind = EntityKind::kLocation;
  request.related = store::RelatedTo{EntityKind::kThing, thing_id, &Nav(EntityKind::kThing, "Locations")};
  request.properties = {"name"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto locations, txn_.Read(request));
  if (locations.entities.empty()) return Status::Ok();
  json::object properties;
  properties["time"] = model::FormatInstant(model::Now());
  FUNDAMENT_ASSIGN_OR_RETURN(
      int64_t id, txn_.Insert(EntityKind::kHistoricalLocation, properties,
                              {{&Nav(EntityKind::kHistoricalLocation, "Thing"), thing_id}}));
  const model::NavigationDef& link = Nav(EntityKind::kHistoricalLocation, "Locations");
  for (const auto& location : locations.entities)
    FUNDAMENT_RETURN_IF_ERROR(txn_.Link(EntityKind::kHistoricalLocation, id, link, location.id));
  return Status::Ok();
}

Result<WrittenEntity> Writer::Update(const odata::ResourcePath& path, const json::value& body, bool replace) {
  derived_features_.clear();
  if (path.is_collection() || path.ref || path.property != nullptr)
    return Error{ErrorCode::kMethodNotAllowed, fmt::format("{} changes a single entity; address it by id",
                                                           replace ? "PUT" : "PATCH")};
  FUNDAMENT_ASSIGN_OR_RETURN(auto resolved, Resolve(path));
  const model::EntityTypeDef& type = *resolved->type;
  const int64_t id = resolved->id;
  FUNDAMENT_ASSIGN_OR_RETURN(auto input,
                             ParseEntityInput(type, body, replace ? InputMode::kReplace : InputMode::kPatch));
  if (type.kind == EntityKind::kLocation || type.kind == EntityKind::kFeatureOfInterest)
    FUNDAMENT_RETURN_IF_ERROR(CheckGeoEncoding(input));

  json::object properties = input.properties;
  store::References references;
  for (const auto& related : input.related) {
    if (related.navigation->relation != Relation::kReference) continue;
    FUNDAMENT_ASSIGN_OR_RETURN(int64_t target, CreateOrLink(related.entities.front(), {}));
    SetReference(references, related.navigation, target);
  }
  if (type.kind == EntityKind::kObservation) {
    const json::value* phenomenon = properties.if_contains("phenomenonTime");
    if (phenomenon != nullptr && phenomenon->is_null())
      properties["phenomenonTime"] = model::FormatInstant(model::Now());
    if (HasReference(references, "Datastream") && HasReference(references, "MultiDatastream"))
      return BadRequest("an Observation links to a Datastream or a MultiDatastream, not both", "Datastream");
  }
  if (!properties.empty() || !references.empty())
    FUNDAMENT_RETURN_IF_ERROR(txn_.Update(type.kind, id, properties, references));

  for (const auto& related : input.related) {
    const model::NavigationDef& nav = *related.navigation;
    if (nav.relation == Relation::kLinkTable) {
      // A Thing's Locations are its current ones: a new list replaces the old
      // (as servers in the field do), and the change is recorded.
      bool thing_locations = type.kind == EntityKind::kThing && nav.name == "Locations";
      if (thing_locations || replace) FUNDAMENT_RETURN_IF_ERROR(txn_.UnlinkAll(type.kind, id, nav));
      for (const auto& child : related.entities) {
        FUNDAMENT_ASSIGN_OR_RETURN(int64_t child_id, CreateOrLink(child, {}));
        FUNDAMENT_RETURN_IF_ERROR(txn_.Link(type.kind, id, nav, child_id));
        if (type.kind == EntityKind::kLocation && nav.name == "Things")
          FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(child_id));
      }
      if (thing_locations) FUNDAMENT_RETURN_IF_ERROR(RecordHistoricalLocation(id));
    } else if (nav.relation == Relation::kReferencedBy) {
      store::References back{{&model::InverseOf(type, nav), id}};
      for (const auto& child : related.entities) FUNDAMENT_RETURN_IF_ERROR(CreateOrLink(child, back).status());
    }
  }
  // An update may change any of the lists that must stay in step (or add an
  // ObservedProperty); the result is checked as stored, and an error rolls
  // the whole update back.
  if (type.kind == EntityKind::kMultiDatastream) FUNDAMENT_RETURN_IF_ERROR(CheckMultiDatastream(id, ""));
  return WrittenEntity{type.kind, id};
}

Status Writer::Delete(const odata::ResourcePath& path) {
  derived_features_.clear();
  if (path.is_collection() || path.ref || path.property != nullptr)
    return Error{ErrorCode::kMethodNotAllowed, "DELETE removes a single entity; address it by id"};
  FUNDAMENT_ASSIGN_OR_RETURN(auto resolved, Resolve(path));
  return txn_.Delete(resolved->type->kind, resolved->id);
}

Result<int64_t> Writer::CreateObservation(EntityKind stream_kind, int64_t stream_id, json::object properties,
                                          std::optional<int64_t> feature_id) {
  std::string_view stream_nav = stream_kind == EntityKind::kDatastream ? "Datastream" : "MultiDatastream";
  store::References references{{&Nav(EntityKind::kObservation, stream_nav), stream_id}};
  if (feature_id) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool exists, txn_.Exists(EntityKind::kFeatureOfInterest, *feature_id));
    if (!exists) return BadRequest(fmt::format("FeatureOfInterest {} does not exist", *feature_id));
    references.emplace_back(&Nav(EntityKind::kObservation, "FeatureOfInterest"), *feature_id);
  }
  FUNDAMENT_RETURN_IF_ERROR(CheckObservation(properties, references, ""));
  return txn_.Insert(EntityKind::kObservation, properties, references);
}

}  // namespace fundament::sta
