#include "sta/mqtt_topic.h"

#include <fmt/format.h>

#include <algorithm>

#include "odata/query_options.h"

namespace fundament::sta {

namespace {

using model::EntityKind;

constexpr std::string_view kSubscriptionTopics =
    "SensorThings topics are v1.1/<EntitySet>, v1.1/<EntitySet>(<id>), v1.1/<EntitySet>(<id>)/<property> "
    "and v1.1/<EntitySet>(<id>)/<NavigationCollection>, the first, second and fourth optionally with "
    "?$select=<names>";
constexpr std::string_view kCreationTopics =
    "Observations are created by publishing to v1.1/Observations or to v1.1/Datastreams(<id>)/Observations, "
    "v1.1/MultiDatastreams(<id>)/Observations or v1.1/FeaturesOfInterest(<id>)/Observations";

int KindIndex(EntityKind kind) { return static_cast<int>(kind); }

// Topics come from clients: quote them in messages only while short, and
// never with control characters, so that a log line stays one line.
std::string Shown(std::string_view topic) {
  std::string out;
  for (char c : topic.substr(0, 200)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (topic.size() > 200) out += "…";
  return "'" + out + "'";
}

// Splits "v1.1/rest" into the version and the rest.
Result<std::pair<std::string_view, std::string_view>> SplitVersion(std::string_view topic,
                                                                   std::string_view topics) {
  for (std::string_view version : {std::string_view("v1.1"), std::string_view("v1.0")}) {
    if (topic.size() > version.size() + 1 && topic.starts_with(version) && topic[version.size()] == '/')
      return std::pair{version, topic.substr(version.size() + 1)};
  }
  return BadRequest(fmt::format("{} is not a SensorThings topic: {}", Shown(topic), topics));
}

Result<odata::ResourcePath> ParsePath(std::string_view text) {
  FUNDAMENT_ASSIGN_OR_RETURN(std::string decoded, odata::PercentDecode(text));
  return odata::ParseResourcePath(decoded);
}

}  // namespace

Result<SubscriptionTopic> ParseSubscriptionTopic(std::string_view topic) {
  if (topic.find_first_of("+#") != std::string_view::npos)
    return BadRequest(fmt::format("{}: wildcards (+, #) are not SensorThings topics; {}", Shown(topic),
                                  kSubscriptionTopics));
  FUNDAMENT_ASSIGN_OR_RETURN(auto split, SplitVersion(topic, kSubscriptionTopics));
  auto [version, rest] = split;
  const size_t question = rest.find('?');
  std::string_view path_text = rest.substr(0, question);
  std::optional<std::string_view> query;
  if (question != std::string_view::npos) query = rest.substr(question + 1);

  Result<odata::ResourcePath> parsed = ParsePath(path_text);
  if (!parsed.ok())
    return Error{parsed.error().code, fmt::format("{}: {}", Shown(topic), parsed.error().message)};
  const odata::ResourcePath& path = *parsed;

  SubscriptionTopic out;
  out.version = version;
  const odata::PathStep& first = path.steps.front();
  const bool plain = !path.ref && !path.value && path.member_path.empty();
  if (plain && path.steps.size() == 1 && !first.id && path.property == nullptr) {
    out.form = TopicForm::kEntitySet;
    out.type = first.type;
  } else if (plain && path.steps.size() == 1 && first.id) {
    out.form = path.property == nullptr ? TopicForm::kEntity : TopicForm::kProperty;
    out.type = first.type;
    out.id = *first.id;
    out.property = path.property;
  } else if (plain && path.steps.size() == 2 && first.id && path.property == nullptr &&
             path.steps[1].navigation->to_many && !path.steps[1].id) {
    out.form = TopicForm::kNavigationCollection;
    out.type = path.steps[1].type;
    out.id = *first.id;
    out.source = first.type;
    out.navigation = path.steps[1].navigation;
  } else {
    return BadRequest(
        fmt::format("{} is not a SensorThings MQTT topic: {}", Shown(topic), kSubscriptionTopics));
  }

  if (query) {
    if (out.form == TopicForm::kProperty)
      return BadRequest(fmt::format("{}: $select does not apply to a property topic", Shown(topic)));
    // Only $select (§14.2.4): a topic is no query, and messages carry one
    // entity, so $filter, $expand, $top and the others have no meaning here.
    size_t start = 0;
    while (start <= query->size()) {
      size_t amp = std::min(query->find('&', start), query->size());
      std::string_view option = query->substr(start, amp - start);
      if (!option.starts_with("$select=") && !option.starts_with("%24select="))
        return BadRequest(fmt::format("{}: only $select may follow a topic's path", Shown(topic)));
      start = amp + 1;
    }
    Result<odata::QueryOptions> options = odata::ParseQueryOptions(*out.type, *query);
    if (!options.ok())
      return Error{options.error().code, fmt::format("{}: {}", Shown(topic), options.error().message)};
    out.select = options->select;
  }
  return out;
}

Result<CreationTopic> ParseCreationTopic(std::string_view topic) {
  FUNDAMENT_ASSIGN_OR_RETURN(auto split, SplitVersion(topic, kCreationTopics));
  auto [version, rest] = split;
  if (rest.find('?') != std::string_view::npos)
    return BadRequest(
        fmt::format("{}: a creation topic takes no query options; {}", Shown(topic), kCreationTopics));
  Result<odata::ResourcePath> parsed = ParsePath(rest);
  if (!parsed.ok())
    return Error{parsed.error().code, fmt::format("{}: {}", Shown(topic), parsed.error().message)};
  const odata::ResourcePath& path = *parsed;
  const bool observations = path.is_collection() && !path.ref &&
                            path.last().type->kind == EntityKind::kObservation && path.steps.size() <= 2;
  if (!observations) return BadRequest(fmt::format("{} creates nothing: {}", Shown(topic), kCreationTopics));
  return CreationTopic{version, std::move(parsed).value()};
}

// --- TopicRegistry -----------------------------------------------------------

TopicRegistry::TopicRegistry() {
  for (auto& interest : interest_) interest.store(0, std::memory_order_relaxed);
}

TopicRegistry::Key TopicRegistry::KeyOf(const SubscriptionTopic& topic) {
  switch (topic.form) {
    case TopicForm::kEntitySet:
      return {static_cast<int>(topic.form), KindIndex(topic.type->kind), 0, {}};
    case TopicForm::kEntity:
    case TopicForm::kProperty:
      return {static_cast<int>(topic.form), KindIndex(topic.type->kind), topic.id, {}};
    case TopicForm::kNavigationCollection:
      return {static_cast<int>(topic.form), KindIndex(topic.source->kind), topic.id, topic.navigation->name};
  }
  return {};
}

void TopicRegistry::Count(const SubscriptionTopic& topic, int delta) {
  interest_[KindIndex(topic.type->kind)].fetch_add(delta, std::memory_order_relaxed);
  if (topic.form == TopicForm::kNavigationCollection) {
    int& count = collections_[{KindIndex(topic.source->kind), topic.navigation->name}];
    count += delta;
    if (count == 0) collections_.erase({KindIndex(topic.source->kind), topic.navigation->name});
  }
  if (topic.form == TopicForm::kProperty && topic.property->read_only) {
    read_only_property_topics_[KindIndex(topic.type->kind)] += delta;
    // The read-only properties (a Datastream's phenomenonTime, resultTime,
    // observedArea) change with writes of Observations.
    interest_[KindIndex(EntityKind::kObservation)].fetch_add(delta, std::memory_order_relaxed);
  }
}

bool TopicRegistry::Add(const std::string& topic, SubscriptionTopic parsed, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = topics_.try_emplace(topic);
  Entry& entry = it->second;
  entry.last_subscribed = now;
  entry.unsubscribed = false;
  if (!inserted) return false;
  entry.parsed = std::make_shared<const SubscriptionTopic>(std::move(parsed));
  index_[KeyOf(*entry.parsed)].push_back(topic);
  Count(*entry.parsed, +1);
  size_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void TopicRegistry::MarkUnsubscribed(const std::string& topic) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) it->second.unsubscribed = true;
}

size_t TopicRegistry::Collect(const std::function<bool(const std::string&)>& subscribed,
                              Clock::time_point now, Clock::duration grace) {
  std::vector<std::string> candidates;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [topic, entry] : topics_)
      if (entry.unsubscribed && now - entry.last_subscribed >= grace) candidates.push_back(topic);
  }
  // Asked without the lock: `subscribed` takes the broker's.
  std::vector<std::string> unused;
  for (std::string& topic : candidates)
    if (!subscribed(topic)) unused.push_back(std::move(topic));
  size_t forgotten = 0;
  std::lock_guard lock(mutex_);
  for (const std::string& topic : unused) {
    auto it = topics_.find(topic);
    // Subscribed again meanwhile: the broker's answer may predate it.
    if (it == topics_.end() || !it->second.unsubscribed || now - it->second.last_subscribed < grace) continue;
    const Key key = KeyOf(*it->second.parsed);
    auto indexed = index_.find(key);
    if (indexed != index_.end()) {
      std::erase(indexed->second, topic);
      if (indexed->second.empty()) index_.erase(indexed);
    }
    Count(*it->second.parsed, -1);
    topics_.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
    ++forgotten;
  }
  return forgotten;
}

