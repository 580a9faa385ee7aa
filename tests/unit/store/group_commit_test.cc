// Group commit: concurrent writes share transactions, each is answered only
// after its transaction committed, and a failing write fails alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace fundament::store::testing {
namespace {

using GroupCommit = StoreTest;

TEST_F(GroupCommit, ConcurrentWritesAllCommit) {
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::mutex ids_mutex;
  std::set<int64_t> ids;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        int64_t id = -1;
        Status status = store_->Write([&](WriteTransaction& tx) -> Status {
          auto inserted = tx.Insert(EntityKind::kThing, Obj(R"({"name":"t","description":"d"})"), {});
          if (!inserted.ok()) return inserted.error();
          id = *inserted;
          return Status::Ok();
        });
        if (!status.ok()) {
          ++failures;
          continue;
        }
        // Answered means committed: a reader sees it at once.
        if (Get(EntityKind::kThing, id).id != id) ++failures;
        std::lock_guard lock(ids_mutex);
        ids.insert(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kWritesPerThread));
  EXPECT_EQ(Count(EntityKind::kThing), kThreads * kWritesPerThread);
}

TEST_F(GroupCommit, AFailingWriteFailsAloneAndLeavesNothing) {
  constexpr int kThreads = 12;
  std::vector<std::thread> threads;
  std::vector<Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const bool fail = t % 3 == 0;
        results[t] = store_->Write([&](WriteTransaction& tx) -> Status {
          auto inserted = tx.Insert(EntityKind::kThing, Obj(R"({"name":"kept?","description":"d"})"), {});
          if (!inserted.ok()) return inserted.error();
          if (fail) return BadRequest("refused after writing");
          return Status::Ok();
        });
        if (results[t].ok() == fail) return;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(results[t].ok(), t % 3 != 0) << t;
    if (!results[t].ok()) {
      EXPECT_EQ(results[t].error().message, "refused after writing");
    }
  }
  // 8 succeeding threads × 20 rounds; nothing of the failing ones.
  EXPECT_EQ(Count(EntityKind::kThing), 8 * 20);
}

TEST_F(GroupCommit, EventsOfFailedWritesAreNotPublished) {
  std::mutex mutex;
  std::vector<events::ChangeEvent> seen;
  store_->Changes().Subscribe([&](const std::vector<events::ChangeEvent>& events) {
    std::lock_guard lock(mutex);
    seen.insert(seen.end(), events.begin(), events.end());
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        (void)store_->Write([&](WriteTransaction& tx) -> Status {
          auto inserted = tx.Insert(EntityKind::kThing, Obj(R"({"name":"e","description":"d"})"), {});
          if (!inserted.ok()) return inserted.error();
          return t % 2 == 0 ? Status::Ok() : BadRequest("no");
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 4u * 25u);
  for (const auto& event : seen) {
    EXPECT_TRUE(Exists(EntityKind::kThing, event.id)) << event.id;
    EXPECT_EQ(event.operation, events::Operation::kCreated);
  }
  // Commit order is id order for inserts in the SQLite store, whose one
  // writer gives out ids in commit order. PostgreSQL's writers run in
  // parallel and take ids from a sequence as they insert, before they commit.
  if (!postgres()) {
    for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1].id, seen[i].id);
  }
}

TEST_F(GroupCommit, AThrowingWriteIsInternalAndAlone) {
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) Insert(EntityKind::kThing, R"({"name":"ok","description":"d"})");
  });
  for (int i = 0; i < 50; ++i) {
    Status status = store_->Write([&](WriteTransaction& tx) -> Status {
      (void)tx.Insert(EntityKind::kThing, Obj(R"({"name":"thrown","description":"d"})"), {});
      throw std::runtime_error("boom");
    });
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  }
  other.join();
  EXPECT_EQ(Count(EntityKind::kThing), 50);
}

TEST_F(GroupCommit, WritingFromInsideAWriteIsRefusedNotADeadlock) {
  Status inner = Status::Ok();
  Status outer = store_->Write([&](WriteTransaction&) -> Status {
    inner = store_->Write([](WriteTransaction&) { return Status::Ok(); });
    return Status::Ok();
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace fundament::store::testing
