#pragma once

// An activation's mailbox: a FIFO lock on its turn. A call that finds the turn
// free takes it at once; otherwise it waits here in arrival order, so an actor
// runs one turn at a time and each caller's calls run in the order sent. Two kinds
// of waiter share the one queue: calls (queued as objects, no coroutine of their
// own) and coroutines of the runtime's lifecycle work (activation, deactivation,
// timers), which suspend in Acquire. Not thread-safe: only the owning shard
// touches it.

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>

#include "orbit/actor.h"
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
  TurnLock() = default;
  TurnLock(const TurnLock&) = delete;
  TurnLock& operator=(const TurnLock&) = delete;
  ~TurnLock() {
    while (head_) head_ = std::move(head_->next);  // iteratively: a long mailbox must not recurse
  }

  bool locked() const { return locked_; }

  // Takes the lock without waiting; false if it is held.
  bool TryAcquire() {
    if (locked_) return false;
    locked_ = true;
    return true;
  }

  // Waits for the lock as a coroutine.
  Task<void> Acquire() {
    if (TryAcquire()) co_return;
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) { Push()->handler.emplace(std::move(handler)); }, asio::use_awaitable);
    // Ownership was handed over by Release: locked_ stayed true.
  }

  // Queues a call behind the holder; Release hands it the lock.
  void Enqueue(std::shared_ptr<detail::Invocation> call) { Push()->call = std::move(call); }

  // Removes the queued calls, in order, leaving waiting coroutines queued.
  std::vector<std::shared_ptr<detail::Invocation>> TakeCalls() {
    std::vector<std::shared_ptr<detail::Invocation>> calls;
    std::unique_ptr<Waiter> rest = std::move(head_);
    tail_ = nullptr;
    while (rest) {
      std::unique_ptr<Waiter> next = std::move(rest->next);
      if (rest->call) {
        calls.push_back(std::move(rest->call));
      } else {
        Append(std::move(rest));
      }
      rest = std::move(next);
    }
    return calls;
  }

  // Hands the lock to the oldest waiter, or frees it. A waiting coroutine is
  // resumed later by the shard's loop, not nested in this call; a waiting call is
  // returned, now holding the lock, for the runtime to run.
  std::shared_ptr<detail::Invocation> Release(const asio::any_io_executor& executor) {
    if (!head_) {
      locked_ = false;
      return nullptr;
    }
    std::unique_ptr<Waiter> next = std::move(head_);
    head_ = std::move(next->next);
    if (!head_) tail_ = nullptr;
    if (!next->call) Resume(executor, std::move(*next->handler));
    return std::move(next->call);
  }

 private:
  // A singly linked FIFO: an idle activation's empty lock costs two pointers and
  // no allocation. (Not a container that move-assigns its elements:
  // any_completion_handler must only be move-constructed, as Boost 1.81's move
  // assignment recurses forever.)
  struct Waiter {
    std::shared_ptr<detail::Invocation> call;
    std::optional<asio::any_completion_handler<void()>> handler;
    std::unique_ptr<Waiter> next;
  };
  Waiter* Push() { return Append(std::make_unique<Waiter>()); }
  Waiter* Append(std::unique_ptr<Waiter> waiter) {
    Waiter* raw = waiter.get();
    if (tail_ != nullptr) {
      tail_->next = std::move(waiter);
    } else {
      head_ = std::move(waiter);
    }
    tail_ = raw;
    return raw;
  }

  std::unique_ptr<Waiter> head_;
  Waiter* tail_ = nullptr;
  bool locked_ = false;
};

}  // namespace orbit::actor
