#include "mqtt/outbound_queue.h"

#include <algorithm>
#include <utility>

namespace fundament::mqtt {

Publish Delivery::ToPublish() const {
  Publish publish;
  publish.dup = dup;
  publish.qos = qos;
  publish.retain = retain;
  publish.topic = message->topic;
  publish.packet_id = packet_id;
  publish.payload = message->payload;
  return publish;
}

OutboundQueue::OutboundQueue(QueueLimits limits) : limits_(limits) {}

bool OutboundQueue::Push(MessagePtr message, QoS qos, bool retain) {
  size_t size = message->size();
  if (waiting_.size() >= limits_.max_messages ||
      size > limits_.max_bytes - std::min(limits_.max_bytes, waiting_bytes_))
    return false;
  Delivery delivery;
  delivery.message = std::move(message);
  delivery.qos = qos == QoS::kAtMostOnce ? QoS::kAtMostOnce : QoS::kAtLeastOnce;
  delivery.retain = retain;
  waiting_.push_back(std::move(delivery));
  waiting_bytes_ += size;
  return true;
}

bool OutboundQueue::HasSendable() const {
  if (std::any_of(inflight_.begin(), inflight_.end(), [](const InFlight& f) { return f.due; })) return true;
  if (waiting_.empty()) return false;
  return waiting_.front().qos == QoS::kAtMostOnce || inflight_.size() < limits_.max_inflight;
}

std::optional<Delivery> OutboundQueue::Pop() {
  for (InFlight& flight : inflight_) {
    if (!flight.due) continue;
    flight.due = false;
    Delivery resend = flight.delivery;
    resend.dup = true;
    return resend;
  }
  if (waiting_.empty()) return std::nullopt;
  Delivery& next = waiting_.front();
  if (next.qos != QoS::kAtMostOnce && inflight_.size() >= limits_.max_inflight) return std::nullopt;
  Delivery delivery = std::move(next);
  waiting_.pop_front();
  waiting_bytes_ -= delivery.message->size();
  if (delivery.qos != QoS::kAtMostOnce) {
    delivery.packet_id = NextPacketId();
    inflight_.push_back(InFlight{delivery, false});
  }
  return delivery;
}

bool OutboundQueue::Ack(uint16_t packet_id) {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [&](const InFlight& f) { return f.delivery.packet_id == packet_id; });
  if (it == inflight_.end()) return false;
  inflight_.erase(it);
  return true;
}

void OutboundQueue::MarkForResend() {
  for (InFlight& flight : inflight_) flight.due = true;
}

size_t OutboundQueue::DropQoS0() {
  size_t before = waiting_.size();
  std::erase_if(waiting_, [&](const Delivery& d) {
    if (d.qos != QoS::kAtMostOnce) return false;
    waiting_bytes_ -= d.message->size();
    return true;
  });
  return before - waiting_.size();
}

uint16_t OutboundQueue::NextPacketId() {
  // The window is far smaller than the id space, so a free id is near.
  for (;;) {
    last_packet_id_ = static_cast<uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    bool used = std::any_of(inflight_.begin(), inflight_.end(),
                            [&](const InFlight& f) { return f.delivery.packet_id == last_packet_id_; });
    if (!used) return last_packet_id_;
  }
}

}  // namespace fundament::mqtt
