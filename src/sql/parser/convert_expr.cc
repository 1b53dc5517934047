// libpg_query expression nodes → ast::Expr.
#include <charconv>
#include <limits>

#include "sql/parser/convert.h"

namespace orbit::sql::parser {

std::string NodeName(const PgQuery__Node& node) {
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, static_cast<unsigned>(node.node_case));
  return f != nullptr ? f->name : "unknown node";
}

void Unsupported(const std::string& what, int location) { Throw("0A000", what + " is not supported yet", location); }

std::string StringOf(const PgQuery__Node& node) {
  if (node.node_case != PG_QUERY__NODE__NODE_STRING) Unsupported(NodeName(node) + " in a name");
  return node.string->sval;
}

LogicalType ConvertTypeName(const PgQuery__TypeName& t) {
  if (t.setof || t.pct_type) Unsupported("SETOF and %TYPE types", t.location);
  if (t.n_array_bounds > 1) Unsupported("multidimensional array types", t.location);
  if (t.n_names == 0) Unsupported("a type without a name", t.location);
  std::string name = StringOf(*t.names[t.n_names - 1]);  // pg_catalog.int4 -> int4
  std::vector<int32_t> modifiers;
  for (size_t i = 0; i < t.n_typmods; ++i) {
    const PgQuery__Node& m = *t.typmods[i];
    if (m.node_case != PG_QUERY__NODE__NODE_A_CONST || m.a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) {
      Throw("22023", "type modifiers must be simple constants", t.location);
    }
    modifiers.push_back(m.a_const->ival->ival);
  }
  if ((name == "interval" || name == "time" || name == "timestamp" || name == "timestamptz") && !modifiers.empty()) {
    Unsupported("type " + name + " with a precision or fields", t.location);
  }
  std::optional<LogicalType> type;
  try {
    type = LookupType(name, modifiers);
  } catch (SqlException& e) {
    if (e.error().position == 0 && t.location >= 0) e.error().position = t.location + 1;
    throw;
  }
  if (!type) {
    // PostgreSQL's built-in types Orbit lacks are "not supported"; other names do not exist.
    static const char* const kBuiltIn[] = {"timetz", "serial", "bigserial", "smallserial", "serial4", "serial8",
                                           "serial2", "oid", "money", "inet", "cidr", "macaddr", "bit", "varbit",
                                           "xml", "point", "tsvector", "regclass", "regtype", "name", "char"};
    for (const char* builtin : kBuiltIn) {
      if (name == builtin) Unsupported("type " + name, t.location);
    }
    if (!modifiers.empty()) Unsupported("type " + name + " with modifiers", t.location);
    Throw("42704", "type \"" + name + "\" does not exist", t.location);
  }
  if (t.n_array_bounds == 1) return ArrayOf(type->id);
  return *type;
}

namespace {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;

ExprPtr Make(ExprKind kind, int location) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->location = location;
  return e;
}

ExprPtr ConvertConst(const PgQuery__AConst& c) {
  auto e = Make(ExprKind::kConst, c.location);
  if (c.isnull) {
    e->value = Value::Null();
    return e;
  }
  switch (c.val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL: e->value = Value::Int(TypeId::kInt4, c.ival->ival); break;
    case PG_QUERY__A__CONST__VAL_FVAL: {
      // Integers too big for int4 arrive as fval: int8 if they fit, else numeric.
      std::string_view s = c.fval->fval;
      int64_t n;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && end == s.data() + s.size()) {
        bool fits_int4 = n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max();
        e->value = Value::Int(fits_int4 ? TypeId::kInt4 : TypeId::kInt8, n);
      } else {
        try {
          e->value = FromText(s, Type(TypeId::kNumeric));
        } catch (SqlException& ex) {
          ex.error().position = c.location + 1;
          throw;
        }
      }
      break;
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL: e->value = Value::Bool(c.boolval->boolval); break;
    case PG_QUERY__A__CONST__VAL_SVAL: e->value = Value::String(Type(TypeId::kUnknown), c.sval->sval); break;
    default: Unsupported("bit string constants", c.location);
  }
  return e;
}

