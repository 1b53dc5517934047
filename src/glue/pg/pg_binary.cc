#include "glue/pg/pg_binary.h"

#include <bit>
#include <cstring>
#include <vector>

#include "sql/types/array.h"
#include "sql/types/datetime.h"

namespace orbit::glue {
namespace {

template <typename T>
void PutBig(std::string& out, T v) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((u >> shift) & 0xFF));
}

template <typename T>
T GetBig(std::string_view& in) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>((u << 8) | static_cast<uint8_t>(in[i]));
  in.remove_prefix(sizeof(T));
  return static_cast<T>(u);
}

[[noreturn]] void BadBinary(const sql::LogicalType& type) {
  sql::Throw("22P03", "incorrect binary data format in bind parameter of type " + sql::TypeDisplayName(type));
}

// numeric text ("-12.3400") -> PostgreSQL's NumericVar wire form.
void AppendNumeric(const std::string& text, std::string& out) {
  if (text == "NaN") {
    PutBig<int16_t>(out, 0), PutBig<int16_t>(out, 0), PutBig<uint16_t>(out, 0xC000), PutBig<int16_t>(out, 0);
    return;
  }
  bool negative = !text.empty() && text[0] == '-';
  std::string_view s(text);
  if (negative) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string int_part(s.substr(0, dot)), frac_part(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  auto dscale = static_cast<int16_t>(frac_part.size());
  int_part.insert(0, (4 - int_part.size() % 4) % 4, '0');
  frac_part.append((4 - frac_part.size() % 4) % 4, '0');
  std::vector<int16_t> digits;
  for (size_t i = 0; i < int_part.size(); i += 4) digits.push_back(static_cast<int16_t>(std::stoi(int_part.substr(i, 4))));
  auto weight = static_cast<int16_t>(digits.size() - 1);
  for (size_t i = 0; i < frac_part.size(); i += 4) digits.push_back(static_cast<int16_t>(std::stoi(frac_part.substr(i, 4))));
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == 0) ++lead, --weight;
  digits.erase(digits.begin(), digits.begin() + static_cast<std::ptrdiff_t>(lead));
  while (!digits.empty() && digits.back() == 0) digits.pop_back();
  if (digits.empty()) weight = 0;
  PutBig<int16_t>(out, static_cast<int16_t>(digits.size()));
  PutBig<int16_t>(out, weight);
  PutBig<uint16_t>(out, negative && !digits.empty() ? 0x4000 : 0x0000);
  PutBig<int16_t>(out, dscale);
  for (int16_t d : digits) PutBig<int16_t>(out, d);
}

std::string DecodeNumeric(std::string_view in, const sql::LogicalType& type) {
  if (in.size() < 8) BadBinary(type);
  auto ndigits = GetBig<int16_t>(in);
  auto weight = GetBig<int16_t>(in);
  auto sign = GetBig<uint16_t>(in);
  auto dscale = GetBig<int16_t>(in);
  if (ndigits < 0 || dscale < 0 || in.size() != static_cast<size_t>(ndigits) * 2) BadBinary(type);
  if (sign == 0xC000) return "NaN";
  if (sign != 0 && sign != 0x4000) BadBinary(type);
  std::vector<int> digits;
  for (int i = 0; i < ndigits; ++i) {
    int d = GetBig<int16_t>(in);
    if (d < 0 || d > 9999) BadBinary(type);
    digits.push_back(d);
  }
  // Digit i has the value digits[i] * 10000^(weight - i).
  std::string int_part, frac_part;
  for (int pos = std::max<int>(weight, 0); pos >= 0; --pos) {
    int i = weight - pos;
    int d = i >= 0 && i < ndigits ? digits[static_cast<size_t>(i)] : 0;
    char buf[8];
    std::snprintf(buf, sizeof buf, int_part.empty() ? "%d" : "%04d", d);
    int_part += buf;
  }
  for (int pos = -1; static_cast<int>(frac_part.size()) < dscale; --pos) {
    int i = weight - pos;
    int d = i >= 0 && i < ndigits ? digits[static_cast<size_t>(i)] : 0;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", d);
    frac_part += buf;
  }
  frac_part.resize(static_cast<size_t>(dscale));
  // Unnormalized input (zero leading digits, a weight past the digits, -0) prints canonically.
  size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
  bool zero = int_part == "0" && frac_part.find_first_not_of('0') == std::string::npos;
  std::string out = sign == 0x4000 && !zero ? "-" : "";
  out += int_part;
  if (dscale > 0) out += "." + frac_part;
  return out;
}

