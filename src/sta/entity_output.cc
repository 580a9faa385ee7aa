#include "sta/entity_output.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/json_writer.h"

namespace fundament::sta {

namespace json = boost::json;

std::string Links::Self(model::EntityKind kind, int64_t id) const {
  return fmt::format("{}/{}({})", root_, model::TypeOf(kind).set_name, id);
}

std::string Links::Navigation(model::EntityKind kind, int64_t id, std::string_view navigation) const {
  return fmt::format("{}/{}({})/{}", root_, model::TypeOf(kind).set_name, id, navigation);
}

void Links::AppendLink(std::string& out, model::EntityKind kind, int64_t id, std::string_view navigation) const {
  out += root_;
  out += '/';
  out += model::TypeOf(kind).set_name;
  out += '(';
  AppendJsonInteger(out, id);
  out += ')';
  if (!navigation.empty()) {
    out += '/';
    out += navigation;
  }
}

Selection::Selection(const std::vector<std::string>& select) : names_(select) {}

bool Selection::Includes(std::string_view name) const {
  return names_.empty() || std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::vector<std::string> Selection::StoreProperties(const model::EntityTypeDef& type) const {
  std::vector<std::string> wanted;
  if (everything()) return wanted;
  for (const auto& property : type.properties)
    if (Includes(property.name)) wanted.emplace_back(property.name);
  // An empty list would mean "all": ask for the smallest property instead.
  if (wanted.empty()) wanted.emplace_back(type.properties.front().name);
  return wanted;
}

json::object RenderEntity(const model::EntityTypeDef& type, const store::Entity& entity,
                          const Selection& selection, const Links& links) {
  json::object out;
  if (selection.Includes("@iot.id")) out["@iot.id"] = entity.id;
  if (selection.Includes("@iot.selfLink")) out["@iot.selfLink"] = links.Self(type.kind, entity.id);
  for (const auto& property : type.properties) {
    if (!selection.Includes(property.name)) continue;
    if (const json::value* value = entity.properties.if_contains(property.name)) {
      out[property.name] = *value;
    } else {
      out[property.name] = nullptr;
    }
  }
  for (const auto& nav : type.navigations) {
    if (!selection.Includes(nav.name)) continue;
    out[fmt::format("{}@iot.navigationLink", nav.name)] = links.Navigation(type.kind, entity.id, nav.name);
  }
  return out;
}

bool AppendEntityMembers(std::string& out, const model::EntityTypeDef& type, const store::Entity& entity,
                         const Selection& selection, const Links& links) {
  bool first = true;
  auto key = [&](std::string_view name, std::string_view suffix = {}) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += name;  // names from the data model: nothing to escape
    out += suffix;
    out += "\":";
  };
  std::string link;
  if (selection.Includes("@iot.id")) {
    key("@iot.id");
    AppendJsonInteger(out, entity.id);
  }
  if (selection.Includes("@iot.selfLink")) {
    key("@iot.selfLink");
    link.clear();
    links.AppendLink(link, type.kind, entity.id);
    AppendJsonString(out, link);
  }
  for (const auto& property : type.properties) {
    if (!selection.Includes(property.name)) continue;
    key(property.name);
    if (const json::value* value = entity.properties.if_contains(property.name)) {
      AppendJson(out, *value);
    } else {
      out += "null";
    }
  }
  for (const auto& nav : type.navigations) {
    if (!selection.Includes(nav.name)) continue;
    key(nav.name, "@iot.navigationLink");
    link.clear();
    links.AppendLink(link, type.kind, entity.id, nav.name);
    AppendJsonString(out, link);
  }
  return !first;
}

}  // namespace fundament::sta
