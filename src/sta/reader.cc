#include "sta/reader.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "common/json_writer.h"
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sta/data_array.h"

namespace fundament::sta {

namespace json = boost::json;

namespace {

std::string EntityName(const model::EntityTypeDef& type, int64_t id) {
  return fmt::format("{}({})", type.set_name, id);
}

// The raw query string without the options named in `drop`, for building nextLinks.
std::string QueryWithout(std::string_view raw_query, std::initializer_list<std::string_view> drop) {
  std::string out;
  size_t pos = 0;
  while (pos <= raw_query.size() && !raw_query.empty()) {
    size_t amp = raw_query.find('&', pos);
    std::string_view part = raw_query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    std::string_view key = part.substr(0, part.find('='));
    bool dropped = false;
    for (auto d : drop) {
      // Keys may arrive percent-encoded ("%24skip").
      if (key == d || (key.starts_with("%24") && key.substr(3) == d.substr(1))) dropped = true;
    }
    if (!part.empty() && !dropped) {
      if (!out.empty()) out += '&';
      out += part;
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

// Percent-encodes one query option value so that the query parser decodes it
// back unchanged: '%', '&', '+' (a space to the parser), '#', spaces and
// everything outside printable ASCII are escaped; the OData punctuation stays
// readable.
std::string EncodeQueryValue(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  static constexpr std::string_view kPlain = "-._~$()';,/=:@!*";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || kPlain.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::string ExpandText(const std::vector<odata::ExpandItem>& items);

// The options of one level as `name=value` pieces in OData syntax (values not
// yet encoded), so that a nextLink can repeat them. $top and $skip only when
// `with_paging`: a nextLink sets its own.
std::vector<std::string> OptionPieces(const odata::QueryOptions& options, bool with_paging) {
  std::vector<std::string> pieces;
  if (!options.filter_text.empty()) pieces.push_back("$filter=" + options.filter_text);
  if (!options.select.empty()) pieces.push_back(fmt::format("$select={}", fmt::join(options.select, ",")));
  if (!options.orderby.empty()) {
    std::vector<std::string> keys;
    for (const odata::OrderKey& key : options.orderby) {
      std::string text = key.property;
      for (const std::string& member : key.member_path) text += "/" + member;
      if (key.descending) text += " desc";
      keys.push_back(std::move(text));
    }
    pieces.push_back(fmt::format("$orderby={}", fmt::join(keys, ",")));
  }
  if (!options.expand.empty()) pieces.push_back("$expand=" + ExpandText(options.expand));
  if (options.count) pieces.emplace_back("$count=true");
  if (with_paging && options.top) pieces.push_back(fmt::format("$top={}", *options.top));
  if (with_paging && options.skip != 0) pieces.push_back(fmt::format("$skip={}", options.skip));
  return pieces;
}

// `$expand` items written back as `Nav($opt=…;$opt=…),Nav2`.
std::string ExpandText(const std::vector<odata::ExpandItem>& items) {
  std::vector<std::string> texts;
  for (const odata::ExpandItem& item : items) {
    std::string text(item.navigation->name);
    std::vector<std::string> nested = OptionPieces(item.options, /*with_paging=*/true);
    if (!nested.empty()) text += fmt::format("({})", fmt::join(nested, ";"));
    texts.push_back(std::move(text));
  }
  return fmt::format("{}", fmt::join(texts, ","));
}

// The query of the nextLink of an expanded collection: the options it was
// expanded with (its order and filter above all, or the next page would not
// continue this one), then the next page.
std::string ExpandedNextQuery(const odata::QueryOptions& options, int64_t page) {
  std::string query;
  for (const std::string& piece : OptionPieces(options, /*with_paging=*/false)) {
    size_t equals = piece.find('=');
    query += piece.substr(0, equals + 1) + EncodeQueryValue(std::string_view(piece).substr(equals + 1)) + "&";
  }
  return query + fmt::format("$top={}&$skip={}", page, options.skip + page);
}

// Text written in pieces of about a megabyte and joined once: a large
// answer is never copied while it grows (as one string doubling its capacity
// would be, needing old and new at once), and each piece is freed as soon as
// it is joined.
class PieceBuffer {
 public:
  static constexpr size_t kPieceBytes = 1 << 20;

  // The piece to append to; starts a new one when the current one is full.
  std::string& Tail() {
    if (pieces_.empty() || pieces_.back().size() >= kPieceBytes) {
      pieces_.emplace_back();
      pieces_.back().reserve(kPieceBytes + 4096);
    }
    return pieces_.back();
  }
  bool empty() const { return pieces_.empty(); }

  // prefix + all pieces + suffix, in one allocation.
  std::string Join(std::string_view prefix, std::string_view suffix) {
    size_t total = prefix.size() + suffix.size();
    for (const auto& piece : pieces_) total += piece.size();
    std::string out;
    out.reserve(total);
    out += prefix;
    for (auto& piece : pieces_) {
      out += piece;
      std::string().swap(piece);
    }
    out += suffix;
    pieces_.clear();
    return out;
  }

 private:
  std::vector<std::string> pieces_;
};

}  // namespace

int64_t Reader::PageSize(const odata::QueryOptions& options) const {
  int64_t top = options.top.value_or(options_.default_page_size);
  return std::min(top, options_.max_page_size);
}

Result<HttpResponse> Reader::Get(const odata::ResourcePath& path, const odata::QueryOptions& options,
                                 std::string_view raw_path, std::string_view raw_query) {
  auto read = [this](const store::ReadRequest& r) { return reads_.Read(r); };
  // A single-valued navigation without related entity (`Observations(1)/Datastream`
  // of an Observation of a MultiDatastream) is answered like a null property:
  // 204 No Content (OData 4.0 Part 1 §11.2.6, OGC 18-088 §9.2.4). A property
  // below it (`…/Datastream/name`) addresses nothing and stays 404.
  const AbsentNavigation absent =
      path.property == nullptr ? AbsentNavigation::kEmpty : AbsentNavigation::kNotFound;
  FUNDAMENT_ASSIGN_OR_RETURN(auto parent, ResolvePath(read, path, absent));
  const model::EntityTypeDef& type = *path.last().type;

  HttpResponse response;
  if (path.is_collection()) {
    FUNDAMENT_ASSIGN_OR_RETURN(response.body, Collection(path, parent, options, raw_path, raw_query));
    return response;
  }
  if (!parent) {
    response.status = 204;
    response.content_type.clear();
    return response;
  }

  const int64_t id = parent->id;
  if (path.ref) {
    json::object body;
    body["@iot.selfLink"] = links_.Self(type.kind, id);
    response.body = ToJson(body);
    return response;
  }
  if (path.property != nullptr) {
    store::ReadRequest request;
    request.kind = type.kind;
    request.id = id;
    request.properties = {std::string(path.property->name)};
    FUNDAMENT_ASSIGN_OR_RETURN(auto result, reads_.Read(request));
    if (result.entities.empty()) return NotFound(fmt::format("no entity {}", EntityName(type, id)));
    const json::value* value = result.entities.front().properties.if_contains(path.property->name);
    std::string_view name = path.property->name;
    for (const std::string& member : path.member_path) {
      value = value != nullptr && value->is_object() ? value->as_object().if_contains(member) : nullptr;
      if (value == nullptr) return NotFound(fmt::format("{} of {} has no member '{}'", name, EntityName(type, id), member));
      name = member;
    }
    // A null property has no representation (OGC 18-088 §9.2.4).
    if (value == nullptr || value->is_null()) {
      response.status = 204;
      response.content_type.clear();
      return response;
    }
    if (path.value) {
      // OData serves the raw value of a non-binary primitive as text/plain;
      // only JSON objects and arrays (properties, a MultiDatastream result)
      // stay JSON, having no other raw form.
      if (value->is_string()) {
        response.content_type = "text/plain; charset=utf-8";
        response.body = std::string(value->as_string());
      } else if (value->is_number() || value->is_bool()) {
        response.content_type = "text/plain; charset=utf-8";
        response.body = ToJson(*value);
      } else {
        response.body = ToJson(*value);
      }
      return response;
    }
    json::object body;
    body[name] = *value;
    response.body = ToJson(body);
    return response;
  }
  Selection selection(options.select);
  FUNDAMENT_ASSIGN_OR_RETURN(store::Entity entity, ReadOne(type, id, selection));
  std::string expansion;
  FUNDAMENT_RETURN_IF_ERROR(Expand(type, {&entity}, options, {&expansion}, 0));
  response.body = "{";
  bool any = AppendEntityMembers(response.body, type, entity, selection, links_);
  if (any && !expansion.empty()) response.body += ',';
  response.body += expansion;
  response.body += '}';
  return response;
}

Result<store::Entity> Reader::ReadOne(const model::EntityTypeDef& type, int64_t id,
                                      const Selection& selection) {
  store::ReadRequest request;
  request.kind = type.kind;
  request.id = id;
  request.properties = selection.StoreProperties(type);
  FUNDAMENT_ASSIGN_OR_RETURN(auto result, reads_.Read(request));
  if (result.entities.empty()) return NotFound(fmt::format("no entity {}", EntityName(type, id)));
  return std::move(result.entities.front());
}

Result<json::object> Reader::ReadEntity(const model::EntityTypeDef& type, int64_t id,
                                        const odata::QueryOptions& options) {
  Selection selection(options.select);
  FUNDAMENT_ASSIGN_OR_RETURN(store::Entity entity, ReadOne(type, id, selection));
  json::object out = RenderEntity(type, entity, selection, links_);
  if (options.expand.empty()) return out;
  std::string expansion;
  FUNDAMENT_RETURN_IF_ERROR(Expand(type, {&entity}, options, {&expansion}, 0));
  boost::system::error_code error;
  json::value members = json::parse("{" + expansion + "}", error);
  if (error || !members.is_object()) return Internal("an expansion is not valid JSON");
  for (auto& member : members.as_object()) out[member.key()] = std::move(member.value());
  return out;
}

Result<std::string> Reader::Collection(const odata::ResourcePath& path, const std::optional<ResolvedEntity>& parent,
                                       const odata::QueryOptions& options, std::string_view raw_path,
                                       std::string_view raw_query) {
  const model::EntityTypeDef& type = *path.last().type;
  Selection selection(options.select);
  const int64_t page = PageSize(options);
  std::vector<std::string> components;
  const bool data_array = options.result_format == odata::ResultFormat::kDataArray;
  if (data_array) {
    FUNDAMENT_ASSIGN_OR_RETURN(components, DataArrayComponents(options.select));
  }

  store::ReadRequest request = RequestFor(path, parent);
  request.filter = options.filter;
  request.orderby = options.orderby;
  request.skip = options.skip;
  if (!path.ref) request.properties = selection.StoreProperties(type);

  std::optional<int64_t> count;
  if (options.count) {
    store::ReadRequest counting = request;
    counting.limit = 0;
    counting.count = true;
    FUNDAMENT_ASSIGN_OR_RETURN(auto counted, reads_.Read(counting));
    count = counted.count;
  }

  // The entities are rendered as they come from the store, so that only the
  // text of the answer grows with its size. One more than a page tells
  // whether a next page exists.
  request.limit = page + 1;
  int64_t seen = 0;
  bool more = false;
  PieceBuffer values;
  // dataArray: one group per (Multi)Datastream, in order of first
  // appearance (OGC 18-088 §13.1), each with the text of its rows.
  struct Group {
    std::string navigation;  // "Datastream" or "MultiDatastream"
    std::string link;
    std::string rows;
    size_t count = 0;
  };
  std::vector<Group> groups;
  std::string link;
  size_t rendered = 0;
  // With $expand, entities wait in batches for their expansions, which are
  // read for a whole batch at once (one read per navigation and level).
  const bool expanding = !path.ref && !options.expand.empty();
  const size_t batch = expanding ? ExpandBatch(options) : 0;
  std::vector<store::Entity> waiting;
  auto render_waiting = [&]() -> Status {
    if (waiting.empty()) return Status::Ok();
    std::vector<const store::Entity*> entities;
    std::vector<std::string> expansions(waiting.size());
    std::vector<std::string*> outs;
    entities.reserve(waiting.size());
    outs.reserve(waiting.size());
    for (size_t i = 0; i < waiting.size(); ++i) {
      entities.push_back(&waiting[i]);
      outs.push_back(&expansions[i]);
    }
    FUNDAMENT_RETURN_IF_ERROR(Expand(type, entities, options, outs, 0));
    for (size_t i = 0; i < waiting.size(); ++i) {
      std::string& text = values.Tail();
      if (rendered++ > 0) text += ',';
      text += '{';
      bool any = AppendEntityMembers(text, type, waiting[i], selection, links_);
      if (any && !expansions[i].empty()) text += ',';
      text += expansions[i];
      text += '}';
    }
    waiting.clear();
    return Status::Ok();
  };
  FUNDAMENT_ASSIGN_OR_RETURN(auto scanned, reads_.Scan(request, [&](store::Entity&& entity) -> Status {
    if (seen++ == page) {
      // With $top=0 the extra entity says more exist, but a nextLink would
      // ask for the same empty page again: a client following it would never stop.
      more = page > 0;
      return Status::Ok();
    }
    if (data_array) {
      std::string nav_name = entity.ReferenceId("Datastream") ? "Datastream" : "MultiDatastream";
      auto ref = entity.ReferenceId(nav_name);
      std::string link = ref ? links_.Self(nav_name == "Datastream" ? model::EntityKind::kDatastream
                                                                    : model::EntityKind::kMultiDatastream,
                                           *ref)
                             : std::string();
      auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.link == link; });
      if (group == groups.end()) {
        groups.push_back({nav_name, link, {}, 0});
        group = groups.end() - 1;
      }
      json::array row;
      for (const auto& c : components) {
        if (c == "id") {
          row.emplace_back(entity.id);
        } else if (c == kFeatureOfInterestIdComponent) {
          if (auto feature = entity.ReferenceId("FeatureOfInterest")) {
            row.emplace_back(*feature);
          } else {
            row.emplace_back(nullptr);
          }
        } else if (const json::value* v = entity.properties.if_contains(c)) {
          row.push_back(*v);
        } else {
          row.emplace_back(nullptr);
        }
      }
      if (group->count++ > 0) group->rows += ',';
      AppendJson(group->rows, row);
      return Status::Ok();
    }
    if (expanding) {
      waiting.push_back(std::move(entity));
      return waiting.size() >= batch ? render_waiting() : Status::Ok();
    }
    std::string& text = values.Tail();
    if (rendered++ > 0) text += ',';
    text += '{';
    if (path.ref) {
      text += "\"@iot.selfLink\":";
      link.clear();
      links_.AppendLink(link, type.kind, entity.id);
      AppendJsonString(text, link);
    } else {
      AppendEntityMembers(text, type, entity, selection, links_);
    }
    text += '}';
    return Status::Ok();
  }));
  (void)scanned;
  FUNDAMENT_RETURN_IF_ERROR(render_waiting());

  std::string body = "{";
  if (count) body += fmt::format("\"@iot.count\":{},", *count);
  if (more) {
    std::string query = QueryWithout(raw_query, {"$skip", "$top"});
    body += "\"@iot.nextLink\":";
    AppendJson(body, json::string(fmt::format("{}/{}?{}{}$top={}&$skip={}", links_.root(), raw_path, query,
                                               query.empty() ? "" : "&", page, options.skip + page)));
    body += ',';
  }
  body += "\"value\":[";
  if (data_array) {
    for (size_t i = 0; i < groups.size(); ++i) {
      const Group& group = groups[i];
      if (i > 0) body += ',';
      body += '{';
      AppendJson(body, json::string(group.navigation + "@iot.navigationLink"));
      body += ':';
      AppendJson(body, json::string(group.link));
      body += ",\"components\":";
      json::array names;
      for (const auto& c : components) names.emplace_back(c);
      AppendJson(body, names);
      body += fmt::format(",\"dataArray@iot.count\":{},\"dataArray\":[", group.count);
      body += group.rows;
      body += "]}";
    }
    body += "]}";
    return body;
  }
  return values.Join(body, "]}");
}

int64_t Reader::ExpandFanOut(const odata::QueryOptions& options) const {
  int64_t total = 0;
  for (const auto& item : options.expand) {
    const int64_t children = item.navigation->to_many ? PageSize(item.options) + 1 : 1;
    total += children * std::max<int64_t>(1, 1 + ExpandFanOut(item.options));
    total = std::min<int64_t>(total, kExpandEntities);
  }
  return total;
}

size_t Reader::ExpandBatch(const odata::QueryOptions& options) const {
  const int64_t fan_out = std::max<int64_t>(1, ExpandFanOut(options));
  return static_cast<size_t>(std::clamp<int64_t>(kExpandEntities / fan_out, 1, kExpandParents));
}

Status Reader::Expand(const model::EntityTypeDef& type, const std::vector<const store::Entity*>& entities,
                      const odata::QueryOptions& options, const std::vector<std::string*>& outs, int depth) {
  if (entities.empty()) return Status::Ok();
  std::vector<int64_t> ids;
  ids.reserve(entities.size());
  for (const store::Entity* entity : entities) ids.push_back(entity->id);
  std::string link;
  for (const auto& item : options.expand) {
    const model::NavigationDef& nav = *item.navigation;
    const model::EntityTypeDef& target = model::TypeOf(nav.target);
    const odata::QueryOptions& sub = item.options;
    Selection selection(sub.select);

    store::RelatedReadRequest request;
    request.kind = target.kind;
    request.parent_kind = type.kind;
    request.navigation = &nav;
    request.parent_ids = ids;
    request.filter = sub.filter;
    request.orderby = sub.orderby;
    request.properties = selection.StoreProperties(target);
    const int64_t page = PageSize(sub);
    if (nav.to_many) {
      request.skip = sub.skip;
      request.limit = page + 1;
      request.count = sub.count;
    } else {
      request.limit = 1;
    }
    FUNDAMENT_ASSIGN_OR_RETURN(store::RelatedReadResult groups, reads_.ReadRelated(request));
    if (groups.size() != entities.size()) return Internal("a related read returned another number of groups");

    // As for top-level collections: no nextLink to another empty page.
    std::vector<bool> more(groups.size(), false);
    size_t total = 0;
    for (size_t i = 0; i < groups.size(); ++i) {
      std::vector<store::Entity>& found = groups[i].entities;
      if (!nav.to_many && found.size() > 1) found.resize(1);
      if (nav.to_many && static_cast<int64_t>(found.size()) > page) {
        more[i] = page > 0;
        found.pop_back();
      }
      total += found.size();
    }

    // The expansions of the children of all parents, one level down.
    std::vector<const store::Entity*> children;
    children.reserve(total);
    for (const store::ReadResult& group : groups) {
      for (const store::Entity& child : group.entities) children.push_back(&child);
    }
    std::vector<std::string> child_expansions(total);
    std::vector<std::string*> child_outs;
    child_outs.reserve(total);
    for (std::string& text : child_expansions) child_outs.push_back(&text);
    FUNDAMENT_RETURN_IF_ERROR(Expand(target, children, sub, child_outs, depth + 1));

    size_t next = 0;
    auto append_child = [&](std::string& out) {
      out += '{';
      bool any = AppendEntityMembers(out, target, *children[next], selection, links_);
      const std::string& expansion = child_expansions[next++];
      if (any && !expansion.empty()) out += ',';
      out += expansion;
      out += '}';
    };
    auto append_key = [](std::string& out, std::string_view name, std::string_view suffix) {
      if (!out.empty()) out += ',';
      out += '"';
      out += name;  // names from the data model: nothing to escape
      out += suffix;
      out += "\":";
    };
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string& out = *outs[i];
      const std::vector<store::Entity>& found = groups[i].entities;
      if (!nav.to_many) {
        append_key(out, nav.name, {});
        if (found.empty()) {
          out += "null";
        } else {
          append_child(out);
        }
        continue;
      }
      if (groups[i].count) {
        append_key(out, nav.name, "@iot.count");
        AppendJsonInteger(out, *groups[i].count);
      }
      if (more[i]) {
        append_key(out, nav.name, "@iot.nextLink");
        link = fmt::format("{}?{}", links_.Navigation(type.kind, entities[i]->id, nav.name),
                           ExpandedNextQuery(sub, page));
        AppendJsonString(out, link);
      }
      append_key(out, nav.name, {});
      out += '[';
      for (size_t j = 0; j < found.size(); ++j) {
        if (j > 0) out += ',';
        append_child(out);
      }
      out += ']';
    }
  }
  return Status::Ok();
}

}  // namespace fundament::sta
