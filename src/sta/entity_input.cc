#include "sta/entity_input.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "model/geojson.h"
#include "model/time.h"

namespace fundament::sta {
namespace {

namespace json = boost::json;
using model::ValueType;

std::string Join(const std::string& path, std::string_view member) {
  return path.empty() ? std::string(member) : fmt::format("{}.{}", path, member);
}

const char* KindName(json::kind kind) {
  switch (kind) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

Error WrongType(const std::string& field, std::string_view expected, const json::value& got) {
  return BadRequest(fmt::format("{}: expected {}, got {}", field, expected, KindName(got.kind())), field);
}

// A unit of measurement: {name, symbol, definition}, each a string or null.
Status CheckUnit(const json::value& value, const std::string& field) {
  if (!value.is_object()) return WrongType(field, "an object with name, symbol and definition", value);
  for (const auto& member : value.as_object()) {
    std::string_view key = member.key();
    if (key != "name" && key != "symbol" && key != "definition")
      return BadRequest(fmt::format("{}: unknown member '{}' (expected name, symbol, definition)", field, key),
                        field);
    if (!member.value().is_string() && !member.value().is_null())
      return WrongType(Join(field, key), "a string or null", member.value());
  }
  return Status::Ok();
}

// Checks that a timestamp property holds a string and normalises it with `parse`.
template <typename Parse, typename Format>
Result<json::value> NormaliseTime(const json::value& value, const std::string& field, std::string_view what,
                                  Parse parse, Format format) {
  if (!value.is_string()) return WrongType(field, what, value);
  auto parsed = parse(std::string_view(value.as_string()));
  if (!parsed.ok()) return BadRequest(fmt::format("{}: {}", field, parsed.error().message), field);
  return json::value(format(*parsed));
}

bool IsAnnotation(std::string_view key) {
  return key == "@iot.selfLink" || key.ends_with("@iot.navigationLink") || key.ends_with("@iot.nextLink") ||
         key.ends_with("@iot.count");
}

// Reads an `@iot.id` value: a positive integer (or an integral string, as some clients send).
Result<int64_t> ReadId(const json::value& value, const std::string& field) {
  if (value.is_int64() && value.as_int64() > 0) return value.as_int64();
  if (value.is_uint64() && value.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(value.as_uint64());
  }
  if (value.is_string()) {
    std::string_view text = value.as_string();
    int64_t id = 0;
    bool digits = !text.empty() && text.size() <= 18;
    for (char c : text) {
      if (c < '0' || c > '9') digits = false;
      else id = id * 10 + (c - '0');
    }
    if (digits && id > 0) return id;
    if (text.starts_with('$'))
      return BadRequest(fmt::format("{}: unknown batch reference '{}'", field, text), field);
  }
  return BadRequest(fmt::format("{}: @iot.id must be a positive integer", field), field);
}

Result<EntityInput> ParseEntity(const model::EntityTypeDef& type, const json::value& body, InputMode mode,
                                const std::string& path, bool nested);

Status ParseRelated(const model::NavigationDef& nav, const json::value& value, InputMode mode,
                    const std::string& field, EntityInput& out) {
  const model::EntityTypeDef& target = model::TypeOf(nav.target);
  RelatedInput related{&nav, {}};
  if (nav.to_many) {
    if (!value.is_array()) return WrongType(field, "an array of entities", value);
    const auto& items = value.as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      FUNDAMENT_ASSIGN_OR_RETURN(auto child,
                                 ParseEntity(target, items[i], mode, fmt::format("{}[{}]", field, i), true));
      related.entities.push_back(std::move(child));
    }
  } else {
    if (!value.is_object()) return WrongType(field, "an entity object", value);
    FUNDAMENT_ASSIGN_OR_RETURN(auto child, ParseEntity(target, value, mode, field, true));
    related.entities.push_back(std::move(child));
  }
  out.related.push_back(std::move(related));
  return Status::Ok();
}

Result<EntityInput> ParseEntity(const model::EntityTypeDef& type, const json::value& body, InputMode mode,
                                const std::string& path, bool nested) {
  std::string where = path.empty() ? std::string(type.name) : path;
  if (!body.is_object()) return WrongType(where, fmt::format("a {} object", type.name), body);
  const json::object& object = body.as_object();

  EntityInput input;
  input.type = &type;
  input.field_path = path;

  // A nested object that carries only @iot.id links to an existing entity.
  // In a create, an inline entity with more members is a new entity whose id
  // the service ignores (OGC 18-088 §10.2.2.2); an update can only link.
  if (nested) {
    if (const json::value* id = object.if_contains("@iot.id")) {
      bool only_id = std::all_of(object.begin(), object.end(), [](const json::key_value_pair& member) {
        return member.key() == "@iot.id" || IsAnnotation(member.key());
      });
      if (only_id || mode != InputMode::kCreate) {
        FUNDAMENT_ASSIGN_OR_RETURN(input.existing_id, ReadId(*id, Join(path, "@iot.id")));
        return input;
      }
    }
    if (mode == InputMode::kPatch || mode == InputMode::kReplace)
      return BadRequest(fmt::format("{}: an update may link existing entities with {{\"@iot.id\": …}} but not "
                                    "create new ones",
                                    where),
                        where);
  }

  for (const auto& member : object) {
    std::string_view key = member.key();
    const std::string field = Join(path, key);
    if (key == "@iot.id" || key == "id") {
      // A client-chosen id on create, or the entity's own id echoed on update.
      continue;
    }
    if (IsAnnotation(key)) continue;
    if (const model::PropertyDef* property = type.FindProperty(key)) {
      if (property->read_only) continue;  // maintained by the server
      FUNDAMENT_ASSIGN_OR_RETURN(auto value, NormaliseProperty(*property, member.value(), field));
      input.properties[key] = std::move(value);
      continue;
    }
    if (const model::NavigationDef* nav = type.FindNavigation(key)) {
      FUNDAMENT_RETURN_IF_ERROR(ParseRelated(*nav, member.value(), mode, field, input));
      continue;
    }
    return BadRequest(fmt::format("{}: unknown property '{}' of {}", where, key, type.name), field);
  }

  if (mode != InputMode::kPatch) {
    for (const auto& property : type.properties) {
      if (property.read_only || input.properties.contains(property.name)) continue;
      if (property.mandatory)
        return BadRequest(fmt::format("{}: missing mandatory property '{}'", where, property.name),
                          Join(path, property.name));
      if (mode == InputMode::kReplace) input.properties[property.name] = nullptr;
    }
  }
  return input;
}

}  // namespace

const RelatedInput* EntityInput::FindRelated(std::string_view navigation_name) const {
  for (const auto& r : related)
    if (r.navigation->name == navigation_name) return &r;
  return nullptr;
}

Result<json::value> NormaliseProperty(const model::PropertyDef& property, const json::value& value,
                                      const std::string& field) {
  if (value.is_null()) {
    if (!property.nullable) return BadRequest(fmt::format("{}: must not be null", field), field);
    return json::value(nullptr);
  }
  switch (property.type) {
    case ValueType::kString:
      if (!value.is_string()) return WrongType(field, "a string", value);
      return value;
    case ValueType::kObject:
      if (!value.is_object()) return WrongType(field, "a JSON object", value);
      return value;
    case ValueType::kAny:
      return value;
    case ValueType::kGeoJson: {
      FUNDAMENT_RETURN_IF_ERROR(model::ValidateGeoJson(value, field));
      return value;
    }
    case ValueType::kInstant:
      return NormaliseTime(value, field, "an ISO 8601 instant", model::ParseInstant,
                           [](model::Micros t) { return model::FormatInstant(t); });
    case ValueType::kInterval:
      return NormaliseTime(value, field, "an ISO 8601 interval", model::ParseInterval,
                           [](const model::TimeInterval& i) { return model::FormatInterval(i); });
    case ValueType::kInstantOrInterval:
      return NormaliseTime(value, field, "an ISO 8601 instant or interval", model::ParseInstantOrInterval,
                           [](const model::TimeInterval& i) { return model::FormatInterval(i, true); });
    case ValueType::kUnitOfMeasurement:
      FUNDAMENT_RETURN_IF_ERROR(CheckUnit(value, field));
      return value;
    case ValueType::kUnitArray: {
      if (!value.is_array()) return WrongType(field, "an array of units of measurement", value);
      const auto& units = value.as_array();
      for (size_t i = 0; i < units.size(); ++i)
        FUNDAMENT_RETURN_IF_ERROR(CheckUnit(units[i], fmt::format("{}[{}]", field, i)));
      return value;
    }
    case ValueType::kStringArray: {
      if (!value.is_array()) return WrongType(field, "an array of strings", value);
      const auto& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i)
        if (!items[i].is_string()) return WrongType(fmt::format("{}[{}]", field, i), "a string", items[i]);
      return value;
    }
  }
  return Internal("unhandled value type");
}

Result<EntityInput> ParseEntityInput(const model::EntityTypeDef& type, const json::value& body, InputMode mode) {
  return ParseEntity(type, body, mode, "", false);
}

Result<json::value> ParseJsonBody(std::string_view body) {
  if (body.empty()) return BadRequest("the request body is empty; expected JSON");
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) return BadRequest(fmt::format("the request body is not valid JSON: {}", ec.message()));
  return value;
}

}  // namespace fundament::sta
