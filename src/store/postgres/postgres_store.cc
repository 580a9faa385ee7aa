#include "store/postgres/postgres_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "model/time.h"
#include "store/postgres/change_notification.h"
#include "store/postgres/change_notifier.h"
#include "store/postgres/connection.h"
#include "store/postgres/entity_reader.h"
#include "store/postgres/notification_listener.h"
#include "store/postgres/postgres_dialect.h"
#include "store/postgres/schema.h"
#include "store/postgres/write_transaction.h"

namespace fundament::store {
namespace {

using postgres::Connection;

void RollbackQuietly(Connection& connection) {
  if (!connection.ok() || !connection.InTransaction()) return;
  Status rollback = connection.Execute("ROLLBACK");
  if (!rollback.ok()) spdlog::error("store: rollback failed: {}", rollback.error().message);
}

// The reads of one snapshot, on one connection inside a read-only transaction.
class SnapshotReads final : public ReadTransaction {
 public:
  SnapshotReads(Connection& connection, const sql::SqlDialect& dialect)
      : connection_(connection), dialect_(dialect) {}
  Result<ReadResult> Read(const ReadRequest& request) override {
    return postgres::RunRead(connection_, dialect_, request);
  }
  Result<ReadResult> Scan(const ReadRequest& request, const EntityVisitor& visit) override {
    return postgres::ScanRead(connection_, dialect_, request, visit);
  }
  Result<RelatedReadResult> ReadRelated(const RelatedReadRequest& request) override {
    return postgres::RunRelatedRead(connection_, dialect_, request);
  }

 private:
  Connection& connection_;
  const sql::SqlDialect& dialect_;
};

// Durability and throughput of writes. Each Write() is one transaction on a
// pooled connection and returns after its COMMIT, which with
// synchronous_commit=on (the server default) returns once the commit record
// is flushed to the WAL on disk. Concurrent writes are not gathered into one
// transaction by this store as the SQLite store does: PostgreSQL already
// flushes the commit records of all backends waiting at that moment with one
// fsync (group commit inside the server), so concurrent writers share
// flushes, their work runs in parallel on several backends, and a deadlock
// or a failure aborts one client's write rather than a whole group of
// unrelated ones (which a savepoint-per-write group on one connection would
// also expose to other nodes' locks).
//
// A write whose Observations fall in months without partition (the
// transaction notes them and cannot commit) is rolled back; the partitions
// are then created on the same connection, each in a short transaction of
// its own (serialised across nodes by an advisory lock, and a no-op for one
// another node created meanwhile), and the work runs again. A partition so
// created stays when the write then fails for another reason. Creating it
// inside the write would hold the write up and lose the partition with it,
// and creating it on another connection while the write is open could wait
// forever: attaching a partition locks feature_of_interest against writes,
// which the write (or a transaction waiting for the write) may have made.
//
// Change events are published in commit order: a write takes a ticket just
// before its COMMIT and publishes only after every earlier ticket did. Two
// writes that touch the same rows are ordered by the row lock, so the second
// cannot reach COMMIT before the first's COMMIT has returned; unrelated
// writes have no order to keep.
class PostgresStore final : public Store {
 public:
  PostgresStore(PostgresOptions options, std::vector<std::unique_ptr<Connection>> connections,
                std::vector<int64_t> partitions)
      : options_(std::move(options)), connections_(std::move(connections)) {
    for (auto& connection : connections_) free_.push_back(connection.get());
    partitions_.Add(partitions);
  }

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // Starts sharing changes with the other nodes: this node's commits are
  // sent to them, theirs published on this node's feed.
  // `schema` is where the store's tables are: nodes of other schemas are
  // other instances.
  Status ShareChanges(std::string_view schema) {
    std::string node = options_.node.empty() ? postgres::NewNodeId() : options_.node;
    std::string channel = postgres::ChangeChannel(schema);
    auto notifier =
        std::make_unique<postgres::ChangeNotifier>(postgres::ChangeNotifierOptions{options_.url, node, channel});
    FUNDAMENT_RETURN_IF_ERROR(notifier->Start());
    listener_ = std::make_unique<postgres::NotificationListener>(
        postgres::NotificationListenerOptions{options_.url, node, channel}, changes_);
    FUNDAMENT_RETURN_IF_ERROR(listener_->Start());
    std::lock_guard lock(publish_mutex_);
    notifier_ = std::move(notifier);
    return Status::Ok();
  }

  Result<ReadResult> Read(const ReadRequest& request) override {
    Result<ReadResult> result = Internal("read did not run");
    FUNDAMENT_RETURN_IF_ERROR(ReadSnapshot([&](ReadTransaction& snapshot) -> Status {
      result = snapshot.Read(request);
      return result.status();
    }));
    return result;
  }

