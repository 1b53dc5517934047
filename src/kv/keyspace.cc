#include "kv/keyspace.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <latch>
#include <set>

#include "kv/persistence.h"

namespace orbit::kv {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Keyspace::Keyspace(runtime::ShardSet& shards, storage::Engine& engine, metrics::Registry& metrics,
                   KeyspaceOptions options)
    : shards_(shards),
      engine_(engine),
      options_(std::move(options)),
      writer_(1),
      start_ms_(NowMs()) {
  RegisterConnectionFamily(registry_);
  RegisterServerFamily(registry_);
  RegisterKeysFamily(registry_);
  RegisterStringFamily(registry_);
  RegisterHashFamily(registry_);
  RegisterListFamily(registry_);
  RegisterSetFamily(registry_);
  RegisterZSetFamily(registry_);
  RegisterTransactionFamily(registry_);
  RegisterPubSubFamily(registry_);
  RegisterScanFamily(registry_);
  RegisterGeoFamily(registry_);
  RegisterHllFamily(registry_);
  RegisterSortFamily(registry_);
  RegisterBitmapFamily(registry_);
  RegisterLcsFamily(registry_);
  dbs_.resize(shards.size());
  watchers_.resize(shards.size());
  blocked_.resize(shards.size());
  ready_.resize(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    commits_.push_back(std::make_unique<ShardCommit>());
    commits_.back()->pending = std::make_unique<storage::WriteBatch>(engine);
  }
  for (auto& shard : dbs_) shard.resize(static_cast<size_t>(options_.databases));
  for (size_t i = 0; i <= shards.size(); ++i) {
    stats_.push_back(std::make_unique<ShardStats>());
    stats_.back()->commands = std::make_unique<CommandStat[]>(registry_.all().size());
  }
  config_ = {
      {"databases", std::to_string(options_.databases)}, {"requirepass", options_.requirepass},
      {"maxmemory", std::to_string(options_.maxmemory)}, {"maxmemory-policy", "noeviction"}, {"appendonly", "yes"},
      {"appendfsync", "everysec"}, {"save", ""}, {"proto-max-bulk-len", "536870912"},
      {"timeout", "0"}, {"hz", "10"}, {"maxclients", "10000"},
      // Encoding thresholds: OBJECT ENCODING reports what Redis would use.
      {"hash-max-listpack-entries", "128"}, {"hash-max-listpack-value", "64"},
      {"zset-max-listpack-entries", "128"}, {"zset-max-listpack-value", "64"},
      {"set-max-intset-entries", "512"}, {"list-max-listpack-size", "-2"},
      {"hll-sparse-max-bytes", "3000"},
  };
  maxmemory_.store(options_.maxmemory);
  auto& commands = metrics.GetCounter("orbit_redis_commands_total", "Redis commands executed.");
  auto& errors = metrics.GetCounter("orbit_redis_errors_total", "Redis commands answered with an error.");
  metrics.AddCollector([this, &commands, &errors] {
    uint64_t c = 0, e = 0;
    for (const auto& st : stats_) {
      c += st->total.Get();
      e += st->errors.Get();
    }
    commands.Set(static_cast<double>(c));
    errors.Set(static_cast<double>(e));
  });
}

Keyspace::~Keyspace() {
  stopping_ = true;
  writer_.join();
  // Shards are stopped before the keyspace is destroyed: write what is left.
  for (auto& c : commits_) {
    if (c->pending->Count() == 0) continue;
    if (auto s = engine_.Write(*c->pending, storage::Engine::WriteMode::kOwned); !s.ok()) {
      spdlog::error("redis: final write at shutdown failed: {}", s.error().ToString());
    }
  }
}

std::string Keyspace::ConfigValue(std::string_view name) {
  std::lock_guard lock(config_mu_);
  auto it = config_.find(std::string(name));
  return it != config_.end() ? it->second : std::string();
}

int64_t Keyspace::ConfigInt(std::string_view name, int64_t fallback) {
  int64_t v;
  return ParseInt64(ConfigValue(name), v) ? v : fallback;
}

size_t Keyspace::Owner(std::string_view key) const {
  return std::hash<std::string_view>{}(key) % dbs_.size();
}

std::string Keyspace::requirepass() {
  std::lock_guard lock(config_mu_);
  return config_["requirepass"];
}

Status Keyspace::Load() {
  // Loaded on this thread before any session runs; the shards only start touching
  // their databases after the listener starts, which happens-after this returns.
  size_t loaded = 0;
  auto s = Persistence::LoadAll(engine_, NowMs(), [&](int db, std::string key, Entry entry) {
    if (db < 0 || db >= options_.databases) return;
    entry.access_ms = start_ms_;
    ShardDb(Owner(key), db).Set(key, std::move(entry));
    ++loaded;
  });
  if (s.ok()) spdlog::info("redis: loaded {} keys from storage", loaded);
  return s;
}

void Keyspace::Start() {
  for (size_t i = 0; i < shards_.size(); ++i) {
    asio::co_spawn(shards_.shard(i).executor(), ExpireLoop(i), asio::detached);
  }
}

Task<void> Keyspace::ExpireLoop(size_t shard) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping_) {
    timer.expires_after(std::chrono::milliseconds(1000 / std::max(1, options_.active_expire_hz)));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping_) break;
    ActiveExpire(shard);
  }
}

