#pragma once

// The Redis engine: the keyspace partitioned over the shards (each key is owned
// by the shard its hash picks), the command table, and the execution of commands:
//  - a command whose keys all live on one shard runs on that shard (inline when
//    it is the client's own shard, otherwise one RunOn hop) without locks;
//  - a command touching several shards, or flagged kAllShards, runs exclusively:
//    the coordinator pauses the other shards' event loops, runs the command over
//    their data, then resumes them. Atomic, and free for single-shard commands.
// Writes are batched per command and written through to RocksDB (Engine::Write,
// with the server's durability) before the reply is released.

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/metrics.h"
#include "kv/command.h"
#include "kv/database.h"
#include "kv/pubsub.h"
#include "protocol/resp/resp_session.h"
#include "runtime/shard.h"
#include "storage/engine.h"

namespace orbit::kv {

struct KeyspaceOptions {
  int databases = 16;
  std::string requirepass;
  uint64_t maxmemory = 0;  // bytes; 0: no limit
  int active_expire_hz = 10;
};

// MULTI/EXEC/WATCH state of one client (kept in ClientState::handler_state).
struct TxState {
  bool in_multi = false;
  bool errored = false;  // a command failed to queue: EXEC aborts
  std::vector<std::vector<std::string>> queued;
  // Set by any write to a watched key (or FLUSH). Registrations hold weak
  // references, so UNWATCH just starts a new flag and a closed client needs no cleanup.
  std::shared_ptr<std::atomic<bool>> dirty = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::pair<int, std::string>> watched;
  // Watched keys that were already logically expired when watched (their expiry
  // then does not abort EXEC, as in Redis 7).
  std::vector<std::pair<int, std::string>> expired_at_watch;
  void Reset() {
    in_multi = false;
    errored = false;
    queued.clear();
    dirty = std::make_shared<std::atomic<bool>>(false);
    watched.clear();
    expired_at_watch.clear();
  }
};

// Channels and patterns one client subscribes to.
struct SubscriptionState {
  std::set<std::string> channels;
  std::set<std::string> patterns;
  size_t count() const { return channels.size() + patterns.size(); }
};

// Everything the Redis engine keeps per client (ClientState::handler_state).
struct KvClientState {
  TxState tx;
  SubscriptionState subs;
  // CLIENT REPLY: OFF drops every reply; SKIP drops the next command's.
  bool reply_off = false;
  bool skip_next = false;     // set by CLIENT REPLY SKIP
  bool skip_current = false;  // the running command's reply is dropped
};

// CLIENT PAUSE: which commands wait while the server is paused.
enum class PauseMode { kNone, kWrite, kAll };

// A client as CLIENT LIST shows it. Sessions own ClientState; these copies are
// what other threads may read (under the keyspace's clients lock).
struct ClientInfo {
  uint64_t id = 0;
  std::string addr;
  std::string name;
  int db = 0;
  int64_t created_ms = 0;
  std::function<void()> kill;  // closes the connection (posted to its shard)
};

class Keyspace : public protocol::resp::CommandHandler {
 public:
  Keyspace(runtime::ShardSet& shards, storage::Engine& engine, metrics::Registry& metrics, KeyspaceOptions options);
  ~Keyspace() override;

  // Loads every key from RocksDB into the owning shards. Call before serving.
  Status Load();
  // Starts the active expiry timers on every shard.
  void Start();

  // CommandHandler
  void OnConnect(ClientState& client) override;
  void OnDisconnect(ClientState& client) override;
  Task<void> Execute(ClientState& client, std::span<const std::string_view> args, ReplyBuilder& reply) override;
  Task<bool> AwaitDurable(ClientState& client) override;

  // The batch that collects the writes of commands running on `shard` (the
  // current group of that shard's group commit). Only that shard's thread (or a
  // coordinator while it is paused) touches it.
  storage::WriteBatch& PendingBatch(size_t shard) { return *commits_[shard]->pending; }
  // Where a write of a key owned by `owner` goes: the owner's batch, or during an
  // exclusive command the coordinator's single batch.
  storage::WriteBatch& BatchForOwner(size_t owner) {
    return PendingBatch(exclusive_target_ >= 0 ? static_cast<size_t>(exclusive_target_) : owner);
  }
  // The group the pending batch belongs to; schedules its write.
  uint64_t PendingGroup(size_t shard);

