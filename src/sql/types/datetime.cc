#include "sql/types/datetime.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

namespace orbit::sql {

namespace {

[[noreturn]] void BadSyntax(TypeId id, std::string_view text, int location) {
  Throw("22007", "invalid input syntax for type " + std::string(TypeInputName(id)) + ": \"" + std::string(text) + "\"",
        location);
}

[[noreturn]] void FieldOutOfRange(std::string_view text, int location) {
  Throw("22008", "date/time field value out of range: \"" + std::string(text) + "\"", location);
}

// Reads fractional-second digits after the '.', rounded to microseconds as PostgreSQL does.
int64_t FractionMicros(std::string_view digits) {
  int64_t frac = 0;
  size_t n = 0;
  for (char ch : digits.substr(0, 7)) frac = frac * 10 + (ch - '0'), ++n;
  while (n < 7) frac *= 10, ++n;
  return (frac + 5) / 10;
}

void AppendSeconds(std::string& out, int64_t secs, int64_t frac) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(secs));
  out += buf;
  if (frac > 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
}

// Reads between min_digits and max_digits decimal digits at s[i...] into `out`; advances i.
bool ReadDigits(std::string_view s, size_t& i, size_t min_digits, size_t max_digits, int64_t& out) {
  size_t start = i;
  out = 0;
  while (i < s.size() && i - start < max_digits && std::isdigit(static_cast<unsigned char>(s[i]))) {
    out = out * 10 + (s[i++] - '0');
  }
  return i - start >= min_digits;
}

// Parses "HH:MM[:SS[.ffffff]]" at s[i...]; advances i. False when it does not match.
bool ParseClock(std::string_view s, size_t& i, int64_t& h, int64_t& mi, int64_t& sec, int64_t& micros) {
  auto number = [&](size_t min_digits, size_t max_digits, int64_t& out) {
    return ReadDigits(s, i, min_digits, max_digits, out);
  };
  h = mi = sec = micros = 0;
  if (!number(1, 9, h) || i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!number(1, 2, mi)) return false;  // "1:2:3" reads as 01:02:03, as in PostgreSQL
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!number(1, 2, sec)) return false;
    if (i < s.size() && s[i] == '.') {
      size_t start = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == start) return false;
      micros = FractionMicros(s.substr(start, i - start));
    }
  }
  return true;
}

}  // namespace

std::string EncodeInterval(const Interval& v) {
  std::string out(16, '\0');
  std::memcpy(out.data(), &v.micros, 8);
  std::memcpy(out.data() + 8, &v.days, 4);
  std::memcpy(out.data() + 12, &v.months, 4);
  return out;
}

Interval DecodeInterval(std::string_view bytes) {
  Interval v;
  if (bytes.size() != 16) return v;
  std::memcpy(&v.micros, bytes.data(), 8);
  std::memcpy(&v.days, bytes.data() + 8, 4);
  std::memcpy(&v.months, bytes.data() + 12, 4);
  return v;
}

namespace {

__int128 Span(const Interval& v) { return (static_cast<__int128>(v.months) * 30 + v.days) * kMicrosPerDay + v.micros; }

}  // namespace

