// The SensorThings MQTT extension (OGC 18-088 §14) on top of the embedded
// broker: the glue between the MQTT broker (mqtt/) and the SensorThings
// service (sta/). Neither knows the other; the application (app/serve.cc)
// installs the bridge's hooks in the broker and starts it.
//
// - Subscriptions (on_subscribe): only SensorThings topics
//   (sta/mqtt_topic.h) are accepted; anything else, wildcards included, is
//   refused with SUBACK 0x80. Accepted topics enter a TopicRegistry.
// - Publications: the bridge listens to the store's change feed. The
//   listener runs on the store's writer thread and only queues the events
//   (bounded by max_pending_changes; events that do not fit are dropped,
//   counted and reported at warn level). The bridge's own thread takes them
//   in order, works out which subscribed topics each concerns, reads the
//   entity from one read snapshot per batch, renders it once per distinct
//   (version, $select) exactly as a GET of the entity returns it, and
//   publishes it to every matching topic. Entities are read when published,
//   not as of their commit: an entity changed twice in quick succession may
//   be published twice in its latest state. Every committed write, whoever
//   made it (HTTP, $batch, CreateObservations, MQTT), is published this way
//   once, after its commit.
// - Creating Observations (on_publish_batch): a message to a creation topic
//   is parsed as the JSON of one Observation and created through the same
//   write path as an HTTP POST (sta::Writer::Create), so the same validation
//   applies. The broker hands over a client's messages in runs (mqtt/broker.h);
//   each message is checked on its own, and the valid ones of a run are
//   created in one store write, in message order. When that write fails for
//   one message (what only the store can tell, e.g. a Datastream deleted
//   meanwhile), it is rolled back and the messages are written one by one,
//   so that only that one is dropped. The hook returns only after the commit,
//   so the PUBACK of a QoS 1 message means the Observation is on disk.
//   Invalid messages are dropped (acknowledged, nothing of them written) and
//   logged at info with the reason; when the store cannot write, the client
//   is disconnected without an acknowledgement, so that it sends the
//   messages again. Messages to any other topic are acknowledged and
//   dropped: clients cannot publish to each other, nor in the name of the
//   server. The broker never routes a client's message itself (retained
//   flags are therefore without effect).
//
// Threading: the hooks run on the broker's hook threads, concurrently; the
// publisher runs on one thread of the bridge's own, started by Start().
// Start() and Stop() are called by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "events/change_feed.h"
#include "mqtt/broker.h"
#include "sta/entity_input.h"
#include "sta/entity_output.h"
#include "sta/mqtt_topic.h"
#include "sta/service.h"
#include "store/store.h"

namespace fundament::mqttapi {

// Where the bridge's messages go: the broker, or a fake in tests.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Publishes one message as the server.
  virtual Status Publish(std::string_view topic, std::string_view payload) = 0;
  // Whether some client subscribes to `topic` (so that rendering can be skipped).
  virtual bool HasSubscriber(std::string_view topic) const = 0;
};

// A MessageSink on a Broker. Messages go out at QoS 1, so that each
// subscriber receives them at the QoS it was granted (0 or 1).
class BrokerSink : public MessageSink {
 public:
  explicit BrokerSink(mqtt::Broker& broker) : broker_(broker) {}
  Status Publish(std::string_view topic, std::string_view payload) override;
  bool HasSubscriber(std::string_view topic) const override;

 private:
  mqtt::Broker& broker_;
};

struct BridgeOptions {
  // Change events waiting to be published; more are dropped (and counted).
  size_t max_pending_changes = 100'000;
  // Events taken from the queue and read in one snapshot.
  size_t batch_size = 1024;
  // How long a topic whose subscriptions ended stays registered before the
  // broker is asked whether anyone still subscribes (see TopicRegistry).
  std::chrono::milliseconds unsubscribe_grace = std::chrono::seconds(2);
};

// Counters since the bridge was made.
struct BridgeStats {
  uint64_t changes_queued = 0;         // change events queued for publication
  uint64_t changes_dropped = 0;        // not queued: the queue was full
  uint64_t messages_published = 0;     // messages handed to the sink
  uint64_t publish_failures = 0;       // refused by the sink (e.g. broker stopping)
  uint64_t observations_created = 0;   // by MQTT messages
  uint64_t messages_refused = 0;       // client messages dropped: wrong topic or invalid Observation
  uint64_t subscriptions_refused = 0;  // not SensorThings topics
};

