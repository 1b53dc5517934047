#include "sql/planner/binder.h"

#include "sql/types/array.h"

#include <memory>
#include <regex>

#include "sql/function/functions.h"

namespace orbit::sql {
namespace {

using exec::BoundExpr;
using exec::BoundExprPtr;
using exec::BoundKind;

BoundExprPtr Node(BoundKind kind, LogicalType type, int location) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = type;
  e->location = location;
  return e;
}

// The type category (PostgreSQL's typcategory) that decides which types mix.
char Category(TypeId t) {
  if (IsNumber(t) || IsRegType(t)) return 'N';  // reg* rank below the integers: they meet as bigint
  if (IsDateTime(t)) return 'D';
  if (IsString(t)) return 'S';
  if (t == TypeId::kBool) return 'B';
  return 'X';
}

std::string OperatorError(const std::string& op, const LogicalType& l, const LogicalType& r) {
  return "operator does not exist: " + TypeDisplayName(l) + " " + op + " " + TypeDisplayName(r);
}

BoundExprPtr BoolNode(BoundKind kind, int location) { return Node(kind, Type(TypeId::kBool), location); }

BoundExprPtr RequireBool(BoundExprPtr e, const std::string& what, int location) {
  if (e->type.id == TypeId::kBool) return e;
  if (e->type.id == TypeId::kUnknown) return MakeCast(std::move(e), Type(TypeId::kBool), false, location);
  Throw("42804", "argument of " + what + " must be type boolean, not type " + TypeDisplayName(e->type), location);
}

}  // namespace

LogicalType CommonType(const std::vector<const BoundExpr*>& exprs, const char* context, int location) {
  std::optional<LogicalType> common;
  for (const BoundExpr* e : exprs) {
    if (e->type.id == TypeId::kUnknown) continue;
    if (!common) {
      common = e->type;
      continue;
    }
    if (*common == e->type) continue;
    TypeId a = common->id, b = e->type.id;
    if (Category(a) != Category(b) || (Category(a) != 'N' && Category(a) != 'D' && Category(a) != 'S')) {
      Throw("42804", std::string(context) + " types " + TypeDisplayName(*common) + " and " +
                         TypeDisplayName(e->type) + " cannot be matched", location);
    }
    if (Category(a) == 'N') {
      common = Type(NumericRank(a) >= NumericRank(b) ? a : b);
    } else if (Category(a) == 'D') {
      common = Type(static_cast<int>(a) >= static_cast<int>(b) ? a : b);  // date < timestamp < timestamptz
    } else if (Category(a) == 'S') {
      common = Type(TypeId::kText);  // text is the preferred string type
    }
  }
  return common ? (common->id == TypeId::kBpchar || common->id == TypeId::kVarchar ? Type(common->id) : *common)
                : Type(TypeId::kText);  // all unknown: text
}

BoundExprPtr Coerce(BoundExprPtr e, LogicalType type, int location) {
  if (e->type == type) return e;
  if (!CanCast(e->type.id, type.id, CastContext::kImplicit)) {
    Throw("42804", "cannot use type " + TypeDisplayName(e->type) + " as " + TypeDisplayName(type), location);
  }
  return MakeCast(std::move(e), type, false, location);
}

BoundExprPtr CoerceAssignment(BoundExprPtr e, const catalog::ColumnDesc& column, int location) {
  if (e->type == column.type) return e;
  bool arrays = e->type.id == TypeId::kArray && column.type.id == TypeId::kArray;
  if (!CanCast(e->type.id, column.type.id, CastContext::kAssignment) ||
      (arrays && !CanCast(e->type.element, column.type.element, CastContext::kAssignment))) {
    SqlError err{"42804", "column \"" + column.name + "\" is of type " + TypeDisplayName(column.type) +
                              " but expression is of type " + TypeDisplayName(e->type),
                 location >= 0 ? location + 1 : 0, {}, "You will need to rewrite or cast the expression."};
    throw SqlException(std::move(err));
  }
  return MakeCast(std::move(e), column.type, false, location);
}

std::string ColumnName(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kColumnRef: return e.names.back();
    case ast::ExprKind::kFunction: return e.names.back();
    case ast::ExprKind::kSessionValue: return e.op == "current_catalog" ? "current_catalog" : e.op;
    case ast::ExprKind::kCase: return "case";
    case ast::ExprKind::kCoalesce: return "coalesce";
    case ast::ExprKind::kNullIf: return "nullif";
    case ast::ExprKind::kSubquery: {
      // FigureColname: EXISTS is "exists", a scalar subquery takes its column's name.
      if (e.op == "EXISTS") return "exists";
      if (e.op == "ARRAY") return "array";
      if (e.op == "EXPR" && e.subquery && !e.subquery->targets.empty()) {
        const auto& target = e.subquery->targets[0];
        if (!target.alias.empty()) return target.alias;
        if (target.expr->kind != ast::ExprKind::kStar) return ColumnName(*target.expr);
      }
      return "?column?";
    }
    case ast::ExprKind::kCast: {
      const ast::Expr& arg = *e.args[0];
      if (arg.kind == ast::ExprKind::kColumnRef || arg.kind == ast::ExprKind::kFunction ||
          arg.kind == ast::ExprKind::kCast) {
        std::string inner = ColumnName(arg);
        if (inner != "?column?") return inner;
      }
      // The type's internal name, as FigureColname prints it.
      return std::string(TypeInternalName(e.cast_type.id == TypeId::kArray ? e.cast_type.element : e.cast_type.id));
    }
    default: return "?column?";
  }
}

Binder::Binder(Scope scope) : scope_(std::move(scope)) {
  relations_ = scope_.relations;
  if (relations_.empty() && scope_.table != nullptr) relations_.push_back({scope_.table, scope_.name, 0});
}

