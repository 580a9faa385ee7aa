#include "store/postgres/write_transaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "store/entity_codec.h"
#include "store/postgres/copy_text.h"
#include "store/postgres/entity_reader.h"
#include "store/postgres/schema.h"
#include "store/write_sql.h"

namespace fundament::store::postgres {
namespace {

namespace json = boost::json;
using model::EntityKind;

bool IsJsonColumn(const TableMap& table, std::string_view column) {
  if (column == "result_json") return true;
  for (const PropertyColumns& p : table.properties)
    if (p.storage == Storage::kJson && p.column == column) return true;
  return false;
}

// The SQL value expression for assignment number `index` of `table`, with
// the casts PostgreSQL needs for parameters sent as text.
std::string ValueExpression(const TableMap& table, const Assignment& assignment, int index) {
  if (assignment.geometry) return fmt::format("ST_SetSRID(ST_GeomFromGeoJSON(${}), 4326)", index);
  if (IsJsonColumn(table, assignment.column)) return fmt::format("CAST(${} AS jsonb)", index);
  return fmt::format("${}", index);
}

ValueSpelling Spelling(const TableMap& table) {
  return [&table](const Assignment& assignment, int index) { return ValueExpression(table, assignment, index); };
}

std::vector<SqlValue> Values(const std::vector<Assignment>& assignments) {
  std::vector<SqlValue> values;
  values.reserve(assignments.size() + 1);
  for (const Assignment& assignment : assignments) values.push_back(assignment.value);
  return values;
}

// result_number is double precision, exact for integers up to ±2^53 only:
// an integer result beyond is kept as JSON text instead (as the shared codec
// keeps integers beyond 64 bits), so that it comes back exactly.
void KeepIntegersExact(std::vector<Assignment>& assignments) {
  constexpr int64_t kExactInDouble = int64_t{1} << 53;
  auto find = [&](std::string_view column) -> Assignment* {
    for (Assignment& a : assignments)
      if (a.column == column) return &a;
    return nullptr;
  };
  Assignment* type = find("result_type");
  Assignment* number = find("result_number");
  Assignment* json_text = find("result_json");
  if (type == nullptr || number == nullptr || json_text == nullptr) return;
  const auto* integer = std::get_if<int64_t>(&number->value);
  const auto* result_type = std::get_if<int64_t>(&type->value);
  if (result_type == nullptr || *result_type != static_cast<int64_t>(ResultType::kInteger) || integer == nullptr ||
      (*integer <= kExactInDouble && *integer >= -kExactInDouble)) {
    return;
  }
  type->value = int64_t{static_cast<int>(ResultType::kJson)};
  json_text->value = std::to_string(*integer);
  number->value = SqlValue();
}

// Ids reserved at the second Observation of a transaction when no hint says
// how many come; each further block is twice the last, up to the largest.
constexpr int64_t kFirstIdBlock = 16;
constexpr int64_t kLargestIdBlock = 4096;
// At most this many ids in one reservation, whatever a hint says.
constexpr int64_t kLargestReservation = 100000;
// Gathered Observations are sent when this many wait, so that memory stays bounded.
constexpr size_t kMaxGathered = 10000;
// Up to this many gathered rows go as single INSERTs (one round trip each),
// more with one COPY (two round trips and a statement the server parses).
constexpr size_t kMaxInsertedOneByOne = 2;

// Might a read of `request` see Observations (so that gathered ones must be
// sent first)? Filters may navigate to them from any entity type.
bool MaySeeObservations(const ReadRequest& request) {
  return request.kind == EntityKind::kObservation ||
         (request.related && request.related->kind == EntityKind::kObservation) || request.filter != nullptr;
}

}  // namespace

bool PartitionSet::Known(int64_t start) {
  std::lock_guard lock(mutex_);
  return known_.count(start) > 0;
}

void PartitionSet::Add(const std::vector<int64_t>& starts) {
  std::lock_guard lock(mutex_);
  known_.insert(starts.begin(), starts.end());
}

void PartitionSet::Clear() {
  std::lock_guard lock(mutex_);
  known_.clear();
}

PostgresWriteTransaction::PostgresWriteTransaction(Connection& connection, const sql::SqlDialect& dialect,
                                                   PartitionSet& partitions)
    : connection_(connection),
      dialect_(dialect),
      partitions_(partitions),
      extents_([this](int64_t feature_id) { return FeatureBox(feature_id); }),
      next_block_(kFirstIdBlock) {}

Result<ReadResult> PostgresWriteTransaction::Read(const ReadRequest& request) {
  if (ReadsExtents(request)) {
    FUNDAMENT_RETURN_IF_ERROR(Flush());
  } else if (MaySeeObservations(request)) {
    FUNDAMENT_RETURN_IF_ERROR(FlushObservations());
  }
  return RunRead(connection_, dialect_, request);
}

Result<ReadResult> PostgresWriteTransaction::Scan(const ReadRequest& request, const EntityVisitor& visit) {
  if (ReadsExtents(request)) {
    FUNDAMENT_RETURN_IF_ERROR(Flush());
  } else if (MaySeeObservations(request)) {
    FUNDAMENT_RETURN_IF_ERROR(FlushObservations());
  }
  return ScanRead(connection_, dialect_, request, visit);
}

void PostgresWriteTransaction::ExpectInserts(EntityKind kind, int64_t count) {
  if (kind == EntityKind::kObservation && count > 0) expected_observations_ = count;
}

Result<std::optional<Box>> PostgresWriteTransaction::FeatureBox(int64_t feature_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows, connection_.Query("SELECT min_x, min_y, max_x, max_y FROM feature_of_interest WHERE id = $1",
                                   {SqlValue(feature_id)}));
  std::optional<Box> box;
  if (rows.size() == 1) {
    RowView row = rows.row(0);
    if (!row.IsNull(0) && !row.IsNull(1) && !row.IsNull(2) && !row.IsNull(3))
      box = Box{row.ColumnDouble(0), row.ColumnDouble(1), row.ColumnDouble(2), row.ColumnDouble(3)};
  }
  return box;
}

