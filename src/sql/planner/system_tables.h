#pragma once

// pg_catalog tables as virtual tables over Orbit's catalog: a statement that
// reads one gets its rows computed from the catalog under its transaction's
// snapshot. Enough of pg_namespace, pg_class, pg_attribute, pg_type, pg_index,
// pg_am, pg_roles, pg_database and friends for psql's \dt, \di, \dn and for
// drivers' type lookups. Approximations (docs/architecture.md): oid columns
// are bigint, name columns text, "char" columns text; every object is owned
// by postgres (oid 10). Each database sees its own schemas and relations;
// pg_database and pg_roles are cluster-wide.

#include <optional>
#include <string>
#include <utility>
#include <string_view>

#include "catalog/catalog.h"
#include "sql/exec/operators.h"

namespace orbit::sql {

constexpr uint32_t kInformationSchemaNamespace = catalog::kInformationSchemaNamespaceOid;

// The descriptor of system table `name` (looked up in pg_catalog), or nullopt.
std::optional<catalog::TableDesc> FindSystemTable(std::string_view name);
// information_schema.schemata, tables and columns (user tables and views).
std::optional<catalog::TableDesc> FindInformationSchemaTable(std::string_view name);
bool IsSystemTable(const catalog::TableDesc& table);
struct SessionInfo;
// All rows of a system table (pg_settings shows `session`'s values; null: defaults).
exec::OperatorPtr MakeSystemTableScan(const catalog::TableDesc& table, catalog::Catalog& catalog,
                                      const SessionInfo* session);

// Objects by oid as the catalog functions and the reg* types show them
// (nullopt: no such object). Relations are tables, views, indexes (primary
// keys included) and system tables; names are [schema.]name.
std::optional<std::string> RelationName(catalog::Catalog& catalog, int64_t oid);
std::optional<std::pair<uint32_t, std::string>> RelationSchemaAndName(catalog::Catalog& catalog, int64_t oid);
// Whether the relation's bare name finds it (pg_table_is_visible).
bool RelationVisible(catalog::Catalog& catalog, int64_t oid);
std::optional<int64_t> RelationOid(catalog::Catalog& catalog, std::string_view name);
std::optional<std::string> NamespaceName(catalog::Catalog& catalog, int64_t oid);
std::optional<int64_t> NamespaceOid(catalog::Catalog& catalog, std::string_view name);
// pg_get_indexdef: CREATE [UNIQUE] INDEX name ON public.table USING btree (columns);
// with `column` k > 0, the k-th key column's name.
std::optional<std::string> IndexDefinition(catalog::Catalog& catalog, int64_t oid, int64_t column = 0);
// pg_get_constraintdef: PRIMARY KEY (...), UNIQUE (...), FOREIGN KEY (...) REFERENCES t(...), CHECK (...).
std::optional<std::string> ConstraintDefinition(catalog::Catalog& catalog, int64_t oid);

// Role oids as the system tables show them: postgres is 10.
int64_t RoleOid(std::string_view role);

}  // namespace orbit::sql
