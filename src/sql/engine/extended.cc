// The extended query protocol's statements and portals (ADR 005, slice 3).
// A statement is parsed and converted once (Parse); its parameter types and
// result columns come from binding it with untyped parameters. Each Bind binds
// and plans it again with the parameter values as constants (PostgreSQL's
// "custom plan"), so primary-key lookups work for `WHERE id = $1`.
#include "sql/engine/session.h"
#include "sql/parser/parser.h"

namespace orbit::sql {
namespace {

// Collects a statement's description, and buffers rows and the command tag of
// statements that run to completion at their first Execute.
class BufferSink : public ResultSink {
 public:
  void Describe(const std::vector<OutputColumn>& c) override { columns = c; }
  void Rows(const exec::Batch& batch, size_t visible) override {
    exec::Batch copy;
    for (size_t c = 0; c < visible; ++c) copy.columns.push_back(batch.columns[c]);
    copy.count = batch.count;
    rows.push_back(std::move(copy));
  }
  void Complete(std::string_view t) override { tag = t; }
  void EmptyQuery() override {}
  void Error(const SqlError& e) override { throw SqlException(e); }
  void Notice(const SqlError& n) override { notices.push_back(n); }
  void ParameterStatus(std::string_view name, std::string_view value) override {
    reported.emplace_back(std::string(name), std::string(value));
  }

