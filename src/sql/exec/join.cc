// Hash join (and, without keys, nested-loop join) for INNER, LEFT, RIGHT and
// FULL joins. The right input is the build side: drained into column vectors
// and a hash table on its key values; left batches probe it. Candidate pairs
// are assembled into batches of the joined row (left columns, then right) so
// the residual condition is evaluated a batch at a time like any filter.

#include <unordered_map>

#include "sql/exec/operators.h"
#include "sql/exec/row_codec.h"

namespace orbit::sql::exec {
namespace {

// Key values of row `row` as bytes, equal exactly when the values are equal
// under SQL `=` for one type (both sides were coerced to a common type); false
// if a key is NULL (never equal).
bool EncodeKey(const std::vector<Vector>& keys, size_t row, std::string& out) {
  out.clear();
  for (const auto& k : keys) {
    if (k.IsNull(row)) return false;
    switch (k.physical()) {
      case PhysicalType::kInt64: {
        int64_t v = k.Int(row);
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
        break;
      }
      case PhysicalType::kDouble: {
        double v = k.Double(row);
        if (v == 0) v = 0;  // -0 = 0
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
        break;
      }
      case PhysicalType::kString: {
        std::string_view s = k.String(row);
        std::string canonical;
        TypeId t = k.type().id;
        if (t == TypeId::kNumeric || t == TypeId::kInterval || t == TypeId::kJsonb || t == TypeId::kArray) {
          canonical = EqualityKey(k.Get(row));  // 1.50 = 1.5, '1 day' = '24 hours', jsonb 1.0 = 1, arrays of those
          s = canonical;
        }
        uint32_t n = static_cast<uint32_t>(s.size());
        out.append(reinterpret_cast<const char*>(&n), sizeof n);
        out.append(s);
        break;
      }
    }
  }
  return true;
}

class HashJoin final : public Operator {
 public:
  HashJoin(JoinKind kind, OperatorPtr left, OperatorPtr right, std::vector<BoundExprPtr> left_keys,
           std::vector<BoundExprPtr> right_keys, BoundExprPtr residual)
      : kind_(kind),
        left_(std::move(left)),
        right_(std::move(right)),
        left_keys_(std::move(left_keys)),
        right_keys_(std::move(right_keys)),
        residual_(std::move(residual)) {
    types_ = left_->types();
    types_.insert(types_.end(), right_->types().begin(), right_->types().end());
    const char* join = kind == JoinKind::kInner ? "" : kind == JoinKind::kLeft ? " Left" : kind == JoinKind::kRight ? " Right" : " Full";
    label_ = left_keys_.empty() ? std::string("Nested Loop") + join + (kind == JoinKind::kInner ? "" : " Join")
                                : std::string("Hash") + join + " Join";
  }

  // The probe side, then the build side (held in memory).
  std::vector<OperatorPtr*> Inputs() override { return {&left_, &right_}; }

  bool Next(Batch& out) override {
    if (!built_) Build();
    while (ready_.empty()) {
      if (!probe_done_) {
        Batch in;
        if (left_->Next(in)) {
          Probe(in);
        } else {
          probe_done_ = true;
          if (kind_ == JoinKind::kRight || kind_ == JoinKind::kFull) EmitUnmatchedBuildRows();
        }
        continue;
      }
      return false;
    }
    out = std::move(ready_.front());
    ready_.erase(ready_.begin());
    return true;
  }

 private:
  void Build() {
    built_ = true;
    for (const auto& t : right_->types()) build_.emplace_back(t);
    Batch in;
    std::string key;
    while (right_->Next(in)) {
      CheckInterrupts();
      std::vector<Vector> keys;
      for (const auto& k : right_keys_) keys.push_back(Evaluate(*k, in));
      for (size_t r = 0; r < in.count; ++r) {
        auto row = static_cast<uint32_t>(build_count_++);
        for (size_t c = 0; c < build_.size(); ++c) {
          build_[c].Resize(build_count_);
          build_[c].CopyRow(in.columns[c], r, row);
        }
        if (EncodeKey(keys, r, key)) table_[key].push_back(row);
      }
    }
    matched_build_.assign(build_count_, 0);
  }

  void StartCandidates() {
    candidates_.Reset(types_);
    cand_left_.clear();
    cand_build_.clear();
  }

  void AddCandidate(const Batch& in, size_t l, uint32_t b) {
    size_t row = candidates_.count++;
    size_t nl = in.columns.size();
    for (size_t c = 0; c < nl; ++c) {
      candidates_.columns[c].Resize(row + 1);
      candidates_.columns[c].CopyRow(in.columns[c], l, row);
    }
    for (size_t c = 0; c < build_.size(); ++c) {
      candidates_.columns[nl + c].Resize(row + 1);
      candidates_.columns[nl + c].CopyRow(build_[c], b, row);
    }
    cand_left_.push_back(static_cast<uint32_t>(l));
    cand_build_.push_back(b);
  }