int CompareIntervals(const Interval& a, const Interval& b) {
  __int128 x = Span(a), y = Span(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

std::string IntervalKey(const Interval& v) {
  // Big-endian with the sign bit flipped: byte order is numeric order.
  auto u = static_cast<unsigned __int128>(Span(v)) ^ (static_cast<unsigned __int128>(1) << 127);
  std::string out(16, '\0');
  for (int i = 15; i >= 0; --i, u >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
  return out;
}

// PostgreSQL's ranges: dates 4714-11-24 BC to 5874897-12-31, timestamps 4714-11-24 BC to 294276 AD.
bool DateInRange(int64_t days) { return days >= -2451545 && days < 2145031949; }
bool TimestampInRange(int64_t micros) { return micros >= -211813488000000000LL && micros < 9223371331200000000LL; }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's algorithms.
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

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && IsLeapYear(y) ? 1 : 0);
}

// ISO 8601 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+HH[:MM]|-HH[:MM]]'.
int64_t ParseDateTime(std::string_view text, TypeId id, int location) {
  std::string_view s = TrimSpaces(text);
  // A trailing era: "0044-03-15 BC" is year -43 (there is no year 0).
  bool bc = false;
  if (s.size() > 3 && (s.ends_with(" BC") || s.ends_with(" bc"))) {
    bc = true;
    s = TrimSpaces(s.substr(0, s.size() - 3));
  } else if (s.size() > 3 && (s.ends_with(" AD") || s.ends_with(" ad"))) {
    s = TrimSpaces(s.substr(0, s.size() - 3));
  }
  size_t i = 0;
  auto number = [&](size_t min_digits, size_t max_digits, int64_t& out) {
    return ReadDigits(s, i, min_digits, max_digits, out);
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, micros = 0, offset_minutes = 0;
  if (!number(4, 7, y) || !expect('-') || !number(1, 2, mo) || !expect('-') || !number(1, 2, d)) {
    BadSyntax(id, text, location);
  }
  if (bc) {
    if (y == 0) BadSyntax(id, text, location);
    y = 1 - y;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) FieldOutOfRange(text, location);
  if (i < s.size() && id != TypeId::kDate) {
    if (!(expect(' ') || expect('T'))) BadSyntax(id, text, location);
    while (i < s.size() && s[i] == ' ') ++i;
    if (!ParseClock(s, i, h, mi, sec, micros)) BadSyntax(id, text, location);
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i++] == '-' ? -1 : 1;
        int64_t oh = 0, om = 0;
        if (!number(1, 2, oh)) BadSyntax(id, text, location);
        if (expect(':')) {
          if (!number(2, 2, om)) BadSyntax(id, text, location);
        } else {
          number(2, 2, om);
        }
        offset_minutes = sign * (oh * 60 + om);
      }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi > 0 || sec > 0 || micros > 0))) {
      FieldOutOfRange(text, location);
    }
  } else if (i < s.size() && id == TypeId::kDate) {
    // A date accepts and drops a time part ('2024-01-01 10:00').
    if (s[i] != ' ' && s[i] != 'T') BadSyntax(id, text, location);
    i = s.size();
  }
  if (i != s.size()) BadSyntax(id, text, location);
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) - kPgEpochDays;
  if (id == TypeId::kDate) {
    if (!DateInRange(days)) Throw("22008", "date out of range: \"" + std::string(text) + "\"", location);
    return days;
  }
  __int128 total = static_cast<__int128>(days) * kMicrosPerDay + ((h * 60 + mi) * 60 + sec) * kMicrosPerSecond + micros;
  if (id == TypeId::kTimestampTz) total -= offset_minutes * kMicrosPerMinute;  // to UTC
  if (total < INT64_MIN || total > INT64_MAX || !TimestampInRange(static_cast<int64_t>(total))) {
    Throw("22008", "timestamp out of range: \"" + std::string(text) + "\"", location);
  }
  return static_cast<int64_t>(total);
}

// time input: [date ]HH:MM[:SS[.f]][ AM|PM][ zone]. A leading date and a zone
// (time without time zone ignores it) are accepted as PostgreSQL does.
int64_t ParseTime(std::string_view text, int location) {
  std::string_view s = TrimSpaces(text);
  size_t i = 0;
  int64_t y, mo, d;
  size_t date_end = 0;
  if (ReadDigits(s, date_end, 4, 7, y) && date_end < s.size() && s[date_end] == '-' &&
      ReadDigits(s, ++date_end, 1, 2, mo) && date_end < s.size() && s[date_end] == '-' &&
      ReadDigits(s, ++date_end, 1, 2, d) && date_end < s.size() && (s[date_end] == ' ' || s[date_end] == 'T')) {
    i = date_end + 1;
    while (i < s.size() && s[i] == ' ') ++i;
  }
  int64_t h, mi, sec, micros;
  if (!ParseClock(s, i, h, mi, sec, micros)) BadSyntax(TypeId::kTime, text, location);
  while (i < s.size() && s[i] == ' ') ++i;
  if (i + 1 < s.size() && (s[i + 1] == 'M' || s[i + 1] == 'm') &&
      (s[i] == 'A' || s[i] == 'a' || s[i] == 'P' || s[i] == 'p')) {
    bool pm = s[i] == 'P' || s[i] == 'p';
    if (h > 12) FieldOutOfRange(text, location);
    if (h == 12) h = 0;
    if (pm) h += 12;
    i += 2;
    while (i < s.size() && s[i] == ' ') ++i;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {  // a zone offset: ignored by time without time zone
    int64_t zh, zm;
    ++i;
    if (!ReadDigits(s, i, 1, 2, zh)) BadSyntax(TypeId::kTime, text, location);
    if (i < s.size() && s[i] == ':') ++i;
    ReadDigits(s, i, 0, 2, zm);
  } else if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  }
  if (i != s.size()) BadSyntax(TypeId::kTime, text, location);
  if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi > 0 || sec > 0 || micros > 0))) {
    FieldOutOfRange(text, location);
  }
  return h * kMicrosPerHour + mi * kMicrosPerMinute + sec * kMicrosPerSecond + micros;
}

