// Common string and math functions, as PostgreSQL defines them: positions and
// lengths count characters (UTF-8 code points), not bytes; integer results
// check their range (22003); math domain errors are 2201E/2201F/22012.

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <openssl/evp.h>

#include "sql/exec/numeric.h"
#include "sql/function/functions.h"

namespace orbit::sql {
namespace {

using exec::Vector;
using Args = std::vector<Vector>;

// Byte offsets of each character start, plus the end.
std::vector<size_t> CharStarts(std::string_view s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(s.size());
  return starts;
}

// Characters [from, from + count) (0-based, clamped), as substring() takes them.
std::string CharSlice(std::string_view s, int64_t from, int64_t count) {
  std::vector<size_t> starts = CharStarts(s);
  auto chars = static_cast<int64_t>(starts.size() - 1);
  int64_t begin = std::clamp<int64_t>(from, 0, chars);
  int64_t end = count < 0 ? chars : std::clamp<int64_t>(from + count, begin, chars);
  if (from + count < begin && count >= 0) end = begin;
  return std::string(s.substr(starts[static_cast<size_t>(begin)], starts[static_cast<size_t>(end)] - starts[static_cast<size_t>(begin)]));
}

int64_t CharCount(std::string_view s) { return static_cast<int64_t>(CharStarts(s).size() - 1); }

// substring(s, start[, count]): 1-based; a count below zero is 22011.
std::string Substring(std::string_view s, int64_t start, std::optional<int64_t> count) {
  if (count && *count < 0) Throw("22011", "negative substring length not allowed");
  int64_t from = start - 1;
  if (!count) return CharSlice(s, std::max<int64_t>(from, 0), -1);
  int64_t end = from + *count;  // exclusive, may start before the string
  if (end <= 0) return "";
  return CharSlice(s, std::max<int64_t>(from, 0), end - std::max<int64_t>(from, 0));
}

std::string Trim(std::string_view s, std::string_view chars, bool left, bool right) {
  std::vector<size_t> set_starts = CharStarts(chars);
  auto in_set = [&](std::string_view ch) {
    for (size_t k = 0; k + 1 < set_starts.size(); ++k) {
      if (chars.substr(set_starts[k], set_starts[k + 1] - set_starts[k]) == ch) return true;
    }
    return false;
  };
  std::vector<size_t> starts = CharStarts(s);
  size_t b = 0, e = starts.size() - 1;
  while (left && b < e && in_set(s.substr(starts[b], starts[b + 1] - starts[b]))) ++b;
  while (right && e > b && in_set(s.substr(starts[e - 1], starts[e] - starts[e - 1]))) --e;
  return std::string(s.substr(starts[b], starts[e] - starts[b]));
}

std::string Pad(std::string_view s, int64_t length, std::string_view fill, bool left) {
  if (length <= 0) return "";
  int64_t have = CharCount(s);
  if (have >= length) return CharSlice(s, 0, length);
  if (fill.empty()) return std::string(s);
  if (length > 10 * 1024 * 1024) Throw("54000", "requested length too large");
  std::string padding;
  std::vector<size_t> fs = CharStarts(fill);
  size_t fill_chars = fs.size() - 1;
  for (int64_t k = 0; k < length - have; ++k) {
    size_t c = static_cast<size_t>(k) % fill_chars;
    padding += fill.substr(fs[c], fs[c + 1] - fs[c]);
  }
  return left ? padding + std::string(s) : std::string(s) + padding;
}

std::string Md5Hex(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int k = 0; k < len; ++k) out += {kHex[digest[k] >> 4], kHex[digest[k] & 15]};
  return out;
}

template <typename F>
exec::ScalarKernel Text(F f) {  // text-valued, strict
  return Strict([f](const Args& a, size_t i, Vector& out) { out.String(i) = f(a, i); });
}

template <typename F>
exec::ScalarKernel Int(F f) {
  return Strict([f](const Args& a, size_t i, Vector& out) { out.Int(i) = f(a, i); });
}

template <typename F>
exec::ScalarKernel Float(F f) {
  return Strict([f](const Args& a, size_t i, Vector& out) { out.Double(i) = f(a, i); });
}

double CheckFloat(double v) {
  if (std::isinf(v)) Throw("22003", "value out of range: overflow");
  return v;
}

// numeric rounding at `scale` decimals (negative: tens, hundreds...), half away from zero,
// or toward zero (trunc); the result keeps max(scale, 0) decimals.
std::string RoundNumeric(const std::string& v, int64_t scale, bool truncate) {
  if (v == "NaN") return v;
  scale = std::clamp<int64_t>(scale, -1000, 1000);
  bool negative = !v.empty() && v[0] == '-';
  std::string body = v.substr(negative ? 1 : 0);
  size_t dot = body.find('.');
  std::string digits = dot == std::string::npos ? body : body.substr(0, dot) + body.substr(dot + 1);
  auto int_len = static_cast<int64_t>(dot == std::string::npos ? body.size() : dot);
  // Keep int_len + scale digits; pad with zeros first so there is a digit to look at.
  int64_t keep = int_len + scale;
  if (keep < 0) return scale > 0 ? "0." + std::string(static_cast<size_t>(scale), '0') : "0";
  while (static_cast<int64_t>(digits.size()) < keep + 1) digits += '0';
  bool up = !truncate && digits[static_cast<size_t>(keep)] >= '5';
  digits.resize(static_cast<size_t>(keep));
  if (up) {
    size_t k = digits.size();
    while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
    if (k == 0) {
      digits.insert(digits.begin(), '1');
      ++int_len;
    } else {
      ++digits[k - 1];
    }
  }
  std::string int_part, frac_part;
  if (scale >= 0) {
    int_part = digits.substr(0, static_cast<size_t>(int_len));
    frac_part = digits.substr(static_cast<size_t>(int_len));
  } else {
    int_part = digits + std::string(static_cast<size_t>(-scale), '0');
  }
  size_t nz = int_part.find_first_not_of('0');
  int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
  std::string out = int_part + (frac_part.empty() ? "" : "." + frac_part);
  bool zero = out.find_first_not_of("0.") == std::string::npos;
  return negative && !zero ? "-" + out : out;
}

// floor / ceil of a numeric: an integer-valued numeric.
std::string FloorCeilNumeric(const std::string& v, bool ceil) {
  if (v == "NaN") return v;
  std::string truncated = RoundNumeric(v, 0, true);
  bool negative = !v.empty() && v[0] == '-';
  bool had_fraction = v.find('.') != std::string::npos && v.substr(v.find('.') + 1).find_first_not_of('0') != std::string::npos;
  if (!had_fraction) return truncated;
  if (ceil && !negative) return exec::NumericArith('+', truncated, "1", -1);
  if (!ceil && negative) return exec::NumericArith('-', truncated, "1", -1);
  return truncated == "-0" ? "0" : truncated;
}

}  // namespace

