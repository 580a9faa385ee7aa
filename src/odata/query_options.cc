#include "odata/query_options.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "odata/filter_parser.h"
#include "odata/syntax.h"

namespace fundament::odata {
namespace {

using model::EntityTypeDef;
using model::NavigationDef;
using model::PropertyDef;
using model::ValueType;

enum class OptionKind { kTop, kSkip, kCount, kOrderBy, kSelect, kExpand, kFilter, kResultFormat };

struct OptionSpec {
  std::string_view name;
  OptionKind kind;
  bool allowed_in_expand;  // OGC 18-088 §9.3.2.1 lists which options nest in $expand
};

constexpr OptionSpec kOptions[] = {
    {"$top", OptionKind::kTop, true},       {"$skip", OptionKind::kSkip, true},
    {"$count", OptionKind::kCount, true},   {"$orderby", OptionKind::kOrderBy, true},
    {"$select", OptionKind::kSelect, true}, {"$expand", OptionKind::kExpand, true},
    {"$filter", OptionKind::kFilter, true}, {"$resultFormat", OptionKind::kResultFormat, false},
};

// System query options of OData 4 that this server does not offer; the
// standard asks for 501 rather than 400 for these.
constexpr std::string_view kUnsupportedOptions[] = {
    "$search", "$format",  "$skiptoken",     "$deltatoken", "$id",
    "$apply",  "$compute", "$schemaversion", "$index",      "$levels",
};

// One option as given: its name (trimmed) and its value (decoded, untrimmed).
struct RawOption {
  std::string_view name;
  std::string_view value;
};

// The parse of one level of options (the request's, or one $expand item's).
// `depth` is the number of $expand levels above it: 0 for the request.
class OptionsParser {
 public:
  explicit OptionsParser(const QueryLimits& limits)
      : max_depth_(std::clamp(limits.max_expand_depth, 0, kExpandDepthCeiling)), filter_limits_(limits.filter) {}

  Result<QueryOptions> ParseLevel(const EntityTypeDef& type, const std::vector<RawOption>& options,
                                  int depth) const;

 private:
  Status Apply(const EntityTypeDef& type, OptionKind kind, std::string_view value, int depth,
               QueryOptions& out) const;
  Status ParseExpand(const EntityTypeDef& type, std::string_view text, int depth, QueryOptions& out) const;
  Result<ExpandItem> ParseExpandItem(const EntityTypeDef& type, std::string_view text, int depth) const;

  int max_depth_;
  FilterLimits filter_limits_;
};

// ---------------------------------------------------------------- simple options

Result<int64_t> ParseCountOption(std::string_view name, std::string_view value) {
  std::string_view text = TrimSpace(value);
  int64_t number = 0;
  switch (ParseNonNegativeInt(text, number)) {
    case IntSyntax::kOk:
      return number;
    case IntSyntax::kOutOfRange:
      return BadRequest(std::string(name) + ": " + Quoted(text) + " is out of range");
    case IntSyntax::kMalformed:
      break;
  }
  return BadRequest(std::string(name) + ": expected a non-negative integer, got " + Quoted(text));
}

Result<bool> ParseBoolean(std::string_view name, std::string_view value) {
  std::string_view text = TrimSpace(value);
  if (text == "true") return true;
  if (text == "false") return false;
  return BadRequest(std::string(name) + ": expected true or false, got " + Quoted(text));
}

Result<ResultFormat> ParseResultFormat(std::string_view value) {
  std::string_view text = TrimSpace(value);
  if (text == "dataArray") return ResultFormat::kDataArray;
  return BadRequest("$resultFormat: the only result format is dataArray, got " + Quoted(text));
}

// The comma-separated items of $select or $orderby, trimmed; none may be empty.
Result<std::vector<std::string_view>> ListItems(std::string_view name, std::string_view value) {
  if (TrimSpace(value).empty()) return BadRequest(std::string(name) + ": empty value");
  std::vector<std::string_view> items = Split(value, ',');
  for (auto& item : items) {
    item = TrimSpace(item);
    if (item.empty()) return BadRequest(std::string(name) + ": empty item in " + Quoted(value));
  }
  return items;
}

bool IsIdName(std::string_view name) { return name == "id" || name == "@iot.id"; }

Result<std::vector<std::string>> ParseSelect(const EntityTypeDef& type, std::string_view value) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto items, ListItems("$select", value));
  std::vector<std::string> select;
  for (std::string_view item : items) {
    std::string name;
    if (IsIdName(item)) {
      name = "@iot.id";
    } else if (item == "@iot.selfLink" || type.FindProperty(item) || type.FindNavigation(item)) {
      name = std::string(item);
    } else {
      return BadRequest("$select: unknown property " + Quoted(item) + " of " + std::string(type.name));
    }
    if (std::find(select.begin(), select.end(), name) == select.end()) select.push_back(std::move(name));
  }
  return select;
}

