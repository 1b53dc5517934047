// Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD. One RocksDB
// key per member.

#include "kv/command.h"

namespace orbit::kv {
namespace {

SetValue* GetSet(CommandContext& c, bool create, bool& wrong) {
  SetValue* s = c.FindAs<SetValue>(c.arg(1), wrong);
  if (s || wrong || !create) return s;
  Entry e;
  e.data = SetValue{};
  Entry& stored = c.Db(c.arg(1)).Set(c.arg(1), std::move(e));
  c.PersistMeta(c.arg(1), stored);
  return &std::get<SetValue>(stored.data);
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

}  // namespace

void RegisterSetFamily(CommandRegistry& r) {
  r.Register({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, SAdd, "set", "Adds one or more members to a set. Creates the key if it doesn't exist."});
  r.Register({"srem", -3, kWrite | kFast, 1, 1, 1, SRem, "set", "Removes one or more members from a set. Deletes the set if the last member was removed."});
  r.Register({"smembers", 2, kReadOnly, 1, 1, 1, SMembers, "set", "Returns all members of a set."});
  r.Register({"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMember, "set", "Determines whether a member belongs to a set."});
  r.Register({"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMember, "set", "Determines whether multiple members belong to a set.", "6.2.0"});
  r.Register({"scard", 2, kReadOnly | kFast, 1, 1, 1, SCard, "set", "Returns the number of members in a set."});
}

}  // namespace orbit::kv
