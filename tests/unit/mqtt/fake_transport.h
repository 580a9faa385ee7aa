// An in-memory Transport for tests: the test plays the client through a
// FakePipe (bytes in, bytes out, end of stream), the broker holds the
// FakeTransport. It stands in for the WebSocket transport that the HTTP
// server will hand to Broker::Accept: an executor of its own, not the
// broker's.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mqtt/transport.h"

namespace fundament::mqtt::testing {

// An io_context on a thread of its own, for the in-memory transports: the
// side that stands in for the HTTP server's. Declare it before the broker,
// which uses its executor, so that it outlives the broker.
class TransportContext {
 public:
  TransportContext() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~TransportContext() {
    work_.reset();
    thread_.join();
  }
  TransportContext(const TransportContext&) = delete;
  TransportContext& operator=(const TransportContext&) = delete;

  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

class FakePipe : public std::enable_shared_from_this<FakePipe> {
 public:
  explicit FakePipe(boost::asio::any_io_executor executor) : strand_(boost::asio::make_strand(executor)) {}

  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

  // The client sends `bytes`.
  void ClientSend(std::string bytes) {
    boost::asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)] {
      self->inbound_ += bytes;
      self->TryCompleteRead();
    });
  }

  // The client ends its side of the stream.
  void ClientClose() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      self->eof_ = true;
      self->TryCompleteRead();
    });
  }

  // Waits until the broker has written at least `bytes` bytes in all, or
  // closed; returns everything it wrote.
  std::string WaitOutput(size_t bytes, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return outbound_.size() >= bytes || closed_; });
    return outbound_;
  }

  // Waits until the broker closed the transport.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return closed_; });
  }

  // Waits until the broker has a read outstanding that no bytes have
  // completed yet: what the client sends next is what that read returns.
  bool WaitReading(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return reading_; });
  }

  // --- For FakeTransport, on the strand ---

  void Read(boost::asio::mutable_buffer buffer, Transport::Handler handler) {
    read_buffer_ = buffer;
    read_handler_ = std::move(handler);
    TryCompleteRead();
    if (read_handler_) {
      {
        std::lock_guard lock(mutex_);
        reading_ = true;
      }
      changed_.notify_all();
    }
  }

  void Write(boost::asio::const_buffer buffer, Transport::Handler handler) {
    {
      std::lock_guard lock(mutex_);
      outbound_.append(static_cast<const char*>(buffer.data()), buffer.size());
    }
    changed_.notify_all();
    boost::asio::post(strand_, [handler = std::move(handler), n = buffer.size()] { handler({}, n); });
  }

  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
    TryCompleteRead();
  }

 private:
  void TryCompleteRead() {
    if (!read_handler_) return;
    boost::system::error_code ec;
    size_t n = 0;
    bool closed;
    {
      std::lock_guard lock(mutex_);
      closed = closed_;
    }
    if (closed) {
      ec = boost::asio::error::operation_aborted;
    } else if (!inbound_.empty()) {
      n = std::min(inbound_.size(), read_buffer_.size());
      std::memcpy(read_buffer_.data(), inbound_.data(), n);
      inbound_.erase(0, n);
    } else if (eof_) {
      ec = boost::asio::error::eof;
    } else {
      return;
    }
    // Never inline: asio handlers do not run inside the initiating call.
    boost::asio::post(strand_, [handler = std::move(read_handler_), ec, n] { handler(ec, n); });
    read_handler_ = nullptr;
    std::lock_guard lock(mutex_);
    reading_ = false;
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  // On the strand.
  std::string inbound_;
  bool eof_ = false;
  boost::asio::mutable_buffer read_buffer_;
  Transport::Handler read_handler_;
  // Shared with the test thread.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string outbound_;
  bool closed_ = false;
  bool reading_ = false;  // a read is outstanding with nothing to return yet
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::shared_ptr<FakePipe> pipe) : pipe_(std::move(pipe)) {}
  boost::asio::any_io_executor executor() override { return pipe_->strand(); }
  void AsyncReadSome(boost::asio::mutable_buffer buffer, Handler handler) override {
    pipe_->Read(buffer, std::move(handler));
  }
  void AsyncWrite(boost::asio::const_buffer buffer, Handler handler) override {
    pipe_->Write(buffer, std::move(handler));
  }
  void Close() override { pipe_->Close(); }
  std::string remote() const override { return "fake"; }

 private:
  std::shared_ptr<FakePipe> pipe_;
};

}  // namespace fundament::mqtt::testing
