#include "sql/types/types.h"

#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/json.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string>

namespace orbit::sql {

void Throw(std::string sqlstate, std::string message, int location) {
  throw SqlException(SqlError{std::move(sqlstate), std::move(message), location >= 0 ? location + 1 : 0, {}, {}});
}

namespace {

// One row per scalar type: what pg_type says about it and how Orbit names it.
struct TypeInfo {
  TypeId id;
  int32_t oid;
  int32_t array_oid;
  int16_t length;  // pg_type.typlen
  char category;   // pg_type.typcategory
  PhysicalType physical;
  const char* internal_name;  // pg_type.typname
  const char* display_name;   // format_type
  const char* input_name;     // in "invalid input syntax for type ..."
};

constexpr PhysicalType kI = PhysicalType::kInt64, kD = PhysicalType::kDouble, kS = PhysicalType::kString;

// In TypeId order.
constexpr TypeInfo kTypes[] = {
    {TypeId::kUnknown, 705, 0, -2, 'X', kS, "unknown", "unknown", "unknown"},
    {TypeId::kBool, 16, 1000, 1, 'B', kI, "bool", "boolean", "boolean"},
    {TypeId::kInt2, 21, 1005, 2, 'N', kI, "int2", "smallint", "smallint"},
    {TypeId::kInt4, 23, 1007, 4, 'N', kI, "int4", "integer", "integer"},
    {TypeId::kInt8, 20, 1016, 8, 'N', kI, "int8", "bigint", "bigint"},
    {TypeId::kFloat4, 700, 1021, 4, 'N', kD, "float4", "real", "real"},
    {TypeId::kFloat8, 701, 1022, 8, 'N', kD, "float8", "double precision", "double precision"},
    {TypeId::kNumeric, 1700, 1231, -1, 'N', kS, "numeric", "numeric", "numeric"},
    {TypeId::kText, 25, 1009, -1, 'S', kS, "text", "text", "text"},
    {TypeId::kVarchar, 1043, 1015, -1, 'S', kS, "varchar", "character varying", "character varying"},
    {TypeId::kBpchar, 1042, 1014, -1, 'S', kS, "bpchar", "character", "character"},
    {TypeId::kDate, 1082, 1182, 4, 'D', kI, "date", "date", "date"},
    {TypeId::kTimestamp, 1114, 1115, 8, 'D', kI, "timestamp", "timestamp without time zone", "timestamp"},
    {TypeId::kTimestampTz, 1184, 1185, 8, 'D', kI, "timestamptz", "timestamp with time zone",
     "timestamp with time zone"},
    {TypeId::kTime, 1083, 1183, 8, 'D', kI, "time", "time without time zone", "time"},
    {TypeId::kInterval, 1186, 1187, 16, 'T', kS, "interval", "interval", "interval"},
    {TypeId::kBytea, 17, 1001, -1, 'U', kS, "bytea", "bytea", "bytea"},
    {TypeId::kUuid, 2950, 2951, 16, 'U', kS, "uuid", "uuid", "uuid"},
    {TypeId::kJson, 114, 199, -1, 'U', kS, "json", "json", "json"},
    {TypeId::kJsonb, 3802, 3807, -1, 'U', kS, "jsonb", "jsonb", "json"},
    {TypeId::kArray, 0, 0, -1, 'A', kS, "anyarray", "anyarray", "array"},
    {TypeId::kRegclass, 2205, 2210, 4, 'N', kS, "regclass", "regclass", "regclass"},
    {TypeId::kRegtype, 2206, 2211, 4, 'N', kS, "regtype", "regtype", "regtype"},
    {TypeId::kRegnamespace, 4089, 4090, 4, 'N', kS, "regnamespace", "regnamespace", "regnamespace"},
};

const TypeInfo& Info(TypeId id) { return kTypes[static_cast<size_t>(id)]; }

// Names the grammar can give a type (after libpg_query's own mapping to pg_catalog names).
struct TypeName {
  const char* name;
  TypeId id;
};
constexpr TypeName kTypeNames[] = {
    {"bool", TypeId::kBool},       {"boolean", TypeId::kBool},
    {"int2", TypeId::kInt2},       {"smallint", TypeId::kInt2},
    {"int4", TypeId::kInt4},       {"integer", TypeId::kInt4},
    {"int", TypeId::kInt4},        {"int8", TypeId::kInt8},
    {"bigint", TypeId::kInt8},     {"float4", TypeId::kFloat4},
    {"real", TypeId::kFloat4},     {"float8", TypeId::kFloat8},
    {"double precision", TypeId::kFloat8},
    {"numeric", TypeId::kNumeric}, {"decimal", TypeId::kNumeric},
    {"text", TypeId::kText},       {"varchar", TypeId::kVarchar},
    {"character varying", TypeId::kVarchar},
    {"bpchar", TypeId::kBpchar},   {"character", TypeId::kBpchar},
    {"char", TypeId::kBpchar},     {"date", TypeId::kDate},
    {"timestamp", TypeId::kTimestamp},
    {"timestamp without time zone", TypeId::kTimestamp},
    {"timestamptz", TypeId::kTimestampTz},
    {"timestamp with time zone", TypeId::kTimestampTz},
    {"time", TypeId::kTime},       {"time without time zone", TypeId::kTime},
    {"interval", TypeId::kInterval},
    {"bytea", TypeId::kBytea},     {"uuid", TypeId::kUuid},
    {"json", TypeId::kJson},       {"jsonb", TypeId::kJsonb},
    {"regclass", TypeId::kRegclass}, {"regtype", TypeId::kRegtype},
    {"regnamespace", TypeId::kRegnamespace},
};

}  // namespace

PhysicalType Physical(TypeId id) { return Info(id).physical; }

bool IsRegType(TypeId id) { return id == TypeId::kRegclass || id == TypeId::kRegtype || id == TypeId::kRegnamespace; }

Value MakeRegValue(TypeId id, int64_t oid, std::string_view name) {
  std::string payload = std::to_string(oid);
  payload += '\0';
  payload += name;
  return Value::String(Type(id), std::move(payload));
}

int64_t RegOid(std::string_view payload) {
  int64_t oid = 0;
  std::from_chars(payload.data(), payload.data() + payload.size(), oid);
  return oid;
}

const std::vector<TypeId>& ScalarTypes() {
  static const std::vector<TypeId> types = [] {
    std::vector<TypeId> out;
    for (const auto& t : kTypes) {
      if (t.id != TypeId::kUnknown && t.id != TypeId::kArray) out.push_back(t.id);
    }
    return out;
  }();
  return types;
}

char TypeCategory(TypeId id) { return id == TypeId::kUnknown ? 'X' : Info(id).category; }

bool IsInteger(TypeId id) { return id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8; }
bool IsFloat(TypeId id) { return id == TypeId::kFloat4 || id == TypeId::kFloat8; }
int NumericRank(TypeId id) {
  switch (id) {
    case TypeId::kInt2: return 0;
    case TypeId::kInt4: return 1;
    case TypeId::kInt8: return 2;
    case TypeId::kNumeric: return 3;
    case TypeId::kFloat4: return 4;
    case TypeId::kFloat8: return 5;
    default: return -1;
  }
}

bool IsDateTime(TypeId id) { return id == TypeId::kDate || id == TypeId::kTimestamp || id == TypeId::kTimestampTz; }
bool IsNumber(TypeId id) { return IsInteger(id) || IsFloat(id) || id == TypeId::kNumeric; }
bool IsString(TypeId id) {
  return id == TypeId::kText || id == TypeId::kVarchar || id == TypeId::kBpchar || id == TypeId::kUnknown;
}

int32_t TypeOid(TypeId id) { return Info(id).oid; }
int32_t ArrayTypeOid(TypeId element) { return Info(element).array_oid; }
int32_t TypeOid(const LogicalType& type) {
  return type.id == TypeId::kArray ? ArrayTypeOid(type.element) : TypeOid(type.id);
}

std::optional<LogicalType> TypeFromOid(int32_t oid) {
  for (const auto& t : kTypes) {
    if (t.id == TypeId::kArray) continue;
    if (t.oid == oid) return Type(t.id);
    if (t.array_oid == oid && t.array_oid != 0) return ArrayOf(t.id);
  }
  return std::nullopt;
}

int16_t TypeLength(TypeId id) { return Info(id).length; }

std::string TypeDisplayName(const LogicalType& type) {
  if (type.id == TypeId::kArray) return TypeDisplayName(Type(type.element)) + "[]";
  std::string name = Info(type.id).display_name;
  if (type.length < 0) return name;
  if (type.id == TypeId::kNumeric) {
    return name + "(" + std::to_string(type.length >> 16) + "," + std::to_string(type.length & 0xffff) + ")";
  }
  if (type.id == TypeId::kVarchar || type.id == TypeId::kBpchar) return name + "(" + std::to_string(type.length) + ")";
  return name;
}

std::string_view TypeInputName(TypeId id) { return Info(id).input_name; }
std::string_view TypeInternalName(TypeId id) { return Info(id).internal_name; }

int32_t TypeModifier(const LogicalType& type) { return type.length >= 0 ? type.length + 4 : -1; }

std::optional<LogicalType> LookupType(std::string_view name, const std::vector<int32_t>& modifiers) {
  LogicalType t;
  bool found = false;
  for (const auto& n : kTypeNames) {
    if (name == n.name) {
      t.id = n.id;
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  if (t.id == TypeId::kNumeric && !modifiers.empty()) {
    if (modifiers.size() > 2) Throw("22023", "invalid NUMERIC type modifier");
    int32_t precision = modifiers[0], scale = modifiers.size() > 1 ? modifiers[1] : 0;
    if (precision < 1 || precision > 1000) {
      Throw("22023", "NUMERIC precision " + std::to_string(precision) + " must be between 1 and 1000");
    }
    if (scale < 0 || scale > precision) {
      Throw("22023", "NUMERIC scale " + std::to_string(scale) + " must be between 0 and precision " +
                         std::to_string(precision));
    }
    t.length = precision << 16 | scale;
  } else if (!modifiers.empty()) {
    if (modifiers.size() > 1 || (t.id != TypeId::kVarchar && t.id != TypeId::kBpchar)) return std::nullopt;
    if (modifiers[0] < 1 || modifiers[0] > 10485760) {
      Throw("22023", "length for type " + std::string(name) + " must be at least 1");
    }
    t.length = modifiers[0];
  } else if (t.id == TypeId::kBpchar && name != "bpchar") {
    t.length = 1;  // char without a length is char(1)
  }
  return t;
}

namespace {

[[noreturn]] void BadInput(TypeId id, std::string_view text, int location) {
  Throw("22P02", "invalid input syntax for type " + std::string(TypeInputName(id)) + ": \"" + std::string(text) + "\"",
        location);
}

// PostgreSQL's boolin: case-insensitive, surrounding spaces ignored, any
// unambiguous prefix of true/false/yes/no, plus on/off and 1/0.
std::optional<bool> ParseBool(std::string_view input) {
  std::string s = AsciiLower(TrimSpaces(input));
  auto prefix_of = [&](std::string_view word) { return !s.empty() && word.substr(0, s.size()) == s; };
  if (s == "1" || s == "on" || prefix_of("true") || prefix_of("yes")) return true;
  if (s == "0" || s == "off" || prefix_of("false") || prefix_of("no")) return false;
  return std::nullopt;  // "o" is ambiguous (on/off), as in PostgreSQL
}

int64_t ParseInt(std::string_view text, TypeId id, int location) {
  std::string_view s = TrimSpaces(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc::result_out_of_range) {
    Throw("22003", "value \"" + std::string(text) + "\" is out of range for type " + std::string(TypeInputName(id)),
          location);
  }
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) BadInput(id, text, location);
  int64_t lo = id == TypeId::kInt2 ? std::numeric_limits<int16_t>::min() : std::numeric_limits<int32_t>::min();
  int64_t hi = id == TypeId::kInt2 ? std::numeric_limits<int16_t>::max() : std::numeric_limits<int32_t>::max();
  if (id != TypeId::kInt8 && (n < lo || n > hi)) {
    Throw("22003", "value \"" + std::string(text) + "\" is out of range for type " + std::string(TypeInputName(id)),
          location);
  }
  return n;
}

double ParseFloat(std::string_view text, TypeId id, int location) {
  std::string s(TrimSpaces(text));
  std::string lower = AsciiLower(s);
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower == "infinity" || lower == "+infinity" || lower == "inf" || lower == "+inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (lower == "-infinity" || lower == "-inf") return -std::numeric_limits<double>::infinity();
  const char* begin = s.data();
  if (!s.empty() && s.front() == '+') ++begin;
  double d = 0;
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), d);
  if (ec == std::errc::result_out_of_range) {
    Throw("22003", "\"" + std::string(text) + "\" is out of range for type " + std::string(TypeInputName(id)),
          location);
  }
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) BadInput(id, text, location);
  if (id == TypeId::kFloat4) {
    float f = static_cast<float>(d);
    if (std::isinf(f) && !std::isinf(d)) {
      Throw("22003", "\"" + std::string(text) + "\" is out of range for type real", location);
    }
    return f;
  }
  return d;
}

