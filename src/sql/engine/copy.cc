// COPY FROM STDIN and COPY TO STDOUT in PostgreSQL's text and CSV formats.
// The wire glue hands COPY FROM data over in chunks of any size; complete lines
// are parsed and inserted as they arrive, in the statement's transaction, and
// CopyDone commits (outside a transaction block).
#include <algorithm>

#include "catalog/catalog.h"
#include "sql/engine/session.h"
#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"

namespace orbit::sql {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The fields of one text-format line: nullopt for the NULL marker.
std::vector<std::optional<std::string>> SplitText(std::string_view line, const ast::Copy& o) {
  std::vector<std::optional<std::string>> fields;
  size_t start = 0;
  while (true) {
    // A field ends at an unescaped delimiter.
    size_t end = start;
    while (end < line.size() && line[end] != o.delimiter) end += line[end] == '\\' && end + 1 < line.size() ? 2 : 1;
    std::string_view raw = line.substr(start, end - start);
    if (raw == o.null_string) {
      fields.emplace_back(std::nullopt);
    } else {
      std::string value;
      for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c != '\\' || i + 1 >= raw.size()) {
          value += c;
          continue;
        }
        char n = raw[++i];
        switch (n) {
          case 'b': value += '\b'; break;
          case 'f': value += '\f'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'v': value += '\v'; break;
          case 'x': {
            int v = 0, digits = 0;
            while (digits < 2 && i + 1 < raw.size() && HexValue(raw[i + 1]) >= 0) v = v * 16 + HexValue(raw[++i]), ++digits;
            if (digits == 0) value += 'x';
            else value += static_cast<char>(v);
            break;
          }
          default:
            if (n >= '0' && n <= '7') {
              int v = n - '0', digits = 1;
              while (digits < 3 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7') {
                v = v * 8 + (raw[++i] - '0'), ++digits;
              }
              value += static_cast<char>(v & 0xFF);
            } else {
              value += n;  // \\, \<delimiter> and any other character stand for themselves
            }
        }
      }
      fields.emplace_back(std::move(value));
    }
    if (end >= line.size()) break;
    start = end + 1;
  }
  return fields;
}

// The fields of one CSV record (quotes already balanced by the line splitter).
std::vector<std::optional<std::string>> SplitCsv(std::string_view line, const ast::Copy& o) {
  std::vector<std::optional<std::string>> fields;
  size_t i = 0;
  while (true) {
    std::string value;
    bool quoted = false;
    size_t start = i;
    while (i < line.size() && line[i] != o.delimiter) {
      if (line[i] == o.quote) {
        quoted = true;
        ++i;
        while (i < line.size()) {
          if (line[i] == o.escape && i + 1 < line.size() && line[i + 1] == o.quote) {
            value += o.quote;
            i += 2;
          } else if (line[i] == o.quote) {
            ++i;
            break;
          } else {
            value += line[i++];
          }
        }
      } else {
        value += line[i++];
      }
    }
    // An unquoted field equal to the NULL string is NULL; a quoted one never is.
    if (!quoted && line.substr(start, i - start) == o.null_string) {
      fields.emplace_back(std::nullopt);
    } else {
      fields.emplace_back(std::move(value));
    }
    if (i >= line.size()) break;
    ++i;  // the delimiter
  }
  return fields;
}

// The end of the next record in `data` from `pos`, or npos if it is incomplete.
// CSV records may contain newlines inside quotes.
size_t RecordEnd(std::string_view data, size_t pos, const ast::Copy& o) {
  if (!o.csv) return data.find('\n', pos);
  bool in_quotes = false;
  for (size_t i = pos; i < data.size(); ++i) {
    char c = data[i];
    if (in_quotes && c == o.escape && o.escape != o.quote && i + 1 < data.size() && data[i + 1] == o.quote) {
      ++i;
    } else if (c == o.quote) {
      in_quotes = !in_quotes;
    } else if (c == '\n' && !in_quotes) {
      return i;
    }
  }
  return std::string_view::npos;
}

void AppendTextField(std::string& out, const std::string& v, char delimiter) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += delimiter == '\t' ? "\\t" : "\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c == delimiter) out += '\\';
        out += c;
    }
  }
}

