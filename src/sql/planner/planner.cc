#include "sql/planner/planner.h"

#include "sql/types/array.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <cstdint>

#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"
#include "sql/planner/system_tables.h"
#include "storage/key_codec.h"

namespace orbit::sql {
namespace {

using exec::BoundExpr;
using exec::BoundExprPtr;
using exec::BoundKind;

bool IsPositiveIntConst(const ast::Expr& e) {
  return e.kind == ast::ExprKind::kConst && !e.value.null && IsInteger(e.value.type.id);
}

ast::ExprPtr ColumnRefAst(const std::string& table, const std::string& column, int location) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::ExprKind::kColumnRef;
  e->names = {table, column};
  e->location = location;
  return e;
}

// LIMIT / OFFSET: constant bigint expressions; NULL means none.
std::optional<int64_t> CountClause(Binder& binder, const ast::Expr* e, bool is_limit) {
  if (e == nullptr) return std::nullopt;
  BoundExprPtr bound = Coerce(binder.Bind(*e, nullptr, is_limit ? "LIMIT" : "OFFSET"), Type(TypeId::kInt8), e->location);
  if (bound->kind == BoundKind::kParam) return std::nullopt;  // being prepared: only its type matters
  if (bound->kind != BoundKind::kConst) Throw("0A000", "non-constant LIMIT/OFFSET is not supported yet", e->location);
  Value v = CastValue(bound->value, Type(TypeId::kInt8), false, e->location);
  if (v.null) return std::nullopt;
  if (v.i < 0) Throw(is_limit ? "2201W" : "2201X", is_limit ? "LIMIT must not be negative" : "OFFSET must not be negative");
  return v.i;
}

QueryPlan PlanValues(const ast::Select& s, ParamContext* params, PlanContext* plan_context) {
  size_t width = s.values[0].size();
  Scope scope;
  scope.params = params;
  scope.plan = plan_context;  // subqueries and catalog lookups (a 'name'::regclass)
  Binder binder(scope);
  std::vector<std::vector<BoundExprPtr>> rows;
  for (const auto& row : s.values) {
    if (row.size() != width) Throw("42601", "VALUES lists must all be the same length", row.empty() ? -1 : row[0]->location);
    std::vector<BoundExprPtr> bound;
    for (const auto& e : row) bound.push_back(binder.Bind(*e, nullptr, "VALUES"));
    rows.push_back(std::move(bound));
  }
  QueryPlan plan;
  std::vector<LogicalType> types;
  for (size_t c = 0; c < width; ++c) {
    std::vector<const BoundExpr*> column;
    for (const auto& r : rows) column.push_back(r[c].get());
    LogicalType t = CommonType(column, "VALUES", s.values[0][c]->location);
    for (auto& r : rows) r[c] = Coerce(std::move(r[c]), t, s.values[0][c]->location);
    types.push_back(t);
    plan.columns.push_back({"column" + std::to_string(c + 1), t});
  }
  plan.root = exec::MakeValues(std::move(rows), types);
  if (!s.order_by.empty()) Throw("0A000", "ORDER BY on VALUES is not supported yet");
  std::optional<int64_t> limit = CountClause(binder, s.limit.get(), true);
  std::optional<int64_t> offset = CountClause(binder, s.offset.get(), false);
  if (limit || offset) plan.root = exec::MakeLimit(std::move(plan.root), limit, offset.value_or(0));
  return plan;
}

}  // namespace

std::vector<uint32_t> LookupSchemas(catalog::Catalog& catalog, const ast::TableName& name) {
  if (name.schema.empty()) return catalog.search_path();
  auto schema = catalog.FindSchema(name.schema);
  if (!schema.ok()) ThrowStorageError(schema.error());
  if (!schema->has_value()) return {};  // the relation does not exist (42P01, as PostgreSQL reports it)
  return {(*schema)->oid};
}

uint32_t CreationSchema(catalog::Catalog& catalog, const ast::TableName& name) {
  std::vector<uint32_t> schemas = LookupSchemas(catalog, name);
  if (schemas.empty() && !name.schema.empty()) {
    Throw("3F000", "schema \"" + name.schema + "\" does not exist", name.location);
  }
  if (schemas.empty()) Throw("3F000", "no schema has been selected to create in", name.location);
  if (schemas[0] == catalog::kPgCatalogNamespace || schemas[0] == catalog::kInformationSchemaNamespaceOid) {
    Throw("42501", "permission denied to create \"" + name.name + "\" in a system schema", name.location);
  }
  return schemas[0];
}

std::optional<catalog::TableDesc> FindUserTable(catalog::Catalog& catalog, const ast::TableName& name) {
  for (uint32_t schema : LookupSchemas(catalog, name)) {
    auto table = catalog.FindTable(schema, name.name);
    if (!table.ok()) ThrowStorageError(table.error());
    if (table->has_value()) return std::move(**table);
    auto view = catalog.FindView(schema, name.name);  // a view earlier in the path hides later tables
    if (!view.ok()) ThrowStorageError(view.error());
    if (view->has_value()) return std::nullopt;
  }
  return std::nullopt;
}

namespace {

void CollectReadRelations(catalog::Catalog& catalog, const ast::Select& s, std::vector<uint32_t>& out);

void CollectReadRelations(catalog::Catalog& catalog, const ast::Expr& e, std::vector<uint32_t>& out) {
  if (e.subquery) CollectReadRelations(catalog, *e.subquery, out);
  for (const auto& a : e.args) {
    if (a) CollectReadRelations(catalog, *a, out);
  }
}

void CollectReadRelations(catalog::Catalog& catalog, const ast::TableName& name, std::vector<uint32_t>& out) {
  if (name.schema == "pg_catalog" || name.schema == "information_schema") return;
  for (uint32_t schema : LookupSchemas(catalog, name)) {
    auto table = catalog.FindTable(schema, name.name);
    if (!table.ok()) ThrowStorageError(table.error());
    auto view = catalog.FindView(schema, name.name);
    if (!view.ok()) ThrowStorageError(view.error());
    uint32_t oid = table->has_value() ? (*table)->oid : view->has_value() ? (*view)->oid : 0;
    if (oid == 0) continue;
    if (std::find(out.begin(), out.end(), oid) == out.end()) out.push_back(oid);
    return;
  }
}

void CollectReadRelations(catalog::Catalog& catalog, const ast::FromItem& f, std::vector<uint32_t>& out) {
  if (f.IsJoin()) {
    CollectReadRelations(catalog, *f.left, out);
    CollectReadRelations(catalog, *f.right, out);
    if (f.on) CollectReadRelations(catalog, *f.on, out);
  } else if (f.subquery) {
    CollectReadRelations(catalog, *f.subquery, out);
  } else if (f.function) {
    CollectReadRelations(catalog, *f.function, out);
  } else {
    CollectReadRelations(catalog, f.table, out);
  }
}

void CollectReadRelations(catalog::Catalog& catalog, const ast::Select& s, std::vector<uint32_t>& out) {
  if (s.set_left) CollectReadRelations(catalog, *s.set_left, out);
  if (s.set_right) CollectReadRelations(catalog, *s.set_right, out);
  if (s.from) CollectReadRelations(catalog, *s.from, out);
  if (s.joins) CollectReadRelations(catalog, *s.joins, out);
  for (const auto& t : s.targets) {
    if (t.expr) CollectReadRelations(catalog, *t.expr, out);
  }
  for (const auto* e : {s.where.get(), s.having.get()}) {
    if (e) CollectReadRelations(catalog, *e, out);
  }
  for (const auto& row : s.values) {
    for (const auto& e : row) CollectReadRelations(catalog, *e, out);
  }
}

}  // namespace

