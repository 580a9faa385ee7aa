#include "store/sqlite/write_transaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "model/time.h"
#include "store/sqlite/entity_codec.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/schema.h"

namespace fundament::store::sqlite {
namespace {

namespace json = boost::json;
using model::EntityKind;

std::string_view TypeName(EntityKind kind) { return model::TypeOf(kind).name; }

Error Missing(EntityKind kind, int64_t id) {
  return NotFound(fmt::format("{} {} does not exist", TypeName(kind), id));
}

// The SQL value expression for assignment number `index`.
std::string ValueExpression(const Assignment& assignment, int index) {
  if (assignment.geometry) return fmt::format("SetSRID(GeomFromGeoJSON(?{}), 4326)", index);
  return fmt::format("?{}", index);
}

// Geometry columns are only written when SpatiaLite can build geometries.
std::vector<Assignment> Applicable(std::vector<Assignment> assignments, bool spatialite) {
  if (!spatialite) std::erase_if(assignments, [](const Assignment& a) { return a.geometry; });
  return assignments;
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

Status BindAssignments(Statement& stmt, const std::vector<Assignment>& assignments) {
  for (size_t i = 0; i < assignments.size(); ++i) {
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(static_cast<int>(i) + 1, assignments[i].value));
  }
  return Status::Ok();
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

// The value assigned to `column`, if any.
const SqlValue* AssignedValue(const std::vector<Assignment>& assignments, std::string_view column) {
  for (const Assignment& assignment : assignments)
    if (assignment.column == column) return &assignment.value;
  return nullptr;
}

std::optional<int64_t> AssignedInt(const std::vector<Assignment>& assignments, std::string_view column) {
  const SqlValue* value = AssignedValue(assignments, column);
  if (value == nullptr || !std::holds_alternative<int64_t>(*value)) return std::nullopt;
  return std::get<int64_t>(*value);
}

template <typename T>
void Lower(std::optional<T>& bound, std::optional<T> value) {
  if (value && (!bound || *value < *bound)) bound = value;
}

template <typename T>
void Raise(std::optional<T>& bound, std::optional<T> value) {
  if (value && (!bound || *value > *bound)) bound = value;
}

SqlValue OptionalValue(std::optional<int64_t> value) { return value ? SqlValue(*value) : SqlValue(); }
SqlValue OptionalValue(std::optional<double> value) { return value ? SqlValue(*value) : SqlValue(); }

// Does a read of `request` see a Datastream's or MultiDatastream's
// phenomenonTime, resultTime or observedArea?
bool ReadsExtents(const ReadRequest& request) {
  if (request.kind != EntityKind::kDatastream && request.kind != EntityKind::kMultiDatastream) return false;
  if (request.properties.empty()) return true;
  return std::any_of(request.properties.begin(), request.properties.end(), [](const std::string& name) {
    return name == "phenomenonTime" || name == "resultTime" || name == "observedArea";
  });
}

bool Given(const References& references, std::string_view navigation) {
  return std::any_of(references.begin(), references.end(),
                     [&](const auto& r) { return r.first != nullptr && r.first->name == navigation; });
}

}  // namespace

Status IdSequence::Load(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      connection.Prepare("SELECT max((SELECT last FROM id_sequence WHERE name = 'observation'), "
                         "coalesce((SELECT max(id) FROM observation), 0))"));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return Internal("id_sequence has no row for observation");
  last_ = saved_ = stmt.ColumnInt(0);
  return Status::Ok();
}

Status IdSequence::Save(Connection& connection) {
  if (last_ == saved_) return Status::Ok();
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt, connection.Prepare("UPDATE id_sequence SET last = max(last, ?1) WHERE name = 'observation'"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, last_));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  saved_ = last_;
  return Status::Ok();
}

SqliteWriteTransaction::SqliteWriteTransaction(Connection& connection, IdSequence& observation_ids)
    : connection_(connection), observation_ids_(observation_ids) {}

