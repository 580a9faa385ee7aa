// The compiler walks the tree once. Boolean structure (and, or, not) maps
// onto SQL directly; every other boolean node — a comparison, a boolean
// function call, a JSON value in a boolean position — is a *predicate*, the
// unit that "any related entity" applies to: the navigations its paths take
// are joined inside one EXISTS subquery around it. Values are built bottom-up
// as typed SQL expressions (Value), and every operator converts its operands
// to the representation it needs (Coerce), so run-time typed JSON meets typed
// columns in one place.
#include "sql/filter_compiler.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "sql/table_map.h"

namespace fundament::sql {
namespace {

using odata::BinaryNode;
using odata::BinaryOp;
using odata::CallNode;
using odata::FilterExpr;
using odata::FilterFunction;
using odata::LiteralNode;
using odata::LogicalNode;
using odata::LogicalOp;
using odata::PathNode;
using odata::UnaryNode;
using odata::UnaryOp;
using T = odata::FilterType;

// Fixed numbers written into SQL text (they never come from a request).
constexpr std::string_view kMicrosPerDay = "86400000000";
constexpr std::string_view kMicrosPerHour = "3600000000";
constexpr std::string_view kMicrosPerMinute = "60000000";
constexpr std::string_view kMicrosPerSecond = "1000000";

// A JSON value whose type is known only at run time: a member of JSON text
// (`properties/level`), or an Observation's result, kept in typed columns.
struct JsonSource {
  bool result = false;
  std::string text;   // !result: the JSON text expression
  std::string path;   // !result: the placeholder holding the member path
  std::string alias;  // result: the observation's table alias
};

// A compiled value: its type and SQL.
struct Value {
  T type = T::kNull;
  std::string sql;        // the value; an interval's start
  std::string end;        // kInterval: the end
  std::string null_test;  // when set, NULL exactly when the value is null (else `sql` is)
  bool literal = false;   // a bound literal, never null
  bool planar = false;    // kGeometry: a geometry'…' literal (coordinate units, not metres)
  int offset_minutes = 0; // kDateTime literal: the UTC offset it was written with
  JsonSource json;        // kJson
  // A foreign key that is also a clustering key (ReferenceColumn::cluster_column):
  // the column, and the sign it holds the id with.
  std::string cluster;
  int cluster_sign = 1;
};

Value Null() {
  Value value;
  value.sql = "NULL";
  return value;
}

bool IsNumeric(T type) { return type == T::kInteger || type == T::kDouble; }
bool IsTemporal(T type) { return type == T::kDateTime || type == T::kDate || type == T::kInterval; }

const char* ComparisonOperator(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNe: return "<>";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    default: return "=";
  }
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEq || op == BinaryOp::kNe || op == BinaryOp::kGt || op == BinaryOp::kGe ||
         op == BinaryOp::kLt || op == BinaryOp::kLe;
}

// The operands [begin, end) joined by `separator`, grouped as a balanced tree
// of at most eight per group: SQL engines parse a flat chain as a tree as
// deep as it is long, and limit that depth (SQLite to 1000).
std::string Chain(const std::vector<std::string>& parts, size_t begin, size_t end, std::string_view separator) {
  constexpr size_t kGroup = 8;
  std::string out = "(";
  if (end - begin <= kGroup) {
    for (size_t i = begin; i < end; ++i) {
      if (i > begin) out += separator;
      out += parts[i];
    }
  } else {
    const size_t step = (end - begin + kGroup - 1) / kGroup;
    for (size_t i = begin; i < end; i += step) {
      if (i > begin) out += separator;
      out += Chain(parts, i, std::min(end, i + step), separator);
    }
  }
  return out + ")";
}

// The deepest nesting of parentheses in generated SQL (which holds no
// quoted parentheses).
size_t NestingOf(std::string_view sql) {
  size_t depth = 0, deepest = 0;
  for (char c : sql) {
    if (c == '(') deepest = std::max(deepest, ++depth);
    if (c == ')' && depth > 0) --depth;
  }
  return deepest;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

class Compiler {
 public:
  Compiler(const FilterScope& scope, SelectBuilder& builder)
      : scope_(scope), builder_(builder), dialect_(builder.dialect()) {}

  // `expr` as a condition.
  Result<std::string> Condition(const FilterExpr& expr) {
    if (const auto* logical = std::get_if<LogicalNode>(&expr.node)) {
      std::vector<std::string> parts;
      for (const auto& operand : logical->operands) {
        FUNDAMENT_ASSIGN_OR_RETURN(std::string part, Condition(*operand));
        parts.push_back(std::move(part));
      }
      return Chain(parts, 0, parts.size(), logical->op == LogicalOp::kAnd ? " AND " : " OR ");
    }
    if (const auto* unary = std::get_if<UnaryNode>(&expr.node); unary && unary->op == UnaryOp::kNot) {
      // Unknown counts as false before it is negated: `not (x gt 5)` holds for a null x.
      FUNDAMENT_ASSIGN_OR_RETURN(std::string operand, Condition(*unary->operand));
      return fmt::format("(NOT {})", dialect_.UnknownAsFalse(operand));
    }
    return Predicate(expr);
  }

 private:
  // ---- Predicates and navigation ----

  // The related entities one predicate ranges over: a FROM clause with its
  // joins, and the conditions tying the first to the outer query.
  struct PredicateScope {
    struct Reached {
      std::string key;    // the navigation names that led here, "Datastreams/Thing"
      std::string alias;
    };
    std::vector<Reached> reached;
    std::string from;
    std::vector<std::string> correlation;
  };

  Result<std::string> Predicate(const FilterExpr& expr) {
    scopes_.push_back(std::make_unique<PredicateScope>());
    auto value = PredicateValue(expr);
    std::unique_ptr<PredicateScope> scope = std::move(scopes_.back());
    scopes_.pop_back();
    if (!value.ok()) return value.error();
    FUNDAMENT_ASSIGN_OR_RETURN(std::string condition, AsCondition(*value));
    if (scope->reached.empty()) return condition;
    std::vector<std::string> where = scope->correlation;
    where.push_back(condition);
    return fmt::format("EXISTS (SELECT 1 FROM {} WHERE {})", scope->from, Join(where, " AND "));
  }

  Result<std::string> AsCondition(const Value& value) {
    switch (value.type) {
      case T::kBoolean:
        return value.sql;
      case T::kJson:
        return ReadJson(value.json, JsonAs::kBoolean);
      case T::kNull:
        return std::string("NULL");
      default:
        return Internal(fmt::format("$filter: a {} is not a condition", odata::FilterTypeName(value.type)));
    }
  }

  // The alias of the entity that the first `count` navigations of `path`
  // reach, joining them into the innermost predicate where not yet joined.
  Result<std::string> Reach(const PathNode& path, size_t count) {
    std::string alias(scope_.alias);
    if (count == 0) return alias;
    if (scopes_.empty()) return Internal("$filter: a path outside a predicate");
    PredicateScope& scope = *scopes_.back();
    model::EntityKind kind = scope_.kind;
    std::string key;
    for (size_t i = 0; i < count; ++i) {
      const model::NavigationDef& navigation = *path.navigations[i].navigation;
      if (!key.empty()) key += '/';
      key += navigation.name;
      auto known = std::find_if(scope.reached.begin(), scope.reached.end(),
                                [&](const PredicateScope::Reached& r) { return r.key == key; });
      if (known != scope.reached.end()) {
        alias = known->alias;
      } else {
        std::string next = fmt::format("f{}", ++alias_count_);
        FUNDAMENT_RETURN_IF_ERROR(JoinStep(scope, kind, alias, navigation, next));
        scope.reached.push_back({key, next});
        alias = std::move(next);
      }
      kind = navigation.target;
    }
    return alias;
  }

  // Joins `to` (of navigation's target type) to `from` (of `kind`).
  Status JoinStep(PredicateScope& scope, model::EntityKind kind, const std::string& from,
                  const model::NavigationDef& navigation, const std::string& to) {
    const TableMap& target = TableOf(navigation.target);
    auto add = [&](std::string_view table, std::string_view alias, std::string condition) {
      if (scope.from.empty()) {
        scope.from = fmt::format("{} AS {}", table, alias);
        scope.correlation.push_back(std::move(condition));
      } else {
        scope.from += fmt::format(" JOIN {} AS {} ON {}", table, alias, condition);
      }
    };
    switch (navigation.relation) {
      case model::Relation::kReference: {
        const ReferenceColumn* fk = TableOf(kind).FindReference(navigation.name);
        if (fk == nullptr) return Internal(fmt::format("no column for navigation {}", navigation.name));
        add(target.table, to, fmt::format("{}.id = {}.{}", to, from, fk->column));
        return Status::Ok();
      }
      case model::Relation::kReferencedBy: {
        const model::NavigationDef& inverse = model::InverseOf(model::TypeOf(kind), navigation);
        const ReferenceColumn* fk = target.FindReference(inverse.name);
        if (fk == nullptr) return Internal(fmt::format("no column for navigation {}", inverse.name));
        add(target.table, to, fmt::format("{}.{} = {}.id", to, fk->column, from));
        return Status::Ok();
      }
      case model::Relation::kLinkTable: {
        const LinkTableSide* link = LinkTableOf(kind, navigation.name);
        if (link == nullptr) return Internal(fmt::format("no link table for navigation {}", navigation.name));
        const std::string link_alias = to + "l";
        add(link->table, link_alias, fmt::format("{}.{} = {}.id", link_alias, link->own_column, from));
        add(target.table, to, fmt::format("{}.id = {}.{}", to, link_alias, link->target_column));
        return Status::Ok();
      }
    }
    return Internal("unknown relation");
  }

  // ---- Values ----

  // The value of a predicate's own node: comparisons and calls are computed
  // in the predicate's scope.
  Result<Value> PredicateValue(const FilterExpr& expr) {
    if (const auto* binary = std::get_if<BinaryNode>(&expr.node); binary && IsComparison(binary->op))
      return Comparison(*binary);
    if (const auto* call = std::get_if<CallNode>(&expr.node)) return Call(expr, *call);
    return ValueOf(expr);
  }

  Result<Value> ValueOf(const FilterExpr& expr) {
    return std::visit(
        [&](const auto& node) -> Result<Value> {
          using Node = std::decay_t<decltype(node)>;
          if constexpr (std::is_same_v<Node, LiteralNode>) {
            return Literal(expr, node);
          } else if constexpr (std::is_same_v<Node, PathNode>) {
            return Path(expr, node);
          } else if constexpr (std::is_same_v<Node, UnaryNode>) {
            if (node.op == UnaryOp::kNot) return BooleanValue(expr);
            return Negate(node);
          } else if constexpr (std::is_same_v<Node, BinaryNode>) {
            if (IsComparison(node.op)) return BooleanValue(expr);
            return Arithmetic(expr, node);
          } else if constexpr (std::is_same_v<Node, LogicalNode>) {
            return BooleanValue(expr);
          } else {
            // A boolean call used as an operand is a predicate of its own.
            if (expr.type == T::kBoolean) return BooleanValue(expr);
            return Call(expr, node);
          }
        },
        expr.node);
  }

  Result<Value> BooleanValue(const FilterExpr& expr) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::string condition, Condition(expr));
    Value value;
    value.type = T::kBoolean;
    value.sql = std::move(condition);
    return value;
  }

