#include "store/postgres/entity_reader.h"

#include <fmt/format.h>

#include <vector>

namespace fundament::store::postgres {
namespace {

// Reads that may return more rows than this go through a cursor, this many
// rows per round trip; smaller ones run as one prepared statement.
constexpr int kChunkRows = 1000;

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
  const bool one_statement = request.id.has_value() || (request.limit >= 0 && request.limit <= kChunkRows);
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

}  // namespace fundament::store::postgres
