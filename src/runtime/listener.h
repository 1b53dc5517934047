#pragma once

// The listener framework every protocol plugs into: bind, accept, spread
// connections over the shards, run one session coroutine per connection, count
// them in metrics, enforce max connections, and stop gracefully.
//
//   Listener redis(shards, registry, {.protocol = "redis", .port = 6379},
//                  [](std::shared_ptr<Connection> c) { return RedisSession(c); });
//   if (auto s = redis.Start(); !s.ok()) ...

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/metrics.h"
#include "common/result.h"
#include "runtime/connection.h"
#include "runtime/shard.h"

namespace orbit::runtime {

struct ListenerOptions {
  std::string protocol;  // "http", "redis", ...: metric label and log name
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;     // 0 picks a free port; port() tells which
  size_t max_connections = 10'000;
  ConnectionLimits limits;
  // When set, every connection starts with a TLS handshake.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

using SessionFn = std::function<Task<void>(std::shared_ptr<Connection>)>;

class Listener {
 public:
  Listener(ShardSet& shards, metrics::Registry& registry, ListenerOptions options, SessionFn session);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens (synchronously, so a taken port is reported here) and starts
  // accepting on shard 0.
  Status Start();
  uint16_t port() const { return port_; }
  const ListenerOptions& options() const { return options_; }
  std::string address() const;

  // Stops accepting new connections; existing ones continue.
  void StopAccepting();
  // Asks every session to finish its request in flight and end, waits up to
  // `grace`, then closes what is left. Blocking; call from a non-shard thread.
  void Shutdown(std::chrono::milliseconds grace);
  size_t active_connections() const;

 private:
  Task<void> AcceptLoop();
  Task<void> RunSession(std::shared_ptr<Connection> connection);
  void ForEachConnection(const std::function<void(Connection&)>& fn);

  ShardSet& shards_;
  ListenerOptions options_;
  SessionFn session_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> next_id_{1};
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
  metrics::Gauge& open_gauge_;
  metrics::Counter& accepted_;
  metrics::Counter& rejected_;
};

}  // namespace orbit::runtime