ExprPtr Binary(std::string op, ExprPtr l, ExprPtr r, int location) {
  auto e = Make(ExprKind::kBinary, location);
  e->op = std::move(op);
  e->args.push_back(std::move(l));
  e->args.push_back(std::move(r));
  return e;
}

std::string OperatorName(const PgQuery__AExpr& a) {
  // OPERATOR(pg_catalog.=) arrives as ["pg_catalog", "="].
  if (a.n_name == 0) Unsupported("an operator without a name", a.location);
  return StringOf(*a.name[a.n_name - 1]);
}

ExprPtr ConvertAExpr(const PgQuery__AExpr& a) {
  switch (a.kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
      std::string op = OperatorName(a);
      if (op == "!=") op = "<>";
      if (a.lexpr == nullptr) {
        auto e = Make(ExprKind::kUnary, a.location);
        e->op = op;
        e->args.push_back(ConvertExpr(*a.rexpr));
        return e;
      }
      if (a.rexpr == nullptr) Unsupported("postfix operator " + op, a.location);
      return Binary(op, ConvertExpr(*a.lexpr), ConvertExpr(*a.rexpr), a.location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
      auto e = Make(ExprKind::kIn, a.location);
      e->negated = OperatorName(a) == "<>";
      e->args.push_back(ConvertExpr(*a.lexpr));
      const PgQuery__Node& r = *a.rexpr;
      if (r.node_case != PG_QUERY__NODE__NODE_LIST) Unsupported("IN with a subquery", a.location);
      for (size_t i = 0; i < r.list->n_items; ++i) e->args.push_back(ConvertExpr(*r.list->items[i]));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE: {
      auto e = Make(ExprKind::kLike, a.location);
      std::string op = OperatorName(a);  // ~~ LIKE, !~~ NOT LIKE, ~~* ILIKE, !~~* NOT ILIKE
      e->negated = op.starts_with("!");
      e->op = a.kind == PG_QUERY__A__EXPR__KIND__AEXPR_LIKE ? "LIKE" : "ILIKE";
      e->args.push_back(ConvertExpr(*a.lexpr));
      const PgQuery__Node& pattern = *a.rexpr;
      if (pattern.node_case == PG_QUERY__NODE__NODE_FUNC_CALL && pattern.func_call->n_funcname > 0 &&
          StringOf(*pattern.func_call->funcname[pattern.func_call->n_funcname - 1]) == "like_escape") {
        Unsupported("LIKE ... ESCAPE", a.location);
      }
      e->args.push_back(ConvertExpr(pattern));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN: {
      auto e = Make(ExprKind::kBetween, a.location);
      e->negated = a.kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN;
      e->args.push_back(ConvertExpr(*a.lexpr));
      const auto& bounds = *a.rexpr->list;
      for (size_t i = 0; i < bounds.n_items; ++i) e->args.push_back(ConvertExpr(*bounds.items[i]));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
      auto e = Make(ExprKind::kNullIf, a.location);
      e->args.push_back(ConvertExpr(*a.lexpr));
      e->args.push_back(ConvertExpr(*a.rexpr));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
      auto e = Binary(a.kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM",
                      ConvertExpr(*a.lexpr), ConvertExpr(*a.rexpr), a.location);
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
      auto e = Make(ExprKind::kArrayCompare, a.location);
      e->op = a.kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY ? "ANY" : "ALL";
      e->sub_op = OperatorName(a);
      if (e->sub_op == "!=") e->sub_op = "<>";
      e->args.push_back(ConvertExpr(*a.lexpr));
      e->args.push_back(ConvertExpr(*a.rexpr));
      return e;
    }
    default: Unsupported("this kind of operator expression (SIMILAR/BETWEEN SYMMETRIC)", a.location);
  }
}

}  // namespace

ExprPtr ConvertExpr(const PgQuery__Node& node) {
  switch (node.node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: return ConvertConst(*node.a_const);
    case PG_QUERY__NODE__NODE_A_EXPR: return ConvertAExpr(*node.a_expr);
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
      const auto& ref = *node.column_ref;
      auto e = Make(ExprKind::kColumnRef, ref.location);
      for (size_t i = 0; i < ref.n_fields; ++i) {
        if (ref.fields[i]->node_case == PG_QUERY__NODE__NODE_A_STAR) {
          if (i + 1 != ref.n_fields) Unsupported("* in the middle of a name", ref.location);
          e->kind = ExprKind::kStar;
        } else {
          e->names.push_back(StringOf(*ref.fields[i]));
        }
      }
      if (e->names.size() > (e->kind == ExprKind::kStar ? 1u : 2u)) {
        Unsupported("schema-qualified column references", ref.location);
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
      const auto& tc = *node.type_cast;
      auto e = Make(ExprKind::kCast, tc.location);
      e->cast_type = ConvertTypeName(*tc.type_name);
      e->args.push_back(ConvertExpr(*tc.arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
      const auto& b = *node.bool_expr;
      if (b.boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR) {
        auto e = Make(ExprKind::kUnary, b.location);
        e->op = "NOT";
        e->args.push_back(ConvertExpr(*b.args[0]));
        return e;
      }
      // AND/OR arrive flattened and stay n-ary: a chain of 30,000 ORs is one
      // node, not 30,000 levels of recursion.
      auto e = Make(ExprKind::kBinary, b.location);
      e->op = b.boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR ? "AND" : "OR";
      for (size_t i = 0; i < b.n_args; ++i) e->args.push_back(ConvertExpr(*b.args[i]));
      return e;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
      const auto& t = *node.null_test;
      auto e = Make(ExprKind::kIsNull, t.location);
      e->negated = t.nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL;
      e->args.push_back(ConvertExpr(*t.arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
      const auto& t = *node.boolean_test;
      auto e = Make(ExprKind::kIsBool, t.location);
      switch (t.booltesttype) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: e->value = Value::Bool(true); break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: e->value = Value::Bool(true), e->negated = true; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: e->value = Value::Bool(false); break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: e->value = Value::Bool(false), e->negated = true; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN:
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_UNKNOWN: {
          auto n = Make(ExprKind::kIsNull, t.location);  // IS UNKNOWN is IS NULL on a boolean
          n->negated = t.booltesttype == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_UNKNOWN;
          n->args.push_back(ConvertExpr(*t.arg));
          return n;
        }
        default: Unsupported("this boolean test", t.location);
      }
      e->args.push_back(ConvertExpr(*t.arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
      const auto& f = *node.func_call;
      if (f.over != nullptr) Unsupported("window functions", f.location);
      if (f.agg_within_group || f.func_variadic) Unsupported("WITHIN GROUP or VARIADIC in function calls", f.location);
      auto e = Make(ExprKind::kFunction, f.location);
      for (size_t i = 0; i < f.n_funcname; ++i) e->names.push_back(StringOf(*f.funcname[i]));
      for (size_t i = 0; i < f.n_args; ++i) e->args.push_back(ConvertExpr(*f.args[i]));
      if (f.agg_filter != nullptr) e->filter = ConvertExpr(*f.agg_filter);
      for (size_t i = 0; i < f.n_agg_order; ++i) {
        const auto& sort = *f.agg_order[i]->sort_by;
        if (sort.sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) Unsupported("ORDER BY ... USING", sort.location);
        bool descending = sort.sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        bool nulls_first = sort.sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT
                               ? descending
                               : sort.sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST;
        e->order_by.push_back(ConvertExpr(*sort.node));
        e->order_flags.emplace_back(descending, nulls_first);
      }
      e->star = f.agg_star;
      e->distinct = f.agg_distinct;
      return e;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
      const auto& c = *node.case_expr;
      auto e = Make(ExprKind::kCase, c.location);
      e->args.push_back(c.arg != nullptr ? ConvertExpr(*c.arg) : nullptr);
      for (size_t i = 0; i < c.n_args; ++i) {
        const auto& w = *c.args[i]->case_when;
        e->args.push_back(ConvertExpr(*w.expr));
        e->args.push_back(ConvertExpr(*w.result));
      }
      e->args.push_back(c.defresult != nullptr ? ConvertExpr(*c.defresult) : nullptr);
      return e;
    }
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
      const auto& c = *node.coalesce_expr;
      auto e = Make(ExprKind::kCoalesce, c.location);
      for (size_t i = 0; i < c.n_args; ++i) e->args.push_back(ConvertExpr(*c.args[i]));
      return e;
    }
    case PG_QUERY__NODE__NODE_SET_TO_DEFAULT:
      return Make(ExprKind::kDefault, node.set_to_default->location);
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
      const auto& f = *node.sqlvalue_function;
      auto e = Make(ExprKind::kSessionValue, f.location);
      switch (f.op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER: e->op = "current_user"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: e->op = "session_user"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: e->op = "current_catalog"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: e->op = "current_schema"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP: e->op = "current_timestamp"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP: e->op = "localtimestamp"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME: e->op = "localtime"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: e->op = "current_date"; break;
        default: Unsupported("CURRENT_TIME (time with time zone) and precisions of CURRENT_TIMESTAMP", f.location);
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_SUB_LINK: {
      const PgQuery__SubLink& link = *node.sub_link;
      auto e = Make(ExprKind::kSubquery, link.location);
      switch (link.sub_link_type) {
        case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK: e->op = "EXISTS"; break;
        case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK: e->op = "EXPR"; break;
        case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK: e->op = "ANY"; break;
        case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: e->op = "ALL"; break;
        case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK: e->op = "ARRAY"; break;
        default: Unsupported("this kind of subquery", link.location);
      }
      if (link.subselect == nullptr || link.subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        Unsupported("this kind of subquery", link.location);
      }
      e->subquery = ConvertSelect(*link.subselect->select_stmt);
      if (link.testexpr != nullptr) e->args.push_back(ConvertExpr(*link.testexpr));
      // IN arrives without an operator name: it is = ANY.
      e->sub_op = link.n_oper_name > 0 ? StringOf(*link.oper_name[link.n_oper_name - 1]) : "=";
      if (e->sub_op == "!=") e->sub_op = "<>";
      return e;
    }
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {  // GREATEST(...) / LEAST(...): functions to the binder
      const auto& m = *node.min_max_expr;
      auto e = Make(ExprKind::kFunction, m.location);
      e->names.push_back(m.op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least");
      for (size_t i = 0; i < m.n_args; ++i) e->args.push_back(ConvertExpr(*m.args[i]));
      return e;
    }
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: {
      // Text compares bytewise (collation "C") whatever the clause names: the
      // collations Orbit lists (default, C, POSIX) all order that way.
      const auto& c = *node.collate_clause;
      std::string name = c.n_collname > 0 ? StringOf(*c.collname[c.n_collname - 1]) : "";
      if (name != "default" && name != "C" && name != "POSIX") {
        Throw("42704", "collation \"" + name + "\" for encoding \"UTF8\" does not exist", c.location);
      }
      return ConvertExpr(*c.arg);
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
      const auto& array = *node.a_array_expr;
      auto e = Make(ExprKind::kArray, array.location);
      for (size_t i = 0; i < array.n_elements; ++i) {
        if (array.elements[i]->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
          Unsupported("multidimensional arrays", array.location);
        }
        e->args.push_back(ConvertExpr(*array.elements[i]));
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
      const auto& ind = *node.a_indirection;
      ExprPtr base = ConvertExpr(*ind.arg);
      for (size_t i = 0; i < ind.n_indirection; ++i) {
        const PgQuery__Node& step = *ind.indirection[i];
        if (step.node_case != PG_QUERY__NODE__NODE_A_INDICES || step.a_indices->is_slice ||
            step.a_indices->uidx == nullptr) {
          Unsupported("this kind of indirection (field selection, array slices)", base->location);
        }
        auto e = Make(ExprKind::kSubscript, base->location);
        e->args.push_back(std::move(base));
        e->args.push_back(ConvertExpr(*step.a_indices->uidx));
        base = std::move(e);
      }
      return base;
    }
    case PG_QUERY__NODE__NODE_PARAM_REF: {
      auto e = Make(ExprKind::kParam, node.param_ref->location);
      e->value = Value::Int(TypeId::kInt4, node.param_ref->number);
      return e;
    }
    default: Unsupported("expression " + NodeName(node));
  }
}

}  // namespace orbit::sql::parser
