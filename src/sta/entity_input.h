// Reading entities from request bodies: validation and normalisation of the
// JSON a client sends to create (with deep insert), update or replace an
// entity (OGC 18-088 §10). Produces a tree of EntityInput that the writer
// turns into store operations; nothing here touches the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/result.h"
#include "model/entity_type.h"

namespace fundament::sta {

// What a request body is for; decides which properties are required.
enum class InputMode {
  kCreate,   // POST: mandatory properties required; related entities may be inline
  kPatch,    // PATCH: only the given properties; related entities only as links
  kReplace,  // PUT: mandatory properties required; omitted optional ones are cleared
};

struct EntityInput;

// The related entities given for one navigation property.
struct RelatedInput {
  const model::NavigationDef* navigation = nullptr;
  std::vector<EntityInput> entities;  // one for a to-one navigation
};

// One entity of a request body: either a link to an existing entity
// (`{"@iot.id": 7}`) or a new entity with its validated properties and
// (for create) inline related entities.
struct EntityInput {
  const model::EntityTypeDef* type = nullptr;
  std::optional<int64_t> existing_id;  // set: a link to this existing entity
  // Validated properties, normalised (times as UTC ISO 8601), in body order.
  // For kReplace every writable property is present (null when omitted).
  boost::json::object properties;
  std::vector<RelatedInput> related;
  std::string field_path;  // where in the body this entity is, for messages

  bool is_link() const { return existing_id.has_value(); }
  const RelatedInput* FindRelated(std::string_view navigation_name) const;
};

// Parses and validates `body` as an entity of `type` for `mode`. Unknown
// members, wrong types, invalid times or geometries and missing mandatory
// properties give kBadRequest naming the member (e.g. "Datastreams[0].unitOfMeasurement").
// Annotations a client copied from a response (`@iot.selfLink`,
// `X@iot.navigationLink`) are ignored.
Result<EntityInput> ParseEntityInput(const model::EntityTypeDef& type, const boost::json::value& body,
                                     InputMode mode);

// Validates and normalises one property value (used by dataArray creation too).
Result<boost::json::value> NormaliseProperty(const model::PropertyDef& property, const boost::json::value& value,
                                             const std::string& field);

// Parses a request body as JSON; kBadRequest with the parser's message on failure.
Result<boost::json::value> ParseJsonBody(std::string_view body);

}  // namespace fundament::sta
