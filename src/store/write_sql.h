// The SQL text of the writes both SQL stores run, over the logical schema
// (sql/table_map.h), with the placeholders of the store's dialect. What an
// engine spells differently (how a value is written into a column, the
// widening of extents) stays with the store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "sql/dialect.h"
#include "store/entity_codec.h"
#include "store/store.h"

namespace fundament::store {

// The SQL value expression writing parameter number `index` for `assignment`.
using ValueSpelling = std::function<std::string(const Assignment& assignment, int index)>;

// INSERT INTO table (columns) VALUES (…): parameter i+1 is assignments[i].
std::string InsertSql(const TableMap& table, const std::vector<Assignment>& assignments,
                      const ValueSpelling& value);

// UPDATE table SET … WHERE id = $last: parameter i+1 is assignments[i], the
// one after them the id.
std::string UpdateSql(const TableMap& table, const std::vector<Assignment>& assignments,
                      const ValueSpelling& value, const sql::SqlDialect& dialect);

// The link table behind `navigation` of `kind`; kBadRequest when it has none.
// Checks that (kind, id) exists (kNotFound) and, when `target` is given, that
// it does (kBadRequest naming the navigation).
Result<const LinkTableSide*> CheckedLink(model::EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                                         std::optional<int64_t> target, WriteTransaction& tx);

// Adds the link ($1 = own id, $2 = target), doing nothing when it exists;
// an ordered link gets the next position of its MultiDatastream.
std::string LinkSql(model::EntityKind kind, const LinkTableSide& link, const sql::SqlDialect& dialect);

// Removes every link of $1 from `link`'s own side.
std::string UnlinkAllSql(const LinkTableSide& link, const sql::SqlDialect& dialect);

// The id of the `parent_kind` parent of Observation $1 when the Observation
// lies on the edge of the parent's phenomenonTime, resultTime or observedArea.
std::string ParentOnEdgeSql(model::EntityKind parent_kind, const sql::SqlDialect& dialect);

// The distinct (datastream_id, multi_datastream_id) of FeatureOfInterest $1's Observations.
std::string ParentsOfFeatureSql(const sql::SqlDialect& dialect);

// Sets the read-only extents of parent $1 (of `parent_kind`, whose
// Observations have stream $2) afresh from its Observations.
std::string RecomputeSql(model::EntityKind parent_kind, const sql::SqlDialect& dialect);

// The datastream_id, multi_datastream_id, phenomenon_time_start,
// phenomenon_time_end, result_time and feature_id of Observation $1.
std::string StoredObservationSql(const sql::SqlDialect& dialect);

// The columns of StoredObservationSql, in order.
inline constexpr std::string_view kStoredObservationColumns[] = {
    "datastream_id", "multi_datastream_id", "phenomenon_time_start", "phenomenon_time_end", "result_time",
    "feature_id"};

}  // namespace fundament::store
