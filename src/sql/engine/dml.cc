// INSERT, UPDATE and DELETE (ADR 005, decision 5): rows are locked with
// GetForUpdate before they are written, and UPDATE/DELETE re-check WHERE on the
// latest committed version of each row they lock (PostgreSQL's EvalPlanQual),
// so READ COMMITTED never loses an update.
#include <algorithm>
#include <set>

#include "catalog/catalog.h"
#include "sql/engine/session.h"
#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"

namespace orbit::sql {
namespace {

using exec::Batch;
using exec::BoundExprPtr;

std::string FailingRow(const std::vector<Value>& row) {
  std::string out = "Failing row contains (";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ", ";
    out += row[i].null ? "null" : ToText(row[i]);
  }
  return out + ").";
}


[[noreturn]] void DuplicateKey(const catalog::TableDesc& table, const std::vector<Value>& row) {
  std::string cols, vals;
  for (int c : table.primary_key) {
    cols += (cols.empty() ? "" : ", ") + table.columns[static_cast<size_t>(c)].name;
    vals += (vals.empty() ? "" : ", ") + ToText(row[static_cast<size_t>(c)]);
  }
  throw SqlException(SqlError{"23505", "duplicate key value violates unique constraint \"" + table.name + "_pkey\"",
                              0, "Key (" + cols + ")=(" + vals + ") already exists.", {}});
}

std::vector<LogicalType> TableTypes(const catalog::TableDesc& table) {
  std::vector<LogicalType> types;
  for (const auto& c : table.columns) types.push_back(c.type);
  return types;
}

// RETURNING: expressions over the written rows, described before any row.
class Returning {
 public:
  Returning(const catalog::TableDesc& table, const std::string& alias, const std::vector<ast::SelectItem>& items,
            ParamContext* params, ResultSink& sink)
      : sink_(sink) {
    if (items.empty()) return;
    Binder binder(Scope{&table, alias, params, {}});
    std::vector<OutputColumn> columns;
    for (const auto& item : items) {
      const ast::Expr& e = *item.expr;
      if (e.kind == ast::ExprKind::kStar) {
        for (size_t c = 0; c < table.columns.size(); ++c) {
          exprs_.push_back(exec::MakeColumn(static_cast<int>(c), table.columns[c].type));
          columns.push_back({table.columns[c].name, table.columns[c].type});
        }
        continue;
      }
      BoundExprPtr bound = binder.Bind(e, nullptr, "RETURNING");
      if (bound->type.id == TypeId::kUnknown) bound = MakeCast(std::move(bound), Type(TypeId::kText), false, e.location);
      columns.push_back({item.alias.empty() ? ColumnName(e) : item.alias, bound->type});
      exprs_.push_back(std::move(bound));
    }
    sink_.Describe(columns);
  }

  void Emit(const Batch& rows) {
    if (exprs_.empty() || rows.count == 0) return;
    Batch out;
    for (const auto& e : exprs_) out.columns.push_back(exec::Evaluate(*e, rows));
    out.count = rows.count;
    sink_.Rows(out, out.columns.size());
  }