bool TopicRegistry::Concerns(EntityKind kind) const {
  return interest_[KindIndex(kind)].load(std::memory_order_relaxed) > 0;
}

std::vector<CollectionNavigation> TopicRegistry::CollectionsOf(EntityKind kind) const {
  std::vector<CollectionNavigation> out;
  std::lock_guard lock(mutex_);
  for (const auto& [key, count] : collections_) {
    const model::EntityTypeDef& source = model::TypeOf(static_cast<EntityKind>(key.first));
    const model::NavigationDef* navigation = source.FindNavigation(key.second);
    if (navigation != nullptr && navigation->target == kind) out.push_back({source.kind, navigation});
  }
  return out;
}

bool TopicRegistry::HasReadOnlyPropertyTopics(EntityKind kind) const {
  std::lock_guard lock(mutex_);
  return read_only_property_topics_[KindIndex(kind)] > 0;
}

void TopicRegistry::AppendMatches(const Key& key, const ChangedEntity& change,
                                  std::vector<TopicMatch>& out) const {
  auto indexed = index_.find(key);
  if (indexed == index_.end()) return;
  for (const std::string& topic : indexed->second) {
    const Entry& entry = topics_.at(topic);
    if (change.derived && !(entry.parsed->form == TopicForm::kProperty && entry.parsed->property->read_only))
      continue;
    out.push_back({topic, entry.parsed});
  }
}

std::vector<TopicMatch> TopicRegistry::Match(const ChangedEntity& change) const {
  std::vector<TopicMatch> out;
  if (change.operation == events::Operation::kDeleted) return out;
  const int kind = KindIndex(change.kind);
  std::lock_guard lock(mutex_);
  if (!change.derived) {
    AppendMatches({static_cast<int>(TopicForm::kEntitySet), kind, 0, {}}, change, out);
    AppendMatches({static_cast<int>(TopicForm::kEntity), kind, change.id, {}}, change, out);
    for (const ChangedEntity::Membership& membership : change.memberships) {
      AppendMatches({static_cast<int>(TopicForm::kNavigationCollection), KindIndex(membership.source_kind),
                     membership.source_id, membership.navigation->name},
                    change, out);
    }
  }
  AppendMatches({static_cast<int>(TopicForm::kProperty), kind, change.id, {}}, change, out);
  return out;
}

bool TopicRegistry::ExchangeLastValue(const std::string& topic, const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return true;
  if (it->second.last_value == payload) return false;
  it->second.last_value = payload;
  return true;
}

void TopicRegistry::SetBaseline(const std::string& topic, const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it != topics_.end() && !it->second.last_value) it->second.last_value = payload;
}

}  // namespace fundament::sta