void AppendCsvField(std::string& out, const std::string& v, const ast::Copy& o) {
  bool quote = v.empty() && o.null_string.empty();
  quote = quote || v == o.null_string || v.find_first_of(std::string{o.delimiter, o.quote, '\r', '\n'}) != std::string::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += o.quote;
  for (char c : v) {
    if (c == o.quote || c == o.escape) out += o.escape;
    out += c;
  }
  out += o.quote;
}

}  // namespace

void Session::RunCopy(const ast::Copy& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  std::optional<catalog::TableDesc> table;
  if (!s.query) table = ResolveTable(catalog, s.table);
  std::vector<int> columns;
  if (table) {
    if (s.columns.empty()) {
      for (size_t c = 0; c < table->columns.size(); ++c) columns.push_back(static_cast<int>(c));
    }
    for (const auto& name : s.columns) {
      int index = table->FindColumn(name);
      if (index < 0) Throw("42703", "column \"" + name + "\" of relation \"" + table->name + "\" does not exist");
      if (std::find(columns.begin(), columns.end(), index) != columns.end()) {
        Throw("42701", "column \"" + name + "\" specified more than once");
      }
      columns.push_back(index);
    }
  }
  if (describe_only_) return;
  if (s.from) {
    if (s.query) Throw("0A000", "COPY (query) FROM is not valid");
    copy_.emplace();
    copy_->options.from = true;
    copy_->options.csv = s.csv;
    copy_->options.delimiter = s.delimiter;
    copy_->options.null_string = s.null_string;
    copy_->options.header = s.header;
    copy_->options.quote = s.quote;
    copy_->options.escape = s.escape;
    copy_->table = std::move(*table);
    copy_->columns = std::move(columns);
    // A table this transaction created or truncated, with nothing to check per
    // row but NOT NULL (no keys, no indexes), READ COMMITTED and no savepoint to
    // roll back to: load it directly. A `gc` mark written first and deleted by
    // the transaction makes an abort or crash leave only garbage the sweep removes.
    const catalog::TableDesc& t = copy_->table;
    bool fresh = std::find(fresh_relfilenodes_.begin(), fresh_relfilenodes_.end(), t.relfilenode) !=
                 fresh_relfilenodes_.end();
    if (fresh && t.primary_key.empty() && t.indexes.empty() && savepoints_.empty() &&
        Txn().isolation() == storage::IsolationLevel::kReadCommitted) {
      storage::WriteBatch mark(db_.engine());
      mark.Put(storage::ColumnFamily::kCatalog, catalog::GarbageKey(t.relfilenode), "");
      Check(db_.engine().Write(mark));
      Check(Txn().Delete(storage::ColumnFamily::kCatalog, catalog::GarbageKey(t.relfilenode)));
      copy_->direct = true;
      copy_->batch = std::make_unique<storage::WriteBatch>(db_.engine());
    }
    sink.CopyInBegin(copy_->columns.size());
    return;
  }
  // COPY ... TO STDOUT: the rows of a table's columns, or of a query.
  std::optional<QueryPlan> plan;
  std::vector<std::string> names;
  exec::OperatorPtr root;
  if (s.query) {
    plan = PlanSelect(*s.query, Txn(), catalog, params_);
    for (const auto& c : plan->columns) names.push_back(c.name);
    root = std::move(plan->root);
  } else {
    std::vector<exec::BoundExprPtr> picks;
    for (int c : columns) {
      picks.push_back(exec::MakeColumn(c, table->columns[static_cast<size_t>(c)].type));
      names.push_back(table->columns[static_cast<size_t>(c)].name);
    }
    root = exec::MakeProject(exec::MakeTableScan(Txn(), *table, false), std::move(picks));
  }
  size_t width = names.size();
  sink.CopyOutBegin(width);
  std::string line;
  auto field = [&](const std::optional<std::string>& v, size_t i) {
    if (i > 0) line += s.delimiter;
    if (!v) {
      line += s.null_string;
    } else if (s.csv) {
      AppendCsvField(line, *v, s);
    } else {
      AppendTextField(line, *v, s.delimiter);
    }
  };
  if (s.header) {
    line.clear();
    for (size_t i = 0; i < width; ++i) field(names[i], i);
    line += '\n';
    sink.CopyData(line);
  }
  size_t rows = 0;
  exec::Batch batch;
  while (root->Next(batch)) {
    for (size_t r = 0; r < batch.count; ++r) {
      line.clear();
      for (size_t c = 0; c < width; ++c) {
        const exec::Vector& v = batch.columns[c];
        field(v.IsNull(r) ? std::nullopt : std::optional<std::string>(ToText(v.Get(r))), c);
      }
      line += '\n';
      sink.CopyData(line);
    }
    rows += batch.count;
  }
  sink.CopyOutEnd();
  sink.Complete("COPY " + std::to_string(rows));
}

