#include "store/read_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "model/time.h"
#include "sql/filter_compiler.h"

namespace fundament::store {
namespace {

using sql::SelectBuilder;

constexpr std::string_view kAlias = "e";

bool Wanted(const ReadRequest& request, std::string_view property) {
  if (request.properties.empty()) return true;
  return std::find(request.properties.begin(), request.properties.end(), property) !=
         request.properties.end();
}

// The SQL standing for the related entity's id times `sign` (1 or -1): the
// expression `parent_id` when given, else a bound parameter (recorded in
// `query`).
std::string RelatedId(const RelatedTo& related, int64_t sign, const std::string_view* parent_id,
                      ReadQuery& query) {
  if (parent_id != nullptr) return sign < 0 ? fmt::format("-{}", *parent_id) : std::string(*parent_id);
  std::string placeholder = query.builder.Bind(sign * related.id);
  query.related_parameter = static_cast<int>(query.builder.parameters().size());
  query.related_sign = sign;
  return placeholder;
}

// Restricts the query to the entities reached through `related`.
Status AddRelation(const ReadRequest& request, const RelatedTo& related, const std::string_view* parent_id,
                   ReadQuery& query) {
  const model::EntityTypeDef& from = model::TypeOf(related.kind);
  const model::EntityTypeDef& to = model::TypeOf(request.kind);
  const model::NavigationDef* nav =
      related.navigation != nullptr ? from.FindNavigation(related.navigation->name) : nullptr;
  if (nav == nullptr || nav->target != request.kind) {
    return BadRequest(fmt::format("{} has no navigation to {}", from.name, to.set_name));
  }
  SelectBuilder& builder = query.builder;
  switch (nav->relation) {
    case model::Relation::kReference: {
      // The entity the related one refers to: Datastreams(1)/Thing.
      const ReferenceColumn* fk = TableOf(related.kind).FindReference(nav->name);
      if (fk == nullptr) return Internal(fmt::format("no column for {}/{}", from.name, nav->name));
      builder.AddWhere(fmt::format("{}.id = (SELECT s.{} FROM {} AS s WHERE s.id = {})", kAlias, fk->column,
                                   TableOf(related.kind).table, RelatedId(related, 1, parent_id, query)));
      return Status::Ok();
    }
    case model::Relation::kReferencedBy: {
      // The entities referring to the related one: Things(1)/Datastreams.
      const model::NavigationDef& inverse = model::InverseOf(from, *nav);
      const ReferenceColumn* fk = query.table->FindReference(inverse.name);
      if (fk == nullptr) return Internal(fmt::format("no column for {}/{}", to.name, inverse.name));
      if (!fk->cluster_column.empty()) {
        // A Datastream's Observations: one run of the clustering key.
        builder.AddWhere(fmt::format("{}.{} = {}", kAlias, fk->cluster_column,
                                     RelatedId(related, fk->cluster_sign, parent_id, query)));
        return Status::Ok();
      }
      builder.AddWhere(
          fmt::format("{}.{} = {}", kAlias, fk->column, RelatedId(related, 1, parent_id, query)));
      return Status::Ok();
    }
    case model::Relation::kLinkTable: {
      const LinkTableSide* link = LinkTableOf(related.kind, nav->name);
      if (link == nullptr) return Internal(fmt::format("no link table for {}/{}", from.name, nav->name));
      builder.AddJoin(fmt::format("JOIN {} AS l ON l.{} = {}.id", link->table, link->target_column, kAlias));
      builder.AddWhere(fmt::format("l.{} = {}", link->own_column, RelatedId(related, 1, parent_id, query)));
      // A MultiDatastream's ObservedProperties come in the order that its
      // unitOfMeasurements follow, unless the client asks for another.
      if (link->ordered && related.kind == model::EntityKind::kMultiDatastream && request.orderby.empty()) {
        builder.AddOrderBy("l.position", false);
      }
      return Status::Ok();
    }
  }
  return Internal("unknown relation");
}

Status AddOrder(const odata::OrderKey& key, ReadQuery& query, ResultOrder result_order) {
  SelectBuilder& builder = query.builder;
  if (key.property == "id" || key.property == "@iot.id") {
    if (!key.member_path.empty()) return BadRequest("id has no members", key.property);
    builder.AddOrderBy(fmt::format("{}.id", kAlias), key.descending);
    return Status::Ok();
  }
  const PropertyColumns* columns = query.table->FindProperty(key.property);
  if (columns == nullptr) {
    return BadRequest(
        fmt::format("{} has no property {}", model::TypeOf(query.table->kind).name, key.property),
        key.property);
  }
  if (key.member_path.empty()) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::string expression, SortExpression(*columns, kAlias, result_order));
    const bool nullable =
        !columns->always_set && (columns->property->nullable || !columns->property->mandatory);
    builder.AddOrderBy(std::move(expression), key.descending, nullable);
    return Status::Ok();
  }
  FUNDAMENT_ASSIGN_OR_RETURN(std::string json, JsonTextExpression(*columns, kAlias));
  FUNDAMENT_ASSIGN_OR_RETURN(SqlValue path, builder.dialect().JsonPath(key.member_path));
  builder.AddOrderBy(builder.dialect().JsonExtract(json, builder.Bind(std::move(path))), key.descending, true);
  return Status::Ok();
}

