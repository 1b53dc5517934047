#include "server/server.h"

#include <unistd.h>

#include <algorithm>

#include <boost/asio/ssl/context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/process_metrics.h"
#include "common/version.h"
#include "http/http_session.h"
#include "protocol/resp/resp_session.h"
#include "example_actors.h"
#include "glue/actors/actor_http.h"
#include "glue/pg/pg_glue.h"
#include "storage/storage_metrics.h"

namespace orbit::server {

Server::Server(Config config) : config_(std::move(config)) {}

Server::~Server() { (void)Shutdown(); }

Status Server::Start() {
  auto lock = storage::DataDirLock::Acquire(config_.data_dir);
  if (!lock.ok()) return lock.error();
  lock_ = std::move(lock).value();

  storage::EngineOptions options;
  options.path = config_.data_dir + "/db";
  options.durability = config_.durability == "group" ? storage::Durability::kGroupCommit : storage::Durability::kSync;
  options.group_commit_interval = std::chrono::milliseconds(config_.group_commit_ms);
  options.lock_timeout = std::chrono::milliseconds(config_.lock_timeout_ms);
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    return Error(engine.error().code(), "cannot open storage at " + options.path + ": " + engine.error().message());
  }
  engine_ = std::move(engine).value();

  metrics::RegisterProcessMetrics(metrics_);
  storage::RegisterStorageMetrics(metrics_, *engine_);

  shards_ = std::make_unique<runtime::ShardSet>(config_.thread_count());
  shards_->Start();
  running_ = true;

  if (auto s = StartActors(); !s.ok()) {
    (void)Shutdown();
    return s;
  }
  if (config_.http_enabled) {
    if (auto s = StartHttp(); !s.ok()) {
      (void)Shutdown();
      return s;
    }
  }
  if (config_.protocols.at("redis").enabled) {
    if (auto s = StartRedis(); !s.ok()) {
      (void)Shutdown();
      return s;
    }
  }
  if (config_.protocols.at("pg").enabled) {
    if (auto s = StartPg(); !s.ok()) {
      (void)Shutdown();
      return s;
    }
  }
  if (config_.protocols.at("grpc").enabled) {
    if (auto s = StartGrpc(); !s.ok()) {
      (void)Shutdown();
      return s;
    }
  }
  PrintBanner();
  return Ok();
}

void Server::AddCoreRoutes() {
  router_.Add("GET", "/health", "Liveness and storage health", [this](const http::Request&) -> Task<http::Response> {
    auto state = engine_->state();
    std::string body = fmt::format(R"({{"status":"{}","version":"{}","uptime_seconds":{:.3f},"storage":{{"state":"{}")",
                                   state == storage::StorageState::kOk ? "ok" : "unavailable", kVersion,
                                   metrics::UptimeSeconds(), storage::StorageStateName(state));
    if (state != storage::StorageState::kOk) {
      body += ",\"error\":\"";
      AppendJsonEscaped(body, engine_->last_error());
      body += "\"";
    }
    body += "}}";
    co_return http::Response::Json(state == storage::StorageState::kOk ? 200 : 503, std::move(body));
  });
  router_.Add("GET", "/metrics", "Prometheus metrics (text format 0.0.4)",
              [this](const http::Request&) -> Task<http::Response> {
                http::Response r;
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                r.body = metrics_.Render();
                co_return r;
              });
}

runtime::ListenerOptions Server::ListenerDefaults(const std::string& protocol, uint16_t port) const {
  runtime::ListenerOptions options;
  options.protocol = protocol;
  options.bind_address = config_.bind;
  options.port = port;
  options.max_connections = config_.max_connections;
  options.limits.idle_timeout = std::chrono::seconds(config_.idle_timeout_s);
  options.limits.write_timeout = std::chrono::seconds(config_.write_timeout_s);
  options.limits.max_output_bytes = config_.max_output_buffer_bytes;
  return options;
}

Status Server::StartRedis() {
  kv::KeyspaceOptions ks;
  ks.requirepass = config_.redis_requirepass;
  ks.maxmemory = config_.redis_maxmemory;
  keyspace_ = std::make_unique<kv::Keyspace>(*shards_, *engine_, metrics_, ks);
  if (auto s = keyspace_->Load(); !s.ok()) return Error(s.error().code(), "cannot load Redis data: " + s.error().message());
  keyspace_->Start();
  auto listener = std::make_unique<runtime::Listener>(
      *shards_, metrics_, ListenerDefaults("redis", config_.protocols.at("redis").port),
      [this](std::shared_ptr<runtime::Connection> c) {
        return protocol::resp::ServeResp(std::move(c), *keyspace_, protocol::resp::SessionOptions{});
      });
  if (auto s = listener->Start(); !s.ok()) return s;
  listeners_.push_back(std::move(listener));
  return Ok();
}

