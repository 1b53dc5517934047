#include "sql/parser.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

namespace orbit::sql {
namespace {

// libpg_query's parser and protobuf unpacking recurse once per nesting level:
// a chain of about 5,000 binary operators overflows an 8 MB thread stack (ADR
// 005). Operators and parentheses outside literals bound the nesting depth.
constexpr size_t kMaxNestingTokens = 2000;

size_t NestingTokens(std::string_view sql) {
  size_t n = 0;
  char quote = 0;
  for (char ch : sql) {
    if (quote) {
      if (ch == quote) quote = 0;
      continue;
    }
    switch (ch) {
      case '\'': case '"': quote = ch; break;
      case '(': case '+': case '-': case '*': case '/': case '%': case '^': case '<': case '>': case '=':
      case '|': case '&': case '~': case '!': case '[': ++n; break;
      default: break;
    }
  }
  return n;
}

}  // namespace

int CharPosition(std::string_view sql, int byte_pos) {
  if (byte_pos <= 0) return 0;
  int chars = 0;
  for (size_t i = 0; i < sql.size() && i < static_cast<size_t>(byte_pos); ++i) {
    if ((static_cast<unsigned char>(sql[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars;
}

ParseTree::ParseTree(ParseTree&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }

ParseTree& ParseTree::operator=(ParseTree&& other) noexcept {
  std::swap(result_, other.result_);
  return *this;
}

ParseTree::~ParseTree() {
  if (result_ != nullptr) pg_query__parse_result__free_unpacked(result_, nullptr);
}

std::variant<ParseTree, SqlError> Parse(std::string_view sql) {
  if (NestingTokens(sql) > kMaxNestingTokens) {
    return SqlError{"54001", "statement is too complex: more than " + std::to_string(kMaxNestingTokens) +
                                 " operators or parentheses", 0};
  }
  std::string text(sql);  // NUL-terminated for the C API
  PgQueryProtobufParseResult r = pg_query_parse_protobuf(text.c_str());
  if (r.error != nullptr) {
    SqlError e{"42601", r.error->message, CharPosition(sql, r.error->cursorpos)};
    pg_query_free_protobuf_parse_result(r);
    return e;
  }
  PgQuery__ParseResult* tree = pg_query__parse_result__unpack(
      nullptr, r.parse_tree.len, reinterpret_cast<const uint8_t*>(r.parse_tree.data));
  pg_query_free_protobuf_parse_result(r);
  if (tree == nullptr) return SqlError{"XX000", "cannot decode the parse tree", 0};
  return ParseTree(tree);
}

}  // namespace orbit::sql
