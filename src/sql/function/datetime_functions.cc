// Date/time operators (date + integer, timestamp - interval, ...) and functions
// (date_trunc, date_part, extract, make_date), by PostgreSQL's rules.

#include <cmath>
#include <cstdio>
#include <limits>

#include "sql/function/functions.h"
#include "sql/types/datetime.h"

namespace orbit::sql {
namespace {

using exec::Vector;

Interval IntervalAt(const Vector& v, size_t i) { return DecodeInterval(v.String(i)); }

// A civil breakdown of microseconds since 2000-01-01.
struct Civil {
  int64_t year;
  unsigned month, day;
  int64_t days;  // since 2000-01-01
  int64_t time;  // micros into the day
};

// A date's first microsecond (22008 when that is past the timestamp range).
int64_t DateMicros(int64_t days) {
  int64_t micros = 0;
  if (__builtin_mul_overflow(days, kMicrosPerDay, &micros) || !TimestampInRange(micros)) {
    Throw("22008", "date out of range for timestamp");
  }
  return micros;
}

Civil Breakdown(int64_t micros) {
  Civil c;
  c.days = FloorDiv(micros, kMicrosPerDay);
  c.time = micros - c.days * kMicrosPerDay;
  CivilFromDays(c.days + kPgEpochDays, c.year, c.month, c.day);
  return c;
}

int64_t FromCivil(int64_t y, unsigned m, unsigned d) { return (DaysFromCivil(y, m, d) - kPgEpochDays) * kMicrosPerDay; }

// ISO 8601 week-numbering: the year and week that contain `days`.
void IsoWeek(int64_t days, int64_t& iso_year, int64_t& week) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days + kPgEpochDays, y, m, d);
  auto week1_monday = [](int64_t year) {
    int64_t jan4 = DaysFromCivil(year, 1, 4) - kPgEpochDays;
    int64_t isodow = ((jan4 + 5) % 7 + 7) % 7 + 1;  // 2000-01-01 was a Saturday (isodow 6)
    return jan4 - (isodow - 1);
  };
  iso_year = y;
  if (days < week1_monday(y)) iso_year = y - 1;
  else if (days >= week1_monday(y + 1)) iso_year = y + 1;
  week = (days - week1_monday(iso_year)) / 7 + 1;
}

int64_t IsoDow(int64_t days) { return ((days + 5) % 7 + 7) % 7 + 1; }  // Monday 1 .. Sunday 7

// A unit PostgreSQL knows but not for this type is 0A000; an unknown unit 22023.
[[noreturn]] void BadUnit(const std::string& unit, const char* type) {
  static const char* const kUnits[] = {"microseconds", "milliseconds", "second", "minute", "hour", "day", "week",
                                       "month", "quarter", "year", "decade", "century", "millennium", "dow",
                                       "isodow", "doy", "epoch", "isoyear", "julian", "timezone"};
  for (const char* known : kUnits) {
    if (unit == known) Throw("0A000", "unit \"" + unit + "\" not supported for type " + type);
  }
  Throw("22023", "unit \"" + unit + "\" not recognized for type " + type);
}

int64_t TruncTimestamp(const std::string& field, int64_t micros) {
  Civil c = Breakdown(micros);
  int64_t day_start = c.days * kMicrosPerDay;
  if (field == "microseconds") return micros;
  if (field == "milliseconds") return day_start + c.time / 1000 * 1000;
  if (field == "second") return day_start + c.time / kMicrosPerSecond * kMicrosPerSecond;
  if (field == "minute") return day_start + c.time / kMicrosPerMinute * kMicrosPerMinute;
  if (field == "hour") return day_start + c.time / kMicrosPerHour * kMicrosPerHour;
  if (field == "day") return day_start;
  if (field == "week") return (c.days - (IsoDow(c.days) - 1)) * kMicrosPerDay;
  if (field == "month") return FromCivil(c.year, c.month, 1);
  if (field == "quarter") return FromCivil(c.year, (c.month - 1) / 3 * 3 + 1, 1);
  if (field == "year") return FromCivil(c.year, 1, 1);
  if (field == "decade") return FromCivil(FloorDiv(c.year, 10) * 10, 1, 1);
  if (field == "century") return FromCivil(c.year > 0 ? (c.year - 1) / 100 * 100 + 1 : -((99 - c.year) / 100) * 100 + 1, 1, 1);
  if (field == "millennium") return FromCivil(c.year > 0 ? (c.year - 1) / 1000 * 1000 + 1 : -((999 - c.year) / 1000) * 1000 + 1, 1, 1);
  BadUnit(field, "timestamp without time zone");
}