 private:
  ResultSink& sink_;
  std::vector<BoundExprPtr> exprs_;
};

// Locks the rows `keys` and reads their latest committed versions into a batch
// of the table's columns plus the key column; rows deleted meanwhile are skipped.
Batch LockRows(storage::Transaction& txn, const catalog::TableDesc& table, const std::vector<std::string>& keys) {
  std::vector<LogicalType> types = TableTypes(table);
  types.push_back(Type(TypeId::kText));
  Batch out;
  out.Reset(types);
  for (const auto& key : keys) {
    auto value = txn.GetForUpdate(storage::ColumnFamily::kRows, key);
    if (!value.ok()) ThrowStorageError(value.error());
    if (!value->has_value()) continue;
    size_t row = out.count;
    for (auto& c : out.columns) c.Resize(row + 1);
    if (!exec::DecodeRowInto(**value, table, out, row)) Throw("XX001", "invalid row in table \"" + table.name + "\"");
    out.columns.back().SetNull(row, false);
    out.columns.back().String(row) = key;
    ++out.count;
  }
  return out;
}

// The keys of the rows matching WHERE under the statement's snapshot.
std::vector<std::string> CandidateKeys(storage::Transaction& txn, const catalog::TableDesc& table, Binder& binder,
                                       const ast::Expr* where) {
  BoundExprPtr predicate;
  if (where) predicate = binder.BindCondition(*where, "WHERE");
  auto keys_to_read = PrimaryKeyLookups(table, predicate.get());
  if (!keys_to_read) keys_to_read = IndexLookups(txn, table, predicate.get());
  std::optional<exec::KeyRange> range;
  if (!keys_to_read) range = PrimaryKeyRange(table, predicate.get());
  exec::OperatorPtr scan = exec::MakeTableScan(txn, table, true, std::move(keys_to_read), std::move(range));
  if (predicate) scan = exec::MakeFilter(std::move(scan), std::move(predicate));
  std::vector<std::string> keys;
  Batch batch;
  while (scan->Next(batch)) {
    const exec::Vector& key_column = batch.columns.back();
    for (size_t i = 0; i < batch.count; ++i) keys.push_back(key_column.String(i));
  }
  return keys;
}

// The rows an UPDATE or DELETE changes, a batch at a time: the keys WHERE
// matches under the statement's snapshot, then per batch each row locked, read
// at its latest version and kept only if it still matches (EvalPlanQual).
class LockedRows {
 public:
  LockedRows(storage::Transaction& txn, const catalog::TableDesc& table, Binder& binder, const ast::Expr* where)
      : txn_(txn), table_(table), keys_(CandidateKeys(txn, table, binder, where)) {
    if (where) recheck_ = binder.BindCondition(*where, "WHERE");
  }

  // The next batch (the table's columns plus the row key); false when done.
  bool Next(Batch& out) {
    while (next_ < keys_.size()) {
      size_t end = std::min(keys_.size(), next_ + exec::kBatchSize);
      std::vector<std::string> chunk(keys_.begin() + static_cast<std::ptrdiff_t>(next_),
                                     keys_.begin() + static_cast<std::ptrdiff_t>(end));
      next_ = end;
      out = Recheck(LockRows(txn_, table_, chunk));
      if (out.count > 0) return true;
    }
    return false;
  }

 private:
  Batch Recheck(Batch rows) const {
    if (!recheck_ || rows.count == 0) return rows;
    exec::Vector keep = exec::Evaluate(*recheck_, rows);
    Batch out;
    std::vector<LogicalType> types;
    for (const auto& c : rows.columns) types.push_back(c.type());
    out.Reset(types);
    for (size_t i = 0; i < rows.count; ++i) {
      if (!keep.IsNull(i) && keep.Int(i) != 0) out.AppendRow(rows, i);
    }
    return out;
  }

  storage::Transaction& txn_;
  const catalog::TableDesc& table_;
  std::vector<std::string> keys_;
  BoundExprPtr recheck_;
  size_t next_ = 0;
};

}  // namespace

void CheckNotNull(const catalog::TableDesc& table, const std::vector<Value>& row) {
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (table.columns[c].not_null && row[c].null) {
      throw SqlException(SqlError{"23502",
                                  "null value in column \"" + table.columns[c].name + "\" of relation \"" +
                                      table.name + "\" violates not-null constraint",
                                  0, FailingRow(row), {}});
    }
  }
}