Result<OrderKey> ParseOrderKey(const EntityTypeDef& type, std::string_view item) {
  std::vector<std::string_view> tokens;
  for (size_t i = 0; i < item.size();) {
    if (IsSpace(item[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < item.size() && !IsSpace(item[end])) ++end;
    tokens.push_back(item.substr(i, end - i));
    i = end;
  }
  if (tokens.size() > 2) return BadRequest("$orderby: expected 'property [asc|desc]', got " + Quoted(item));

  OrderKey key;
  if (tokens.size() == 2) {
    if (tokens[1] == "desc") {
      key.descending = true;
    } else if (tokens[1] != "asc") {
      return BadRequest("$orderby: unknown direction " + Quoted(tokens[1]) + "; use asc or desc");
    }
  }

  std::vector<std::string_view> steps = Split(tokens[0], '/');
  for (std::string_view step : steps)
    if (step.empty()) return BadRequest("$orderby: empty step in " + Quoted(tokens[0]));
  std::string_view head = steps[0];
  bool has_members = steps.size() > 1;

  if (IsIdName(head)) {
    if (has_members) return BadRequest("$orderby: " + Quoted(head) + " has no members");
    key.property = "id";
    return key;
  }
  const PropertyDef* property = type.FindProperty(head);
  if (property == nullptr) {
    if (type.FindNavigation(head) != nullptr) {
      if (has_members)
        return Error{ErrorCode::kNotImplemented,
                     "$orderby: ordering by a path through the navigation property " + Quoted(head) +
                         " is not supported",
                     {}};
      return BadRequest("$orderby: cannot order by the navigation property " + Quoted(head));
    }
    return BadRequest("$orderby: unknown property " + Quoted(head) + " of " + std::string(type.name));
  }
  if (has_members && property->type != ValueType::kObject && property->type != ValueType::kAny)
    return BadRequest("$orderby: the property " + Quoted(head) + " of " + std::string(type.name) +
                      " has no members, got " + Quoted(tokens[0]));
  key.property = std::string(property->name);
  for (size_t i = 1; i < steps.size(); ++i) key.member_path.emplace_back(steps[i]);
  return key;
}

Result<std::vector<OrderKey>> ParseOrderBy(const EntityTypeDef& type, std::string_view value) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto items, ListItems("$orderby", value));
  std::vector<OrderKey> keys;
  for (std::string_view item : items) {
    FUNDAMENT_ASSIGN_OR_RETURN(OrderKey key, ParseOrderKey(type, item));
    keys.push_back(std::move(key));
  }
  return keys;
}

// $filter: the text parsed and type-checked against `type`; the text itself
// travels on in QueryOptions::filter_text for nextLinks.
Result<std::shared_ptr<const FilterExpr>> ParseFilterOption(const EntityTypeDef& type, std::string_view text,
                                                            const FilterLimits& limits) {
  if (TrimSpace(text).empty()) return BadRequest("$filter: empty expression", "$filter");
  return ParseFilter(type, text, limits);
}

// ---------------------------------------------------------------- $expand

// True when `options` says more than which navigations to expand further.
bool HasOwnOptions(const QueryOptions& options) {
  return options.top.has_value() || options.skip != 0 || options.count || !options.orderby.empty() ||
         !options.select.empty() || !options.filter_text.empty() ||
         options.result_format != ResultFormat::kDefault;
}

