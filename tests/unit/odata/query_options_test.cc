// Specifies ParseQueryOptions (OGC 18-088 §9.3): the system query options,
// how they are split and decoded, and every way they can be malformed.
#include "odata/query_options.h"

#include "odata/filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace fundament::odata {
namespace {

using model::EntityKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const model::EntityTypeDef& Thing() { return model::TypeOf(EntityKind::kThing); }
const model::EntityTypeDef& Datastream() { return model::TypeOf(EntityKind::kDatastream); }
const model::EntityTypeDef& Observation() { return model::TypeOf(EntityKind::kObservation); }

QueryOptions MustParse(const model::EntityTypeDef& type, std::string_view query,
                       const QueryLimits& limits = {}) {
  auto parsed = ParseQueryOptions(type, query, limits);
  EXPECT_TRUE(parsed.ok()) << query << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? std::move(parsed).value() : QueryOptions{};
}

Error MustFail(const model::EntityTypeDef& type, std::string_view query,
               ErrorCode code = ErrorCode::kBadRequest, const QueryLimits& limits = {}) {
  auto parsed = ParseQueryOptions(type, query, limits);
  EXPECT_FALSE(parsed.ok()) << query << " was accepted";
  if (parsed.ok()) return {};
  EXPECT_EQ(parsed.error().code, code) << query << ": " << parsed.error().message;
  EXPECT_FALSE(parsed.error().message.empty());
  return parsed.error();
}

std::vector<std::string> ExpandNames(const std::vector<ExpandItem>& items) {
  std::vector<std::string> names;
  for (const auto& item : items) names.emplace_back(item.navigation->name);
  return names;
}

// ---------------------------------------------------------------- decoding

TEST(PercentDecode, DecodesEscapes) {
  auto decoded = PercentDecode("a%20b%2Fc%2fd%25");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "a b/c/d%");
}

TEST(PercentDecode, KeepsPlus) {
  auto decoded = PercentDecode("a+b");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "a+b");
}

TEST(PercentDecode, DecodesUtf8) {
  auto decoded = PercentDecode("Gr%C3%B6%C3%9Fe%E2%82%AC%F0%9F%8C%A7");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded,
            "Gr\xc3\xb6\xc3\x9f"
            "e\xe2\x82\xac\xf0\x9f\x8c\xa7");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  for (std::string_view bad : {"%", "%2", "a%zz", "%2G", "%%20", "abc%"}) {
    auto decoded = PercentDecode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kBadRequest);
  }
}

TEST(PercentDecode, RejectsInvalidUtf8) {
  for (std::string_view bad : {"%FF", "%C3", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "\xff", "%E2%82"}) {
    auto decoded = PercentDecode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kBadRequest);
  }
}

TEST(DecodeQueryComponent, TurnsPlusIntoSpace) {
  auto decoded = DecodeQueryComponent("name+desc%2B1");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "name desc+1");
}

// ---------------------------------------------------------------- splitting

TEST(QueryOptions, EmptyQueryGivesDefaults) {
  QueryOptions options = MustParse(Thing(), "");
  EXPECT_FALSE(options.top.has_value());
  EXPECT_EQ(options.skip, 0);
  EXPECT_FALSE(options.count);
  EXPECT_TRUE(options.orderby.empty());
  EXPECT_TRUE(options.select.empty());
  EXPECT_TRUE(options.expand.empty());
  EXPECT_EQ(options.filter, nullptr);
  EXPECT_TRUE(options.filter_text.empty());
  EXPECT_EQ(options.result_format, ResultFormat::kDefault);
}

TEST(QueryOptions, ParsesSeveralOptions) {
  QueryOptions options = MustParse(Thing(), "$top=10&$skip=20&$count=true");
  EXPECT_EQ(options.top, 10);
  EXPECT_EQ(options.skip, 20);
  EXPECT_TRUE(options.count);
}

TEST(QueryOptions, ToleratesEmptyPiecesAndLeadingQuestionMark) {
  QueryOptions options = MustParse(Thing(), "?&$top=3&&$skip=1&");
  EXPECT_EQ(options.top, 3);
  EXPECT_EQ(options.skip, 1);
}

TEST(QueryOptions, IgnoresCustomOptions) {
  QueryOptions options = MustParse(Thing(), "foo=bar&$top=1&debug&x=%zz-not-decoded-is-fine-too");
  EXPECT_EQ(options.top, 1);
}