  // Applies the residual condition to the candidates and keeps the matches.
  void FlushCandidates(std::vector<uint8_t>& matched_left) {
    if (candidates_.count == 0) return;
    Batch kept;
    if (residual_) {
      Vector pass = Evaluate(*residual_, candidates_);
      kept.Reset(types_);
      for (size_t i = 0; i < candidates_.count; ++i) {
        if (pass.IsNull(i) || pass.Int(i) == 0) continue;
        kept.AppendRow(candidates_, i);
        matched_left[cand_left_[i]] = 1;
        matched_build_[cand_build_[i]] = 1;
      }
    } else {
      for (size_t i = 0; i < candidates_.count; ++i) {
        matched_left[cand_left_[i]] = 1;
        matched_build_[cand_build_[i]] = 1;
      }
      kept = std::move(candidates_);
    }
    if (kept.count > 0) ready_.push_back(std::move(kept));
    StartCandidates();
  }

  void Probe(const Batch& in) {
    CheckInterrupts();
    std::vector<Vector> keys;
    for (const auto& k : left_keys_) keys.push_back(Evaluate(*k, in));
    std::vector<uint8_t> matched_left(in.count, 0);
    StartCandidates();
    std::string key;
    for (size_t l = 0; l < in.count; ++l) {
      if (left_keys_.empty()) {  // nested loop: every build row is a candidate
        for (uint32_t b = 0; b < build_count_; ++b) {
          AddCandidate(in, l, b);
          if (candidates_.count == kBatchSize) FlushCandidates(matched_left);
        }
        continue;
      }
      if (!EncodeKey(keys, l, key)) continue;
      auto it = table_.find(key);
      if (it == table_.end()) continue;
      for (uint32_t b : it->second) {
        AddCandidate(in, l, b);
        if (candidates_.count == kBatchSize) FlushCandidates(matched_left);
      }
    }
    FlushCandidates(matched_left);
    if (kind_ == JoinKind::kLeft || kind_ == JoinKind::kFull) {
      Batch outer;
      outer.Reset(types_);
      size_t nl = in.columns.size();
      for (size_t l = 0; l < in.count; ++l) {
        if (matched_left[l]) continue;
        size_t row = outer.count++;
        for (size_t c = 0; c < nl; ++c) {
          outer.columns[c].Resize(row + 1);
          outer.columns[c].CopyRow(in.columns[c], l, row);
        }
        for (size_t c = nl; c < types_.size(); ++c) {
          outer.columns[c].Resize(row + 1);
          outer.columns[c].SetNull(row);
        }
        if (outer.count == kBatchSize) {
          ready_.push_back(std::move(outer));
          outer.Reset(types_);
        }
      }
      if (outer.count > 0) ready_.push_back(std::move(outer));
    }
  }

  void EmitUnmatchedBuildRows() {
    Batch outer;
    outer.Reset(types_);
    size_t nl = left_->types().size();
    for (uint32_t b = 0; b < build_count_; ++b) {
      if (matched_build_[b]) continue;
      size_t row = outer.count++;
      for (size_t c = 0; c < nl; ++c) {
        outer.columns[c].Resize(row + 1);
        outer.columns[c].SetNull(row);
      }
      for (size_t c = 0; c < build_.size(); ++c) {
        outer.columns[nl + c].Resize(row + 1);
        outer.columns[nl + c].CopyRow(build_[c], b, row);
      }
      if (outer.count == kBatchSize) {
        ready_.push_back(std::move(outer));
        outer.Reset(types_);
      }
    }
    if (outer.count > 0) ready_.push_back(std::move(outer));
  }

  JoinKind kind_;
  OperatorPtr left_;
  OperatorPtr right_;
  std::vector<BoundExprPtr> left_keys_;
  std::vector<BoundExprPtr> right_keys_;
  BoundExprPtr residual_;
  bool built_ = false;
  bool probe_done_ = false;
  std::vector<Vector> build_;
  uint32_t build_count_ = 0;
  std::unordered_map<std::string, std::vector<uint32_t>> table_;
  std::vector<uint8_t> matched_build_;
  Batch candidates_;
  std::vector<uint32_t> cand_left_;
  std::vector<uint32_t> cand_build_;
  std::vector<Batch> ready_;
};

}  // namespace

OperatorPtr MakeHashJoin(JoinKind kind, OperatorPtr left, OperatorPtr right, std::vector<BoundExprPtr> left_keys,
                         std::vector<BoundExprPtr> right_keys, BoundExprPtr residual) {
  return std::make_unique<HashJoin>(kind, std::move(left), std::move(right), std::move(left_keys),
                                    std::move(right_keys), std::move(residual));
}

}  // namespace orbit::sql::exec