namespace {

// A column reference among `relations`: nullopt if no relation has it (or the
// qualifier names none); 42703 for a missing column of a named relation, 42702
// when two relations have it.
std::optional<std::pair<int, std::pair<const catalog::ColumnDesc*, const ScopeRelation*>>> FindColumnIn(
    const std::vector<ScopeRelation>& relations, const ast::Expr& ref) {
  const std::string& column = ref.names.back();
  if (ref.names.size() >= 2) {
    const std::string& qualifier = ref.names[ref.names.size() - 2];
    for (const auto& rel : relations) {
      if (rel.name != qualifier) continue;
      int index = rel.table->FindColumn(column);
      if (index < 0) Throw("42703", "column " + qualifier + "." + column + " does not exist", ref.location);
      return std::make_pair(rel.offset + index, std::make_pair(&rel.table->columns[static_cast<size_t>(index)], &rel));
    }
    return std::nullopt;
  }
  std::optional<std::pair<int, std::pair<const catalog::ColumnDesc*, const ScopeRelation*>>> found;
  for (const auto& rel : relations) {
    int index = rel.table->FindColumn(column);
    if (index < 0) continue;
    if (found) Throw("42702", "column reference \"" + column + "\" is ambiguous", ref.location);
    found = std::make_pair(rel.offset + index, std::make_pair(&rel.table->columns[static_cast<size_t>(index)], &rel));
  }
  return found;
}

}  // namespace

Binder::Resolved Binder::Resolve(const ast::Expr& ref) const {
  if (auto own = FindColumnIn(relations_, ref)) return {own->first, own->second.first, own->second.second, false};
  if (scope_.outer != nullptr) {
    if (auto outer = FindColumnIn(scope_.outer->relations, ref)) {
      return {outer->first, outer->second.first, outer->second.second, true};
    }
  }
  const std::string& column = ref.names.back();
  if (ref.names.size() >= 2) {
    Throw("42P01", "missing FROM-clause entry for table \"" + ref.names[ref.names.size() - 2] + "\"", ref.location);
  }
  Throw("42703", "column \"" + column + "\" does not exist", ref.location);
}

int Binder::ResolveColumn(const ast::Expr& ref) const { return Resolve(ref).index; }

bool Binder::HasColumn(const std::string& column) const {
  for (const auto& rel : relations_) {
    if (rel.table->FindColumn(column) >= 0) return true;
  }
  return false;
}

std::string Binder::Fingerprint(const ast::Expr& e) const {
  std::string out = "(" + std::to_string(static_cast<int>(e.kind)) + e.op;
  if (e.kind == ast::ExprKind::kColumnRef) {
    Resolved r = Resolve(e);
    return out + (r.outer ? "#o" : "#") + std::to_string(r.index) + ")";
  }
  if (e.kind == ast::ExprKind::kConst || e.kind == ast::ExprKind::kParam || e.kind == ast::ExprKind::kIsBool) {
    out += e.value.null ? "null" : std::to_string(static_cast<int>(e.value.type.id)) + ":" + ToText(e.value);
  }
  if (e.kind == ast::ExprKind::kCast) out += TypeDisplayName(e.cast_type);
  out += e.sub_op;
  if (e.filter) out += "F" + Fingerprint(*e.filter);
  for (size_t i = 0; i < e.order_by.size(); ++i) {
    out += "O" + std::to_string(e.order_flags[i].first) + std::to_string(e.order_flags[i].second) + Fingerprint(*e.order_by[i]);
  }
  for (const auto& n : e.names) out += " " + n;
  if (e.negated) out += "!";
  if (e.star) out += "*";
  if (e.distinct) out += "D";
  for (const auto& a : e.args) out += a ? Fingerprint(*a) : "()";
  return out + ")";
}

bool Binder::ContainsAggregate(const ast::Expr& e) const {
  if (e.kind == ast::ExprKind::kFunction && e.names.size() == 1 &&
      FunctionRegistry::BuiltIn().IsAggregate(e.names[0])) {
    return true;
  }
  for (const auto& a : e.args) {
    if (a && ContainsAggregate(*a)) return true;
  }
  return false;
}

BoundExprPtr Binder::BindCondition(const ast::Expr& e, const char* clause, AggregateScope* aggregates) {
  return RequireBool(Bind(e, aggregates, clause), clause, e.location);
}

BoundExprPtr Binder::Bind(const ast::Expr& e, AggregateScope* aggregates, const char* clause) {
  AggregateScope* saved_aggregates = aggregates_;
  const char* saved_clause = clause_;
  aggregates_ = aggregates;
  clause_ = clause;
  struct Restore {
    Binder* b;
    AggregateScope* a;
    const char* c;
    ~Restore() { b->aggregates_ = a, b->clause_ = c; }
  } restore{this, saved_aggregates, saved_clause};

  if (aggregates_ != nullptr && !in_aggregate_) {
    // Above the aggregate: a GROUP BY expression is one of its output columns.
    std::string key = Fingerprint(e);
    for (size_t i = 0; i < aggregates_->group_keys.size(); ++i) {
      if (aggregates_->group_keys[i] == key) {
        return exec::MakeColumn(static_cast<int>(i), aggregates_->group_types.at(i));
      }
    }
    if (e.kind == ast::ExprKind::kColumnRef) {
      Resolved r = Resolve(e);
      Throw("42803", "column \"" + r.relation->name + "." + r.column->name +
                         "\" must appear in the GROUP BY clause or be used in an aggregate function",
            e.location);
    }
  }
  return BindInput(e);
}

