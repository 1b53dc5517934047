#pragma once

// A FIFO async mutex for coroutines on one shard: an activation's mailbox. Callers
// that find it held queue in arrival order and are resumed one at a time, so an
// actor runs one turn at a time and each caller's calls run in the order sent.
// Not thread-safe: only the owning shard touches it.

#include <cstddef>
#include <list>

#include <boost/asio/any_completion_handler.hpp>

#include "runtime/asio.h"

namespace orbit::actor {

// Resumes a suspended coroutine from the executor's queue rather than inside the
// caller's stack. (Posting the any_completion_handler itself makes Asio wrap it in
// another one, recursively: wrap it in a lambda.)
inline void Resume(const asio::any_io_executor& executor, asio::any_completion_handler<void()> handler) {
  asio::post(executor, [h = std::move(handler)]() mutable { std::move(h)(); });
}

class TurnLock {
 public:
  bool locked() const { return locked_; }

  // Takes the lock without waiting; false if it is held.
  bool TryAcquire() {
    if (locked_) return false;
    locked_ = true;
    return true;
  }

  Task<void> Acquire() {
    if (TryAcquire()) co_return;
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) { waiters_.emplace_back(std::move(handler)); },
        asio::use_awaitable);
    // Ownership was handed over by Release: locked_ stayed true.
  }

  // Hands the lock to the oldest waiter (resumed later by the shard's loop, not
  // nested in this call) or frees it.
  void Release(const asio::any_io_executor& executor) {
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    Resume(executor, std::move(next));
  }

 private:
  // A list rather than a deque: an idle activation's empty lock must cost no
  // allocation (libstdc++'s deque allocates when constructed); and not a vector:
  // any_completion_handler must only be move-constructed, never move-assigned
  // (Boost 1.81's move assignment recurses forever), which rules out vector.
  std::list<asio::any_completion_handler<void()>> waiters_;
  bool locked_ = false;
};

}  // namespace orbit::actor
