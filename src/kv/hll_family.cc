// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
//
// An HLL is a plain string value in Redis 7.0's exact layout, so GET, SET and
// replication of HLL keys are byte-compatible with Redis:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes |
//   cached cardinality (8 bytes, little endian; top bit of the last byte: stale) |
//   registers
//
// An element's 64-bit MurmurHash64A selects one of 16384 registers with its low
// 14 bits (p); the register keeps the maximum over its elements of the position
// of the first 1 bit in the other 50 bits (q), plus one. Dense: 6 bits per
// register, LSB first. Sparse: run-length opcodes
//   ZERO  00xxxxxx           1..64 registers at 0
//   XZERO 01xxxxxx yyyyyyyy  1..16384 registers at 0
//   VAL   1vvvvvxx           1..4 registers at 1..32
// A sparse HLL is promoted to dense when a register exceeds 32 or it would grow
// past hll-sparse-max-bytes. The estimate is Ertl's improved raw estimator
// (arXiv:1702.01284), which Redis uses since 4.0; its floating point steps are
// kept in Redis's order so that counts match Redis exactly.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {
namespace {

constexpr int kP = 14;
constexpr int kQ = 64 - kP;
constexpr size_t kRegisters = size_t{1} << kP;
constexpr int kBits = 6;
constexpr uint8_t kRegisterMax = (1 << kBits) - 1;
constexpr size_t kHeaderSize = 16;
constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;
constexpr uint8_t kDense = 0;
constexpr uint8_t kSparse = 1;
constexpr size_t kEncodingOffset = 4;
constexpr size_t kCardinalityOffset = 8;

constexpr int kSparseValMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;
constexpr size_t kSparseMaxBytes = 3000;  // Redis's default hll-sparse-max-bytes

constexpr uint32_t kHashSeed = 0xadc83b19;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

constexpr std::string_view kNotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorruptedError = "INVALIDOBJ Corrupted HLL object detected";

using Registers = std::array<uint8_t, kRegisters>;  // one byte per register
using Histogram = std::array<int, 64>;              // registers per value

enum class SetResult { kUnchanged, kUpdated, kCorrupted };

// Byte i of the value; Redis reads its strings' implicit terminating NUL past
// the end (the last dense register, a truncated XZERO), so we read a zero.
uint8_t ByteAt(std::string_view s, size_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }

// ---- Hashing ---------------------------------------------------------------

// MurmurHash2, 64-bit version, reading 8-byte blocks as little endian.
uint64_t MurmurHash64A(std::string_view data, uint32_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(data.size()) * m);
  size_t blocks = data.size() / 8;
  for (size_t b = 0; b < blocks; ++b) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | ByteAt(data, b * 8 + static_cast<size_t>(i));
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t tail = data.size() & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(ByteAt(data, blocks * 8 + i)) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

// The register an element maps to and the value it offers.
struct Observation {
  size_t index;
  uint8_t count;
};

Observation Observe(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  size_t index = hash & (kRegisters - 1);
  // The sentinel bit caps the count at q + 1.
  uint64_t rest = (hash >> kP) | (uint64_t{1} << kQ);
  return {index, static_cast<uint8_t>(std::countr_zero(rest) + 1)};
}

// ---- Header ----------------------------------------------------------------

uint8_t Encoding(std::string_view hll) { return ByteAt(hll, kEncodingOffset); }

// Redis's isHLLObjectOrReply: the magic, a known encoding, the exact dense size.
bool IsHll(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  uint8_t encoding = Encoding(s);
  if (encoding > kSparse) return false;
  return encoding != kDense || s.size() == kDenseSize;
}

bool CacheValid(std::string_view hll) { return (ByteAt(hll, kCardinalityOffset + 7) & 0x80) == 0; }

void InvalidateCache(std::string& hll) { hll[kCardinalityOffset + 7] = static_cast<char>(hll[kCardinalityOffset + 7] | 0x80); }

uint64_t CachedCardinality(std::string_view hll) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | ByteAt(hll, kCardinalityOffset + static_cast<size_t>(i));
  return card;
}

