#include "store/postgres/entity_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unordered_map>

#include <vector>

namespace fundament::store::postgres {
namespace {

// Reads that may return more rows than kOneStatementRows go through a
// cursor, kChunkRows rows per round trip; smaller ones run as one prepared
// statement, whose whole result libpq holds at once. The bound is a page of
// the largest $top (10000) and the one row more that says whether more exist.
constexpr int kChunkRows = 1000;
constexpr int64_t kOneStatementRows = 10001;

// Numbers (and booleans as 0/1) before strings, strings before structured
// results, as in the SQLite store; a row value compares column by column.
std::string ResultSortExpression(std::string_view alias) {
  return fmt::format(
      "(CASE WHEN {0}.result_number IS NOT NULL THEN 0 WHEN {0}.result_string IS NOT NULL THEN 1 "
      "WHEN {0}.result_json IS NOT NULL THEN 2 END, {0}.result_number, {0}.result_string, {0}.result_json)",
      alias);
}

}  // namespace

Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const sql::SqlDialect& dialect) {
  return store::BuildReadQuery(request, dialect, &ResultSortExpression);
}

Result<ReadResult> RunRead(Connection& connection, const sql::SqlDialect& dialect, const ReadRequest& request) {
  ReadResult result;
  std::vector<Entity> entities;
  FUNDAMENT_ASSIGN_OR_RETURN(result, ScanRead(connection, dialect, request, [&](Entity&& entity) {
                               entities.push_back(std::move(entity));
                               return Status::Ok();
                             }));
  result.entities = std::move(entities);
  return result;
}

Result<ReadResult> ScanRead(Connection& connection, const sql::SqlDialect& dialect, const ReadRequest& request,
                            const EntityVisitor& visit) {
  FUNDAMENT_ASSIGN_OR_RETURN(ReadQuery query, BuildReadQuery(request, dialect));
  ReadResult result;
  const std::string select = query.builder.SelectSql();
  const auto& parameters = query.builder.parameters();
  // One entity by id needs no cursor either: a cursor costs two more round trips.
  const bool one_statement = request.id.has_value() || (request.limit >= 0 && request.limit <= kOneStatementRows);
  if (one_statement) {
    if (request.limit != 0) {
      FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection.Query(select, parameters));
      for (int i = 0; i < rows.size(); ++i) {
        FUNDAMENT_ASSIGN_OR_RETURN(Entity entity, DecodeEntity(query, rows.row(i)));
        FUNDAMENT_RETURN_IF_ERROR(visit(std::move(entity)));
      }
    }
  } else {
    FUNDAMENT_RETURN_IF_ERROR(connection.Stream(select, parameters, kChunkRows, [&](const RowView& row) -> Status {
      FUNDAMENT_ASSIGN_OR_RETURN(Entity entity, DecodeEntity(query, row));
      return visit(std::move(entity));
    }));
  }
  if (request.count) {
    // The count query has the same clauses but no LIMIT/OFFSET, whose
    // parameters come last (SelectBuilder::SetLimit): PostgreSQL wants no
    // parameter a statement does not use.
    std::vector<SqlValue> count_parameters = parameters;
    const size_t paging = request.limit >= 0 ? 2 : request.skip > 0 ? 1 : 0;
    count_parameters.resize(count_parameters.size() - paging);
    FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection.Query(query.builder.CountSql(), count_parameters));
    if (rows.size() != 1) return Internal("count returned no row");
    result.count = rows.row(0).ColumnInt(0);
  }
  return result;
}

Result<RelatedRowsQuery> BuildRelatedRowsQuery(const RelatedReadRequest& request,
                                               const std::vector<int64_t>& parents,
                                               const sql::SqlDialect& dialect) {
  constexpr std::string_view kParent = "p.id";
  FUNDAMENT_ASSIGN_OR_RETURN(ReadQuery query,
                             store::BuildRelatedReadQuery(request, kParent, dialect, &ResultSortExpression));
  const int parent_column = query.builder.column_count();
  // The ids travel as one bigint[] parameter in PostgreSQL's array syntax.
  const std::string ids = query.builder.Bind(fmt::format("{{{}}}", fmt::join(parents, ",")));
  // The subquery runs once per parent (a nested loop: it depends on p.id),
  // so each parent's rows come in the subquery's order.
  std::string sql =
      fmt::format("SELECT x.*, {} FROM unnest(CAST({} AS bigint[])) AS p(id) CROSS JOIN LATERAL ({}) AS x",
                  kParent, ids, query.builder.SelectSql());
  return RelatedRowsQuery{std::move(query), std::move(sql), parent_column};
}

Result<RelatedReadResult> RunRelatedRead(Connection& connection, const sql::SqlDialect& dialect,
                                         const RelatedReadRequest& request) {
  RelatedReadResult groups(request.parent_ids.size());
  if (request.parent_ids.empty()) return groups;
  std::unordered_map<int64_t, size_t> first;  // parent id → index of its first entry
  std::vector<int64_t> distinct;
  for (size_t i = 0; i < request.parent_ids.size(); ++i) {
    if (first.emplace(request.parent_ids[i], i).second) distinct.push_back(request.parent_ids[i]);
  }

  if (request.limit != 0) {
    FUNDAMENT_ASSIGN_OR_RETURN(RelatedRowsQuery rows_query,
                               BuildRelatedRowsQuery(request, distinct, dialect));
    const ReadQuery& query = rows_query.query;
    auto take = [&](const auto& row) -> Status {
      FUNDAMENT_ASSIGN_OR_RETURN(Entity entity, DecodeEntity(query, row));
      groups[first.at(row.ColumnInt(rows_query.parent_column))].entities.push_back(std::move(entity));
      return Status::Ok();
    };
    const auto& parameters = query.builder.parameters();
    if (request.limit > 0 && request.limit <= kOneStatementRows / static_cast<int64_t>(distinct.size())) {
      FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection.Query(rows_query.sql, parameters));
      for (int i = 0; i < rows.size(); ++i) FUNDAMENT_RETURN_IF_ERROR(take(rows.row(i)));
    } else {
      FUNDAMENT_RETURN_IF_ERROR(connection.Stream(rows_query.sql, parameters, kChunkRows, take));
    }
  }
  if (request.count) {
    // Counted without order and paging, whose parameters the count would not use.
    RelatedReadRequest counting = request;
    counting.orderby.clear();
    counting.skip = 0;
    counting.limit = -1;
    FUNDAMENT_ASSIGN_OR_RETURN(
        ReadQuery query, store::BuildRelatedReadQuery(counting, "p.id", dialect, &ResultSortExpression));
    const std::string ids = query.builder.Bind(fmt::format("{{{}}}", fmt::join(distinct, ",")));
    const std::string select = fmt::format("SELECT p.id, ({}) FROM unnest(CAST({} AS bigint[])) AS p(id)",
                                           query.builder.CountSql(), ids);
    FUNDAMENT_ASSIGN_OR_RETURN(Rows rows, connection.Query(select, query.builder.parameters()));
    for (int i = 0; i < rows.size(); ++i) {
      groups[first.at(rows.row(i).ColumnInt(0))].count = rows.row(i).ColumnInt(1);
    }
  }
  for (size_t i = 0; i < request.parent_ids.size(); ++i) {
    const size_t source = first.at(request.parent_ids[i]);
    if (source != i) groups[i] = groups[source];
  }
  return groups;
}

}  // namespace fundament::store::postgres