Status Server::StartPg() {
  sql_db_ = std::make_unique<sql::Database>(*engine_);
  if (auto s = sql_db_->Open(); !s.ok()) return Error(s.error().code(), "cannot open the SQL catalog: " + s.error().message());
  // SQL statements may wait for row locks and commit fsyncs: they run on their
  // own threads, never on a shard's.
  sql_pool_ = std::make_unique<runtime::BlockingPool>(std::max<uint32_t>(1, config_.sql_threads));
  pg_handler_ = std::make_unique<glue::PgQueryHandler>(*sql_db_, *sql_pool_);
  protocol::pg::SessionOptions session;
  session.backend_pid = static_cast<int32_t>(::getpid());
  session.auth = config_.pg_auth;
  if (!config_.tls_cert.empty() && !config_.tls_key.empty()) {  // SSLRequest gets 'S'
    auto ctx = TlsContext();
    if (!ctx.ok()) return ctx.error();
    session.tls = std::move(ctx).value();
  }
  auto listener = std::make_unique<runtime::Listener>(
      *shards_, metrics_, ListenerDefaults("pg", config_.protocols.at("pg").port),
      [this, session](std::shared_ptr<runtime::Connection> c) {
        return protocol::pg::ServePg(std::move(c), *pg_handler_, session);
      });
  if (auto s = listener->Start(); !s.ok()) return s;
  listeners_.push_back(std::move(listener));
  return Ok();
}

Status Server::StartActors() {
  actor_registry_ = std::make_unique<ActorRegistry>();
  examples::RegisterExampleActors(*actor_registry_);
  actor::RuntimeOptions options;
  options.idle_timeout = std::chrono::seconds(config_.actors_idle_timeout_s);
  options.call_timeout = std::chrono::milliseconds(config_.actors_call_timeout_ms);
  options.mailbox_capacity = config_.actors_mailbox;
  actors_ = std::make_unique<actor::Runtime>(*shards_, *engine_, *actor_registry_, options);
  if (auto s = actors_->Start(); !s.ok()) return Error(s.error().code(), "cannot start the actor runtime: " + s.error().message());
  return Ok();
}

Result<std::shared_ptr<boost::asio::ssl::context>> Server::TlsContext() {
  if (tls_context_) return tls_context_;
  if (config_.tls_cert.empty() || config_.tls_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "TLS needs --tls-cert and --tls-key");
  }
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                   boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
  ctx->use_certificate_chain_file(config_.tls_cert, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "cannot load --tls-cert " + config_.tls_cert + ": " + ec.message());
  ctx->use_private_key_file(config_.tls_key, boost::asio::ssl::context::pem, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "cannot load --tls-key " + config_.tls_key + ": " + ec.message());
  tls_context_ = ctx;
  return ctx;
}

Status Server::StartGrpc() {
  grpc_ = std::make_unique<glue::GrpcServer>(*actors_, "orbit-" + std::to_string(::getpid()));
  return grpc_->Start(config_.bind, config_.protocols.at("grpc").port);
}

Status Server::StartHttp() {
  AddCoreRoutes();
  router_.SetCorsOrigin(config_.http_cors_origin);
  glue::RegisterActorRoutes(router_, *actors_);
  glue::RegisterActorEvents(router_, *actors_);
  glue::RegisterOpenApiRoute(router_, actor_registry_.get(), std::string(kVersion));
  runtime::ListenerOptions options = ListenerDefaults("http", config_.http_port);
  if (config_.http_tls) {
    auto ctx = TlsContext();
    if (!ctx.ok()) return ctx.error();
    options.tls = std::move(ctx).value();
  }

  http::HttpLimits limits;
  limits.max_body_bytes = config_.http_max_body_bytes;
  auto& latency = metrics_.GetHistogram("orbit_http_request_duration_seconds", "HTTP request latency.",
                                        metrics::LatencyBuckets());
  limits.on_response = [this, &latency](const http::Request& req, int status, double seconds) {
    metrics_.GetCounter("orbit_http_requests_total", "HTTP requests by method and status.",
                        {{"method", req.method}, {"code", std::to_string(status)}})
        .Inc();
    latency.Observe(seconds);
  };
  auto listener = std::make_unique<runtime::Listener>(
      *shards_, metrics_, std::move(options),
      [this, limits](std::shared_ptr<runtime::Connection> c) { return http::ServeHttp(std::move(c), router_, limits); });
  if (auto s = listener->Start(); !s.ok()) return s;
  listeners_.push_back(std::move(listener));
  return Ok();
}

void Server::PrintBanner() const {
  std::string banner = fmt::format("orbit-server {}\n  data dir: {} (durability {})\n  shards: {}\n", kVersion,
                                   config_.data_dir, config_.durability, shards_->size());
  if (!config_.config_file.empty()) banner += fmt::format("  config: {}\n", config_.config_file);
  for (const auto& l : listeners_) {
    banner += fmt::format("  {} listening on {}{}\n", l->options().protocol, l->address(), l->options().tls ? " (tls)" : "");
  }
  if (grpc_) banner += fmt::format("  grpc listening on {}:{}\n", config_.bind, grpc_->port());
  banner += "ready\n";
  std::fputs(banner.c_str(), stdout);
  std::fflush(stdout);
}

Status Server::Shutdown() {
  if (!running_) return Ok();
  running_ = false;
  auto grace = std::chrono::seconds(config_.shutdown_timeout_s);
  for (auto& l : listeners_) l->StopAccepting();
  for (auto& l : listeners_) l->Shutdown(grace);
  // SQL statements still running on the pool finish while the shards (which own
  // their sessions) and the engine are still there.
  if (sql_pool_) sql_pool_->Stop();
  if (grpc_) grpc_->Shutdown(grace);
  // Actors deactivate (saving their state) while shards and storage still run.
  if (actors_) actors_->Stop();
  shards_->Stop();
  listeners_.clear();
  keyspace_.reset();
  Status closed = engine_->Close();
  if (!closed.ok()) spdlog::error("closing storage: {}", closed.error().ToString());
  lock_.reset();
  return closed;
}

}  // namespace orbit::server
