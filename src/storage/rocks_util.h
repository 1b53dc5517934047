#pragma once

// Helpers shared by the storage sources that include RocksDB (not a public header).

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <string_view>

#include "common/result.h"

namespace orbit::storage {

// Maps a RocksDB status to Orbit's error codes (kNotFound is left to callers).
Error ToError(const rocksdb::Status& s);
inline Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return Ok();
  return ToError(s);
}

inline rocksdb::Slice ToSlice(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }
inline std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace orbit::storage
