// UNION ALL (append), and INTERSECT / EXCEPT [ALL] by counting the right
// input's rows per value (NULLs equal, as GROUP BY and DISTINCT compare).

#include <unordered_map>
#include <unordered_set>

#include "sql/exec/operators.h"
#include "sql/exec/row_codec.h"

namespace orbit::sql::exec {
namespace {

class Append final : public Operator {
 public:
  explicit Append(std::vector<OperatorPtr> children) : children_(std::move(children)) {
    types_ = children_.front()->types();
  }
  std::vector<OperatorPtr*> Inputs() override {
    std::vector<OperatorPtr*> out;
    for (auto& c : children_) out.push_back(&c);
    return out;
  }
  bool Next(Batch& out) override {
    while (current_ < children_.size()) {
      if (children_[current_]->Next(out)) return true;
      ++current_;
    }
    return false;
  }

 private:
  std::vector<OperatorPtr> children_;
  size_t current_ = 0;
};

class SetOp final : public Operator {
 public:
  SetOp(bool intersect, bool all, OperatorPtr left, OperatorPtr right)
      : intersect_(intersect), all_(all), left_(std::move(left)), right_(std::move(right)) {
    types_ = left_->types();
  }

  std::vector<OperatorPtr*> Inputs() override { return {&left_, &right_}; }

  bool Next(Batch& out) override {
    if (!built_) {
      built_ = true;
      Batch in;
      while (right_->Next(in)) {
        CheckInterrupts();
        for (size_t i = 0; i < in.count; ++i) ++right_counts_[GroupKey(in.Row(i))];
      }
    }
    Batch in;
    while (left_->Next(in)) {
      CheckInterrupts();
      out.Reset(types_);
      for (size_t i = 0; i < in.count; ++i) {
        std::string key = GroupKey(in.Row(i));
        auto it = right_counts_.find(key);
        bool in_right = it != right_counts_.end() && it->second > 0;
        bool emit;
        if (all_) {
          // INTERSECT ALL: min(m, n) copies; EXCEPT ALL: max(m - n, 0) copies.
          if (in_right) --it->second;
          emit = intersect_ ? in_right : !in_right;
        } else {
          emit = (intersect_ ? in_right : it == right_counts_.end()) && emitted_.insert(key).second;
        }
        if (emit) out.AppendRow(in, i);
      }
      if (out.count > 0) return true;
    }
    return false;
  }

 private:
  bool intersect_;
  bool all_;
  OperatorPtr left_;
  OperatorPtr right_;
  bool built_ = false;
  std::unordered_map<std::string, int64_t> right_counts_;
  std::unordered_set<std::string> emitted_;
};

}  // namespace

OperatorPtr MakeAppend(std::vector<OperatorPtr> children) {
  OperatorPtr op = std::make_unique<Append>(std::move(children));
  op->set_label("Append");
  return op;
}

OperatorPtr MakeSetOp(bool intersect, bool all, OperatorPtr left, OperatorPtr right) {
  OperatorPtr op = std::make_unique<SetOp>(intersect, all, std::move(left), std::move(right));
  op->set_label(std::string("HashSetOp ") + (intersect ? "Intersect" : "Except") + (all ? " All" : ""));
  return op;
}

}  // namespace orbit::sql::exec