void RegisterTextFunctions(FunctionRegistry& r) {
  using T = TypeId;
  r.Add({"substring", {T::kText, T::kInt4, T::kInt4}, T::kText,
         Text([](const Args& a, size_t i) { return Substring(a[0].String(i), a[1].Int(i), a[2].Int(i)); })});
  r.Add({"substring", {T::kText, T::kInt4}, T::kText,
         Text([](const Args& a, size_t i) { return Substring(a[0].String(i), a[1].Int(i), std::nullopt); })});
  r.Add({"substr", {T::kText, T::kInt4, T::kInt4}, T::kText,
         Text([](const Args& a, size_t i) { return Substring(a[0].String(i), a[1].Int(i), a[2].Int(i)); })});
  r.Add({"substr", {T::kText, T::kInt4}, T::kText,
         Text([](const Args& a, size_t i) { return Substring(a[0].String(i), a[1].Int(i), std::nullopt); })});
  r.Add({"left", {T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) {
           int64_t n = a[1].Int(i), len = CharCount(a[0].String(i));
           return CharSlice(a[0].String(i), 0, n >= 0 ? n : std::max<int64_t>(len + n, 0));
         })});
  r.Add({"right", {T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) {
           int64_t n = a[1].Int(i), len = CharCount(a[0].String(i));
           int64_t from = n >= 0 ? std::max<int64_t>(len - n, 0) : std::min<int64_t>(-n, len);
           return CharSlice(a[0].String(i), from, -1);
         })});
  // position(sub IN s) arrives as position(s, sub); strpos(s, sub) is the same.
  auto position = Int([](const Args& a, size_t i) -> int64_t {
    const std::string& s = a[0].String(i);
    size_t at = s.find(a[1].String(i));
    if (at == std::string::npos) return 0;
    return CharCount(std::string_view(s).substr(0, at)) + 1;
  });
  r.Add({"position", {T::kText, T::kText}, T::kInt4, position});
  r.Add({"strpos", {T::kText, T::kText}, T::kInt4, position});
  for (const char* name : {"btrim", "ltrim", "rtrim"}) {
    bool left = name[0] != 'r', right = name[0] != 'l';
    r.Add({name, {T::kText}, T::kText,
           Text([left, right](const Args& a, size_t i) { return Trim(a[0].String(i), " ", left, right); })});
    r.Add({name, {T::kText, T::kText}, T::kText, Text([left, right](const Args& a, size_t i) {
             return Trim(a[0].String(i), a[1].String(i), left, right);
           })});
  }
  r.Add({"replace", {T::kText, T::kText, T::kText}, T::kText, Text([](const Args& a, size_t i) {
           std::string s = a[0].String(i);
           const std::string &from = a[1].String(i), &to = a[2].String(i);
           if (from.empty()) return s;
           std::string out;
           size_t pos = 0, at;
           while ((at = s.find(from, pos)) != std::string::npos) {
             out.append(s, pos, at - pos).append(to);
             pos = at + from.size();
           }
           return out.append(s, pos, std::string::npos);
         })});
  r.Add({"repeat", {T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) {
           int64_t n = a[1].Int(i);
           if (n <= 0) return std::string();
           if (static_cast<double>(n) * static_cast<double>(a[0].String(i).size()) > 256.0 * 1024 * 1024) {
             Throw("54000", "requested length too large");
           }
           std::string out;
           for (int64_t k = 0; k < n; ++k) out += a[0].String(i);
           return out;
         })});
  r.Add({"reverse", {T::kText}, T::kText, Text([](const Args& a, size_t i) {
           std::string_view s = a[0].String(i);
           std::vector<size_t> starts = CharStarts(s);
           std::string out;
           for (size_t k = starts.size() - 1; k > 0; --k) out += s.substr(starts[k - 1], starts[k] - starts[k - 1]);
           return out;
         })});
  r.Add({"lpad", {T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) { return Pad(a[0].String(i), a[1].Int(i), " ", true); })});
  r.Add({"lpad", {T::kText, T::kInt4, T::kText}, T::kText,
         Text([](const Args& a, size_t i) { return Pad(a[0].String(i), a[1].Int(i), a[2].String(i), true); })});
  r.Add({"rpad", {T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) { return Pad(a[0].String(i), a[1].Int(i), " ", false); })});
  r.Add({"rpad", {T::kText, T::kInt4, T::kText}, T::kText,
         Text([](const Args& a, size_t i) { return Pad(a[0].String(i), a[1].Int(i), a[2].String(i), false); })});
  r.Add({"initcap", {T::kText}, T::kText, Text([](const Args& a, size_t i) {
           std::string s = a[0].String(i);
           bool word_start = true;
           for (auto& ch : s) {
             auto c = static_cast<unsigned char>(ch);
             if (c & 0x80) {
               word_start = false;  // non-ASCII letters keep their case (ASCII only so far)
               continue;
             }
             ch = static_cast<char>(word_start ? std::toupper(c) : std::tolower(c));
             word_start = !std::isalnum(c);
           }
           return s;
         })});
  r.Add({"split_part", {T::kText, T::kText, T::kInt4}, T::kText, Text([](const Args& a, size_t i) {
           const std::string &s = a[0].String(i), &delim = a[1].String(i);
           int64_t n = a[2].Int(i);
           if (n == 0) Throw("22023", "field position must not be zero");
           std::vector<std::string> parts;
           if (delim.empty()) {
             parts.push_back(s);
           } else {
             size_t pos = 0, at;
             while ((at = s.find(delim, pos)) != std::string::npos) {
               parts.push_back(s.substr(pos, at - pos));
               pos = at + delim.size();
             }
             parts.push_back(s.substr(pos));
           }
           if (s.empty()) return std::string();
           int64_t k = n > 0 ? n - 1 : static_cast<int64_t>(parts.size()) + n;
           return k >= 0 && k < static_cast<int64_t>(parts.size()) ? parts[static_cast<size_t>(k)] : std::string();
         })});
  r.Add({"starts_with", {T::kText, T::kText}, T::kBool, Strict([](const Args& a, size_t i, Vector& out) {
           out.Int(i) = a[0].String(i).starts_with(a[1].String(i)) ? 1 : 0;
         })});
  r.Add({"md5", {T::kText}, T::kText, Text([](const Args& a, size_t i) { return Md5Hex(a[0].String(i)); })});
  r.Add({"ascii", {T::kText}, T::kInt4, Int([](const Args& a, size_t i) -> int64_t {
           const std::string& s = a[0].String(i);
           if (s.empty()) return 0;
           auto c = static_cast<unsigned char>(s[0]);
           if (c < 0x80) return c;
           int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
           int64_t cp = c & (0x3F >> (n - 1));
           for (int k = 1; k < n && static_cast<size_t>(k) < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[static_cast<size_t>(k)]) & 0x3F);
           return cp;
         })});
  r.Add({"chr", {T::kInt4}, T::kText, Text([](const Args& a, size_t i) {
           int64_t cp = a[0].Int(i);
           if (cp == 0) Throw("54000", "null character not permitted");
           if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) Throw("54000", "requested character too large for encoding: " + std::to_string(cp));
           std::string out;
           auto u = static_cast<uint32_t>(cp);
           if (u < 0x80) out += static_cast<char>(u);
           else if (u < 0x800) out += {static_cast<char>(0xC0 | u >> 6), static_cast<char>(0x80 | (u & 0x3F))};
           else if (u < 0x10000) out += {static_cast<char>(0xE0 | u >> 12), static_cast<char>(0x80 | (u >> 6 & 0x3F)), static_cast<char>(0x80 | (u & 0x3F))};
           else out += {static_cast<char>(0xF0 | u >> 18), static_cast<char>(0x80 | (u >> 12 & 0x3F)), static_cast<char>(0x80 | (u >> 6 & 0x3F)), static_cast<char>(0x80 | (u & 0x3F))};
           return out;
         })});
  r.Add({"translate", {T::kText, T::kText, T::kText}, T::kText, Text([](const Args& a, size_t i) {
           std::string_view s = a[0].String(i), from = a[1].String(i), to = a[2].String(i);
           std::vector<size_t> ss = CharStarts(s), fs = CharStarts(from), ts = CharStarts(to);
           std::string out;
           for (size_t k = 0; k + 1 < ss.size(); ++k) {
             std::string_view ch = s.substr(ss[k], ss[k + 1] - ss[k]);
             size_t m = 0;
             while (m + 1 < fs.size() && from.substr(fs[m], fs[m + 1] - fs[m]) != ch) ++m;
             if (m + 1 >= fs.size()) out += ch;
             else if (m + 1 < ts.size()) out += to.substr(ts[m], ts[m + 1] - ts[m]);
           }
           return out;
         })});
}

