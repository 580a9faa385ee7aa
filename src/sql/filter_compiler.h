// The filter compiler: a typed $filter tree (odata/filter.h) → one SQL
// condition over the logical schema (table_map.h), spelled by a SqlDialect.
//
// What a filter means is decided here, the same for every SQL engine:
//  - Literals become bound parameters, without exception.
//  - Null follows OData: `x eq null` holds when x is null (absent JSON
//    members too), `x ne 5` holds when x is null, and any other operation
//    with a null operand is unknown, which `$filter` treats as false — also
//    under `not`.
//  - A path through a to-many navigation (`Datastreams/name`, `Locations/
//    location`) holds when it holds for any related entity: each comparison
//    or function call becomes an EXISTS over the navigations it uses.
//    Navigations that one comparison takes more than once (the same prefix)
//    name the same related entity.
//  - JSON values (`result`, `properties/…`, `parameters/…`) have their type
//    only at run time: compared with a number they match when they are a
//    number, with a string when a string, and so on; a value of another type
//    matches nothing (and `ne` holds).
//  - An instant is an interval whose start and end coincide. For intervals
//    (phenomenonTime, validTime, a Datastream's resultTime) `a lt b` means a
//    ends before b starts, `a le b` a ends no later than b starts, `a gt b` a
//    starts after b ends, `a ge b` a starts no earlier than b ends, and
//    `a eq b` both ends equal. Calendar functions of an interval read its start.
//  - Geometry literals are in EPSG:4326. geo.distance and geo.length give
//    metres on the WGS 84 ellipsoid, unless a `geometry'…'` literal takes
//    part, which asks for plain coordinate units (degrees).
//  - Conditions on ids and times are written so that indexes serve them:
//    `Datastream/id eq 1` is the observation's own foreign key column, and an
//    interval bound also bounds the indexed start column.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "model/entity_type.h"
#include "model/time.h"
#include "odata/filter.h"
#include "sql/dialect.h"
#include "sql/select_builder.h"

namespace fundament::sql {

// What the compiled condition refers to.
struct FilterScope {
  model::EntityKind kind;  // the entity type the filter is over
  std::string_view alias;  // that entity's table alias in the query ("e")
  model::Micros now = 0;   // the value of now(), fixed for one request
};

// The longest condition the compiler writes; longer ones give kBadRequest.
// Parser limits keep real filters far below it.
inline constexpr size_t kMaxConditionBytes = 1 << 20;

// The deepest nesting of parentheses the compiler writes. SQL parsers have
// bounded stacks (SQLite's overflows at about 33 nested function calls), so
// filters whose SQL would nest deeper give kBadRequest instead of a failed
// statement. Real filters nest a handful of levels.
inline constexpr size_t kMaxSqlNesting = 30;

// Compiles `filter` (well typed, as ParseFilter returns it) into a SQL
// condition over `scope.alias`, binding every literal through `builder`
// (whose dialect spells it). Errors: kBadRequest for values the store cannot
// take (a geometry in an SRID other than 4326, a JSON member name the dialect
// cannot address), kNotImplemented for geometry functions on a store without
// geometry support.
Result<std::string> CompileFilter(const odata::FilterExpr& filter, const FilterScope& scope,
                                  SelectBuilder& builder);

}  // namespace fundament::sql
