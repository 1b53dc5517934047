#include "sql/exec/expression.h"

#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/json.h"

#include "sql/exec/numeric.h"

#include <cctype>
#include <cmath>

namespace orbit::sql::exec {

BoundExprPtr MakeConst(Value v, int location) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kConst;
  e->type = v.type;
  e->value = std::move(v);
  e->location = location;
  return e;
}

BoundExprPtr MakeColumn(int column, LogicalType type) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kColumn;
  e->column = column;
  e->type = type;
  return e;
}

BoundExprPtr MakeCast(BoundExprPtr arg, LogicalType type, bool explicit_cast, int location) {
  if (arg->type == type) return arg;
  if (arg->kind == BoundKind::kParam && arg->type.id == TypeId::kUnknown) {
    LogicalType inferred = type.id == TypeId::kVarchar || type.id == TypeId::kBpchar ? Type(type.id) : type;
    (*arg->param_types)[static_cast<size_t>(arg->column)] = inferred;
    arg->type = inferred;
    if (inferred == type) return arg;
  }
  if (arg->kind == BoundKind::kConst) {  // fold: constants are cast once, here
    return MakeConst(CastValue(arg->value, type, explicit_cast, location), arg->location);
  }
  auto e = std::make_unique<BoundExpr>();
  e->kind = BoundKind::kCast;
  e->type = type;
  e->location = location;
  e->explicit_cast = explicit_cast;
  e->args.push_back(std::move(arg));
  return e;
}