// A field of a timestamp as date_part/extract see it: the value and whether it
// carries a fraction of seconds (second, milliseconds, epoch).
struct Part {
  double value;
  int scale;  // decimals extract() shows: 0, 3 or 6
  int64_t micros;  // the exact value times 10^6 when scale > 0
};

// `value`: microseconds since 2000-01-01, or days for a date (whose far years
// would not fit in microseconds).
Part TimestampPart(const std::string& field, int64_t value, bool is_date) {
  Civil c;
  if (is_date) {
    c.days = value;
    c.time = 0;
    CivilFromDays(c.days + kPgEpochDays, c.year, c.month, c.day);
  } else {
    c = Breakdown(value);
  }
  int64_t micros = is_date ? 0 : value;
  auto whole = [](int64_t v) { return Part{static_cast<double>(v), 0, 0}; };
  int64_t secs_micros = c.time % kMicrosPerMinute;
  if (field == "year") return whole(c.year > 0 ? c.year : c.year - 1);
  if (field == "month") return whole(c.month);
  if (field == "day") return whole(c.day);
  if (field == "quarter") return whole((c.month - 1) / 3 + 1);
  if (field == "dow") return whole(IsoDow(c.days) % 7);
  if (field == "isodow") return whole(IsoDow(c.days));
  if (field == "doy") return whole(c.days + kPgEpochDays - DaysFromCivil(c.year, 1, 1) + 1);
  if (field == "week" || field == "isoyear") {
    int64_t iso_year, week;
    IsoWeek(c.days, iso_year, week);
    return whole(field == "week" ? week : iso_year);
  }
  if (field == "decade") return whole(FloorDiv(c.year, 10));
  if (field == "century") return whole(c.year > 0 ? (c.year + 99) / 100 : -((99 - (c.year - 1)) / 100));
  if (field == "millennium") return whole(c.year > 0 ? (c.year + 999) / 1000 : -((999 - (c.year - 1)) / 1000));
  if (field == "epoch") {
    if (is_date) return whole((c.days + kPgEpochDays) * 86400);
    int64_t unix_micros = micros + kPgEpochDays * kMicrosPerDay;  // timestamps end before this overflows
    return Part{static_cast<double>(unix_micros) / 1e6, 6, unix_micros};
  }
  if (is_date) BadUnit(field, "date");
  if (field == "hour") return whole(c.time / kMicrosPerHour);
  if (field == "minute") return whole(c.time / kMicrosPerMinute % 60);
  if (field == "second") return Part{static_cast<double>(secs_micros) / 1e6, 6, secs_micros};
  if (field == "milliseconds") return Part{static_cast<double>(secs_micros) / 1e3, 3, secs_micros};
  if (field == "microseconds") return whole(secs_micros);
  BadUnit(field, "timestamp without time zone");
}

Part IntervalPart(const std::string& field, const Interval& v) {
  auto whole = [](int64_t x) { return Part{static_cast<double>(x), 0, 0}; };
  int64_t secs_micros = v.micros % kMicrosPerMinute;
  if (field == "millennium") return whole(v.months / 12 / 1000);
  if (field == "century") return whole(v.months / 12 / 100);
  if (field == "decade") return whole(v.months / 12 / 10);
  if (field == "year") return whole(v.months / 12);
  if (field == "quarter") return whole(v.months % 12 / 3 + 1);
  if (field == "month") return whole(v.months % 12);
  if (field == "day") return whole(v.days);
  if (field == "hour") return whole(v.micros / kMicrosPerHour);
  if (field == "minute") return whole(v.micros / kMicrosPerMinute % 60);
  if (field == "second") return Part{static_cast<double>(secs_micros) / 1e6, 6, secs_micros};
  if (field == "milliseconds") return Part{static_cast<double>(secs_micros) / 1e3, 3, secs_micros};
  if (field == "microseconds") return whole(secs_micros);
  if (field == "epoch") {
    // A year is 365.25 days and a month 30 days here, as in PostgreSQL.
    __int128 micros = static_cast<__int128>(v.months / 12) * 36525 * kMicrosPerDay / 100 +
                      static_cast<__int128>(v.months % 12) * 30 * kMicrosPerDay +
                      static_cast<__int128>(v.days) * kMicrosPerDay + v.micros;
    if (micros > INT64_MAX || micros < INT64_MIN) Throw("22003", "interval epoch out of range");
    return Part{static_cast<double>(micros) / 1e6, 6, static_cast<int64_t>(micros)};
  }
  BadUnit(field, "interval");
}

