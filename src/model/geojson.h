// GeoJSON geometry validation (RFC 7946) and bounding boxes.
#pragma once

#include <boost/json/value.hpp>

#include "common/result.h"

namespace fundament::model {

// An axis-aligned bounding box in the coordinates of the geometry (lon/lat).
struct BoundingBox {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
};

// Checks that `value` is a GeoJSON Geometry (Point, MultiPoint, LineString,
// MultiLineString, Polygon, MultiPolygon, GeometryCollection) or a Feature with
// such a geometry: right member types, coordinate arrays of 2 or 3 finite
// numbers with longitude in [-180, 180] and latitude in [-90, 90] (WGS 84,
// RFC 7946 §4), at least 2 positions per line, closed rings of at least 4
// positions. `field` names the value in the error message, and the error's
// field is the path to the offending member ("location.coordinates[1]").
Status ValidateGeoJson(const boost::json::value& value, std::string_view field);

// The geometry part of a valid GeoJSON value (the value itself or a Feature's geometry).
const boost::json::value& GeometryOf(const boost::json::value& geojson);

// The bounding box of a valid GeoJSON value.
BoundingBox BoundsOf(const boost::json::value& geojson);

// A GeoJSON geometry covering `box`: a Point when it is degenerate, else a Polygon.
boost::json::value GeometryOfBox(const BoundingBox& box);

}  // namespace fundament::model