TEST(QueryOptions, SplitsKeyAndValueOnFirstEquals) {
  QueryOptions options = MustParse(Thing(), "$filter=name eq 'a=b'");
  EXPECT_EQ(options.filter_text, "name eq 'a=b'");
}

TEST(QueryOptions, DecodesKeysAndValues) {
  QueryOptions options = MustParse(Thing(), "%24top=5&%24orderby=name%20desc");
  EXPECT_EQ(options.top, 5);
  ASSERT_EQ(options.orderby.size(), 1u);
  EXPECT_EQ(options.orderby[0].property, "name");
  EXPECT_TRUE(options.orderby[0].descending);
}

TEST(QueryOptions, DecodesPlusAsSpace) {
  QueryOptions options = MustParse(Observation(), "$orderby=phenomenonTime+desc&$filter=result+gt+5");
  ASSERT_EQ(options.orderby.size(), 1u);
  EXPECT_TRUE(options.orderby[0].descending);
  EXPECT_EQ(options.filter_text, "result gt 5");
}

TEST(QueryOptions, DecodedAmpersandDoesNotSplit) {
  QueryOptions options = MustParse(Thing(), "$filter=name%20eq%20'a%26b%3Dc'&$top=2");
  EXPECT_EQ(options.filter_text, "name eq 'a&b=c'");
  EXPECT_EQ(options.top, 2);
}

TEST(QueryOptions, RejectsMalformedPercentEncoding) {
  Error error = MustFail(Thing(), "$filter=name%2");
  EXPECT_THAT(error.message, HasSubstr("$filter"));
  MustFail(Thing(), "$top=%G1");
}

TEST(QueryOptions, RejectsInvalidUtf8) { MustFail(Thing(), "$filter=name eq '%FF'"); }

TEST(QueryOptions, RejectsRepeatedOption) {
  Error error = MustFail(Thing(), "$top=1&$top=2");
  EXPECT_THAT(error.message, HasSubstr("$top"));
  MustFail(Thing(), "$filter=id eq 1&$filter=id eq 2");
  MustFail(Thing(), "$top=1&%24top=1");
}

TEST(QueryOptions, RejectsUnknownDollarOption) {
  Error error = MustFail(Thing(), "$frobnicate=1");
  EXPECT_THAT(error.message, HasSubstr("$frobnicate"));
  MustFail(Thing(), "$TOP=1");
  MustFail(Thing(), "$=1");
}

TEST(QueryOptions, ReportsUnsupportedODataOptionsAsNotImplemented) {
  // OGC 18-088 req request-data/query-status-code: 501 for unsupported options.
  for (std::string_view query :
       {"$search=x", "$format=json", "$apply=groupby((name))", "$skiptoken=5", "$compute=a", "$levels=2"}) {
    Error error = MustFail(Thing(), query, ErrorCode::kNotImplemented);
    EXPECT_THAT(error.message, HasSubstr(query.substr(0, query.find('='))));
  }
}

// ---------------------------------------------------------------- $top, $skip, $count

TEST(QueryOptions, ParsesTopAndSkip) {
  QueryOptions options = MustParse(Thing(), "$top=0&$skip=0");
  EXPECT_EQ(options.top, 0);
  EXPECT_EQ(options.skip, 0);
  EXPECT_EQ(MustParse(Thing(), "$top=9223372036854775807").top, INT64_MAX);
  EXPECT_EQ(MustParse(Thing(), "$skip=0042").skip, 42);
}

TEST(QueryOptions, KeepsTopAboveLimit) {
  QueryLimits limits;
  limits.max_top = 100;
  EXPECT_EQ(MustParse(Thing(), "$top=1000", limits).top, 1000);
}

TEST(QueryOptions, ToleratesWhitespaceAroundNumbers) {
  EXPECT_EQ(MustParse(Thing(), "$top=%2010%20").top, 10);
  EXPECT_EQ(MustParse(Thing(), "$skip=+7+").skip, 7);
}

TEST(QueryOptions, RejectsMalformedTop) {
  for (std::string_view query : {"$top=-1", "$top=", "$top", "$top=abc", "$top=1.5", "$top=1e2", "$top=%2B1",
                                 "$top=1 2", "$top=9223372036854775808", "$top=0x10"}) {
    Error error = MustFail(Thing(), query);
    EXPECT_THAT(error.message, HasSubstr("$top")) << query;
  }
}