namespace {

std::string_view TrimTrailingSpaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

int Sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

// Rows `rows` of `input`, as a batch of their own.
Batch Subset(const Batch& input, const std::vector<size_t>& rows) {
  Batch out;
  std::vector<LogicalType> types;
  for (const auto& c : input.columns) types.push_back(c.type());
  out.Reset(types);
  for (size_t r : rows) out.AppendRow(input, r);
  if (input.columns.empty()) out.count = rows.size();
  return out;
}

// Evaluates `e` only on `rows` (lazily evaluated branches: CASE, COALESCE,
// AND/OR right sides), writing the results into those rows of `out`.
void EvaluateInto(const BoundExpr& e, const Batch& input, const std::vector<size_t>& rows, Vector& out) {
  if (rows.empty()) return;
  if (rows.size() == input.count) {
    Vector v = Evaluate(e, input);
    for (size_t i = 0; i < rows.size(); ++i) out.CopyRow(v, i, rows[i]);
    return;
  }
  Batch sub = Subset(input, rows);
  Vector v = Evaluate(e, sub);
  for (size_t i = 0; i < rows.size(); ++i) out.CopyRow(v, i, rows[i]);
}

void CheckFloat(double result, bool inputs_finite, TypeId type, int location) {
  if (std::isinf(result) && inputs_finite) Throw("22003", "value out of range: overflow", location);
  (void)type;
}

Vector Arith(const BoundExpr& e, const Batch& input) {
  Vector l = Evaluate(*e.args[0], input), r = Evaluate(*e.args[1], input);
  Vector out(e.type, input.count);
  char op = e.op[0];
  for (size_t i = 0; i < input.count; ++i) {
    if (l.IsNull(i) || r.IsNull(i)) continue;
    out.SetNull(i, false);
    if (out.physical() == PhysicalType::kInt64) {
      out.Int(i) = IntArith(op, l.Int(i), r.Int(i), e.type.id, e.location);
      continue;
    }
    if (e.type.id == TypeId::kNumeric) {
      out.String(i) = NumericArith(op, l.String(i), r.String(i), e.location);
      continue;
    }
    double a = l.Double(i), b = r.Double(i), v = 0;
    switch (op) {
      case '+': v = a + b; break;
      case '-': v = a - b; break;
      case '*': v = a * b; break;
      case '/':
        if (b == 0 && !std::isnan(a)) Throw("22012", "division by zero", e.location);
        v = a / b;
        break;
      default: Throw("42883", "operator does not exist: double precision % double precision", e.location);
    }
    if (e.type.id == TypeId::kFloat4) v = static_cast<float>(v);
    CheckFloat(v, std::isfinite(a) && std::isfinite(b), e.type.id, e.location);
    // PostgreSQL's float checks: a zero from non-zero operands is an underflow.
    bool underflow = (op == '*' && v == 0 && a != 0 && b != 0) || (op == '/' && v == 0 && a != 0 && !std::isinf(b));
    if (underflow) Throw("22003", "value out of range: underflow", e.location);
    out.Double(i) = v;
  }
  return out;
}

Vector Compare(const BoundExpr& e, const Batch& input) {
  Vector l = Evaluate(*e.args[0], input), r = Evaluate(*e.args[1], input);
  Vector out(Type(TypeId::kBool), input.count);
  const std::string& op = e.op;
  for (size_t i = 0; i < input.count; ++i) {
    if (e.kind == BoundKind::kDistinct) {
      bool ln = l.IsNull(i), rn = r.IsNull(i);
      bool same = ln || rn ? ln == rn : CompareValues(l, i, r, i) == 0;
      out.SetNull(i, false);
      out.Int(i) = same == e.negated;  // IS DISTINCT FROM is "not same"
      continue;
    }
    if (l.IsNull(i) || r.IsNull(i)) continue;
    int c = CompareValues(l, i, r, i);
    bool v = op == "=" ? c == 0 : op == "<>" ? c != 0 : op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    out.SetNull(i, false);
    out.Int(i) = v;
  }
  return out;
}

// AND / OR with three-valued logic over any number of arguments; each one is
// evaluated only for the rows the ones before it left undecided.
Vector Logical(const BoundExpr& e, const Batch& input) {
  bool is_and = e.kind == BoundKind::kAnd;
  Vector out = Evaluate(*e.args[0], input);
  for (size_t a = 1; a < e.args.size(); ++a) {
    std::vector<size_t> undecided;
    for (size_t i = 0; i < input.count; ++i) {
      if (out.IsNull(i) || (out.Int(i) != 0) == is_and) undecided.push_back(i);
    }
    if (undecided.empty()) break;
    Vector next(Type(TypeId::kBool), input.count);
    EvaluateInto(*e.args[a], input, undecided, next);
    for (size_t i : undecided) {
      bool ln = out.IsNull(i), rn = next.IsNull(i);
      if (!rn && (next.Int(i) != 0) != is_and) {  // decides: false for AND, true for OR
        out.SetNull(i, false);
        out.Int(i) = !is_and;
      } else if (ln || rn) {
        out.SetNull(i, true);
      } else {
        out.Int(i) = is_and;
      }
    }
  }
  return out;
}

Vector Case(const BoundExpr& e, const Batch& input) {
  Vector out(e.type, input.count);
  std::vector<size_t> pending(input.count);
  for (size_t i = 0; i < input.count; ++i) pending[i] = i;
  size_t pairs = (e.args.size() - 1) / 2;
  for (size_t p = 0; p < pairs && !pending.empty(); ++p) {
    Vector cond(Type(TypeId::kBool), input.count);
    EvaluateInto(*e.args[2 * p], input, pending, cond);
    std::vector<size_t> taken, rest;
    for (size_t i : pending) (!cond.IsNull(i) && cond.Int(i) != 0 ? taken : rest).push_back(i);
    EvaluateInto(*e.args[2 * p + 1], input, taken, out);
    pending = std::move(rest);
  }
  EvaluateInto(*e.args.back(), input, pending, out);
  return out;
}

Vector Coalesce(const BoundExpr& e, const Batch& input) {
  Vector out(e.type, input.count);
  std::vector<size_t> pending(input.count);
  for (size_t i = 0; i < input.count; ++i) pending[i] = i;
  for (const auto& arg : e.args) {
    if (pending.empty()) break;
    EvaluateInto(*arg, input, pending, out);
    std::vector<size_t> rest;
    for (size_t i : pending) {
      if (out.IsNull(i)) rest.push_back(i);
    }
    pending = std::move(rest);
  }
  return out;
}

Vector In(const BoundExpr& e, const Batch& input) {
  Vector l = Evaluate(*e.args[0], input);
  std::vector<Vector> items;
  for (size_t a = 1; a < e.args.size(); ++a) items.push_back(Evaluate(*e.args[a], input));
  Vector out(Type(TypeId::kBool), input.count);
  for (size_t i = 0; i < input.count; ++i) {
    if (l.IsNull(i)) continue;
    bool found = false, saw_null = false;
    for (const auto& item : items) {
      if (item.IsNull(i)) {
        saw_null = true;
      } else if (CompareValues(l, i, item, i) == 0) {
        found = true;
        break;
      }
    }
    if (!found && saw_null) continue;  // NULL: unknown
    out.SetNull(i, false);
    out.Int(i) = found != e.negated;
  }
  return out;
}

}  // namespace


