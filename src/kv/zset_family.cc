// Sorted set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK,
// ZREVRANK, ZCOUNT, ZLEXCOUNT, ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES),
// ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZREVRANGE, ZRANGEBYLEX, ZREVRANGEBYLEX,
// ZPOPMIN, ZPOPMAX, BZPOPMIN, BZPOPMAX, ZMPOP, BZMPOP, ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX, ZRANGESTORE, ZRANDMEMBER, ZUNION, ZINTER,
// ZDIFF, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZINTERCARD.
// One RocksDB key per member (value: the score).

#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>

#include "kv/command.h"
#include "kv/keyspace.h"
#include "kv/persistence.h"
#include "kv/zset.h"
#include "protocol/resp/reply_builder.h"

namespace orbit::kv {
void ZSetPut(CommandContext& c, std::string_view key, ZSetValue& z, const std::string& member, double score) {
  auto it = z.scores.find(member);
  if (it != z.scores.end()) {
    z.tree.erase({it->second, member});
    it->second = score;
  } else {
    z.scores.emplace(member, score);
  }
  z.tree.insert({score, member});
  c.PersistField(key, member, Persistence::EncodeScore(score));
}

bool ZSetErase(CommandContext& c, std::string_view key, ZSetValue& z, const std::string& member) {
  auto it = z.scores.find(member);
  if (it == z.scores.end()) return false;
  z.tree.erase({it->second, member});
  z.scores.erase(it);
  c.DeleteField(key, member);
  return true;
}

void ReplyScore(CommandContext& c, double score) {
  if (c.reply.protocol() >= 3) c.reply.Double(score);
  else c.reply.Bulk(protocol::resp::FormatDouble(score));
}

namespace {

using Item = ZSetValue::Item;

ZSetValue* GetZSet(CommandContext& c, bool create, bool& wrong) {
  return c.FindOrCreate<ZSetValue>(c.arg(1), create, wrong);
}

void SetScore(CommandContext& c, ZSetValue& z, const std::string& member, double score) {
  ZSetPut(c, c.arg(1), z, member, score);
}

void RemoveMember(CommandContext& c, ZSetValue& z, const std::string& member) { ZSetErase(c, c.arg(1), z, member); }

void ZAdd(CommandContext& c) {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  size_t i = 2;
  for (; i < c.argc(); ++i) {
    std::string o = Lower(c.arg(i));
    if (o == "nx") nx = true;
    else if (o == "xx") xx = true;
    else if (o == "gt") gt = true;
    else if (o == "lt") lt = true;
    else if (o == "ch") ch = true;
    else if (o == "incr") incr = true;
    else break;
  }
  size_t pairs_args = c.argc() - i;
  if (pairs_args == 0 || pairs_args % 2 != 0) return c.SyntaxError();
  if (nx && xx) return c.reply.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && pairs_args > 2) return c.reply.Error("ERR INCR option supports a single increment-element pair");
  std::vector<std::pair<double, std::string_view>> items;
  for (size_t j = i; j < c.argc(); j += 2) {
    double score;
    if (!ParseDouble(c.arg(j), score)) return c.NotFloat();
    items.emplace_back(score, c.arg(j + 1));
  }
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  if (!z && xx) return incr ? c.reply.Null() : c.reply.Integer(0);
  if (!z) z = GetZSet(c, true, wrong);
  int64_t added = 0, changed = 0;
  std::optional<double> incr_result;
  for (auto& [score, member_view] : items) {
    std::string member(member_view);
    auto it = z->scores.find(member);
    bool exists = it != z->scores.end();
    if ((nx && exists) || (xx && !exists)) continue;
    double next = score;
    if (incr) {
      next = (exists ? it->second : 0) + score;
      if (std::isnan(next)) {
        c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
        return c.reply.Error("ERR resulting score is not a number (NaN)");
      }
    }
    if (exists) {
      double cur = it->second;
      if ((gt && next <= cur) || (lt && next >= cur)) continue;
      if (next != cur) {
        SetScore(c, *z, member, next);
        ++changed;
      }
    } else {
      SetScore(c, *z, member, next);
      ++added;
    }
    if (incr) incr_result = next;
  }
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  if (incr) return incr_result ? ReplyScore(c, *incr_result) : c.reply.Null();
  c.reply.Integer(ch ? added + changed : added);
}

void ZIncrBy(CommandContext& c) {
  double delta;
  if (!ParseDouble(c.arg(2), delta)) return c.NotFloat();
  bool wrong;
  ZSetValue* z = GetZSet(c, true, wrong);
  if (wrong) return;
  std::string member(c.arg(3));
  auto it = z->scores.find(member);
  double next = (it != z->scores.end() ? it->second : 0) + delta;
  if (std::isnan(next)) {
    c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
    return c.reply.Error("ERR resulting score is not a number (NaN)");
  }
  SetScore(c, *z, member, next);
  ReplyScore(c, next);
}

void ZRem(CommandContext& c) {
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  if (!z) return c.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < c.argc(); ++i) {
    std::string m(c.arg(i));
    if (z->scores.count(m)) {
      RemoveMember(c, *z, m);
      ++removed;
    }
  }
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(removed);
}