Status PostgresWriteTransaction::Flush() {
  // The rows first: the extents' row locks on the parents are then held only
  // for the last statements before COMMIT, where concurrent bulk writes to
  // the same Datastreams wait for them.
  FUNDAMENT_RETURN_IF_ERROR(FlushObservations());
  for (const auto& [parent, extent] : extents_.pending()) {
    // least()/greatest() skip NULLs: a NULL bound (nothing yet, or no
    // resultTime) takes the other value.
    FUNDAMENT_RETURN_IF_ERROR(
        connection_
            .Query(fmt::format("UPDATE {} SET "
                               "phenomenon_time_start = least(phenomenon_time_start, $2), "
                               "phenomenon_time_end = greatest(phenomenon_time_end, $3), "
                               "result_time_start = least(result_time_start, $4), "
                               "result_time_end = greatest(result_time_end, $5), "
                               "min_x = least(min_x, $6), min_y = least(min_y, $7), "
                               "max_x = greatest(max_x, $8), max_y = greatest(max_y, $9) "
                               "WHERE id = $1",
                               TableOf(parent.first).table),
                   {SqlValue(parent.second), OptionalValue(extent.phenomenon_start),
                    OptionalValue(extent.phenomenon_end), OptionalValue(extent.result_start),
                    OptionalValue(extent.result_end), OptionalValue(extent.min_x), OptionalValue(extent.min_y),
                    OptionalValue(extent.max_x), OptionalValue(extent.max_y)})
            .status());
  }
  extents_.Clear();
  return Status::Ok();
}

Result<bool> PostgresWriteTransaction::Exists(EntityKind kind, int64_t id) {
  if (existing_.count({kind, id}) > 0) return true;
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(FlushObservations());
  // FOR KEY SHARE: the entity cannot be deleted before this transaction ends.
  // Observations are referenced by nothing and need no lock.
  std::string_view lock = kind == EntityKind::kObservation ? "" : " FOR KEY SHARE";
  FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection_.Query(fmt::format("SELECT 1 FROM {} WHERE id = $1{}",
                                                                      TableOf(kind).table, lock),
                                                          {SqlValue(id)}));
  const bool exists = rows.size() > 0;
  if (exists) existing_.insert({kind, id});
  return exists;
}

Status PostgresWriteTransaction::RequireExists(EntityKind kind, int64_t id) {
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, Exists(kind, id));
  if (!exists) return Missing(kind, id);
  return Status::Ok();
}

