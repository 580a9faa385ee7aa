// $filter end to end below the API: text → ParseFilter → the compiler → the
// SQLite store, checked by which entities match. One test per operator and
// function, with the edge cases that decide semantics: nulls and absent
// members, JSON members of mixed types, unicode, empty strings, intervals,
// to-many navigations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "odata/filter_parser.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/sqlite_dialect.h"
#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class Filter : public StoreTest {
 protected:
  // The ids of `kind` matching `filter`, ascending.
  std::vector<int64_t> Match(EntityKind kind, std::string_view filter) {
    auto parsed = odata::ParseFilter(model::TypeOf(kind), filter);
    EXPECT_TRUE(parsed.ok()) << filter << ": " << parsed.error().message;
    if (!parsed.ok()) return {-1};
    ReadRequest request = Request(kind);
    request.filter = *parsed;
    auto result = store_->Read(request);
    EXPECT_TRUE(result.ok()) << filter << ": " << result.error().message;
    if (!result.ok()) return {-2};
    std::vector<int64_t> ids;
    for (const auto& e : result->entities) ids.push_back(e.id);
    return ids;
  }

  // The error of a filter that parses but cannot run.
  Error RunError(EntityKind kind, std::string_view filter) {
    auto parsed = odata::ParseFilter(model::TypeOf(kind), filter);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    if (!parsed.ok()) return parsed.error();
    ReadRequest request = Request(kind);
    request.filter = *parsed;
    auto result = store_->Read(request);
    EXPECT_FALSE(result.ok()) << filter;
    return result.ok() ? Error{} : result.error();
  }

  std::vector<int64_t> Things(std::string_view filter) { return Match(EntityKind::kThing, filter); }
  std::vector<int64_t> Observations(std::string_view filter) { return Match(EntityKind::kObservation, filter); }

  int64_t Thing(std::string_view name, std::string_view description, std::string_view properties = "null") {
    return Insert(EntityKind::kThing, R"({"name":")" + std::string(name) + R"(","description":")" +
                                          std::string(description) + R"(","properties":)" +
                                          std::string(properties) + "}");
  }

  int64_t Location(double x, double y, std::string_view name = "l") {
    json::object props = Obj(R"({"description":"d","encodingType":"application/geo+json"})");
    props["name"] = name;
    props["location"] = json::object{{"type", "Point"}, {"coordinates", json::array{x, y}}};
    return Insert(EntityKind::kLocation, json::serialize(props));
  }

  int64_t Observation(int64_t datastream, std::string_view fields) {
    return Insert(EntityKind::kObservation, std::string(fields),
                  {Ref(EntityKind::kObservation, "Datastream", datastream)});
  }
};

// ---- Comparison and logic ----

TEST_F(Filter, ComparesStrings) {
  int64_t a = Thing("alpha", "x");
  int64_t b = Thing("beta", "x");
  int64_t c = Thing("", "x");
  EXPECT_THAT(Things("name eq 'alpha'"), ElementsAre(a));
  EXPECT_THAT(Things("name ne 'alpha'"), ElementsAre(b, c));
  EXPECT_THAT(Things("name gt 'alpha'"), ElementsAre(b));
  EXPECT_THAT(Things("name ge 'alpha'"), ElementsAre(a, b));
  EXPECT_THAT(Things("name lt 'alpha'"), ElementsAre(c));
  EXPECT_THAT(Things("name le 'beta'"), ElementsAre(a, b, c));
  EXPECT_THAT(Things("name eq ''"), ElementsAre(c));
  EXPECT_THAT(Things("'alpha' eq name"), ElementsAre(a));
}

TEST_F(Filter, StringsWithQuotesAndUnicode) {
  int64_t quote = Thing("it's", "x");
  int64_t umlaut = Thing("Größe", "x");
  int64_t emoji = Thing("\xF0\x9F\x8C\x8A wave", "x");
  EXPECT_THAT(Things("name eq 'it''s'"), ElementsAre(quote));
  EXPECT_THAT(Things("name eq 'Größe'"), ElementsAre(umlaut));
  EXPECT_THAT(Things("length(name) eq 5"), ElementsAre(umlaut));
  EXPECT_THAT(Things("startswith(name, '\xF0\x9F\x8C\x8A')"), ElementsAre(emoji));
  EXPECT_THAT(Things("length(name) eq 6"), ElementsAre(emoji));
}

TEST_F(Filter, ComparesIds) {
  int64_t a = Thing("a", "x");
  int64_t b = Thing("b", "x");
  EXPECT_THAT(Things("id eq " + std::to_string(a)), ElementsAre(a));
  EXPECT_THAT(Things("@iot.id gt " + std::to_string(a)), ElementsAre(b));
  EXPECT_THAT(Things("id ne " + std::to_string(b)), ElementsAre(a));
}

TEST_F(Filter, AndOrNotAndPrecedence) {
  int64_t a = Thing("a", "1");
  int64_t b = Thing("b", "2");
  int64_t c = Thing("c", "1");
  EXPECT_THAT(Things("name eq 'a' or name eq 'b' and description eq '1'"), ElementsAre(a));
  EXPECT_THAT(Things("(name eq 'a' or name eq 'b') and description eq '2'"), ElementsAre(b));
  EXPECT_THAT(Things("not (description eq '1')"), ElementsAre(b));
  EXPECT_THAT(Things("not description eq '1' or name eq 'c'"), ElementsAre(b, c));
  EXPECT_THAT(Things("not not (name eq 'a')"), ElementsAre(a));
  EXPECT_THAT(Things("true"), ElementsAre(a, b, c));
  EXPECT_THAT(Things("false"), IsEmpty());
  EXPECT_THAT(Things("name eq 'a' eq true"), ElementsAre(a));
}

