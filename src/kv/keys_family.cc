// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, EXPIRE and friends, TTL,
// PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX,
// COPY, MOVE, SWAPDB, OBJECT.

#include <algorithm>
#include <charconv>
#include <limits>
#include <random>

#include "kv/command.h"
#include "kv/keyspace.h"
#include "kv/persistence.h"

namespace orbit::kv {
namespace {

void Del(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.argc(); ++i) n += c.Delete(c.arg(i)) ? 1 : 0;
  c.reply.Integer(n);
}

void Exists(CommandContext& c) {
  int64_t n = 0;
  for (size_t i = 1; i < c.argc(); ++i) n += c.Find(c.arg(i)) ? 1 : 0;
  c.reply.Integer(n);
}

void Type(CommandContext& c) {
  Entry* e = c.Find(c.arg(1));
  c.reply.SimpleString(e ? TypeName(e->type()) : "none");
}

// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT]
void ExpireGeneric(CommandContext& c, bool millis, bool absolute) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < c.argc(); ++i) {
    std::string opt = Lower(c.arg(i));
    if (opt == "nx") nx = true;
    else if (opt == "xx") xx = true;
    else if (opt == "gt") gt = true;
    else if (opt == "lt") lt = true;
    else return c.reply.Error("ERR Unsupported option " + std::string(c.arg(i)));
  }
  if (nx && (xx || gt || lt)) {
    return c.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt) return c.reply.Error("ERR GT and LT options at the same time are not compatible");
  int64_t t;  // parsed after the options, as Redis does
  if (!ParseInt64(c.arg(2), t)) return c.NotInteger();
  std::string_view cmd = c.arg(0);
  // Overflow checks as Redis: the absolute time in ms must fit in int64.
  int64_t unit = millis ? 1 : 1000;
  if ((t > 0 && t > std::numeric_limits<int64_t>::max() / unit) ||
      (t < 0 && t < std::numeric_limits<int64_t>::min() / unit)) {
    return c.reply.Error("ERR invalid expire time in '" + Lower(cmd) + "' command");
  }
  int64_t when = t * unit;
  if (!absolute) {
    if ((when > 0 && c.now_ms > std::numeric_limits<int64_t>::max() - when)) {
      return c.reply.Error("ERR invalid expire time in '" + Lower(cmd) + "' command");
    }
    when += c.now_ms;
  }
  Entry* e = c.Find(c.arg(1));
  if (e == nullptr) return c.reply.Integer(0);
  int64_t current = e->expire_ms;  // 0 = persistent (treated as infinite TTL)
  if (nx && current != 0) return c.reply.Integer(0);
  if (xx && current == 0) return c.reply.Integer(0);
  if (gt && (current == 0 || when <= current)) return c.reply.Integer(0);
  if (lt && current != 0 && when >= current) return c.reply.Integer(0);
  if (when <= c.now_ms) {
    c.Delete(c.arg(1));  // a time in the past deletes the key
    return c.reply.Integer(1);
  }
  c.Db(c.arg(1)).SetExpire(c.arg(1), *e, when);
  c.PersistMeta(c.arg(1), *e);
  c.reply.Integer(1);
}

void Expire(CommandContext& c) { ExpireGeneric(c, false, false); }
void PExpire(CommandContext& c) { ExpireGeneric(c, true, false); }
void ExpireAt(CommandContext& c) { ExpireGeneric(c, false, true); }
void PExpireAt(CommandContext& c) { ExpireGeneric(c, true, true); }

void TtlGeneric(CommandContext& c, bool millis, bool absolute) {
  Entry* e = c.Find(c.arg(1));
  if (e == nullptr) return c.reply.Integer(-2);
  if (e->expire_ms == 0) return c.reply.Integer(-1);
  if (absolute) return c.reply.Integer(millis ? e->expire_ms : e->expire_ms / 1000);
  int64_t left = std::max<int64_t>(0, e->expire_ms - c.now_ms);
  c.reply.Integer(millis ? left : (left + 500) / 1000);
}

void Ttl(CommandContext& c) { TtlGeneric(c, false, false); }
void PTtl(CommandContext& c) { TtlGeneric(c, true, false); }
void ExpireTime(CommandContext& c) { TtlGeneric(c, false, true); }
void PExpireTime(CommandContext& c) { TtlGeneric(c, true, true); }

void Persist(CommandContext& c) {
  Entry* e = c.Find(c.arg(1));
  if (e == nullptr || e->expire_ms == 0) return c.reply.Integer(0);
  c.Db(c.arg(1)).SetExpire(c.arg(1), *e, 0);
  c.PersistMeta(c.arg(1), *e);
  c.reply.Integer(1);
}