Result<bool> PostgresWriteTransaction::PartitionReady(const std::vector<Assignment>& assignments) {
  std::optional<int64_t> start = AssignedInt(assignments, "phenomenon_time_start");
  if (!start) return true;
  const MonthPartition month = MonthOf(*start);
  const int64_t month_start = month.Start();
  if (partitions_.Known(month_start)) return true;
  if (missing_partitions_.count(month_start) > 0) return false;
  // Perhaps another node created it: only a committed partition is seen.
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, PartitionExists(connection_, month));
  if (exists) {
    partitions_.Add({month_start});
    return true;
  }
  missing_partitions_.emplace(month_start, month);
  return false;
}

Error PostgresWriteTransaction::PartitionsMissing() const {
  std::string names;
  for (const auto& [start, month] : missing_partitions_) names += (names.empty() ? "" : ", ") + month.Name();
  return Error{ErrorCode::kUnavailable,
               fmt::format("store: the observation partitions {} do not exist yet; the write cannot go on", names),
               {}};
}

Result<int64_t> PostgresWriteTransaction::NextObservationId() {
  if (next_reserved_ < reserved_ids_.size()) return reserved_ids_[next_reserved_++];
  int64_t count = next_block_;
  if (expected_observations_ > 0) {
    count = std::min(expected_observations_, kLargestReservation);
    expected_observations_ -= count;
  } else {
    next_block_ = std::min(next_block_ * 2, kLargestIdBlock);
  }
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows,
      connection_.Query("SELECT nextval('observation_id') FROM generate_series(1, $1)", {SqlValue(count)}));
  if (rows.size() != count) return Internal("the observation sequence gave out fewer ids than asked for");
  reserved_ids_.clear();
  next_reserved_ = 0;
  for (int i = 0; i < rows.size(); ++i) reserved_ids_.push_back(rows.row(i).ColumnInt(0));
  std::sort(reserved_ids_.begin(), reserved_ids_.end());
  return reserved_ids_[next_reserved_++];
}

Result<int64_t> PostgresWriteTransaction::InsertNow(const TableMap& table, const std::vector<Assignment>& assignments) {
  FUNDAMENT_ASSIGN_OR_RETURN(
      Rows rows, connection_.Query(InsertSql(table, assignments, Spelling(table)) + " RETURNING id", Values(assignments)));
  if (rows.size() != 1) return Internal("INSERT returned no id");
  return rows.row(0).ColumnInt(0);
}

Status PostgresWriteTransaction::FlushObservations() {
  if (gathered_.empty()) return Status::Ok();
  if (!missing_partitions_.empty()) return PartitionsMissing();
  const TableMap& table = TableOf(EntityKind::kObservation);
  if (gathered_.size() <= kMaxInsertedOneByOne) {
    for (GatheredObservation& row : gathered_) {
      row.assignments.insert(row.assignments.begin(), Assignment{"id", SqlValue(row.id), false});
      FUNDAMENT_RETURN_IF_ERROR(InsertNow(table, row.assignments).status());
    }
    gathered_.clear();
    return Status::Ok();
  }
  // The columns of all rows, in the order they first appear; a row without
  // one gets NULL there, as an INSERT leaving it out would (no Observation
  // column but the id has a default).
  std::vector<std::string_view> columns = {"id"};
  for (const GatheredObservation& row : gathered_) {
    for (const Assignment& assignment : row.assignments) {
      if (std::find(columns.begin(), columns.end(), assignment.column) == columns.end())
        columns.push_back(assignment.column);
    }
  }
  std::string data;
  data.reserve(gathered_.size() * 160);
  std::vector<SqlValue> values(columns.size());
  for (const GatheredObservation& row : gathered_) {
    std::fill(values.begin(), values.end(), SqlValue());
    values[0] = SqlValue(row.id);
    for (const Assignment& assignment : row.assignments) {
      const size_t at = static_cast<size_t>(std::find(columns.begin(), columns.end(), assignment.column) - columns.begin());
      values[at] = assignment.value;
    }
    AppendCopyRow(values, data);
  }
  std::string column_list;
  for (std::string_view column : columns) column_list += (column_list.empty() ? "" : ", ") + std::string(column);
  gathered_.clear();
  // The statement names only columns of the schema; the values travel as data.
  return connection_.CopyIn(fmt::format("COPY {} ({}) FROM STDIN", table.table, column_list), data);
}

