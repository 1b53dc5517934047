#include "sql/function/functions.h"

#include <cctype>
#include <cmath>

namespace orbit::sql {

const std::vector<ScalarFunction>& FunctionRegistry::Find(const std::string& name) const {
  static const std::vector<ScalarFunction> kNone;
  auto it = functions_.find(name);
  return it == functions_.end() ? kNone : it->second;
}

bool FunctionRegistry::IsAggregate(const std::string& name) const {
  return name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max";
}

const FunctionRegistry& FunctionRegistry::BuiltIn() {
  static const FunctionRegistry registry = [] {
    FunctionRegistry r;
    RegisterStringFunctions(r);
    RegisterMathFunctions(r);
    RegisterCatalogFunctions(r);
    return r;
  }();
  return registry;
}

namespace {

using exec::Vector;

// A kernel applying `f` to each row whose arguments are all non-NULL
// (PostgreSQL's "strict" functions return NULL for any NULL argument).
template <typename F>
exec::ScalarKernel Strict(F f) {
  return [f](const std::vector<Vector>& args, size_t n, Vector& out) {
    for (size_t i = 0; i < n; ++i) {
      bool any_null = false;
      for (const auto& a : args) any_null |= a.IsNull(i);
      if (any_null) continue;
      out.SetNull(i, false);
      f(args, i, out);
    }
  };
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  auto map_chars = [](int (*fn)(int)) {
    return Strict([fn](const std::vector<Vector>& a, size_t i, Vector& out) {
      std::string s = a[0].String(i);
      for (auto& ch : s) {
        if (!(ch & 0x80)) ch = static_cast<char>(fn(static_cast<unsigned char>(ch)));  // ASCII only so far
      }
      out.String(i) = std::move(s);
    });
  };
  r.Add({"lower", {TypeId::kText}, TypeId::kText, map_chars(::tolower)});
  r.Add({"upper", {TypeId::kText}, TypeId::kText, map_chars(::toupper)});
  auto length = Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
    out.Int(i) = static_cast<int64_t>(Utf8Length(a[0].String(i)));
  });
  r.Add({"length", {TypeId::kText}, TypeId::kInt4, length});
  r.Add({"char_length", {TypeId::kText}, TypeId::kInt4, length});
  r.Add({"octet_length", {TypeId::kText}, TypeId::kInt4,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = static_cast<int64_t>(a[0].String(i).size());
         })});
}

void RegisterMathFunctions(FunctionRegistry& r) {
  auto int_abs = [](TypeId t) {
    return Strict([t](const std::vector<Vector>& a, size_t i, Vector& out) {
      out.Int(i) = a[0].Int(i) < 0 ? IntArith('-', 0, a[0].Int(i), t) : a[0].Int(i);
    });
  };
  r.Add({"abs", {TypeId::kInt4}, TypeId::kInt4, int_abs(TypeId::kInt4)});
  r.Add({"abs", {TypeId::kInt8}, TypeId::kInt8, int_abs(TypeId::kInt8)});
  r.Add({"abs", {TypeId::kFloat8}, TypeId::kFloat8,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.Double(i) = std::fabs(a[0].Double(i)); })});
}

}  // namespace orbit::sql