// PostgreSQL's interval input, "postgres" style: signed quantities with units
// ("1 year 2 mons -3 days", "1.5 hours", "3 days ago"), a clock part
// ("1 day 02:03:04"), and a bare number as seconds. ISO 8601 ("P1D") is not
// supported yet.
Interval ParseInterval(std::string_view text, int location) {
  std::string_view s = TrimSpaces(text);
  auto bad = [&]() { BadSyntax(TypeId::kInterval, text, location); };
  if (!s.empty() && s.front() == '@') s.remove_prefix(1);
  long double months = 0, days = 0, micros = 0;
  bool any = false, ago = false;
  // Each field may appear once ("1 day 1 day" is 22007, as in PostgreSQL).
  enum Field : unsigned {
    kYear = 1, kDecade = 2, kCentury = 4, kMillennium = 8, kMonth = 16, kWeek = 32, kDay = 64, kHour = 128,
    kMinute = 256, kSecond = 512, kMillisecond = 1024, kMicrosecond = 2048
  };
  unsigned seen = 0;
  auto mark = [&](unsigned fields) {
    if (seen & fields) bad();
    seen |= fields;
  };
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  for (skip_spaces(); i < s.size(); skip_spaces()) {
    if (ago) bad();
    size_t start = i;
    int sign = 1;
    if (s[i] == '+' || s[i] == '-') sign = s[i++] == '-' ? -1 : 1;
    // A clock part: [-]HH:MM[:SS[.f]]
    size_t probe = i;
    while (probe < s.size() && std::isdigit(static_cast<unsigned char>(s[probe]))) ++probe;
    if (probe > i && probe < s.size() && s[probe] == ':') {
      int64_t h, mi, sec, us;
      if (!ParseClock(s, i, h, mi, sec, us)) bad();
      if (i < s.size() && s[i] == '.' && sec == 0) {  // "12:34.5" is minutes:seconds.fraction
        size_t start = ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        us = FractionMicros(s.substr(start, i - start));
        sec = mi, mi = h, h = 0;
      }
      if (mi > 59 || sec > 59) {
        Throw("22015", "interval field value out of range: \"" + std::string(text) + "\"", location);
      }
      mark(kHour | kMinute | kSecond);
      micros += sign * static_cast<long double>(h * kMicrosPerHour + mi * kMicrosPerMinute + sec * kMicrosPerSecond + us);
      any = true;
      continue;
    }
    // A number, then a unit (or nothing: seconds).
    size_t num_start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string number(s.substr(num_start, i - num_start));
    if (number.empty()) {
      size_t word_start = i;
      while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      if (AsciiLower(s.substr(word_start, i - word_start)) == "ago" && start == word_start && any) {
        ago = true;
        continue;
      }
      bad();
    }
    char* end = nullptr;
    long double value = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) bad();
    value *= sign;
    skip_spaces();
    size_t unit_start = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string unit = AsciiLower(s.substr(unit_start, i - unit_start));
    if (!unit.empty() && unit.back() == 's' && unit.size() > 1 && unit != "s" && unit != "ms" && unit != "us") {
      unit.pop_back();  // plurals: days -> day, mons -> mon, secs -> sec
    }
    if (unit.empty()) {
      // A bare number before a clock part counts days ("1 2:03:04"); otherwise seconds.
      size_t next = i;
      while (next < s.size() && std::isdigit(static_cast<unsigned char>(s[next]))) ++next;
      if (next > i && next < s.size() && s[next] == ':') {
        mark(kDay);
        days += value;
      } else {
        mark(kSecond);
        micros += value * kMicrosPerSecond;
      }
    } else if (unit == "second" || unit == "sec" || unit == "s") mark(kSecond), micros += value * kMicrosPerSecond;
    else if (unit == "microsecond" || unit == "usec" || unit == "us") mark(kMicrosecond), micros += value;
    else if (unit == "millisecond" || unit == "msec" || unit == "ms") mark(kMillisecond), micros += value * 1000;
    else if (unit == "minute" || unit == "min" || unit == "m") mark(kMinute), micros += value * kMicrosPerMinute;
    else if (unit == "hour" || unit == "hr" || unit == "h") mark(kHour), micros += value * kMicrosPerHour;
    else if (unit == "day" || unit == "d") mark(kDay), days += value;
    else if (unit == "week" || unit == "w") mark(kWeek), days += value * 7;
    else if (unit == "month" || unit == "mon") mark(kMonth), months += value;
    // Fractions of years round to whole months, as PostgreSQL's DecodeInterval.
    else if (unit == "year" || unit == "yr" || unit == "y") mark(kYear), months += std::nearbyint(value * 12);
    else if (unit == "decade") mark(kDecade), months += std::nearbyint(value * 120);
    else if (unit == "century" || unit == "centurie") mark(kCentury), months += std::nearbyint(value * 1200);
    else if (unit == "millennium" || unit == "millennia" || unit == "millenium") {
      mark(kMillennium);
      months += std::nearbyint(value * 12000);
    }
    else bad();
    any = true;
  }
  if (!any) bad();
  // Fractions spill downwards: a fraction of a month becomes 30-day days, of a day 24 hours.
  long double whole_months = std::trunc(months);
  days += (months - whole_months) * 30;
  long double whole_days = std::trunc(days);
  micros += (days - whole_days) * kMicrosPerDay;
  long double whole_micros = std::nearbyint(micros);
  if (std::fabs(whole_months) > std::numeric_limits<int32_t>::max() ||
      std::fabs(whole_days) > std::numeric_limits<int32_t>::max() || std::fabs(whole_micros) > 9.2e18L) {
    Throw("22015", "interval field value out of range: \"" + std::string(text) + "\"", location);
  }
  Interval v{static_cast<int32_t>(whole_months), static_cast<int32_t>(whole_days), static_cast<int64_t>(whole_micros)};
  return ago ? IntervalNegate(v, location) : v;
}

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

