// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO. A bitmap is a string value: bit 0 is the most significant bit of
// the first byte, and bits past the end of the string read as 0.

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {

namespace {

constexpr uint64_t kMaxBulkLength = 512u << 20;  // proto-max-bulk-len: bit offsets stay below 2^32
constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";
constexpr std::string_view kBitfieldTypeError =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

// ---------------------------------------------------------------------------
// Operations on bytes.

bool GetBit(std::string_view s, uint64_t offset) {
  uint64_t byte = offset >> 3;
  if (byte >= s.size()) return false;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1;
}

// `offset` must lie inside `s`.
void SetBit(std::string& s, uint64_t offset, bool on) {
  auto mask = static_cast<uint8_t>(0x80 >> (offset & 7));
  auto& byte = reinterpret_cast<uint8_t&>(s[offset >> 3]);
  byte = static_cast<uint8_t>(on ? (byte | mask) : (byte & ~mask));
}

uint64_t LoadWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Big-endian load: the first byte's high bit becomes the word's high bit.
uint64_t LoadWordBigEndian(const char* p) {
  uint64_t w = LoadWord(p);
  return std::endian::native == std::endian::little ? __builtin_bswap64(w) : w;
}

uint64_t PopCount(std::string_view bytes) {
  uint64_t n = 0;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) n += std::popcount(LoadWord(bytes.data() + i));
  for (; i < bytes.size(); ++i) n += std::popcount(static_cast<uint8_t>(bytes[i]));
  return n;
}

// The number of set bits among bits [first, last] of `s` (last < 8 * size).
uint64_t CountBits(std::string_view s, uint64_t first, uint64_t last) {
  size_t first_byte = first >> 3, last_byte = last >> 3;
  uint64_t n = PopCount(s.substr(first_byte, last_byte - first_byte + 1));
  auto before_first = static_cast<uint8_t>(~(0xFFu >> (first & 7)));
  auto after_last = static_cast<uint8_t>(0xFFu >> ((last & 7) + 1));
  n -= std::popcount(static_cast<uint8_t>(static_cast<uint8_t>(s[first_byte]) & before_first));
  n -= std::popcount(static_cast<uint8_t>(static_cast<uint8_t>(s[last_byte]) & after_last));
  return n;
}

// The first position in [first, last] whose bit equals `bit`, if any.
std::optional<uint64_t> FindBit(std::string_view s, uint64_t first, uint64_t last, bool bit) {
  const uint64_t skip = bit ? 0 : ~uint64_t{0};
  uint64_t pos = first;
  while (pos <= last) {
    if ((pos & 63) == 0 && last - pos >= 63) {  // a whole aligned 8-byte word
      uint64_t w = LoadWordBigEndian(s.data() + (pos >> 3));
      if (w != skip) return pos + static_cast<uint64_t>(bit ? std::countl_zero(w) : std::countl_one(w));
      pos += 64;
      continue;
    }
    if (GetBit(s, pos) == bit) return pos;
    ++pos;
  }
  return std::nullopt;
}

// Resolves a BITCOUNT/BITPOS range over a string of `len` bytes as Redis does:
// `start` and `end` are byte indexes (bit indexes when `in_bits`), negative ones
// count from the end, and the result is clamped to the string. Returns the
// inclusive bit range, or nothing when it is empty.
std::optional<std::pair<uint64_t, uint64_t>> ResolveRange(int64_t start, int64_t end, size_t len, bool in_bits) {
  int64_t total = static_cast<int64_t>(len) * (in_bits ? 8 : 1);
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min(end, total - 1);
  if (start > end) return std::nullopt;
  auto first = static_cast<uint64_t>(start), last = static_cast<uint64_t>(end);
  if (in_bits) return std::pair{first, last};
  return std::pair{first * 8, last * 8 + 7};
}

enum class BitOp { kAnd, kOr, kXor, kNot };

// Combines `sources` byte by byte; shorter sources are padded with zero bytes.
std::string ApplyBitOp(BitOp op, const std::vector<std::string_view>& sources) {
  size_t max_len = 0;
  for (std::string_view s : sources) max_len = std::max(max_len, s.size());
  std::string out(sources[0]);
  out.resize(max_len, '\0');
  auto combine = [&](std::string_view src, auto fn) {
    size_t i = 0;
    for (; i + 8 <= src.size(); i += 8) {
      uint64_t w = fn(LoadWord(out.data() + i), LoadWord(src.data() + i));
      std::memcpy(out.data() + i, &w, sizeof w);
    }
    for (; i < src.size(); ++i) {
      out[i] = static_cast<char>(fn(static_cast<uint8_t>(out[i]), static_cast<uint8_t>(src[i])));
    }
  };
  if (op == BitOp::kNot) {
    for (char& ch : out) ch = static_cast<char>(~ch);
    return out;
  }
  for (size_t k = 1; k < sources.size(); ++k) {
    std::string_view src = sources[k];
    switch (op) {
      case BitOp::kAnd:
        combine(src, [](uint64_t a, uint64_t b) { return a & b; });
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(src.size()), out.end(), '\0');
        break;
      case BitOp::kOr: combine(src, [](uint64_t a, uint64_t b) { return a | b; }); break;
      case BitOp::kXor: combine(src, [](uint64_t a, uint64_t b) { return a ^ b; }); break;
      case BitOp::kNot: break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// BITFIELD integers: `bits` wide, most significant bit first, at any bit offset.

uint64_t GetField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; ++j) v = (v << 1) | static_cast<uint64_t>(GetBit(s, offset + static_cast<uint64_t>(j)));
  return v;
}

// The field must lie inside `s`.
void SetField(std::string& s, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; ++j) SetBit(s, offset + static_cast<uint64_t>(j), (value >> (bits - 1 - j)) & 1);
}