BoundExprPtr Binder::BindInput(const ast::Expr& e) {
  using ast::ExprKind;
  switch (e.kind) {
    case ExprKind::kConst: return exec::MakeConst(e.value, e.location);
    case ExprKind::kColumnRef: {
      Resolved r = Resolve(e);
      if (!r.outer) return exec::MakeColumn(r.index, r.column->type);
      // A correlated reference: the outer row's value while planning for it,
      // a typed NULL while probing.
      OuterScope& outer = *scope_.outer;
      if (std::find(outer.used.begin(), outer.used.end(), r.index) == outer.used.end()) outer.used.push_back(r.index);
      if (outer.row == nullptr) return exec::MakeConst(Value::Null(r.column->type), e.location);
      return exec::MakeConst((*outer.row)[static_cast<size_t>(r.index)], e.location);
    }
    case ExprKind::kSubquery: return BindSubquery(e);
    case ExprKind::kArrayCompare: return BindArrayCompare(e);
    case ExprKind::kArray: {
      std::vector<BoundExprPtr> elements;
      for (const auto& a : e.args) elements.push_back(BindChild(*a));
      if (elements.empty()) {  // ARRAY[] takes its type from a cast, as '{}' does
        return exec::MakeConst(Value::String(Type(TypeId::kUnknown), "{}"), e.location);
      }
      std::vector<const BoundExpr*> views;
      for (const auto& el : elements) views.push_back(el.get());
      LogicalType element = CommonType(views, "ARRAY", e.location);
      if (element.id == TypeId::kArray) Throw("0A000", "multidimensional arrays are not supported yet", e.location);
      auto out = Node(BoundKind::kFunction, ArrayOf(element.id), e.location);
      out->op = "array";
      for (auto& el : elements) out->args.push_back(Coerce(std::move(el), Type(element.id), e.location));
      out->kernel = [](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
        std::vector<Value> row(args.size());
        for (size_t i = 0; i < n; ++i) {
          for (size_t k = 0; k < args.size(); ++k) row[k] = args[k].Get(i);
          result.SetNull(i, false);
          result.String(i) = FormatArray(row);
        }
      };
      return out;
    }
    case ExprKind::kSubscript: {
      BoundExprPtr array = BindChild(*e.args[0]);
      if (array->type.id != TypeId::kArray) {
        Throw("42804", "cannot subscript type " + TypeDisplayName(array->type) + " because it is not an array",
              e.location);
      }
      BoundExprPtr index = Coerce(BindChild(*e.args[1]), Type(TypeId::kInt4), e.location);
      auto out = Node(BoundKind::kFunction, Type(array->type.element), e.location);
      out->op = "subscript";
      out->args.push_back(std::move(array));
      out->args.push_back(std::move(index));
      out->kernel = [](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
        for (size_t i = 0; i < n; ++i) {
          result.SetNull(i);
          if (args[0].IsNull(i) || args[1].IsNull(i)) continue;
          std::vector<Value> elements = ArrayElements(args[0].Get(i));
          int64_t k = args[1].Int(i);
          if (k >= 1 && k <= static_cast<int64_t>(elements.size())) result.Set(i, elements[static_cast<size_t>(k - 1)]);
        }
      };
      return out;
    }
    case ExprKind::kStar: Throw("0A000", "* is only supported as a whole select-list entry", e.location);
    case ExprKind::kDefault: Throw("42601", "DEFAULT is not allowed in this context", e.location);
    case ExprKind::kParam: {
      auto n = static_cast<size_t>(e.value.i);
      if (scope_.params == nullptr || scope_.params->simple || n < 1 || n > 65535 ||
          (scope_.params->values != nullptr && n > scope_.params->types.size())) {
        Throw("42P02", "there is no parameter $" + std::to_string(n), e.location);
      }
      ParamContext& params = *scope_.params;
      if (params.values != nullptr) return exec::MakeConst((*params.values)[n - 1], e.location);
      if (params.types.size() < n) params.types.resize(n);  // unknown until a context types it
      auto out = Node(BoundKind::kParam, params.types[n - 1], e.location);
      out->column = static_cast<int>(n - 1);
      out->param_types = &params.types;
      return out;
    }
    case ExprKind::kCast: {
      BoundExprPtr arg = BindChild(*e.args[0]);
      if (IsRegType(e.cast_type.id)) return BindRegCast(std::move(arg), e.cast_type.id, e.location);
      if (!CanCast(arg->type.id, e.cast_type.id, CastContext::kExplicit)) {
        Throw("42846", "cannot cast type " + TypeDisplayName(arg->type) + " to " + TypeDisplayName(e.cast_type),
              e.location);
      }
      if (arg->type == e.cast_type) return arg;
      if (arg->kind == BoundKind::kConst) {
        return exec::MakeConst(CastValue(arg->value, e.cast_type, true, e.location), e.location);
      }
      auto out = Node(BoundKind::kCast, e.cast_type, e.location);
      out->explicit_cast = true;
      out->args.push_back(std::move(arg));
      return out;
    }
    case ExprKind::kUnary: {
      BoundExprPtr arg = BindChild(*e.args[0]);
      if (e.op == "NOT") {
        auto out = BoolNode(BoundKind::kNot, e.location);
        out->args.push_back(RequireBool(std::move(arg), "NOT", e.location));
        return out;
      }
      if (arg->type.id == TypeId::kUnknown) arg = MakeCast(std::move(arg), Type(TypeId::kInt4), false, e.location);
      if (!IsInteger(arg->type.id) && !IsFloat(arg->type.id) && e.op == "-") {
        std::vector<BoundExprPtr> args;
        args.push_back(std::move(arg));
        if (auto fn = BindOperatorFunction(e.op, args, e.location)) return fn;
        arg = std::move(args[0]);
      }
      if (!IsInteger(arg->type.id) && !IsFloat(arg->type.id)) {
        Throw(arg->type.id == TypeId::kNumeric ? "0A000" : "42883",
              "operator does not exist: " + e.op + " " + TypeDisplayName(arg->type), e.location);
      }
      if (e.op == "+") return arg;
      if (e.op != "-") Throw("42883", "operator does not exist: " + e.op + " " + TypeDisplayName(arg->type), e.location);
      if (arg->kind == BoundKind::kConst) {  // fold -constant (the lexer makes -2147483648 an int4 this way)
        Value v = arg->value;
        if (!v.null) {
          if (IsInteger(v.type.id)) v.i = IntArith('-', 0, v.i, v.type.id, e.location);
          else v.f = -v.f;
        }
        return exec::MakeConst(v, e.location);
      }
      auto out = Node(BoundKind::kNegate, arg->type, e.location);
      out->args.push_back(std::move(arg));
      return out;
    }
    case ExprKind::kBinary: return BindBinary(e);
    case ExprKind::kIsNull: {
      auto out = BoolNode(BoundKind::kIsNull, e.location);
      out->negated = e.negated;
      out->args.push_back(BindChild(*e.args[0]));
      return out;
    }
    case ExprKind::kIsBool: {
      auto out = BoolNode(BoundKind::kIsBool, e.location);
      out->negated = e.negated;
      out->value = e.value;
      out->args.push_back(RequireBool(BindChild(*e.args[0]), "IS TRUE", e.location));
      return out;
    }
    case ExprKind::kLike: {
      auto out = BoolNode(BoundKind::kLike, e.location);
      out->negated = e.negated;
      out->case_insensitive = e.op == "ILIKE";
      for (const auto& a : e.args) {
        BoundExprPtr arg = BindChild(*a);
        if (!IsString(arg->type.id)) {
          Throw("42883", "operator does not exist: " + TypeDisplayName(arg->type) + " ~~ unknown", e.location);
        }
        out->args.push_back(MakeCast(std::move(arg), Type(TypeId::kText), false, e.location));
      }
      return out;
    }
    case ExprKind::kIn:
    case ExprKind::kBetween: {
      std::vector<BoundExprPtr> args;
      for (const auto& a : e.args) args.push_back(BindChild(*a));
      std::vector<const BoundExpr*> raw;
      for (const auto& a : args) raw.push_back(a.get());
      LogicalType common = CommonType(raw, e.kind == ExprKind::kIn ? "IN" : "BETWEEN", e.location);
      if (common.id == TypeId::kNumeric) common = Type(TypeId::kNumeric);
      for (auto& a : args) a = Coerce(std::move(a), common, e.location);
      if (e.kind == ExprKind::kIn) {
        auto out = BoolNode(BoundKind::kIn, e.location);
        out->negated = e.negated;
        out->args = std::move(args);
        return out;
      }
      // a BETWEEN b AND c is a >= b AND a <= c (a is evaluated twice, as in PostgreSQL).
      auto ge = BoolNode(BoundKind::kCompare, e.location);
      ge->op = ">=";
      ge->args.push_back(BindChild(*e.args[0]));
      ge->args[0] = Coerce(std::move(ge->args[0]), common, e.location);
      ge->args.push_back(std::move(args[1]));
      auto le = BoolNode(BoundKind::kCompare, e.location);
      le->op = "<=";
      le->args.push_back(std::move(args[0]));
      le->args.push_back(std::move(args[2]));
      auto both = BoolNode(BoundKind::kAnd, e.location);
      both->args.push_back(std::move(ge));
      both->args.push_back(std::move(le));
      if (!e.negated) return both;
      auto out = BoolNode(BoundKind::kNot, e.location);
      out->args.push_back(std::move(both));
      return out;
    }
    case ExprKind::kCase: {
      // args: operand (or null), WHEN/THEN pairs, ELSE (or null).
      BoundExprPtr operand = e.args[0] ? BindChild(*e.args[0]) : nullptr;
      size_t pairs = (e.args.size() - 2) / 2;
      std::vector<BoundExprPtr> conditions, results;
      for (size_t p = 0; p < pairs; ++p) {
        const ast::Expr& when = *e.args[1 + 2 * p];
        BoundExprPtr cond;
        if (operand) {  // CASE x WHEN v: x = v
          BoundExprPtr l = BindChild(*e.args[0]), r = BindChild(when);
          std::vector<const BoundExpr*> raw{l.get(), r.get()};
          LogicalType t = CommonType(raw, "CASE/WHEN", when.location);
          cond = BoolNode(BoundKind::kCompare, when.location);
          cond->op = "=";
          cond->args.push_back(Coerce(std::move(l), t, when.location));
          cond->args.push_back(Coerce(std::move(r), t, when.location));
        } else {
          cond = RequireBool(BindChild(when), "CASE/WHEN", when.location);
        }
        conditions.push_back(std::move(cond));
        results.push_back(BindChild(*e.args[2 + 2 * p]));
      }
      results.push_back(e.args.back() ? BindChild(*e.args.back()) : exec::MakeConst(Value::Null(), e.location));
      std::vector<const BoundExpr*> raw;
      for (const auto& r : results) raw.push_back(r.get());
      LogicalType type = CommonType(raw, "CASE", e.location);
      auto out = Node(BoundKind::kCase, type, e.location);
      for (size_t p = 0; p < pairs; ++p) {
        out->args.push_back(std::move(conditions[p]));
        out->args.push_back(Coerce(std::move(results[p]), type, e.location));
      }
      out->args.push_back(Coerce(std::move(results.back()), type, e.location));
      return out;
    }
    case ExprKind::kCoalesce:
    case ExprKind::kNullIf: {
      std::vector<BoundExprPtr> args;
      for (const auto& a : e.args) args.push_back(BindChild(*a));
      std::vector<const BoundExpr*> raw;
      for (const auto& a : args) raw.push_back(a.get());
      LogicalType type = CommonType(raw, e.kind == ExprKind::kCoalesce ? "COALESCE" : "NULLIF", e.location);
      auto out = Node(e.kind == ExprKind::kCoalesce ? BoundKind::kCoalesce : BoundKind::kNullIf, type, e.location);
      for (auto& a : args) out->args.push_back(Coerce(std::move(a), type, e.location));
      return out;
    }
    case ExprKind::kFunction: return BindFunction(e);
    case ExprKind::kSessionValue: {
      auto fn = BindSessionFunction(e.op, e);
      if (!fn) Throw("0A000", e.op + " is not supported yet", e.location);
      return fn;
    }
  }
  Throw("XX000", "unbound expression");
}

