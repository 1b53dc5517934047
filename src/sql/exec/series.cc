// generate_series(start, stop[, step]) over integers, produced a batch at a time.

#include "sql/exec/operators.h"

namespace orbit::sql::exec {
namespace {

class Series final : public Operator {
 public:
  Series(int64_t start, int64_t stop, int64_t step, LogicalType type)
      : next_(static_cast<__int128>(start)), stop_(stop), step_(step) {
    types_ = {type};
  }

  bool Next(Batch& out) override {
    out.Reset(types_);
    while (out.count < kBatchSize && (step_ > 0 ? next_ <= stop_ : next_ >= stop_)) {
      out.columns[0].Append(Value::Int(types_[0].id, static_cast<int64_t>(next_)));
      ++out.count;
      next_ += step_;  // 128-bit: stepping past INT64_MAX ends the series instead of wrapping
    }
    CheckInterrupts();
    return out.count > 0;
  }

 private:
  __int128 next_;
  int64_t stop_;
  int64_t step_;
};

}  // namespace

OperatorPtr MakeSeries(int64_t start, int64_t stop, int64_t step, LogicalType type) {
  return std::make_unique<Series>(start, stop, step, type);
}

}  // namespace orbit::sql::exec
