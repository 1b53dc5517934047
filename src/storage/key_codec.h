#pragma once

// Order-preserving ("memcomparable") encoding of key tuples: for two tuples a and b
// with the same per-element directions, memcmp(Encode(a), Encode(b)) has the sign of
// the value comparison of a and b. Primary keys, index entries and Redis element
// keys are built with it so that RocksDB's byte order is the query order.
//
// Each element is one tag byte followed by a payload:
//   null      tag only (kNullFirst sorts before every value, kNullLast after)
//   bool      tag only (false < true)
//   int64     8 bytes big-endian with the sign bit flipped
//   double    8 bytes big-endian; sign bit flipped for >= 0, all bits flipped for < 0;
//             -0.0 is stored as 0.0 and every NaN as one canonical NaN above +inf
//   timestamp as int64 (microseconds since the Unix epoch)
//   string    bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01
//   bytes     same as string, distinct tag
// A descending element is the ascending encoding with every byte inverted. Ascending
// tags are < 0x80 and their inversions >= 0x80, so the decoder needs no schema.
// Elements of different types order by tag: null-first < bool < int64 < double <
// timestamp < string < bytes < null-last.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace orbit::storage {

enum class SortOrder : uint8_t { kAscending, kDescending };
enum class NullOrder : uint8_t { kNullsFirst, kNullsLast };

struct Null {
  NullOrder order = NullOrder::kNullsFirst;
  bool operator==(const Null&) const = default;
};
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
struct Timestamp {
  int64_t micros = 0;
  bool operator==(const Timestamp&) const = default;
};

// One element of a key tuple.
using KeyValue = std::variant<Null, bool, int64_t, double, Timestamp, std::string, Bytes>;

struct KeyElement {
  KeyValue value;
  SortOrder order = SortOrder::kAscending;
  bool operator==(const KeyElement&) const = default;
};

// Appends encoded elements to a byte string. Cheap to construct; reuse to avoid
// allocations on hot paths (Clear() keeps the capacity).
class KeyEncoder {
 public:
  KeyEncoder() = default;
  explicit KeyEncoder(std::string prefix) : out_(std::move(prefix)) {}

  KeyEncoder& AddNull(NullOrder nulls = NullOrder::kNullsFirst,
                      SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddBool(bool v, SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddInt(int64_t v, SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddDouble(double v, SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddTimestamp(int64_t micros, SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddString(std::string_view v, SortOrder order = SortOrder::kAscending);
  KeyEncoder& AddBytes(std::string_view v, SortOrder order = SortOrder::kAscending);
  KeyEncoder& Add(const KeyElement& element);

  const std::string& bytes() const { return out_; }
  std::string Release() { return std::move(out_); }
  void Clear() { out_.clear(); }

 private:
  void AddTagged(uint8_t tag, std::string_view payload, SortOrder order);
  void AddEscaped(uint8_t tag, std::string_view v, SortOrder order);

  std::string out_;
};

// Reads elements back. Strict: rejects bytes that no encoder call could produce
// (unknown tags, truncated payloads, non-canonical doubles, bad escapes), so that
// decode followed by encode reproduces the input exactly.
class KeyDecoder {
 public:
  explicit KeyDecoder(std::string_view bytes) : in_(bytes) {}

  bool AtEnd() const { return pos_ == in_.size(); }
  size_t position() const { return pos_; }
  Result<KeyElement> Next();

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

std::string EncodeKey(const std::vector<KeyElement>& tuple);
Result<std::vector<KeyElement>> DecodeKey(std::string_view bytes);

// Returns the smallest key greater than every key starting with `prefix`
// (for exclusive upper bounds of prefix scans); empty if none exists (all 0xFF).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace orbit::storage