// extract()'s numeric text: integers as they are, fractions at the field's scale.
std::string PartNumeric(const Part& p) {
  if (p.scale == 0) return std::to_string(static_cast<int64_t>(p.value));
  // `micros` holds the value times 10^scale (seconds: micros; milliseconds: micros too, 3 decimals).
  bool negative = p.micros < 0;
  uint64_t mag = negative ? 0 - static_cast<uint64_t>(p.micros) : static_cast<uint64_t>(p.micros);
  uint64_t pow = p.scale == 6 ? 1000000 : 1000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%llu.%0*llu", negative ? "-" : "", static_cast<unsigned long long>(mag / pow),
                p.scale, static_cast<unsigned long long>(mag % pow));
  return buf;
}

std::string Field(const Vector& v, size_t i) { return AsciiLower(v.String(i)); }

void AddPartFunctions(FunctionRegistry& r) {
  auto for_timestamp = [](bool numeric, bool is_date) {
    return Strict([numeric, is_date](const std::vector<Vector>& a, size_t i, Vector& out) {
      Part p = TimestampPart(Field(a[0], i), a[1].Int(i), is_date);
      if (numeric) out.String(i) = PartNumeric(p);
      else out.Double(i) = p.value;
    });
  };
  auto for_interval = [](bool numeric, bool is_time) {
    return Strict([numeric, is_time](const std::vector<Vector>& a, size_t i, Vector& out) {
      Interval v = is_time ? Interval{0, 0, a[1].Int(i)} : IntervalAt(a[1], i);
      std::string field = Field(a[0], i);
      if (is_time && field != "hour" && field != "minute" && field != "second" && field != "milliseconds" &&
          field != "microseconds" && field != "epoch") {
        BadUnit(field, "time without time zone");
      }
      Part p = IntervalPart(field, v);
      if (numeric) out.String(i) = PartNumeric(p);
      else out.Double(i) = p.value;
    });
  };
  for (bool numeric : {false, true}) {
    const char* name = numeric ? "extract" : "date_part";
    TypeId result = numeric ? TypeId::kNumeric : TypeId::kFloat8;
    r.Add({name, {TypeId::kText, TypeId::kTimestamp}, result, for_timestamp(numeric, false)});
    r.Add({name, {TypeId::kText, TypeId::kTimestampTz}, result, for_timestamp(numeric, false)});
    r.Add({name, {TypeId::kText, TypeId::kDate}, result, for_timestamp(numeric, true)});
    r.Add({name, {TypeId::kText, TypeId::kInterval}, result, for_interval(numeric, false)});
    r.Add({name, {TypeId::kText, TypeId::kTime}, result, for_interval(numeric, true)});
  }
}

}  // namespace

