#include "glue/pg/pg_glue.h"

#include "glue/pg/pg_binary.h"

#include <unistd.h>

#include <future>
#include <map>

namespace orbit::glue {
namespace {

// Results are sent to the client every this many bytes while a statement runs.
constexpr size_t kStreamThreshold = 256 * 1024;
// How long a read-only statement may hold the connection's shard before it
// moves to the blocking pool (and starts over there).
constexpr int64_t kInlineBudgetMicros = 2000;

// Sets the session's inline budget for one scope.
struct InlineScope {
  sql::Session& session;
  explicit InlineScope(sql::Session& s) : session(s) { session.set_inline_budget_micros(kInlineBudgetMicros); }
  ~InlineScope() { session.set_inline_budget_micros(0); }
};

// A flush of the connection, callable from a pool thread: runs `flush` on the
// connection's shard and blocks this thread until the client has taken the data.
std::function<bool()> BlockingFlush(asio::any_io_executor shard, protocol::pg::Flusher& flush) {
  return [shard, &flush]() {
    std::promise<bool> done;
    auto* promise = &done;
    auto* fn = &flush;
    asio::co_spawn(
        shard, [promise, fn]() -> Task<void> { promise->set_value(co_await (*fn)()); }, asio::detached);
    return done.get_future().get();
  };
}

}  // namespace

void PgResultSink::Describe(const std::vector<sql::OutputColumn>& columns) { WriteRowDescription(columns); }

void PgResultSink::WriteRowDescription(const std::vector<sql::OutputColumn>& columns) {
  out_.Begin('T').Int16(static_cast<int16_t>(columns.size()));
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    // atttypmod: varchar(n) and char(n) carry n + 4 (VARHDRSZ), as PostgreSQL sends.
    int32_t typmod = c.type.length >= 0 ? c.type.length + 4 : -1;
    out_.CString(c.name).Int32(0).Int16(0).Int32(sql::TypeOid(c.type)).Int16(sql::TypeLength(c.type.id));
    out_.Int32(typmod).Int16(protocol::pg::FormatAt(formats_, i));
  }
  out_.End();
}

void PgResultSink::Rows(const sql::exec::Batch& batch, size_t visible) {
  for (size_t r = 0; r < batch.count; ++r) {
    out_.Begin('D').Int16(static_cast<int16_t>(visible));
    for (size_t c = 0; c < visible; ++c) {
      const auto& column = batch.columns[c];
      if (column.IsNull(r)) {
        out_.Int32(-1);
        continue;
      }
      if (protocol::pg::FormatAt(formats_, c) == 1) {
        cell_.clear();
        AppendBinary(column.Get(r), cell_);
        out_.Int32(static_cast<int32_t>(cell_.size())).Bytes(cell_);
        continue;
      }
      if (sql::SlotIsText(column.type().id)) {
        const std::string& s = column.String(r);
        out_.Int32(static_cast<int32_t>(s.size())).Bytes(s);
        continue;
      }
      cell_.clear();
      sql::AppendText(column.Get(r), cell_);
      out_.Int32(static_cast<int32_t>(cell_.size())).Bytes(cell_);
    }
    out_.End();
    CheckOutput();
  }
}

void PgResultSink::CheckOutput() {
  if (inline_budget_ > 0 && out_.size() > inline_budget_) throw RerouteToPool{};
  if (flush_ && out_.size() >= flush_threshold_ && !flush_()) {
    throw sql::SqlException(sql::SqlError("08006", "connection to client lost"));
  }
}

void PgResultSink::Complete(std::string_view tag) { out_.CommandComplete(tag); }

void PgResultSink::EmptyQuery() { out_.EmptyQueryResponse(); }

namespace {

protocol::pg::ErrorFields Fields(const sql::SqlError& e, const char* default_severity) {
  protocol::pg::ErrorFields f;
  f.severity = e.severity.empty() ? default_severity : e.severity;
  f.sqlstate = e.sqlstate;
  f.message = e.message;
  f.detail = e.detail;
  f.hint = e.hint;
  f.position = e.position;
  return f;
}

}  // namespace

void PgResultSink::Error(const sql::SqlError& error) { protocol::pg::WriteError(out_, Fields(error, "ERROR")); }

void PgResultSink::Notice(const sql::SqlError& notice) {
  protocol::pg::WriteError(out_, Fields(notice, "WARNING"), 'N');
}

namespace {

// CopyInResponse 'G' / CopyOutResponse 'H': overall text format, every column text.
void CopyResponse(protocol::pg::MessageWriter& out, char type, size_t columns) {
  out.Begin(type).Bytes(std::string_view("\0", 1)).Int16(static_cast<int16_t>(columns));
  for (size_t i = 0; i < columns; ++i) out.Int16(0);
  out.End();
}

}  // namespace

