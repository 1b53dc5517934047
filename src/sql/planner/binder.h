#pragma once

// The binder: resolves an ast::Expr against the columns in scope, types it by
// PostgreSQL's rules (untyped literals take their context's type, integers
// widen, implicit casts are made explicit) and produces an exec::BoundExpr.
// Aggregate calls are collected when an AggregateScope is active.

#include <functional>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/ast/ast.h"
#include "sql/exec/expression.h"
#include "sql/exec/operators.h"

namespace orbit::sql {

// The parameters ($1, $2, ...) of a statement of the extended protocol. While
// it is prepared, `values` is null and `types` collects the inferred types
// (declared ones are given); when it runs, `values` holds one value per type
// and each $n binds as a constant.
// Who is asking: what CURRENT_USER, current_database(), version(),
// current_setting() and pg_backend_pid() answer.
struct SessionInfo {
  std::string user = "postgres";
  std::string database = "postgres";
  uint32_t database_oid = catalog::kPostgresDatabaseOid;  // whose objects the session sees
  int32_t pid = 0;
  std::function<std::string(std::string_view)> setting;  // current_setting(); throws 42704
  // set_config(name, value (nullopt: reset), is_local): the new value; throws as SET does.
  std::function<std::string(const std::string&, const std::optional<std::string>&, bool)> set_config;
  std::function<std::vector<std::string>()> schemas;     // the search path's existing schemas, in order
  std::function<int64_t()> now;  // the transaction's start: now(), CURRENT_TIMESTAMP
  // Sequence functions by (possibly schema-qualified) name; they throw SqlException.
  std::function<int64_t(std::string_view)> nextval;
  std::function<int64_t(std::string_view)> currval;
  std::function<int64_t(std::string_view, int64_t, bool)> setval;  // (name, value, is_called)
};

struct ParamContext {
  std::vector<LogicalType> types;
  const std::vector<Value>* values = nullptr;
  bool simple = false;  // a simple query: $n does not exist
  const SessionInfo* session = nullptr;
};

// One table in a FROM clause: its columns sit at [offset, offset + columns) of
// the joined row.
struct ScopeRelation {
  const catalog::TableDesc* table = nullptr;
  std::string name;  // the alias, or the table name
  int offset = 0;
};

// What subqueries are planned with (SELECT binds them; null elsewhere).
struct PlanContext {
  storage::Transaction* txn = nullptr;
  catalog::Catalog* catalog = nullptr;
};

// The enclosing query's columns as a subquery sees them. It owns copies of the
// tables, because a correlated subquery is planned again for each outer row,
// after the enclosing planner is gone.
struct OuterScope {
  std::deque<catalog::TableDesc> tables;
  std::vector<ScopeRelation> relations;  // pointing into `tables`
  // While planning for one outer row: that row's values by outer column index;
  // null while probing (outer columns then bind as typed NULLs).
  const std::vector<Value>* row = nullptr;
  std::vector<int> used;  // outer column indexes the subquery reads
  int width = 0;          // columns of the outer row
};

// The columns an expression can name: one table's (FROM t [AS a]), several
// joined tables' (`relations`), or none.
struct Scope {
  const catalog::TableDesc* table = nullptr;
  std::string name;  // the alias, or the table name
  ParamContext* params = nullptr;  // null: simple query, $n is an error
  std::vector<ScopeRelation> relations;  // a join: used instead of table/name
  PlanContext* plan = nullptr;           // null: subqueries are not allowed here
  OuterScope* outer = nullptr;           // set inside a subquery
};

// Grouped queries: expressions above the aggregate see only the group keys and
// aggregate results (output columns: groups first, then aggregates).
struct AggregateScope {
  std::vector<std::string> group_keys;  // Fingerprint of each GROUP BY expression
  std::vector<LogicalType> group_types;
  std::vector<exec::AggregateSpec> aggregates;
  std::vector<std::string> aggregate_keys;
};

class Binder {
 public:
  explicit Binder(Scope scope);

