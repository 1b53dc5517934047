#include "sql/parser/parser.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace orbit::sql {
namespace {

// libpg_query's raw-tree building and protobuf unpacking recurse once per
// nesting level: a chain of about 5,000 operators overflows an 8 MB thread stack
// (ADR 005). Before parsing, a small lexer estimates the nesting depth: each
// parenthesis level counts, plus the run of operator-like tokens (operators,
// "::", keywords such as NOT) since the last separator ("," AND OR ";") at that
// level. Comments and every quoting form are skipped so they cannot hide tokens.
constexpr size_t kMaxNesting = 1000;

bool IsWordChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$' || (ch & 0x80); }

size_t EstimateNesting(std::string_view sql) {
  std::vector<size_t> runs{0};  // operator run per open parenthesis level
  size_t worst = 0;
  auto bump = [&] {
    ++runs.back();
    worst = std::max(worst, runs.size() - 1 + runs.back());
  };
  size_t i = 0, n = sql.size();
  while (i < n) {
    char ch = sql[i];
    if (ch == '-' && i + 1 < n && sql[i + 1] == '-') {  // -- comment
      while (i < n && sql[i] != '\n') ++i;
    } else if (ch == '/' && i + 1 < n && sql[i + 1] == '*') {  // /* nested */ comment
      int depth = 0;
      do {
        if (sql.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (sql.compare(i, 2, "*/") == 0) --depth, i += 2;
        else ++i;
      } while (i < n && depth > 0);
    } else if (ch == '\'' || ch == '"') {  // 'string' (E'..' escapes too) or "identifier"
      bool escapes = ch == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      ++i;
      while (i < n) {
        if (escapes && sql[i] == '\\') i += 2;
        else if (sql[i] == ch && i + 1 < n && sql[i + 1] == ch) i += 2;
        else if (sql[i] == ch) break;
        else ++i;
      }
      ++i;
    } else if (ch == '$' && (i == 0 || !IsWordChar(sql[i - 1]))) {  // $tag$ ... $tag$ (or $1)
      size_t close = sql.find('$', i + 1);
      std::string_view tag = close == std::string_view::npos ? std::string_view() : sql.substr(i, close - i + 1);
      bool is_tag = !tag.empty() && std::all_of(tag.begin() + 1, tag.end() - 1, IsWordChar) &&
                    !(tag.size() > 2 && std::isdigit(static_cast<unsigned char>(tag[1])));
      if (!is_tag) {
        ++i;
        continue;
      }
      size_t end = sql.find(tag, close + 1);
      i = end == std::string_view::npos ? n : end + tag.size();
    } else if (IsWordChar(ch)) {
      size_t start = i;
      while (i < n && IsWordChar(sql[i])) ++i;
      std::string_view word = sql.substr(start, i - start);
      auto is = [&](std::string_view kw) {
        return word.size() == kw.size() &&
               std::equal(word.begin(), word.end(), kw.begin(), [](char a, char b) { return std::tolower(a) == b; });
      };
      if (is("and") || is("or")) runs.back() = 0;
      else if (is("not") || is("is") || is("collate") || is("between") || is("like") || is("ilike") ||
               is("similar") || is("in") || is("at") || is("case") || is("when") || is("array") || is("exists")) {
        bump();
      }
    } else if (ch == '(' || ch == '[') {
      bump();
      runs.push_back(0);
      worst = std::max(worst, runs.size() - 1);
      ++i;
    } else if (ch == ')' || ch == ']') {
      if (runs.size() > 1) runs.pop_back();
      ++i;
    } else if (ch == ',' || ch == ';') {
      runs.back() = 0;
      ++i;
    } else if (std::strchr("+-*/%^<>=|&~!#@?:", ch) != nullptr) {
      bump();
      ++i;
      while (i < n && std::strchr("+-*/%^<>=|&~!#@?:", sql[i]) != nullptr && sql[i] != '-') ++i;  // one operator
    } else {
      ++i;
    }
  }
  return worst;
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
  if (EstimateNesting(sql) > kMaxNesting) {
    return SqlError{"54001", "stack depth limit exceeded",
                    0};  // PostgreSQL's message for a statement nested too deeply
  }
  std::string text(sql);  // NUL-terminated for the C API
  PgQueryProtobufParseResult r = pg_query_parse_protobuf(text.c_str());
  if (r.error != nullptr) {
    // libpg_query already reports a 1-based character position (UTF-8 aware).
    // The scanner's encoding errors are 22021 in PostgreSQL, everything else a syntax error.
    std::string_view message = r.error->message;
    const char* state = message.find("invalid byte sequence") != std::string_view::npos ||
                                message.find("invalid Unicode") != std::string_view::npos
                            ? "22021"
                            : "42601";
    SqlError e{state, r.error->message, r.error->cursorpos};
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
