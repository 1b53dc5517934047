#include "sql/exec/vector.h"

namespace orbit::sql::exec {

void Vector::Resize(size_t n) {
  nulls_.resize(n, 1);
  switch (physical()) {
    case PhysicalType::kInt64: ints_.resize(n); break;
    case PhysicalType::kDouble: doubles_.resize(n); break;
    case PhysicalType::kString: strings_.resize(n); break;
  }
}

Value Vector::Get(size_t i) const {
  if (IsNull(i)) return Value::Null(type_);
  Value v;
  v.type = type_;
  v.null = false;
  switch (physical()) {
    case PhysicalType::kInt64: v.i = ints_[i]; break;
    case PhysicalType::kDouble: v.f = doubles_[i]; break;
    case PhysicalType::kString: v.s = strings_[i]; break;
  }
  return v;
}

void Vector::Set(size_t i, const Value& v) {
  nulls_[i] = v.null ? 1 : 0;
  if (v.null) return;
  switch (physical()) {
    case PhysicalType::kInt64: ints_[i] = v.i; break;
    case PhysicalType::kDouble: doubles_[i] = v.f; break;
    case PhysicalType::kString: strings_[i] = v.s; break;
  }
}

void Vector::Append(const Value& v) {
  Resize(size() + 1);
  Set(size() - 1, v);
}

void Vector::CopyRow(const Vector& src, size_t from, size_t to) {
  nulls_[to] = src.nulls_[from];
  switch (physical()) {
    case PhysicalType::kInt64: ints_[to] = src.ints_[from]; break;
    case PhysicalType::kDouble: doubles_[to] = src.doubles_[from]; break;
    case PhysicalType::kString: strings_[to] = src.strings_[from]; break;
  }
}

void Batch::Reset(const std::vector<LogicalType>& types) {
  columns.clear();
  for (const auto& t : types) columns.emplace_back(t);
  count = 0;
}

void Batch::AppendRow(const Batch& src, size_t row) {
  for (size_t c = 0; c < columns.size(); ++c) {
    columns[c].Resize(count + 1);
    columns[c].CopyRow(src.columns[c], row, count);
  }
  ++count;
}

std::vector<Value> Batch::Row(size_t row) const {
  std::vector<Value> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.Get(row));
  return out;
}

}  // namespace orbit::sql::exec
