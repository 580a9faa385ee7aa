// The PostgreSQL/PostGIS store, for deployments that outgrow one machine:
// several Fundament nodes may share one database.
//
// A pool of connections serves both reads and writes. A snapshot is one
// REPEATABLE READ READ ONLY transaction; a write is one READ COMMITTED
// transaction that commits (durably, with the server's synchronous_commit)
// before Write() returns. The schema is created and migrated on open
// (schema.h), safely when several nodes open at once, and the observation
// partitions of the coming months are created ahead.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace fundament::store {

struct PostgresOptions {
  std::string url;      // postgresql://user@host:port/database?options (libpq's URI form)
  int connections = 8;  // the pool, shared by reads and writes
  // Monthly observation partitions created ahead of the current month at
  // open (rows outside them get theirs on demand).
  int partition_months_ahead = 3;
  // How often a write is retried when PostgreSQL aborts its transaction for
  // a serialization failure or a deadlock with another transaction.
  int write_retries = 3;
  // Share committed changes with the other nodes on the same database
  // (store/postgres/change_notifier.h, notification_listener.h): this
  // node's change feed then also carries theirs.
  bool share_changes = true;
  // This node's name in change notifications; empty: a random one.
  std::string node;
};

// Connects, migrates the schema and opens the pool. kUnavailable when the
// server cannot be reached.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

// Whether `url` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view url);

}  // namespace fundament::store
