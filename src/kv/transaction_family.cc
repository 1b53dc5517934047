// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// Queued commands run inside EXEC while every shard is paused (EXEC is kAllShards),
// so no other client's command interleaves. WATCH registers the client's dirty
// flag on the owner shard of each key; every write of the key (CommandContext::
// BatchFor), its expiry and FLUSHDB/FLUSHALL set it, and EXEC then aborts.

#include <algorithm>

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {
namespace {

void Multi(CommandContext& c) {
  TxState& tx = c.keyspace.Tx(c.client);
  if (tx.in_multi) return c.reply.Error("ERR MULTI calls can not be nested");
  tx.in_multi = true;
  c.reply.Ok();
}

void Discard(CommandContext& c) {
  TxState& tx = c.keyspace.Tx(c.client);
  if (!tx.in_multi) return c.reply.Error("ERR DISCARD without MULTI");
  tx.Reset();
  c.reply.Ok();
}

void Exec(CommandContext& c) {
  TxState& tx = c.keyspace.Tx(c.client);
  if (!tx.in_multi) return c.reply.Error("ERR EXEC without MULTI");
  if (tx.errored) {
    tx.Reset();
    return c.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  }
  bool aborted = tx.dirty->load();
  // A watched key that expired since WATCH also aborts (nothing may have touched it yet).
  for (const auto& watched : tx.watched) {
    const auto& [db, key] = watched;
    Database& d = c.keyspace.DbFor(db, key);
    auto it = d.map().find(key);
    bool was_expired = std::find(tx.expired_at_watch.begin(), tx.expired_at_watch.end(), watched) !=
                       tx.expired_at_watch.end();
    if (it != d.map().end() && d.IsExpired(it->second, c.now_ms) && !was_expired) aborted = true;
  }
  auto queued = std::move(tx.queued);
  tx.Reset();  // unwatch before running: the transaction's own writes don't matter
  if (aborted) return c.reply.NullArray();
  c.reply.ArrayHeader(queued.size());
  for (const auto& argv : queued) c.keyspace.RunQueued(c, argv);
}

void Watch(CommandContext& c) {
  TxState& tx = c.keyspace.Tx(c.client);
  if (tx.in_multi) return c.reply.Error("ERR WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < c.argc(); ++i) {
    std::pair<int, std::string> key{c.client.db, std::string(c.arg(i))};
    if (std::find(tx.watched.begin(), tx.watched.end(), key) != tx.watched.end()) continue;  // already watched
    c.keyspace.Watch(c.keyspace.Owner(c.arg(i)), c.client.db, c.arg(i), tx.dirty);
    Database& d = c.Db(c.arg(i));
    auto it = d.map().find(c.arg(i));
    if (it != d.map().end() && d.IsExpired(it->second, c.now_ms)) tx.expired_at_watch.push_back(key);
    tx.watched.push_back(std::move(key));
  }
  c.reply.Ok();
}

void Unwatch(CommandContext& c) {
  TxState& tx = c.keyspace.Tx(c.client);
  tx.dirty = std::make_shared<std::atomic<bool>>(false);
  tx.watched.clear();
  tx.expired_at_watch.clear();
  c.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandRegistry& r) {
  r.Register({"multi", 1, kFast | kTxControl, 0, 0, 0, Multi, "transactions", "Starts a transaction.", "1.2.0"});
  r.Register({"exec", 1, kAllShards | kTxControl, 0, 0, 0, Exec, "transactions", "Executes all commands in a transaction.", "1.2.0"});
  r.Register({"discard", 1, kFast | kTxControl, 0, 0, 0, Discard, "transactions", "Discards a transaction.", "2.0.0"});
  r.Register({"watch", -2, kFast | kTxControl, 1, -1, 1, Watch, "transactions", "Monitors changes to keys to determine the execution of a transaction.", "2.2.0"});
  r.Register({"unwatch", 1, kFast, 0, 0, 0, Unwatch, "transactions", "Forgets about watched keys of a transaction.", "2.2.0"});
}

KvClientState& Keyspace::ClientData(ClientState& client) {
  if (client.handler_state == nullptr) client.handler_state = std::make_shared<KvClientState>();
  return *static_cast<KvClientState*>(client.handler_state.get());
}

TxState& Keyspace::Tx(ClientState& client) { return ClientData(client).tx; }

SubscriptionState& Keyspace::Subs(ClientState& client) { return ClientData(client).subs; }

std::string Keyspace::WatchKey(int db, std::string_view key) {
  std::string k = std::to_string(db);
  k.push_back(':');
  k.append(key);
  return k;
}

void Keyspace::Watch(size_t shard, int db, std::string_view key, const std::shared_ptr<std::atomic<bool>>& flag) {
  watchers_[shard][WatchKey(db, key)].push_back(flag);
}

void Keyspace::TouchSlow(size_t shard, int db, std::string_view key) {
  std::string wk = WatchKey(db, key);
  if (!blocked_[shard].empty() && blocked_[shard].count(wk)) ready_[shard].push_back(wk);
  auto it = watchers_[shard].find(wk);
  if (it == watchers_[shard].end()) return;
  for (auto& weak : it->second) {
    if (auto flag = weak.lock()) flag->store(true);
  }
  watchers_[shard].erase(it);  // flags are sticky: one touch is enough
}

void Keyspace::TouchDb(int db) {
  std::string prefix = db < 0 ? std::string() : std::to_string(db) + ":";
  for (auto& shard : watchers_) {
    for (auto it = shard.begin(); it != shard.end();) {
      if (it->first.compare(0, prefix.size(), prefix) == 0) {
        for (auto& weak : it->second) {
          if (auto flag = weak.lock()) flag->store(true);
        }
        it = shard.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void Keyspace::RunQueued(CommandContext& ctx, const std::vector<std::string>& argv) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  const CommandSpec* spec = registry_.Find(args[0]);  // checked when queued
  CommandContext sub(*this, ctx.client, args, ctx.reply, ctx.now_ms);
  RunCommand(*spec, sub);
}

}  // namespace orbit::kv