void ZCard(CommandContext& c) {
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(z ? static_cast<int64_t>(z->size()) : 0);
}

void ZScore(CommandContext& c) {
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  auto it = z ? z->scores.find(std::string(c.arg(2))) : decltype(z->scores)::iterator();
  if (!z || it == z->scores.end()) return c.reply.Null();
  ReplyScore(c, it->second);
}

void ZMScore(CommandContext& c) {
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  c.reply.ArrayHeader(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    auto it = z ? z->scores.find(std::string(c.arg(i))) : decltype(z->scores)::iterator();
    if (!z || it == z->scores.end()) c.reply.Null();
    else ReplyScore(c, it->second);
  }
}

void ZRankGeneric(CommandContext& c, bool rev) {
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  auto it = z ? z->scores.find(std::string(c.arg(2))) : decltype(z->scores)::iterator();
  if (!z || it == z->scores.end()) return c.reply.Null();
  size_t rank = z->tree.order_of_key({it->second, it->first});
  c.reply.Integer(static_cast<int64_t>(rev ? z->size() - 1 - rank : rank));
}

void ZRank(CommandContext& c) { ZRankGeneric(c, false); }
void ZRevRank(CommandContext& c) { ZRankGeneric(c, true); }

// ---- ranges ----

struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};

bool ParseScoreBound(std::string_view s, ScoreBound& b) {
  b.exclusive = !s.empty() && s[0] == '(';
  if (b.exclusive) s.remove_prefix(1);
  return ParseDouble(s, b.value);
}

bool AboveMin(double v, const ScoreBound& min) { return min.exclusive ? v > min.value : v >= min.value; }
bool BelowMax(double v, const ScoreBound& max) { return max.exclusive ? v < max.value : v <= max.value; }

struct LexBound {
  std::string value;
  bool exclusive = false;
  int infinity = 0;  // -1: "-", +1: "+"
};

bool ParseLexBound(std::string_view s, LexBound& b) {
  if (s == "-") return b.infinity = -1, true;
  if (s == "+") return b.infinity = 1, true;
  if (s.empty() || (s[0] != '(' && s[0] != '[')) return false;
  b.exclusive = s[0] == '(';
  b.value = std::string(s.substr(1));
  return true;
}

bool LexAboveMin(const std::string& m, const LexBound& min) {
  if (min.infinity) return min.infinity < 0;
  return min.exclusive ? m > min.value : m >= min.value;
}
bool LexBelowMax(const std::string& m, const LexBound& max) {
  if (max.infinity) return max.infinity > 0;
  return max.exclusive ? m < max.value : m <= max.value;
}

// Collects the items in [rank start, stop] (already normalized), in order.
std::vector<const Item*> ByRank(const ZSetValue& z, int64_t start, int64_t stop, bool rev) {
  std::vector<const Item*> out;
  int64_t len = static_cast<int64_t>(z.size());
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (stop < 0) stop = len + stop;
  if (stop >= len) stop = len - 1;
  if (start > stop || start >= len) return out;
  for (int64_t r = start; r <= stop; ++r) {
    int64_t idx = rev ? len - 1 - r : r;
    out.push_back(&*z.tree.find_by_order(static_cast<size_t>(idx)));
  }
  return out;
}

std::vector<const Item*> ByScore(const ZSetValue& z, const ScoreBound& min, const ScoreBound& max, bool rev,
                                 int64_t offset, int64_t count) {
  std::vector<const Item*> out;
  auto take = [&](const Item& item) {
    if (offset > 0) {
      --offset;
      return true;
    }
    if (count == 0) return false;
    out.push_back(&item);
    if (count > 0) --count;
    return true;
  };
  if (!rev) {
    for (auto it = z.tree.lower_bound({min.value, std::string()}); it != z.tree.end(); ++it) {
      if (!AboveMin(it->first, min)) continue;
      if (!BelowMax(it->first, max) || !take(*it)) break;
    }
  } else {
    // First item with a score above max, then walk down.
    auto it = (std::isinf(max.value) && max.value > 0)
                  ? z.tree.end()
                  : z.tree.lower_bound({std::nextafter(max.value, std::numeric_limits<double>::infinity()), std::string()});
    while (it != z.tree.begin()) {
      --it;
      if (!BelowMax(it->first, max)) continue;
      if (!AboveMin(it->first, min) || !take(*it)) break;
    }
  }
  return out;
}

