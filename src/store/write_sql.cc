#include "store/write_sql.h"

#include <fmt/format.h>

#include "store/write_rules.h"

namespace fundament::store {

using model::EntityKind;

std::string InsertSql(const TableMap& table, const std::vector<Assignment>& assignments,
                      const ValueSpelling& value) {
  std::string columns_sql, values_sql;
  for (size_t i = 0; i < assignments.size(); ++i) {
    if (i > 0) {
      columns_sql += ", ";
      values_sql += ", ";
    }
    columns_sql += assignments[i].column;
    values_sql += value(assignments[i], static_cast<int>(i) + 1);
  }
  return fmt::format("INSERT INTO {} ({}) VALUES ({})", table.table, columns_sql, values_sql);
}

std::string UpdateSql(const TableMap& table, const std::vector<Assignment>& assignments,
                      const ValueSpelling& value, const sql::SqlDialect& dialect) {
  std::string set_sql;
  for (size_t i = 0; i < assignments.size(); ++i) {
    if (i > 0) set_sql += ", ";
    set_sql += fmt::format("{} = {}", assignments[i].column, value(assignments[i], static_cast<int>(i) + 1));
  }
  return fmt::format("UPDATE {} SET {} WHERE id = {}", table.table, set_sql,
                     dialect.Placeholder(static_cast<int>(assignments.size()) + 1));
}

Result<const LinkTableSide*> CheckedLink(EntityKind kind, int64_t id, const model::NavigationDef& navigation,
                                         std::optional<int64_t> target, WriteTransaction& tx) {
  const LinkTableSide* link = LinkTableOf(kind, navigation.name);
  if (link == nullptr) {
    return BadRequest(
        fmt::format("{} has no many-to-many navigation {}", model::TypeOf(kind).name, navigation.name));
  }
  FUNDAMENT_ASSIGN_OR_RETURN(bool exists, tx.Exists(kind, id));
  if (!exists) return Missing(kind, id);
  if (target) {
    FUNDAMENT_ASSIGN_OR_RETURN(bool target_exists, tx.Exists(navigation.target, *target));
    if (!target_exists) {
      return BadRequest(fmt::format("{} {} does not exist", model::TypeOf(navigation.target).name, *target),
                        std::string(navigation.name));
    }
  }
  return link;
}

std::string LinkSql(EntityKind kind, const LinkTableSide& link, const sql::SqlDialect& dialect) {
  const std::string own = dialect.Placeholder(1), target = dialect.Placeholder(2);
  if (link.ordered) {
    // Positions count per MultiDatastream, whichever side links.
    const std::string& owner = kind == EntityKind::kMultiDatastream ? own : target;
    return fmt::format(
        "INSERT INTO {0} ({1}, {2}, position) VALUES ({4}, {5}, "
        "(SELECT coalesce(max(position) + 1, 0) FROM {0} WHERE multi_datastream_id = {3})) ON CONFLICT DO NOTHING",
        link.table, link.own_column, link.target_column, owner, own, target);
  }
  return fmt::format("INSERT INTO {} ({}, {}) VALUES ({}, {}) ON CONFLICT DO NOTHING", link.table, link.own_column,
                     link.target_column, own, target);
}

std::string UnlinkAllSql(const LinkTableSide& link, const sql::SqlDialect& dialect) {
  return fmt::format("DELETE FROM {} WHERE {} = {}", link.table, link.own_column, dialect.Placeholder(1));
}

std::string ParentOnEdgeSql(EntityKind parent_kind, const sql::SqlDialect& dialect) {
  std::string_view column = parent_kind == EntityKind::kDatastream ? "datastream_id" : "multi_datastream_id";
  // NULL comparisons (no resultTime, no FeatureOfInterest) count as "not on the edge".
  return fmt::format(
      "SELECT p.id FROM observation AS o JOIN {0} AS p ON p.id = o.{1} "
      "LEFT JOIN feature_of_interest AS f ON f.id = o.feature_id "
      "WHERE o.id = {2} AND (p.phenomenon_time_start = o.phenomenon_time_start "
      "OR p.phenomenon_time_end = coalesce(o.phenomenon_time_end, o.phenomenon_time_start) "
      "OR p.result_time_start = o.result_time OR p.result_time_end = o.result_time "
      "OR p.min_x = f.min_x OR p.min_y = f.min_y OR p.max_x = f.max_x OR p.max_y = f.max_y)",
      TableOf(parent_kind).table, column, dialect.Placeholder(1));
}

std::string ParentsOfFeatureSql(const sql::SqlDialect& dialect) {
  return fmt::format("SELECT DISTINCT datastream_id, multi_datastream_id FROM observation WHERE feature_id = {}",
                     dialect.Placeholder(1));
}

std::string RecomputeSql(EntityKind parent_kind, const sql::SqlDialect& dialect) {
  // Along the clustering key of the parent's Observations. Aggregates over
  // no rows give NULLs, which is right: no Observations, no phenomenonTime.
  return fmt::format(
      "UPDATE {0} SET phenomenon_time_start = s.pts, phenomenon_time_end = s.pte, "
      "result_time_start = s.rts, result_time_end = s.rte, "
      "min_x = b.x0, min_y = b.y0, max_x = b.x1, max_y = b.y1 "
      "FROM (SELECT min(phenomenon_time_start) AS pts, "
      "max(coalesce(phenomenon_time_end, phenomenon_time_start)) AS pte, "
      "min(result_time) AS rts, max(result_time) AS rte FROM observation WHERE stream = {2}) AS s, "
      "(SELECT min(f.min_x) AS x0, min(f.min_y) AS y0, max(f.max_x) AS x1, max(f.max_y) AS y1 "
      "FROM feature_of_interest AS f WHERE f.id IN "
      "(SELECT feature_id FROM observation WHERE stream = {2})) AS b "
      "WHERE {0}.id = {1}",
      TableOf(parent_kind).table, dialect.Placeholder(1), dialect.Placeholder(2));
}

std::string StoredObservationSql(const sql::SqlDialect& dialect) {
  std::string columns;
  for (std::string_view column : kStoredObservationColumns) {
    if (!columns.empty()) columns += ", ";
    columns += column;
  }
  return fmt::format("SELECT {} FROM observation WHERE id = {}", columns, dialect.Placeholder(1));
}

}  // namespace fundament::store
