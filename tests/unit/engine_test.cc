// Engine-level behaviour: persistence across reopen, batches, stalls as errors.

#include <thread>

#include "storage/data_dir.h"
#include "storage_test_util.h"

namespace orbit::storage {
namespace {

TEST_F(EngineTest, EveryFamilyPersistsAcrossReopen) {
  for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
    auto t = engine_->Begin();
    ASSERT_TRUE(t->Put(static_cast<ColumnFamily>(i), "key", std::string(ColumnFamilyName(static_cast<ColumnFamily>(i)))).ok());
    ASSERT_TRUE(t->Commit().ok());
  }
  Reopen();
  for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
    auto cf = static_cast<ColumnFamily>(i);
    EXPECT_EQ(Committed(cf, "key"), std::string(ColumnFamilyName(cf)));
  }
  // Families are separate key spaces.
  EXPECT_EQ(Committed(ColumnFamily::kKv, "key"), "kv");
}

TEST_F(EngineTest, WriteBatchIsAtomicAndSupportsRangeDeletes) {
  WriteBatch batch(*engine_);
  for (char c = 'a'; c <= 'e'; ++c) batch.Put(ColumnFamily::kKv, std::string(1, c), "v");
  batch.DeleteRange(ColumnFamily::kKv, "b", "d");
  EXPECT_EQ(batch.Count(), 6u);
  ASSERT_TRUE(engine_->Write(batch).ok());
  std::string keys;
  for (auto it = engine_->Scan(ColumnFamily::kKv, "", ""); it->Valid(); it->Next()) keys += it->key();
  EXPECT_EQ(keys, "ade");
}

TEST_F(EngineTest, CloseIsIdempotentAndLaterCallsFail) {
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_TRUE(engine_->Close().ok());
  EXPECT_EQ(engine_->state(), StorageState::kClosed);
  auto v = engine_->Get(ColumnFamily::kKv, "x");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kUnavailable);
}

class StallTest : public EngineTest {
  EngineOptions options() override {
    auto o = EngineTest::options();
    o.write_buffer_bytes = 64 << 10;
    o.max_write_buffers = 2;
    o.write_stall_timeout = std::chrono::milliseconds(300);
    return o;
  }
};

TEST_F(StallTest, WriteStallBecomesAnErrorNotAHang) {
  ASSERT_TRUE(engine_->PauseBackgroundWorkForTesting().ok());
  std::string value(4096, 'x');
  Status last;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000 && last.ok(); ++i) {
    auto t = engine_->Begin();
    ASSERT_TRUE(t->Put(ColumnFamily::kRows, "k" + std::to_string(i), value).ok());
    last = t->Commit();
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(last.ok()) << "memtables never filled";
  EXPECT_EQ(last.error().code(), ErrorCode::kWriteStall) << last.error().ToString();
  EXPECT_LT(elapsed, std::chrono::seconds(30));
  EXPECT_GE(engine_->failed_stalled_writes(), 1u);

  // Once flushes run again, writes succeed.
  ASSERT_TRUE(engine_->ContinueBackgroundWorkForTesting().ok());
  Status ok;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto t = engine_->Begin();
    ASSERT_TRUE(t->Put(ColumnFamily::kRows, "after", "1").ok());
    ok = t->Commit();
    if (ok.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();
}

TEST(DataDirLockTest, SecondLockFailsNamingTheOwner) {
  TempDir dir;
  auto first = DataDirLock::Acquire(dir.path());
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  auto second = DataDirLock::Acquire(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(second.error().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.error().message();
  first.value().reset();
  EXPECT_TRUE(DataDirLock::Acquire(dir.path()).ok());
}

}  // namespace
}  // namespace orbit::storage