TEST(QueryOptions, RejectsMalformedSkip) {
  for (std::string_view query : {"$skip=-5", "$skip=", "$skip=ten", "$skip=99999999999999999999"}) {
    Error error = MustFail(Thing(), query);
    EXPECT_THAT(error.message, HasSubstr("$skip")) << query;
  }
}

TEST(QueryOptions, ParsesCount) {
  EXPECT_TRUE(MustParse(Thing(), "$count=true").count);
  EXPECT_FALSE(MustParse(Thing(), "$count=false").count);
  EXPECT_TRUE(MustParse(Thing(), "$count= true ").count);
}

TEST(QueryOptions, RejectsMalformedCount) {
  for (std::string_view query : {"$count=yes", "$count=1", "$count=", "$count=TRUE", "$count=truefalse"}) {
    Error error = MustFail(Thing(), query);
    EXPECT_THAT(error.message, HasSubstr("$count")) << query;
  }
}

// ---------------------------------------------------------------- $orderby

TEST(QueryOptions, ParsesOrderBy) {
  QueryOptions options = MustParse(Observation(), "$orderby=phenomenonTime desc, result asc,resultTime");
  ASSERT_EQ(options.orderby.size(), 3u);
  EXPECT_EQ(options.orderby[0].property, "phenomenonTime");
  EXPECT_TRUE(options.orderby[0].descending);
  EXPECT_EQ(options.orderby[1].property, "result");
  EXPECT_FALSE(options.orderby[1].descending);
  EXPECT_EQ(options.orderby[2].property, "resultTime");
  EXPECT_FALSE(options.orderby[2].descending);
  EXPECT_TRUE(options.orderby[2].member_path.empty());
}

TEST(QueryOptions, OrderByToleratesExtraWhitespace) {
  QueryOptions options = MustParse(Thing(), "$orderby=%20name%09%20desc%20,%20%20description%20");
  ASSERT_EQ(options.orderby.size(), 2u);
  EXPECT_TRUE(options.orderby[0].descending);
  EXPECT_EQ(options.orderby[1].property, "description");
}

TEST(QueryOptions, OrderByMapsIdSpellingsToId) {
  QueryOptions options = MustParse(Thing(), "$orderby=id desc,@iot.id");
  ASSERT_EQ(options.orderby.size(), 2u);
  EXPECT_EQ(options.orderby[0].property, "id");
  EXPECT_TRUE(options.orderby[0].descending);
  EXPECT_EQ(options.orderby[1].property, "id");
  EXPECT_EQ(MustParse(Thing(), "$orderby=%40iot.id").orderby.at(0).property, "id");
}

TEST(QueryOptions, OrderByJsonMemberPath) {
  QueryOptions options = MustParse(Thing(), "$orderby=properties/level/max desc");
  ASSERT_EQ(options.orderby.size(), 1u);
  EXPECT_EQ(options.orderby[0].property, "properties");
  EXPECT_THAT(options.orderby[0].member_path, ElementsAre("level", "max"));
  EXPECT_TRUE(options.orderby[0].descending);

  QueryOptions result = MustParse(Observation(), "$orderby=result/x,parameters/%C3%A4");
  EXPECT_THAT(result.orderby[0].member_path, ElementsAre("x"));
  EXPECT_THAT(result.orderby[1].member_path, ElementsAre("\xc3\xa4"));
}

TEST(QueryOptions, RejectsOrderByUnknownProperty) {
  Error error = MustFail(Thing(), "$orderby=nme");
  EXPECT_EQ(error.message, "$orderby: unknown property 'nme' of Thing");
}

TEST(QueryOptions, RejectsOrderByMemberOfPrimitiveProperty) {
  Error error = MustFail(Thing(), "$orderby=name/first");
  EXPECT_THAT(error.message, HasSubstr("name"));
  MustFail(Thing(), "$orderby=id/x");
  MustFail(Datastream(), "$orderby=phenomenonTime/start");
}

TEST(QueryOptions, RejectsOrderByEmptyMember) {
  MustFail(Thing(), "$orderby=properties/");
  MustFail(Thing(), "$orderby=properties//x");
  MustFail(Thing(), "$orderby=/name");
}

