#pragma once

// The glue between the PostgreSQL wire session and the SQL engine (ADR 005):
// a QueryHandler whose sessions run statements on sql::Session and write the
// results as PostgreSQL messages. The only place SQL results and errors become
// RowDescription / DataRow / CommandComplete / ErrorResponse.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/pg/pg_codec.h"
#include "protocol/pg/pg_session.h"
#include "runtime/blocking_pool.h"
#include "sql/engine/session.h"

namespace orbit::glue {

// Writes one query string's results to a PostgreSQL message stream.
class PgResultSink : public sql::ResultSink {
 public:
  explicit PgResultSink(protocol::pg::MessageWriter& out) : out_(out) {}
  void Describe(const std::vector<sql::OutputColumn>& columns) override;
  void Rows(const sql::exec::Batch& batch, size_t visible) override;
  void Complete(std::string_view tag) override;
  void EmptyQuery() override;
  void Error(const sql::SqlError& error) override;
  void Notice(const sql::SqlError& notice) override;
  void ParameterStatus(std::string_view name, std::string_view value) override;
  void CopyInBegin(size_t columns) override;
  void CopyOutBegin(size_t columns) override;
  void CopyData(std::string_view data) override;
  void CopyOutEnd() override;

  // Format codes (0 text, 1 binary) of the result columns, as Bind gave them.
  void set_formats(std::vector<int16_t> formats) { formats_ = std::move(formats); }
  // Called when the pending output passes `threshold` bytes; returns false when
  // the client is gone (the statement then stops with 08006).
  void set_flush(std::function<bool()> flush, size_t threshold) {
    flush_ = std::move(flush);
    flush_threshold_ = threshold;
  }
  // Running on the connection's own thread: past `max_bytes` of pending output
  // the statement is abandoned (RerouteToPool) and run again on the pool, where
  // it can stream. 0: no limit.
  void set_inline_budget(size_t max_bytes) { inline_budget_ = max_bytes; }
  // A RowDescription for `columns` in `formats` (Describe of a statement: all 0).
  void WriteRowDescription(const std::vector<sql::OutputColumn>& columns);

 private:
  protocol::pg::MessageWriter& out_;
  std::string cell_;
  std::vector<int16_t> formats_;
  std::function<bool()> flush_;
  size_t flush_threshold_ = 0;
  size_t inline_budget_ = 0;
  void CheckOutput();
};

// Thrown by PgResultSink when an inline statement's output outgrows its budget.
using RerouteToPool = sql::exec::RunElsewhere;

// Runs a query string on `session`, writing every message but ReadyForQuery;
// returns the transaction status for it.
char RunSimpleQuery(sql::Session& session, std::string_view sql, protocol::pg::MessageWriter& out,
                    std::function<bool()> flush = {});

class PgQueryHandler : public protocol::pg::QueryHandler {
 public:
  // Statements run on `pool` (they may wait for row locks and fsyncs).
  PgQueryHandler(sql::Database& db, runtime::BlockingPool& pool) : db_(db), pool_(pool) {}
  std::unique_ptr<protocol::pg::QuerySession> Open(const protocol::pg::StartupPacket& startup,
                                                   int32_t secret) override;
  void Cancel(int32_t pid, int32_t secret) override;
  std::optional<protocol::pg::RoleInfo> LookupRole(std::string_view user) override;
  std::optional<std::pair<std::string, std::string>> CheckDatabase(std::string_view name) override;

  // Sessions by cancel key (they register and unregister themselves).
  void Register(int32_t secret, sql::Session* session);
  void Unregister(int32_t secret);

 private:
  sql::Database& db_;
  runtime::BlockingPool& pool_;
  std::mutex mutex_;
  std::map<int32_t, sql::Session*> sessions_;
};

}  // namespace orbit::glue
