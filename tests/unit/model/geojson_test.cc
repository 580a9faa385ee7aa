// Specifies GeoJSON validation and bounding boxes (model/geojson.h).
#include "model/geojson.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <string>

namespace fundament::model {
namespace {

using ::testing::HasSubstr;

boost::json::value Json(std::string_view text) { return boost::json::parse(text); }

std::string ErrorOf(std::string_view text, std::string_view field = "location") {
  Status status = ValidateGeoJson(Json(text), field);
  EXPECT_FALSE(status.ok()) << "accepted " << text;
  return status.ok() ? std::string() : status.error().message;
}

void ExpectValid(std::string_view text) {
  Status status = ValidateGeoJson(Json(text), "location");
  EXPECT_TRUE(status.ok()) << text << ": " << (status.ok() ? "" : status.error().message);
}

void ExpectBox(const BoundingBox& box, double min_x, double min_y, double max_x, double max_y) {
  EXPECT_DOUBLE_EQ(box.min_x, min_x);
  EXPECT_DOUBLE_EQ(box.min_y, min_y);
  EXPECT_DOUBLE_EQ(box.max_x, max_x);
  EXPECT_DOUBLE_EQ(box.max_y, max_y);
}

constexpr const char* kSquare = R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})";

// --- Valid geometries --------------------------------------------------------

TEST(ValidateGeoJson, AcceptsEveryGeometryType) {
  ExpectValid(R"({"type":"Point","coordinates":[7.5,51.9]})");
  ExpectValid(R"({"type":"Point","coordinates":[7.5,51.9,60.25]})");
  ExpectValid(R"({"type":"Point","coordinates":[7,51]})");
  ExpectValid(R"({"type":"MultiPoint","coordinates":[[7.5,51.9],[8,52]]})");
  ExpectValid(R"({"type":"LineString","coordinates":[[7.5,51.9],[8,52]]})");
  ExpectValid(R"({"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3],[4,4]]]})");
  ExpectValid(kSquare);
  ExpectValid(R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],
                                                  [[1,1],[1,2],[2,2],[1,1]]]})");
  ExpectValid(R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],
                                                       [[[5,5],[6,5],[6,6],[5,5]]]]})");
  ExpectValid(R"({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},)"
              R"({"type":"LineString","coordinates":[[0,0],[1,1]]}]})");
}

TEST(ValidateGeoJson, AcceptsFeature) {
  ExpectValid(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"a":1}})");
  ExpectValid(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null})");
  ExpectValid(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}})");
  ExpectValid(
      R"({"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}})");
}

TEST(ValidateGeoJson, AcceptsNestedGeometryCollections) {
  ExpectValid(R"({"type":"GeometryCollection","geometries":[
      {"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]},
      {"type":"Point","coordinates":[3,4]}]})");
}

TEST(ValidateGeoJson, AcceptsForeignMembersAndBbox) {
  ExpectValid(R"({"type":"Point","coordinates":[1,2],"crs":"ignored","bbox":[1,2,1,2]})");
  ExpectValid(R"({"type":"Point","coordinates":[1,2,3],"bbox":[1,2,3,1,2,3]})");
}

// Elevation (the third number) has no range, so it can show that integers of
// every JSON representation count as numbers.
TEST(ValidateGeoJson, AcceptsUnsignedAndLargeIntegers) {
  ExpectValid(R"({"type":"Point","coordinates":[7,51,18446744073709551615]})");
  ExpectValid(R"({"type":"Point","coordinates":[7,51,-9223372036854775808]})");
}

TEST(ValidateGeoJson, AcceptsTheEdgesOfLongitudeAndLatitude) {
  ExpectValid(R"({"type":"Point","coordinates":[180,90]})");
  ExpectValid(R"({"type":"Point","coordinates":[-180,-90]})");
  ExpectValid(R"({"type":"Point","coordinates":[-180.0,90.0,-11034]})");
  ExpectValid(R"({"type":"LineString","coordinates":[[179.9,0],[-179.9,0]]})");
}

// --- Invalid geometries ------------------------------------------------------

TEST(ValidateGeoJson, RejectsNonObject) {
  EXPECT_THAT(ErrorOf("[1,2]"), HasSubstr("location: expected a GeoJSON object"));
  EXPECT_THAT(ErrorOf("null"), HasSubstr("location"));
  EXPECT_THAT(ErrorOf("\"POINT(1 2)\""), HasSubstr("location"));
}

