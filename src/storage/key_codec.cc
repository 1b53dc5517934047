#include "storage/key_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace orbit::storage {
namespace {

// Ascending tags; descending elements store ~tag.
constexpr uint8_t kTagNullFirst = 0x01;
constexpr uint8_t kTagFalse = 0x02;
constexpr uint8_t kTagTrue = 0x03;
constexpr uint8_t kTagInt = 0x10;
constexpr uint8_t kTagDouble = 0x11;
constexpr uint8_t kTagTimestamp = 0x12;
constexpr uint8_t kTagString = 0x20;
constexpr uint8_t kTagBytes = 0x21;
constexpr uint8_t kTagNullLast = 0x7e;

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint64_t kCanonicalNaN = 0x7ff8000000000000ULL;

void PutBigEndian64(std::string& out, uint64_t v, bool invert) {
  if (invert) v = ~v;
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(buf, 8);
}

uint64_t GetBigEndian64(std::string_view in, bool invert) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return invert ? ~v : v;
}

uint64_t EncodeDoubleBits(double v) {
  if (std::isnan(v)) return kCanonicalNaN ^ kSignBit;
  if (v == 0.0) v = 0.0;  // folds -0.0 into 0.0
  uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits & kSignBit) ? ~bits : bits ^ kSignBit;
}

double DecodeDoubleBits(uint64_t enc) {
  uint64_t bits = (enc & kSignBit) ? enc ^ kSignBit : ~enc;
  return std::bit_cast<double>(bits);
}

}  // namespace

KeyEncoder& KeyEncoder::AddNull(NullOrder nulls, SortOrder order) {
  uint8_t tag = nulls == NullOrder::kNullsFirst ? kTagNullFirst : kTagNullLast;
  out_.push_back(static_cast<char>(order == SortOrder::kDescending ? ~tag : tag));
  return *this;
}

KeyEncoder& KeyEncoder::AddBool(bool v, SortOrder order) {
  uint8_t tag = v ? kTagTrue : kTagFalse;
  out_.push_back(static_cast<char>(order == SortOrder::kDescending ? ~tag : tag));
  return *this;
}

KeyEncoder& KeyEncoder::AddInt(int64_t v, SortOrder order) {
  bool desc = order == SortOrder::kDescending;
  out_.push_back(static_cast<char>(desc ? ~kTagInt : kTagInt));
  PutBigEndian64(out_, static_cast<uint64_t>(v) ^ kSignBit, desc);
  return *this;
}

KeyEncoder& KeyEncoder::AddDouble(double v, SortOrder order) {
  bool desc = order == SortOrder::kDescending;
  out_.push_back(static_cast<char>(desc ? ~kTagDouble : kTagDouble));
  PutBigEndian64(out_, EncodeDoubleBits(v), desc);
  return *this;
}

KeyEncoder& KeyEncoder::AddTimestamp(int64_t micros, SortOrder order) {
  bool desc = order == SortOrder::kDescending;
  out_.push_back(static_cast<char>(desc ? ~kTagTimestamp : kTagTimestamp));
  PutBigEndian64(out_, static_cast<uint64_t>(micros) ^ kSignBit, desc);
  return *this;
}

KeyEncoder& KeyEncoder::AddString(std::string_view v, SortOrder order) {
  AddEscaped(kTagString, v, order);
  return *this;
}

KeyEncoder& KeyEncoder::AddBytes(std::string_view v, SortOrder order) {
  AddEscaped(kTagBytes, v, order);
  return *this;
}

void KeyEncoder::AddEscaped(uint8_t tag, std::string_view v, SortOrder order) {
  size_t start = out_.size();
  out_.reserve(start + v.size() + 3);
  out_.push_back(static_cast<char>(tag));
  for (char c : v) {
    out_.push_back(c);
    if (c == '\0') out_.push_back(static_cast<char>(0xff));
  }
  out_.push_back('\0');
  out_.push_back('\x01');
  if (order == SortOrder::kDescending) {
    for (size_t i = start; i < out_.size(); ++i) out_[i] = static_cast<char>(~out_[i]);
  }
}

