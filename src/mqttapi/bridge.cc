#include "mqttapi/bridge.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "common/json_writer.h"
#include "odata/filter_parser.h"
#include "sta/entity_input.h"
#include "sta/writer.h"

namespace fundament::mqttapi {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// The most link-table neighbours looked up for one changed entity (the
// Things of a Location): a bound on the work of one event, far above what
// real data has.
constexpr int64_t kMaxLinkedSources = 10'000;

// The fewest changed entities of one kind in a batch that are read with one
// range read (Bridge::Prefetch).
constexpr size_t kMinPrefetch = 8;

// How often topics whose subscriptions ended are checked against the broker.
constexpr auto kCollectEvery = std::chrono::seconds(1);
// How often, at most, dropped change events are reported.
constexpr auto kDropReportEvery = std::chrono::seconds(10);

// Client-chosen strings in log lines: short, and without control characters.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (text.size() > 200) out += "…";
  return out;
}

// `{"name": value}`, as GET <entity>/<name> answers (a null value included:
// that the property was cleared is a change too).
std::string RenderProperty(const store::Entity& entity, const model::PropertyDef& property) {
  json::object body;
  const json::value* value = entity.properties.if_contains(property.name);
  body[property.name] = value != nullptr ? *value : json::value(nullptr);
  return ToJson(json::value(std::move(body)));
}

std::string RenderEntityText(const model::EntityTypeDef& type, const store::Entity& entity,
                             const std::vector<std::string>& select, const sta::Links& links) {
  return ToJson(json::value(sta::RenderEntity(type, entity, sta::Selection(select), links)));
}

}  // namespace

Status BrokerSink::Publish(std::string_view topic, std::string_view payload) {
  return broker_.Publish(topic, payload, mqtt::QoS::kAtLeastOnce, /*retain=*/false);
}

bool BrokerSink::HasSubscriber(std::string_view topic) const { return broker_.HasSubscriber(topic); }

Bridge::Bridge(store::Store& store, sta::ServiceOptions service_options, BridgeOptions options)
    : store_(store),
      service_(store, std::move(service_options)),
      options_(options),
      registry_(std::make_shared<sta::TopicRegistry>()),
      queue_(std::make_shared<ChangeQueue>()) {}

Bridge::~Bridge() { Stop(); }

mqtt::BrokerHooks Bridge::Hooks() {
  mqtt::BrokerHooks hooks;
  hooks.on_subscribe = [this](const mqtt::ClientInfo& client, const std::string& filter,
                              mqtt::QoS requested) { return OnSubscribe(client, filter, requested); };
  hooks.on_unsubscribe = [this](const mqtt::ClientInfo& client, const std::string& filter) {
    OnUnsubscribe(client, filter);
  };
  hooks.on_publish_batch = [this](const mqtt::ClientInfo& client, std::span<const mqtt::Publish> run) {
    return OnPublishBatch(client, run);
  };
  return hooks;
}

void Bridge::Start(MessageSink& sink, std::string server_url) {
  sink_ = &sink;
  links_v11_ = std::make_unique<sta::Links>(server_url + "/v1.1");
  links_v10_ = std::make_unique<sta::Links>(server_url + "/v1.0");
  thread_ = std::thread([this] { Run(); });
  // The listener runs on the store's writer thread: it only queues. It holds
  // the queue and the registry itself, since the feed may still be calling
  // it while Stop() unsubscribes.
  subscription_ =
      store_.Changes().Subscribe([queue = queue_, registry = registry_, max = options_.max_pending_changes](
                                     const std::vector<events::ChangeEvent>& events) {
        if (registry->empty()) return;
        uint64_t dropped = 0;
        bool queued = false;
        {
          std::lock_guard lock(queue->mutex);
          for (const events::ChangeEvent& event : events) {
            if (event.operation == events::Operation::kDeleted || !registry->Concerns(event.kind)) continue;
            if (queue->events.size() >= max) {
              ++dropped;
              continue;
            }
            queue->events.push_back(event);
            ++queue->queued;
            queued = true;
          }
        }
        if (dropped > 0) queue->dropped.fetch_add(dropped, std::memory_order_relaxed);
        if (queued) queue->wake.notify_one();
      });
}