std::vector<uint32_t> ReferencedRelations(catalog::Catalog& catalog, const ast::Select& s) {
  std::vector<uint32_t> out;
  CollectReadRelations(catalog, s, out);
  return out;
}

catalog::TableDesc ResolveTable(catalog::Catalog& catalog, const ast::TableName& name) {
  if (((name.schema.empty() || name.schema == "pg_catalog") && FindSystemTable(name.name)) ||
      (name.schema == "information_schema" && FindInformationSchemaTable(name.name))) {
    Throw("42501", "permission denied: \"" + name.name + "\" is a system catalog", name.location);
  }
  if (name.schema == "pg_catalog" || name.schema == "information_schema") {
    Throw("0A000", name.schema + "." + name.name + " is not supported yet", name.location);
  }
  for (uint32_t schema : LookupSchemas(catalog, name)) {
    auto table = catalog.FindTable(schema, name.name);
    if (!table.ok()) ThrowStorageError(table.error());
    if (table->has_value()) return std::move(**table);
    auto view = catalog.FindView(schema, name.name);
    if (view.ok() && view->has_value()) {
      Throw("0A000", "cannot change view \"" + name.name + "\": updatable views are not supported yet", name.location);
    }
  }
  std::string shown = name.schema.empty() ? name.name : name.schema + "." + name.name;
  Throw("42P01", "relation \"" + shown + "\" does not exist", name.location);
}

namespace {

// The conjuncts of a condition: its terms under (nested) ANDs.
std::vector<const BoundExpr*> Conjuncts(const BoundExpr* where) {
  std::vector<const BoundExpr*> out, stack{where};
  while (!stack.empty()) {
    const BoundExpr* e = stack.back();
    stack.pop_back();
    if (e->kind == BoundKind::kAnd) {
      for (const auto& arg : e->args) stack.push_back(arg.get());
    } else {
      out.push_back(e);
    }
  }
  return out;
}

// The column a side of a comparison names: a column, or an integer column widened
// to the other side's integer type (`int4_col = $1::int8`, as drivers send); null
// for anything else.
const BoundExpr* ComparedColumn(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn) return &e;
  if (e.kind == BoundKind::kCast && e.args[0]->kind == BoundKind::kColumn && IsInteger(e.type.id) &&
      IsInteger(e.args[0]->type.id)) {
    return e.args[0].get();
  }
  return nullptr;
}

// For each of `columns`, the constants WHERE's top-level AND conjuncts fix it to
// (col = c, c = col, col IN (...)); nullopt unless every column is fixed. NULLs
// are dropped: they match nothing.
std::optional<std::vector<std::vector<Value>>> FixedValues(const std::vector<int>& columns, const BoundExpr* where) {
  if (columns.empty() || where == nullptr) return std::nullopt;
  std::vector<std::vector<Value>> values(columns.size());
  std::vector<bool> found(columns.size(), false);
  const auto column_of = ComparedColumn;
  auto slot_of = [&](const BoundExpr& e) -> int {
    const BoundExpr* col = column_of(e);
    if (col == nullptr) return -1;
    for (size_t k = 0; k < columns.size(); ++k) {
      if (columns[k] == col->column) return static_cast<int>(k);
    }
    return -1;
  };
  // A constant compared with a widened column, in the column's type; a value
  // out of the column's range matches nothing (NULL here).
  auto in_column_type = [&](const BoundExpr& side, Value v) {
    const BoundExpr* col = column_of(side);
    if (col == &side || v.null) return v;
    int64_t lo = col->type.id == TypeId::kInt2 ? INT16_MIN : col->type.id == TypeId::kInt4 ? INT32_MIN : INT64_MIN;
    int64_t hi = col->type.id == TypeId::kInt2 ? INT16_MAX : col->type.id == TypeId::kInt4 ? INT32_MAX : INT64_MAX;
    if (v.i < lo || v.i > hi) return Value::Null(col->type);
    return Value::Int(col->type.id, v.i);
  };
  for (const BoundExpr* e : Conjuncts(where)) {
    std::vector<Value> candidates;
    int slot = -1;
    if (e->kind == BoundKind::kCompare && e->op == "=") {
      for (int side = 0; side < 2 && slot < 0; ++side) {
        const BoundExpr& col = *e->args[static_cast<size_t>(side)];
        const BoundExpr& other = *e->args[static_cast<size_t>(1 - side)];
        if (slot_of(col) >= 0 && other.kind == BoundKind::kConst) {
          slot = slot_of(col);
          candidates.push_back(in_column_type(col, other.value));
        }
      }
    } else if (e->kind == BoundKind::kIn && !e->negated && slot_of(*e->args[0]) >= 0) {
      slot = slot_of(*e->args[0]);
      for (size_t i = 1; i < e->args.size() && slot >= 0; ++i) {
        if (e->args[i]->kind != BoundKind::kConst) slot = -1;
        else candidates.push_back(in_column_type(*e->args[0], e->args[i]->value));
      }
    }
    if (slot < 0 || found[static_cast<size_t>(slot)]) continue;
    std::vector<Value> non_null;
    for (auto& v : candidates) {
      if (!v.null) non_null.push_back(std::move(v));
    }
    values[static_cast<size_t>(slot)] = std::move(non_null);
    found[static_cast<size_t>(slot)] = true;
  }
  for (bool f : found) {
    if (!f) return std::nullopt;
  }
  size_t total = 1;
  for (const auto& v : values) total *= std::max<size_t>(v.size(), 1);
  if (total > 10000) return std::nullopt;
  return values;
}

