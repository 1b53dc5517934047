// Hash commands: HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN, HSTRLEN, HEXISTS,
// HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD. One RocksDB key per field.

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <limits>
#include <vector>

#include "kv/command.h"

namespace orbit::kv {
namespace {

// The hash at key, created empty (in memory and on disk) when absent and `create`.
HashValue* GetHash(CommandContext& c, bool create, bool& wrong) {
  return c.FindOrCreate<HashValue>(c.arg(1), create, wrong);
}

void HSet(CommandContext& c) {
  if (c.argc() % 2 != 0) return c.reply.Error("ERR wrong number of arguments for '" + Lower(c.arg(0)) + "' command");
  bool wrong;
  HashValue* h = GetHash(c, true, wrong);
  if (wrong) return;
  int64_t added = 0;
  for (size_t i = 2; i + 1 < c.argc(); i += 2) {
    auto [it, inserted] = h->insert_or_assign(std::string(c.arg(i)), std::string(c.arg(i + 1)));
    added += inserted ? 1 : 0;
    c.PersistField(c.arg(1), c.arg(i), c.arg(i + 1));
  }
  if (EqualsIgnoreCase(c.arg(0), "hmset")) return c.reply.Ok();
  c.reply.Integer(added);
}

void HSetNx(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  if (h && h->count(std::string(c.arg(2)))) return c.reply.Integer(0);
  h = GetHash(c, true, wrong);
  h->emplace(std::string(c.arg(2)), std::string(c.arg(3)));
  c.PersistField(c.arg(1), c.arg(2), c.arg(3));
  c.reply.Integer(1);
}

void HGet(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  if (!h) return c.reply.Null();
  auto it = h->find(std::string(c.arg(2)));
  it == h->end() ? c.reply.Null() : c.reply.Bulk(it->second);
}

void HMGet(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  c.reply.ArrayHeader(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    auto it = h ? h->find(std::string(c.arg(i))) : HashValue::iterator();
    if (h && it != h->end()) c.reply.Bulk(it->second);
    else c.reply.Null();
  }
}

void HDel(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  if (!h) return c.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < c.argc(); ++i) {
    if (h->erase(std::string(c.arg(i)))) {
      ++removed;
      c.DeleteField(c.arg(1), c.arg(i));
    }
  }
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(removed);
}

void HLen(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(h ? static_cast<int64_t>(h->size()) : 0);
}

void HStrLen(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  auto it = h ? h->find(std::string(c.arg(2))) : HashValue::iterator();
  c.reply.Integer(h && it != h->end() ? static_cast<int64_t>(it->second.size()) : 0);
}

void HExists(CommandContext& c) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(h && h->count(std::string(c.arg(2))) ? 1 : 0);
}

void HGetAllGeneric(CommandContext& c, bool keys, bool values) {
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  size_t n = h ? h->size() : 0;
  if (keys && values) c.reply.MapHeader(n);
  else c.reply.ArrayHeader(n);
  if (!h) return;
  for (const auto& [f, v] : *h) {
    if (keys) c.reply.Bulk(f);
    if (values) c.reply.Bulk(v);
  }
}

void HKeys(CommandContext& c) { HGetAllGeneric(c, true, false); }
void HVals(CommandContext& c) { HGetAllGeneric(c, false, true); }
void HGetAll(CommandContext& c) { HGetAllGeneric(c, true, true); }

void HIncrBy(CommandContext& c) {
  int64_t delta;
  if (!ParseInt64(c.arg(3), delta)) return c.NotInteger();
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  int64_t current = 0;
  if (h) {
    auto it = h->find(std::string(c.arg(2)));
    if (it != h->end() && !ParseInt64(it->second, current)) return c.reply.Error("ERR hash value is not an integer");
  }
  if ((delta > 0 && current > std::numeric_limits<int64_t>::max() - delta) ||
      (delta < 0 && current < std::numeric_limits<int64_t>::min() - delta)) {
    return c.reply.Error("ERR increment or decrement would overflow");
  }
  h = GetHash(c, true, wrong);
  std::string v = std::to_string(current + delta);
  (*h)[std::string(c.arg(2))] = v;
  c.PersistField(c.arg(1), c.arg(2), v);
  c.reply.Integer(current + delta);
}

