// String commands: GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET,
// MSET, MSETNX, APPEND, STRLEN, GETRANGE, SETRANGE, INCR, DECR, INCRBY, DECRBY,
// INCRBYFLOAT.

#include <cmath>
#include <cstdio>
#include <limits>

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {
namespace {

constexpr size_t kMaxStringLength = 512u << 20;

// The string at key; nullptr (and WRONGTYPE replied) on another type.
std::string* GetString(CommandContext& c, std::string_view key, bool& wrong) {
  return c.FindAs<std::string>(key, wrong);
}

Entry StringEntry(std::string_view v, int64_t expire_ms = 0) {
  Entry e;
  e.data = std::string(v);
  e.expire_ms = expire_ms;
  return e;
}

void Get(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  s ? c.reply.Bulk(*s) : c.reply.Null();
}

// Parses EX/PX/EXAT/PXAT (and KEEPTTL, PERSIST when allowed) at args[i].
// Returns false after replying an error. `expire_ms` gets the absolute time.
struct ExpireOption {
  bool set = false;
  bool keep_ttl = false;
  bool persist = false;
  int64_t expire_ms = 0;
};

bool ParseExpireArg(CommandContext& c, std::string_view opt, std::string_view value, ExpireOption& out,
                    std::string_view cmd) {
  int64_t v;
  if (!ParseInt64(value, v)) {
    c.NotInteger();
    return false;
  }
  std::string o = Lower(opt);
  bool seconds = o == "ex" || o == "exat";
  bool absolute = o == "exat" || o == "pxat";
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000)) {
    c.reply.Error("ERR invalid expire time in '" + std::string(cmd) + "' command");
    return false;
  }
  int64_t ms = seconds ? v * 1000 : v;
  if (!absolute) {
    if (ms > std::numeric_limits<int64_t>::max() - c.now_ms) {
      c.reply.Error("ERR invalid expire time in '" + std::string(cmd) + "' command");
      return false;
    }
    ms += c.now_ms;
  }
  out.set = true;
  out.expire_ms = ms;
  return true;
}

// The options of SET and GETEX, checked for syntax only (Redis parses the expire
// value later). The same expire option may repeat (the last one counts); two
// different ones may not.
struct StringOptions {
  bool nx = false, xx = false, get = false, keep_ttl = false, persist = false;
  std::string expire_kind;  // "ex", "px", "exat", "pxat" or empty
  size_t expire_arg = 0;    // index of the expire value
};

bool ParseStringOptions(CommandContext& c, size_t first, bool getex, StringOptions& o) {
  for (size_t i = first; i < c.argc(); ++i) {
    std::string a = Lower(c.arg(i));
    bool is_expire = a == "ex" || a == "px" || a == "exat" || a == "pxat";
    if (!getex && a == "nx" && !o.xx) {
      o.nx = true;
    } else if (!getex && a == "xx" && !o.nx) {
      o.xx = true;
    } else if (!getex && a == "get") {
      o.get = true;
    } else if (!getex && a == "keepttl" && o.expire_kind.empty()) {
      o.keep_ttl = true;
    } else if (getex && a == "persist" && o.expire_kind.empty()) {
      o.persist = true;
    } else if (is_expire && (o.expire_kind.empty() || o.expire_kind == a) && !o.keep_ttl && !o.persist &&
               i + 1 < c.argc()) {
      o.expire_kind = a;
      o.expire_arg = ++i;
    } else {
      c.SyntaxError();
      return false;
    }
  }
  return true;
}

void Set(CommandContext& c) {
  StringOptions opts;
  if (!ParseStringOptions(c, 3, false, opts)) return;
  bool nx = opts.nx, xx = opts.xx, get = opts.get;
  ExpireOption ex;
  ex.keep_ttl = opts.keep_ttl;
  if (!opts.expire_kind.empty() && !ParseExpireArg(c, opts.expire_kind, c.arg(opts.expire_arg), ex, "set")) return;
  std::string_view key = c.arg(1);
  Entry* e = c.Find(key);
  if (get && e != nullptr && e->type() != ValueType::kString) return c.WrongType();
  std::string old;
  bool had = e != nullptr;
  if (get && had) old = std::get<std::string>(e->data);
  bool apply = !((nx && had) || (xx && !had));
  if (apply) {
    int64_t expire = ex.set ? ex.expire_ms : (ex.keep_ttl && had ? e->expire_ms : 0);
    c.Put(key, StringEntry(c.arg(2), expire));
  }
  if (get) return had ? c.reply.Bulk(old) : c.reply.Null();
  apply ? c.reply.Ok() : c.reply.Null();
}