void RegisterDateTimeFunctions(FunctionRegistry& r) {
  using T = TypeId;
  auto ts_plus = [](bool subtract, bool interval_first) {
    return Strict([subtract, interval_first](const std::vector<Vector>& a, size_t i, Vector& out) {
      const Vector& ts = a[interval_first ? 1 : 0];
      Interval v = IntervalAt(a[interval_first ? 0 : 1], i);
      int64_t base = ts.type().id == T::kDate ? DateMicros(ts.Int(i)) : ts.Int(i);
      if (subtract) v = IntervalNegate(v, -1);
      out.Int(i) = TimestampPlusInterval(base, v, -1);
    });
  };
  for (T ts : {T::kTimestamp, T::kTimestampTz, T::kDate}) {
    T result = ts == T::kDate ? T::kTimestamp : ts;
    r.Add({"op:+", {ts, T::kInterval}, result, ts_plus(false, false)});
    r.Add({"op:+", {T::kInterval, ts}, result, ts_plus(false, true)});
    r.Add({"op:-", {ts, T::kInterval}, result, ts_plus(true, false)});
  }
  auto date_shift = [](int sign, bool int_first) {
    return Strict([sign, int_first](const std::vector<Vector>& a, size_t i, Vector& out) {
      int64_t date = a[int_first ? 1 : 0].Int(i), days = a[int_first ? 0 : 1].Int(i);
      int64_t v = date + sign * days;  // both fit in 32 bits: no 64-bit overflow
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        Throw("22008", "date out of range");
      }
      out.Int(i) = v;
    });
  };
  r.Add({"op:+", {T::kDate, T::kInt4}, T::kDate, date_shift(1, false)});
  r.Add({"op:+", {T::kInt4, T::kDate}, T::kDate, date_shift(1, true)});
  r.Add({"op:-", {T::kDate, T::kInt4}, T::kDate, date_shift(-1, false)});
  r.Add({"op:-", {T::kDate, T::kDate}, T::kInt4, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = IntArith('-', a[0].Int(i), a[1].Int(i), T::kInt4);
         })});
  r.Add({"op:+", {T::kDate, T::kTime}, T::kTimestamp, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = DateMicros(a[0].Int(i)) + a[1].Int(i);
         })});
  for (T ts : {T::kTimestamp, T::kTimestampTz}) {
    r.Add({"op:-", {ts, ts}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
             out.String(i) = EncodeInterval(TimestampMinus(a[0].Int(i), a[1].Int(i)));
           })});
  }
  auto interval_plus = [](bool subtract) {
    return Strict([subtract](const std::vector<Vector>& a, size_t i, Vector& out) {
      out.String(i) = EncodeInterval(IntervalPlus(IntervalAt(a[0], i), IntervalAt(a[1], i), subtract, -1));
    });
  };
  r.Add({"op:+", {T::kInterval, T::kInterval}, T::kInterval, interval_plus(false)});
  r.Add({"op:-", {T::kInterval, T::kInterval}, T::kInterval, interval_plus(true)});
  r.Add({"op:-", {T::kInterval}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = EncodeInterval(IntervalNegate(IntervalAt(a[0], i), -1));
         })});
  r.Add({"op:*", {T::kInterval, T::kFloat8}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = EncodeInterval(IntervalScale(IntervalAt(a[0], i), a[1].Double(i), false, -1));
         })});
  r.Add({"op:*", {T::kFloat8, T::kInterval}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = EncodeInterval(IntervalScale(IntervalAt(a[1], i), a[0].Double(i), false, -1));
         })});
  r.Add({"op:/", {T::kInterval, T::kFloat8}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = EncodeInterval(IntervalScale(IntervalAt(a[0], i), a[1].Double(i), true, -1));
         })});
  auto time_plus = [](bool subtract, bool interval_first) {
    return Strict([subtract, interval_first](const std::vector<Vector>& a, size_t i, Vector& out) {
      int64_t t = a[interval_first ? 1 : 0].Int(i);
      int64_t shift = IntervalAt(a[interval_first ? 0 : 1], i).micros % kMicrosPerDay;
      int64_t v = (t + (subtract ? -shift : shift)) % kMicrosPerDay;
      out.Int(i) = v < 0 ? v + kMicrosPerDay : v;
    });
  };
  r.Add({"op:+", {T::kTime, T::kInterval}, T::kTime, time_plus(false, false)});
  r.Add({"op:+", {T::kInterval, T::kTime}, T::kTime, time_plus(false, true)});
  r.Add({"op:-", {T::kTime, T::kInterval}, T::kTime, time_plus(true, false)});
  r.Add({"op:-", {T::kTime, T::kTime}, T::kInterval, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = EncodeInterval({0, 0, a[0].Int(i) - a[1].Int(i)});
         })});

  // timestamptz first: a date argument takes the preferred type, as in PostgreSQL.
  for (T ts : {T::kTimestampTz, T::kTimestamp}) {
    r.Add({"date_trunc", {T::kText, ts}, ts, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
             out.Int(i) = TruncTimestamp(Field(a[0], i), a[1].Int(i));
           })});
  }
  AddPartFunctions(r);
  r.Add({"make_date", {T::kInt4, T::kInt4, T::kInt4}, T::kDate,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           int64_t y = a[0].Int(i), m = a[1].Int(i), d = a[2].Int(i);
           if (y == 0 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y < 0 ? y + 1 : y, static_cast<unsigned>(m))) {
             Throw("22008", "date field value out of range: " + std::to_string(y) + "-" + std::to_string(m) + "-" +
                                std::to_string(d));
           }
           out.Int(i) = DaysFromCivil(y < 0 ? y + 1 : y, static_cast<unsigned>(m), static_cast<unsigned>(d)) - kPgEpochDays;
         })});
}

}  // namespace orbit::sql