// ---- Null ----

TEST_F(Filter, NullFollowsOData) {
  int64_t with = Thing("a", "x", R"({"level":5})");
  int64_t without = Thing("b", "x", R"({})");
  int64_t json_null = Thing("c", "x", R"({"level":null})");
  int64_t no_properties = Thing("d", "x");
  EXPECT_THAT(Things("properties/level eq null"), ElementsAre(without, json_null, no_properties));
  EXPECT_THAT(Things("properties/level ne null"), ElementsAre(with));
  EXPECT_THAT(Things("null eq properties/level"), ElementsAre(without, json_null, no_properties));
  EXPECT_THAT(Things("properties/level ne 5"), ElementsAre(without, json_null, no_properties));
  // An unknown comparison is false, and stays false under not... of the comparison's negation.
  EXPECT_THAT(Things("properties/level gt 3"), ElementsAre(with));
  EXPECT_THAT(Things("not (properties/level gt 3)"), ElementsAre(without, json_null, no_properties));
  EXPECT_THAT(Things("properties/level gt null"), IsEmpty());
  EXPECT_THAT(Things("null eq null"), ElementsAre(with, without, json_null, no_properties));
  EXPECT_THAT(Things("null ne null"), IsEmpty());
  EXPECT_THAT(Things("properties eq null"), ElementsAre(no_properties));
}

TEST_F(Filter, NullInArithmeticAndFunctions) {
  int64_t with = Thing("a", "x", R"({"level":5})");
  Thing("b", "x");
  EXPECT_THAT(Things("properties/level add 1 eq 6"), ElementsAre(with));
  EXPECT_THAT(Things("null add 1 eq null"), ::testing::SizeIs(2));
  EXPECT_THAT(Things("length(properties/name) eq null"), ::testing::SizeIs(2));
}

// ---- JSON members of mixed types ----

TEST_F(Filter, JsonMembersMatchOnlyTheirOwnType) {
  int64_t number = Thing("n", "x", R"({"v":5})");
  int64_t real = Thing("r", "x", R"({"v":5.0})");
  int64_t text = Thing("s", "x", R"({"v":"5"})");
  int64_t yes = Thing("t", "x", R"({"v":true})");
  int64_t one_as_bool_lookalike = Thing("one", "x", R"({"v":1})");
  int64_t object = Thing("o", "x", R"({"v":{"w":5}})");
  int64_t array = Thing("a", "x", R"({"v":[5,6]})");
  EXPECT_THAT(Things("properties/v eq 5"), ElementsAre(number, real));
  EXPECT_THAT(Things("properties/v eq '5'"), ElementsAre(text));
  EXPECT_THAT(Things("properties/v eq true"), ElementsAre(yes));
  EXPECT_THAT(Things("properties/v eq 1"), ElementsAre(one_as_bool_lookalike));
  EXPECT_THAT(Things("properties/v gt 'a'"), IsEmpty());
  // A string is never greater than a number (as SQLite's own ordering would have it).
  EXPECT_THAT(Things("properties/v gt 4"), ElementsAre(number, real));
  EXPECT_THAT(Things("properties/v/w eq 5"), ElementsAre(object));
  EXPECT_THAT(Things("properties/v/0 eq 5"), ElementsAre(array));
  EXPECT_THAT(Things("properties/v/1 eq 6"), ElementsAre(array));
  EXPECT_THAT(Things("properties/v ne 5"), ElementsAre(text, yes, one_as_bool_lookalike, object, array));
  EXPECT_THAT(Things("properties/v"), ElementsAre(yes));
  EXPECT_THAT(Things("not properties/v"), ElementsAre(number, real, text, one_as_bool_lookalike, object, array));
}

TEST_F(Filter, JsonMembersAgainstEachOther) {
  int64_t same = Thing("a", "x", R"({"p":3,"q":3})");
  int64_t less = Thing("b", "x", R"({"p":2,"q":"3"})");
  int64_t strings = Thing("c", "x", R"({"p":"x","q":"x"})");
  int64_t absent = Thing("d", "x", R"({})");
  EXPECT_THAT(Things("properties/p eq properties/q"), ElementsAre(same, strings, absent));
  EXPECT_THAT(Things("properties/p ne properties/q"), ElementsAre(less));
  EXPECT_THAT(Things("properties/p lt properties/q"), IsEmpty());
  EXPECT_THAT(Things("properties/p le properties/q"), ElementsAre(same, strings));
}

TEST_F(Filter, MemberNamesWithSpecialCharacters) {
  int64_t a = Thing("a", "x", R"({"a.b":1,"c d":2,"x-y":3,"ü":4})");
  EXPECT_THAT(Things("properties/x-y eq 3"), ElementsAre(a));
  EXPECT_THAT(Things("properties/ü eq 4"), ElementsAre(a));
  EXPECT_THAT(Things("properties/a.b eq 1"), ElementsAre(a));
}

TEST_F(Filter, UnitOfMeasurementMembersAreStrings) {
  Graph g = MakeGraph();
  EXPECT_THAT(Match(EntityKind::kDatastream, "unitOfMeasurement/symbol eq 'm'"), ElementsAre(g.datastream));
  EXPECT_THAT(Match(EntityKind::kDatastream, "unitOfMeasurement/name ne 'm'"), IsEmpty());
  EXPECT_THAT(Match(EntityKind::kDatastream, "startswith(unitOfMeasurement/definition, 'u')"),
              ElementsAre(g.datastream));
}

TEST_F(Filter, SensorMetadataIsJson) {
  Graph g = MakeGraph();
  EXPECT_THAT(Match(EntityKind::kSensor, "metadata eq 'https://example.org'"), ElementsAre(g.sensor));
  EXPECT_THAT(Match(EntityKind::kSensor, "contains(metadata, 'example')"), ElementsAre(g.sensor));
}