// Calls fn(row) for each combination of the fixed values, placed in a full row.
template <typename Fn>
void ForEachCombination(const std::vector<int>& columns, const std::vector<std::vector<Value>>& values, size_t width,
                        Fn fn) {
  size_t total = 1;
  for (const auto& v : values) total *= v.size();
  std::vector<Value> row(width);
  for (size_t n = 0; n < total; ++n) {
    size_t rest = n;
    for (size_t k = 0; k < values.size(); ++k) {
      row[static_cast<size_t>(columns[k])] = values[k][rest % values[k].size()];
      rest /= values[k].size();
    }
    fn(row);
  }
}

std::vector<std::string> SortedUnique(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());  // each row once, in key order
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace

std::optional<std::vector<std::string>> PrimaryKeyLookups(const catalog::TableDesc& table, const BoundExpr* where) {
  auto values = FixedValues(table.primary_key, where);
  if (!values) return std::nullopt;
  std::vector<std::string> keys;
  ForEachCombination(table.primary_key, *values, table.columns.size(),
                     [&](const std::vector<Value>& row) { keys.push_back(exec::EncodeRowKey(table, row, 0)); });
  return SortedUnique(std::move(keys));
}

std::optional<exec::KeyRange> PrimaryKeyRange(const catalog::TableDesc& table, const BoundExpr* where) {
  if (table.primary_key.empty() || where == nullptr) return std::nullopt;
  int first = table.primary_key[0];
  TypeId type = table.columns[static_cast<size_t>(first)].type.id;
  if (!IsInteger(type) && !IsDateTime(type)) return std::nullopt;  // int-like keys: exact bound arithmetic
  std::optional<int64_t> lo, hi;  // inclusive
  for (const BoundExpr* e : Conjuncts(where)) {
    if (e->kind != BoundKind::kCompare || e->op == "=" || e->op == "<>") continue;
    for (int side = 0; side < 2; ++side) {
      const BoundExpr* col = ComparedColumn(*e->args[static_cast<size_t>(side)]);
      const BoundExpr& other = *e->args[static_cast<size_t>(1 - side)];
      if (col == nullptr || col->column != first || other.kind != BoundKind::kConst) continue;
      if (other.value.null || Physical(other.value.type.id) != PhysicalType::kInt64) continue;
      int64_t v = other.value.i;
      // Normalize to "column op v" (flip when the column is on the right).
      std::string op = e->op;
      if (side == 1) op = op == "<" ? ">" : op == "<=" ? ">=" : op == ">" ? "<" : "<=";
      if (op == ">=" || (op == ">" && v < INT64_MAX)) {
        int64_t bound = op == ">" ? v + 1 : v;
        lo = lo ? std::max(*lo, bound) : bound;
      } else if (op == "<=" || (op == "<" && v > INT64_MIN)) {
        int64_t bound = op == "<" ? v - 1 : v;
        hi = hi ? std::min(*hi, bound) : bound;
      }
    }
  }
  if (!lo && !hi) return std::nullopt;
  std::string prefix = catalog::RowPrefix(table.relfilenode);
  exec::KeyRange range;
  range.begin = lo ? exec::EncodeRowKeyPrefix(table, Value::Int(type, *lo)) : prefix;
  range.end = hi ? storage::PrefixSuccessor(exec::EncodeRowKeyPrefix(table, Value::Int(type, *hi)))
                 : storage::PrefixSuccessor(prefix);
  if (lo && hi && *lo > *hi) range.end = range.begin;  // empty
  return range;
}

namespace {

// Rows one lookup of `index` is expected to find: 1 for a unique index, else
// the table's rows over the distinct combinations of the index columns (from
// ANALYZE; without statistics, a default that favours wider indexes).
double RowsPerLookup(const catalog::TableDesc& table, const catalog::IndexDesc& index) {
  if (index.unique) return 1;
  constexpr double kDefaultRows = 1000, kDefaultDistinct = 10;
  double rows = table.stats ? table.stats->rows : kDefaultRows;
  double combinations = 1;
  for (int c : index.columns) combinations *= table.DistinctValues(c).value_or(kDefaultDistinct);
  return std::max(1.0, rows / std::clamp(combinations, 1.0, std::max(rows, 1.0)));
}

}  // namespace

const catalog::IndexDesc* ChooseIndex(const catalog::TableDesc& table, const BoundExpr* where,
                                      std::vector<std::vector<Value>>* fixed) {
  const catalog::IndexDesc* best = nullptr;
  double best_rows = 0;
  for (const auto& index : table.indexes) {
    auto values = FixedValues(index.columns, where);
    if (!values) continue;
    size_t combinations = 1;
    for (const auto& v : *values) combinations *= std::max<size_t>(v.size(), 1);
    double rows = static_cast<double>(combinations) * RowsPerLookup(table, index);
    if (best == nullptr || rows < best_rows) {
      best = &index;
      best_rows = rows;
      if (fixed != nullptr) *fixed = std::move(*values);
    }
  }
  return best;
}

std::optional<std::vector<std::string>> IndexLookups(storage::Transaction& txn, const catalog::TableDesc& table,
                                                     const BoundExpr* where, const catalog::IndexDesc** used) {
  std::vector<std::vector<Value>> fixed;
  if (const catalog::IndexDesc* chosen = ChooseIndex(table, where, &fixed)) {
    if (used != nullptr) *used = chosen;
    const catalog::IndexDesc& index = *chosen;
    std::vector<std::string> keys;
    ForEachCombination(index.columns, fixed, table.columns.size(), [&](const std::vector<Value>& row) {
      std::vector<Value> prefix;
      for (int c : index.columns) prefix.push_back(row[static_cast<size_t>(c)]);
      auto it = txn.ScanPrefix(storage::ColumnFamily::kIndex, exec::EncodeIndexPrefix(index, prefix));
      for (; it->Valid(); it->Next()) {
        auto row_key = exec::IndexEntryRowKey(index, it->key(), it->value());
        if (!row_key) Throw("XX001", "invalid entry in index \"" + index.name + "\"");
        keys.push_back(std::move(*row_key));
      }
      Check(it->status());
    });
    return SortedUnique(std::move(keys));
  }
  return std::nullopt;
}