// Validates numeric input and returns it in PostgreSQL's output form (no
// exponent, no leading '+', leading zeros dropped).
std::string NormalizeNumeric(std::string_view text, int location) {
  std::string_view s = TrimSpaces(text);
  std::string lower = AsciiLower(s);
  if (lower == "nan") return "NaN";
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::string int_part, frac_part;
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) int_part += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) frac_part += s[i++];
  }
  if (int_part.empty() && frac_part.empty()) BadInput(TypeId::kNumeric, text, location);
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    // An exponent moves the decimal point: 1.5e3 is 1500, 15e-4 is 0.0015.
    std::string_view exp_text = s.substr(i + 1);
    int exponent = 0;
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (ec != std::errc() || end != exp_text.data() + exp_text.size() || exp_text.empty()) {
      BadInput(TypeId::kNumeric, text, location);
    }
    if (exponent > 1000 || exponent < -1000) Throw("22003", "value overflows numeric format", location);
    if (exponent > 0) {
      size_t move = static_cast<size_t>(exponent);
      if (frac_part.size() < move) frac_part.append(move - frac_part.size(), '0');
      int_part += frac_part.substr(0, move);
      frac_part.erase(0, move);
    } else if (exponent < 0) {
      size_t move = static_cast<size_t>(-exponent);
      if (int_part.size() < move) int_part.insert(0, move - int_part.size(), '0');
      frac_part.insert(0, int_part.substr(int_part.size() - move));
      int_part.erase(int_part.size() - move);
    }
    i = s.size();
  }
  if (i != s.size()) BadInput(TypeId::kNumeric, text, location);
  size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
  bool zero = int_part == "0" && frac_part.find_first_not_of('0') == std::string::npos;
  std::string out = negative && !zero ? "-" : "";
  out += int_part;
  if (!frac_part.empty()) out += "." + frac_part;
  return out;
}