// Redis's active expiry: sample keys with a TTL, delete the expired ones, and
// repeat while more than a quarter of a sample was expired (bounded per tick).
void Keyspace::ActiveExpire(size_t shard) {
  for (auto it = blocked_[shard].begin(); it != blocked_[shard].end();) {
    auto& q = it->second;
    q.erase(std::remove_if(q.begin(), q.end(), [](const auto& w) {
              auto p = w.lock();
              return !p || p->done.load();
            }),
            q.end());
    it = q.empty() ? blocked_[shard].erase(it) : std::next(it);
  }
  // Drop registrations of clients that are gone or no longer watch.
  for (auto it = watchers_[shard].begin(); it != watchers_[shard].end();) {
    auto& flags = it->second;
    flags.erase(std::remove_if(flags.begin(), flags.end(), [](const auto& w) { return w.expired(); }), flags.end());
    it = flags.empty() ? watchers_[shard].erase(it) : std::next(it);
  }
  int64_t now = NowMs();
  storage::WriteBatch& batch = PendingBatch(shard);
  size_t before = batch.Count();
  for (int db = 0; db < options_.databases; ++db) {
    Database& d = ShardDb(shard, db);
    for (int round = 0; round < 16 && d.expires() > 0; ++round) {
      size_t sampled = 0, expired = 0;
      d.SampleExpiring(20, [&](const std::string& key) {
        ++sampled;
        auto it = d.map().find(key);
        if (it != d.map().end() && d.IsExpired(it->second, now)) {
          Touch(shard, db, key);
          Persistence::DeleteKey(batch, db, key, it->second.type());
          d.Erase(key);
          ++expired;
        }
      });
      if (sampled == 0 || expired * 4 <= sampled) break;
    }
  }
  if (batch.Count() > before) ScheduleFlush(shard);
}

void Keyspace::OnConnect(ClientState& client) {
  total_connections_.fetch_add(1);
  client.authenticated = requirepass().empty();
  std::lock_guard lock(clients_mu_);
  clients_[client.id] = ClientInfo{client.id, client.peer, client.name, client.db, client.created_ms, client.close};
}

void Keyspace::OnDisconnect(ClientState& client) {
  if (client.handler_state != nullptr) {
    SubscriptionState& subs = Subs(client);
    for (const auto& ch : subs.channels) pubsub_.Unsubscribe(ch, client.id);
    for (const auto& p : subs.patterns) pubsub_.PUnsubscribe(p, client.id);
  }
  std::lock_guard lock(clients_mu_);
  clients_.erase(client.id);
}

void Keyspace::UpdateClient(const ClientState& client) {
  std::lock_guard lock(clients_mu_);
  auto it = clients_.find(client.id);
  if (it == clients_.end()) return;
  it->second.name = client.name;
  it->second.db = client.db;
}

std::string Keyspace::ClientLine(uint64_t id, int64_t now_ms) {
  std::lock_guard lock(clients_mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return {};
  const ClientInfo& c = it->second;
  return "id=" + std::to_string(c.id) + " addr=" + c.addr + " laddr= fd=0 name=" + c.name +
         " age=" + std::to_string((now_ms - c.created_ms) / 1000) + " idle=0 flags=N db=" + std::to_string(c.db) +
         " sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 "
         "tot-mem=0 events=r cmd=client user=default redir=-1 resp=2\n";
}

std::string Keyspace::ClientList(int64_t now_ms) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(clients_mu_);
    for (const auto& [id, info] : clients_) ids.push_back(id);
  }
  std::string out;
  for (auto id : ids) out += ClientLine(id, now_ms);
  return out;
}

