#pragma once

// In-memory representation of Redis values. Memory is the working set; every
// change is also written through to RocksDB (see persistence.h).

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>

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

struct Entry {
  std::variant<std::string, ListValue, SetValue, HashValue> data;
  int64_t expire_ms = 0;  // absolute unix time in ms; 0: no expiry

  ValueType type() const {
    switch (data.index()) {
      case 0: return ValueType::kString;
      case 1: return ValueType::kList;
      case 2: return ValueType::kSet;
      default: return ValueType::kHash;
    }
  }
  bool has_expire() const { return expire_ms != 0; }
};

}  // namespace orbit::kv