std::vector<const Item*> ByLex(const ZSetValue& z, const LexBound& min, const LexBound& max, bool rev,
                               int64_t offset, int64_t count) {
  // Lex ranges assume equal scores (as Redis documents); scan in order.
  std::vector<const Item*> items;
  for (const auto& item : z.tree) {
    if (LexAboveMin(item.second, min) && LexBelowMax(item.second, max)) items.push_back(&item);
  }
  if (rev) std::reverse(items.begin(), items.end());
  std::vector<const Item*> out;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(0, offset)); i < items.size(); ++i) {
    if (count >= 0 && static_cast<int64_t>(out.size()) >= count) break;
    out.push_back(items[i]);
  }
  return out;
}

void ReplyItems(CommandContext& c, const std::vector<const Item*>& items, bool with_scores) {
  if (with_scores && c.reply.protocol() >= 3) {
    c.reply.ArrayHeader(items.size());
    for (const auto* it : items) {
      c.reply.ArrayHeader(2);
      c.reply.Bulk(it->second);
      c.reply.Double(it->first);
    }
    return;
  }
  c.reply.ArrayHeader(items.size() * (with_scores ? 2 : 1));
  for (const auto* it : items) {
    c.reply.Bulk(it->second);
    if (with_scores) c.reply.Bulk(protocol::resp::FormatDouble(it->first));
  }
}

// Replaces `dest` by a sorted set of `items` (deletes it when empty) and replies
// the new size, as the *STORE commands do.
void StoreResult(CommandContext& c, std::string_view dest, const std::vector<Item>& items) {
  c.Delete(dest);
  if (!items.empty()) {
    bool wrong;
    ZSetValue* z = c.FindOrCreate<ZSetValue>(dest, true, wrong);
    for (const auto& [score, member] : items) ZSetPut(c, dest, *z, member, score);
  }
  c.reply.Integer(static_cast<int64_t>(items.size()));
}

enum class RangeKind { kRank, kScore, kLex };

