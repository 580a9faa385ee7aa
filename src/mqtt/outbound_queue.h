// What a session still has to deliver to its client (MQTT 3.1.1 §4.3, §4.4,
// §4.6): the messages waiting to be sent, in the order they were routed, and
// the QoS 1 messages sent but not yet acknowledged ("in flight").
//
// Invariants:
// - Bounded: at most `max_messages` waiting messages totalling at most
//   `max_bytes` (topic plus payload), and at most `max_inflight` in flight.
//   A push that would exceed a bound is refused; the broker decides, by its
//   overflow policy, what that means for the client.
// - In order: deliveries come out in the order they went in. A QoS 1 message
//   that cannot be sent because the in-flight window is full holds back the
//   messages behind it, QoS 0 ones too, so no client sees them reordered
//   (§4.6).
// - Every in-flight message has a packet identifier no other in-flight
//   message of the session has [MQTT-2.3.1-2]. After MarkForResend (a
//   reconnect) they come out again first, in their original order, with the
//   same identifiers and DUP set [MQTT-4.4.0-1], [MQTT-3.3.1-1].
//
// Not thread-safe: the broker guards each session's queue with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "mqtt/packet.h"

namespace fundament::mqtt {

// An application message as the broker routes it: immutable once made, and
// shared by every queue it waits in, so a message to many subscribers is
// held once.
struct Message {
  std::string topic;
  std::string payload;
  QoS qos = QoS::kAtMostOnce;  // as published
  bool retain = false;         // as published

  // What the message counts against a queue's byte bound.
  size_t size() const { return topic.size() + payload.size(); }
};
using MessagePtr = std::shared_ptr<const Message>;

// A PUBLISH to send: which message, with which header values.
struct Delivery {
  MessagePtr message;
  QoS qos = QoS::kAtMostOnce;  // at most the message's and the subscription's QoS
  bool retain = false;         // true only for a retained message sent on a new subscription
  bool dup = false;
  uint16_t packet_id = 0;  // non-zero exactly when qos is 1

  // The packet to encode.
  Publish ToPublish() const;
};

struct QueueLimits {
  size_t max_messages = 1000;
  size_t max_bytes = 4 << 20;
  size_t max_inflight = 32;  // 1 to 65535
};

class OutboundQueue {
 public:
  explicit OutboundQueue(QueueLimits limits);
  OutboundQueue(const OutboundQueue&) = delete;
  OutboundQueue& operator=(const OutboundQueue&) = delete;

  // Appends a delivery of `message` at `qos` (the caller has taken the
  // minimum of the message's and the subscription's QoS; QoS 2 is sent as 1)
  // with the RETAIN flag `retain`. Returns false, changing nothing, when the
  // queue is full.
  bool Push(MessagePtr message, QoS qos, bool retain);

  // The next PUBLISH to send, if any can be sent now: first the in-flight
  // ones to resend, then waiting ones while the in-flight window has room.
  // A QoS 1 delivery stays in flight until Ack.
  std::optional<Delivery> Pop();

  // Ends the flight of the message with `packet_id` (PUBACK); returns
  // whether one was in flight.
  bool Ack(uint16_t packet_id);

  // Makes every in-flight message due to be sent again, with DUP set; for a
  // session whose client reconnects.
  void MarkForResend();

  // Drops the waiting QoS 0 deliveries (a persistent session going offline
  // keeps only QoS 1 ones); returns how many.
  size_t DropQoS0();

  // Waiting deliveries and their bytes; in-flight ones.
  size_t waiting() const { return waiting_.size(); }
  size_t waiting_bytes() const { return waiting_bytes_; }
  size_t inflight() const { return inflight_.size(); }

  // True when Pop would return a delivery.
  bool HasSendable() const;

 private:
  struct InFlight {
    Delivery delivery;
    bool due = false;  // to be (re)sent
  };

  uint16_t NextPacketId();

  const QueueLimits limits_;
  std::deque<Delivery> waiting_;
  size_t waiting_bytes_ = 0;
  std::deque<InFlight> inflight_;  // in the order sent
  uint16_t last_packet_id_ = 0;
};

}  // namespace fundament::mqtt