class Bridge {
 public:
  // `service_options` as the HTTP service has them (the bridge reads and
  // writes with the same limits); `store` must outlive the bridge.
  Bridge(store::Store& store, sta::ServiceOptions service_options, BridgeOptions options = {});
  // Stops (see Stop()).
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // The hooks to install in BrokerOptions; they call this bridge, which
  // must outlive the broker's Run(). on_publish_batch and on_subscribe
  // work before Start() too.
  mqtt::BrokerHooks Hooks();

  // Starts publishing the store's changes to `sink` (which must outlive
  // Stop()), with links under `server_url` ("https://sensors.example.org",
  // as server.external_url): the /v1.1 or /v1.0 root is appended. Once.
  void Start(MessageSink& sink, std::string server_url);

  // Stops listening to changes and ends the publisher thread; changes still
  // queued are not published. Idempotent.
  void Stop();

  // Blocks until every change queued before the call has been published (or
  // found to concern no topic). For tests.
  void WaitIdle();

  BridgeStats Stats() const;

  // The hooks (see the file comment).
  bool OnSubscribe(const mqtt::ClientInfo& client, const std::string& filter, mqtt::QoS requested);
  void OnUnsubscribe(const mqtt::ClientInfo& client, const std::string& filter);
  std::vector<mqtt::PublishDecision> OnPublishBatch(const mqtt::ClientInfo& client,
                                                    std::span<const mqtt::Publish> run);
  // OnPublishBatch for one message.
  mqtt::PublishDecision OnPublish(const mqtt::ClientInfo& client, const mqtt::Publish& publish);

 private:
  // The events between the change listener and the publisher thread. Shared
  // with the listener, which the change feed may still be calling while the
  // bridge goes away.
  struct ChangeQueue {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<events::ChangeEvent> events;
    uint64_t queued = 0;     // events ever queued
    uint64_t processed = 0;  // of them, done with
    bool stopping = false;
    std::atomic<uint64_t> dropped{0};
  };
  struct Outgoing {
    std::string topic;
    std::string payload;
  };
  // A client message that passed the checks that need no store.
  struct Creation {
    size_t index;  // in the run
    odata::ResourcePath path;
    sta::EntityInput input;
  };

  // Counts and logs a dropped client message; returns kSwallow.
  mqtt::PublishDecision Refuse(const mqtt::ClientInfo& client, const mqtt::Publish& publish,
                               const Error& error);

  void Run();
  void PublishBatch(const std::vector<events::ChangeEvent>& batch);
  // Reads the entities of `batch` that come in runs of ids with one range
  // read each into prefetched_ (an entry with id 0: deleted since).
  Status Prefetch(store::ReadTransaction& reads, const std::vector<events::ChangeEvent>& batch);
  Status RenderChange(store::ReadTransaction& reads, const events::ChangeEvent& event,
                      std::vector<Outgoing>& out);
  // Renders `entity` (of `change`) for every topic of `change` that has a
  // subscriber, once per distinct (version, selection).
  void RenderMatches(const sta::ChangedEntity& change, const store::Entity& entity,
                     std::vector<Outgoing>& out);
  const sta::Links& LinksFor(std::string_view version) const;

  store::Store& store_;
  sta::Service service_;
  const BridgeOptions options_;
  const std::shared_ptr<sta::TopicRegistry> registry_;
  const std::shared_ptr<ChangeQueue> queue_;

  MessageSink* sink_ = nullptr;
  std::unique_ptr<sta::Links> links_v11_;
  std::unique_ptr<sta::Links> links_v10_;
  std::optional<events::ChangeFeed::SubscriptionId> subscription_;
  std::thread thread_;
  // The Datastreams and MultiDatastreams rendered for derived changes in the
  // current batch; the publisher thread's only.
  std::set<std::pair<model::EntityKind, int64_t>> streams_rendered_;
  // The entities of the current batch read by Prefetch; the publisher
  // thread's only.
  std::map<std::pair<model::EntityKind, int64_t>, store::Entity> prefetched_;

  std::atomic<uint64_t> messages_published_{0};
  std::atomic<uint64_t> publish_failures_{0};
  std::atomic<uint64_t> observations_created_{0};
  std::atomic<uint64_t> messages_refused_{0};
  std::atomic<uint64_t> subscriptions_refused_{0};
};

}  // namespace fundament::mqttapi
