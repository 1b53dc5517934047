#pragma once

// Shards: one Asio io_context per thread. A connection lives on one shard for its
// whole life; work for another shard is handed over with ShardSet::RunOn, which
// resumes the caller on its own shard with the result. See docs/adr/002-threading.md.

#include <atomic>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "runtime/asio.h"

namespace orbit::runtime {

class Shard {
 public:
  explicit Shard(size_t id);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  size_t id() const { return id_; }
  asio::io_context& context() { return context_; }
  asio::any_io_executor executor() { return context_.get_executor(); }
  // True when the calling thread is this shard's thread.
  bool IsCurrent() const { return Current() == this; }
  // The shard whose thread is calling, or nullptr on a non-shard thread.
  static Shard* Current();

 private:
  friend class ShardSet;
  void Run();

  size_t id_;
  asio::io_context context_;
  std::thread thread_;
};

template <typename T>
struct IsTask : std::false_type {};
template <typename T>
struct IsTask<Task<T>> : std::true_type {};

class ShardSet {
 public:
  explicit ShardSet(size_t count);
  ~ShardSet();
  ShardSet(const ShardSet&) = delete;
  ShardSet& operator=(const ShardSet&) = delete;

  void Start();
  // Stops every event loop and joins the threads. Pending handlers are dropped.
  void Stop();

  size_t size() const { return shards_.size(); }
  Shard& shard(size_t i) { return *shards_[i]; }
  // Round-robin choice for a new connection.
  Shard& Next();

  // Runs fn on shard `target` and resumes the calling coroutine on its own
  // executor with fn's result. fn may be a plain function or return Task<T>.
  // Calls to the caller's own shard run inline.
  //
  // fn must be trivially copyable (capture by reference or pointer; the caller's
  // coroutine frame outlives the call): GCC 12 mis-copies by-value coroutine
  // parameters with non-trivial members (an SSO std::string captured by value was
  // freed from the wrong address), so RunOn refuses them at compile time.
  template <typename Fn>
  auto RunOn(size_t target, Fn fn) {
    static_assert(std::is_trivially_copyable_v<Fn>,
                  "RunOn: capture by reference/pointer (GCC 12 coroutine parameter copy bug)");
    using R = std::invoke_result_t<Fn>;
    if constexpr (IsTask<R>::value) {
      return RunTaskOn(target, std::move(fn));
    } else {
      return RunTaskOn(target, [fn = std::move(fn)]() mutable -> Task<R> { co_return fn(); });
    }
  }

  // Fire-and-forget: runs fn on shard `target` later.
  template <typename Fn>
  void Post(size_t target, Fn fn) {
    asio::post(shards_[target]->context(), std::move(fn));
  }

 private:
  template <typename Fn>
  auto RunTaskOn(size_t target, Fn fn) -> std::invoke_result_t<Fn> {
    Shard& shard = *shards_[target];
    if (shard.IsCurrent()) co_return co_await fn();
    co_return co_await asio::co_spawn(shard.executor(), std::move(fn), asio::use_awaitable);
  }

  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::atomic<size_t> next_{0};
  bool started_ = false;
};

}  // namespace orbit::runtime
