// Subqueries in expressions: EXISTS, scalar (EXPR), and comparisons with ANY /
// ALL (IN is = ANY, NOT IN is NOT = ANY). An uncorrelated subquery runs once,
// when its statement is planned, and binds as a constant (or, for ANY/ALL, a
// comparison with its list of values). A correlated one is planned again and
// run for each distinct set of outer values it reads (memoized), from a kernel
// whose arguments are those outer columns.

#include <map>

#include "sql/exec/storage_error.h"
#include "sql/planner/binder.h"
#include "sql/planner/planner.h"
#include "sql/types/array.h"

namespace orbit::sql {
namespace {

using exec::BoundExpr;
using exec::BoundExprPtr;
using exec::BoundKind;

enum class SubKind : uint8_t { kExists, kExpr, kArray, kAny, kAll };

SubKind KindOf(const std::string& op) {
  if (op == "EXISTS") return SubKind::kExists;
  if (op == "EXPR") return SubKind::kExpr;
  if (op == "ARRAY") return SubKind::kArray;
  if (op == "ANY") return SubKind::kAny;
  return SubKind::kAll;
}

// The visible first column of a plan's rows (or all rows, for EXISTS: only
// their count matters). Stops after two rows for a scalar subquery.
exec::Vector RunColumn(QueryPlan& plan, SubKind kind, size_t& rows) {
  exec::Vector out(plan.columns.empty() ? Type(TypeId::kBool) : plan.columns[0].type);
  rows = 0;
  exec::Batch b;
  while (plan.root->Next(b)) {
    exec::CheckInterrupts();
    for (size_t i = 0; i < b.count; ++i) {
      ++rows;
      if (kind == SubKind::kExists) return out;  // one row decides
      out.Append(b.columns[0].Get(i));
      if (kind == SubKind::kExpr && rows > 1) return out;
    }
  }
  return out;
}

bool Holds(const std::string& op, int cmp) {
  if (op == "=") return cmp == 0;
  if (op == "<>") return cmp != 0;
  if (op == "<") return cmp < 0;
  if (op == "<=") return cmp <= 0;
  if (op == ">") return cmp > 0;
  return cmp >= 0;  // >=
}

// The subquery's value for one outer row. For ANY/ALL, `test` (of the common
// type) is the left side and `values` were cast to it.
void Result(SubKind kind, const std::string& op, const exec::Vector& values, size_t rows, const exec::Vector* test,
            size_t test_row, exec::Vector& out, size_t out_row, int location) {
  switch (kind) {
    case SubKind::kExists:
      out.SetNull(out_row, false);
      out.Int(out_row) = rows > 0;
      return;
    case SubKind::kExpr:
      if (rows > 1) Throw("21000", "more than one row returned by a subquery used as an expression", location);
      if (rows == 0 || values.IsNull(0)) {
        out.SetNull(out_row);
      } else {
        out.SetNull(out_row, false);
        out.CopyRow(values, 0, out_row);
      }
      return;
    case SubKind::kArray: {
      std::vector<Value> elements;
      for (size_t j = 0; j < values.size(); ++j) elements.push_back(values.Get(j));
      out.SetNull(out_row, false);
      out.String(out_row) = FormatArray(elements);
      return;
    }
    case SubKind::kAny:
    case SubKind::kAll: {
      bool any = kind == SubKind::kAny;
      // Three-valued: ANY is true if one comparison is, NULL if none is but one is NULL.
      bool decided = false, saw_null = false;
      if (rows > 0 && test->IsNull(test_row)) saw_null = true;
      for (size_t j = 0; j < values.size() && !decided && !test->IsNull(test_row); ++j) {
        if (values.IsNull(j)) {
          saw_null = true;
          continue;
        }
        bool holds = Holds(op, exec::CompareValues(*test, test_row, values, j));
        if (holds == any) decided = true;
      }
      if (decided) {
        out.SetNull(out_row, false);
        out.Int(out_row) = any ? 1 : 0;
      } else if (saw_null) {
        out.SetNull(out_row);
      } else {
        out.SetNull(out_row, false);
        out.Int(out_row) = any ? 0 : 1;
      }
      return;
    }
  }
}

// Casts a vector of values to `type` (ANY/ALL compare in the common type).
exec::Vector CastAll(const exec::Vector& in, const LogicalType& type, int location) {
  if (in.type() == type) return in;
  exec::Vector out(type);
  for (size_t i = 0; i < in.size(); ++i) out.Append(CastValue(in.Get(i), type, false, location));
  return out;
}

}  // namespace

BoundExprPtr Binder::BindSubquery(const ast::Expr& e) {
  if (scope_.plan == nullptr) Throw("0A000", "subqueries are not supported in this statement yet", e.location);
  SubKind kind = KindOf(e.op);
  const std::string op = e.sub_op;
  if ((kind == SubKind::kAny || kind == SubKind::kAll) &&
      op != "=" && op != "<>" && op != "<" && op != "<=" && op != ">" && op != ">=") {
    Throw("0A000", "operator " + op + " with ANY/ALL (subquery) is not supported yet", e.location);
  }
  // The subquery sees this query's columns as outer columns.
  auto outer = std::make_shared<OuterScope>();
  for (const auto& rel : relations_) {
    outer->tables.push_back(*rel.table);
    outer->relations.push_back({&outer->tables.back(), rel.name, rel.offset});
    outer->width = std::max(outer->width, rel.offset + static_cast<int>(rel.table->columns.size()));
  }
  PlanContext ctx = *scope_.plan;
  QueryPlan probe = PlanSelect(*e.subquery, *ctx.txn, *ctx.catalog, scope_.params, outer.get());
  if (kind != SubKind::kExists && probe.columns.size() != 1) {
    Throw("42601", kind == SubKind::kExpr || probe.columns.empty() ? "subquery must return only one column"
                                                                  : "subquery has too many columns",
          e.location);
  }
  LogicalType column_type = kind == SubKind::kExists ? Type(TypeId::kBool) : probe.columns[0].type;

  // ANY/ALL: the left side and the subquery's column meet in a common type.
  BoundExprPtr test;
  LogicalType common = column_type;
  if (kind == SubKind::kAny || kind == SubKind::kAll) {
    test = BindChild(*e.args[0]);
    auto sample = exec::MakeConst(Value::Null(column_type));
    common = CommonType({test.get(), sample.get()}, "IN", e.location);
    if (common.id == TypeId::kUnknown) common = Type(TypeId::kText);
    test = Coerce(std::move(test), common, e.location);
  }
  if (column_type.id == TypeId::kUnknown) column_type = common = Type(TypeId::kText);
  if (kind == SubKind::kArray && column_type.id == TypeId::kArray) {
    Throw("0A000", "ARRAY(subquery) of arrays (multidimensional arrays) is not supported yet", e.location);
  }
  LogicalType result_type = kind == SubKind::kExpr    ? column_type
                            : kind == SubKind::kArray ? ArrayOf(column_type.id)
                                                      : Type(TypeId::kBool);
  int location = e.location;

  if (outer->used.empty()) {  // uncorrelated: run it now, once
    size_t rows = 0;
    exec::Vector values = CastAll(RunColumn(probe, kind, rows), common, location);
    if (kind == SubKind::kExists || kind == SubKind::kExpr || kind == SubKind::kArray) {
      exec::Vector out(result_type, 1);
      Result(kind, op, values, rows, nullptr, 0, out, 0, location);
      return exec::MakeConst(out.Get(0), location);
    }
    auto node = std::make_unique<BoundExpr>();
    node->kind = BoundKind::kFunction;
    node->type = result_type;
    node->location = location;
    node->op = "subquery";
    auto shared = std::make_shared<exec::Vector>(std::move(values));
    node->kernel = [kind, op, shared, rows, location](const std::vector<exec::Vector>& args, size_t n,
                                                      exec::Vector& out) {
      for (size_t i = 0; i < n; ++i) Result(kind, op, *shared, rows, &args[0], i, out, i, location);
    };
    node->args.push_back(std::move(test));
    return node;
  }

  // Correlated: the outer columns it reads are the kernel's arguments.
  auto node = std::make_unique<BoundExpr>();
  node->kind = BoundKind::kFunction;
  node->type = result_type;
  node->location = location;
  node->op = "subquery";
  std::vector<int> used = outer->used;
  for (int index : used) {
    const catalog::ColumnDesc* col = nullptr;
    for (const auto& rel : outer->relations) {
      int local = index - rel.offset;
      if (local >= 0 && local < static_cast<int>(rel.table->columns.size())) col = &rel.table->columns[static_cast<size_t>(local)];
    }
    node->args.push_back(exec::MakeColumn(index, col->type));
  }
  bool has_test = test != nullptr;
  if (has_test) node->args.push_back(std::move(test));
  // What re-planning needs, owned by the kernel: the plan outlives this binder.
  auto catalog = std::make_shared<catalog::Catalog>(*ctx.catalog);
  storage::Transaction* txn = ctx.txn;
  ParamContext* params = scope_.params;
  std::shared_ptr<ast::Select> select = e.subquery;
  auto memo = std::make_shared<std::map<std::string, std::pair<exec::Vector, size_t>>>();
  node->kernel = [=](const std::vector<exec::Vector>& args, size_t n, exec::Vector& out) {
    std::vector<Value> row(static_cast<size_t>(outer->width));
    for (size_t i = 0; i < n; ++i) {
      std::string key;
      for (size_t u = 0; u < used.size(); ++u) {
        Value v = args[u].Get(i);
        row[static_cast<size_t>(used[u])] = v;
        key += v.null ? std::string("N|") : "V" + ToText(v) + "|";
      }
      auto it = memo->find(key);
      if (it == memo->end()) {
        outer->row = &row;
        QueryPlan plan = PlanSelect(*select, *txn, *catalog, params, outer.get());
        outer->row = nullptr;
        size_t rows = 0;
        exec::Vector values = CastAll(RunColumn(plan, kind, rows), common, location);
        it = memo->emplace(key, std::make_pair(std::move(values), rows)).first;
      }
      Result(kind, op, it->second.first, it->second.second, has_test ? &args.back() : nullptr, i, out, i, location);
    }
  };
  return node;
}

// x op ANY (array) / x op ALL (array): the same three-valued rules as with a
// subquery, over the array's elements.
BoundExprPtr Binder::BindArrayCompare(const ast::Expr& e) {
  SubKind kind = e.op == "ANY" ? SubKind::kAny : SubKind::kAll;
  const std::string op = e.sub_op;
  if (op != "=" && op != "<>" && op != "<" && op != "<=" && op != ">" && op != ">=") {
    Throw("0A000", "operator " + op + " with ANY/ALL (array) is not supported yet", e.location);
  }
  BoundExprPtr test = BindChild(*e.args[0]);
  BoundExprPtr array = BindChild(*e.args[1]);
  if (array->type.id == TypeId::kUnknown) {
    TypeId element = test->type.id == TypeId::kUnknown ? TypeId::kText : test->type.id;
    array = MakeCast(std::move(array), ArrayOf(element), false, e.location);
  }
  if (array->type.id != TypeId::kArray) {
    Throw("42809", "op ANY/ALL (array) requires array on right side", e.location);
  }
  auto sample = exec::MakeConst(Value::Null(Type(array->type.element)));
  LogicalType common = CommonType({test.get(), sample.get()}, "ANY/ALL", e.location);
  test = Coerce(std::move(test), common, e.location);
  if (array->type.element != common.id) array = MakeCast(std::move(array), ArrayOf(common.id), false, e.location);
  auto node = std::make_unique<BoundExpr>();
  node->kind = BoundKind::kFunction;
  node->type = Type(TypeId::kBool);
  node->location = e.location;
  node->op = e.op;
  int location = e.location;
  node->kernel = [kind, op, common, location](const std::vector<exec::Vector>& args, size_t n, exec::Vector& out) {
    for (size_t i = 0; i < n; ++i) {
      if (args[1].IsNull(i)) {
        out.SetNull(i);
        continue;
      }
      exec::Vector values(common);
      for (const Value& v : ArrayElements(args[1].Get(i))) values.Append(v);
      Result(kind, op, values, values.size(), &args[0], i, out, i, location);
    }
  };
  node->args.push_back(std::move(test));
  node->args.push_back(std::move(array));
  return node;
}

}  // namespace orbit::sql
