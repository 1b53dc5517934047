#pragma once

// Iterator over a RocksDB iterator bounded to [begin, end) (internal header).

#include <rocksdb/db.h>

#include <memory>
#include <string>

#include "storage/engine.h"
#include "storage/rocks_util.h"

namespace orbit::storage {

class RocksIterator final : public Iterator {
 public:
  // `make` creates the RocksDB iterator from read options that this object owns
  // (the upper bound slice must outlive the iterator).
  template <typename MakeFn>
  RocksIterator(MakeFn&& make, const rocksdb::Snapshot* snapshot, std::string_view begin,
                std::string_view end)
      : end_(end), end_slice_(end_) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    if (!end_.empty()) ro.iterate_upper_bound = &end_slice_;
    it_.reset(make(ro));
    if (begin.empty()) {
      it_->SeekToFirst();
    } else {
      it_->Seek(ToSlice(begin));
    }
  }

  bool Valid() const override {
    // Bound-checked here too: a transaction's iterator merges its own writes,
    // which the RocksDB upper bound does not filter.
    return it_->Valid() && (end_.empty() || it_->key().compare(end_slice_) < 0);
  }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  void Next() override { it_->Next(); }
  Status status() const override { return ToStatus(it_->status()); }

 private:
  std::string end_;
  rocksdb::Slice end_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace orbit::storage
