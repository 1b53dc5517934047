// Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD. One RocksDB
// key per member.

#include <algorithm>
#include <random>

#include "kv/command.h"

namespace orbit::kv {
namespace {

SetValue* GetSet(CommandContext& c, bool create, bool& wrong) {
  return c.FindOrCreate<SetValue>(c.arg(1), create, wrong);
}

void SAdd(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, true, wrong);
  if (wrong) return;
  int64_t added = 0;
  for (size_t i = 2; i < c.argc(); ++i) {
    if (s->emplace(c.arg(i)).second) {
      ++added;
      c.PersistField(c.arg(1), c.arg(i), "");
    }
  }
  c.reply.Integer(added);
}

void SRem(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  if (!s) return c.reply.Integer(0);
  int64_t removed = 0;
  for (size_t i = 2; i < c.argc(); ++i) {
    if (s->erase(std::string(c.arg(i)))) {
      ++removed;
      c.DeleteField(c.arg(1), c.arg(i));
    }
  }
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  c.reply.Integer(removed);
}

void SMembers(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  c.reply.SetHeader(s ? s->size() : 0);
  if (s) {
    for (const auto& m : *s) c.reply.Bulk(m);
  }
}

void SIsMember(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(s && s->count(std::string(c.arg(2))) ? 1 : 0);
}

void SMIsMember(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  c.reply.ArrayHeader(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) c.reply.Integer(s && s->count(std::string(c.arg(i))) ? 1 : 0);
}

void SCard(CommandContext& c) {
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(s ? static_cast<int64_t>(s->size()) : 0);
}

void SPop(CommandContext& c) {
  int64_t count;
  bool with_count;
  if (!ParsePopCount(c, count, with_count)) return;
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  if (!s) return with_count ? c.reply.SetHeader(0) : c.reply.Null();
  std::vector<std::string> popped;
  while (!s->empty() && static_cast<int64_t>(popped.size()) < count) {
    auto it = s->begin();
    std::advance(it, static_cast<long>(Rng()() % s->size()));
    popped.push_back(*it);
    c.DeleteField(c.arg(1), *it);
    s->erase(it);
  }
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  if (!with_count) return c.reply.Bulk(popped[0]);
  c.reply.SetHeader(popped.size());
  for (const auto& m : popped) c.reply.Bulk(m);
}

void SRandMember(CommandContext& c) {
  int64_t count = 1;
  bool with_count = c.argc() == 3;
  if (c.argc() > 3) return c.SyntaxError();
  if (with_count && !ParseInt64(c.arg(2), count)) return c.NotInteger();
  bool wrong;
  SetValue* s = GetSet(c, false, wrong);
  if (wrong) return;
  if (!with_count) {
    if (!s) return c.reply.Null();
    auto it = s->begin();
    std::advance(it, static_cast<long>(Rng()() % s->size()));
    return c.reply.Bulk(*it);
  }
  if (!s || count == 0) return c.reply.ArrayHeader(0);
  std::vector<const std::string*> members;
  for (const auto& m : *s) members.push_back(&m);
  if (count < 0) {  // repeats allowed
    if (count < -(1ll << 40)) return c.reply.Error("ERR value is out of range");
    c.reply.ArrayHeader(static_cast<size_t>(-count));
    for (int64_t i = 0; i < -count; ++i) c.reply.Bulk(*members[Rng()() % members.size()]);
    return;
  }
  std::shuffle(members.begin(), members.end(), Rng());
  size_t n = std::min(members.size(), static_cast<size_t>(count));
  c.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) c.reply.Bulk(*members[i]);
}

void SMove(CommandContext& c) {
  bool wrong;
  SetValue* src = GetSet(c, false, wrong);
  if (wrong) return;
  Entry* dst_entry = c.Find(c.arg(2));
  if (dst_entry && dst_entry->type() != ValueType::kSet) return c.WrongType();
  std::string member(c.arg(3));
  if (!src || !src->count(member)) return c.reply.Integer(0);
  if (c.arg(1) == c.arg(2)) return c.reply.Integer(1);
  src->erase(member);
  c.DeleteField(c.arg(1), member);
  c.DeleteIfEmpty(c.arg(1), *c.Find(c.arg(1)));
  if (c.FindOrCreate<SetValue>(c.arg(2), true, wrong)->insert(member).second) c.PersistField(c.arg(2), member, "");
  c.reply.Integer(1);
}

enum class SetOp { kInter, kUnion, kDiff };

