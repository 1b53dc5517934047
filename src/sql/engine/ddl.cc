// TRUNCATE, ALTER TABLE and VACUUM/ANALYZE. TRUNCATE and ADD PRIMARY KEY give
// the table a new relfilenode inside the transaction (ADR 005, decision 3), so
// both are transactional and undone by ROLLBACK; the old rows are swept after
// commit.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_set>

#include "catalog/catalog.h"
#include "sql/engine/session.h"
#include "sql/parser/parser.h"
#include "sql/exec/analyze.h"
#include "sql/planner/system_tables.h"
#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"

namespace orbit::sql {
namespace {

constexpr size_t kRewriteChunk = 10000;  // rows per Engine::Write while a table is rewritten

// A table's rows and index entries written again under fresh relfilenodes (ADD
// PRIMARY KEY, DROP COLUMN). The copy is written outside the transaction: it is
// invisible until the catalog points at it, and marked as garbage until Finish
// unmarks it inside the transaction (so a rollback or a crash leaves garbage).
class TableRewrite {
 public:
  // Gives `next` and its indexes fresh relfilenodes (index columns must be final).
  TableRewrite(Database& db, catalog::TableDesc& next) : engine_(db.engine()), next_(next), batch_(db.engine()) {
    next.relfilenode = db.NextOid();
    fresh_.push_back(next.relfilenode);
    for (auto& index : next.indexes) {
      index.relfilenode = db.NextOid();
      fresh_.push_back(index.relfilenode);
    }
    for (uint32_t r : fresh_) batch_.Put(storage::ColumnFamily::kCatalog, catalog::GarbageKey(r), "");
    Check(engine_.Write(batch_));
    batch_.Clear();
  }

  // Row `row` (in `next`'s columns) under row key `key`, with its index entries.
  void Put(const std::string& key, const std::vector<Value>& row) {
    batch_.Put(storage::ColumnFamily::kRows, key, exec::EncodeRow(row));
    for (const auto& index : next_.indexes) {
      exec::IndexEntry entry = exec::EncodeIndexEntry(index, row, key);
      batch_.Put(storage::ColumnFamily::kIndex, entry.key, entry.value);
    }
    if (batch_.Count() >= kRewriteChunk) Flush();
  }

  void Finish(storage::Transaction& txn) {
    Flush();
    for (uint32_t r : fresh_) Check(txn.Delete(storage::ColumnFamily::kCatalog, catalog::GarbageKey(r)));
  }

 private:
  void Flush() {
    if (batch_.Count() == 0) return;
    Check(engine_.Write(batch_, storage::Engine::WriteMode::kOwned));
    batch_.Clear();
  }

