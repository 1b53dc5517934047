#include "runtime/listener.h"

#include <spdlog/spdlog.h>

#include <future>
#include <thread>

namespace orbit::runtime {

Listener::Listener(ShardSet& shards, metrics::Registry& registry, ListenerOptions options, SessionFn session)
    : shards_(shards),
      options_(std::move(options)),
      session_(std::move(session)),
      acceptor_(shards.shard(0).context()),
      open_gauge_(registry.GetGauge("orbit_connections", "Open client connections.",
                                    {{"protocol", options_.protocol}})),
      accepted_(registry.GetCounter("orbit_connections_accepted_total", "Accepted client connections.",
                                    {{"protocol", options_.protocol}})),
      rejected_(registry.GetCounter("orbit_connections_rejected_total",
                                    "Connections closed at accept because max connections was reached.",
                                    {{"protocol", options_.protocol}})) {}

Listener::~Listener() { StopAccepting(); }

std::string Listener::address() const {
  return options_.bind_address + ":" + std::to_string(port_);
}

Status Listener::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.bind_address, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "invalid bind address '" + options_.bind_address + "'");
  tcp::endpoint endpoint(address, options_.port);
  std::string where = options_.bind_address + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable, "cannot listen on " + where + " (" + options_.protocol + "): " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
  return Ok();
}

Task<void> Listener::AcceptLoop() {
  while (acceptor_.is_open()) {
    Shard& target = shards_.Next();
    auto [ec, socket] = co_await acceptor_.async_accept(target.context(), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      spdlog::warn("{}: accept failed: {}", options_.protocol, ec.message());
      // Out of file descriptors and similar: back off instead of spinning.
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (active_connections() >= options_.max_connections) {
      rejected_.Inc();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto connection = std::make_shared<Connection>(next_id_.fetch_add(1), std::move(socket), options_.limits);
    {
      std::lock_guard lock(mu_);
      connections_.emplace(connection->id(), connection);
    }
    accepted_.Inc();
    open_gauge_.Inc();
    asio::co_spawn(target.executor(), RunSession(std::move(connection)), asio::detached);
  }
}

Task<void> Listener::RunSession(std::shared_ptr<Connection> connection) {
  connection->StartWatchdog();
  bool ready = true;
  if (options_.tls) {
    auto s = co_await connection->StartTls(*options_.tls);
    if (!s.ok()) {
      spdlog::debug("{}: {} from {}", options_.protocol, s.error().message(), connection->peer());
      ready = false;
    }
  }
  if (ready) {
    try {
      co_await session_(connection);
    } catch (const std::exception& e) {
      spdlog::error("{}: session {} ended by exception: {}", options_.protocol, connection->peer(), e.what());
    }
  }
  connection->Close();
  {
    std::lock_guard lock(mu_);
    connections_.erase(connection->id());
  }
  open_gauge_.Dec();
}

void Listener::StopAccepting() {
  if (!acceptor_.is_open()) return;
  std::promise<void> done;
  auto closed = done.get_future();
  // The acceptor belongs to shard 0; close it there.
  asio::post(acceptor_.get_executor(), [this, &done] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    done.set_value();
  });
  closed.wait_for(std::chrono::seconds(5));
}

size_t Listener::active_connections() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

void Listener::ForEachConnection(const std::function<void(Connection&)>& fn) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) asio::post(c->executor(), [c, fn] { fn(*c); });
}

void Listener::Shutdown(std::chrono::milliseconds grace) {
  StopAccepting();
  ForEachConnection([](Connection& c) { c.RequestStop(); });
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (active_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (size_t left = active_connections(); left > 0) {
    spdlog::warn("{}: closing {} connection(s) still busy after {} ms", options_.protocol, left, grace.count());
    ForEachConnection([](Connection& c) { c.Close(); });
    auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (active_connections() > 0 && std::chrono::steady_clock::now() < hard) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace orbit::runtime
