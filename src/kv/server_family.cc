// Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, COMMAND, INFO, CONFIG, SAVE,
// BGSAVE, LASTSAVE, SHUTDOWN.

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "common/process_metrics.h"
#include "common/version.h"
#include "kv/command.h"
#include "kv/keyspace.h"
#include "kv/persistence.h"

namespace orbit::kv {
namespace {

size_t CountKeys(CommandContext& c, int db) {
  size_t n = 0;
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    for (auto& [k, e] : c.keyspace.ShardDb(s, db).map()) {
      if (!c.keyspace.ShardDb(s, db).IsExpired(e, c.now_ms)) ++n;
    }
  }
  return n;
}

void DbSize(CommandContext& c) { c.reply.Integer(static_cast<int64_t>(CountKeys(c, c.client.db))); }

bool ParseFlushMode(CommandContext& c) {
  if (c.argc() == 1) return true;
  if (c.argc() == 2 && (EqualsIgnoreCase(c.arg(1), "ASYNC") || EqualsIgnoreCase(c.arg(1), "SYNC"))) return true;
  c.SyntaxError();
  return false;
}

// Deletes every key of one database, one delete per key in the FLUSH's own group
// (FLUSH is exclusive). A range delete would also cover keys on disk that were
// never loaded, but per-key deletes keep the code path of every other write.
void ClearDb(CommandContext& c, int db) {
  c.keyspace.TouchDb(db);
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    Database& d = c.keyspace.ShardDb(s, db);
    for (const auto& [key, entry] : d.map()) Persistence::DeleteKey(c.keyspace.BatchForOwner(s), db, key, entry.type());
    d.Clear();
  }
}

void FlushDb(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  ClearDb(c, c.client.db);
  c.reply.Ok();
}

void FlushAll(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  for (int db = 0; db < c.keyspace.databases(); ++db) ClearDb(c, db);
  c.reply.Ok();
}

void Time(CommandContext& c) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(us / 1000000));
  c.reply.Bulk(std::to_string(us % 1000000));
}

void FlagNames(uint32_t flags, std::vector<std::string_view>& out) {
  if (flags & kWrite) out.push_back("write");
  if (flags & kReadOnly) out.push_back("readonly");
  if (flags & kDenyOom) out.push_back("denyoom");
  if (flags & kAdmin) out.push_back("admin");
  if (flags & kNoAuth) out.push_back("no_auth");
  if (flags & kFast) out.push_back("fast");
  if (flags & kLoading) out.push_back("loading");
  if (flags & kStale) out.push_back("stale");
}

void ReplyCommandInfo(CommandContext& c, const CommandSpec& s) {
  c.reply.ArrayHeader(10);
  c.reply.Bulk(s.name);
  c.reply.Integer(s.arity);
  std::vector<std::string_view> flags;
  FlagNames(s.flags, flags);
  c.reply.SetHeader(flags.size());
  for (auto f : flags) c.reply.SimpleString(f);
  c.reply.Integer(s.first_key);
  c.reply.Integer(s.last_key);
  c.reply.Integer(s.step);
  c.reply.SetHeader(1);
  c.reply.SimpleString("@" + std::string(s.group));
  c.reply.SetHeader(0);  // tips
  c.reply.ArrayHeader(0);  // key specifications (legacy positions above)
  c.reply.ArrayHeader(0);  // subcommands
}

