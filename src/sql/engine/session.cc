#include "sql/engine/session.h"

#include "catalog/catalog.h"
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

int64_t Database::NextRowId() {
  std::lock_guard lock(mutex_);
  if (next_rowid_ >= rowid_limit_) {
    auto current = engine_.Get(storage::ColumnFamily::kMeta, RowIdKey());
    if (!current.ok()) ThrowStorageError(current.error());
    int64_t start = 1;
    if (current->has_value()) {
      auto key = storage::DecodeKey(**current);
      if (!key.ok() || key->size() != 1) Throw("XX001", "unreadable row id counter");
      start = std::get<int64_t>((*key)[0].value);
    }
    storage::WriteBatch batch(engine_);
    batch.Put(storage::ColumnFamily::kMeta, RowIdKey(), storage::KeyEncoder().AddInt(start + kRowIdBlock).Release());
    Check(engine_.Write(batch));
    next_rowid_ = start;
    rowid_limit_ = start + kRowIdBlock;
  }
  return next_rowid_++;
}

Status Database::Open() { return catalog::SweepGarbage(engine_); }

Session::~Session() {
  if (txn_) (void)txn_->Rollback();
}

size_t Drain(exec::Operator& root, size_t visible, ResultSink& sink) {
  size_t rows = 0;
  exec::Batch batch;
  while (root.Next(batch)) {
    sink.Rows(batch, visible);
    rows += batch.count;
  }
  return rows;
}

storage::Transaction& Session::Txn() {
  if (!txn_) txn_ = db_.engine().Begin(storage::IsolationLevel::kReadCommitted);
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

void Session::CommitTxn() {
  ClosePortalPlans();
  auto txn = std::move(txn_);
  if (!txn) return;
  Status s = txn->Commit();
  if (s.ok() && dropped_tables_) s = catalog::SweepGarbage(db_.engine());
  dropped_tables_ = false;
  if (!s.ok()) ThrowStorageError(s.error());
}

void Session::RollbackTxn() {
  ClosePortalPlans();
  if (txn_) (void)txn_->Rollback();
  txn_.reset();
  dropped_tables_ = false;
}

void Session::Execute(std::string_view sql, ResultSink& sink) {
  auto parsed = Parse(sql);
  if (auto* e = std::get_if<SqlError>(&parsed)) {
    sink.Error(*e);
    if (status_ == TransactionStatus::kInBlock) status_ = TransactionStatus::kFailed;
    return;
  }
  const ParseTree& tree = std::get<ParseTree>(parsed);
  size_t count = StatementCount(tree), non_empty = 0;
  for (size_t i = 0; i < count; ++i) non_empty += !IsEmptyStatement(tree, i);
  if (non_empty == 0) {
    sink.EmptyQuery();
    return;
  }
  try {
    for (size_t i = 0; i < count; ++i) {
      if (IsEmptyStatement(tree, i)) continue;
      ast::Statement stmt = ConvertStatement(tree, i);
      bool is_txn_stmt = std::holds_alternative<ast::Transaction>(stmt);
      if (status_ == TransactionStatus::kFailed) {
        auto* t = std::get_if<ast::Transaction>(&stmt);
        if (t == nullptr || t->kind == ast::Transaction::Kind::kBegin) {
          Throw("25P02", "current transaction is aborted, commands ignored until end of transaction block");
        }
      }
      if (non_empty > 1 && !txn_ && !is_txn_stmt && status_ == TransactionStatus::kIdle) {
        Txn();
        implicit_ = true;
      }
      ExecuteStatement(stmt, sink);
    }
    if (implicit_) {
      implicit_ = false;
      CommitTxn();
    }
  } catch (SqlException& e) {
    Fail(e, sql, sink);
  }
}

void Session::Fail(const SqlException& e, std::string_view sql, ResultSink& sink) {
  SqlError error = e.error();
  if (error.position > 0) error.position = CharPosition(sql, error.position);
  sink.Error(error);
  implicit_ = false;
  if (status_ == TransactionStatus::kInBlock) {
    status_ = TransactionStatus::kFailed;  // the block's writes are undone at once; ROLLBACK ends it
    RollbackTxn();
  } else if (status_ != TransactionStatus::kFailed) {
    RollbackTxn();
  }
}

void Session::ExecuteStatement(const ast::Statement& stmt, ResultSink& sink) {
  if (auto* t = std::get_if<ast::Transaction>(&stmt)) {
    RunTransaction(*t, sink);
    return;
  }
  bool autocommit = !txn_;
  Txn().BeginStatement();
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, ast::Select>) RunSelect(s, sink);
        else if constexpr (std::is_same_v<T, ast::Insert>) RunInsert(s, sink);
        else if constexpr (std::is_same_v<T, ast::Update>) RunUpdate(s, sink);
        else if constexpr (std::is_same_v<T, ast::Delete>) RunDelete(s, sink);
        else if constexpr (std::is_same_v<T, ast::CreateTable>) RunCreateTable(s, sink);
        else if constexpr (std::is_same_v<T, ast::DropTable>) RunDropTable(s, sink);
      },
      stmt);
  if (autocommit && !implicit_) CommitTxn();
}