void SqliteWriteTransaction::Record(EntityKind kind, int64_t id, events::Operation operation) {
  auto key = std::make_pair(kind, id);
  if (operation == events::Operation::kDeleted) {
    reported_.erase(key);
  } else if (!reported_.insert(key).second) {
    return;  // already reported as created or updated
  }
  events_.push_back({kind, id, operation});
}

Result<ReadResult> SqliteWriteTransaction::Read(const ReadRequest& request) {
  if (ReadsExtents(request)) FUNDAMENT_RETURN_IF_ERROR(Flush());
  return RunRead(connection_, request);
}

Result<ReadResult> SqliteWriteTransaction::Scan(const ReadRequest& request, const EntityVisitor& visit) {
  if (ReadsExtents(request)) FUNDAMENT_RETURN_IF_ERROR(Flush());
  return ScanRead(connection_, request, visit);
}

Result<std::optional<SqliteWriteTransaction::Box>> SqliteWriteTransaction::FeatureBox(int64_t feature_id) {
  auto known = feature_boxes_.find(feature_id);
  if (known != feature_boxes_.end()) return known->second;
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      connection_.Prepare("SELECT min_x, min_y, max_x, max_y FROM feature_of_interest WHERE id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, feature_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  std::optional<Box> box;
  if (row && !stmt.IsNull(0) && !stmt.IsNull(1) && !stmt.IsNull(2) && !stmt.IsNull(3))
    box = Box{stmt.ColumnDouble(0), stmt.ColumnDouble(1), stmt.ColumnDouble(2), stmt.ColumnDouble(3)};
  feature_boxes_.emplace(feature_id, box);
  return box;
}

// Notes how far the Observation with `assignments` (as inserted) reaches.
Status SqliteWriteTransaction::Widen(const std::vector<Assignment>& assignments) {
  std::optional<Parent> parent;
  if (auto datastream = AssignedInt(assignments, "datastream_id")) parent = Parent{EntityKind::kDatastream, *datastream};
  if (auto multi = AssignedInt(assignments, "multi_datastream_id"))
    parent = Parent{EntityKind::kMultiDatastream, *multi};
  if (!parent) return Status::Ok();
  Extent& extent = pending_[*parent];
  std::optional<int64_t> start = AssignedInt(assignments, "phenomenon_time_start");
  std::optional<int64_t> end = AssignedInt(assignments, "phenomenon_time_end");
  Lower(extent.phenomenon_start, start);
  Raise(extent.phenomenon_end, end ? end : start);
  std::optional<int64_t> result_time = AssignedInt(assignments, "result_time");
  Lower(extent.result_start, result_time);
  Raise(extent.result_end, result_time);
  if (auto feature = AssignedInt(assignments, "feature_id")) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::optional<Box> box, FeatureBox(*feature));
    if (box) {
      Lower(extent.min_x, std::optional<double>(box->min_x));
      Lower(extent.min_y, std::optional<double>(box->min_y));
      Raise(extent.max_x, std::optional<double>(box->max_x));
      Raise(extent.max_y, std::optional<double>(box->max_y));
    }
  }
  return Status::Ok();
}