// Element by element, NULL above every value; a shorter prefix sorts first.
int CompareArrays(const Value& a, const Value& b) {
  std::vector<Value> x = ArrayElements(a), y = ArrayElements(b);
  for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
    if (x[k].null || y[k].null) {
      if (x[k].null != y[k].null) return x[k].null ? 1 : -1;
      continue;
    }
    Vector vx(x[k].type, 1), vy(y[k].type, 1);
    vx.Set(0, x[k]);
    vy.Set(0, y[k]);
    if (int c = CompareValues(vx, 0, vy, 0); c != 0) return c;
  }
  return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
}

int CompareValues(const Vector& a, size_t i, const Vector& b, size_t j) {
  switch (a.physical()) {
    case PhysicalType::kInt64: {
      int64_t x = a.Int(i), y = b.Int(j);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case PhysicalType::kDouble: {
      double x = a.Double(i), y = b.Double(j);
      // PostgreSQL orders NaN above every other value and equal to itself.
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case PhysicalType::kString: {
      if (a.type().id == TypeId::kNumeric) return CompareNumeric(a.String(i), b.String(j));
      if (a.type().id == TypeId::kJsonb) return CompareJsonb(a.String(i), b.String(j));
      if (IsRegType(a.type().id)) {  // by oid
        int64_t x = RegOid(a.String(i)), y = RegOid(b.String(j));
        return x < y ? -1 : x > y ? 1 : 0;
      }
      if (a.type().id == TypeId::kInterval) {
        return CompareIntervals(DecodeInterval(a.String(i)), DecodeInterval(b.String(j)));
      }
      if (a.type().id == TypeId::kArray) return CompareArrays(a.Get(i), b.Get(j));
      if (a.type().id == TypeId::kBpchar) {
        return Sign(TrimTrailingSpaces(a.String(i)).compare(TrimTrailingSpaces(b.String(j))));
      }
      return Sign(a.String(i).compare(b.String(j)));  // byte order: collation "C"
    }
  }
  return 0;
}

bool LikeMatch(std::string_view text, std::string_view pattern, bool ci) {
  auto eq = [ci](char a, char b) {
    return ci ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)) : a == b;
  };
  // Iterative matcher with backtracking to the last '%'.
  size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      char pc = pattern[p];
      size_t advance = 1;
      if (pc == '\\' && p + 1 < pattern.size()) pc = pattern[p + 1], advance = 2;
      bool any = pattern[p] == '_';
      // '_' matches one character: skip a whole UTF-8 sequence.
      if (any) {
        size_t len = 1;
        while (t + len < text.size() && (static_cast<unsigned char>(text[t + len]) & 0xC0) == 0x80) ++len;
        t += len;
        p += 1;
        continue;
      }
      if (eq(text[t], pc)) {
        ++t;
        p += advance;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

Vector Evaluate(const BoundExpr& e, const Batch& input) {
  size_t n = input.count;
  switch (e.kind) {
    case BoundKind::kConst: {
      Vector out(e.type, n);
      for (size_t i = 0; i < n; ++i) out.Set(i, e.value);
      return out;
    }
    case BoundKind::kColumn: return input.columns[static_cast<size_t>(e.column)];
    case BoundKind::kCast: {
      Vector in = Evaluate(*e.args[0], input);
      Vector out(e.type, n);
      for (size_t i = 0; i < n; ++i) {
        if (!in.IsNull(i)) out.Set(i, CastValue(in.Get(i), e.type, e.explicit_cast, e.location));
      }
      return out;
    }
    case BoundKind::kArith: return Arith(e, input);
    case BoundKind::kNegate: {
      Vector in = Evaluate(*e.args[0], input);
      for (size_t i = 0; i < n; ++i) {
        if (in.IsNull(i)) continue;
        if (in.physical() == PhysicalType::kInt64) {
          in.Int(i) = IntArith('-', 0, in.Int(i), e.type.id, e.location);
        } else if (e.type.id == TypeId::kNumeric) {
          in.String(i) = NumericNegate(in.String(i));
        } else {
          in.Double(i) = -in.Double(i);
        }
      }
      return in;
    }
    case BoundKind::kCompare:
    case BoundKind::kDistinct: return Compare(e, input);
    case BoundKind::kAnd:
    case BoundKind::kOr: return Logical(e, input);
    case BoundKind::kNot: {
      Vector in = Evaluate(*e.args[0], input);
      for (size_t i = 0; i < n; ++i) {
        if (!in.IsNull(i)) in.Int(i) = !in.Int(i);
      }
      return in;
    }
    case BoundKind::kIsNull:
    case BoundKind::kIsBool: {
      Vector in = Evaluate(*e.args[0], input);
      Vector out(Type(TypeId::kBool), n);
      for (size_t i = 0; i < n; ++i) {
        bool v = e.kind == BoundKind::kIsNull ? in.IsNull(i) : !in.IsNull(i) && (in.Int(i) != 0) == (e.value.i != 0);
        out.SetNull(i, false);
        out.Int(i) = v != e.negated;
      }
      return out;
    }
    case BoundKind::kConcat: {
      Vector l = Evaluate(*e.args[0], input), r = Evaluate(*e.args[1], input);
      Vector out(e.type, n);
      for (size_t i = 0; i < n; ++i) {
        if (l.IsNull(i) || r.IsNull(i)) continue;
        out.SetNull(i, false);
        out.String(i) = l.String(i) + r.String(i);
      }
      return out;
    }
    case BoundKind::kLike: {
      Vector l = Evaluate(*e.args[0], input), r = Evaluate(*e.args[1], input);
      Vector out(Type(TypeId::kBool), n);
      for (size_t i = 0; i < n; ++i) {
        if (l.IsNull(i) || r.IsNull(i)) continue;
        out.SetNull(i, false);
        out.Int(i) = LikeMatch(l.String(i), r.String(i), e.case_insensitive) != e.negated;
      }
      return out;
    }
    case BoundKind::kIn: return In(e, input);
    case BoundKind::kCase: return Case(e, input);
    case BoundKind::kCoalesce: return Coalesce(e, input);
    case BoundKind::kNullIf: {
      Vector l = Evaluate(*e.args[0], input), r = Evaluate(*e.args[1], input);
      for (size_t i = 0; i < n; ++i) {
        if (!l.IsNull(i) && !r.IsNull(i) && CompareValues(l, i, r, i) == 0) l.SetNull(i);
      }
      return l;
    }
    case BoundKind::kParam: Throw("XX000", "a parameter was evaluated while its statement was being prepared");
    case BoundKind::kFunction: {
      std::vector<Vector> args;
      for (const auto& a : e.args) args.push_back(Evaluate(*a, input));
      Vector out(e.type, n);
      e.kernel(args, n, out);
      return out;
    }
  }
  return Vector(e.type, n);
}

Value EvaluateConstant(const BoundExpr& e) {
  Batch one;
  one.count = 1;
  return Evaluate(e, one).Get(0);
}

}  // namespace orbit::sql::exec
