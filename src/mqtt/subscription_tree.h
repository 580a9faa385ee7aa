// The broker's routing table: which subscribers have a topic filter that
// matches a topic name (MQTT 3.1.1 §4.7), found without looking at every
// subscription.
//
// The filters are kept as a tree of their levels; '+' and '#' are children
// like any other level, so a lookup walks one exact path plus the wildcard
// branches beside it. The answers are those of TopicMatches (topic.h),
// including the rule that a filter starting with a wildcard does not match a
// topic name starting with '$' [MQTT-4.7.2-1]; the unit tests check that.
//
// Invariants: a node exists only while a subscription lies at it or below
// it, so the tree's size follows the subscriptions, not the history of
// them. Not thread-safe: the broker guards it with its routing mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mqtt/packet.h"

namespace fundament::mqtt {

// Identifies a subscriber (for the broker: one session).
using SubscriberId = uint64_t;

class SubscriptionTree {
 public:
  SubscriptionTree();
  ~SubscriptionTree();
  SubscriptionTree(const SubscriptionTree&) = delete;
  SubscriptionTree& operator=(const SubscriptionTree&) = delete;

  // Adds `subscriber`'s subscription to `filter` (a valid topic filter) with
  // the granted `qos`, or changes the QoS of the one it has. Returns true
  // when the subscription is new.
  bool Insert(std::string_view filter, SubscriberId subscriber, QoS qos);

  // Removes `subscriber`'s subscription to exactly `filter`; returns whether
  // there was one.
  bool Erase(std::string_view filter, SubscriberId subscriber);

  // Appends every (subscriber, granted QoS) whose filter matches `topic` (a
  // valid topic name) to `*matches`: one entry per matching subscription, so
  // a subscriber with overlapping filters appears once per filter.
  void Match(std::string_view topic, std::vector<std::pair<SubscriberId, QoS>>* matches) const;

  // True when any subscription matches `topic`; cheaper than Match.
  bool HasMatch(std::string_view topic) const;

  // The number of subscriptions.
  size_t size() const { return size_; }

 private:
  struct Node {
    // std::less<> lets a string_view level find a std::string key.
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::unordered_map<SubscriberId, QoS> subscribers;
  };

  template <typename Visit>
  bool Walk(const Node& node, const std::vector<std::string_view>& levels, size_t index,
            const Visit& visit) const;

  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

}  // namespace fundament::mqtt
