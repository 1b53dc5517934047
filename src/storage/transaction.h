#pragma once

// A storage transaction over the engine's column families.
//
// Isolation, as PostgreSQL defines the levels:
//  - kReadCommitted: each statement (BeginStatement) reads from a fresh snapshot;
//    GetForUpdate locks the key and reads its latest committed value; writes never
//    fail with a serialization error, they wait for the row lock.
//  - kRepeatableRead / kSerializable: one snapshot for the whole transaction; a
//    GetForUpdate/Put/Delete of a key that another transaction committed after that
//    snapshot fails with kSerializationFailure. kSerializable currently gives
//    snapshot isolation only (no predicate locks); write skew is possible.
// Errors: kSerializationFailure, kLockTimeout, kDeadlock, kBusy, kWriteStall,
// kNoSpace, kIOError are distinct codes so each protocol can map them.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/engine.h"

namespace rocksdb {
class Snapshot;
class Transaction;
}  // namespace rocksdb

namespace orbit::storage {

class Transaction {
 public:
  ~Transaction();  // rolls back if neither committed nor rolled back
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  IsolationLevel isolation() const { return isolation_; }

  // Marks the start of a statement: READ COMMITTED takes a new read snapshot.
  void BeginStatement();

  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key);
  // Locks the key exclusively (waits up to the lock timeout) and reads it.
  Result<std::optional<std::string>> GetForUpdate(ColumnFamily cf, std::string_view key);
  Status Put(ColumnFamily cf, std::string_view key, std::string_view value);
  Status Delete(ColumnFamily cf, std::string_view key);

  // [begin, end) under the transaction's read snapshot, including its own writes.
  // An empty end means "to the end of the family".
  std::unique_ptr<Iterator> Scan(ColumnFamily cf, std::string_view begin, std::string_view end);
  std::unique_ptr<Iterator> ScanPrefix(ColumnFamily cf, std::string_view prefix);

  // Savepoints nest: RollbackToSavepoint undoes writes since the newest savepoint
  // (and keeps it); ReleaseSavepoint forgets the newest one, keeping its writes.
  void SetSavepoint();
  Status RollbackToSavepoint();
  Status ReleaseSavepoint();
  // How long lock waits last from now on: 0 fails at once (kLockTimeout) when
  // another transaction holds the lock; negative restores the engine's timeout.
  void SetLockTimeout(int64_t milliseconds);

  Status Commit();
  Status Rollback();
  bool finished() const { return finished_; }

 private:
  friend class Engine;
  Transaction(Engine& engine, IsolationLevel isolation);
  const rocksdb::Snapshot* ReadSnapshot() const;
  void ReleaseStatementSnapshot();

  Engine& engine_;
  IsolationLevel isolation_;
  std::unique_ptr<rocksdb::Transaction> txn_;
  const rocksdb::Snapshot* statement_snapshot_ = nullptr;  // READ COMMITTED only
  int savepoints_ = 0;
  bool finished_ = false;
};

}  // namespace orbit::storage
