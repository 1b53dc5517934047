// SORT and SORT_RO: sort the elements of a list, set or sorted set numerically
// or (ALPHA) as binary strings, optionally by weights read from other keys
// (BY pattern, "weight_*" or "hash_*->field"), return a LIMIT window of them or
// values fetched through GET patterns, and optionally STORE the result as a list.
// Patterns may name keys on any shard, so SORT runs with every shard paused.
// Follows Redis 7.0's sort.c: ties in numeric order are broken by comparing the
// elements, a BY pattern without '*' skips sorting, and a set sorted that way
// into STORE is sorted ALPHA so the stored list is deterministic.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "kv/command.h"

namespace orbit::kv {
namespace {

// The value a pattern names for `element`: "#" is the element itself; "*" is
// replaced by the element (first '*' only); a "->field" suffix reads a hash
// field. Missing keys, keys of another type and patterns without '*' give nothing.
std::optional<std::string> LookupByPattern(CommandContext& c, std::string_view pattern, const std::string& element) {
  if (pattern == "#") return element;
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view rest = pattern.substr(star + 1);
  std::string_view field;
  if (size_t arrow = rest.find("->"); arrow != std::string_view::npos && arrow + 2 < rest.size()) {
    field = rest.substr(arrow + 2);
    rest = rest.substr(0, arrow);
  }
  std::string key(pattern.substr(0, star));
  key += element;
  key += rest;
  Entry* e = c.Find(key);
  if (e == nullptr) return std::nullopt;
  if (!field.empty()) {
    auto* h = std::get_if<HashValue>(&e->data);
    if (h == nullptr) return std::nullopt;
    auto it = h->find(std::string(field));
    if (it == h->end()) return std::nullopt;
    return it->second;
  }
  auto* s = std::get_if<std::string>(&e->data);
  if (s == nullptr) return std::nullopt;
  return *s;
}

struct SortItem {
  explicit SortItem(std::string e) : element(std::move(e)) {}
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the weight string (none: sorts first)
};

// Redis parses weights with strtod: leading spaces are allowed, and an empty
// string is 0.
bool ParseWeight(const std::string& s, double& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(out);
}

void SortGeneric(CommandContext& c, bool read_only) {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> by, store;
  std::vector<std::string_view> gets;
  for (size_t j = 2; j < c.argc(); ++j) {
    size_t left = c.argc() - j - 1;
    std::string o = Lower(c.arg(j));
    if (o == "asc") {
      desc = false;
    } else if (o == "desc") {
      desc = true;
    } else if (o == "alpha") {
      alpha = true;
    } else if (o == "limit" && left >= 2) {
      if (!ParseInt64(c.arg(j + 1), limit_start) || !ParseInt64(c.arg(j + 2), limit_count)) return c.NotInteger();
      j += 2;
    } else if (o == "store" && left >= 1 && !read_only) {
      store = c.arg(++j);
    } else if (o == "by" && left >= 1) {
      by = c.arg(++j);
      dontsort = by->find('*') == std::string_view::npos;
    } else if (o == "get" && left >= 1) {
      gets.push_back(c.arg(++j));
    } else {
      return c.SyntaxError();
    }
  }
  Entry* src = c.Find(c.arg(1));
  if (src != nullptr && src->type() != ValueType::kList && src->type() != ValueType::kSet &&
      src->type() != ValueType::kZSet) {
    return c.WrongType();
  }
  ValueType type = src ? src->type() : ValueType::kList;
  if (dontsort && type == ValueType::kSet && store) {
    // Sets have no order of their own: a stored result must not depend on it.
    dontsort = false;
    alpha = true;
    by.reset();
  }
  size_t len = 0;
  if (src) {
    if (auto* l = std::get_if<ListValue>(&src->data)) len = l->items.size();
    else if (auto* s = std::get_if<SetValue>(&src->data)) len = s->size();
    else len = std::get<ZSetValue>(src->data).size();
  }
  // The LIMIT window [start, end] as Redis computes it (empty when end < start).
  int64_t n = static_cast<int64_t>(len);
  int64_t start = std::max<int64_t>(limit_start, 0);
  int64_t end = limit_count < 0 ? n - 1 : start + limit_count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;

  std::vector<SortItem> items;
  bool ordered_source = type == ValueType::kList || type == ValueType::kZSet;
  if (src && dontsort && ordered_source) {
    // No sorting: the window straight from the source's own order (reversed by DESC).
    for (int64_t i = start; i <= end; ++i) {
      size_t idx = static_cast<size_t>(desc ? n - 1 - i : i);
      if (auto* l = std::get_if<ListValue>(&src->data)) items.emplace_back(l->items[idx]);
      else items.emplace_back(std::get<ZSetValue>(src->data).tree.find_by_order(idx)->second);
    }
    end -= start;
    start = 0;
  } else if (src) {
    if (auto* l = std::get_if<ListValue>(&src->data)) {
      for (const auto& v : l->items) items.emplace_back(v);
    } else if (auto* s = std::get_if<SetValue>(&src->data)) {
      for (const auto& v : *s) items.emplace_back(v);
    } else {
      for (const auto& [score, member] : std::get<ZSetValue>(src->data).tree) items.emplace_back(member);
    }
  }

  if (!dontsort) {
    for (auto& item : items) {
      std::optional<std::string> weight = item.element;
      if (by) weight = LookupByPattern(c, *by, item.element);
      if (!weight) continue;  // no weight: 0, or first under ALPHA
      if (alpha) {
        if (by) item.by = std::move(weight);
      } else if (!ParseWeight(*weight, item.score)) {
        return c.reply.Error("ERR One or more scores can't be converted into double");
      }
    }
    auto cmp = [&](const SortItem& a, const SortItem& b) {
      int r;
      if (!alpha) {
        r = a.score < b.score ? -1 : a.score > b.score ? 1 : a.element.compare(b.element);
      } else if (by) {
        r = !a.by || !b.by ? (a.by ? 1 : 0) - (b.by ? 1 : 0) : a.by->compare(*b.by);
      } else {
        r = a.element.compare(b.element);
      }
      return desc ? r > 0 : r < 0;
    };
    std::stable_sort(items.begin(), items.end(), cmp);
  }

  size_t first = static_cast<size_t>(std::max<int64_t>(start, 0));
  size_t count = end >= start ? static_cast<size_t>(end - start + 1) : 0;
  std::vector<std::optional<std::string>> out;
  for (size_t i = first; i < first + count; ++i) {
    if (gets.empty()) out.emplace_back(items[i].element);
    for (auto pattern : gets) out.push_back(LookupByPattern(c, pattern, items[i].element));
  }
  if (!store) {
    c.reply.ArrayHeader(out.size());
    for (const auto& v : out) v ? c.reply.Bulk(*v) : c.reply.Null();
    return;
  }
  c.Delete(*store);
  if (!out.empty()) {
    Entry e;
    ListValue list;
    for (auto& v : out) list.items.push_back(v ? std::move(*v) : std::string());
    e.data = std::move(list);
    c.Put(*store, std::move(e));
  }
  c.reply.Integer(static_cast<int64_t>(out.size()));
}

void Sort(CommandContext& c) { SortGeneric(c, false); }
void SortRo(CommandContext& c) { SortGeneric(c, true); }

}  // namespace

void RegisterSortFamily(CommandRegistry& r) {
  r.Register({"sort", -2, kWrite | kDenyOom | kAllShards, 1, 1, 1, Sort, "generic", "Sorts the elements in a list, a set, or a sorted set, optionally storing the result."});
  r.Register({"sort_ro", -2, kReadOnly | kAllShards, 1, 1, 1, SortRo, "generic", "Returns the sorted elements of a list, a set, or a sorted set.", "7.0.0"});
}

}  // namespace orbit::kv
