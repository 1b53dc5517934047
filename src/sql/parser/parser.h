#pragma once

// PostgreSQL's own grammar, through libpg_query (Debian libpg-query-dev, the
// PostgreSQL 15.1 parser): SQL text in, the parse tree as protobuf-c structs out
// (pg_query.pb-c.h). See ADR 005. The JSON route is not used: this libpg_query
// drops negative integer constants from its JSON output.

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "sql/ast/ast.h"
#include "sql/types/types.h"

struct PgQuery__ParseResult;

namespace orbit::sql {


// An owned parse tree of one query string (one or more statements).
class ParseTree {
 public:
  ParseTree(ParseTree&&) noexcept;
  ParseTree& operator=(ParseTree&&) noexcept;
  ~ParseTree();
  const PgQuery__ParseResult& result() const { return *result_; }

 private:
  friend std::variant<ParseTree, SqlError> Parse(std::string_view sql);
  explicit ParseTree(PgQuery__ParseResult* result) : result_(result) {}
  PgQuery__ParseResult* result_;
};

// Parses `sql`. Errors carry PostgreSQL's message, SQLSTATE and character
// position. Expressions nested deeper than the parser's recursion can take are
// refused with 54001 (statement_too_complex) before parsing.
std::variant<ParseTree, SqlError> Parse(std::string_view sql);

// PostgreSQL reports positions in characters; libpg_query locations are byte
// offsets. Converts a 1-based byte position in `sql` to a 1-based character one.
int CharPosition(std::string_view sql, int byte_pos);

// The statements of a parse tree. A statement may be empty (";;"): then
// IsEmptyStatement is true and there is nothing to convert.
size_t StatementCount(const ParseTree& tree);
bool IsEmptyStatement(const ParseTree& tree, size_t index);

// Converts statement `index` into Orbit's AST (convert_*.cc). Constructs Orbit
// does not support yet throw SqlException 0A000 naming the construct; locations
// stay byte offsets into the whole query string.
ast::Statement ConvertStatement(const ParseTree& tree, size_t index);

}  // namespace orbit::sql
