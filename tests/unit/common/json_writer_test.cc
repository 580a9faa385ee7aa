#include "common/json_writer.h"
#include "common/result.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace fundament {
namespace {

TEST(JsonWriter, WritesDoublesInShortestDecimalForm) {
  EXPECT_EQ(ToJson(boost::json::value(500.3)), "500.3");
  EXPECT_EQ(ToJson(boost::json::value(0.1)), "0.1");
  EXPECT_EQ(ToJson(boost::json::value(-12.25)), "-12.25");
  EXPECT_EQ(boost::json::parse(ToJson(boost::json::value(1e300))).as_double(), 1e300);
}

TEST(JsonWriter, RoundTripsStructuresAndEscapes) {
  const char* text = R"({"a":[1,-2,3.5,true,false,null],"s":"q\"b\\n\nt\u0001ü","o":{}})";
  auto value = boost::json::parse(text);
  std::string written = ToJson(value);
  EXPECT_EQ(boost::json::parse(written), value);
  EXPECT_NE(written.find("\\u0001"), std::string::npos);
  EXPECT_NE(written.find("ü"), std::string::npos);
}

TEST(JsonWriter, KeepsMemberOrder) {
  boost::json::object o;
  o["z"] = 1;
  o["a"] = 2;
  EXPECT_EQ(ToJson(o), R"({"z":1,"a":2})");
}

TEST(ErrorBody, CarriesStatusCodeMessageAndField) {
  Error error(ErrorCode::kBadRequest, "name: expected a string", "name");
  auto body = boost::json::parse(error.ToJson()).as_object();
  EXPECT_EQ(body.at("code"), 400);
  EXPECT_EQ(body.at("message"), "name: expected a string");
  EXPECT_EQ(body.at("field"), "name");
}

}  // namespace
}  // namespace fundament