  size_t Owner(std::string_view key) const;

  // Transactions (transaction_family.cc).
  TxState& Tx(ClientState& client);
  KvClientState& ClientData(ClientState& client);
  SubscriptionState& Subs(ClientState& client);
  PubSub& pubsub() { return pubsub_; }
  void Watch(size_t shard, int db, std::string_view key, const std::shared_ptr<std::atomic<bool>>& flag);
  // Marks watchers of a key as dirty (called for every write of the key).
  void Touch(size_t shard, int db, std::string_view key) {
    if (!watchers_[shard].empty() || !blocked_[shard].empty()) TouchSlow(shard, db, key);
  }
  // Registers ctx.blocker on every key (blocking commands whose attempt found nothing).
  void Block(CommandContext& ctx, const std::vector<std::string_view>& keys);
  // FLUSHDB/FLUSHALL: every watcher of the database (db < 0: of every database).
  void TouchDb(int db);
  // Runs one queued command inside EXEC (the caller runs exclusively).
  void RunQueued(CommandContext& ctx, const std::vector<std::string>& argv);
  Database& ShardDb(size_t shard, int db) { return dbs_[shard][static_cast<size_t>(db)]; }
  Database& DbFor(int db, std::string_view key) { return ShardDb(Owner(key), db); }
  size_t shard_count() const { return dbs_.size(); }
  int databases() const { return options_.databases; }
  storage::Engine& engine() { return engine_; }
  const CommandRegistry& commands() const { return registry_; }

  // CONFIG GET/SET parameters (every redis.conf parameter is accepted and stored).
  std::map<std::string, std::string>& config() { return config_; }
  std::mutex& config_mutex() { return config_mu_; }
  std::string requirepass();  // a copy: CONFIG SET may change it on another thread
  std::string ConfigValue(std::string_view name);  // "" when unset
  // A numeric parameter (`fallback` when unset or not a number).
  int64_t ConfigInt(std::string_view name, int64_t fallback);

  // Clients (CLIENT LIST / KILL / ID). Snapshot under the lock.
  std::string ClientList(int64_t now_ms);
  std::string ClientLine(uint64_t id, int64_t now_ms);
  // Keeps CLIENT LIST's copy of a session's name/db current.
  void UpdateClient(const ClientState& client);
  bool KillClient(std::string_view addr_or_id, bool by_id);
  size_t client_count();

  // CLIENT PAUSE / UNPAUSE: until `until_ms` (unix ms) the commands `mode` names
  // wait before they run (a later pause never shortens or weakens an earlier one).
  void Pause(int64_t until_ms, PauseMode mode);
  void Unpause();

  // Memory in use by the allocator (INFO used_memory, the maxmemory check);
  // sampled, so it may lag by a few milliseconds.
  uint64_t UsedMemory(int64_t now_ms);
  // CONFIG SET maxmemory (bytes; 0: no limit).
  void set_maxmemory(uint64_t bytes) { maxmemory_.store(bytes); }
  uint64_t maxmemory() const { return maxmemory_.load(); }
  int64_t blocked_clients() const { return blocked_clients_.load(); }

  // Statistics for INFO.
  uint64_t total_commands() const;
  uint64_t total_connections() const { return total_connections_.load(); }
  int64_t start_ms() const { return start_ms_; }
  int64_t last_save_ms() const { return last_save_ms_.load(); }
  void set_last_save_ms(int64_t ms) { last_save_ms_ = ms; }
  std::string CommandStats();
  void ResetStats();  // CONFIG RESETSTAT

