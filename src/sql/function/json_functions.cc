// json/jsonb operators (-> ->> #> #>>) and functions (json_typeof,
// json_array_length, to_json), over the documents' text (sql/types/json.h).

#include "sql/function/functions.h"
#include "sql/types/array.h"
#include "sql/types/json.h"

namespace orbit::sql {
namespace {

using exec::Vector;

void SetExtracted(std::optional<std::string> v, size_t i, Vector& out) {
  if (!v) {
    out.SetNull(i);
    return;
  }
  out.String(i) = std::move(*v);
}

// -> and ->> with a key or an index; `jsonb` results are re-canonicalized.
exec::ScalarKernel Extract(bool by_index, bool as_text) {
  return Strict([by_index, as_text](const std::vector<Vector>& a, size_t i, Vector& out) {
    JsonStep step;
    if (by_index) step.index = a[1].Int(i);
    else step.key = a[1].String(i);
    SetExtracted(JsonExtract(a[0].String(i), {step}, as_text), i, out);
  });
}

// #> and #>> with a text[] path; an element that reads as an integer also indexes arrays.
exec::ScalarKernel ExtractPath(bool as_text) {
  return Strict([as_text](const std::vector<Vector>& a, size_t i, Vector& out) {
    std::vector<JsonStep> path;
    for (const Value& v : ArrayElements(a[1].Get(i))) {
      if (v.null) {
        out.SetNull(i);
        return;
      }
      JsonStep step;
      step.key = v.s;
      char* end = nullptr;
      long long n = std::strtoll(v.s.c_str(), &end, 10);
      if (!v.s.empty() && end == v.s.c_str() + v.s.size()) step.index = n;
      path.push_back(std::move(step));
    }
    SetExtracted(JsonExtract(a[0].String(i), path, as_text), i, out);
  });
}

}  // namespace

void RegisterJsonFunctions(FunctionRegistry& r) {
  using T = TypeId;
  for (T doc : {T::kJsonb, T::kJson}) {
    r.Add({"op:->", {doc, T::kText}, doc, Extract(false, false)});
    r.Add({"op:->", {doc, T::kInt4}, doc, Extract(true, false)});
    r.Add({"op:->>", {doc, T::kText}, T::kText, Extract(false, true)});
    r.Add({"op:->>", {doc, T::kInt4}, T::kText, Extract(true, true)});
    r.Add({"op:#>", {doc, T::kArray}, doc, ExtractPath(false)});
    r.Add({"op:#>>", {doc, T::kArray}, T::kText, ExtractPath(true)});
    const char* prefix = doc == T::kJson ? "json" : "jsonb";
    r.Add({std::string(prefix) + "_typeof", {doc}, T::kText,
           Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.String(i) = JsonTypeof(a[0].String(i)); })});
    r.Add({std::string(prefix) + "_array_length", {doc}, T::kInt4,
           Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.Int(i) = JsonArrayLength(a[0].String(i)); })});
  }
  // to_json / to_jsonb of text: a JSON string.
  r.Add({"to_json", {T::kText}, T::kJson,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.String(i) = JsonQuote(a[0].String(i)); })});
  r.Add({"to_jsonb", {T::kText}, T::kJsonb,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.String(i) = JsonQuote(a[0].String(i)); })});
}

}  // namespace orbit::sql
