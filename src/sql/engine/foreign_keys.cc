// FOREIGN KEY constraints (23503). The child side checks that each written
// row's referenced key exists, locking the parent row (GetForUpdate) so a
// concurrent delete of it waits; it runs after the row is written, so a row may
// reference itself. The parent side, when a referenced row is deleted or its
// key changes, finds referencing rows through the child's primary key or an
// index when one fits (else a scan): NO ACTION / RESTRICT fail at once,
// ON DELETE CASCADE deletes them (recursively). Checks are immediate, not at the
// end of the statement as PostgreSQL's NO ACTION is.

#include <algorithm>
#include <memory>

#include "catalog/catalog.h"
#include "sql/engine/session.h"
#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"
#include "sql/planner/planner.h"

namespace orbit::sql {
namespace {

std::string ColumnList(const catalog::TableDesc& t, const std::vector<int>& columns) {
  std::string out;
  for (int c : columns) out += (out.empty() ? "" : ", ") + t.columns[static_cast<size_t>(c)].name;
  return out;
}

std::string ValueList(const std::vector<Value>& row, const std::vector<int>& columns) {
  std::string out;
  for (int c : columns) {
    const Value& v = row[static_cast<size_t>(c)];
    out += (out.empty() ? "" : ", ") + (v.null ? std::string("null") : ToText(v));
  }
  return out;
}

bool SameSet(std::vector<int> a, std::vector<int> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

void Session::BindForeignKeys(const ast::CreateTable& s, catalog::TableDesc& desc, catalog::Catalog& catalog) {
  for (const auto& def : s.foreign_keys) {
    std::vector<uint32_t> ref_schemas = LookupSchemas(catalog, def.ref_table);
    bool self = def.ref_table.name == desc.name &&
                (def.ref_table.schema.empty() || (!ref_schemas.empty() && ref_schemas[0] == desc.schema_oid));
    catalog::TableDesc parent = self ? desc : ResolveTable(catalog, def.ref_table);
    catalog::ForeignKeyDesc fk;
    for (const auto& name : def.columns) {
      int c = desc.FindColumn(name);
      if (c < 0) Throw("42703", "column \"" + name + "\" referenced in foreign key constraint does not exist", def.location);
      fk.columns.push_back(c);
    }
    if (def.ref_columns.empty()) {
      if (parent.primary_key.empty()) {
        Throw("42830", "there is no primary key for referenced table \"" + parent.name + "\"", def.location);
      }
      fk.ref_columns = parent.primary_key;
    } else {
      for (const auto& name : def.ref_columns) {
        int c = parent.FindColumn(name);
        if (c < 0) Throw("42703", "column \"" + name + "\" referenced in foreign key constraint does not exist", def.location);
        fk.ref_columns.push_back(c);
      }
    }
    if (fk.columns.size() != fk.ref_columns.size()) {
      Throw("42830", "number of referencing and referenced columns for foreign key disagree", def.location);
    }
    bool unique = SameSet(fk.ref_columns, parent.primary_key);
    for (const auto& index : parent.indexes) unique = unique || (index.unique && SameSet(fk.ref_columns, index.columns));
    if (!unique) {
      Throw("42830", "there is no unique constraint matching given keys for referenced table \"" + parent.name + "\"",
            def.location);
    }
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      TypeId from = desc.columns[static_cast<size_t>(fk.columns[i])].type.id;
      TypeId to = parent.columns[static_cast<size_t>(fk.ref_columns[i])].type.id;
      if (!CanCast(from, to, CastContext::kImplicit) && !CanCast(to, from, CastContext::kImplicit)) {
        Throw("42804", "foreign key constraint cannot be implemented: key columns are of incompatible types", def.location);
      }
    }
    fk.name = def.name;
    if (fk.name.empty()) {
      fk.name = desc.name;
      for (const auto& name : def.columns) fk.name += "_" + name;
      fk.name += "_fkey";
    }
    fk.ref_table = self ? 0 : parent.oid;  // 0: this table (its oid is not known yet)
    fk.on_delete = def.on_delete;
    desc.foreign_keys.push_back(std::move(fk));
  }
}

void Session::CheckReferences(const catalog::TableDesc& table, const std::vector<Value>& row) {
  for (const auto& fk : table.foreign_keys) {
    bool any_null = false;
    for (int c : fk.columns) any_null = any_null || row[static_cast<size_t>(c)].null;
    if (any_null) continue;  // MATCH SIMPLE: a NULL column means no reference
    const catalog::TableDesc& parent = fk.ref_table == table.oid ? table : TableByOid(fk.ref_table);
    std::vector<Value> key_row(parent.columns.size());
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      const auto& column = parent.columns[static_cast<size_t>(fk.ref_columns[i])];
      key_row[static_cast<size_t>(fk.ref_columns[i])] = CastValue(row[static_cast<size_t>(fk.columns[i])], column.type, false);
    }
    std::optional<std::string> found;
    if (SameSet(fk.ref_columns, parent.primary_key)) {
      auto got = Txn().GetForUpdate(storage::ColumnFamily::kRows, exec::EncodeRowKey(parent, key_row, 0));
      if (!got.ok()) ThrowStorageError(got.error());
      found = *got;
    } else {
      for (const auto& index : parent.indexes) {
        if (!index.unique || !SameSet(fk.ref_columns, index.columns)) continue;
        auto got = Txn().GetForUpdate(storage::ColumnFamily::kIndex, exec::EncodeIndexEntry(index, key_row, "").key);
        if (!got.ok()) ThrowStorageError(got.error());
        found = *got;
        break;
      }
    }
    if (!found) {
      throw SqlException(SqlError("23503",
                                  "insert or update on table \"" + table.name + "\" violates foreign key constraint \"" +
                                      fk.name + "\"",
                                  0,
                                  "Key (" + ColumnList(table, fk.columns) + ")=(" + ValueList(row, fk.columns) +
                                      ") is not present in table \"" + parent.name + "\"."));
    }
  }
}

const catalog::TableDesc& Session::TableByOid(uint32_t oid) {
  auto it = fk_tables_.find(oid);
  if (it != fk_tables_.end()) return it->second;
  catalog::Catalog catalog = Catalog();
  auto table = catalog.FindTableByOid(oid);
  if (!table.ok()) ThrowStorageError(table.error());
  if (!table->has_value()) Throw("XX000", "a foreign key references a missing table (oid " + std::to_string(oid) + ")");
  return fk_tables_.emplace(oid, std::move(**table)).first->second;
}

const std::vector<Session::Referencing>& Session::ReferencingKeys(const catalog::TableDesc& parent) {
  static const std::vector<Referencing> kNone;
  if (parent.referenced_by.empty()) return kNone;  // the common case: no catalog reads
  auto it = referencing_.find(parent.oid);
  if (it != referencing_.end()) return it->second;
  std::vector<Referencing> found;
  for (uint32_t oid : parent.referenced_by) {
    auto child = std::make_shared<catalog::TableDesc>(oid == parent.oid ? parent : TableByOid(oid));
    for (size_t i = 0; i < child->foreign_keys.size(); ++i) {
      if (child->foreign_keys[i].ref_table == parent.oid) found.push_back({child, i});
    }
  }
  return referencing_.emplace(parent.oid, std::move(found)).first->second;
}

void Session::LinkForeignKeys(const catalog::TableDesc& child, catalog::Catalog& catalog, bool link) {
  std::vector<uint32_t> parents;
  for (const auto& fk : child.foreign_keys) {
    if (fk.ref_table != child.oid && std::find(parents.begin(), parents.end(), fk.ref_table) == parents.end()) {
      parents.push_back(fk.ref_table);
    }
  }
  for (uint32_t oid : parents) {
    auto parent = catalog.FindTableByOid(oid);
    if (!parent.ok()) ThrowStorageError(parent.error());
    if (!parent->has_value()) continue;  // dropped in this statement
    auto& refs = (*parent)->referenced_by;
    refs.erase(std::remove(refs.begin(), refs.end(), child.oid), refs.end());
    if (link) refs.push_back(child.oid);
    Check(catalog.UpdateTable(**parent));
  }
}

void Session::ReferencedRowGone(const catalog::TableDesc& parent, const std::vector<Value>& old_row, bool deleting) {
  for (const auto& ref : ReferencingKeys(parent)) {
    const catalog::TableDesc& child = *ref.table;
    const catalog::ForeignKeyDesc& fk = child.foreign_keys[ref.index];
    // child.columns = the parent row's referenced values
    std::vector<exec::BoundExprPtr> terms;
    bool any_null = false;
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      const Value& v = old_row[static_cast<size_t>(fk.ref_columns[i])];
      any_null = any_null || v.null;
      const auto& column = child.columns[static_cast<size_t>(fk.columns[i])];
      auto eq = std::make_unique<exec::BoundExpr>();
      eq->kind = exec::BoundKind::kCompare;
      eq->type = Type(TypeId::kBool);
      eq->op = "=";
      eq->args.push_back(exec::MakeColumn(fk.columns[i], column.type));
      eq->args.push_back(exec::MakeConst(v.null ? v : CastValue(v, column.type, false)));
      terms.push_back(std::move(eq));
    }
    if (any_null) continue;
    exec::BoundExprPtr where;
    if (terms.size() == 1) {
      where = std::move(terms[0]);
    } else {
      where = std::make_unique<exec::BoundExpr>();
      where->kind = exec::BoundKind::kAnd;
      where->type = Type(TypeId::kBool);
      where->args = std::move(terms);
    }
    auto keys = PrimaryKeyLookups(child, where.get());
    if (!keys) keys = IndexLookups(Txn(), child, where.get());
    auto scan = exec::MakeFilter(exec::MakeTableScan(Txn(), child, true, std::move(keys)), std::move(where));
    exec::Batch rows;
    while (scan->Next(rows)) {
      for (size_t r = 0; r < rows.count; ++r) {
        std::vector<Value> child_row;
        for (size_t c = 0; c < child.columns.size(); ++c) child_row.push_back(rows.columns[c].Get(r));
        if (!deleting || fk.on_delete != 'c') {
          throw SqlException(SqlError("23503",
                                      "update or delete on table \"" + parent.name + "\" violates foreign key constraint \"" +
                                          fk.name + "\" on table \"" + child.name + "\"",
                                      0,
                                      "Key (" + ColumnList(parent, fk.ref_columns) + ")=(" +
                                          ValueList(old_row, fk.ref_columns) + ") is still referenced from table \"" +
                                          child.name + "\"."));
        }
        // ON DELETE CASCADE: the referencing row goes too, and so on down.
        const std::string& key = rows.columns.back().String(r);
        auto locked = Txn().GetForUpdate(storage::ColumnFamily::kRows, key);
        if (!locked.ok()) ThrowStorageError(locked.error());
        if (!locked->has_value()) continue;  // already gone (a cycle, or an earlier cascade)
        Check(Txn().Delete(storage::ColumnFamily::kRows, key));
        for (const auto& index : child.indexes) IndexDelete(index, child_row, key);
        ReferencedRowGone(child, child_row, true);
      }
    }
  }
}

}  // namespace orbit::sql