// The low `bits` of `v` as a two's complement integer of that width.
int64_t SignExtend(uint64_t v, int bits) {
  if (bits < 64) {
    uint64_t high = ~uint64_t{0} << bits;
    v = ((v >> (bits - 1)) & 1) ? (v | high) : (v & ~high);
  }
  return static_cast<int64_t>(v);
}

enum class Overflow { kWrap, kSat, kFail };

// Whether `value + incr` leaves the range of a `bits`-wide unsigned field; if it
// does and `mode` is WRAP or SAT, `limit` gets the value to store. Redis's
// checkUnsignedBitfieldOverflow, including its treatment of a SET of a negative
// value (a value above the maximum, so SAT stores the maximum).
bool UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t& limit) {
  uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  auto max_incr = static_cast<int64_t>(max - value);
  auto min_incr = static_cast<int64_t>(0 - value);
  bool up = value > max || (incr > 0 && incr > max_incr);
  bool down = !up && incr < 0 && incr < min_incr;
  if (!up && !down) return false;
  if (mode == Overflow::kWrap) limit = (value + static_cast<uint64_t>(incr)) & max;
  if (mode == Overflow::kSat) limit = up ? max : 0;
  return true;
}

// The signed counterpart (checkSignedBitfieldOverflow). The increments are
// computed with wrap-around as in Redis, which decides on which side a SET of an
// extreme value saturates.
bool SignedOverflow(int64_t value, int64_t incr, int bits, Overflow mode, int64_t& limit) {
  int64_t max = bits == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  auto max_incr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  auto min_incr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  bool up = value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr);
  bool down = !up && (value < min || (bits != 64 && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr));
  if (!up && !down) return false;
  if (mode == Overflow::kWrap) {
    limit = SignExtend(static_cast<uint64_t>(value) + static_cast<uint64_t>(incr), bits);
  } else if (mode == Overflow::kSat) {
    limit = up ? max : min;
  }
  return true;
}

struct BitfieldOp {
  enum class Kind { kGet, kSet, kIncrBy };
  Kind kind;
  bool is_signed;
  int bits;
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
  Overflow overflow;
};

// The value to reply for one SET or INCRBY and the field's new contents;
// nothing when OVERFLOW FAIL refuses the operation.
struct BitfieldWrite {
  int64_t reply;
  uint64_t stored;
};

