#pragma once

// pg_catalog tables as virtual tables over Orbit's catalog: a statement that
// reads one gets its rows computed from the catalog under its transaction's
// snapshot. Enough of pg_namespace, pg_class, pg_attribute, pg_type, pg_index,
// pg_am, pg_roles, pg_database and friends for psql's \dt, \di, \dn and for
// drivers' type lookups. Approximations (docs/architecture.md): oid columns
// are bigint, name columns text, "char" columns text; every object is owned
// by postgres (oid 10); there is one database and the schemas public and
// pg_catalog.

#include <optional>
#include <string_view>

#include "catalog/catalog.h"
#include "sql/exec/operators.h"

namespace orbit::sql {

constexpr uint32_t kInformationSchemaNamespace = 13183;

// The descriptor of system table `name` (looked up in pg_catalog), or nullopt.
std::optional<catalog::TableDesc> FindSystemTable(std::string_view name);
// information_schema.schemata, tables and columns (user tables and views).
std::optional<catalog::TableDesc> FindInformationSchemaTable(std::string_view name);
bool IsSystemTable(const catalog::TableDesc& table);
// All rows of a system table.
exec::OperatorPtr MakeSystemTableScan(const catalog::TableDesc& table, catalog::Catalog& catalog);

// Role oids as the system tables show them: postgres is 10.
int64_t RoleOid(std::string_view role);

}  // namespace orbit::sql