void PgResultSink::CopyInBegin(size_t columns) { CopyResponse(out_, 'G', columns); }

void PgResultSink::CopyOutBegin(size_t columns) { CopyResponse(out_, 'H', columns); }

void PgResultSink::CopyData(std::string_view data) {
  out_.Begin('d').Bytes(data).End();
  CheckOutput();
}

void PgResultSink::CopyOutEnd() { out_.Begin('c').End(); }

void PgResultSink::ParameterStatus(std::string_view name, std::string_view value) { out_.ParameterStatus(name, value); }

char RunSimpleQuery(sql::Session& session, std::string_view sql, protocol::pg::MessageWriter& out,
                    std::function<bool()> flush) {
  PgResultSink sink(out);
  if (flush) sink.set_flush(std::move(flush), kStreamThreshold);
  session.Execute(sql, sink);
  return static_cast<char>(session.status());
}

namespace {

class PgQuerySession : public protocol::pg::QuerySession {
 public:
  PgQuerySession(sql::Database& db, runtime::BlockingPool& pool, sql::SessionInfo info,
                 const protocol::pg::StartupPacket& startup, PgQueryHandler& handler, int32_t secret)
      : session_(db, std::move(info), startup.params), pool_(pool), handler_(handler), secret_(secret) {
    handler_.Register(secret_, &session_);
  }
  ~PgQuerySession() override { handler_.Unregister(secret_); }

  Task<char> SimpleQuery(std::string_view sql, protocol::pg::MessageWriter& out,
                         protocol::pg::Flusher& flush) override {
    // Reads run right here: no thread hop. One whose output outgrows the
    // budget starts over on the pool, where it can stream.
    if (session_.InlineQuery(sql)) {
      size_t mark = out.size();
      try {
        InlineScope scope(session_);
        PgResultSink sink(out);
        sink.set_inline_budget(mark + kStreamThreshold);
        session_.Execute(sql, sink);
        co_return static_cast<char>(session_.status());
      } catch (const RerouteToPool&) {
        out.Truncate(mark);
        session_.AbandonInline();
      }
    }
    auto blocking_flush = BlockingFlush(co_await asio::this_coro::executor, flush);
    sql::Session* session = &session_;
    std::string_view* text = &sql;
    protocol::pg::MessageWriter* writer = &out;
    auto* flusher = &blocking_flush;
    co_return co_await pool_.Run(
        [session, text, writer, flusher] { return RunSimpleQuery(*session, *text, *writer, *flusher); });
  }

  Task<ExtendedResult> Extended(std::vector<protocol::pg::ExtendedMessage>& batch, protocol::pg::MessageWriter& out,
                                protocol::pg::Flusher& flush) override {
    ExtendedResult result;
    size_t start = 0;
    if (InlineBatch(batch)) {
      // As for simple queries: run here; an Execute whose rows outgrow the
      // budget starts over on the pool with the rest of the batch.
      PgResultSink sink(out);
      try {
        InlineScope scope(session_);
        RunBatch(batch, start, out, sink, result, true);
        co_return result;
      } catch (const RerouteToPool&) {
        out.Truncate(mark_);
        if (auto* e = std::get_if<protocol::pg::ExecuteMsg>(&batch[start])) session_.ResetPortal(e->portal);
      }
    }
    auto blocking_flush = BlockingFlush(co_await asio::this_coro::executor, flush);
    PgQuerySession* self = this;
    auto* messages = &batch;
    protocol::pg::MessageWriter* writer = &out;
    auto* flusher = &blocking_flush;
    auto* state = &result;
    auto* from = &start;
    co_return co_await pool_.Run([self, messages, writer, flusher, state, from] {
      PgResultSink sink(*writer);
      sink.set_flush(*flusher, kStreamThreshold);
      self->RunBatch(*messages, *from, *writer, sink, *state, false);
      return *state;
    });
  }

  bool copying() const override { return session_.copying(); }

  Task<char> CopyIn(CopyEvent event, std::string_view data, protocol::pg::MessageWriter& out) override {
    sql::Session* session = &session_;
    auto* text = &data;
    auto* writer = &out;
    auto* what = &event;
    co_return co_await pool_.Run([session, text, writer, what] {
      PgResultSink sink(*writer);
      switch (*what) {
        case CopyEvent::kData: session->CopyData(*text, sink); break;
        case CopyEvent::kDone: session->CopyDone(sink); break;
        case CopyEvent::kFail: session->CopyFail(*text, sink); break;
      }
      return static_cast<char>(session->status());
    });
  }