void SetNx(CommandContext& c) {
  if (c.Find(c.arg(1)) != nullptr) return c.reply.Integer(0);
  c.Put(c.arg(1), StringEntry(c.arg(2)));
  c.reply.Integer(1);
}

void SetExGeneric(CommandContext& c, std::string_view unit) {
  ExpireOption ex;
  if (!ParseExpireArg(c, unit, c.arg(2), ex, Lower(c.arg(0)))) return;
  c.Put(c.arg(1), StringEntry(c.arg(3), ex.expire_ms));
  c.reply.Ok();
}

void SetEx(CommandContext& c) { SetExGeneric(c, "ex"); }
void PSetEx(CommandContext& c) { SetExGeneric(c, "px"); }

void GetSet(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  std::optional<std::string> old;
  if (s) old = *s;
  c.Put(c.arg(1), StringEntry(c.arg(2)));
  old ? c.reply.Bulk(*old) : c.reply.Null();
}

void GetDel(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  if (!s) return c.reply.Null();
  std::string old = *s;
  c.Delete(c.arg(1));
  c.reply.Bulk(old);
}

void GetEx(CommandContext& c) {
  // As Redis: option syntax first, then the key, then the expire value.
  StringOptions opts;
  if (!ParseStringOptions(c, 2, true, opts)) return;
  ExpireOption ex;
  ex.persist = opts.persist;
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  if (!s) return c.reply.Null();
  if (!opts.expire_kind.empty() && !ParseExpireArg(c, opts.expire_kind, c.arg(opts.expire_arg), ex, "getex")) return;
  std::string value = *s;
  Entry* e = c.Find(c.arg(1));
  if (ex.set || (ex.persist && e->expire_ms != 0)) {
    c.Db(c.arg(1)).SetExpire(c.arg(1), *e, ex.set ? ex.expire_ms : 0);
    c.PersistMeta(c.arg(1), *e);
  }
  c.reply.Bulk(value);
}

void MGet(CommandContext& c) {
  c.reply.ArrayHeader(c.argc() - 1);
  for (size_t i = 1; i < c.argc(); ++i) {
    Entry* e = c.Find(c.arg(i));
    auto* s = e ? std::get_if<std::string>(&e->data) : nullptr;
    s ? c.reply.Bulk(*s) : c.reply.Null();
  }
}

void MSet(CommandContext& c) {
  if (c.argc() % 2 == 0) return c.reply.Error("ERR wrong number of arguments for '" + Lower(c.arg(0)) + "' command");
  for (size_t i = 1; i + 1 < c.argc(); i += 2) c.Put(c.arg(i), StringEntry(c.arg(i + 1)));
  c.reply.Ok();
}

void MSetNx(CommandContext& c) {
  if (c.argc() % 2 == 0) return c.reply.Error("ERR wrong number of arguments for 'msetnx' command");
  for (size_t i = 1; i + 1 < c.argc(); i += 2) {
    if (c.Find(c.arg(i)) != nullptr) return c.reply.Integer(0);
  }
  for (size_t i = 1; i + 1 < c.argc(); i += 2) c.Put(c.arg(i), StringEntry(c.arg(i + 1)));
  c.reply.Integer(1);
}

