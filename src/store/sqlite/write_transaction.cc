#include "store/sqlite/write_transaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "store/entity_codec.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_dialect.h"
#include "store/write_rules.h"
#include "store/write_sql.h"

namespace fundament::store::sqlite {
namespace {

namespace json = boost::json;
using model::EntityKind;

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

Status BindAssignments(Statement& stmt, const std::vector<Assignment>& assignments) {
  for (size_t i = 0; i < assignments.size(); ++i) {
    FUNDAMENT_RETURN_IF_ERROR(stmt.Bind(static_cast<int>(i) + 1, assignments[i].value));
  }
  return Status::Ok();
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
    : connection_(connection),
      observation_ids_(observation_ids),
      extents_([this](int64_t feature_id) { return FeatureBox(feature_id); }) {}

Result<ReadResult> SqliteWriteTransaction::Read(const ReadRequest& request) {
  if (ReadsExtents(request)) FUNDAMENT_RETURN_IF_ERROR(Flush());
  return RunRead(connection_, request);
}

Result<ReadResult> SqliteWriteTransaction::Scan(const ReadRequest& request, const EntityVisitor& visit) {
  if (ReadsExtents(request)) FUNDAMENT_RETURN_IF_ERROR(Flush());
  return ScanRead(connection_, request, visit);
}

Result<std::optional<Box>> SqliteWriteTransaction::FeatureBox(int64_t feature_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Statement stmt,
      connection_.Prepare("SELECT min_x, min_y, max_x, max_y FROM feature_of_interest WHERE id = ?1"));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, feature_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  std::optional<Box> box;
  if (row && !stmt.IsNull(0) && !stmt.IsNull(1) && !stmt.IsNull(2) && !stmt.IsNull(3))
    box = Box{stmt.ColumnDouble(0), stmt.ColumnDouble(1), stmt.ColumnDouble(2), stmt.ColumnDouble(3)};
  return box;
}

Status SqliteWriteTransaction::Flush() {
  FUNDAMENT_RETURN_IF_ERROR(observation_ids_.Save(connection_));
  for (const auto& [parent, extent] : extents_.pending()) {
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
  extents_.Clear();
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
  FUNDAMENT_ASSIGN_OR_RETURN(std::vector<Assignment> assignments,
                             InsertAssignments(kind, properties, references, *this));
  int64_t observation_id = 0;
  if (kind == EntityKind::kObservation) {
    // The clustering key and the id of the clustered table (schema.cc).
    observation_id = observation_ids_.Next();
    assignments.push_back({"id", observation_id});
  }
  assignments = Applicable(std::move(assignments), connection_.spatialite());
  FUNDAMENT_RETURN_IF_ERROR(CheckDistinct(assignments));

  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(InsertSql(table, assignments, &ValueExpression)));
  FUNDAMENT_RETURN_IF_ERROR(BindAssignments(stmt, assignments));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  int64_t id = kind == EntityKind::kObservation ? observation_id : connection_.LastInsertId();
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(extents_.Widen(assignments));
  existing_.insert({kind, id});
  changes_.Record(kind, id, events::Operation::kCreated);
  return id;
}

Status SqliteWriteTransaction::Update(EntityKind kind, int64_t id, const json::object& properties,
                                      const References& references) {
  const TableMap& table = TableOf(kind);
  // Edge detection below compares with the parents' extents as written.
  FUNDAMENT_RETURN_IF_ERROR(Flush());
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  FUNDAMENT_ASSIGN_OR_RETURN(UpdateAssignments update, UpdateAssignmentsOf(kind, properties, references, *this));
  std::vector<Assignment>& assignments = update.assignments;
  const json::value* new_location = update.new_location;
  const bool feature_changes = update.feature_changes;
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
    int id_index = static_cast<int>(assignments.size()) + 1;
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt,
                               connection_.Prepare(UpdateSql(table, assignments, &ValueExpression, SqliteSql())));
    FUNDAMENT_RETURN_IF_ERROR(BindAssignments(stmt, assignments));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(id_index, id));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  }
  FUNDAMENT_RETURN_IF_ERROR(Recompute(parents));
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(WidenStored(id));
  if (feature_changes) extents_.ForgetFeature(id);
  changes_.Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

// An updated Observation may reach further than before, in its old parent or
// a new one: its stored values widen its parent as an insert would.
Status SqliteWriteTransaction::WidenStored(int64_t observation_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(StoredObservationSql(SqliteSql())));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, observation_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Missing(EntityKind::kObservation, observation_id);
  std::vector<Assignment> stored;
  for (int c = 0; c < static_cast<int>(std::size(kStoredObservationColumns)); ++c)
    if (!stmt.IsNull(c)) stored.push_back({kStoredObservationColumns[c], SqlValue(stmt.ColumnInt(c))});
  FUNDAMENT_RETURN_IF_ERROR(extents_.Widen(stored));
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
  if (kind == EntityKind::kFeatureOfInterest) extents_.ForgetFeature(id);
  changes_.Record(kind, id, events::Operation::kDeleted);
  return Status::Ok();
}

Status SqliteWriteTransaction::Link(EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                                    int64_t target) {
  FUNDAMENT_ASSIGN_OR_RETURN(const LinkTableSide* link, CheckedLink(kind, id, navigation, target, *this));
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(LinkSql(kind, *link, SqliteSql())));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(2, target));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  changes_.Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

Status SqliteWriteTransaction::UnlinkAll(EntityKind kind, int64_t id,
                                         const model::NavigationDef& navigation) {
  FUNDAMENT_ASSIGN_OR_RETURN(const LinkTableSide* link, CheckedLink(kind, id, navigation, std::nullopt, *this));
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(UnlinkAllSql(*link, SqliteSql())));
  FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
  FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  changes_.Record(kind, id, events::Operation::kUpdated);
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

Result<std::vector<Parent>> SqliteWriteTransaction::ParentsOnEdge(int64_t observation_id) {
  std::vector<Parent> parents;
  for (EntityKind kind : {EntityKind::kDatastream, EntityKind::kMultiDatastream}) {
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(ParentOnEdgeSql(kind, SqliteSql())));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, observation_id));
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) parents.emplace_back(kind, stmt.ColumnInt(0));
  }
  return parents;
}

Result<std::vector<Parent>> SqliteWriteTransaction::ParentsOfFeature(int64_t feature_id) {
  std::vector<Parent> parents;
  FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(ParentsOfFeatureSql(SqliteSql())));
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
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection_.Prepare(RecomputeSql(kind, SqliteSql())));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(1, id));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(2, kind == EntityKind::kDatastream ? id : -id));
    FUNDAMENT_RETURN_IF_ERROR(stmt.Run());
  }
  return Status::Ok();
}

}  // namespace fundament::store::sqlite
