#include "sta/entity_input.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace fundament::sta {
namespace {

namespace json = boost::json;
using model::EntityKind;

Result<EntityInput> Parse(EntityKind kind, std::string_view body, InputMode mode = InputMode::kCreate) {
  return ParseEntityInput(model::TypeOf(kind), json::parse(body), mode);
}

TEST(EntityInput, AcceptsThingWithInlineLocationAndLinkedDatastream) {
  auto input = Parse(EntityKind::kThing, R"({"name":"t","description":"d","properties":{"k":1},
      "Locations":[{"name":"l","description":"d","encodingType":"application/geo+json",
                    "location":{"type":"Point","coordinates":[10.1,54.3]}}],
      "Datastreams":[{"@iot.id":7}]})");
  ASSERT_TRUE(input.ok()) << input.error().message;
  EXPECT_EQ(input->properties.at("name"), "t");
  ASSERT_NE(input->FindRelated("Locations"), nullptr);
  EXPECT_FALSE(input->FindRelated("Locations")->entities.front().is_link());
  ASSERT_NE(input->FindRelated("Datastreams"), nullptr);
  EXPECT_EQ(input->FindRelated("Datastreams")->entities.front().existing_id, 7);
}

TEST(EntityInput, RejectsMissingMandatoryPropertyNamingIt) {
  auto input = Parse(EntityKind::kThing, R"({"name":"t"})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(input.error().field, "description");
}

TEST(EntityInput, NamesNestedFieldPathInErrors) {
  auto input = Parse(EntityKind::kThing, R"({"name":"t","description":"d",
      "Datastreams":[{"name":"x","description":"y","observationType":"o","unitOfMeasurement":"cm"}]})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().field, "Datastreams[0].unitOfMeasurement");
}

TEST(EntityInput, RejectsUnknownProperty) {
  auto input = Parse(EntityKind::kSensor, R"({"name":"s","description":"d","encodingType":"e","metadata":"m","colour":1})");
  ASSERT_FALSE(input.ok());
  EXPECT_NE(input.error().message.find("colour"), std::string::npos);
}

TEST(EntityInput, RejectsWrongTypes) {
  EXPECT_FALSE(Parse(EntityKind::kThing, R"({"name":5,"description":"d"})").ok());
  EXPECT_FALSE(Parse(EntityKind::kThing, R"({"name":"n","description":"d","properties":[1]})").ok());
  EXPECT_FALSE(Parse(EntityKind::kThing, R"({"name":null,"description":"d"})").ok());
  EXPECT_FALSE(Parse(EntityKind::kThing, R"([1,2])").ok());
}

TEST(EntityInput, NormalisesTimesToUtc) {
  auto input = Parse(EntityKind::kObservation,
                     R"({"result":1,"phenomenonTime":"2025-11-18T10:00:00+01:00","Datastream":{"@iot.id":1}})");
  ASSERT_TRUE(input.ok()) << input.error().message;
  EXPECT_EQ(input->properties.at("phenomenonTime"), "2025-11-18T09:00:00.000Z");
}

TEST(EntityInput, KeepsIntervalsAsIntervals) {
  auto input = Parse(EntityKind::kObservation,
                     R"({"result":1,"phenomenonTime":"2025-11-18T10:00:00Z/2025-11-18T11:00:00Z"})");
  ASSERT_TRUE(input.ok()) << input.error().message;
  EXPECT_EQ(input->properties.at("phenomenonTime"), "2025-11-18T10:00:00.000Z/2025-11-18T11:00:00.000Z");
}

TEST(EntityInput, RejectsInvalidTimeNamingTheField) {
  auto input = Parse(EntityKind::kObservation, R"({"result":1,"phenomenonTime":"2025-13-01T00:00:00Z"})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().field, "phenomenonTime");
}

TEST(EntityInput, ObservationResultMayBeAnyJsonButNotMissing) {
  EXPECT_TRUE(Parse(EntityKind::kObservation, R"({"result":{"a":[1,"x"]}})").ok());
  EXPECT_TRUE(Parse(EntityKind::kObservation, R"({"result":null})").ok());
  EXPECT_FALSE(Parse(EntityKind::kObservation, R"({"phenomenonTime":"2025-01-01T00:00:00Z"})").ok());
}

TEST(EntityInput, RejectsInvalidGeoJson) {
  auto input = Parse(EntityKind::kLocation, R"({"name":"l","description":"d","encodingType":"application/geo+json",
      "location":{"type":"Point","coordinates":["x",1]}})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().code, ErrorCode::kBadRequest);
}

TEST(EntityInput, PatchNeedsNoMandatoryPropertiesButRefusesInlineEntities) {
  EXPECT_TRUE(Parse(EntityKind::kThing, R"({"description":"new"})", InputMode::kPatch).ok());
  EXPECT_TRUE(Parse(EntityKind::kThing, R"({"Locations":[{"@iot.id":3}]})", InputMode::kPatch).ok());
  EXPECT_FALSE(Parse(EntityKind::kThing, R"({"Locations":[{"name":"x"}]})", InputMode::kPatch).ok());
}

TEST(EntityInput, ReplaceClearsOmittedOptionalProperties) {
  auto input = Parse(EntityKind::kThing, R"({"name":"n","description":"d"})", InputMode::kReplace);
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE(input->properties.contains("properties"));
  EXPECT_TRUE(input->properties.at("properties").is_null());
}

TEST(EntityInput, IgnoresReadOnlyPropertiesAndAnnotations) {
  auto input = Parse(EntityKind::kDatastream, R"({"name":"d","description":"d","observationType":"o",
      "unitOfMeasurement":{"name":"cm","symbol":"cm","definition":"u"},
      "phenomenonTime":"2025-01-01T00:00:00Z/2025-01-02T00:00:00Z",
      "@iot.selfLink":"http://x/v1.1/Datastreams","Thing@iot.navigationLink":"http://x"})");
  ASSERT_TRUE(input.ok()) << input.error().message;
  EXPECT_FALSE(input->properties.contains("phenomenonTime"));
}

TEST(EntityInput, LinkIdsMustBePositiveIntegers) {
  EXPECT_FALSE(Parse(EntityKind::kDatastream, R"({"Thing":{"@iot.id":-1}})", InputMode::kPatch).ok());
  EXPECT_FALSE(Parse(EntityKind::kDatastream, R"({"Thing":{"@iot.id":"abc"}})", InputMode::kPatch).ok());
  EXPECT_TRUE(Parse(EntityKind::kDatastream, R"({"Thing":{"@iot.id":"12"}})", InputMode::kPatch).ok());
}

TEST(JsonBody, RejectsMalformedAndEmptyBodies) {
  EXPECT_FALSE(ParseJsonBody("").ok());
  EXPECT_FALSE(ParseJsonBody("{\"a\":").ok());
  EXPECT_TRUE(ParseJsonBody("{\"a\":1}").ok());
  std::string deep(1000, '[');
  EXPECT_FALSE(ParseJsonBody(deep).ok());
}

}  // namespace
}  // namespace fundament::sta
