#pragma once

// In-memory representation of Redis values. Memory is the working set; every
// change is also written through to RocksDB (see persistence.h).

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

namespace orbit::kv {

enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };

std::string_view TypeName(ValueType type);  // "string", "list", ...

using HashValue = std::unordered_map<std::string, std::string>;
using SetValue = std::unordered_set<std::string>;

// A list keeps a persistent sequence number per element: element i is stored
// under seq head + i, so pushes and pops at either end write one RocksDB key.
struct ListValue {
  std::deque<std::string> items;
  int64_t head = 0;
};

// A sorted set: members ordered by (score, member) in an order-statistics tree
// (O(log n) rank and index access, as Redis's skiplist with spans), plus a map
// from member to score.
struct ZSetValue {
  using Item = std::pair<double, std::string>;
  using Tree = __gnu_pbds::tree<Item, __gnu_pbds::null_type, std::less<Item>, __gnu_pbds::rb_tree_tag,
                                __gnu_pbds::tree_order_statistics_node_update>;
  Tree tree;
  std::unordered_map<std::string, double> scores;

  size_t size() const { return scores.size(); }
  bool empty() const { return scores.empty(); }
};

struct Entry {
  std::variant<std::string, ListValue, SetValue, HashValue, ZSetValue> data;
  int64_t expire_ms = 0;  // absolute unix time in ms; 0: no expiry
  int64_t access_ms = 0;  // last access (OBJECT IDLETIME); not persisted

  ValueType type() const {
    switch (data.index()) {
      case 0: return ValueType::kString;
      case 1: return ValueType::kList;
      case 2: return ValueType::kSet;
      case 3: return ValueType::kHash;
      default: return ValueType::kZSet;
    }
  }
  bool has_expire() const { return expire_ms != 0; }
};

}  // namespace orbit::kv
