#pragma once

// Arithmetic on numeric values, which Orbit keeps in PostgreSQL's text form.
// Values are read into a 128-bit scaled integer (up to 38 significant digits;
// beyond that 22003) and results follow PostgreSQL's scale rules: + and - keep
// the larger scale, * adds the scales, / uses select_div_scale (at least 16
// significant digits) and rounds half away from zero.

#include <string>
#include <string_view>

namespace orbit::sql::exec {

// `op` is one of + - * /; NaN operands are 0A000 (not supported yet).
std::string NumericArith(char op, std::string_view a, std::string_view b, int location);
std::string NumericNegate(std::string_view a);

}  // namespace orbit::sql::exec