  storage::Engine& engine_;
  const catalog::TableDesc& next_;
  storage::WriteBatch batch_;
  std::vector<uint32_t> fresh_;
};

std::string KeyText(const catalog::TableDesc& table, const std::vector<int>& key, const std::vector<Value>& row) {
  std::string cols, vals;
  for (int c : key) {
    cols += (cols.empty() ? "" : ", ") + table.columns[static_cast<size_t>(c)].name;
    vals += (vals.empty() ? "" : ", ") + ToText(row[static_cast<size_t>(c)]);
  }
  return "(" + cols + ")=(" + vals + ")";
}

}  // namespace

void Session::RunTruncate(const ast::Truncate& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  std::vector<catalog::TableDesc> tables;
  for (const auto& name : s.tables) tables.push_back(ResolveTable(catalog, name));
  for (const auto& table : tables) {
    for (const auto& ref : ReferencingKeys(table)) {
      bool truncated_too = std::any_of(tables.begin(), tables.end(), [&](const auto& t) { return t.oid == ref.table->oid; });
      if (truncated_too) continue;
      throw SqlException(SqlError("0A000", "cannot truncate a table referenced in a foreign key constraint", 0,
                                  "Table \"" + ref.table->name + "\" references \"" + table.name + "\".",
                                  "Truncate table \"" + ref.table->name + "\" at the same time, or use TRUNCATE ... CASCADE."));
    }
  }
  if (describe_only_) return;
  for (auto& table : tables) {
    Check(catalog.QueueGarbage(table.relfilenode));
    table.relfilenode = db_.NextOid();
    fresh_relfilenodes_.push_back(table.relfilenode);
    for (auto& index : table.indexes) {  // indexes start empty too
      Check(catalog.QueueGarbage(index.relfilenode));
      index.relfilenode = db_.NextOid();
    }
    Check(catalog.UpdateTable(table));
  }
  dropped_tables_ = true;  // sweep the old rows after commit
  sink.Complete("TRUNCATE TABLE");
}

void Session::RunVacuum(const ast::Vacuum& s, ResultSink& sink) {
  if (s.vacuum && !describe_only_ && InTransactionBlock()) {
    Throw("25001", "VACUUM cannot run inside a transaction block");
  }
  catalog::Catalog catalog = Catalog();
  std::vector<catalog::TableDesc> tables;
  if (s.tables.empty()) {
    auto all = catalog.ListTables();
    if (!all.ok()) ThrowStorageError(all.error());
    tables = std::move(*all);
  } else {
    for (const auto& name : s.tables) tables.push_back(ResolveTable(catalog, name));
  }
  if (describe_only_) return;
  // VACUUM itself has nothing to do: RocksDB's compactions drop deleted and
  // overwritten rows. ANALYZE records each table's row count.
  // ANALYZE records each table's statistics (read with the descriptor, so
  // cached descriptors carry them to the planner; the commit bumps the catalog
  // version so the cache refills).
  if (s.analyze) {
    for (const auto& table : tables) {
      if (IsSystemTable(table)) continue;  // computed from the catalog: nothing to sample
      Check(catalog.SaveStats(table, exec::AnalyzeTable(Txn(), table)));
    }
  }
  sink.Complete(s.vacuum ? "VACUUM" : "ANALYZE");
}

void Session::RunAlterTable(const ast::AlterTable& s, ResultSink& sink) {
  using Kind = ast::AlterTable::Action::Kind;
  catalog::Catalog catalog = Catalog();
  // OWNER TO: every object is owned by postgres (pg_class.relowner 10), which
  // is the one owner Orbit has; pg_dump scripts set it for each object.
  auto check_owner = [&](const ast::AlterTable::Action& action) {
    std::string role = action.new_name.empty() ? info_.user : action.new_name;
    auto found_role = catalog.FindRole(role);
    if (!found_role.ok()) ThrowStorageError(found_role.error());
    if (!found_role->has_value()) Throw("42704", "role \"" + role + "\" does not exist", action.location);
    if (role != "postgres") {
      Throw("0A000", "changing an object's owner is not supported yet: every object is owned by postgres", action.location);
    }
  };
  if (std::all_of(s.actions.begin(), s.actions.end(), [](const auto& a) { return a.kind == Kind::kOwner; })) {
    // ALTER TABLE name OWNER TO also names views and sequences.
    bool exists = FindUserTable(catalog, s.table).has_value();
    for (uint32_t schema : LookupSchemas(catalog, s.table)) {
      if (exists) break;
      auto view = catalog.FindView(schema, s.table.name);
      auto seq = catalog.FindSequence(schema, s.table.name);
      if (!view.ok()) ThrowStorageError(view.error());
      if (!seq.ok()) ThrowStorageError(seq.error());
      exists = view->has_value() || seq->has_value();
    }
    if (!exists && !s.if_exists) ResolveTable(catalog, s.table);  // 42P01 / 3F000
    for (const auto& action : s.actions) check_owner(action);
    sink.Complete("ALTER TABLE");
    return;
  }
  std::optional<catalog::TableDesc> found_table = FindUserTable(catalog, s.table);
  Result<std::optional<catalog::TableDesc>> found(std::move(found_table));
  if (!found->has_value()) {
    if (s.if_exists) {
      sink.Notice(SqlError("00000", "relation \"" + s.table.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
      sink.Complete("ALTER TABLE");
      return;
    }
    ResolveTable(catalog, s.table);  // 42P01 / 3F000
  }
  catalog::TableDesc table = std::move(**found);
  std::string old_name = table.name;
  bool rewrite = false;
  for (const auto& action : s.actions) {
    switch (action.kind) {
      case Kind::kAddPrimaryKey: {
        if (!table.primary_key.empty()) {
          Throw("42P16", "multiple primary keys for table \"" + table.name + "\" are not allowed", action.location);
        }
        if (!action.constraint_name.empty() && action.constraint_name != table.name + "_pkey") {
          Throw("0A000", "primary keys are named <table>_pkey in Orbit so far", action.location);
        }
        for (const auto& name : action.columns) {
          int index = table.FindColumn(name);
          if (index < 0) Throw("42703", "column \"" + name + "\" of relation \"" + table.name + "\" does not exist");
          if (std::find(table.primary_key.begin(), table.primary_key.end(), index) != table.primary_key.end()) {
            Throw("42701", "column \"" + name + "\" appears twice in primary key constraint", action.location);
          }
          if (table.columns[static_cast<size_t>(index)].type.id == TypeId::kNumeric) {
            Throw("0A000", "numeric primary key columns are not supported yet", action.location);
          }
          table.primary_key.push_back(index);
          table.columns[static_cast<size_t>(index)].not_null = true;
        }
        rewrite = true;
        break;
      }
      case Kind::kAddColumn: {
        const ast::ColumnDef& def = *action.column;
        if (table.FindColumn(def.name) >= 0) {
          if (action.if_not_exists) {
            sink.Notice(SqlError("42701", "column \"" + def.name + "\" of relation \"" + table.name +
                                              "\" already exists, skipping", 0, {}, {}, "NOTICE"));
            continue;
          }
          Throw("42701", "column \"" + def.name + "\" of relation \"" + table.name + "\" already exists", def.location);
        }
        catalog::ColumnDesc column{def.name, def.type, def.not_null, std::nullopt, std::nullopt};
        if (def.serial || def.identity) {
          // A new sequence numbers the column; existing rows would each need a value (a rewrite).
          auto it = Txn().ScanPrefix(storage::ColumnFamily::kRows, catalog::RowPrefix(table.relfilenode));
          if (it->Valid()) {
            Throw("0A000", "ADD COLUMN with SERIAL or IDENTITY on a table with rows is not supported yet", def.location);
          }
          if (def.default_value) {
            Throw("42601", "multiple default values specified for column \"" + def.name + "\" of table \"" + table.name + "\"",
                  def.location);
          }
          column.default_sequence = CreateColumnSequence(catalog, table, table.name + "_" + def.name + "_seq", {}).oid;
          column.identity = def.identity != 0;
          column.identity_always = def.identity == 'a';
          column.not_null = true;
        }
        if (def.default_value) {
          SetColumnDefault(column, *def.default_value, def.default_sql);
          column.missing_text = column.default_text;
          if (column.default_expr) {  // existing rows would each need their own value: a rewrite
            auto it = Txn().ScanPrefix(storage::ColumnFamily::kRows, catalog::RowPrefix(table.relfilenode));
            if (it->Valid()) {
              Throw("0A000", "ADD COLUMN with a non-constant DEFAULT on a table with rows is not supported yet",
                    def.default_value->location);
            }
          }
        }
        if (column.not_null && !column.missing_text) {
          // Existing rows would read NULL: as PostgreSQL, refuse if there are any.
          auto it = Txn().ScanPrefix(storage::ColumnFamily::kRows, catalog::RowPrefix(table.relfilenode));
          if (it->Valid()) {
            Throw("23502", "column \"" + def.name + "\" of relation \"" + table.name + "\" contains null values");
          }
        }
        table.columns.push_back(std::move(column));
        break;
      }
      case Kind::kRenameColumn: {
        int index = table.FindColumn(action.old_name);
        if (index < 0) Throw("42703", "column \"" + action.old_name + "\" does not exist");
        if (table.FindColumn(action.new_name) >= 0) {
          Throw("42701", "column \"" + action.new_name + "\" of relation \"" + table.name + "\" already exists");
        }
        table.columns[static_cast<size_t>(index)].name = action.new_name;
        break;
      }
      case Kind::kRenameTable: table.name = action.new_name; break;
      case Kind::kAddConstraint: break;  // below, once the rows are where they will stay
      case Kind::kSetDefault: {
        catalog::ColumnDesc& column = ColumnOf(table, action.old_name);
        if (column.default_sequence != 0) column.owned_sequence = column.default_sequence;  // still the column's
        column.default_sequence = 0;
        column.default_text.reset();
        column.default_expr.reset();
        if (action.default_value) SetColumnDefault(column, *action.default_value, action.default_sql);
        break;
      }
      case Kind::kSetNotNull: {
        int index = table.FindColumn(action.old_name);
        catalog::ColumnDesc& column = ColumnOf(table, action.old_name);
        if (column.not_null) break;
        exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, false);
        exec::Batch rows;
        while (scan->Next(rows)) {
          for (size_t r = 0; r < rows.count; ++r) {
            if (rows.columns[static_cast<size_t>(index)].IsNull(r)) {
              Throw("23502", "column \"" + column.name + "\" of relation \"" + table.name + "\" contains null values");
            }
          }
        }
        column.not_null = true;
        break;
      }
      case Kind::kDropNotNull: {
        int index = table.FindColumn(action.old_name);
        catalog::ColumnDesc& column = ColumnOf(table, action.old_name);
        if (std::find(table.primary_key.begin(), table.primary_key.end(), index) != table.primary_key.end()) {
          Throw("42P16", "column \"" + column.name + "\" is in a primary key");
        }
        if (column.identity) Throw("42P16", "column \"" + column.name + "\" of relation \"" + table.name + "\" is an identity column");
        column.not_null = false;
        break;
      }
      case Kind::kDropConstraint: DropConstraint(catalog, table, action, sink); break;
      case Kind::kOwner: check_owner(action); break;
      case Kind::kAddIdentity: {
        int index = table.FindColumn(action.old_name);
        if (index < 0) {
          Throw("42703", "column \"" + action.old_name + "\" of relation \"" + table.name + "\" does not exist");
        }
        auto& column = table.columns[static_cast<size_t>(index)];
        if (!IsInteger(column.type.id)) Throw("22023", "identity column type must be smallint, integer, or bigint");
        if (!column.not_null) {
          Throw("55000", "column \"" + column.name + "\" of relation \"" + table.name +
                             "\" must be declared NOT NULL before identity can be added");
        }
        if (column.identity) {
          Throw("42611", "column \"" + column.name + "\" of relation \"" + table.name + "\" is already an identity column");
        }
        if (column.default_text || column.default_expr || column.default_sequence != 0) {
          Throw("42611", "column \"" + column.name + "\" of relation \"" + table.name + "\" already has a default value");
        }
        if (describe_only_) break;
        ast::SequenceOptions options = action.sequence;
        if (!options.max_value) {  // the column's type bounds its sequence
          options.max_value = column.type.id == TypeId::kInt2 ? 32767 : column.type.id == TypeId::kInt4 ? 2147483647 : INT64_MAX;
        }
        std::string name = table.name + "_" + column.name + "_seq";
        if (!action.sequence.name.empty()) {
          name = action.sequence.name.back();
          if (action.sequence.name.size() > 1) {
            auto schema = catalog.FindSchema(action.sequence.name[action.sequence.name.size() - 2]);
            if (!schema.ok()) ThrowStorageError(schema.error());
            if (!schema->has_value() || (*schema)->oid != table.schema_oid) {
              Throw("0A000", "an identity sequence in another schema than its table is not supported");
            }
          }
        }
        column.default_sequence = CreateColumnSequence(catalog, table, name, options).oid;
        column.identity = true;
        column.identity_always = action.identity == 'a';
        break;
      }
      case Kind::kDropColumn:
        if (s.actions.size() > 1) Throw("0A000", "DROP COLUMN together with other actions in one ALTER TABLE is not supported yet");
        DropColumn(catalog, table, action, sink);
        break;
    }
  }
  if (describe_only_) return;
  bool adds_constraints = std::any_of(s.actions.begin(), s.actions.end(),
                                      [](const auto& a) { return a.kind == Kind::kAddConstraint; });
  if (rewrite && adds_constraints) {
    Throw("0A000", "ADD PRIMARY KEY together with other constraints in one ALTER TABLE is not supported yet");
  }
  if (rewrite) {
    // Rows are keyed by the primary key: copy them under new keys. Index entries
    // point at row keys, so the indexes are rebuilt beside them.
    catalog::TableDesc next = table;
    TableRewrite rewrite_rows(db_, next);
    // The scan decodes values only, so the new descriptor reads the old rows too.
    exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, false);
    std::unordered_set<std::string> seen;
    exec::Batch rows;
    while (scan->Next(rows)) {
      for (size_t r = 0; r < rows.count; ++r) {
        std::vector<Value> row = rows.Row(r);
        for (int c : next.primary_key) {
          if (row[static_cast<size_t>(c)].null) {
            Throw("23502", "column \"" + next.columns[static_cast<size_t>(c)].name + "\" of relation \"" + next.name +
                               "\" contains null values");
          }
        }
        std::string key = exec::EncodeRowKey(next, row, 0);
        if (!seen.insert(key).second) {
          throw SqlException(SqlError("23505", "could not create unique index \"" + next.name + "_pkey\"", 0,
                                      "Key " + KeyText(next, next.primary_key, row) + " is duplicated."));
        }
        rewrite_rows.Put(key, row);
      }
    }
    rewrite_rows.Finish(Txn());
    Check(catalog.QueueGarbage(table.relfilenode));
    for (const auto& index : table.indexes) Check(catalog.QueueGarbage(index.relfilenode));
    dropped_tables_ = true;
    table = std::move(next);
  }
  for (const auto& action : s.actions) {
    if (action.kind == Kind::kAddConstraint) AddConstraint(catalog, table, action);
  }
  auto updated = catalog.UpdateTable(table, old_name != table.name ? std::string_view(old_name) : std::string_view());
  if (!updated.ok()) {
    if (updated.error().code() == ErrorCode::kAlreadyExists) {
      Throw("42P07", "relation \"" + table.name + "\" already exists");
    }
    ThrowStorageError(updated.error());
  }
  sink.Complete("ALTER TABLE");
}

void Session::AddConstraint(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action) {
  const ast::CreateTable& c = *action.constraint;
  if (!c.unique_keys.empty()) {  // a unique index, named <table>_<columns>_key
    BuildIndex(catalog, table, UniqueIndexFor(table, c.unique_keys[0]), false);
    return;
  }
  if (!c.checks.empty()) {
    const ast::CheckDef& check = c.checks[0];
    std::string name = CheckConstraintName(table, check);
    if (!action.not_valid) {  // every existing row must pass (NULL passes)
      Binder binder(Scope{&table, table.name, nullptr, {}});
      exec::BoundExprPtr condition = binder.BindCondition(*check.expr, "CHECK");
      exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, false);
      exec::Batch rows;
      while (scan->Next(rows)) {
        exec::Vector holds = exec::Evaluate(*condition, rows);
        for (size_t r = 0; r < rows.count; ++r) {
          if (!holds.IsNull(r) && holds.Int(r) == 0) {
            Throw("23514", "check constraint \"" + name + "\" of relation \"" + table.name + "\" is violated by some row");
          }
        }
      }
    }
    table.checks.push_back({name, check.sql});
    return;
  }
  BindForeignKeys(c, table, catalog);
  catalog::ForeignKeyDesc& fk = table.foreign_keys.back();
  if (fk.ref_table == 0) fk.ref_table = table.oid;  // a self-reference
  for (size_t k = 0; k + 1 < table.foreign_keys.size(); ++k) {
    if (table.foreign_keys[k].name == fk.name) {
      Throw("42710", "constraint \"" + fk.name + "\" for relation \"" + table.name + "\" already exists", action.location);
    }
  }
  if (fk.ref_table == table.oid &&
      std::find(table.referenced_by.begin(), table.referenced_by.end(), table.oid) == table.referenced_by.end()) {
    table.referenced_by.push_back(table.oid);
  }
  if (!action.not_valid) {  // every existing row must reference a parent row (23503)
    catalog::TableDesc checked = table;
    checked.foreign_keys = {fk};
    exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, false);
    exec::Batch rows;
    while (scan->Next(rows)) {
      for (size_t r = 0; r < rows.count; ++r) CheckReferences(checked, rows.Row(r));
    }
  }
  LinkForeignKeys(table, catalog, true);
}

