#include "mqtt/topic.h"

#include "mqtt/rules.h"

namespace fundament::mqtt {

Status ValidateUtf8String(std::string_view text) { return internal::CheckUtf8(text, "string"); }

Status ValidateTopicName(std::string_view topic) { return internal::CheckTopicName(topic, "topic name"); }

Status ValidateTopicFilter(std::string_view filter) {
  return internal::CheckTopicFilter(filter, "topic filter");
}

namespace {

// Cuts the next level off `*rest`; sets `*done` after the last one. A string
// of n separators has n + 1 levels, empty ones included.
std::string_view NextLevel(std::string_view* rest, bool* done) {
  const size_t slash = rest->find('/');
  if (slash == std::string_view::npos) {
    *done = true;
    return *rest;
  }
  std::string_view level = rest->substr(0, slash);
  rest->remove_prefix(slash + 1);
  return level;
}

}  // namespace

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;  // [MQTT-4.7.2-1]
  }
  bool filter_done = false;
  bool topic_done = false;
  while (!filter_done) {
    const std::string_view wanted = NextLevel(&filter, &filter_done);
    if (wanted == "#") return true;  // this level and all below, or none
    if (topic_done) return false;
    const std::string_view level = NextLevel(&topic, &topic_done);
    if (wanted != "+" && wanted != level) return false;
  }
  return topic_done;
}

}  // namespace fundament::mqtt
