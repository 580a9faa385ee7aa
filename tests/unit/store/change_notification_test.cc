#include "store/postgres/change_notification.h"

#include <gtest/gtest.h>

namespace fundament::store::postgres {
namespace {

using events::ChangeEvent;
using events::Operation;
using model::EntityKind;

TEST(ChangeNotification, EncodesEventsAfterVersionAndNode) {
  std::vector<ChangeEvent> events = {{EntityKind::kObservation, 17, Operation::kCreated},
                                     {EntityKind::kDatastream, 3, Operation::kUpdated},
                                     {EntityKind::kThing, 9, Operation::kDeleted}};
  std::vector<std::string> payloads = EncodeChangeNotifications("node1", events);
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0], "fundament.v1 node1 Observation:c:17 Datastream:u:3 Thing:d:9");
}

TEST(ChangeNotification, RoundTripsEveryKindAndOperation) {
  std::vector<ChangeEvent> events;
  int64_t id = 1;
  for (EntityKind kind : model::kAllEntityKinds) {
    for (Operation operation : {Operation::kCreated, Operation::kUpdated, Operation::kDeleted}) {
      events.push_back({kind, id, operation});
      id = id * 3 + 1;
    }
  }
  events.push_back({EntityKind::kObservation, INT64_MAX, Operation::kCreated});
  std::vector<std::string> payloads = EncodeChangeNotifications("abc123", events);
  ASSERT_EQ(payloads.size(), 1u);
  Result<ChangeNotification> decoded = DecodeChangeNotification(payloads[0]);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->node, "abc123");
  EXPECT_EQ(decoded->events, events);
}

TEST(ChangeNotification, SplitsLongBatchesInOrderWithinTheLimit) {
  std::vector<ChangeEvent> events;
  for (int64_t id = 1; id <= 2000; ++id) events.push_back({EntityKind::kObservation, id * 1000, Operation::kCreated});
  std::vector<std::string> payloads = EncodeChangeNotifications("n", events);
  ASSERT_GT(payloads.size(), 1u);
  std::vector<ChangeEvent> joined;
  for (const std::string& payload : payloads) {
    EXPECT_LE(payload.size(), kMaxPayloadBytes);
    Result<ChangeNotification> decoded = DecodeChangeNotification(payload);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    joined.insert(joined.end(), decoded->events.begin(), decoded->events.end());
  }
  EXPECT_EQ(joined, events);
}

TEST(ChangeNotification, SmallLimitStillCarriesOneEventPerPayload) {
  std::vector<ChangeEvent> events = {{EntityKind::kObservation, 1, Operation::kCreated},
                                     {EntityKind::kObservation, 2, Operation::kCreated}};
  std::vector<std::string> payloads = EncodeChangeNotifications("n", events, 10);
  EXPECT_EQ(payloads.size(), 2u);
}

TEST(ChangeNotification, NothingForNoEventsOrAnInvalidNode) {
  EXPECT_TRUE(EncodeChangeNotifications("n", {}).empty());
  std::vector<ChangeEvent> one = {{EntityKind::kThing, 1, Operation::kCreated}};
  EXPECT_TRUE(EncodeChangeNotifications("", one).empty());
  EXPECT_TRUE(EncodeChangeNotifications("a b", one).empty());
  EXPECT_TRUE(EncodeChangeNotifications(std::string(65, 'a'), one).empty());
}

TEST(ChangeNotification, NewNodeIdsAreValidAndDiffer) {
  std::string a = NewNodeId();
  std::string b = NewNodeId();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_EQ(EncodeChangeNotifications(a, {{EntityKind::kThing, 1, Operation::kCreated}}).size(), 1u);
}

TEST(ChangeNotification, RejectsWhatIsNotAPayload) {
  for (std::string_view bad : {"", "fundament.v1", "fundament.v1 n", "fundament.v2 n Thing:c:1",
                               "other n Thing:c:1", "fundament.v1 n Thing:c:1 ", "fundament.v1 n  Thing:c:1",
                               "fundament.v1 n Thing", "fundament.v1 n Thing:c", "fundament.v1 n Thing:x:1",
                               "fundament.v1 n Things:c:1", "fundament.v1 n Thing:c:0", "fundament.v1 n Thing:c:-1",
                               "fundament.v1 n Thing:c:+1", "fundament.v1 n Thing:c:1x",
                               "fundament.v1 n Thing:c:99999999999999999999", "fundament.v1 n! Thing:c:1",
                               "fundament.v1 n Thing:c:1:2"}) {
    Result<ChangeNotification> decoded = DecodeChangeNotification(bad);
    EXPECT_FALSE(decoded.ok()) << "accepted: " << bad;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.error().code, ErrorCode::kBadRequest);
    }
  }
  EXPECT_FALSE(DecodeChangeNotification("fundament.v1 n Thing:c:1" + std::string(8000, '1')).ok());
}

}  // namespace
}  // namespace fundament::store::postgres