void HIncrByFloat(CommandContext& c) {
  long double delta;
  if (!ParseLongDouble(c.arg(3), delta)) return c.NotFloat();
  if (std::isnan(delta) || std::isinf(delta)) return c.reply.Error("ERR value is NaN or Infinity");
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  long double current = 0;
  if (h) {
    auto it = h->find(std::string(c.arg(2)));
    if (it != h->end() && !ParseLongDouble(it->second, current)) {
      return c.reply.Error("ERR hash value is not a float");
    }
  }
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) return c.reply.Error("ERR increment would produce NaN or Infinity");
  std::string v = FormatLongDouble(result);
  h = GetHash(c, true, wrong);
  (*h)[std::string(c.arg(2))] = v;
  c.PersistField(c.arg(1), c.arg(2), v);
  c.reply.Bulk(v);
}

// HRANDFIELD key [count [WITHVALUES]]: a negative count allows repeats.
void HRandField(CommandContext& c) {
  if (c.argc() > 4 || (c.argc() == 4 && !EqualsIgnoreCase(c.arg(3), "withvalues"))) return c.SyntaxError();
  bool with_count = c.argc() >= 3, with_values = c.argc() == 4;
  int64_t count = 1;
  if (with_count && !ParseInt64(c.arg(2), count)) return c.NotInteger();
  bool wrong;
  HashValue* h = GetHash(c, false, wrong);
  if (wrong) return;
  auto nth = [&](size_t i) { return std::next(h->begin(), static_cast<std::ptrdiff_t>(i)); };
  if (!with_count) return h ? c.reply.Bulk(nth(Rng()() % h->size())->first) : c.reply.Null();
  if (count < -(int64_t{1} << 40) || count > (int64_t{1} << 40)) return c.reply.Error("ERR value is out of range");
  if (!h || count == 0) return c.reply.ArrayHeader(0);
  std::vector<HashValue::const_iterator> all, picked;
  for (auto it = h->cbegin(); it != h->cend(); ++it) all.push_back(it);
  if (count < 0) {
    for (int64_t i = 0; i < -count; ++i) picked.push_back(all[Rng()() % all.size()]);
  } else {
    std::shuffle(all.begin(), all.end(), Rng());
    all.resize(std::min(all.size(), static_cast<size_t>(count)));
    picked = std::move(all);
  }
  bool pairs = with_values && c.reply.protocol() >= 3;
  c.reply.ArrayHeader(picked.size() * (with_values && !pairs ? 2 : 1));
  for (auto it : picked) {
    if (pairs) c.reply.ArrayHeader(2);
    c.reply.Bulk(it->first);
    if (with_values) c.reply.Bulk(it->second);
  }
}

}  // namespace

void RegisterHashFamily(CommandRegistry& r) {
  r.Register({"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSet, "hash", "Creates or modifies the value of a field in a hash.", "2.0.0"});
  r.Register({"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSet, "hash", "Sets the values of multiple fields.", "2.0.0"});
  r.Register({"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HSetNx, "hash", "Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0"});
  r.Register({"hget", 3, kReadOnly | kFast, 1, 1, 1, HGet, "hash", "Returns the value of a field in a hash.", "2.0.0"});
  r.Register({"hmget", -3, kReadOnly | kFast, 1, 1, 1, HMGet, "hash", "Returns the values of all fields in a hash.", "2.0.0"});
  r.Register({"hdel", -3, kWrite | kFast, 1, 1, 1, HDel, "hash", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "2.0.0"});
  r.Register({"hlen", 2, kReadOnly | kFast, 1, 1, 1, HLen, "hash", "Returns the number of fields in a hash.", "2.0.0"});
  r.Register({"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, HStrLen, "hash", "Returns the length of the value of a field.", "3.2.0"});
  r.Register({"hexists", 3, kReadOnly | kFast, 1, 1, 1, HExists, "hash", "Determines whether a field exists in a hash.", "2.0.0"});
  r.Register({"hkeys", 2, kReadOnly, 1, 1, 1, HKeys, "hash", "Returns all fields in a hash.", "2.0.0"});
  r.Register({"hvals", 2, kReadOnly, 1, 1, 1, HVals, "hash", "Returns all values in a hash.", "2.0.0"});
  r.Register({"hgetall", 2, kReadOnly, 1, 1, 1, HGetAll, "hash", "Returns all fields and values in a hash.", "2.0.0"});
  r.Register({"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrBy, "hash", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "2.0.0"});
  r.Register({"hrandfield", -2, kReadOnly, 1, 1, 1, HRandField, "hash", "Returns one or more random fields from a hash.", "6.2.0"});
  r.Register({"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrByFloat, "hash", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "2.6.0"});
}

}  // namespace orbit::kv