catalog::ColumnDesc& Session::ColumnOf(catalog::TableDesc& table, const std::string& name) {
  int index = table.FindColumn(name);
  if (index < 0) Throw("42703", "column \"" + name + "\" of relation \"" + table.name + "\" does not exist");
  return table.columns[static_cast<size_t>(index)];
}

// DROP CONSTRAINT name: a CHECK, a FOREIGN KEY, or a UNIQUE constraint (its index).
// Primary keys stay (rows are keyed by them).
void Session::DropConstraint(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action,
                             ResultSink& sink) {
  const std::string& name = action.constraint_name;
  auto check = std::find_if(table.checks.begin(), table.checks.end(), [&](const auto& c) { return c.name == name; });
  if (check != table.checks.end()) {
    table.checks.erase(check);
    return;
  }
  auto fk = std::find_if(table.foreign_keys.begin(), table.foreign_keys.end(), [&](const auto& f) { return f.name == name; });
  if (fk != table.foreign_keys.end()) {
    LinkForeignKeys(table, catalog, false);
    table.foreign_keys.erase(fk);
    if (std::none_of(table.foreign_keys.begin(), table.foreign_keys.end(),
                     [&](const auto& f) { return f.ref_table == table.oid; })) {
      table.referenced_by.erase(std::remove(table.referenced_by.begin(), table.referenced_by.end(), table.oid),
                                table.referenced_by.end());
    }
    LinkForeignKeys(table, catalog, true);
    referencing_.clear();
    return;
  }
  auto index = std::find_if(table.indexes.begin(), table.indexes.end(),
                            [&](const auto& i) { return i.name == name && i.unique; });
  if (index != table.indexes.end()) {
    for (const auto& ref : ReferencingKeys(table)) {  // a foreign key needs a unique key on its columns
      const auto& fk = ref.table->foreign_keys[ref.index];
      std::vector<int> a = fk.ref_columns, b = index->columns;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a == b) {
        throw SqlException(SqlError("2BP01", "cannot drop constraint " + name + " on table " + table.name +
                                                 " because other objects depend on it", 0,
                                    "constraint " + fk.name + " on table " + ref.table->name + " depends on index " + name,
                                    "Use DROP ... CASCADE to drop the dependent objects too."));
      }
    }
    Check(catalog.QueueGarbage(index->relfilenode));
    Check(catalog.ReleaseIndexName(index->name));
    table.indexes.erase(index);
    dropped_tables_ = true;
    return;
  }
  if (!table.primary_key.empty() && name == table.name + "_pkey") {
    Throw("0A000", "dropping a primary key is not supported yet (rows are stored by it)");
  }
  if (action.if_exists) {
    sink.Notice(SqlError("00000", "constraint \"" + name + "\" of relation \"" + table.name + "\" does not exist, skipping",
                         0, {}, {}, "NOTICE"));
    return;
  }
  Throw("42704", "constraint \"" + name + "\" of relation \"" + table.name + "\" does not exist");
}