std::string FormatFloat(double d, bool single) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // Shortest round-trip digits, laid out as PostgreSQL's float8out/float4out do
  // (Ryu): plain notation for decimal exponents in [-4, 15) (float4: [-4, 6)).
  char buf[64];
  auto res = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(d), std::chars_format::scientific)
                    : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  int exponent = std::stoi(sci.substr(e + 1));
  std::string mantissa = sci.substr(0, e);
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char ch : mantissa) {
    if (ch != '.') digits += ch;
  }
  std::string out = negative ? "-" : "";
  int max_exp = single ? 6 : 15;
  if (exponent < -4 || exponent >= max_exp) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp_buf;
  }
  if (exponent < 0) return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  size_t int_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_digits) return out + digits + std::string(int_digits - digits.size(), '0');
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

// Applies varchar(n)/char(n) limits: an over-long value is an error on
// assignment unless the excess is spaces; an explicit cast truncates.
std::string FitLength(std::string s, const LogicalType& type, bool explicit_cast, int location) {
  if (type.length >= 0) {
    // Lengths count characters (UTF-8 code points), not bytes.
    size_t chars = 0, cut = s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
        if (chars == static_cast<size_t>(type.length)) {
          cut = i;
          break;
        }
        ++chars;
      }
    }
    if (cut < s.size()) {
      if (!explicit_cast && s.find_first_not_of(' ', cut) != std::string::npos) {
        Throw("22001", "value too long for type " + TypeDisplayName(type), location);
      }
      s.resize(cut);
    }
    if (type.id == TypeId::kBpchar && chars < static_cast<size_t>(type.length)) {
      s.append(static_cast<size_t>(type.length) - chars, ' ');
    }
  }
  return s;
}