// The general ZRANGE: key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES],
// the legacy forms mapped onto it, and ZRANGESTORE dst src min max ... (key_at 2,
// `store` set: no WITHSCORES, the range replaces dst).
void RangeGeneric(CommandContext& c, RangeKind kind, bool rev, size_t opts_from, bool allow_kind_opts,
                  size_t key_at = 1, bool store = false) {
  bool with_scores = false, limit = false;
  int64_t offset = 0, count = -1;
  for (size_t i = opts_from; i < c.argc(); ++i) {
    std::string o = Lower(c.arg(i));
    if (o == "withscores" && !store) {
      with_scores = true;
    } else if (o == "limit" && i + 2 < c.argc()) {
      if (!ParseInt64(c.arg(i + 1), offset) || !ParseInt64(c.arg(i + 2), count)) return c.NotInteger();
      limit = true;
      i += 2;
    } else if (allow_kind_opts && o == "byscore") {
      kind = RangeKind::kScore;
    } else if (allow_kind_opts && o == "bylex") {
      kind = RangeKind::kLex;
    } else if (allow_kind_opts && o == "rev") {
      rev = true;
    } else {
      return c.SyntaxError();
    }
  }
  if (limit && kind == RangeKind::kRank) {
    return c.reply.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (with_scores && kind == RangeKind::kLex) {
    return c.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  // Reversed score and lex ranges take max before min (ZRANGE ... REV and the
  // legacy ZREVRANGEBYSCORE/ZREVRANGEBYLEX alike).
  std::string_view a = c.arg(key_at + 1), b = c.arg(key_at + 2);
  bool swap = rev && kind != RangeKind::kRank;
  std::string_view lo = swap ? b : a, hi = swap ? a : b;
  bool wrong;
  ZSetValue* z = c.FindAs<ZSetValue>(c.arg(key_at), wrong);
  if (wrong) return;
  std::vector<const Item*> items;
  if (kind == RangeKind::kRank) {
    int64_t start, stop;
    if (!ParseInt64(a, start) || !ParseInt64(b, stop)) return c.NotInteger();
    if (z) items = ByRank(*z, start, stop, rev);
  } else if (kind == RangeKind::kScore) {
    ScoreBound min, max;
    if (!ParseScoreBound(lo, min) || !ParseScoreBound(hi, max)) return c.reply.Error("ERR min or max is not a float");
    if (z) items = ByScore(*z, min, max, rev, offset, count);
  } else {
    LexBound min, max;
    if (!ParseLexBound(lo, min) || !ParseLexBound(hi, max)) {
      return c.reply.Error("ERR min or max not valid string range item");
    }
    if (z) items = ByLex(*z, min, max, rev, offset, count);
  }
  if (!store) return ReplyItems(c, items, with_scores);
  std::vector<Item> result;
  for (const Item* it : items) result.push_back(*it);
  StoreResult(c, c.arg(1), result);
}

void ZRange(CommandContext& c) { RangeGeneric(c, RangeKind::kRank, false, 4, true); }
void ZRevRange(CommandContext& c) { RangeGeneric(c, RangeKind::kRank, true, 4, false); }
void ZRangeByScore(CommandContext& c) { RangeGeneric(c, RangeKind::kScore, false, 4, false); }
void ZRangeByLex(CommandContext& c) { RangeGeneric(c, RangeKind::kLex, false, 4, false); }

// ZREVRANGEBYSCORE key max min / ZREVRANGEBYLEX key max min: the REV forms.
void ZRevRangeByScore(CommandContext& c) { RangeGeneric(c, RangeKind::kScore, true, 4, false); }
void ZRevRangeByLex(CommandContext& c) { RangeGeneric(c, RangeKind::kLex, true, 4, false); }
void ZRangeStore(CommandContext& c) { RangeGeneric(c, RangeKind::kRank, false, 5, true, 2, true); }

void ZCount(CommandContext& c) {
  ScoreBound min, max;
  if (!ParseScoreBound(c.arg(2), min) || !ParseScoreBound(c.arg(3), max)) {
    return c.reply.Error("ERR min or max is not a float");
  }
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(z ? static_cast<int64_t>(ByScore(*z, min, max, false, 0, -1).size()) : 0);
}

void ZLexCount(CommandContext& c) {
  LexBound min, max;
  if (!ParseLexBound(c.arg(2), min) || !ParseLexBound(c.arg(3), max)) {
    return c.reply.Error("ERR min or max not valid string range item");
  }
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(z ? static_cast<int64_t>(ByLex(*z, min, max, false, 0, -1).size()) : 0);
}

void PopGeneric(CommandContext& c, bool max) {
  int64_t count;
  bool with_count;
  if (!ParsePopCount(c, count, with_count)) return;
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  std::vector<Item> popped;
  while (z && !z->empty() && static_cast<int64_t>(popped.size()) < count) {
    auto it = max ? std::prev(z->tree.end()) : z->tree.begin();
    Item item = *it;
    RemoveMember(c, *z, item.second);
    popped.push_back(std::move(item));
  }
  if (z) c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  std::vector<const Item*> ptrs;
  for (const auto& p : popped) ptrs.push_back(&p);
  if (c.reply.protocol() >= 3 && !with_count) {
    // RESP3 without COUNT: a flat [member, score] pair (or an empty array).
    c.reply.ArrayHeader(ptrs.empty() ? 0 : 2);
    if (!ptrs.empty()) {
      c.reply.Bulk(ptrs[0]->second);
      c.reply.Double(ptrs[0]->first);
    }
    return;
  }
  ReplyItems(c, ptrs, true);
}

void ZPopMin(CommandContext& c) { PopGeneric(c, false); }
void ZPopMax(CommandContext& c) { PopGeneric(c, true); }

void RemoveItems(CommandContext& c, ZSetValue& z, const std::vector<const Item*>& items) {
  std::vector<std::string> members;
  for (const auto* it : items) members.push_back(it->second);
  for (const auto& m : members) RemoveMember(c, z, m);
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(static_cast<int64_t>(members.size()));
}

void ZRemRangeByRank(CommandContext& c) {
  int64_t start, stop;
  if (!ParseInt64(c.arg(2), start) || !ParseInt64(c.arg(3), stop)) return c.NotInteger();
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  if (!z) return c.reply.Integer(0);
  RemoveItems(c, *z, ByRank(*z, start, stop, false));
}

void ZRemRangeByScore(CommandContext& c) {
  ScoreBound min, max;
  if (!ParseScoreBound(c.arg(2), min) || !ParseScoreBound(c.arg(3), max)) {
    return c.reply.Error("ERR min or max is not a float");
  }
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  if (!z) return c.reply.Integer(0);
  RemoveItems(c, *z, ByScore(*z, min, max, false, 0, -1));
}

void ZRemRangeByLex(CommandContext& c) {
  LexBound min, max;
  if (!ParseLexBound(c.arg(2), min) || !ParseLexBound(c.arg(3), max)) {
    return c.reply.Error("ERR min or max not valid string range item");
  }
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  if (!z) return c.reply.Integer(0);
  RemoveItems(c, *z, ByLex(*z, min, max, false, 0, -1));
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score] or block.
void BlockingZPop(CommandContext& c, bool max) {
  int64_t timeout;
  if (!ParseBlockingTimeout(c, c.arg(c.argc() - 1), timeout)) return;
  std::vector<std::string_view> keys;
  for (size_t i = 1; i + 1 < c.argc(); ++i) {
    std::string_view key = c.arg(i);
    keys.push_back(key);
    Entry* e = c.Find(key);
    if (!e) continue;
    if (e->type() != ValueType::kZSet) return c.WrongType();
    ZSetValue& z = std::get<ZSetValue>(e->data);
    auto it = max ? std::prev(z.tree.end()) : z.tree.begin();
    Item item = *it;
    ZSetErase(c, key, z, item.second);
    if (z.empty()) c.Delete(key);
    c.reply.ArrayHeader(3);
    c.reply.Bulk(key);
    c.reply.Bulk(item.second);
    ReplyScore(c, item.first);
    return;
  }
  if (!c.blocker) return c.reply.NullArray();
  c.blocker->timeout_ms = timeout;
  c.keyspace.Block(c, keys);
}

void BZPopMin(CommandContext& c) { BlockingZPop(c, false); }
void BZPopMax(CommandContext& c) { BlockingZPop(c, true); }

// ---- ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD ----

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// An input of the set operations: a sorted set, or a plain set whose members all
// score 1 (as Redis allows). Missing keys are empty.
struct ZSource {
  const ZSetValue* zset = nullptr;
  const SetValue* set = nullptr;
  double weight = 1;

  size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
  std::optional<double> Score(const std::string& member) const {
    if (zset) {
      auto it = zset->scores.find(member);
      if (it != zset->scores.end()) return it->second;
    } else if (set && set->count(member)) {
      return 1.0;
    }
    return std::nullopt;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (zset) {
      for (const auto& [score, member] : zset->tree) fn(member, score);
    } else if (set) {
      for (const auto& member : *set) fn(member, 1.0);
    }
  }
};

double Weighted(double weight, double score) {
  double v = weight * score;
  return std::isnan(v) ? 0 : v;  // 0 * inf
}

void Combine(Aggregate agg, double& target, double value) {
  switch (agg) {
    case Aggregate::kSum:
      target += value;
      if (std::isnan(target)) target = 0;  // inf + -inf
      break;
    case Aggregate::kMin: target = std::min(target, value); break;
    case Aggregate::kMax: target = std::max(target, value); break;
  }
}

// Reads the sources args[first, first + n); replies WRONGTYPE and returns false if
// one is neither a sorted set nor a set.
bool ReadSources(CommandContext& c, size_t first, size_t n, std::vector<ZSource>& out) {
  for (size_t i = 0; i < n; ++i) {
    ZSource src;
    if (Entry* e = c.Find(c.arg(first + i))) {
      if (auto* z = std::get_if<ZSetValue>(&e->data)) src.zset = z;
      else if (auto* s = std::get_if<SetValue>(&e->data)) src.set = s;
      else return c.WrongType(), false;
    }
    out.push_back(src);
  }
  return true;
}

// The result of `op` sorted by (score, member). `limit` > 0 stops an
// intersection after that many members (ZINTERCARD).
std::vector<Item> ComputeSetOp(SetOp op, std::vector<ZSource> srcs, Aggregate agg, size_t limit = 0) {
  std::vector<Item> out;
  if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const auto& src : srcs) {
      src.ForEach([&](const std::string& member, double score) {
        double v = Weighted(src.weight, score);
        auto [it, fresh] = acc.emplace(member, v);
        if (!fresh) Combine(agg, it->second, v);
      });
    }
    for (auto& [member, score] : acc) out.emplace_back(score, member);
  } else if (op == SetOp::kInter) {
    // Walk the smallest input, probing the others.
    std::stable_sort(srcs.begin(), srcs.end(), [](const ZSource& a, const ZSource& b) { return a.size() < b.size(); });
    srcs[0].ForEach([&](const std::string& member, double score) {
      if (limit > 0 && out.size() >= limit) return;
      double acc = Weighted(srcs[0].weight, score);
      for (size_t j = 1; j < srcs.size(); ++j) {
        auto other = srcs[j].Score(member);
        if (!other) return;
        Combine(agg, acc, Weighted(srcs[j].weight, *other));
      }
      out.emplace_back(acc, member);
    });
  } else {
    srcs[0].ForEach([&](const std::string& member, double score) {
      for (size_t j = 1; j < srcs.size(); ++j) {
        if (srcs[j].Score(member)) return;
      }
      out.emplace_back(score, member);
    });
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The numkeys argument of the set operations; replies the error and returns false
// when it is invalid.
bool ParseNumKeys(CommandContext& c, size_t numkeys_at, size_t& n) {
  int64_t numkeys;
  if (!ParseInt64(c.arg(numkeys_at), numkeys)) return c.NotInteger(), false;
  if (numkeys < 1) {
    c.reply.Error("ERR at least 1 input key is needed for '" + Lower(c.arg(0)) + "' command");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) > c.argc() - numkeys_at - 1) return c.SyntaxError(), false;
  n = static_cast<size_t>(numkeys);
  return true;
}

// ZUNION/ZINTER/ZDIFF numkeys key ... [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
// and ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE dest numkeys key ... (no WITHSCORES).
void SetOpGeneric(CommandContext& c, SetOp op, bool store) {
  size_t numkeys_at = store ? 2 : 1;
  size_t n;
  if (!ParseNumKeys(c, numkeys_at, n)) return;
  std::vector<ZSource> srcs;
  if (!ReadSources(c, numkeys_at + 1, n, srcs)) return;
  Aggregate agg = Aggregate::kSum;
  bool with_scores = false;
  for (size_t j = numkeys_at + 1 + n; j < c.argc();) {
    size_t remaining = c.argc() - j;
    if (op != SetOp::kDiff && remaining >= n + 1 && EqualsIgnoreCase(c.arg(j), "weights")) {
      for (size_t i = 0; i < n; ++i) {
        if (!ParseDouble(c.arg(j + 1 + i), srcs[i].weight)) return c.reply.Error("ERR weight value is not a float");
      }
      j += n + 1;
    } else if (op != SetOp::kDiff && remaining >= 2 && EqualsIgnoreCase(c.arg(j), "aggregate")) {
      std::string a = Lower(c.arg(j + 1));
      if (a == "sum") agg = Aggregate::kSum;
      else if (a == "min") agg = Aggregate::kMin;
      else if (a == "max") agg = Aggregate::kMax;
      else return c.SyntaxError();
      j += 2;
    } else if (!store && EqualsIgnoreCase(c.arg(j), "withscores")) {
      with_scores = true;
      ++j;
    } else {
      return c.SyntaxError();
    }
  }
  std::vector<Item> result = ComputeSetOp(op, std::move(srcs), agg);
  if (store) return StoreResult(c, c.arg(1), result);
  std::vector<const Item*> ptrs;
  for (const auto& it : result) ptrs.push_back(&it);
  ReplyItems(c, ptrs, with_scores);
}

void ZUnion(CommandContext& c) { SetOpGeneric(c, SetOp::kUnion, false); }
void ZInter(CommandContext& c) { SetOpGeneric(c, SetOp::kInter, false); }
void ZDiff(CommandContext& c) { SetOpGeneric(c, SetOp::kDiff, false); }
void ZUnionStore(CommandContext& c) { SetOpGeneric(c, SetOp::kUnion, true); }
void ZInterStore(CommandContext& c) { SetOpGeneric(c, SetOp::kInter, true); }
void ZDiffStore(CommandContext& c) { SetOpGeneric(c, SetOp::kDiff, true); }

// ZINTERCARD numkeys key ... [LIMIT limit]
void ZInterCard(CommandContext& c) {
  size_t n;
  if (!ParseNumKeys(c, 1, n)) return;
  int64_t limit = 0;
  for (size_t j = 2 + n; j < c.argc(); j += 2) {
    if (j + 1 >= c.argc() || !EqualsIgnoreCase(c.arg(j), "limit")) return c.SyntaxError();
    if (!ParseInt64(c.arg(j + 1), limit) || limit < 0) return c.reply.Error("ERR LIMIT can't be negative");
  }
  std::vector<ZSource> srcs;
  if (!ReadSources(c, 2, n, srcs)) return;
  c.reply.Integer(static_cast<int64_t>(ComputeSetOp(SetOp::kInter, std::move(srcs), Aggregate::kSum,
                                                    static_cast<size_t>(limit)).size()));
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& c) {
  if (c.argc() > 4 || (c.argc() == 4 && !EqualsIgnoreCase(c.arg(3), "withscores"))) return c.SyntaxError();
  bool with_count = c.argc() >= 3, with_scores = c.argc() == 4;
  int64_t count = 1;
  if (with_count && !ParseInt64(c.arg(2), count)) return c.NotInteger();
  bool wrong;
  ZSetValue* z = GetZSet(c, false, wrong);
  if (wrong) return;
  auto at = [&](size_t i) -> const Item& { return *z->tree.find_by_order(i); };
  if (!with_count) return z ? c.reply.Bulk(at(Rng()() % z->size()).second) : c.reply.Null();
  if (count < -(int64_t{1} << 40) || count > (int64_t{1} << 40)) return c.reply.Error("ERR value is out of range");
  if (!z || count == 0) return c.reply.ArrayHeader(0);
  std::vector<const Item*> picked;
  if (count < 0) {  // repeats allowed
    for (int64_t i = 0; i < -count; ++i) picked.push_back(&at(Rng()() % z->size()));
  } else {
    std::vector<size_t> order(z->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), Rng());
    order.resize(std::min(order.size(), static_cast<size_t>(count)));
    for (size_t i : order) picked.push_back(&at(i));
  }
  ReplyItems(c, picked, with_scores);
}

