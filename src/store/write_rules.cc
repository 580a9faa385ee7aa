#include "store/write_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/time.h"

namespace fundament::store {
namespace {

namespace json = boost::json;
using model::EntityKind;

std::string_view TypeName(EntityKind kind) { return model::TypeOf(kind).name; }

bool Given(const References& references, std::string_view navigation) {
  return std::any_of(references.begin(), references.end(),
                     [&](const auto& r) { return r.first != nullptr && r.first->name == navigation; });
}

Error NotExactlyOneParent() {
  return BadRequest("an Observation belongs to exactly one Datastream or MultiDatastream", "Datastream");
}

// Adds the foreign key assignments for `references` of table `table`,
// checking that each target exists.
Status EncodeReferences(const TableMap& table, const References& references, WriteTransaction& tx,
                        std::vector<Assignment>& out) {
  for (const auto& [navigation, target] : references) {
    const ReferenceColumn* column = navigation != nullptr ? table.FindReference(navigation->name) : nullptr;
    if (column == nullptr) {
      return BadRequest(fmt::format("{} has no reference {}", TypeName(table.kind),
                                    navigation != nullptr ? navigation->name : "(none)"));
    }
    FUNDAMENT_ASSIGN_OR_RETURN(bool exists, tx.Exists(column->navigation->target, target));
    if (!exists) {
      return BadRequest(fmt::format("{} {} does not exist", TypeName(column->navigation->target), target),
                        std::string(column->navigation->name));
    }
    out.push_back({column->column, int64_t{target}});
  }
  return Status::Ok();
}

template <typename T>
void Lower(std::optional<T>& bound, std::optional<T> value) {
  if (value && (!bound || *value < *bound)) bound = value;
}

template <typename T>
void Raise(std::optional<T>& bound, std::optional<T> value) {
  if (value && (!bound || *value > *bound)) bound = value;
}

}  // namespace

Error Missing(EntityKind kind, int64_t id) {
  return NotFound(fmt::format("{} {} does not exist", TypeName(kind), id));
}

Result<std::vector<Assignment>> InsertAssignments(EntityKind kind, const json::object& properties,
                                                  const References& references, WriteTransaction& tx) {
  const TableMap& table = TableOf(kind);
  std::vector<Assignment> assignments;
  for (const PropertyColumns& columns : table.properties) {
    const model::PropertyDef& def = *columns.property;
    if (def.read_only) continue;
    const json::value* value = properties.if_contains(def.name);
    if (value == nullptr && kind == EntityKind::kObservation && def.name == "phenomenonTime") {
      // The server sets phenomenonTime to the time of creation when the
      // client leaves it out (OGC 18-088 §10.2.1.1).
      FUNDAMENT_RETURN_IF_ERROR(
          EncodeProperty(columns, json::value(model::FormatInstant(model::Now())), assignments));
      continue;
    }
    if (value == nullptr && def.mandatory) {
      return BadRequest(fmt::format("{} is mandatory for a {}", def.name, TypeName(kind)),
                        std::string(def.name));
    }
    if (value != nullptr && value->is_null() && !def.nullable) {
      return BadRequest(fmt::format("{} must not be null", def.name), std::string(def.name));
    }
    static const json::value kNull;
    FUNDAMENT_RETURN_IF_ERROR(EncodeProperty(columns, value != nullptr ? *value : kNull, assignments));
  }
  for (const ReferenceColumn& reference : table.references) {
    if (reference.navigation->mandatory && !Given(references, reference.navigation->name)) {
      return BadRequest(fmt::format("a {} needs a {}", TypeName(kind), reference.navigation->name),
                        std::string(reference.navigation->name));
    }
  }
  if (kind == EntityKind::kObservation &&
      Given(references, "Datastream") == Given(references, "MultiDatastream")) {
    return NotExactlyOneParent();
  }
  FUNDAMENT_RETURN_IF_ERROR(EncodeReferences(table, references, tx, assignments));
  if (kind == EntityKind::kObservation) {
    // The clustering key: the Datastream id, or the negated MultiDatastream id.
    auto datastream = AssignedInt(assignments, "datastream_id");
    auto multi = AssignedInt(assignments, "multi_datastream_id");
    assignments.push_back({"stream", datastream ? *datastream : -multi.value_or(0)});
  }
  return assignments;
}

Result<UpdateAssignments> UpdateAssignmentsOf(EntityKind kind, const json::object& properties,
                                              const References& references, WriteTransaction& tx) {
  const TableMap& table = TableOf(kind);
  UpdateAssignments update;
  std::vector<Assignment>& assignments = update.assignments;
  for (const PropertyColumns& columns : table.properties) {
    const model::PropertyDef& def = *columns.property;
    const json::value* value = properties.if_contains(def.name);
    if (value == nullptr || def.read_only) continue;
    if (value->is_null() && !def.nullable) {
      return BadRequest(fmt::format("{} must not be null", def.name), std::string(def.name));
    }
    FUNDAMENT_RETURN_IF_ERROR(EncodeProperty(columns, *value, assignments));
    if (kind == EntityKind::kLocation && def.name == "location") update.new_location = value;
    if (kind == EntityKind::kFeatureOfInterest && def.name == "feature") update.feature_changes = true;
  }
  if (kind == EntityKind::kObservation && Given(references, "Datastream") &&
      Given(references, "MultiDatastream")) {
    return NotExactlyOneParent();
  }
  FUNDAMENT_RETURN_IF_ERROR(EncodeReferences(table, references, tx, assignments));
  if (kind == EntityKind::kObservation) {
    if (Given(references, "Datastream")) {
      assignments.push_back({"multi_datastream_id", {}});
      assignments.push_back({"stream", *AssignedInt(assignments, "datastream_id")});
    }
    if (Given(references, "MultiDatastream")) {
      assignments.push_back({"datastream_id", {}});
      assignments.push_back({"stream", -*AssignedInt(assignments, "multi_datastream_id")});
    }
  }
  return update;
}

Status CheckDistinct(const std::vector<Assignment>& assignments) {
  for (size_t i = 0; i < assignments.size(); ++i) {
    for (size_t j = i + 1; j < assignments.size(); ++j) {
      if (assignments[i].column == assignments[j].column) {
        return BadRequest(fmt::format("{} is given twice", assignments[i].column));
      }
    }
  }
  return Status::Ok();
}

std::optional<int64_t> AssignedInt(const std::vector<Assignment>& assignments, std::string_view column) {
  for (const Assignment& assignment : assignments) {
    if (assignment.column != column) continue;
    if (!std::holds_alternative<int64_t>(assignment.value)) return std::nullopt;
    return std::get<int64_t>(assignment.value);
  }
  return std::nullopt;
}

SqlValue OptionalValue(std::optional<int64_t> value) { return value ? SqlValue(*value) : SqlValue(); }
SqlValue OptionalValue(std::optional<double> value) { return value ? SqlValue(*value) : SqlValue(); }

bool ReadsExtents(const ReadRequest& request) {
  if (request.kind != EntityKind::kDatastream && request.kind != EntityKind::kMultiDatastream) return false;
  if (request.properties.empty()) return true;
  return std::any_of(request.properties.begin(), request.properties.end(), [](const std::string& name) {
    return name == "phenomenonTime" || name == "resultTime" || name == "observedArea";
  });
}

Status ExtentTracker::Widen(const std::vector<Assignment>& assignments) {
  std::optional<Parent> parent;
  if (auto datastream = AssignedInt(assignments, "datastream_id")) parent = Parent{EntityKind::kDatastream, *datastream};
  if (auto multi = AssignedInt(assignments, "multi_datastream_id"))
    parent = Parent{EntityKind::kMultiDatastream, *multi};
  if (!parent) return Status::Ok();
  std::optional<Box> feature_box;
  if (auto feature = AssignedInt(assignments, "feature_id")) {
    auto known = boxes_.find(*feature);
    if (known == boxes_.end()) {
      FUNDAMENT_ASSIGN_OR_RETURN(std::optional<Box> box, read_box_(*feature));
      known = boxes_.emplace(*feature, box).first;
    }
    feature_box = known->second;
  }
  Extent& extent = pending_[*parent];
  std::optional<int64_t> start = AssignedInt(assignments, "phenomenon_time_start");
  std::optional<int64_t> end = AssignedInt(assignments, "phenomenon_time_end");
  Lower(extent.phenomenon_start, start);
  Raise(extent.phenomenon_end, end ? end : start);
  std::optional<int64_t> result_time = AssignedInt(assignments, "result_time");
  Lower(extent.result_start, result_time);
  Raise(extent.result_end, result_time);
  if (feature_box) {
    Lower(extent.min_x, std::optional<double>(feature_box->min_x));
    Lower(extent.min_y, std::optional<double>(feature_box->min_y));
    Raise(extent.max_x, std::optional<double>(feature_box->max_x));
    Raise(extent.max_y, std::optional<double>(feature_box->max_y));
  }
  return Status::Ok();
}

void ChangeLog::Record(EntityKind kind, int64_t id, events::Operation operation) {
  auto key = std::make_pair(kind, id);
  if (operation == events::Operation::kDeleted) {
    reported_.erase(key);
  } else if (!reported_.insert(key).second) {
    return;  // already reported as created or updated
  }
  events_.push_back({kind, id, operation});
}

}  // namespace fundament::store
