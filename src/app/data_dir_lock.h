// An exclusive lock on a data directory, held for as long as a server runs on
// it.
//
// SQLite keeps one database consistent between processes, but the server
// does not expect to share it: it numbers entities, commits in groups and
// maintains derived data (a Datastream's phenomenonTime, HistoricalLocations)
// on the assumption that it is the only writer. A second `fundament serve` on
// the same directory, started by mistake (twice in a unit file, a container
// and a shell), would also answer on another port with data that changes
// under it. So `serve` takes this lock first and refuses to start without it.
//
// The lock is flock(2) on `<data_dir>/fundament.lock`: the kernel releases it
// when the process ends however it ends, so a crash leaves no stale lock
// behind, and the file itself (which stays) means nothing without it. It
// holds the owner's process id, for the message of the process refused. The
// lock is advisory and local: it does not protect against a process that
// does not take it, nor across hosts on a network file system.
#pragma once

#include <string>
#include <utility>

#include "common/result.h"

namespace fundament::app {

class DataDirLock {
 public:
  // The name of the lock file inside the data directory.
  static constexpr const char* kFileName = "fundament.lock";

  // Takes the lock on `data_dir` (which must exist), without waiting.
  // kUnavailable, with a message naming the directory (and the holder's
  // process id when known), when another process holds it; kInternal when
  // the lock file cannot be opened or locked.
  static Result<DataDirLock> Acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  // Releases the lock.
  ~DataDirLock();

  // The lock file's path.
  const std::string& path() const { return path_; }

 private:
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

}  // namespace fundament::app
