// Reading entities from SQLite: the query of store/read_query.h run on a
// connection. Used by readers for committed data and by the write
// transaction for its own uncommitted view.
#pragma once

#include <utility>
#include <vector>

#include "common/result.h"
#include "store/read_query.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"
#include "store/store.h"

namespace fundament::store::sqlite {

using sql::SelectBuilder;
using sql::SqlDialect;
using store::ReadQuery;

// The query for `request` (store/read_query.h), with SQLite's order of results.
Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const SqlDialect& dialect);

// Runs `request` on `connection` in whatever transaction it is in; callers
// wanting the rows and the count from one snapshot wrap it in one.
Result<ReadResult> RunRead(Connection& connection, const ReadRequest& request);

// Like RunRead, handing each entity to `visit` instead of collecting them.
Result<ReadResult> ScanRead(Connection& connection, const ReadRequest& request, const EntityVisitor& visit);

// The grouped read of `request` on `connection`: one prepared statement (and
// one for the counts) run once per distinct parent with that parent's id
// rebound. SQLite runs in-process, so a run costs no round trip; each uses
// the index that serves a single parent's read, where one statement over all
// parents (a window function over `fk IN (…)`) would read every child of
// every parent to number them.
Result<RelatedReadResult> RunRelatedRead(Connection& connection, const RelatedReadRequest& request);

}  // namespace fundament::store::sqlite
