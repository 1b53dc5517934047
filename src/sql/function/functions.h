#pragma once

// Scalar SQL functions (STYLE rule 1): each family registers a table of name,
// argument types, result type and a kernel over whole vectors. The binder picks
// the first overload whose parameters the arguments reach by implicit casts.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sql/exec/expression.h"

namespace orbit::sql {

// An overload. Operators register as functions named "op:" plus the operator
// ("op:+", "op:->"); a kArray parameter takes an array of any element type.
struct ScalarFunction {
  std::string name;
  std::vector<TypeId> params;
  TypeId result;
  exec::ScalarKernel kernel;
  // Polymorphic results (an array's element type, ...) from the argument types.
  std::function<LogicalType(const std::vector<LogicalType>&)> result_type = nullptr;
};

// A kernel applying `f(args, row, out)` to each row whose arguments are all
// non-NULL (PostgreSQL's "strict" functions return NULL for any NULL argument).
template <typename F>
exec::ScalarKernel Strict(F f) {
  return [f](const std::vector<exec::Vector>& args, size_t n, exec::Vector& out) {
    for (size_t i = 0; i < n; ++i) {
      bool any_null = false;
      for (const auto& a : args) any_null |= a.IsNull(i);
      if (any_null) continue;
      out.SetNull(i, false);
      f(args, i, out);
    }
  };
}

class FunctionRegistry {
 public:
  void Add(ScalarFunction f) { functions_[f.name].push_back(std::move(f)); }
  // Overloads of `name`, in registration order (empty if none).
  const std::vector<ScalarFunction>& Find(const std::string& name) const;
  bool IsAggregate(const std::string& name) const;

  // The registry with every built-in family.
  static const FunctionRegistry& BuiltIn();

 private:
  std::map<std::string, std::vector<ScalarFunction>> functions_;
};

void RegisterStringFunctions(FunctionRegistry& registry);
void RegisterMathFunctions(FunctionRegistry& registry);
void RegisterBinaryFunctions(FunctionRegistry& registry);  // bytea and uuid
void RegisterTextFunctions(FunctionRegistry& registry);    // text_math_functions.cc
void RegisterNumberFunctions(FunctionRegistry& registry);  // text_math_functions.cc
void RegisterCatalogFunctions(FunctionRegistry& registry);   // catalog_functions.cc
void RegisterDateTimeFunctions(FunctionRegistry& registry);  // datetime_functions.cc
void RegisterJsonFunctions(FunctionRegistry& registry);      // json_functions.cc
void RegisterArrayFunctions(FunctionRegistry& registry);     // array_functions.cc
// format_type(type oid, typmod): the SQL name PostgreSQL prints for a type
// ("character varying(20)"; typmod -1: without a length).
std::string FormatType(int64_t oid, int64_t typmod);

}  // namespace orbit::sql
