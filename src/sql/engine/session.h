#pragma once

// A SQL session (ADR 005): one client connection's statements, transaction and
// settings, independent of any wire protocol. The protocol glue gives it query
// strings and a ResultSink that turns results into the protocol's messages.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <optional>
#include <deque>
#include <set>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sql/exec/vector.h"
#include "catalog/catalog.h"
#include "sql/engine/settings.h"
#include "sql/planner/binder.h"
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
  // A reported setting changed (PostgreSQL's ParameterStatus).
  virtual void ParameterStatus(std::string_view name, std::string_view value) {}
  // COPY: the start of a COPY FROM STDIN (the client sends data next) or of a
  // COPY TO STDOUT, its data (whole lines), and the end of a COPY TO.
  virtual void CopyInBegin(size_t columns) { Throw("0A000", "COPY is not supported by this protocol"); }
  virtual void CopyOutBegin(size_t columns) { Throw("0A000", "COPY is not supported by this protocol"); }
  virtual void CopyData(std::string_view data) {}
  virtual void CopyOutEnd() {}
};

// The storage all sessions share, plus process-wide allocators.
class Database {
 public:
  explicit Database(storage::Engine& engine) : engine_(engine) {}
  storage::Engine& engine() { return engine_; }
  // A new hidden row id for tables without a primary key: unique per process
  // run and above every id used before (a counter in `meta`, advanced in blocks).
  int64_t NextRowId();
  // A new object id (tables, later indexes, views...): like row ids, outside any
  // transaction, so concurrent DDL does not serialize on a counter.
  uint32_t NextOid();
  // Deletes dropped tables' rows (catalog::SweepGarbage); call at start-up.
  Status Open();
  catalog::CatalogCache& catalog_cache() { return catalog_cache_; }
  // Sequences: values are handed out from blocks reserved in `meta` (outside any
  // transaction, as in PostgreSQL: nextval is never rolled back; a restart skips
  // the rest of a block).
  // 2200H past `max` (the sequence named `name`).
  // `may_write` false: throws exec::RunElsewhere rather than reserve a new block.
  int64_t NextSequenceValue(uint32_t sequence_oid, int64_t max = INT64_MAX, std::string_view name = {},
                            bool may_write = true);
  // The next nextval returns value + 1.
  void SetSequenceValue(uint32_t sequence_oid, int64_t value);

  // Sessions connected to each database, so DROP DATABASE and RENAME can refuse
  // while others use it. Attach fails for a database being dropped or renamed.
  bool AttachSession(uint32_t database);
  void DetachSession(uint32_t database);
  // Claims `database` for a DROP or RENAME by a session connected elsewhere:
  // false (nothing claimed) if any session is attached to it; while claimed,
  // Attach fails. ReleaseDatabase ends the claim (a dropped database's oid is
  // never reused, so releasing it after the drop commits is harmless).
  // Waits up to `wait` for attached sessions to go (PostgreSQL waits 5 s).
  bool ClaimDatabase(uint32_t database, size_t* attached, std::chrono::milliseconds wait = std::chrono::seconds(5));
  void ReleaseDatabase(uint32_t database);

 private:
  storage::Engine& engine_;
  catalog::CatalogCache catalog_cache_;
  std::mutex mutex_;
  int64_t next_rowid_ = 0;
  int64_t rowid_limit_ = 0;
  int64_t next_oid_ = 0;
  int64_t oid_limit_ = 0;
  std::map<uint32_t, std::pair<int64_t, int64_t>> sequences_;  // oid -> [next, limit) reserved
  std::map<uint32_t, size_t> attached_;  // database oid -> sessions; guarded by mutex_
  std::set<uint32_t> claimed_;           // databases being dropped or renamed
  std::condition_variable detached_;     // a database's last session went
};

enum class TransactionStatus : char { kIdle = 'I', kInBlock = 'T', kFailed = 'E' };

// A query string parsed and converted once: the last one a session saw is
// cached, so classifying a query (InlineQuery) and running it parse once.
struct ParsedQuery {
  std::string sql;
  std::optional<SqlError> error;  // the string did not parse
  size_t non_empty = 0;           // statements, not counting empty ones
  // Converted statements in order, up to the first that failed to convert,
  // whose error is `convert_error` (raised when its turn comes).
  std::vector<std::shared_ptr<const ast::Statement>> statements;
  std::optional<SqlError> convert_error;
};