bool Keyspace::KillClient(std::string_view addr_or_id, bool by_id) {
  std::lock_guard lock(clients_mu_);
  for (auto& [id, info] : clients_) {
    bool match = by_id ? std::to_string(id) == addr_or_id : info.addr == addr_or_id;
    if (match) {
      if (info.kill) info.kill();
      return true;
    }
  }
  return false;
}

size_t Keyspace::client_count() {
  std::lock_guard lock(clients_mu_);
  return clients_.size();
}

Keyspace::ShardStats& Keyspace::LocalStats() {
  runtime::Shard* shard = runtime::Shard::Current();
  return *stats_[shard != nullptr ? shard->id() : stats_.size() - 1];
}

uint64_t Keyspace::total_commands() const {
  uint64_t n = 0;
  for (const auto& st : stats_) n += st->total.Get();
  return n;
}

uint64_t Keyspace::UsedMemory(int64_t now_ms) {
  // mallinfo2 walks the allocator's arenas: sample it at most every 10 ms.
  if (now_ms - used_memory_at_ms_.load(std::memory_order_relaxed) >= 10) {
    struct mallinfo2 mi = ::mallinfo2();
    used_memory_.store(mi.uordblks + mi.hblkhd, std::memory_order_relaxed);
    used_memory_at_ms_.store(now_ms, std::memory_order_relaxed);
  }
  return used_memory_.load(std::memory_order_relaxed);
}

void Keyspace::ResetStats() {
  for (auto& st : stats_) {
    for (size_t i = 0; i < registry_.all().size(); ++i) {
      st->commands[i].calls.v.store(0, std::memory_order_relaxed);
      st->commands[i].usec.v.store(0, std::memory_order_relaxed);
    }
    st->total.v.store(0, std::memory_order_relaxed);
    st->errors.v.store(0, std::memory_order_relaxed);
  }
  total_connections_.store(0);
}

std::string Keyspace::CommandStats() {
  std::string out;
  const auto& specs = registry_.all();
  for (size_t i = 0; i < specs.size(); ++i) {
    uint64_t calls = 0, usec = 0;
    for (const auto& st : stats_) {
      calls += st->commands[i].calls.Get();
      usec += st->commands[i].usec.Get();
    }
    if (calls == 0) continue;
    const std::string name(specs[i].name);
    out += "cmdstat_" + name + ":calls=" + std::to_string(calls) + ",usec=" + std::to_string(usec) +
           ",usec_per_call=" + std::to_string(calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0) +
           ",rejected_calls=0,failed_calls=0\r\n";
  }
  return out;
}

Task<void> Keyspace::RunExclusive(const std::function<void()>& fn) {
  // Take the coordinator lock without blocking this shard's loop: another
  // coordinator may be waiting for this very shard to pause.
  while (!exclusive_mu_.try_lock()) {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  }
  runtime::Shard* self = runtime::Shard::Current();
  size_t others = self != nullptr ? shards_.size() - 1 : shards_.size();
  std::latch paused(static_cast<std::ptrdiff_t>(others));
  std::promise<void> release;
  std::shared_future<void> resume = release.get_future().share();
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (self != nullptr && i == self->id()) continue;
    shards_.Post(i, [&paused, resume] {
      paused.count_down();
      resume.wait();
    });
  }
  paused.wait();
  // Resume the shards and free the lock even if fn throws.
  struct Release {
    std::promise<void>& release;
    std::mutex& mu;
    ~Release() {
      release.set_value();
      mu.unlock();
    }
  } guard{release, exclusive_mu_};
  fn();
}

void Keyspace::RunCommand(const CommandSpec& spec, CommandContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  spec.fn(ctx);
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  CommandStat& st = LocalStats().commands[static_cast<size_t>(&spec - registry_.all().data())];
  st.calls.Add(1);
  st.usec.Add(static_cast<uint64_t>(usec));
}

