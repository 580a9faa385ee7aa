#include "store/sqlite/entity_reader.h"

#include <fmt/format.h>

#include <unordered_map>
#include <vector>

#include "store/sqlite/sqlite_dialect.h"

namespace fundament::store::sqlite {

// Numbers (and booleans as 0/1) sort before strings, strings before
// structured results: that is SQLite's order of storage classes.
std::string ResultSortExpression(std::string_view alias) {
  return fmt::format("coalesce({0}.result_number, {0}.result_string, {0}.result_json)", alias);
}

Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const SqlDialect& dialect) {
  return store::BuildReadQuery(request, dialect, &ResultSortExpression);
}

Result<ReadResult> RunRead(Connection& connection, const ReadRequest& request) {
  ReadResult result;
  std::vector<Entity> entities;
  FUNDAMENT_ASSIGN_OR_RETURN(result, ScanRead(connection, request, [&](Entity&& entity) {
                               entities.push_back(std::move(entity));
                               return Status::Ok();
                             }));
  result.entities = std::move(entities);
  return result;
}

Result<ReadResult> ScanRead(Connection& connection, const ReadRequest& request, const EntityVisitor& visit) {
  FUNDAMENT_ASSIGN_OR_RETURN(ReadQuery query, BuildReadQuery(request, SqliteSql(connection.spatialite())));
  ReadResult result;
  if (request.limit != 0) {
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(query.builder.SelectSql()));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindAll(query.builder.parameters()));
    for (;;) {
      FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      FUNDAMENT_ASSIGN_OR_RETURN(Entity entity, DecodeEntity(query, stmt));
      FUNDAMENT_RETURN_IF_ERROR(visit(std::move(entity)));
    }
  }
  if (request.count) {
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(query.builder.CountSql()));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindAll(query.builder.parameters()));
    FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Internal("count returned no row");
    result.count = stmt.ColumnInt(0);
  }
  return result;
}

Result<RelatedReadResult> RunRelatedRead(Connection& connection, const RelatedReadRequest& request) {
  RelatedReadResult groups(request.parent_ids.size());
  if (request.parent_ids.empty()) return groups;
  FUNDAMENT_ASSIGN_OR_RETURN(ReadQuery query, BuildReadQuery(request.ForParent(request.parent_ids.front()),
                                                             SqliteSql(connection.spatialite())));
  if (query.related_parameter == 0) return Internal("a related read without its parent's parameter");
  const int parent = query.related_parameter;
  const int64_t sign = query.related_sign;
  std::unordered_map<int64_t, size_t> first;  // parent id → index of its first entry
  std::vector<size_t> distinct;               // indexes of the first entries
  for (size_t i = 0; i < request.parent_ids.size(); ++i) {
    if (first.emplace(request.parent_ids[i], i).second) distinct.push_back(i);
  }
  if (request.limit != 0) {
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(query.builder.SelectSql()));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindAll(query.builder.parameters()));
    for (size_t i : distinct) {
      stmt.Reset();
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(parent, sign * request.parent_ids[i]));
      std::vector<Entity>& entities = groups[i].entities;
      for (;;) {
        FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        FUNDAMENT_ASSIGN_OR_RETURN(Entity entity, DecodeEntity(query, stmt));
        entities.push_back(std::move(entity));
      }
    }
  }
  if (request.count) {
    FUNDAMENT_ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(query.builder.CountSql()));
    FUNDAMENT_RETURN_IF_ERROR(stmt.BindAll(query.builder.parameters()));
    for (size_t i : distinct) {
      stmt.Reset();
      FUNDAMENT_RETURN_IF_ERROR(stmt.BindInt(parent, sign * request.parent_ids[i]));
      FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Internal("count returned no row");
      groups[i].count = stmt.ColumnInt(0);
    }
  }
  for (size_t i = 0; i < request.parent_ids.size(); ++i) {
    const size_t source = first[request.parent_ids[i]];
    if (source != i) groups[i] = groups[source];
  }
  return groups;
}

}  // namespace fundament::store::sqlite