 private:
  // Whether every statement the batch parses or executes only reads.
  bool InlineBatch(const std::vector<protocol::pg::ExtendedMessage>& batch) {
    std::map<std::string, std::string> bound;  // portal -> statement, for Binds in this batch
    for (const auto& message : batch) {
      if (auto* p = std::get_if<protocol::pg::ParseMsg>(&message)) {
        if (!session_.InlineQuery(p->query)) return false;
      } else if (auto* b = std::get_if<protocol::pg::BindMsg>(&message)) {
        bound[b->portal] = b->statement;
      } else if (auto* e = std::get_if<protocol::pg::ExecuteMsg>(&message)) {
        auto it = bound.find(e->portal);
        if (it != bound.end() ? !StatementInline(batch, it->second) : !session_.InlinePortal(e->portal)) return false;
      }
    }
    return true;
  }

  // A statement named in a Bind: parsed earlier in this batch, or before.
  bool StatementInline(const std::vector<protocol::pg::ExtendedMessage>& batch, const std::string& name) {
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (auto* p = std::get_if<protocol::pg::ParseMsg>(&*it); p != nullptr && p->name == name) return true;  // checked above
    }
    return session_.InlineStatement(name);
  }

  // Handles batch[start...]; `start` ends at the message being handled, so a
  // RerouteToPool knows where to resume (and mark_ where its output began).
  void RunBatch(std::vector<protocol::pg::ExtendedMessage>& batch, size_t& start, protocol::pg::MessageWriter& out,
                PgResultSink& sink, ExtendedResult& result, bool inline_run) {
    for (; start < batch.size(); ++start) {
      auto& message = batch[start];
      if (result.failed && !std::holds_alternative<protocol::pg::SyncMsg>(message)) continue;
      mark_ = out.size();
      // A write's rows (RETURNING) are sent after it is applied: too late to redo
      // it elsewhere, so they are not budgeted.
      auto* execute = std::get_if<protocol::pg::ExecuteMsg>(&message);
      // What may run here depends on the session's state, which earlier messages
      // of the batch changed (a COMMIT that would now write, an INSERT after it).
      if (inline_run && execute != nullptr && !session_.InlinePortal(execute->portal)) throw RerouteToPool{};
      bool applied_first = execute != nullptr && session_.PortalWrites(execute->portal);
      sink.set_inline_budget(inline_run && !applied_first ? mark_ + kStreamThreshold : 0);
      bool ok = std::visit([&](auto& m) { return Handle(m, sink, out, result); }, message);
      if (!ok) result.failed = true;
    }
  }

  bool Handle(protocol::pg::ParseMsg& m, PgResultSink& sink, protocol::pg::MessageWriter& out, ExtendedResult&) {
    std::vector<sql::LogicalType> types;
    try {
      for (int32_t oid : m.param_types) types.push_back(TypeFromOid(oid));
    } catch (const sql::SqlException& e) {
      session_.Fail(e, "", sink);
      return false;
    }
    if (!session_.Prepare(m.name, m.query, std::move(types), sink)) return false;
    out.Begin('1').End();  // ParseComplete
    return true;
  }

  bool Handle(protocol::pg::BindMsg& m, PgResultSink& sink, protocol::pg::MessageWriter& out, ExtendedResult&) {
    const sql::PreparedStatement* prepared = session_.FindStatement(m.statement, sink);
    if (prepared == nullptr) return false;
    std::vector<sql::Value> values;
    try {
      if (m.param_formats.size() > 1 && m.param_formats.size() != m.params.size()) {
        sql::Throw("08P01", "bind message has " + std::to_string(m.param_formats.size()) +
                                " parameter formats but " + std::to_string(m.params.size()) + " parameters");
      }
      for (size_t i = 0; i < m.params.size() && i < prepared->params.size(); ++i) {
        const sql::LogicalType& type = prepared->params[i];
        if (!m.params[i]) {
          values.push_back(sql::Value::Null(type));
        } else if (protocol::pg::FormatAt(m.param_formats, i) == 1) {
          values.push_back(DecodeBinary(*m.params[i], type));
        } else {
          values.push_back(sql::FromText(*m.params[i], type));
        }
      }
      if (m.params.size() != prepared->params.size()) values.resize(m.params.size());  // Bind reports the count
      size_t columns = prepared->columns ? prepared->columns->size() : 0;
      if (m.result_formats.size() > 1 && m.result_formats.size() != columns) {
        sql::Throw("08P01", "bind message has " + std::to_string(m.result_formats.size()) +
                                " result formats but query has " + std::to_string(columns) + " columns");
      }
    } catch (const sql::SqlException& e) {
      session_.Fail(e, "", sink);
      return false;
    }
    if (!session_.Bind(m.portal, m.statement, std::move(values), sink)) return false;
    formats_[m.portal] = std::move(m.result_formats);
    out.Begin('2').End();  // BindComplete
    return true;
  }

