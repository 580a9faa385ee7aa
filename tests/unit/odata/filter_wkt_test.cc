// Specifies the WKT geometries of $filter geography/geometry literals:
// parsing, validation, canonical text and GeoJSON.
#include "odata/wkt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "model/geojson.h"

namespace fundament::odata {
namespace {

using ::testing::HasSubstr;

Geometry MustParse(std::string_view text) {
  auto geometry = ParseWkt(text, 8);
  EXPECT_TRUE(geometry.ok()) << text << ": " << (geometry.ok() ? "" : geometry.error().message);
  return geometry.ok() ? std::move(geometry).value() : Geometry{};
}

// The canonical text of a geometry that must parse.
std::string Canonical(std::string_view text) { return FormatWkt(MustParse(text)); }

struct Failure {
  std::string message;
  size_t offset = 0;
};

Failure FailureOf(std::string_view text, size_t max_depth = 8) {
  size_t offset = 12345;
  auto geometry = ParseWkt(text, max_depth, &offset);
  EXPECT_FALSE(geometry.ok()) << text << " was accepted";
  if (geometry.ok()) return {};
  EXPECT_EQ(geometry.error().code, ErrorCode::kBadRequest);
  return {geometry.error().message, offset};
}

TEST(FilterWkt, Point) {
  Geometry point = MustParse("POINT(10 54)");
  EXPECT_EQ(point.kind, GeometryKind::kPoint);
  ASSERT_EQ(point.positions.size(), 1u);
  EXPECT_EQ(point.positions[0].x, 10);
  EXPECT_EQ(point.positions[0].y, 54);
  EXPECT_FALSE(point.positions[0].has_z);
  EXPECT_EQ(Canonical(" point ( -122.5   43.25 ) "), "POINT(-122.5 43.25)");
  EXPECT_EQ(Canonical("POINT(1e2 -2.5E-1)"), "POINT(100 -0.25)");
}

TEST(FilterWkt, ThreeDimensionalPositions) {
  Geometry point = MustParse("POINT Z (1 2 3)");
  ASSERT_EQ(point.positions.size(), 1u);
  EXPECT_TRUE(point.positions[0].has_z);
  EXPECT_EQ(point.positions[0].z, 3);
  EXPECT_EQ(FormatWkt(point), "POINT(1 2 3)");
  EXPECT_EQ(Canonical("LINESTRING(1 2 3, 4 5 6)"), "LINESTRING(1 2 3,4 5 6)");
}

TEST(FilterWkt, LineString) {
  EXPECT_EQ(Canonical("LINESTRING (30 10, 10 30, 40 40)"), "LINESTRING(30 10,10 30,40 40)");
  EXPECT_THAT(FailureOf("LINESTRING(30 10)").message, HasSubstr("expected at least 2 positions"));
}

TEST(FilterWkt, PolygonWithHole) {
  Geometry polygon = MustParse("POLYGON ((35 10, 45 45, 15 40, 10 20, 35 10), (20 30, 35 35, 30 20, 20 30))");
  EXPECT_EQ(polygon.kind, GeometryKind::kPolygon);
  ASSERT_EQ(polygon.rings.size(), 2u);
  EXPECT_EQ(polygon.rings[0].size(), 5u);
  EXPECT_EQ(polygon.rings[1].size(), 4u);
  EXPECT_EQ(FormatWkt(polygon), "POLYGON((35 10,45 45,15 40,10 20,35 10),(20 30,35 35,30 20,20 30))");
}

TEST(FilterWkt, RejectsOpenOrShortRings) {
  Failure open = FailureOf("POLYGON((0 0, 1 0, 1 1, 0 1))");
  EXPECT_THAT(open.message, HasSubstr("expected a closed ring (last position equal to the first), found (0 1)"));
  EXPECT_EQ(open.offset, 24u);
  EXPECT_THAT(FailureOf("POLYGON((0 0, 1 0, 0 0))").message, HasSubstr("expected at least 4 positions in a ring, found 3"));
}

TEST(FilterWkt, MultiPointInBothForms) {
  EXPECT_EQ(Canonical("MULTIPOINT ((10 40), (40 30), (20 20))"), "MULTIPOINT((10 40),(40 30),(20 20))");
  EXPECT_EQ(Canonical("MULTIPOINT (10 40, 40 30, 20 20)"), "MULTIPOINT((10 40),(40 30),(20 20))");
}

TEST(FilterWkt, MultiLineStringAndMultiPolygon) {
  EXPECT_EQ(Canonical("MULTILINESTRING ((10 10, 20 20, 10 40), (40 40, 30 30, 40 20, 30 10))"),
            "MULTILINESTRING((10 10,20 20,10 40),(40 40,30 30,40 20,30 10))");
  Geometry multi = MustParse(
      "MULTIPOLYGON (((40 40, 20 45, 45 30, 40 40)), ((20 35, 10 30, 10 10, 30 5, 45 20, 20 35), (30 20, 20 15, 20 25, "
      "30 20)))");
  EXPECT_EQ(multi.kind, GeometryKind::kMultiPolygon);
  ASSERT_EQ(multi.polygons.size(), 2u);
  EXPECT_EQ(multi.polygons[1].size(), 2u);
  EXPECT_EQ(FormatWkt(multi),
            "MULTIPOLYGON(((40 40,20 45,45 30,40 40)),((20 35,10 30,10 10,30 5,45 20,20 35),(30 20,20 15,20 25,30 "
            "20)))");
}

TEST(FilterWkt, GeometryCollection) {
  Geometry collection = MustParse("GEOMETRYCOLLECTION (POINT (40 10), LINESTRING (10 10, 20 20, 10 40))");
  EXPECT_EQ(collection.kind, GeometryKind::kGeometryCollection);
  ASSERT_EQ(collection.members.size(), 2u);
  EXPECT_EQ(collection.members[1].kind, GeometryKind::kLineString);
  EXPECT_EQ(FormatWkt(collection), "GEOMETRYCOLLECTION(POINT(40 10),LINESTRING(10 10,20 20,10 40))");
  EXPECT_EQ(Canonical("GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2)))"),
            "GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2)))");
}

TEST(FilterWkt, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "GEOMETRYCOLLECTION(";
  EXPECT_THAT(FailureOf(deep, 8).message, HasSubstr("expected at most 8 nested collections"));
}

TEST(FilterWkt, RejectsMalformedText) {
  Failure missing = FailureOf("POINT(30)");
  EXPECT_EQ(missing.message, "expected a number, found ')'");
  EXPECT_EQ(missing.offset, 8u);
  EXPECT_THAT(FailureOf("POINT(1 2").message, HasSubstr("expected ')', found end of text"));
  EXPECT_THAT(FailureOf("POINT(1 2) x").message, HasSubstr("expected end of text, found 'x'"));
  EXPECT_THAT(FailureOf("POINT(a b)").message, HasSubstr("expected a number, found 'a'"));
  EXPECT_THAT(FailureOf("POINT(1 2 3 4)").message, HasSubstr("expected ')', found '4'"));
  EXPECT_THAT(FailureOf("POINT(1e999 2)").message, HasSubstr("expected a number within the range of a double, found '1e999'"));
  EXPECT_THAT(FailureOf("CIRCLE(1 2)").message, HasSubstr("expected a geometry type, found 'CIRCLE'"));
  EXPECT_THAT(FailureOf("POINT EMPTY").message, HasSubstr("expected '(', found 'EMPTY'"));
  EXPECT_THAT(FailureOf("").message, HasSubstr("expected a geometry type, found end of text"));
  EXPECT_THAT(FailureOf("LINESTRING(1 2, 3 4 5)").message, HasSubstr("expected 2 coordinates like the first position, found 3"));
}

TEST(FilterWkt, GeoJsonIsValid) {
  for (const char* text :
       {"POINT(10 54)", "POINT Z (1 2 3)", "LINESTRING(30 10,10 30,40 40)",
        "POLYGON((35 10,45 45,15 40,10 20,35 10),(20 30,35 35,30 20,20 30))", "MULTIPOINT((10 40),(40 30))",
        "MULTILINESTRING((10 10,20 20),(40 40,30 30))", "MULTIPOLYGON(((40 40,20 45,45 30,40 40)))",
        "GEOMETRYCOLLECTION(POINT(40 10),LINESTRING(10 10,20 20))"}) {
    boost::json::value geojson = ToGeoJson(MustParse(text));
    EXPECT_TRUE(model::ValidateGeoJson(geojson, "x").ok()) << text << ": " << boost::json::serialize(geojson);
  }
  boost::json::value polygon = ToGeoJson(MustParse("POLYGON((0 0,1 0,1 1,0 0))"));
  EXPECT_EQ(polygon.at("type").as_string(), "Polygon");
  EXPECT_EQ(polygon.at("coordinates").at(0).at(1).at(0).as_double(), 1.0);
  EXPECT_EQ(ToGeoJson(MustParse("GEOMETRYCOLLECTION(POINT(1 2))")).at("geometries").at(0).at("type").as_string(),
            "Point");
}

TEST(FilterWkt, CanonicalTextParsesBackEqual) {
  for (const char* text : {"POINT(0.1 -0.30000000000000004)", "POINT(1e300 -1e-300)",
                           "MULTIPOINT(1 2,3 4)", "POLYGON((0 0,1 0,1 1,0 0))"}) {
    Geometry first = MustParse(text);
    EXPECT_EQ(MustParse(FormatWkt(first)), first) << text;
  }
}

}  // namespace
}  // namespace fundament::odata