void Bridge::Stop() {
  if (subscription_) {
    store_.Changes().Unsubscribe(*subscription_);
    subscription_.reset();
  }
  {
    std::lock_guard lock(queue_->mutex);
    queue_->stopping = true;
  }
  queue_->wake.notify_all();
  queue_->idle.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Bridge::WaitIdle() {
  std::unique_lock lock(queue_->mutex);
  const uint64_t target = queue_->queued;
  queue_->idle.wait(lock, [&] { return queue_->processed >= target || queue_->stopping; });
}

BridgeStats Bridge::Stats() const {
  BridgeStats stats;
  {
    std::lock_guard lock(queue_->mutex);
    stats.changes_queued = queue_->queued;
  }
  stats.changes_dropped = queue_->dropped.load(std::memory_order_relaxed);
  stats.messages_published = messages_published_.load(std::memory_order_relaxed);
  stats.publish_failures = publish_failures_.load(std::memory_order_relaxed);
  stats.observations_created = observations_created_.load(std::memory_order_relaxed);
  stats.messages_refused = messages_refused_.load(std::memory_order_relaxed);
  stats.subscriptions_refused = subscriptions_refused_.load(std::memory_order_relaxed);
  return stats;
}

// --- Hooks -------------------------------------------------------------------

bool Bridge::OnSubscribe(const mqtt::ClientInfo& client, const std::string& filter, mqtt::QoS) {
  try {
    Result<sta::SubscriptionTopic> parsed = sta::ParseSubscriptionTopic(filter);
    if (!parsed.ok()) {
      subscriptions_refused_.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("MQTT: subscription of client '{}' refused: {}", Shown(client.client_id),
                   parsed.error().message);
      return false;
    }
    const sta::TopicForm form = parsed->form;
    const model::EntityTypeDef* type = parsed->type;
    const model::PropertyDef* property = parsed->property;
    const int64_t id = parsed->id;
    const bool fresh = registry_->Add(filter, std::move(parsed).value(), Clock::now());
    if (fresh && form == sta::TopicForm::kProperty) {
      // The value as the subscription begins: only a change of it is published.
      store::ReadRequest request;
      request.kind = type->kind;
      request.id = id;
      request.properties = {std::string(property->name)};
      Result<store::ReadResult> read = store_.Read(request);
      if (read.ok() && !read->entities.empty())
        registry_->SetBaseline(filter, RenderProperty(read->entities.front(), *property));
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::error("MQTT: subscription of client '{}' to '{}' failed: {}", Shown(client.client_id),
                  Shown(filter), e.what());
    return false;
  }
}

void Bridge::OnUnsubscribe(const mqtt::ClientInfo&, const std::string& filter) {
  registry_->MarkUnsubscribed(filter);
}

mqtt::PublishDecision Bridge::OnPublish(const mqtt::ClientInfo& client, const mqtt::Publish& publish) {
  return OnPublishBatch(client, std::span(&publish, 1)).front();
}

mqtt::PublishDecision Bridge::Refuse(const mqtt::ClientInfo& client, const mqtt::Publish& publish,
                                     const Error& error) {
  messages_refused_.fetch_add(1, std::memory_order_relaxed);
  std::string reason = error.message;
  if (!error.field.empty() && reason.find(error.field) == std::string::npos)
    reason += fmt::format(" (at {})", error.field);
  spdlog::info("MQTT: message of client '{}' to '{}' dropped: {}", Shown(client.client_id),
               Shown(publish.topic), reason);
  return mqtt::PublishDecision::kSwallow;
}

std::vector<mqtt::PublishDecision> Bridge::OnPublishBatch(const mqtt::ClientInfo& client,
                                                          std::span<const mqtt::Publish> run) {
  // Every message is acknowledged unless the store cannot write; the broker
  // stops at the first kDisconnect, so nothing after it needs deciding.
  std::vector<mqtt::PublishDecision> decisions(run.size(), mqtt::PublishDecision::kSwallow);
  std::vector<Creation> creations;
  creations.reserve(run.size());
  size_t end = run.size();
  // Each message on its own: its topic, its JSON and the Observation in it.
  // What fails here is dropped without touching the store.
  for (size_t i = 0; i < run.size(); ++i) {
    const mqtt::Publish& publish = run[i];
    try {
      Result<sta::CreationTopic> topic = sta::ParseCreationTopic(publish.topic);
      if (!topic.ok()) {
        decisions[i] = Refuse(client, publish, topic.error());
        continue;
      }
      Result<json::value> body = sta::ParseJsonBody(publish.payload);
      if (!body.ok()) {
        decisions[i] = Refuse(client, publish, body.error());
        continue;
      }
      Result<sta::EntityInput> input = sta::Writer::ParseCreate(topic->path, *body);
      if (!input.ok()) {
        decisions[i] = Refuse(client, publish, input.error());
        continue;
      }
      creations.push_back({i, std::move(topic->path), std::move(input).value()});
    } catch (const std::exception& e) {
      spdlog::error("MQTT: message of client '{}' to '{}' failed: {}", Shown(client.client_id),
                    Shown(publish.topic), e.what());
      decisions[i] = mqtt::PublishDecision::kDisconnect;
      end = i;
      break;
    }
  }
  if (creations.empty()) return decisions;

  // The valid ones in one write. What only the store can tell (the
  // Datastream does not exist, or was deleted meanwhile; no Location to
  // derive a FeatureOfInterest from) fails the whole write, and may have
  // left part of that message written before it failed: then each message
  // is written on its own, so that only that one is dropped.
  size_t failed = creations.size();
  Status written = Status::Ok();
  try {
    written = store_.Write([&](store::WriteTransaction& txn) -> Status {
      sta::Writer writer(txn);
      for (size_t k = 0; k < creations.size(); ++k) {
        Result<sta::WrittenEntity> created = writer.Create(creations[k].path, creations[k].input);
        if (!created.ok()) {
          failed = k;
          return created.error();
        }
      }
      return Status::Ok();
    });
  } catch (const std::exception& e) {
    written = Internal(fmt::format("creating {} Observations failed: {}", creations.size(), e.what()));
    failed = creations.size();
  }
  if (written.ok()) {
    observations_created_.fetch_add(creations.size(), std::memory_order_relaxed);
    return decisions;
  }
  if (failed == creations.size() || written.error().http_status() >= 500) {
    spdlog::warn("MQTT: cannot create the {} Observation(s) of client '{}', disconnecting it: {}",
                 creations.size(), Shown(client.client_id), written.error().message);
    for (size_t i = creations.front().index; i < end; ++i) decisions[i] = mqtt::PublishDecision::kDisconnect;
    return decisions;
  }
  spdlog::debug("MQTT: writing {} Observations of client '{}' one by one: {}", creations.size(),
                Shown(client.client_id), written.error().message);
  for (size_t k = 0; k < creations.size(); ++k) {
    const Creation& creation = creations[k];
    const mqtt::Publish& publish = run[creation.index];
    Status one = Internal("not written");
    try {
      one = store_.Write([&](store::WriteTransaction& txn) -> Status {
        sta::Writer writer(txn);
        return writer.Create(creation.path, creation.input).status();
      });
    } catch (const std::exception& e) {
      one = Internal(e.what());
    }
    if (one.ok()) {
      observations_created_.fetch_add(1, std::memory_order_relaxed);
    } else if (one.error().http_status() < 500) {
      decisions[creation.index] = Refuse(client, publish, one.error());
    } else {
      spdlog::warn("MQTT: cannot create the Observation of client '{}' on '{}', disconnecting it: {}",
                   Shown(client.client_id), Shown(publish.topic), one.error().message);
      for (size_t i = creation.index; i < end; ++i) decisions[i] = mqtt::PublishDecision::kDisconnect;
      break;
    }
  }
  return decisions;
}

// --- Publishing --------------------------------------------------------------

void Bridge::Run() {
  std::vector<events::ChangeEvent> batch;
  Clock::time_point last_collect = Clock::now();
  Clock::time_point last_drop_report = Clock::now() - kDropReportEvery;
  uint64_t reported_drops = 0;
  for (;;) {
    {
      std::unique_lock lock(queue_->mutex);
      // Wakes at least every kCollectEvery to forget unused topics.
      queue_->wake.wait_for(lock, kCollectEvery, [&] { return queue_->stopping || !queue_->events.empty(); });
      if (queue_->stopping) return;
      const size_t take = std::min(queue_->events.size(), std::max<size_t>(options_.batch_size, 1));
      batch.assign(queue_->events.begin(), queue_->events.begin() + static_cast<std::ptrdiff_t>(take));
      queue_->events.erase(queue_->events.begin(),
                           queue_->events.begin() + static_cast<std::ptrdiff_t>(take));
    }
    if (!batch.empty()) {
      try {
        PublishBatch(batch);
      } catch (const std::exception& e) {
        spdlog::error("MQTT: publishing {} changes failed: {}", batch.size(), e.what());
      }
      {
        std::lock_guard lock(queue_->mutex);
        queue_->processed += batch.size();
      }
      queue_->idle.notify_all();
      batch.clear();
    }
    const Clock::time_point now = Clock::now();
    const uint64_t dropped = queue_->dropped.load(std::memory_order_relaxed);
    if (dropped != reported_drops && now - last_drop_report >= kDropReportEvery) {
      spdlog::warn(
          "MQTT: {} changes not published: more than {} were waiting (mqtt.max_pending_changes); "
          "subscribers missed them",
          dropped - reported_drops, options_.max_pending_changes);
      reported_drops = dropped;
      last_drop_report = now;
    }
    if (now - last_collect >= kCollectEvery) {
      registry_->Collect([this](const std::string& topic) { return sink_->HasSubscriber(topic); }, now,
                         options_.unsubscribe_grace);
      last_collect = now;
    }
  }
}

Status Bridge::Prefetch(store::ReadTransaction& reads, const std::vector<events::ChangeEvent>& batch) {
  prefetched_.clear();
  std::map<model::EntityKind, std::vector<int64_t>> wanted;
  for (const events::ChangeEvent& event : batch) {
    if (event.operation != events::Operation::kDeleted && registry_->Concerns(event.kind))
      wanted[event.kind].push_back(event.id);
  }
  for (auto& entry : wanted) {
    // Named, not bound: clang 14 lets no lambda capture a structured binding.
    const model::EntityKind kind = entry.first;
    std::vector<int64_t>& ids = entry.second;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // Bulk writes create runs of consecutive ids: one range read instead of
    // one read per entity, where the range is not mostly other entities.
    const int64_t span = ids.back() - ids.front() + 1;
    if (ids.size() < kMinPrefetch || span > 2 * static_cast<int64_t>(ids.size())) continue;
    FUNDAMENT_ASSIGN_OR_RETURN(
        auto filter, odata::ParseFilter(model::TypeOf(kind),
                                        fmt::format("id ge {} and id le {}", ids.front(), ids.back())));
    store::ReadRequest request;
    request.kind = kind;
    request.filter = std::move(filter);
    FUNDAMENT_RETURN_IF_ERROR(
        reads
            .Scan(request,
                  [&](store::Entity&& entity) -> Status {
                    if (std::binary_search(ids.begin(), ids.end(), entity.id))
                      prefetched_.emplace(std::pair{kind, entity.id}, std::move(entity));
                    return Status::Ok();
                  })
            .status());
    // Those not found were deleted since: nothing to read one by one.
    for (int64_t id : ids) prefetched_.try_emplace(std::pair{kind, id});
  }
  return Status::Ok();
}

void Bridge::PublishBatch(const std::vector<events::ChangeEvent>& batch) {
  std::vector<Outgoing> out;
  streams_rendered_.clear();
  // One snapshot for the batch: every event in it committed before the
  // snapshot began, so each entity is read as of its latest write or later.
  Status read = store_.ReadSnapshot([&](store::ReadTransaction& reads) -> Status {
    Status prefetched = Prefetch(reads, batch);
    if (!prefetched.ok()) {
      // Read one by one instead.
      spdlog::debug("MQTT: prefetching {} changes failed: {}", batch.size(), prefetched.error().message);
      prefetched_.clear();
    }
    for (const events::ChangeEvent& event : batch) {
      Status rendered = RenderChange(reads, event, out);
      if (!rendered.ok()) {
        spdlog::warn("MQTT: change of {}({}) not published: {}", model::TypeOf(event.kind).set_name, event.id,
                     rendered.error().message);
      }
    }
    return Status::Ok();
  });
  prefetched_.clear();
  if (!read.ok()) spdlog::warn("MQTT: {} changes not published: {}", batch.size(), read.error().message);
  // Published after the snapshot is given back, so that no reader waits on
  // the broker.
  for (const Outgoing& message : out) {
    Status published = sink_->Publish(message.topic, message.payload);
    if (published.ok()) {
      messages_published_.fetch_add(1, std::memory_order_relaxed);
    } else {
      publish_failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("MQTT: message to '{}' not published: {}", message.topic, published.error().message);
    }
  }
}

Status Bridge::RenderChange(store::ReadTransaction& reads, const events::ChangeEvent& event,
                            std::vector<Outgoing>& out) {
  if (event.operation == events::Operation::kDeleted || !registry_->Concerns(event.kind)) return Status::Ok();
  store::ReadResult result;
  const store::Entity* found = nullptr;
  if (auto it = prefetched_.find({event.kind, event.id}); it != prefetched_.end()) {
    if (it->second.id != 0) found = &it->second;
  } else {
    store::ReadRequest request;
    request.kind = event.kind;
    request.id = event.id;
    FUNDAMENT_ASSIGN_OR_RETURN(result, reads.Read(request));
    if (!result.entities.empty()) found = &result.entities.front();
  }
  if (found == nullptr) return Status::Ok();  // deleted since
  const store::Entity& entity = *found;

  sta::ChangedEntity change;
  change.kind = event.kind;
  change.id = event.id;
  change.operation = event.operation;
  for (const sta::CollectionNavigation& collection : registry_->CollectionsOf(event.kind)) {
    // The navigation of the changed entity back to the collection's owner.
    const model::NavigationDef& back =
        model::InverseOf(model::TypeOf(collection.source), *collection.navigation);
    if (back.relation == model::Relation::kReference) {
      if (std::optional<int64_t> source_id = entity.ReferenceId(back.name))
        change.memberships.push_back({collection.source, collection.navigation, *source_id});
    } else if (back.relation == model::Relation::kLinkTable) {
      store::ReadRequest linked;
      linked.kind = collection.source;
      linked.related = store::RelatedTo{event.kind, event.id, &back};
      linked.properties = {std::string(model::TypeOf(collection.source).properties.front().name)};
      linked.limit = kMaxLinkedSources;
      FUNDAMENT_ASSIGN_OR_RETURN(store::ReadResult sources, reads.Read(linked));
      for (const store::Entity& source : sources.entities)
        change.memberships.push_back({collection.source, collection.navigation, source.id});
    }
  }
  RenderMatches(change, entity, out);

  // A Datastream's phenomenonTime, resultTime and observedArea follow its
  // Observations; the store reports no change of the Datastream for them.
  if (event.kind == model::EntityKind::kObservation) {
    for (auto [navigation, kind] : {std::pair{"Datastream", model::EntityKind::kDatastream},
                                    std::pair{"MultiDatastream", model::EntityKind::kMultiDatastream}}) {
      std::optional<int64_t> stream_id = entity.ReferenceId(navigation);
      if (!stream_id || !registry_->HasReadOnlyPropertyTopics(kind)) continue;
      // Once per batch: the snapshot shows the same Datastream to all its Observations.
      if (!streams_rendered_.emplace(kind, *stream_id).second) continue;
      store::ReadRequest stream_request;
      stream_request.kind = kind;
      stream_request.id = *stream_id;
      FUNDAMENT_ASSIGN_OR_RETURN(store::ReadResult stream, reads.Read(stream_request));
      if (stream.entities.empty()) continue;
      sta::ChangedEntity derived;
      derived.kind = kind;
      derived.id = *stream_id;
      derived.operation = events::Operation::kUpdated;
      derived.derived = true;
      RenderMatches(derived, stream.entities.front(), out);
    }
  }
  return Status::Ok();
}

void Bridge::RenderMatches(const sta::ChangedEntity& change, const store::Entity& entity,
                           std::vector<Outgoing>& out) {
  std::vector<sta::TopicMatch> matches = registry_->Match(change);
  if (matches.empty()) return;
  const model::EntityTypeDef& type = model::TypeOf(change.kind);
  // Rendered once per version and selection, for all topics that share them.
  std::map<std::string, std::string> rendered;
  for (const sta::TopicMatch& match : matches) {
    if (!sink_->HasSubscriber(match.topic)) continue;
    const sta::SubscriptionTopic& topic = *match.parsed;
    const bool property = topic.form == sta::TopicForm::kProperty;
    std::string key;
    if (property) {
      key = fmt::format("/{}", topic.property->name);
    } else {
      std::vector<std::string> select = topic.select;
      std::sort(select.begin(), select.end());
      key = fmt::format("{}?{}", topic.version, fmt::join(select, ","));
    }
    auto [it, fresh] = rendered.try_emplace(std::move(key));
    if (fresh) {
      it->second = property ? RenderProperty(entity, *topic.property)
                            : RenderEntityText(type, entity, topic.select, LinksFor(topic.version));
    }
    if (property && !registry_->ExchangeLastValue(match.topic, it->second)) continue;
    out.push_back({match.topic, it->second});
  }
}

const sta::Links& Bridge::LinksFor(std::string_view version) const {
  return version == "v1.0" ? *links_v10_ : *links_v11_;
}

}  // namespace fundament::mqttapi
