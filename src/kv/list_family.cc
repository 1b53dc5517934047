// List commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX,
// LSET. Each element is one RocksDB key (its sequence number), so a push or pop
// at either end writes one key.

#include "kv/command.h"

namespace orbit::kv {
namespace {

ListValue* GetList(CommandContext& c, bool create, bool& wrong) {
  ListValue* l = c.FindAs<ListValue>(c.arg(1), wrong);
  if (l || wrong || !create) return l;
  Entry e;
  e.data = ListValue{};
  Entry& stored = c.Db(c.arg(1)).Set(c.arg(1), std::move(e));
  return &std::get<ListValue>(stored.data);
}

void PushGeneric(CommandContext& c, bool left, bool only_existing) {
  bool wrong;
  ListValue* l = GetList(c, !only_existing, wrong);
  if (wrong) return;
  if (!l) return c.reply.Integer(0);
  for (size_t i = 2; i < c.argc(); ++i) {
    if (left) {
      l->items.emplace_front(c.arg(i));
      --l->head;
      c.PersistListItem(c.arg(1), l->head, c.arg(i));
    } else {
      l->items.emplace_back(c.arg(i));
      c.PersistListItem(c.arg(1), l->head + static_cast<int64_t>(l->items.size()) - 1, c.arg(i));
    }
  }
  c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));  // the head moved
  c.reply.Integer(static_cast<int64_t>(l->items.size()));
}

void LPush(CommandContext& c) { PushGeneric(c, true, false); }
void RPush(CommandContext& c) { PushGeneric(c, false, false); }
void LPushX(CommandContext& c) { PushGeneric(c, true, true); }
void RPushX(CommandContext& c) { PushGeneric(c, false, true); }

void PopGeneric(CommandContext& c, bool left) {
  int64_t count = 1;
  bool with_count = c.argc() == 3;
  if (c.argc() > 3) return c.reply.Error("ERR wrong number of arguments for '" + Lower(c.arg(0)) + "' command");
  if (with_count && (!ParseInt64(c.arg(2), count) || count < 0)) {
    return c.reply.Error("ERR value is out of range, must be positive");
  }
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return with_count ? c.reply.NullArray() : c.reply.Null();
  size_t n = std::min(static_cast<size_t>(count), l->items.size());
  if (with_count) c.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    if (left) {
      c.reply.Bulk(l->items.front());
      c.DeleteListItem(c.arg(1), l->head);
      l->items.pop_front();
      ++l->head;
    } else {
      c.reply.Bulk(l->items.back());
      c.DeleteListItem(c.arg(1), l->head + static_cast<int64_t>(l->items.size()) - 1);
      l->items.pop_back();
    }
    if (!with_count) break;
  }
  Entry* e = c.Find(c.arg(1));
  if (l->items.empty()) {
    c.Delete(c.arg(1));
  } else {
    c.PersistMeta(c.arg(1), *e);
  }
}

void LPop(CommandContext& c) { PopGeneric(c, true); }
void RPop(CommandContext& c) { PopGeneric(c, false); }

void LLen(CommandContext& c) {
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  c.reply.Integer(l ? static_cast<int64_t>(l->items.size()) : 0);
}

void LRange(CommandContext& c) {
  int64_t start, stop;
  if (!ParseInt64(c.arg(2), start) || !ParseInt64(c.arg(3), stop)) return c.NotInteger();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  int64_t len = l ? static_cast<int64_t>(l->items.size()) : 0;
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (stop < 0) stop = len + stop;
  if (stop >= len) stop = len - 1;
  if (!l || start > stop || start >= len) return c.reply.ArrayHeader(0);
  c.reply.ArrayHeader(static_cast<size_t>(stop - start + 1));
  for (int64_t i = start; i <= stop; ++i) c.reply.Bulk(l->items[static_cast<size_t>(i)]);
}

void LIndex(CommandContext& c) {
  int64_t index;
  if (!ParseInt64(c.arg(2), index)) return c.NotInteger();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Null();
  int64_t len = static_cast<int64_t>(l->items.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return c.reply.Null();
  c.reply.Bulk(l->items[static_cast<size_t>(index)]);
}

void LSet(CommandContext& c) {
  int64_t index;
  if (!ParseInt64(c.arg(2), index)) return c.NotInteger();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Error("ERR no such key");
  int64_t len = static_cast<int64_t>(l->items.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return c.reply.Error("ERR index out of range");
  l->items[static_cast<size_t>(index)] = std::string(c.arg(3));
  c.PersistListItem(c.arg(1), l->head + index, c.arg(3));
  c.reply.Ok();
}

}  // namespace

void RegisterListFamily(CommandRegistry& r) {
  r.Register({"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPush, "list", "Prepends one or more elements to a list. Creates the key if it doesn't exist."});
  r.Register({"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPush, "list", "Appends one or more elements to a list. Creates the key if it doesn't exist."});
  r.Register({"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPushX, "list", "Prepends one or more elements to a list only when the list exists.", "2.2.0"});
  r.Register({"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPushX, "list", "Appends an element to a list only when the list exists.", "2.2.0"});
  r.Register({"lpop", -2, kWrite | kFast, 1, 1, 1, LPop, "list", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped."});
  r.Register({"rpop", -2, kWrite | kFast, 1, 1, 1, RPop, "list", "Returns and removes the last elements of a list. Deletes the list if the last element was popped."});
  r.Register({"llen", 2, kReadOnly | kFast, 1, 1, 1, LLen, "list", "Returns the length of a list."});
  r.Register({"lrange", 4, kReadOnly, 1, 1, 1, LRange, "list", "Returns a range of elements from a list."});
  r.Register({"lindex", 3, kReadOnly, 1, 1, 1, LIndex, "list", "Returns an element from a list by its index."});
  r.Register({"lset", 4, kWrite | kDenyOom, 1, 1, 1, LSet, "list", "Sets the value of an element in a list by its index."});
}

}  // namespace orbit::kv
