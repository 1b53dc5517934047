#pragma once

// The storage engine: one RocksDB TransactionDB per node at <data-dir>/db, with one
// column family per data model and one WAL shared by all of them, so a transaction
// can span models. See docs/adr/001-storage-engine.md.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace rocksdb {
class ColumnFamilyHandle;
class TransactionDB;
class WriteBatch;
}  // namespace rocksdb

namespace orbit::storage {

// Column families, one per model. Append new ones at the end (before kCount): they
// are created on the next open, so adding one needs no migration.
enum class ColumnFamily : uint8_t {
  kDefault,
  kMeta,
  kCatalog,
  kRows,
  kIndex,
  kKv,
  kDocs,
  kEdges,
  kTimeseries,
  kActors,
  kCount,
};

std::string_view ColumnFamilyName(ColumnFamily cf);

enum class Durability : uint8_t {
  kSync,         // every commit fsyncs the WAL before it is acknowledged
  kGroupCommit,  // commits are acknowledged after the WAL write; a background
                 // thread fsyncs every group_commit_interval
};

enum class IsolationLevel : uint8_t { kReadCommitted, kRepeatableRead, kSerializable };

struct EngineOptions {
  std::string path;  // the RocksDB directory, usually <data-dir>/db
  Durability durability = Durability::kSync;
  std::chrono::milliseconds group_commit_interval{10};
  std::chrono::milliseconds lock_timeout{1000};
  // How long a write waits for a RocksDB write stall to clear before it fails with
  // kWriteStall. Writes never block longer than this.
  std::chrono::milliseconds write_stall_timeout{5000};
  size_t block_cache_bytes = 128u << 20;
  int background_jobs = 2;
  // Memtable sizing; 0 keeps RocksDB's default. Tests shrink them to provoke stalls.
  size_t write_buffer_bytes = 0;
  int max_write_buffers = 0;
};

// Engine health as /health reports it.
enum class StorageState : uint8_t { kOk, kDegraded, kClosed };
std::string_view StorageStateName(StorageState state);

class Transaction;
class WriteBatch;

// Iterates a key range in key order. Keys and values stay valid until Next().
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual void Next() = 0;
  // Non-ok if iteration stopped because of an error rather than the end of range.
  virtual Status status() const = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::unique_ptr<Transaction> Begin(IsolationLevel isolation = IsolationLevel::kReadCommitted);

  enum class WriteMode : uint8_t {
    kLocked,  // takes row locks, so it serializes with transactions on the same keys
    kOwned,   // no locks: the caller owns these keys (e.g. the Redis shard that owns them)
  };
  // Applies a batch atomically outside any transaction.
  Status Write(WriteBatch& batch, WriteMode mode = WriteMode::kLocked);
  // Latest committed value, or nullopt.
  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key);
  // Latest committed state of [begin, end); an empty end means "to the end".
  std::unique_ptr<Iterator> Scan(ColumnFamily cf, std::string_view begin, std::string_view end);

  // Writes memtables to SST files and fsyncs the WAL (SAVE, shutdown).
  Status Flush();
  // Flushes and closes; later calls fail with kUnavailable. Idempotent.
  Status Close();

  StorageState state() const;
  std::string last_error() const;

  // A RocksDB property ("rocksdb.estimate-num-keys", ...) for one family or the DB.
  std::optional<uint64_t> IntProperty(std::string_view name,
                                      std::optional<ColumnFamily> cf = std::nullopt) const;
  const EngineOptions& options() const { return options_; }
  // Stops/resumes flushes and compactions (tests use it to provoke write stalls).
  Status PauseBackgroundWorkForTesting();
  Status ContinueBackgroundWorkForTesting();

  // Writes that waited for a stall to clear, and writes that gave up (kWriteStall).
  uint64_t stalled_writes() const;
  uint64_t failed_stalled_writes() const;

 public:
  struct Impl;  // RocksDB state, defined in engine.cc

 private:
  friend class Transaction;
  friend class WriteBatch;
  explicit Engine(EngineOptions options);

  EngineOptions options_;
  std::unique_ptr<Impl> impl_;
};

// A batch of puts and deletes applied atomically by Engine::Write. Built against
// one engine (it addresses that engine's column families).
class WriteBatch {
 public:
  explicit WriteBatch(const Engine& engine);
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily cf, std::string_view key);
  // Deletes [begin, end) in one tombstone (FLUSHDB, DROP TABLE).
  void DeleteRange(ColumnFamily cf, std::string_view begin, std::string_view end);
  size_t Count() const;
  void Clear();

 private:
  friend class Engine;
  rocksdb::ColumnFamilyHandle* const* handles_;
  std::unique_ptr<rocksdb::WriteBatch> rep_;
  bool has_range_delete_ = false;
};

}  // namespace orbit::storage
