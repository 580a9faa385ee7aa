#include "sta/data_array.h"

#include <boost/json.hpp>

#include "common/json_writer.h"
#include <fmt/format.h>

#include "sta/entity_input.h"
#include "sta/writer.h"

namespace fundament::sta {

namespace json = boost::json;
using model::EntityKind;

namespace {

// One group of the request: the rows of one (Multi)Datastream.
struct RowGroup {
  EntityKind stream_kind;
  int64_t stream_id;
  std::vector<const model::PropertyDef*> columns;  // null for "FeatureOfInterest/id"
  const json::array* rows;
};

Result<std::vector<RowGroup>> ParseGroups(const json::value& document) {
  if (!document.is_array()) return BadRequest("CreateObservations expects a JSON array of Datastream groups");
  const model::EntityTypeDef& observation = model::TypeOf(EntityKind::kObservation);
  std::vector<RowGroup> groups;
  const json::array& items = document.as_array();
  for (size_t g = 0; g < items.size(); ++g) {
    std::string where = fmt::format("[{}]", g);
    if (!items[g].is_object()) return BadRequest(fmt::format("{}: expected an object", where), where);
    const json::object& item = items[g].as_object();
    RowGroup group{};
    const json::value* stream = item.if_contains("Datastream");
    group.stream_kind = EntityKind::kDatastream;
    if (stream == nullptr) {
      stream = item.if_contains("MultiDatastream");
      group.stream_kind = EntityKind::kMultiDatastream;
    }
    const json::value* id = stream && stream->is_object() ? stream->as_object().if_contains("@iot.id") : nullptr;
    if (id == nullptr || !id->is_int64() || id->as_int64() <= 0)
      return BadRequest(fmt::format("{}.Datastream: expected {{\"@iot.id\": <id>}}", where), where + ".Datastream");
    group.stream_id = id->as_int64();

    const json::value* components = item.if_contains("components");
    if (components == nullptr || !components->is_array() || components->as_array().empty())
      return BadRequest(fmt::format("{}.components: expected a non-empty array of names", where), where + ".components");
    bool has_result = false;
    for (const auto& name : components->as_array()) {
      if (!name.is_string()) return BadRequest(fmt::format("{}.components: names must be strings", where));
      std::string_view text = name.as_string();
      if (text == kFeatureOfInterestIdComponent) {
        group.columns.push_back(nullptr);
        continue;
      }
      const model::PropertyDef* property = observation.FindProperty(text);
      if (property == nullptr)
        return BadRequest(fmt::format("{}.components: unknown component '{}'", where, text), where + ".components");
      has_result = has_result || text == "result";
      group.columns.push_back(property);
    }
    if (!has_result) return BadRequest(fmt::format("{}.components: must include 'result'", where));
    const json::value* rows = item.if_contains("dataArray");
    if (rows == nullptr || !rows->is_array())
      return BadRequest(fmt::format("{}.dataArray: expected an array of rows", where), where + ".dataArray");
    for (size_t r = 0; r < rows->as_array().size(); ++r) {
      const json::value& row = rows->as_array()[r];
      if (!row.is_array() || row.as_array().size() != group.columns.size())
        return BadRequest(fmt::format("{}.dataArray[{}]: expected an array of {} values", where, r,
                                      group.columns.size()),
                          fmt::format("{}.dataArray[{}]", where, r));
    }
    group.rows = &rows->as_array();
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace

Result<std::vector<std::string>> DataArrayComponents(const std::vector<std::string>& select) {
  const model::EntityTypeDef& observation = model::TypeOf(EntityKind::kObservation);
  std::vector<std::string> components;
  if (select.empty()) {
    components.emplace_back("id");
    for (const auto& property : observation.properties) components.emplace_back(property.name);
    return components;
  }
  for (const std::string& name : select) {
    if (name == "@iot.id") {
      components.emplace_back("id");
    } else if (observation.FindProperty(name) != nullptr) {
      components.push_back(name);
    } else if (name == "FeatureOfInterest") {
      components.emplace_back(kFeatureOfInterestIdComponent);
    } else {
      std::string allowed = "id";
      for (const auto& property : observation.properties) allowed += fmt::format(", {}", property.name);
      return BadRequest(
          fmt::format("$select: '{}' is not a dataArray component; with $resultFormat=dataArray, "
                      "$select takes {} and FeatureOfInterest (its id)",
                      name, allowed),
          "$select");
    }
  }
  return components;
}

Result<HttpResponse> CreateObservations(store::Store& store, const Links& links, const json::value& document) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto groups, ParseGroups(document));
  json::array answer;
  FUNDAMENT_RETURN_IF_ERROR(store.Write([&](store::WriteTransaction& txn) -> Status {
    answer.clear();
    int64_t rows = 0;
    for (const RowGroup& group : groups) rows += static_cast<int64_t>(group.rows->size());
    txn.ExpectInserts(EntityKind::kObservation, rows);
    Writer writer(txn);
    for (const RowGroup& group : groups) {
      FUNDAMENT_ASSIGN_OR_RETURN(bool exists, txn.Exists(group.stream_kind, group.stream_id));
      if (!exists)
        return BadRequest(fmt::format("{} {} does not exist", model::TypeOf(group.stream_kind).name, group.stream_id));
      for (const json::value& row_value : *group.rows) {
        const json::array& row = row_value.as_array();
        json::object properties;
        std::optional<int64_t> feature;
        bool valid = true;
        for (size_t c = 0; c < row.size() && valid; ++c) {
          const model::PropertyDef* column = group.columns[c];
          if (column == nullptr) {
            valid = row[c].is_int64() && row[c].as_int64() > 0;
            if (valid) feature = row[c].as_int64();
            continue;
          }
          auto value = NormaliseProperty(*column, row[c], std::string(column->name));
          valid = value.ok();
          if (valid) properties[column->name] = std::move(value).value();
        }
        if (!valid) {
          answer.emplace_back("error");
          continue;
        }
        auto id = writer.CreateObservation(group.stream_kind, group.stream_id, std::move(properties), feature);
        if (!id.ok()) {
          // Row-level problems (a missing FeatureOfInterest, a result that does
          // not fit a MultiDatastream) are found before anything is written.
          if (id.error().code != ErrorCode::kBadRequest) return id.error();
          answer.emplace_back("error");
          continue;
        }
        answer.emplace_back(links.Self(EntityKind::kObservation, *id));
      }
    }
    return Status::Ok();
  }));
  HttpResponse response;
  response.status = 201;
  response.body = ToJson(answer);
  return response;
}

}  // namespace fundament::sta
