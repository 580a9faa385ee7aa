#include "store/entity_codec.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <limits>

#include "model/geojson.h"
#include "model/time.h"

namespace fundament::store {
namespace {

namespace json = boost::json;

std::string Qualified(std::string_view alias, std::string_view column) {
  return fmt::format("{}.{}", alias, column);
}

Error WrongForm(const PropertyColumns& columns, std::string_view expected) {
  return BadRequest(fmt::format("{} must be {}", columns.property->name, expected),
                    std::string(columns.property->name));
}

Error WithField(const PropertyColumns& columns, Error error) {
  if (error.field.empty()) error.field = std::string(columns.property->name);
  return error;
}

void NullColumns(const PropertyColumns& columns, std::vector<Assignment>& out) {
  switch (columns.storage) {
    case Storage::kInterval:
    case Storage::kInstantOrInterval:
      out.push_back({columns.column, {}});
      out.push_back({columns.column2, {}});
      return;
    case Storage::kGeoJson:
      out.push_back({columns.column, {}});
      out.push_back({sql::kGeometryColumn, {}, true});
      if (columns.has_bbox) {
        for (std::string_view c : {"min_x", "min_y", "max_x", "max_y"}) out.push_back({c, {}});
      }
      return;
    case Storage::kResult:
      out.push_back({"result_type", int64_t{static_cast<int>(ResultType::kNull)}});
      for (std::string_view c : {"result_number", "result_string", "result_json"}) out.push_back({c, {}});
      return;
    case Storage::kBox:
      return;
    default:
      out.push_back({columns.column, {}});
      return;
  }
}

void EncodeResult(const json::value& value, std::vector<Assignment>& out) {
  ResultType type = ResultType::kNull;
  SqlValue number, text, json_text;
  switch (value.kind()) {
    case json::kind::null:
      break;
    case json::kind::int64:
      type = ResultType::kInteger;
      number = value.get_int64();
      break;
    case json::kind::uint64:
      if (value.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        type = ResultType::kInteger;
        number = static_cast<int64_t>(value.get_uint64());
      } else {
        // Kept as JSON text so that it comes back exactly.
        type = ResultType::kJson;
        json_text = json::serialize(value);
      }
      break;
    case json::kind::double_:
      type = ResultType::kDouble;
      number = value.get_double();
      break;
    case json::kind::string:
      type = ResultType::kString;
      text = std::string(value.get_string());
      break;
    case json::kind::bool_:
      type = ResultType::kBool;
      number = int64_t{value.get_bool() ? 1 : 0};
      break;
    case json::kind::object:
    case json::kind::array:
      type = ResultType::kJson;
      json_text = json::serialize(value);
      break;
  }
  out.push_back({"result_type", int64_t{static_cast<int>(type)}});
  out.push_back({"result_number", std::move(number)});
  out.push_back({"result_string", std::move(text)});
  out.push_back({"result_json", std::move(json_text)});
}

}  // namespace

Result<json::value> ParseStoredJson(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return Internal(fmt::format("stored JSON is corrupt: {}", ec.message()));
  return value;
}

Status EncodeProperty(const PropertyColumns& columns, const json::value& value,
                      std::vector<Assignment>& out) {
  if (columns.storage == Storage::kBox) return Status::Ok();
  if (value.is_null() && columns.storage != Storage::kResult && columns.storage != Storage::kJson) {
    NullColumns(columns, out);
    return Status::Ok();
  }
  switch (columns.storage) {
    case Storage::kText:
      if (!value.is_string()) return WrongForm(columns, "a string");
      out.push_back({columns.column, std::string(value.get_string())});
      return Status::Ok();
    case Storage::kJson:
      // JSON null is stored as SQL NULL: an absent optional value.
      out.push_back({columns.column, value.is_null() ? SqlValue() : SqlValue(json::serialize(value))});
      return Status::Ok();
    case Storage::kInstant: {
      if (!value.is_string()) return WrongForm(columns, "an ISO 8601 instant");
      auto t = model::ParseInstant(value.get_string());
      if (!t.ok()) return WithField(columns, t.error());
      out.push_back({columns.column, int64_t{*t}});
      return Status::Ok();
    }
    case Storage::kInterval:
    case Storage::kInstantOrInterval: {
      bool either = columns.storage == Storage::kInstantOrInterval;
      if (!value.is_string())
        return WrongForm(columns, either ? "an ISO 8601 instant or interval" : "an ISO 8601 interval");
      auto interval = either ? model::ParseInstantOrInterval(value.get_string())
                             : model::ParseInterval(value.get_string());
      if (!interval.ok()) return WithField(columns, interval.error());
      out.push_back({columns.column, int64_t{interval->start}});
      // An interval whose ends coincide is an instant, and is given back as one.
      if (either && interval->is_instant()) {
        out.push_back({columns.column2, {}});
      } else {
        out.push_back({columns.column2, int64_t{interval->end}});
      }
      return Status::Ok();
    }
    case Storage::kGeoJson: {
      FUNDAMENT_RETURN_IF_ERROR(model::ValidateGeoJson(value, columns.property->name));
      out.push_back({columns.column, json::serialize(value)});
      out.push_back({sql::kGeometryColumn, json::serialize(model::GeometryOf(value)), true});
      if (columns.has_bbox) {
        model::BoundingBox box = model::BoundsOf(value);
        out.push_back({"min_x", box.min_x});
        out.push_back({"min_y", box.min_y});
        out.push_back({"max_x", box.max_x});
        out.push_back({"max_y", box.max_y});
      }
      return Status::Ok();
    }
    case Storage::kResult:
      EncodeResult(value, out);
      return Status::Ok();
    case Storage::kBox:
      return Status::Ok();
  }
  return Internal("unknown storage");
}

std::vector<std::string> SelectExpressions(const PropertyColumns& columns, std::string_view alias) {
  switch (columns.storage) {
    case Storage::kInterval:
    case Storage::kInstantOrInterval:
      return {Qualified(alias, columns.column), Qualified(alias, columns.column2)};
    case Storage::kResult:
      return {Qualified(alias, "result_type"), Qualified(alias, "result_number"),
              Qualified(alias, "result_string"), Qualified(alias, "result_json")};
    case Storage::kBox:
      return {Qualified(alias, "min_x"), Qualified(alias, "min_y"), Qualified(alias, "max_x"),
              Qualified(alias, "max_y")};
    default:
      return {Qualified(alias, columns.column)};
  }
}

Result<std::string> SortExpression(const PropertyColumns& columns, std::string_view alias,
                                   ResultOrder result_order) {
  switch (columns.storage) {
    case Storage::kText:
    case Storage::kInstant:
    case Storage::kInterval:
    case Storage::kInstantOrInterval:
      return Qualified(alias, columns.column);
    case Storage::kResult:
      return result_order(alias);
    case Storage::kJson:
      // A plain string or number held as JSON (Sensor metadata) sorts by its JSON text.
      if (columns.property->type == model::ValueType::kAny) return Qualified(alias, columns.column);
      break;
    case Storage::kGeoJson:
    case Storage::kBox:
      break;
  }
  return BadRequest(fmt::format("cannot order by {} itself, only by a member of it", columns.property->name),
                    std::string(columns.property->name));
}

Result<std::string> JsonTextExpression(const PropertyColumns& columns, std::string_view alias) {
  switch (columns.storage) {
    case Storage::kJson:
    case Storage::kGeoJson:
      return Qualified(alias, columns.column);
    case Storage::kResult:
      return Qualified(alias, "result_json");
    default:
      return BadRequest(fmt::format("{} has no members", columns.property->name),
                        std::string(columns.property->name));
  }
}

}  // namespace fundament::store