Task<void> Keyspace::Execute(ClientState& client, std::span<const std::string_view> args, ReplyBuilder& reply) {
  // CLIENT PAUSE: wait (polling; pauses are rare and short) until the pause ends
  // or the client goes away. Replies to earlier pipelined commands go out first.
  if (pause_mode_.load() != PauseMode::kNone) {
    if (const CommandSpec* spec = registry_.Find(args[0]); spec && PausedFor(client, *spec, NowMs())) {
      if (client.flush_replies && !co_await client.flush_replies()) co_return;
      asio::steady_timer timer(co_await asio::this_coro::executor);
      while (PausedFor(client, *spec, NowMs()) && (!client.peer_alive || client.peer_alive())) {
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
  }
  // CLIENT REPLY (as Redis's CLIENT_REPLY_OFF / _SKIP / _SKIP_NEXT flags): OFF
  // drops every reply, SKIP the next command's; CLIENT REPLY ON clears both and
  // answers OK. Subscription confirmations are pushes and are always delivered.
  KvClientState& data = ClientData(client);
  data.skip_current = data.skip_next;
  data.skip_next = false;
  size_t before = reply.buffer().size();
  co_await ExecuteOne(client, args, reply);
  bool drop = data.reply_off || data.skip_current || data.skip_next;
  data.skip_current = false;
  if (drop && !IsSubscriptionCommand(args[0])) reply.buffer().resize(before);
}

bool Keyspace::IsSubscriptionCommand(std::string_view name) {
  return EqualsIgnoreCase(name, "subscribe") || EqualsIgnoreCase(name, "psubscribe") ||
         EqualsIgnoreCase(name, "unsubscribe") || EqualsIgnoreCase(name, "punsubscribe");
}

void Keyspace::Pause(int64_t until_ms, PauseMode mode) {
  int64_t cur = pause_until_ms_.load();
  if (until_ms > cur) pause_until_ms_.store(until_ms);
  if (mode == PauseMode::kAll || pause_mode_.load() == PauseMode::kNone || cur <= NowMs()) pause_mode_.store(mode);
}

void Keyspace::Unpause() {
  pause_mode_.store(PauseMode::kNone);
  pause_until_ms_.store(0);
}

bool Keyspace::PausedFor(ClientState& client, const CommandSpec& spec, int64_t now_ms) {
  PauseMode mode = pause_mode_.load();
  if (mode == PauseMode::kNone) return false;
  if (now_ms >= pause_until_ms_.load()) {
    pause_mode_.store(PauseMode::kNone);
    return false;
  }
  if (mode == PauseMode::kAll) return true;
  // WRITE: commands that may change data or propagate (PUBLISH, PFCOUNT), and an
  // EXEC whose queue holds one. Inside MULTI commands are only queued.
  auto writes = [](const CommandSpec* s) {
    return s && ((s->flags & kWrite) || s->name == "publish" || s->name == "pfcount");
  };
  if (spec.name == "exec") {
    for (const auto& argv : Tx(client).queued) {
      if (!argv.empty() && writes(registry_.Find(argv[0]))) return true;
    }
    return false;
  }
  if (Tx(client).in_multi && !(spec.flags & kTxControl)) return false;
  return writes(&spec);
}

Task<void> Keyspace::ExecuteOne(ClientState& client, std::span<const std::string_view> args, ReplyBuilder& reply) {
  ShardStats& stats = LocalStats();
  stats.total.Add(1);
  const CommandSpec* spec = registry_.Find(args[0]);
  auto flag_tx_error = [&] {
    if (client.handler_state != nullptr && Tx(client).in_multi) Tx(client).errored = true;
  };
  if (spec == nullptr) {
    flag_tx_error();
    // Redis 7.0: at most 128 characters of arguments, each cut to what is left.
    std::string listed;
    for (size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
      listed += "'" + std::string(args[i].substr(0, 128 - listed.size())) + "' ";
    }
    reply.Error("ERR unknown command '" + std::string(args[0].substr(0, 128)) + "', with args beginning with: " +
                listed);
    stats.errors.Add(1);
    co_return;
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    reply.Error("ERR wrong number of arguments for '" + std::string(spec->name) + "' command");
    stats.errors.Add(1);
    flag_tx_error();
    co_return;
  }
  if (!client.authenticated && !(spec->flags & kNoAuth)) {
    reply.Error("NOAUTH Authentication required.");
    stats.errors.Add(1);
    co_return;
  }
  // RESP2 subscribed state: only the pub/sub commands, PING, QUIT and RESET.
  if (client.protocol == 2 && client.handler_state != nullptr && Subs(client).count() > 0 &&
      !(spec->flags & kPubSub) && spec->name != "ping" && spec->name != "quit" && spec->name != "reset") {
    reply.Error("ERR Can't execute '" + std::string(spec->name) +
                "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
    co_return;
  }
  // maxmemory with noeviction: commands that may grow memory are refused beyond
  // the limit (inside MULTI too, which then fails EXEC); reads go on.
  if ((spec->flags & kDenyOom) && maxmemory_.load(std::memory_order_relaxed) > 0 &&
      UsedMemory(NowMs()) > maxmemory_.load(std::memory_order_relaxed)) {
    flag_tx_error();
    reply.Error("OOM command not allowed when used memory > 'maxmemory'.");
    stats.errors.Add(1);
    co_return;
  }
  if (client.handler_state != nullptr && Tx(client).in_multi && !(spec->flags & kTxControl)) {
    std::vector<std::string> argv(args.begin(), args.end());
    Tx(client).queued.push_back(std::move(argv));
    reply.SimpleString("QUEUED");
    co_return;
  }
  if ((spec->flags & kWrite) && engine_.state() != storage::StorageState::kOk) {
    reply.Error("MISCONF Errors writing to the storage engine; writes are refused until it recovers (" +
                engine_.last_error() + ")");
    stats.errors.Add(1);
    co_return;
  }

  // Each execution renders its reply into its own buffer, appended once the
  // command's writes are durable.
  std::string out;
  // Runs on the shard that owns the keys (or on the coordinator with the other
  // shards paused); records a durability token for every shard it wrote to.
  std::vector<std::pair<size_t, uint64_t>> tokens;
  bool exclusive = (spec->flags & kAllShards) != 0;
  // Blocking commands (BLPOP, ...) outside MULTI get a waiter; the handler registers
  // it on the keys' shards in the same step as its failed attempt, so no push can
  // slip in between.
  std::shared_ptr<BlockedClient> blocker;
  bool blocked = false;
  if ((spec->flags & kBlocking) && !(client.handler_state && Tx(client).in_multi)) {
    blocker = std::make_shared<BlockedClient>(co_await asio::this_coro::executor);
  }
  bool retrying = false;  // set once the command has blocked and is run again
  auto execute = [&] {
    size_t self = runtime::Shard::Current() ? runtime::Shard::Current()->id() : 0;
    if (exclusive) {
      // Every shard is paused. Submit the writes already pending everywhere, then
      // collect this command's writes (whatever shards own the keys) in one group
      // of its own: the single writer keeps per-key order, and the command is all
      // or nothing on disk (RENAME across shards, MSET, EXEC).
      for (size_t s = 0; s < commits_.size(); ++s) {
        if (PendingBatch(s).Count() > 0) (void)SubmitGroup(s);
      }
      exclusive_target_ = static_cast<int>(self);
    }
    size_t before = PendingBatch(self).Count();
    ReplyBuilder local(out, client.protocol);
    CommandContext ctx(*this, client, args, local, NowMs());
    ctx.blocker = blocker;
    struct ResetTarget {
      int& target;
      ~ResetTarget() { target = -1; }
    } reset_target{exclusive_target_};
    try {
      RunCommand(*spec, ctx);
    } catch (const std::exception& e) {
      // A command that fails midway (e.g. out of memory building a reply) must not
      // take the connection or the shard with it.
      out.clear();
      local.Error(std::string("ERR internal error: ") + e.what());
    }
    if (retrying && blocker && !ctx.blocked && out.starts_with("-WRONGTYPE")) {
      // Woken, but the key now holds another type: as in Redis, a client already
      // blocked keeps waiting (only its first attempt reports WRONGTYPE).
      out.clear();
      std::vector<std::string_view> keys;
      for (size_t pos : KeyPositions(*spec, args)) keys.push_back(args[pos]);
      Block(ctx, keys);
    }
    blocked = ctx.blocked;
    if (PendingBatch(self).Count() > before) {
      tokens.emplace_back(self, exclusive ? SubmitGroup(self) : PendingGroup(self));
    }
    for (size_t s = 0; s < commits_.size(); ++s) {
      if ((exclusive || s == self) && !ready_[s].empty()) ServeReady(s);
    }
  };

  size_t owner = 0;
  bool keyed = false;
  if (!exclusive && spec->keys == nullptr && spec->first_key > 0 && spec->last_key == spec->first_key) {
    if (static_cast<size_t>(spec->first_key) < args.size()) {
      owner = Owner(args[static_cast<size_t>(spec->first_key)]);
      keyed = true;
    }
  } else if (!exclusive && (spec->first_key > 0 || spec->keys != nullptr)) {
    for (size_t pos : KeyPositions(*spec, args)) {
      size_t o = Owner(args[pos]);
      if (!keyed) {
        owner = o;
        keyed = true;
      } else if (o != owner) {
        exclusive = true;
        break;
      }
    }
  }
  auto run = [&]() -> Task<void> {
    if (exclusive && shards_.size() > 1) {
      co_await RunExclusive(execute);
    } else if (keyed && !shards_.shard(owner).IsCurrent()) {
      co_await shards_.RunOn(owner, [&] {
        execute();
        return true;
      });
    } else {
      execute();
    }
  };
  co_await run();
  // Before blocking, earlier pipelined commands get their replies.
  if (blocked && client.flush_replies && !co_await client.flush_replies()) {
    blocker->done.store(true);
    co_return;
  }
  if (blocked) {
    blocked_clients_.fetch_add(1);
    struct Unblocked {
      std::atomic<int64_t>& n;
      ~Unblocked() { n.fetch_sub(1); }
    } unblocked{blocked_clients_};
    // Wait until a write to one of the keys wakes us, then retry; give up at the
    // timeout. A tick every second notices clients that went away.
    using Clock = std::chrono::steady_clock;
    auto deadline = blocker->timeout_ms > 0 ? Clock::now() + std::chrono::milliseconds(blocker->timeout_ms)
                                            : Clock::time_point::max();
    while (blocked) {
      auto wake_at = std::min(deadline, Clock::now() + std::chrono::seconds(1));
      if (!blocker->done.load()) {  // a wake-up may have come while replies were sent
        blocker->timer.expires_at(wake_at);
        co_await blocker->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      bool woken = blocker->done.load();
      bool gone = client.peer_alive && !client.peer_alive();
      if (!woken && !gone && Clock::now() < deadline) continue;  // periodic tick
      bool was_woken = blocker->done.exchange(true);
      if (gone) {
        // Pass a wake-up we received on to the next waiter, then end quietly.
        if (was_woken) co_await RewakeKeys(client, *spec, args);
        out.clear();
        break;
      }
      if (!was_woken) {  // timed out
        out.clear();
        ReplyBuilder timeout_reply(out, client.protocol);
        timeout_reply.NullArray();
        break;
      }
      out.clear();
      blocker = std::make_shared<BlockedClient>(co_await asio::this_coro::executor);
      retrying = true;
      co_await run();  // retry; may block again with a fresh waiter (same deadline)
    }
  }
  client.durability_tokens.insert(client.durability_tokens.end(), tokens.begin(), tokens.end());
  if (!out.empty() && out[0] == '-') stats.errors.Add(1);
  reply.buffer().append(out);
}

void Keyspace::Block(CommandContext& ctx, const std::vector<std::string_view>& keys) {
  ctx.blocked = true;
  for (auto key : keys) {
    blocked_[Owner(key)][WatchKey(ctx.client.db, key)].push_back(ctx.blocker);
  }
}

void Keyspace::ServeReady(size_t shard) {
  auto ready = std::move(ready_[shard]);
  ready_[shard].clear();
  // A command touches a key once per element it writes: wake one client per key.
  std::sort(ready.begin(), ready.end());
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  for (const auto& wk : ready) {
    auto it = blocked_[shard].find(wk);
    if (it == blocked_[shard].end()) continue;
    auto& queue = it->second;
    // Wake the longest-waiting live client; it retries its pop. If that pop
    // succeeds it writes the key again, which wakes the next one (FIFO).
    while (!queue.empty()) {
      auto w = queue.front().lock();
      queue.pop_front();
      if (!w || w->done.exchange(true)) continue;
      asio::post(w->executor, [w] { w->timer.cancel(); });
      break;
    }
    if (queue.empty()) blocked_[shard].erase(it);
  }
}

Task<void> Keyspace::RewakeKeys(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> args) {
  for (size_t pos : KeyPositions(spec, args)) {
    size_t shard = Owner(args[pos]);
    std::string wk = WatchKey(client.db, args[pos]);
    co_await shards_.RunOn(shard, [this, shard, &wk] {
      ready_[shard].push_back(wk);
      ServeReady(shard);
      return true;
    });
  }
}

uint64_t Keyspace::PendingGroup(size_t shard) {
  ScheduleFlush(shard);
  return commits_[shard]->pending_seq;
}

void Keyspace::ScheduleFlush(size_t shard) {
  ShardCommit& c = *commits_[shard];
  if (c.flush_scheduled || c.in_flight > 0) return;
  c.flush_scheduled = true;
  // Posted, so every command already runnable on this shard joins the group first.
  shards_.Post(shard, [this, shard] { FlushGroup(shard); });
}

void Keyspace::FlushGroup(size_t shard) {
  ShardCommit& c = *commits_[shard];
  c.flush_scheduled = false;
  if (c.in_flight > 0 || c.pending->Count() == 0) return;
  (void)SubmitGroup(shard);
}

uint64_t Keyspace::SubmitGroup(size_t shard) {
  ShardCommit& c = *commits_[shard];
  ++c.in_flight;
  auto batch = std::make_shared<std::unique_ptr<storage::WriteBatch>>(std::move(c.pending));
  c.pending = std::make_unique<storage::WriteBatch>(engine_);
  uint64_t seq = c.pending_seq++;
  // One writer thread for all shards: groups reach RocksDB in submission order.
  asio::post(writer_, [this, shard, seq, batch] {
    Status s = engine_.Write(**batch, storage::Engine::WriteMode::kOwned);
    if (!s.ok()) spdlog::error("redis: group commit of shard {} failed: {}", shard, s.error().ToString());
    shards_.Post(shard, [this, shard, seq, ok = s.ok()] { OnGroupWritten(shard, seq, ok); });
  });
  return seq;
}

void Keyspace::OnGroupWritten(size_t shard, uint64_t seq, bool ok) {
  ShardCommit& c = *commits_[shard];
  --c.in_flight;
  c.durable_seq = std::max(c.durable_seq, seq);
  if (!ok) c.failed.insert(seq);
  std::vector<std::pair<uint64_t, asio::any_completion_handler<void(bool)>>> still_waiting;
  std::vector<asio::any_completion_handler<void(bool)>> done;
  for (auto& [wanted, handler] : c.waiters) {
    if (wanted <= seq) done.push_back(std::move(handler));
    else still_waiting.emplace_back(wanted, std::move(handler));
  }
  c.waiters = std::move(still_waiting);
  for (auto& h : done) {
    // Waiters are coroutines of this shard (WaitGroup runs here): resume them later
    // on this loop rather than inside this function.
    asio::post(shards_.shard(shard).context(), [h = std::move(h), ok]() mutable { std::move(h)(ok); });
  }
  if (c.pending->Count() > 0 && c.in_flight == 0) ScheduleFlush(shard);
}

Task<bool> Keyspace::WaitGroup(size_t shard, uint64_t seq) {
  ShardCommit& c = *commits_[shard];
  if (c.durable_seq >= seq) co_return c.failed.count(seq) == 0;
  ScheduleFlush(shard);
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [&c, seq](auto handler) { c.waiters.emplace_back(seq, std::move(handler)); }, asio::use_awaitable);
}

Task<bool> Keyspace::AwaitDurable(ClientState& client) {
  // One wait per shard, for the newest group; then every group from the oldest to
  // the newest must have succeeded (a later success does not cover a failure).
  struct Range {
    size_t shard;
    uint64_t first, last;
  };
  std::vector<Range> ranges;
  for (const auto& token : client.durability_tokens) {
    size_t shard = token.first;
    uint64_t seq = token.second;
    auto it = std::find_if(ranges.begin(), ranges.end(), [&](auto& r) { return r.shard == shard; });
    if (it == ranges.end()) {
      ranges.push_back({shard, seq, seq});
    } else {
      it->first = std::min(it->first, seq);
      it->last = std::max(it->last, seq);
    }
  }
  client.durability_tokens.clear();
  bool ok = true;
  for (const Range& r : ranges) {
    bool shard_ok = co_await shards_.RunOn(r.shard, [this, &r]() -> Task<bool> {
      bool newest_ok = co_await WaitGroup(r.shard, r.last);
      const auto& failed = commits_[r.shard]->failed;
      co_return newest_ok && failed.lower_bound(r.first) == failed.lower_bound(r.last + 1);
    });
    ok = ok && shard_ok;
  }
  co_return ok;
}

}  // namespace orbit::kv