BoundExprPtr Binder::BindBinary(const ast::Expr& e) {
  const std::string& op = e.op;
  if (op == "AND" || op == "OR") {
    auto out = BoolNode(op == "AND" ? BoundKind::kAnd : BoundKind::kOr, e.location);
    for (const auto& arg : e.args) out->args.push_back(RequireBool(BindChild(*arg), op, e.location));
    return out;
  }
  BoundExprPtr l = BindChild(*e.args[0]), r = BindChild(*e.args[1]);
  TypeId lt = l->type.id, rt = r->type.id;
  // Operators over the types beyond numbers and strings (date + integer,
  // timestamp - interval, jsonb ->> text, array || array) are functions.
  auto plain = [](TypeId t) { return IsNumber(t) || IsString(t) || t == TypeId::kBool; };
  // array || element and element || array (array_append / array_prepend).
  if (op == "||" && (lt == TypeId::kArray) != (rt == TypeId::kArray) && lt != TypeId::kUnknown && rt != TypeId::kUnknown) {
    bool append = lt == TypeId::kArray;
    LogicalType array_type = append ? l->type : r->type;
    BoundExprPtr element = Coerce(std::move(append ? r : l), Type(array_type.element), e.location);
    BoundExprPtr array = std::move(append ? l : r);
    auto out = Node(BoundKind::kFunction, array_type, e.location);
    out->op = append ? "array_append" : "array_prepend";
    out->args.push_back(std::move(array));
    out->args.push_back(std::move(element));
    out->kernel = [append](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        std::vector<Value> items;
        if (!args[0].IsNull(i)) items = ArrayElements(args[0].Get(i));
        Value v = args[1].Get(i);
        if (append) items.push_back(std::move(v));
        else items.insert(items.begin(), std::move(v));
        result.SetNull(i, false);
        result.String(i) = FormatArray(items);
      }
    };
    return out;
  }
  if (!plain(lt) || !plain(rt)) {
    std::vector<BoundExprPtr> args;
    args.push_back(std::move(l));
    args.push_back(std::move(r));
    if (auto fn = BindOperatorFunction(op, args, e.location)) return fn;
    l = std::move(args[0]);
    r = std::move(args[1]);
  }
  if (op == "||") {
    if (!IsString(lt) && !IsString(rt)) Throw("42883", OperatorError(op, l->type, r->type), e.location);
    auto out = Node(BoundKind::kConcat, Type(TypeId::kText), e.location);
    // Any type concatenates with text through its text form (anynonarray || text).
    out->args.push_back(MakeCast(std::move(l), Type(TypeId::kText), true, e.location));
    out->args.push_back(MakeCast(std::move(r), Type(TypeId::kText), true, e.location));
    return out;
  }
  if (op == "~" || op == "!~" || op == "~*" || op == "!~*") return BindRegexMatch(e, std::move(l), std::move(r));
  bool comparison = op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=" ||
                    op == "IS DISTINCT FROM" || op == "IS NOT DISTINCT FROM";
  bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/" || op == "%";
  if (!comparison && !arithmetic) Throw("42883", OperatorError(op, l->type, r->type), e.location);
  // A literal compared with a reg* value is a name to resolve ('t'::regclass).
  if (IsRegType(lt) && rt == TypeId::kUnknown) r = BindRegCast(std::move(r), lt, e.location), rt = lt;
  if (IsRegType(rt) && lt == TypeId::kUnknown) l = BindRegCast(std::move(l), rt, e.location), lt = rt;
  if (arithmetic && (IsRegType(lt) || IsRegType(rt))) Throw("42883", OperatorError(op, l->type, r->type), e.location);
  // An untyped literal takes the other side's type; two of them are text.
  if (lt == TypeId::kUnknown && rt == TypeId::kUnknown) {
    if (arithmetic) Throw("42725", "operator is not unique: unknown " + op + " unknown", e.location);
    lt = rt = TypeId::kText;
  } else if (lt == TypeId::kUnknown) {
    lt = rt;
  } else if (rt == TypeId::kUnknown) {
    rt = lt;
  }
  LogicalType type;
  if (Category(lt) == 'N' && Category(rt) == 'N') {
    type = Type(NumericRank(lt) >= NumericRank(rt) ? lt : rt);
    if (arithmetic && lt == TypeId::kInt2 && rt == TypeId::kInt2) type = Type(TypeId::kInt2);
    // real only pairs with real; with anything else PostgreSQL picks the float48/float84 operators.
    if (type.id == TypeId::kFloat4 && lt != rt) type = Type(TypeId::kFloat8);
    if (type.id == TypeId::kNumeric && op == "%") Throw("0A000", "numeric % is not supported yet", e.location);
    if (type.id == TypeId::kNumeric) type = Type(TypeId::kNumeric);  // results have no typmod
    if (op == "%" && IsFloat(type.id)) Throw("42883", OperatorError(op, l->type, r->type), e.location);
  } else if (comparison && !plain(lt) && !IsDateTime(lt) && lt == rt) {
    // Types compared only with themselves: time, interval, bytea, uuid, jsonb, arrays.
    if (lt == TypeId::kJson) {
      Throw("42883", "could not identify an equality operator for type json", e.location);
    }
    if (lt == TypeId::kArray && l->type.element != r->type.element) {
      if (e.args[1]->kind == ast::ExprKind::kConst) r = MakeCast(std::move(r), l->type, false, e.location);
      else if (e.args[0]->kind == ast::ExprKind::kConst) l = MakeCast(std::move(l), r->type, false, e.location);
      else Throw("42883", OperatorError(op, l->type, r->type), e.location);
    }
    type = l->type.id == TypeId::kUnknown ? r->type : l->type;
  } else if (comparison && Category(lt) == Category(rt) && Category(lt) != 'X') {
    type = Category(lt) == 'S'   ? (lt == rt ? Type(lt) : Type(TypeId::kText))
           : Category(lt) == 'D' ? Type(static_cast<int>(lt) >= static_cast<int>(rt) ? lt : rt)
                                 : Type(lt);
  } else {
    Throw("42883", OperatorError(op, l->type, r->type), e.location);
  }
  if (!comparison && !IsNumber(type.id)) Throw("42883", OperatorError(op, l->type, r->type), e.location);
  // A literal that does not convert is reported at the literal, as PostgreSQL does.
  int l_location = l->location >= 0 ? l->location : e.location;
  int r_location = r->location >= 0 ? r->location : e.location;
  l = MakeCast(std::move(l), type, false, l_location);
  r = MakeCast(std::move(r), type, false, r_location);
  BoundExprPtr out;
  if (comparison) {
    out = BoolNode(op.starts_with("IS") ? BoundKind::kDistinct : BoundKind::kCompare, e.location);
    out->negated = op == "IS NOT DISTINCT FROM";
  } else {
    out = Node(BoundKind::kArith, type, e.location);
  }
  out->op = op;
  out->args.push_back(std::move(l));
  out->args.push_back(std::move(r));
  return out;
}

