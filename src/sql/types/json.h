#pragma once

// json and jsonb values. json keeps its input text (validated); jsonb keeps a
// canonical text as PostgreSQL prints jsonb: object keys sorted shorter first
// then bytewise, the last of duplicate keys kept, ", " and ": " separators and
// numbers in numeric's form. Errors throw SqlException (22P02, 22023, 54001).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbit::sql {

void ValidateJson(std::string_view text, int location);
std::string CanonicalJsonb(std::string_view text, int location);

// One step of -> / ->> / #> / #>>: an object member by key or an array element
// by index (negative from the end). `as_text` gives ->>'s text (strings
// unquoted, JSON null as SQL NULL). nullopt when the step finds nothing.
struct JsonStep {
  std::string key;
  std::optional<int64_t> index;  // set: an array index (and also a key for objects, as text)
};
std::optional<std::string> JsonExtract(std::string_view doc, const std::vector<JsonStep>& path, bool as_text);

// json_typeof: "object", "array", "string", "number", "boolean" or "null".
std::string JsonTypeof(std::string_view doc);
// json_array_length (22023 for a scalar or an object).
int64_t JsonArrayLength(std::string_view doc);
// jsonb's btree order: object > array > boolean > number > string > null;
// containers with more members are greater; numbers compare as numerics.
int CompareJsonb(std::string_view a, std::string_view b);
// A key equal for jsonb values that are equal (1.0 = 1): numbers lose trailing zeros.
std::string JsonbEqualityKey(std::string_view doc);

// A SQL text as a JSON string literal ("a\"b").
std::string JsonQuote(std::string_view s);

}  // namespace orbit::sql