void Keys(CommandContext& c) {
  std::vector<std::string_view> out;
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    Database& d = c.keyspace.ShardDb(s, c.client.db);
    for (const auto& [k, e] : d.map()) {
      if (!d.IsExpired(e, c.now_ms) && GlobMatch(c.arg(1), k)) out.push_back(k);
    }
  }
  c.reply.ArrayHeader(out.size());
  for (auto k : out) c.reply.Bulk(k);
}

void Scan(CommandContext& c) {
  ScanArgs scan;
  if (!ParseScanArgs(c, 1, true, scan)) return;
  std::vector<std::pair<uint64_t, std::string_view>> candidates;
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    Database& d = c.keyspace.ShardDb(s, c.client.db);
    for (const auto& [k, e] : d.map()) {
      uint64_t pos = ScanPosition(k);
      if (pos >= scan.cursor && !d.IsExpired(e, c.now_ms)) candidates.emplace_back(pos, k);
    }
  }
  uint64_t next = SelectScanPage(candidates, scan.count);
  std::vector<std::string_view> keys;
  for (const auto& [pos, k] : candidates) {
    if (!scan.pattern.empty() && !GlobMatch(scan.pattern, k)) continue;
    if (!scan.type.empty()) {
      Entry* e = c.Find(k);
      if (e == nullptr || TypeName(e->type()) != scan.type) continue;
    }
    keys.push_back(k);
  }
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(next));
  c.reply.ArrayHeader(keys.size());
  for (auto k : keys) c.reply.Bulk(k);
}

void RandomKey(CommandContext& c) {
  std::vector<std::string_view> live;
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    Database& d = c.keyspace.ShardDb(s, c.client.db);
    for (const auto& [k, e] : d.map()) {
      if (!d.IsExpired(e, c.now_ms)) live.push_back(k);
    }
  }
  if (live.empty()) return c.reply.Null();
  c.reply.Bulk(live[Rng()() % live.size()]);
}

void RenameGeneric(CommandContext& c, bool nx) {
  std::string_view from = c.arg(1), to = c.arg(2);
  Entry* e = c.Find(from);
  if (e == nullptr) return c.reply.Error("ERR no such key");
  if (from == to) return nx ? c.reply.Integer(0) : c.reply.Ok();
  if (nx && c.Find(to) != nullptr) return c.reply.Integer(0);
  Entry moved = std::move(*e);
  c.Delete(from);
  c.Delete(to);
  c.Put(to, std::move(moved));
  nx ? c.reply.Integer(1) : c.reply.Ok();
}

void Rename(CommandContext& c) { RenameGeneric(c, false); }
void RenameNx(CommandContext& c) { RenameGeneric(c, true); }

// The database index argument of MOVE and COPY ... DB; replies the error and
// returns false when it is not a valid index.
bool ParseDbIndex(CommandContext& c, std::string_view arg, int& db) {
  int64_t v;
  if (!ParseInt64(arg, v) || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    c.NotInteger();
    return false;
  }
  if (v < 0 || v >= c.keyspace.databases()) {
    c.reply.Error("ERR DB index is out of range");
    return false;
  }
  db = static_cast<int>(v);
  return true;
}