// text ~ pattern (and !~, ~*, !~*): a POSIX-style regular expression match.
// std::regex's ECMAScript grammar stands in for PostgreSQL's ARE flavour; they
// agree on the common syntax (anchors, classes, groups, alternation, \\d, {n,m}).
BoundExprPtr Binder::BindRegexMatch(const ast::Expr& e, BoundExprPtr l, BoundExprPtr r) {
  for (auto* side : {&l, &r}) {
    TypeId t = (*side)->type.id;
    if (t != TypeId::kUnknown && !IsString(t)) Throw("42883", OperatorError(e.op, l->type, r->type), e.location);
    *side = MakeCast(std::move(*side), Type(TypeId::kText), false, e.location);
  }
  bool insensitive = e.op.find('*') != std::string::npos;
  bool negated = e.op[0] == '!';
  struct Cache {
    std::string pattern;
    std::optional<std::regex> re;
  };
  auto cache = std::make_shared<Cache>();
  int location = e.location;
  auto out = BoolNode(BoundKind::kFunction, e.location);
  out->op = e.op;
  out->kernel = [cache, insensitive, negated, location](const std::vector<exec::Vector>& args, size_t count,
                                                          exec::Vector& result) {
    for (size_t i = 0; i < count; ++i) {
      if (args[0].IsNull(i) || args[1].IsNull(i)) {
        result.SetNull(i);
        continue;
      }
      const std::string& pattern = args[1].String(i);
      if (!cache->re || cache->pattern != pattern) {
        try {
          auto flags = std::regex::ECMAScript | std::regex::optimize;
          if (insensitive) flags |= std::regex::icase;
          cache->re.emplace(pattern, flags);
          cache->pattern = pattern;
        } catch (const std::regex_error& err) {
          cache->re.reset();
          Throw("2201B", "invalid regular expression: " + std::string(err.what()), location);
        }
      }
      bool match = std::regex_search(args[0].String(i), *cache->re);
      result.SetNull(i, false);
      result.Int(i) = match != negated ? 1 : 0;
    }
  };
  out->args.push_back(std::move(l));
  out->args.push_back(std::move(r));
  return out;
}