void Session::DropColumn(catalog::Catalog& catalog, catalog::TableDesc& table, const ast::AlterTable::Action& action,
                         ResultSink& sink) {
  int dropped = table.FindColumn(action.old_name);
  if (dropped < 0) {
    if (!action.if_exists) {
      Throw("42703", "column \"" + action.old_name + "\" of relation \"" + table.name + "\" does not exist");
    }
    sink.Notice(SqlError("00000", "column \"" + action.old_name + "\" of relation \"" + table.name +
                                      "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
    return;
  }
  auto uses = [&](const std::vector<int>& columns) {
    return std::find(columns.begin(), columns.end(), dropped) != columns.end();
  };
  auto remap = [&](std::vector<int>& columns) {
    for (int& c : columns) c -= c > dropped ? 1 : 0;
  };
  if (uses(table.primary_key)) Throw("0A000", "dropping a primary key column is not supported yet (rows are stored by it)");
  // Other tables' foreign keys that reference the column: 2BP01, or dropped with CASCADE.
  std::vector<catalog::TableDesc> children;
  for (uint32_t child_oid : table.referenced_by) {
    if (child_oid == table.oid) continue;
    auto child = catalog.FindTableByOid(child_oid);
    if (!child.ok()) ThrowStorageError(child.error());
    if (!child->has_value()) continue;
    catalog::TableDesc c = std::move(**child);
    bool changed = false;
    for (size_t k = 0; k < c.foreign_keys.size();) {
      auto& fk = c.foreign_keys[k];
      if (fk.ref_table == table.oid && uses(fk.ref_columns)) {
        if (!action.cascade) {
          throw SqlException(SqlError("2BP01", "cannot drop column " + action.old_name + " of table " + table.name +
                                                   " because other objects depend on it", 0,
                                      "constraint " + fk.name + " on table " + c.name + " depends on column " +
                                          action.old_name + " of table " + table.name,
                                      "Use DROP ... CASCADE to drop the dependent objects too."));
        }
        sink.Notice(SqlError("00000", "drop cascades to constraint " + fk.name + " on table " + c.name, 0, {}, {}, "NOTICE"));
        c.foreign_keys.erase(c.foreign_keys.begin() + static_cast<std::ptrdiff_t>(k));
        changed = true;
        continue;
      }
      if (fk.ref_table == table.oid) {
        remap(fk.ref_columns);
        changed = true;
      }
      ++k;
    }
    if (changed) children.push_back(std::move(c));
  }
  catalog::TableDesc next = table;
  for (uint32_t seq : {next.columns[static_cast<size_t>(dropped)].default_sequence,
                       next.columns[static_cast<size_t>(dropped)].owned_sequence}) {
    if (seq != 0) Check(catalog.DropSequenceByOid(seq));  // a SERIAL column's sequence goes with it
  }
  next.columns.erase(next.columns.begin() + dropped);
  remap(next.primary_key);
  LinkForeignKeys(table, catalog, false);
  std::erase_if(next.foreign_keys, [&](const auto& fk) { return uses(fk.columns) || (fk.ref_table == table.oid && uses(fk.ref_columns)); });
  for (auto& fk : next.foreign_keys) {
    remap(fk.columns);
    if (fk.ref_table == table.oid) remap(fk.ref_columns);
  }
  // Who still references this table: itself if a self-reference is left, and each
  // child that kept a foreign key to it.
  auto still_references = [&](uint32_t oid) {
    const std::vector<catalog::ForeignKeyDesc>* fks = oid == table.oid ? &next.foreign_keys : nullptr;
    for (const auto& c : children) {
      if (c.oid == oid) fks = &c.foreign_keys;
    }
    if (fks == nullptr) return true;  // an unchanged child
    return std::any_of(fks->begin(), fks->end(), [&](const auto& fk) { return fk.ref_table == table.oid; });
  };
  std::erase_if(next.referenced_by, [&](uint32_t oid) { return !still_references(oid); });
  // CHECKs that name the column go with it: they no longer bind.
  std::erase_if(next.checks, [&](const catalog::CheckDesc& check) {
    auto parsed = Parse("SELECT 1 WHERE " + check.sql);
    if (std::holds_alternative<SqlError>(parsed)) return false;
    ast::Statement stmt = ConvertStatement(std::get<ParseTree>(parsed), 0);
    const auto* select = std::get_if<ast::Select>(&stmt);
    if (select == nullptr || !select->where) return false;
    try {
      Binder binder(Scope{&next, next.name, nullptr, {}});
      (void)binder.BindCondition(*select->where, "CHECK");
      return false;
    } catch (const SqlException& e) {
      return e.error().sqlstate == "42703";
    }
  });
  // Indexes on the column go with it; the others get new storage below.
  std::vector<uint32_t> garbage = {table.relfilenode};
  std::erase_if(next.indexes, [&](const catalog::IndexDesc& index) {
    if (!uses(index.columns)) return false;
    Check(catalog.ReleaseIndexName(index.name));
    return true;
  });
  for (const auto& index : table.indexes) garbage.push_back(index.relfilenode);
  for (auto& index : next.indexes) remap(index.columns);
  TableRewrite rewrite_rows(db_, next);
  std::string old_prefix = catalog::RowPrefix(table.relfilenode), new_prefix = catalog::RowPrefix(next.relfilenode);
  exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, true);
  exec::Batch rows;
  while (scan->Next(rows)) {
    for (size_t r = 0; r < rows.count; ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < table.columns.size(); ++c) {
        if (static_cast<int>(c) != dropped) row.push_back(rows.columns[c].Get(r));
      }
      const std::string& old_key = rows.columns.back().String(r);
      rewrite_rows.Put(new_prefix + old_key.substr(old_prefix.size()), row);
    }
  }
  rewrite_rows.Finish(Txn());
  for (uint32_t r : garbage) Check(catalog.QueueGarbage(r));
  dropped_tables_ = true;
  for (const auto& child : children) Check(catalog.UpdateTable(child));
  table = std::move(next);
  LinkForeignKeys(table, catalog, true);
  referencing_.clear();
}

