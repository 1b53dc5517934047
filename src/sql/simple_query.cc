#include "sql/simple_query.h"

#include <pg_query/pg_query.pb-c.h>

#include <cctype>
#include <charconv>
#include <exception>
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
// An untyped string literal ('abc'): takes the type its context needs, and is
// text when it reaches the output (PostgreSQL's "unknown" pseudo-type).
constexpr int32_t kUnknownOid = 705;

struct Value {
  int32_t type = kTextOid;
  std::optional<std::string> text;  // PostgreSQL's text output form; nullopt: NULL
};

struct EvalError : std::exception {
  explicit EvalError(SqlError e) : error(std::move(e)) {}
  const char* what() const noexcept override { return error.message.c_str(); }
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
  throw EvalError(SqlError{std::move(sqlstate), std::move(message), location >= 0 ? location + 1 : 0});
}

std::string TypeName(const PgQuery__TypeName& t) {
  // The last name component: pg_catalog.int4 -> int4.
  if (t.n_names == 0 || t.names[t.n_names - 1]->node_case != PG_QUERY__NODE__NODE_STRING) return "";
  return t.names[t.n_names - 1]->string->sval;
}

// The cast target; arrays and type modifiers (varchar(2)) are not supported yet.
std::string CastTypeName(const PgQuery__TypeName& t) {
  if (t.n_array_bounds > 0 || t.n_typmods > 0 || t.setof) {
    Fail("0A000", "casts to arrays or to types with modifiers are not supported yet", t.location);
  }
  return TypeName(t);
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

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// PostgreSQL's boolin: case-insensitive, surrounding spaces ignored, and any
// unambiguous prefix of true/false/yes/no, plus on/off and 1/0.
std::optional<bool> ParseBool(std::string_view input) {
  std::string s = Trim(input);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto prefix_of = [&](std::string_view word) { return !s.empty() && word.substr(0, s.size()) == s; };
  if (s == "1" || s == "on" || prefix_of("true") || prefix_of("yes")) return true;
  if (s == "0" || s == "off" || prefix_of("false") || prefix_of("no")) return false;
  return std::nullopt;  // "o" is ambiguous (on/off), as in PostgreSQL
}

Value Cast(const Value& v, int32_t type, const std::string& type_name, int location) {
  if (!v.text) return Value{type, std::nullopt};
  if (v.type == type) return v;
  const std::string& s = *v.text;
  if (type == kTextOid) {
    if (v.type == kBoolOid) return Value{kTextOid, s == "t" ? "true" : "false"};
    return Value{kTextOid, s};
  }
  if (type == kBoolOid) {
    if (v.type == kInt4Oid) return Value{kBoolOid, s == "0" ? "f" : "t"};
    if (v.type != kTextOid && v.type != kUnknownOid) {
      Fail("42846", "cannot cast this type to boolean", location);
    }
    if (auto b = ParseBool(s)) return Value{kBoolOid, *b ? "t" : "f"};
    Fail("22P02", "invalid input syntax for type boolean: \"" + s + "\"", location);
  }
  // Integer targets.
  const char* name = type == kInt4Oid ? "integer" : "bigint";
  if (v.type == kBoolOid) {
    if (type == kInt4Oid) return Int(s == "t" ? 1 : 0, kInt4Oid);
    Fail("42846", "cannot cast type boolean to " + type_name, location);
  }
  if (v.type == kNumericOid) Fail("0A000", "casts from numeric are not supported yet", location);
  std::string digits = Trim(s);
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec == std::errc::result_out_of_range) Fail("22003", std::string(name) + " out of range", location);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    Fail("22P02", "invalid input syntax for type " + std::string(name) + ": \"" + s + "\"", location);
  }
  if (type == kInt4Oid && (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())) {
    Fail("22003", "integer out of range", location);
  }
  return Int(n, type);
}

Value Eval(const PgQuery__Node& node);

