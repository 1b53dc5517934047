#pragma once

// Physical operators (ADR 005, decision 6): synchronous, pull-based, each
// producing batches of typed vectors. A plan is a tree of them; the session
// drains the root into the wire.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/exec/expression.h"
#include "sql/exec/vector.h"
#include "storage/transaction.h"

namespace orbit::sql::exec {

// Cancellation and statement_timeout: the session installs a control for the
// statement it runs on this thread; long loops call CheckInterrupts, which
// throws 57014 once the statement is cancelled or past its deadline.
struct StatementControl {
  const std::atomic<bool>* cancel = nullptr;
  int64_t deadline_micros = 0;  // NowMicros() deadline; 0: none
  // A read-only statement running on a connection's own thread must give the
  // thread back by then: CheckInterrupts throws RunElsewhere. 0: no limit.
  int64_t inline_until_micros = 0;
};

// Thrown to stop a read-only statement that should run on the blocking pool
// instead (too long or too much output for the connection's thread): the glue
// discards its output and runs it again from the start.
struct RunElsewhere {};
class ScopedStatementControl {
 public:
  explicit ScopedStatementControl(StatementControl control);
  ~ScopedStatementControl();

 private:
  const StatementControl* previous_;
  StatementControl control_;
};
void CheckInterrupts();
// Whether the running statement is on a connection's own thread (it must not
// wait there: a lock it cannot take at once throws RunElsewhere).
bool RunningInline();

class Operator;
using OperatorPtr = std::unique_ptr<Operator>;

class Operator {
 public:
  virtual ~Operator() = default;
  const std::vector<LogicalType>& types() const { return types_; }
  // Replaces `out` with the next non-empty batch; false when exhausted.
  virtual bool Next(Batch& out) = 0;

  // EXPLAIN: what the operator does ("Seq Scan on t"; the planner may name it
  // more precisely) and its inputs, as the slots that own them (so EXPLAIN
  // ANALYZE can wrap each in an instrument).
  virtual const std::string& label() const { return label_; }
  void set_label(std::string label) { label_ = std::move(label); }
  virtual std::vector<OperatorPtr*> Inputs() { return {}; }

 protected:
  std::vector<LogicalType> types_;
  std::string label_;
};

// One row of nothing: the input of SELECT without FROM.
OperatorPtr MakeSingleRow();

// VALUES lists: each row's expressions evaluated once.
OperatorPtr MakeValues(std::vector<std::vector<BoundExprPtr>> rows, std::vector<LogicalType> types);

// The rows of a table under the transaction's snapshot: every column, plus the
// row's storage key as a last text column when `with_keys` (for UPDATE/DELETE).
// With `keys`, only those rows are read (primary-key lookups), else all of them.
// With `range`, only row keys in [first, second) are scanned (primary-key ranges).
struct KeyRange {
  std::string begin;
  std::string end;
};
OperatorPtr MakeTableScan(storage::Transaction& txn, const catalog::TableDesc& table, bool with_keys,
                          std::optional<std::vector<std::string>> keys = std::nullopt,
                          std::optional<KeyRange> range = std::nullopt);

// generate_series over integers: start, start + step, ... while not past stop.
OperatorPtr MakeSeries(int64_t start, int64_t stop, int64_t step, LogicalType type, bool ordinality = false);

// The rows of each child in turn (UNION ALL); children have the same types.
OperatorPtr MakeAppend(std::vector<OperatorPtr> children);
// INTERSECT (intersect) or EXCEPT of left and right, [ALL] keeping duplicates by count.
OperatorPtr MakeSetOp(bool intersect, bool all, OperatorPtr left, OperatorPtr right);

OperatorPtr MakeFilter(OperatorPtr child, BoundExprPtr predicate);
OperatorPtr MakeProject(OperatorPtr child, std::vector<BoundExprPtr> exprs);
OperatorPtr MakeLimit(OperatorPtr child, std::optional<int64_t> limit, int64_t offset);
OperatorPtr MakeDistinct(OperatorPtr child);

struct SortKey {
  int column;
  bool descending = false;
  bool nulls_first = false;
};
OperatorPtr MakeSort(OperatorPtr child, std::vector<SortKey> keys);

enum class JoinKind : uint8_t { kInner, kLeft, kRight, kFull };
// Joins `left` and `right` (output: left's columns, then right's). Rows pair up
// when their key expressions (left_keys over left rows, right_keys over right
// rows, pairwise; NULL never matches) are equal and `residual` (over the joined
// row; may be null) is true. Without keys every pair is a candidate (a nested
// loop). Outer kinds add the unmatched rows of their side(s) with NULLs.
OperatorPtr MakeHashJoin(JoinKind kind, OperatorPtr left, OperatorPtr right, std::vector<BoundExprPtr> left_keys,
                         std::vector<BoundExprPtr> right_keys, BoundExprPtr residual);

enum class AggregateKind : uint8_t { kCountStar, kCount, kSum, kAvg, kMin, kMax, kStringAgg, kArrayAgg, kBoolAnd, kBoolOr };
struct AggregateSpec {
  AggregateKind kind;
  BoundExprPtr arg;        // null for count(*)
  LogicalType result;
  BoundExprPtr delimiter = nullptr;  // string_agg's second argument
  bool distinct = false;             // agg(DISTINCT x): each distinct non-NULL value once
  BoundExprPtr filter = nullptr;     // FILTER (WHERE ...): only rows where it is true
  // ORDER BY inside the call (array_agg, string_agg): keys, descending, NULLs first.
  std::vector<BoundExprPtr> order_by = {};
  std::vector<std::pair<bool, bool>> order_flags = {};
};
// Hash aggregation: output = group expressions then aggregates. With no group
// expressions there is exactly one output row, even for empty input.
OperatorPtr MakeHashAggregate(OperatorPtr child, std::vector<BoundExprPtr> groups, std::vector<AggregateSpec> aggs);
// The result type of an aggregate over `arg` (PostgreSQL's: sum(int4) is bigint, avg(int) numeric, ...).
LogicalType AggregateResultType(AggregateKind kind, const LogicalType& arg, int location);

}  // namespace orbit::sql::exec