TEST(QueryOptions, RejectsOrderByBadDirection) {
  Error error = MustFail(Thing(), "$orderby=name descending");
  EXPECT_THAT(error.message, HasSubstr("descending"));
  MustFail(Thing(), "$orderby=name DESC");
  MustFail(Thing(), "$orderby=name desc asc");
}

TEST(QueryOptions, RejectsOrderByEmptyItems) {
  MustFail(Thing(), "$orderby=");
  MustFail(Thing(), "$orderby=name,");
  MustFail(Thing(), "$orderby=,name");
  MustFail(Thing(), "$orderby=name,,description");
  MustFail(Thing(), "$orderby=desc");
}

TEST(QueryOptions, OrderByNavigationPathIsNotImplemented) {
  Error error = MustFail(Observation(), "$orderby=Datastream/id desc", ErrorCode::kNotImplemented);
  EXPECT_THAT(error.message, HasSubstr("Datastream"));
}

// ---------------------------------------------------------------- $select

TEST(QueryOptions, ParsesSelect) {
  QueryOptions options = MustParse(Observation(), "$select=result,phenomenonTime");
  EXPECT_THAT(options.select, ElementsAre("result", "phenomenonTime"));
}

TEST(QueryOptions, SelectAcceptsNavigationsAndAnnotations) {
  QueryOptions options = MustParse(Thing(), "$select= id , @iot.selfLink,Datastreams,@iot.id,name");
  EXPECT_THAT(options.select, ElementsAre("@iot.id", "@iot.selfLink", "Datastreams", "name"));
}

TEST(QueryOptions, RejectsSelectUnknownName) {
  Error error = MustFail(Thing(), "$select=name,nme");
  EXPECT_EQ(error.message, "$select: unknown property 'nme' of Thing");
  MustFail(Thing(), "$select=Observations");
  MustFail(Thing(), "$select=properties/x");
  MustFail(Thing(), "$select=*");
}

TEST(QueryOptions, RejectsSelectEmptyItems) {
  MustFail(Thing(), "$select=");
  MustFail(Thing(), "$select=name,");
  MustFail(Thing(), "$select=,name");
}

// ---------------------------------------------------------------- $resultFormat, $filter

TEST(QueryOptions, ParsesResultFormat) {
  EXPECT_EQ(MustParse(Observation(), "$resultFormat=dataArray").result_format, ResultFormat::kDataArray);
}

TEST(QueryOptions, RejectsUnknownResultFormat) {
  Error error = MustFail(Observation(), "$resultFormat=csv");
  EXPECT_THAT(error.message, HasSubstr("$resultFormat"));
  MustFail(Observation(), "$resultFormat=dataarray");
  MustFail(Observation(), "$resultFormat=");
}

TEST(QueryOptions, RejectsDataArrayWithExpand) {
  // OGC 18-088 §13.2: $expand is not allowed for dataArray requests.
  Error error = MustFail(Observation(), "$resultFormat=dataArray&$expand=Datastream");
  EXPECT_THAT(error.message, HasSubstr("$expand"));
}

TEST(QueryOptions, ParsesFilterAndKeepsItsText) {
  QueryOptions options = MustParse(Thing(), "$filter=name%20eq%20'Gr%C3%B6%C3%9Fe'");
  EXPECT_EQ(options.filter_text,
            "name eq 'Gr\xc3\xb6\xc3\x9f"
            "e'");
  ASSERT_NE(options.filter, nullptr);
  EXPECT_EQ(ToString(*options.filter), "(name eq 'Gr\xc3\xb6\xc3\x9f"
                                       "e')");
}

TEST(QueryOptions, BadFilterIsBadRequestWithPosition) {
  Error error = MustFail(Thing(), "$filter=name%20eq");
  EXPECT_EQ(error.code, ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("at position 8"));
}

TEST(QueryOptions, RejectsEmptyFilter) {
  Error error = MustFail(Thing(), "$filter=");
  EXPECT_THAT(error.message, HasSubstr("$filter"));
  MustFail(Thing(), "$filter=%20%20");
}

// ---------------------------------------------------------------- $expand