namespace {

// Whether `arg` reaches parameter `param` exactly (an untyped literal reaches any type).
bool ExactMatch(const BoundExpr& arg, TypeId param) {
  return arg.type.id == param || arg.type.id == TypeId::kUnknown;
}

// The first overload every argument reaches exactly, else the first reached by
// implicit casts; null if none.
const ScalarFunction* ResolveOverload(const std::vector<ScalarFunction>& overloads,
                                      const std::vector<BoundExprPtr>& args) {
  for (bool exact : {true, false}) {
    for (const ScalarFunction& f : overloads) {
      if (f.params.size() != args.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < args.size() && ok; ++i) {
        ok = exact ? ExactMatch(*args[i], f.params[i]) : CanCast(args[i]->type.id, f.params[i], CastContext::kImplicit);
      }
      if (ok) return &f;
    }
  }
  return nullptr;
}

// A call of `f` with each argument cast to its parameter. Array parameters keep
// the argument's array type; an untyped literal there takes the first array
// argument's type (text[] when there is none).
BoundExprPtr BuildCall(const ScalarFunction& f, const std::string& name, std::vector<BoundExprPtr> args, int location) {
  LogicalType first_array = ArrayOf(TypeId::kText);
  for (const auto& a : args) {
    if (a->type.id == TypeId::kArray) {
      first_array = a->type;
      break;
    }
  }
  std::vector<LogicalType> types;
  for (size_t i = 0; i < args.size(); ++i) {
    LogicalType param = Type(f.params[i]);
    if (f.params[i] == TypeId::kArray) param = args[i]->type.id == TypeId::kArray ? args[i]->type : first_array;
    args[i] = MakeCast(std::move(args[i]), param, false, location);
    types.push_back(param);
  }
  LogicalType result = f.result_type ? f.result_type(types) : Type(f.result);
  auto out = Node(BoundKind::kFunction, result, location);
  out->op = name;
  out->kernel = f.kernel;
  out->args = std::move(args);
  return out;
}

}  // namespace

// Functions over any number of arguments: concat and concat_ws (any types, by
// their text forms; NULLs skipped), greatest and least (a common type; NULLs
// ignored, NULL only when all are).
BoundExprPtr Binder::BindVariadicFunction(const std::string& name, std::vector<BoundExprPtr>& args, int location) {
  bool concat = name == "concat", concat_ws = name == "concat_ws";
  bool extreme = name == "greatest" || name == "least";
  if (!concat && !concat_ws && !extreme) return nullptr;
  if (args.empty() || (concat_ws && args.size() < 2)) {
    Throw("42883", "function " + name + "() needs " + (concat_ws ? "a separator and values" : "arguments"), location);
  }
  LogicalType type = Type(TypeId::kText);
  if (extreme) {
    std::vector<const BoundExpr*> views;
    for (const auto& a : args) views.push_back(a.get());
    type = CommonType(views, name == "greatest" ? "GREATEST" : "LEAST", location);
  }
  auto out = Node(BoundKind::kFunction, type, location);
  out->op = name;
  for (auto& a : args) {
    // concat takes each value's output text (a boolean is t/f, not the explicit cast's true/false).
    out->args.push_back(extreme ? Coerce(std::move(a), type, location) : MakeCast(std::move(a), type, false, location));
  }
  if (extreme) {
    bool greatest = name == "greatest";
    out->kernel = [greatest](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        int best = -1;
        for (size_t k = 0; k < a.size(); ++k) {
          if (a[k].IsNull(i)) continue;
          if (best < 0) {
            best = static_cast<int>(k);
            continue;
          }
          int c = exec::CompareValues(a[k], i, a[static_cast<size_t>(best)], i);
          if (greatest ? c > 0 : c < 0) best = static_cast<int>(k);
        }
        if (best < 0) result.SetNull(i);
        else result.Set(i, a[static_cast<size_t>(best)].Get(i));
      }
    };
    return out;
  }
  out->kernel = [concat_ws](const std::vector<exec::Vector>& a, size_t n, exec::Vector& result) {
    for (size_t i = 0; i < n; ++i) {
      if (concat_ws && a[0].IsNull(i)) {
        result.SetNull(i);
        continue;
      }
      std::string s;
      bool first = true;
      for (size_t k = concat_ws ? 1 : 0; k < a.size(); ++k) {
        if (a[k].IsNull(i)) continue;
        if (concat_ws && !first) s += a[0].String(i);
        first = false;
        s += a[k].String(i);
      }
      result.SetNull(i, false);
      result.String(i) = std::move(s);
    }
  };
  return out;
}

BoundExprPtr Binder::BindOperatorFunction(const std::string& op, std::vector<BoundExprPtr>& args, int location) {
  const ScalarFunction* f = ResolveOverload(FunctionRegistry::BuiltIn().Find("op:" + op), args);
  if (f == nullptr) return nullptr;
  return BuildCall(*f, op, std::move(args), location);
}

BoundExprPtr Binder::BindFunction(const ast::Expr& e) {
  std::string name = e.names.back();
  if (e.names.size() == 2 && e.names[0] != "pg_catalog") {
    Throw("42883", "function " + e.names[0] + "." + name + " does not exist", e.location);
  }
  const FunctionRegistry& registry = FunctionRegistry::BuiltIn();
  if (registry.IsAggregate(name)) return BindAggregate(e);
  if (auto fn = BindSessionFunction(name, e)) return fn;
  if (e.star || e.distinct) Throw("42809", name + "(*) specified, but " + name + " is not an aggregate function", e.location);
  if (e.filter || !e.order_by.empty()) {
    Throw("42809", "FILTER or ORDER BY specified, but " + name + " is not an aggregate function", e.location);
  }
  std::vector<BoundExprPtr> args;
  for (const auto& a : e.args) args.push_back(BindChild(*a));
  if (auto fn = BindVariadicFunction(name, args, e.location)) return fn;
  if (auto fn = BindCatalogFunction(name, args, e.location)) return fn;
  if (auto fn = BindPrivilegeFunction(name, args, e.location)) return fn;
  if (const ScalarFunction* f = ResolveOverload(registry.Find(name), args)) {
    return BuildCall(*f, name, std::move(args), e.location);
  }
  std::string sig;
  for (const auto& a : args) sig += (sig.empty() ? "" : ", ") + TypeDisplayName(a->type);
  SqlError err{"42883", "function " + name + "(" + sig + ") does not exist", e.location + 1, {},
               "No function matches the given name and argument types. You might need to add explicit type casts."};
  throw SqlException(std::move(err));
}