  bool Handle(protocol::pg::DescribeMsg& m, PgResultSink& sink, protocol::pg::MessageWriter& out, ExtendedResult&) {
    const sql::PreparedStatement* prepared = nullptr;
    if (m.kind == 'S') {
      prepared = session_.FindStatement(m.name, sink);
      if (prepared == nullptr) return false;
      out.Begin('t').Int16(static_cast<int16_t>(prepared->params.size()));  // ParameterDescription
      for (const auto& t : prepared->params) out.Int32(sql::TypeOid(t));
      out.End();
      sink.set_formats({});
    } else {
      const sql::Portal* portal = session_.FindPortal(m.name, sink);
      if (portal == nullptr) return false;
      prepared = portal->prepared.get();
      sink.set_formats(formats_[m.name]);
    }
    if (prepared->columns) {
      sink.WriteRowDescription(*prepared->columns);
    } else {
      out.Begin('n').End();  // NoData
    }
    return true;
  }

  bool Handle(protocol::pg::ExecuteMsg& m, PgResultSink& sink, protocol::pg::MessageWriter& out, ExtendedResult&) {
    sink.set_formats(formats_[m.portal]);
    bool suspended = false;
    if (!session_.ExecutePortal(m.portal, m.max_rows, sink, suspended)) return false;
    if (suspended) out.Begin('s').End();  // PortalSuspended
    return true;
  }

  bool Handle(protocol::pg::CloseMsg& m, PgResultSink&, protocol::pg::MessageWriter& out, ExtendedResult&) {
    if (m.kind == 'S') {
      session_.CloseStatement(m.name);
    } else {
      session_.ClosePortal(m.name);
      formats_.erase(m.name);
    }
    out.Begin('3').End();  // CloseComplete
    return true;
  }

  bool Handle(protocol::pg::SyncMsg&, PgResultSink& sink, protocol::pg::MessageWriter&, ExtendedResult& result) {
    session_.Sync(sink);
    result.failed = false;
    result.synced = true;
    result.status = static_cast<char>(session_.status());
    return true;
  }

  sql::Session session_;
  runtime::BlockingPool& pool_;
  std::map<std::string, std::vector<int16_t>> formats_;  // result formats per portal
  size_t mark_ = 0;  // output size before the message being handled
  PgQueryHandler& handler_;
  int32_t secret_;
};

}  // namespace

void PgQueryHandler::Register(int32_t secret, sql::Session* session) {
  std::lock_guard lock(mutex_);
  sessions_[secret] = session;
}

void PgQueryHandler::Unregister(int32_t secret) {
  std::lock_guard lock(mutex_);
  sessions_.erase(secret);
}

std::optional<protocol::pg::RoleInfo> PgQueryHandler::LookupRole(std::string_view user) {
  auto role = catalog::LoadRole(db_.engine(), user);
  if (!role.ok()) return protocol::pg::RoleInfo{false, std::nullopt};  // storage trouble: no logins
  if (!role->has_value()) return std::nullopt;
  return protocol::pg::RoleInfo{(*role)->login, (*role)->password};
}

std::optional<std::pair<std::string, std::string>> PgQueryHandler::CheckDatabase(std::string_view name) {
  auto database = catalog::LoadDatabase(db_.engine(), name);
  if (!database.ok()) return std::pair<std::string, std::string>("58030", database.error().message());
  std::string quoted = "database \"" + std::string(name) + "\"";
  if (!database->has_value()) return std::pair<std::string, std::string>("3D000", quoted + " does not exist");
  if (!(*database)->allow_connections) {
    return std::pair<std::string, std::string>("55000", quoted + " is not currently accepting connections");
  }
  return std::nullopt;
}

void PgQueryHandler::Cancel(int32_t pid, int32_t secret) {
  if (pid != static_cast<int32_t>(::getpid())) return;
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(secret); it != sessions_.end()) it->second->Cancel();
}

std::unique_ptr<protocol::pg::QuerySession> PgQueryHandler::Open(const protocol::pg::StartupPacket& startup,
                                                                 int32_t secret) {
  sql::SessionInfo info;
  info.user = std::string(startup.Param("user"));
  info.database = std::string(startup.Param("database"));
  if (info.database.empty()) info.database = info.user;  // libpq's default, as ServePg checked
  // Checked before (CheckDatabase); a database dropped since gets oid 0, which
  // no session attaches to: its statements fail with 3D000.
  auto database = catalog::LoadDatabase(db_.engine(), info.database);
  info.database_oid = database.ok() && database->has_value() ? (*database)->oid : 0;
  info.pid = static_cast<int32_t>(::getpid());
  return std::make_unique<PgQuerySession>(db_, pool_, std::move(info), startup, *this, secret);
}

}  // namespace orbit::glue
