// Transaction semantics on a real RocksDB: isolation levels, conflicts, lock
// timeouts, deadlocks, savepoints, scans.

#include <future>
#include <thread>

#include "storage/key_codec.h"
#include "storage_test_util.h"

namespace orbit::storage {
namespace {

constexpr auto kCf = ColumnFamily::kRows;

class TransactionTest : public EngineTest {};

TEST_F(TransactionTest, CommitMakesWritesVisibleRollbackDiscardsThem) {
  auto t1 = engine_->Begin();
  ASSERT_TRUE(t1->Put(kCf, "a", "1").ok());
  EXPECT_EQ(Committed(kCf, "a"), std::nullopt);
  EXPECT_EQ(t1->Get(kCf, "a").value(), "1");  // reads its own write
  ASSERT_TRUE(t1->Commit().ok());
  EXPECT_EQ(Committed(kCf, "a"), "1");

  auto t2 = engine_->Begin();
  ASSERT_TRUE(t2->Put(kCf, "b", "2").ok());
  ASSERT_TRUE(t2->Delete(kCf, "a").ok());
  ASSERT_TRUE(t2->Rollback().ok());
  EXPECT_EQ(Committed(kCf, "a"), "1");
  EXPECT_EQ(Committed(kCf, "b"), std::nullopt);
  EXPECT_FALSE(t2->Put(kCf, "c", "3").ok());  // finished transactions refuse work
}

TEST_F(TransactionTest, RepeatableReadKeepsOneSnapshotAndDetectsConflicts) {
  {
    auto seed = engine_->Begin();
    ASSERT_TRUE(seed->Put(kCf, "k", "old").ok());
    ASSERT_TRUE(seed->Commit().ok());
  }
  auto rr = engine_->Begin(IsolationLevel::kRepeatableRead);
  EXPECT_EQ(rr->Get(kCf, "k").value(), "old");

  auto writer = engine_->Begin();
  ASSERT_TRUE(writer->Put(kCf, "k", "new").ok());
  ASSERT_TRUE(writer->Commit().ok());

  rr->BeginStatement();  // no effect at REPEATABLE READ
  EXPECT_EQ(rr->Get(kCf, "k").value(), "old");
  auto put = rr->Put(kCf, "k", "mine");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code(), ErrorCode::kSerializationFailure);
  auto lock = rr->GetForUpdate(kCf, "k");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().code(), ErrorCode::kSerializationFailure);
}

TEST_F(TransactionTest, ReadCommittedTakesASnapshotPerStatement) {
  auto rc = engine_->Begin(IsolationLevel::kReadCommitted);
  EXPECT_EQ(rc->Get(kCf, "k").value(), std::nullopt);

  auto writer = engine_->Begin();
  ASSERT_TRUE(writer->Put(kCf, "k", "v1").ok());
  ASSERT_TRUE(writer->Commit().ok());

  EXPECT_EQ(rc->Get(kCf, "k").value(), std::nullopt);  // same statement, same snapshot
  rc->BeginStatement();
  EXPECT_EQ(rc->Get(kCf, "k").value(), "v1");

  auto writer2 = engine_->Begin();
  ASSERT_TRUE(writer2->Put(kCf, "k", "v2").ok());
  ASSERT_TRUE(writer2->Commit().ok());
  // Locking read sees the latest committed version; the write does not fail.
  EXPECT_EQ(rc->GetForUpdate(kCf, "k").value(), "v2");
  EXPECT_TRUE(rc->Put(kCf, "k", "v3").ok());
  ASSERT_TRUE(rc->Commit().ok());
  EXPECT_EQ(Committed(kCf, "k"), "v3");
}