void Session::CheckRow(const catalog::TableDesc& table, const std::vector<Value>& row) {
  CheckNotNull(table, row);
  if (table.checks.empty()) return;
  auto& bound = bound_checks_[table.oid];  // bound once per statement
  if (bound.empty()) {
    for (const auto& check : table.checks) {
      auto parsed = Parse("SELECT " + check.sql);
      if (auto* error = std::get_if<SqlError>(&parsed)) Throw("XX000", "unreadable CHECK constraint: " + error->message);
      ast::Statement stmt = ConvertStatement(std::get<ParseTree>(parsed), 0);
      const auto& select = std::get<ast::Select>(stmt);
      Binder binder(Scope{&table, table.name, nullptr, {}});
      bound.push_back(binder.BindCondition(*select.targets.at(0).expr, "CHECK"));
    }
  }
  Batch one;
  one.Reset(TableTypes(table));
  for (size_t c = 0; c < row.size(); ++c) one.columns[c].Append(row[c]);
  one.count = 1;
  for (size_t i = 0; i < bound.size(); ++i) {
    exec::Vector pass = exec::Evaluate(*bound[i], one);
    if (!pass.IsNull(0) && pass.Int(0) == 0) {  // NULL passes, as in PostgreSQL
      throw SqlException(SqlError{"23514",
                                  "new row for relation \"" + table.name + "\" violates check constraint \"" +
                                      table.checks[i].name + "\"",
                                  0, FailingRow(row), {}});
    }
  }
}

std::vector<Value> Session::RowWithDefaults(const catalog::TableDesc& table, const std::vector<int>& given) {
  std::vector<Value> row(table.columns.size());
  std::vector<bool> is_given(table.columns.size(), false);
  for (int c : given) is_given[static_cast<size_t>(c)] = true;
  for (size_t c = 0; c < row.size(); ++c) {
    if (!is_given[c]) row[c] = ColumnDefault(table.columns[c]);
  }
  return row;
}

bool Session::InsertRow(const catalog::TableDesc& table, const std::vector<Value>& row, bool skip_conflicts) {
  storage::Transaction& txn = Txn();
  CheckRow(table, row);
  std::string key = exec::EncodeRowKey(table, row, table.primary_key.empty() ? db_.NextRowId() : 0);
  if (!table.primary_key.empty()) {
    auto existing = txn.GetForUpdate(storage::ColumnFamily::kRows, key);
    if (!existing.ok()) ThrowStorageError(existing.error());
    if (existing->has_value()) {
      if (skip_conflicts) return false;
      DuplicateKey(table, row);
    }
  }
  Check(txn.Put(storage::ColumnFamily::kRows, key, exec::EncodeRow(row)));
  for (const auto& index : table.indexes) IndexInsert(table, index, row, key);
  if (!table.foreign_keys.empty()) CheckReferences(table, row);  // after the write: a row may reference itself
  return true;
}

std::string Session::RewriteRow(const catalog::TableDesc& table, const std::vector<Value>& old_row,
                               const std::string& old_key, const std::vector<Value>& row) {
  storage::Transaction& txn = Txn();
  CheckRow(table, row);
  std::string key = table.primary_key.empty() ? old_key : exec::EncodeRowKey(table, row, 0);
  if (key != old_key) {
    auto existing = txn.GetForUpdate(storage::ColumnFamily::kRows, key);
    if (!existing.ok()) ThrowStorageError(existing.error());
    if (existing->has_value()) DuplicateKey(table, row);
    Check(txn.Delete(storage::ColumnFamily::kRows, old_key));
  }
  Check(txn.Put(storage::ColumnFamily::kRows, key, exec::EncodeRow(row)));
  for (const auto& index : table.indexes) {
    exec::IndexEntry before = exec::EncodeIndexEntry(index, old_row, old_key);
    exec::IndexEntry after = exec::EncodeIndexEntry(index, row, key);
    if (before.key == after.key && before.value == after.value) continue;
    Check(txn.Delete(storage::ColumnFamily::kIndex, before.key));
    IndexInsert(table, index, row, key);
  }
  if (!table.foreign_keys.empty()) CheckReferences(table, row);
  // A referenced key that changed must not leave referencing rows behind.
  for (const auto& ref : ReferencingKeys(table)) {
    const auto& fk = ref.table->foreign_keys[ref.index];
    bool changed = false;
    for (int c : fk.ref_columns) {
      const Value& a = old_row[static_cast<size_t>(c)];
      const Value& b = row[static_cast<size_t>(c)];
      changed = changed || a.null != b.null || (!a.null && ToText(a) != ToText(b));
    }
    if (changed) {
      ReferencedRowGone(table, old_row, false);
      break;
    }
  }
  return key;
}

