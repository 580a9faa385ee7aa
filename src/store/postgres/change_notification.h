// How one node tells the others what it committed: the change events of a
// write transaction travel as PostgreSQL notifications on one channel.
//
// Why notifications: NOTIFY is transactional. Sent inside the write
// transaction, a notification reaches every listening node exactly when the
// transaction commits, never when it rolls back, and notifications of
// different transactions arrive in commit order — the same guarantees the
// in-process change feed gives. Each notification costs PostgreSQL a
// database-wide lock held through the commit, so the store sends them once
// per group commit, not once per row (docs/storage.md has the measurement).
//
// The channel is named after the database schema the store keeps its tables
// in (ChangeChannel), so that Fundament instances in different schemas of one
// database do not hear each other.
//
// A payload is plain text, at most kMaxPayloadBytes long (PostgreSQL's limit
// is 8000 bytes):
//
//   fundament.v1 <node> <Kind>:<op>:<id> <Kind>:<op>:<id> …
//
// <node> identifies the sending process (letters and digits), so that a node
// skips its own notifications, whose events it has published already; <Kind>
// is an entity type name ("Observation"); <op> is c (created), u (updated) or
// d (deleted); <id> a positive decimal id. A transaction with more events
// than one payload holds sends several, in order; each is a complete batch
// of events.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "events/change_feed.h"

namespace fundament::store::postgres {

// The channel of the nodes whose tables are in `schema`.
std::string ChangeChannel(std::string_view schema);

// PostgreSQL refuses payloads of 8000 bytes or more.
inline constexpr size_t kMaxPayloadBytes = 7999;

// A decoded notification.
struct ChangeNotification {
  std::string node;
  std::vector<events::ChangeEvent> events;
};

// A new node identifier: random, 16 hexadecimal digits.
std::string NewNodeId();

// The payloads announcing `events` (in order) from `node`, each at most
// `max_bytes` long; none for no events. `node` must be 1–64 letters or digits.
std::vector<std::string> EncodeChangeNotifications(std::string_view node,
                                                   const std::vector<events::ChangeEvent>& events,
                                                   size_t max_bytes = kMaxPayloadBytes);

// Reads one payload. kBadRequest, saying what is wrong, for anything that is
// not a payload of this format and version (a node of another version may
// share the database during an upgrade; its notifications are skipped).
Result<ChangeNotification> DecodeChangeNotification(std::string_view payload);

}  // namespace fundament::store::postgres