// numeric(p,s): rounds half away from zero to s decimals, then requires fewer
// than p - s integer digits (22003 "numeric field overflow" otherwise).
std::string FitNumeric(const std::string& value, int32_t typmod, int location) {
  if (typmod < 0 || value == "NaN") return value;
  int precision = typmod >> 16, scale = typmod & 0xffff;
  bool negative = !value.empty() && value[0] == '-';
  std::string_view body = std::string_view(value).substr(negative ? 1 : 0);
  size_t dot = body.find('.');
  std::string int_part(body.substr(0, dot));
  std::string frac_part(dot == std::string_view::npos ? "" : body.substr(dot + 1));
  bool round_up = frac_part.size() > static_cast<size_t>(scale) && frac_part[static_cast<size_t>(scale)] >= '5';
  if (frac_part.size() > static_cast<size_t>(scale)) frac_part.resize(static_cast<size_t>(scale));
  frac_part.append(static_cast<size_t>(scale) - frac_part.size(), '0');
  std::string digits = int_part + frac_part;
  if (round_up) {
    size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) digits.insert(digits.begin(), '1');
    else ++digits[i - 1];
  }
  int_part = digits.substr(0, digits.size() - static_cast<size_t>(scale));
  frac_part = digits.substr(digits.size() - static_cast<size_t>(scale));
  size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? "" : int_part.substr(nz);
  if (static_cast<int>(int_part.size()) > precision - scale) {
    std::string limit = precision == scale ? "1" : "10^" + std::to_string(precision - scale);
    throw SqlException(SqlError{"22003", "numeric field overflow", location >= 0 ? location + 1 : 0,
                                "A field with precision " + std::to_string(precision) + ", scale " +
                                    std::to_string(scale) + " must round to an absolute value less than " + limit +
                                    "."});
  }
  bool zero = int_part.empty() && frac_part.find_first_not_of('0') == std::string::npos;
  std::string out = negative && !zero ? "-" : "";
  out += int_part.empty() ? "0" : int_part;
  if (scale > 0) out += "." + frac_part;
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// byteain: "\x" then hex pairs (spaces between pairs allowed), or the escape
// format (backslash-octal \ooo and \\ for a backslash, other bytes as they are).
std::string ParseBytea(std::string_view text, int location) {
  std::string out;
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    for (size_t i = 2; i < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      int hi = HexDigit(text[i]);
      if (hi < 0) Throw("22023", "invalid hexadecimal digit: \"" + std::string(1, text[i]) + "\"", location);
      if (i + 1 >= text.size()) Throw("22023", "invalid hexadecimal data: odd number of digits", location);
      int lo = HexDigit(text[i + 1]);
      if (lo < 0) Throw("22023", "invalid hexadecimal digit: \"" + std::string(1, text[i + 1]) + "\"", location);
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    }
    return out;
  }
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      out.push_back(text[i++]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      i += 2;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' &&
               text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
      out.push_back(static_cast<char>((text[i + 1] - '0') << 6 | (text[i + 2] - '0') << 3 | (text[i + 3] - '0')));
      i += 4;
    } else {
      Throw("22P02", "invalid input syntax for type bytea", location);
    }
  }
  return out;
}

