#include "events/change_feed.h"

#include <algorithm>

namespace fundament::events {

ChangeFeed::SubscriptionId ChangeFeed::Subscribe(ChangeListener listener) {
  std::lock_guard lock(mutex_);
  SubscriptionId id = next_id_++;
  listeners_.emplace_back(id, std::move(listener));
  return id;
}

void ChangeFeed::Unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

void ChangeFeed::Publish(const std::vector<ChangeEvent>& events) {
  if (events.empty()) return;
  // Copy under the lock so that a listener may (un)subscribe while being called.
  std::vector<std::pair<SubscriptionId, ChangeListener>> listeners;
  {
    std::lock_guard lock(mutex_);
    listeners = listeners_;
  }
  for (const auto& [id, listener] : listeners) listener(events);
}

}  // namespace fundament::events
