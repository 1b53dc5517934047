#include "sql/simple_query.h"

#include <pg_query/pg_query.pb-c.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sql/parser.h"

namespace orbit::sql {
namespace {

// Type OIDs (pg_type.oid) of the types this slice produces.
constexpr int32_t kBoolOid = 16;
constexpr int32_t kInt8Oid = 20;
constexpr int32_t kInt4Oid = 23;
constexpr int32_t kTextOid = 25;
constexpr int32_t kNumericOid = 1700;

struct Value {
  int32_t type = kTextOid;
  std::optional<std::string> text;  // PostgreSQL's text output form; nullopt: NULL
};

struct EvalError {
  SqlError error;
};

// The protobuf field name of a node's case ("select_stmt", "a_expr", ...), to
// name what is not supported.
std::string NodeName(const PgQuery__Node& node) {
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, static_cast<unsigned>(node.node_case));
  return f != nullptr ? f->name : "unknown node";
}

[[noreturn]] void Fail(std::string sqlstate, std::string message, int location = -1) {
  throw EvalError{SqlError{std::move(sqlstate), std::move(message), location >= 0 ? location + 1 : 0}};
}

std::string TypeName(const PgQuery__TypeName& t) {
  // The last name component: pg_catalog.int4 -> int4.
  if (t.n_names == 0 || t.names[t.n_names - 1]->node_case != PG_QUERY__NODE__NODE_STRING) return "";
  return t.names[t.n_names - 1]->string->sval;
}

int32_t TypeOid(const std::string& name, int location) {
  if (name == "int4" || name == "integer" || name == "int") return kInt4Oid;
  if (name == "int8" || name == "bigint") return kInt8Oid;
  if (name == "text" || name == "varchar") return kTextOid;
  if (name == "bool" || name == "boolean") return kBoolOid;
  Fail("0A000", "cast to type " + name + " is not supported yet", location);
}

bool IsInteger(const Value& v) { return v.type == kInt4Oid || v.type == kInt8Oid; }

int64_t ToInt(const Value& v) {
  int64_t out = 0;
  std::from_chars(v.text->data(), v.text->data() + v.text->size(), out);
  return out;
}

Value Int(int64_t v, int32_t type) { return Value{type, std::to_string(v)}; }

Value Cast(const Value& v, int32_t type, const std::string& type_name, int location) {
  if (!v.text || v.type == type) return Value{type, v.text};
  if (type == kTextOid) return Value{kTextOid, v.text};
  const std::string& s = *v.text;
  if (type == kBoolOid) {
    if (v.type != kTextOid) Fail("42846", "cannot cast type to boolean", location);
    if (s == "t" || s == "true" || s == "on" || s == "1" || s == "yes") return Value{kBoolOid, "t"};
    if (s == "f" || s == "false" || s == "off" || s == "0" || s == "no") return Value{kBoolOid, "f"};
    Fail("22P02", "invalid input syntax for type boolean: \"" + s + "\"", location);
  }
  // Integer targets.
  if (v.type == kBoolOid) Fail("42846", "cannot cast type boolean to " + type_name, location);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  bool whole = ec == std::errc() && end == s.data() + s.size() && !s.empty();
  if (!whole && ec != std::errc::result_out_of_range) {
    Fail("22P02", "invalid input syntax for type " + std::string(type == kInt4Oid ? "integer" : "bigint") + ": \"" +
                      s + "\"", location);
  }
  if (ec == std::errc::result_out_of_range ||
      (type == kInt4Oid && (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max()))) {
    Fail("22003", std::string(type == kInt4Oid ? "integer" : "bigint") + " out of range", location);
  }
  return Int(n, type);
}

Value Eval(const PgQuery__Node& node);

Value EvalConst(const PgQuery__AConst& c) {
  if (c.isnull) return Value{kTextOid, std::nullopt};
  switch (c.val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL: return Int(c.ival->ival, kInt4Oid);
    case PG_QUERY__A__CONST__VAL_FVAL: {
      // Integers too big for int4 arrive as fval: int8 if they fit, else numeric.
      std::string s = c.fval->fval;
      int64_t n;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && end == s.data() + s.size()) return Int(n, kInt8Oid);
      return Value{kNumericOid, s};
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL: return Value{kBoolOid, c.boolval->boolval ? "t" : "f"};
    case PG_QUERY__A__CONST__VAL_SVAL: return Value{kTextOid, std::string(c.sval->sval)};
    case PG_QUERY__A__CONST__VAL_BSVAL: Fail("0A000", "bit string constants are not supported yet", c.location);
    default: Fail("XX000", "constant without a value", c.location);
  }
}

Value Arithmetic(const std::string& op, const Value& l, const Value& r, int location) {
  int32_t type = (l.type == kInt8Oid || r.type == kInt8Oid) ? kInt8Oid : kInt4Oid;
  int64_t a = ToInt(l), b = ToInt(r), out = 0;
  bool overflow = false;
  if (op == "+") overflow = __builtin_add_overflow(a, b, &out);
  else if (op == "-") overflow = __builtin_sub_overflow(a, b, &out);
  else if (op == "*") overflow = __builtin_mul_overflow(a, b, &out);
  else {  // "/" or "%"
    if (b == 0) Fail("22012", "division by zero");
    if (b == -1) {  // INT_MIN / -1 overflows; x % -1 is 0
      if (op == "%") return Int(0, type);
      overflow = __builtin_mul_overflow(a, int64_t{-1}, &out);
    } else {
      out = op == "/" ? a / b : a % b;
    }
  }
  if (type == kInt4Oid && (out < std::numeric_limits<int32_t>::min() || out > std::numeric_limits<int32_t>::max())) {
    overflow = true;
  }
  if (overflow) Fail("22003", std::string(type == kInt4Oid ? "integer" : "bigint") + " out of range");
  return Int(out, type);
}

Value Compare(const std::string& op, const Value& l, const Value& r, int location) {
  int cmp;
  if (IsInteger(l) && IsInteger(r)) {
    int64_t a = ToInt(l), b = ToInt(r);
    cmp = a < b ? -1 : a > b ? 1 : 0;
  } else if (l.type == r.type && (l.type == kTextOid || l.type == kBoolOid)) {
    cmp = l.text->compare(*r.text);
  } else {
    Fail("0A000", "comparing these types is not supported yet", location);
  }
  bool result = op == "=" ? cmp == 0 : op == "<>" || op == "!=" ? cmp != 0 : op == "<" ? cmp < 0
              : op == "<=" ? cmp <= 0 : op == ">" ? cmp > 0 : cmp >= 0;
  return Value{kBoolOid, result ? "t" : "f"};
}

Value EvalOp(const PgQuery__AExpr& e) {
  if (e.kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || e.n_name != 1 ||
      e.name[0]->node_case != PG_QUERY__NODE__NODE_STRING) {
    Fail("0A000", "this kind of operator expression is not supported yet", e.location);
  }
  std::string op = e.name[0]->string->sval;
  if (e.lexpr == nullptr) {  // prefix operator
    Value v = Eval(*e.rexpr);
    if (op != "-" && op != "+") Fail("0A000", "prefix operator " + op + " is not supported yet", e.location);
    if (!v.text) return v;
    if (!IsInteger(v)) Fail("0A000", "prefix " + op + " on this type is not supported yet", e.location);
    return op == "+" ? v : Arithmetic("-", Int(0, v.type), v, e.location);
  }
  Value l = Eval(*e.lexpr), r = Eval(*e.rexpr);
  bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/" || op == "%";
  bool comparison = op == "=" || op == "<>" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
  if (!arithmetic && !comparison) Fail("0A000", "operator " + op + " is not supported yet", e.location);
  // Untyped string literals take the other side's type, as PostgreSQL resolves "unknown".
  if (l.type == kTextOid && r.type != kTextOid && l.text) l = Cast(l, r.type, "", e.location);
  if (r.type == kTextOid && l.type != kTextOid && r.text) r = Cast(r, l.type, "", e.location);
  if (!l.text || !r.text) return Value{comparison ? kBoolOid : (l.type == kInt8Oid || r.type == kInt8Oid ? kInt8Oid : kInt4Oid), std::nullopt};
  if (comparison) return Compare(op, l, r, e.location);
  if (!IsInteger(l) || !IsInteger(r)) Fail("0A000", "operator " + op + " on these types is not supported yet", e.location);
  return Arithmetic(op, l, r, e.location);
}

Value Eval(const PgQuery__Node& node) {
  switch (node.node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: return EvalConst(*node.a_const);
    case PG_QUERY__NODE__NODE_A_EXPR: return EvalOp(*node.a_expr);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
      const auto& tc = *node.type_cast;
      std::string name = TypeName(*tc.type_name);
      return Cast(Eval(*tc.arg), TypeOid(name, tc.location), name, tc.location);
    }
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
      const auto& ref = *node.column_ref;
      std::string name = ref.n_fields > 0 && ref.fields[0]->node_case == PG_QUERY__NODE__NODE_STRING
                             ? ref.fields[0]->string->sval
                             : "*";
      Fail("42703", "column \"" + name + "\" does not exist", ref.location);
    }
    default: Fail("0A000", "expression " + NodeName(node) + " is not supported yet");
  }
}