TEST(ValidateGeoJson, RejectsMissingOrWrongType) {
  EXPECT_EQ(ErrorOf(R"({"coordinates":[1,2]})"), "location.type: missing");
  EXPECT_EQ(ErrorOf(R"({"type":7,"coordinates":[1,2]})"), "location.type: expected a string");
  EXPECT_THAT(ErrorOf(R"({"type":"Circle","coordinates":[1,2]})"), HasSubstr("location.type: unknown"));
  EXPECT_THAT(ErrorOf(R"({"type":"point","coordinates":[1,2]})"), HasSubstr("unknown"));
  EXPECT_THAT(ErrorOf(R"({"type":"FeatureCollection","features":[]})"), HasSubstr("location.type"));
}

TEST(ValidateGeoJson, ErrorCarriesFieldPath) {
  Status status = ValidateGeoJson(Json(R"({"type":"Point","coordinates":[1,"2"]})"), "location");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "location.coordinates[1]: expected a number");
  EXPECT_EQ(status.error().field, "location.coordinates[1]");
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
}

TEST(ValidateGeoJson, UsesTheGivenFieldName) {
  EXPECT_THAT(ErrorOf(R"({"type":"Point"})", "observedArea"), HasSubstr("observedArea.coordinates: missing"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point"})", "Things[0].Locations[1].location"),
              HasSubstr("Things[0].Locations[1].location.coordinates"));
}

TEST(ValidateGeoJson, RejectsBadPositions) {
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1]})"), HasSubstr("location.coordinates: "));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1,2,3,4]})"), HasSubstr("location.coordinates: "));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[]})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":"1,2"})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[[1,2]]})"), HasSubstr("location.coordinates[0]"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1,null]})"), HasSubstr("location.coordinates[1]"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[true,1]})"), HasSubstr("location.coordinates[0]"));
}

// RFC 7946 §4: positions are WGS 84 longitude, latitude.
TEST(ValidateGeoJson, RejectsLongitudeOutsideItsRange) {
  Status status = ValidateGeoJson(Json(R"({"type":"Point","coordinates":[180.5,54]})"), "location");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "location.coordinates[0]");
  EXPECT_EQ(status.error().message, "location.coordinates[0]: longitude 180.5 is outside [-180, 180]");
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[-200,0]})"), HasSubstr("longitude -200"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[18446744073709551615,0]})"), HasSubstr("longitude"));
}

TEST(ValidateGeoJson, RejectsLatitudeOutsideItsRange) {
  // Latitude and longitude swapped: the usual way to get here.
  Status status = ValidateGeoJson(Json(R"({"type":"Point","coordinates":[54.3,110.1]})"), "feature");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "feature.coordinates[1]");
  EXPECT_EQ(status.error().message, "feature.coordinates[1]: latitude 110.1 is outside [-90, 90]");
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[0,-90.0001]})"), HasSubstr("latitude -90.0001"));
}

TEST(ValidateGeoJson, RangeErrorsNameThePositionInEveryGeometry) {
  EXPECT_THAT(ErrorOf(R"({"type":"LineString","coordinates":[[0,0],[0,91]]})"),
              HasSubstr("location.coordinates[1][1]: latitude"));
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[[[0,0],[190,0],[1,1],[0,0]]]})"),
              HasSubstr("location.coordinates[0][1][0]: longitude"));
  EXPECT_THAT(ErrorOf(R"({"type":"MultiPoint","coordinates":[[0,0],[0,-95]]})"),
              HasSubstr("location.coordinates[1][1]"));
  EXPECT_THAT(
      ErrorOf(R"({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[361,0]}]})"),
      HasSubstr("location.geometries[0].coordinates[0]: longitude"));
  EXPECT_THAT(
      ErrorOf(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[0,100]},"properties":null})"),
      HasSubstr("location.geometry.coordinates[1]: latitude"));
}

TEST(ValidateGeoJson, RejectsNonFiniteNumbers) {
  boost::json::value point = Json(R"({"type":"Point","coordinates":[1,2]})");
  point.as_object()["coordinates"].as_array()[1] = std::numeric_limits<double>::infinity();
  Status status = ValidateGeoJson(point, "location");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("location.coordinates[1]: expected a finite number"));
  point.as_object()["coordinates"].as_array()[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(ValidateGeoJson(point, "location").ok());
}

TEST(ValidateGeoJson, RejectsShortLineStrings) {
  EXPECT_THAT(ErrorOf(R"({"type":"LineString","coordinates":[[1,2]]})"),
              HasSubstr("location.coordinates: expected at least 2 positions"));
  EXPECT_THAT(ErrorOf(R"({"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[1,2]]]})"),
              HasSubstr("location.coordinates[1]: expected at least 2 positions"));
}