// Adds `item` to `items`, merging it into an item for the same navigation:
// `Datastreams/Sensor,Datastreams($top=1)` is one Datastreams item. Two sets
// of options for the same navigation cannot be merged.
Status MergeExpandItem(std::vector<ExpandItem>& items, ExpandItem item) {
  auto same = std::find_if(items.begin(), items.end(), [&](const ExpandItem& existing) {
    return existing.navigation == item.navigation;
  });
  if (same == items.end()) {
    items.push_back(std::move(item));
    return Status::Ok();
  }
  QueryOptions& into = same->options;
  QueryOptions& from = item.options;
  if (HasOwnOptions(from)) {
    if (HasOwnOptions(into))
      return BadRequest("$expand: " + Quoted(item.navigation->name) + " is expanded twice with options");
    into.top = from.top;
    into.skip = from.skip;
    into.count = from.count;
    into.orderby = std::move(from.orderby);
    into.select = std::move(from.select);
    into.filter = std::move(from.filter);
    into.filter_text = std::move(from.filter_text);
    into.result_format = from.result_format;
  }
  for (ExpandItem& nested : from.expand)
    FUNDAMENT_RETURN_IF_ERROR(MergeExpandItem(into.expand, std::move(nested)));
  return Status::Ok();
}

// Splits `name=value` of one option inside $expand parentheses.
RawOption SplitOption(std::string_view text) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos) return {TrimSpace(text), {}};
  return {TrimSpace(text.substr(0, equals)), text.substr(equals + 1)};
}

Result<ExpandItem> OptionsParser::ParseExpandItem(const EntityTypeDef& type, std::string_view text,
                                                  int depth) const {
  size_t open = text.find('(');
  std::string_view path_text = TrimSpace(text.substr(0, open));
  std::optional<std::string_view> options_text;
  if (open != std::string_view::npos) {
    // SplitTopLevel has checked that the parentheses balance.
    if (text.back() != ')')
      return BadRequest("$expand: unexpected text after the options of " + Quoted(path_text) + " in " +
                        Quoted(text));
    options_text = text.substr(open + 1, text.size() - open - 2);
    if (TrimSpace(*options_text).empty())
      return BadRequest("$expand: empty parentheses after " + Quoted(path_text));
  }

  std::vector<const NavigationDef*> navigations;
  const EntityTypeDef* current = &type;
  for (std::string_view step : Split(path_text, '/')) {
    step = TrimSpace(step);
    if (step.empty()) return BadRequest("$expand: empty navigation property in " + Quoted(text));
    const NavigationDef* navigation = current->FindNavigation(step);
    if (navigation == nullptr)
      return BadRequest("$expand: unknown navigation property " + Quoted(step) + " of " +
                        std::string(current->name));
    int level = depth + static_cast<int>(navigations.size()) + 1;
    if (level > max_depth_)
      return BadRequest("$expand: nesting depth " + std::to_string(level) + " exceeds the limit of " +
                        std::to_string(max_depth_));
    navigations.push_back(navigation);
    current = &model::TypeOf(navigation->target);
  }

  ExpandItem item{navigations.back(), {}};
  if (options_text) {
    auto pieces = SplitTopLevel(*options_text, ';');
    if (!pieces.ok()) return WithContext("$expand", pieces.error());
    std::vector<RawOption> options;
    for (std::string_view piece : *pieces)
      if (!TrimSpace(piece).empty()) options.push_back(SplitOption(piece));
    auto parsed = ParseLevel(*current, options, depth + static_cast<int>(navigations.size()));
    if (!parsed.ok()) return WithContext("$expand=" + std::string(path_text), parsed.error());
    item.options = std::move(parsed).value();
  }
  // `A/B/C(options)`: wrap C in B in A.
  for (size_t i = navigations.size() - 1; i > 0; --i) {
    ExpandItem outer{navigations[i - 1], {}};
    outer.options.expand.push_back(std::move(item));
    item = std::move(outer);
  }
  return item;
}