BoundExprPtr Binder::BindSessionFunction(const std::string& name, const ast::Expr& e) {
  static const SessionInfo kNoSession;
  const SessionInfo& info = scope_.params && scope_.params->session ? *scope_.params->session : kNoSession;
  auto text = [&](std::string v) { return exec::MakeConst(Value::String(Type(TypeId::kText), std::move(v)), e.location); };
  auto no_args = [&] {
    if (!e.args.empty()) Throw("42883", "function " + name + " does not take arguments", e.location);
  };
  if (name == "current_user" || name == "session_user" || name == "user" || name == "current_role") {
    no_args();
    return text(info.user);
  }
  if (name == "current_database" || name == "current_catalog") {
    no_args();
    return text(info.database);
  }
  // The search path's schemas that exist (public when there is no session).
  auto search_path = [&] { return info.schemas ? info.schemas() : std::vector<std::string>{"public"}; };
  if (name == "current_schema") {  // the first of them; NULL when there is none
    no_args();
    std::vector<std::string> path = search_path();
    if (path.empty()) return exec::MakeConst(Value::Null(Type(TypeId::kText)), e.location);
    return text(path[0]);
  }
  if (name == "current_schemas") {  // with `true`, pg_catalog (searched implicitly) first
    if (e.args.size() != 1) Throw("42883", "function current_schemas takes one boolean argument", e.location);
    BoundExprPtr implicit = Coerce(BindChild(*e.args[0]), Type(TypeId::kBool), e.location);
    auto out = Node(BoundKind::kFunction, ArrayOf(TypeId::kText), e.location);
    out->op = name;
    out->args.push_back(std::move(implicit));
    std::vector<Value> explicit_names, all_names = {Value::String(Type(TypeId::kText), "pg_catalog")};
    for (const auto& schema : search_path()) {
      explicit_names.push_back(Value::String(Type(TypeId::kText), schema));
      all_names.push_back(explicit_names.back());
    }
    std::string with_catalog = FormatArray(all_names), without = FormatArray(explicit_names);
    out->kernel = [with_catalog, without](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        if (args[0].IsNull(i)) {
          result.SetNull(i);
          continue;
        }
        result.SetNull(i, false);
        result.String(i) = args[0].Int(i) ? with_catalog : without;
      }
    };
    return out;
  }
  if (name == "version") {
    no_args();
    return text("PostgreSQL 15.1 (Orbit) on x86_64-pc-linux-gnu, compiled by gcc, 64-bit");
  }
  if (name == "now" || name == "transaction_timestamp" || name == "statement_timestamp" ||
      name == "current_timestamp") {
    no_args();
    int64_t now = info.now ? info.now() : NowMicros();
    return exec::MakeConst(Value::Int(TypeId::kTimestampTz, now), e.location);
  }
  if (name == "clock_timestamp") {
    no_args();
    return exec::MakeConst(Value::Int(TypeId::kTimestampTz, NowMicros()), e.location);
  }
  if (name == "pg_typeof") {  // the argument's type, as regtype (the argument is not evaluated)
    if (e.args.size() != 1) Throw("42883", "function pg_typeof takes one argument", e.location);
    LogicalType t = BindChild(*e.args[0])->type;
    t.length = -1;  // regtype names the type without its modifier
    if (t.id == TypeId::kUnknown) t = Type(TypeId::kText);
    return exec::MakeConst(MakeRegValue(TypeId::kRegtype, TypeOid(t), TypeDisplayName(t)), e.location);
  }
  if (name == "localtime") {
    no_args();
    int64_t now = info.now ? info.now() : NowMicros();
    return exec::MakeConst(CastValue(Value::Int(TypeId::kTimestamp, now), Type(TypeId::kTime), true), e.location);
  }
  if (name == "localtimestamp") {
    no_args();
    return exec::MakeConst(Value::Int(TypeId::kTimestamp, info.now ? info.now() : NowMicros()), e.location);
  }
  if (name == "current_date") {
    no_args();
    int64_t now = info.now ? info.now() : NowMicros();
    return exec::MakeConst(CastValue(Value::Int(TypeId::kTimestampTz, now), Type(TypeId::kDate), true), e.location);
  }
  if (name == "nextval" || name == "currval" || name == "setval") {
    // Evaluated per row (nextval must give every row its own value).
    size_t arity = name == "setval" ? 2 : 1;
    if (e.args.size() != arity && !(name == "setval" && e.args.size() == 3)) {
      Throw("42883", "function " + name + " takes " + std::to_string(arity) + " arguments", e.location);
    }
    if (!info.nextval) Throw("0A000", "sequences are not available here", e.location);
    auto out = Node(BoundKind::kFunction, Type(TypeId::kInt8), e.location);
    out->op = name;
    BoundExprPtr sequence = BindChild(*e.args[0]);  // a name, or 'name'::regclass (as pg_dump writes defaults)
    if (IsRegType(sequence->type.id)) sequence = MakeCast(std::move(sequence), Type(TypeId::kText), true, e.location);
    out->args.push_back(Coerce(std::move(sequence), Type(TypeId::kText), e.location));
    if (arity == 2) out->args.push_back(Coerce(BindChild(*e.args[1]), Type(TypeId::kInt8), e.location));
    if (e.args.size() == 3) out->args.push_back(Coerce(BindChild(*e.args[2]), Type(TypeId::kBool), e.location));
    const SessionInfo* session = &info;
    out->kernel = [session, name](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        bool any_null = false;
        for (const auto& a : args) any_null |= a.IsNull(i);
        if (any_null) continue;
        const std::string& seq = args[0].String(i);
        int64_t v = name == "nextval"   ? session->nextval(seq)
                    : name == "currval" ? session->currval(seq)
                                        : session->setval(seq, args[1].Int(i), args.size() < 3 || args[2].Int(i) != 0);
        result.SetNull(i, false);
        result.Int(i) = v;
      }
    };
    return out;
  }
  if (name == "pg_backend_pid") {
    no_args();
    return exec::MakeConst(Value::Int(TypeId::kInt4, info.pid), e.location);
  }
  if (name == "set_config") {
    // set_config(name, value, is_local): SET at run time (pg_dump, createdb and
    // friends clear search_path with it); returns the new value.
    if (e.args.size() != 3) Throw("42883", "function set_config takes three arguments", e.location);
    if (!info.set_config) Throw("0A000", "set_config() is not available here", e.location);
    auto out = Node(BoundKind::kFunction, Type(TypeId::kText), e.location);
    out->op = name;
    out->args.push_back(Coerce(BindChild(*e.args[0]), Type(TypeId::kText), e.location));
    out->args.push_back(Coerce(BindChild(*e.args[1]), Type(TypeId::kText), e.location));
    out->args.push_back(Coerce(BindChild(*e.args[2]), Type(TypeId::kBool), e.location));
    const SessionInfo* session = &info;
    out->kernel = [session](const std::vector<exec::Vector>& args, size_t n, exec::Vector& result) {
      for (size_t i = 0; i < n; ++i) {
        if (args[0].IsNull(i)) Throw("22004", "SET requires parameter name");
        // A null value resets the parameter, as in PostgreSQL.
        std::optional<std::string> value;
        if (!args[1].IsNull(i)) value = args[1].String(i);
        bool local = !args[2].IsNull(i) && args[2].Int(i) != 0;
        result.Set(i, Value::String(Type(TypeId::kText), session->set_config(args[0].String(i), value, local)));
      }
    };
    return out;
  }
  if (name == "current_setting") {
    if (e.args.empty() || e.args.size() > 2) Throw("42883", "function current_setting takes one or two arguments", e.location);
    BoundExprPtr arg = Coerce(BindChild(*e.args[0]), Type(TypeId::kText), e.location);
    if (arg->kind != BoundKind::kConst || arg->value.null) {
      Throw("0A000", "current_setting() of a non-constant name is not supported yet", e.location);
    }
    if (!info.setting) Throw("42704", "unrecognized configuration parameter \"" + arg->value.s + "\"", e.location);
    return text(info.setting(arg->value.s));
  }
  return nullptr;
}