// A statement prepared by the extended protocol (Parse): its AST, parameter
// types (declared or inferred) and result columns (nullopt: it returns no rows).
struct PreparedStatement {
  std::string sql;
  std::shared_ptr<const ast::Statement> statement;  // null for an empty query
  std::vector<LogicalType> params;
  std::optional<std::vector<OutputColumn>> columns;
};

// A statement with parameter values (Bind), and how far Execute has got.
struct Portal {
  std::shared_ptr<const PreparedStatement> prepared;
  std::vector<Value> params;
  bool started = false;
  bool done = false;
  bool closed = false;  // its transaction ended: the plan (and its storage iterators) is gone
  // SELECT: the running plan and the rows of the current batch not yet sent.
  std::optional<QueryPlan> plan;
  exec::Batch batch;
  size_t batch_pos = 0;
  // Other statements run to completion at the first Execute; RETURNING rows wait here.
  std::vector<exec::Batch> buffered;
  size_t rows = 0;
  std::string tag;
};

class Session {
 public:
  // `startup`: settings the client sent in its startup packet (application_name, ...).
  Session(Database& db, SessionInfo info, const std::vector<std::pair<std::string, std::string>>& startup = {});
  explicit Session(Database& db) : Session(db, SessionInfo{}) {}
  ~Session();

  // Runs every statement of a simple-query string. As in PostgreSQL, the
  // statements of one string outside an explicit block form one implicit
  // transaction, and the first error ends the string.
  void Execute(std::string_view sql, ResultSink& sink);
  TransactionStatus status() const { return status_; }

  // Whether a query string (or a prepared statement, or a portal's statement)
  // may run on the connection's own thread, which must never wait: reads
  // (SELECT, SHOW), SET, transaction control that commits no writes, and,
  // inside an explicit block, one INSERT/UPDATE/DELETE (it commits nothing;
  // its row locks are tried without waiting, and one that would wait is undone
  // to a savepoint and raises exec::RunElsewhere). COMMIT of writes fsyncs, so
  // it runs elsewhere, as does DDL.
  bool InlineQuery(std::string_view sql);
  bool InlineStatement(const std::string& name) const;
  bool InlinePortal(const std::string& name) const;
  // Whether the portal's statement is an INSERT/UPDATE/DELETE.
  bool PortalWrites(const std::string& name) const;
  // Forgets a statement that was cut short (RunElsewhere) so it can run again
  // from the start (its output was discarded): rolls back an autocommit transaction.
  void AbandonInline();
  void ResetPortal(const std::string& name);

  // While set, statements run on the connection's thread and give it back
  // (exec::RunElsewhere) after this many microseconds. 0: off.
  // A new inline run starts: what earlier runs took from sequences was used
  // (a run that is abandoned hands its values to its rerun, StatementAbandoned).
  void set_inline_budget_micros(int64_t micros) {
    if (micros > 0) {  // any rerun of an earlier run has finished
      nextval_attempt_.clear();
      nextval_replay_.clear();
    }
    inline_budget_micros_ = micros;
  }
  // Cancels the statement running now (CancelRequest); any thread may call it.
  void Cancel() { cancel_.store(true, std::memory_order_relaxed); }

  // The extended query protocol. Each call reports a failure to `sink` (and
  // returns false): the statement's error, after which the transaction is
  // failed or rolled back as for simple queries, and the client skips to Sync.
  bool Prepare(const std::string& name, std::string_view sql, std::vector<LogicalType> declared, ResultSink& sink);
  // The prepared statement or portal `name`, or nullptr after reporting 26000/34000.
  const PreparedStatement* FindStatement(const std::string& name, ResultSink& sink);
  const Portal* FindPortal(const std::string& name, ResultSink& sink);
  bool Bind(const std::string& portal, const std::string& statement, std::vector<Value> params, ResultSink& sink);
  // Sends up to `max_rows` rows (0: all). Returns false on error; sets
  // `suspended` when rows remain (PortalSuspended) instead of completing.
  bool ExecutePortal(const std::string& portal, int64_t max_rows, ResultSink& sink, bool& suspended);
  void CloseStatement(const std::string& name) { statements_.erase(name); }
  void ClosePortal(const std::string& name) { portals_.erase(name); }
  // Ends the implicit transaction of the messages since the last Sync.
  void Sync(ResultSink& sink);

