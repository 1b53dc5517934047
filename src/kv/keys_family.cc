// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, EXPIRE and friends, TTL,
// PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX.

#include <algorithm>
#include <charconv>
#include <limits>
#include <random>

#include "kv/command.h"
#include "kv/keyspace.h"

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
  r.Register({"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNx, "keyspace", "Renames a key only when the target key name doesn't exist."});
}

}  // namespace orbit::kv