// PostgreSQL's default output column name (FigureColname).
std::string ColumnName(const PgQuery__ResTarget& target) {
  if (target.name != nullptr && target.name[0] != '\0') return target.name;
  const PgQuery__Node& v = *target.val;
  if (v.node_case == PG_QUERY__NODE__NODE_TYPE_CAST) {
    const auto& tc = *v.type_cast;
    std::string name = TypeName(*tc.type_name);
    return name == "integer" || name == "int" ? "int4" : name == "bigint" ? "int8" : name == "boolean" ? "bool" : name;
  }
  return "?column?";
}

void RunSelect(const PgQuery__SelectStmt& s, protocol::pg::MessageWriter& out) {
  if (s.n_from_clause > 0) Fail("0A000", "SELECT ... FROM is not supported yet (there are no tables yet)");
  if (s.where_clause || s.n_group_clause || s.having_clause || s.n_sort_clause || s.limit_count ||
      s.limit_offset || s.n_distinct_clause || s.n_values_lists || s.with_clause ||
      s.op != PG_QUERY__SET_OPERATION__SETOP_NONE || s.n_window_clause || s.n_locking_clause || s.into_clause) {
    Fail("0A000", "this form of SELECT is not supported yet");
  }
  std::vector<std::string> names;
  std::vector<Value> row;
  for (size_t i = 0; i < s.n_target_list; ++i) {
    const auto& target = *s.target_list[i]->res_target;
    names.push_back(ColumnName(target));
    row.push_back(Eval(*target.val));
  }
  out.Begin('T').Int16(static_cast<int16_t>(row.size()));
  for (size_t i = 0; i < row.size(); ++i) {
    int16_t typlen = row[i].type == kInt4Oid ? 4 : row[i].type == kInt8Oid ? 8 : row[i].type == kBoolOid ? 1 : -1;
    out.CString(names[i]).Int32(0).Int16(0).Int32(row[i].type).Int16(typlen).Int32(-1).Int16(0);
  }
  out.End();
  out.Begin('D').Int16(static_cast<int16_t>(row.size()));
  for (const auto& v : row) {
    if (!v.text) {
      out.Int32(-1);
    } else {
      out.Int32(static_cast<int32_t>(v.text->size())).Bytes(*v.text);
    }
  }
  out.End();
  out.CommandComplete("SELECT 1");
}

}  // namespace

