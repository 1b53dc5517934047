// The parts of binding that read the catalog while a statement runs: casts to
// regclass / regtype / regnamespace (an oid that prints as a name, a name that
// reads as an oid) and the catalog functions psql's \d calls with oids
// (pg_get_indexdef, pg_get_constraintdef). Their kernels own a copy of the
// statement's catalog view, as correlated subqueries do: plans outlive binders.

#include <algorithm>
#include <cstdint>
#include <memory>

#include "sql/exec/storage_error.h"
#include "sql/function/functions.h"
#include "sql/planner/binder.h"
#include "sql/planner/system_tables.h"

namespace orbit::sql {
namespace {

using exec::BoundExpr;
using exec::BoundExprPtr;
using exec::BoundKind;

std::shared_ptr<catalog::Catalog> CatalogFor(const PlanContext* plan, const std::string& what, int location) {
  if (plan == nullptr || plan->catalog == nullptr) Throw("0A000", what + " is not supported in this statement yet", location);
  return std::make_shared<catalog::Catalog>(*plan->catalog);
}

bool IsNumeral(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The reg* value for an oid: its name, or the number when no object has it (as PostgreSQL prints).
Value RegFromOid(catalog::Catalog& catalog, TypeId type, int64_t oid) {
  std::optional<std::string> name;
  if (type == TypeId::kRegclass) name = RelationName(catalog, oid);
  else if (type == TypeId::kRegnamespace) name = NamespaceName(catalog, oid);
  else if (std::string t = FormatType(oid, -1); t != "???") name = t;
  return MakeRegValue(type, oid, name ? *name : std::to_string(oid));
}

// The reg* value for a name (or a numeral): 42P01 / 42704 / 3F000 when nothing has it.
Value RegFromName(catalog::Catalog& catalog, TypeId type, std::string_view text, int location) {
  if (IsNumeral(text)) {
    if (text.size() > 10 || std::stoll(std::string(text)) > UINT32_MAX) {
      Throw("22003", "value \"" + std::string(text) + "\" is out of range for type oid", location);
    }
    return RegFromOid(catalog, type, std::stoll(std::string(text)));
  }
  std::string name = AsciiLower(text);
  if (type == TypeId::kRegclass) {
    auto oid = RelationOid(catalog, name);
    if (!oid) Throw("42P01", "relation \"" + std::string(text) + "\" does not exist", location);
    return RegFromOid(catalog, type, *oid);
  }
  if (type == TypeId::kRegnamespace) {
    auto oid = NamespaceOid(catalog, name);
    if (!oid) Throw("3F000", "schema \"" + std::string(text) + "\" does not exist", location);
    return MakeRegValue(type, *oid, name);
  }
  std::string_view bare = name;
  if (bare.starts_with("pg_catalog.")) bare.remove_prefix(11);
  auto t = LookupType(bare);
  if (!t) Throw("42704", "type \"" + std::string(text) + "\" does not exist", location);
  return MakeRegValue(type, TypeOid(*t), FormatType(TypeOid(*t), -1));
}

// The privileges a has_*_privilege call may ask about, by object kind.
const std::vector<std::string>& PrivilegesOf(const std::string& kind) {
  static const std::vector<std::string> table = {"select", "insert", "update", "delete", "truncate", "references", "trigger"};
  static const std::vector<std::string> column = {"select", "insert", "update", "references"};
  static const std::vector<std::string> schema = {"usage", "create"};
  static const std::vector<std::string> database = {"create", "connect", "temporary", "temp"};
  if (kind == "schema") return schema;
  if (kind == "database") return database;
  if (kind == "column" || kind == "any_column") return column;
  return table;
}

// "SELECT, UPDATE WITH GRANT OPTION": 22023 for a privilege the kind does not have.
void CheckPrivileges(const std::string& kind, const std::string& list, int location) {
  std::string lower = AsciiLower(list);
  size_t start = 0;
  while (start <= lower.size()) {
    size_t comma = lower.find(',', start);
    std::string item = lower.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (size_t grant = item.find(" with grant option"); grant != std::string::npos) item.erase(grant);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    const auto& known = PrivilegesOf(kind);
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      Throw("22023", "unrecognized privilege type: \"" + item + "\"", location);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

// A boolean function node over its (already coerced) arguments.
BoundExprPtr BoolFunction(const std::string& name, int location, exec::ScalarKernel kernel) {
  auto out = std::make_unique<BoundExpr>();
  out->kind = BoundKind::kFunction;
  out->type = Type(TypeId::kBool);
  out->location = location;
  out->op = name;
  out->kernel = std::move(kernel);
  return out;
}

}  // namespace

// has_{table,column,any_column,schema,database}_privilege([user,] object[, column], privilege).
// Orbit enforces no privileges yet, so every role holds every privilege on every
// object that exists: true for an existing object, NULL for an unknown oid,
// 42P01/3F000/3D000 for an unknown name, as PostgreSQL reports them.
BoundExprPtr Binder::BindPrivilegeFunction(const std::string& name, std::vector<BoundExprPtr>& args, int location) {
  static const std::string kPrefix = "has_", kSuffix = "_privilege";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return nullptr;
  std::string kind = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (kind != "table" && kind != "column" && kind != "any_column" && kind != "schema" && kind != "database") {
    return nullptr;
  }
  size_t object_args = kind == "column" ? 2 : 1;
  if (args.size() != object_args + 1 && args.size() != object_args + 2) return nullptr;
  size_t first = args.size() - object_args - 1;  // skip the role: every role is treated alike
  std::shared_ptr<catalog::Catalog> catalog = CatalogFor(scope_.plan, name, location);
  auto out = std::make_unique<BoundExpr>();
  out->kind = BoundKind::kFunction;
  out->type = Type(TypeId::kBool);
  out->location = location;
  out->op = name;
  bool by_name = IsString(args[first]->type.id);
  out->kernel = [catalog, kind, by_name, location](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
    const exec::Vector& object = a[0];
    const exec::Vector& privilege = a.back();
    std::vector<catalog::DatabaseDesc> databases;  // read once per batch
    if (kind == "database") {
      auto all = catalog->ListDatabases();
      if (!all.ok()) ThrowStorageError(all.error());
      databases = std::move(*all);
    }
    for (size_t i = 0; i < n; ++i) {
      result.SetNull(i);
      bool any_null = false;
      for (const auto& v : a) any_null |= v.IsNull(i);
      if (any_null) continue;
      CheckPrivileges(kind, privilege.String(i), location);
      bool exists;
      if (kind == "schema") {
        exists = by_name ? NamespaceOid(*catalog, object.String(i)).has_value()
                         : NamespaceName(*catalog, object.Int(i)).has_value();
        if (!exists && by_name) Throw("3F000", "schema \"" + object.String(i) + "\" does not exist", location);
      } else if (kind == "database") {
        exists = std::any_of(databases.begin(), databases.end(), [&](const catalog::DatabaseDesc& d) {
          return by_name ? d.name == object.String(i) : d.oid == object.Int(i);
        });
        if (!exists && by_name) Throw("3D000", "database \"" + object.String(i) + "\" does not exist", location);
      } else {
        exists = by_name ? RelationOid(*catalog, AsciiLower(object.String(i))).has_value()
                         : RelationName(*catalog, object.Int(i)).has_value();
        if (!exists && by_name) Throw("42P01", "relation \"" + object.String(i) + "\" does not exist", location);
      }
      if (exists) result.Set(i, Value::Bool(true));
    }
  };
  for (size_t i = first; i < args.size(); ++i) {
    bool is_object = i == first;
    LogicalType param = is_object && !by_name ? Type(TypeId::kInt8) : Type(TypeId::kText);
    if (kind == "column" && i == first + 1 && !IsString(args[i]->type.id)) param = Type(TypeId::kInt2);
    out->args.push_back(Coerce(std::move(args[i]), param, location));
  }
  return out;
}

BoundExprPtr Binder::BindRegCast(BoundExprPtr arg, TypeId target, int location) {
  if (arg->type.id == target) return arg;
  TypeId from = arg->type.id;
  if (!IsString(from) && !IsInteger(from) && !IsRegType(from)) {
    Throw("42846", "cannot cast type " + TypeDisplayName(arg->type) + " to " + TypeDisplayName(Type(target)), location);
  }
  std::shared_ptr<catalog::Catalog> catalog = CatalogFor(scope_.plan, std::string(TypeInternalName(target)), location);
  auto out = std::make_unique<BoundExpr>();
  out->kind = BoundKind::kFunction;
  out->type = Type(target);
  out->location = location;
  out->op = std::string(TypeInternalName(target));
  out->kernel = [catalog, target, location](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
    const exec::Vector& in = args[0];
    for (size_t i = 0; i < n; ++i) {
      if (in.IsNull(i)) {
        result.SetNull(i);
        continue;
      }
      Value v = IsString(in.type().id) ? RegFromName(*catalog, target, in.String(i), location)
                : IsRegType(in.type().id) ? RegFromOid(*catalog, target, RegOid(in.String(i)))
                                          : RegFromOid(*catalog, target, in.Int(i));
      result.Set(i, v);
    }
  };
  out->args.push_back(std::move(arg));
  return out;
}

BoundExprPtr Binder::BindCatalogFunction(const std::string& name, std::vector<BoundExprPtr>& args, int location) {
  bool indexdef = name == "pg_get_indexdef" && (args.size() == 1 || args.size() == 3);
  bool constraintdef = name == "pg_get_constraintdef" && (args.size() == 1 || args.size() == 2);
  bool publishable = name == "pg_relation_is_publishable" && args.size() == 1;
  bool visible = name == "pg_table_is_visible" && args.size() == 1;
  if (!indexdef && !constraintdef && !publishable && !visible) return nullptr;
  std::shared_ptr<catalog::Catalog> catalog = CatalogFor(scope_.plan, name, location);
  if (visible) {  // in pg_catalog or on the search path (NULL for an oid that names nothing)
    auto out = BoolFunction(name, location, [catalog](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        result.SetNull(i);
        if (a[0].IsNull(i)) continue;
        if (RelationSchemaAndName(*catalog, a[0].Int(i))) result.Set(i, Value::Bool(RelationVisible(*catalog, a[0].Int(i))));
      }
    });
    out->args.push_back(Coerce(std::move(args[0]), Type(TypeId::kInt8), location));
    return out;
  }
  if (publishable) {  // ordinary tables are; views, indexes and catalogs are not
    auto out = BoolFunction(name, location, [catalog](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        result.SetNull(i);
        if (a[0].IsNull(i) || a[0].Int(i) < catalog::kFirstNormalOid || a[0].Int(i) > UINT32_MAX) continue;
        auto table = catalog->FindTableByOid(static_cast<uint32_t>(a[0].Int(i)));
        if (!table.ok()) ThrowStorageError(table.error());
        if (table->has_value()) result.Set(i, Value::Bool(true));
        else if (RelationName(*catalog, a[0].Int(i))) result.Set(i, Value::Bool(false));
      }
    });
    out->args.push_back(Coerce(std::move(args[0]), Type(TypeId::kInt8), location));
    return out;
  }
  auto out = std::make_unique<BoundExpr>();
  out->kind = BoundKind::kFunction;
  out->type = Type(TypeId::kText);
  out->location = location;
  out->op = name;
  // pg_get_indexdef(oid, column, pretty): column 0 is the whole definition, k > 0 its k-th key.
  out->kernel = [catalog, indexdef](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
    for (size_t i = 0; i < n; ++i) {
      result.SetNull(i);
      if (a[0].IsNull(i)) continue;
      int64_t column = indexdef && a.size() == 3 && !a[1].IsNull(i) ? a[1].Int(i) : 0;
      auto def = indexdef ? IndexDefinition(*catalog, a[0].Int(i), column) : ConstraintDefinition(*catalog, a[0].Int(i));
      if (def) result.Set(i, Value::String(Type(TypeId::kText), *def));
    }
  };
  for (size_t i = 0; i < args.size(); ++i) {
    LogicalType param = Type(i == 0 ? TypeId::kInt8 : indexdef && i == 1 ? TypeId::kInt4 : TypeId::kBool);
    out->args.push_back(Coerce(std::move(args[i]), param, location));
  }
  return out;
}

}  // namespace orbit::sql