// COPY source destination [DB destination-db] [REPLACE]: the value and its TTL.
void Copy(CommandContext& c) {
  int db = c.client.db;
  bool replace = false;
  for (size_t i = 3; i < c.argc(); ++i) {
    if (EqualsIgnoreCase(c.arg(i), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(c.arg(i), "db") && i + 1 < c.argc()) {
      if (!ParseDbIndex(c, c.arg(++i), db)) return;
    } else {
      return c.SyntaxError();
    }
  }
  std::string_view from = c.arg(1), to = c.arg(2);
  if (from == to && db == c.client.db) return c.reply.Error("ERR source and destination objects are the same");
  Entry* src = c.Find(from);
  if (src == nullptr) return c.reply.Integer(0);
  if (c.Find(db, to) != nullptr) {
    if (!replace) return c.reply.Integer(0);
    c.Delete(db, to);
  }
  c.Put(db, to, *src);
  c.reply.Integer(1);
}

// MOVE key db: moves the key (with its TTL) unless the target database has it.
void Move(CommandContext& c) {
  int db;
  if (!ParseDbIndex(c, c.arg(2), db)) return;
  if (db == c.client.db) return c.reply.Error("ERR source and destination objects are the same");
  Entry* src = c.Find(c.arg(1));
  if (src == nullptr || c.Find(db, c.arg(1)) != nullptr) return c.reply.Integer(0);
  Entry moved = std::move(*src);
  c.Delete(c.arg(1));
  c.Put(db, c.arg(1), std::move(moved));
  c.reply.Integer(1);
}

// SWAPDB index1 index2 (all shards paused): swaps the databases in memory and
// rewrites both on disk in the command's single write group, so a crash leaves
// either the old or the new layout. Cost: O(keys of both databases).
void SwapDb(CommandContext& c) {
  int64_t a, b;
  if (!ParseInt64(c.arg(1), a)) return c.reply.Error("ERR invalid first DB index");
  if (!ParseInt64(c.arg(2), b)) return c.reply.Error("ERR invalid second DB index");
  if (a < 0 || a >= c.keyspace.databases() || b < 0 || b >= c.keyspace.databases()) {
    return c.reply.Error("ERR DB index is out of range");
  }
  if (a == b) return c.reply.Ok();
  int da = static_cast<int>(a), db = static_cast<int>(b);
  for (size_t s = 0; s < c.keyspace.shard_count(); ++s) {
    Database& first = c.keyspace.ShardDb(s, da);
    Database& second = c.keyspace.ShardDb(s, db);
    for (const auto& [k, e] : first.map()) Persistence::DeleteKey(c.BatchFor(da, k), da, k, e.type());
    for (const auto& [k, e] : second.map()) Persistence::DeleteKey(c.BatchFor(db, k), db, k, e.type());
    std::swap(first, second);
    // BatchFor marks each key written, which wakes clients blocked on it and
    // aborts transactions watching it.
    for (const auto& [k, e] : first.map()) Persistence::PutAll(c.BatchFor(da, k), da, k, e);
    for (const auto& [k, e] : second.map()) Persistence::PutAll(c.BatchFor(db, k), db, k, e);
  }
  c.reply.Ok();
}

// OBJECT ENCODING reports the encoding Redis 7.0 would pick for the value as it
// is now, from the same thresholds (CONFIG *-max-listpack-*, set-max-intset-entries).
// Redis never converts back to the compact encodings after a value shrank, nor
// keeps track of in-place string edits (APPEND makes "raw"); this does.
std::string_view Encoding(CommandContext& c, const Entry& e) {
  auto fits = [](size_t n, int64_t max) { return static_cast<int64_t>(n) <= max; };
  auto is_int = [](std::string_view s) {
    int64_t v;
    return s.size() <= 20 && ParseInt64(s, v);
  };
  switch (e.type()) {
    case ValueType::kString: {
      const auto& s = std::get<std::string>(e.data);
      if (is_int(s)) return "int";
      return s.size() <= 44 ? "embstr" : "raw";
    }
    case ValueType::kList: return "quicklist";
    case ValueType::kSet: {
      const auto& set = std::get<SetValue>(e.data);
      if (!fits(set.size(), c.keyspace.ConfigInt("set-max-intset-entries", 512))) return "hashtable";
      return std::all_of(set.begin(), set.end(), is_int) ? "intset" : "hashtable";
    }
    case ValueType::kHash: {
      const auto& h = std::get<HashValue>(e.data);
      int64_t max_value = c.keyspace.ConfigInt("hash-max-listpack-value", 64);
      if (!fits(h.size(), c.keyspace.ConfigInt("hash-max-listpack-entries", 128))) return "hashtable";
      for (const auto& [f, v] : h) {
        if (!fits(f.size(), max_value) || !fits(v.size(), max_value)) return "hashtable";
      }
      return "listpack";
    }
    case ValueType::kZSet: {
      const auto& z = std::get<ZSetValue>(e.data);
      int64_t max_value = c.keyspace.ConfigInt("zset-max-listpack-value", 64);
      if (!fits(z.size(), c.keyspace.ConfigInt("zset-max-listpack-entries", 128))) return "skiplist";
      for (const auto& [m, score] : z.scores) {
        if (!fits(m.size(), max_value)) return "skiplist";
      }
      return "listpack";
    }
  }
  return "unknown";
}

void Object(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "help" && c.argc() == 2) {
    static constexpr std::string_view kHelp[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    c.reply.ArrayHeader(std::size(kHelp));
    for (auto line : kHelp) c.reply.SimpleString(line);
    return;
  }
  bool known = sub == "encoding" || sub == "freq" || sub == "idletime" || sub == "refcount";
  if (!known || c.argc() != 3) return c.reply.Error(SubcommandError("object", c.arg(1), known || sub == "help"));
  // Looked up without Find: OBJECT does not count as an access.
  Database& d = c.Db(c.arg(2));
  auto it = d.map().find(c.arg(2));
  if (it == d.map().end() || d.IsExpired(it->second, c.now_ms)) return c.reply.Null();
  const Entry& e = it->second;
  bool lfu = c.keyspace.ConfigValue("maxmemory-policy").find("lfu") != std::string::npos;
  if (sub == "encoding") return c.reply.Bulk(Encoding(c, e));
  if (sub == "refcount") {
    // Redis shares the integers 0..9999 (OBJ_SHARED_REFCOUNT).
    int64_t v;
    bool shared = e.type() == ValueType::kString && ParseInt64(std::get<std::string>(e.data), v) && v >= 0 &&
                  v < 10000;
    return c.reply.Integer(shared ? std::numeric_limits<int32_t>::max() : 1);
  }
  if (sub == "idletime") {
    if (lfu) {
      return c.reply.Error(
          "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
          "policies at runtime LRU and LFU data will take some time to adjust.");
    }
    return c.reply.Integer(std::max<int64_t>(0, c.now_ms - e.access_ms) / 1000);
  }
  // FREQ: Redis keeps access frequencies only under an LFU eviction policy.
  // Orbit does not evict, so it does not keep them under any policy.
  if (lfu) return c.reply.Error("ERR access frequency is not tracked: Orbit does not evict keys");
  c.reply.Error(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
      "between policies at runtime LRU and LFU data will take some time to adjust.");
}

}  // namespace

