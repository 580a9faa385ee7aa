#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/entity_reader.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/write_transaction.h"

namespace fundament::store {
namespace {

using sqlite::Connection;

// Rolls back after a failure; a failing rollback is logged because the
// original error is the one the caller needs, and SQLite rolls back by
// itself when the connection is next used or closed.
void RollbackQuietly(Connection& connection) {
  if (!connection.InTransaction()) return;
  Status rollback = connection.Execute("ROLLBACK");
  if (!rollback.ok()) spdlog::error("store: rollback failed: {}", rollback.error().message);
}

// The reads of one snapshot, on a reader connection inside a read transaction.
class SnapshotReads final : public ReadTransaction {
 public:
  explicit SnapshotReads(Connection& connection) : connection_(connection) {}
  Result<ReadResult> Read(const ReadRequest& request) override { return sqlite::RunRead(connection_, request); }
  Result<ReadResult> Scan(const ReadRequest& request, const EntityVisitor& visit) override {
    return sqlite::ScanRead(connection_, request, visit);
  }
  Result<RelatedReadResult> ReadRelated(const RelatedReadRequest& request) override {
    return sqlite::RunRelatedRead(connection_, request);
  }

 private:
  Connection& connection_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer, std::unique_ptr<Connection> checkpointer,
              sqlite::IdSequence observation_ids, std::vector<std::unique_ptr<Connection>> readers)
      : options_(std::move(options)),
        writer_(std::move(writer)),
        checkpointer_(std::move(checkpointer)),
        observation_ids_(observation_ids),
        readers_(std::move(readers)) {
    for (auto& reader : readers_) free_readers_.push_back(reader.get());
    // Replaces SQLite's automatic checkpoint, which would run inside the
    // commit of whichever group crosses the threshold and stall it.
    sqlite3_wal_hook(writer_->raw(), &SqliteStore::OnWalCommit, this);
    checkpoint_thread_ = std::thread([this] { RunCheckpoints(); });
    writer_thread_ = std::thread([this] { RunWriter(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lock(queue_mutex_);
      closing_ = true;
    }
    work_queued_.notify_one();
    writer_thread_.join();
    {
      std::lock_guard lock(checkpoint_mutex_);
      checkpoint_closing_ = true;
    }
    checkpoint_wanted_.notify_one();
    checkpoint_thread_.join();
    checkpointer_.reset();
    // Callers have finished with the store; closing the readers first lets
    // the checkpoint copy the whole WAL back and truncate it.
    readers_.clear();
    // optimize refreshes the planner's statistics where they went stale; the
    // analysis limit keeps that quick on large tables.
    Status checkpoint =
        writer_->Execute("PRAGMA analysis_limit = 400; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)");
    if (!checkpoint.ok()) spdlog::warn("store: checkpoint at close failed: {}", checkpoint.error().message);
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<ReadResult> Read(const ReadRequest& request) override {
    Result<ReadResult> result = Internal("read did not run");
    FUNDAMENT_RETURN_IF_ERROR(ReadSnapshot([&](ReadTransaction& snapshot) -> Status {
      result = snapshot.Read(request);
      return result.ok() ? Status::Ok() : Status(result.error());
    }));
    return result;
  }

  Status ReadSnapshot(const std::function<Status(ReadTransaction&)>& work) override {
    ReaderLease lease(*this, std::nullopt);
    Connection& reader = *lease.connection();
    // One read transaction: every read of the work sees one snapshot.
    FUNDAMENT_RETURN_IF_ERROR(reader.Execute("BEGIN"));
    SnapshotReads snapshot(reader);
    Status status;
    try {
      status = work(snapshot);
    } catch (const std::exception& e) {
      RollbackQuietly(reader);
      throw;
    }
    if (!status.ok()) {
      RollbackQuietly(reader);
      return status;
    }
    return reader.Execute("COMMIT");
  }

  // Group commit. Callers queue their work and wait; the writer thread takes
  // everything queued, runs each piece in a savepoint of one transaction,
  // commits once and only then answers them all. A piece that fails is rolled
  // back to its savepoint and fails alone. Under load the queue fills while
  // the previous group commits, so groups grow with concurrency and never
  // wait for a timer; a lone write commits at once.
  Status Write(const std::function<Status(WriteTransaction&)>& work) override {
    if (std::this_thread::get_id() == writer_thread_.get_id())
      return Internal("store: Write() called from inside a write; use the transaction given to the work");
    PendingWrite pending{&work, Status::Ok(), {}, {}, false};
    {
      std::lock_guard lock(queue_mutex_);
      if (closing_) return Error{ErrorCode::kUnavailable, "the store is closing", {}};
      queue_.push_back(&pending);
    }
    work_queued_.notify_one();
    // Each caller sleeps on its own condition variable, so a commit wakes
    // exactly the callers it answers, not every waiting thread.
    std::unique_lock lock(pending.mutex);
    pending.answered.wait(lock, [&] { return pending.done; });
    return pending.result;
  }

  events::ChangeFeed& Changes() override { return changes_; }

  StoreHealth Health() override {
    ReaderLease lease(*this, std::chrono::milliseconds(options_.busy_timeout_ms));
    if (lease.connection() == nullptr) return {false, "all reader connections are busy"};
    auto stmt = lease.connection()->Prepare("SELECT 1");
    if (!stmt.ok()) return {false, stmt.error().message};
    auto row = stmt->Step();
    if (!row.ok()) return {false, row.error().message};
    return {true, "ok"};
  }

 private:
  // WAL pages after which a checkpoint copies them back into the database
  // (SQLite's own default threshold).
  static constexpr int kCheckpointPages = 1000;

  // Called by SQLite on the writer thread after every commit, with the pages
  // now in the WAL.
  static int OnWalCommit(void* self, sqlite3*, const char*, int pages) {
    if (pages >= kCheckpointPages) {
      auto* store = static_cast<SqliteStore*>(self);
      {
        std::lock_guard lock(store->checkpoint_mutex_);
        store->checkpoint_due_ = true;
      }
      store->checkpoint_wanted_.notify_one();
    }
    return SQLITE_OK;
  }

  // Copies the WAL back into the database on a connection and thread of its
  // own, beside the writer: a PASSIVE checkpoint takes no lock that writers
  // or readers wait for. Once everything is copied, the next commit starts
  // the WAL from its beginning again.
  void RunCheckpoints() {
    for (;;) {
      {
        std::unique_lock lock(checkpoint_mutex_);
        checkpoint_wanted_.wait_for(lock, std::chrono::seconds(1),
                                    [&] { return checkpoint_due_ || checkpoint_closing_; });
        if (checkpoint_closing_) return;
        checkpoint_due_ = false;
      }
      int log_pages = 0, copied = 0;
      int rc = sqlite3_wal_checkpoint_v2(checkpointer_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
                                         &copied);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(checkpointer_->raw()));
      }
    }
  }

  // One caller's work waiting in the queue; lives on the caller's stack
  // until `done`. A mutex and condition variable rather than a semaphore:
  // libstdc++'s semaphore spins through sched_yield() before it sleeps, and
  // on a machine with few cores those spinning callers take the CPU from the
  // writer they wait for.
  struct PendingWrite {
    const std::function<Status(WriteTransaction&)>* work;
    Status result;
    std::mutex mutex;
    std::condition_variable answered;
    bool done = false;  // guarded by mutex; set once `result` is final
  };

  // Wakes the caller of `pending`. Notified under the mutex: the caller may
  // return, destroying `pending`, as soon as it sees `done`.
  static void Answer(PendingWrite* pending) {
    std::lock_guard lock(pending->mutex);
    pending->done = true;
    pending->answered.notify_one();
  }

  void RunWriter() {
    std::vector<PendingWrite*> group;
    for (;;) {
      {
        std::unique_lock lock(queue_mutex_);
        work_queued_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and everything queued is answered
        const size_t take = std::min(queue_.size(), options_.max_group_writes);
        group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      }
      CommitGroup(group);
      for (PendingWrite* pending : group) Answer(pending);
    }
  }

  // Runs `group` in one transaction and sets each result. Publishes the
  // change events of the pieces that committed, in queue order.
  void CommitGroup(const std::vector<PendingWrite*>& group) {
    // IMMEDIATE takes the write lock now rather than at the first write, so a
    // second process writing the same file fails here (after busy_timeout),
    // not half-way through the work.
    Status begin = writer_->Execute("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (PendingWrite* pending : group) pending->result = begin;
      return;
    }
    std::vector<events::ChangeEvent> events;
    for (PendingWrite* pending : group) {
      Status savepoint = writer_->Execute("SAVEPOINT work");
      if (!savepoint.ok()) {
        pending->result = savepoint;
        continue;
      }
      sqlite::SqliteWriteTransaction transaction(*writer_, observation_ids_);
      Status status;
      try {
        status = (*pending->work)(transaction);
      } catch (const std::exception& e) {
        status = Internal(fmt::format("write failed: {}", e.what()));
      } catch (...) {
        status = Internal("write failed: unknown exception");
      }
      if (status.ok()) status = transaction.Flush();
      if (status.ok()) status = writer_->Execute("RELEASE work");
      if (!status.ok()) {
        Status undo = writer_->Execute("ROLLBACK TO work; RELEASE work");
        if (!undo.ok()) spdlog::error("store: rollback to savepoint failed: {}", undo.error().message);
        pending->result = status;
        continue;
      }
      pending->result = Status::Ok();
      events.insert(events.end(), transaction.events().begin(), transaction.events().end());
    }
    Status commit = writer_->Execute("COMMIT");
    if (!commit.ok()) {
      RollbackQuietly(*writer_);
      for (PendingWrite* pending : group)
        if (pending->result.ok()) pending->result = commit;
      return;
    }
    changes_.Publish(events);
  }

  // A reader connection taken from the pool for one read; waits for a free
  // one (up to `timeout` when given), and gives it back on destruction.
  class ReaderLease {
   public:
    ReaderLease(SqliteStore& store, std::optional<std::chrono::milliseconds> timeout) : store_(store) {
      std::unique_lock lock(store_.readers_mutex_);
      auto available = [this] { return !store_.free_readers_.empty(); };
      if (timeout) {
        if (!store_.reader_freed_.wait_for(lock, *timeout, available)) return;
      } else {
        store_.reader_freed_.wait(lock, available);
      }
      connection_ = store_.free_readers_.back();
      store_.free_readers_.pop_back();
    }
    ~ReaderLease() {
      if (connection_ == nullptr) return;
      {
        std::lock_guard lock(store_.readers_mutex_);
        store_.free_readers_.push_back(connection_);
      }
      store_.reader_freed_.notify_one();
    }
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;

    Connection* connection() const { return connection_; }

   private:
    SqliteStore& store_;
    Connection* connection_ = nullptr;
  };

  SqliteOptions options_;
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<Connection> checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wanted_;
  bool checkpoint_due_ = false;       // guarded by checkpoint_mutex_
  bool checkpoint_closing_ = false;   // guarded by checkpoint_mutex_
  std::thread checkpoint_thread_;
  sqlite::IdSequence observation_ids_;  // used on the writer thread
  std::mutex queue_mutex_;
  std::condition_variable work_queued_;
  std::deque<PendingWrite*> queue_;  // guarded by queue_mutex_
  bool closing_ = false;             // guarded by queue_mutex_
  std::thread writer_thread_;
  std::mutex readers_mutex_;
  std::condition_variable reader_freed_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_readers_;
  events::ChangeFeed changes_;
};

Status UseWal(Connection& connection) {
  FUNDAMENT_ASSIGN_OR_RETURN(sqlite::Statement stmt, connection.Prepare("PRAGMA journal_mode = WAL"));
  FUNDAMENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.ColumnText(0) != "wal") {
    return Internal("cannot switch the database to WAL mode (is it on a network file system?)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation;
  // Fundament never reads them. Only possible before SQLite initialises,
  // so a failure (something opened a database earlier) is harmless.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  if (options.path.empty() || options.path == ":memory:" || options.path.starts_with("file:")) {
    return BadRequest(fmt::format("the store needs a database file path, not \"{}\"", options.path));
  }
  if (options.reader_connections < 1) return BadRequest("the store needs at least one reader connection");
  sqlite::ConnectionOptions connection_options;
  connection_options.busy_timeout_ms = options.busy_timeout_ms;
  connection_options.load_spatialite = options.load_spatialite;
  connection_options.sync_full = options.sync_full;

  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                             Connection::Open(options.path, connection_options));
  FUNDAMENT_RETURN_IF_ERROR(UseWal(*writer));
  FUNDAMENT_RETURN_IF_ERROR(sqlite::Migrate(*writer));
  sqlite::IdSequence observation_ids;
  FUNDAMENT_RETURN_IF_ERROR(observation_ids.Load(*writer));
  // After the WAL is reset, its file is cut back to this size.
  FUNDAMENT_RETURN_IF_ERROR(writer->Execute("PRAGMA journal_size_limit = 67108864"));
  sqlite::ConnectionOptions checkpoint_options = connection_options;
  checkpoint_options.load_spatialite = false;  // it only copies pages
  FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> checkpointer,
                             Connection::Open(options.path, checkpoint_options));

  connection_options.query_only = true;
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.reader_connections; ++i) {
    FUNDAMENT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                               Connection::Open(options.path, connection_options));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer), std::move(checkpointer), observation_ids,
                                                std::move(readers)));
}

}  // namespace fundament::store
