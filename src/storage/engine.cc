#include "storage/engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/transaction_db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/key_codec.h"
#include "storage/rocks_util.h"
#include "storage/rocks_iterator.h"
#include "storage/transaction.h"

namespace orbit::storage {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(ColumnFamily::kCount)> kFamilyNames = {
    "default", "meta", "catalog", "rows", "index", "kv", "docs", "edges", "ts", "actors",
};

// Records RocksDB background errors (e.g. disk full during flush) so /health can
// report them and writes fail fast with the cause.
class ErrorListener : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    std::lock_guard lock(mu_);
    degraded_ = true;
    message_ = error->ToString();
  }
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok()) {
      std::lock_guard lock(mu_);
      degraded_ = false;
    }
  }
  bool degraded() const {
    std::lock_guard lock(mu_);
    return degraded_;
  }
  std::string message() const {
    std::lock_guard lock(mu_);
    return message_;
  }

 private:
  mutable std::mutex mu_;
  bool degraded_ = false;
  std::string message_;
};

}  // namespace

std::string_view ColumnFamilyName(ColumnFamily cf) { return kFamilyNames[static_cast<size_t>(cf)]; }

std::string_view StorageStateName(StorageState state) {
  switch (state) {
    case StorageState::kOk: return "ok";
    case StorageState::kDegraded: return "degraded";
    case StorageState::kClosed: return "closed";
  }
  return "unknown";
}

Error ToError(const rocksdb::Status& s) {
  std::string msg = s.ToString();
  if (s.IsDeadlock()) return Error(ErrorCode::kDeadlock, msg);
  if (s.IsBusy()) return Error(ErrorCode::kSerializationFailure, msg);
  if (s.IsTimedOut()) return Error(ErrorCode::kLockTimeout, msg);
  if (s.IsTryAgain()) return Error(ErrorCode::kBusy, msg);
  if (s.IsIncomplete()) return Error(ErrorCode::kWriteStall, msg);
  if (s.IsNoSpace()) return Error(ErrorCode::kNoSpace, msg);
  if (s.IsIOError()) return Error(ErrorCode::kIOError, msg);
  if (s.IsCorruption()) return Error(ErrorCode::kCorruption, msg);
  if (s.IsNotFound()) return Error(ErrorCode::kNotFound, msg);
  if (s.IsInvalidArgument()) return Error(ErrorCode::kInvalidArgument, msg);
  if (s.IsNotSupported()) return Error(ErrorCode::kNotSupported, msg);
  if (s.IsAborted()) return Error(ErrorCode::kAborted, msg);
  return Error(ErrorCode::kInternal, msg);
}

struct Engine::Impl {  // NOLINT: defined here, declared in engine.h
  std::unique_ptr<rocksdb::TransactionDB> db;
  std::array<rocksdb::ColumnFamilyHandle*, static_cast<size_t>(ColumnFamily::kCount)> handles{};
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles;  // includes unknown families
  rocksdb::WriteOptions write_options;          // may wait while RocksDB delays writes
  rocksdb::WriteOptions no_stall_write_options;  // fails fast (Incomplete) on any stall
  std::shared_ptr<ErrorListener> listener = std::make_shared<ErrorListener>();
  std::atomic<bool> closed{false};
  std::mutex close_mu;
  std::atomic<uint64_t> stalled_writes{0};
  std::atomic<uint64_t> failed_stalled_writes{0};

  // Group commit: a thread that fsyncs the WAL every interval.
  std::thread syncer;
  std::mutex sync_mu;
  std::condition_variable sync_cv;
  bool stop_syncer = false;

  rocksdb::ColumnFamilyHandle* handle(ColumnFamily cf) const {
    return handles[static_cast<size_t>(cf)];
  }
};