Value EvalConst(const PgQuery__AConst& c) {
  if (c.isnull) return Value{kUnknownOid, std::nullopt};
  switch (c.val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL: return Int(c.ival->ival, kInt4Oid);
    case PG_QUERY__A__CONST__VAL_FVAL: {
      // Integers too big for int4 arrive as fval: int8 if they fit, else numeric.
      std::string s = c.fval->fval;
      int64_t n;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && end == s.data() + s.size()) {
        bool fits_int4 = n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max();
        return Int(n, fits_int4 ? kInt4Oid : kInt8Oid);  // -2147483648 is an int4, as make_const decides
      }
      if (s.find_first_of("eE") != std::string::npos) {
        Fail("0A000", "numeric constants with an exponent are not supported yet", c.location);
      }
      if (s.starts_with(".")) s.insert(0, "0");
      else if (s.starts_with("-.")) s.insert(1, "0");
      if (s.ends_with(".")) s.pop_back();
      return Value{kNumericOid, s};
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL: return Value{kBoolOid, c.boolval->boolval ? "t" : "f"};
    case PG_QUERY__A__CONST__VAL_SVAL: return Value{kUnknownOid, std::string(c.sval->sval)};
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
  } else if (l.type == r.type && (l.type == kTextOid || l.type == kBoolOid || l.type == kUnknownOid)) {
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
  // Untyped literals take the other side's type, as PostgreSQL resolves "unknown".
  if (l.type == kUnknownOid && r.type != kUnknownOid) l = Cast(l, r.type, "", e.location);
  if (r.type == kUnknownOid && l.type != kUnknownOid) r = Cast(r, l.type, "", e.location);
  if (l.type != r.type && !(IsInteger(l) && IsInteger(r))) {
    Fail("42883", "operator does not exist for these types: " + op, e.location);
  }
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
      std::string name = CastTypeName(*tc.type_name);
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
  if (s.n_target_list > 1664) Fail("54011", "target lists can have at most 1664 entries");
  std::vector<std::string> names;
  std::vector<Value> row;
  for (size_t i = 0; i < s.n_target_list; ++i) {
    const auto& target = *s.target_list[i]->res_target;
    names.push_back(ColumnName(target));
    row.push_back(Eval(*target.val));
    if (row.back().type == kUnknownOid) row.back().type = kTextOid;
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

char SimpleQueryRunner::Run(std::string_view sql, protocol::pg::MessageWriter& out) {
  auto write_error = [&](const SqlError& e) {
    protocol::pg::ErrorFields f;
    f.sqlstate = e.sqlstate;
    f.message = e.message;
    f.position = e.position;
    protocol::pg::WriteError(out, f);
    if (status_ == 'T') status_ = 'E';
  };
  auto warn = [&](std::string sqlstate, std::string message) {
    protocol::pg::ErrorFields f;
    f.severity = "WARNING";
    f.sqlstate = std::move(sqlstate);
    f.message = std::move(message);
    protocol::pg::WriteError(out, f, 'N');
  };
  auto parsed = Parse(sql);
  if (auto* e = std::get_if<SqlError>(&parsed)) {
    write_error(*e);
    return status_;
  }
  const PgQuery__ParseResult& tree = std::get<ParseTree>(parsed).result();
  if (tree.n_stmts == 0) {
    out.EmptyQueryResponse();
    return status_;
  }
  for (size_t i = 0; i < tree.n_stmts; ++i) {
    const PgQuery__Node* stmt = tree.stmts[i]->stmt;
    if (stmt == nullptr) {  // an empty statement between semicolons
      if (tree.n_stmts == 1) out.EmptyQueryResponse();
      continue;
    }
    try {
      if (stmt->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT) {
        switch (stmt->transaction_stmt->kind) {
          case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
          case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
            if (status_ == 'E') break;  // 25P02 below
            if (status_ == 'T') warn("25001", "there is already a transaction in progress");
            status_ = 'T';
            out.CommandComplete("BEGIN");
            continue;
          case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
          case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK: {
            bool commit = stmt->transaction_stmt->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT;
            if (status_ == 'I') warn("25P01", "there is no transaction in progress");
            out.CommandComplete(commit && status_ != 'E' ? "COMMIT" : "ROLLBACK");  // a failed block rolls back
            status_ = 'I';
            continue;
          }
          default:
            if (status_ != 'E') Fail("0A000", "savepoints and two-phase commit are not supported yet");
        }
      }
      if (status_ == 'E') {
        Fail("25P02", "current transaction is aborted, commands ignored until end of transaction block");
      }
      if (stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        Fail("0A000", "statement " + NodeName(*stmt) + " is not supported yet");
      }
      RunSelect(*stmt->select_stmt, out);
    } catch (const EvalError& e) {
      SqlError err = e.error;
      err.position = CharPosition(sql, err.position);
      write_error(err);  // an error ends the query string
      return status_;
    }
  }
  return status_;
}

}  // namespace orbit::sql
