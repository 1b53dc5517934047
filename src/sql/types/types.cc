#include "sql/types/types.h"

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

PhysicalType Physical(TypeId id) {
  switch (id) {
    case TypeId::kBool:
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return PhysicalType::kInt64;
    case TypeId::kFloat4:
    case TypeId::kFloat8: return PhysicalType::kDouble;
    default: return PhysicalType::kString;
  }
}

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

int32_t TypeOid(TypeId id) {
  switch (id) {
    case TypeId::kBool: return 16;
    case TypeId::kInt8: return 20;
    case TypeId::kInt2: return 21;
    case TypeId::kInt4: return 23;
    case TypeId::kText: return 25;
    case TypeId::kFloat4: return 700;
    case TypeId::kFloat8: return 701;
    case TypeId::kUnknown: return 705;
    case TypeId::kBpchar: return 1042;
    case TypeId::kVarchar: return 1043;
    case TypeId::kNumeric: return 1700;
    case TypeId::kDate: return 1082;
    case TypeId::kTimestamp: return 1114;
    case TypeId::kTimestampTz: return 1184;
  }
  return 0;
}

int16_t TypeLength(TypeId id) {
  switch (id) {
    case TypeId::kBool: return 1;
    case TypeId::kInt2: return 2;
    case TypeId::kInt4:
    case TypeId::kFloat4: return 4;
    case TypeId::kInt8:
    case TypeId::kFloat8:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return 8;
    case TypeId::kDate: return 4;
    case TypeId::kUnknown: return -2;  // a C string, as pg_type says for unknown
    default: return -1;
  }
}

std::string TypeDisplayName(const LogicalType& type) {
  auto with_length = [&](std::string name) {
    return type.length >= 0 ? name + "(" + std::to_string(type.length) + ")" : name;
  };
  switch (type.id) {
    case TypeId::kUnknown: return "unknown";
    case TypeId::kBool: return "boolean";
    case TypeId::kInt2: return "smallint";
    case TypeId::kInt4: return "integer";
    case TypeId::kInt8: return "bigint";
    case TypeId::kFloat4: return "real";
    case TypeId::kFloat8: return "double precision";
    case TypeId::kNumeric: return "numeric";
    case TypeId::kText: return "text";
    case TypeId::kVarchar: return with_length("character varying");
    case TypeId::kBpchar: return with_length("character");
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp without time zone";
    case TypeId::kTimestampTz: return "timestamp with time zone";
  }
  return "unknown";
}

std::string_view TypeInputName(TypeId id) {
  switch (id) {
    case TypeId::kBool: return "boolean";
    case TypeId::kInt2: return "smallint";
    case TypeId::kInt4: return "integer";
    case TypeId::kInt8: return "bigint";
    case TypeId::kFloat4: return "real";
    case TypeId::kFloat8: return "double precision";
    case TypeId::kNumeric: return "numeric";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kTimestampTz: return "timestamp with time zone";
    default: return "text";
  }
}

