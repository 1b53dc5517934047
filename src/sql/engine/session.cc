#include "sql/engine/session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "auth/password.h"
#include "catalog/catalog.h"
#include "sql/exec/explain.h"
#include "sql/exec/storage_error.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"
#include "storage/key_codec.h"

namespace orbit::sql {
namespace {

// Row ids are handed out in blocks; a restart skips the rest of a block.
constexpr int64_t kRowIdBlock = 4096;

std::string RowIdKey() { return storage::KeyEncoder().AddString("rowid").Release(); }

SqlError Warning(std::string sqlstate, std::string message) {
  return SqlError{std::move(sqlstate), std::move(message), 0, {}, {}, "WARNING"};
}

}  // namespace

namespace {

// Takes the next block [start, start + block) of the counter at `key` in `meta`.
int64_t TakeBlock(storage::Engine& engine, const std::string& key, int64_t first, int64_t block) {
  auto current = engine.Get(storage::ColumnFamily::kMeta, key);
  if (!current.ok()) ThrowStorageError(current.error());
  int64_t start = first;
  if (current->has_value()) {
    auto decoded = storage::DecodeKey(**current);
    const int64_t* v = decoded.ok() && decoded->size() == 1 ? std::get_if<int64_t>(&(*decoded)[0].value) : nullptr;
    if (v == nullptr) Throw("XX001", "unreadable counter in meta");
    start = *v;
  }
  storage::WriteBatch batch(engine);
  int64_t end = start > INT64_MAX - block ? INT64_MAX : start + block;  // a counter stops at the top
  batch.Put(storage::ColumnFamily::kMeta, key, storage::KeyEncoder().AddInt(end).Release());
  Check(engine.Write(batch));
  return start;
}

}  // namespace

int64_t Database::NextRowId() {
  std::lock_guard lock(mutex_);
  if (next_rowid_ >= rowid_limit_) {
    next_rowid_ = TakeBlock(engine_, RowIdKey(), 1, kRowIdBlock);
    rowid_limit_ = next_rowid_ + kRowIdBlock;
  }
  return next_rowid_++;
}

uint32_t Database::NextOid() {
  std::lock_guard lock(mutex_);
  if (next_oid_ >= oid_limit_) {
    constexpr int64_t kOidBlock = 64;
    next_oid_ = TakeBlock(engine_, storage::KeyEncoder().AddString("oid").Release(), catalog::kFirstNormalOid, kOidBlock);
    oid_limit_ = next_oid_ + kOidBlock;
  }
  return static_cast<uint32_t>(next_oid_++);
}

int64_t Database::NextSequenceValue(uint32_t oid, int64_t max, std::string_view name, bool may_write) {
  constexpr int64_t kSequenceBlock = 32;
  std::lock_guard lock(mutex_);
  auto& [next, limit] = sequences_[oid];
  if (next >= limit) {
    // Reserving a block is a synchronous write: not on a connection's thread.
    if (!may_write) throw exec::RunElsewhere{};
    int64_t start = TakeBlock(engine_, catalog::SequenceValueKey(oid), 1, kSequenceBlock);
    next = start;
    limit = start > INT64_MAX - kSequenceBlock ? INT64_MAX : start + kSequenceBlock;
  }
  if (next == INT64_MAX || next > max) {
    Throw("2200H", "nextval: reached maximum value of sequence \"" + std::string(name) + "\" (" + std::to_string(max) + ")");
  }
  return next++;
}

void Database::SetSequenceValue(uint32_t oid, int64_t value) {
  std::lock_guard lock(mutex_);
  storage::WriteBatch batch(engine_);
  int64_t next = value == INT64_MAX ? INT64_MAX : value + 1;  // INT64_MAX: exhausted
  batch.Put(storage::ColumnFamily::kMeta, catalog::SequenceValueKey(oid), storage::KeyEncoder().AddInt(next).Release());
  Check(engine_.Write(batch));
  sequences_.erase(oid);
}

Status Database::Open() {
  if (auto s = catalog::UpgradeCatalogLayout(engine_); !s.ok()) return s;
  return catalog::SweepGarbage(engine_);
}

namespace {

// Where set_config's SET reports go: nowhere (its result is the value).
class DiscardSink final : public ResultSink {
 public:
  void Describe(const std::vector<OutputColumn>&) override {}
  void Rows(const exec::Batch&, size_t) override {}
  void Complete(std::string_view) override {}
  void EmptyQuery() override {}
  void Error(const SqlError&) override {}
  void Notice(const SqlError&) override {}
};

}  // namespace

bool Database::AttachSession(uint32_t database) {
  std::lock_guard lock(mutex_);
  if (database == 0 || claimed_.contains(database)) return false;
  ++attached_[database];
  return true;
}

void Database::DetachSession(uint32_t database) {
  std::lock_guard lock(mutex_);
  if (auto it = attached_.find(database); it != attached_.end() && --it->second == 0) {
    attached_.erase(it);
    detached_.notify_all();
  }
}

bool Database::ClaimDatabase(uint32_t database, size_t* attached, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  auto count = [&] {
    auto it = attached_.find(database);
    return it == attached_.end() ? size_t{0} : it->second;
  };
  // As PostgreSQL does, give sessions that are closing a moment to go.
  detached_.wait_for(lock, wait, [&] { return count() == 0 && !claimed_.contains(database); });
  *attached = count();
  if (*attached > 0 || claimed_.contains(database)) return false;
  claimed_.insert(database);
  return true;
}

void Database::ReleaseDatabase(uint32_t database) {
  std::lock_guard lock(mutex_);
  claimed_.erase(database);
}

Session::Session(Database& db, SessionInfo info, const std::vector<std::pair<std::string, std::string>>& startup)
    : db_(db), info_(std::move(info)) {
  attached_ = db_.AttachSession(info_.database_oid);
  info_.setting = [this](std::string_view name) { return settings_.Get(name); };
  info_.set_config = [this](const std::string& name, const std::optional<std::string>& value, bool local) {
    if (local && status_ == TransactionStatus::kIdle && !implicit_ && value) {
      // Outside a block, is_local lasts until the statement's own transaction ends.
      settings_.Set(name, *value, true);
      return settings_.Get(name);
    }
    ast::SetVariable set;
    set.kind = value ? ast::SetVariable::Kind::kSet : ast::SetVariable::Kind::kReset;
    set.name = AsciiLower(name);
    set.value = value.value_or("");
    set.local = local;
    DiscardSink quiet;
    RunSet(set, quiet);
    return settings_.Get(set.name);
  };
  info_.schemas = [this] {
    catalog::Catalog catalog = Catalog();
    auto all = catalog.ListSchemas();
    if (!all.ok()) ThrowStorageError(all.error());
    std::vector<std::string> names;
    for (uint32_t oid : catalog.search_path()) {
      for (const auto& schema : *all) {
        if (schema.oid == oid) names.push_back(schema.name);
      }
    }
    return names;
  };
  info_.nextval = [this](std::string_view name) {
    catalog::SequenceDesc seq = ResolveSequence(name);
    return NextValue(seq.oid, seq.max_value, seq.name);
  };
  info_.currval = [this](std::string_view name) {
    uint32_t oid = ResolveSequence(name).oid;
    auto it = currvals_.find(oid);
    if (it == currvals_.end()) {
      Throw("55000", "currval of sequence \"" + std::string(name) + "\" is not yet defined in this session");
    }
    return it->second;
  };
  info_.setval = [this](std::string_view name, int64_t value, bool is_called) {
    // It writes the counter at once, and a rerun must not write it twice: never inline.
    if (exec::RunningInline()) throw exec::RunElsewhere{};
    catalog::SequenceDesc seq = ResolveSequence(name);
    nextval_replay_.erase(seq.oid);
    if (value < 1 || value > seq.max_value) {
      Throw("22003", "setval: value " + std::to_string(value) + " is out of bounds for sequence \"" + seq.name +
                         "\" (1.." + std::to_string(seq.max_value) + ")");
    }
    // is_called: value was handed out (the next nextval returns value + 1); else nextval returns value.
    db_.SetSequenceValue(seq.oid, is_called ? value : value - 1);
    if (is_called) currvals_[seq.oid] = value;
    return value;
  };
  info_.now = [this] {
    if (!txn_) txn_start_ = NowMicros();  // outside a transaction: the statement's own time
    return txn_start_;
  };
  simple_params_.simple = true;
  simple_params_.session = &info_;
  params_ = &simple_params_;
  settings_.Set("session_authorization", info_.user, false);
  for (const auto& [name, value] : startup) {
    if (name == "user" || name == "database" || name == "options" || name == "replication") continue;
    try {
      settings_.Set(name, value, false);
    } catch (const SqlException&) {
      // An unknown or unsupported startup setting keeps its default (PostgreSQL would refuse the login).
    }
  }
  settings_.TakeReported();  // the startup ParameterStatus messages already carry these
}

Session::~Session() {
  if (txn_) (void)txn_->Rollback();
  ReleaseClaimedDatabases();
  if (attached_) db_.DetachSession(info_.database_oid);
}

size_t Drain(exec::Operator& root, size_t visible, ResultSink& sink) {
  size_t rows = 0;
  exec::Batch batch;
  while (root.Next(batch)) {
    exec::CheckInterrupts();
    sink.Rows(batch, visible);
    rows += batch.count;
  }
  return rows;
}

exec::StatementControl Session::StatementLimits() {
  cancel_.store(false, std::memory_order_relaxed);  // a cancel only reaches the statement running when it arrives
  exec::StatementControl control;
  control.cancel = &cancel_;
  int64_t timeout_ms = std::stoll(settings_.Get("statement_timeout"));
  if (timeout_ms > 0) control.deadline_micros = NowMicros() + timeout_ms * 1000;
  if (inline_budget_micros_ > 0) control.inline_until_micros = NowMicros() + inline_budget_micros_;
  return control;
}

void Session::BeginStatement() {
  catalog_version_ = db_.catalog_cache().version();  // before the snapshot: see CatalogCache
  bound_checks_.clear();
  fk_tables_.clear();
  referencing_.clear();
  Txn().BeginStatement();
}

catalog::Catalog Session::Catalog() {
  // Not attached: the database was being dropped or renamed when this session
  // opened. A drop keeps its claim, so this fails for good once it commits.
  if (!attached_ && !(attached_ = db_.AttachSession(info_.database_oid))) {
    Throw("3D000", "database \"" + info_.database + "\" does not exist");
  }
  bool cacheable = !txn_ddl_ && Txn().isolation() == storage::IsolationLevel::kReadCommitted;
  catalog::Catalog catalog(Txn(), cacheable ? &db_.catalog_cache() : nullptr, catalog_version_, info_.database_oid);
  catalog.SetSearchPath(SearchPath(catalog));
  return catalog;
}

// search_path ("$user", public): the schemas that exist, in order. Resolved once
// per setting and catalog version (schemas only change by DDL).
std::vector<uint32_t> Session::SearchPath(catalog::Catalog& catalog) {
  std::string setting = settings_.Get("search_path");
  if (!txn_ddl_ && search_path_.setting == setting && search_path_.version == catalog_version_ &&
      search_path_.user == info_.user && search_path_.valid) {
    return search_path_.oids;
  }
  std::vector<uint32_t> oids;
  size_t start = 0;
  while (start <= setting.size()) {
    size_t comma = setting.find(',', start);
    std::string item = setting.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
      if (item == "$user") item = info_.user;
    } else {
      item = AsciiLower(item);
    }
    if (!item.empty()) {
      auto schema = catalog.FindSchema(item);
      if (!schema.ok()) ThrowStorageError(schema.error());
      if (schema->has_value() && (*schema)->oid != catalog::kPgCatalogNamespace &&
          std::find(oids.begin(), oids.end(), (*schema)->oid) == oids.end()) {
        oids.push_back((*schema)->oid);
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  search_path_ = {setting, catalog_version_, info_.user, oids, !txn_ddl_};
  return oids;
}

storage::Transaction& Session::Txn() {
  if (!txn_) {
    std::string level = settings_.Get("transaction_isolation");
    auto isolation = level == "serializable"      ? storage::IsolationLevel::kSerializable
                     : level == "repeatable read" ? storage::IsolationLevel::kRepeatableRead
                                                  : storage::IsolationLevel::kReadCommitted;
    txn_ = db_.engine().Begin(isolation);
    txn_start_ = NowMicros();
  }
  return *txn_;
}

void Session::ClosePortalPlans() {
  for (auto& [name, portal] : portals_) {
    if (portal.plan) {
      portal.plan.reset();
      portal.closed = true;
    }
  }
}

catalog::IndexDesc Session::UniqueIndexFor(const catalog::TableDesc& desc, const ast::UniqueKey& key) {
  catalog::IndexDesc index;
  index.unique = true;
  std::string default_name = desc.name;
  for (const auto& name : key.columns) {
    int c = desc.FindColumn(name);
    if (c < 0) Throw("42703", "column \"" + name + "\" named in key does not exist", key.location);
    if (desc.columns[static_cast<size_t>(c)].type.id == TypeId::kNumeric) {
      Throw("0A000", "UNIQUE on numeric columns is not supported yet", key.location);
    }
    index.columns.push_back(c);
    default_name += "_" + name;
  }
  index.name = key.name.empty() ? default_name + "_key" : key.name;
  return index;
}

std::string Session::CheckConstraintName(const catalog::TableDesc& desc, const ast::CheckDef& c) {
  Binder binder(Scope{&desc, desc.name, nullptr, {}});
  if (binder.ContainsAggregate(*c.expr)) Throw("42803", "aggregate functions are not allowed in check constraints", c.location);
  (void)binder.BindCondition(*c.expr, "CHECK");
  if (!c.name.empty()) {
    if (std::any_of(desc.checks.begin(), desc.checks.end(), [&](const auto& k) { return k.name == c.name; })) {
      Throw("42710", "constraint \"" + c.name + "\" for relation \"" + desc.name + "\" already exists", c.location);
    }
    return c.name;
  }
  std::string column = c.column;
  std::vector<const ast::Expr*> stack{c.expr.get()};
  while (column.empty() && !stack.empty()) {
    const ast::Expr* e = stack.back();
    stack.pop_back();
    if (e->kind == ast::ExprKind::kColumnRef) column = e->names.back();
    for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) {
      if (*it) stack.push_back(it->get());
    }
  }
  std::string base = desc.name + (column.empty() ? "" : "_" + column) + "_check";
  std::string name = base;
  for (int n = 1; std::any_of(desc.checks.begin(), desc.checks.end(), [&](const auto& k) { return k.name == name; }); ++n) {
    name = base + std::to_string(n);
  }
  return name;
}

bool Session::InTransactionBlock() const {
  // An implicit transaction is a block when it spans statements: those of one
  // simple-query string, or several Executes before one Sync (a pipeline).
  return status_ != TransactionStatus::kIdle || (implicit_ && executes_since_sync_ != 1);
}

void Session::ReleaseClaimedDatabases() {
  for (uint32_t database : claimed_databases_) db_.ReleaseDatabase(database);
  claimed_databases_.clear();
}

void Session::CommitTxn() {
  ReleaseClaimedDatabases();
  ClosePortalPlans();
  savepoints_.clear();
  fresh_relfilenodes_.clear();
  settings_.EndTransaction();
  auto txn = std::move(txn_);
  bool wrote = std::exchange(txn_writes_, false);
  bool ddl = std::exchange(txn_ddl_, false);
  if (!txn) return;
  // A transaction that only read has nothing for the WAL: ending it is a rollback (no fsync).
  Status s = wrote ? txn->Commit() : txn->Rollback();
  if (ddl) db_.catalog_cache().Bump();  // after the commit: see CatalogCache
  if (s.ok() && dropped_tables_) s = catalog::SweepGarbage(db_.engine());
  dropped_tables_ = false;
  if (!s.ok()) ThrowStorageError(s.error());
}

void Session::RollbackTxn() {
  ReleaseClaimedDatabases();
  ClosePortalPlans();
  savepoints_.clear();
  fresh_relfilenodes_.clear();
  if (txn_) (void)txn_->Rollback();
  txn_.reset();
  txn_writes_ = false;
  txn_ddl_ = false;
  dropped_tables_ = false;
  settings_.EndTransaction(false);
}

void Session::Execute(std::string_view sql, ResultSink& sink) {
  try {
    ValidateUtf8(sql);
  } catch (SqlException& e) {
    Fail(e, "", sink);
    return;
  }
  auto parsed = Parsed(sql);
  if (parsed->error) {
    sink.Error(*parsed->error);
    if (status_ == TransactionStatus::kInBlock) status_ = TransactionStatus::kFailed;
    return;
  }
  size_t non_empty = parsed->non_empty;
  if (non_empty == 0) {
    sink.EmptyQuery();
    return;
  }
  executes_since_sync_ = 0;
  try {
    for (size_t i = 0; i < non_empty; ++i) {
      if (i == parsed->statements.size()) throw SqlException(*parsed->convert_error);
      const ast::Statement& stmt = *parsed->statements[i];
      bool is_txn_stmt = std::holds_alternative<ast::Transaction>(stmt);
      if (status_ == TransactionStatus::kFailed && !AllowedInFailedBlock(stmt)) {
        Throw("25P02", "current transaction is aborted, commands ignored until end of transaction block");
      }
      if (non_empty > 1 && !txn_ && !is_txn_stmt && status_ == TransactionStatus::kIdle) implicit_ = true;
      ExecuteStatement(stmt, sink);
      ReportSettings(sink);
      if (copy_) {
        if (i + 1 < non_empty) {
          copy_.reset();
          Throw("0A000", "COPY FROM STDIN must be the last statement of a query string");
        }
        return;  // the data follows; CopyDone ends the statement (and an implicit transaction)
      }
    }
    if (implicit_) {
      implicit_ = false;
      CommitTxn();
    }
  } catch (SqlException& e) {
    Fail(e, sql, sink);
  } catch (const std::bad_alloc&) {
    Fail(SqlException(SqlError("53200", "out of memory")), "", sink);
  } catch (const std::exception& e) {
    // A bug, not the client's fault: the statement fails, the server stays up.
    Fail(SqlException(SqlError("XX000", std::string("internal error: ") + e.what())), "", sink);
  }
  ReportSettings(sink);
}

void Session::ReportSettings(ResultSink& sink) {
  for (const auto& name : settings_.TakeReported()) {
    sink.ParameterStatus(Settings::Find(name).display_name, settings_.Get(name));
  }
}

std::shared_ptr<const ParsedQuery> Session::Parsed(std::string_view sql) {
  if (last_parsed_ && last_parsed_->sql == sql) return last_parsed_;
  auto q = std::make_shared<ParsedQuery>();
  q->sql = std::string(sql);
  auto parsed = Parse(sql);
  if (auto* e = std::get_if<SqlError>(&parsed)) {
    q->error = *e;
  } else {
    const ParseTree& tree = std::get<ParseTree>(parsed);
    for (size_t i = 0; i < StatementCount(tree); ++i) {
      if (IsEmptyStatement(tree, i)) continue;
      ++q->non_empty;
      if (q->convert_error) continue;
      try {
        q->statements.push_back(std::make_shared<const ast::Statement>(ConvertStatement(tree, i)));
      } catch (const SqlException& e) {
        q->convert_error = e.error();
      }
    }
  }
  last_parsed_ = q;
  return q;
}

namespace {

bool IsDml(const ast::Statement& s) {
  return std::holds_alternative<ast::Insert>(s) || std::holds_alternative<ast::Update>(s) ||
         std::holds_alternative<ast::Delete>(s);
}

bool IsReadOnly(const ast::Statement& s) {
  if (auto* copy = std::get_if<ast::Copy>(&s)) return !copy->from;
  return std::holds_alternative<ast::Select>(s) || std::holds_alternative<ast::ShowVariable>(s) ||
         std::holds_alternative<ast::Explain>(s);
}

}  // namespace

bool AllowedInFailedBlock(const ast::Statement& statement) {
  auto* t = std::get_if<ast::Transaction>(&statement);
  using Kind = ast::Transaction::Kind;
  return t != nullptr && (t->kind == Kind::kCommit || t->kind == Kind::kRollback || t->kind == Kind::kRollbackTo);
}

bool Session::InlineQuery(std::string_view sql) {
  if (copy_) return false;
  try {
    ValidateUtf8(sql);
  } catch (const SqlException&) {
    return true;  // answered with an error, no storage involved
  }
  auto q = Parsed(sql);
  if (q->statements.empty() && q->convert_error) return true;
  for (const auto& stmt : q->statements) {
    if (!MayRunInline(*stmt)) return false;
    // A rerun repeats the whole string: only statements that can run twice share one.
    if (q->non_empty > 1 && (IsDml(*stmt) || std::holds_alternative<ast::Transaction>(*stmt) ||
                             std::holds_alternative<ast::SetVariable>(*stmt))) {
      return false;
    }
  }
  return true;
}

bool Session::MayRunInline(const ast::Statement& stmt) const {
  if (std::holds_alternative<ast::Copy>(stmt)) return false;
  if (IsReadOnly(stmt) || std::holds_alternative<ast::SetVariable>(stmt)) return true;
  if (auto* t = std::get_if<ast::Transaction>(&stmt)) {
    // Only a COMMIT of writes waits (for the WAL's fsync); a failed block's COMMIT is a rollback.
    return t->kind != ast::Transaction::Kind::kCommit || !txn_writes_ || status_ == TransactionStatus::kFailed;
  }
  return IsDml(stmt) && status_ == TransactionStatus::kInBlock;
}

bool Session::InlineStatement(const std::string& name) const {
  auto it = statements_.find(name);
  return it == statements_.end() || !it->second->statement || MayRunInline(*it->second->statement);
}

bool Session::PortalWrites(const std::string& name) const {
  auto it = portals_.find(name);
  return it != portals_.end() && it->second.prepared->statement && IsDml(*it->second.prepared->statement);
}

bool Session::InlinePortal(const std::string& name) const {
  auto it = portals_.find(name);
  if (it != portals_.end() && it->second.started && !it->second.done) return false;  // a rerun would resend its rows
  return it == portals_.end() || !it->second.prepared->statement || MayRunInline(*it->second.prepared->statement);
}

int64_t Session::NextValue(uint32_t sequence, int64_t max, std::string_view name) {
  int64_t v;
  if (auto it = nextval_replay_.find(sequence); it != nextval_replay_.end() && !it->second.empty()) {
    v = it->second.front();
    it->second.pop_front();
  } else {
    v = db_.NextSequenceValue(sequence, max, name, !exec::RunningInline());
  }
  if (inline_budget_micros_ > 0) nextval_attempt_[sequence].push_back(v);  // may be abandoned and rerun
  return currvals_[sequence] = v;
}

void Session::StatementAbandoned() {
  for (auto& [sequence, values] : nextval_attempt_) {
    auto& replay = nextval_replay_[sequence];
    replay.insert(replay.begin(), values.begin(), values.end());
  }
  nextval_attempt_.clear();
}

void Session::AbandonInline() {
  StatementAbandoned();
  params_ = &simple_params_;
  describe_only_ = false;
  if (status_ == TransactionStatus::kIdle) {  // autocommit or implicit: nothing was written
    implicit_ = false;
    RollbackTxn();
  }
}

void Session::ResetPortal(const std::string& name) {
  auto it = portals_.find(name);
  if (it == portals_.end()) return;
  Portal& p = it->second;
  if (p.started) {  // it ran (in part): it will be counted again, and take its sequence values again
    StatementAbandoned();
    if (executes_since_sync_ > 0) --executes_since_sync_;
  }
  p.started = p.done = false;
  p.plan.reset();
  p.batch = exec::Batch();
  p.batch_pos = 0;
  p.buffered.clear();
  p.rows = 0;
  params_ = &simple_params_;
}

catalog::SequenceDesc Session::ResolveSequence(std::string_view name) {
  // 'seq', 'schema.seq', '"Seq"': a sequence name as nextval() takes it.
  auto part = [](std::string p) {
    if (p.size() > 1 && p.front() == '"' && p.back() == '"') return p.substr(1, p.size() - 2);
    return AsciiLower(p);
  };
  std::string n(name);
  ast::TableName qualified;
  size_t dot = n.find('.');
  if (dot != std::string::npos && !(n.front() == '"' && n.find('"', 1) > dot)) {
    qualified.schema = part(n.substr(0, dot));
    n = n.substr(dot + 1);
  }
  qualified.name = part(n);
  catalog::Catalog catalog = Catalog();
  for (uint32_t schema : LookupSchemas(catalog, qualified)) {
    auto seq = catalog.FindSequence(schema, qualified.name);
    if (!seq.ok()) ThrowStorageError(seq.error());
    if (seq->has_value()) return **seq;
  }
  Throw("42P01", "relation \"" + qualified.name + "\" does not exist");
}

namespace {

// Whether a DEFAULT must be evaluated for each row: it calls a function or reads
// the session (now(), nextval(), CURRENT_USER), rather than being a constant.
bool IsRowDefault(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kFunction || e.kind == ast::ExprKind::kSessionValue ||
      e.kind == ast::ExprKind::kSubquery || e.kind == ast::ExprKind::kParam) {
    return true;
  }
  for (const auto& a : e.args) {
    if (a && IsRowDefault(*a)) return true;
  }
  return false;
}

}  // namespace

void Session::SetColumnDefault(catalog::ColumnDesc& column, const ast::Expr& value, const std::string& sql) {
  catalog::Catalog catalog = Catalog();
  PlanContext plan{&Txn(), &catalog};  // for 'seq'::regclass and other catalog lookups
  Scope scope;
  scope.params = params_;
  scope.plan = &plan;
  Binder binder(scope);
  if (binder.ContainsAggregate(value)) Throw("42803", "aggregate functions are not allowed in DEFAULT expressions", value.location);
  exec::BoundExprPtr e = CoerceAssignment(binder.Bind(value, nullptr, "DEFAULT expressions"), column, value.location);
  column.default_text.reset();
  column.default_expr.reset();
  if (IsRowDefault(value)) {
    column.default_expr = sql;  // bound again for each row written (ColumnDefault)
    return;
  }
  Value v = exec::EvaluateConstant(*e);  // constants only: no columns are in scope
  if (!v.null) column.default_text = ToText(v);
}

Value Session::ColumnDefault(const catalog::ColumnDesc& column) {
  if (column.default_expr) {
    auto& parsed = default_exprs_[*column.default_expr];
    if (!parsed) {
      auto tree = Parse("SELECT " + *column.default_expr);
      if (auto* error = std::get_if<SqlError>(&tree)) throw SqlException(*error);
      ast::Statement stmt = ConvertStatement(std::get<ParseTree>(tree), 0);
      auto* select = std::get_if<ast::Select>(&stmt);
      if (select == nullptr || select->targets.size() != 1) Throw("XX000", "unreadable column default");
      parsed = std::move(select->targets[0].expr);
    }
    catalog::Catalog catalog = Catalog();
    PlanContext plan{&Txn(), &catalog};
    Scope scope;
    scope.params = params_;
    scope.plan = &plan;
    Binder binder(scope);
    exec::BoundExprPtr e = CoerceAssignment(binder.Bind(*parsed, nullptr, "DEFAULT expressions"), column, -1);
    return exec::EvaluateConstant(*e);
  }
  if (column.default_sequence != 0) {
    int64_t v = NextValue(column.default_sequence, INT64_MAX, column.name);
    return Value::Int(column.type.id, CheckIntRange(column.type.id, v));
  }
  return column.default_text ? FromText(*column.default_text, column.type) : Value::Null(column.type);
}

void Session::Fail(const SqlException& e, std::string_view sql, ResultSink& sink) {
  SqlError error = e.error();
  if (error.position > 0) error.position = CharPosition(sql, error.position);
  sink.Error(error);
  implicit_ = false;
  if (status_ == TransactionStatus::kInBlock) {
    // The block fails; its transaction stays (holding its locks) until ROLLBACK, or
    // until ROLLBACK TO SAVEPOINT undoes what came after the savepoint.
    status_ = TransactionStatus::kFailed;
    if (savepoints_.empty()) RollbackTxn();  // nothing can be recovered: free it now
  } else if (status_ != TransactionStatus::kFailed) {
    RollbackTxn();
  }
}

void Session::ExecuteStatement(const ast::Statement& stmt, ResultSink& sink) {
  if (auto* t = std::get_if<ast::Transaction>(&stmt)) {
    RunTransaction(*t, sink);
    return;
  }
  if (auto* set = std::get_if<ast::SetVariable>(&stmt)) {
    if (!describe_only_) RunSet(*set, sink);
    return;
  }
  if (auto* show = std::get_if<ast::ShowVariable>(&stmt)) {
    RunShow(*show, sink);
    return;
  }
  auto* copy = std::get_if<ast::Copy>(&stmt);
  bool writes = !std::holds_alternative<ast::Select>(stmt) && !std::holds_alternative<ast::Explain>(stmt) &&
                !(copy != nullptr && !copy->from);
  if (writes && settings_.Get("transaction_read_only") == "on") {
    const char* what = std::holds_alternative<ast::Insert>(stmt)        ? "INSERT"
                       : std::holds_alternative<ast::Update>(stmt)      ? "UPDATE"
                       : std::holds_alternative<ast::Delete>(stmt)      ? "DELETE"
                       : std::holds_alternative<ast::CreateTable>(stmt) ? "CREATE TABLE"
                       : std::holds_alternative<ast::DropTable>(stmt)   ? "DROP TABLE"
                       : std::holds_alternative<ast::Truncate>(stmt)    ? "TRUNCATE TABLE"
                       : std::holds_alternative<ast::Vacuum>(stmt)      ? "VACUUM"
                       : std::holds_alternative<ast::Copy>(stmt)        ? "COPY"
                       : std::holds_alternative<ast::CreateIndex>(stmt) ? "CREATE INDEX"
                       : std::holds_alternative<ast::Role>(stmt)        ? "CREATE ROLE"
                       : std::holds_alternative<ast::DropRole>(stmt)    ? "DROP ROLE"
                       : std::holds_alternative<ast::CreateView>(stmt)  ? "CREATE VIEW"
                       : std::holds_alternative<ast::CreateSchema>(stmt) ? "CREATE SCHEMA"
                       : std::holds_alternative<ast::DropSchema>(stmt)  ? "DROP SCHEMA"
                       : std::holds_alternative<ast::CreateSequence>(stmt) ? "CREATE SEQUENCE"
                       : std::holds_alternative<ast::AlterSequence>(stmt) ? "ALTER SEQUENCE"
                                                                        : "ALTER TABLE";
    if (auto* d = std::get_if<ast::DatabaseDdl>(&stmt)) {
      using Kind = ast::DatabaseDdl::Kind;
      what = d->kind == Kind::kCreate ? "CREATE DATABASE" : d->kind == Kind::kDrop ? "DROP DATABASE" : "ALTER DATABASE";
    }
    Throw("25006", std::string("cannot execute ") + what + " in a read-only transaction");
  }
  bool autocommit = status_ == TransactionStatus::kIdle && !implicit_;
  exec::ScopedStatementControl limits(StatementLimits());
  BeginStatement();
  if (!IsReadOnly(stmt)) txn_writes_ = true;
  if (std::holds_alternative<ast::CreateTable>(stmt) || std::holds_alternative<ast::DropTable>(stmt) ||
      std::holds_alternative<ast::AlterTable>(stmt) || std::holds_alternative<ast::Truncate>(stmt) ||
      std::holds_alternative<ast::CreateIndex>(stmt) || std::holds_alternative<ast::CreateView>(stmt) ||
      std::holds_alternative<ast::CreateSchema>(stmt) || std::holds_alternative<ast::DropSchema>(stmt) ||
      std::holds_alternative<ast::CreateSequence>(stmt) || std::holds_alternative<ast::AlterSequence>(stmt) ||
      (std::holds_alternative<ast::Vacuum>(stmt) && std::get<ast::Vacuum>(stmt).analyze)) {
    txn_ddl_ = true;
  }
  // On the connection's thread a write must not wait: locks are tried without
  // waiting, and a statement that would wait is undone and run elsewhere.
  bool inline_write = inline_budget_micros_ > 0 && IsDml(stmt) && !describe_only_;
  if (inline_write) {
    Txn().SetSavepoint();
    Txn().SetLockTimeout(0);
  }
  struct InlineWrite {
    Session* s;
    bool active;
    bool undo = false;
    ~InlineWrite() {
      if (!active || !s->txn_) return;
      // Should the undo fail, the rerun must not apply the writes again: the block fails.
      if (undo && !s->txn_->RollbackToSavepoint().ok()) s->status_ = TransactionStatus::kFailed;
      (void)s->txn_->ReleaseSavepoint();
      s->txn_->SetLockTimeout(-1);
    }
  } inline_guard{this, inline_write};
  try {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, ast::Select>) RunSelect(s, sink);
          else if constexpr (std::is_same_v<T, ast::Insert>) RunInsert(s, sink);
          else if constexpr (std::is_same_v<T, ast::Update>) RunUpdate(s, sink);
          else if constexpr (std::is_same_v<T, ast::Delete>) RunDelete(s, sink);
          else if constexpr (std::is_same_v<T, ast::CreateTable>) RunCreateTable(s, sink);
          else if constexpr (std::is_same_v<T, ast::DropTable>) RunDropTable(s, sink);
          else if constexpr (std::is_same_v<T, ast::Truncate>) RunTruncate(s, sink);
          else if constexpr (std::is_same_v<T, ast::Vacuum>) RunVacuum(s, sink);
          else if constexpr (std::is_same_v<T, ast::AlterTable>) RunAlterTable(s, sink);
          else if constexpr (std::is_same_v<T, ast::Copy>) RunCopy(s, sink);
          else if constexpr (std::is_same_v<T, ast::CreateIndex>) RunCreateIndex(s, sink);
          else if constexpr (std::is_same_v<T, ast::Role>) RunRole(s, sink);
          else if constexpr (std::is_same_v<T, ast::DropRole>) RunDropRole(s, sink);
          else if constexpr (std::is_same_v<T, ast::CreateView>) RunCreateView(s, sink);
          else if constexpr (std::is_same_v<T, ast::CreateSchema>) RunCreateSchema(s, sink);
          else if constexpr (std::is_same_v<T, ast::DropSchema>) RunDropSchema(s, sink);
          else if constexpr (std::is_same_v<T, ast::CreateSequence>) RunCreateSequence(s, sink);
          else if constexpr (std::is_same_v<T, ast::DatabaseDdl>) RunDatabaseDdl(s, sink);
          else if constexpr (std::is_same_v<T, ast::Explain>) RunExplain(s, sink);
          else if constexpr (std::is_same_v<T, ast::AlterSequence>) RunAlterSequence(s, sink);
          else static_assert(std::is_same_v<T, ast::Transaction> || std::is_same_v<T, ast::SetVariable> ||
                             std::is_same_v<T, ast::ShowVariable>);
        },
        stmt);
  } catch (const exec::RunElsewhere&) {
    inline_guard.undo = true;  // its writes go; it runs again from the start
    throw;
  }
  if (copy_) {
    copy_->autocommit = autocommit;  // COPY FROM STDIN commits when its data is done
  } else if (autocommit) {
    CommitTxn();
  }
}

