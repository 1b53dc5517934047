#include "sql/exec/numeric.h"

#include <algorithm>

#include "sql/types/types.h"

namespace orbit::sql::exec {
namespace {

using Int128 = __int128;
constexpr int kMaxDigits = 38;

struct Scaled {
  Int128 mantissa = 0;  // value = mantissa / 10^scale
  int scale = 0;
};

[[noreturn]] void OutOfRange(int location) {
  Throw("22003", "numeric value out of the range Orbit supports (38 significant digits)", location);
}

Int128 Pow10(int n, int location) {
  if (n > kMaxDigits) OutOfRange(location);
  Int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

Int128 Mul(Int128 a, Int128 b, int location) {
  Int128 out;
  if (__builtin_mul_overflow(a, b, &out)) OutOfRange(location);
  return out;
}

Scaled Parse(std::string_view s, int location) {
  if (s == "NaN") Throw("0A000", "arithmetic on numeric NaN is not supported yet", location);
  Scaled v;
  bool negative = !s.empty() && s[0] == '-';
  if (negative || (!s.empty() && s[0] == '+')) s.remove_prefix(1);
  bool fraction = false;
  int digits = 0;
  for (char c : s) {
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (c < '0' || c > '9') Throw("22P02", "invalid input syntax for type numeric: \"" + std::string(s) + "\"", location);
    if (v.mantissa != 0 || c != '0') ++digits;
    if (digits > kMaxDigits) OutOfRange(location);
    v.mantissa = v.mantissa * 10 + (c - '0');
    if (fraction) ++v.scale;
  }
  if (negative) v.mantissa = -v.mantissa;
  return v;
}

std::string Format(Int128 m, int scale) {
  bool negative = m < 0;
  unsigned __int128 u = negative ? static_cast<unsigned __int128>(-(m + 1)) + 1 : static_cast<unsigned __int128>(m);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string out = negative && m != 0 ? "-" : "";
  out += digits.substr(0, digits.size() - static_cast<size_t>(scale));
  if (scale > 0) out += "." + digits.substr(digits.size() - static_cast<size_t>(scale));
  return out;
}

// Rescales to a larger scale (exact).
Int128 Widen(const Scaled& v, int scale, int location) { return Mul(v.mantissa, Pow10(scale - v.scale, location), location); }

// PostgreSQL's base-10000 weight and first digit of |v| (select_div_scale).
void Weight(const Scaled& v, int& weight, int& first_digit) {
  unsigned __int128 u = v.mantissa < 0 ? static_cast<unsigned __int128>(-v.mantissa) : static_cast<unsigned __int128>(v.mantissa);
  if (u == 0) {
    weight = 0;
    first_digit = 0;
    return;
  }
  // Digits counted from the decimal point: position p (0 = units) of the highest
  // nonzero decimal digit; base-10000 weight = floor(p / 4).
  int highest = -1;
  for (unsigned __int128 t = u; t != 0; t /= 10) ++highest;
  int p = highest - v.scale;  // decimal exponent of the leading digit
  weight = p >= 0 ? p / 4 : -((-p + 3) / 4);
  // The leading base-10000 digit: |v| / 10000^weight, truncated.
  int shift = v.scale + weight * 4;  // |v| * 10^scale / 10^shift
  unsigned __int128 d = u;
  if (shift >= 0) {
    for (int i = 0; i < shift; ++i) d /= 10;
  } else {
    for (int i = 0; i < -shift; ++i) d *= 10;
  }
  first_digit = static_cast<int>(d % 10000);
}

int DivScale(const Scaled& a, const Scaled& b) {
  int w1, f1, w2, f2;
  Weight(a, w1, f1);
  Weight(b, w2, f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = 16 - qweight * 4;
  rscale = std::max({rscale, a.scale, b.scale, 0});
  return std::min(rscale, 1000);
}

}  // namespace

std::string NumericArith(char op, std::string_view a_text, std::string_view b_text, int location) {
  Scaled a = Parse(a_text, location), b = Parse(b_text, location);
  switch (op) {
    case '+':
    case '-': {
      int scale = std::max(a.scale, b.scale);
      Int128 x = Widen(a, scale, location), y = Widen(b, scale, location), r;
      bool overflow = op == '+' ? __builtin_add_overflow(x, y, &r) : __builtin_sub_overflow(x, y, &r);
      if (overflow) OutOfRange(location);
      return Format(r, scale);
    }
    case '*': return Format(Mul(a.mantissa, b.mantissa, location), a.scale + b.scale);
    case '/': {
      if (b.mantissa == 0) Throw("22012", "division by zero", location);
      int rscale = DivScale(a, b);
      // a/b = (A / 10^sa) / (B / 10^sb); the quotient with rscale decimals, by long
      // division: one more digit than needed, then rounded half away from zero.
      bool negative = (a.mantissa < 0) != (b.mantissa < 0);
      unsigned __int128 num = a.mantissa < 0 ? static_cast<unsigned __int128>(-a.mantissa) : static_cast<unsigned __int128>(a.mantissa);
      unsigned __int128 den = b.mantissa < 0 ? static_cast<unsigned __int128>(-b.mantissa) : static_cast<unsigned __int128>(b.mantissa);
      // Bring both to the same scale so num/den is the plain quotient.
      int common = std::max(a.scale, b.scale);
      for (int i = a.scale; i < common; ++i) {
        if (num > static_cast<unsigned __int128>(Pow10(kMaxDigits, location))) OutOfRange(location);
        num *= 10;
      }
      for (int i = b.scale; i < common; ++i) {
        if (den > static_cast<unsigned __int128>(Pow10(kMaxDigits, location))) OutOfRange(location);
        den *= 10;
      }
      unsigned __int128 q = num / den, rem = num % den;
      std::string fraction;
      for (int i = 0; i <= rscale; ++i) {  // rscale digits plus one for rounding
        rem *= 10;
        fraction.push_back(static_cast<char>('0' + static_cast<int>(rem / den)));
        rem %= den;
      }
      bool round_up = fraction.back() >= '5';
      fraction.pop_back();
      if (round_up) {
        int i = static_cast<int>(fraction.size()) - 1;
        while (i >= 0 && fraction[static_cast<size_t>(i)] == '9') fraction[static_cast<size_t>(i--)] = '0';
        if (i >= 0) ++fraction[static_cast<size_t>(i)];
        else ++q;
      }
      std::string digits;
      unsigned __int128 t = q;
      do {
        digits.push_back(static_cast<char>('0' + static_cast<int>(t % 10)));
        t /= 10;
      } while (t != 0);
      std::reverse(digits.begin(), digits.end());
      bool zero = q == 0 && fraction.find_first_not_of('0') == std::string::npos;
      std::string out = negative && !zero ? "-" : "";
      out += digits;
      if (!fraction.empty()) out += "." + fraction;
      return out;
    }
    default: Throw("0A000", "numeric % is not supported yet", location);
  }
}

std::string NumericNegate(std::string_view a) {
  if (a == "NaN") return std::string(a);
  if (!a.empty() && a[0] == '-') return std::string(a.substr(1));
  if (a.find_first_not_of("0.") == std::string_view::npos) return std::string(a);  // zero keeps no sign
  return "-" + std::string(a);
}

}  // namespace orbit::sql::exec
