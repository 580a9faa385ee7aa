#include "sta/batch.h"

#include <gtest/gtest.h>

namespace fundament::sta {
namespace {

TEST(JsonBatch, ParsesRequestsWithGroups) {
  auto requests = ParseJsonBatch(R"({"requests":[
      {"id":"t1","method":"post","url":"Things","body":{"name":"a"},"atomicityGroup":"g"},
      {"id":"t2","method":"POST","url":"$t1/Locations","body":{},"atomicityGroup":"g"},
      {"id":"r","method":"get","url":"Things?$top=1"}]})");
  ASSERT_TRUE(requests.ok()) << requests.error().message;
  ASSERT_EQ(requests->size(), 3u);
  EXPECT_EQ((*requests)[0].method, "POST");
  EXPECT_EQ((*requests)[0].body, R"({"name":"a"})");
  EXPECT_EQ((*requests)[1].group, "g");
  EXPECT_FALSE((*requests)[2].group.has_value());
  EXPECT_EQ((*requests)[2].url, "Things?$top=1");
}

TEST(JsonBatch, RejectsMissingMembersAndScatteredGroups) {
  EXPECT_FALSE(ParseJsonBatch(R"({"requests":[{"method":"get","url":"Things"}]})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"requests":[{"id":"1","url":"Things"}]})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"requests":{}})").ok());
  EXPECT_FALSE(ParseJsonBatch(R"({"requests":[
      {"id":"1","method":"post","url":"Things","atomicityGroup":"g"},
      {"id":"2","method":"get","url":"Things"},
      {"id":"3","method":"post","url":"Things","atomicityGroup":"g"}]})").ok());
}

TEST(MultipartBatch, ParsesRequestsAndChangeSets) {
  const std::string body =
      "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
      "GET /v1.1/Things?$top=1 HTTP/1.1\r\nHost: example.org\r\n\r\n\r\n"
      "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n"
      "--cs\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n"
      "POST /v1.1/Things HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"a\",\"description\":\"b\"}\r\n"
      "--cs\r\nContent-Type: application/http\r\nContent-ID: 2\r\n\r\n"
      "POST $1/Locations HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}\r\n"
      "--cs--\r\n"
      "--b--\r\n";
  auto requests = ParseMultipartBatch(body, "b");
  ASSERT_TRUE(requests.ok()) << requests.error().message;
  ASSERT_EQ(requests->size(), 3u);
  EXPECT_EQ((*requests)[0].method, "GET");
  EXPECT_EQ((*requests)[0].url, "/v1.1/Things?$top=1");
  EXPECT_FALSE((*requests)[0].group.has_value());
  EXPECT_EQ((*requests)[1].id, "1");
  EXPECT_EQ((*requests)[1].body, "{\"name\":\"a\",\"description\":\"b\"}");
  EXPECT_EQ((*requests)[2].url, "$1/Locations");
  EXPECT_EQ((*requests)[1].group, (*requests)[2].group);
  EXPECT_TRUE((*requests)[1].group.has_value());
}

// The layout of the example in OGC 18-088 §11.2: blank lines between part
// headers, a request line without HTTP version.
TEST(MultipartBatch, ToleratesTheStandardsExampleLayout) {
  const std::string body =
      "--batch_1\nContent-Type: application/http\n\nGET /v1.1/Things(1)\nHost: host\n\n\n"
      "--batch_1\nContent-Type: multipart/mixed;boundary=changeset_1\n\n"
      "--changeset_1\n\nContent-Type: application/http\n\nContent-ID: 1\n\n"
      "POST /v1.1/Things HTTP/1.1\nHost: host\nContent-Type: application/json\n\nContent-Length: 10\n\n"
      "{\"name\":\"n\"}\n"
      "--changeset_1--\n"
      "--batch_1--\n";
  auto requests = ParseMultipartBatch(body, "batch_1");
  ASSERT_TRUE(requests.ok()) << requests.error().message;
  ASSERT_EQ(requests->size(), 2u);
  EXPECT_EQ((*requests)[0].url, "/v1.1/Things(1)");
  EXPECT_EQ((*requests)[1].id, "1");
  EXPECT_EQ((*requests)[1].method, "POST");
  EXPECT_EQ((*requests)[1].body, "{\"name\":\"n\"}");
}

TEST(MultipartBatch, RejectsMissingDelimitersAndForeignParts) {
  EXPECT_FALSE(ParseMultipartBatch("no parts here", "b").ok());
  EXPECT_FALSE(ParseMultipartBatch("--b\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n", "b").ok());
  EXPECT_FALSE(ParseMultipartBatch("--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--", "b").ok());
  EXPECT_FALSE(ParseMultipartBatch("--b\r\n\r\n--b--", "").ok());
}

TEST(MultipartBatch, ReadsBoundaryParameter) {
  EXPECT_EQ(BoundaryOf("multipart/mixed; boundary=batch_36522ad7"), "batch_36522ad7");
  EXPECT_EQ(BoundaryOf("multipart/mixed;boundary=\"quoted\"; charset=x"), "quoted");
  EXPECT_EQ(BoundaryOf("multipart/mixed"), "");
}

}  // namespace
}  // namespace fundament::sta