void Session::IndexInsert(const catalog::TableDesc& table, const catalog::IndexDesc& index,
                          const std::vector<Value>& row, const std::string& row_key) {
  storage::Transaction& txn = Txn();
  exec::IndexEntry entry = exec::EncodeIndexEntry(index, row, row_key);
  if (entry.unique_layout) {
    auto existing = txn.GetForUpdate(storage::ColumnFamily::kIndex, entry.key);
    if (!existing.ok()) ThrowStorageError(existing.error());
    if (existing->has_value() && **existing != row_key) {
      std::string cols, vals;
      for (int c : index.columns) {
        cols += (cols.empty() ? "" : ", ") + table.columns[static_cast<size_t>(c)].name;
        vals += (vals.empty() ? "" : ", ") + ToText(row[static_cast<size_t>(c)]);
      }
      throw SqlException(SqlError("23505", "duplicate key value violates unique constraint \"" + index.name + "\"", 0,
                                  "Key (" + cols + ")=(" + vals + ") already exists."));
    }
  }
  Check(txn.Put(storage::ColumnFamily::kIndex, entry.key, entry.value));
}

void Session::IndexDelete(const catalog::IndexDesc& index, const std::vector<Value>& row, const std::string& row_key) {
  Check(Txn().Delete(storage::ColumnFamily::kIndex, exec::EncodeIndexEntry(index, row, row_key).key));
}