  std::optional<std::vector<OutputColumn>> columns;
  std::vector<exec::Batch> rows;
  std::string tag;
  std::vector<SqlError> notices;
  std::vector<std::pair<std::string, std::string>> reported;
};

}  // namespace

bool Session::Prepare(const std::string& name, std::string_view sql, std::vector<LogicalType> declared,
                      ResultSink& sink) {
  try {
    if (!name.empty() && statements_.contains(name)) {
      Throw("42P05", "prepared statement \"" + name + "\" already exists");
    }
    ValidateUtf8(sql);
    auto parsed = Parsed(sql);
    if (parsed->error) throw SqlException(*parsed->error);
    if (parsed->non_empty > 1) Throw("42601", "cannot insert multiple commands into a prepared statement");
    if (parsed->convert_error) throw SqlException(*parsed->convert_error);
    auto prepared = std::make_shared<PreparedStatement>();
    prepared->sql = std::string(sql);
    if (parsed->non_empty == 1) {
      std::shared_ptr<const ast::Statement> stmt = parsed->statements[0];
      prepared->statement = stmt;
      if (status_ == TransactionStatus::kFailed && !AllowedInFailedBlock(*stmt)) {
        Throw("25P02", "current transaction is aborted, commands ignored until end of transaction block");
      }
      if (!std::holds_alternative<ast::Transaction>(*stmt)) {
        // Bind it without running it: parameter types and result columns.
        ParamContext params{std::move(declared), nullptr, false, &info_};
        BufferSink describe;
        if (!txn_ && status_ == TransactionStatus::kIdle) implicit_ = true;  // the catalog is read in the transaction Sync ends
        params_ = &params;
        describe_only_ = true;
        struct Reset {
          Session* s;
          ~Reset() { s->params_ = &s->simple_params_, s->describe_only_ = false; }
        } reset{this};
        ExecuteStatement(*stmt, describe);
        for (auto& t : params.types) {
          if (t.id == TypeId::kUnknown) t = Type(TypeId::kText);  // never given a context: text
        }
        prepared->params = std::move(params.types);
        prepared->columns = std::move(describe.columns);
      }
    }
    statements_[name] = std::move(prepared);
    return true;
  } catch (SqlException& e) {
    Fail(e, sql, sink);
    return false;
  } catch (const std::exception& e) {
    Fail(SqlException(SqlError("XX000", std::string("internal error: ") + e.what())), "", sink);
    return false;
  }
}

const PreparedStatement* Session::FindStatement(const std::string& name, ResultSink& sink) {
  auto it = statements_.find(name);
  if (it != statements_.end()) return it->second.get();
  Fail(SqlException(SqlError("26000", "prepared statement \"" + name + "\" does not exist")), "", sink);
  return nullptr;
}

const Portal* Session::FindPortal(const std::string& name, ResultSink& sink) {
  auto it = portals_.find(name);
  if (it != portals_.end()) return &it->second;
  Fail(SqlException(SqlError("34000", "portal \"" + name + "\" does not exist")), "", sink);
  return nullptr;
}

bool Session::Bind(const std::string& portal, const std::string& statement, std::vector<Value> params,
                   ResultSink& sink) {
  auto it = statements_.find(statement);
  if (it == statements_.end()) {
    FindStatement(statement, sink);
    return false;
  }
  try {
    const PreparedStatement& prepared = *it->second;
    if (params.size() != prepared.params.size()) {
      Throw("08P01", "bind message supplies " + std::to_string(params.size()) + " parameters, but prepared statement \"" +
                         statement + "\" requires " + std::to_string(prepared.params.size()));
    }
    if (!portal.empty() && portals_.contains(portal)) Throw("42P03", "portal \"" + portal + "\" already exists");
    Portal p;
    p.prepared = it->second;
    p.params = std::move(params);
    portals_[portal] = std::move(p);
    return true;
  } catch (SqlException& e) {
    Fail(e, "", sink);
    return false;
  }
}

bool Session::ExecutePortal(const std::string& name, int64_t max_rows, ResultSink& sink, bool& suspended) {
  suspended = false;
  auto it = portals_.find(name);
  if (it == portals_.end()) {
    FindPortal(name, sink);
    return false;
  }
  Portal& portal = it->second;
  const PreparedStatement& prepared = *portal.prepared;
  exec::ScopedStatementControl limits(StatementLimits());
  try {
    if (portal.closed) Throw("34000", "portal \"" + name + "\" cannot be run: its transaction has ended");
    if (!prepared.statement) {
      sink.EmptyQuery();
      return true;
    }
    const ast::Statement& stmt = *prepared.statement;
    if (!portal.started) {
      portal.started = true;
      if (status_ == TransactionStatus::kFailed && !AllowedInFailedBlock(stmt)) {
        Throw("25P02", "current transaction is aborted, commands ignored until end of transaction block");
      }
      bool is_txn_stmt = std::holds_alternative<ast::Transaction>(stmt);
      if (!is_txn_stmt && !txn_ && status_ == TransactionStatus::kIdle) implicit_ = true;  // committed at Sync
      ++executes_since_sync_;
      nextval_attempt_.clear();  // earlier Executes of the batch are done: a rerun repeats only this one
      ParamContext params{prepared.params, &portal.params, false, &info_};
      params_ = &params;
      struct Reset {
        Session* s;
        ~Reset() { s->params_ = &s->simple_params_; }
      } reset{this};
      if (auto* select = std::get_if<ast::Select>(&stmt)) {
        BeginStatement();
        catalog::Catalog catalog = Catalog();
        portal.plan = PlanSelect(*select, Txn(), catalog, &params);
      } else {
        BufferSink buffer;
        ExecuteStatement(stmt, buffer);
        for (const auto& n : buffer.notices) sink.Notice(n);
        for (const auto& [name, value] : buffer.reported) sink.ParameterStatus(name, value);
        portal.buffered = std::move(buffer.rows);
        portal.tag = buffer.tag;
      }
    }
    // Send rows until the limit; a SELECT pulls them from its plan.
    size_t budget = max_rows > 0 ? static_cast<size_t>(max_rows) : SIZE_MAX;
    auto send = [&](const exec::Batch& batch, size_t& pos, size_t visible) {
      size_t n = std::min(batch.count - pos, budget);
      if (n == 0) return;
      exec::Batch part;
      for (size_t c = 0; c < visible; ++c) {
        exec::Vector v(batch.columns[c].type(), n);
        for (size_t i = 0; i < n; ++i) v.CopyRow(batch.columns[c], pos + i, i);
        part.columns.push_back(std::move(v));
      }
      part.count = n;
      sink.Rows(part, visible);
      pos += n;
      budget -= n;
      portal.rows += n;
    };
    if (portal.plan) {
      size_t visible = portal.plan->columns.size();
      while (budget > 0) {
        if (portal.batch_pos >= portal.batch.count) {
          if (portal.done || !portal.plan->root->Next(portal.batch)) {
            portal.done = true;
            break;
          }
          portal.batch_pos = 0;
        }
        send(portal.batch, portal.batch_pos, visible);
      }
      if (!portal.done && portal.batch_pos >= portal.batch.count && budget > 0) portal.done = true;
      if (!portal.done) {
        suspended = true;
        return true;
      }
      portal.tag = "SELECT " + std::to_string(portal.rows);
    } else {
      while (!portal.buffered.empty() && budget > 0) {
        exec::Batch& front = portal.buffered.front();
        send(front, portal.batch_pos, front.columns.size());
        if (portal.batch_pos >= front.count) {
          portal.buffered.erase(portal.buffered.begin());
          portal.batch_pos = 0;
        }
      }
      if (!portal.buffered.empty()) {
        suspended = true;
        return true;
      }
    }
    sink.Complete(portal.tag);
    return true;
  } catch (SqlException& e) {
    Fail(e, prepared.sql, sink);
    return false;
  } catch (const std::exception& e) {
    Fail(SqlException(SqlError("XX000", std::string("internal error: ") + e.what())), "", sink);
    return false;
  }
}

void Session::Sync(ResultSink& sink) {
  executes_since_sync_ = 0;
  try {
    if (implicit_) {
      implicit_ = false;
      CommitTxn();
    }
  } catch (SqlException& e) {
    Fail(e, "", sink);
  }
  if (!txn_) {
    // Portals live as long as their transaction; the statements stay.
    portals_.clear();
  }
}

}  // namespace orbit::sql