// ---- ZMPOP / BZMPOP ----

// ZMPOP numkeys key ... MIN|MAX [COUNT count] from args[numkeys_at]: pops from the
// first non-empty key; replies [key, [[member, score], ...]], or a null array
// (or blocks, for BZMPOP) when every key is empty.
void MPopGeneric(CommandContext& c, size_t numkeys_at, int64_t timeout_ms, bool blocking) {
  MPopArgs a;
  if (!ParseMPopArgs(c, numkeys_at, a)) return;
  bool max = EqualsIgnoreCase(a.where, "max");
  if (!max && !EqualsIgnoreCase(a.where, "min")) return c.SyntaxError();
  MPopFirst<ZSetValue>(c, a, timeout_ms, blocking, [&](std::string_view key, ZSetValue& z) {
    std::vector<Item> popped;
    while (!z.empty() && static_cast<int64_t>(popped.size()) < a.count) {
      Item item = max ? *std::prev(z.tree.end()) : *z.tree.begin();
      ZSetErase(c, key, z, item.second);
      popped.push_back(std::move(item));
    }
    if (z.empty()) c.Delete(key);
    c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    c.reply.ArrayHeader(popped.size());
    for (const auto& [score, member] : popped) {
      c.reply.ArrayHeader(2);
      c.reply.Bulk(member);
      ReplyScore(c, score);
    }
  });
}