Result<int64_t> PostgresWriteTransaction::Insert(EntityKind kind, const json::object& properties,
                                                 const References& references) {
  const TableMap& table = TableOf(kind);
  FUNDAMENT_ASSIGN_OR_RETURN(std::vector<Assignment> assignments,
                             InsertAssignments(kind, properties, references, *this));
  FUNDAMENT_RETURN_IF_ERROR(CheckDistinct(assignments));
  KeepIntegersExact(assignments);
  int64_t id = 0;
  if (kind != EntityKind::kObservation) {
    FUNDAMENT_ASSIGN_OR_RETURN(id, InsertNow(table, assignments));
  } else {
    // Refused now, as a single INSERT would be, rather than failing the
    // whole write at the flush.
    FUNDAMENT_RETURN_IF_ERROR(RefuseNulCharacters(Values(assignments)));
    FUNDAMENT_ASSIGN_OR_RETURN(bool partitioned, PartitionReady(assignments));
    const bool alone = !inserted_observation_ && expected_observations_ <= 1 && gathered_.empty();
    if (partitioned && alone) {
      FUNDAMENT_ASSIGN_OR_RETURN(id, InsertNow(table, assignments));
    } else {
      FUNDAMENT_ASSIGN_OR_RETURN(id, NextObservationId());
      gathered_.push_back({id, assignments});
      if (gathered_.size() >= kMaxGathered && missing_partitions_.empty())
        FUNDAMENT_RETURN_IF_ERROR(FlushObservations());
    }
    inserted_observation_ = true;
    FUNDAMENT_RETURN_IF_ERROR(extents_.Widen(assignments));
  }
  existing_.insert({kind, id});
  changes_.Record(kind, id, events::Operation::kCreated);
  return id;
}

Status PostgresWriteTransaction::Update(EntityKind kind, int64_t id, const json::object& properties,
                                        const References& references) {
  const TableMap& table = TableOf(kind);
  // Edge detection below compares with the parents' extents as written.
  FUNDAMENT_RETURN_IF_ERROR(Flush());
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(kind, id));
  FUNDAMENT_ASSIGN_OR_RETURN(UpdateAssignments update, UpdateAssignmentsOf(kind, properties, references, *this));
  std::vector<Assignment>& assignments = update.assignments;
  FUNDAMENT_RETURN_IF_ERROR(CheckDistinct(assignments));
  KeepIntegersExact(assignments);
  if (kind == EntityKind::kObservation) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool partitioned, PartitionReady(assignments));
    if (!partitioned) return PartitionsMissing();
  }

  std::vector<Parent> parents;
  if (kind == EntityKind::kObservation) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOnEdge(id));
  } else if (update.feature_changes) {
    FUNDAMENT_ASSIGN_OR_RETURN(parents, ParentsOfFeature(id));
  }
  if (update.new_location != nullptr) {
    // A new position of the Location needs a new generated FeatureOfInterest.
    FUNDAMENT_RETURN_IF_ERROR(
        connection_
            .Query("UPDATE location SET generated_feature_id = NULL WHERE id = $1 AND location IS DISTINCT FROM $2",
                   {SqlValue(id), SqlValue(json::serialize(*update.new_location))})
            .status());
  }
  if (!assignments.empty()) {
    std::vector<SqlValue> values = Values(assignments);
    values.emplace_back(id);
    // A new phenomenonTime may move the row to another partition, which
    // PostgreSQL does by itself.
    FUNDAMENT_RETURN_IF_ERROR(
        connection_.Query(UpdateSql(table, assignments, Spelling(table), dialect_), values).status());
  }
  FUNDAMENT_RETURN_IF_ERROR(Recompute(parents));
  if (kind == EntityKind::kObservation) FUNDAMENT_RETURN_IF_ERROR(WidenStored(id));
  if (update.feature_changes) extents_.ForgetFeature(id);
  changes_.Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

// An updated Observation may reach further than before, in its old parent or
// a new one: its stored values widen its parent as an insert would.
Status PostgresWriteTransaction::WidenStored(int64_t observation_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection_.Query(StoredObservationSql(dialect_), {SqlValue(observation_id)}));
  if (rows.size() == 0) return Missing(EntityKind::kObservation, observation_id);
  RowView row = rows.row(0);
  std::vector<Assignment> stored;
  for (int c = 0; c < static_cast<int>(std::size(kStoredObservationColumns)); ++c)
    if (!row.IsNull(c)) stored.push_back({kStoredObservationColumns[c], SqlValue(row.ColumnInt(c))});
  FUNDAMENT_RETURN_IF_ERROR(extents_.Widen(stored));
  return Flush();
}