TEST(QueryOptions, ParsesExpandList) {
  QueryOptions options = MustParse(Datastream(), "$expand=Observations,ObservedProperty");
  EXPECT_THAT(ExpandNames(options.expand), ElementsAre("Observations", "ObservedProperty"));
  EXPECT_EQ(options.expand[0].navigation, Datastream().FindNavigation("Observations"));
  EXPECT_TRUE(options.expand[0].options.expand.empty());
}

TEST(QueryOptions, ExpandPathBecomesNestedItems) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams/ObservedProperty");
  ASSERT_EQ(options.expand.size(), 1u);
  EXPECT_EQ(options.expand[0].navigation->name, "Datastreams");
  ASSERT_EQ(options.expand[0].options.expand.size(), 1u);
  const ExpandItem& inner = options.expand[0].options.expand[0];
  EXPECT_EQ(inner.navigation, Datastream().FindNavigation("ObservedProperty"));
}

TEST(QueryOptions, MergesExpandItemsWithSameFirstNavigation) {
  QueryOptions options =
      MustParse(Thing(), "$expand=Datastreams/Observations,Locations,Datastreams/Sensor,Datastreams");
  EXPECT_THAT(ExpandNames(options.expand), ElementsAre("Datastreams", "Locations"));
  EXPECT_THAT(ExpandNames(options.expand[0].options.expand), ElementsAre("Observations", "Sensor"));
}

TEST(QueryOptions, MergesExpandOptionsWithPathItems) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams($top=2;$expand=Sensor),Datastreams/Thing");
  ASSERT_EQ(options.expand.size(), 1u);
  EXPECT_EQ(options.expand[0].options.top, 2);
  EXPECT_THAT(ExpandNames(options.expand[0].options.expand), ElementsAre("Sensor", "Thing"));

  QueryOptions reversed = MustParse(Thing(), "$expand=Datastreams/Thing,Datastreams($top=2)");
  ASSERT_EQ(reversed.expand.size(), 1u);
  EXPECT_EQ(reversed.expand[0].options.top, 2);
  EXPECT_THAT(ExpandNames(reversed.expand[0].options.expand), ElementsAre("Thing"));
}

TEST(QueryOptions, MergesDeepExpandPaths) {
  QueryOptions options = MustParse(Thing(),
                                   "$expand=Datastreams/Observations/FeatureOfInterest,"
                                   "Datastreams/Observations($top=1)");
  ASSERT_EQ(options.expand.size(), 1u);
  ASSERT_EQ(options.expand[0].options.expand.size(), 1u);
  const ExpandItem& observations = options.expand[0].options.expand[0];
  EXPECT_EQ(observations.options.top, 1);
  EXPECT_THAT(ExpandNames(observations.options.expand), ElementsAre("FeatureOfInterest"));
}

TEST(QueryOptions, RejectsSameExpandWithTwoSetsOfOptions) {
  Error error = MustFail(Thing(), "$expand=Datastreams($top=1),Datastreams($top=2)");
  EXPECT_THAT(error.message, HasSubstr("Datastreams"));
}

TEST(QueryOptions, ParsesExpandWithNestedOptions) {
  QueryOptions options =
      MustParse(Thing(),
                "$expand=Datastreams($select=name,id;$top=1;$skip=2;$count=true;$orderby=name desc;"
                "$filter=name eq 'x';$expand=Observations($orderby=phenomenonTime desc;$top=1))");
  ASSERT_EQ(options.expand.size(), 1u);
  const QueryOptions& ds = options.expand[0].options;
  EXPECT_THAT(ds.select, ElementsAre("name", "@iot.id"));
  EXPECT_EQ(ds.top, 1);
  EXPECT_EQ(ds.skip, 2);
  EXPECT_TRUE(ds.count);
  ASSERT_EQ(ds.orderby.size(), 1u);
  EXPECT_EQ(ds.orderby[0].property, "name");
  EXPECT_EQ(ds.filter_text, "name eq 'x'");
  ASSERT_EQ(ds.expand.size(), 1u);
  const QueryOptions& obs = ds.expand[0].options;
  EXPECT_EQ(ds.expand[0].navigation->name, "Observations");
  EXPECT_EQ(obs.top, 1);
  ASSERT_EQ(obs.orderby.size(), 1u);
  EXPECT_EQ(obs.orderby[0].property, "phenomenonTime");
  EXPECT_TRUE(obs.orderby[0].descending);
}

