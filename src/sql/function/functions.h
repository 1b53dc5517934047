#pragma once

// Scalar SQL functions (STYLE rule 1): each family registers a table of name,
// argument types, result type and a kernel over whole vectors. The binder picks
// the first overload whose parameters the arguments reach by implicit casts.

#include <map>
#include <string>
#include <vector>

#include "sql/exec/expression.h"

namespace orbit::sql {

struct ScalarFunction {
  std::string name;
  std::vector<TypeId> params;
  TypeId result;
  exec::ScalarKernel kernel;
};

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
void RegisterCatalogFunctions(FunctionRegistry& registry);  // catalog_functions.cc
// format_type(type oid, typmod): the SQL name PostgreSQL prints for a type
// ("character varying(20)"; typmod -1: without a length).
std::string FormatType(int64_t oid, int64_t typmod);

}  // namespace orbit::sql