Status SqliteWriteTransaction::Flush() {
  FUNDAMENT_RETURN_IF_ERROR(observation_ids_.Save(connection_));
  for (const auto& [parent, extent] : pending_) {
    // min()/max() of SQLite give NULL when an argument is NULL, hence the
    // coalesce on both sides: a NULL bound (nothing yet, or no resultTime)
    // takes the other value.
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement stmt,
        connection_.Prepare(fmt::format(
            "UPDATE {} SET "
            "phenomenon_time_start = min(coalesce(phenomenon_time_start, ?2), coalesce(?2, phenomenon_time_start)), "
            "phenomenon_time_end = max(coalesce(phenomenon_time_end, ?3), coalesce(?3, phenomenon_time_end)), "
            "result_time_start = min(coalesce(result_time_start, ?4), coalesce(?4, result_time_start)), "
            "result_time_end = max(coalesce(result_time_end, ?5), coalesce(?5, result_time_end)), "
            "min_x = min(coalesce(min_x, ?6), coalesce(?6, min_x)), "
            "min_y = min(coalesce(min_y, ?7), coalesce(?7, min_y)), "
            "max_x = max(coalesce(max_x, ?8), coalesce(?8, max_x)), "
            "max_y = max(coalesce(max_y, ?9), coalesce(?9, max_y)) "
            "WHERE id = ?1",
            TableOf(parent.first).table)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, parent.second));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(2, OptionalValue(extent.phenomenon_start)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(3, OptionalValue(extent.phenomenon_end)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(4, OptionalValue(extent.result_start)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(5, OptionalValue(extent.result_end)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(6, OptionalValue(extent.min_x)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(7, OptionalValue(extent.min_y)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(8, OptionalValue(extent.max_x)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(9, OptionalValue(extent.max_y)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  }
  pending_.clear();
  return Status::Ok();
}

Result<bool> SqliteWriteTransaction::Exists(EntityKind kind, int64_t id) {
  if (existing_.count({kind, id}) > 0) return true;
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(fmt::format("SELECT 1 FROM {} WHERE id = ?1",
                                                                             TableOf(kind).table)));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, stmt.Step());
  if (exists) existing_.insert({kind, id});
  return exists;
}

Status SqliteWriteTransaction::RequireExists(EntityKind kind, int64_t id) {
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, Exists(kind, id));
  if (!exists) return Missing(kind, id);
  return Status::Ok();
}

Result<int64_t> SqliteWriteTransaction::Insert(EntityKind kind, const json::object& properties,
                                               const References& references) {
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
    return BadRequest("an Observation belongs to exactly one Datastream or MultiDatastream", "Datastream");
  }
  FUNDAMENT_RETURN_IF_ERROR(EncodeReferences(table, references, *this, assignments));
  int64_t observation_id = 0;
  if (kind == EntityKind::kObservation) {
    // The clustering key and the id of the clustered table (schema.cc).
    observation_id = observation_ids_.Next();
    assignments.push_back({"id", observation_id});
    auto datastream = AssignedInt(assignments, "datastream_id");
    auto multi = AssignedInt(assignments, "multi_datastream_id");
    assignments.push_back({"stream", datastream ? *datastream : -multi.value_or(0)});
  }
  assignments = Applicable(std::move(assignments), connection_.spatialite());
  FUNDAMENT_RETURN_IF_ERROR(CheckDistinct(assignments));

  std::string columns_sql, values_sql;
  for (size_t i = 0; i < assignments.size(); ++i) {
    if (i > 0) {
      columns_sql += ", ";
      values_sql += ", ";
    }
    columns_sql += assignments[i].column;
    values_sql += ValueExpression(assignments[i], static_cast<int>(i) + 1);
  }
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                             connection_.Prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})", table.table,
                                                             columns_sql, values_sql)));
  FUNDAMENT_RETURN_IF_ERROR(BindAssignments(stmt, assignments));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  int64_t id = kind == EntityKind::kObservation ? observation_id : connection_.LastInsertId();
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(Widen(assignments));
  existing_.insert({kind, id});
  Record(kind, id, events::Operation::kCreated);
  return id;
}