TEST(QueryOptions, ExpandOptionsApplyToLastNavigationOfPath) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams/Observations($top=3)");
  ASSERT_EQ(options.expand.size(), 1u);
  EXPECT_FALSE(options.expand[0].options.top.has_value());
  ASSERT_EQ(options.expand[0].options.expand.size(), 1u);
  EXPECT_EQ(options.expand[0].options.expand[0].options.top, 3);
}

TEST(QueryOptions, ExpandOptionsAreCheckedAgainstTargetType) {
  MustParse(Thing(), "$expand=Datastreams($select=unitOfMeasurement)");
  Error error = MustFail(Thing(), "$expand=Datastreams($select=nme)");
  EXPECT_THAT(error.message, HasSubstr("nme"));
  EXPECT_THAT(error.message, HasSubstr("Datastream"));
  EXPECT_THAT(error.message, HasSubstr("$expand"));
  MustFail(Thing(), "$expand=Datastreams($orderby=result)");
  MustParse(Thing(), "$expand=Datastreams($expand=Observations($orderby=result))");
}

TEST(QueryOptions, ExpandSplitsOnlyAtDepthZeroOutsideQuotes) {
  QueryOptions options = MustParse(
      Thing(),
      "$expand=Datastreams($filter=name eq 'a,b;c(d)' and description eq 'it''s, ok';$top=1),Locations");
  EXPECT_THAT(ExpandNames(options.expand), ElementsAre("Datastreams", "Locations"));
  EXPECT_EQ(options.expand[0].options.filter_text, "name eq 'a,b;c(d)' and description eq 'it''s, ok'");
  EXPECT_EQ(options.expand[0].options.top, 1);
}

TEST(QueryOptions, ExpandFilterMayContainParentheses) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams($filter=(length(name) gt 3) and (id eq 1))");
  EXPECT_EQ(options.expand[0].options.filter_text, "(length(name) gt 3) and (id eq 1)");
}

TEST(QueryOptions, ExpandToleratesWhitespace) {
  QueryOptions options = MustParse(Thing(), "$expand= Datastreams ( $top = 1 ; $skip=2 ) , Locations ");
  EXPECT_THAT(ExpandNames(options.expand), ElementsAre("Datastreams", "Locations"));
  EXPECT_EQ(options.expand[0].options.top, 1);
  EXPECT_EQ(options.expand[0].options.skip, 2);
}

TEST(QueryOptions, ExpandPercentEncoded) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams%28%24top%3D1%3B%24select%3Dname%29");
  ASSERT_EQ(options.expand.size(), 1u);
  EXPECT_EQ(options.expand[0].options.top, 1);
  EXPECT_THAT(options.expand[0].options.select, ElementsAre("name"));
}

TEST(QueryOptions, RejectsUnknownExpandNavigation) {
  Error error = MustFail(Thing(), "$expand=Observations");
  EXPECT_THAT(error.message, HasSubstr("Observations"));
  EXPECT_THAT(error.message, HasSubstr("$expand"));
  MustFail(Thing(), "$expand=Datastreams/Things");
  MustFail(Thing(), "$expand=name");
  MustFail(Thing(), "$expand=datastreams");
}

TEST(QueryOptions, RejectsMalformedExpand) {
  for (std::string_view query :
       {"$expand=", "$expand=Datastreams,", "$expand=,Datastreams", "$expand=Datastreams(",
        "$expand=Datastreams($top=1", "$expand=Datastreams)", "$expand=Datastreams($top=1))",
        "$expand=Datastreams($top=1)x", "$expand=Datastreams($top=1)/Sensor", "$expand=Datastreams()",
        "$expand=Datastreams/", "$expand=/Datastreams", "$expand=Datastreams//Sensor",
        "$expand=Datastreams($filter=name eq 'x)", "$expand=Datastreams($top)", "$expand=(Datastreams)"}) {
    Error error = MustFail(Thing(), query);
    EXPECT_THAT(error.message, HasSubstr("$expand")) << query;
  }
}

TEST(QueryOptions, RejectsBadOptionsInsideExpand) {
  MustFail(Thing(), "$expand=Datastreams($top=-1)");
  MustFail(Thing(), "$expand=Datastreams($top=1;$top=2)");
  MustFail(Thing(), "$expand=Datastreams($frob=1)");
  MustFail(Thing(), "$expand=Datastreams(top=1)");
  MustFail(Thing(), "$expand=Datastreams($resultFormat=dataArray)");
  MustFail(Thing(), "$expand=Datastreams($count=maybe)");
  MustFail(Thing(), "$expand=Datastreams($expand=Observations($select=nope))");
}

