// SensorThings MQTT topics (OGC 18-088 §14): which topics a client may
// subscribe to or publish to, what they address, and the registry of the
// topics subscribed, matched against committed changes.
//
// A topic is a resource path below a version segment, exactly as in a URL
// without the host and the leading slash:
//   v1.1/<EntitySet>                          created and updated entities of the set
//   v1.1/<EntitySet>(<id>)                    the entity, when created or updated
//   v1.1/<EntitySet>(<id>)/<property>         {"<property>": value}, when the value changed
//   v1.1/<EntitySet>(<id>)/<Navigation>       created and updated entities of a to-many
//                                             navigation collection (v1.1/Datastreams(1)/Observations)
// The first, second and fourth may carry `?$select=a,b` (§14.2.4). `v1.0/`
// works the same (with /v1.0 links in the messages). Topics are exact: the
// standard defines no wildcards, and a filter with `+` or `#` is refused,
// as is every other topic (chained paths, to-one navigations, $ref, $value,
// members inside a property, other query options).
//
// Creation topics (§14.1): v1.1/Observations, and the Observations of one
// Datastream, MultiDatastream or FeatureOfInterest
// (v1.1/Datastreams(1)/Observations), which link the new Observation to it.
//
// Nothing here touches the store or the broker; the MQTT bridge
// (mqttapi/bridge.h) reads the entities and publishes.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "events/change_feed.h"
#include "model/entity_type.h"
#include "odata/resource_path.h"

namespace fundament::sta {

// The four subscription topics of §14.2 (the $select variant is any of the
// others with a selection).
enum class TopicForm {
  kEntitySet,             // v1.1/Observations
  kEntity,                // v1.1/Things(1)
  kProperty,              // v1.1/Things(1)/name
  kNavigationCollection,  // v1.1/Datastreams(1)/Observations
};

// A parsed subscription topic.
struct SubscriptionTopic {
  std::string_view version;  // "v1.1" or "v1.0"
  TopicForm form = TopicForm::kEntitySet;
  // The type of the entities whose changes the topic carries: the set's
  // type, the entity's, the type owning the property, or the navigation's
  // target.
  const model::EntityTypeDef* type = nullptr;
  // kEntity, kProperty: the entity; kNavigationCollection: the entity the
  // navigation starts at.
  int64_t id = 0;
  const model::EntityTypeDef* source = nullptr;  // kNavigationCollection: the type of `id`
  const model::NavigationDef* navigation =
      nullptr;                                   // kNavigationCollection: a to-many navigation of `source`
  const model::PropertyDef* property = nullptr;  // kProperty
  // $select as given, checked against `type`; empty: every member.
  std::vector<std::string> select;
};

// Parses a topic filter of a SUBSCRIBE. kBadRequest, with a message saying
// which topics there are, for anything that is not one of the topics above.
Result<SubscriptionTopic> ParseSubscriptionTopic(std::string_view topic);

// A topic whose messages create Observations.
struct CreationTopic {
  std::string_view version;  // "v1.1" or "v1.0"
  odata::ResourcePath path;  // Observations, or <Set>(<id>)/Observations
};

// Parses the topic of a client's PUBLISH as a creation topic; kBadRequest
// (saying which topics create Observations) for any other topic.
Result<CreationTopic> ParseCreationTopic(std::string_view topic);

// One committed change of one entity, with what the bridge learnt about it
// from the store.
struct ChangedEntity {
  model::EntityKind kind = model::EntityKind::kThing;
  int64_t id = 0;
  events::Operation operation = events::Operation::kCreated;
  // True when the entity was not written itself, but its read-only
  // properties (a Datastream's phenomenonTime, resultTime, observedArea) may
  // have changed with a write of one of its Observations. Such a change
  // concerns property topics of read-only properties only.
  bool derived = false;

