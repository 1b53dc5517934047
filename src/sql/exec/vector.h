#pragma once

// Columnar batches (ADR 005, decision 6): operators pass batches of up to
// kBatchSize rows, one typed vector per column, and kernels loop over a whole
// vector at a time. A vector keeps its values in the array of its physical type
// (int64 for bool and integers, double for floats, strings for the text family)
// plus a null flag per row.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sql/types/types.h"

namespace orbit::sql::exec {

constexpr size_t kBatchSize = 1024;

class Vector {
 public:
  Vector() = default;
  explicit Vector(LogicalType type, size_t size = 0) : type_(type) { Resize(size); }

  const LogicalType& type() const { return type_; }
  PhysicalType physical() const { return Physical(type_.id); }
  size_t size() const { return nulls_.size(); }
  void Resize(size_t n);
  void Clear() { Resize(0); }

  bool IsNull(size_t i) const { return nulls_[i] != 0; }
  void SetNull(size_t i, bool null = true) { nulls_[i] = null ? 1 : 0; }
  int64_t& Int(size_t i) { return ints_[i]; }
  int64_t Int(size_t i) const { return ints_[i]; }
  double& Double(size_t i) { return doubles_[i]; }
  double Double(size_t i) const { return doubles_[i]; }
  std::string& String(size_t i) { return strings_[i]; }
  const std::string& String(size_t i) const { return strings_[i]; }

  Value Get(size_t i) const;
  void Set(size_t i, const Value& v);  // v must have this vector's physical type
  void Append(const Value& v);
  // Copies row `from` of `src` (same physical type) to row `to`.
  void CopyRow(const Vector& src, size_t from, size_t to);

 private:
  LogicalType type_;
  std::vector<uint8_t> nulls_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
};

struct Batch {
  std::vector<Vector> columns;
  size_t count = 0;

  void Reset(const std::vector<LogicalType>& types);  // empty columns of these types
  // Appends row `row` of `src` (same column types).
  void AppendRow(const Batch& src, size_t row);
  std::vector<Value> Row(size_t row) const;
};

}  // namespace orbit::sql::exec