TEST(ValidateGeoJson, RejectsOpenOrShortRings) {
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})"),
              HasSubstr("location.coordinates[0]: ring is not closed"));
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})"),
              HasSubstr("location.coordinates[0]: expected at least 4 positions"));
  EXPECT_THAT(
      ErrorOf(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0],[1,1],[0,0.5]]]})"),
      HasSubstr("location.coordinates[1]: ring is not closed"));
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0,1]]]})"),
              HasSubstr("ring is not closed"));
  EXPECT_THAT(
      ErrorOf(
          R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,0]],[[5,5],[6,5],[6,6],[5,5]],[[0,0],[1,1],[1,2]]]]})"),
      HasSubstr("location.coordinates[1][2]: expected at least 4 positions"));
}

TEST(ValidateGeoJson, RingClosureComparesNumbersNotRepresentations) {
  ExpectValid(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0.0,0.0]]]})");
}

TEST(ValidateGeoJson, RejectsEmptyGeometries) {
  EXPECT_THAT(ErrorOf(R"({"type":"MultiPoint","coordinates":[]})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[]})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"MultiPolygon","coordinates":[]})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"MultiLineString","coordinates":[]})"), HasSubstr("location.coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection","geometries":[]})"), HasSubstr("location.geometries"));
}

TEST(ValidateGeoJson, RejectsWrongNesting) {
  EXPECT_THAT(ErrorOf(R"({"type":"MultiPoint","coordinates":[1,2]})"), HasSubstr("location.coordinates[0]"));
  EXPECT_THAT(ErrorOf(R"({"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]})"),
              HasSubstr("location.coordinates[0]"));
  EXPECT_THAT(ErrorOf(R"({"type":"MultiPolygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]})"),
              HasSubstr("location.coordinates[0][0]"));
}

TEST(ValidateGeoJson, RejectsBadGeometryCollections) {
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection"})"), HasSubstr("location.geometries: missing"));
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection","geometries":{}})"),
              HasSubstr("location.geometries: expected an array"));
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},
                          {"type":"Point","coordinates":[1]}]})"),
              HasSubstr("location.geometries[1].coordinates"));
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection","geometries":[
                          {"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}]})"),
              HasSubstr("location.geometries[0].type"));
  EXPECT_THAT(ErrorOf(R"({"type":"GeometryCollection","geometries":[{"type":"GeometryCollection",
                          "geometries":[{"type":"LineString","coordinates":[[1,2]]}]}]})"),
              HasSubstr("location.geometries[0].geometries[0].coordinates"));
}

TEST(ValidateGeoJson, RejectsBadFeatures) {
  EXPECT_THAT(ErrorOf(R"({"type":"Feature","properties":{}})"), HasSubstr("location.geometry: missing"));
  EXPECT_THAT(ErrorOf(R"({"type":"Feature","geometry":null,"properties":{}})"),
              HasSubstr("location.geometry"));
  EXPECT_THAT(ErrorOf(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}})"),
              HasSubstr("location.geometry.coordinates"));
  EXPECT_THAT(
      ErrorOf(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":[]})"),
      HasSubstr("location.properties: expected an object or null"));
  EXPECT_THAT(ErrorOf(R"({"type":"Feature","geometry":{"type":"Feature",
                          "geometry":{"type":"Point","coordinates":[1,2]}}})"),
              HasSubstr("location.geometry.type"));
}

TEST(ValidateGeoJson, RejectsBadBbox) {
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1,2],"bbox":[1,2,3]})"), HasSubstr("location.bbox"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1,2],"bbox":"1,2,3,4"})"),
              HasSubstr("location.bbox"));
  EXPECT_THAT(ErrorOf(R"({"type":"Point","coordinates":[1,2],"bbox":[1,2,"3",4]})"),
              HasSubstr("location.bbox[2]"));
}

TEST(ValidateGeoJson, RejectsDeepNestingWithoutCrashing) {
  boost::json::value geometry = Json(R"({"type":"Point","coordinates":[1,2]})");
  for (int i = 0; i < 10'000; ++i) {
    boost::json::object collection;
    collection["type"] = "GeometryCollection";
    boost::json::array members;
    members.push_back(std::move(geometry));
    collection["geometries"] = std::move(members);
    geometry = std::move(collection);
  }
  Status status = ValidateGeoJson(geometry, "location");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("nested too deeply"));
  // Tear the value down iteratively: its recursive destructor would overflow the stack too.
  while (geometry.is_object() && geometry.as_object().contains("geometries")) {
    boost::json::value inner = std::move(geometry.as_object()["geometries"].as_array()[0]);
    geometry = std::move(inner);
  }
}

// --- GeometryOf ----------------------------------------------------------------