  // The entity is in the to-many navigation `navigation` of entity
  // (source_kind, source_id): Datastream 3 for a new Observation of it.
  struct Membership {
    model::EntityKind source_kind;
    const model::NavigationDef* navigation;  // a navigation of source_kind
    int64_t source_id;
  };
  // Filled in for the navigations TopicRegistry::CollectionsOf names.
  std::vector<Membership> memberships;
};

// A navigation collection with subscribed topics: `navigation` of `source`.
struct CollectionNavigation {
  model::EntityKind source;
  const model::NavigationDef* navigation;
};

// A subscribed topic a change concerns.
struct TopicMatch {
  std::string topic;
  std::shared_ptr<const SubscriptionTopic> parsed;
};

// The topics clients subscribed to, indexed by what they address.
//
// The broker knows exactly which sessions subscribe to what; this registry
// is a superset of the topics in use. A topic is added when a subscription
// to it is accepted and forgotten by Collect() only once the broker has no
// subscriber for it left: the hooks that report subscriptions ending can run
// after a new subscription to the same topic was accepted (a session taken
// over, the notifications of a session's end being asynchronous), so a count
// kept from them alone could forget a topic still in use.
//
// Thread-safe: one mutex guards the index, held only for in-memory work;
// Concerns() and empty() read atomics and never block.
class TopicRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  TopicRegistry();
  TopicRegistry(const TopicRegistry&) = delete;
  TopicRegistry& operator=(const TopicRegistry&) = delete;

  // Records an accepted subscription to `topic` (parsed as `parsed`) at
  // `now`. Returns true when the topic was not registered before.
  bool Add(const std::string& topic, SubscriptionTopic parsed, Clock::time_point now);

  // Records that a subscription to `topic` ended; Collect() decides later
  // whether the topic is still in use.
  void MarkUnsubscribed(const std::string& topic);

  // Forgets the topics marked unsubscribed that `subscribed` (the broker's
  // view) says nobody subscribes to any more and that were not subscribed
  // again within `grace` of `now` (a subscription accepted by the hook
  // reaches the broker's table a moment later). Returns how many it forgot.
  size_t Collect(const std::function<bool(const std::string&)>& subscribed, Clock::time_point now,
                 Clock::duration grace);

  // Whether a change of an entity of `kind` may concern some topic (its
  // set, itself, its properties, a collection it is in, or for an
  // Observation the read-only properties of its Datastream). Lock-free.
  bool Concerns(model::EntityKind kind) const;
  bool empty() const { return size_.load(std::memory_order_relaxed) == 0; }
  size_t size() const { return size_.load(std::memory_order_relaxed); }

  // The navigation collections with topics whose entities are of `kind`.
  std::vector<CollectionNavigation> CollectionsOf(model::EntityKind kind) const;

  // Whether topics of read-only properties of entities of `kind` exist.
  bool HasReadOnlyPropertyTopics(model::EntityKind kind) const;

  // The topics `change` concerns: for a created or updated entity its set,
  // itself, its properties and the collections of its memberships; for a
  // derived change the topics of its read-only properties. Deletions
  // concern none (§14.2 defines messages for creates and updates only).
  std::vector<TopicMatch> Match(const ChangedEntity& change) const;

  // Property topics publish only when the value changed (§14.2.3). Returns
  // whether `payload` differs from the value last recorded for `topic`
  // (unknown counts as different), and records it.
  bool ExchangeLastValue(const std::string& topic, const std::string& payload);
  // Records `payload` as the current value of `topic` unless a value is
  // already known (the value when the subscription began).
  void SetBaseline(const std::string& topic, const std::string& payload);

 private:
  // What the index is keyed by: (form, kind, id, navigation name). Set
  // topics have id 0; entity and property topics the entity's kind and id;
  // collection topics the source's kind and id and the navigation.
  using Key = std::tuple<int, int, int64_t, std::string_view>;
  struct Entry {
    std::shared_ptr<const SubscriptionTopic> parsed;
    Clock::time_point last_subscribed;
    bool unsubscribed = false;
    std::optional<std::string> last_value;  // property topics
  };

  static Key KeyOf(const SubscriptionTopic& topic);
  void Count(const SubscriptionTopic& topic, int delta);  // requires mutex_
  void AppendMatches(const Key& key, const ChangedEntity& change, std::vector<TopicMatch>& out) const;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> topics_;
  std::map<Key, std::vector<std::string>> index_;
  std::map<std::pair<int, std::string_view>, int> collections_;  // (source kind, navigation) -> topics
  std::array<int, std::size(model::kAllEntityKinds)> read_only_property_topics_{};
  std::array<std::atomic<int>, std::size(model::kAllEntityKinds)> interest_;
  std::atomic<size_t> size_{0};
};

}  // namespace fundament::sta
