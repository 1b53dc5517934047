#pragma once

// PostgreSQL's binary formats ("binary" format code 1 of Bind and result
// columns) for the types Orbit has: network byte order integers and floats,
// bool as one byte, strings as their bytes, numeric as base-10000 digits.

#include <string>
#include <string_view>

#include "sql/types/types.h"

namespace orbit::glue {

// Appends the binary form of a non-NULL value.
void AppendBinary(const sql::Value& v, std::string& out);

// Decodes a parameter sent in binary; throws SqlException 22P03
// (invalid_binary_representation) for bytes that are not a value of `type`.
sql::Value DecodeBinary(std::string_view bytes, const sql::LogicalType& type);

// The type of a parameter declared by OID in Parse (0: infer it); throws 0A000
// for types Orbit does not have yet.
sql::LogicalType TypeFromOid(int32_t oid);

}  // namespace orbit::glue