void SetCachedCardinality(std::string& hll, uint64_t card) {
  for (size_t i = 0; i < 8; ++i) hll[kCardinalityOffset + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

std::string HeaderBytes(uint8_t encoding) {
  std::string h(kHeaderSize, '\0');
  h.replace(0, 4, "HYLL");
  h[kEncodingOffset] = static_cast<char>(encoding);
  return h;
}

// ---- Dense registers ---------------------------------------------------------

uint8_t DenseGet(std::string_view hll, size_t index) {
  size_t byte = kHeaderSize + index * kBits / 8;
  unsigned shift = (index * kBits) & 7;
  unsigned b0 = ByteAt(hll, byte);
  unsigned b1 = ByteAt(hll, byte + 1);
  return static_cast<uint8_t>(((b0 >> shift) | (b1 << (8 - shift))) & kRegisterMax);
}

void DenseSetRegister(std::string& hll, size_t index, uint8_t value) {
  size_t byte = kHeaderSize + index * kBits / 8;
  unsigned shift = (index * kBits) & 7;
  auto lo = static_cast<unsigned>(static_cast<uint8_t>(hll[byte]));
  lo = (lo & ~(unsigned{kRegisterMax} << shift)) | (unsigned{value} << shift);
  hll[byte] = static_cast<char>(lo & 0xff);
  // The last register fits in its first byte.
  if (byte + 1 < hll.size()) {
    auto hi = static_cast<unsigned>(static_cast<uint8_t>(hll[byte + 1]));
    hi = (hi & ~(unsigned{kRegisterMax} >> (8 - shift))) | (unsigned{value} >> (8 - shift));
    hll[byte + 1] = static_cast<char>(hi & 0xff);
  }
}

SetResult DenseSet(std::string& hll, size_t index, uint8_t count) {
  if (count <= DenseGet(hll, index)) return SetResult::kUnchanged;
  DenseSetRegister(hll, index, count);
  return SetResult::kUpdated;
}

// ---- Sparse opcodes ----------------------------------------------------------

struct SparseOp {
  bool is_xzero = false;
  int run = 0;    // registers covered
  int value = 0;  // 0 for ZERO and XZERO
  size_t bytes = 1;
};

SparseOp ReadSparseOp(std::string_view hll, size_t pos) {
  uint8_t b = ByteAt(hll, pos);
  SparseOp op;
  if ((b & 0x80) != 0) {
    op.value = ((b >> 2) & 0x1f) + 1;
    op.run = (b & 0x3) + 1;
  } else if ((b & 0x40) != 0) {
    op.is_xzero = true;
    op.run = (((b & 0x3f) << 8) | ByteAt(hll, pos + 1)) + 1;
    op.bytes = 2;
  } else {
    op.run = (b & 0x3f) + 1;
  }
  return op;
}

char ValOpcode(int value, int run) { return static_cast<char>(0x80 | ((value - 1) << 2) | (run - 1)); }

// The shortest opcode for `run` zero registers.
void AppendZeros(std::string& out, int run) {
  if (run > kSparseZeroMaxLen) {
    out.push_back(static_cast<char>(0x40 | ((run - 1) >> 8)));
    out.push_back(static_cast<char>((run - 1) & 0xff));
  } else {
    out.push_back(static_cast<char>(run - 1));
  }
}

// Calls fn(pos, op) for each opcode until it returns false.
template <typename Fn>
void ForEachSparseOp(std::string_view hll, Fn fn) {
  for (size_t pos = kHeaderSize; pos < hll.size();) {
    SparseOp op = ReadSparseOp(hll, pos);
    if (!fn(pos, op)) return;
    pos += op.bytes;
  }
}

// Walks the registers of a sparse HLL, calling fn(index, value) for each one a
// VAL covers. False when the opcodes do not cover exactly the 16384 registers.
template <typename Fn>
bool ForEachSparseValue(std::string_view hll, Fn fn) {
  size_t index = 0;
  bool ok = true;
  ForEachSparseOp(hll, [&](size_t, const SparseOp& op) {
    if (op.value != 0) {
      if (index + static_cast<size_t>(op.run) > kRegisters) return ok = false;
      for (int i = 0; i < op.run; ++i) fn(index + static_cast<size_t>(i), op.value);
    }
    index += static_cast<size_t>(op.run);
    return true;
  });
  return ok && index == kRegisters;
}

std::string NewHll() {
  std::string hll = HeaderBytes(kSparse);
  for (size_t left = kRegisters; left > 0;) {
    int run = static_cast<int>(std::min<size_t>(left, kSparseXZeroMaxLen));
    AppendZeros(hll, run);
    left -= static_cast<size_t>(run);
  }
  return hll;
}

// Converts a sparse HLL to dense in place (the header, cache included, is kept).
// False, leaving it unchanged, when it is corrupted.
[[nodiscard]] bool SparseToDense(std::string& hll) {
  if (Encoding(hll) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  dense.replace(0, kHeaderSize, hll, 0, kHeaderSize);
  dense[kEncodingOffset] = static_cast<char>(kDense);
  bool ok = ForEachSparseValue(hll, [&](size_t index, int value) {
    DenseSetRegister(dense, index, static_cast<uint8_t>(value));
  });
  if (!ok) return false;
  hll = std::move(dense);
  return true;
}

SetResult PromoteAndSet(std::string& hll, size_t index, uint8_t count) {
  if (!SparseToDense(hll)) return SetResult::kCorrupted;
  return DenseSet(hll, index, count);
}

// After an opcode changed, merges adjacent VALs of equal value (as Redis does,
// looking at up to five opcodes from the one before the change).
void MergeAdjacentVals(std::string& hll, size_t from) {
  size_t pos = from;
  for (int scan = 5; pos < hll.size() && scan > 0; --scan) {
    SparseOp op = ReadSparseOp(hll, pos);
    if (op.value == 0) {
      pos += op.bytes;
      continue;
    }
    if (pos + 1 < hll.size() && (ByteAt(hll, pos + 1) & 0x80) != 0) {
      SparseOp right = ReadSparseOp(hll, pos + 1);
      if (right.value == op.value && op.run + right.run <= kSparseValMaxLen) {
        hll[pos + 1] = ValOpcode(op.value, op.run + right.run);
        hll.erase(pos, 1);
        continue;  // the merged run may merge again with its right neighbour
      }
    }
    ++pos;
  }
}

// Raises register `index` of a sparse HLL to `count`, editing the opcode that
// covers it in place, or promoting the HLL to dense.
SetResult SparseSet(std::string& hll, size_t index, uint8_t count) {
  if (count > kSparseValMaxValue) return PromoteAndSet(hll, index, count);

  // Find the opcode covering the register.
  size_t pos = kHeaderSize;
  size_t prev = 0;  // 0: none
  size_t first = 0;
  SparseOp op;
  while (pos < hll.size()) {
    op = ReadSparseOp(hll, pos);
    if (index < first + static_cast<size_t>(op.run)) break;
    prev = pos;
    pos += op.bytes;
    first += static_cast<size_t>(op.run);
  }
  if (op.run == 0 || pos >= hll.size()) return SetResult::kCorrupted;

  bool is_val = op.value != 0;
  if (is_val && op.value >= count) return SetResult::kUnchanged;
  if (op.run == 1 && !op.is_xzero) {
    // A single-register VAL or ZERO becomes a VAL of the new value.
    hll[pos] = ValOpcode(count, 1);
  } else {
    // Split the run: [left part] VAL(count) [right part], at most 5 bytes.
    size_t last = first + static_cast<size_t>(op.run) - 1;
    std::string seq;
    auto append_part = [&](size_t run) {
      if (run == 0) return;
      if (is_val) {
        seq.push_back(ValOpcode(op.value, static_cast<int>(run)));
      } else {
        AppendZeros(seq, static_cast<int>(run));
      }
    };
    append_part(index - first);
    seq.push_back(ValOpcode(count, 1));
    append_part(last - index);

    size_t new_size = hll.size() + seq.size() - op.bytes;
    if (seq.size() > op.bytes && new_size > kSparseMaxBytes) return PromoteAndSet(hll, index, count);
    hll.replace(pos, std::min(op.bytes, hll.size() - pos), seq);
    hll.resize(new_size, '\0');  // only differs for a truncated trailing XZERO
  }
  MergeAdjacentVals(hll, prev != 0 ? prev : kHeaderSize);
  InvalidateCache(hll);
  return SetResult::kUpdated;
}

// ---- Whole-HLL operations ------------------------------------------------------

SetResult SetRegister(std::string& hll, size_t index, uint8_t count) {
  return Encoding(hll) == kDense ? DenseSet(hll, index, count) : SparseSet(hll, index, count);
}

SetResult Add(std::string& hll, std::string_view element) {
  Observation o = Observe(element);
  return SetRegister(hll, o.index, o.count);
}

// Raises each register of `max` to the HLL's; false when it is corrupted.
[[nodiscard]] bool MergeInto(Registers& max, std::string_view hll) {
  if (Encoding(hll) == kDense) {
    for (size_t i = 0; i < kRegisters; ++i) max[i] = std::max(max[i], DenseGet(hll, i));
    return true;
  }
  return ForEachSparseValue(hll, [&](size_t index, int value) {
    max[index] = std::max(max[index], static_cast<uint8_t>(value));
  });
}

// Writes the merged registers into `hll` (which the caller made dense if any
// input was), promoting a sparse one when needed.
void StoreRegisters(std::string& hll, const Registers& max) {
  for (size_t i = 0; i < kRegisters; ++i) {
    if (max[i] != 0) (void)SetRegister(hll, i, max[i]);
  }
  InvalidateCache(hll);
}

// ---- Estimator -----------------------------------------------------------------

double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

uint64_t Estimate(const Histogram& histogram) {
  double m = kRegisters;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[static_cast<size_t>(j)];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  // Redis rounds to long long and keeps it in a double. A degenerate (corrupted)
  // histogram overflows llround to LLONG_MIN, which Redis then replies.
  double estimate = static_cast<double>(std::llround(kAlphaInf * m * m / z));
  if (estimate < 0) return static_cast<uint64_t>(static_cast<int64_t>(estimate));
  return static_cast<uint64_t>(estimate);
}

uint64_t CountRegisters(const Registers& registers) {
  Histogram histogram{};
  for (uint8_t r : registers) ++histogram[r & 63];
  return Estimate(histogram);
}

// The estimate of one HLL; nullopt when it is corrupted.
std::optional<uint64_t> Count(std::string_view hll) {
  Histogram histogram{};
  if (Encoding(hll) == kDense) {
    for (size_t i = 0; i < kRegisters; ++i) ++histogram[DenseGet(hll, i)];
  } else {
    size_t covered = 0;
    ForEachSparseOp(hll, [&](size_t, const SparseOp& op) {
      histogram[static_cast<size_t>(op.value)] += op.run;
      covered += static_cast<size_t>(op.run);
      return true;
    });
    if (covered != kRegisters) return std::nullopt;
  }
  return Estimate(histogram);
}

// PFDEBUG DECODE's text: "z:<run>", "Z:<run>" and "v:<value>,<run>" per opcode.
std::string DecodeSparse(std::string_view hll) {
  std::string out;
  ForEachSparseOp(hll, [&](size_t, const SparseOp& op) {
    if (!out.empty()) out.push_back(' ');
    if (op.value != 0) {
      out += "v:" + std::to_string(op.value) + "," + std::to_string(op.run);
    } else {
      out += (op.is_xzero ? "Z:" : "z:") + std::to_string(op.run);
    }
    return true;
  });
  return out;
}

// ---- Commands --------------------------------------------------------------------

Entry StringEntry(std::string value) {
  Entry e;
  e.data = std::move(value);
  return e;
}

// The HLL at key, nullptr when absent. `failed` when an error was replied
// (another type, or a string that is not an HLL).
std::string* FindHll(CommandContext& c, std::string_view key, bool& failed) {
  std::string* s = c.FindAs<std::string>(key, failed);
  if (!failed && s != nullptr && !IsHll(*s)) {
    failed = true;
    c.reply.Error(kNotHllError);
  }
  return s;
}

void PfAdd(CommandContext& c) {
  std::string_view key = c.arg(1);
  bool failed;
  std::string* existing = FindHll(c, key, failed);
  if (failed) return;
  std::string created;
  if (existing == nullptr) created = NewHll();
  std::string& hll = existing != nullptr ? *existing : created;

  bool updated = existing == nullptr;
  bool corrupted = false;
  for (size_t i = 2; i < c.argc() && !corrupted; ++i) {
    SetResult r = Add(hll, c.arg(i));
    corrupted = r == SetResult::kCorrupted;
    if (r == SetResult::kUpdated) updated = true;
  }
  // As Redis, registers raised before a corruption was found stay raised.
  if (updated && !corrupted) InvalidateCache(hll);
  if (existing == nullptr) {
    c.Put(key, StringEntry(std::move(created)));
  } else if (updated) {
    c.PersistMeta(key, *c.Find(key));
  }
  if (corrupted) return c.reply.Error(kCorruptedError);
  c.reply.Integer(updated ? 1 : 0);
}

void PfCount(CommandContext& c) {
  if (c.argc() > 2) {
    // The cardinality of the union, computed on a temporary.
    Registers max{};
    for (size_t i = 1; i < c.argc(); ++i) {
      bool failed;
      std::string* hll = FindHll(c, c.arg(i), failed);
      if (failed) return;
      if (hll != nullptr && !MergeInto(max, *hll)) return c.reply.Error(kCorruptedError);
    }
    return c.reply.Integer(static_cast<int64_t>(CountRegisters(max)));
  }

  std::string_view key = c.arg(1);
  bool failed;
  std::string* hll = FindHll(c, key, failed);
  if (failed) return;
  if (hll == nullptr) return c.reply.Integer(0);
  if (CacheValid(*hll)) return c.reply.Integer(static_cast<int64_t>(CachedCardinality(*hll)));
  std::optional<uint64_t> card = Count(*hll);
  if (!card) return c.reply.Error(kCorruptedError);
  // Caching the estimate modifies the value, as in Redis.
  SetCachedCardinality(*hll, *card);
  c.PersistMeta(key, *c.Find(key));
  c.reply.Integer(static_cast<int64_t>(*card));
}

void PfMerge(CommandContext& c) {
  Registers max{};
  bool use_dense = false;
  for (size_t i = 1; i < c.argc(); ++i) {
    bool failed;
    std::string* hll = FindHll(c, c.arg(i), failed);
    if (failed) return;
    if (hll == nullptr) continue;
    if (Encoding(*hll) == kDense) use_dense = true;
    if (!MergeInto(max, *hll)) return c.reply.Error(kCorruptedError);
  }

  // The destination was checked above as the first source.
  std::string_view key = c.arg(1);
  bool wrong;
  std::string* existing = c.FindAs<std::string>(key, wrong);
  std::string created;
  if (existing == nullptr) created = NewHll();
  std::string& dest = existing != nullptr ? *existing : created;
  if (use_dense && !SparseToDense(dest)) return c.reply.Error(kCorruptedError);
  StoreRegisters(dest, max);
  if (existing == nullptr) {
    c.Put(key, StringEntry(std::move(created)));
  } else {
    c.PersistMeta(key, *c.Find(key));
  }
  c.reply.Ok();
}

void PfDebug(CommandContext& c) {
  std::string_view sub = c.arg(1);
  std::string_view key = c.arg(2);
  bool failed;
  std::string* hll = c.FindAs<std::string>(key, failed);
  if (failed) return;
  if (hll == nullptr) return c.reply.Error("ERR The specified key does not exist");
  if (!IsHll(*hll)) return c.reply.Error(kNotHllError);
  if (!EqualsIgnoreCase(sub, "getreg") && !EqualsIgnoreCase(sub, "decode") && !EqualsIgnoreCase(sub, "encoding") &&
      !EqualsIgnoreCase(sub, "todense")) {
    return c.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }

  if (EqualsIgnoreCase(sub, "encoding")) return c.reply.SimpleString(Encoding(*hll) == kDense ? "dense" : "sparse");
  if (EqualsIgnoreCase(sub, "decode")) {
    if (Encoding(*hll) != kSparse) return c.reply.Error("ERR HLL encoding is not sparse");
    return c.reply.Bulk(DecodeSparse(*hll));
  }
  // GETREG and TODENSE convert a sparse HLL to dense.
  bool converted = false;
  if (Encoding(*hll) == kSparse) {
    if (!SparseToDense(*hll)) return c.reply.Error(kCorruptedError);
    converted = true;
    c.PersistMeta(key, *c.Find(key));
  }
  if (EqualsIgnoreCase(sub, "todense")) return c.reply.Integer(converted ? 1 : 0);
  c.reply.ArrayHeader(kRegisters);
  for (size_t i = 0; i < kRegisters; ++i) c.reply.Integer(DenseGet(*hll, i));
}

// Checks the register access and that the sparse and dense representations
// agree and estimate within bounds (a smaller run than Redis's).
std::optional<std::string> SelfTest() {
  std::string dense = NewHll();
  if (!SparseToDense(dense)) return "TESTFAILED Sparse to dense conversion failed";
  Registers expected{};
  for (int round = 0; round < 100; ++round) {
    for (size_t i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(Rng()() & kRegisterMax);
      DenseSetRegister(dense, i, expected[i]);
    }
    for (size_t i = 0; i < kRegisters; ++i) {
      if (DenseGet(dense, i) != expected[i]) {
        return "TESTFAILED Register error at " + std::to_string(i) + ": " + std::to_string(DenseGet(dense, i)) +
               " instead of " + std::to_string(expected[i]);
      }
    }
  }

  std::string sparse = NewHll();
  dense = NewHll();
  if (!SparseToDense(dense)) return "TESTFAILED Sparse to dense conversion failed";
  const double relative_error = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t checkpoint = 1;
  for (uint64_t n = 1; n <= 100000; ++n) {
    std::string element = "selftest:" + std::to_string(n);
    if (Add(sparse, element) == SetResult::kCorrupted) return "TESTFAILED Sparse HLL corrupted";
    (void)Add(dense, element);
    if (n != checkpoint) continue;
    checkpoint *= 2;
    std::optional<uint64_t> sparse_count = Count(sparse);
    std::optional<uint64_t> dense_count = Count(dense);
    if (!sparse_count || !dense_count || *sparse_count != *dense_count) {
      return "TESTFAILED Sparse and dense estimates differ at " + std::to_string(n);
    }
    double error = std::abs(static_cast<double>(*dense_count) - static_cast<double>(n));
    if (error > 5 * relative_error * static_cast<double>(n) + 1) {
      return "TESTFAILED Too big error. card:" + std::to_string(n) + " error:" + std::to_string(error);
    }
  }
  std::string promoted = sparse;
  if (!SparseToDense(promoted) || promoted.substr(kHeaderSize) != dense.substr(kHeaderSize)) {
    return "TESTFAILED Sparse and dense registers differ";
  }
  return std::nullopt;
}

void PfSelfTest(CommandContext& c) {
  std::optional<std::string> failure = SelfTest();
  failure ? c.reply.Error(*failure) : c.reply.Ok();
}

}  // namespace

void RegisterHllFamily(CommandRegistry& r) {
  r.Register({"pfadd", -2, kWrite | kDenyOom | kFast, 1, 1, 1, PfAdd, "hyperloglog", "Adds the specified elements to the specified HyperLogLog.", "2.8.9"});
  // Redis flags PFCOUNT readonly, but it rewrites the cached cardinality.
  r.Register({"pfcount", -2, kWrite, 1, -1, 1, PfCount, "hyperloglog", "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", "2.8.9"});
  r.Register({"pfmerge", -2, kWrite | kDenyOom, 1, -1, 1, PfMerge, "hyperloglog", "Merge N different HyperLogLogs into a single one.", "2.8.9"});
  r.Register({"pfdebug", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, PfDebug, "hyperloglog", "Internal commands for debugging HyperLogLog values", "2.8.9"});
  r.Register({"pfselftest", 1, kAdmin, 0, 0, 0, PfSelfTest, "hyperloglog", "An internal command for testing HyperLogLog values", "2.8.9"});
}

}  // namespace orbit::kv