Engine::Engine(EngineOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Engine::~Engine() { (void)Close(); }

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine(options));
  Impl& impl = *engine->impl_;

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = options.background_jobs;
  db_options.listeners.push_back(impl.listener);
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.avoid_flush_during_shutdown = false;

  rocksdb::ColumnFamilyOptions cf_options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kLZ4Compression;
  cf_options.bottommost_compression = rocksdb::kZSTD;
  if (options.write_buffer_bytes > 0) cf_options.write_buffer_size = options.write_buffer_bytes;
  if (options.max_write_buffers > 0) cf_options.max_write_buffer_number = options.max_write_buffers;

  // Open every family that exists on disk (a newer version may have added some)
  // plus every family this version knows.
  std::vector<std::string> names;
  (void)rocksdb::DB::ListColumnFamilies(db_options, options.path, &names);
  for (auto name : kFamilyNames) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, cf_options);

  rocksdb::TransactionDBOptions txn_options;
  txn_options.transaction_lock_timeout = options.lock_timeout.count();
  txn_options.default_lock_timeout = options.lock_timeout.count();

  rocksdb::TransactionDB* db = nullptr;
  auto s = rocksdb::TransactionDB::Open(db_options, txn_options, options.path, descriptors,
                                        &impl.all_handles, &db);
  if (!s.ok()) return ToError(s);
  impl.db.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = std::find(kFamilyNames.begin(), kFamilyNames.end(), names[i]);
    if (it != kFamilyNames.end()) impl.handles[it - kFamilyNames.begin()] = impl.all_handles[i];
  }

  impl.write_options.sync = options.durability == Durability::kSync;
  impl.no_stall_write_options = impl.write_options;
  impl.no_stall_write_options.no_slowdown = true;
  if (options.durability == Durability::kGroupCommit) {
    impl.syncer = std::thread([&impl, interval = options.group_commit_interval] {
      std::unique_lock lock(impl.sync_mu);
      while (!impl.stop_syncer) {
        impl.sync_cv.wait_for(lock, interval);
        lock.unlock();
        (void)impl.db->SyncWAL();
        lock.lock();
      }
    });
  }
  return engine;
}