TEST_F(TransactionTest, ConcurrentWriterTimesOutOnTheRowLock) {
  auto t1 = engine_->Begin();
  ASSERT_TRUE(t1->Put(kCf, "k", "1").ok());
  auto t2 = engine_->Begin();
  auto s = t2->Put(kCf, "k", "2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kLockTimeout);
  ASSERT_TRUE(t1->Commit().ok());
  EXPECT_TRUE(t2->Put(kCf, "k", "2").ok());  // lock released
  ASSERT_TRUE(t2->Commit().ok());
  EXPECT_EQ(Committed(kCf, "k"), "2");
}

class LongLockTest : public EngineTest {
  EngineOptions options() override {
    auto o = EngineTest::options();
    o.lock_timeout = std::chrono::milliseconds(5000);
    return o;
  }
};

TEST_F(LongLockTest, DeadlockIsDetectedAndReported) {
  auto t1 = engine_->Begin();
  auto t2 = engine_->Begin();
  ASSERT_TRUE(t1->GetForUpdate(kCf, "a").ok());
  ASSERT_TRUE(t2->GetForUpdate(kCf, "b").ok());
  // t1 waits for b in the background; t2 then asks for a and closes the cycle.
  auto waiter = std::async(std::launch::async, [&] { return t1->GetForUpdate(kCf, "b"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto s = t2->GetForUpdate(kCf, "a");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kDeadlock) << s.error().ToString();
  ASSERT_TRUE(t2->Rollback().ok());
  EXPECT_TRUE(waiter.get().ok());
  ASSERT_TRUE(t1->Commit().ok());
}

TEST_F(TransactionTest, SavepointsUndoLaterWritesOnly) {
  auto t = engine_->Begin();
  ASSERT_TRUE(t->Put(kCf, "a", "1").ok());
  t->SetSavepoint();
  ASSERT_TRUE(t->Put(kCf, "b", "2").ok());
  ASSERT_TRUE(t->RollbackToSavepoint().ok());
  EXPECT_EQ(t->Get(kCf, "b").value(), std::nullopt);
  EXPECT_EQ(t->Get(kCf, "a").value(), "1");
  // The savepoint survives ROLLBACK TO and can be used again.
  ASSERT_TRUE(t->Put(kCf, "c", "3").ok());
  ASSERT_TRUE(t->RollbackToSavepoint().ok());
  EXPECT_EQ(t->Get(kCf, "c").value(), std::nullopt);
  ASSERT_TRUE(t->Put(kCf, "d", "4").ok());
  ASSERT_TRUE(t->ReleaseSavepoint().ok());
  EXPECT_FALSE(t->RollbackToSavepoint().ok());  // none left
  ASSERT_TRUE(t->Commit().ok());
  EXPECT_EQ(Committed(kCf, "a"), "1");
  EXPECT_EQ(Committed(kCf, "b"), std::nullopt);
  EXPECT_EQ(Committed(kCf, "c"), std::nullopt);
  EXPECT_EQ(Committed(kCf, "d"), "4");
}

TEST_F(TransactionTest, ScansMergeOwnWritesWithinBounds) {
  auto key = [](const std::string& table, int64_t id) { return KeyEncoder().AddString(table).AddInt(id).Release(); };
  {
    auto t = engine_->Begin();
    for (int64_t i : {3, 1, 2}) ASSERT_TRUE(t->Put(kCf, key("t", i), std::to_string(i)).ok());
    ASSERT_TRUE(t->Put(kCf, key("u", 1), "other table").ok());
    ASSERT_TRUE(t->Commit().ok());
  }
  auto t = engine_->Begin(IsolationLevel::kRepeatableRead);
  ASSERT_TRUE(t->Put(kCf, key("t", -5), "-5").ok());
  ASSERT_TRUE(t->Delete(kCf, key("t", 2)).ok());
  std::vector<std::string> seen;
  for (auto it = t->ScanPrefix(kCf, KeyEncoder().AddString("t").bytes()); it->Valid(); it->Next()) {
    seen.emplace_back(it->value());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"-5", "1", "3"}));

  seen.clear();
  for (auto it = t->Scan(kCf, key("t", 0), key("t", 3)); it->Valid(); it->Next()) seen.emplace_back(it->value());
  EXPECT_EQ(seen, (std::vector<std::string>{"1"}));
}

}  // namespace
}  // namespace orbit::storage
