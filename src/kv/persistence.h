#pragma once

// Write-through persistence of the Redis keyspace in the `kv` column family.
//
// Layout (tuples in the order-preserving key codec):
//   ("m", db, key)          -> meta: type u8 | expire_ms i64 | [list head i64 at creation] | [string payload]
//   ("e", db, key, field)   -> hash field value / set member ("") / zset member (score, 8 bytes)
//   ("e", db, key, seq)     -> list element at sequence number seq
// One RocksDB key per collection element, so LPUSH on a long list writes one
// element, not the list. Deleting a collection deletes its meta key and range-
// deletes its ("e", db, key) prefix.

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "kv/value.h"
#include "storage/engine.h"

namespace orbit::kv {

class Persistence {
 public:
  static std::string MetaKey(int db, std::string_view key);
  static std::string ElementPrefix(int db, std::string_view key);
  static std::string FieldKey(int db, std::string_view key, std::string_view field);
  static std::string ListKey(int db, std::string_view key, int64_t seq);
  static std::string EncodeScore(double score);

  // Meta record (and, for strings, the value).
  static void PutMeta(storage::WriteBatch& batch, int db, std::string_view key, const Entry& entry);
  // Meta and every element: used when a whole value is (re)written.
  static void PutAll(storage::WriteBatch& batch, int db, std::string_view key, const Entry& entry);
  static void DeleteKey(storage::WriteBatch& batch, int db, std::string_view key, ValueType type);

  // Reads every key back; calls fn(db, key, entry) for each live one and deletes
  // expired ones (as of now_ms) on disk.
  static Status LoadAll(storage::Engine& engine, int64_t now_ms,
                        const std::function<void(int db, std::string key, Entry entry)>& fn);
};

}  // namespace orbit::kv
