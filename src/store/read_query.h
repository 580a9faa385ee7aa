// Reading entities, the engine-neutral part: a ReadRequest becomes one SELECT
// (and a count) built with SelectBuilder, and each row becomes an Entity.
// Every SQL store runs the query on its own connections.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sql/select_builder.h"
#include "store/entity_codec.h"
#include "store/store.h"

namespace fundament::store {

// The SQL of one read and where each value sits in its rows.
struct ReadQuery {
  sql::SelectBuilder builder;
  const TableMap* table = nullptr;
  // The properties loaded, in model order, each with its first column.
  std::vector<std::pair<const PropertyColumns*, int>> properties;
  // The to-one references, each with its column.
  std::vector<std::pair<const ReferenceColumn*, int>> references;
  // For a read of related entities: the parameter (1-based) that holds the
  // related entity's id, multiplied by `related_sign`. A store running the
  // same query for many parents rebinds just this one.
  int related_parameter = 0;
  int64_t related_sign = 1;
};

// Builds the query for `request` in `dialect`, its filter compiled into the
// WHERE clause. kBadRequest for an order key or navigation that does not fit
// the entity type and for filters the store cannot run (sql/filter_compiler.h).
Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const sql::SqlDialect& dialect,
                                 ResultOrder result_order);

// The query of one parent's share of `request`, with the parent's id given
// by the SQL expression `parent_id` (a column of an outer query that lists
// the parents) instead of a bound value.
Result<ReadQuery> BuildRelatedReadQuery(const RelatedReadRequest& request, std::string_view parent_id,
                                        const sql::SqlDialect& dialect, ResultOrder result_order);

// The Entity in the current row of `row` (see DecodeProperty for what a Row offers).
template <typename Row>
Result<Entity> DecodeEntity(const ReadQuery& query, const Row& row) {
  Entity entity;
  entity.id = row.ColumnInt(0);
  for (const auto& [columns, first] : query.properties) {
    FUNDAMENT_ASSIGN_OR_RETURN(boost::json::value value, DecodeProperty(*columns, row, first));
    entity.properties.emplace(columns->property->name, std::move(value));
  }
  for (const auto& [reference, column] : query.references) {
    if (!row.IsNull(column)) entity.references.emplace_back(reference->navigation, row.ColumnInt(column));
  }
  return entity;
}

}  // namespace fundament::store