// ---- Observation results ----

TEST_F(Filter, ResultsOfEveryType) {
  Graph g = MakeGraph();
  const std::string t = R"("phenomenonTime":"2025-01-01T00:00:00Z")";
  int64_t integer = Observation(g.datastream, "{" + t + R"(,"result":7})");
  int64_t real = Observation(g.datastream, "{" + t + R"(,"result":7.5})");
  int64_t text = Observation(g.datastream, "{" + t + R"(,"result":"seven"})");
  int64_t yes = Observation(g.datastream, "{" + t + R"(,"result":true})");
  int64_t no = Observation(g.datastream, "{" + t + R"(,"result":false})");
  int64_t object = Observation(g.datastream, "{" + t + R"(,"result":{"level":3,"ok":true}})");
  int64_t null = Observation(g.datastream, "{" + t + R"(,"result":null})");
  EXPECT_THAT(Observations("result gt 7"), ElementsAre(real));
  EXPECT_THAT(Observations("result ge 7"), ElementsAre(integer, real));
  EXPECT_THAT(Observations("result lt 10"), ElementsAre(integer, real));
  EXPECT_THAT(Observations("result eq 'seven'"), ElementsAre(text));
  EXPECT_THAT(Observations("result eq true"), ElementsAre(yes));
  EXPECT_THAT(Observations("result eq false"), ElementsAre(no));
  EXPECT_THAT(Observations("result"), ElementsAre(yes));
  EXPECT_THAT(Observations("result/level eq 3"), ElementsAre(object));
  EXPECT_THAT(Observations("result/ok"), ElementsAre(object));
  EXPECT_THAT(Observations("result eq null"), ElementsAre(null));
  EXPECT_THAT(Observations("result ne null"), ElementsAre(integer, real, text, yes, no, object));
  EXPECT_THAT(Observations("result add 1 gt 8"), ElementsAre(real));
  EXPECT_THAT(Observations("startswith(result, 'sev')"), ElementsAre(text));
}

// ---- Arithmetic ----

TEST_F(Filter, Arithmetic) {
  Graph g = MakeGraph();
  const std::string t = R"("phenomenonTime":"2025-01-01T00:00:00Z")";
  int64_t seven = Observation(g.datastream, "{" + t + R"(,"result":7})");
  int64_t eight = Observation(g.datastream, "{" + t + R"(,"result":8})");
  int64_t half = Observation(g.datastream, "{" + t + R"(,"result":7.5})");
  EXPECT_THAT(Observations("result add 5 gt 12"), ElementsAre(eight, half));
  EXPECT_THAT(Observations("result sub 5 eq 2"), ElementsAre(seven));
  EXPECT_THAT(Observations("result mul 2 eq 15"), ElementsAre(half));
  EXPECT_THAT(Observations("result div 2 eq 3.5"), ElementsAre(seven));
  EXPECT_THAT(Observations("result div 2 eq 3.75"), ElementsAre(half));
  EXPECT_THAT(Observations("result mod 2 eq 0"), ElementsAre(eight));
  EXPECT_THAT(Observations("result mod 2 eq 1.5"), ElementsAre(half));
  EXPECT_THAT(Observations("(result sub 5) gt 2"), ElementsAre(eight, half));
  EXPECT_THAT(Observations("-result lt -7"), ElementsAre(eight, half));
  // Integer division truncates; division by zero is unknown, never an error.
  EXPECT_THAT(Observations("7 div 2 eq 3 and id eq " + std::to_string(seven)), ElementsAre(seven));
  EXPECT_THAT(Observations("-7 div 2 eq -3 and id eq " + std::to_string(seven)), ElementsAre(seven));
  EXPECT_THAT(Observations("-7 mod 2 eq -1 and id eq " + std::to_string(seven)), ElementsAre(seven));
  EXPECT_THAT(Observations("result div 0 eq 1"), IsEmpty());
  EXPECT_THAT(Observations("result mod 0 eq 1"), IsEmpty());
  EXPECT_THAT(Observations("id div 0 eq null"), ::testing::SizeIs(3));
  EXPECT_THAT(Observations("9223372036854775807 add 1 gt 0 and id eq " + std::to_string(seven)),
              ElementsAre(seven));
}

// ---- String functions ----