void RegisterNumberFunctions(FunctionRegistry& r) {
  using T = TypeId;
  r.Add({"round", {T::kNumeric}, T::kNumeric, Text([](const Args& a, size_t i) { return RoundNumeric(a[0].String(i), 0, false); })});
  r.Add({"round", {T::kNumeric, T::kInt4}, T::kNumeric,
         Text([](const Args& a, size_t i) { return RoundNumeric(a[0].String(i), a[1].Int(i), false); })});
  r.Add({"round", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return std::nearbyint(a[0].Double(i)); })});
  r.Add({"trunc", {T::kNumeric}, T::kNumeric, Text([](const Args& a, size_t i) { return RoundNumeric(a[0].String(i), 0, true); })});
  r.Add({"trunc", {T::kNumeric, T::kInt4}, T::kNumeric,
         Text([](const Args& a, size_t i) { return RoundNumeric(a[0].String(i), a[1].Int(i), true); })});
  r.Add({"trunc", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return std::trunc(a[0].Double(i)); })});
  for (const char* name : {"ceil", "ceiling"}) {
    r.Add({name, {T::kNumeric}, T::kNumeric, Text([](const Args& a, size_t i) { return FloorCeilNumeric(a[0].String(i), true); })});
    r.Add({name, {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return std::ceil(a[0].Double(i)); })});
  }
  r.Add({"floor", {T::kNumeric}, T::kNumeric, Text([](const Args& a, size_t i) { return FloorCeilNumeric(a[0].String(i), false); })});
  r.Add({"floor", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return std::floor(a[0].Double(i)); })});
  r.Add({"abs", {T::kNumeric}, T::kNumeric, Text([](const Args& a, size_t i) {
           const std::string& v = a[0].String(i);
           return !v.empty() && v[0] == '-' ? v.substr(1) : v;
         })});
  for (T t : {T::kInt2, T::kInt4, T::kInt8}) {
    r.Add({"mod", {t, t}, t, Int([t](const Args& a, size_t i) { return IntArith('%', a[0].Int(i), a[1].Int(i), t); })});
    r.Add({"div", {t, t}, t, Int([t](const Args& a, size_t i) { return IntArith('/', a[0].Int(i), a[1].Int(i), t); })});
  }
  r.Add({"sign", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) {
           double v = a[0].Double(i);
           return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
         })});
  r.Add({"sqrt", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) {
           if (a[0].Double(i) < 0) Throw("2201F", "cannot take square root of a negative number");
           return std::sqrt(a[0].Double(i));
         })});
  r.Add({"cbrt", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return std::cbrt(a[0].Double(i)); })});
  for (const char* name : {"power", "pow"}) {
    r.Add({name, {T::kFloat8, T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) {
             double x = a[0].Double(i), y = a[1].Double(i);
             if (x == 0 && y < 0) Throw("2201F", "zero raised to a negative power is undefined");
             if (x < 0 && std::floor(y) != y) Throw("2201F", "a negative number raised to a non-integer power yields a complex result");
             return CheckFloat(std::pow(x, y));
           })});
  }
  r.Add({"exp", {T::kFloat8}, T::kFloat8, Float([](const Args& a, size_t i) { return CheckFloat(std::exp(a[0].Double(i))); })});
  auto log_of = [](double (*fn)(double)) {
    return Float([fn](const Args& a, size_t i) {
      double v = a[0].Double(i);
      if (v == 0) Throw("2201E", "cannot take logarithm of zero");
      if (v < 0) Throw("2201E", "cannot take logarithm of a negative number");
      return fn(v);
    });
  };
  r.Add({"ln", {T::kFloat8}, T::kFloat8, log_of(std::log)});
  r.Add({"log", {T::kFloat8}, T::kFloat8, log_of(std::log10)});
  r.Add({"log10", {T::kFloat8}, T::kFloat8, log_of(std::log10)});
  r.Add({"pi", {}, T::kFloat8, [](const Args&, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) out.SetNull(i, false), out.Double(i) = M_PI;
         }});
  // random(): a per-thread generator seeded from the OS (not setseed-reproducible yet).
  r.Add({"random", {}, T::kFloat8, [](const Args&, size_t n, Vector& out) {
           thread_local std::mt19937_64 engine{std::random_device{}()};
           std::uniform_real_distribution<double> dist(0.0, 1.0);
           for (size_t i = 0; i < n; ++i) out.SetNull(i, false), out.Double(i) = dist(engine);
         }});
  for (const char* name : {"degrees", "radians"}) {
    bool to_degrees = name[0] == 'd';
    r.Add({name, {T::kFloat8}, T::kFloat8, Float([to_degrees](const Args& a, size_t i) {
             return to_degrees ? a[0].Double(i) * 180.0 / M_PI : a[0].Double(i) * M_PI / 180.0;
           })});
  }
}

}  // namespace orbit::sql