void AppendByteaHex(std::string_view bytes, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out += "\\x";
  for (char ch : bytes) {
    auto b = static_cast<unsigned char>(ch);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

// uuid_in: 32 hex digits, optionally in braces, with a hyphen after any group
// of four; stored as the canonical lower-case 8-4-4-4-12 form.
std::string ParseUuid(std::string_view text, int location) {
  std::string_view s = text;
  auto bad = [&]() -> std::string {
    Throw("22P02", "invalid input syntax for type uuid: \"" + std::string(text) + "\"", location);
  };
  if (!s.empty() && s.front() == '{') {
    if (s.back() != '}') return bad();
    s = s.substr(1, s.size() - 2);
  }
  std::string hex;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && hex.size() % 4 == 0 && !hex.empty() && i + 1 < s.size() && s[i + 1] != '-') continue;
    if (HexDigit(s[i]) < 0) return bad();
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  }
  if (hex.size() != 32) return bad();
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

}  // namespace

int CompareNumeric(std::string_view a, std::string_view b) {
  // Values are in numeric's output form: [-]digits[.digits], or NaN (above everything).
  bool an = a == "NaN", bn = b == "NaN";
  if (an || bn) return an == bn ? 0 : an ? 1 : -1;
  auto split = [](std::string_view s, bool& negative, std::string_view& whole, std::string_view& frac) {
    negative = !s.empty() && s[0] == '-';
    if (negative) s.remove_prefix(1);
    size_t dot = s.find('.');
    whole = s.substr(0, dot);
    frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  };
  bool na, nb;
  std::string_view wa, fa, wb, fb;
  split(a, na, wa, fa);
  split(b, nb, wb, fb);
  bool za = wa == "0" && fa.empty(), zb = wb == "0" && fb.empty();
  if (za) na = false;
  if (zb) nb = false;
  if (na != nb) return na ? -1 : 1;
  int magnitude = wa.size() != wb.size() ? (wa.size() < wb.size() ? -1 : 1) : (wa.compare(wb) < 0 ? -1 : wa.compare(wb) > 0 ? 1 : 0);
  if (magnitude == 0) magnitude = (fa.compare(fb) < 0 ? -1 : fa.compare(fb) > 0 ? 1 : 0);  // trailing zeros stripped: lexicographic is numeric
  return na ? -magnitude : magnitude;
}

