// List commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX,
// LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP and the blocking BLPOP,
// BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Each element is one RocksDB key (its sequence number), so a push or pop
// at either end writes one key.

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "kv/command.h"
#include "kv/keyspace.h"
#include "kv/persistence.h"

namespace orbit::kv {
namespace {

// The list at args[1]; created (and its meta record written) when absent and
// `create`. Pushes and pops then write element keys only: the head sequence
// number is recovered from the first element key on load, so the meta record
// changes only with the key's expiry.
ListValue* GetList(CommandContext& c, bool create, bool& wrong) {
  return c.FindOrCreate<ListValue>(c.arg(1), create, wrong);
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
  c.reply.Integer(static_cast<int64_t>(l->items.size()));
}

void LPush(CommandContext& c) { PushGeneric(c, true, false); }
void RPush(CommandContext& c) { PushGeneric(c, false, false); }
void LPushX(CommandContext& c) { PushGeneric(c, true, true); }
void RPushX(CommandContext& c) { PushGeneric(c, false, true); }

// Removes up to `n` elements from one end of the list at `key` (persisted) and
// deletes the key when it becomes empty.
std::vector<std::string> PopItems(CommandContext& c, std::string_view key, ListValue& l, bool left, size_t n) {
  std::vector<std::string> out;
  while (out.size() < n && !l.items.empty()) {
    if (left) {
      out.push_back(std::move(l.items.front()));
      c.DeleteListItem(key, l.head);
      l.items.pop_front();
      ++l.head;
    } else {
      out.push_back(std::move(l.items.back()));
      c.DeleteListItem(key, l.head + static_cast<int64_t>(l.items.size()) - 1);
      l.items.pop_back();
    }
  }
  if (l.items.empty()) c.Delete(key);
  return out;
}

void PopGeneric(CommandContext& c, bool left) {
  int64_t count;
  bool with_count;
  if (!ParsePopCount(c, count, with_count, /*extra_is_arity_error=*/true)) return;
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return with_count ? c.reply.NullArray() : c.reply.Null();
  std::vector<std::string> popped = PopItems(c, c.arg(1), *l, left, with_count ? static_cast<size_t>(count) : 1);
  if (!with_count) return c.reply.Bulk(popped[0]);
  c.reply.ArrayHeader(popped.size());
  for (const auto& v : popped) c.reply.Bulk(v);
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
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Null();
  int64_t index;  // after the key checks, as Redis does
  if (!ParseInt64(c.arg(2), index)) return c.NotInteger();
  int64_t len = static_cast<int64_t>(l->items.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return c.reply.Null();
  c.reply.Bulk(l->items[static_cast<size_t>(index)]);
}

void LSet(CommandContext& c) {
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Error("ERR no such key");
  int64_t index;  // after the key checks, as Redis does
  if (!ParseInt64(c.arg(2), index)) return c.NotInteger();
  int64_t len = static_cast<int64_t>(l->items.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return c.reply.Error("ERR index out of range");
  l->items[static_cast<size_t>(index)] = std::string(c.arg(3));
  c.PersistListItem(c.arg(1), l->head + index, c.arg(3));
  c.reply.Ok();
}

// Rewrites every element of a list on disk (after a change in the middle
// renumbers the elements).
void PersistWholeList(CommandContext& c, std::string_view key) {
  Entry* e = c.Find(key);
  if (e == nullptr) return;
  if (std::get<ListValue>(e->data).items.empty()) {
    c.Delete(key);
    return;
  }
  Persistence::PutAll(c.BatchFor(c.client.db, key), c.client.db, key, *e);
}

void LInsert(CommandContext& c) {
  bool before;
  if (EqualsIgnoreCase(c.arg(2), "before")) before = true;
  else if (EqualsIgnoreCase(c.arg(2), "after")) before = false;
  else return c.SyntaxError();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Integer(0);
  auto it = std::find(l->items.begin(), l->items.end(), c.arg(3));
  if (it == l->items.end()) return c.reply.Integer(-1);
  l->items.insert(before ? it : std::next(it), std::string(c.arg(4)));
  PersistWholeList(c, c.arg(1));
  c.reply.Integer(static_cast<int64_t>(l->items.size()));
}

void LRem(CommandContext& c) {
  int64_t count;
  if (!ParseInt64(c.arg(2), count)) return c.NotInteger();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Integer(0);
  int64_t removed = 0;
  std::string_view value = c.arg(3);
  if (count >= 0) {
    for (auto it = l->items.begin(); it != l->items.end() && (count == 0 || removed < count);) {
      if (*it == value) {
        it = l->items.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  } else {
    for (auto it = l->items.end(); it != l->items.begin() && removed < -count;) {
      --it;
      if (*it == value) {
        it = l->items.erase(it);
        ++removed;
      }
    }
  }
  if (removed > 0) PersistWholeList(c, c.arg(1));
  c.reply.Integer(removed);
}

void LTrim(CommandContext& c) {
  int64_t start, stop;
  if (!ParseInt64(c.arg(2), start) || !ParseInt64(c.arg(3), stop)) return c.NotInteger();
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  if (!l) return c.reply.Ok();
  int64_t len = static_cast<int64_t>(l->items.size());
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (stop < 0) stop = len + stop;
  if (stop >= len) stop = len - 1;
  if (start > stop || start >= len) {
    c.Delete(c.arg(1));
    return c.reply.Ok();
  }
  // Drop the ends one element key at a time: the kept elements keep their numbers.
  for (int64_t i = len - 1; i > stop; --i) {
    c.DeleteListItem(c.arg(1), l->head + i);
    l->items.pop_back();
  }
  for (int64_t i = 0; i < start; ++i) {
    c.DeleteListItem(c.arg(1), l->head);
    l->items.pop_front();
    ++l->head;
  }
  c.reply.Ok();
}

void LPos(CommandContext& c) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < c.argc(); i += 2) {
    if (i + 1 >= c.argc()) return c.SyntaxError();
    std::string o = Lower(c.arg(i));
    int64_t v;
    if (!ParseInt64(c.arg(i + 1), v)) return c.NotInteger();
    if (o == "rank") {
      if (v == 0 || v == std::numeric_limits<int64_t>::min()) {
        return c.reply.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                             "or use negative to start from the end of the list");
      }
      rank = v;
    } else if (o == "count") {
      if (v < 0) return c.reply.Error("ERR COUNT can't be negative");
      count = v;
    } else if (o == "maxlen") {
      if (v < 0) return c.reply.Error("ERR MAXLEN can't be negative");
      maxlen = v;
    } else {
      return c.SyntaxError();
    }
  }
  bool wrong;
  ListValue* l = GetList(c, false, wrong);
  if (wrong) return;
  std::vector<int64_t> found;
  if (l) {
    int64_t len = static_cast<int64_t>(l->items.size());
    int64_t skip = std::abs(rank) - 1;
    int64_t want = count < 0 ? 1 : (count == 0 ? len : count);
    for (int64_t step = 0; step < len && (maxlen == 0 || step < maxlen); ++step) {
      int64_t i = rank > 0 ? step : len - 1 - step;
      if (l->items[static_cast<size_t>(i)] != c.arg(2)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      found.push_back(i);
      if (static_cast<int64_t>(found.size()) >= want) break;
    }
  }
  if (count < 0) return found.empty() ? c.reply.Null() : c.reply.Integer(found[0]);
  c.reply.ArrayHeader(found.size());
  for (auto i : found) c.reply.Integer(i);
}

// Pops from one end of `src` and pushes to one end of `dst` (LMOVE, RPOPLPUSH).
void MoveGeneric(CommandContext& c, bool from_left, bool to_left) {
  bool wrong;
  ListValue* src = c.FindAs<ListValue>(c.arg(1), wrong);
  if (wrong) return;
  if (!src) return c.reply.Null();
  Entry* dst_entry = c.Find(c.arg(2));
  if (dst_entry && dst_entry->type() != ValueType::kList) return c.WrongType();
  std::string value = from_left ? src->items.front() : src->items.back();
  if (from_left) {
    c.DeleteListItem(c.arg(1), src->head);
    src->items.pop_front();
    ++src->head;
  } else {
    c.DeleteListItem(c.arg(1), src->head + static_cast<int64_t>(src->items.size()) - 1);
    src->items.pop_back();
  }
  if (src->items.empty()) c.Delete(c.arg(1));
  ListValue& dst = *c.FindOrCreate<ListValue>(c.arg(2), true, wrong);
  if (to_left) {
    dst.items.push_front(value);
    --dst.head;
    c.PersistListItem(c.arg(2), dst.head, value);
  } else {
    dst.items.push_back(value);
    c.PersistListItem(c.arg(2), dst.head + static_cast<int64_t>(dst.items.size()) - 1, value);
  }
  c.reply.Bulk(value);
}

bool ParseWhere(std::string_view s, bool& left) {
  if (EqualsIgnoreCase(s, "left")) return left = true, true;
  if (EqualsIgnoreCase(s, "right")) return left = false, true;
  return false;
}

void LMove(CommandContext& c) {
  bool from_left, to_left;
  if (!ParseWhere(c.arg(3), from_left) || !ParseWhere(c.arg(4), to_left)) return c.SyntaxError();
  MoveGeneric(c, from_left, to_left);
}

void RPopLPush(CommandContext& c) { MoveGeneric(c, false, true); }

// BLPOP/BRPOP key [key ...] timeout
void BlockingPop(CommandContext& c, bool left) {
  int64_t timeout;
  if (!ParseBlockingTimeout(c, c.arg(c.argc() - 1), timeout)) return;
  std::vector<std::string_view> keys;
  for (size_t i = 1; i + 1 < c.argc(); ++i) {
    std::string_view key = c.arg(i);
    keys.push_back(key);
    Entry* e = c.Find(key);
    if (!e) continue;
    if (e->type() != ValueType::kList) return c.WrongType();
    std::vector<std::string> popped = PopItems(c, key, std::get<ListValue>(e->data), left, 1);
    c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    c.reply.Bulk(popped[0]);
    return;
  }
  if (!c.blocker) return c.reply.NullArray();  // inside MULTI/EXEC: never block
  c.blocker->timeout_ms = timeout;
  c.keyspace.Block(c, keys);
}

void BLPop(CommandContext& c) { BlockingPop(c, true); }
void BRPop(CommandContext& c) { BlockingPop(c, false); }

// BLMOVE src dst from to timeout / BRPOPLPUSH src dst timeout
void BlockingMove(CommandContext& c, bool from_left, bool to_left, std::string_view timeout_arg) {
  int64_t timeout;
  if (!ParseBlockingTimeout(c, timeout_arg, timeout)) return;
  Entry* src = c.Find(c.arg(1));
  if (src && src->type() != ValueType::kList) return c.WrongType();
  if (src) return MoveGeneric(c, from_left, to_left);
  if (!c.blocker) return c.reply.Null();
  c.blocker->timeout_ms = timeout;
  c.keyspace.Block(c, {c.arg(1)});
}

void BLMove(CommandContext& c) {
  bool from_left, to_left;
  if (!ParseWhere(c.arg(3), from_left) || !ParseWhere(c.arg(4), to_left)) return c.SyntaxError();
  BlockingMove(c, from_left, to_left, c.arg(5));
}

void BRPopLPush(CommandContext& c) { BlockingMove(c, false, true, c.arg(3)); }

// LMPOP numkeys key ... LEFT|RIGHT [COUNT count] from args[numkeys_at]: pops from
// the first non-empty list; replies [key, [element, ...]], or a null array (or
// blocks, for BLMPOP) when every list is empty.
void MPopGeneric(CommandContext& c, size_t numkeys_at, int64_t timeout_ms, bool blocking) {
  MPopArgs a;
  if (!ParseMPopArgs(c, numkeys_at, a)) return;
  bool left;
  if (!ParseWhere(a.where, left)) return c.SyntaxError();
  MPopFirst<ListValue>(c, a, timeout_ms, blocking, [&](std::string_view key, ListValue& l) {
    std::vector<std::string> popped = PopItems(c, key, l, left, static_cast<size_t>(a.count));
    c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    c.reply.ArrayHeader(popped.size());
    for (const auto& v : popped) c.reply.Bulk(v);
  });
}

void LMPop(CommandContext& c) { MPopGeneric(c, 1, 0, false); }

// BLMPOP timeout numkeys key ... LEFT|RIGHT [COUNT count]
void BLMPop(CommandContext& c) {
  int64_t timeout;
  if (!ParseBlockingTimeout(c, c.arg(1), timeout)) return;
  MPopGeneric(c, 2, timeout, true);
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
  r.Register({"linsert", 5, kWrite | kDenyOom, 1, 1, 1, LInsert, "list", "Inserts an element before or after another element in a list.", "2.2.0"});
  r.Register({"lrem", 4, kWrite, 1, 1, 1, LRem, "list", "Removes elements from a list. Deletes the list if the last element was removed."});
  r.Register({"ltrim", 4, kWrite, 1, 1, 1, LTrim, "list", "Removes elements from both ends a list. Deletes the list if all elements were trimmed."});
  r.Register({"lpos", -3, kReadOnly, 1, 1, 1, LPos, "list", "Returns the index of matching elements in a list.", "6.0.6"});
  r.Register({"lmove", 5, kWrite | kDenyOom, 1, 2, 1, LMove, "list", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", "6.2.0"});
  r.Register({"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, RPopLPush, "list", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", "1.2.0"});
  r.Register({"blpop", -3, kWrite | kBlocking, 1, -2, 1, BLPop, "list", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0"});
  r.Register({"brpop", -3, kWrite | kBlocking, 1, -2, 1, BRPop, "list", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0"});
  r.Register({"blmove", 6, kWrite | kDenyOom | kBlocking, 1, 2, 1, BLMove, "list", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", "6.2.0"});
  r.Register({"brpoplpush", 4, kWrite | kDenyOom | kBlocking, 1, 2, 1, BRPopLPush, "list", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", "2.2.0"});
  r.Register({"lmpop", -4, kWrite, 0, 0, 0, LMPop, "list", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", "7.0.0",
              [](std::span<const std::string_view> args) { return NumKeysPositions(args, 1); }});
  r.Register({"blmpop", -5, kWrite | kBlocking, 0, 0, 0, BLMPop, "list", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "7.0.0",
              [](std::span<const std::string_view> args) { return NumKeysPositions(args, 2); }});
  r.Register({"lset", 4, kWrite | kDenyOom, 1, 1, 1, LSet, "list", "Sets the value of an element in a list by its index."});
}

}  // namespace orbit::kv