Status PostgresWriteTransaction::Delete(EntityKind kind, int64_t id) {
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
  FUNDAMENT_RETURN_IF_ERROR(
      connection_.Query(fmt::format("DELETE FROM {} WHERE id = $1", table.table), {SqlValue(id)}).status());
  existing_.clear();
  FUNDAMENT_RETURN_IF_ERROR(Recompute(parents));
  if (kind == EntityKind::kFeatureOfInterest) extents_.ForgetFeature(id);
  changes_.Record(kind, id, events::Operation::kDeleted);
  return Status::Ok();
}

Status PostgresWriteTransaction::Link(EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                                      int64_t target) {
  FUNDAMENT_ASSIGN_OR_RETURN(const LinkTableSide* link, CheckedLink(kind, id, navigation, target, *this));
  FUNDAMENT_RETURN_IF_ERROR(connection_.Query(LinkSql(kind, *link, dialect_), {SqlValue(id), SqlValue(target)}).status());
  changes_.Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

Status PostgresWriteTransaction::UnlinkAll(EntityKind kind, int64_t id, const model::NavigationDef& navigation) {
  FUNDAMENT_ASSIGN_OR_RETURN(const LinkTableSide* link, CheckedLink(kind, id, navigation, std::nullopt, *this));
  FUNDAMENT_RETURN_IF_ERROR(connection_.Query(UnlinkAllSql(*link, dialect_), {SqlValue(id)}).status());
  changes_.Record(kind, id, events::Operation::kUpdated);
  return Status::Ok();
}

Result<std::optional<int64_t>> PostgresWriteTransaction::GeneratedFeature(int64_t location_id) {
  FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection_.Query("SELECT generated_feature_id FROM location WHERE id = $1",
                                                          {SqlValue(location_id)}));
  if (rows.size() == 0) return Missing(EntityKind::kLocation, location_id);
  if (rows.row(0).IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.row(0).ColumnInt(0));
}

Status PostgresWriteTransaction::RecordGeneratedFeature(int64_t location_id, int64_t feature_id) {
  FUNDAMENT_RETURN_IF_ERROR(RequireExists(EntityKind::kLocation, location_id));
  FUNDAMENT_ASSIGN_OR_RETURN(bool feature_exists, Exists(EntityKind::kFeatureOfInterest, feature_id));
  if (!feature_exists) {
    return BadRequest(fmt::format("FeatureOfInterest {} does not exist", feature_id), "FeatureOfInterest");
  }
  return connection_
      .Query("UPDATE location SET generated_feature_id = $2 WHERE id = $1", {SqlValue(location_id), SqlValue(feature_id)})
      .status();
}

Result<std::vector<Parent>> PostgresWriteTransaction::ParentsOnEdge(int64_t observation_id) {
  std::vector<Parent> parents;
  for (EntityKind kind : {EntityKind::kDatastream, EntityKind::kMultiDatastream}) {
    FUNDAMENT_ASSIGN_OR_RETURN(Rows rows,
                               connection_.Query(ParentOnEdgeSql(kind, dialect_), {SqlValue(observation_id)}));
    if (rows.size() > 0) parents.emplace_back(kind, rows.row(0).ColumnInt(0));
  }
  return parents;
}

Result<std::vector<Parent>> PostgresWriteTransaction::ParentsOfFeature(int64_t feature_id) {
  std::vector<Parent> parents;
  FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection_.Query(ParentsOfFeatureSql(dialect_), {SqlValue(feature_id)}));
  for (int i = 0; i < rows.size(); ++i) {
    RowView row = rows.row(i);
    if (!row.IsNull(0)) parents.emplace_back(EntityKind::kDatastream, row.ColumnInt(0));
    if (!row.IsNull(1)) parents.emplace_back(EntityKind::kMultiDatastream, row.ColumnInt(1));
  }
  return parents;
}

Status PostgresWriteTransaction::Recompute(const std::vector<Parent>& parents) {
  for (const auto& [kind, id] : parents) {
    const int64_t stream = kind == EntityKind::kDatastream ? id : -id;
    FUNDAMENT_RETURN_IF_ERROR(connection_.Query(RecomputeSql(kind, dialect_), {SqlValue(id), SqlValue(stream)}).status());
  }
  return Status::Ok();
}

}  // namespace fundament::store::postgres
