#pragma once

// The first slice of the SQL path (ADR 005): a query string is parsed by
// PostgreSQL's grammar and each statement is answered with PostgreSQL's
// messages. Only SELECT of expressions without FROM is executed so far
// (constants, casts, integer arithmetic and comparisons); every other statement
// or expression is refused with SQLSTATE 0A000 naming the construct. Tables,
// the catalog and the vectorized executor replace the evaluator here as they land.

#include <string_view>

#include "protocol/pg/pg_codec.h"

namespace orbit::sql {

// The statements of one connection. BEGIN / START TRANSACTION, COMMIT / END and
// ROLLBACK keep PostgreSQL's transaction status (and 25P02 after an error inside
// a block); with no data yet there is nothing for a transaction to hold.
class SimpleQueryRunner {
 public:
  // Runs every statement of a simple-query message, writing RowDescription /
  // DataRow / CommandComplete (or ErrorResponse, which ends the string, or
  // EmptyQueryResponse) to `out`; returns the status for ReadyForQuery.
  char Run(std::string_view sql, protocol::pg::MessageWriter& out);
  char status() const { return status_; }

 private:
  char status_ = 'I';  // 'I' idle, 'T' in a block, 'E' in a failed block
};

}  // namespace orbit::sql