BoundExprPtr Binder::BindAggregate(const ast::Expr& e) {
  const std::string& name = e.names.back();
  if (aggregates_ == nullptr) {
    Throw("42803", std::string("aggregate functions are not allowed in ") + (clause_ ? clause_ : "this context"),
          e.location);
  }
  if (in_aggregate_) Throw("42803", "aggregate function calls cannot be nested", e.location);
  std::string key = Fingerprint(e);
  for (size_t i = 0; i < aggregates_->aggregate_keys.size(); ++i) {
    if (aggregates_->aggregate_keys[i] == key) {
      return exec::MakeColumn(static_cast<int>(aggregates_->group_keys.size() + i), aggregates_->aggregates[i].result);
    }
  }
  exec::AggregateSpec spec;
  if (e.star) {
    if (name != "count") Throw("42809", name + "(*) specified, but " + name + " is not a zero-argument aggregate", e.location);
    spec.kind = exec::AggregateKind::kCountStar;
  } else {
    size_t arity = name == "string_agg" ? 2 : 1;
    if (e.args.size() != arity) Throw("42883", "function " + name + " with " + std::to_string(e.args.size()) + " arguments does not exist", e.location);
    in_aggregate_ = true;
    try {
      spec.arg = BindInput(*e.args[0]);
      if (arity == 2) spec.delimiter = BindInput(*e.args[1]);
    } catch (...) {
      in_aggregate_ = false;
      throw;
    }
    in_aggregate_ = false;
    spec.kind = name == "count"        ? exec::AggregateKind::kCount
                : name == "sum"        ? exec::AggregateKind::kSum
                : name == "avg"        ? exec::AggregateKind::kAvg
                : name == "min"        ? exec::AggregateKind::kMin
                : name == "max"        ? exec::AggregateKind::kMax
                : name == "string_agg" ? exec::AggregateKind::kStringAgg
                : name == "array_agg"  ? exec::AggregateKind::kArrayAgg
                : name == "bool_or"    ? exec::AggregateKind::kBoolOr
                                       : exec::AggregateKind::kBoolAnd;  // bool_and, every
    if (spec.kind == exec::AggregateKind::kStringAgg) {
      if (!IsString(spec.arg->type.id)) {
        Throw("42883", "function string_agg(" + TypeDisplayName(spec.arg->type) + ", " +
                           TypeDisplayName(spec.delimiter->type) + ") does not exist", e.location);
      }
      spec.arg = MakeCast(std::move(spec.arg), Type(TypeId::kText), false, e.location);
      spec.delimiter = Coerce(std::move(spec.delimiter), Type(TypeId::kText), e.location);
    }
    if (spec.kind == exec::AggregateKind::kBoolAnd || spec.kind == exec::AggregateKind::kBoolOr) {
      spec.arg = RequireBool(std::move(spec.arg), name, e.location);
    }
    if (spec.arg->type.id == TypeId::kUnknown && spec.kind != exec::AggregateKind::kCount) {
      spec.arg = MakeCast(std::move(spec.arg), Type(TypeId::kText), false, e.location);
    }
  }
  spec.distinct = e.distinct;
  in_aggregate_ = true;  // FILTER and ORDER BY see the input rows; no aggregates inside
  try {
    if (e.filter) spec.filter = RequireBool(BindInput(*e.filter), "FILTER", e.location);
    for (const auto& o : e.order_by) spec.order_by.push_back(BindInput(*o));
  } catch (...) {
    in_aggregate_ = false;
    throw;
  }
  in_aggregate_ = false;
  spec.order_flags = e.order_flags;
  spec.result = exec::AggregateResultType(spec.kind, spec.arg ? spec.arg->type : LogicalType{}, e.location);
  LogicalType result = spec.result;
  aggregates_->aggregates.push_back(std::move(spec));
  aggregates_->aggregate_keys.push_back(key);
  return exec::MakeColumn(static_cast<int>(aggregates_->group_keys.size() + aggregates_->aggregates.size() - 1), result);
}

}  // namespace orbit::sql
