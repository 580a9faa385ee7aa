// Reading entities from PostgreSQL: the query of store/read_query.h run on a
// connection, small results at once, large ones through a cursor in chunks.
// Used by snapshots for committed data and by the write transaction for its
// own uncommitted view.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "sql/dialect.h"
#include "store/postgres/connection.h"
#include "store/read_query.h"
#include "store/store.h"

namespace fundament::store::postgres {

// The query for `request` (store/read_query.h) with PostgreSQL's order of results.
Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const sql::SqlDialect& dialect);

// Runs `request` on `connection`, which must be in a transaction.
Result<ReadResult> RunRead(Connection& connection, const sql::SqlDialect& dialect, const ReadRequest& request);

// Like RunRead, handing each entity to `visit` instead of collecting them.
Result<ReadResult> ScanRead(Connection& connection, const sql::SqlDialect& dialect, const ReadRequest& request,
                            const EntityVisitor& visit);

// The statement of a grouped read's rows for distinct `parents`: the
// columns of the single-parent query, then the parent's id (at
// `parent_column`).
struct RelatedRowsQuery {
  ReadQuery query;  // its builder holds the parameters
  std::string sql;
  int parent_column = 0;
};
Result<RelatedRowsQuery> BuildRelatedRowsQuery(const RelatedReadRequest& request,
                                               const std::vector<int64_t>& parents,
                                               const sql::SqlDialect& dialect);

// The grouped read of `request` on `connection` (in a transaction): one
// statement for all parents, which lists them from one array parameter and
// joins each to its entities through a LATERAL subquery, so that every
// parent's page is found through the index as alone; a second statement for
// the counts when asked. One round trip however many parents.
Result<RelatedReadResult> RunRelatedRead(Connection& connection, const sql::SqlDialect& dialect,
                                         const RelatedReadRequest& request);

}  // namespace fundament::store::postgres