std::string ApplyNumericTypmod(const std::string& value, int32_t typmod, int location) {
  return FitNumeric(value, typmod, location);
}

int64_t NowMicros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - kPgEpochDays * kMicrosPerDay;
}

int64_t CheckIntRange(TypeId id, int64_t v, int location) {
  bool ok = id == TypeId::kInt2 ? v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max()
            : id == TypeId::kInt4 ? v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()
                                  : true;
  if (!ok) Throw("22003", std::string(TypeInputName(id)) + " out of range", location);
  return v;
}

int64_t IntArith(char op, int64_t a, int64_t b, TypeId result, int location) {
  int64_t out = 0;
  bool overflow = false;
  switch (op) {
    case '+': overflow = __builtin_add_overflow(a, b, &out); break;
    case '-': overflow = __builtin_sub_overflow(a, b, &out); break;
    case '*': overflow = __builtin_mul_overflow(a, b, &out); break;
    default:  // '/' or '%'
      if (b == 0) Throw("22012", "division by zero", location);
      if (b == -1) {  // INT_MIN / -1 overflows; x % -1 is 0
        if (op == '%') return 0;
        overflow = __builtin_mul_overflow(a, int64_t{-1}, &out);
      } else {
        out = op == '/' ? a / b : a % b;
      }
  }
  if (overflow) Throw("22003", std::string(TypeInputName(result)) + " out of range", location);
  return CheckIntRange(result, out, location);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

void ValidateUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && c != 0 && i + len <= s.size() && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", c);
      Throw("22021", std::string("invalid byte sequence for encoding \"UTF8\": ") + buf);
    }
    i += len;
  }
}

void AppendText(const Value& v, std::string& out) {
  switch (v.type.id) {
    case TypeId::kBool: out += v.i ? 't' : 'f'; return;
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof buf, v.i);
      out.append(buf, res.ptr);
      return;
    }
    case TypeId::kFloat4: out += FormatFloat(v.f, true); return;
    case TypeId::kFloat8: out += FormatFloat(v.f, false); return;
    case TypeId::kDate: out += FormatDate(v.i); return;
    case TypeId::kTimestamp: out += FormatTimestamp(v.i, false); return;
    case TypeId::kTimestampTz: out += FormatTimestamp(v.i, true); return;
    case TypeId::kTime: out += FormatTime(v.i); return;
    case TypeId::kInterval: out += FormatInterval(DecodeInterval(v.s)); return;
    case TypeId::kBytea: AppendByteaHex(v.s, out); return;
    case TypeId::kRegclass:
    case TypeId::kRegtype:
    case TypeId::kRegnamespace: {
      size_t zero = v.s.find('\0');
      out += zero == std::string::npos ? v.s : v.s.substr(zero + 1);
      return;
    }
    default: out += v.s; return;
  }
}

std::string ToText(const Value& v) {
  std::string out;
  AppendText(v, out);
  return out;
}

Value FromText(std::string_view text, const LogicalType& type) {
  switch (type.id) {
    case TypeId::kBool: {
      auto b = ParseBool(text);
      if (!b) BadInput(TypeId::kBool, text, -1);
      return Value::Bool(*b);
    }
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8: return Value::Int(type.id, ParseInt(text, type.id, -1));
    case TypeId::kFloat4:
    case TypeId::kFloat8: return Value::Float(type.id, ParseFloat(text, type.id, -1));
    case TypeId::kNumeric: return Value::String(type, FitNumeric(NormalizeNumeric(text, -1), type.length, -1));
    case TypeId::kDate: {
      return Value::Int(TypeId::kDate, ParseDateTime(text, TypeId::kDate, -1));  // days
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return Value::Int(type.id, ParseDateTime(text, type.id, -1));
    case TypeId::kTime: return Value::Int(type.id, ParseTime(text, -1));
    case TypeId::kInterval: return Value::String(type, EncodeInterval(ParseInterval(text, -1)));
    case TypeId::kBytea: return Value::String(type, ParseBytea(text, -1));
    case TypeId::kUuid: return Value::String(type, ParseUuid(text, -1));
    case TypeId::kJson:
      ValidateUtf8(text);
      ValidateJson(text, -1);
      return Value::String(type, std::string(text));
    case TypeId::kJsonb:
      ValidateUtf8(text);
      return Value::String(type, CanonicalJsonb(text, -1));
    case TypeId::kArray: return MakeArray(type.element, ParseArray(text, type.element, -1));
    case TypeId::kRegclass:
    case TypeId::kRegtype:
    case TypeId::kRegnamespace: {
      // Without the catalog only a numeric oid reads (it prints as its number);
      // names are resolved where the binder casts (catalog_binding.cc).
      std::string_view t = TrimSpaces(text);
      int64_t oid = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), oid);
      if (ec != std::errc() || end != t.data() + t.size() || t.empty()) {
        Throw("0A000", std::string(TypeInputName(type.id)) + " input by name is not supported here");
      }
      return MakeRegValue(type.id, oid, t);
    }
    case TypeId::kUnknown:
      ValidateUtf8(text);
      return Value::String(type, std::string(text));
    default:
      ValidateUtf8(text);
      return Value::String(type, FitLength(std::string(text), type, false, -1));
  }
}