TEST_F(Filter, StringFunctions) {
  int64_t sensor = Thing("Sensor Things", "  padded  ");
  int64_t other = Thing("thing sensor", "x");
  int64_t empty = Thing("", "");
  EXPECT_THAT(Things("substringof('Things', name)"), ElementsAre(sensor));
  EXPECT_THAT(Things("substringof('', name)"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("contains(name, 'sor')"), ElementsAre(sensor, other));
  EXPECT_THAT(Things("startswith(name, 'Sensor')"), ElementsAre(sensor));
  EXPECT_THAT(Things("startswith(name, 'sensor')"), IsEmpty());
  EXPECT_THAT(Things("endswith(name, 'Things')"), ElementsAre(sensor));
  EXPECT_THAT(Things("endswith(name, '')"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("endswith('s', name)"), ElementsAre(empty));
  EXPECT_THAT(Things("length(name) eq 13"), ElementsAre(sensor));
  EXPECT_THAT(Things("length(name) eq 0"), ElementsAre(empty));
  EXPECT_THAT(Things("indexof(name, 'Things') eq 7"), ElementsAre(sensor));
  EXPECT_THAT(Things("indexof(name, 'zzz') eq -1"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("substring(name, 1) eq 'ensor Things'"), ElementsAre(sensor));
  EXPECT_THAT(Things("substring(name, 2, 4) eq 'nsor'"), ElementsAre(sensor));
  EXPECT_THAT(Things("substring(name, 100) eq ''"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("substring(name, -3, 2) eq 'Se'"), ElementsAre(sensor));
  // Positions and lengths beyond 32 bits are not wrapped around.
  EXPECT_THAT(Things("substring(name, 0, 9223372036854775807) eq name"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("substring(name, 1, 4294967297) eq 'ensor Things'"), ElementsAre(sensor));
  EXPECT_THAT(Things("substring(name, 4294967297) eq ''"), ElementsAre(sensor, other, empty));
  EXPECT_THAT(Things("tolower(name) eq 'sensor things'"), ElementsAre(sensor));
  EXPECT_THAT(Things("toupper(name) eq 'THING SENSOR'"), ElementsAre(other));
  EXPECT_THAT(Things("trim(description) eq 'padded'"), ElementsAre(sensor));
  EXPECT_THAT(Things("concat(concat(name, ', '), description) eq 'thing sensor, x'"), ElementsAre(other));
}

TEST_F(Filter, CaseMappingIsUnicode) {
  int64_t a = Thing("GRÖSSE Ärger", "x");
  int64_t b = Thing("straße", "x");
  EXPECT_THAT(Things("tolower(name) eq 'grösse ärger'"), ElementsAre(a));
  EXPECT_THAT(Things("toupper(name) eq 'STRASSE'"), ElementsAre(b));
}

// ---- Time ----

TEST_F(Filter, InstantsAndDates) {
  Graph g = MakeGraph();
  int64_t early = Observation(g.datastream, R"({"phenomenonTime":"2025-01-01T10:00:00Z","result":1,
                                              "resultTime":"2025-01-01T10:05:00Z"})");
  int64_t late = Observation(g.datastream, R"({"phenomenonTime":"2025-01-02T10:00:00Z","result":1})");
  EXPECT_THAT(Observations("resultTime eq 2025-01-01T10:05:00Z"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime eq 2025-01-01T11:05:00+01:00"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime eq null"), ElementsAre(late));
  EXPECT_THAT(Observations("resultTime ne 2025-01-01T10:05:00Z"), ElementsAre(late));
  EXPECT_THAT(Observations("phenomenonTime gt 2025-01-01T10:00:00Z"), ElementsAre(late));
  EXPECT_THAT(Observations("phenomenonTime ge 2025-01-01T10:00:00Z"), ElementsAre(early, late));
  EXPECT_THAT(Observations("phenomenonTime lt 2025-01-02"), ElementsAre(early));
  EXPECT_THAT(Observations("date(phenomenonTime) eq 2025-01-02"), ElementsAre(late));
  EXPECT_THAT(Observations("phenomenonTime ge now()"), IsEmpty());
  EXPECT_THAT(Observations("phenomenonTime lt now() sub duration'P1D'"), ElementsAre(early, late));
  EXPECT_THAT(Observations("resultTime add duration'PT14H' gt 2025-01-02T00:00:00Z"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime add duration'PT13H' lt 2025-01-02T00:00:00Z"), ElementsAre(early));
  EXPECT_THAT(Observations("duration'PT13H' add resultTime lt 2025-01-02T00:00:00Z"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime sub 2025-01-01T10:00:00Z eq duration'PT5M'"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime sub duration'PT5M' eq 2025-01-01T10:00:00Z"), ElementsAre(early));
  EXPECT_THAT(Observations("resultTime gt mindatetime() and resultTime lt maxdatetime()"), ElementsAre(early));
}

TEST_F(Filter, DateAndTimeFunctions) {
  Graph g = MakeGraph();
  int64_t a = Observation(g.datastream, R"({"phenomenonTime":"2015-12-08T01:02:03.250Z","result":1})");
  int64_t b = Observation(g.datastream, R"({"phenomenonTime":"1969-07-20T20:17:40Z","result":1})");
  EXPECT_THAT(Observations("year(phenomenonTime) eq 2015"), ElementsAre(a));
  EXPECT_THAT(Observations("month(phenomenonTime) eq 12"), ElementsAre(a));
  EXPECT_THAT(Observations("day(phenomenonTime) eq 8"), ElementsAre(a));
  EXPECT_THAT(Observations("hour(phenomenonTime) eq 1"), ElementsAre(a));
  EXPECT_THAT(Observations("minute(phenomenonTime) eq 2"), ElementsAre(a));
  EXPECT_THAT(Observations("second(phenomenonTime) eq 3"), ElementsAre(a));
  EXPECT_THAT(Observations("fractionalseconds(phenomenonTime) eq 0.25"), ElementsAre(a));
  // Before 1970 too (negative microseconds).
  EXPECT_THAT(Observations("year(phenomenonTime) eq 1969 and month(phenomenonTime) eq 7"), ElementsAre(b));
  EXPECT_THAT(Observations("hour(phenomenonTime) eq 20 and minute(phenomenonTime) eq 17"), ElementsAre(b));
  EXPECT_THAT(Observations("second(phenomenonTime) eq 40 and day(phenomenonTime) eq 20"), ElementsAre(b));
  EXPECT_THAT(Observations("date(phenomenonTime) eq 1969-07-20"), ElementsAre(b));
  EXPECT_THAT(Observations("time(phenomenonTime) eq 20:17:40"), ElementsAre(b));
  EXPECT_THAT(Observations("time(phenomenonTime) lt 02:00"), ElementsAre(a));
  EXPECT_THAT(Observations("hour(12:30:00) eq 12 and id eq " + std::to_string(a)), ElementsAre(a));
  EXPECT_THAT(Observations("totaloffsetminutes(phenomenonTime) eq 0"), ElementsAre(a, b));
  EXPECT_THAT(Observations("totaloffsetminutes(2025-01-01T00:00:00+01:30) eq 90 and id eq " + std::to_string(b)),
              ElementsAre(b));
}

TEST_F(Filter, IntervalsCompareAsTheirEnds) {
  Graph g = MakeGraph();
  // phenomenonTime 10:00–12:00.
  int64_t span = Observation(g.datastream, R"({"phenomenonTime":"2025-01-01T10:00:00Z/2025-01-01T12:00:00Z",
                                             "result":1,"validTime":"2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"})");
  int64_t instant = Observation(g.datastream, R"({"phenomenonTime":"2025-01-01T11:00:00Z","result":1})");
  EXPECT_THAT(Observations("phenomenonTime lt 2025-01-01T12:30:00Z"), ElementsAre(span, instant));
  EXPECT_THAT(Observations("phenomenonTime lt 2025-01-01T11:30:00Z"), ElementsAre(instant));
  EXPECT_THAT(Observations("phenomenonTime le 2025-01-01T12:00:00Z"), ElementsAre(span, instant));
  EXPECT_THAT(Observations("phenomenonTime gt 2025-01-01T09:00:00Z"), ElementsAre(span, instant));
  EXPECT_THAT(Observations("phenomenonTime gt 2025-01-01T10:30:00Z"), ElementsAre(instant));
  EXPECT_THAT(Observations("phenomenonTime ge 2025-01-01T10:00:00Z"), ElementsAre(span, instant));
  EXPECT_THAT(Observations("phenomenonTime eq 2025-01-01T10:00:00Z/2025-01-01T12:00:00Z"), ElementsAre(span));
  EXPECT_THAT(Observations("phenomenonTime eq 2025-01-01T11:00:00Z"), ElementsAre(instant));
  EXPECT_THAT(Observations("phenomenonTime ne 2025-01-01T11:00:00Z"), ElementsAre(span));
  EXPECT_THAT(Observations("phenomenonTime gt 2025-01-01T08:00:00Z/2025-01-01T09:00:00Z"),
              ElementsAre(span, instant));
  EXPECT_THAT(Observations("validTime eq null"), ElementsAre(instant));
  EXPECT_THAT(Observations("validTime ge 2025-01-01T00:00:00Z"), ElementsAre(span));
  EXPECT_THAT(Observations("validTime lt 2025-01-02T00:00:01Z"), ElementsAre(span));
  EXPECT_THAT(Observations("phenomenonTime lt validTime"), IsEmpty());
  EXPECT_THAT(Observations("year(validTime) eq 2025 and day(validTime) eq 1"), ElementsAre(span));
}

TEST_F(Filter, DatastreamTimesAreIntervals) {
  Graph g = MakeGraph();
  Graph other = MakeGraph();
  MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  MakeObservation(g.datastream, 0, "2025-03-01T00:00:00Z");
  EXPECT_THAT(Match(EntityKind::kDatastream, "phenomenonTime eq null"), ElementsAre(other.datastream));
  EXPECT_THAT(Match(EntityKind::kDatastream, "phenomenonTime lt 2025-03-02T00:00:00Z"), ElementsAre(g.datastream));
  EXPECT_THAT(Match(EntityKind::kDatastream, "phenomenonTime lt 2025-02-01T00:00:00Z"), IsEmpty());
  EXPECT_THAT(Match(EntityKind::kDatastream,
                    "phenomenonTime eq 2025-01-01T00:00:00Z/2025-03-01T00:00:00Z"),
              ElementsAre(g.datastream));
}

TEST_F(Filter, JsonStringsCompareAsInstants) {
  int64_t a = Thing("a", "x", R"({"installed":"2020-05-01T00:00:00Z"})");
  Thing("b", "x", R"({"installed":"not a time"})");
  Thing("c", "x", R"({"installed":12})");
  EXPECT_THAT(Things("properties/installed lt 2021-01-01T00:00:00Z"), ElementsAre(a));
  EXPECT_THAT(Things("year(properties/installed) eq 2020"), ElementsAre(a));
  EXPECT_THAT(Things("properties/installed add duration'P365D' eq 2021-05-01T00:00:00Z"), ElementsAre(a));
}

// ---- Math ----

TEST_F(Filter, MathFunctions) {
  Graph g = MakeGraph();
  const std::string t = R"("phenomenonTime":"2025-01-01T00:00:00Z")";
  int64_t up = Observation(g.datastream, "{" + t + R"(,"result":32.5})");
  int64_t down = Observation(g.datastream, "{" + t + R"(,"result":-32.5})");
  int64_t whole = Observation(g.datastream, "{" + t + R"(,"result":32})");
  EXPECT_THAT(Observations("round(result) eq 33"), ElementsAre(up));
  EXPECT_THAT(Observations("round(result) eq -33"), ElementsAre(down));
  EXPECT_THAT(Observations("floor(result) eq 32"), ElementsAre(up, whole));
  EXPECT_THAT(Observations("floor(result) eq -33"), ElementsAre(down));
  EXPECT_THAT(Observations("ceiling(result) eq 33"), ElementsAre(up));
  EXPECT_THAT(Observations("ceiling(result) eq -32"), ElementsAre(down));
  EXPECT_THAT(Observations("round(id) eq id"), ElementsAre(up, down, whole));
}

// ---- Navigation ----

TEST_F(Filter, ToOneNavigation) {
  Graph g = MakeGraph("first");
  Graph h = MakeGraph("second");
  int64_t o1 = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  int64_t o2 = MakeObservation(h.datastream, 0, "2025-01-01T00:00:00Z");
  EXPECT_THAT(Observations("Datastream/id eq " + std::to_string(g.datastream)), ElementsAre(o1));
  EXPECT_THAT(Observations("Datastream/@iot.id eq " + std::to_string(h.datastream)), ElementsAre(o2));
  EXPECT_THAT(Observations("Datastream/name eq 'second'"), ElementsAre(o2));
  EXPECT_THAT(Observations("Datastream/Thing/id eq " + std::to_string(g.thing)), ElementsAre(o1));
  EXPECT_THAT(Observations("Datastream/Thing/name eq 't'"), ElementsAre(o1, o2));
  EXPECT_THAT(Observations("FeatureOfInterest/id eq 1"), IsEmpty());
  // An id through a to-one navigation is the foreign key: null when the link is unset.
  EXPECT_THAT(Observations("MultiDatastream/id eq null"), ElementsAre(o1, o2));
  EXPECT_THAT(Observations("Datastream/name eq 'first' or Datastream/name eq 'second'"), ElementsAre(o1, o2));
}

TEST_F(Filter, ToManyNavigationMeansAny) {
  Graph g = MakeGraph("level");
  int64_t ds2 = MakeDatastream(g.thing, g.sensor, g.observed_property, "rain");
  Graph h = MakeGraph("level");
  Graph lonely = MakeGraph("x");
  ASSERT_TRUE(Delete(EntityKind::kDatastream, lonely.datastream).ok());
  EXPECT_THAT(Things("Datastreams/name eq 'level'"), ElementsAre(g.thing, h.thing));
  EXPECT_THAT(Things("Datastreams/name eq 'rain'"), ElementsAre(g.thing));
  EXPECT_THAT(Things("Datastreams/name ne 'level'"), ElementsAre(g.thing));
  EXPECT_THAT(Things("not (Datastreams/name eq 'level')"), ElementsAre(lonely.thing));
  // Two comparisons may be met by different related entities ...
  EXPECT_THAT(Things("Datastreams/name eq 'level' and Datastreams/name eq 'rain'"), ElementsAre(g.thing));
  // ... one comparison's uses of the same navigation name one entity.
  EXPECT_THAT(Things("Datastreams/name eq Datastreams/description"), IsEmpty());
  EXPECT_THAT(Things("concat(Datastreams/name, Datastreams/name) eq 'rainrain'"), ElementsAre(g.thing));
  EXPECT_THAT(Things("Datastreams/id eq " + std::to_string(ds2)), ElementsAre(g.thing));
  MakeObservation(ds2, 0, "2025-01-01T00:00:00Z", "42");
  EXPECT_THAT(Things("Datastreams/Observations/result eq 42"), ElementsAre(g.thing));
  EXPECT_THAT(Match(EntityKind::kSensor, "Datastreams/Thing/id eq " + std::to_string(h.thing)),
              ElementsAre(h.sensor));
}

TEST_F(Filter, LinkTableNavigation) {
  int64_t near = Thing("near", "x");
  int64_t far = Thing("far", "x");
  int64_t kiel = Location(10.13, 54.32, "Kiel");
  int64_t munich = Location(11.58, 48.14, "München");
  ASSERT_TRUE(Link(EntityKind::kThing, near, "Locations", kiel).ok());
  ASSERT_TRUE(Link(EntityKind::kThing, far, "Locations", munich).ok());
  EXPECT_THAT(Things("Locations/name eq 'Kiel'"), ElementsAre(near));
  EXPECT_THAT(Match(EntityKind::kLocation, "Things/name eq 'far'"), ElementsAre(munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "Things/id eq " + std::to_string(near)), ElementsAre(kiel));
  EXPECT_THAT(Things("Locations/name eq 'Kiel' or Locations/name eq 'München'"), ElementsAre(near, far));
}

// ---- Geometry ----

TEST_F(Filter, SpatialRelations) {
  int64_t kiel = Location(10.13, 54.32, "Kiel");
  int64_t munich = Location(11.58, 48.14, "München");
  const std::string box = "geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))'";
  EXPECT_THAT(Match(EntityKind::kLocation, "st_within(location, " + box + ")"), ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_intersects(location, " + box + ")"), ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "geo.intersects(location, " + box + ")"), ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_disjoint(location, " + box + ")"), ElementsAre(munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_contains(" + box + ", location)"), ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_equals(location, geography'POINT(11.58 48.14)')"),
              ElementsAre(munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_touches(location, " + box + ")"), IsEmpty());
  EXPECT_THAT(Match(EntityKind::kLocation, "st_crosses(geography'LINESTRING(10 54, 12 47)', " + box + ")"),
              ElementsAre(kiel, munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_overlaps(" + box + ", geography'POLYGON((10 54, 12 54, 12 56, 10 56, 10 54))')"),
              ElementsAre(kiel, munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_relate(location, " + box + ", 'T*F**F***')"), ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "not st_within(location, " + box + ")"), ElementsAre(munich));
}

TEST_F(Filter, DistanceInMetresForGeographyDegreesForGeometry) {
  int64_t kiel = Location(10.13, 54.32, "Kiel");
  int64_t munich = Location(11.58, 48.14, "München");
  // Kiel – Munich is about 695 km.
  EXPECT_THAT(Match(EntityKind::kLocation, "geo.distance(location, geography'POINT(10.13 54.32)') lt 1"),
              ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "geo.distance(location, geography'POINT(10.13 54.32)') gt 690000 "
                                           "and geo.distance(location, geography'POINT(10.13 54.32)') lt 700000"),
              ElementsAre(munich));
  EXPECT_THAT(Match(EntityKind::kLocation, "geo.distance(location, geometry'POINT(10.13 54.32)') lt 7"),
              ElementsAre(kiel, munich));
  EXPECT_THAT(Match(EntityKind::kLocation,
                    "geo.length(geography'LINESTRING(10.13 54.32, 11.58 48.14)') gt 690000 and id eq " +
                        std::to_string(kiel)),
              ElementsAre(kiel));
  EXPECT_THAT(Match(EntityKind::kLocation, "geo.length(geometry'LINESTRING(0 0, 3 4)') eq 5 and id eq " +
                                               std::to_string(kiel)),
              ElementsAre(kiel));
}

TEST_F(Filter, GeometryThroughNavigationAndOnFeatures) {
  int64_t near = Thing("near", "x");
  int64_t far = Thing("far", "x");
  ASSERT_TRUE(Link(EntityKind::kThing, near, "Locations", Location(10.13, 54.32)).ok());
  ASSERT_TRUE(Link(EntityKind::kThing, far, "Locations", Location(11.58, 48.14)).ok());
  EXPECT_THAT(Things("geo.distance(Locations/location, geography'POINT(10.1 54.3)') lt 5000"), ElementsAre(near));
  int64_t feature = MakeFeature(10.13, 54.32);
  MakeFeature(0, 0);
  EXPECT_THAT(Match(EntityKind::kFeatureOfInterest,
                    "st_within(feature, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"),
              ElementsAre(feature));
  Graph g = MakeGraph();
  int64_t o = MakeObservation(g.datastream, feature, "2025-01-01T00:00:00Z");
  EXPECT_THAT(Observations("st_intersects(FeatureOfInterest/feature, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"),
              ElementsAre(o));
  EXPECT_THAT(Match(EntityKind::kDatastream,
                    "st_intersects(observedArea, geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))')"),
              ElementsAre(g.datastream));
  EXPECT_THAT(Match(EntityKind::kLocation, "location eq null"), IsEmpty());
}

TEST_F(Filter, OtherReferenceSystemsAreRejected) {
  Location(10, 54);
  Error error = RunError(EntityKind::kLocation, "st_within(location, geography'SRID=3857;POINT(1 2)')");
  EXPECT_EQ(error.code, ErrorCode::kBadRequest);
  EXPECT_THAT(error.message, HasSubstr("SRID=3857"));
  EXPECT_THAT(Match(EntityKind::kLocation, "st_equals(location, geography'SRID=4326;POINT(10 54)')"),
              ::testing::SizeIs(1));
}

// ---- Count and paging use the filter ----

TEST_F(Filter, CountAndLimitApplyToMatches) {
  for (int i = 0; i < 10; ++i) Thing(i % 2 == 0 ? "even" : "odd", "x");
  auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), "name eq 'even'");
  ASSERT_TRUE(parsed.ok());
  ReadRequest request = Request(EntityKind::kThing);
  request.filter = *parsed;
  request.count = true;
  request.limit = 2;
  request.skip = 1;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->count, 5);
  ASSERT_EQ(result->entities.size(), 2u);
  EXPECT_EQ(result->entities[0].id, 3);
}

TEST_F(Filter, CombinesWithRelatedRestriction) {
  Graph g = MakeGraph();
  Graph h = MakeGraph();
  int64_t o1 = MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z", "1");
  MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z", "2");
  MakeObservation(h.datastream, 0, "2025-01-01T00:00:00Z", "1");
  auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kObservation), "result eq 1");
  ASSERT_TRUE(parsed.ok());
  ReadRequest request = Request(EntityKind::kObservation);
  request.related = RelatedTo{EntityKind::kDatastream, g.datastream, &Nav(EntityKind::kDatastream, "Observations")};
  request.filter = *parsed;
  EXPECT_THAT(Ids(request), ElementsAre(o1));
}

// ---- Size and depth: refused with 400, never a failed statement ----

TEST_F(Filter, LongChainsRun) {
  int64_t a = Thing("a", "x");
  std::string chain = "id eq " + std::to_string(a);
  for (int i = 0; i < 1500; ++i) chain += " or true eq false";
  odata::FilterLimits limits;
  limits.max_length = 1 << 20;
  limits.max_nodes = 10000;
  auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), chain, limits);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ReadRequest request = Request(EntityKind::kThing);
  request.filter = *parsed;
  auto result = store_->Read(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->entities.size(), 1u);
}

TEST_F(Filter, DeepNestingIsBadRequest) {
  Thing("a", "x");
  for (std::string filter : {std::string(58, '-') + "id lt 0",
                             [] {
                               std::string f = "name";
                               for (int i = 0; i < 40; ++i) f = "concat(" + f + ", 'x')";
                               return f + " eq 'y'";
                             }(),
                             [] {
                               std::string f = "id";
                               for (int i = 0; i < 50; ++i) f += " add 1";
                               return f + " gt 0";
                             }()}) {
    Error error = RunError(EntityKind::kThing, filter);
    EXPECT_EQ(error.code, ErrorCode::kBadRequest) << filter;
    EXPECT_THAT(error.message, HasSubstr("nests too deeply")) << filter;
  }
  // What real filters nest stays well inside.
  EXPECT_THAT(Things("tolower(trim(substring(concat(concat(name, 'x'), description), 0, 5))) eq 'axx'"),
              ElementsAre(1));
}

// ---- Index use ----

class FilterPlan : public Filter {
 protected:
  // EXPLAIN QUERY PLAN of `request`, one line per step.
  std::string Plan(const ReadRequest& request) {
    auto query = sqlite::BuildReadQuery(request, sqlite::SqliteSql());
    EXPECT_TRUE(query.ok()) << query.error().message;
    if (!query.ok()) return {};
    sqlite::ConnectionOptions options;
    options.load_spatialite = true;
    auto connection = sqlite::Connection::Open(options_.path, options);
    EXPECT_TRUE(connection.ok());
    auto stmt = (*connection)->Prepare("EXPLAIN QUERY PLAN " + query->builder.SelectSql());
    EXPECT_TRUE(stmt.ok()) << stmt.error().message;
    if (!stmt.ok()) return {};
    EXPECT_TRUE(stmt->BindAll(query->builder.parameters()).ok());
    std::string plan;
    for (;;) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) break;
      plan += std::string(stmt->ColumnText(3)) + "\n";
    }
    return plan;
  }

  ReadRequest Filtered(EntityKind kind, std::string_view filter) {
    auto parsed = odata::ParseFilter(model::TypeOf(kind), filter);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    ReadRequest request = Request(kind);
    if (parsed.ok()) request.filter = *parsed;
    request.limit = 100;
    return request;
  }

  void SetUp() override {
    Filter::SetUp();
    Graph g = MakeGraph();
    for (int i = 0; i < 20; ++i) MakeObservation(g.datastream, 0, "2025-01-01T00:00:00Z");
  }
};