Status SqliteWriteTransaction::Update(EntityKind kind, int64_t id, const json::object& properties,
                                      const References& references) {
  const TableMap& table = TableOf(kind);
  // Edge detection below compares with the parents' extents as written.
  FUNDAMENT_RETURN_IF_ERROR(Flush());
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  std::vector<Assignment> assignments;
  const json::value* new_location = nullptr;
  bool feature_changes = false;
  for (const PropertyColumns& columns : table.properties) {
    const model::PropertyDef& def = *columns.property;
    const json::value* value = properties.if_contains(def.name);
    if (value == nullptr || def.read_only) continue;
    if (value->is_null() && !def.nullable) {
      return BadRequest(fmt::format("{} must not be null", def.name), std::string(def.name));
    }
    FUNDAMENT_RETURN_IF_ERROR(EncodeProperty(columns, *value, assignments));
    if (kind == EntityKind::kLocation && def.name == "location") new_location = value;
    if (kind == EntityKind::kFeatureOfInterest && def.name == "feature") feature_changes = true;
  }
  if (kind == EntityKind::kObservation && Given(references, "Datastream") &&
      Given(references, "MultiDatastream")) {
    return BadRequest("an Observation belongs to exactly one Datastream or MultiDatastream", "Datastream");
  }
  FUNDAMENT_RETURN_IF_ERROR(EncodeReferences(table, references, *this, assignments));
  if (kind == EntityKind::kObservation) {
    // Moving an Observation to another Datastream detaches it from the
    // MultiDatastream it had, and the other way round.
    if (Given(references, "Datastream")) {
      assignments.push_back({"multi_datastream_id", {}});
      assignments.push_back({"stream", *AssignedInt(assignments, "datastream_id")});
    }
    if (Given(references, "MultiDatastream")) {
      assignments.push_back({"datastream_id", {}});
      assignments.push_back({"stream", -*AssignedInt(assignments, "multi_datastream_id")});
    }
  }
  assignments = Applicable(std::move(assignments), connection_.spatialite());
  FUNDAMENT_RETURN_IF_ERROR(CheckDistinct(assignments));

  std::vector<Parent> parents;
  if (kind == EntityKind::kObservation) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOnEdge(id));
  } else if (feature_changes) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOfFeature(id));
  }
  if (new_location != nullptr) {
    // A new position of the Location needs a new generated FeatureOfInterest.
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement forget,
        connection_.Prepare(
            "UPDATE location SET generated_feature_id = NULL WHERE id = ?1 AND location IS NOT ?2"));
    FUNDAMENT_RETURN_IF_ERROR(forget.BindInt(1, id));
    FUNDAMENT_RETURN_IF_ERROR(forget.BindText(2, json::serialize(*new_location)));
    FUNDAMENT_RETURN_IF_ERROR(forget.Run());
  }
  if (!assignments.empty()) {
    std::string set_sql;
    for (size_t i = 0; i < assignments.size(); ++i) {
      if (i > 0) set_sql += ", ";
      set_sql += fmt::format("{} = {}", assignments[i].column,
                             ValueExpression(assignments[i], static_cast<int>(i) + 1));
    }
    int id_index = static_cast<int>(assignments.size()) + 1;
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement stmt,
        connection_.Prepare(fmt::format("UPDATE {} SET {} WHERE id = ?{}", table.table, set_sql, id_index)));
    FUNDAMENT_RETURN_IF_ERROR(BindAssignments(stmt, assignments));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(id_index, id));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  }
  FUNDAMENT_RETURN_IF_ERROR(Recompute(parents));
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(WidenStored(id));
  if (feature_changes) feature_boxes_.erase(id);
  Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