  // COPY ... FROM STDIN: after Execute announced it (ResultSink::CopyInBegin),
  // the client's data arrives in chunks of any size, then CopyDone or CopyFail.
  bool copying() const { return copy_.has_value(); }
  void CopyData(std::string_view data, ResultSink& sink);
  void CopyDone(ResultSink& sink);
  void CopyFail(std::string_view message, ResultSink& sink);

  // Reports a statement-ending error (e.g. a parameter the glue could not
  // decode) with its consequences for the transaction, as any statement error.
  void Fail(const SqlException& e, std::string_view sql, ResultSink& sink);

 private:
  std::shared_ptr<const ParsedQuery> Parsed(std::string_view sql);
  void ExecuteStatement(const ast::Statement& stmt, ResultSink& sink);
  void RunSelect(const ast::Select& s, ResultSink& sink);
  void RunInsert(const ast::Insert& s, ResultSink& sink);
  void RunUpdate(const ast::Update& s, ResultSink& sink);
  void RunDelete(const ast::Delete& s, ResultSink& sink);
  void RunCreateTable(const ast::CreateTable& s, ResultSink& sink);
  void RunDropTable(const ast::DropTable& s, ResultSink& sink);
  void RunTransaction(const ast::Transaction& s, ResultSink& sink);
  void RunSet(const ast::SetVariable& s, ResultSink& sink);
  void RunTruncate(const ast::Truncate& s, ResultSink& sink);
  void RunVacuum(const ast::Vacuum& s, ResultSink& sink);
  void RunAlterTable(const ast::AlterTable& s, ResultSink& sink);
  void RunCopy(const ast::Copy& s, ResultSink& sink);
  void RunCreateIndex(const ast::CreateIndex& s, ResultSink& sink);
  void RunRole(const ast::Role& s, ResultSink& sink);
  void RunDropRole(const ast::DropRole& s, ResultSink& sink);
  void RunDropIndex(const ast::DropTable& s, ResultSink& sink);
  void RunDropView(const ast::DropTable& s, ResultSink& sink);
  void RunCreateView(const ast::CreateView& s, ResultSink& sink);
  // Secondary index maintenance for one row stored under `row_key`.
  void IndexInsert(const catalog::TableDesc& table, const catalog::IndexDesc& index, const std::vector<Value>& row,
                   const std::string& row_key);
  void IndexDelete(const catalog::IndexDesc& index, const std::vector<Value>& row, const std::string& row_key);
  // Checks NOT NULL and the primary key and writes one row; false when it
  // conflicts and `skip_conflicts` (ON CONFLICT DO NOTHING).
  // Writes `row` over `old_row` (stored at `old_key`): NOT NULL, a moved key,
  // index entries, foreign keys. `old_row` may be empty when the table has no
  // indexes and no table references it. Returns the row's key.
  std::string RewriteRow(const catalog::TableDesc& table, const std::vector<Value>& old_row, const std::string& old_key,
                         const std::vector<Value>& row);
  // Foreign keys (foreign_keys.cc).
  struct Referencing {
    std::shared_ptr<catalog::TableDesc> table;  // the child
    size_t index;                               // into its foreign_keys
  };
  void BindForeignKeys(const ast::CreateTable& s, catalog::TableDesc& desc, catalog::Catalog& catalog);
  // Binds a CHECK against `desc` (42703, 42804, 42803) and names it as PostgreSQL does.
  std::string CheckConstraintName(const catalog::TableDesc& desc, const ast::CheckDef& c);
  // The unique index a UNIQUE constraint makes (named <table>_<columns>_key unless named).
  static catalog::IndexDesc UniqueIndexFor(const catalog::TableDesc& desc, const ast::UniqueKey& key);
  std::vector<uint32_t> SearchPath(catalog::Catalog& catalog);
  catalog::ColumnDesc& ColumnOf(catalog::TableDesc& table, const std::string& name);  // 42703
  // Binds a DEFAULT for `column`: a constant is stored as text, anything that calls
  // a function (now(), nextval('s')) as its SQL, evaluated per row.
  void SetColumnDefault(catalog::ColumnDesc& column, const ast::Expr& value, const std::string& sql);
  void DropConstraint(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action,
                      ResultSink& sink);
  // DROP COLUMN: drops the indexes, CHECKs and FOREIGN KEYs that use it, then
  // rewrites the rows (and the remaining indexes) without it.
  void DropColumn(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action,
                  ResultSink& sink);
  void RunCreateSchema(const ast::CreateSchema& s, ResultSink& sink);
  void RunDatabaseDdl(const ast::DatabaseDdl& s, ResultSink& sink);
  void RunExplain(const ast::Explain& s, ResultSink& sink);
  void RunAlterSequence(const ast::AlterSequence& s, ResultSink& sink);
  // A sequence for a new SERIAL / IDENTITY column of `table`, named `name`.
  catalog::SequenceDesc CreateColumnSequence(catalog::Catalog& catalog, const catalog::TableDesc& table,
                                             const std::string& name, const ast::SequenceOptions& options);
  void RunDropSchema(const ast::DropSchema& s, ResultSink& sink);
  void RunCreateSequence(const ast::CreateSequence& s, ResultSink& sink);
  // Views that read relation `oid` (named `what` in errors): 2BP01, or dropped
  // (and theirs, recursively) with CASCADE.
  void DropDependentViews(catalog::Catalog& catalog, uint32_t oid, const std::string& what, bool cascade,
                          ResultSink& sink);
  void RunDropSequence(const ast::DropTable& s, ResultSink& sink);
  // Claims the index's name, fills it from the rows the transaction sees (23505 for
  // duplicates of a unique index) and adds it to `table` (the caller writes the descriptor).
  // False if the name exists and `if_not_exists` (nothing done).
  bool BuildIndex(catalog::Catalog& catalog, catalog::TableDesc& table, catalog::IndexDesc index, bool if_not_exists);
  // ALTER TABLE ADD CONSTRAINT CHECK / FOREIGN KEY / UNIQUE on `table`, checking its rows unless NOT VALID.
  void AddConstraint(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action);
  void CheckReferences(const catalog::TableDesc& table, const std::vector<Value>& row);
  void ReferencedRowGone(const catalog::TableDesc& parent, const std::vector<Value>& old_row, bool deleting);
  const std::vector<Referencing>& ReferencingKeys(const catalog::TableDesc& parent);
  const catalog::TableDesc& TableByOid(uint32_t oid);
  // Adds (or removes) `child` in the referenced_by lists of the tables it references.
  void LinkForeignKeys(const catalog::TableDesc& child, catalog::Catalog& catalog, bool link);
  // NOT NULL and CHECK constraints of a row about to be written (23502, 23514).
  void CheckRow(const catalog::TableDesc& table, const std::vector<Value>& row);
  bool InsertRow(const catalog::TableDesc& table, const std::vector<Value>& row, bool skip_conflicts);
  // A column's default for a new row (a sequence default draws nextval).
  Value ColumnDefault(const catalog::ColumnDesc& column);
  // A new row: defaults for every column but `given` (left NULL for the caller
  // to fill), so a sequence does not advance for a value that is supplied.
  std::vector<Value> RowWithDefaults(const catalog::TableDesc& table, const std::vector<int>& given);
  catalog::SequenceDesc ResolveSequence(std::string_view name);
  // Parses and inserts the complete lines of copy_->pending.
  void CopyLines(bool final);
  void RunShow(const ast::ShowVariable& s, ResultSink& sink);
  // ParameterStatus for reported settings that changed.
  void ReportSettings(ResultSink& sink);

