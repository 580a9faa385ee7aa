#include "mqtt/outbound_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace fundament::mqtt {
namespace {

MessagePtr MakeMessage(std::string payload, QoS qos = QoS::kAtLeastOnce) {
  auto message = std::make_shared<Message>();
  message->topic = "t";
  message->payload = std::move(payload);
  message->qos = qos;
  return message;
}

TEST(OutboundQueue, RefusesPushBeyondMessageBound) {
  OutboundQueue queue({.max_messages = 2, .max_bytes = 1000, .max_inflight = 10});
  EXPECT_TRUE(queue.Push(MakeMessage("1"), QoS::kAtMostOnce, false));
  EXPECT_TRUE(queue.Push(MakeMessage("2"), QoS::kAtMostOnce, false));
  EXPECT_FALSE(queue.Push(MakeMessage("3"), QoS::kAtMostOnce, false));
  EXPECT_EQ(queue.waiting(), 2u);
}

TEST(OutboundQueue, RefusesPushBeyondByteBound) {
  OutboundQueue queue({.max_messages = 100, .max_bytes = 10, .max_inflight = 10});
  EXPECT_TRUE(queue.Push(MakeMessage("12345678"), QoS::kAtMostOnce, false));  // 9 bytes with the topic
  EXPECT_FALSE(queue.Push(MakeMessage("12"), QoS::kAtMostOnce, false));
  EXPECT_TRUE(queue.Push(MakeMessage(""), QoS::kAtMostOnce, false));
  EXPECT_EQ(queue.waiting_bytes(), 10u);
  ASSERT_TRUE(queue.Pop().has_value());
  EXPECT_EQ(queue.waiting_bytes(), 1u);
}

TEST(OutboundQueue, AssignsDistinctPacketIdsAndHoldsBackBehindFullWindow) {
  OutboundQueue queue({.max_messages = 10, .max_bytes = 1000, .max_inflight = 2});
  queue.Push(MakeMessage("a"), QoS::kAtLeastOnce, false);
  queue.Push(MakeMessage("b"), QoS::kAtLeastOnce, false);
  queue.Push(MakeMessage("c"), QoS::kAtLeastOnce, false);
  queue.Push(MakeMessage("d", QoS::kAtMostOnce), QoS::kAtMostOnce, false);
  auto a = queue.Pop();
  auto b = queue.Pop();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->packet_id, 0);
  EXPECT_NE(a->packet_id, b->packet_id);
  // "c" waits for room, and "d" (QoS 0) waits behind it to keep the order.
  EXPECT_FALSE(queue.Pop().has_value());
  EXPECT_FALSE(queue.HasSendable());
  EXPECT_TRUE(queue.Ack(a->packet_id));
  EXPECT_FALSE(queue.Ack(a->packet_id));
  auto c = queue.Pop();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->message->payload, "c");
  auto d = queue.Pop();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message->payload, "d");
  EXPECT_EQ(d->packet_id, 0);
  EXPECT_EQ(queue.inflight(), 2u);
}

TEST(OutboundQueue, ResendsInFlightFirstWithDupAndSameIds) {
  OutboundQueue queue({.max_messages = 10, .max_bytes = 1000, .max_inflight = 5});
  queue.Push(MakeMessage("a"), QoS::kAtLeastOnce, false);
  queue.Push(MakeMessage("b"), QoS::kAtLeastOnce, false);
  auto a = queue.Pop();
  queue.Push(MakeMessage("c"), QoS::kAtLeastOnce, false);
  queue.MarkForResend();
  auto again = queue.Pop();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->message->payload, "a");
  EXPECT_TRUE(again->dup);
  EXPECT_EQ(again->packet_id, a->packet_id);
  auto b = queue.Pop();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->message->payload, "b");
  EXPECT_FALSE(b->dup);
}

TEST(OutboundQueue, PacketIdsWrapAroundSkippingZeroAndIdsInUse) {
  OutboundQueue queue({.max_messages = 10, .max_bytes = 1000, .max_inflight = 2});
  queue.Push(MakeMessage("held"), QoS::kAtLeastOnce, false);
  auto held = queue.Pop();
  for (int i = 0; i < 70000; ++i) {
    queue.Push(MakeMessage("x"), QoS::kAtLeastOnce, false);
    auto next = queue.Pop();
    ASSERT_TRUE(next);
    ASSERT_NE(next->packet_id, 0);
    ASSERT_NE(next->packet_id, held->packet_id);
    ASSERT_TRUE(queue.Ack(next->packet_id));
  }
}

TEST(OutboundQueue, DropQoS0KeepsQoS1) {
  OutboundQueue queue({.max_messages = 10, .max_bytes = 1000, .max_inflight = 5});
  queue.Push(MakeMessage("a", QoS::kAtMostOnce), QoS::kAtMostOnce, false);
  queue.Push(MakeMessage("b"), QoS::kAtLeastOnce, false);
  queue.Push(MakeMessage("c", QoS::kAtMostOnce), QoS::kAtMostOnce, false);
  EXPECT_EQ(queue.DropQoS0(), 2u);
  EXPECT_EQ(queue.waiting(), 1u);
  EXPECT_EQ(queue.waiting_bytes(), 2u);
  EXPECT_EQ(queue.Pop()->message->payload, "b");
}

}  // namespace
}  // namespace fundament::mqtt
