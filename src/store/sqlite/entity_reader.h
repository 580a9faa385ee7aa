// Reading entities: a ReadRequest becomes one SELECT (and a count) built with
// SelectBuilder, and the rows become Entities. Used by readers for committed
// data and by the write transaction for its own uncommitted view.
#pragma once

#include <utility>
#include <vector>

#include "common/result.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"
#include "sql/select_builder.h"
#include "store/store.h"

namespace fundament::store::sqlite {

using sql::SelectBuilder;
using sql::SqlDialect;

// The SQL of one read and where each value sits in its rows.
struct ReadQuery {
  SelectBuilder builder;
  const TableMap* table = nullptr;
  // The properties loaded, in model order, each with its first column.
  std::vector<std::pair<const PropertyColumns*, int>> properties;
  // The to-one references, each with its column.
  std::vector<std::pair<const ReferenceColumn*, int>> references;
};

// Builds the query for `request`, its filter compiled into the WHERE clause.
// kBadRequest for an order key or navigation that does not fit the entity
// type and for filters the store cannot run (sql/filter_compiler.h).
Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const SqlDialect& dialect);

// Runs `request` on `connection` in whatever transaction it is in; callers
// wanting the rows and the count from one snapshot wrap it in one.
Result<ReadResult> RunRead(Connection& connection, const ReadRequest& request);

// Like RunRead, handing each entity to `visit` instead of collecting them.
Result<ReadResult> ScanRead(Connection& connection, const ReadRequest& request, const EntityVisitor& visit);

}  // namespace fundament::store::sqlite