void Command(CommandContext& c) {
  const auto& reg = c.keyspace.commands();
  if (c.argc() == 1) {
    c.reply.ArrayHeader(reg.all().size());
    for (const auto& s : reg.all()) ReplyCommandInfo(c, s);
    return;
  }
  std::string sub = Lower(c.arg(1));
  if (sub == "count" && c.argc() == 2) return c.reply.Integer(static_cast<int64_t>(reg.all().size()));
  if (sub == "list" && c.argc() == 2) {
    c.reply.ArrayHeader(reg.all().size());
    for (const auto& s : reg.all()) c.reply.Bulk(s.name);
    return;
  }
  if (sub == "info") {
    if (c.argc() == 2) {
      c.reply.ArrayHeader(reg.all().size());
      for (const auto& s : reg.all()) ReplyCommandInfo(c, s);
      return;
    }
    c.reply.ArrayHeader(c.argc() - 2);
    for (size_t i = 2; i < c.argc(); ++i) {
      if (const CommandSpec* s = reg.Find(c.arg(i))) ReplyCommandInfo(c, *s);
      else c.reply.Null();
    }
    return;
  }
  if (sub == "docs") {
    std::vector<const CommandSpec*> specs;
    if (c.argc() == 2) {
      for (const auto& s : reg.all()) specs.push_back(&s);
    } else {
      for (size_t i = 2; i < c.argc(); ++i) {
        if (const CommandSpec* s = reg.Find(c.arg(i))) specs.push_back(s);
      }
    }
    c.reply.MapHeader(specs.size());
    for (const auto* s : specs) {
      c.reply.Bulk(s->name);
      c.reply.MapHeader(3);
      c.reply.Bulk("summary");
      c.reply.Bulk(s->summary);
      c.reply.Bulk("since");
      c.reply.Bulk(s->since);
      c.reply.Bulk("group");
      c.reply.Bulk(s->group);
    }
    return;
  }
  if (sub == "getkeys" && c.argc() >= 3) {
    const CommandSpec* s = reg.Find(c.arg(2));
    if (s == nullptr) return c.reply.Error("ERR Invalid command specified");
    auto cmd_args = c.args.subspan(2);
    auto keys = KeyPositions(*s, cmd_args);
    if (keys.empty()) return c.reply.Error("ERR The command has no key arguments");
    c.reply.ArrayHeader(keys.size());
    for (auto k : keys) c.reply.Bulk(cmd_args[k]);
    return;
  }
  static constexpr std::string_view kKnown[] = {"count", "list", "info", "docs", "getkeys"};
  c.reply.Error(SubcommandError("command", c.arg(1), std::find(std::begin(kKnown), std::end(kKnown), sub) != std::end(kKnown)));
}

// Redis's bytesToHuman: "1.50K", "12.00M", ...
std::string HumanBytes(uint64_t n) {
  double d = static_cast<double>(n);
  if (n < 1024) return fmt::format("{}B", n);
  if (n < (1ull << 20)) return fmt::format("{:.2f}K", d / 1024);
  if (n < (1ull << 30)) return fmt::format("{:.2f}M", d / (1 << 20));
  return fmt::format("{:.2f}G", d / (1ull << 30));
}

// A memory amount as redis.conf writes it: bytes, or with k/kb/m/mb/g/gb (k is
// 1000, kb is 1024, case-insensitive).
bool ParseMemory(std::string_view s, uint64_t& out) {
  std::string v = Lower(s);
  uint64_t mul = 1;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024ull * 1024 * 1024}, {"k", 1000}, {"m", 1000000},
      {"g", 1000000000}, {"b", 1}};
  for (auto [suffix, m] : kUnits) {
    if (v.size() > suffix.size() && v.ends_with(suffix)) {
      v.resize(v.size() - suffix.size());
      mul = m;
      break;
    }
  }
  int64_t n;
  if (!ParseInt64(v, n) || n < 0 || static_cast<uint64_t>(n) > UINT64_MAX / mul) return false;
  out = static_cast<uint64_t>(n) * mul;
  return true;
}

void Info(CommandContext& c) {
  std::string section = c.argc() >= 2 ? Lower(c.arg(1)) : "default";
  bool all = section == "all" || section == "everything" || section == "default";
  auto want = [&](std::string_view s) { return all || section == s; };
  std::string out;
  if (want("server")) {
    out += fmt::format(
        "# Server\r\nredis_version:7.0.15\r\norbit_version:{}\r\nredis_mode:standalone\r\nos:Linux\r\n"
        "arch_bits:64\r\nprocess_id:{}\r\ntcp_port:0\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\n\r\n",
        kVersion, ::getpid(), (c.now_ms - c.keyspace.start_ms()) / 1000,
        (c.now_ms - c.keyspace.start_ms()) / 86400000);
  }
  if (want("clients")) {
    out += fmt::format("# Clients\r\nconnected_clients:{}\r\nblocked_clients:{}\r\n\r\n", c.keyspace.client_count(),
                       c.keyspace.blocked_clients());
  }
  if (want("memory")) {
    uint64_t used = c.keyspace.UsedMemory(c.now_ms);
    out += fmt::format(
        "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\n"
        "maxmemory_policy:{}\r\n\r\n",
        used, HumanBytes(used), c.keyspace.maxmemory(), HumanBytes(c.keyspace.maxmemory()),
        c.keyspace.ConfigValue("maxmemory-policy"));
  }
  if (want("persistence")) {
    out += fmt::format("# Persistence\r\nloading:0\r\naof_enabled:1\r\nrdb_last_save_time:{}\r\n\r\n",
                       c.keyspace.last_save_ms() / 1000);
  }
  if (want("stats")) {
    out += fmt::format("# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n\r\n",
                       c.keyspace.total_connections(), c.keyspace.total_commands());
  }
  if (section == "all" || section == "everything" || section == "commandstats") {
    out += "# Commandstats\r\n" + c.keyspace.CommandStats() + "\r\n";
  }
  if (want("keyspace")) {
    out += "# Keyspace\r\n";
    for (int db = 0; db < c.keyspace.databases(); ++db) {
      size_t keys = 0, expires = 0;
      for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
        keys += c.keyspace.ShardDb(s, db).size();
        expires += c.keyspace.ShardDb(s, db).expires();
      }
      if (keys > 0) out += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", db, keys, expires);
    }
  }
  c.reply.Verbatim(out);
}

