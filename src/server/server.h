#pragma once

// orbit-server's wiring: data directory lock, storage, shards, metrics and every
// listener, started in order and stopped in reverse.

#include <memory>
#include <vector>

#include "actor/runtime.h"
#include "common/metrics.h"
#include "glue/grpc/grpc_server.h"
#include "common/result.h"
#include "http/router.h"
#include "kv/keyspace.h"
#include "protocol/pg/pg_session.h"
#include "runtime/blocking_pool.h"
#include "sql/engine/session.h"
#include "runtime/listener.h"
#include "runtime/shard.h"
#include "server/config.h"
#include "storage/data_dir.h"
#include "storage/engine.h"

namespace orbit::server {

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Locks the data directory, opens storage, binds every enabled listener and
  // prints the banner. On error nothing is left running.
  Status Start();
  // Stops accepting, lets requests in flight finish (up to the shutdown timeout),
  // closes storage. Idempotent.
  Status Shutdown();

  storage::Engine& engine() { return *engine_; }
  metrics::Registry& metrics() { return metrics_; }
  runtime::ShardSet& shards() { return *shards_; }
  actor::Runtime& actors() { return *actors_; }

 private:
  Status StartHttp();
  Status StartRedis();
  Status StartPg();
  Status StartActors();
  Status StartGrpc();
  // The server's TLS context from --tls-cert/--tls-key, loaded once.
  Result<std::shared_ptr<boost::asio::ssl::context>> TlsContext();
  runtime::ListenerOptions ListenerDefaults(const std::string& protocol, uint16_t port) const;
  void AddCoreRoutes();
  void PrintBanner() const;

  Config config_;
  metrics::Registry metrics_;
  std::unique_ptr<storage::DataDirLock> lock_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<runtime::ShardSet> shards_;
  http::Router router_;
  std::unique_ptr<kv::Keyspace> keyspace_;
  std::unique_ptr<sql::Database> sql_db_;
  std::unique_ptr<runtime::BlockingPool> sql_pool_;
  std::unique_ptr<protocol::pg::QueryHandler> pg_handler_;
  std::unique_ptr<ActorRegistry> actor_registry_;
  std::unique_ptr<actor::Runtime> actors_;
  std::unique_ptr<glue::GrpcServer> grpc_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::vector<std::unique_ptr<runtime::Listener>> listeners_;
  bool running_ = false;
};

}  // namespace orbit::server
