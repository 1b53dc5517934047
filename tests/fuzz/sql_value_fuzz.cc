// Fuzzes the value parsers that read client bytes: each type's text input
// (sql::FromText: intervals, json/jsonb, arrays, bytea, uuid, numerics with
// typmods, dates) and binary input (glue::DecodeBinary: Bind parameters in
// format 1). The first byte picks the type and the form; the rest is the
// value. Errors must be SqlExceptions; what parses must print and reparse to
// the same text (a canonical output).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "glue/pg/pg_binary.h"
#include "sql/types/types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using orbit::sql::LogicalType;
  using orbit::sql::TypeId;
  if (size < 1) return 0;
  const auto& scalars = orbit::sql::ScalarTypes();
  uint8_t selector = data[0];
  size_t index = (selector >> 2) % scalars.size();
  bool array = (selector & 1) != 0, binary = (selector & 2) != 0;
  LogicalType type = array ? orbit::sql::ArrayOf(scalars[index]) : orbit::sql::Type(scalars[index]);
  if (!array && scalars[index] == TypeId::kNumeric && (selector & 0x80)) type.length = (8 << 16) | 3;  // numeric(8,3)
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    orbit::sql::Value v = binary ? orbit::glue::DecodeBinary(input, type) : orbit::sql::FromText(input, type);
    if (v.null) return 0;
    std::string text = orbit::sql::ToText(v);
    orbit::sql::Value again = orbit::sql::FromText(text, type);
    if (orbit::sql::ToText(again) != text) std::abort();  // output is not canonical
    std::string wire;
    orbit::glue::AppendBinary(v, wire);
    if (orbit::sql::ToText(orbit::glue::DecodeBinary(wire, type)) != text) std::abort();  // binary does not round-trip
  } catch (const orbit::sql::SqlException&) {
  }
  return 0;
}
