// Specifies ParseResourcePath (OGC 18-088 §9.2): which paths address which
// resources, and which are malformed (400) or unknown (404).
#include "odata/resource_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace fundament::odata {
namespace {

using model::EntityKind;
using ::testing::HasSubstr;

ResourcePath MustParse(std::string_view path) {
  auto parsed = ParseResourcePath(path);
  EXPECT_TRUE(parsed.ok()) << path << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? std::move(parsed).value() : ResourcePath{};
}

Error MustFail(std::string_view path, ErrorCode code) {
  auto parsed = ParseResourcePath(path);
  EXPECT_FALSE(parsed.ok()) << path << " was accepted";
  if (parsed.ok()) return {};
  EXPECT_EQ(parsed.error().code, code) << path << ": " << parsed.error().message;
  EXPECT_FALSE(parsed.error().message.empty());
  return parsed.error();
}

TEST(ResourcePath, ParsesEntitySet) {
  ResourcePath path = MustParse("Things");
  ASSERT_EQ(path.steps.size(), 1u);
  EXPECT_EQ(path.last().type->kind, EntityKind::kThing);
  EXPECT_EQ(path.last().navigation, nullptr);
  EXPECT_FALSE(path.last().id.has_value());
  EXPECT_EQ(path.property, nullptr);
  EXPECT_FALSE(path.value);
  EXPECT_FALSE(path.ref);
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesEveryEntitySet) {
  for (EntityKind kind : model::kAllEntityKinds) {
    const auto& type = model::TypeOf(kind);
    ResourcePath path = MustParse(type.set_name);
    ASSERT_EQ(path.steps.size(), 1u);
    EXPECT_EQ(path.last().type, &type);
  }
}

TEST(ResourcePath, ParsesEntityById) {
  ResourcePath path = MustParse("Things(1)");
  ASSERT_EQ(path.steps.size(), 1u);
  EXPECT_EQ(path.last().type->kind, EntityKind::kThing);
  EXPECT_EQ(path.last().id, 1);
  EXPECT_FALSE(path.is_collection());
}

TEST(ResourcePath, ParsesLargestId) {
  ResourcePath path = MustParse("Observations(9223372036854775807)");
  EXPECT_EQ(path.last().id, INT64_MAX);
}

TEST(ResourcePath, AcceptsLeadingZerosInId) { EXPECT_EQ(MustParse("Things(007)").last().id, 7); }

TEST(ResourcePath, ParsesNavigationToCollection) {
  ResourcePath path = MustParse("Things(1)/Datastreams");
  ASSERT_EQ(path.steps.size(), 2u);
  EXPECT_EQ(path.steps[0].id, 1);
  EXPECT_EQ(path.steps[1].type->kind, EntityKind::kDatastream);
  ASSERT_NE(path.steps[1].navigation, nullptr);
  EXPECT_EQ(path.steps[1].navigation->name, "Datastreams");
  EXPECT_FALSE(path.steps[1].id.has_value());
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesNavigationToSingleEntity) {
  ResourcePath path = MustParse("Datastreams(1)/Thing");
  ASSERT_EQ(path.steps.size(), 2u);
  EXPECT_EQ(path.last().type->kind, EntityKind::kThing);
  EXPECT_EQ(path.last().navigation->name, "Thing");
  EXPECT_FALSE(path.is_collection());
}

TEST(ResourcePath, ParsesChainedPath) {
  ResourcePath path = MustParse("Things(1)/Datastreams(2)/Observations");
  ASSERT_EQ(path.steps.size(), 3u);
  EXPECT_EQ(path.steps[0].type->kind, EntityKind::kThing);
  EXPECT_EQ(path.steps[0].id, 1);
  EXPECT_EQ(path.steps[1].type->kind, EntityKind::kDatastream);
  EXPECT_EQ(path.steps[1].id, 2);
  EXPECT_EQ(path.steps[2].type->kind, EntityKind::kObservation);
  EXPECT_FALSE(path.steps[2].id.has_value());
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesStandardNestedExamples) {
  ResourcePath entity = MustParse("Datastreams(1)/Observations(1)");
  EXPECT_EQ(entity.last().id, 1);
  EXPECT_FALSE(entity.is_collection());

  ResourcePath property = MustParse("Datastreams(1)/Observations(1)/resultTime");
  ASSERT_NE(property.property, nullptr);
  EXPECT_EQ(property.property->name, "resultTime");
  EXPECT_EQ(property.last().type->kind, EntityKind::kObservation);

  ResourcePath foi = MustParse("Datastreams(1)/Observations(1)/FeatureOfInterest");
  EXPECT_EQ(foi.last().type->kind, EntityKind::kFeatureOfInterest);
  EXPECT_FALSE(foi.is_collection());
}

TEST(ResourcePath, ParsesLongChainThroughSingleNavigations) {
  ResourcePath path = MustParse("Observations(3)/Datastream/Thing/Locations(4)/HistoricalLocations");
  ASSERT_EQ(path.steps.size(), 5u);
  EXPECT_EQ(path.steps[3].id, 4);
  EXPECT_EQ(path.last().type->kind, EntityKind::kHistoricalLocation);
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesProperty) {
  ResourcePath path = MustParse("Things(1)/name");
  ASSERT_EQ(path.steps.size(), 1u);
  ASSERT_NE(path.property, nullptr);
  EXPECT_EQ(path.property->name, "name");
  EXPECT_FALSE(path.value);
  EXPECT_FALSE(path.is_collection());
}

TEST(ResourcePath, ParsesPropertyValue) {
  ResourcePath path = MustParse("Observations(1)/resultTime/$value");
  ASSERT_NE(path.property, nullptr);
  EXPECT_EQ(path.property->name, "resultTime");
  EXPECT_TRUE(path.value);
  EXPECT_FALSE(path.ref);
}

TEST(ResourcePath, ParsesPropertyOfSingleNavigation) {
  ResourcePath path = MustParse("Datastreams(1)/Thing/name");
  EXPECT_EQ(path.last().type->kind, EntityKind::kThing);
  ASSERT_NE(path.property, nullptr);
  EXPECT_EQ(path.property->name, "name");
}

TEST(ResourcePath, ParsesRefOfNavigationCollection) {
  ResourcePath path = MustParse("Datastreams(1)/Observations/$ref");
  EXPECT_TRUE(path.ref);
  EXPECT_EQ(path.last().type->kind, EntityKind::kObservation);
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesRefOfEntitySet) {
  ResourcePath path = MustParse("Things/$ref");
  EXPECT_TRUE(path.ref);
  EXPECT_TRUE(path.is_collection());
}

TEST(ResourcePath, ParsesRefOfSingleEntity) {
  ResourcePath path = MustParse("Datastreams(1)/Thing/$ref");
  EXPECT_TRUE(path.ref);
  EXPECT_FALSE(path.is_collection());
  EXPECT_TRUE(MustParse("Things(1)/$ref").ref);
}

TEST(ResourcePath, IgnoresTrailingSlash) {
  ResourcePath path = MustParse("Things(1)/Datastreams/");
  ASSERT_EQ(path.steps.size(), 2u);
  EXPECT_TRUE(path.is_collection());
  EXPECT_EQ(MustParse("Things/").steps.size(), 1u);
}

TEST(ResourcePath, RejectsEmptyPath) {
  MustFail("", ErrorCode::kBadRequest);
  MustFail("/", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsEmptySegment) {
  Error error = MustFail("Things(1)//Datastreams", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("empty"));
  MustFail("/Things", ErrorCode::kBadRequest);
  MustFail("Things//", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsUnknownSet) {
  Error error = MustFail("Thingz", ErrorCode::kNotFound);
  EXPECT_THAT(error.message, HasSubstr("Thingz"));
  MustFail("Thingz(1)", ErrorCode::kNotFound);
  MustFail("things", ErrorCode::kNotFound);
  MustFail("Thing(1)", ErrorCode::kNotFound);
  MustFail("Th\xc3\xafngs", ErrorCode::kNotFound);
}

TEST(ResourcePath, RejectsUnknownNavigationOrProperty) {
  Error error = MustFail("Things(1)/Observations", ErrorCode::kNotFound);
  EXPECT_THAT(error.message, HasSubstr("Observations"));
  EXPECT_THAT(error.message, HasSubstr("Thing"));
  MustFail("Things(1)/nme", ErrorCode::kNotFound);
  MustFail("Datastreams(1)/Thing/foo", ErrorCode::kNotFound);
}

TEST(ResourcePath, RejectsNonIntegerId) {
  Error error = MustFail("Things('x')", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("'x'"));
  MustFail("Things(x)", ErrorCode::kBadRequest);
  MustFail("Things(1.5)", ErrorCode::kBadRequest);
  MustFail("Things(1e3)", ErrorCode::kBadRequest);
  MustFail("Things( 1)", ErrorCode::kBadRequest);
  MustFail("Things(+1)", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsEmptyId) {
  Error error = MustFail("Things()", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("empty"));
}

TEST(ResourcePath, RejectsNonPositiveId) {
  MustFail("Things(0)", ErrorCode::kBadRequest);
  MustFail("Things(-1)", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsIdOverflow) {
  Error error = MustFail("Things(9223372036854775808)", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("range"));
  MustFail("Things(99999999999999999999999999)", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsMalformedParentheses) {
  MustFail("Things(1", ErrorCode::kBadRequest);
  MustFail("Things(1)x", ErrorCode::kBadRequest);
  MustFail("Things(1)(2)", ErrorCode::kBadRequest);
  MustFail("Things((1))", ErrorCode::kBadRequest);
  MustFail("Things1)", ErrorCode::kBadRequest);
  MustFail("(1)", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsIdAfterSingleNavigation) {
  Error error = MustFail("Datastreams(1)/Thing(1)", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("Thing"));
}

TEST(ResourcePath, RejectsIdAfterProperty) { MustFail("Things(1)/name(1)", ErrorCode::kBadRequest); }

TEST(ResourcePath, RejectsNavigationFromCollection) {
  Error error = MustFail("Things/Datastreams", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("collection"));
  MustFail("Things(1)/Datastreams/Thing", ErrorCode::kBadRequest);
  MustFail("Things(1)/Datastreams/Observations(2)", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsPropertyOfCollection) {
  MustFail("Things/name", ErrorCode::kBadRequest);
  MustFail("Things(1)/Datastreams/name", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsValueWithoutProperty) {
  MustFail("Things(1)/$value", ErrorCode::kBadRequest);
  MustFail("Things/$value", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsSegmentsAfterValue) {
  MustFail("Things(1)/name/$value/x", ErrorCode::kBadRequest);
  MustFail("Things(1)/name/$value/$value", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsSegmentsAfterRef) {
  MustFail("Things(1)/Datastreams/$ref/x", ErrorCode::kBadRequest);
  MustFail("Things/$ref/$ref", ErrorCode::kBadRequest);
  MustFail("Things(1)/$ref/name", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsRefAfterProperty) { MustFail("Things(1)/name/$ref", ErrorCode::kBadRequest); }

TEST(ResourcePath, RejectsNavigationAfterProperty) {
  MustFail("Things(1)/name/Datastreams", ErrorCode::kBadRequest);
}

TEST(ResourcePath, AddressesMembersOfJsonProperties) {
  auto path = ParseResourcePath("Datastreams(1)/unitOfMeasurement/name/$value");
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(path->property->name, "unitOfMeasurement");
  EXPECT_EQ(path->member_path, std::vector<std::string>{"name"});
  EXPECT_TRUE(path->value);
  auto nested = ParseResourcePath("Things(1)/properties/owner/address");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->member_path, (std::vector<std::string>{"owner", "address"}));
  MustFail("Things(1)/properties/$count", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsSegmentsAfterPrimitiveProperty) {
  MustFail("Things(1)/name/x", ErrorCode::kBadRequest);
}

TEST(ResourcePath, RejectsUnknownDollarSegment) {
  MustFail("Things/$count", ErrorCode::kBadRequest);
  MustFail("Things(1)/$links", ErrorCode::kBadRequest);
  MustFail("$metadata", ErrorCode::kBadRequest);
}

// A hint "as in <path>" in an error message must name a path that parses, or
// the client who follows it gets another 400.
TEST(ResourcePath, HintsAfterCollectionsNameValidPaths) {
  const std::pair<const char*, const char*> cases[] = {
      {"Things/1", "Things(1)"},
      {"Things(1)/Datastreams/7", "Things(1)/Datastreams(7)"},
      {"Datastreams/Sensor", "Datastreams(1)/Sensor"},
      {"Datastreams/Thing(3)", "Datastreams(1)/Thing"},
      {"Things/Datastreams(2)", "Things(1)/Datastreams(2)"},
      {"Things/name", "Things(1)/name"},
      {"Things/nothing", "Things(1)"},
      {"Things/0", "Things(1)"},
  };
  for (const auto& [path, suggestion] : cases) {
    Error error = MustFail(path, ErrorCode::kBadRequest);
    const size_t at = error.message.rfind("as in ");
    ASSERT_NE(at, std::string::npos) << path << ": " << error.message;
    const std::string suggested = error.message.substr(at + 6);
    EXPECT_EQ(suggested, suggestion) << path << ": " << error.message;
    EXPECT_TRUE(ParseResourcePath(suggested).ok()) << path << " suggests " << suggested;
  }
}

TEST(ResourcePath, CountSegmentHintsAtTheQueryOption) {
  Error error = MustFail("Datastreams/$count", ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("$count=true"));
  EXPECT_THAT(error.message, ::testing::Not(HasSubstr("Datastreams(1)/$count")));
}

TEST(ResourcePath, IsCollectionForEveryShape) {
  EXPECT_TRUE(MustParse("Locations").is_collection());
  EXPECT_FALSE(MustParse("Locations(2)").is_collection());
  EXPECT_TRUE(MustParse("Locations(2)/Things").is_collection());
  EXPECT_FALSE(MustParse("Locations(2)/Things(3)").is_collection());
  EXPECT_FALSE(MustParse("HistoricalLocations(2)/Thing").is_collection());
  EXPECT_FALSE(MustParse("Locations(2)/Things(3)/name").is_collection());
  EXPECT_FALSE(MustParse("Locations(2)/Things(3)/name/$value").is_collection());
  EXPECT_TRUE(MustParse("Locations(2)/Things/$ref").is_collection());
}

TEST(ResourcePath, AcceptsEveryNavigationOfEveryType) {
  for (EntityKind kind : model::kAllEntityKinds) {
    const auto& type = model::TypeOf(kind);
    for (const auto& nav : type.navigations) {
      std::string text = std::string(type.set_name) + "(1)/" + std::string(nav.name);
      ResourcePath path = MustParse(text);
      ASSERT_EQ(path.steps.size(), 2u) << text;
      EXPECT_EQ(path.last().navigation, &nav);
      EXPECT_EQ(path.last().type->kind, nav.target);
      EXPECT_EQ(path.is_collection(), nav.to_many) << text;
    }
    for (const auto& prop : type.properties) {
      std::string text = std::string(type.set_name) + "(1)/" + std::string(prop.name) + "/$value";
      ResourcePath path = MustParse(text);
      EXPECT_EQ(path.property, &prop) << text;
      EXPECT_TRUE(path.value);
    }
  }
}

TEST(ResourcePath, RejectsNulAndControlBytes) {
  MustFail(std::string_view("Things\0", 7), ErrorCode::kNotFound);
  MustFail(std::string_view("Things(1\0)", 10), ErrorCode::kBadRequest);
}

TEST(ResourcePath, AcceptsPathUpToStepLimit) {
  std::string text = "Things(1)";
  for (size_t i = 1; i < kMaxResourcePathSteps; ++i) text += (i % 2 == 1) ? "/Locations(1)" : "/Things(1)";
  ResourcePath path = MustParse(text);
  EXPECT_EQ(path.steps.size(), kMaxResourcePathSteps);
}

TEST(ResourcePath, RejectsPathLongerThanStepLimit) {
  std::string text = "Things(1)";
  for (int i = 0; i < 2000; ++i) text += "/Locations(1)/Things(1)";
  Error error = MustFail(text, ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("long"));
}

}  // namespace
}  // namespace fundament::odata