namespace {

// What FROM items other than tables produce: their operators, by relation index.
struct DerivedSources {
  storage::Transaction& txn;
  catalog::Catalog& catalog;
  ParamContext* params;
  std::map<size_t, exec::OperatorPtr> operators;
  OuterScope* outer = nullptr;  // a correlated subquery's FROM functions may read outer columns
};

// A relation descriptor for a subquery or function in FROM: its output columns,
// renamed by the alias's column list. relfilenode 0 and no schema: not a table.
catalog::TableDesc DerivedTable(const ast::FromItem& f, const std::vector<OutputColumn>& columns) {
  if (f.column_aliases.size() > columns.size()) {
    Throw("42P10", "table \"" + f.alias + "\" has " + std::to_string(columns.size()) + " columns available but " +
                       std::to_string(f.column_aliases.size()) + " columns specified", f.location);
  }
  catalog::TableDesc desc;
  desc.name = f.alias;
  desc.schema_oid = 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    catalog::ColumnDesc c;
    c.name = i < f.column_aliases.size() ? f.column_aliases[i] : columns[i].name;
    c.type = columns[i].type;
    desc.columns.push_back(std::move(c));
  }
  return desc;
}

// generate_series(start, stop[, step]) with integer arguments, evaluated once.
exec::OperatorPtr PlanSeries(const ast::Expr& call, std::vector<BoundExprPtr> args, bool ordinality, LogicalType& type) {
  if (args.size() < 2 || args.size() > 3) {
    Throw("42883", "function generate_series with " + std::to_string(args.size()) + " arguments does not exist",
          call.location);
  }
  bool wide = false;
  for (auto& a : args) {
    TypeId t = a->type.id;
    if (t == TypeId::kUnknown) continue;
    if (t != TypeId::kInt2 && t != TypeId::kInt4 && t != TypeId::kInt8) {
      Throw("0A000", "generate_series over " + TypeDisplayName(a->type) + " is not supported yet", call.location);
    }
    wide = wide || t == TypeId::kInt8;
  }
  type = Type(wide ? TypeId::kInt8 : TypeId::kInt4);
  std::vector<Value> v;
  for (auto& a : args) v.push_back(exec::EvaluateConstant(*Coerce(std::move(a), type, call.location)));
  int64_t step = v.size() == 3 ? (v[2].null ? 0 : v[2].i) : 1;
  if (v.size() == 3 && !v[2].null && step == 0) Throw("22023", "step size cannot equal zero", call.location);
  if (v[0].null || v[1].null || (v.size() == 3 && v[2].null)) {  // strict: no rows
    return exec::MakeSeries(1, 0, 1, type, ordinality);
  }
  return exec::MakeSeries(v[0].i, v[1].i, step, type, ordinality);
}

// A function in FROM: generate_series (streamed), unnest(array) (a row per
// element) or any scalar function (one row, named by the function or its
// alias). Arguments are evaluated once: in a correlated subquery, outer columns
// are constants for the outer row being planned. WITH ORDINALITY adds a bigint
// column numbering the rows.
exec::OperatorPtr PlanTableFunction(const ast::FromItem& f, DerivedSources& derived,
                                    std::vector<OutputColumn>& columns) {
  const ast::Expr& call = *f.function;
  const std::string& name = call.names.back();
  if (call.names.size() == 2 && call.names[0] != "pg_catalog") {
    Throw("42883", "function " + call.names[0] + "." + name + " does not exist", call.location);
  }
  PlanContext plan_context{&derived.txn, &derived.catalog};
  Scope scope;
  scope.params = derived.params;
  scope.plan = &plan_context;
  scope.outer = derived.outer;
  Binder binder(scope);
  if (name == "generate_series") {
    std::vector<BoundExprPtr> args;
    for (const auto& a : call.args) args.push_back(binder.Bind(*a, nullptr, "FROM"));
    LogicalType type;
    exec::OperatorPtr op = PlanSeries(call, std::move(args), f.ordinality, type);
    columns.push_back({f.alias, type});
    if (f.ordinality) columns.push_back({"ordinality", Type(TypeId::kInt8)});
    return op;
  }
  std::vector<Value> values;
  LogicalType type;
  if (name == "unnest") {
    if (call.args.size() != 1) Throw("0A000", "unnest with several arrays is not supported yet", call.location);
    BoundExprPtr array = binder.Bind(*call.args[0], nullptr, "FROM");
    if (array->type.id != TypeId::kArray) {
      Throw("42883", "function unnest(" + TypeDisplayName(array->type) + ") does not exist", call.location);
    }
    type = Type(array->type.element);
    Value v = exec::EvaluateConstant(*array);
    if (!v.null) values = ArrayElements(v);
  } else {
    BoundExprPtr e = binder.Bind(call, nullptr, "FROM");
    type = e->type;
    values.push_back(exec::EvaluateConstant(*e));
  }
  std::vector<LogicalType> types = {type};
  columns.push_back({f.alias, type});
  if (f.ordinality) {
    types.push_back(Type(TypeId::kInt8));
    columns.push_back({"ordinality", Type(TypeId::kInt8)});
  }
  std::vector<std::vector<BoundExprPtr>> rows;
  for (size_t i = 0; i < values.size(); ++i) {
    std::vector<BoundExprPtr> row;
    row.push_back(exec::MakeConst(values[i]));
    if (f.ordinality) row.push_back(exec::MakeConst(Value::Int(TypeId::kInt8, static_cast<int64_t>(i + 1))));
    rows.push_back(std::move(row));
  }
  return exec::MakeValues(std::move(rows), types);
}

// What a name in FROM reads: a table (pg_catalog's and information_schema's
// first, as PostgreSQL's search path has them), or a view as a FROM item of
// its parsed query, named by the view (or the alias) and its column names.
struct Relation {
  std::optional<catalog::TableDesc> table;
  std::unique_ptr<ast::FromItem> view;
};