 private:
  // Group commit per shard: commands append to `pending`; when the shard's loop
  // has run what was ready, the batch goes to a writer thread (one RocksDB write,
  // one fsync for the whole group) and the shard keeps executing into the next
  // group. Sessions wait for their groups before releasing replies.
  struct ShardCommit {
    std::unique_ptr<storage::WriteBatch> pending;
    uint64_t pending_seq = 1;  // group number of `pending`
    uint64_t durable_seq = 0;  // every group <= this one has been written
    std::set<uint64_t> failed;  // groups whose write failed (rare; kept for late waiters)
    int in_flight = 0;         // groups handed to the writer, not yet confirmed
    bool flush_scheduled = false;
    std::vector<std::pair<uint64_t, asio::any_completion_handler<void(bool)>>> waiters;
  };
  void ScheduleFlush(size_t shard);
  void FlushGroup(size_t shard);
  uint64_t SubmitGroup(size_t shard);  // hands `pending` to the writer; returns its group number
  void OnGroupWritten(size_t shard, uint64_t seq, bool ok);
  Task<bool> WaitGroup(size_t shard, uint64_t seq);

  // One command, without CLIENT REPLY / CLIENT PAUSE handling (see Execute).
  Task<void> ExecuteOne(ClientState& client, std::span<const std::string_view> args, ReplyBuilder& reply);
  bool PausedFor(ClientState& client, const CommandSpec& spec, int64_t now_ms);
  static bool IsSubscriptionCommand(std::string_view name);
  Task<void> RunExclusive(const std::function<void()>& fn);
  void RunCommand(const CommandSpec& spec, CommandContext& ctx);
  void ActiveExpire(size_t shard);
  void TouchSlow(size_t shard, int db, std::string_view key);
  void ServeReady(size_t shard);
  Task<void> RewakeKeys(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> args);
  static std::string WatchKey(int db, std::string_view key);
  Task<void> ExpireLoop(size_t shard);

  runtime::ShardSet& shards_;
  storage::Engine& engine_;
  KeyspaceOptions options_;
  CommandRegistry registry_;
  std::vector<std::vector<Database>> dbs_;  // [shard][db]
  std::vector<std::unique_ptr<ShardCommit>> commits_;
  PubSub pubsub_;
  // [shard]: "db:key" -> clients blocked on it, oldest first; and keys written
  // while clients were blocked on them (served after the command).
  std::vector<std::unordered_map<std::string, std::deque<std::weak_ptr<BlockedClient>>>> blocked_;
  std::vector<std::vector<std::string>> ready_;
  // [shard]: watched "db:key" -> flags of the watching clients.
  std::vector<std::unordered_map<std::string, std::vector<std::weak_ptr<std::atomic<bool>>>>> watchers_;
  asio::thread_pool writer_;  // one thread: groups are written in submission order
  // While an exclusive command runs: the shard whose batch collects all its writes.
  int exclusive_target_ = -1;
  std::mutex exclusive_mu_;
  std::mutex config_mu_;
  std::map<std::string, std::string> config_;
  std::mutex clients_mu_;
  std::map<uint64_t, ClientInfo> clients_;

  std::atomic<uint64_t> maxmemory_{0};
  std::atomic<uint64_t> used_memory_{0};
  std::atomic<int64_t> used_memory_at_ms_{0};
  std::atomic<int64_t> blocked_clients_{0};
  std::atomic<int64_t> pause_until_ms_{0};
  std::atomic<PauseMode> pause_mode_{PauseMode::kNone};

  std::atomic<uint64_t> total_connections_{0};
  std::atomic<int64_t> last_save_ms_{0};
  int64_t start_ms_;
  std::atomic<bool> stopping_{false};
  // Statistics are kept per shard and written only by that shard's thread (relaxed
  // load + store, no shared cache line), and summed when read.
  struct Counter {
    std::atomic<uint64_t> v{0};
    void Add(uint64_t n) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  };
  struct CommandStat {
    Counter calls;
    Counter usec;
  };
  struct alignas(64) ShardStats {
    std::unique_ptr<CommandStat[]> commands;  // indexed like registry_.all()
    Counter total;
    Counter errors;
  };
  ShardStats& LocalStats();
  std::vector<std::unique_ptr<ShardStats>> stats_;  // [shard]; one more for non-shard threads
};

int64_t NowMs();

}  // namespace orbit::kv