void Session::RunInsert(const ast::Insert& s, ResultSink& sink) {
  storage::Transaction& txn = Txn();
  catalog::Catalog catalog = Catalog();
  catalog::TableDesc table = ResolveTable(catalog, s.table);
  std::vector<int> targets;
  if (s.columns.empty()) {
    // Without a column list, the leading columns: as many as the source provides.
    size_t width = table.columns.size();
    const ast::Select& src = *s.source;
    if (!src.values.empty() && !src.from && src.targets.empty()) {
      for (const auto& row : src.values) {
        if (row.size() != src.values[0].size()) {
          Throw("42601", "VALUES lists must all be the same length", row.empty() ? -1 : row[0]->location);
        }
      }
      width = std::min(width, src.values[0].size());
      if (src.values[0].size() > table.columns.size()) {
        Throw("42601", "INSERT has more expressions than target columns", src.values[0][width]->location);
      }
    }
    for (size_t c = 0; c < width; ++c) targets.push_back(static_cast<int>(c));
  } else {
    for (const auto& name : s.columns) {
      int index = table.FindColumn(name);
      if (index < 0) Throw("42703", "column \"" + name + "\" of relation \"" + table.name + "\" does not exist");
      for (int t : targets) {
        if (t == index) Throw("42701", "column \"" + name + "\" specified more than once");
      }
      targets.push_back(index);
    }
  }
  if (s.on_conflict_do_update && s.conflict_columns.empty() && s.conflict_constraint.empty()) {
    Throw("42601", "ON CONFLICT DO UPDATE requires inference specification or constraint name", s.conflict_location);
  }
  // The conflict target must name the primary key (the only unique constraint so far).
  if (!s.conflict_constraint.empty() && s.conflict_constraint != table.name + "_pkey") {
    Throw("42704", "constraint \"" + s.conflict_constraint + "\" for table \"" + table.name + "\" does not exist",
          s.conflict_location);
  }
  if (!s.conflict_columns.empty()) {
    std::vector<int> columns;
    for (const auto& name : s.conflict_columns) {
      int index = table.FindColumn(name);
      if (index < 0) Throw("42703", "column \"" + name + "\" does not exist", s.conflict_location);
      columns.push_back(index);
    }
    std::vector<int> key = table.primary_key;
    std::sort(columns.begin(), columns.end());
    std::sort(key.begin(), key.end());
    if (columns != key) {
      Throw("42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification",
            s.conflict_location);
    }
  }
  auto column_of = [&](size_t i) -> const catalog::ColumnDesc& {
    return table.columns[static_cast<size_t>(targets[i])];
  };
  // GENERATED ALWAYS AS IDENTITY columns take no explicit values (DEFAULT is fine).
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!column_of(i).identity_always) continue;
    bool all_default = !s.source->values.empty();
    for (const auto& row : s.source->values) {
      all_default = all_default && i < row.size() && row[i]->kind == ast::ExprKind::kDefault;
    }
    if (!all_default) {
      throw SqlException(SqlError("428C9", "cannot insert a non-DEFAULT value into column \"" + column_of(i).name + "\"", 0,
                                  "Column \"" + column_of(i).name + "\" is an identity column defined as GENERATED ALWAYS.",
                                  "Use OVERRIDING SYSTEM VALUE to override."));
    }
  }

  // The source rows, already cast to the target columns' types.
  exec::OperatorPtr source;
  const ast::Select& src = *s.source;
  if (!src.values.empty() && !src.from && src.targets.empty() && src.order_by.empty() && !src.limit && !src.offset) {
    Binder binder{Scope{nullptr, "", params_, {}}};
    std::vector<std::vector<BoundExprPtr>> rows;
    for (const auto& row : src.values) {
      if (row.size() > targets.size()) Throw("42601", "INSERT has more expressions than target columns", row[targets.size()]->location);
      if (row.size() < targets.size()) Throw("42601", "INSERT has more target columns than expressions", row.empty() ? -1 : row[0]->location);
      std::vector<BoundExprPtr> bound;
      for (size_t i = 0; i < row.size(); ++i) {
        const ast::Expr& e = *row[i];
        if (e.kind == ast::ExprKind::kDefault) {
          bound.push_back(exec::MakeConst(ColumnDefault(column_of(i))));
        } else {
          bound.push_back(CoerceAssignment(binder.Bind(e, nullptr, "VALUES"), column_of(i), e.location));
        }
      }
      rows.push_back(std::move(bound));
    }
    std::vector<LogicalType> types;
    for (size_t i = 0; i < targets.size(); ++i) types.push_back(column_of(i).type);
    source = exec::MakeValues(std::move(rows), std::move(types));
  } else {
    QueryPlan plan = PlanSelect(src, txn, catalog, params_);
    if (s.columns.empty() && plan.columns.size() < targets.size()) targets.resize(plan.columns.size());
    if (plan.columns.size() > targets.size()) Throw("42601", "INSERT has more expressions than target columns");
    if (plan.columns.size() < targets.size()) Throw("42601", "INSERT has more target columns than expressions");
    std::vector<BoundExprPtr> casts;
    for (size_t i = 0; i < targets.size(); ++i) {
      casts.push_back(CoerceAssignment(exec::MakeColumn(static_cast<int>(i), plan.columns[i].type), column_of(i), -1));
    }
    // INSERT ... SELECT from the same table must not see its own rows: read everything first.
    source = exec::MakeProject(exec::MakeSort(std::move(plan.root), {}), std::move(casts));
  }

  // DO UPDATE: SET and WHERE see the existing row (by the table's name or
  // alias) and the proposed one (as "excluded"), side by side.
  std::string alias = s.table.alias.empty() ? table.name : s.table.alias;
  PlanContext plan_context{&txn, &catalog};
  Scope upsert_scope{nullptr, "", params_, {}, &plan_context};
  upsert_scope.relations = {{&table, alias, 0}, {&table, "excluded", static_cast<int>(table.columns.size())}};
  std::vector<std::pair<int, BoundExprPtr>> conflict_set;
  BoundExprPtr conflict_where;
  if (s.on_conflict_do_update) {
    Binder binder(upsert_scope);
    for (const auto& a : s.conflict_set) {
      int index = table.FindColumn(a.column);
      if (index < 0) {
        Throw("42703", "column \"" + a.column + "\" of relation \"" + table.name + "\" does not exist", a.location);
      }
      if (std::find(table.primary_key.begin(), table.primary_key.end(), index) != table.primary_key.end()) {
        Throw("0A000", "assigning to a conflict key column in ON CONFLICT DO UPDATE is not supported yet", a.location);
      }
      const auto& column = table.columns[static_cast<size_t>(index)];
      conflict_set.emplace_back(index, a.value->kind == ast::ExprKind::kDefault
                                           ? exec::MakeConst(ColumnDefault(column))
                                           : CoerceAssignment(binder.Bind(*a.value, nullptr, "UPDATE"), column,
                                                              a.value->location));
    }
    if (s.conflict_where) conflict_where = binder.BindCondition(*s.conflict_where, "WHERE");
  }

  Returning returning(table, alias, s.returning, params_, sink);
  if (describe_only_) return;
  std::vector<LogicalType> types = TableTypes(table);
  std::vector<LogicalType> pair_types = types;
  pair_types.insert(pair_types.end(), types.begin(), types.end());
  std::set<std::string> touched;  // rows this statement inserted or updated (DO UPDATE)
  size_t inserted = 0;
  Batch in;
  while (source->Next(in)) {
    Batch written;
    written.Reset(types);
    for (size_t r = 0; r < in.count; ++r) {
      std::vector<Value> row = RowWithDefaults(table, targets);
      for (size_t i = 0; i < targets.size(); ++i) row[static_cast<size_t>(targets[i])] = in.columns[i].Get(r);
      if (s.on_conflict_do_update) {
        std::string key = exec::EncodeRowKey(table, row, 0);
        if (!touched.insert(key).second) {
          throw SqlException(SqlError("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time", 0, "",
                                      "Ensure that no rows proposed for insertion within the same command have "
                                      "duplicate constrained values."));
        }
        auto existing = txn.GetForUpdate(storage::ColumnFamily::kRows, key);
        if (!existing.ok()) ThrowStorageError(existing.error());
        if (existing->has_value()) {
          auto old_row = exec::DecodeRow(**existing, table);
          if (!old_row) Throw("XX001", "unreadable row in \"" + table.name + "\"");
          Batch pair;
          pair.Reset(pair_types);
          for (size_t c = 0; c < types.size(); ++c) pair.columns[c].Append((*old_row)[c]);
          for (size_t c = 0; c < types.size(); ++c) pair.columns[types.size() + c].Append(row[c]);
          pair.count = 1;
          if (conflict_where) {
            exec::Vector pass = exec::Evaluate(*conflict_where, pair);
            if (pass.IsNull(0) || pass.Int(0) == 0) continue;  // the existing row stays as it is
          }
          std::vector<Value> updated = *old_row;
          for (const auto& [index, expr] : conflict_set) updated[static_cast<size_t>(index)] = exec::Evaluate(*expr, pair).Get(0);
          RewriteRow(table, *old_row, key, updated);
          for (size_t c = 0; c < updated.size(); ++c) written.columns[c].Append(updated[c]);
          ++written.count;
          ++inserted;
          continue;
        }
      }
      if (!InsertRow(table, row, s.on_conflict_do_nothing)) continue;
      for (size_t c = 0; c < row.size(); ++c) written.columns[c].Append(row[c]);
      ++written.count;
      ++inserted;
    }
    returning.Emit(written);
  }
  sink.Complete("INSERT 0 " + std::to_string(inserted));
}