std::optional<BitfieldWrite> ComputeWrite(const BitfieldOp& op, uint64_t old_bits) {
  bool is_set = op.kind == BitfieldOp::Kind::kSet;
  if (op.is_signed) {
    int64_t old_value = SignExtend(old_bits, op.bits);
    int64_t limit = 0;
    bool overflow = is_set ? SignedOverflow(op.value, 0, op.bits, op.overflow, limit)
                           : SignedOverflow(old_value, op.value, op.bits, op.overflow, limit);
    if (overflow && op.overflow == Overflow::kFail) return std::nullopt;
    int64_t new_value = overflow ? limit
                        : is_set ? op.value
                                 : static_cast<int64_t>(static_cast<uint64_t>(old_value) + static_cast<uint64_t>(op.value));
    return BitfieldWrite{is_set ? old_value : new_value, static_cast<uint64_t>(new_value)};
  }
  uint64_t limit = 0;
  uint64_t base = is_set ? static_cast<uint64_t>(op.value) : old_bits;
  int64_t incr = is_set ? 0 : op.value;
  bool overflow = UnsignedOverflow(base, incr, op.bits, op.overflow, limit);
  if (overflow && op.overflow == Overflow::kFail) return std::nullopt;
  uint64_t new_value = overflow ? limit : base + static_cast<uint64_t>(incr);
  return BitfieldWrite{static_cast<int64_t>(is_set ? old_bits : new_value), new_value};
}

// ---------------------------------------------------------------------------
// Argument parsing.

// A bit offset: a non-negative integer whose byte lies within proto-max-bulk-len.
// With `field_bits` > 0 (BITFIELD), "#n" means n * field_bits; the product wraps
// around in 64 bits as it does in Redis.
std::optional<uint64_t> ParseBitOffset(std::string_view arg, int field_bits = 0) {
  bool scaled = field_bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!ParseInt64(scaled ? arg.substr(1) : arg, v)) return std::nullopt;
  if (scaled) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(field_bits));
  if (v < 0 || (static_cast<uint64_t>(v) >> 3) >= kMaxBulkLength) return std::nullopt;
  return static_cast<uint64_t>(v);
}

// A BITFIELD type: i1..i64 or u1..u63 (case-sensitive, as in Redis).
bool ParseBitfieldType(std::string_view arg, bool& is_signed, int& bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  is_signed = arg[0] == 'i';
  int64_t n;
  if (!ParseInt64(arg.substr(1), n) || n < 1 || n > (is_signed ? 64 : 63)) return false;
  bits = static_cast<int>(n);
  return true;
}

// BYTE or BIT; replies a syntax error otherwise.
bool ParseRangeUnit(CommandContext& c, std::string_view arg, bool& in_bits) {
  if (EqualsIgnoreCase(arg, "bit")) {
    in_bits = true;
  } else if (EqualsIgnoreCase(arg, "byte")) {
    in_bits = false;
  } else {
    c.SyntaxError();
    return false;
  }
  return true;
}

// The string at `key` for a write reaching bit `max_bit`: created or padded with
// zero bytes as needed. nullptr after replying WRONGTYPE. `grown` tells whether
// the value changed size (it must then be persisted even if no bit flips).
std::string* StringForBitWrite(CommandContext& c, std::string_view key, uint64_t max_bit, bool& grown) {
  bool wrong;
  std::string* s = c.FindOrCreate<std::string>(key, true, wrong);
  if (wrong) return nullptr;
  size_t need = static_cast<size_t>(max_bit >> 3) + 1;
  grown = s->size() < need;
  if (grown) s->resize(need, '\0');
  return s;
}

// ---------------------------------------------------------------------------
// Handlers.

void SetBitCmd(CommandContext& c) {
  std::optional<uint64_t> offset = ParseBitOffset(c.arg(2));
  if (!offset) return c.reply.Error(kBitOffsetError);
  int64_t on;
  if (!ParseInt64(c.arg(3), on) || (on & ~int64_t{1}) != 0) return c.reply.Error(kBitValueError);
  bool grown;
  std::string* s = StringForBitWrite(c, c.arg(1), *offset, grown);
  if (!s) return;
  bool old = GetBit(*s, *offset);
  if (grown || old != (on == 1)) {
    SetBit(*s, *offset, on == 1);
    c.PersistMeta(c.arg(1), *c.Find(c.arg(1)));
  }
  c.reply.Integer(old ? 1 : 0);
}

void GetBitCmd(CommandContext& c) {
  std::optional<uint64_t> offset = ParseBitOffset(c.arg(2));
  if (!offset) return c.reply.Error(kBitOffsetError);
  bool wrong;
  std::string* s = c.FindAs<std::string>(c.arg(1), wrong);
  if (wrong) return;
  c.reply.Integer(s && GetBit(*s, *offset) ? 1 : 0);
}

