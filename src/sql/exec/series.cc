// generate_series(start, stop[, step]) over integers, produced a batch at a time
// (WITH ORDINALITY: plus the row number).

#include "sql/exec/operators.h"

namespace orbit::sql::exec {
namespace {

class Series final : public Operator {
 public:
  Series(int64_t start, int64_t stop, int64_t step, LogicalType type, bool ordinality)
      : next_(static_cast<__int128>(start)), stop_(stop), step_(step) {
    types_ = {type};
    if (ordinality) types_.push_back(Type(TypeId::kInt8));
  }

  bool Next(Batch& out) override {
    out.Reset(types_);
    while (out.count < kBatchSize && (step_ > 0 ? next_ <= stop_ : next_ >= stop_)) {
      out.columns[0].Append(Value::Int(types_[0].id, static_cast<int64_t>(next_)));
      if (types_.size() > 1) out.columns[1].Append(Value::Int(TypeId::kInt8, ++ordinal_));
      ++out.count;
      next_ += step_;  // 128-bit: stepping past INT64_MAX ends the series instead of wrapping
    }
    CheckInterrupts();
    return out.count > 0;
  }

 private:
  __int128 next_;
  int64_t ordinal_ = 0;
  int64_t stop_;
  int64_t step_;
};

}  // namespace

OperatorPtr MakeSeries(int64_t start, int64_t stop, int64_t step, LogicalType type, bool ordinality) {
  OperatorPtr op = std::make_unique<Series>(start, stop, step, type, ordinality);
  op->set_label("Function Scan on generate_series");
  return op;
}

}  // namespace orbit::sql::exec