void Session::RunUpdate(const ast::Update& s, ResultSink& sink) {
  storage::Transaction& txn = Txn();
  catalog::Catalog catalog = Catalog();
  catalog::TableDesc table = ResolveTable(catalog, s.table);
  std::string alias = s.table.alias.empty() ? table.name : s.table.alias;
  PlanContext plan_context{&txn, &catalog};  // subqueries in SET and WHERE
  Binder binder(Scope{&table, alias, params_, {}, &plan_context});
  std::vector<std::pair<int, BoundExprPtr>> assignments;
  for (const auto& a : s.assignments) {
    int index = table.FindColumn(a.column);
    if (index < 0) {
      Throw("42703", "column \"" + a.column + "\" of relation \"" + table.name + "\" does not exist", a.location);
    }
    for (const auto& [other, expr] : assignments) {
      if (other == index) Throw("42601", "multiple assignments to same column \"" + a.column + "\"", a.location);
    }
    const auto& column = table.columns[static_cast<size_t>(index)];
    BoundExprPtr value = a.value->kind == ast::ExprKind::kDefault
                             ? exec::MakeConst(ColumnDefault(column))
                             : CoerceAssignment(binder.Bind(*a.value, nullptr, "UPDATE"), column, a.value->location);
    assignments.emplace_back(index, std::move(value));
  }
  if (describe_only_) {
    if (s.where) binder.BindCondition(*s.where, "WHERE");
    Returning returning(table, alias, s.returning, params_, sink);
    return;
  }
  bool needs_old_row = !table.indexes.empty() || !ReferencingKeys(table).empty();
  LockedRows targets(txn, table, binder, s.where.get());
  Returning returning(table, alias, s.returning, params_, sink);
  size_t updated = 0;
  Batch rows;
  while (targets.Next(rows)) {
    std::vector<exec::Vector> values;
    for (const auto& [index, expr] : assignments) values.push_back(exec::Evaluate(*expr, rows));
    Batch written;
    written.Reset(TableTypes(table));
    for (size_t r = 0; r < rows.count; ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < table.columns.size(); ++c) row.push_back(rows.columns[c].Get(r));
      std::vector<Value> old_row = needs_old_row ? row : std::vector<Value>();  // for indexes and referencing keys
      for (size_t a = 0; a < assignments.size(); ++a) row[static_cast<size_t>(assignments[a].first)] = values[a].Get(r);
      RewriteRow(table, old_row, rows.columns.back().String(r), row);
      for (size_t c = 0; c < row.size(); ++c) written.columns[c].Append(row[c]);
      ++written.count;
      ++updated;
    }
    returning.Emit(written);
  }
  sink.Complete("UPDATE " + std::to_string(updated));
}