  Status ReadSnapshot(const std::function<Status(ReadTransaction&)>& work) override {
    Lease lease(*this);
    FUNDAMENT_ASSIGN_OR_RETURN(Connection * connection, lease.Ready());
    FUNDAMENT_RETURN_IF_ERROR(connection->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    SnapshotReads snapshot(*connection, dialect_);
    Status status;
    try {
      status = work(snapshot);
    } catch (const std::exception&) {
      RollbackQuietly(*connection);
      throw;
    }
    if (!status.ok()) {
      RollbackQuietly(*connection);
      return status;
    }
    return connection->Execute("COMMIT");
  }

  Status Write(const std::function<Status(WriteTransaction&)>& work) override {
    // A second transaction from inside the first could wait for the first's
    // row locks, and the first for it: refused instead.
    if (writing_ == this)
      return Internal("store: Write() called from inside a write; use the transaction given to the work");
    writing_ = this;
    struct Reset {
      ~Reset() { writing_ = nullptr; }
    } reset;
    int retries = 0;
    int partition_runs = 0;
    for (;;) {
      bool retryable = false;
      bool partitions_created = false;
      Committed committed;
      Status status;
      {
        Lease lease(*this);
        auto connection = lease.Ready();
        if (!connection.ok()) return connection.error();
        std::map<int64_t, postgres::MonthPartition> missing;
        status = WriteOnce(**connection, work, retryable, committed, missing);
        if (!missing.empty()) {
          FUNDAMENT_RETURN_IF_ERROR(CreatePartitions(**connection, missing));
          partitions_created = true;
        }
      }
      // Published with the connection back in the pool, so that a listener
      // reading the store cannot wait for the connection its writer holds.
      if (committed.ticket) PublishInOrder(*committed.ticket, status.ok() ? &committed : nullptr);
      if (partitions_created && partition_runs < kMaxPartitionRuns) {
        ++partition_runs;
        continue;
      }
      if (status.ok() || !retryable || retries >= options_.write_retries) return status;
      ++retries;
      spdlog::debug("store: write retried after: {}", status.error().message);
    }
  }

  events::ChangeFeed& Changes() override { return changes_; }

  StoreHealth Health() override {
    Lease lease(*this, std::chrono::seconds(5));
    if (!lease.leased()) return {false, "all PostgreSQL connections are busy"};
    auto connection = lease.Ready();
    if (!connection.ok()) return {false, connection.error().message};
    auto rows = (*connection)->Query("SELECT 1", {});
    if (!rows.ok()) return {false, "PostgreSQL: " + rows.error().message};
    if (listener_ != nullptr && !listener_->connected()) {
      return {true, "PostgreSQL: connected; not hearing other nodes' changes (reconnecting)"};
    }
    return {true, "PostgreSQL: connected"};
  }

 private:
  // A write runs again at most this many times for partitions it found
  // missing (more than once only when a run reaches months the one before
  // did not, or the partitions were dropped meanwhile).
  static constexpr int kMaxPartitionRuns = 3;

  // What a write that reached COMMIT leaves to publish.
  struct Committed {
    std::optional<uint64_t> ticket;  // its place in commit order
    std::vector<events::ChangeEvent> events;
  };

  // Runs `work` in one transaction on `connection` up to its COMMIT;
  // `committed` gets a ticket once COMMIT was sent (which must then be
  // published, also when it failed). `missing` gets the months without
  // partition that the work's Observations need (the write then failed).
  Status WriteOnce(Connection& connection, const std::function<Status(WriteTransaction&)>& work, bool& retryable,
                   Committed& committed, std::map<int64_t, postgres::MonthPartition>& missing) {
    FUNDAMENT_RETURN_IF_ERROR(connection.Execute("BEGIN ISOLATION LEVEL READ COMMITTED"));
    postgres::PostgresWriteTransaction transaction(connection, dialect_, partitions_);
    Status status;
    try {
      status = work(transaction);
    } catch (const std::exception& e) {
      status = Internal(fmt::format("write failed: {}", e.what()));
    } catch (...) {
      status = Internal("write failed: unknown exception");
    }
    if (status.ok()) status = transaction.Flush();
    // A failed statement whose error the work did not return (a bulk
    // request answers a refused row with an error and goes on) leaves a
    // transaction whose COMMIT would only roll back.
    if (status.ok() && connection.transaction_failure()) status = *connection.transaction_failure();
    missing = transaction.missing_partitions();
    if (!status.ok()) {
      retryable = connection.last_failure_retryable();
      RollbackQuietly(connection);
      return status;
    }
    {
      std::lock_guard lock(publish_mutex_);
      committed.ticket = next_ticket_++;
    }
    Status commit = connection.Execute("COMMIT");
    if (!commit.ok()) {
      retryable = connection.last_failure_retryable();
      RollbackQuietly(connection);
      return commit;
    }
    committed.events = transaction.events();
    return Status::Ok();
  }

  // Creates the partitions of `months` on `connection` (in no transaction),
  // each committed on its own.
  Status CreatePartitions(Connection& connection, const std::map<int64_t, postgres::MonthPartition>& months) {
    for (const auto& [start, month] : months) {
      FUNDAMENT_RETURN_IF_ERROR(postgres::EnsurePartition(connection, month));
      partitions_.Add({start});
      spdlog::debug("store: observation partition {} ready", month.Name());
    }
    return Status::Ok();
  }

  // Publishes the events of the write with `ticket` (none when it failed to
  // commit) once all earlier tickets are done.
  void PublishInOrder(uint64_t ticket, const Committed* committed) {
    std::unique_lock lock(publish_mutex_);
    published_.wait(lock, [&] { return next_publish_ == ticket; });
    if (committed != nullptr && !committed->events.empty()) {
      changes_.Publish(committed->events);
      if (notifier_ != nullptr) notifier_->Send(committed->events);
    }
    ++next_publish_;
    lock.unlock();
    published_.notify_all();
  }

  // A connection taken from the pool; waits for a free one (up to `timeout`
  // when given) and gives it back on destruction. Waiters are served first
  // come, first served: a returned connection goes straight to the longest
  // waiting request, so that under load no request waits for seconds while
  // newer ones keep taking the connections it waits for.
  class Lease {
   public:
    explicit Lease(PostgresStore& store, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
        : store_(store) {
      std::unique_lock lock(store_.pool_mutex_);
      if (store_.waiters_.empty() && !store_.free_.empty()) {
        connection_ = store_.free_.back();
        store_.free_.pop_back();
        return;
      }
      Waiter waiter;
      store_.waiters_.push_back(&waiter);
      auto handed = [&] { return waiter.connection != nullptr; };
      if (timeout) {
        if (!waiter.handed.wait_for(lock, *timeout, handed)) {
          store_.waiters_.erase(std::find(store_.waiters_.begin(), store_.waiters_.end(), &waiter));
          return;
        }
      } else {
        waiter.handed.wait(lock, handed);
      }
      connection_ = waiter.connection;
    }
    ~Lease() {
      if (connection_ == nullptr) return;
      std::lock_guard lock(store_.pool_mutex_);
      if (store_.waiters_.empty()) {
        store_.free_.push_back(connection_);
        return;
      }
      Waiter* next = store_.waiters_.front();
      store_.waiters_.pop_front();
      next->connection = connection_;
      // Notified under the lock: the waiter owns the condition variable and
      // may leave as soon as it can take the lock.
      next->handed.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    bool leased() const { return connection_ != nullptr; }
    // The connection, reconnected first when it was lost.
    Result<Connection*> Ready() {
      if (connection_ == nullptr) return Error{ErrorCode::kUnavailable, "no PostgreSQL connection is free", {}};
      if (!connection_->ok()) FUNDAMENT_RETURN_IF_ERROR(connection_->Reset());
      return connection_;
    }

   private:
    PostgresStore& store_;
    Connection* connection_ = nullptr;
  };

  // The store whose Write() this thread is in, if any.
  static thread_local const PostgresStore* writing_;

  PostgresOptions options_;
  const sql::SqlDialect& dialect_ = postgres::PostgresSql();
  std::vector<std::unique_ptr<Connection>> connections_;
  // A request waiting for a connection; the releasing Lease hands one over.
  struct Waiter {
    Connection* connection = nullptr;  // guarded by pool_mutex_
    std::condition_variable handed;
  };
  std::mutex pool_mutex_;
  std::vector<Connection*> free_;  // guarded by pool_mutex_
  std::deque<Waiter*> waiters_;    // oldest first; guarded by pool_mutex_
  postgres::PartitionSet partitions_;
  std::mutex publish_mutex_;
  std::condition_variable published_;
  uint64_t next_ticket_ = 0;   // guarded by publish_mutex_
  uint64_t next_publish_ = 0;  // guarded by publish_mutex_
  events::ChangeFeed changes_;
  // Declared after changes_ so that they stop before it goes.
  std::unique_ptr<postgres::ChangeNotifier> notifier_;  // guarded by publish_mutex_
  std::unique_ptr<postgres::NotificationListener> listener_;
};

thread_local const PostgresStore* PostgresStore::writing_ = nullptr;

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  if (!IsPostgresUrl(options.url)) {
    return BadRequest(fmt::format("a PostgreSQL store needs a postgresql:// URL, not \"{}\"", options.url));
  }
  if (options.connections < 1) return BadRequest("the PostgreSQL store needs at least one connection");
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(options.url));
    connections.push_back(std::move(connection));
  }
  Connection& first = *connections.front();
  FUNDAMENT_RETURN_IF_ERROR(postgres::Migrate(first));
  postgres::MonthPartition month = postgres::MonthOf(model::Now());
  std::vector<int64_t> partitions;
  for (int i = 0; i <= options.partition_months_ahead; ++i, month = month.Next()) {
    FUNDAMENT_RETURN_IF_ERROR(postgres::EnsurePartition(first, month));
    partitions.push_back(month.Start());
  }
  FUNDAMENT_ASSIGN_OR_RETURN(postgres::Rows schema, first.Query("SELECT current_schema()", {}));
  if (schema.size() != 1 || schema.row(0).IsNull(0)) return Internal("postgresql: no current schema");
  std::string schema_name(schema.row(0).ColumnText(0));
  auto store = std::make_unique<PostgresStore>(options, std::move(connections), std::move(partitions));
  if (options.share_changes) FUNDAMENT_RETURN_IF_ERROR(store->ShareChanges(schema_name));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace fundament::store