TEST_F(FilterPlan, DatastreamAndTimeRangeUseTheObservationIndex) {
  FUNDAMENT_SQLITE_ONLY();
  std::string plan = Plan(Filtered(EntityKind::kObservation,
                                   "Datastream/id eq 1 and phenomenonTime ge 2025-01-01T00:00:00Z and "
                                   "phenomenonTime lt 2025-02-01T00:00:00Z"));
  EXPECT_NE(plan.find("USING PRIMARY KEY (stream=? AND phenomenon_time_start>? AND "
                      "phenomenon_time_start<?)"),
            std::string::npos)
      << plan;
}

TEST_F(FilterPlan, TimeRangeWithinOneDatastreamPathUsesTheIndex) {
  FUNDAMENT_SQLITE_ONLY();
  ReadRequest request = Filtered(EntityKind::kObservation,
                                 "phenomenonTime gt 2025-01-01T00:00:00Z and phenomenonTime le 2025-01-02T00:00:00Z");
  request.related = RelatedTo{EntityKind::kDatastream, 1, &Nav(EntityKind::kDatastream, "Observations")};
  request.orderby = {Key("phenomenonTime", true)};
  std::string plan = Plan(request);
  EXPECT_NE(plan.find("USING PRIMARY KEY (stream=? AND phenomenon_time_start>? AND "
                      "phenomenon_time_start<?)"),
            std::string::npos)
      << plan;
  // Newest first walks the index backwards; only ties in time are sorted by id.
  EXPECT_EQ(plan.find("USE TEMP B-TREE FOR ORDER BY"), std::string::npos) << plan;
}

