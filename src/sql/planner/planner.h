#pragma once

// The planner: turns a bound statement into a tree of physical operators.
// Rules so far: primary-key equality and IN predicates become point reads,
// everything else scans the table; then filter, aggregate, project, distinct,
// sort and limit in SQL's logical order.

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/ast/ast.h"
#include "sql/exec/operators.h"
#include "storage/transaction.h"

namespace orbit::sql {

struct OutputColumn {
  std::string name;
  LogicalType type;
};

struct QueryPlan {
  exec::OperatorPtr root;
  // The visible columns; the root may produce more (sort keys not selected),
  // which follow them and are not sent.
  std::vector<OutputColumn> columns;
};

// The user table `name` names, for writing: 42P01 / 3F000, and 42501 for a
// system catalog.
catalog::TableDesc ResolveTable(catalog::Catalog& catalog, const ast::TableName& name);
// The schemas a name is looked up in: its qualifier's (none when it does not
// exist), else the catalog's search path.
std::vector<uint32_t> LookupSchemas(catalog::Catalog& catalog, const ast::TableName& name);
// Where CREATE puts an object named `name`: its qualifier's schema, else the
// first schema of the search path (3F000 when there is none).
uint32_t CreationSchema(catalog::Catalog& catalog, const ast::TableName& name);
// The table `name` resolves to, or nullopt (views and missing names alike).
std::optional<catalog::TableDesc> FindUserTable(catalog::Catalog& catalog, const ast::TableName& name);
// The oids of the user tables and views a query reads (in FROM, joins, subqueries
// and set operations), for the views that depend on them.
std::vector<uint32_t> ReferencedRelations(catalog::Catalog& catalog, const ast::Select& s);

struct ParamContext;
struct OuterScope;
// `params`: the statement's parameters (extended protocol), or null. `outer`:
// the enclosing query's columns when this is a subquery.
QueryPlan PlanSelect(const ast::Select& select, storage::Transaction& txn, catalog::Catalog& catalog,
                     ParamContext* params = nullptr, OuterScope* outer = nullptr);

// The rows a WHERE clause can be limited to by primary-key lookups (equality
// or IN on every key column), as row keys; nullopt when it needs a scan.
std::optional<std::vector<std::string>> PrimaryKeyLookups(const catalog::TableDesc& table,
                                                          const exec::BoundExpr* where);
// The key range a WHERE clause limits the first primary-key column to (>, >=,
// <, <=, BETWEEN on constants); nullopt when it does not.
std::optional<exec::KeyRange> PrimaryKeyRange(const catalog::TableDesc& table, const exec::BoundExpr* where);
// Of the secondary indexes whose every column WHERE fixes to constants, the
// one expected to find the fewest rows (unique first; else by ANALYZE's
// distinct counts); null if none fits. `fixed`: the values per index column.
const catalog::IndexDesc* ChooseIndex(const catalog::TableDesc& table, const exec::BoundExpr* where,
                                      std::vector<std::vector<Value>>* fixed = nullptr);
// The same through the index ChooseIndex picks (reads the index entries now,
// under the transaction's snapshot); nullopt if none fits.
std::optional<std::vector<std::string>> IndexLookups(storage::Transaction& txn, const catalog::TableDesc& table,
                                                     const exec::BoundExpr* where,
                                                     const catalog::IndexDesc** used = nullptr);

}  // namespace orbit::sql