void Session::CopyLines(bool final) {
  CopyState& c = *copy_;
  std::string_view data = c.pending;
  size_t pos = 0;
  while (pos < data.size() && !c.done) {
    size_t end = RecordEnd(data, pos, c.options);
    if (end == std::string_view::npos) {
      if (!final) break;
      end = data.size();  // the last line may lack its newline
    }
    std::string_view line = data.substr(pos, end - pos);
    pos = end == data.size() ? end : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "\\.") {
      c.done = true;
      break;
    }
    if (c.options.header && !c.header_skipped) {
      c.header_skipped = true;
      continue;
    }
    ValidateUtf8(line);
    auto fields = c.options.csv ? SplitCsv(line, c.options) : SplitText(line, c.options);
    if (fields.size() > c.columns.size()) Throw("22P04", "extra data after last expected column");
    if (fields.size() < c.columns.size()) {
      Throw("22P04", "missing data for column \"" + c.table.columns[static_cast<size_t>(c.columns[fields.size()])].name + "\"");
    }
    std::vector<Value> row = RowWithDefaults(c.table, c.columns);
    for (size_t f = 0; f < fields.size(); ++f) {
      const auto& column = c.table.columns[static_cast<size_t>(c.columns[f])];
      try {
        row[static_cast<size_t>(c.columns[f])] = fields[f] ? FromText(*fields[f], column.type) : Value::Null(column.type);
      } catch (SqlException& e) {
        e.error().detail = "COPY " + c.table.name + ", line " + std::to_string(c.rows + 1 + (c.options.header ? 1 : 0)) +
                           ", column " + column.name;
        throw;
      }
    }
    if (c.direct) {
      CheckRow(c.table, row);
      if (!c.table.foreign_keys.empty()) CheckReferences(c.table, row);
      c.batch->Put(storage::ColumnFamily::kRows, exec::EncodeRowKey(c.table, row, db_.NextRowId()), exec::EncodeRow(row));
      if (c.batch->Count() >= 10000) {
        Check(db_.engine().Write(*c.batch, storage::Engine::WriteMode::kOwned));
        c.batch->Clear();
      }
    } else {
      InsertRow(c.table, row, false);
    }
    ++c.rows;
  }
  c.pending.erase(0, pos);
}

void Session::CopyData(std::string_view data, ResultSink& sink) {
  if (!copy_ || copy_->failed || copy_->done) return;
  exec::StatementControl control;
  control.cancel = &cancel_;  // the statement started with COPY: a cancel stops the data load
  exec::ScopedStatementControl limits(control);
  try {
    exec::CheckInterrupts();
    copy_->pending.append(data);
    CopyLines(false);
  } catch (SqlException& e) {
    copy_->failed = true;
    Fail(e, "", sink);
  }
}

void Session::CopyDone(ResultSink& sink) {
  if (!copy_) return;
  if (copy_->failed) {
    copy_.reset();
    return;
  }
  try {
    CopyLines(true);
    if (copy_->direct && copy_->batch->Count() > 0) {
      Check(db_.engine().Write(*copy_->batch, storage::Engine::WriteMode::kOwned));
    }
    size_t rows = copy_->rows;
    bool commit = copy_->autocommit || implicit_;
    copy_.reset();
    if (commit) {
      implicit_ = false;
      CommitTxn();
    }
    sink.Complete("COPY " + std::to_string(rows));
  } catch (SqlException& e) {
    copy_.reset();
    Fail(e, "", sink);
  }
}

void Session::CopyFail(std::string_view message, ResultSink& sink) {
  if (!copy_) return;
  bool reported = copy_->failed;
  copy_.reset();
  if (!reported) Fail(SqlException(SqlError("57014", "COPY from stdin failed: " + std::string(message))), "", sink);
}

}  // namespace orbit::sql