Relation ResolveRelation(catalog::Catalog& catalog, const ast::TableName& name, int location) {
  if (name.schema.empty() || name.schema == "pg_catalog") {
    if (auto system = FindSystemTable(name.name)) return {std::move(system), nullptr};
  }
  if (name.schema == "information_schema") {
    if (auto info = FindInformationSchemaTable(name.name)) return {std::move(info), nullptr};
  }
  bool system_schema = name.schema == "pg_catalog" || name.schema == "information_schema";
  for (uint32_t schema : system_schema ? std::vector<uint32_t>() : LookupSchemas(catalog, name)) {
    // One cached lookup for a table; a view costs a read only when the name is not a table.
    auto table = catalog.FindTable(schema, name.name);
    if (!table.ok()) ThrowStorageError(table.error());
    if (table->has_value()) return {std::move(**table), nullptr};
    auto view = catalog.FindView(schema, name.name);
    if (!view.ok()) ThrowStorageError(view.error());
    if (!view->has_value()) continue;
    auto parsed = Parse((*view)->sql);
    if (auto* error = std::get_if<SqlError>(&parsed)) {
      Throw("XX000", "the definition of view \"" + name.name + "\" does not parse: " + error->message);
    }
    auto& tree = std::get<ParseTree>(parsed);
    if (StatementCount(tree) != 1) Throw("XX000", "the definition of view \"" + name.name + "\" is not one query");
    ast::Statement stmt = ConvertStatement(tree, 0);
    auto* select = std::get_if<ast::Select>(&stmt);
    if (select == nullptr) Throw("XX000", "the definition of view \"" + name.name + "\" is not a query");
    auto item = std::make_unique<ast::FromItem>();
    item->subquery = std::make_shared<ast::Select>(std::move(*select));
    item->alias = name.alias.empty() ? name.name : name.alias;
    item->column_aliases = (*view)->columns;
    if (!(*view)->search_path.empty()) item->search_path = (*view)->search_path;
    item->location = location;
    return {std::nullopt, std::move(item)};
  }
  if (system_schema) Throw("0A000", name.schema + "." + name.name + " is not supported yet", name.location);
  return {ResolveTable(catalog, name), nullptr};  // raises the error that fits (42P01, 3F000, 0A000)
}

// The relations of a FROM tree, left to right, each at the offset of its first
// column in the joined row. `tables` keeps their descriptors at stable addresses.
void CollectRelations(const ast::FromItem& f, DerivedSources& derived, std::deque<catalog::TableDesc>& tables,
                      std::vector<ScopeRelation>& relations) {
  if (f.IsJoin()) {
    CollectRelations(*f.left, derived, tables, relations);
    CollectRelations(*f.right, derived, tables, relations);
    return;
  }
  std::string name;
  if (f.subquery) {
    catalog::Catalog view_catalog = derived.catalog;  // a view resolves names where it was created
    if (f.search_path) view_catalog.SetSearchPath(*f.search_path);
    QueryPlan plan = PlanSelect(*f.subquery, derived.txn, f.search_path ? view_catalog : derived.catalog, derived.params);
    std::vector<BoundExprPtr> visible;  // the root may carry hidden sort columns after them
    for (size_t i = 0; i < plan.columns.size(); ++i) visible.push_back(exec::MakeColumn(static_cast<int>(i), plan.columns[i].type));
    derived.operators[relations.size()] = exec::MakeProject(std::move(plan.root), std::move(visible));
    tables.push_back(DerivedTable(f, plan.columns));
    name = f.alias;
  } else if (f.function) {
    std::vector<OutputColumn> columns;
    derived.operators[relations.size()] = PlanTableFunction(f, derived, columns);
    tables.push_back(DerivedTable(f, columns));
    name = f.alias;
  } else {
    Relation rel = ResolveRelation(derived.catalog, f.table, f.location);
    if (rel.view) {  // a view reads as its query, planned now for this statement
      CollectRelations(*rel.view, derived, tables, relations);
      return;
    }
    tables.push_back(std::move(*rel.table));
    name = f.table.alias.empty() ? f.table.name : f.table.alias;
  }
  for (const auto& r : relations) {
    if (r.name == name) Throw("42712", "table name \"" + name + "\" specified more than once", f.location);
  }
  int offset = relations.empty() ? 0
                                 : relations.back().offset + static_cast<int>(relations.back().table->columns.size());
  relations.push_back({&tables.back(), name, offset});
}

// The lowest and highest column an expression reads ([INT_MAX, -1] for none).
void ColumnSpan(const BoundExpr& e, int& lo, int& hi) {
  if (e.kind == BoundKind::kColumn) {
    lo = std::min(lo, e.column);
    hi = std::max(hi, e.column);
  }
  for (const auto& a : e.args) {
    if (a) ColumnSpan(*a, lo, hi);
  }
}

bool Within(const BoundExpr& e, int begin, int end) {
  int lo = INT_MAX, hi = -1;
  ColumnSpan(e, lo, hi);
  return hi >= 0 && lo >= begin && hi < end;
}

// Renumbers column references for an input whose first column is `shift`.
void RebaseColumns(BoundExpr& e, int shift) {
  if (e.kind == BoundKind::kColumn) e.column -= shift;
  for (auto& a : e.args) {
    if (a) RebaseColumns(*a, shift);
  }
}

void TakeConjuncts(BoundExprPtr e, std::vector<BoundExprPtr>& out) {
  if (e->kind == BoundKind::kAnd) {
    for (auto& a : e->args) TakeConjuncts(std::move(a), out);
  } else {
    out.push_back(std::move(e));
  }
}

BoundExprPtr AndOf(std::vector<BoundExprPtr> terms) {
  if (terms.empty()) return nullptr;
  if (terms.size() == 1) return std::move(terms[0]);
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kAnd;
  e->type = Type(TypeId::kBool);
  e->args = std::move(terms);
  return e;
}

bool InnerJoinsOnly(const ast::FromItem& f) {
  if (!f.IsJoin()) return true;
  return f.join == ast::JoinType::kInner && InnerJoinsOnly(*f.left) && InnerJoinsOnly(*f.right);
}

struct BuiltFrom {
  exec::OperatorPtr op;
  int begin = 0;  // the columns of the joined row it produces: [begin, end)
  int end = 0;
  std::vector<LogicalType> types;  // of those columns
  double rows = -1;                // estimated output rows; < 0: unknown
};

// The fraction of a table's rows a conjunct keeps, PostgreSQL-style defaults:
// column = constant is 1/distinct (0.005 without statistics), a range
// comparison a third, anything else a half.
double Selectivity(const catalog::TableDesc& table, const BoundExpr& e) {
  if (e.kind == BoundKind::kCompare && e.op == "=") {
    for (int side = 0; side < 2; ++side) {
      const BoundExpr* col = ComparedColumn(*e.args[static_cast<size_t>(side)]);
      if (col != nullptr && e.args[static_cast<size_t>(1 - side)]->kind == BoundKind::kConst) {
        auto distinct = table.DistinctValues(col->column);
        return distinct && *distinct >= 1 ? 1 / *distinct : 0.005;
      }
    }
    return 0.005;
  }
  if (e.kind == BoundKind::kCompare && e.op != "<>") return 1.0 / 3;
  return 0.5;
}

