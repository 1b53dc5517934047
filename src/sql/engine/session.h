#pragma once

// A SQL session (ADR 005): one client connection's statements, transaction and
// settings, independent of any wire protocol. The protocol glue gives it query
// strings and a ResultSink that turns results into the protocol's messages.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sql/exec/vector.h"
#include "sql/planner/planner.h"
#include "storage/engine.h"
#include "storage/transaction.h"

namespace orbit::sql {

// Where a statement's results go.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void Describe(const std::vector<OutputColumn>& columns) = 0;
  // The first `visible` columns of `batch` are rows of the described result.
  virtual void Rows(const exec::Batch& batch, size_t visible) = 0;
  virtual void Complete(std::string_view tag) = 0;
  virtual void EmptyQuery() = 0;
  virtual void Error(const SqlError& error) = 0;
  virtual void Notice(const SqlError& notice) = 0;  // a WARNING that does not end the statement
};

// The storage all sessions share, plus process-wide allocators.
class Database {
 public:
  explicit Database(storage::Engine& engine) : engine_(engine) {}
  storage::Engine& engine() { return engine_; }
  // A new hidden row id for tables without a primary key: unique per process
  // run and above every id used before (a counter in `meta`, advanced in blocks).
  int64_t NextRowId();
  // Deletes dropped tables' rows (catalog::SweepGarbage); call at start-up.
  Status Open();

 private:
  storage::Engine& engine_;
  std::mutex mutex_;
  int64_t next_rowid_ = 0;
  int64_t rowid_limit_ = 0;
};

enum class TransactionStatus : char { kIdle = 'I', kInBlock = 'T', kFailed = 'E' };

class Session {
 public:
  explicit Session(Database& db) : db_(db) {}
  ~Session();

  // Runs every statement of a simple-query string. As in PostgreSQL, the
  // statements of one string outside an explicit block form one implicit
  // transaction, and the first error ends the string.
  void Execute(std::string_view sql, ResultSink& sink);
  TransactionStatus status() const { return status_; }

 private:
  void ExecuteStatement(const ast::Statement& stmt, ResultSink& sink);
  void RunSelect(const ast::Select& s, ResultSink& sink);
  void RunInsert(const ast::Insert& s, ResultSink& sink);
  void RunUpdate(const ast::Update& s, ResultSink& sink);
  void RunDelete(const ast::Delete& s, ResultSink& sink);
  void RunCreateTable(const ast::CreateTable& s, ResultSink& sink);
  void RunDropTable(const ast::DropTable& s, ResultSink& sink);
  void RunTransaction(const ast::Transaction& s, ResultSink& sink);

  // The transaction for the next statement, begun if needed.
  storage::Transaction& Txn();
  void CommitTxn();
  void RollbackTxn();

  Database& db_;
  std::unique_ptr<storage::Transaction> txn_;
  TransactionStatus status_ = TransactionStatus::kIdle;
  bool implicit_ = false;        // txn_ is the implicit transaction of a multi-statement string
  bool dropped_tables_ = false;  // sweep garbage after commit
};

// Streams an operator's batches into `sink`; returns the row count.
size_t Drain(exec::Operator& root, size_t visible, ResultSink& sink);

}  // namespace orbit::sql