// An updated Observation may reach further than before, in its old parent or
// a new one: its stored values widen its parent as an insert would.
Status SqliteWriteTransaction::WidenStored(int64_t observation_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      connection_.Prepare("SELECT datastream_id, multi_datastream_id, phenomenon_time_start, phenomenon_time_end, "
                          "result_time, feature_id FROM observation WHERE id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, observation_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Missing(EntityKind::kObservation, observation_id);
  std::vector<Assignment> stored;
  const std::string_view columns[] = {"datastream_id", "multi_datastream_id", "phenomenon_time_start",
                                      "phenomenon_time_end", "result_time", "feature_id"};
  for (int c = 0; c < 6; ++c)
    if (!stmt.IsNull(c)) stored.push_back({columns[c], SqlValue(stmt.ColumnInt(c))});
  FUNDAMENT_RETURN_IF_ERROR(Widen(stored));
  return Flush();
}

Status SqliteWriteTransaction::Delete(EntityKind kind, int64_t id) {
  const TableMap& table = TableOf(kind);
  FUNDAMENT_RETURN_IF_ERROR(Flush());
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  std::vector<Parent> parents;
  if (kind == EntityKind::kObservation) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOnEdge(id));
  } else if (kind == EntityKind::kFeatureOfInterest) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOfFeature(id));
  }
  // The cascades of OGC 18-088 §10.4 are foreign keys and triggers of the schema.
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                             connection_.Prepare(fmt::format("DELETE FROM {} WHERE id = ?1", table.table)));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  // Cascades may have deleted any number of other entities.
  existing_.clear();
  FUNDAMENT_RETURN_IF_ERROR(Recompute(parents));
  if (kind == EntityKind::kFeatureOfInterest) feature_boxes_.erase(id);
  Record(kind, id, events::Operation::kDeleted);
  return Status::Ok();
}

Status SqliteWriteTransaction::Link(EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                                    int64_t target) {
  const LinkTableSide* link = LinkTableOf(kind, navigation.name);
  if (link == nullptr) {
    return BadRequest(fmt::format("{} has no many-to-many navigation {}", TypeName(kind), navigation.name));
  }
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, Exists(navigation.target, target));
  if (!exists) {
    return BadRequest(fmt::format("{} {} does not exist", TypeName(navigation.target), target),
                      std::string(navigation.name));
  }
  std::string sql;
  if (link->ordered) {
    // Positions count per MultiDatastream, whichever side links.
    std::string_view owner = kind == EntityKind::kMultiDatastream ? "?1" : "?2";
    sql = fmt::format(
        "INSERT OR IGNORE INTO {0} ({1}, {2}, position) VALUES (?1, ?2, "
        "(SELECT coalesce(max(position) + 1, 0) FROM {0} WHERE multi_datastream_id = {3}))",
        link->table, link->own_column, link->target_column, owner);
  } else {
    sql = fmt::format("INSERT OR IGNORE INTO {} ({}, {}) VALUES (?1, ?2)", link->table, link->own_column,
                      link->target_column);
  }
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(sql));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(2, target));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

Status SqliteWriteTransaction::UnlinkAll(EntityKind kind, int64_t id,
                                         const model::NavigationDef& navigation) {
  const LinkTableSide* link = LinkTableOf(kind, navigation.name);
  if (link == nullptr) {
    return BadRequest(fmt::format("{} has no many-to-many navigation {}", TypeName(kind), navigation.name));
  }
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(fmt::format("DELETE FROM {} WHERE {} = ?1",
                                                                             link->table, link->own_column)));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

Result<std::optional<int64_t>> SqliteWriteTransaction::GeneratedFeature(int64_t location_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                             connection_.Prepare("SELECT generated_feature_id FROM location WHERE id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, location_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Missing(EntityKind::kLocation, location_id);
  return stmt.ColumnOptionalInt(0);
}

Status SqliteWriteTransaction::RecordGeneratedFeature(int64_t location_id, int64_t feature_id) {
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(EntityKind::kLocation, location_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool feature_exists, Exists(EntityKind::kFeatureOfInterest, feature_id));
  if (!feature_exists) {
    return BadRequest(fmt::format("FeatureOfInterest {} does not exist", feature_id), "FeatureOfInterest");
  }
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt, connection_.Prepare("UPDATE location SET generated_feature_id = ?2 WHERE id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, location_id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(2, feature_id));
  return stmt.Run();
}

Result<std::vector<SqliteWriteTransaction::Parent>> SqliteWriteTransaction::ParentsOnEdge(
    int64_t observation_id) {
  std::vector<Parent> parents;
  for (EntityKind kind : {EntityKind::kDatastream, EntityKind::kMultiDatastream}) {
    std::string_view column = kind == EntityKind::kDatastream ? "datastream_id" : "multi_datastream_id";
    // NULL comparisons (no resultTime, no FeatureOfInterest) count as "not on the edge".
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement stmt,
        connection_.Prepare(fmt::format(
            "SELECT p.id FROM observation AS o JOIN {0} AS p ON p.id = o.{1} "
            "LEFT JOIN feature_of_interest AS f ON f.id = o.feature_id "
            "WHERE o.id = ?1 AND (p.phenomenon_time_start = o.phenomenon_time_start "
            "OR p.phenomenon_time_end = coalesce(o.phenomenon_time_end, o.phenomenon_time_start) "
            "OR p.result_time_start = o.result_time OR p.result_time_end = o.result_time "
            "OR p.min_x = f.min_x OR p.min_y = f.min_y OR p.max_x = f.max_x OR p.max_y = f.max_y)",
            TableOf(kind).table, column)));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, observation_id));
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) parents.emplace_back(kind, stmt.ColumnInt(0));
  }
  return parents;
}

