#pragma once

// Internal to the parser: helpers shared by the converters from libpg_query's
// protobuf-c tree to Orbit's AST (convert_expr.cc, convert_stmt.cc).

#include <pg_query/pg_query.pb-c.h>

#include <string>

#include "sql/ast/ast.h"

namespace orbit::sql::parser {

// The protobuf field name of a node's case ("select_stmt", "a_expr", ...), to
// name what is not supported.
std::string NodeName(const PgQuery__Node& node);

[[noreturn]] void Unsupported(const std::string& what, int location = -1);

// A String node's text; throws for any other node.
std::string StringOf(const PgQuery__Node& node);

LogicalType ConvertTypeName(const PgQuery__TypeName& type);

ast::ExprPtr ConvertExpr(const PgQuery__Node& node);
std::unique_ptr<ast::Select> ConvertSelect(const PgQuery__SelectStmt& s);

}  // namespace orbit::sql::parser
