// Array functions (array_length, cardinality, array_to_string, string_to_array,
// array_upper/lower) and the || operator on arrays. Arrays are one-dimensional
// with lower bound 1 (sql/types/array.h).

#include "sql/function/functions.h"
#include "sql/types/array.h"

namespace orbit::sql {
namespace {

using exec::Vector;

LogicalType FirstArgType(const std::vector<LogicalType>& args) { return args[0]; }

// array_length / array_upper / array_lower (dimension 1 only; NULL otherwise or when empty).
exec::ScalarKernel Bound(bool lower) {
  return Strict([lower](const std::vector<Vector>& a, size_t i, Vector& out) {
    size_t n = ArrayElements(a[0].Get(i)).size();
    if (a[1].Int(i) != 1 || n == 0) {
      out.SetNull(i);
      return;
    }
    out.Int(i) = lower ? 1 : static_cast<int64_t>(n);
  });
}

void ArrayToString(const std::vector<Vector>& a, size_t n, Vector& out) {
  for (size_t i = 0; i < n; ++i) {
    if (a[0].IsNull(i) || a[1].IsNull(i)) continue;
    bool has_null_text = a.size() > 2 && !a[2].IsNull(i);
    std::string s;
    bool first = true;
    for (const Value& v : ArrayElements(a[0].Get(i))) {
      if (v.null && !has_null_text) continue;
      if (!first) s += a[1].String(i);
      first = false;
      s += v.null ? a[2].String(i) : ToText(v);
    }
    out.SetNull(i, false);
    out.String(i) = std::move(s);
  }
}

}  // namespace

void RegisterArrayFunctions(FunctionRegistry& r) {
  using T = TypeId;
  r.Add({"array_length", {T::kArray, T::kInt4}, T::kInt4, Bound(false)});
  r.Add({"array_upper", {T::kArray, T::kInt4}, T::kInt4, Bound(false)});
  r.Add({"array_lower", {T::kArray, T::kInt4}, T::kInt4, Bound(true)});
  r.Add({"cardinality", {T::kArray}, T::kInt4, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = static_cast<int64_t>(ArrayElements(a[0].Get(i)).size());
         })});
  r.Add({"array_to_string", {T::kArray, T::kText}, T::kText, ArrayToString});
  r.Add({"array_to_string", {T::kArray, T::kText, T::kText}, T::kText, ArrayToString});
  // string_to_array(text, delimiter[, null_string]): fields equal to null_string become NULL.
  auto split = [](const std::vector<Vector>& a, size_t n, Vector& out) {
    for (size_t i = 0; i < n; ++i) {
      if (a[0].IsNull(i)) continue;
      const std::string& s = a[0].String(i);
      std::vector<Value> parts;
      if (a[1].IsNull(i)) {  // NULL delimiter: one element per character (UTF-8 code point)
        for (size_t k = 0; k < s.size();) {
          size_t len = 1;
          while (k + len < s.size() && (static_cast<unsigned char>(s[k + len]) & 0xC0) == 0x80) ++len;
          parts.push_back(Value::String(Type(T::kText), s.substr(k, len)));
          k += len;
        }
      } else if (!s.empty()) {
        const std::string& delim = a[1].String(i);
        if (delim.empty()) {
          parts.push_back(Value::String(Type(T::kText), s));
        } else {
          size_t start = 0, at;
          while ((at = s.find(delim, start)) != std::string::npos) {
            parts.push_back(Value::String(Type(T::kText), s.substr(start, at - start)));
            start = at + delim.size();
          }
          parts.push_back(Value::String(Type(T::kText), s.substr(start)));
        }
      }
      if (a.size() > 2 && !a[2].IsNull(i)) {
        for (auto& part : parts) {
          if (part.s == a[2].String(i)) part = Value::Null(Type(T::kText));
        }
      }
      out.SetNull(i, false);
      out.String(i) = FormatArray(parts);
    }
  };
  auto text_array = [](const std::vector<LogicalType>&) { return ArrayOf(T::kText); };
  r.Add({"string_to_array", {T::kText, T::kText}, T::kArray, split, text_array});
  r.Add({"string_to_array", {T::kText, T::kText, T::kText}, T::kArray, split, text_array});
  // array_cat is not strict: a NULL array side contributes nothing.
  r.Add({"op:||", {T::kArray, T::kArray}, T::kArray,
         [](const std::vector<Vector>& a, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) {
             if (a[0].IsNull(i) && a[1].IsNull(i)) {
               out.SetNull(i);
               continue;
             }
             std::vector<Value> x, y;
             if (!a[0].IsNull(i)) x = ArrayElements(a[0].Get(i));
             if (!a[1].IsNull(i)) y = ArrayElements(a[1].Get(i));
             x.insert(x.end(), y.begin(), y.end());
             out.SetNull(i, false);
             out.String(i) = FormatArray(x);
           }
         },
         FirstArgType});
}

}  // namespace orbit::sql