// Computes the operation over keys args[first..]; false (error replied) on WRONGTYPE.
bool Compute(CommandContext& c, SetOp op, size_t first, size_t last, SetValue& out) {
  std::vector<const SetValue*> sets;
  for (size_t i = first; i <= last; ++i) {
    Entry* e = c.Find(c.arg(i));
    if (e && e->type() != ValueType::kSet) {
      c.WrongType();
      return false;
    }
    sets.push_back(e ? &std::get<SetValue>(e->data) : nullptr);
  }
  if (op == SetOp::kUnion) {
    for (const auto* s : sets) {
      if (s) out.insert(s->begin(), s->end());
    }
  } else if (op == SetOp::kInter) {
    if (std::any_of(sets.begin(), sets.end(), [](auto* s) { return s == nullptr; })) return true;
    const SetValue* smallest = *std::min_element(sets.begin(), sets.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
    for (const auto& m : *smallest) {
      if (std::all_of(sets.begin(), sets.end(), [&](auto* s) { return s->count(m) > 0; })) out.insert(m);
    }
  } else {
    if (sets[0]) out = *sets[0];
    for (size_t i = 1; i < sets.size(); ++i) {
      if (!sets[i]) continue;
      for (const auto& m : *sets[i]) out.erase(m);
    }
  }
  return true;
}

void SetOpReply(CommandContext& c, SetOp op) {
  SetValue out;
  if (!Compute(c, op, 1, c.argc() - 1, out)) return;
  c.reply.SetHeader(out.size());
  for (const auto& m : out) c.reply.Bulk(m);
}

void SetOpStore(CommandContext& c, SetOp op) {
  SetValue out;
  if (!Compute(c, op, 2, c.argc() - 1, out)) return;
  size_t n = out.size();
  c.Delete(c.arg(1));
  if (n > 0) {
    Entry e;
    e.data = std::move(out);
    c.Put(c.arg(1), std::move(e));
  }
  c.reply.Integer(static_cast<int64_t>(n));
}

void SInter(CommandContext& c) { SetOpReply(c, SetOp::kInter); }
void SUnion(CommandContext& c) { SetOpReply(c, SetOp::kUnion); }
void SDiff(CommandContext& c) { SetOpReply(c, SetOp::kDiff); }
void SInterStore(CommandContext& c) { SetOpStore(c, SetOp::kInter); }
void SUnionStore(CommandContext& c) { SetOpStore(c, SetOp::kUnion); }
void SDiffStore(CommandContext& c) { SetOpStore(c, SetOp::kDiff); }

void SInterCard(CommandContext& c) {
  int64_t numkeys;
  if (!ParseInt64(c.arg(1), numkeys) || numkeys <= 0) {
    return c.reply.Error("ERR numkeys should be greater than 0");
  }
  if (static_cast<size_t>(numkeys) > c.argc() - 2) {
    return c.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  size_t i = 2 + static_cast<size_t>(numkeys);
  if (i < c.argc()) {
    if (i + 2 != c.argc() || !EqualsIgnoreCase(c.arg(i), "limit")) return c.SyntaxError();
    if (!ParseInt64(c.arg(i + 1), limit) || limit < 0) return c.reply.Error("ERR LIMIT can't be negative");
  }
  SetValue out;
  if (!Compute(c, SetOp::kInter, 2, 1 + static_cast<size_t>(numkeys), out)) return;
  int64_t n = static_cast<int64_t>(out.size());
  c.reply.Integer(limit > 0 ? std::min(n, limit) : n);
}

}  // namespace

void RegisterSetFamily(CommandRegistry& r) {
  r.Register({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, SAdd, "set", "Adds one or more members to a set. Creates the key if it doesn't exist."});
  r.Register({"srem", -3, kWrite | kFast, 1, 1, 1, SRem, "set", "Removes one or more members from a set. Deletes the set if the last member was removed."});
  r.Register({"smembers", 2, kReadOnly, 1, 1, 1, SMembers, "set", "Returns all members of a set."});
  r.Register({"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMember, "set", "Determines whether a member belongs to a set."});
  r.Register({"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMember, "set", "Determines whether multiple members belong to a set.", "6.2.0"});
  r.Register({"spop", -2, kWrite | kFast, 1, 1, 1, SPop, "set", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped."});
  r.Register({"srandmember", -2, kReadOnly, 1, 1, 1, SRandMember, "set", "Get one or multiple random members from a set"});
  r.Register({"smove", 4, kWrite | kFast, 1, 2, 1, SMove, "set", "Moves a member from one set to another."});
  r.Register({"sinter", -2, kReadOnly, 1, -1, 1, SInter, "set", "Returns the intersect of multiple sets."});
  r.Register({"sunion", -2, kReadOnly, 1, -1, 1, SUnion, "set", "Returns the union of multiple sets."});
  r.Register({"sdiff", -2, kReadOnly, 1, -1, 1, SDiff, "set", "Returns the difference of multiple sets."});
  r.Register({"sinterstore", -3, kWrite | kDenyOom, 1, -1, 1, SInterStore, "set", "Stores the intersect of multiple sets in a key."});
  r.Register({"sunionstore", -3, kWrite | kDenyOom, 1, -1, 1, SUnionStore, "set", "Stores the union of multiple sets in a key."});
  r.Register({"sdiffstore", -3, kWrite | kDenyOom, 1, -1, 1, SDiffStore, "set", "Stores the difference of multiple sets in a key."});
  r.Register({"sintercard", -3, kReadOnly, 0, 0, 0, SInterCard, "set", "Returns the number of members of the intersect of multiple sets.", "7.0.0",
              [](std::span<const std::string_view> args) { return NumKeysPositions(args, 1); }});
  r.Register({"scard", 2, kReadOnly | kFast, 1, 1, 1, SCard, "set", "Returns the number of members in a set."});
}

}  // namespace orbit::kv
