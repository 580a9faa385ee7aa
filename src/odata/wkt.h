// Geometries written as OGC Well-Known Text (WKT), as they appear inside the
// `geography'…'` and `geometry'…'` literals of $filter: parsing into a
// structured, validated geometry, and rendering it back as canonical WKT and
// as GeoJSON (RFC 7946) for the query compiler.
//
// Accepted: POINT, LINESTRING, POLYGON (with holes), MULTIPOINT (both
// `MULTIPOINT((1 2),(3 4))` and `MULTIPOINT(1 2,3 4)`), MULTILINESTRING,
// MULTIPOLYGON and GEOMETRYCOLLECTION, keywords in any case, an optional `Z`
// after the keyword, positions of 2 or 3 finite numbers. EMPTY geometries are
// rejected: GeoJSON cannot express them and no spatial predicate needs them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "common/result.h"

namespace fundament::odata {

// One position: x (longitude) and y (latitude), and z when `has_z`.
struct GeoPosition {
  double x = 0;
  double y = 0;
  double z = 0;
  bool has_z = false;
  bool operator==(const GeoPosition&) const = default;
};

enum class GeometryKind {
  kPoint,
  kLineString,
  kPolygon,
  kMultiPoint,
  kMultiLineString,
  kMultiPolygon,
  kGeometryCollection,
};

// A geometry. Which members are used depends on `kind`:
//   kPoint:              positions (exactly one)
//   kLineString:         positions (at least two)
//   kMultiPoint:         positions (at least one)
//   kPolygon:            rings (at least one; the first is the exterior ring,
//                        the others holes; each closed, at least four positions)
//   kMultiLineString:    rings (each a line string of at least two positions)
//   kMultiPolygon:       polygons (each a list of closed rings as for kPolygon)
//   kGeometryCollection: members (at least one)
struct Geometry {
  GeometryKind kind = GeometryKind::kPoint;
  std::vector<GeoPosition> positions;
  std::vector<std::vector<GeoPosition>> rings;
  std::vector<std::vector<std::vector<GeoPosition>>> polygons;
  std::vector<Geometry> members;
  bool operator==(const Geometry&) const = default;
};

// Parses `text` (a whole WKT geometry, surrounding whitespace allowed).
// GEOMETRYCOLLECTIONs may nest at most `max_depth` levels. On failure the
// error (kBadRequest) says "expected …, found …", and `error_offset`, when
// given, receives the byte offset in `text` where the problem was found.
Result<Geometry> ParseWkt(std::string_view text, size_t max_depth, size_t* error_offset = nullptr);

// The canonical WKT of `geometry`: upper-case keywords, no optional spaces,
// numbers in their shortest exact form (`POLYGON((0 0,1 0,1 1,0 0))`).
// ParseWkt of the result gives an equal geometry.
std::string FormatWkt(const Geometry& geometry);

// `geometry` as a GeoJSON geometry object.
boost::json::value ToGeoJson(const Geometry& geometry);

// The WKT keyword of a kind ("POINT").
const char* WktName(GeometryKind kind);

}  // namespace fundament::odata
