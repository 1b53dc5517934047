#include "glue/pg/pg_binary.h"

#include <bit>
#include <cstring>
#include <vector>

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
  std::string out = sign == 0x4000 ? "-" : "";
  out += int_part.empty() ? "0" : int_part;
  if (dscale > 0) out += "." + frac_part;
  return out;
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
    case TypeId::kNumeric: return Value::String(type, DecodeNumeric(in, type));
    case TypeId::kDate: need(4); return Value::Int(type.id, GetBig<int32_t>(in));
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: need(8); return Value::Int(type.id, GetBig<int64_t>(in));
    default: return sql::CastValue(Value::String(sql::Type(TypeId::kUnknown), std::string(in)), type, false);
  }
}

sql::LogicalType TypeFromOid(int32_t oid) {
  using sql::TypeId;
  for (TypeId id : {TypeId::kBool, TypeId::kInt2, TypeId::kInt4, TypeId::kInt8, TypeId::kFloat4, TypeId::kFloat8,
                    TypeId::kNumeric, TypeId::kText, TypeId::kVarchar, TypeId::kBpchar, TypeId::kUnknown, TypeId::kDate,
                    TypeId::kTimestamp, TypeId::kTimestampTz}) {
    if (sql::TypeOid(id) == oid) return sql::Type(id);
  }
  if (oid == 0) return sql::Type(TypeId::kUnknown);
  sql::Throw("0A000", "parameters of type oid " + std::to_string(oid) + " are not supported yet");
}

}  // namespace orbit::glue