  std::string Bind(SqlValue value) { return builder_.Bind(std::move(value)); }

  Value BoundLiteral(T type, SqlValue bound) {
    Value value;
    value.type = type;
    value.sql = Bind(std::move(bound));
    value.literal = true;
    return value;
  }

  Result<Value> Literal(const FilterExpr& expr, const LiteralNode& literal) {
    return std::visit(
        [&](const auto& v) -> Result<Value> {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, odata::NullValue>) {
            return Null();
          } else if constexpr (std::is_same_v<V, bool>) {
            Value value;
            value.type = T::kBoolean;
            value.sql = v ? dialect_.True() : dialect_.False();
            value.literal = true;
            return value;
          } else if constexpr (std::is_same_v<V, int64_t>) {
            return BoundLiteral(T::kInteger, v);
          } else if constexpr (std::is_same_v<V, double>) {
            // NaN is no SQL number; it equals nothing.
            if (std::isnan(v)) {
              Value nan;
              nan.type = T::kDouble;
              nan.sql = "NULL";
              return nan;
            }
            return BoundLiteral(T::kDouble, v);
          } else if constexpr (std::is_same_v<V, std::string>) {
            return BoundLiteral(T::kString, v);
          } else if constexpr (std::is_same_v<V, odata::DateTimeValue>) {
            Value value = BoundLiteral(T::kDateTime, v.utc);
            value.offset_minutes = v.offset_minutes;
            return value;
          } else if constexpr (std::is_same_v<V, odata::DateValue>) {
            return BoundLiteral(T::kDate, v.midnight_utc);
          } else if constexpr (std::is_same_v<V, odata::TimeOfDayValue>) {
            return BoundLiteral(T::kTimeOfDay, v.since_midnight);
          } else if constexpr (std::is_same_v<V, odata::IntervalValue>) {
            Value value = BoundLiteral(T::kInterval, v.interval.start);
            value.end = Bind(v.interval.end);
            return value;
          } else if constexpr (std::is_same_v<V, odata::DurationValue>) {
            return BoundLiteral(T::kDuration, v.micros);
          } else {
            static_assert(std::is_same_v<V, odata::GeometryValue>);
            if (v.srid != 4326) {
              return BadRequest(fmt::format("$filter: at position {}: geometries are stored in SRID 4326 (WGS 84); "
                                            "SRID={} is not supported",
                                            expr.position, v.srid),
                                "$filter");
            }
            FUNDAMENT_RETURN_IF_ERROR(NeedGeometry());
            Value value;
            value.type = T::kGeometry;
            value.sql = dialect_.GeometryFromGeoJson(Bind(boost::json::serialize(v.geojson)));
            value.literal = true;
            value.planar = !v.geography;
            return value;
          }
        },
        literal.value);
  }

  Status NeedGeometry() const {
    if (dialect_.HasGeometry()) return Status::Ok();
    return Error{ErrorCode::kNotImplemented,
                 "$filter: geometry functions need a store with geometry support (SpatiaLite is not loaded)",
                 "$filter"};
  }

  Result<Value> Path(const FilterExpr& expr, const PathNode& path) {
    const size_t navigations = path.navigations.size();
    Value value;
    value.type = expr.type;
    if (path.is_id()) {
      // `Datastream/id` is the foreign key column itself: no join, and the
      // column's index serves it.
      if (navigations > 0 && path.navigations.back().navigation->relation == model::Relation::kReference) {
        const model::NavigationDef& last = *path.navigations.back().navigation;
        FUNDAMENT_ASSIGN_OR_RETURN(std::string owner, Reach(path, navigations - 1));
        const model::EntityKind owner_kind =
            navigations >= 2 ? path.navigations[navigations - 2].navigation->target : scope_.kind;
        const ReferenceColumn* fk = TableOf(owner_kind).FindReference(last.name);
        if (fk == nullptr) return Internal(fmt::format("no column for navigation {}", last.name));
        value.sql = fmt::format("{}.{}", owner, fk->column);
        if (!fk->cluster_column.empty()) {
          value.cluster = fmt::format("{}.{}", owner, fk->cluster_column);
          value.cluster_sign = fk->cluster_sign;
        }
        return value;
      }
      FUNDAMENT_ASSIGN_OR_RETURN(std::string alias, Reach(path, navigations));
      value.sql = alias + ".id";
      return value;
    }
    FUNDAMENT_ASSIGN_OR_RETURN(std::string alias, Reach(path, navigations));
    const PropertyColumns* columns = TableOf(path.entity->kind).FindProperty(path.property->name);
    if (columns == nullptr) return Internal(fmt::format("no columns for property {}", path.property->name));
    auto column = [&](std::string_view name) { return fmt::format("{}.{}", alias, name); };
    switch (columns->storage) {
      case Storage::kText:
      case Storage::kInstant:
        value.sql = column(columns->column);
        return value;
      case Storage::kInterval:
        value.sql = column(columns->column);
        value.end = column(columns->column2);
        return value;
      case Storage::kInstantOrInterval:
        // An instant has no end of its own: it ends where it starts.
        value.sql = column(columns->column);
        value.end = fmt::format("coalesce({}, {})", column(columns->column2), column(columns->column));
        return value;
      case Storage::kJson: {
        FUNDAMENT_ASSIGN_OR_RETURN(JsonSource json, Member(column(columns->column), path.members));
        if (expr.type == T::kString) {
          // unitOfMeasurement/name and its siblings: typed members of JSON.
          value.sql = ReadJson(json, JsonAs::kString);
          return value;
        }
        value.type = T::kJson;
        value.json = std::move(json);
        return value;
      }
      case Storage::kResult: {
        value.type = T::kJson;
        if (path.members.empty()) {
          value.json.result = true;
          value.json.alias = alias;
          return value;
        }
        FUNDAMENT_ASSIGN_OR_RETURN(value.json, Member(column("result_json"), path.members));
        return value;
      }
      case Storage::kGeoJson:
        value.sql = column(kGeometryColumn);
        value.null_test = column(columns->column);
        return value;
      case Storage::kBox:
        FUNDAMENT_RETURN_IF_ERROR(NeedGeometry());
        value.sql = dialect_.GeometryFromBox(column("min_x"), column("min_y"), column("max_x"), column("max_y"));
        value.null_test = column("min_x");
        return value;
    }
    return Internal("unknown storage");
  }

  Result<JsonSource> Member(std::string text, const std::vector<std::string>& members) {
    auto path = dialect_.JsonPath(members);
    if (!path.ok()) return BadRequest("$filter: " + path.error().message, "$filter");
    JsonSource json;
    json.text = std::move(text);
    json.path = Bind(std::move(path).value());
    return json;
  }

  std::string ReadJson(const JsonSource& json, JsonAs as) const {
    if (!json.result) return dialect_.JsonRead(json.text, json.path, as);
    const std::string& a = json.alias;
    const int number1 = static_cast<int>(ResultType::kInteger);
    const int number2 = static_cast<int>(ResultType::kDouble);
    const int string = static_cast<int>(ResultType::kString);
    const int boolean = static_cast<int>(ResultType::kBool);
    const int structured = static_cast<int>(ResultType::kJson);
    switch (as) {
      case JsonAs::kNumber:
        return fmt::format("(CASE WHEN {0}.result_type IN ({1}, {2}) THEN {0}.result_number END)", a, number1,
                           number2);
      case JsonAs::kString:
        return fmt::format("(CASE WHEN {0}.result_type = {1} THEN {0}.result_string END)", a, string);
      case JsonAs::kBoolean:
        return fmt::format("(CASE WHEN {0}.result_type = {1} THEN {0}.result_number <> 0 END)", a, boolean);
      case JsonAs::kValue:
        return fmt::format(
            "(CASE {0}.result_type WHEN {1} THEN {0}.result_string WHEN {2} THEN {0}.result_json "
            "ELSE {0}.result_number END)",
            a, string, structured);
    }
    return "NULL";
  }

  // The condition that `value` is null. A result is tested in the column
  // its type selects: the columns differ in type, which not every engine
  // lets one expression mix.
  std::string IsNull(const Value& value) const {
    if (value.type == T::kJson && value.json.result) {
      return fmt::format(
          "(CASE {0}.result_type WHEN {1} THEN {0}.result_string IS NULL WHEN {2} THEN {0}.result_json IS NULL "
          "ELSE {0}.result_number IS NULL END)",
          value.json.alias, static_cast<int>(ResultType::kString), static_cast<int>(ResultType::kJson));
    }
    if (value.type == T::kJson) return fmt::format("({} IS NULL)", ReadJson(value.json, JsonAs::kValue));
    if (!value.null_test.empty()) return fmt::format("({} IS NULL)", value.null_test);
    return fmt::format("({} IS NULL)", value.sql);
  }

  // `value` in the representation of `want`; "NULL" (unknown) when it has
  // none, as a JSON string has no number.
  Result<std::string> Coerce(const Value& value, T want) {
    if (value.type == T::kNull) return std::string("NULL");
    const bool json = value.type == T::kJson;
    switch (want) {
      case T::kInteger:
      case T::kDouble:
        if (IsNumeric(value.type)) return value.sql;
        if (json) return ReadJson(value.json, JsonAs::kNumber);
        break;
      case T::kString:
        if (value.type == T::kString) return value.sql;
        if (json) return ReadJson(value.json, JsonAs::kString);
        break;
      case T::kBoolean:
        if (value.type == T::kBoolean) return value.sql;
        if (json) return ReadJson(value.json, JsonAs::kBoolean);
        break;
      case T::kDateTime:
      case T::kDate:
        // An interval, where an instant is wanted, is read at its start.
        if (IsTemporal(value.type)) return value.sql;
        if (json) return dialect_.ParseInstant(ReadJson(value.json, JsonAs::kString));
        break;
      case T::kTimeOfDay:
      case T::kDuration:
        if (value.type == want) return value.sql;
        break;
      case T::kGeometry:
        if (value.type == T::kGeometry) return value.sql;
        if (json) {
          FUNDAMENT_RETURN_IF_ERROR(NeedGeometry());
          // A GeoJSON geometry is an object, which a result keeps in result_json.
          if (value.json.result) return dialect_.GeometryFromGeoJson(value.json.alias + ".result_json");
          return dialect_.GeometryFromGeoJson(ReadJson(value.json, JsonAs::kValue));
        }
        break;
      default:
        break;
    }
    return std::string("NULL");
  }

  // ---- Comparisons ----

  Result<Value> Comparison(const BinaryNode& node) {
    FUNDAMENT_ASSIGN_OR_RETURN(Value left, ValueOf(*node.left));
    FUNDAMENT_ASSIGN_OR_RETURN(Value right, ValueOf(*node.right));
    FUNDAMENT_ASSIGN_OR_RETURN(std::string sql, Compare(node.op, left, right));
    Value value;
    value.type = T::kBoolean;
    value.sql = std::move(sql);
    return value;
  }

  Result<std::string> Compare(BinaryOp op, const Value& left, const Value& right) {
    if (left.type == T::kNull || right.type == T::kNull) {
      if (left.type == T::kNull && right.type == T::kNull) {
        if (op == BinaryOp::kEq) return dialect_.True();
        if (op == BinaryOp::kNe) return dialect_.False();
        return std::string("NULL");
      }
      const Value& other = left.type == T::kNull ? right : left;
      if (op == BinaryOp::kEq) return IsNull(other);
      if (op == BinaryOp::kNe) return fmt::format("(NOT {})", IsNull(other));
      return std::string("NULL");
    }
    if (left.type == T::kInterval || right.type == T::kInterval) return CompareIntervals(op, left, right);
    if (left.type == T::kJson && right.type == T::kJson) return CompareJson(op, left, right);
    // `Datastream/id eq 5` on Observations: the clustering key finds them.
    if (op == BinaryOp::kEq) {
      const Value* column = !left.cluster.empty() ? &left : !right.cluster.empty() ? &right : nullptr;
      const Value* other = column == &left ? &right : &left;
      if (column != nullptr && other->literal && other->type == T::kInteger)
        return fmt::format("({} = {}{})", column->cluster, column->cluster_sign < 0 ? "-" : "", other->sql);
    }
    // One typed side decides the representation of both.
    const T want = left.type == T::kJson ? right.type : left.type;
    FUNDAMENT_ASSIGN_OR_RETURN(std::string a, Coerce(left, want));
    FUNDAMENT_ASSIGN_OR_RETURN(std::string b, Coerce(right, want));
    return CompareScalars(op, a, b, left.literal || right.literal);
  }

  std::string CompareScalars(BinaryOp op, std::string_view a, std::string_view b, bool literal) const {
    // With a literal on one side, `=` is null-safe already and the form
    // indexes serve best.
    if (op == BinaryOp::kEq && !literal) return dialect_.NotDistinct(a, b);
    if (op == BinaryOp::kNe) return dialect_.Distinct(a, b);
    return fmt::format("({} {} {})", a, ComparisonOperator(op), b);
  }

  struct Span {
    std::string start, end;
    bool instant = false;  // start and end are the same expression
  };

  Result<Span> SpanOf(const Value& value) {
    if (value.type == T::kInterval) return Span{value.sql, value.end, false};
    FUNDAMENT_ASSIGN_OR_RETURN(std::string instant, Coerce(value, T::kDateTime));
    return Span{instant, instant, true};
  }

  Result<std::string> CompareIntervals(BinaryOp op, const Value& left, const Value& right) {
    FUNDAMENT_ASSIGN_OR_RETURN(Span a, SpanOf(left));
    FUNDAMENT_ASSIGN_OR_RETURN(Span b, SpanOf(right));
    const bool literal = left.literal || right.literal;
    switch (op) {
      case BinaryOp::kEq:
        return fmt::format("({} AND {})", CompareScalars(op, a.start, b.start, literal),
                           CompareScalars(op, a.end, b.end, literal));
      case BinaryOp::kNe:
        return fmt::format("({} OR {})", dialect_.Distinct(a.start, b.start), dialect_.Distinct(a.end, b.end));
      case BinaryOp::kLt:
      case BinaryOp::kLe: {
        // a ends before b starts. Since a starts no later than it ends, a's
        // start is bounded too, which an index on the start column serves.
        const char* symbol = ComparisonOperator(op);
        if (a.instant) return fmt::format("({} {} {})", a.end, symbol, b.start);
        return fmt::format("({} {} {} AND {} {} {})", a.end, symbol, b.start, a.start, symbol, b.start);
      }
      case BinaryOp::kGt:
      case BinaryOp::kGe: {
        // a starts after b ends, and so after b starts.
        const char* symbol = ComparisonOperator(op);
        if (b.instant) return fmt::format("({} {} {})", a.start, symbol, b.end);
        return fmt::format("({} {} {} AND {} {} {})", a.start, symbol, b.end, a.start, symbol, b.start);
      }
      default:
        return Internal("not a comparison");
    }
  }

  // Two run-time typed values compare when they have the same type.
  Result<std::string> CompareJson(BinaryOp op, const Value& left, const Value& right) {
    const std::string an = ReadJson(left.json, JsonAs::kNumber), bn = ReadJson(right.json, JsonAs::kNumber);
    const std::string as = ReadJson(left.json, JsonAs::kString), bs = ReadJson(right.json, JsonAs::kString);
    if (op == BinaryOp::kEq || op == BinaryOp::kNe) {
      const std::string ab = ReadJson(left.json, JsonAs::kBoolean), bb = ReadJson(right.json, JsonAs::kBoolean);
      const std::string equal = fmt::format("coalesce({} = {}, {} = {}, {} = {}, ({} AND {}))", an, bn, as, bs, ab,
                                            bb, IsNull(left), IsNull(right));
      if (op == BinaryOp::kEq) return equal;
      return fmt::format("(NOT {})", equal);
    }
    const char* symbol = ComparisonOperator(op);
    return fmt::format("coalesce({} {} {}, {} {} {})", an, symbol, bn, as, symbol, bs);
  }

  // ---- Arithmetic ----

  Result<Value> Negate(const UnaryNode& node) {
    FUNDAMENT_ASSIGN_OR_RETURN(Value operand, ValueOf(*node.operand));
    if (operand.type == T::kNull) return Null();
    Value value;
    value.type = operand.type == T::kJson ? T::kDouble : operand.type;
    FUNDAMENT_ASSIGN_OR_RETURN(std::string sql, Coerce(operand, value.type));
    value.sql = fmt::format("(-{})", sql);
    return value;
  }

  Result<Value> Arithmetic(const FilterExpr& expr, const BinaryNode& node) {
    FUNDAMENT_ASSIGN_OR_RETURN(Value left, ValueOf(*node.left));
    FUNDAMENT_ASSIGN_OR_RETURN(Value right, ValueOf(*node.right));
    if (expr.type == T::kNull || left.type == T::kNull || right.type == T::kNull) return Null();
    // The parser has typed every arithmetic node: a JSON operand next to a
    // time is read as an instant (Micros below).
    const T type = expr.type;
    Value value;
    value.type = type;
    if (type == T::kInteger || type == T::kDouble) {
      FUNDAMENT_ASSIGN_OR_RETURN(std::string a, Coerce(left, type));
      FUNDAMENT_ASSIGN_OR_RETURN(std::string b, Coerce(right, type));
      const bool integers = type == T::kInteger;
      const NumberKind of = integers ? NumberKind::kInteger : NumberKind::kDouble;
      switch (node.op) {
        case BinaryOp::kAdd: value.sql = dialect_.Arithmetic(ArithmeticOp::kAdd, a, b, of); break;
        case BinaryOp::kSub: value.sql = dialect_.Arithmetic(ArithmeticOp::kSubtract, a, b, of); break;
        case BinaryOp::kMul: value.sql = dialect_.Arithmetic(ArithmeticOp::kMultiply, a, b, of); break;
        case BinaryOp::kDiv:
          value.sql = integers ? dialect_.IntegerDivide(a, b) : dialect_.DoubleDivide(a, b);
          break;
        case BinaryOp::kMod: value.sql = dialect_.Modulo(a, b, integers); break;
        default: return Internal("not an arithmetic operator");
      }
      return value;
    }
    // Instants and durations, all in microseconds.
    FUNDAMENT_ASSIGN_OR_RETURN(std::string a, Micros(left));
    FUNDAMENT_ASSIGN_OR_RETURN(std::string b, Micros(right));
    if (node.op != BinaryOp::kAdd && node.op != BinaryOp::kSub) return Internal("not a time operator");
    value.sql = dialect_.Arithmetic(node.op == BinaryOp::kAdd ? ArithmeticOp::kAdd : ArithmeticOp::kSubtract, a, b,
                                    NumberKind::kMicros);
    return value;
  }

  Result<std::string> Micros(const Value& value) {
    if (value.type == T::kDuration) return value.sql;
    return Coerce(value, T::kDateTime);
  }

  // ---- Function calls ----

  Result<std::vector<Value>> Arguments(const CallNode& call) {
    std::vector<Value> args;
    for (const auto& arg : call.args) {
      FUNDAMENT_ASSIGN_OR_RETURN(Value value, ValueOf(*arg));
      args.push_back(std::move(value));
    }
    return args;
  }

  Result<Value> Call(const FilterExpr& expr, const CallNode& call) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::vector<Value> args, Arguments(call));
    Value value;
    value.type = expr.type;
    auto coerce_all = [&](std::initializer_list<T> types) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      size_t i = 0;
      for (T type : types) {
        if (i >= args.size()) break;
        FUNDAMENT_ASSIGN_OR_RETURN(std::string sql, Coerce(args[i], type));
        out.push_back(std::move(sql));
        ++i;
      }
      return out;
    };
    using F = FilterFunction;
    switch (call.function) {
      case F::kSubstringOf: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kString, T::kString}));
        value.sql = dialect_.String(StringFunction::kContains, {s[1], s[0]});
        return value;
      }
      case F::kContains:
      case F::kStartsWith:
      case F::kEndsWith:
      case F::kIndexOf:
      case F::kConcat: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kString, T::kString}));
        const StringFunction function = call.function == F::kContains     ? StringFunction::kContains
                                        : call.function == F::kStartsWith ? StringFunction::kStartsWith
                                        : call.function == F::kEndsWith   ? StringFunction::kEndsWith
                                        : call.function == F::kIndexOf    ? StringFunction::kIndexOf
                                                                          : StringFunction::kConcat;
        value.sql = dialect_.String(function, s);
        return value;
      }
      case F::kLength:
      case F::kToLower:
      case F::kToUpper:
      case F::kTrim: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kString}));
        const StringFunction function = call.function == F::kLength    ? StringFunction::kLength
                                        : call.function == F::kToLower ? StringFunction::kToLower
                                        : call.function == F::kToUpper ? StringFunction::kToUpper
                                                                       : StringFunction::kTrim;
        value.sql = dialect_.String(function, s);
        return value;
      }
      case F::kSubstring: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kString, T::kInteger, T::kInteger}));
        value.sql = dialect_.String(StringFunction::kSubstring, s);
        return value;
      }
      case F::kYear:
      case F::kMonth:
      case F::kDay: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kDateTime}));
        const CalendarField field = call.function == F::kYear    ? CalendarField::kYear
                                    : call.function == F::kMonth ? CalendarField::kMonth
                                                                 : CalendarField::kDay;
        value.sql = dialect_.Calendar(field, s[0]);
        return value;
      }
      case F::kHour:
      case F::kMinute:
      case F::kSecond:
      case F::kFractionalSeconds: {
        FUNDAMENT_ASSIGN_OR_RETURN(std::string tod, TimeOfDay(args[0]));
        if (call.function == F::kHour) {
          value.sql = fmt::format("({} / {})", tod, kMicrosPerHour);
        } else if (call.function == F::kMinute) {
          value.sql = fmt::format("(({} / {}) % 60)", tod, kMicrosPerMinute);
        } else if (call.function == F::kSecond) {
          value.sql = fmt::format("(({} / {}) % 60)", tod, kMicrosPerSecond);
        } else {
          value.sql = fmt::format("(({} % {}) / 1000000.0)", tod, kMicrosPerSecond);
        }
        return value;
      }
      case F::kDate: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kDateTime}));
        value.sql = fmt::format("({} - {})", s[0], FloorModDay(s[0]));
        return value;
      }
      case F::kTime: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kDateTime}));
        value.sql = FloorModDay(s[0]);
        return value;
      }
      case F::kTotalOffsetMinutes: {
        // Stored times are UTC; only a literal keeps the offset it was written with.
        if (args[0].type == T::kDateTime && args[0].literal) {
          value.sql = Bind(int64_t{args[0].offset_minutes});
          value.literal = true;
          return value;
        }
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kDateTime}));
        value.sql = fmt::format("(CASE WHEN {} IS NULL THEN NULL ELSE 0 END)", s[0]);
        return value;
      }
      case F::kNow:
        return BoundLiteral(T::kDateTime, scope_.now);
      case F::kMinDateTime:
        return BoundLiteral(T::kDateTime, model::MinInstant());
      case F::kMaxDateTime:
        return BoundLiteral(T::kDateTime, model::MaxInstant());
      case F::kRound:
      case F::kFloor:
      case F::kCeiling: {
        FUNDAMENT_ASSIGN_OR_RETURN(auto s, coerce_all({T::kDouble}));
        const Rounding rounding = call.function == F::kRound   ? Rounding::kRound
                                  : call.function == F::kFloor ? Rounding::kFloor
                                                               : Rounding::kCeiling;
        value.sql = dialect_.Round(rounding, s[0], args[0].type == T::kInteger);
        return value;
      }
      case F::kGeoDistance:
      case F::kGeoLength:
      case F::kGeoIntersects:
      case F::kStEquals:
      case F::kStDisjoint:
      case F::kStTouches:
      case F::kStWithin:
      case F::kStOverlaps:
      case F::kStCrosses:
      case F::kStIntersects:
      case F::kStContains:
      case F::kStRelate:
        return Spatial(call, args, value);
    }
    return Internal("unknown function");
  }

  // The time of day of an instant, interval (its start) or time of day, in
  // microseconds since midnight UTC.
  Result<std::string> TimeOfDay(const Value& value) {
    if (value.type == T::kTimeOfDay) return value.sql;
    FUNDAMENT_ASSIGN_OR_RETURN(std::string instant, Coerce(value, T::kDateTime));
    return FloorModDay(instant);
  }

  // `instant` modulo one day, non-negative also before 1970.
  static std::string FloorModDay(std::string_view instant) {
    return fmt::format("((({} % {}) + {}) % {})", instant, kMicrosPerDay, kMicrosPerDay, kMicrosPerDay);
  }

  Result<Value> Spatial(const CallNode& call, const std::vector<Value>& args, Value value) {
    FUNDAMENT_RETURN_IF_ERROR(NeedGeometry());
    std::vector<std::string> geometries;
    bool planar = false;
    for (size_t i = 0; i < args.size() && i < 2; ++i) {
      FUNDAMENT_ASSIGN_OR_RETURN(std::string geometry, Coerce(args[i], T::kGeometry));
      geometries.push_back(std::move(geometry));
      planar = planar || args[i].planar;
    }
    using F = FilterFunction;
    switch (call.function) {
      case F::kGeoDistance:
        value.sql = dialect_.Distance(geometries[0], geometries[1], !planar);
        return value;
      case F::kGeoLength:
        value.sql = dialect_.Length(geometries[0], !planar);
        return value;
      case F::kStRelate: {
        const auto& literal = std::get<LiteralNode>(call.args[2]->node);
        value.sql = dialect_.RelatePattern(geometries[0], geometries[1], Bind(std::get<std::string>(literal.value)));
        return value;
      }
      default:
        break;
    }
    SpatialRelation relation = SpatialRelation::kIntersects;
    switch (call.function) {
      case F::kStEquals: relation = SpatialRelation::kEquals; break;
      case F::kStDisjoint: relation = SpatialRelation::kDisjoint; break;
      case F::kStTouches: relation = SpatialRelation::kTouches; break;
      case F::kStWithin: relation = SpatialRelation::kWithin; break;
      case F::kStOverlaps: relation = SpatialRelation::kOverlaps; break;
      case F::kStCrosses: relation = SpatialRelation::kCrosses; break;
      case F::kStContains: relation = SpatialRelation::kContains; break;
      default: relation = SpatialRelation::kIntersects; break;
    }
    value.sql = dialect_.Relate(relation, geometries[0], geometries[1]);
    return value;
  }

  const FilterScope& scope_;
  SelectBuilder& builder_;
  const SqlDialect& dialect_;
  std::vector<std::unique_ptr<PredicateScope>> scopes_;
  int alias_count_ = 0;
};

}  // namespace

Result<std::string> CompileFilter(const odata::FilterExpr& filter, const FilterScope& scope,
                                  SelectBuilder& builder) {
  Compiler compiler(scope, builder);
  FUNDAMENT_ASSIGN_OR_RETURN(std::string condition, compiler.Condition(filter));
  if (const size_t nesting = NestingOf(condition); nesting > kMaxSqlNesting) {
    return BadRequest(fmt::format("$filter: the filter nests too deeply to run: its SQL has {} levels of "
                                  "parentheses, the store allows {}; flatten nested function calls or arithmetic",
                                  nesting, kMaxSqlNesting),
                      "$filter");
  }
  if (condition.size() > kMaxConditionBytes) {
    return BadRequest(fmt::format("$filter: the filter is too complex (its SQL would be {} bytes, at most {})",
                                  condition.size(), kMaxConditionBytes),
                      "$filter");
  }
  return condition;
}

}  // namespace fundament::sql