TEST(GeometryOf, GeometryIsItself) {
  boost::json::value point = Json(R"({"type":"Point","coordinates":[1,2]})");
  EXPECT_EQ(&GeometryOf(point), &point);
}

TEST(GeometryOf, FeatureYieldsItsGeometry) {
  boost::json::value feature =
      Json(R"({"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null})");
  EXPECT_EQ(GeometryOf(feature), Json(R"({"type":"Point","coordinates":[1,2]})"));
}

// --- BoundsOf ------------------------------------------------------------------

TEST(BoundsOf, PointIsDegenerate) {
  ExpectBox(BoundsOf(Json(R"({"type":"Point","coordinates":[7.5,51.9,100]})")), 7.5, 51.9, 7.5, 51.9);
}

TEST(BoundsOf, CoversAllPositions) {
  ExpectBox(BoundsOf(Json(R"({"type":"LineString","coordinates":[[3,-1],[-2,4],[0,0]]})")), -2, -1, 3, 4);
  ExpectBox(BoundsOf(Json(R"({"type":"MultiPoint","coordinates":[[3,-1],[-2,4]]})")), -2, -1, 3, 4);
  ExpectBox(BoundsOf(Json(kSquare)), 0, 0, 1, 1);
  ExpectBox(BoundsOf(Json(R"({"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[-5,2],[3,9]]]})")), -5,
            0, 3, 9);
  ExpectBox(BoundsOf(Json(R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],
                                                                    [[[5,5],[6,5],[6,7],[5,5]]]]})")),
            0, 0, 6, 7);
}

TEST(BoundsOf, IncludesHoles) {
  // A hole lies within its shell for valid polygons, but the box must not depend on that.
  ExpectBox(BoundsOf(Json(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],
                                                               [[0,0],[2,0],[2,3],[0,0]]]})")),
            0, 0, 2, 3);
}

TEST(BoundsOf, NestedGeometryCollections) {
  ExpectBox(BoundsOf(Json(R"({"type":"GeometryCollection","geometries":[
      {"type":"Point","coordinates":[10,20]},
      {"type":"GeometryCollection","geometries":[
          {"type":"LineString","coordinates":[[-1,5],[2,30]]},
          {"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[11,-4]}]}]}]})")),
            -1, -4, 11, 30);
}

TEST(BoundsOf, Feature) {
  ExpectBox(BoundsOf(Json(R"({"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},
                              "properties":null})")),
            1, 2, 3, 4);
}

TEST(BoundsOf, IntegerCoordinates) {
  ExpectBox(
      BoundsOf(
          Json(R"({"type":"MultiPoint","coordinates":[[-9223372036854775808,0],[18446744073709551615,1]]})")),
      -9223372036854775808.0, 0, 18446744073709551615.0, 1);
}

// --- GeometryOfBox -------------------------------------------------------------

TEST(GeometryOfBox, DegenerateBoxIsPoint) {
  EXPECT_EQ(GeometryOfBox({7.5, 51.9, 7.5, 51.9}), Json(R"({"type":"Point","coordinates":[7.5,51.9]})"));
}

TEST(GeometryOfBox, BoxIsClosedCounterClockwisePolygon) {
  boost::json::value polygon = GeometryOfBox({0, 1, 2, 3});
  EXPECT_EQ(polygon, Json(R"({"type":"Polygon","coordinates":[[[0,1],[2,1],[2,3],[0,3],[0,1]]]})"));
  ASSERT_TRUE(ValidateGeoJson(polygon, "observedArea").ok());
  // Shoelace formula: a positive signed area means counter-clockwise.
  const auto& ring = polygon.at("coordinates").as_array()[0].as_array();
  double twice_area = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    const auto& a = ring[i].as_array();
    const auto& b = ring[i + 1].as_array();
    twice_area += a[0].to_number<double>() * b[1].to_number<double>() -
                  b[0].to_number<double>() * a[1].to_number<double>();
  }
  EXPECT_GT(twice_area, 0);
}

TEST(GeometryOfBox, LineLikeBoxIsStillAValidPolygon) {
  boost::json::value polygon = GeometryOfBox({0, 1, 0, 3});
  EXPECT_EQ(polygon.at("type"), "Polygon");
  EXPECT_TRUE(ValidateGeoJson(polygon, "observedArea").ok());
}

TEST(GeometryOfBox, RoundTripsThroughBoundsOf) {
  ExpectBox(BoundsOf(GeometryOfBox({-3.5, 2, 8, 9.25})), -3.5, 2, 8, 9.25);
  ExpectBox(BoundsOf(GeometryOfBox({4, 4, 4, 4})), 4, 4, 4, 4);
}

}  // namespace
}  // namespace fundament::model