// Parameters documented by Redis 7.0's redis.conf that CONFIG SET accepts when
// they are not already in the keyspace's table (stored, applied where meaningful).
constexpr std::string_view kKnownParameters[] = {
    "bind", "protected-mode", "port", "tcp-backlog", "unixsocket", "unixsocketperm", "timeout", "tcp-keepalive",
    "tls-port", "daemonize", "supervised", "pidfile", "loglevel", "logfile", "syslog-enabled", "databases",
    "always-show-logo", "set-proc-title", "save", "stop-writes-on-bgsave-error", "rdbcompression", "rdbchecksum",
    "dbfilename", "rdb-del-sync-files", "dir", "replica-serve-stale-data", "replica-read-only", "repl-diskless-sync",
    "repl-diskless-sync-delay", "repl-backlog-size", "repl-backlog-ttl", "replica-priority", "acllog-max-len",
    "requirepass", "maxclients", "maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
    "replica-ignore-maxmemory", "active-expire-effort", "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del", "replica-lazy-flush", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
    "io-threads", "io-threads-do-reads", "oom-score-adj", "oom-score-adj-values", "disable-thp", "appendonly",
    "appendfilename", "appenddirname", "appendfsync", "no-appendfsync-on-rewrite", "auto-aof-rewrite-percentage",
    "auto-aof-rewrite-min-size", "aof-load-truncated", "aof-use-rdb-preamble", "aof-timestamp-enabled",
    "busy-reply-threshold", "lua-time-limit", "cluster-enabled", "slowlog-log-slower-than", "slowlog-max-len",
    "latency-monitor-threshold", "notify-keyspace-events", "hash-max-listpack-entries", "hash-max-listpack-value",
    "hash-max-ziplist-entries", "hash-max-ziplist-value", "list-max-listpack-size", "list-max-ziplist-size",
    "list-compress-depth", "set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value",
    "zset-max-ziplist-entries", "zset-max-ziplist-value", "hll-sparse-max-bytes", "stream-node-max-bytes",
    "stream-node-max-entries", "activerehashing", "client-output-buffer-limit", "client-query-buffer-limit",
    "proto-max-bulk-len", "hz", "dynamic-hz", "aof-rewrite-incremental-fsync", "rdb-save-incremental-fsync",
    "lfu-log-factor", "lfu-decay-time", "activedefrag", "active-defrag-ignore-bytes", "active-defrag-threshold-lower",
    "active-defrag-threshold-upper", "active-defrag-cycle-min", "active-defrag-cycle-max",
    "active-defrag-max-scan-fields", "jemalloc-bg-thread", "enable-protected-configs", "enable-debug-command",
    "enable-module-command", "crash-log-enabled", "crash-memcheck-enabled", "shutdown-timeout", "shutdown-on-sigint",
    "shutdown-on-sigterm", "lazyfree-lazy-user-flush", "min-replicas-to-write", "min-replicas-max-lag",
    "replica-announce-ip", "replica-announce-port", "tracking-table-max-keys", "close-on-replica-write",
};

bool KnownParameter(std::string_view name) {
  for (auto p : kKnownParameters) {
    if (p == name) return true;
  }
  return false;
}

