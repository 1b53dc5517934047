#pragma once

// Bound (typed, resolved) scalar expressions and their batch evaluator. The
// binder builds them from ast::Expr with every implicit cast made explicit, so
// kernels only meet the operand types they expect.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sql/exec/vector.h"
#include "sql/types/types.h"

namespace orbit::sql::exec {

enum class BoundKind : uint8_t {
  kConst,     // value
  kColumn,    // column: index into the input batch
  kCast,      // args[0] to type; explicit_cast
  kArith,     // op: + - * / %; args[0], args[1] already of `type`
  kNegate,    // args[0]
  kCompare,   // op: = <> < <= > >=; args of one comparable type
  kDistinct,  // IS [NOT] DISTINCT FROM: negated = IS NOT DISTINCT FROM
  kAnd,       // 2 or more args, evaluated left to right on the rows still undecided
  kOr,
  kNot,
  kIsNull,    // negated: IS NOT NULL
  kIsBool,    // value.i: the truth tested; negated: IS NOT TRUE/FALSE
  kConcat,    // text || text
  kLike,      // negated; case_insensitive (ILIKE)
  kIn,        // args[0] IN args[1..] (all one type); negated
  kCase,      // args: WHEN/THEN pairs, then ELSE (always present, NULL const if omitted)
  kCoalesce,
  kNullIf,
  kFunction,  // function(args) over whole vectors
  kParam,     // $n while a statement is prepared (never evaluated): column = n - 1
};

struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

// A scalar function kernel: computes `count` rows from argument vectors.
using ScalarKernel = std::function<void(const std::vector<Vector>& args, size_t count, Vector& out)>;

struct BoundExpr {
  BoundKind kind = BoundKind::kConst;
  LogicalType type;
  int location = -1;
  Value value;
  int column = -1;
  std::string op;
  bool negated = false;
  bool explicit_cast = false;
  bool case_insensitive = false;
  ScalarKernel kernel;
  // kParam: the statement's parameter types; the first cast of an untyped
  // parameter decides its type, as PostgreSQL infers parameter types.
  std::vector<LogicalType>* param_types = nullptr;
  std::vector<BoundExprPtr> args;

  bool IsNullConst() const { return kind == BoundKind::kConst && value.null; }
};

BoundExprPtr MakeConst(Value v, int location = -1);
BoundExprPtr MakeColumn(int column, LogicalType type);
BoundExprPtr MakeCast(BoundExprPtr arg, LogicalType type, bool explicit_cast, int location);

// Evaluates `e` over the `input.count` rows of `input`.
Vector Evaluate(const BoundExpr& e, const Batch& input);
// Evaluates an expression without column references (a constant, a default).
Value EvaluateConstant(const BoundExpr& e);

// SQL LIKE: % and _ wildcards, backslash escapes.
bool LikeMatch(std::string_view text, std::string_view pattern, bool case_insensitive);


// Three-way comparison of two non-NULL arrays of one element type.
int CompareArrays(const Value& a, const Value& b);
// Three-way comparison of two non-NULL values of one comparable type.
int CompareValues(const Vector& a, size_t i, const Vector& b, size_t j);

}  // namespace orbit::sql::exec