// Estimated rows a scan of `table` returns: the key lookups' count when the
// plan has them, else ANALYZE's row count times the filter's selectivity;
// unknown (-1) for a table never analyzed.
double EstimateScanRows(const catalog::TableDesc& table, const std::optional<std::vector<std::string>>& keys,
                        const BoundExpr* filter) {
  if (keys) return static_cast<double>(keys->size());
  if (!table.stats) return -1;
  double rows = table.stats->rows;
  if (filter != nullptr) {
    for (const BoundExpr* e : Conjuncts(filter)) rows *= Selectivity(table, *e);
  }
  return rows;
}

// A scan of user table `table` for `filter`: its primary-key lookups, else the
// lookups of the index ChooseIndex picks, else a primary-key range, else every
// row; labelled as EXPLAIN shows it. `rows`: the estimate (EstimateScanRows).
exec::OperatorPtr PlanTableScan(storage::Transaction& txn, const catalog::TableDesc& table, const BoundExpr* filter,
                                double* rows = nullptr) {
  std::string label;
  auto keys = PrimaryKeyLookups(table, filter);
  if (keys) {
    label = "Index Scan using " + table.name + "_pkey on " + table.name;
  } else {
    const catalog::IndexDesc* index = nullptr;
    keys = IndexLookups(txn, table, filter, &index);
    if (keys) label = "Index Scan using " + index->name + " on " + table.name;
  }
  std::optional<exec::KeyRange> range;
  if (!keys) {
    range = PrimaryKeyRange(table, filter);
    if (range) label = "Index Scan using " + table.name + "_pkey on " + table.name;
  }
  if (rows != nullptr) *rows = EstimateScanRows(table, keys, filter);
  exec::OperatorPtr scan = exec::MakeTableScan(txn, table, false, std::move(keys), std::move(range));
  if (!label.empty()) scan->set_label(std::move(label));
  return scan;
}

// Column c of a joined row laid out left-then-right, once the join runs with
// the sides swapped (right-then-left).
void SwapSides(BoundExpr& e, int left_width, int right_width) {
  if (e.kind == BoundKind::kColumn) e.column = e.column < left_width ? e.column + right_width : e.column - left_width;
  for (auto& a : e.args) {
    if (a) SwapSides(*a, left_width, right_width);
  }
}

// Operators for a FROM tree: a scan per table, a hash join per join whose ON
// has equalities between its sides (their keys), else a nested-loop join; the
// rest of ON is the join's residual condition.
// `pushed[i]`: WHERE conjuncts over relation i alone (already renumbered to its
// columns), applied at its scan and used for its key and index lookups.
BuiltFrom BuildFrom(const ast::FromItem& f, Binder& binder, size_t& next_relation, storage::Transaction& txn,
                    catalog::Catalog& catalog, std::vector<std::vector<BoundExprPtr>>& pushed, DerivedSources& derived) {
  if (!f.IsJoin()) {
    size_t index = next_relation++;
    const ScopeRelation& rel = binder.relations()[index];
    int width = static_cast<int>(rel.table->columns.size());
    BoundExprPtr filter = AndOf(std::move(pushed[index]));
    exec::OperatorPtr scan;
    double rows = -1;
    if (auto it = derived.operators.find(index); it != derived.operators.end()) {
      scan = std::move(it->second);
    } else if (IsSystemTable(*rel.table)) {
      scan = MakeSystemTableScan(*rel.table, catalog, derived.params ? derived.params->session : nullptr);
      scan->set_label("Seq Scan on " + rel.table->name);
    } else {
      scan = PlanTableScan(txn, *rel.table, filter.get(), &rows);
    }
    if (filter) scan = exec::MakeFilter(std::move(scan), std::move(filter));
    std::vector<LogicalType> types;
    for (const auto& c : rel.table->columns) types.push_back(c.type);
    return {std::move(scan), rel.offset, rel.offset + width, std::move(types), rows};
  }
  BuiltFrom left = BuildFrom(*f.left, binder, next_relation, txn, catalog, pushed, derived);
  BuiltFrom right = BuildFrom(*f.right, binder, next_relation, txn, catalog, pushed, derived);
  std::vector<BoundExprPtr> left_keys, right_keys, residual;
  if (f.on) {
    BoundExprPtr on = binder.BindCondition(*f.on, "JOIN/ON");
    int lo = INT_MAX, hi = -1;
    ColumnSpan(*on, lo, hi);
    if (hi >= right.end || (hi >= 0 && lo < left.begin)) {
      Throw("42P01", "invalid reference to FROM-clause entry for a table outside this JOIN", f.on->location);
    }
    std::vector<BoundExprPtr> terms;
    TakeConjuncts(std::move(on), terms);
    for (auto& t : terms) {
      if (t->kind == BoundKind::kCompare && t->op == "=") {
        BoundExprPtr& a = t->args[0];
        BoundExprPtr& b = t->args[1];
        if (Within(*a, left.begin, left.end) && Within(*b, right.begin, right.end)) {
          left_keys.push_back(std::move(a));
          right_keys.push_back(std::move(b));
          continue;
        }
        if (Within(*b, left.begin, left.end) && Within(*a, right.begin, right.end)) {
          left_keys.push_back(std::move(b));
          right_keys.push_back(std::move(a));
          continue;
        }
      }
      residual.push_back(std::move(t));
    }
  }
  for (auto& k : left_keys) RebaseColumns(*k, left.begin);
  for (auto& k : right_keys) RebaseColumns(*k, right.begin);
  BoundExprPtr rest = AndOf(std::move(residual));
  if (rest) RebaseColumns(*rest, left.begin);
  exec::JoinKind kind = f.join == ast::JoinType::kLeft    ? exec::JoinKind::kLeft
                        : f.join == ast::JoinType::kRight ? exec::JoinKind::kRight
                        : f.join == ast::JoinType::kFull  ? exec::JoinKind::kFull
                                                          : exec::JoinKind::kInner;
  BuiltFrom out;
  out.begin = left.begin;
  out.end = right.end;
  out.types = left.types;
  out.types.insert(out.types.end(), right.types.begin(), right.types.end());
  bool known = left.rows >= 0 && right.rows >= 0;
  bool keyed = !left_keys.empty();
  if (known) {
    out.rows = kind == exec::JoinKind::kInner ? (keyed ? std::max(left.rows, right.rows) : left.rows * right.rows)
               : kind == exec::JoinKind::kLeft  ? left.rows
               : kind == exec::JoinKind::kRight ? right.rows
                                                : left.rows + right.rows;
  }
  // The right input is the hash table. For an inner join whose right input is
  // expected to be much larger, build on the left instead and put the columns
  // back in FROM order.
  if (kind == exec::JoinKind::kInner && known && right.rows > 2 * left.rows) {
    int left_width = left.end - left.begin, right_width = right.end - right.begin;
    if (rest) SwapSides(*rest, left_width, right_width);
    exec::OperatorPtr joined = exec::MakeHashJoin(kind, std::move(right.op), std::move(left.op), std::move(right_keys),
                                                  std::move(left_keys), std::move(rest));
    std::vector<BoundExprPtr> columns;
    for (int c = 0; c < left_width + right_width; ++c) {
      int from = c < left_width ? right_width + c : c - left_width;
      columns.push_back(exec::MakeColumn(from, out.types[static_cast<size_t>(c)]));
    }
    out.op = exec::MakeProject(std::move(joined), std::move(columns));
    out.op->set_label("Project (columns in FROM order; the join's hash table holds the left input)");
    return out;
  }
  out.op = exec::MakeHashJoin(kind, std::move(left.op), std::move(right.op), std::move(left_keys),
                              std::move(right_keys), std::move(rest));
  return out;
}

}  // namespace

