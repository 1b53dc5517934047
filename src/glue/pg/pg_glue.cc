#include "glue/pg/pg_glue.h"

namespace orbit::glue {

void PgResultSink::Describe(const std::vector<sql::OutputColumn>& columns) {
  out_.Begin('T').Int16(static_cast<int16_t>(columns.size()));
  for (const auto& c : columns) {
    // atttypmod: varchar(n) and char(n) carry n + 4 (VARHDRSZ), as PostgreSQL sends.
    int32_t typmod = c.type.length >= 0 ? c.type.length + 4 : -1;
    out_.CString(c.name).Int32(0).Int16(0).Int32(sql::TypeOid(c.type.id)).Int16(sql::TypeLength(c.type.id));
    out_.Int32(typmod).Int16(0);
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
      if (column.physical() == sql::PhysicalType::kString) {
        const std::string& s = column.String(r);
        out_.Int32(static_cast<int32_t>(s.size())).Bytes(s);
        continue;
      }
      cell_.clear();
      sql::AppendText(column.Get(r), cell_);
      out_.Int32(static_cast<int32_t>(cell_.size())).Bytes(cell_);
    }
    out_.End();
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

char RunSimpleQuery(sql::Session& session, std::string_view sql, protocol::pg::MessageWriter& out) {
  PgResultSink sink(out);
  session.Execute(sql, sink);
  return static_cast<char>(session.status());
}

namespace {

class PgQuerySession : public protocol::pg::QuerySession {
 public:
  PgQuerySession(sql::Database& db, runtime::BlockingPool& pool) : session_(db), pool_(pool) {}
  Task<char> SimpleQuery(std::string_view sql, protocol::pg::MessageWriter& out) override {
    sql::Session* session = &session_;
    std::string_view* text = &sql;
    protocol::pg::MessageWriter* writer = &out;
    co_return co_await pool_.Run([session, text, writer] { return RunSimpleQuery(*session, *text, *writer); });
  }

 private:
  sql::Session session_;
  runtime::BlockingPool& pool_;
};

}  // namespace

std::unique_ptr<protocol::pg::QuerySession> PgQueryHandler::Open(const protocol::pg::StartupPacket&) {
  return std::make_unique<PgQuerySession>(db_, pool_);
}

}  // namespace orbit::glue