Result<std::vector<SqliteWriteTransaction::Parent>> SqliteWriteTransaction::ParentsOfFeature(
    int64_t feature_id) {
  std::vector<Parent> parents;
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      connection_.Prepare(
          "SELECT DISTINCT datastream_id, multi_datastream_id FROM observation WHERE feature_id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, feature_id));
  for (;;) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (!stmt.IsNull(0)) parents.emplace_back(EntityKind::kDatastream, stmt.ColumnInt(0));
    if (!stmt.IsNull(1)) parents.emplace_back(EntityKind::kMultiDatastream, stmt.ColumnInt(1));
  }
  return parents;
}

Status SqliteWriteTransaction::Recompute(const std::vector<Parent>& parents) {
  for (const auto& [kind, id] : parents) {
    std::string_view table = TableOf(kind).table;
    // The parent's Observations, along the clustering key.
    const int64_t stream = kind == EntityKind::kDatastream ? id : -id;
    // Aggregates over no rows give NULLs, which is right: no Observations,
    // no phenomenonTime.
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement times,
        connection_.Prepare(fmt::format(
            "UPDATE {0} SET phenomenon_time_start = s.pts, phenomenon_time_end = s.pte, "
            "result_time_start = s.rts, result_time_end = s.rte "
            "FROM (SELECT min(phenomenon_time_start) AS pts, "
            "max(coalesce(phenomenon_time_end, phenomenon_time_start)) AS pte, "
            "min(result_time) AS rts, max(result_time) AS rte FROM observation WHERE stream = ?2) AS s "
            "WHERE {0}.id = ?1",
            table)));
    FUNDAMENT_RETURN_IF_ERROR(times.BindInt(1, id));
    FUNDAMENT_RETURN_IF_ERROR(times.BindInt(2, stream));
    FUNDAMENT_RETURN_IF_ERROR(times.Run());
    FUNDAMENT_ASSIGN_OR_RETURN(
        Statement area,
        connection_.Prepare(fmt::format(
            "UPDATE {0} SET min_x = b.x0, min_y = b.y0, max_x = b.x1, max_y = b.y1 "
            "FROM (SELECT min(f.min_x) AS x0, min(f.min_y) AS y0, max(f.max_x) AS x1, max(f.max_y) AS y1 "
            "FROM feature_of_interest AS f WHERE f.id IN (SELECT feature_id FROM observation WHERE stream = "
            "?2)) AS b "
            "WHERE {0}.id = ?1",
            table)));
    FUNDAMENT_RETURN_IF_ERROR(area.BindInt(1, id));
    FUNDAMENT_RETURN_IF_ERROR(area.BindInt(2, stream));
    FUNDAMENT_RETURN_IF_ERROR(area.Run());
  }
  return Status::Ok();
}

}  // namespace fundament::store::sqlite
