#include "kv/database.h"

#include <vector>

namespace orbit::kv {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
  }
  return "none";
}

Entry* Database::Find(std::string_view key, int64_t now_ms) {
  auto it = map_.find(key);
  if (it == map_.end() || IsExpired(it->second, now_ms)) return nullptr;
  return &it->second;
}

Entry& Database::Set(std::string_view key, Entry entry) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), std::move(entry)).first;
  } else {
    it->second = std::move(entry);
  }
  if (it->second.expire_ms != 0) expires_[it->first] = it->second.expire_ms;
  else expires_.erase(it->first);
  return it->second;
}

bool Database::Erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (it->second.expire_ms != 0) expires_.erase(it->first);
  map_.erase(it);
  return true;
}

void Database::SetExpire(std::string_view key, Entry& e, int64_t expire_ms) {
  e.expire_ms = expire_ms;
  if (expire_ms != 0) {
    auto it = expires_.find(key);
    if (it == expires_.end()) expires_.emplace(std::string(key), expire_ms);
    else it->second = expire_ms;
  } else {
    auto it = expires_.find(key);
    if (it != expires_.end()) expires_.erase(it);
  }
}

void Database::Clear() {
  map_.clear();
  expires_.clear();
  sample_bucket_ = 0;
}

void Database::SampleExpiring(size_t max, const std::function<void(const std::string&)>& fn) {
  if (expires_.empty()) return;
  std::vector<std::string> picked;
  size_t buckets = expires_.bucket_count();
  for (size_t scanned = 0; scanned < buckets && picked.size() < max; ++scanned) {
    size_t b = sample_bucket_++ % buckets;
    for (auto it = expires_.begin(b); it != expires_.end(b); ++it) picked.push_back(it->first);
  }
  for (const auto& k : picked) fn(k);
}

}  // namespace orbit::kv