void Session::RunTransaction(const ast::Transaction& t, ResultSink& sink) {
  using Kind = ast::Transaction::Kind;
  switch (t.kind) {
    case Kind::kBegin:
      if (status_ == TransactionStatus::kInBlock) {
        sink.Notice(Warning("25001", "there is already a transaction in progress"));
      } else {
        // The transaction itself starts with the block's first statement, at the isolation level set by then.
        implicit_ = false;  // BEGIN inside a multi-statement string makes its transaction explicit
        status_ = TransactionStatus::kInBlock;
        if (!t.isolation.empty()) settings_.Set("transaction_isolation", t.isolation, true);
        if (t.read_only) settings_.Set("transaction_read_only", *t.read_only ? "on" : "off", true);
      }
      sink.Complete("BEGIN");
      return;
    case Kind::kSavepoint:
    case Kind::kRelease:
    case Kind::kRollbackTo: {
      const char* what = t.kind == Kind::kSavepoint ? "SAVEPOINT" : t.kind == Kind::kRelease ? "RELEASE SAVEPOINT"
                                                                                           : "ROLLBACK TO SAVEPOINT";
      if (status_ == TransactionStatus::kIdle) Throw("25P01", std::string(what) + " can only be used in transaction blocks");
      if (t.kind == Kind::kSavepoint) {
        Txn().SetSavepoint();
        settings_.Savepoint();
        savepoints_.push_back(t.savepoint);
        sink.Complete("SAVEPOINT");
        return;
      }
      auto it = std::find(savepoints_.rbegin(), savepoints_.rend(), t.savepoint);
      if (it == savepoints_.rend()) Throw("3B001", "savepoint \"" + t.savepoint + "\" does not exist");
      size_t index = static_cast<size_t>(savepoints_.rend() - it) - 1;
      if (t.kind == Kind::kRelease) {
        while (savepoints_.size() > index) {  // the savepoint and every newer one; their writes stay
          Check(txn_->ReleaseSavepoint());
          savepoints_.pop_back();
        }
        settings_.ReleaseSavepoints(index);
        sink.Complete("RELEASE");
        return;
      }
      while (savepoints_.size() > index + 1) {  // newer savepoints: undo and forget
        Check(txn_->RollbackToSavepoint());
        Check(txn_->ReleaseSavepoint());
        savepoints_.pop_back();
      }
      Check(txn_->RollbackToSavepoint());  // undo since the savepoint, which stays
      settings_.RollbackToSavepoint(index);
      status_ = TransactionStatus::kInBlock;
      sink.Complete("ROLLBACK");
      return;
    }
    case Kind::kCommit:
    case Kind::kRollback: {
      bool commit = t.kind == Kind::kCommit && status_ != TransactionStatus::kFailed;
      if (status_ == TransactionStatus::kIdle && !implicit_) {
        sink.Notice(Warning("25P01", "there is no transaction in progress"));
      }
      status_ = TransactionStatus::kIdle;
      implicit_ = false;
      if (commit) {
        CommitTxn();
      } else {
        RollbackTxn();
      }
      sink.Complete(commit ? "COMMIT" : "ROLLBACK");
      return;
    }
  }
}