  // Binds `e`. With `aggregates`, binds above the aggregate (see AggregateScope);
  // `clause` names the clause for "not allowed in" errors ("WHERE", ...).
  exec::BoundExprPtr Bind(const ast::Expr& e, AggregateScope* aggregates = nullptr, const char* clause = nullptr);
  // Binds a boolean condition (WHERE, HAVING): 42804 if it is not boolean.
  exec::BoundExprPtr BindCondition(const ast::Expr& e, const char* clause, AggregateScope* aggregates = nullptr);

  // Column index of a column reference, or throws 42703/42P01/42702.
  int ResolveColumn(const ast::Expr& ref) const;
  // True when an unqualified `column` names a column in scope.
  bool HasColumn(const std::string& column) const;
  // The relations in scope (one for a single table).
  const std::vector<ScopeRelation>& relations() const { return relations_; }
  // A canonical text of an expression, equal for expressions PostgreSQL treats
  // as the same GROUP BY / ORDER BY item (column references by resolved index).
  std::string Fingerprint(const ast::Expr& e) const;
  bool ContainsAggregate(const ast::Expr& e) const;

  const Scope& scope() const { return scope_; }

 private:
  exec::BoundExprPtr BindInput(const ast::Expr& e);
  exec::BoundExprPtr BindBinary(const ast::Expr& e);
  exec::BoundExprPtr BindRegexMatch(const ast::Expr& e, exec::BoundExprPtr l, exec::BoundExprPtr r);
  exec::BoundExprPtr BindFunction(const ast::Expr& e);
  // An operator implemented as a function ("op:" + op); null (arguments kept) if none matches.
  exec::BoundExprPtr BindOperatorFunction(const std::string& op, std::vector<exec::BoundExprPtr>& args, int location);
  exec::BoundExprPtr BindAggregate(const ast::Expr& e);
  // Functions that answer from the session (version(), current_setting(), ...); null if `name` is not one.
  exec::BoundExprPtr BindSessionFunction(const std::string& name, const ast::Expr& e);
  exec::BoundExprPtr BindChild(const ast::Expr& e) { return Bind(e, aggregates_, clause_); }

  struct Resolved {
    int index;
    const catalog::ColumnDesc* column;
    const ScopeRelation* relation;
    bool outer = false;  // a column of the enclosing query (correlation)
  };
  Resolved Resolve(const ast::Expr& ref) const;
  exec::BoundExprPtr BindSubquery(const ast::Expr& e);
  exec::BoundExprPtr BindArrayCompare(const ast::Expr& e);
  // catalog_binding.cc: casts to regclass/regtype/regnamespace and functions of catalog oids.
  exec::BoundExprPtr BindRegCast(exec::BoundExprPtr arg, TypeId target, int location);
  exec::BoundExprPtr BindVariadicFunction(const std::string& name, std::vector<exec::BoundExprPtr>& args, int location);
  exec::BoundExprPtr BindCatalogFunction(const std::string& name, std::vector<exec::BoundExprPtr>& args, int location);
  exec::BoundExprPtr BindPrivilegeFunction(const std::string& name, std::vector<exec::BoundExprPtr>& args, int location);

  Scope scope_;
  std::vector<ScopeRelation> relations_;
  AggregateScope* aggregates_ = nullptr;
  const char* clause_ = nullptr;
  bool in_aggregate_ = false;
};

// The type several expressions are coerced to (CASE results, COALESCE, IN,
// UNION): PostgreSQL's select_common_type, 42804 when they cannot be matched.
LogicalType CommonType(const std::vector<const exec::BoundExpr*>& exprs, const char* context, int location);
// Casts `e` to `type` for an expression context (implicit casts only; 42883/42804 otherwise).
exec::BoundExprPtr Coerce(exec::BoundExprPtr e, LogicalType type, int location);
// Casts for INSERT/UPDATE into a column (assignment casts; 42804 otherwise).
exec::BoundExprPtr CoerceAssignment(exec::BoundExprPtr e, const catalog::ColumnDesc& column, int location);
// PostgreSQL's output column name for an expression (FigureColname).
std::string ColumnName(const ast::Expr& e);

}  // namespace orbit::sql