std::optional<LogicalType> LookupType(std::string_view name, std::optional<int32_t> modifier) {
  LogicalType t;
  if (name == "bool" || name == "boolean") t.id = TypeId::kBool;
  else if (name == "int2" || name == "smallint") t.id = TypeId::kInt2;
  else if (name == "int4" || name == "integer" || name == "int") t.id = TypeId::kInt4;
  else if (name == "int8" || name == "bigint") t.id = TypeId::kInt8;
  else if (name == "float4" || name == "real") t.id = TypeId::kFloat4;
  else if (name == "float8" || name == "double precision") t.id = TypeId::kFloat8;
  else if (name == "numeric" || name == "decimal") t.id = TypeId::kNumeric;
  else if (name == "text") t.id = TypeId::kText;
  else if (name == "varchar" || name == "character varying") t.id = TypeId::kVarchar;
  else if (name == "bpchar" || name == "character" || name == "char") t.id = TypeId::kBpchar;
  else if (name == "date") t.id = TypeId::kDate;
  else if (name == "timestamp" || name == "timestamp without time zone") t.id = TypeId::kTimestamp;
  else if (name == "timestamptz" || name == "timestamp with time zone") t.id = TypeId::kTimestampTz;
  else return std::nullopt;
  if (modifier) {
    if (t.id != TypeId::kVarchar && t.id != TypeId::kBpchar) return std::nullopt;
    t.length = *modifier;
  } else if (t.id == TypeId::kBpchar && name != "bpchar") {
    t.length = 1;  // char without a length is char(1)
  }
  return t;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void BadInput(TypeId id, std::string_view text, int location) {
  Throw("22P02", "invalid input syntax for type " + std::string(TypeInputName(id)) + ": \"" + std::string(text) + "\"",
        location);
}

// PostgreSQL's boolin: case-insensitive, surrounding spaces ignored, any
// unambiguous prefix of true/false/yes/no, plus on/off and 1/0.
std::optional<bool> ParseBool(std::string_view input) {
  std::string s = AsciiLower(Trim(input));
  auto prefix_of = [&](std::string_view word) { return !s.empty() && word.substr(0, s.size()) == s; };
  if (s == "1" || s == "on" || prefix_of("true") || prefix_of("yes")) return true;
  if (s == "0" || s == "off" || prefix_of("false") || prefix_of("no")) return false;
  return std::nullopt;  // "o" is ambiguous (on/off), as in PostgreSQL
}

int64_t ParseInt(std::string_view text, TypeId id, int location) {
  std::string_view s = Trim(text);
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
  std::string s(Trim(text));
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
  std::string_view s = Trim(text);
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

// Civil dates <-> days since 1970-01-01 (Howard Hinnant's algorithms), in the
// proleptic Gregorian calendar PostgreSQL uses.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01 - 1970-01-01
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

bool DaysInMonthOk(int64_t y, unsigned m, unsigned d) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Parses ISO 8601 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+HH[:MM]|-HH[:MM]]' (and
// 'epoch', 'infinity' are not supported yet). Returns micros since 2000-01-01 UTC.
int64_t ParseDateTime(std::string_view text, TypeId id, int location) {
  std::string_view s = Trim(text);
  size_t i = 0;
  auto number = [&](size_t min_digits, size_t max_digits, int64_t& out) {
    size_t start = i;
    out = 0;
    while (i < s.size() && i - start < max_digits && std::isdigit(static_cast<unsigned char>(s[i]))) {
      out = out * 10 + (s[i++] - '0');
    }
    return i - start >= min_digits;
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, micros = 0, offset_minutes = 0;
  if (!number(4, 6, y) || !expect('-') || !number(1, 2, mo) || !expect('-') || !number(1, 2, d)) {
    BadInput(id, text, location);
  }
  if (!DaysInMonthOk(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) {
    Throw("22008", "date/time field value out of range: \"" + std::string(text) + "\"", location);
  }
  if (i < s.size() && id != TypeId::kDate) {
    if (!(expect(' ') || expect('T'))) BadInput(id, text, location);
    while (i < s.size() && s[i] == ' ') ++i;
    if (!number(1, 2, h) || !expect(':') || !number(2, 2, mi)) BadInput(id, text, location);
    if (expect(':')) {
      if (!number(2, 2, sec)) BadInput(id, text, location);
      if (expect('.')) {
        size_t start = i;
        int64_t frac = 0;
        if (!number(1, 9, frac)) BadInput(id, text, location);
        size_t digits = i - start;
        // Round to microseconds, as PostgreSQL does.
        while (digits < 6) frac *= 10, ++digits;
        int64_t rounded = frac;
        while (digits > 7) rounded /= 10, --digits;
        if (digits == 7) rounded = (rounded + 5) / 10;
        micros = rounded;
      }
    }
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i++] == '-' ? -1 : 1;
        int64_t oh = 0, om = 0;
        if (!number(1, 2, oh)) BadInput(id, text, location);
        if (expect(':')) {
          if (!number(2, 2, om)) BadInput(id, text, location);
        } else {
          number(2, 2, om);
        }
        offset_minutes = sign * (oh * 60 + om);
      }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi > 0 || sec > 0 || micros > 0))) {
      Throw("22008", "date/time field value out of range: \"" + std::string(text) + "\"", location);
    }
  } else if (i < s.size() && id == TypeId::kDate) {
    // A date accepts and drops a time part ('2024-01-01 10:00').
    if (s[i] != ' ' && s[i] != 'T') BadInput(id, text, location);
    i = s.size();
  }
  if (i != s.size()) BadInput(id, text, location);
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) - kPgEpochDays;
  int64_t total = days * kMicrosPerDay + ((h * 60 + mi) * 60 + sec) * 1000000 + micros;
  if (id == TypeId::kTimestampTz) total -= offset_minutes * 60 * 1000000;  // to UTC
  return total;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days + kPgEpochDays, y, m, d);
  char buf[96];
  if (y > 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u BC", static_cast<long long>(1 - y), m, d);
  }
  return buf;
}

