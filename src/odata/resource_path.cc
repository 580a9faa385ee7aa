#include "odata/resource_path.h"

#include <string>

#include "odata/syntax.h"

namespace fundament::odata {
namespace {

using model::EntityTypeDef;
using model::NavigationDef;
using model::PropertyDef;
using model::ValueType;

// One path segment split into its name and, when it has parentheses, the key
// text between them; nothing is checked against the model yet.
struct Segment {
  std::string_view name;
  std::optional<std::string_view> key;
};

Result<Segment> SplitSegment(std::string_view text) {
  size_t open = text.find('(');
  if (open == std::string_view::npos) {
    if (text.find(')') != std::string_view::npos)
      return BadRequest("unbalanced ')' in path segment " + Quoted(text));
    return Segment{text, std::nullopt};
  }
  if (text.back() != ')')
    return BadRequest("path segment " + Quoted(text) + " must end with ')' after the id");
  std::string_view key = text.substr(open + 1, text.size() - open - 2);
  if (key.find_first_of("()") != std::string_view::npos)
    return BadRequest("malformed parentheses in path segment " + Quoted(text));
  std::string_view name = text.substr(0, open);
  if (name.empty())
    return BadRequest("path segment " + Quoted(text) + " has no entity set or navigation name");
  return Segment{name, key};
}

// Ids are what the stores hand out: positive 64-bit integers.
Result<int64_t> ParseId(std::string_view segment, std::string_view key) {
  if (key.empty()) return BadRequest("empty id in " + Quoted(segment) + "; ids are positive integers");
  int64_t id = 0;
  switch (ParseNonNegativeInt(key, id)) {
    case IntSyntax::kOk:
      break;
    case IntSyntax::kOutOfRange:
      return BadRequest("id " + Quoted(key) + " in " + Quoted(segment) + " is out of range");
    case IntSyntax::kMalformed:
      return BadRequest("id " + Quoted(key) + " in " + Quoted(segment) + " is not a positive integer");
  }
  if (id == 0) return BadRequest("id 0 in " + Quoted(segment) + " is not a positive integer");
  return id;
}

// Properties whose values have members a client could try to address.
bool HasMembers(const PropertyDef& property) {
  return property.type == ValueType::kObject || property.type == ValueType::kAny ||
         property.type == ValueType::kUnitOfMeasurement || property.type == ValueType::kGeoJson;
}

// What the segments parsed so far address, which decides what may follow.
enum class Addressed { kCollection, kEntity, kProperty, kValue, kRef };

Status AppendStep(ResourcePath& path, PathStep step) {
  if (path.steps.size() >= kMaxResourcePathSteps)
    return BadRequest("resource path is too long (more than " + std::to_string(kMaxResourcePathSteps) +
                      " entity sets and navigations)");
  path.steps.push_back(step);
  return Status::Ok();
}

// The end of the message for a segment `text` after the collection
// `collection` (the path so far): a suggestion only where the path it names
// is valid, so that a client who follows it gets an answer, not another 400.
std::string CollectionHint(const EntityTypeDef& type, std::string_view collection, std::string_view text) {
  int64_t id = 0;
  if (ParseNonNegativeInt(text, id) == IntSyntax::kOk && id > 0)
    return "; an id goes in parentheses, as in " + std::string(collection) + "(" + std::string(text) + ")";
  if (text == "$count") return "; $count as a path segment is not offered, use the query option $count=true";
  Result<Segment> segment = SplitSegment(text);
  if (segment.ok()) {
    const NavigationDef* navigation = type.FindNavigation(segment->name);
    const bool keeps_key = navigation != nullptr && navigation->to_many && segment->key.has_value() &&
                           ParseId(text, *segment->key).ok();
    if (navigation != nullptr || type.FindProperty(segment->name) != nullptr)
      return "; address one entity by id first, as in " + std::string(collection) + "(1)/" +
             std::string(keeps_key ? text : segment->name);
  }
  return "; to address one entity, put its id in parentheses, as in " + std::string(collection) + "(1)";
}

}  // namespace

bool ResourcePath::is_collection() const {
  if (steps.empty() || property != nullptr) return false;
  const PathStep& step = steps.back();
  if (step.id.has_value()) return false;
  return step.navigation == nullptr || step.navigation->to_many;
}

Result<ResourcePath> ParseResourcePath(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return BadRequest("empty resource path");

  ResourcePath result;
  Addressed addressed = Addressed::kCollection;
  bool first = true;
  for (std::string_view text : Split(path, '/')) {
    if (text.empty()) return BadRequest("empty segment in resource path " + Quoted(path));

    if (first) {
      first = false;
      if (text.front() == '$') return BadRequest("unsupported resource path " + Quoted(text));
      FUNDAMENT_ASSIGN_OR_RETURN(Segment segment, SplitSegment(text));
      const EntityTypeDef* type = model::FindBySetName(segment.name);
      if (type == nullptr) return NotFound("no entity set " + Quoted(segment.name));
      PathStep step{type, nullptr, std::nullopt};
      if (segment.key) {
        FUNDAMENT_ASSIGN_OR_RETURN(step.id, ParseId(text, *segment.key));
      }
      FUNDAMENT_RETURN_IF_ERROR(AppendStep(result, step));
      addressed = step.id ? Addressed::kEntity : Addressed::kCollection;
      continue;
    }

    const EntityTypeDef& type = *result.last().type;
    switch (addressed) {
      case Addressed::kValue:
        return BadRequest("nothing may follow $value, got " + Quoted(text));
      case Addressed::kRef:
        return BadRequest("nothing may follow $ref, got " + Quoted(text));
      case Addressed::kProperty:
        if (text == "$value") {
          result.value = true;
          addressed = Addressed::kValue;
          continue;
        }
        if (HasMembers(*result.property)) {
          if (text.front() == '$') return BadRequest("unsupported path segment " + Quoted(text));
          if (result.member_path.size() >= kMaxResourcePathSteps)
            return BadRequest("too many member steps in resource path");
          result.member_path.emplace_back(text);
          continue;
        }
        return BadRequest("only $value may follow the property " + Quoted(result.property->name) + ", got " +
                          Quoted(text));
      case Addressed::kCollection: {
        if (text == "$ref") {
          result.ref = true;
          addressed = Addressed::kRef;
          continue;
        }
        // The path before this segment (Split hands out views into `path`).
        const std::string_view collection =
            path.substr(0, static_cast<size_t>(text.data() - path.data()) - 1);
        return BadRequest(Quoted(text) + " cannot follow the collection " + Quoted(collection) +
                          " (only $ref may)" + CollectionHint(type, collection, text));
      }
      case Addressed::kEntity:
        break;
    }

    if (text == "$ref") {
      result.ref = true;
      addressed = Addressed::kRef;
      continue;
    }
    if (text == "$value") return BadRequest("$value must follow a property, as in .../name/$value");
    if (text.front() == '$') return BadRequest("unsupported path segment " + Quoted(text));

    FUNDAMENT_ASSIGN_OR_RETURN(Segment segment, SplitSegment(text));
    if (const NavigationDef* navigation = type.FindNavigation(segment.name)) {
      PathStep step{&model::TypeOf(navigation->target), navigation, std::nullopt};
      if (segment.key) {
        if (!navigation->to_many)
          return BadRequest(Quoted(navigation->name) + " of " + std::string(type.name) +
                            " is a single entity and takes no id");
        FUNDAMENT_ASSIGN_OR_RETURN(step.id, ParseId(text, *segment.key));
      }
      FUNDAMENT_RETURN_IF_ERROR(AppendStep(result, step));
      addressed = (navigation->to_many && !step.id) ? Addressed::kCollection : Addressed::kEntity;
      continue;
    }
    if (const PropertyDef* property = type.FindProperty(segment.name)) {
      if (segment.key) return BadRequest("the property " + Quoted(property->name) + " takes no id");
      result.property = property;
      addressed = Addressed::kProperty;
      continue;
    }
    return NotFound(std::string(type.name) + " has no property or navigation property " +
                    Quoted(segment.name));
  }
  return result;
}

}  // namespace fundament::odata
