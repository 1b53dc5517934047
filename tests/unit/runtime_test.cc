// Shards and the cross-shard execution primitive.

#include "runtime/shard.h"

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

namespace orbit::runtime {
namespace {

// Runs a coroutine on shard `on` of `shards` and waits for its result.
template <typename T>
T RunBlocking(ShardSet& shards, size_t on, Task<T> task) {
  return asio::co_spawn(shards.shard(on).executor(), std::move(task), asio::use_future).get();
}

TEST(ShardSet, RunOnExecutesOnTargetAndResumesOnCaller) {
  ShardSet shards(2);
  shards.Start();
  auto result = RunBlocking(shards, 0, [&]() -> Task<std::pair<size_t, size_t>> {
    size_t ran_on = co_await shards.RunOn(1, [] { return Shard::Current()->id(); });
    size_t resumed_on = Shard::Current()->id();
    co_return std::make_pair(ran_on, resumed_on);
  }());
  EXPECT_EQ(result.first, 1u);
  EXPECT_EQ(result.second, 0u);
  shards.Stop();
}

TEST(ShardSet, RunOnAcceptsCoroutinesAndRunsInlineOnOwnShard) {
  ShardSet shards(2);
  shards.Start();
  auto result = RunBlocking(shards, 1, [&]() -> Task<int> {
    int a = co_await shards.RunOn(0, []() -> Task<int> { co_return 40; });
    int b = co_await shards.RunOn(1, [] { return 2; });  // same shard: inline
    co_return a + b;
  }());
  EXPECT_EQ(result, 42);
}

TEST(ShardSet, ManyConcurrentHopsKeepPerShardStateSingleThreaded) {
  ShardSet shards(2);
  shards.Start();
  // A counter owned by shard 1 and only touched there needs no lock.
  int64_t counter = 0;
  constexpr int kCallers = 50;
  constexpr int kHops = 200;
  std::vector<std::future<void>> done;
  for (int c = 0; c < kCallers; ++c) {
    done.push_back(asio::co_spawn(
        shards.shard(0).executor(),
        [&]() -> Task<void> {
          for (int i = 0; i < kHops; ++i) {
            co_await shards.RunOn(1, [&] {
              EXPECT_EQ(Shard::Current()->id(), 1u);
              return ++counter;
            });
          }
        },
        asio::use_future));
  }
  for (auto& f : done) f.get();
  EXPECT_EQ(counter, kCallers * kHops);
}

TEST(ShardSet, ExceptionsPropagateToTheCaller) {
  ShardSet shards(2);
  shards.Start();
  auto f = asio::co_spawn(
      shards.shard(0).executor(),
      [&]() -> Task<int> { co_return co_await shards.RunOn(1, []() -> int { throw std::runtime_error("boom"); }); },
      asio::use_future);
  EXPECT_THROW(f.get(), std::runtime_error);
}

}  // namespace
}  // namespace orbit::runtime
