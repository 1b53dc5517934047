#pragma once

// SQL types and scalar values shared by every SQL front end (ADR 005): the
// logical types Orbit supports so far, their PostgreSQL OIDs and names, text
// input and output in PostgreSQL's formats, and casts by PostgreSQL's rules.
// Errors a client can cause throw SqlException (query front ends only, STYLE 2).

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbit::sql {

// A statement-ending error with its SQLSTATE; the wire glue turns it into the
// protocol's error message.
struct SqlError {
  SqlError() = default;
  SqlError(std::string sqlstate_, std::string message_, int position_ = 0, std::string detail_ = {},
           std::string hint_ = {}, std::string severity_ = {})
      : sqlstate(std::move(sqlstate_)), message(std::move(message_)), position(position_),
        detail(std::move(detail_)), hint(std::move(hint_)), severity(std::move(severity_)) {}

  std::string sqlstate;  // e.g. "42601" syntax_error, "0A000" feature_not_supported
  std::string message;
  int position = 0;      // 1-based character position in the statement text; 0: none
  std::string detail;
  std::string hint;
  std::string severity;  // empty: ERROR for errors, WARNING for notices
};

class SqlException : public std::exception {
 public:
  explicit SqlException(SqlError error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const SqlError& error() const { return error_; }
  SqlError& error() { return error_; }

 private:
  SqlError error_;
};

// Throws SqlException. `location` is a 0-based byte offset into the statement, or -1.
[[noreturn]] void Throw(std::string sqlstate, std::string message, int location = -1);

enum class TypeId : uint8_t {
  kUnknown,  // an untyped string literal, or NULL before it meets a context
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumeric,  // exact decimal, kept as its text; length: precision << 16 | scale, or -1
  kText,
  kVarchar,
  kBpchar,   // char(n): blank-padded
  kDate,         // days since 2000-01-01 (PostgreSQL's epoch), in the int64 slot
  kTimestamp,    // microseconds since 2000-01-01 00:00:00, no time zone
  kTimestampTz,  // microseconds since 2000-01-01 00:00:00 UTC; shown in TimeZone (UTC only so far)
  kTime,         // microseconds since midnight
  kInterval,     // 16 bytes in the string slot: microseconds, days, months (sql/types/datetime.h)
  kBytea,        // the raw bytes
  kUuid,         // canonical text: 36 lower-case characters, which sort as the 16 bytes do
  kJson,         // the input text, validated
  kJsonb,        // canonical text (sql/types/json.h)
  kArray,        // element: the element type; PostgreSQL's text form ({1,2,NULL}) in the string slot
  // Object identifiers that print as names: "<oid>\0<name>" in the string slot,
  // resolved against the catalog when the binder casts to them (catalog_binding.cc).
  kRegclass,
  kRegtype,
  kRegnamespace,
};

// How values of a type are held in vectors and rows.
enum class PhysicalType : uint8_t { kInt64, kDouble, kString };

struct LogicalType {
  TypeId id = TypeId::kUnknown;
  int32_t length = -1;  // varchar(n) / char(n); numeric(p,s) as p << 16 | s; -1 when unbounded
  TypeId element = TypeId::kUnknown;  // kArray: the element type

  bool operator==(const LogicalType&) const = default;
};

constexpr LogicalType Type(TypeId id) { return LogicalType{id, -1, TypeId::kUnknown}; }
constexpr LogicalType ArrayOf(TypeId element) { return LogicalType{TypeId::kArray, -1, element}; }

PhysicalType Physical(TypeId id);
bool IsInteger(TypeId id);  // int2, int4, int8
bool IsFloat(TypeId id);    // float4, float8
bool IsNumber(TypeId id);   // integers, floats, numeric
bool IsString(TypeId id);   // text, varchar, bpchar, unknown
bool IsDateTime(TypeId id); // date, timestamp, timestamptz
// Widening order of the number types: int2 < int4 < int8 < numeric < float4 < float8; -1 otherwise.
int NumericRank(TypeId id);

// Every scalar type Orbit has, in TypeId order (arrays are ArrayOf each).
const std::vector<TypeId>& ScalarTypes();
// PostgreSQL's type category (pg_type.typcategory): 'N' numeric, 'S' string,
// 'D' date/time, 'T' timespan, 'B' boolean, 'A' array, 'U' user (bytea, uuid, json).
char TypeCategory(TypeId id);

int32_t TypeOid(TypeId id);
int32_t TypeOid(const LogicalType& type);  // arrays: the array type's OID (int4[]: 1007)
int32_t ArrayTypeOid(TypeId element);      // pg_type.typarray
// The type with this OID (arrays of scalar types too); nullopt if Orbit has none.
std::optional<LogicalType> TypeFromOid(int32_t oid);
int16_t TypeLength(TypeId id);  // pg_type.typlen: -1 for variable length
// PostgreSQL's format_type: "integer", "character varying(3)", ...
std::string TypeDisplayName(const LogicalType& type);
// PostgreSQL's internal type name (pg_type.typname): int4, varchar, timestamptz, ...
std::string_view TypeInternalName(TypeId id);
// The type modifier PostgreSQL reports (pg_attribute.atttypmod): varchar(n) n + 4,
// numeric(p,s) (p << 16 | s) + 4, otherwise -1.
int32_t TypeModifier(const LogicalType& type);
// The name in error messages about input syntax ("integer", "bigint", "boolean").
std::string_view TypeInputName(TypeId id);

// Resolves a type name as libpg_query spells it (pg_catalog.int4, text, varchar,
// bpchar, ...) with its modifiers (numeric takes two); nullopt if Orbit has no
// such type yet. Throws 22023 for modifiers out of range.
std::optional<LogicalType> LookupType(std::string_view name, const std::vector<int32_t>& modifiers = {});

// A scalar: the type plus the payload in the slot its physical type uses.
struct Value {
  LogicalType type;
  bool null = true;
  int64_t i = 0;     // bool (0/1), integers
  double f = 0;      // floats
  std::string s;     // strings, numeric text

  static Value Null(LogicalType type = {}) { return Value{type, true, 0, 0, {}}; }
  static Value Bool(bool v) { return Value{Type(TypeId::kBool), false, v ? 1 : 0, 0, {}}; }
  static Value Int(TypeId id, int64_t v) { return Value{Type(id), false, v, 0, {}}; }
  static Value Float(TypeId id, double v) { return Value{Type(id), false, 0, v, {}}; }
  static Value String(LogicalType type, std::string v) { return Value{type, false, 0, 0, std::move(v)}; }
};

// ASCII lower case (identifiers, keywords and setting values; not text data).
std::string AsciiLower(std::string_view s);
// `s` without leading and trailing whitespace (the text input functions' rule).
std::string_view TrimSpaces(std::string_view s);

// Throws 22021 (character_not_in_repertoire) unless `s` is valid UTF-8 without
// NUL bytes: the server encoding is UTF8, as PostgreSQL's checks on input.
void ValidateUtf8(std::string_view s);

// Whether a value's string slot already holds its text output (text types,
// numeric, uuid, json, arrays), so writers can copy it without AppendText.
bool IsRegType(TypeId id);  // regclass, regtype, regnamespace
inline bool SlotIsText(TypeId id) {
  return Physical(id) == PhysicalType::kString && id != TypeId::kInterval && id != TypeId::kBytea && !IsRegType(id);
}
// A reg* value from its oid and the name it prints as; and its oid back.
Value MakeRegValue(TypeId id, int64_t oid, std::string_view name);
int64_t RegOid(std::string_view payload);

// PostgreSQL's text output of a non-NULL value (t/f, shortest round-trip floats, ...).
std::string ToText(const Value& v);
void AppendText(const Value& v, std::string& out);

// Text input for `type` (PostgreSQL's typinput: 22P02 on bad syntax, 22003 out of
// range, 22001 too long for varchar(n)).
Value FromText(std::string_view text, const LogicalType& type);

// Converts `v` to `target`. `explicit_cast` selects PostgreSQL's rules for
// CAST/:: (truncation of varchar(n), bool<->int4) over assignment rules.
// Throws 42846 when no cast exists.
Value CastValue(const Value& v, const LogicalType& target, bool explicit_cast, int location = -1);

// Exact comparison of two numeric values in their text form (NaN above all).
int CompareNumeric(std::string_view a, std::string_view b);

// Rounds a numeric's text to numeric(p,s) (`typmod` as LogicalType::length);
// 22003 when it does not fit.
std::string ApplyNumericTypmod(const std::string& value, int32_t typmod, int location = -1);

// Whether a cast from `from` to `to` exists in the given context: implicit (in
// expressions), assignment (INSERT/UPDATE) or explicit.
enum class CastContext : uint8_t { kImplicit, kAssignment, kExplicit };
bool CanCast(TypeId from, TypeId to, CastContext context);

// The current transaction's start time (now(), CURRENT_TIMESTAMP) in
// microseconds since 2000-01-01 UTC.
int64_t NowMicros();

// Integer range checks by type (int2, int4, int8); throws 22003 when out of range.
int64_t CheckIntRange(TypeId id, int64_t v, int location = -1);
// Integer arithmetic with PostgreSQL's errors (22003 overflow, 22012 division by zero).
int64_t IntArith(char op, int64_t a, int64_t b, TypeId result, int location = -1);

}  // namespace orbit::sql