std::string FormatTime(int64_t micros) {
  int64_t secs = micros / kMicrosPerSecond;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60));
  std::string out = buf;
  AppendSeconds(out, secs % 60, micros % kMicrosPerSecond);
  return out;
}

std::string FormatTimestamp(int64_t micros, bool with_zone) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  std::string date = FormatDate(days);
  std::string bc;
  if (date.ends_with(" BC")) {
    bc = " BC";
    date.resize(date.size() - 3);
  }
  std::string out = date + " " + FormatTime(micros - days * kMicrosPerDay);
  if (with_zone) out += "+00";
  return out + bc;
}

// EncodeInterval in PostgreSQL's datetime.c, IntervalStyle "postgres".
std::string FormatInterval(const Interval& v) {
  std::string out;
  bool is_zero = true, is_before = false;
  auto part = [&](int64_t value, const char* unit) {
    if (value == 0) return;
    if (!is_zero) out += ' ';
    if (is_before && value > 0) out += '+';
    out += std::to_string(value) + " " + unit + (value != 1 ? "s" : "");
    is_before = value < 0;
    is_zero = false;
  };
  part(v.months / 12, "year");
  part(v.months % 12, "mon");
  part(v.days, "day");
  int64_t time = v.micros;
  if (is_zero || time != 0) {
    bool minus = time < 0;
    // |INT64_MIN| does not fit; hours then carry the sign alone.
    uint64_t magnitude = minus ? 0 - static_cast<uint64_t>(time) : static_cast<uint64_t>(time);
    uint64_t secs = magnitude / kMicrosPerSecond;
    if (!is_zero) out += ' ';
    out += minus ? "-" : (is_before ? "+" : "");
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:", static_cast<unsigned long long>(secs / 3600),
                  static_cast<unsigned long long>(secs / 60 % 60));
    out += buf;
    AppendSeconds(out, static_cast<int64_t>(secs % 60), static_cast<int64_t>(magnitude % kMicrosPerSecond));
  }
  return out;
}