Result<ReadQuery> Build(const ReadRequest& request, const std::string_view* parent_id,
                        const sql::SqlDialect& dialect, ResultOrder result_order) {
  const TableMap& table = TableOf(request.kind);
  ReadQuery query{SelectBuilder(dialect, fmt::format("{} AS {}", table.table, kAlias)), &table, {}, {}};
  SelectBuilder& builder = query.builder;
  builder.AddColumn(fmt::format("{}.id", kAlias));
  for (const PropertyColumns& columns : table.properties) {
    if (!Wanted(request, columns.property->name)) continue;
    int first = -1;
    for (std::string& expression : SelectExpressions(columns, kAlias)) {
      int index = builder.AddColumn(std::move(expression));
      if (first < 0) first = index;
    }
    query.properties.emplace_back(&columns, first);
  }
  for (const ReferenceColumn& reference : table.references) {
    query.references.emplace_back(&reference,
                                  builder.AddColumn(fmt::format("{}.{}", kAlias, reference.column)));
  }
  if (request.id) builder.AddWhere(fmt::format("{}.id = {}", kAlias, builder.Bind(*request.id)));
  if (request.related) FUNDAMENT_RETURN_IF_ERROR(AddRelation(request, *request.related, parent_id, query));
  if (request.filter != nullptr) {
    sql::FilterScope scope{request.kind, kAlias, model::Now()};
    FUNDAMENT_ASSIGN_OR_RETURN(std::string condition, sql::CompileFilter(*request.filter, scope, builder));
    builder.AddWhere(std::move(condition));
  }
  // The Observations of one Datastream or MultiDatastream are a time series:
  // without an order of the client's they come in phenomenonTime order, which
  // is the order of the index that finds them (no sorting, however many).
  std::vector<odata::OrderKey> default_order;
  const std::vector<odata::OrderKey>* order = &request.orderby;
  if (order->empty() && request.kind == model::EntityKind::kObservation && request.related &&
      (request.related->kind == model::EntityKind::kDatastream ||
       request.related->kind == model::EntityKind::kMultiDatastream)) {
    default_order.push_back(odata::OrderKey{"phenomenonTime", {}, false});
    order = &default_order;
  }
  for (const odata::OrderKey& key : *order) FUNDAMENT_RETURN_IF_ERROR(AddOrder(key, query, result_order));
  // The id breaks ties, so that paging is stable; in the direction of the
  // last key, so that an index on (…, key, id) serves the whole order.
  builder.AddOrderBy(fmt::format("{}.id", kAlias), !order->empty() && order->back().descending);
  builder.SetLimit(request.limit, request.skip);
  return query;
}

}  // namespace

Result<ReadQuery> BuildReadQuery(const ReadRequest& request, const sql::SqlDialect& dialect,
                                 ResultOrder result_order) {
  return Build(request, nullptr, dialect, result_order);
}

Result<ReadQuery> BuildRelatedReadQuery(const RelatedReadRequest& request, std::string_view parent_id,
                                        const sql::SqlDialect& dialect, ResultOrder result_order) {
  return Build(request.ForParent(0), &parent_id, dialect, result_order);
}

}  // namespace fundament::store