void Session::RunSet(const ast::SetVariable& s, ResultSink& sink) {
  using Kind = ast::SetVariable::Kind;
  bool in_block = status_ != TransactionStatus::kIdle || implicit_;
  if (s.transaction) {
    if (!in_block) {
      sink.Notice(Warning("25P01", "SET TRANSACTION can only be used in transaction blocks"));
    } else if (txn_ && s.name == "transaction_isolation") {
      Throw("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query");
    } else {
      settings_.Set(s.name, s.value, true);
    }
    sink.Complete("SET");
    return;
  }
  if ((s.name == "transaction_isolation" || s.name == "transaction_read_only") && txn_ && s.kind == Kind::kSet) {
    Throw("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query");
  }
  if (s.local && !in_block) {
    sink.Notice(Warning("25P01", "SET LOCAL can only be used in transaction blocks"));
    Settings::Find(s.name);  // still 42704 for an unknown name
    sink.Complete("SET");
    return;
  }
  if (in_block) settings_.BeginTransaction();  // a rollback undoes the change
  switch (s.kind) {
    case Kind::kSet: settings_.Set(s.name, s.value, s.local); break;
    case Kind::kDefault:
    case Kind::kReset: settings_.Reset(s.name); break;
    case Kind::kResetAll:
      for (const auto& def : SettingDefs()) settings_.Reset(def.name);
      settings_.Set("session_authorization", info_.user, false);
      break;
  }
  sink.Complete(s.kind == Kind::kSet || s.kind == Kind::kDefault ? "SET" : "RESET");
}