void Append(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  if (!s) {
    c.Put(c.arg(1), StringEntry(c.arg(2)));
    return c.reply.Integer(static_cast<int64_t>(c.arg(2).size()));
  }
  if (s->size() + c.arg(2).size() > kMaxStringLength) {
    return c.reply.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  s->append(c.arg(2));
  c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(static_cast<int64_t>(s->size()));
}

void StrLen(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  c.reply.Integer(s ? static_cast<int64_t>(s->size()) : 0);
}

void GetRange(CommandContext& c) {
  int64_t start, end;
  if (!ParseInt64(c.arg(2), start) || !ParseInt64(c.arg(3), end)) return c.NotInteger();
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  if (!s || s->empty()) return c.reply.Bulk("");
  int64_t len = static_cast<int64_t>(s->size());
  if (start < 0 && end < 0 && start > end) return c.reply.Bulk("");
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (end < 0) end = std::max<int64_t>(0, len + end);
  end = std::min(end, len - 1);
  if (start > end || start >= len) return c.reply.Bulk("");
  c.reply.Bulk(std::string_view(*s).substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetRange(CommandContext& c) {
  int64_t offset;
  if (!ParseInt64(c.arg(2), offset)) return c.NotInteger();
  if (offset < 0) return c.reply.Error("ERR offset is out of range");
  std::string_view value = c.arg(3);
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  if (value.empty()) return c.reply.Integer(s ? static_cast<int64_t>(s->size()) : 0);
  if (static_cast<uint64_t>(offset) + value.size() > kMaxStringLength) {
    return c.reply.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  if (!s) {
    c.Put(c.arg(1), StringEntry(""));
    s = &std::get<std::string>(c.Find(c.arg(1))->data);
  }
  size_t need = static_cast<size_t>(offset) + value.size();
  if (s->size() < need) s->resize(need, '\0');
  s->replace(static_cast<size_t>(offset), value.size(), value);
  c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(static_cast<int64_t>(s->size()));
}

void IncrBy(CommandContext& c, int64_t delta) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  int64_t current = 0;
  if (s && !ParseInt64(*s, current)) return c.NotInteger();
  if ((delta > 0 && current > std::numeric_limits<int64_t>::max() - delta) ||
      (delta < 0 && current < std::numeric_limits<int64_t>::min() - delta)) {
    return c.reply.Error("ERR increment or decrement would overflow");
  }
  int64_t result = current + delta;
  if (s) {
    *s = std::to_string(result);
    c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));
  } else {
    c.Put(c.arg(1), StringEntry(std::to_string(result)));
  }
  c.reply.Integer(result);
}

void Incr(CommandContext& c) { IncrBy(c, 1); }
void Decr(CommandContext& c) { IncrBy(c, -1); }

void IncrByCmd(CommandContext& c) {
  int64_t d;
  if (!ParseInt64(c.arg(2), d)) return c.NotInteger();
  IncrBy(c, d);
}

void DecrByCmd(CommandContext& c) {
  int64_t d;
  if (!ParseInt64(c.arg(2), d)) return c.NotInteger();
  if (d == std::numeric_limits<int64_t>::min()) return c.reply.Error("ERR decrement would overflow");
  IncrBy(c, -d);
}

void IncrByFloat(CommandContext& c) {
  bool wrong;
  std::string* s = GetString(c, c.arg(1), wrong);
  if (wrong) return;
  long double current = 0, delta;
  if ((s && !ParseLongDouble(*s, current)) || !ParseLongDouble(c.arg(2), delta)) return c.NotFloat();
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) return c.reply.Error("ERR increment would produce NaN or Infinity");
  std::string text = FormatLongDouble(result);
  if (s) {
    *s = text;
    c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));
  } else {
    c.Put(c.arg(1), StringEntry(text));
  }
  c.reply.Bulk(text);
}

}  // namespace

void RegisterStringFamily(CommandRegistry& r) {
  r.Register({"get", 2, kReadOnly | kFast, 1, 1, 1, Get, "string", "Returns the string value of a key."});
  r.Register({"set", -3, kWrite | kDenyOom, 1, 1, 1, Set, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."});
  r.Register({"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, SetNx, "string", "Set the string value of a key only when the key doesn't exist."});
  r.Register({"setex", 4, kWrite | kDenyOom, 1, 1, 1, SetEx, "string", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "2.0.0"});
  r.Register({"psetex", 4, kWrite | kDenyOom, 1, 1, 1, PSetEx, "string", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "2.6.0"});
  r.Register({"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, GetSet, "string", "Returns the previous string value of a key after setting it to a new value."});
  r.Register({"getdel", 2, kWrite | kFast, 1, 1, 1, GetDel, "string", "Returns the string value of a key after deleting the key.", "6.2.0"});
  r.Register({"getex", -2, kWrite | kFast, 1, 1, 1, GetEx, "string", "Returns the string value of a key after setting its expiration time.", "6.2.0"});
  r.Register({"mget", -2, kReadOnly | kFast, 1, -1, 1, MGet, "string", "Atomically returns the string values of one or more keys."});
  r.Register({"mset", -3, kWrite | kDenyOom, 1, -1, 2, MSet, "string", "Atomically creates or modifies the string values of one or more keys.", "1.0.1"});
  r.Register({"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, MSetNx, "string", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "1.0.1"});
  r.Register({"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, Append, "string", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0"});
  r.Register({"strlen", 2, kReadOnly | kFast, 1, 1, 1, StrLen, "string", "Returns the length of a string value.", "2.2.0"});
  r.Register({"getrange", 4, kReadOnly, 1, 1, 1, GetRange, "string", "Returns a substring of the string stored at a key.", "2.4.0"});
  r.Register({"substr", 4, kReadOnly, 1, 1, 1, GetRange, "string", "Returns a substring from a string value.", "1.0.0"});
  r.Register({"setrange", 4, kWrite | kDenyOom, 1, 1, 1, SetRange, "string", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0"});
  r.Register({"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Incr, "string", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."});
  r.Register({"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Decr, "string", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."});
  r.Register({"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByCmd, "string", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist."});
  r.Register({"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, DecrByCmd, "string", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist."});
  r.Register({"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByFloat, "string", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0"});
}

}  // namespace orbit::kv