KeyEncoder& KeyEncoder::Add(const KeyElement& e) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) AddNull(v.order, e.order);
        else if constexpr (std::is_same_v<T, bool>) AddBool(v, e.order);
        else if constexpr (std::is_same_v<T, int64_t>) AddInt(v, e.order);
        else if constexpr (std::is_same_v<T, double>) AddDouble(v, e.order);
        else if constexpr (std::is_same_v<T, Timestamp>) AddTimestamp(v.micros, e.order);
        else if constexpr (std::is_same_v<T, std::string>) AddString(v, e.order);
        else AddBytes(v.data, e.order);
      },
      e.value);
  return *this;
}

Result<KeyElement> KeyDecoder::Next() {
  if (AtEnd()) return Error(ErrorCode::kInvalidArgument, "key: no more elements");
  uint8_t raw = static_cast<uint8_t>(in_[pos_]);
  bool desc = raw >= 0x80;
  uint8_t tag = desc ? static_cast<uint8_t>(~raw) : raw;
  SortOrder order = desc ? SortOrder::kDescending : SortOrder::kAscending;
  size_t at = pos_;
  ++pos_;
  auto fixed64 = [&]() -> Result<uint64_t> {
    if (in_.size() - pos_ < 8) {
      return Error(ErrorCode::kCorruption, "key: truncated 8-byte payload at " + std::to_string(at));
    }
    uint64_t v = GetBigEndian64(in_.substr(pos_, 8), desc);
    pos_ += 8;
    return v;
  };
  switch (tag) {
    case kTagNullFirst: return KeyElement{Null{NullOrder::kNullsFirst}, order};
    case kTagNullLast: return KeyElement{Null{NullOrder::kNullsLast}, order};
    case kTagFalse: return KeyElement{false, order};
    case kTagTrue: return KeyElement{true, order};
    case kTagInt:
    case kTagTimestamp: {
      auto v = fixed64();
      if (!v.ok()) return v.error();
      int64_t n = static_cast<int64_t>(*v ^ kSignBit);
      if (tag == kTagInt) return KeyElement{n, order};
      return KeyElement{Timestamp{n}, order};
    }
    case kTagDouble: {
      auto v = fixed64();
      if (!v.ok()) return v.error();
      double d = DecodeDoubleBits(*v);
      if (EncodeDoubleBits(d) != *v) {
        return Error(ErrorCode::kCorruption, "key: non-canonical double at " + std::to_string(at));
      }
      return KeyElement{d, order};
    }
    case kTagString:
    case kTagBytes: {
      std::string s;
      const uint8_t flip = desc ? 0xff : 0x00;
      while (true) {
        if (pos_ >= in_.size()) {
          return Error(ErrorCode::kCorruption, "key: unterminated string at " + std::to_string(at));
        }
        uint8_t c = static_cast<uint8_t>(in_[pos_++]) ^ flip;
        if (c != 0) {
          s.push_back(static_cast<char>(c));
          continue;
        }
        if (pos_ >= in_.size()) {
          return Error(ErrorCode::kCorruption, "key: truncated escape at " + std::to_string(at));
        }
        uint8_t next = static_cast<uint8_t>(in_[pos_++]) ^ flip;
        if (next == 0x01) break;
        if (next != 0xff) {
          return Error(ErrorCode::kCorruption, "key: bad escape at " + std::to_string(at));
        }
        s.push_back('\0');
      }
      if (tag == kTagString) return KeyElement{std::move(s), order};
      return KeyElement{Bytes{std::move(s)}, order};
    }
    default:
      return Error(ErrorCode::kCorruption, "key: unknown tag at " + std::to_string(at));
  }
}

std::string EncodeKey(const std::vector<KeyElement>& tuple) {
  KeyEncoder enc;
  for (const auto& e : tuple) enc.Add(e);
  return enc.Release();
}

Result<std::vector<KeyElement>> DecodeKey(std::string_view bytes) {
  std::vector<KeyElement> out;
  KeyDecoder dec(bytes);
  while (!dec.AtEnd()) {
    auto e = dec.Next();
    if (!e.ok()) return e.error();
    out.push_back(std::move(e).value());
  }
  return out;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace orbit::storage
