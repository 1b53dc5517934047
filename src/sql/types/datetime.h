#pragma once

// Dates, times, timestamps and intervals as PostgreSQL holds them: date in days
// and timestamps in microseconds since 2000-01-01, time in microseconds since
// midnight, and an interval as separate months, days and microseconds (a month
// is not a fixed number of days). Text forms follow PostgreSQL's ISO DateStyle
// and "postgres" IntervalStyle. Errors throw SqlException (22007, 22008, 22P02).

#include <cstdint>
#include <string>
#include <string_view>

#include "sql/types/types.h"

namespace orbit::sql {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;
constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01 - 1970-01-01

struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;

  bool operator==(const Interval&) const = default;
};

// An interval's payload in a string slot (16 bytes: micros, days, months).
std::string EncodeInterval(const Interval& v);
Interval DecodeInterval(std::string_view bytes);
// The ordering PostgreSQL gives intervals: a month counts 30 days, a day 24 hours.
int CompareIntervals(const Interval& a, const Interval& b);
// 16 bytes that sort and compare as CompareIntervals does ('1 day' = '24 hours'):
// for index keys, grouping and hash joins.
std::string IntervalKey(const Interval& v);

int64_t FloorDiv(int64_t a, int64_t b);
bool DateInRange(int64_t days);
bool TimestampInRange(int64_t micros);
// Civil dates <-> days since 1970-01-01 in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d);
bool IsLeapYear(int64_t y);
unsigned DaysInMonth(int64_t y, unsigned m);

// Text input; `location` is where to report errors (-1: none).
// Timestamps: micros since 2000-01-01 (UTC for timestamptz); dates: days since 2000-01-01.
int64_t ParseDateTime(std::string_view text, TypeId id, int location);
int64_t ParseTime(std::string_view text, int location);                 // micros since midnight
Interval ParseInterval(std::string_view text, int location);

std::string FormatDate(int64_t days);
std::string FormatTimestamp(int64_t micros, bool with_zone);
std::string FormatTime(int64_t micros);
std::string FormatInterval(const Interval& v);

// Arithmetic by PostgreSQL's rules (22008 when a result leaves the range).
int64_t TimestampPlusInterval(int64_t micros, const Interval& v, int location);
Interval TimestampMinus(int64_t a, int64_t b);  // as timestamp_mi: days plus a time under one day
Interval IntervalPlus(const Interval& a, const Interval& b, bool subtract, int location);
// interval * factor, or interval / factor with `divide` (22012 for zero).
Interval IntervalScale(const Interval& v, double factor, bool divide, int location);
Interval IntervalNegate(const Interval& v, int location);

}  // namespace orbit::sql