void Session::RunShow(const ast::ShowVariable& s, ResultSink& sink) {
  auto text = Type(TypeId::kText);
  exec::Batch batch;
  if (s.name == "all") {
    sink.Describe({{"name", text}, {"setting", text}, {"description", text}});
    batch.Reset({text, text, text});
    for (const auto& def : SettingDefs()) {
      batch.columns[0].Append(Value::String(text, def.name));
      batch.columns[1].Append(Value::String(text, settings_.Get(def.name)));
      batch.columns[2].Append(Value::String(text, def.description));
      ++batch.count;
    }
  } else {
    const SettingDef& def = Settings::Find(s.name);
    sink.Describe({{def.name == "timezone" || def.name == "datestyle" || def.name == "intervalstyle" ? def.display_name : def.name, text}});
    if (describe_only_) return;
    batch.Reset({text});
    batch.columns[0].Append(Value::String(text, settings_.Get(def.name)));
    batch.count = 1;
  }
  if (describe_only_) return;
  sink.Rows(batch, batch.columns.size());
  sink.Complete("SHOW");
}

void Session::RunRole(const ast::Role& s, ResultSink& sink) {
  if (describe_only_) return;
  catalog::Catalog catalog = Catalog();
  auto found = catalog.FindRole(s.name);
  if (!found.ok()) ThrowStorageError(found.error());
  catalog::RoleDesc role;
  if (s.create) {
    if (found->has_value()) Throw("42710", "role \"" + s.name + "\" already exists");
    role.name = s.name;
  } else {
    if (!found->has_value()) Throw("42704", "role \"" + s.name + "\" does not exist");
    role = **found;
  }
  if (s.login) role.login = *s.login;
  if (s.superuser) role.superuser = *s.superuser;
  if (s.password) {
    if (!*s.password) {
      role.password.reset();
    } else {
      const std::string& given = **s.password;
      // A verifier given as the password is stored as it is, as PostgreSQL does.
      bool is_verifier = given.starts_with("SCRAM-SHA-256$") ||
                         (given.size() == 35 && given.starts_with("md5") &&
                          given.find_first_not_of("0123456789abcdef", 3) == std::string::npos);
      if (is_verifier) {
        role.password = given;
      } else if (settings_.Get("password_encryption") == "md5") {
        role.password = auth::MakeMd5Verifier(given, role.name);
      } else {
        role.password = auth::MakeScramVerifier(given);
      }
    }
  }
  Check(s.create ? catalog.CreateRole(role) : catalog.UpdateRole(role));
  sink.Complete(s.create ? "CREATE ROLE" : "ALTER ROLE");
}

