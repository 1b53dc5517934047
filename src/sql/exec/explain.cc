#include "sql/exec/explain.h"

#include <chrono>
#include <cstdio>

namespace orbit::sql::exec {
namespace {

class Instrumented final : public Operator {
 public:
  explicit Instrumented(OperatorPtr inner) : inner_(std::move(inner)) { types_ = inner_->types(); }

  bool Next(Batch& out) override {
    auto start = std::chrono::steady_clock::now();
    bool more = inner_->Next(out);
    elapsed_ += std::chrono::steady_clock::now() - start;
    if (more) rows_ += out.count;
    return more;
  }
  const std::string& label() const override { return inner_->label(); }
  std::vector<OperatorPtr*> Inputs() override { return inner_->Inputs(); }

  std::string Actual() const {
    char text[96];
    std::snprintf(text, sizeof text, " (actual time=%.3f rows=%zu loops=1)",
                  std::chrono::duration<double, std::milli>(elapsed_).count(), rows_);
    return text;
  }

 private:
  OperatorPtr inner_;
  size_t rows_ = 0;
  std::chrono::steady_clock::duration elapsed_{};
};

void AddLines(Operator& op, int depth, std::vector<std::string>& out) {
  std::string line = depth == 0 ? "" : std::string(static_cast<size_t>(6 * (depth - 1) + 2), ' ') + "->  ";
  line += op.label().empty() ? "Operator" : op.label();
  if (auto* instrumented = dynamic_cast<Instrumented*>(&op)) line += instrumented->Actual();
  out.push_back(std::move(line));
  for (OperatorPtr* input : op.Inputs()) AddLines(**input, depth + 1, out);
}

}  // namespace

void Instrument(OperatorPtr& root) {
  for (OperatorPtr* input : root->Inputs()) Instrument(*input);
  root = std::make_unique<Instrumented>(std::move(root));
}

std::vector<std::string> ExplainLines(Operator& root) {
  std::vector<std::string> out;
  AddLines(root, 0, out);
  return out;
}

}  // namespace orbit::sql::exec
