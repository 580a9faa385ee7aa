// The embedded store: SQLite in WAL mode with SpatiaLite for geometry.
//
// One writer connection on a writer thread that gathers concurrent writes into
// group commits (many writes, one transaction; each write answered only after
// the commit), a pool of reader connections (reads see the last committed
// snapshot and never block the writer). The
// schema is created and migrated on open (versioned migrations, recorded in
// table `schema_migrations`).
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace fundament::store {

struct SqliteOptions {
  std::string path;              // database file; ":memory:" is not supported (readers need a file)
  int reader_connections = 4;
  bool load_spatialite = true;   // load mod_spatialite and keep geometry columns
  // synchronous=FULL: an acknowledged write survives power loss, not just a
  // crash of the process (which synchronous=NORMAL in WAL mode guarantees).
  bool sync_full = false;
  int busy_timeout_ms = 5000;
  // The most writes one group commit takes from the queue.
  size_t max_group_writes = 512;
};

// Opens (creating if needed) and migrates the database at options.path.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace fundament::store
