#pragma once

// One-dimensional arrays of the scalar types. A value keeps PostgreSQL's text
// form ({1,2,NULL}, {"a b",c}) in its string slot, canonical because it is
// always produced by FormatArray, so equality is string equality.

#include <string>
#include <string_view>
#include <vector>

#include "sql/types/types.h"

namespace orbit::sql {

// array_in for a one-dimensional array: 22P02 "malformed array literal", 0A000
// for more dimensions.
std::vector<Value> ParseArray(std::string_view text, TypeId element, int location);
// array_out: elements quoted when they must be.
std::string FormatArray(const std::vector<Value>& elements);
// The elements of a non-NULL array value.
std::vector<Value> ArrayElements(const Value& array);
Value MakeArray(TypeId element, const std::vector<Value>& elements);

}  // namespace orbit::sql