namespace {

// START and the maximum as PostgreSQL checks them (the minimum is 1).
void CheckSequenceBounds(int64_t start, int64_t max) {
  if (max < 1) Throw("22023", "MINVALUE (1) must be less than MAXVALUE (" + std::to_string(max) + ")");
  if (start < 1) Throw("22023", "START value (" + std::to_string(start) + ") cannot be less than MINVALUE (1)");
  if (start > max) {
    Throw("22023", "START value (" + std::to_string(start) + ") cannot be greater than MAXVALUE (" + std::to_string(max) + ")");
  }
}

}  // namespace

catalog::SequenceDesc Session::CreateColumnSequence(catalog::Catalog& catalog, const catalog::TableDesc& table,
                                                    const std::string& name, const ast::SequenceOptions& options) {
  catalog::SequenceDesc seq{db_.NextOid(), table.schema_oid, name, table.oid};
  seq.max_value = options.max_value.value_or(INT64_MAX);
  int64_t start = options.start.value_or(1);
  CheckSequenceBounds(start, seq.max_value);
  auto made = catalog.CreateSequence(seq);
  if (!made.ok()) {
    if (made.error().code() == ErrorCode::kAlreadyExists) Throw("42P07", "relation \"" + name + "\" already exists");
    ThrowStorageError(made.error());
  }
  if (start != 1) db_.SetSequenceValue(seq.oid, start - 1);  // the first nextval returns START
  return seq;
}