void RunSimpleQuery(std::string_view sql, protocol::pg::MessageWriter& out) {
  auto parsed = Parse(sql);
  auto write_error = [&](const SqlError& e) {
    protocol::pg::ErrorFields f;
    f.sqlstate = e.sqlstate;
    f.message = e.message;
    f.position = e.position;
    protocol::pg::WriteError(out, f);
  };
  if (auto* e = std::get_if<SqlError>(&parsed)) return write_error(*e);
  const PgQuery__ParseResult& tree = std::get<ParseTree>(parsed).result();
  if (tree.n_stmts == 0) return out.EmptyQueryResponse();
  for (size_t i = 0; i < tree.n_stmts; ++i) {
    const PgQuery__Node* stmt = tree.stmts[i]->stmt;
    if (stmt == nullptr) {  // an empty statement between semicolons
      if (tree.n_stmts == 1) out.EmptyQueryResponse();
      continue;
    }
    try {
      if (stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        Fail("0A000", "statement " + NodeName(*stmt) + " is not supported yet");
      }
      RunSelect(*stmt->select_stmt, out);
    } catch (const EvalError& e) {
      SqlError err = e.error;
      err.position = CharPosition(sql, err.position);
      return write_error(err);  // an error ends the query string
    }
  }
}

}  // namespace orbit::sql