// BITCOUNT key [start end [BYTE|BIT]]. As Redis 7.0, the key is looked up
// before the arguments are checked: a missing key counts 0 whatever follows.
void BitCount(CommandContext& c) {
  bool wrong;
  std::string* s = c.FindAs<std::string>(c.arg(1), wrong);
  if (wrong) return;
  if (!s) return c.reply.Integer(0);
  if (c.argc() == 2) return c.reply.Integer(static_cast<int64_t>(PopCount(*s)));
  if (c.argc() != 4 && c.argc() != 5) return c.SyntaxError();
  int64_t start, end;
  if (!ParseInt64(c.arg(2), start) || !ParseInt64(c.arg(3), end)) return c.NotInteger();
  if (start < 0 && end < 0 && start > end) return c.reply.Integer(0);
  bool in_bits = false;
  if (c.argc() == 5 && !ParseRangeUnit(c, c.arg(4), in_bits)) return;
  auto range = ResolveRange(start, end, s->size(), in_bits);
  c.reply.Integer(range ? static_cast<int64_t>(CountBits(*s, range->first, range->second)) : 0);
}

// BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is an endless run of
// zeros. Looking for 0 without an explicit end, the string is taken as
// zero-padded on the right, so the answer can be just past its end.
void BitPos(CommandContext& c) {
  int64_t bit;
  if (!ParseInt64(c.arg(2), bit)) return c.NotInteger();
  if (bit != 0 && bit != 1) return c.reply.Error("ERR The bit argument must be 1 or 0.");
  bool wrong;
  std::string* s = c.FindAs<std::string>(c.arg(1), wrong);
  if (wrong) return;
  if (!s) return c.reply.Integer(bit ? -1 : 0);
  if (c.argc() > 6) return c.SyntaxError();
  int64_t start = 0, end = -1;
  bool in_bits = false, end_given = c.argc() >= 5;
  if (c.argc() >= 4 && !ParseInt64(c.arg(3), start)) return c.NotInteger();
  if (c.argc() == 6 && !ParseRangeUnit(c, c.arg(5), in_bits)) return;
  if (end_given && !ParseInt64(c.arg(4), end)) return c.NotInteger();
  auto range = ResolveRange(start, end, s->size(), in_bits);
  if (!range) return c.reply.Integer(-1);
  std::optional<uint64_t> pos = FindBit(*s, range->first, range->second, bit == 1);
  if (pos) return c.reply.Integer(static_cast<int64_t>(*pos));
  if (bit == 1 || end_given) return c.reply.Integer(-1);
  c.reply.Integer(static_cast<int64_t>(range->second + 1));
}