std::string FormatTimestamp(int64_t micros, bool with_zone) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  std::string date = FormatDate(days);
  std::string bc;
  if (date.ends_with(" BC")) {
    bc = " BC";
    date.resize(date.size() - 3);
  }
  int64_t secs = rest / 1000000, frac = rest % 1000000;
  char buf[64];
  std::snprintf(buf, sizeof buf, " %02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out = date + buf;
  if (frac > 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%06lld", static_cast<long long>(frac));
    std::string fs(f);
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  if (with_zone) out += "+00";
  return out + bc;
}

}  // namespace

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
    case TypeId::kNumeric: return Value::String(type, NormalizeNumeric(text, -1));
    case TypeId::kDate: {
      int64_t micros = ParseDateTime(text, TypeId::kDate, -1);
      return Value::Int(TypeId::kDate, FloorDiv(micros, kMicrosPerDay));
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: return Value::Int(type.id, ParseDateTime(text, type.id, -1));
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
  if (from == to && target.length < 0) return Value{target, false, v.i, v.f, v.s};
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
    return Value::Int(to, v.i * kMicrosPerDay);
  }
  if ((from == TypeId::kTimestamp || from == TypeId::kTimestampTz) && to == TypeId::kDate) {
    return Value::Int(to, FloorDiv(v.i, kMicrosPerDay));
  }
  if ((from == TypeId::kTimestamp && to == TypeId::kTimestampTz) || (from == TypeId::kTimestampTz && to == TypeId::kTimestamp)) {
    return Value::Int(to, v.i);  // the session time zone is UTC
  }
  if (explicit_cast && from == TypeId::kBool && to == TypeId::kInt4) return Value::Int(TypeId::kInt4, v.i);
  if (explicit_cast && from == TypeId::kInt4 && to == TypeId::kBool) return Value::Bool(v.i != 0);
  Throw("42846", "cannot cast type " + TypeDisplayName(v.type) + " to " + TypeDisplayName(target), location);
}

std::string_view TypeInternalName(TypeId id) {
  switch (id) {
    case TypeId::kBool: return "bool";
    case TypeId::kInt2: return "int2";
    case TypeId::kInt4: return "int4";
    case TypeId::kInt8: return "int8";
    case TypeId::kFloat4: return "float4";
    case TypeId::kFloat8: return "float8";
    case TypeId::kNumeric: return "numeric";
    case TypeId::kText: return "text";
    case TypeId::kVarchar: return "varchar";
    case TypeId::kBpchar: return "bpchar";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kTimestampTz: return "timestamptz";
    case TypeId::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace orbit::sql