// array_send: dimensions, a has-nulls flag, the element type, then for the one
// dimension its length and lower bound (1), then each element as length + bytes
// (-1 for NULL).
void AppendArray(const sql::Value& v, std::string& out) {
  std::vector<sql::Value> elements = sql::ArrayElements(v);
  bool has_null = false;
  for (const auto& e : elements) has_null |= e.null;
  PutBig<int32_t>(out, elements.empty() ? 0 : 1);
  PutBig<int32_t>(out, has_null ? 1 : 0);
  PutBig<int32_t>(out, sql::TypeOid(v.type.element));
  if (elements.empty()) return;
  PutBig<int32_t>(out, static_cast<int32_t>(elements.size()));
  PutBig<int32_t>(out, 1);
  for (const auto& e : elements) {
    if (e.null) {
      PutBig<int32_t>(out, -1);
      continue;
    }
    std::string bytes;
    AppendBinary(e, bytes);
    PutBig<int32_t>(out, static_cast<int32_t>(bytes.size()));
    out += bytes;
  }
}

sql::Value DecodeArray(std::string_view in, const sql::LogicalType& type) {
  auto need = [&](size_t n) {
    if (in.size() < n) BadBinary(type);
  };
  need(12);
  int32_t ndim = GetBig<int32_t>(in);
  GetBig<int32_t>(in);  // has-nulls flag: the elements say it again
  int32_t element_oid = GetBig<int32_t>(in);
  if (ndim < 0 || ndim > 1) sql::Throw("0A000", "multidimensional arrays are not supported yet");
  auto element = sql::TypeFromOid(element_oid);
  if (!element || element->id == sql::TypeId::kArray) BadBinary(type);
  std::vector<sql::Value> elements;
  if (ndim == 1) {
    need(8);
    int32_t count = GetBig<int32_t>(in);
    GetBig<int32_t>(in);  // lower bound
    if (count < 0) BadBinary(type);
    for (int32_t k = 0; k < count; ++k) {
      need(4);
      int32_t len = GetBig<int32_t>(in);
      if (len == -1) {
        elements.push_back(sql::Value::Null(*element));
        continue;
      }
      if (len < 0) BadBinary(type);
      need(static_cast<size_t>(len));
      elements.push_back(DecodeBinary(in.substr(0, static_cast<size_t>(len)), *element));
      in.remove_prefix(static_cast<size_t>(len));
    }
  }
  if (!in.empty()) BadBinary(type);
  sql::Value array = sql::MakeArray(element->id, elements);
  return sql::CastValue(array, type, false);
}

}  // namespace

void AppendBinary(const sql::Value& v, std::string& out) {
  using sql::TypeId;
  switch (v.type.id) {
    case TypeId::kBool: out.push_back(v.i ? 1 : 0); return;
    case TypeId::kInt2: PutBig<int16_t>(out, static_cast<int16_t>(v.i)); return;
    case TypeId::kInt4: PutBig<int32_t>(out, static_cast<int32_t>(v.i)); return;
    case TypeId::kInt8: PutBig<int64_t>(out, v.i); return;
    case TypeId::kFloat4: PutBig<uint32_t>(out, std::bit_cast<uint32_t>(static_cast<float>(v.f))); return;
    case TypeId::kFloat8: PutBig<uint64_t>(out, std::bit_cast<uint64_t>(v.f)); return;
    case TypeId::kNumeric: AppendNumeric(v.s, out); return;
    case TypeId::kDate: PutBig<int32_t>(out, static_cast<int32_t>(v.i)); return;  // days since 2000-01-01
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: PutBig<int64_t>(out, v.i); return;  // microseconds since 2000-01-01
    case TypeId::kTime: PutBig<int64_t>(out, v.i); return;         // microseconds since midnight
    case TypeId::kInterval: {
      sql::Interval iv = sql::DecodeInterval(v.s);
      PutBig<int64_t>(out, iv.micros), PutBig<int32_t>(out, iv.days), PutBig<int32_t>(out, iv.months);
      return;
    }
    case TypeId::kUuid:
      for (size_t i = 0; i + 1 < v.s.size(); ++i) {
        if (v.s[i] == '-') continue;
        out.push_back(static_cast<char>(std::stoi(v.s.substr(i, 2), nullptr, 16)));
        ++i;
      }
      return;
    case TypeId::kJsonb: out.push_back(1), out += v.s; return;  // version 1, then the text
    case TypeId::kArray: AppendArray(v, out); return;
    case TypeId::kRegclass:
    case TypeId::kRegtype:
    case TypeId::kRegnamespace: PutBig<uint32_t>(out, static_cast<uint32_t>(sql::RegOid(v.s))); return;  // the oid
    default: out += v.s; return;
  }
}