// BITOP op destkey key [key ...]. Missing keys are empty strings; an empty
// result deletes the destination.
void BitOpCmd(CommandContext& c) {
  std::string_view name = c.arg(1);
  BitOp op;
  if (EqualsIgnoreCase(name, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = BitOp::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = BitOp::kNot;
  } else {
    return c.SyntaxError();
  }
  if (op == BitOp::kNot && c.argc() != 4) return c.reply.Error("ERR BITOP NOT must be called with a single source key.");
  std::vector<std::string_view> sources;
  for (size_t i = 3; i < c.argc(); ++i) {
    bool wrong;
    std::string* s = c.FindAs<std::string>(c.arg(i), wrong);
    if (wrong) return;
    sources.push_back(s ? std::string_view(*s) : std::string_view());
  }
  std::string result = ApplyBitOp(op, sources);
  auto len = static_cast<int64_t>(result.size());
  if (result.empty()) {
    c.Delete(c.arg(2));
  } else {
    Entry e;
    e.data = std::move(result);
    c.Put(c.arg(2), std::move(e));
  }
  c.reply.Integer(len);
}

// Parses the BITFIELD subcommands at args[2..]; replies the error and returns
// nothing when one is invalid.
std::optional<std::vector<BitfieldOp>> ParseBitfieldOps(CommandContext& c) {
  std::vector<BitfieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 2; j < c.argc(); ++j) {
    size_t remaining = c.argc() - j - 1;
    std::string_view sub = c.arg(j);
    BitfieldOp op{};
    if (EqualsIgnoreCase(sub, "get") && remaining >= 2) {
      op.kind = BitfieldOp::Kind::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && remaining >= 3) {
      op.kind = BitfieldOp::Kind::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && remaining >= 3) {
      op.kind = BitfieldOp::Kind::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && remaining >= 1) {
      std::string_view mode = c.arg(++j);
      if (EqualsIgnoreCase(mode, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (EqualsIgnoreCase(mode, "sat")) {
        overflow = Overflow::kSat;
      } else if (EqualsIgnoreCase(mode, "fail")) {
        overflow = Overflow::kFail;
      } else {
        c.reply.Error("ERR Invalid OVERFLOW type specified");
        return std::nullopt;
      }
      continue;
    } else {
      c.SyntaxError();
      return std::nullopt;
    }
    if (!ParseBitfieldType(c.arg(j + 1), op.is_signed, op.bits)) {
      c.reply.Error(kBitfieldTypeError);
      return std::nullopt;
    }
    std::optional<uint64_t> offset = ParseBitOffset(c.arg(j + 2), op.bits);
    if (!offset) {
      c.reply.Error(kBitOffsetError);
      return std::nullopt;
    }
    op.offset = *offset;
    if (op.kind != BitfieldOp::Kind::kGet && !ParseInt64(c.arg(j + 3), op.value)) {
      c.NotInteger();
      return std::nullopt;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == BitfieldOp::Kind::kGet ? 2 : 3;
  }
  return ops;
}

void BitfieldGeneric(CommandContext& c, bool read_only_command) {
  std::optional<std::vector<BitfieldOp>> ops = ParseBitfieldOps(c);
  if (!ops) return;
  uint64_t max_bit = 0;
  bool writes = false;
  for (const BitfieldOp& op : *ops) {
    if (op.kind == BitfieldOp::Kind::kGet) continue;
    writes = true;
    max_bit = std::max(max_bit, op.offset + static_cast<uint64_t>(op.bits) - 1);
  }
  std::string_view key = c.arg(1);
  std::string* s;
  bool grown = false;
  if (!writes) {
    bool wrong;
    s = c.FindAs<std::string>(key, wrong);
    if (wrong) return;
  } else {
    if (read_only_command) return c.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
    s = StringForBitWrite(c, key, max_bit, grown);
    if (!s) return;
  }
  bool changed = grown;
  c.reply.ArrayHeader(ops->size());
  for (const BitfieldOp& op : *ops) {
    uint64_t old_bits = GetField(s ? std::string_view(*s) : std::string_view(), op.offset, op.bits);
    if (op.kind == BitfieldOp::Kind::kGet) {
      c.reply.Integer(op.is_signed ? SignExtend(old_bits, op.bits) : static_cast<int64_t>(old_bits));
      continue;
    }
    std::optional<BitfieldWrite> w = ComputeWrite(op, old_bits);
    if (!w) {
      c.reply.Null();
      continue;
    }
    uint64_t mask = op.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << op.bits) - 1;
    SetField(*s, op.offset, op.bits, w->stored);
    changed = changed || (w->stored & mask) != old_bits;
    c.reply.Integer(w->reply);
  }
  if (changed) c.PersistMeta(key, *c.Find(key));
}

void Bitfield(CommandContext& c) { BitfieldGeneric(c, false); }
void BitfieldRo(CommandContext& c) { BitfieldGeneric(c, true); }

}  // namespace

void RegisterBitmapFamily(CommandRegistry& r) {
  r.Register({"setbit", 4, kWrite | kDenyOom, 1, 1, 1, SetBitCmd, "bitmap", "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", "2.2.0"});
  r.Register({"getbit", 3, kReadOnly | kFast, 1, 1, 1, GetBitCmd, "bitmap", "Returns a bit value by offset.", "2.2.0"});
  r.Register({"bitcount", -2, kReadOnly, 1, 1, 1, BitCount, "bitmap", "Counts the number of set bits (population counting) in a string.", "2.6.0"});
  r.Register({"bitpos", -3, kReadOnly, 1, 1, 1, BitPos, "bitmap", "Finds the first set (1) or clear (0) bit in a string.", "2.8.7"});
  r.Register({"bitop", -4, kWrite | kDenyOom, 2, -1, 1, BitOpCmd, "bitmap", "Performs bitwise operations on multiple strings, and stores the result.", "2.6.0"});
  r.Register({"bitfield", -2, kWrite | kDenyOom, 1, 1, 1, Bitfield, "bitmap", "Performs arbitrary bitfield integer operations on strings.", "3.2.0"});
  r.Register({"bitfield_ro", -2, kReadOnly | kFast, 1, 1, 1, BitfieldRo, "bitmap", "Performs arbitrary read-only bitfield integer operations on strings.", "6.0.0"});
}

}  // namespace orbit::kv