TEST_F(FilterPlan, DatastreamAloneUsesTheIndex) {
  FUNDAMENT_SQLITE_ONLY();
  std::string plan = Plan(Filtered(EntityKind::kObservation, "Datastream/@iot.id eq 1"));
  EXPECT_NE(plan.find("USING PRIMARY KEY (stream=?)"), std::string::npos) << plan;
}

TEST_F(FilterPlan, NavigationToOneIsAPrimaryKeyLookup) {
  FUNDAMENT_SQLITE_ONLY();
  std::string plan = Plan(Filtered(EntityKind::kObservation, "Datastream/Thing/name eq 't'"));
  EXPECT_NE(plan.find("USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << plan;
}

// ---- Injection: hostile text in every position stays data ----

TEST_F(Filter, HostileTextIsOnlyEverData) {
  const std::vector<std::string> hostile = {
      "'; DROP TABLE thing; --",
      "x') OR 1=1 --",
      "\" OR \"1\"=\"1",
      "/* comment */",
      "; DELETE FROM observation;",
      "\\'",
      "%27%20OR%201=1",
      "\u0027 OR 1=1",
      "\xe2\x80\x99 OR 1=1",
      "?1 ?2 :x @y $z",
      "$.\"a\"",
      "NULL); DROP TABLE thing; SELECT (1",
  };
  int64_t victim = Thing("victim", "x", R"({"a":1})");
  auto quote = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  };
  for (const std::string& text : hostile) {
    const std::string literal = quote(text);
    for (const std::string& filter :
         {"name eq " + literal, literal + " eq name", "properties/a eq " + literal,
          "contains(name, " + literal + ")", "startswith(" + literal + ", name)",
          "concat(name, " + literal + ") eq " + literal, "substring(" + literal + ", 1) eq name",
          "tolower(" + literal + ") eq 'x'", "Datastreams/name eq " + literal, "length(" + literal + ") gt 0"}) {
      auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), filter);
      ASSERT_TRUE(parsed.ok()) << filter << ": " << parsed.error().message;
      ReadRequest request = Request(EntityKind::kThing);
      request.filter = *parsed;
      auto result = store_->Read(request);
      ASSERT_TRUE(result.ok()) << filter << ": " << result.error().message;
      const bool always = filter.rfind("length(", 0) == 0;
      EXPECT_EQ(result->entities.size(), always ? 1u : 0u) << filter;
    }
    // Hostile member names are names, or refused.
    for (const std::string& member : {text}) {
      auto parsed = odata::ParseFilter(model::TypeOf(EntityKind::kThing), "properties/" + member + " eq 1");
      if (!parsed.ok()) continue;
      ReadRequest request = Request(EntityKind::kThing);
      request.filter = *parsed;
      auto result = store_->Read(request);
      if (result.ok()) EXPECT_TRUE(result->entities.empty()) << member;
      else EXPECT_EQ(result.error().code, ErrorCode::kBadRequest) << member;
    }
  }
  EXPECT_EQ(Get(EntityKind::kThing, victim).id, victim);
  EXPECT_EQ(Count(EntityKind::kThing), 1);
  EXPECT_EQ(Scalar(postgres() ? "SELECT to_regclass('thing') IS NOT NULL"
                              : "SELECT count(*) FROM sqlite_schema WHERE name = 'thing'"),
            "1");
}

}  // namespace
}  // namespace fundament::store::testing