void Session::RunDropRole(const ast::DropRole& s, ResultSink& sink) {
  if (describe_only_) return;
  catalog::Catalog catalog = Catalog();
  for (const auto& name : s.names) {
    if (name == info_.user) Throw("55006", "current user cannot be dropped");
    auto databases = catalog.ListDatabases();
    if (!databases.ok()) ThrowStorageError(databases.error());
    for (const auto& d : *databases) {
      if (d.owner == name) {
        throw SqlException(SqlError("2BP01", "role \"" + name + "\" cannot be dropped because some objects depend on it",
                                    0, "owner of database " + d.name));
      }
    }
    auto dropped = catalog.DropRole(name);
    if (dropped.ok()) continue;
    if (dropped.error().code() != ErrorCode::kNotFound) ThrowStorageError(dropped.error());
    if (name == "postgres") Throw("55006", "cannot drop role postgres: it is the bootstrap superuser");
    if (!s.if_exists) Throw("42704", "role \"" + name + "\" does not exist");
    sink.Notice(SqlError("00000", "role \"" + name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
  }
  sink.Complete("DROP ROLE");
}

void Session::RunSelect(const ast::Select& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  QueryPlan plan = PlanSelect(s, Txn(), catalog, params_);
  sink.Describe(plan.columns);
  if (describe_only_) return;
  size_t rows = Drain(*plan.root, plan.columns.size(), sink);
  sink.Complete("SELECT " + std::to_string(rows));
}

void Session::RunExplain(const ast::Explain& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  LogicalType text = Type(TypeId::kText);
  sink.Describe({{"QUERY PLAN", text}});
  if (describe_only_) return;
  auto start = std::chrono::steady_clock::now();
  QueryPlan plan = PlanSelect(*s.query, Txn(), catalog, params_);
  double planning = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  double execution = 0;
  if (s.analyze) {
    exec::Instrument(plan.root);
    start = std::chrono::steady_clock::now();
    exec::Batch batch;
    while (plan.root->Next(batch)) exec::CheckInterrupts();  // the rows are counted, not sent
    execution = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  std::vector<std::string> lines = exec::ExplainLines(*plan.root);
  if (s.analyze) {
    char timing[64];
    std::snprintf(timing, sizeof timing, "Planning Time: %.3f ms", planning);
    lines.emplace_back(timing);
    std::snprintf(timing, sizeof timing, "Execution Time: %.3f ms", execution);
    lines.emplace_back(timing);
  }
  exec::Batch out;
  out.Reset({text});
  for (const auto& line : lines) {
    out.columns[0].Append(Value::String(text, line));
    ++out.count;
  }
  sink.Rows(out, 1);
  sink.Complete("EXPLAIN");
}

void Session::RunCreateTable(const ast::CreateTable& s, ResultSink& sink) {
  catalog::TableDesc desc;
  {
    catalog::Catalog lookup = Catalog();
    desc.schema_oid = CreationSchema(lookup, s.table);
  }
  desc.name = s.table.name;
  std::vector<std::pair<uint32_t, std::string>> sequences;  // column index, sequence name
  Binder constants{Scope{nullptr, "", params_, {}}};
  for (const auto& col : s.columns) {
    if (desc.FindColumn(col.name) >= 0) {
      Throw("42701", "column \"" + col.name + "\" specified more than once", col.location);
    }
    catalog::ColumnDesc c{col.name, col.type, col.not_null, std::nullopt, std::nullopt};
    if (col.serial || col.identity) {
      if (col.default_value) {
        Throw("42601", "multiple default values specified for column \"" + col.name + "\" of table \"" + s.table.name + "\"",
              col.location);
      }
      if (!IsInteger(col.type.id)) Throw("22023", "identity column type must be smallint, integer, or bigint", col.location);
      sequences.push_back({static_cast<uint32_t>(desc.columns.size()), s.table.name + "_" + col.name + "_seq"});
      c.identity_always = col.identity == 'a';
      c.identity = col.identity != 0;
    }
    if (col.default_value) SetColumnDefault(c, *col.default_value, col.default_sql);
    desc.columns.push_back(std::move(c));
  }
  for (const auto& name : s.primary_key) {
    int index = desc.FindColumn(name);
    if (index < 0) Throw("42703", "column \"" + name + "\" named in key does not exist", s.primary_key_location);
    for (int existing : desc.primary_key) {
      if (existing == index) Throw("42701", "column \"" + name + "\" appears twice in primary key constraint", s.primary_key_location);
    }
    if (desc.columns[static_cast<size_t>(index)].type.id == TypeId::kNumeric) {
      Throw("0A000", "numeric primary key columns are not supported yet", s.primary_key_location);
    }
    desc.primary_key.push_back(index);
    desc.columns[static_cast<size_t>(index)].not_null = true;
  }
  if (desc.columns.size() > 1600) Throw("54011", "tables can have at most 1600 columns");
  // CHECK constraints are bound now against the new table (42703, 42804, 0A000
  // for subqueries) and kept as SQL; names follow PostgreSQL's <table>_<column>_check.
  for (const auto& c : s.checks) desc.checks.push_back({CheckConstraintName(desc, c), c.sql});
  catalog::Catalog catalog = Catalog();
  BindForeignKeys(s, desc, catalog);
  if (describe_only_) return;
  desc.oid = db_.NextOid();
  for (auto& fk : desc.foreign_keys) {
    if (fk.ref_table != 0) continue;
    fk.ref_table = desc.oid;  // a self-reference
    if (desc.referenced_by.empty()) desc.referenced_by.push_back(desc.oid);
  }
  if (!s.unique_keys.empty()) {  // check the table name before claiming its index names
    auto existing = catalog.FindTable(desc.schema_oid, desc.name);
    if (!existing.ok()) ThrowStorageError(existing.error());
    if (existing->has_value()) {
      if (!s.if_not_exists) Throw("42P07", "relation \"" + s.table.name + "\" already exists", s.table.location);
      sink.Notice(SqlError{"42P07", "relation \"" + s.table.name + "\" already exists, skipping", 0, {}, {}, "NOTICE"});
      sink.Complete("CREATE TABLE");
      return;
    }
  }
  // UNIQUE constraints are unique indexes (empty: nothing to backfill).
  for (const auto& key : s.unique_keys) {
    catalog::IndexDesc index = UniqueIndexFor(desc, key);
    index.oid = index.relfilenode = db_.NextOid();
    auto claimed = catalog.ClaimIndexName(index.name, desc.oid);
    if (!claimed.ok()) {
      if (claimed.error().code() == ErrorCode::kAlreadyExists) {
        Throw("42P07", "relation \"" + index.name + "\" already exists", key.location);
      }
      ThrowStorageError(claimed.error());
    }
    desc.indexes.push_back(std::move(index));
  }
  for (const auto& [column, name] : sequences) {
    desc.columns[column].default_sequence = CreateColumnSequence(catalog, desc, name, {}).oid;
  }
  auto created = catalog.CreateTable(std::move(desc));
  if (created.ok()) fresh_relfilenodes_.push_back(created->relfilenode);
  if (created.ok() && !created->foreign_keys.empty()) LinkForeignKeys(*created, catalog, true);
  if (!created.ok()) {
    if (created.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(created.error());
    if (!s.if_not_exists) Throw("42P07", "relation \"" + s.table.name + "\" already exists", s.table.location);
    sink.Notice(SqlError{"42P07", "relation \"" + s.table.name + "\" already exists, skipping", 0, {}, {}, "NOTICE"});
  }
  sink.Complete("CREATE TABLE");
}

void Session::RunDropTable(const ast::DropTable& s, ResultSink& sink) {
  if (describe_only_) return;
  if (s.indexes) {
    RunDropIndex(s, sink);
    return;
  }
  if (s.views) {
    RunDropView(s, sink);
    return;
  }
  if (s.sequences) {
    RunDropSequence(s, sink);
    return;
  }
  catalog::Catalog catalog = Catalog();
  std::vector<uint32_t> dropping;  // references among the dropped tables do not hold them back
  for (const auto& name : s.tables) {
    if (auto t = FindUserTable(catalog, name)) dropping.push_back(t->oid);
  }
  for (const auto& name : s.tables) {
    std::optional<catalog::TableDesc> found = FindUserTable(catalog, name);
    Result<std::optional<catalog::TableDesc>> table(std::move(found));
    if (!table->has_value()) {
      bool is_view = false;
      for (uint32_t schema : LookupSchemas(catalog, name)) {
        auto view = catalog.FindView(schema, name.name);
        is_view = is_view || (view.ok() && view->has_value());
      }
      if (is_view) {
        throw SqlException(SqlError("42809", "\"" + name.name + "\" is not a table", 0, {}, "Use DROP VIEW to remove a view."));
      }
      if (!s.if_exists) Throw("42P01", "table \"" + name.name + "\" does not exist", name.location);
      sink.Notice(SqlError{"00000", "table \"" + name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"});
      continue;
    }
    std::vector<catalog::TableDesc> children;  // CASCADE: their foreign keys to this table go
    for (const auto& ref : ReferencingKeys(**table)) {
      if (std::find(dropping.begin(), dropping.end(), ref.table->oid) != dropping.end()) continue;
      const std::string& constraint = ref.table->foreign_keys[ref.index].name;
      if (!s.cascade) {
        throw SqlException(SqlError("2BP01", "cannot drop table " + name.name + " because other objects depend on it", 0,
                                    "constraint " + constraint + " on table " + ref.table->name + " depends on table " +
                                        name.name,
                                    "Use DROP ... CASCADE to drop the dependent objects too."));
      }
      sink.Notice(SqlError("00000", "drop cascades to constraint " + constraint + " on table " + ref.table->name, 0, {},
                           {}, "NOTICE"));
      auto child = std::find_if(children.begin(), children.end(), [&](const auto& c) { return c.oid == ref.table->oid; });
      if (child == children.end()) {  // read through the catalog: earlier tables of this statement may have changed it
        auto fresh = catalog.FindTableByOid(ref.table->oid);
        if (!fresh.ok()) ThrowStorageError(fresh.error());
        if (!fresh->has_value()) continue;
        child = children.insert(children.end(), std::move(**fresh));
      }
      std::erase_if(child->foreign_keys, [&](const auto& fk) { return fk.name == constraint; });
    }
    for (const auto& child : children) Check(catalog.UpdateTable(child));
    if (!children.empty()) {
      referencing_.clear();
      fk_tables_.clear();
    }
    DropDependentViews(catalog, (*table)->oid, "table " + name.name, s.cascade, sink);
    Check(catalog.DropTable(**table));
    if (!(*table)->foreign_keys.empty()) LinkForeignKeys(**table, catalog, false);
    dropped_tables_ = true;
  }
  sink.Complete("DROP TABLE");
}

}  // namespace orbit::sql
