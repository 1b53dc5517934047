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

// Runs every statement of a simple-query message, writing RowDescription /
// DataRow / CommandComplete (or ErrorResponse, which ends the string, or
// EmptyQueryResponse) to `out`. ReadyForQuery is the caller's.
void RunSimpleQuery(std::string_view sql, protocol::pg::MessageWriter& out);

}  // namespace orbit::sql