Status OptionsParser::ParseExpand(const EntityTypeDef& type, std::string_view text, int depth,
                                  QueryOptions& out) const {
  if (TrimSpace(text).empty()) return BadRequest("$expand: empty value");
  auto pieces = SplitTopLevel(text, ',');
  if (!pieces.ok()) return WithContext("$expand", pieces.error());
  for (std::string_view piece : *pieces) {
    piece = TrimSpace(piece);
    if (piece.empty()) return BadRequest("$expand: empty item in " + Quoted(text));
    FUNDAMENT_ASSIGN_OR_RETURN(ExpandItem item, ParseExpandItem(type, piece, depth));
    FUNDAMENT_RETURN_IF_ERROR(MergeExpandItem(out.expand, std::move(item)));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- one level

Status OptionsParser::Apply(const EntityTypeDef& type, OptionKind kind, std::string_view value, int depth,
                            QueryOptions& out) const {
  switch (kind) {
    case OptionKind::kTop: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.top, ParseCountOption("$top", value));
      return Status::Ok();
    }
    case OptionKind::kSkip: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.skip, ParseCountOption("$skip", value));
      return Status::Ok();
    }
    case OptionKind::kCount: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.count, ParseBoolean("$count", value));
      return Status::Ok();
    }
    case OptionKind::kOrderBy: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.orderby, ParseOrderBy(type, value));
      return Status::Ok();
    }
    case OptionKind::kSelect: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.select, ParseSelect(type, value));
      return Status::Ok();
    }
    case OptionKind::kExpand:
      return ParseExpand(type, value, depth, out);
    case OptionKind::kFilter: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.filter, ParseFilterOption(type, value, filter_limits_));
      out.filter_text = std::string(TrimSpace(value));
      return Status::Ok();
    }
    case OptionKind::kResultFormat: {
      FUNDAMENT_ASSIGN_OR_RETURN(out.result_format, ParseResultFormat(value));
      return Status::Ok();
    }
  }
  return Internal("unhandled query option");
}

Result<QueryOptions> OptionsParser::ParseLevel(const EntityTypeDef& type,
                                               const std::vector<RawOption>& options, int depth) const {
  bool nested = depth > 0;
  QueryOptions out;
  std::vector<OptionKind> seen;
  for (const RawOption& option : options) {
    if (option.name.empty() || option.name.front() != '$') {
      if (!nested) continue;  // custom query options are not ours to judge
      return BadRequest("only system query options may stand inside $expand, got " + Quoted(option.name));
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : kOptions)
      if (candidate.name == option.name) spec = &candidate;
    if (spec == nullptr) {
      for (std::string_view unsupported : kUnsupportedOptions)
        if (unsupported == option.name)
          return Error{ErrorCode::kNotImplemented,
                       "the system query option " + std::string(option.name) + " is not supported",
                       nested ? std::string() : std::string(option.name)};
      return BadRequest("unknown system query option " + Quoted(option.name),
                        nested ? std::string() : std::string(option.name));
    }
    if (nested && !spec->allowed_in_expand)
      return BadRequest(std::string(spec->name) + " is not allowed inside $expand");
    if (std::find(seen.begin(), seen.end(), spec->kind) != seen.end())
      return BadRequest(std::string(spec->name) + " is given more than once",
                        nested ? std::string() : std::string(spec->name));
    seen.push_back(spec->kind);
    Status status = Apply(type, spec->kind, option.value, depth, out);
    if (!status.ok()) {
      // Errors name the request's option as their field, even from inside $expand.
      Error error = status.error();
      if (!nested) error.field = std::string(spec->name);
      return error;
    }
  }
  if (out.result_format == ResultFormat::kDataArray && !out.expand.empty())
    return BadRequest("$expand is not allowed with $resultFormat=dataArray", "$expand");
  return out;
}

}  // namespace

Result<QueryOptions> ParseQueryOptions(const model::EntityTypeDef& type, std::string_view query,
                                       const QueryLimits& limits) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  // Decoded names and values must outlive the RawOptions that view them.
  std::vector<std::pair<std::string, std::string>> decoded;
  for (std::string_view piece : Split(query, '&')) {
    if (piece.empty()) continue;
    size_t equals = piece.find('=');
    std::string_view raw_name = piece.substr(0, equals);
    std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    auto name = DecodeQueryComponent(raw_name);
    if (!name.ok()) return WithContext("query parameter name", name.error());
    std::string_view trimmed = TrimSpace(*name);
    if (trimmed.empty() || trimmed.front() != '$') continue;
    auto value = DecodeQueryComponent(raw_value);
    if (!value.ok()) return WithContext(trimmed, value.error());
    decoded.emplace_back(std::string(trimmed), std::move(value).value());
  }
  std::vector<RawOption> options;
  options.reserve(decoded.size());
  for (const auto& [name, value] : decoded) options.push_back({name, value});
  return OptionsParser(limits).ParseLevel(type, options, 0);
}

}  // namespace fundament::odata
