#include "http/request_id.h"

#include <gtest/gtest.h>

namespace fundament::http {
namespace {

TEST(RequestId, KeepsSafeClientValue) { EXPECT_EQ(RequestIdFor("abc-123_x.y:z"), "abc-123_x.y:z"); }

TEST(RequestId, DropsUnsafeCharacters) { EXPECT_EQ(SanitizeRequestId("a b\"c\r\nd<e>{}"), "abcde"); }

TEST(RequestId, CutsToMaximumLength) {
  EXPECT_EQ(SanitizeRequestId(std::string(100, 'x')).size(), kMaxRequestIdLength);
}

TEST(RequestId, GeneratesWhenAbsentOrUnusable) {
  EXPECT_EQ(RequestIdFor("").size(), 32u);
  EXPECT_EQ(RequestIdFor("\"\"\"").size(), 32u);
}

TEST(RequestId, GeneratedIdsDiffer) { EXPECT_NE(GenerateRequestId(), GenerateRequestId()); }

TEST(RequestId, GeneratedIdIsHex) {
  for (char c : GenerateRequestId()) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
}

}  // namespace
}  // namespace fundament::http
