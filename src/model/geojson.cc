// GeoJSON checks written against RFC 7946 §3, with the WGS 84 ranges of §4.
// Validation never throws: every access goes through Boost.JSON's if_*
// accessors. Empty geometries (RFC 7946 §3.1 allows them and lets processors
// treat them as null) are rejected, as a null geometry is: a Location or an
// observedArea must say where something is.
#include "model/geojson.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace fundament::model {
namespace {

// GeometryCollections may nest (RFC 7946 §3.1.8 discourages, not forbids it);
// the limit keeps the recursion below far from the stack's end.
constexpr int kMaxCollectionDepth = 32;

Error At(const std::string& path, std::string_view problem) {
  return BadRequest(path + ": " + std::string(problem), path);
}

std::string Index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string Member(const std::string& path, std::string_view name) { return path + "." + std::string(name); }

// The value of a JSON number as a double; false for anything else.
bool NumberOf(const boost::json::value& v, double* out) {
  if (v.is_double()) {
    *out = v.get_double();
  } else if (v.is_int64()) {
    *out = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    *out = static_cast<double>(v.get_uint64());
  } else {
    return false;
  }
  return true;
}

Status ValidateNumber(const boost::json::value& v, const std::string& path) {
  double number;
  if (!NumberOf(v, &number)) return At(path, "expected a number");
  if (!std::isfinite(number)) return At(path, "expected a finite number");
  return Status::Ok();
}

// A coordinate for an error message: as short as it can be while exact enough
// to recognise ("200", "-90.5").
std::string FormatCoordinate(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

// A position: 2 or 3 finite numbers (RFC 7946 §3.1.1; more is discouraged
// and has no defined meaning).
Status ValidatePosition(const boost::json::value& v, const std::string& path) {
  const boost::json::array* position = v.if_array();
  if (position == nullptr) return At(path, "expected a position (an array of 2 or 3 numbers)");
  for (std::size_t i = 0; i < position->size(); ++i) {
    FUNDAMENT_RETURN_IF_ERROR(ValidateNumber((*position)[i], Index(path, i)));
  }
  if (position->size() < 2 || position->size() > 3) {
    return At(path, "expected a position (an array of 2 or 3 numbers)");
  }
  // Positions are WGS 84 longitude, latitude (RFC 7946 §4). Out of range is
  // most often latitude and longitude swapped, which would put the point
  // somewhere else entirely; a feature crossing the antimeridian is split
  // rather than extended past ±180 (§3.1.9).
  double longitude = 0, latitude = 0;
  NumberOf((*position)[0], &longitude);
  NumberOf((*position)[1], &latitude);
  if (longitude < -180 || longitude > 180)
    return At(Index(path, 0), "longitude " + FormatCoordinate(longitude) + " is outside [-180, 180]");
  if (latitude < -90 || latitude > 90)
    return At(Index(path, 1), "latitude " + FormatCoordinate(latitude) + " is outside [-90, 90]");
  return Status::Ok();
}

// A non-empty array whose elements all pass `validate_element`.
template <typename Validate>
Status ValidateArrayOf(const boost::json::value& v, const std::string& path, std::size_t min_count,
                       std::string_view what, Validate validate_element) {
  const boost::json::array* elements = v.if_array();
  if (elements == nullptr) return At(path, "expected an array of " + std::string(what));
  if (elements->size() < min_count) {
    return At(path, "expected at least " + std::to_string(min_count) + " " + std::string(what));
  }
  for (std::size_t i = 0; i < elements->size(); ++i) {
    FUNDAMENT_RETURN_IF_ERROR(validate_element((*elements)[i], Index(path, i)));
  }
  return Status::Ok();
}

Status ValidateLineString(const boost::json::value& v, const std::string& path) {
  return ValidateArrayOf(v, path, 2, "positions", ValidatePosition);
}

bool SamePosition(const boost::json::array& a, const boost::json::array& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double x, y;
    if (!NumberOf(a[i], &x) || !NumberOf(b[i], &y) || x != y) return false;
  }
  return true;
}

// A linear ring (RFC 7946 §3.1.6): closed, at least 4 positions. Winding
// order is not checked: the RFC requires parsers not to reject on it.
Status ValidateRing(const boost::json::value& v, const std::string& path) {
  FUNDAMENT_RETURN_IF_ERROR(ValidateArrayOf(v, path, 4, "positions", ValidatePosition));
  const boost::json::array& ring = v.get_array();
  if (!SamePosition(ring.front().get_array(), ring.back().get_array())) {
    return At(path, "ring is not closed (its first and last positions differ)");
  }
  return Status::Ok();
}

Status ValidatePolygon(const boost::json::value& v, const std::string& path) {
  return ValidateArrayOf(v, path, 1, "linear rings", ValidateRing);
}

Status ValidateBbox(const boost::json::value& v, const std::string& path) {
  const boost::json::array* bbox = v.if_array();
  if (bbox == nullptr || (bbox->size() != 4 && bbox->size() != 6)) {
    return At(path, "expected an array of 4 or 6 numbers");
  }
  for (std::size_t i = 0; i < bbox->size(); ++i) {
    FUNDAMENT_RETURN_IF_ERROR(ValidateNumber((*bbox)[i], Index(path, i)));
  }
  return Status::Ok();
}

Status ValidateCoordinates(std::string_view type, const boost::json::value& coordinates,
                           const std::string& path) {
  if (type == "Point") return ValidatePosition(coordinates, path);
  if (type == "MultiPoint") return ValidateArrayOf(coordinates, path, 1, "positions", ValidatePosition);
  if (type == "LineString") return ValidateLineString(coordinates, path);
  if (type == "MultiLineString")
    return ValidateArrayOf(coordinates, path, 1, "line strings", ValidateLineString);
  if (type == "Polygon") return ValidatePolygon(coordinates, path);
  return ValidateArrayOf(coordinates, path, 1, "polygons", ValidatePolygon);  // MultiPolygon
}

bool HasCoordinates(std::string_view type) {
  return type == "Point" || type == "MultiPoint" || type == "LineString" || type == "MultiLineString" ||
         type == "Polygon" || type == "MultiPolygon";
}

std::string Abbreviated(std::string_view text) {
  constexpr std::size_t kMax = 40;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

// Validates a Geometry, or also a Feature when `allow_feature` is set.
Status ValidateObject(const boost::json::value& value, const std::string& path, int depth,
                      bool allow_feature) {
  const boost::json::object* object = value.if_object();
  if (object == nullptr) return At(path, "expected a GeoJSON object");

  const std::string type_path = Member(path, "type");
  const boost::json::value* type_value = object->if_contains("type");
  if (type_value == nullptr) return At(type_path, "missing");
  const boost::json::string* type_string = type_value->if_string();
  if (type_string == nullptr) return At(type_path, "expected a string");
  const std::string_view type = *type_string;

  if (const boost::json::value* bbox = object->if_contains("bbox")) {
    FUNDAMENT_RETURN_IF_ERROR(ValidateBbox(*bbox, Member(path, "bbox")));
  }

  if (type == "Feature") {
    if (!allow_feature) return At(type_path, "expected a geometry type, not a Feature");
    const std::string geometry_path = Member(path, "geometry");
    const boost::json::value* geometry = object->if_contains("geometry");
    if (geometry == nullptr) return At(geometry_path, "missing");
    if (geometry->is_null()) return At(geometry_path, "a Feature here needs a geometry, not null");
    FUNDAMENT_RETURN_IF_ERROR(ValidateObject(*geometry, geometry_path, depth, false));
    // RFC 7946 §3.2 requires "properties"; tolerating its absence costs nothing.
    const boost::json::value* properties = object->if_contains("properties");
    if (properties != nullptr && !properties->is_object() && !properties->is_null()) {
      return At(Member(path, "properties"), "expected an object or null");
    }
    return Status::Ok();
  }

  if (type == "GeometryCollection") {
    if (depth >= kMaxCollectionDepth) return At(path, "GeometryCollection nested too deeply");
    const std::string geometries_path = Member(path, "geometries");
    const boost::json::value* geometries = object->if_contains("geometries");
    if (geometries == nullptr) return At(geometries_path, "missing");
    return ValidateArrayOf(*geometries, geometries_path, 1, "geometries",
                           [depth](const boost::json::value& v, const std::string& p) {
                             return ValidateObject(v, p, depth + 1, false);
                           });
  }

  if (HasCoordinates(type)) {
    const std::string coordinates_path = Member(path, "coordinates");
    const boost::json::value* coordinates = object->if_contains("coordinates");
    if (coordinates == nullptr) return At(coordinates_path, "missing");
    return ValidateCoordinates(type, *coordinates, coordinates_path);
  }

  if (type == "FeatureCollection") {
    return At(type_path, allow_feature ? "expected a geometry or a Feature, not a FeatureCollection"
                                       : "expected a geometry type, not a FeatureCollection");
  }
  return At(type_path, "unknown GeoJSON type '" + Abbreviated(type) + "'");
}

// Widens `box` to cover every position under `coordinates` (any nesting level).
void ExtendByCoordinates(const boost::json::value& coordinates, BoundingBox& box) {
  const boost::json::array* array = coordinates.if_array();
  if (array == nullptr || array->empty()) return;
  double x, y;
  if (array->size() >= 2 && NumberOf((*array)[0], &x) && NumberOf((*array)[1], &y)) {
    box.min_x = std::min(box.min_x, x);
    box.min_y = std::min(box.min_y, y);
    box.max_x = std::max(box.max_x, x);
    box.max_y = std::max(box.max_y, y);
    return;
  }
  for (const boost::json::value& element : *array) ExtendByCoordinates(element, box);
}

void ExtendByGeometry(const boost::json::value& geometry, BoundingBox& box) {
  const boost::json::object* object = geometry.if_object();
  if (object == nullptr) return;
  if (const boost::json::value* geometries = object->if_contains("geometries")) {
    if (const boost::json::array* members = geometries->if_array()) {
      for (const boost::json::value& member : *members) ExtendByGeometry(member, box);
    }
  }
  if (const boost::json::value* coordinates = object->if_contains("coordinates")) {
    ExtendByCoordinates(*coordinates, box);
  }
}

// A coordinate as JSON: an integer when it is one, so that boxes of integral
// coordinates print as `[0,1]` and compare equal to parsed input.
boost::json::value Coordinate(double v) {
  constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
  if (std::trunc(v) == v && std::fabs(v) <= kMaxExactInteger) return static_cast<int64_t>(v);
  return v;
}

boost::json::array Position(double x, double y) { return boost::json::array{Coordinate(x), Coordinate(y)}; }

}  // namespace

Status ValidateGeoJson(const boost::json::value& value, std::string_view field) {
  return ValidateObject(value, std::string(field), 0, true);
}

const boost::json::value& GeometryOf(const boost::json::value& geojson) {
  if (const boost::json::object* object = geojson.if_object()) {
    const boost::json::value* type = object->if_contains("type");
    const boost::json::value* geometry = object->if_contains("geometry");
    if (type != nullptr && geometry != nullptr && *type == "Feature") return *geometry;
  }
  return geojson;
}

BoundingBox BoundsOf(const boost::json::value& geojson) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  BoundingBox box{kInf, kInf, -kInf, -kInf};
  ExtendByGeometry(GeometryOf(geojson), box);
  if (box.min_x > box.max_x) return BoundingBox{};  // no positions: only for invalid input
  return box;
}

boost::json::value GeometryOfBox(const BoundingBox& box) {
  boost::json::object geometry;
  if (box.min_x == box.max_x && box.min_y == box.max_y) {
    geometry["type"] = "Point";
    geometry["coordinates"] = Position(box.min_x, box.min_y);
    return geometry;
  }
  // Counter-clockwise, as RFC 7946 §3.1.6 asks of exterior rings.
  geometry["type"] = "Polygon";
  geometry["coordinates"] = boost::json::array{boost::json::array{
      Position(box.min_x, box.min_y), Position(box.max_x, box.min_y), Position(box.max_x, box.max_y),
      Position(box.min_x, box.max_y), Position(box.min_x, box.min_y)}};
  return geometry;
}

}  // namespace fundament::model