void Session::RunCreateSequence(const ast::CreateSequence& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  catalog::SequenceDesc seq{0, CreationSchema(catalog, s.name), s.name.name, 0};
  seq.max_value = s.options.max_value.value_or(INT64_MAX);
  int64_t start = s.options.start.value_or(1);
  CheckSequenceBounds(start, seq.max_value);
  if (describe_only_) return;
  seq.oid = db_.NextOid();
  auto made = catalog.CreateSequence(seq);
  if (!made.ok()) {
    if (made.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(made.error());
    if (!s.if_not_exists) Throw("42P07", "relation \"" + seq.name + "\" already exists", s.name.location);
    sink.Notice(SqlError("42P07", "relation \"" + seq.name + "\" already exists, skipping", 0, {}, {}, "NOTICE"));
    sink.Complete("CREATE SEQUENCE");
    return;
  }
  // The counter lives outside the transaction (as PostgreSQL's sequences do): the
  // first nextval returns START.
  if (start != 1) db_.SetSequenceValue(seq.oid, start - 1);
  sink.Complete("CREATE SEQUENCE");
}

void Session::RunAlterSequence(const ast::AlterSequence& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  std::optional<catalog::SequenceDesc> found;
  for (uint32_t schema : LookupSchemas(catalog, s.name)) {
    auto seq = catalog.FindSequence(schema, s.name.name);
    if (!seq.ok()) ThrowStorageError(seq.error());
    if (seq->has_value()) {
      found = std::move(**seq);
      break;
    }
  }
  if (!found) {
    if (!s.if_exists) Throw("42P01", "relation \"" + s.name.name + "\" does not exist", s.name.location);
    sink.Notice(SqlError("00000", "relation \"" + s.name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
    sink.Complete("ALTER SEQUENCE");
    return;
  }
  catalog::SequenceDesc seq = *found;
  const ast::SequenceOptions& o = s.options;
  if (o.start) Throw("0A000", "ALTER SEQUENCE ... START (without RESTART) is not supported yet");
  if (o.max_value) seq.max_value = *o.max_value;
  std::optional<int64_t> restart = o.restart;
  if (o.restart_at_start) restart = 1;
  if (restart) CheckSequenceBounds(*restart, seq.max_value);
  if (describe_only_) return;
  if (o.owned_by) {
    // OWNED BY table.column (the sequence goes with the column) or NONE. A
    // SERIAL or identity column's own sequence stays with it.
    auto tables = catalog.ListTables();
    if (!tables.ok()) ThrowStorageError(tables.error());
    for (const auto& t : *tables) {
      for (const auto& c : t.columns) {
        if (c.default_sequence == seq.oid) {
          Throw("0A000", "changing the owner of the sequence of SERIAL or identity column \"" + t.name + "." + c.name +
                             "\" is not supported");
        }
      }
    }
    if (seq.owner_table != 0) {
      auto owner = catalog.FindTableByOid(seq.owner_table);
      if (!owner.ok()) ThrowStorageError(owner.error());
      if (owner->has_value()) {
        for (auto& c : (*owner)->columns) {
          if (c.owned_sequence == seq.oid) c.owned_sequence = 0;
        }
        Check(catalog.UpdateTable(**owner));
      }
    }
    seq.owner_table = 0;
    if (!o.owned_by->empty()) {
      const auto& names = *o.owned_by;
      ast::TableName table_name{names.size() > 2 ? names[names.size() - 3] : "", names[names.size() - 2], "", -1};
      catalog::TableDesc table = ResolveTable(catalog, table_name);
      if (table.schema_oid != seq.schema_oid) {
        Throw("55000", "sequence must be in same schema as table it is linked to");
      }
      int column = table.FindColumn(names.back());
      if (column < 0) Throw("42703", "column \"" + names.back() + "\" of relation \"" + table.name + "\" does not exist");
      auto& c = table.columns[static_cast<size_t>(column)];
      if (c.owned_sequence != 0 && c.owned_sequence != seq.oid) {  // the column's former sequence is on its own now
        auto all = catalog.ListSequences();
        if (!all.ok()) ThrowStorageError(all.error());
        for (auto other : *all) {
          if (other.oid != c.owned_sequence) continue;
          other.owner_table = 0;
          Check(catalog.UpdateSequence(other));
        }
      }
      c.owned_sequence = seq.oid;
      Check(catalog.UpdateTable(table));
      seq.owner_table = table.oid;
    }
  }
  Check(catalog.UpdateSequence(seq));
  if (restart) {
    db_.SetSequenceValue(seq.oid, *restart - 1);
    nextval_replay_.erase(seq.oid);
  }
  sink.Complete("ALTER SEQUENCE");
}

void Session::RunDropSequence(const ast::DropTable& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  for (const auto& name : s.tables) {
    std::optional<catalog::SequenceDesc> found;
    for (uint32_t schema : LookupSchemas(catalog, name)) {
      auto seq = catalog.FindSequence(schema, name.name);
      if (!seq.ok()) ThrowStorageError(seq.error());
      if (seq->has_value()) {
        found = std::move(**seq);
        break;
      }
    }
    if (!found) {
      if (!s.if_exists) Throw("42P01", "sequence \"" + name.name + "\" does not exist", name.location);
      sink.Notice(SqlError("00000", "sequence \"" + name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
      continue;
    }
    if (found->owner_table != 0) {
      throw SqlException(SqlError("2BP01", "cannot drop sequence " + found->name + " because other objects depend on it",
                                  0, "a column default of the table that owns it depends on sequence " + found->name,
                                  "Use DROP ... CASCADE to drop the dependent objects too."));
    }
    Check(catalog.DropSequence(*found));
  }
  sink.Complete("DROP SEQUENCE");
}

void Session::RunDatabaseDdl(const ast::DatabaseDdl& s, ResultSink& sink) {
  using Kind = ast::DatabaseDdl::Kind;
  const char* tag = s.kind == Kind::kCreate ? "CREATE DATABASE" : s.kind == Kind::kDrop ? "DROP DATABASE" : "ALTER DATABASE";
  if (describe_only_) return;  // Parse: no result columns, and nothing to check yet
  if (s.kind != Kind::kRename && InTransactionBlock()) {
    Throw("25001", std::string(tag) + " cannot run inside a transaction block");
  }
  catalog::Catalog catalog = Catalog();
  auto find = [&](const std::string& name) {
    auto found = catalog.FindDatabase(name);
    if (!found.ok()) ThrowStorageError(found.error());
    return std::move(*found);
  };
  // DROP and RENAME: no session may be using it (PostgreSQL's rule), this one included.
  auto claim = [&](const catalog::DatabaseDesc& database, const std::string& current_message) {
    if (database.oid == info_.database_oid) Throw(s.kind == Kind::kDrop ? "55006" : "0A000", current_message);
    size_t others = 0;
    if (!db_.ClaimDatabase(database.oid, &others)) {
      if (others == 0) Throw("55006", "database \"" + database.name + "\" is being dropped or renamed by another session");
      throw SqlException(SqlError("55006", "database \"" + database.name + "\" is being accessed by other users", 0,
                                  others == 1 ? "There is 1 other session using the database."
                                              : "There are " + std::to_string(others) +
                                                    " other sessions using the database."));
    }
  };
  switch (s.kind) {
    case Kind::kCreate: {
      if (!s.template_name.empty() && s.template_name != "template0" && s.template_name != "template1") {
        if (!find(s.template_name)) Throw("3D000", "template database \"" + s.template_name + "\" does not exist");
        Throw("0A000", "copying database \"" + s.template_name +
                           "\" is not supported: new databases are empty, as from template0 and template1");
      }
      std::string owner = s.owner.empty() ? info_.user : s.owner;
      auto role = catalog.FindRole(owner);
      if (!role.ok()) ThrowStorageError(role.error());
      if (!role->has_value()) Throw("42704", "role \"" + owner + "\" does not exist");
      Status created = catalog.CreateDatabase({db_.NextOid(), s.name, owner, true});
      if (!created.ok()) {
        if (created.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(created.error());
        Throw("42P04", "database \"" + s.name + "\" already exists");
      }
      break;
    }
    case Kind::kDrop: {
      auto database = find(s.name);
      if (!database) {
        if (!s.if_exists) Throw("3D000", "database \"" + s.name + "\" does not exist");
        sink.Notice(SqlError("00000", "database \"" + s.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
        break;
      }
      if (!database->allow_connections) Throw("42809", "cannot drop a template database");
      if (database->oid == catalog::kPostgresDatabaseOid && info_.database_oid != database->oid) {
        Throw("0A000", "dropping the built-in database postgres is not supported");
      }
      claim(*database, "cannot drop the currently open database");
      // The claim stays after the drop commits: the oid is never reused, and a
      // connection that looked the name up just before cannot attach to it.
      try {
        Check(catalog.DropDatabase(*database));
        dropped_tables_ = true;  // sweep its rows after commit
        CommitTxn();
      } catch (...) {
        db_.ReleaseDatabase(database->oid);
        throw;
      }
      break;
    }
    case Kind::kRename: {
      auto database = find(s.name);
      if (!database) Throw("3D000", "database \"" + s.name + "\" does not exist");
      if (database->oid == catalog::kPostgresDatabaseOid || !database->allow_connections) {
        Throw("0A000", "renaming the built-in database \"" + s.name + "\" is not supported");
      }
      claim(*database, "current database cannot be renamed");
      claimed_databases_.push_back(database->oid);  // no one connects by the old name until the transaction ends
      Status renamed = catalog.RenameDatabase(*database, s.new_name);
      if (!renamed.ok()) {
        if (renamed.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(renamed.error());
        Throw("42P04", "database \"" + s.new_name + "\" already exists");
      }
      break;
    }
  }
  sink.Complete(tag);
}

void Session::RunCreateSchema(const ast::CreateSchema& s, ResultSink& sink) {
  if (s.name.starts_with("pg_")) {
    throw SqlException(SqlError("42939", "unacceptable schema name \"" + s.name + "\"", 0,
                                "The prefix \"pg_\" is reserved for system schemas."));
  }
  catalog::Catalog catalog = Catalog();
  if (describe_only_) return;
  auto created = catalog.CreateSchema({db_.NextOid(), s.name});
  if (!created.ok()) {
    if (created.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(created.error());
    if (!s.if_not_exists) Throw("42P06", "schema \"" + s.name + "\" already exists");
    sink.Notice(SqlError("42P06", "schema \"" + s.name + "\" already exists, skipping", 0, {}, {}, "NOTICE"));
  }
  sink.Complete("CREATE SCHEMA");
}

namespace {

// A sink for statements run on behalf of another (DROP SCHEMA ... CASCADE
// dropping its tables): their notices pass through, their completions do not.
class NestedSink final : public ResultSink {
 public:
  explicit NestedSink(ResultSink& outer) : outer_(outer) {}
  void Describe(const std::vector<OutputColumn>&) override {}
  void Rows(const exec::Batch&, size_t) override {}
  void Complete(std::string_view) override {}
  void EmptyQuery() override {}
  void Error(const SqlError& error) override { outer_.Error(error); }
  void Notice(const SqlError& notice) override { outer_.Notice(notice); }

 private:
  ResultSink& outer_;
};

}  // namespace

void Session::RunDropSchema(const ast::DropSchema& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  for (const auto& name : s.names) {
    auto schema = catalog.FindSchema(name);
    if (!schema.ok()) ThrowStorageError(schema.error());
    if (!schema->has_value()) {
      if (!s.if_exists) Throw("3F000", "schema \"" + name + "\" does not exist");
      sink.Notice(SqlError("00000", "schema \"" + name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
      continue;
    }
    uint32_t oid = (*schema)->oid;
    if (oid == catalog::kPgCatalogNamespace || oid == catalog::kInformationSchemaNamespaceOid) {
      Throw("2BP01", "cannot drop schema " + name + " because it is required by the database system");
    }
    if (oid == catalog::kPublicNamespace) Throw("0A000", "dropping schema public is not supported");
    auto tables = catalog.ListTables();
    if (!tables.ok()) ThrowStorageError(tables.error());
    auto views = catalog.ListViews();
    if (!views.ok()) ThrowStorageError(views.error());
    ast::DropTable drop_tables, drop_views;
    drop_views.views = true;
    for (const auto& t : *tables) {
      if (t.schema_oid == oid) drop_tables.tables.push_back({name, t.name, "", -1});
    }
    for (const auto& v : *views) {
      if (v.schema_oid == oid) drop_views.tables.push_back({name, v.name, "", -1});
    }
    auto all_sequences = catalog.ListSequences();
    if (!all_sequences.ok()) ThrowStorageError(all_sequences.error());
    std::vector<catalog::SequenceDesc> sequences;  // stand-alone ones: SERIAL's go with their tables
    for (const auto& seq : *all_sequences) {
      if (seq.schema_oid == oid && seq.owner_table == 0) sequences.push_back(seq);
    }
    if (!s.cascade && (!drop_tables.tables.empty() || !drop_views.tables.empty() || !sequences.empty())) {
      std::string first = !drop_tables.tables.empty() ? "table " + name + "." + drop_tables.tables[0].name
                          : !drop_views.tables.empty() ? "view " + name + "." + drop_views.tables[0].name
                                                       : "sequence " + name + "." + sequences[0].name;
      throw SqlException(SqlError("2BP01", "cannot drop schema " + name + " because other objects depend on it", 0,
                                  first + " depends on schema " + name,
                                  "Use DROP ... CASCADE to drop the dependent objects too."));
    }
    NestedSink nested(sink);
    drop_views.cascade = drop_tables.cascade = true;
    drop_views.if_exists = true;  // a view may already have gone with another one it depends on
    if (!drop_views.tables.empty()) RunDropView(drop_views, nested);
    if (!drop_tables.tables.empty()) RunDropTable(drop_tables, nested);
    for (const auto& seq : sequences) Check(catalog.DropSequence(seq));
    if (describe_only_) return;
    Check(catalog.DropSchema(**schema));
  }
  sink.Complete("DROP SCHEMA");
}

void Session::RunCreateIndex(const ast::CreateIndex& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  catalog::TableDesc table = ResolveTable(catalog, s.table);
  catalog::IndexDesc index;
  index.unique = s.unique;
  std::string default_name = table.name;
  for (const auto& name : s.columns) {
    int c = table.FindColumn(name);
    if (c < 0) Throw("42703", "column \"" + name + "\" does not exist");
    if (table.columns[static_cast<size_t>(c)].type.id == TypeId::kNumeric) {
      Throw("0A000", "indexes on numeric columns are not supported yet");
    }
    index.columns.push_back(c);
    default_name += "_" + name;
  }
  index.name = s.name.empty() ? default_name + (s.unique ? "_key" : "_idx") : s.name;
  if (describe_only_) return;
  std::string name = index.name;
  if (!BuildIndex(catalog, table, std::move(index), s.if_not_exists)) {
    sink.Notice(SqlError("42P07", "relation \"" + name + "\" already exists, skipping", 0, {}, {}, "NOTICE"));
    sink.Complete("CREATE INDEX");
    return;
  }
  Check(catalog.UpdateTable(table));
  sink.Complete("CREATE INDEX");
}

bool Session::BuildIndex(catalog::Catalog& catalog, catalog::TableDesc& table, catalog::IndexDesc index,
                         bool if_not_exists) {
  auto claimed = catalog.ClaimIndexName(index.name, table.oid);
  if (!claimed.ok()) {
    if (claimed.error().code() != ErrorCode::kAlreadyExists) ThrowStorageError(claimed.error());
    if (!if_not_exists) Throw("42P07", "relation \"" + index.name + "\" already exists");
    return false;
  }
  index.oid = db_.NextOid();
  index.relfilenode = index.oid;
  // Backfill from the rows the transaction sees.
  exec::OperatorPtr scan = exec::MakeTableScan(Txn(), table, true);
  exec::Batch rows;
  while (scan->Next(rows)) {
    for (size_t r = 0; r < rows.count; ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < table.columns.size(); ++c) row.push_back(rows.columns[c].Get(r));
      try {
        IndexInsert(table, index, row, rows.columns.back().String(r));
      } catch (SqlException& e) {
        if (e.error().sqlstate != "23505") throw;
        std::string detail = e.error().detail;
        detail.replace(detail.find(" already exists."), std::string(" already exists.").size(), " is duplicated.");
        throw SqlException(SqlError("23505", "could not create unique index \"" + index.name + "\"", 0, detail));
      }
    }
  }
  table.indexes.push_back(std::move(index));
  return true;
}

void Session::RunDropIndex(const ast::DropTable& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  for (const auto& name : s.tables) {
    auto owner = catalog.FindIndexTable(name.name);
    if (!owner.ok()) ThrowStorageError(owner.error());
    if (!owner->has_value()) {
      if (!s.if_exists) Throw("42704", "index \"" + name.name + "\" does not exist");
      sink.Notice(SqlError("00000", "index \"" + name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"));
      continue;
    }
    catalog::TableDesc table = std::move(**owner);
    auto it = std::find_if(table.indexes.begin(), table.indexes.end(),
                           [&](const catalog::IndexDesc& i) { return i.name == name.name; });
    if (it == table.indexes.end()) Throw("XX000", "index \"" + name.name + "\" is missing from its table");
    Check(catalog.QueueGarbage(it->relfilenode));
    Check(catalog.ReleaseIndexName(it->name));
    table.indexes.erase(it);
    Check(catalog.UpdateTable(table));
    dropped_tables_ = true;
  }
  sink.Complete("DROP INDEX");
}

void Session::RunCreateView(const ast::CreateView& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  uint32_t schema = CreationSchema(catalog, s.view);
  // Planned once now: the query must bind, and it names the view's columns.
  QueryPlan plan = PlanSelect(*s.query, Txn(), catalog, params_);
  if (s.columns.size() > plan.columns.size()) Throw("42601", "CREATE VIEW specifies more column names than columns");
  if (describe_only_) return;
  catalog::ViewDesc view;
  view.oid = db_.NextOid();
  view.name = s.view.name;
  view.schema_oid = schema;
  view.sql = s.query_sql;
  view.depends_on = ReferencedRelations(catalog, *s.query);
  view.search_path = catalog.search_path();
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    view.columns.push_back(i < s.columns.size() ? s.columns[i] : plan.columns[i].name);
    view.types.push_back(plan.columns[i].type.id == TypeId::kUnknown ? Type(TypeId::kText) : plan.columns[i].type);
  }
  auto created = catalog.CreateView(view, s.or_replace);
  if (!created.ok()) {
    if (created.error().code() == ErrorCode::kAlreadyExists) {
      Throw("42P07", "relation \"" + view.name + "\" already exists", s.view.location);
    }
    ThrowStorageError(created.error());
  }
  sink.Complete("CREATE VIEW");
}

void Session::RunDropView(const ast::DropTable& s, ResultSink& sink) {
  catalog::Catalog catalog = Catalog();
  for (const auto& name : s.tables) {
    Result<std::optional<catalog::ViewDesc>> view = std::optional<catalog::ViewDesc>();
    for (uint32_t schema : LookupSchemas(catalog, name)) {
      view = catalog.FindView(schema, name.name);
      if (!view.ok()) ThrowStorageError(view.error());
      if (view->has_value()) break;
    }
    if (!view->has_value()) {
      if (!s.if_exists) Throw("42P01", "view \"" + name.name + "\" does not exist", name.location);
      sink.Notice(SqlError{"00000", "view \"" + name.name + "\" does not exist, skipping", 0, {}, {}, "NOTICE"});
      continue;
    }
    DropDependentViews(catalog, (*view)->oid, "view " + (*view)->name, s.cascade, sink);
    Check(catalog.DropView(**view));
  }
  sink.Complete("DROP VIEW");
}

void Session::DropDependentViews(catalog::Catalog& catalog, uint32_t oid, const std::string& what, bool cascade,
                                 ResultSink& sink) {
  auto views = catalog.ListViews();
  if (!views.ok()) ThrowStorageError(views.error());
  for (const auto& v : *views) {
    if (std::find(v.depends_on.begin(), v.depends_on.end(), oid) == v.depends_on.end()) continue;
    if (!cascade) {
      throw SqlException(SqlError("2BP01", "cannot drop " + what + " because other objects depend on it", 0,
                                  "view " + v.name + " depends on " + what,
                                  "Use DROP ... CASCADE to drop the dependent objects too."));
    }
    sink.Notice(SqlError("00000", "drop cascades to view " + v.name, 0, {}, {}, "NOTICE"));
    DropDependentViews(catalog, v.oid, "view " + v.name, true, sink);
    Check(catalog.DropView(v));
  }
}

}  // namespace orbit::sql
