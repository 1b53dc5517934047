#pragma once

// One logical Redis database (SELECT n) on one shard: the keys this shard owns.
// Single-threaded: only the owning shard's thread (or a coordinator while the
// shard is paused) touches it.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kv/value.h"

namespace orbit::kv {

// Transparent hashing so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Database {
 public:
  using Map = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;

  // The live entry, or nullptr if absent or expired. An expired entry is left in
  // place; callers that can write remove it through Keyspace (so the deletion is
  // persisted) — see ExpireIfNeeded.
  Entry* Find(std::string_view key, int64_t now_ms);
  bool IsExpired(const Entry& e, int64_t now_ms) const { return e.expire_ms != 0 && e.expire_ms <= now_ms; }

  // Inserts or replaces; returns the stored entry.
  Entry& Set(std::string_view key, Entry entry);
  bool Erase(std::string_view key);
  void SetExpire(std::string_view key, Entry& e, int64_t expire_ms);

  size_t size() const { return map_.size(); }
  size_t expires() const { return expires_.size(); }
  void Clear();
  Map& map() { return map_; }

  // Up to `max` keys with an expiry, scanning buckets round-robin so repeated
  // calls cover the whole set (the active expiry sampler).
  void SampleExpiring(size_t max, const std::function<void(const std::string&)>& fn);

 private:
  Map map_;
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> expires_;
  size_t sample_bucket_ = 0;
};

}  // namespace orbit::kv