// left UNION|INTERSECT|EXCEPT [ALL] right: both sides in their columns' common
// types; ORDER BY may name output columns (by name or position); then LIMIT.
QueryPlan PlanSetOperation(const ast::Select& s, storage::Transaction& txn, catalog::Catalog& catalog,
                           ParamContext* params, OuterScope* outer) {
  QueryPlan left = PlanSelect(*s.set_left, txn, catalog, params, outer);
  QueryPlan right = PlanSelect(*s.set_right, txn, catalog, params, outer);
  if (left.columns.size() != right.columns.size()) {
    Throw("42601", "each " + s.set_op + " query must have the same number of columns");
  }
  QueryPlan plan;
  std::vector<BoundExprPtr> lcast, rcast;
  for (size_t i = 0; i < left.columns.size(); ++i) {
    auto l = exec::MakeColumn(static_cast<int>(i), left.columns[i].type);
    auto r = exec::MakeColumn(static_cast<int>(i), right.columns[i].type);
    LogicalType type = CommonType({l.get(), r.get()}, s.set_op.c_str(), -1);
    if (type.id == TypeId::kUnknown) type = Type(TypeId::kText);
    lcast.push_back(Coerce(std::move(l), type, -1));
    rcast.push_back(Coerce(std::move(r), type, -1));
    plan.columns.push_back({left.columns[i].name, type});
  }
  exec::OperatorPtr l = exec::MakeProject(std::move(left.root), std::move(lcast));
  exec::OperatorPtr r = exec::MakeProject(std::move(right.root), std::move(rcast));
  exec::OperatorPtr source;
  if (s.set_op == "UNION") {
    std::vector<exec::OperatorPtr> both;
    both.push_back(std::move(l));
    both.push_back(std::move(r));
    source = exec::MakeAppend(std::move(both));
    if (!s.set_all) source = exec::MakeDistinct(std::move(source));
  } else {
    source = exec::MakeSetOp(s.set_op == "INTERSECT", s.set_all, std::move(l), std::move(r));
  }
  std::vector<exec::SortKey> keys;
  for (const auto& o : s.order_by) {
    const ast::Expr& e = *o.expr;
    int column = -1;
    if (IsPositiveIntConst(e)) {
      if (e.value.i > static_cast<int64_t>(plan.columns.size())) {
        Throw("42P10", "ORDER BY position " + std::to_string(e.value.i) + " is not in select list", e.location);
      }
      column = static_cast<int>(e.value.i - 1);
    } else if (e.kind == ast::ExprKind::kColumnRef && e.names.size() == 1) {
      for (size_t i = 0; i < plan.columns.size() && column < 0; ++i) {
        if (plan.columns[i].name == e.names[0]) column = static_cast<int>(i);
      }
      if (column < 0) Throw("42703", "column \"" + e.names[0] + "\" does not exist", e.location);
    } else {
      Throw("0A000", "ORDER BY on a " + s.set_op + " result must name one of its columns", e.location);
    }
    keys.push_back({column, o.descending, o.nulls_first.value_or(o.descending)});
  }
  if (!keys.empty()) source = exec::MakeSort(std::move(source), std::move(keys));
  Binder binder(Scope{nullptr, "", params, {}});
  std::optional<int64_t> limit = CountClause(binder, s.limit.get(), true);
  std::optional<int64_t> offset = CountClause(binder, s.offset.get(), false);
  if (limit || offset) source = exec::MakeLimit(std::move(source), limit, offset.value_or(0));
  plan.root = std::move(source);
  return plan;
}