  // The transaction for the next statement, begun if needed.
  storage::Transaction& Txn();
  // Starts a statement: the catalog version, then a new snapshot (READ COMMITTED).
  void BeginStatement();
  // The catalog as the current statement sees it (through the shared cache
  // when that is safe: READ COMMITTED, and this transaction changed no DDL).
  catalog::Catalog Catalog();
  void CommitTxn();
  void RollbackTxn();
  // Plans hold iterators of the transaction: they go before it does.
  void ClosePortalPlans();

  Database& db_;
  SessionInfo info_;
  bool attached_ = false;  // counted in db_'s sessions of info_.database_oid (false: it was being dropped)
  std::vector<uint32_t> claimed_databases_;  // ALTER DATABASE RENAME's claims, released when the transaction ends
  void ReleaseClaimedDatabases();
  Settings settings_;
  ParamContext simple_params_;      // a simple query's: no $n
  int64_t txn_start_ = 0;           // now() of the current transaction
  std::map<uint32_t, int64_t> currvals_;  // the last nextval per sequence in this session
  // nextval values a statement took on the connection's thread before it was
  // abandoned (RunElsewhere): its rerun gets them again, in order, so running
  // twice does not consume values twice (and SELECT nextval() answers as once).
  std::map<uint32_t, std::vector<int64_t>> nextval_attempt_;
  std::map<uint32_t, std::deque<int64_t>> nextval_replay_;
  int64_t NextValue(uint32_t sequence, int64_t max, std::string_view name);
  void StatementAbandoned();
  ParamContext* params_ = nullptr;  // the running statement's (extended protocol: its $n values)
  std::unique_ptr<storage::Transaction> txn_;
  TransactionStatus status_ = TransactionStatus::kIdle;
  bool implicit_ = false;        // txn_ is the implicit transaction of a multi-statement string
  size_t executes_since_sync_ = 0;  // extended protocol: Executes begun since the last Sync
  // Where PostgreSQL's PreventInTransactionBlock refuses (VACUUM, CREATE DATABASE).
  bool InTransactionBlock() const;
  bool MayRunInline(const ast::Statement& stmt) const;
  bool dropped_tables_ = false;  // sweep garbage after commit
  bool describe_only_ = false;   // binding a statement being prepared: stop before running it
  std::vector<std::string> savepoints_;  // names, oldest first; one storage savepoint each
  // Relfilenodes this transaction created (CREATE TABLE, TRUNCATE): no other
  // transaction can see them before it commits, so COPY may fill them directly.
  std::vector<uint32_t> fresh_relfilenodes_;
  std::atomic<bool> cancel_{false};
  int64_t inline_budget_micros_ = 0;
  // Installs cancellation and statement_timeout for one statement.
  exec::StatementControl StatementLimits();
  bool txn_writes_ = false;      // the transaction wrote: its commit must reach the WAL
  bool txn_ddl_ = false;         // the transaction changed the catalog: bump its version at commit
  uint64_t catalog_version_ = 0; // read at the start of the current statement
  // CHECK constraints bound for the current statement, by table oid (CheckRow).
  std::map<uint32_t, std::vector<exec::BoundExprPtr>> bound_checks_;
  // Foreign-key lookups of the current statement: tables by oid, and the keys referencing each table.
  std::map<uint32_t, catalog::TableDesc> fk_tables_;
  std::map<uint32_t, std::vector<Referencing>> referencing_;
  std::map<std::string, ast::ExprPtr> default_exprs_;  // parsed row defaults, by SQL
  struct CachedSearchPath {
    std::string setting;
    uint64_t version = 0;
    std::string user;
    std::vector<uint32_t> oids;
    bool valid = false;
  } search_path_;
  std::shared_ptr<const ParsedQuery> last_parsed_;
  std::map<std::string, std::shared_ptr<const PreparedStatement>> statements_;
  std::map<std::string, Portal> portals_;