// Applies a batch without ever blocking longer than the stall budget. RocksDB either
// accepts a write, delays it (paced by delayed_write_rate: bounded, so we let it),
// or stops writes until a flush or compaction catches up (unbounded, so we poll
// with backoff and give up with kWriteStall at the deadline).
static Status WriteBounded(Engine::Impl& impl, const EngineOptions& options, rocksdb::WriteBatch* batch,
                           bool skip_locking) {
  rocksdb::TransactionDBWriteOptimizations opt;
  opt.skip_concurrency_control = skip_locking;
  auto deadline = std::chrono::steady_clock::now() + options.write_stall_timeout;
  auto backoff = std::chrono::microseconds(100);
  bool counted = false;
  while (true) {
    rocksdb::Status s = impl.db->Write(impl.no_stall_write_options, opt, batch);
    if (!s.IsIncomplete()) return ToStatus(s);
    uint64_t stopped = 0;
    if (!impl.db->GetIntProperty("rocksdb.is-write-stopped", &stopped) || stopped == 0) {
      // Delayed, not stopped: RocksDB paces the write itself.
      return ToStatus(impl.db->Write(impl.write_options, opt, batch));
    }
    if (!counted) {
      impl.stalled_writes.fetch_add(1, std::memory_order_relaxed);
      counted = true;
    }
    if (std::chrono::steady_clock::now() + backoff > deadline) {
      impl.failed_stalled_writes.fetch_add(1, std::memory_order_relaxed);
      return Error(ErrorCode::kWriteStall, "storage writes stopped for more than " +
                                               std::to_string(options.write_stall_timeout.count()) +
                                               " ms (write stall)");
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::microseconds(50'000));
  }
}

Status Engine::Write(WriteBatch& batch, WriteMode mode) {
  if (impl_->closed) return Error(ErrorCode::kUnavailable, "storage is closed");
  // Range deletes cannot take row locks; TransactionDB only accepts them unlocked.
  return WriteBounded(*impl_, options_, batch.rep_.get(), mode == WriteMode::kOwned || batch.has_range_delete_);
}

Result<std::optional<std::string>> Engine::Get(ColumnFamily cf, std::string_view key) {
  if (impl_->closed) return Error(ErrorCode::kUnavailable, "storage is closed");
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->handle(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToError(s);
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<Iterator> Engine::Scan(ColumnFamily cf, std::string_view begin, std::string_view end) {
  return std::make_unique<RocksIterator>(
      [&](const rocksdb::ReadOptions& ro) { return impl_->db->NewIterator(ro, impl_->handle(cf)); },
      nullptr, begin, end);
}

Status Engine::Flush() {
  if (impl_->closed) return Error(ErrorCode::kUnavailable, "storage is closed");
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles(impl_->all_handles);
  auto s = impl_->db->Flush(fo, handles);
  if (!s.ok()) return ToError(s);
  return ToStatus(impl_->db->SyncWAL());
}

Status Engine::Close() {
  std::lock_guard lock(impl_->close_mu);
  if (impl_->closed.exchange(true) || !impl_->db) return Ok();
  if (impl_->syncer.joinable()) {
    {
      std::lock_guard sync_lock(impl_->sync_mu);
      impl_->stop_syncer = true;
    }
    impl_->sync_cv.notify_all();
    impl_->syncer.join();
  }
  Status result = ToStatus(impl_->db->SyncWAL());
  rocksdb::FlushOptions fo;
  fo.wait = true;
  auto flushed = impl_->db->Flush(fo, impl_->all_handles);
  if (result.ok() && !flushed.ok()) result = ToError(flushed);
  for (auto* h : impl_->all_handles) (void)impl_->db->DestroyColumnFamilyHandle(h);
  impl_->all_handles.clear();
  impl_->handles.fill(nullptr);
  auto closed = impl_->db->Close();
  if (result.ok() && !closed.ok()) result = ToError(closed);
  impl_->db.reset();
  return result;
}

StorageState Engine::state() const {
  if (impl_->closed) return StorageState::kClosed;
  if (impl_->listener->degraded()) return StorageState::kDegraded;
  return StorageState::kOk;
}

Status Engine::PauseBackgroundWorkForTesting() { return ToStatus(impl_->db->PauseBackgroundWork()); }
Status Engine::ContinueBackgroundWorkForTesting() { return ToStatus(impl_->db->ContinueBackgroundWork()); }

uint64_t Engine::stalled_writes() const { return impl_->stalled_writes.load(); }
uint64_t Engine::failed_stalled_writes() const { return impl_->failed_stalled_writes.load(); }

std::string Engine::last_error() const { return impl_->listener->message(); }

std::optional<uint64_t> Engine::IntProperty(std::string_view name, std::optional<ColumnFamily> cf) const {
  std::lock_guard lock(impl_->close_mu);  // scrapes may race with Close()
  if (impl_->closed) return std::nullopt;
  uint64_t value = 0;
  bool ok = cf ? impl_->db->GetIntProperty(impl_->handle(*cf), ToSlice(name), &value)
               : impl_->db->GetAggregatedIntProperty(ToSlice(name), &value);
  if (!ok) return std::nullopt;
  return value;
}

std::unique_ptr<Transaction> Engine::Begin(IsolationLevel isolation) {
  return std::unique_ptr<Transaction>(new Transaction(*this, isolation));
}

// ---- WriteBatch ----

WriteBatch::WriteBatch(const Engine& engine)
    : handles_(engine.impl_->handles.data()), rep_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

void WriteBatch::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  (void)rep_->Put(handles_[static_cast<size_t>(cf)], ToSlice(key), ToSlice(value));
}
void WriteBatch::Delete(ColumnFamily cf, std::string_view key) {
  (void)rep_->Delete(handles_[static_cast<size_t>(cf)], ToSlice(key));
}
void WriteBatch::DeleteRange(ColumnFamily cf, std::string_view begin, std::string_view end) {
  (void)rep_->DeleteRange(handles_[static_cast<size_t>(cf)], ToSlice(begin), ToSlice(end));
  has_range_delete_ = true;
}
size_t WriteBatch::Count() const { return rep_->Count(); }
void WriteBatch::Clear() {
  rep_->Clear();
  has_range_delete_ = false;
}

// ---- Transaction ----

Transaction::Transaction(Engine& engine, IsolationLevel isolation) : engine_(engine), isolation_(isolation) {
  rocksdb::TransactionOptions options;
  options.deadlock_detect = true;
  options.lock_timeout = engine.options_.lock_timeout.count();
  options.set_snapshot = isolation != IsolationLevel::kReadCommitted;
  txn_.reset(engine.impl_->db->BeginTransaction(engine.impl_->write_options, options));
  BeginStatement();
}

Transaction::~Transaction() {
  if (!finished_) (void)Rollback();
  ReleaseStatementSnapshot();
  // A transaction that outlives Close() must not touch the freed database.
  if (engine_.impl_->closed) (void)txn_.release();
}

void Transaction::ReleaseStatementSnapshot() {
  if (statement_snapshot_ != nullptr && !engine_.impl_->closed) {
    engine_.impl_->db->ReleaseSnapshot(statement_snapshot_);
  }
  statement_snapshot_ = nullptr;
}

void Transaction::BeginStatement() {
  if (isolation_ != IsolationLevel::kReadCommitted || finished_) return;
  ReleaseStatementSnapshot();
  statement_snapshot_ = engine_.impl_->db->GetSnapshot();
}

const rocksdb::Snapshot* Transaction::ReadSnapshot() const {
  return isolation_ == IsolationLevel::kReadCommitted ? statement_snapshot_ : txn_->GetSnapshot();
}

Result<std::optional<std::string>> Transaction::Get(ColumnFamily cf, std::string_view key) {
  if (finished_) return Error(ErrorCode::kAborted, "transaction is finished");
  rocksdb::ReadOptions ro;
  ro.snapshot = ReadSnapshot();
  std::string value;
  auto s = txn_->Get(ro, engine_.impl_->handle(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToError(s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::string>> Transaction::GetForUpdate(ColumnFamily cf, std::string_view key) {
  if (finished_) return Error(ErrorCode::kAborted, "transaction is finished");
  rocksdb::ReadOptions ro;
  // READ COMMITTED locks and reads the latest committed version; snapshot levels
  // read at the snapshot and fail if the key changed after it.
  bool validate = isolation_ != IsolationLevel::kReadCommitted;
  if (validate) ro.snapshot = txn_->GetSnapshot();
  std::string value;
  auto s = txn_->GetForUpdate(ro, engine_.impl_->handle(cf), ToSlice(key), &value, true, validate);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return ToError(s);
  return std::optional<std::string>(std::move(value));
}

Status Transaction::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  if (finished_) return Error(ErrorCode::kAborted, "transaction is finished");
  return ToStatus(txn_->Put(engine_.impl_->handle(cf), ToSlice(key), ToSlice(value)));
}

Status Transaction::Delete(ColumnFamily cf, std::string_view key) {
  if (finished_) return Error(ErrorCode::kAborted, "transaction is finished");
  return ToStatus(txn_->Delete(engine_.impl_->handle(cf), ToSlice(key)));
}

std::unique_ptr<Iterator> Transaction::Scan(ColumnFamily cf, std::string_view begin, std::string_view end) {
  return std::make_unique<RocksIterator>(
      [&](const rocksdb::ReadOptions& ro) { return txn_->GetIterator(ro, engine_.impl_->handle(cf)); },
      ReadSnapshot(), begin, end);
}

std::unique_ptr<Iterator> Transaction::ScanPrefix(ColumnFamily cf, std::string_view prefix) {
  std::string end = PrefixSuccessor(prefix);
  return Scan(cf, prefix, end);
}

void Transaction::SetSavepoint() {
  txn_->SetSavePoint();
  ++savepoints_;
}

Status Transaction::RollbackToSavepoint() {
  if (savepoints_ == 0) return Error(ErrorCode::kNotFound, "no savepoint");
  auto s = txn_->RollbackToSavePoint();
  if (!s.ok()) return ToError(s);
  // RocksDB pops the savepoint on rollback; keep it, as SQL's ROLLBACK TO does.
  txn_->SetSavePoint();
  return Ok();
}

void Transaction::SetLockTimeout(int64_t milliseconds) {
  txn_->SetLockTimeout(milliseconds >= 0 ? milliseconds : engine_.options_.lock_timeout.count());
}

Status Transaction::ReleaseSavepoint() {
  if (savepoints_ == 0) return Error(ErrorCode::kNotFound, "no savepoint");
  auto s = txn_->PopSavePoint();
  if (!s.ok()) return ToError(s);
  --savepoints_;
  return Ok();
}

Status Transaction::Commit() {
  if (finished_) return Error(ErrorCode::kAborted, "transaction is finished");
  if (engine_.impl_->closed) return Error(ErrorCode::kUnavailable, "storage is closed");
  // The transaction's batch is written while its row locks are still held (so the
  // write is atomic with respect to other transactions), with the bounded stall
  // policy; then the now-empty transaction is released. A failed write leaves the
  // transaction open and intact: the caller may retry Commit or roll back.
  rocksdb::WriteBatch* batch = txn_->GetWriteBatch()->GetWriteBatch();
  if (batch->Count() > 0) {
    Status s = WriteBounded(*engine_.impl_, engine_.options_, batch, /*skip_locking=*/true);
    if (!s.ok()) return s;
  }
  finished_ = true;
  ReleaseStatementSnapshot();
  return ToStatus(txn_->Rollback());
}

Status Transaction::Rollback() {
  if (finished_) return Ok();
  finished_ = true;
  ReleaseStatementSnapshot();
  if (engine_.impl_->closed) return Ok();
  return ToStatus(txn_->Rollback());
}

}  // namespace orbit::storage
