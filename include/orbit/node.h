#pragma once

// An embeddable Orbit node: an application links the library, registers its actor
// types and runs a node in-process over its own data directory.
//
//   auto node = orbit::Node::Start({.data_dir = "/tmp/app"}, [](orbit::ActorRegistry& r) {
//     RegisterGreeter(r);
//   });
//   std::string reply = (*node)->Run([&]() -> orbit::Task<std::string> {
//     auto r = co_await (*node)->Ref<Greeter>("bob").Call(&Greeter::Greet, std::string("Ann"));
//     co_return r.ok() ? *r : r.error().ToString();
//   });

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/use_future.hpp>

#include "orbit/actor.h"
#include "orbit/registry.h"

namespace orbit {

namespace actor {
class Runtime;
}
namespace runtime {
class ShardSet;
}
namespace storage {
class Engine;
class DataDirLock;
}

struct NodeOptions {
  std::string data_dir;      // created if missing; locked for the node's life
  size_t threads = 0;        // shards; 0 = one per core
  bool sync_commits = true;  // fsync every state save (false: group commit every 10 ms)
  std::chrono::milliseconds call_timeout{30'000};
  std::chrono::milliseconds idle_timeout{600'000};
  std::chrono::milliseconds collection_interval{1'000};
  size_t mailbox_capacity = 10'000;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> Start(NodeOptions options, const std::function<void(ActorRegistry&)>& register_types);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Deactivates every actor (saving state) and closes storage. Idempotent.
  void Stop();

  template <typename T>
  ActorRef<T> Ref(std::string key) {
    return ActorRef<T>(runtime_.get(), ActorId{std::string(TypeNameOf<T>()), std::move(key)});
  }
  template <typename T>
  ActorRef<T> Ref(int64_t key) {
    return Ref<T>(std::to_string(key));
  }

  // Runs `fn` (a coroutine) on shard `shard` of the node (0 to shards() - 1) and
  // blocks the calling thread, which must not be a shard, until it returns.
  template <typename Fn>
  auto Run(Fn fn, size_t shard = 0) -> typename std::invoke_result_t<Fn>::value_type {
    using R = typename std::invoke_result_t<Fn>::value_type;
    if constexpr (std::is_void_v<R>) {
      asio::co_spawn(Executor(shard), fn(), asio::use_future).get();
    } else {
      // use_future needs a default-constructible result; Result<T> is not.
      return *asio::co_spawn(Executor(shard), Optional<R>(fn()), asio::use_future).get();
    }
  }
  // The number of shards (threads) running actors.
  size_t shards() const;

  actor::Runtime& runtime() { return *runtime_; }
  const ActorRegistry& registry() const { return *registry_; }

 private:
  Node();
  asio::any_io_executor Executor(size_t shard);
  template <typename R>
  static Task<std::optional<R>> Optional(Task<R> task) {
    co_return co_await std::move(task);
  }

  std::unique_ptr<storage::DataDirLock> lock_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<runtime::ShardSet> shards_;
  std::unique_ptr<ActorRegistry> registry_;
  std::unique_ptr<actor::Runtime> runtime_;
};

}  // namespace orbit
