#include "app/data_dir_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

namespace fundament::app {

namespace {

// The process id recorded in the lock file by its holder, or "" when it
// cannot be read (the holder may not have written it yet).
std::string HolderOf(int fd) {
  char buffer[32] = {};
  ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return {};
  std::string_view text(buffer, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  for (char c : text)
    if (c < '0' || c > '9') return {};
  return std::string(text);
}

// Replaces the lock file's content by this process's id. Only a diagnostic:
// the lock is the flock, so a failure here is not an error.
void RecordHolder(int fd) {
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0) return;
  ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  (void)written;
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::string& data_dir) {
  std::string path = (std::filesystem::path(data_dir) / kFileName).string();
  // O_CLOEXEC: a child process must not inherit, and so keep, the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Internal(fmt::format("cannot open the lock file {}: {}", path, std::strerror(errno)));
  int locked;
  do {
    locked = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    const int error = errno;
    std::string holder = error == EWOULDBLOCK ? HolderOf(fd) : std::string();
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Error{
          ErrorCode::kUnavailable,
          fmt::format("the data directory {} is in use by another fundament process{}, which holds the "
                      "lock on {}; stop that process first, or give this one another data directory",
                      data_dir, holder.empty() ? "" : fmt::format(" (pid {})", holder), path)};
    }
    return Internal(fmt::format("cannot lock {}: {}", path, std::strerror(error)));
  }
  RecordHolder(fd);
  return DataDirLock(fd, std::move(path));
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  // Closing the only descriptor of the open file releases the flock.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fundament::app