void RegisterKeysFamily(CommandRegistry& r) {
  r.Register({"del", -2, kWrite, 1, -1, 1, Del, "keyspace", "Deletes one or more keys."});
  r.Register({"unlink", -2, kWrite | kFast, 1, -1, 1, Del, "keyspace", "Asynchronously deletes one or more keys.", "4.0.0"});
  r.Register({"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists, "keyspace", "Determines whether one or more keys exist."});
  r.Register({"touch", -2, kReadOnly | kFast, 1, -1, 1, Exists, "keyspace", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "3.2.1"});
  r.Register({"type", 2, kReadOnly | kFast, 1, 1, 1, Type, "keyspace", "Determines the type of value stored at a key."});
  r.Register({"expire", -3, kWrite | kFast, 1, 1, 1, Expire, "keyspace", "Sets the expiration time of a key in seconds."});
  r.Register({"pexpire", -3, kWrite | kFast, 1, 1, 1, PExpire, "keyspace", "Sets the expiration time of a key in milliseconds.", "2.6.0"});
  r.Register({"expireat", -3, kWrite | kFast, 1, 1, 1, ExpireAt, "keyspace", "Sets the expiration time of a key to a Unix timestamp.", "1.2.0"});
  r.Register({"pexpireat", -3, kWrite | kFast, 1, 1, 1, PExpireAt, "keyspace", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0"});
  r.Register({"ttl", 2, kReadOnly | kFast, 1, 1, 1, Ttl, "keyspace", "Returns the expiration time in seconds of a key."});
  r.Register({"pttl", 2, kReadOnly | kFast, 1, 1, 1, PTtl, "keyspace", "Returns the expiration time in milliseconds of a key.", "2.6.0"});
  r.Register({"expiretime", 2, kReadOnly | kFast, 1, 1, 1, ExpireTime, "keyspace", "Returns the expiration time of a key as a Unix timestamp.", "7.0.0"});
  r.Register({"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, PExpireTime, "keyspace", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0"});
  r.Register({"persist", 2, kWrite | kFast, 1, 1, 1, Persist, "keyspace", "Removes the expiration time of a key.", "2.2.0"});
  r.Register({"keys", 2, kReadOnly | kAllShards, 0, 0, 0, Keys, "keyspace", "Returns all key names that match a pattern."});
  r.Register({"scan", -2, kReadOnly | kAllShards, 0, 0, 0, Scan, "keyspace", "Iterates over the key names in the database.", "2.8.0"});
  r.Register({"randomkey", 1, kReadOnly | kAllShards, 0, 0, 0, RandomKey, "keyspace", "Returns a random key name from the database."});
  r.Register({"rename", 3, kWrite, 1, 2, 1, Rename, "keyspace", "Renames a key and overwrites the destination."});
  r.Register({"copy", -3, kWrite | kDenyOom, 1, 2, 1, Copy, "keyspace", "Copies the value of a key to a new key.", "6.2.0"});
  r.Register({"move", 3, kWrite | kFast, 1, 1, 1, Move, "keyspace", "Moves a key to another database."});
  r.Register({"swapdb", 3, kWrite | kFast | kAllShards, 0, 0, 0, SwapDb, "server", "Swaps two Redis databases.", "4.0.0"});
  r.Register({"object", -2, kReadOnly, 2, 2, 1, Object, "keyspace", "A container for object introspection commands.", "2.2.3"});
  r.Register({"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNx, "keyspace", "Renames a key only when the target key name doesn't exist."});
}

}  // namespace orbit::kv