  // A COPY FROM STDIN in progress.
  struct CopyState {
    CopyState() {}  // user-provided: clang 14 otherwise sees it as not default-constructible inside Session
    ast::Copy options;
    catalog::TableDesc table;
    std::vector<int> columns;  // target column per field
    std::string pending;       // data not yet split into complete lines
    size_t rows = 0;
    bool header_skipped = false;
    bool failed = false;       // an error was reported: the rest is discarded until CopyDone/CopyFail
    bool autocommit = false;
    bool done = false;         // the end marker \. was seen
    // Direct load (PostgreSQL's COPY FREEZE case): rows go to the engine in
    // batches, outside the transaction, under a relfilenode only it can see.
    bool direct = false;
    std::unique_ptr<storage::WriteBatch> batch;
  };
  std::optional<CopyState> copy_;
};

// What a failed transaction block still accepts: COMMIT, ROLLBACK, ROLLBACK TO.
bool AllowedInFailedBlock(const ast::Statement& statement);

// 23502 if `row` has NULL in a NOT NULL column of `table`.
void CheckNotNull(const catalog::TableDesc& table, const std::vector<Value>& row);

// Streams an operator's batches into `sink`; returns the row count.
size_t Drain(exec::Operator& root, size_t visible, ResultSink& sink);

}  // namespace orbit::sql