bool CanCast(TypeId from, TypeId to, CastContext context) {
  if (from == to || from == TypeId::kUnknown) return true;
  if (IsNumber(from) && IsNumber(to)) {
    // Widening is implicit; narrowing (int8 -> int4, float -> int, numeric -> int) needs assignment.
    return context != CastContext::kImplicit || NumericRank(from) < NumericRank(to);
  }
  if (IsString(from) && IsString(to)) return true;
  if (IsString(to)) return context != CastContext::kImplicit;  // everything has a text output
  if (IsString(from)) return context == CastContext::kExplicit;
  if ((from == TypeId::kBool && to == TypeId::kInt4) || (from == TypeId::kInt4 && to == TypeId::kBool)) {
    return context == CastContext::kExplicit;
  }
  if (IsRegType(from) && (IsInteger(to) && to != TypeId::kInt2)) return true;  // oid-like: implicit
  if (IsInteger(from) && from != TypeId::kInt2 && IsRegType(to)) return true;
  if ((from == TypeId::kJson && to == TypeId::kJsonb) || (from == TypeId::kJsonb && to == TypeId::kJson)) {
    return context != CastContext::kImplicit;
  }
  if (from == TypeId::kTime && to == TypeId::kInterval) return true;
  if ((from == TypeId::kInterval || from == TypeId::kTimestamp || from == TypeId::kTimestampTz) &&
      to == TypeId::kTime) {
    return context != CastContext::kImplicit;
  }
  if (IsDateTime(from) && IsDateTime(to)) {
    // date -> timestamp(tz) and timestamp -> timestamptz widen implicitly; the rest need assignment.
    bool widening = from == TypeId::kDate || (from == TypeId::kTimestamp && to == TypeId::kTimestampTz);
    return widening || context != CastContext::kImplicit;
  }
  return false;
}

