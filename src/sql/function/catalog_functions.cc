// pg_catalog functions that psql and drivers call in their catalog queries.
// They answer from what the system tables show (system_tables.h): every object
// belongs to postgres (oid 10), the search path is pg_catalog then public.

#include "sql/function/functions.h"

namespace orbit::sql {
namespace {

using exec::Vector;

}  // namespace

std::string FormatType(int64_t oid, int64_t typmod) {
  switch (oid) {
    case 26: return "oid";
    case 19: return "name";
    case 18: return "\"char\"";
    case 1028: return "oid[]";
    case 1003: return "name[]";
    default: break;
  }
  auto type = TypeFromOid(static_cast<int32_t>(oid));
  if (!type) return "???";
  if (typmod >= 4 && type->id != TypeId::kArray) type->length = static_cast<int32_t>(typmod - 4);
  return TypeDisplayName(*type);
}

namespace {

// A kernel that returns NULL for every row (descriptions: none are stored).
void AllNull(const std::vector<Vector>&, size_t n, Vector& out) {
  for (size_t i = 0; i < n; ++i) out.SetNull(i);
}

}  // namespace

void RegisterCatalogFunctions(FunctionRegistry& r) {
  r.Add({"pg_get_userbyid", {TypeId::kInt8}, TypeId::kText, [](const std::vector<Vector>& a, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) {
             if (a[0].IsNull(i)) continue;
             out.SetNull(i, false);
             out.String(i) = a[0].Int(i) == 10 ? "postgres" : "unknown (OID=" + std::to_string(a[0].Int(i)) + ")";
           }
         }});
  // Every table Orbit has is in public or pg_catalog, both on the search path.
  r.Add({"pg_encoding_to_char", {TypeId::kInt4}, TypeId::kText, [](const std::vector<Vector>& a, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) {
             if (a[0].IsNull(i)) continue;
             out.SetNull(i, false);
             out.String(i) = a[0].Int(i) == 6 ? "UTF8" : a[0].Int(i) == 0 ? "SQL_ASCII" : "";
           }
         }});
  r.Add({"format_type", {TypeId::kInt8, TypeId::kInt4}, TypeId::kText,
         [](const std::vector<Vector>& a, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) {
             if (a[0].IsNull(i)) continue;  // NULL typmod: none
             out.SetNull(i, false);
             out.String(i) = FormatType(a[0].Int(i), a[1].IsNull(i) ? -1 : a[1].Int(i));
           }
         }});
  r.Add({"obj_description", {TypeId::kInt8}, TypeId::kText, AllNull});
  r.Add({"obj_description", {TypeId::kInt8, TypeId::kText}, TypeId::kText, AllNull});
  r.Add({"col_description", {TypeId::kInt8, TypeId::kInt4}, TypeId::kText, AllNull});
  r.Add({"shobj_description", {TypeId::kInt8, TypeId::kText}, TypeId::kText, AllNull});
  // pg_get_expr(expr, relation[, pretty]): Orbit's catalogs keep expressions as SQL text already.
  auto expr_text = [](const std::vector<Vector>& a, size_t n, Vector& out) {
    for (size_t i = 0; i < n; ++i) {
      if (a[0].IsNull(i)) continue;
      out.SetNull(i, false);
      out.String(i) = a[0].String(i);
    }
  };
  r.Add({"pg_get_expr", {TypeId::kText, TypeId::kInt8}, TypeId::kText, expr_text});
  r.Add({"pg_get_expr", {TypeId::kText, TypeId::kInt8, TypeId::kBool}, TypeId::kText, expr_text});
  // Orbit has no partitioning: a relation's only ancestor is itself.
  r.Add({"pg_partition_ancestors", {TypeId::kInt8}, TypeId::kInt8,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.Int(i) = a[0].Int(i); })});
  // No triggers and no extended statistics exist: any oid is not one (NULL, as PostgreSQL answers).
  r.Add({"pg_get_triggerdef", {TypeId::kInt8}, TypeId::kText, AllNull});
  r.Add({"pg_get_triggerdef", {TypeId::kInt8, TypeId::kBool}, TypeId::kText, AllNull});
  r.Add({"pg_get_statisticsobjdef_columns", {TypeId::kInt8}, TypeId::kText, AllNull});
  // Orbit has no user-defined functions (pg_proc is empty): for any oid these
  // answer as PostgreSQL does for an oid that is not a function, NULL.
  r.Add({"pg_function_is_visible", {TypeId::kInt8}, TypeId::kBool, AllNull});
  r.Add({"pg_get_function_result", {TypeId::kInt8}, TypeId::kText, AllNull});
  r.Add({"pg_get_function_arguments", {TypeId::kInt8}, TypeId::kText, AllNull});
  r.Add({"pg_get_function_identity_arguments", {TypeId::kInt8}, TypeId::kText, AllNull});
  // Orbit has no standbys: a server is never in recovery.
  r.Add({"pg_is_in_recovery", {}, TypeId::kBool, [](const std::vector<Vector>&, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) out.Set(i, Value::Bool(false));
         }});
}

}  // namespace orbit::sql