int64_t TimestampPlusInterval(int64_t micros, const Interval& v, int location) {
  auto out_of_range = [&]() { Throw("22008", "timestamp out of range", location); };
  if (v.months != 0) {
    int64_t days = FloorDiv(micros, kMicrosPerDay);
    int64_t time = micros - days * kMicrosPerDay;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days + kPgEpochDays, y, m, d);
    int64_t month_index = y * 12 + (m - 1) + v.months;
    y = FloorDiv(month_index, 12);
    m = static_cast<unsigned>(month_index - y * 12 + 1);
    d = std::min(d, DaysInMonth(y, m));
    __int128 moved = static_cast<__int128>(DaysFromCivil(y, m, d) - kPgEpochDays) * kMicrosPerDay + time;
    if (moved < INT64_MIN || moved > INT64_MAX) out_of_range();
    micros = static_cast<int64_t>(moved);
  }
  int64_t shift = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(v.days), kMicrosPerDay, &shift) ||
      __builtin_add_overflow(micros, shift, &micros) || __builtin_add_overflow(micros, v.micros, &micros)) {
    out_of_range();
  }
  if (!TimestampInRange(micros)) out_of_range();
  return micros;
}

Interval TimestampMinus(int64_t a, int64_t b) {
  __int128 diff = static_cast<__int128>(a) - b;  // both in range: at most about 2^63.05
  __int128 days = diff / kMicrosPerDay;
  if (days > INT32_MAX || days < INT32_MIN) Throw("22008", "interval out of range");
  Interval v;
  v.days = static_cast<int32_t>(days);
  v.micros = static_cast<int64_t>(diff % kMicrosPerDay);
  return v;
}

Interval IntervalPlus(const Interval& a, const Interval& b, bool subtract, int location) {
  Interval out;
  bool overflow = subtract ? __builtin_sub_overflow(a.months, b.months, &out.months) ||
                                 __builtin_sub_overflow(a.days, b.days, &out.days) ||
                                 __builtin_sub_overflow(a.micros, b.micros, &out.micros)
                           : __builtin_add_overflow(a.months, b.months, &out.months) ||
                                 __builtin_add_overflow(a.days, b.days, &out.days) ||
                                 __builtin_add_overflow(a.micros, b.micros, &out.micros);
  if (overflow) Throw("22008", "interval out of range", location);
  return out;
}

// interval_mul / interval_div (PostgreSQL 15): whole months and days scale
// and truncate; their fractions spill into days and seconds, rounded to
// microseconds on the way (TSROUND), then time scales and rounds.
Interval IntervalScale(const Interval& v, double factor, bool divide, int location) {
  auto out_of_range = [&]() { Throw("22008", "interval out of range", location); };
  if (divide && factor == 0) Throw("22012", "division by zero", location);
  if (std::isnan(factor) || std::isinf(factor)) out_of_range();
  auto scale = [&](double x) { return divide ? x / factor : x * factor; };
  auto ts_round = [](double x) { return std::nearbyint(x * 1e6) / 1e6; };
  double months = scale(v.months), days = scale(v.days);
  if (std::fabs(months) > std::numeric_limits<int32_t>::max() || std::fabs(days) > std::numeric_limits<int32_t>::max()) {
    out_of_range();
  }
  Interval out;
  out.months = static_cast<int32_t>(months);
  out.days = static_cast<int32_t>(days);
  double month_remainder_days = ts_round((months - out.months) * 30);
  double sec_remainder = ts_round((days - out.days + month_remainder_days - static_cast<int>(month_remainder_days)) * 86400);
  if (std::fabs(sec_remainder) >= 86400) {
    out.days += static_cast<int32_t>(sec_remainder / 86400);
    sec_remainder -= static_cast<int>(sec_remainder / 86400) * 86400.0;
  }
  out.days += static_cast<int32_t>(month_remainder_days);
  double micros = std::nearbyint(scale(static_cast<double>(v.micros)) + sec_remainder * 1e6);
  if (std::fabs(micros) >= 9.2e18) out_of_range();
  out.micros = static_cast<int64_t>(micros);
  return out;
}

Interval IntervalNegate(const Interval& v, int location) {
  if (v.months == std::numeric_limits<int32_t>::min() || v.days == std::numeric_limits<int32_t>::min() ||
      v.micros == std::numeric_limits<int64_t>::min()) {
    Throw("22008", "interval out of range", location);
  }
  return Interval{-v.months, -v.days, -v.micros};
}

}  // namespace orbit::sql