void Session::RunTransaction(const ast::Transaction& t, ResultSink& sink) {
  using Kind = ast::Transaction::Kind;
  switch (t.kind) {
    case Kind::kBegin:
      if (status_ == TransactionStatus::kInBlock) {
        sink.Notice(Warning("25001", "there is already a transaction in progress"));
      } else {
        Txn();
        implicit_ = false;  // BEGIN inside a multi-statement string makes its transaction explicit
        status_ = TransactionStatus::kInBlock;
      }
      sink.Complete("BEGIN");
      return;
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

void Session::RunSelect(const ast::Select& s, ResultSink& sink) {
  catalog::Catalog catalog(Txn());
  QueryPlan plan = PlanSelect(s, Txn(), catalog, params_);
  sink.Describe(plan.columns);
  if (describe_only_) return;
  size_t rows = Drain(*plan.root, plan.columns.size(), sink);
  sink.Complete("SELECT " + std::to_string(rows));
}

void Session::RunCreateTable(const ast::CreateTable& s, ResultSink& sink) {
  if (!s.table.schema.empty() && s.table.schema != "public") {
    Throw("3F000", "schema \"" + s.table.schema + "\" does not exist", s.table.location);
  }
  catalog::TableDesc desc;
  desc.name = s.table.name;
  Binder constants{Scope{nullptr, "", params_}};
  for (const auto& col : s.columns) {
    if (desc.FindColumn(col.name) >= 0) {
      Throw("42701", "column \"" + col.name + "\" specified more than once", col.location);
    }
    catalog::ColumnDesc c{col.name, col.type, col.not_null, std::nullopt};
    if (col.default_value) {
      exec::BoundExprPtr e = CoerceAssignment(constants.Bind(*col.default_value, nullptr, "DEFAULT expressions"), c,
                                              col.default_value->location);
      if (e->kind != exec::BoundKind::kConst) {
        Throw("0A000", "non-constant DEFAULT expressions are not supported yet", col.default_value->location);
      }
      if (!e->value.null) c.default_text = ToText(e->value);
    }
    desc.columns.push_back(std::move(c));
  }
  for (const auto& name : s.primary_key) {
    int index = desc.FindColumn(name);
    if (index < 0) Throw("42703", "column \"" + name + "\" named in key does not exist", s.primary_key_location);
    for (int existing : desc.primary_key) {
      if (existing == index) Throw("42701", "column \"" + name + "\" appears twice in primary key constraint", s.primary_key_location);
    }
    desc.primary_key.push_back(index);
    desc.columns[static_cast<size_t>(index)].not_null = true;
  }
  if (desc.columns.size() > 1600) Throw("54011", "tables can have at most 1600 columns");
  if (describe_only_) return;
  auto created = catalog::Catalog(Txn()).CreateTable(std::move(desc));
  if (!created.ok()) {
    if (created.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(created.error());
    if (!s.if_not_exists) Throw("42P07", "relation \"" + s.table.name + "\" already exists", s.table.location);
    sink.Notice(SqlError{"42P07", "relation \"" + s.table.name + "\" already exists, skipping", 0, {}, {}, "NOTICE"});
  }
  sink.Complete("CREATE TABLE");
}

void Session::RunDropTable(const ast::DropTable& s, ResultSink& sink) {
  if (describe_only_) return;
  catalog::Catalog catalog(Txn());
  for (const auto& name : s.tables) {
    if (!name.schema.empty() && name.schema != "public") {
      Throw("3F000", "schema \"" + name.schema + "\" does not exist", name.location);
    }
    auto table = catalog.FindTable(catalog::kPublicNamespace, name.name);
    if (!table.ok()) ThrowStorageError(table.error());
    if (!table->has_value()) {
      if (!s.if_exists) Throw("42P01", "table \"" + name.name + "\" does not exist", name.location);
      sink.Notice(SqlError{"00000", "table \"" + name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"});
      continue;
    }
    Check(catalog.DropTable(**table));
    dropped_tables_ = true;
  }
  sink.Complete("DROP TABLE");
}

}  // namespace orbit::sql
