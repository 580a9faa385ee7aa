// The change feed: one event per committed write, published in commit order
// after the transaction is durable. MQTT publication, alerting and other
// nodes consume it, so they can never disagree with the store.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "model/entity_type.h"

namespace fundament::events {

enum class Operation { kCreated, kUpdated, kDeleted };

// One committed change of one entity. Deletions cascaded by the store along
// mandatory links are not reported separately; the deleted root is.
struct ChangeEvent {
  model::EntityKind kind;
  int64_t id;
  Operation operation;
  bool operator==(const ChangeEvent&) const = default;
};

// A subscriber callback. It runs on the writer's thread right after commit and
// must be quick (hand the work to a queue of its own).
using ChangeListener = std::function<void(const std::vector<ChangeEvent>&)>;

// In-process publish/subscribe of committed changes. Thread-safe.
class ChangeFeed {
 public:
  using SubscriptionId = uint64_t;

  // Registers `listener`; it receives every batch published from now on.
  SubscriptionId Subscribe(ChangeListener listener);
  void Unsubscribe(SubscriptionId id);

  // Delivers the events of one committed transaction to every subscriber.
  void Publish(const std::vector<ChangeEvent>& events);

 private:
  std::mutex mutex_;
  SubscriptionId next_id_ = 1;
  std::vector<std::pair<SubscriptionId, ChangeListener>> listeners_;
};

}  // namespace fundament::events
