#pragma once

// Threads for work that may block: a storage transaction waiting for a row lock
// or an fsync at commit must not stall a shard thread (ADR 002), so SQL
// statements run here and the session's coroutine resumes on its shard after.

#include <cstddef>
#include <memory>
#include <type_traits>

#include "runtime/asio.h"

namespace boost::asio {
class thread_pool;
}

namespace orbit::runtime {

class BlockingPool {
 public:
  explicit BlockingPool(size_t threads);
  ~BlockingPool();  // waits for running work
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on a pool thread; the calling coroutine resumes on its own
  // executor with the result (or fn's exception). fn must be trivially
  // copyable (capture by reference: see ShardSet::RunOn about GCC 12).
  template <typename Fn>
  auto Run(Fn fn) -> Task<std::invoke_result_t<Fn>> {
    static_assert(std::is_trivially_copyable_v<Fn>, "BlockingPool::Run: capture by reference/pointer");
    using R = std::invoke_result_t<Fn>;
    co_return co_await asio::co_spawn(executor(), [fn]() mutable -> Task<R> { co_return fn(); }, asio::use_awaitable);
  }

  void Stop();

 private:
  asio::any_io_executor executor();

  std::unique_ptr<asio::thread_pool> pool_;
};

}  // namespace orbit::runtime