Value CastValue(const Value& v, const LogicalType& target, bool explicit_cast, int location) {
  if (v.null) return Value::Null(target);
  TypeId from = v.type.id, to = target.id;
  if (from == to && target.length < 0 && v.type.element == target.element) return Value{target, false, v.i, v.f, v.s};
  if (to == TypeId::kNumeric && target.length >= 0 && from != TypeId::kUnknown && !IsString(from)) {
    Value plain = CastValue(v, Type(TypeId::kNumeric), explicit_cast, location);
    return Value::String(target, FitNumeric(plain.s, target.length, location));
  }
  if (from == TypeId::kArray && to == TypeId::kArray) {
    std::vector<Value> elements = ArrayElements(v);
    for (auto& e : elements) e = CastValue(e, Type(target.element), explicit_cast, location);
    return MakeArray(target.element, elements);
  }
  try {
    if (from == TypeId::kUnknown) {
      if (explicit_cast && (target.id == TypeId::kVarchar || target.id == TypeId::kBpchar)) {
        return Value::String(target, FitLength(v.s, target, true, location));  // an explicit cast truncates
      }
      return FromText(v.s, target);
    }
    if (IsString(to)) {
      std::string s = ToText(v);
      if (from == TypeId::kBool && explicit_cast) s = v.i ? "true" : "false";
      if (from == TypeId::kBpchar && to != TypeId::kBpchar) {
        s.erase(s.find_last_not_of(' ') + 1);  // char(n) loses its padding
      }
      return Value::String(target, FitLength(std::move(s), target, explicit_cast, location));
    }
    if (IsString(from) && explicit_cast) return FromText(v.s, target);
  } catch (SqlException& e) {
    if (e.error().position == 0 && location >= 0) e.error().position = location + 1;
    throw;
  }
  if (IsInteger(from) && IsInteger(to)) return Value::Int(to, CheckIntRange(to, v.i, location));
  if (IsInteger(from) && IsFloat(to)) return Value::Float(to, static_cast<double>(v.i));
  if (IsInteger(from) && to == TypeId::kNumeric) return Value::String(target, std::to_string(v.i));
  if (IsFloat(from) && IsFloat(to)) return Value::Float(to, to == TypeId::kFloat4 ? static_cast<float>(v.f) : v.f);
  if (IsFloat(from) && IsInteger(to)) {
    double r = std::nearbyint(v.f);  // round half to even, as PostgreSQL's rint
    if (std::isnan(r) || r < -9.2233720368547758e18 || r >= 9.2233720368547758e18) {
      Throw("22003", std::string(TypeInputName(to)) + " out of range", location);
    }
    return Value::Int(to, CheckIntRange(to, static_cast<int64_t>(r), location));
  }
  if (IsFloat(from) && to == TypeId::kNumeric) {
    if (std::isinf(v.f)) Throw("0A000", "cannot convert infinity to numeric", location);
    return Value::String(target, NormalizeNumeric(ToText(v), location));
  }
  if (from == TypeId::kNumeric && IsFloat(to)) return FromText(v.s, target);
  if (from == TypeId::kNumeric && IsInteger(to)) {
    if (v.s == "NaN") Throw("0A000", "cannot convert NaN to " + std::string(TypeInputName(to)), location);
    // Round half away from zero, as numeric_int4 does.
    std::string s = v.s;
    size_t dot = s.find('.');
    bool round_up = dot != std::string::npos && dot + 1 < s.size() && s[dot + 1] >= '5';
    std::string whole = s.substr(0, dot);
    int64_t n = ParseInt(whole == "-" || whole.empty() ? "0" : whole, TypeId::kInt8, location);
    if (round_up) n = IntArith(n < 0 || s[0] == '-' ? '-' : '+', n, 1, TypeId::kInt8, location);
    return Value::Int(to, CheckIntRange(to, n, location));
  }
  if (from == TypeId::kDate && (to == TypeId::kTimestamp || to == TypeId::kTimestampTz)) {
    int64_t micros = 0;
    if (__builtin_mul_overflow(v.i, kMicrosPerDay, &micros) || !TimestampInRange(micros)) {
      Throw("22008", "date out of range for timestamp", location);
    }
    return Value::Int(to, micros);
  }
  if ((from == TypeId::kTimestamp || from == TypeId::kTimestampTz) && to == TypeId::kDate) {
    return Value::Int(to, FloorDiv(v.i, kMicrosPerDay));
  }
  if ((from == TypeId::kTimestamp && to == TypeId::kTimestampTz) || (from == TypeId::kTimestampTz && to == TypeId::kTimestamp)) {
    return Value::Int(to, v.i);  // the session time zone is UTC
  }
  if (IsRegType(from) && IsInteger(to)) return Value::Int(to, CheckIntRange(to, RegOid(v.s), location));
  if (IsInteger(from) && IsRegType(to)) return MakeRegValue(to, v.i, std::to_string(v.i));  // unresolved: prints the number
  if (IsRegType(from) && IsRegType(to)) return MakeRegValue(to, RegOid(v.s), std::to_string(RegOid(v.s)));
  if (from == TypeId::kJson && to == TypeId::kJsonb) return Value::String(target, CanonicalJsonb(v.s, location));
  if (from == TypeId::kJsonb && to == TypeId::kJson) return Value::String(target, v.s);
  if ((from == TypeId::kTimestamp || from == TypeId::kTimestampTz) && to == TypeId::kTime) {
    return Value::Int(to, v.i - FloorDiv(v.i, kMicrosPerDay) * kMicrosPerDay);
  }
  if (from == TypeId::kTime && to == TypeId::kInterval) return Value::String(target, EncodeInterval({0, 0, v.i}));
  if (from == TypeId::kInterval && to == TypeId::kTime) {
    int64_t micros = DecodeInterval(v.s).micros % kMicrosPerDay;
    return Value::Int(to, micros < 0 ? micros + kMicrosPerDay : micros);
  }
  if (explicit_cast && from == TypeId::kBool && to == TypeId::kInt4) return Value::Int(TypeId::kInt4, v.i);
  if (explicit_cast && from == TypeId::kInt4 && to == TypeId::kBool) return Value::Bool(v.i != 0);
  Throw("42846", "cannot cast type " + TypeDisplayName(v.type) + " to " + TypeDisplayName(target), location);
}

}  // namespace orbit::sql