sql::Value DecodeBinary(std::string_view in, const sql::LogicalType& type) {
  using sql::TypeId;
  using sql::Value;
  auto need = [&](size_t n) {
    if (in.size() != n) BadBinary(type);
  };
  switch (type.id) {
    case TypeId::kBool:
      need(1);
      return Value::Bool(in[0] != 0);
    case TypeId::kInt2: need(2); return Value::Int(type.id, GetBig<int16_t>(in));
    case TypeId::kInt4: need(4); return Value::Int(type.id, GetBig<int32_t>(in));
    case TypeId::kInt8: need(8); return Value::Int(type.id, GetBig<int64_t>(in));
    case TypeId::kFloat4: need(4); return Value::Float(type.id, std::bit_cast<float>(GetBig<uint32_t>(in)));
    case TypeId::kFloat8: need(8); return Value::Float(type.id, std::bit_cast<double>(GetBig<uint64_t>(in)));
    case TypeId::kNumeric:  // numeric(p,s) parameters round and check as numeric_recv does
      return Value::String(type, sql::ApplyNumericTypmod(DecodeNumeric(in, type), type.length));
    case TypeId::kDate: {
      need(4);
      int32_t days = GetBig<int32_t>(in);
      if (!sql::DateInRange(days)) sql::Throw("22008", "date out of range");
      return Value::Int(type.id, days);
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      need(8);
      int64_t micros = GetBig<int64_t>(in);
      if (!sql::TimestampInRange(micros)) sql::Throw("22008", "timestamp out of range");
      return Value::Int(type.id, micros);
    }
    case TypeId::kTime: {
      need(8);
      int64_t micros = GetBig<int64_t>(in);
      if (micros < 0 || micros > sql::kMicrosPerDay) sql::Throw("22008", "time out of range");
      return Value::Int(type.id, micros);
    }
    case TypeId::kInterval: {
      need(16);
      sql::Interval iv;
      iv.micros = GetBig<int64_t>(in), iv.days = GetBig<int32_t>(in), iv.months = GetBig<int32_t>(in);
      return Value::String(type, sql::EncodeInterval(iv));
    }
    case TypeId::kUuid: {
      need(16);
      static const char kHex[] = "0123456789abcdef";
      std::string text;
      for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        text += kHex[static_cast<uint8_t>(in[i]) >> 4];
        text += kHex[static_cast<uint8_t>(in[i]) & 15];
      }
      return Value::String(type, text);
    }
    case TypeId::kBytea: return Value::String(type, std::string(in));
    case TypeId::kJsonb:
      if (in.empty() || in[0] != 1) BadBinary(type);
      return sql::CastValue(Value::String(sql::Type(TypeId::kUnknown), std::string(in.substr(1))), type, false);
    case TypeId::kArray: return DecodeArray(in, type);
    case TypeId::kRegclass:
    case TypeId::kRegtype:
    case TypeId::kRegnamespace: {  // an oid; it prints as its number (names need the catalog)
      need(4);
      auto oid = GetBig<uint32_t>(in);
      return sql::MakeRegValue(type.id, oid, std::to_string(oid));
    }
    default: return sql::CastValue(Value::String(sql::Type(TypeId::kUnknown), std::string(in)), type, false);
  }
}

sql::LogicalType TypeFromOid(int32_t oid) {
  if (oid == 0) return sql::Type(sql::TypeId::kUnknown);
  if (auto type = sql::TypeFromOid(oid)) return *type;
  sql::Throw("0A000", "parameters of type oid " + std::to_string(oid) + " are not supported yet");
}

}  // namespace orbit::glue