TEST(QueryOptions, ExpandToleratesEmptyOptionBetweenSemicolons) {
  QueryOptions options = MustParse(Thing(), "$expand=Datastreams($top=1;;$skip=1;)");
  EXPECT_EQ(options.expand[0].options.top, 1);
  EXPECT_EQ(options.expand[0].options.skip, 1);
}

TEST(QueryOptions, AcceptsExpandUpToDepthLimit) {
  QueryLimits limits;
  limits.max_expand_depth = 3;
  QueryOptions path = MustParse(Thing(), "$expand=Datastreams/Observations/FeatureOfInterest", limits);
  ASSERT_EQ(path.expand.size(), 1u);
  QueryOptions nested =
      MustParse(Thing(), "$expand=Datastreams($expand=Observations($expand=FeatureOfInterest))", limits);
  ASSERT_EQ(nested.expand.size(), 1u);
}

TEST(QueryOptions, RejectsExpandDeeperThanLimit) {
  QueryLimits limits;
  limits.max_expand_depth = 3;
  Error error = MustFail(Thing(), "$expand=Datastreams/Observations/FeatureOfInterest/Observations",
                         ErrorCode::kBadRequest, limits);
  EXPECT_THAT(error.message, HasSubstr("depth"));
  MustFail(Thing(),
           "$expand=Datastreams($expand=Observations($expand=FeatureOfInterest($expand=Observations)))",
           ErrorCode::kBadRequest, limits);
  MustFail(Thing(), "$expand=Datastreams($expand=Observations/FeatureOfInterest/Observations)",
           ErrorCode::kBadRequest, limits);
  limits.max_expand_depth = 0;
  MustFail(Thing(), "$expand=Datastreams", ErrorCode::kBadRequest, limits);
}

TEST(QueryOptions, RejectsVeryDeepNestingWithoutCrashing) {
  std::string query = "$expand=";
  for (int i = 0; i < 5000; ++i) query += "Datastreams($expand=Thing($expand=";
  query += "Locations";
  for (int i = 0; i < 10000; ++i) query += ")";
  QueryLimits limits;
  limits.max_expand_depth = 1 << 30;
  MustFail(Thing(), query, ErrorCode::kBadRequest, limits);

  std::string parens(100000, '(');
  MustFail(Thing(), "$expand=Datastreams" + parens);
}

TEST(QueryOptions, DefaultLimitAllowsFiveLevels) {
  MustParse(Thing(), "$expand=Locations/Things/Datastreams/Observations/FeatureOfInterest");
  MustFail(Thing(), "$expand=Locations/Things/Datastreams/Observations/FeatureOfInterest/Observations");
}

TEST(QueryOptions, ErrorFieldNamesTheRequestOption) {
  EXPECT_EQ(MustFail(Thing(), "$top=x").field, "$top");
  EXPECT_EQ(MustFail(Thing(), "$frob=1").field, "$frob");
  Error nested = MustFail(Thing(), "$expand=Datastreams($top=x)");
  EXPECT_EQ(nested.field, "$expand");
  EXPECT_EQ(nested.message, "$expand=Datastreams: $top: expected a non-negative integer, got 'x'");
}

TEST(QueryOptions, MessagesQuoteUnicodeNames) {
  Error error = MustFail(Thing(), "$select=n%C3%A4me");
  EXPECT_EQ(error.message, "$select: unknown property 'n\xc3\xa4me' of Thing");
}

TEST(QueryOptions, MessagesShortenLongInput) {
  Error error = MustFail(Thing(), "$select=" + std::string(10000, 'x'));
  EXPECT_LT(error.message.size(), 300u);
}

TEST(QueryOptions, MessagesNeverCarryBrokenUtf8) {
  // Raw (unencoded) bytes that are not UTF-8 are quoted with U+FFFD instead.
  Error error = MustFail(Thing(), "$top=\xff%zz");
  EXPECT_THAT(error.message, HasSubstr("\xEF\xBF\xBD"));
  EXPECT_THAT(error.message, Not(HasSubstr("\xff")));
}

}  // namespace
}  // namespace fundament::odata