QueryPlan PlanSelect(const ast::Select& s, storage::Transaction& txn, catalog::Catalog& catalog,
                     ParamContext* params, OuterScope* outer) {
  if (!s.set_op.empty()) return PlanSetOperation(s, txn, catalog, params, outer);
  if (!s.values.empty()) {
    PlanContext values_context{&txn, &catalog};
    return PlanValues(s, params, &values_context);
  }
  std::optional<catalog::TableDesc> table;
  std::deque<catalog::TableDesc> joined_tables;
  DerivedSources derived{txn, catalog, params, {}, outer};
  PlanContext plan_context{&txn, &catalog};
  Scope scope;
  scope.params = params;
  scope.plan = &plan_context;
  scope.outer = outer;
  // A view named alone in FROM is planned as a one-item FROM list.
  std::unique_ptr<ast::FromItem> lone_view;
  const ast::FromItem* joins = s.joins.get();
  if (s.from) {
    Relation rel = ResolveRelation(catalog, *s.from, s.from->location);
    if (rel.view) {
      lone_view = std::move(rel.view);
      joins = lone_view.get();
    } else {
      table = std::move(rel.table);
      scope.table = &*table;
      scope.name = s.from->alias.empty() ? s.from->name : s.from->alias;
    }
  }
  if (lone_view || (!s.from && joins != nullptr)) {
    CollectRelations(*joins, derived, joined_tables, scope.relations);
  }
  Binder binder(scope);

  // The select list with * expanded into column references.
  std::vector<ast::ExprPtr> expanded;
  std::vector<const ast::Expr*> targets;
  std::vector<std::string> names;
  for (const auto& item : s.targets) {
    const ast::Expr& e = *item.expr;
    if (e.kind != ast::ExprKind::kStar) {
      targets.push_back(&e);
      names.push_back(item.alias.empty() ? ColumnName(e) : item.alias);
      continue;
    }
    if (binder.relations().empty()) Throw("42601", "SELECT * with no tables specified is not valid", e.location);
    bool found = false;
    for (const auto& rel : binder.relations()) {
      if (!e.names.empty() && e.names[0] != rel.name) continue;
      found = true;
      for (const auto& col : rel.table->columns) {
        expanded.push_back(ColumnRefAst(rel.name, col.name, e.location));
        targets.push_back(expanded.back().get());
        names.push_back(col.name);
      }
    }
    if (!found) Throw("42P01", "missing FROM-clause entry for table \"" + e.names[0] + "\"", e.location);
  }
  if (targets.size() > 1664) Throw("54011", "target lists can have at most 1664 entries");

  BoundExprPtr where;
  if (s.where) where = binder.BindCondition(*s.where, "WHERE");
  exec::OperatorPtr source;
  if (table && IsSystemTable(*table)) {
    source = MakeSystemTableScan(*table, catalog, params ? params->session : nullptr);
    source->set_label("Seq Scan on " + table->name);
  } else if (table) {
    source = PlanTableScan(txn, *table, where.get());
  } else if (joins != nullptr) {
    // With inner joins only, a WHERE conjunct over one table filters that table's
    // scan (and picks its key or index lookups); outer joins keep WHERE above them.
    std::vector<std::vector<BoundExprPtr>> pushed(binder.relations().size());
    if (where && InnerJoinsOnly(*joins)) {
      std::vector<BoundExprPtr> terms, rest;
      TakeConjuncts(std::move(where), terms);
      for (auto& t : terms) {
        bool moved = false;
        for (size_t i = 0; i < binder.relations().size() && !moved; ++i) {
          const ScopeRelation& rel = binder.relations()[i];
          if (Within(*t, rel.offset, rel.offset + static_cast<int>(rel.table->columns.size()))) {
            RebaseColumns(*t, rel.offset);
            pushed[i].push_back(std::move(t));
            moved = true;
          }
        }
        if (!moved) rest.push_back(std::move(t));
      }
      where = AndOf(std::move(rest));
    }
    size_t next_relation = 0;
    source = BuildFrom(*joins, binder, next_relation, txn, catalog, pushed, derived).op;
  } else {
    source = exec::MakeSingleRow();
  }
  if (where) source = exec::MakeFilter(std::move(source), std::move(where));

  // GROUP BY items may name a select-list position or output name.
  auto target_for = [&](const ast::Expr& e, const char* clause) -> const ast::Expr* {
    if (IsPositiveIntConst(e)) {
      if (e.value.i < 1 || e.value.i > static_cast<int64_t>(targets.size())) {
        Throw("42P10", std::string(clause) + " position " + std::to_string(e.value.i) + " is not in select list",
              e.location);
      }
      return targets[static_cast<size_t>(e.value.i - 1)];
    }
    if (e.kind == ast::ExprKind::kColumnRef && e.names.size() == 1 &&
        !binder.HasColumn(e.names[0])) {
      for (size_t i = 0; i < targets.size(); ++i) {
        if (names[i] == e.names[0]) return targets[i];
      }
    }
    return &e;
  };

  bool aggregating = !s.group_by.empty() || s.having != nullptr;
  for (const ast::Expr* t : targets) aggregating |= binder.ContainsAggregate(*t);
  for (const auto& o : s.order_by) aggregating |= binder.ContainsAggregate(*o.expr);
  AggregateScope aggregates;
  std::vector<BoundExprPtr> group_exprs;
  if (aggregating) {
    for (const auto& g : s.group_by) {
      const ast::Expr& item = *target_for(*g, "GROUP BY");
      if (binder.ContainsAggregate(item)) Throw("42803", "aggregate functions are not allowed in GROUP BY", item.location);
      group_exprs.push_back(binder.Bind(item, nullptr, "GROUP BY"));
      aggregates.group_keys.push_back(binder.Fingerprint(item));
      aggregates.group_types.push_back(group_exprs.back()->type);
    }
  }
  AggregateScope* agg = aggregating ? &aggregates : nullptr;

  std::vector<BoundExprPtr> projections;
  std::vector<std::string> target_keys;
  QueryPlan plan;
  for (size_t i = 0; i < targets.size(); ++i) {
    BoundExprPtr e = binder.Bind(*targets[i], agg, "SELECT");
    if (e->type.id == TypeId::kUnknown) e = MakeCast(std::move(e), Type(TypeId::kText), false, targets[i]->location);
    plan.columns.push_back({names[i], e->type});
    projections.push_back(std::move(e));
    target_keys.push_back(binder.Fingerprint(*targets[i]));
  }
  BoundExprPtr having;
  if (s.having) having = binder.BindCondition(*s.having, "HAVING", agg);

  std::vector<exec::SortKey> sort_keys;
  for (const auto& o : s.order_by) {
    const ast::Expr& e = *o.expr;
    int column = -1;
    if (IsPositiveIntConst(e)) {
      if (e.value.i < 1 || e.value.i > static_cast<int64_t>(targets.size())) {
        Throw("42P10", "ORDER BY position " + std::to_string(e.value.i) + " is not in select list", e.location);
      }
      column = static_cast<int>(e.value.i - 1);
    } else if (e.kind == ast::ExprKind::kColumnRef && e.names.size() == 1) {
      for (size_t i = 0; i < names.size() && column < 0; ++i) {
        if (names[i] == e.names[0]) column = static_cast<int>(i);
      }
    }
    if (column < 0) {
      std::string key = binder.Fingerprint(e);
      for (size_t i = 0; i < target_keys.size() && column < 0; ++i) {
        if (target_keys[i] == key) column = static_cast<int>(i);
      }
    }
    if (column < 0) {
      if (s.distinct) Throw("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", e.location);
      column = static_cast<int>(projections.size());
      projections.push_back(binder.Bind(e, agg, "ORDER BY"));
    }
    sort_keys.push_back({column, o.descending, o.nulls_first.value_or(o.descending)});
  }

  if (aggregating) {
    source = exec::MakeHashAggregate(std::move(source), std::move(group_exprs), std::move(aggregates.aggregates));
    if (having) source = exec::MakeFilter(std::move(source), std::move(having));
  }
  source = exec::MakeProject(std::move(source), std::move(projections));
  if (s.distinct) source = exec::MakeDistinct(std::move(source));
  if (!sort_keys.empty()) source = exec::MakeSort(std::move(source), std::move(sort_keys));
  std::optional<int64_t> limit = CountClause(binder, s.limit.get(), true);
  std::optional<int64_t> offset = CountClause(binder, s.offset.get(), false);
  if (limit || offset) source = exec::MakeLimit(std::move(source), limit, offset.value_or(0));
  plan.root = std::move(source);
  return plan;
}

}  // namespace orbit::sql