void Config(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "get" && c.argc() >= 3) {
    std::lock_guard lock(c.keyspace.config_mutex());
    std::vector<std::pair<std::string, std::string>> found;
    for (size_t i = 2; i < c.argc(); ++i) {
      std::string pattern = Lower(c.arg(i));
      for (const auto& param : c.keyspace.config()) {
        const std::string& k = param.first;
        if (GlobMatch(pattern, k) &&
            std::none_of(found.begin(), found.end(), [&](const auto& f) { return f.first == k; })) {
          found.emplace_back(k, param.second);
        }
      }
    }
    c.reply.MapHeader(found.size());
    for (const auto& [k, v] : found) {
      c.reply.Bulk(k);
      c.reply.Bulk(v);
    }
    return;
  }
  if (sub == "set" && c.argc() >= 4 && c.argc() % 2 == 0) {
    std::lock_guard lock(c.keyspace.config_mutex());
    for (size_t i = 2; i < c.argc(); i += 2) {
      std::string name = Lower(c.arg(i));
      if (!c.keyspace.config().count(name) && !KnownParameter(name)) {
        return c.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(c.arg(i)) +
                             "'");
      }
    }
    uint64_t maxmemory = 0;
    for (size_t i = 2; i < c.argc(); i += 2) {
      if (Lower(c.arg(i)) == "maxmemory" && !ParseMemory(c.arg(i + 1), maxmemory)) {
        return c.reply.Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
                             "memory value");
      }
    }
    for (size_t i = 2; i < c.argc(); i += 2) {
      std::string name = Lower(c.arg(i));
      if (name == "maxmemory") {
        c.keyspace.config()[name] = std::to_string(maxmemory);
        c.keyspace.set_maxmemory(maxmemory);
        continue;
      }
      c.keyspace.config()[name] = std::string(c.arg(i + 1));
      // The pre-7.0 "ziplist" names are aliases of the "listpack" ones.
      if (auto pos = name.find("ziplist"); pos != std::string::npos) {
        c.keyspace.config()[name.replace(pos, 7, "listpack")] = std::string(c.arg(i + 1));
      }
    }
    return c.reply.Ok();
  }
  if (sub == "resetstat" && c.argc() == 2) {
    c.keyspace.ResetStats();
    return c.reply.Ok();
  }
  static constexpr std::string_view kKnown[] = {"get", "set", "resetstat"};
  c.reply.Error(SubcommandError("config", c.arg(1), std::find(std::begin(kKnown), std::end(kKnown), sub) != std::end(kKnown)));
}

void Save(CommandContext& c) {
  if (auto s = c.keyspace.engine().Flush(); !s.ok()) return c.reply.Error("ERR " + s.error().ToString());
  c.keyspace.set_last_save_ms(c.now_ms);
  if (EqualsIgnoreCase(c.arg(0), "bgsave")) return c.reply.SimpleString("Background saving started");
  c.reply.Ok();
}

void LastSave(CommandContext& c) { c.reply.Integer(c.keyspace.last_save_ms() / 1000); }

void Shutdown(CommandContext& c) {
  // The server's own SIGTERM path: stop accepting, drain, flush, exit 0.
  c.client.close_after_reply = true;
  ::kill(::getpid(), SIGTERM);
}

}  // namespace

void RegisterServerFamily(CommandRegistry& r) {
  r.Register({"dbsize", 1, kReadOnly | kFast | kAllShards, 0, 0, 0, DbSize, "server", "Returns the number of keys in the database."});
  r.Register({"flushdb", -1, kWrite | kAllShards, 0, 0, 0, FlushDb, "server", "Removes all keys from the current database."});
  r.Register({"flushall", -1, kWrite | kAllShards, 0, 0, 0, FlushAll, "server", "Removes all keys from all databases."});
  r.Register({"time", 1, kFast, 0, 0, 0, Time, "server", "Returns the server time."});
  r.Register({"command", -1, kLoading | kStale, 0, 0, 0, Command, "server", "Returns detailed information about all commands."});
  r.Register({"info", -1, kLoading | kStale | kAllShards, 0, 0, 0, Info, "server", "Returns information and statistics about the server."});
  r.Register({"config", -2, kAdmin, 0, 0, 0, Config, "server", "A container for server configuration commands."});
  r.Register({"save", 1, kAdmin, 0, 0, 0, Save, "server", "Synchronously saves the database(s) to disk."});
  r.Register({"bgsave", -1, kAdmin, 0, 0, 0, Save, "server", "Asynchronously saves the database(s) to disk."});
  r.Register({"lastsave", 1, kFast, 0, 0, 0, LastSave, "server", "Returns the Unix timestamp of the last successful save to disk."});
  r.Register({"shutdown", -1, kAdmin, 0, 0, 0, Shutdown, "server", "Synchronously saves the database(s) to disk and shuts down the Redis server."});
}

}  // namespace orbit::kv