void ZMPop(CommandContext& c) { MPopGeneric(c, 1, 0, false); }

// BZMPOP timeout numkeys key ... MIN|MAX [COUNT count]
void BZMPop(CommandContext& c) {
  int64_t timeout;
  if (!ParseBlockingTimeout(c, c.arg(1), timeout)) return;
  MPopGeneric(c, 2, timeout, true);
}

std::vector<size_t> NumKeysAt1(std::span<const std::string_view> args) { return NumKeysPositions(args, 1); }
std::vector<size_t> NumKeysAt2(std::span<const std::string_view> args) { return NumKeysPositions(args, 2); }
std::vector<size_t> StoreNumKeysAt2(std::span<const std::string_view> args) {
  return NumKeysPositions(args, 2, {1});
}

}  // namespace

void RegisterZSetFamily(CommandRegistry& r) {
  r.Register({"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, ZAdd, "sorted-set", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", "1.2.0"});
  r.Register({"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, ZIncrBy, "sorted-set", "Increments the score of a member in a sorted set.", "1.2.0"});
  r.Register({"zrem", -3, kWrite | kFast, 1, 1, 1, ZRem, "sorted-set", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", "1.2.0"});
  r.Register({"zcard", 2, kReadOnly | kFast, 1, 1, 1, ZCard, "sorted-set", "Returns the number of members in a sorted set.", "1.2.0"});
  r.Register({"zscore", 3, kReadOnly | kFast, 1, 1, 1, ZScore, "sorted-set", "Returns the score of a member in a sorted set.", "1.2.0"});
  r.Register({"zmscore", -3, kReadOnly | kFast, 1, 1, 1, ZMScore, "sorted-set", "Returns the score of one or more members in a sorted set.", "6.2.0"});
  r.Register({"zrank", 3, kReadOnly | kFast, 1, 1, 1, ZRank, "sorted-set", "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0"});
  r.Register({"zrevrank", 3, kReadOnly | kFast, 1, 1, 1, ZRevRank, "sorted-set", "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0"});
  r.Register({"zcount", 4, kReadOnly | kFast, 1, 1, 1, ZCount, "sorted-set", "Returns the count of members in a sorted set that have scores within a range.", "2.0.0"});
  r.Register({"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, ZLexCount, "sorted-set", "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9"});
  r.Register({"zrange", -4, kReadOnly, 1, 1, 1, ZRange, "sorted-set", "Returns members in a sorted set within a range of indexes.", "1.2.0"});
  r.Register({"zrevrange", -4, kReadOnly, 1, 1, 1, ZRevRange, "sorted-set", "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0"});
  r.Register({"zrangebyscore", -4, kReadOnly, 1, 1, 1, ZRangeByScore, "sorted-set", "Returns members in a sorted set within a range of scores.", "1.0.5"});
  r.Register({"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, ZRevRangeByScore, "sorted-set", "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0"});
  r.Register({"zrangebylex", -4, kReadOnly, 1, 1, 1, ZRangeByLex, "sorted-set", "Returns members in a sorted set within a lexicographical range.", "2.8.9"});
  r.Register({"zrevrangebylex", -4, kReadOnly, 1, 1, 1, ZRevRangeByLex, "sorted-set", "Returns members in a sorted set within a lexicographical range in reverse order.", "2.8.9"});
  r.Register({"zpopmin", -2, kWrite | kFast, 1, 1, 1, ZPopMin, "sorted-set", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0"});
  r.Register({"zpopmax", -2, kWrite | kFast, 1, 1, 1, ZPopMax, "sorted-set", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0"});
  r.Register({"bzpopmin", -3, kWrite | kFast | kBlocking, 1, -2, 1, BZPopMin, "sorted-set", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0"});
  r.Register({"bzpopmax", -3, kWrite | kFast | kBlocking, 1, -2, 1, BZPopMax, "sorted-set", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0"});
  r.Register({"zremrangebyrank", 4, kWrite, 1, 1, 1, ZRemRangeByRank, "sorted-set", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", "2.0.0"});
  r.Register({"zremrangebyscore", 4, kWrite, 1, 1, 1, ZRemRangeByScore, "sorted-set", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", "1.2.0"});
  r.Register({"zremrangebylex", 4, kWrite, 1, 1, 1, ZRemRangeByLex, "sorted-set", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", "2.8.9"});
  r.Register({"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, ZRangeStore, "sorted-set", "Stores a range of members from sorted set in a key.", "6.2.0"});
  r.Register({"zunion", -3, kReadOnly, 0, 0, 0, ZUnion, "sorted-set", "Returns the union of multiple sorted sets.", "6.2.0", NumKeysAt1});
  r.Register({"zinter", -3, kReadOnly, 0, 0, 0, ZInter, "sorted-set", "Returns the intersect of multiple sorted sets.", "6.2.0", NumKeysAt1});
  r.Register({"zdiff", -3, kReadOnly, 0, 0, 0, ZDiff, "sorted-set", "Returns the difference between multiple sorted sets.", "6.2.0", NumKeysAt1});
  r.Register({"zunionstore", -4, kWrite | kDenyOom, 1, 1, 1, ZUnionStore, "sorted-set", "Stores the union of multiple sorted sets in a key.", "2.0.0", StoreNumKeysAt2});
  r.Register({"zinterstore", -4, kWrite | kDenyOom, 1, 1, 1, ZInterStore, "sorted-set", "Stores the intersect of multiple sorted sets in a key.", "2.0.0", StoreNumKeysAt2});
  r.Register({"zdiffstore", -4, kWrite | kDenyOom, 1, 1, 1, ZDiffStore, "sorted-set", "Stores the difference of multiple sorted sets in a key.", "6.2.0", StoreNumKeysAt2});
  r.Register({"zintercard", -3, kReadOnly, 0, 0, 0, ZInterCard, "sorted-set", "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0", NumKeysAt1});
  r.Register({"zrandmember", -2, kReadOnly, 1, 1, 1, ZRandMember, "sorted-set", "Returns one or more random members from a sorted set.", "6.2.0"});
  r.Register({"zmpop", -4, kWrite, 0, 0, 0, ZMPop, "sorted-set", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", "7.0.0", NumKeysAt1});
  r.Register({"bzmpop", -5, kWrite | kBlocking, 0, 0, 0, BZMPop, "sorted-set", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "7.0.0", NumKeysAt2});
}

}  // namespace orbit::kv