void Session::RunDelete(const ast::Delete& s, ResultSink& sink) {
  storage::Transaction& txn = Txn();
  catalog::Catalog catalog = Catalog();
  catalog::TableDesc table = ResolveTable(catalog, s.table);
  std::string alias = s.table.alias.empty() ? table.name : s.table.alias;
  PlanContext plan_context{&txn, &catalog};  // subqueries in SET and WHERE
  Binder binder(Scope{&table, alias, params_, {}, &plan_context});
  if (describe_only_) {
    if (s.where) binder.BindCondition(*s.where, "WHERE");
    Returning returning(table, alias, s.returning, params_, sink);
    return;
  }
  LockedRows targets(txn, table, binder, s.where.get());
  Returning returning(table, alias, s.returning, params_, sink);
  bool referenced = !ReferencingKeys(table).empty();
  size_t deleted = 0;
  Batch rows;
  while (targets.Next(rows)) {
    for (size_t r = 0; r < rows.count; ++r) {
      const std::string& key = rows.columns.back().String(r);
      Check(txn.Delete(storage::ColumnFamily::kRows, key));
      if (table.indexes.empty() && !referenced) continue;
      std::vector<Value> row;
      for (size_t c = 0; c < table.columns.size(); ++c) row.push_back(rows.columns[c].Get(r));
      for (const auto& index : table.indexes) IndexDelete(index, row, key);
      if (referenced) ReferencedRowGone(table, row, true);
    }
    deleted += rows.count;
    rows.columns.pop_back();  // the key column
    returning.Emit(rows);
  }
  sink.Complete("DELETE " + std::to_string(deleted));
}

}  // namespace orbit::sql
