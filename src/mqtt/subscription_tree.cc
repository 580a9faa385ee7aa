#include "mqtt/subscription_tree.h"

namespace fundament::mqtt {

namespace {

// The levels of a topic name or filter: "a//b" is {"a", "", "b"}.
std::vector<std::string_view> SplitLevels(std::string_view text) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(text.substr(start));
      return levels;
    }
    levels.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

SubscriptionTree::SubscriptionTree() : root_(std::make_unique<Node>()) {}
SubscriptionTree::~SubscriptionTree() = default;

bool SubscriptionTree::Insert(std::string_view filter, SubscriberId subscriber, QoS qos) {
  Node* node = root_.get();
  for (std::string_view level : SplitLevels(filter)) {
    auto it = node->children.find(level);
    if (it == node->children.end())
      it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    node = it->second.get();
  }
  auto [entry, inserted] = node->subscribers.try_emplace(subscriber, qos);
  if (inserted) {
    ++size_;
  } else {
    entry->second = qos;
  }
  return inserted;
}

bool SubscriptionTree::Erase(std::string_view filter, SubscriberId subscriber) {
  std::vector<std::string_view> levels = SplitLevels(filter);
  // path[i] is the node reached after i levels.
  std::vector<Node*> path{root_.get()};
  for (std::string_view level : levels) {
    auto it = path.back()->children.find(level);
    if (it == path.back()->children.end()) return false;
    path.push_back(it->second.get());
  }
  if (path.back()->subscribers.erase(subscriber) == 0) return false;
  --size_;
  // Prune the nodes that hold nothing any more, deepest first.
  for (size_t i = levels.size(); i > 0; --i) {
    Node* node = path[i];
    if (!node->subscribers.empty() || !node->children.empty()) break;
    auto it = path[i - 1]->children.find(levels[i - 1]);
    path[i - 1]->children.erase(it);
  }
  return true;
}

// Visits every node whose filter matches the topic `levels`, given that
// `node` matched levels[0, index). Stops, returning true, as soon as `visit`
// returns true.
template <typename Visit>
bool SubscriptionTree::Walk(const Node& node, const std::vector<std::string_view>& levels, size_t index,
                            const Visit& visit) const {
  if (index == levels.size()) {
    if (visit(node)) return true;
    // '#' also matches the parent level: "sport/#" matches "sport" (§4.7.1.2).
    auto hash = node.children.find(std::string_view("#"));
    return hash != node.children.end() && visit(*hash->second);
  }
  const std::string_view level = levels[index];
  // [MQTT-4.7.2-1]: no wildcard as first level matches a "$..." topic name.
  const bool shielded = index == 0 && !level.empty() && level.front() == '$';
  if (!shielded) {
    auto hash = node.children.find(std::string_view("#"));
    if (hash != node.children.end() && visit(*hash->second)) return true;
    auto plus = node.children.find(std::string_view("+"));
    if (plus != node.children.end() && Walk(*plus->second, levels, index + 1, visit)) return true;
  }
  // A wildcard character in a topic name is invalid input; not looking it up
  // keeps it from being matched twice.
  if (level == "+" || level == "#") return false;
  auto exact = node.children.find(level);
  return exact != node.children.end() && Walk(*exact->second, levels, index + 1, visit);
}

void SubscriptionTree::Match(std::string_view topic,
                             std::vector<std::pair<SubscriberId, QoS>>* matches) const {
  Walk(*root_, SplitLevels(topic), 0, [&](const Node& node) {
    for (const auto& [subscriber, qos] : node.subscribers) matches->emplace_back(subscriber, qos);
    return false;
  });
}

bool SubscriptionTree::HasMatch(std::string_view topic) const {
  return Walk(*root_, SplitLevels(topic), 0, [](const Node& node) { return !node.subscribers.empty(); });
}

}  // namespace fundament::mqtt
