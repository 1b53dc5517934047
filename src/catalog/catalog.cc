#include "catalog/catalog.h"

#include <nlohmann/json.hpp>

#include "storage/key_codec.h"

namespace orbit::catalog {
namespace {

constexpr int kFormat = 1;

std::string OidKey() { return storage::KeyEncoder().AddString("oid").Release(); }
// Everything inside a database is under ("db", database oid).
storage::KeyEncoder DbKey(uint32_t database) {
  storage::KeyEncoder key;
  key.AddString("db").AddInt(database);
  return key;
}
std::string ObjKey(uint32_t database, uint32_t oid) { return DbKey(database).AddString("obj").AddInt(oid).Release(); }
std::string GcKey(uint32_t relfilenode) { return storage::KeyEncoder().AddString("gc").AddInt(relfilenode).Release(); }
std::string NameKey(uint32_t database, uint32_t schema, std::string_view name) {
  return DbKey(database).AddString("name").AddString("rel").AddInt(schema).AddString(name).Release();
}
std::string StatsKey(uint32_t database, uint32_t table_oid) {
  return DbKey(database).AddString("stat").AddInt(table_oid).Release();
}
std::string DatabaseKey(std::string_view name) {
  return storage::KeyEncoder().AddString("database").AddString(name).Release();
}

nlohmann::json ToJson(const TableDesc& t) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : t.columns) {
    // Types are stored by PostgreSQL oid (stable across Orbit versions, unlike TypeId's numbering).
    nlohmann::json col{{"name", c.name},
                       {"type_oid", sql::TypeOid(c.type)},
                       {"length", c.type.length},
                       {"not_null", c.not_null}};
    if (c.default_text) col["default"] = *c.default_text;
    if (c.default_expr) col["default_expr"] = *c.default_expr;
    if (c.owned_sequence != 0) col["owned_sequence"] = c.owned_sequence;
    if (c.missing_text) col["missing"] = *c.missing_text;
    if (c.default_sequence != 0) col["sequence"] = c.default_sequence;
    if (c.identity_always) col["identity_always"] = true;
    if (c.identity) col["identity"] = true;
    columns.push_back(std::move(col));
  }
  nlohmann::json indexes = nlohmann::json::array();
  for (const auto& i : t.indexes) {
    indexes.push_back({{"oid", i.oid}, {"name", i.name}, {"columns", i.columns}, {"unique", i.unique},
                       {"relfilenode", i.relfilenode}});
  }
  nlohmann::json out{{"format", kFormat}, {"kind", "table"}, {"indexes", indexes},        {"oid", t.oid},         {"schema", t.schema_oid},
                     {"name", t.name},    {"relfilenode", t.relfilenode}, {"columns", columns}, {"primary_key", t.primary_key}};
  if (!t.referenced_by.empty()) out["referenced_by"] = t.referenced_by;
  if (!t.foreign_keys.empty()) {
    nlohmann::json fks = nlohmann::json::array();
    for (const auto& f : t.foreign_keys) {
      fks.push_back({{"name", f.name}, {"columns", f.columns}, {"ref_table", f.ref_table},
                     {"ref_columns", f.ref_columns}, {"on_delete", std::string(1, f.on_delete)}});
    }
    out["foreign_keys"] = std::move(fks);
  }
  if (!t.checks.empty()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : t.checks) checks.push_back({{"name", c.name}, {"sql", c.sql}});
    out["checks"] = std::move(checks);
  }
  return out;
}

Result<TableDesc> FromJson(std::string_view bytes) try {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || j.value("format", 0) != kFormat || j.value("kind", "") != "table") {
    return Error(ErrorCode::kCorruption, "unreadable table descriptor");
  }
  TableDesc t;
  t.oid = j["oid"].get<uint32_t>();
  t.schema_oid = j["schema"].get<uint32_t>();
  t.name = j["name"].get<std::string>();
  t.relfilenode = j["relfilenode"].get<uint32_t>();
  for (const auto& c : j["columns"]) {
    ColumnDesc col;
    col.name = c["name"].get<std::string>();
    auto type = sql::TypeFromOid(c["type_oid"].get<int32_t>());
    if (!type) return Error(ErrorCode::kCorruption, "table descriptor with an unknown column type");
    col.type = *type;
    col.type.length = c["length"].get<int32_t>();
    col.not_null = c["not_null"].get<bool>();
    if (c.contains("default")) col.default_text = c["default"].get<std::string>();
    if (c.contains("default_expr")) col.default_expr = c["default_expr"].get<std::string>();
    col.owned_sequence = c.value("owned_sequence", 0u);
    if (c.contains("missing")) col.missing_text = c["missing"].get<std::string>();
    col.default_sequence = c.value("sequence", 0u);
    col.identity_always = c.value("identity_always", false);
    col.identity = c.value("identity", col.identity_always);
    t.columns.push_back(std::move(col));
  }
  if (j.contains("referenced_by")) t.referenced_by = j["referenced_by"].get<std::vector<uint32_t>>();
  if (j.contains("foreign_keys")) {
    for (const auto& f : j["foreign_keys"]) {
      ForeignKeyDesc fk;
      fk.name = f["name"].get<std::string>();
      fk.columns = f["columns"].get<std::vector<int>>();
      fk.ref_table = f["ref_table"].get<uint32_t>();
      fk.ref_columns = f["ref_columns"].get<std::vector<int>>();
      fk.on_delete = f["on_delete"].get<std::string>().at(0);
      t.foreign_keys.push_back(std::move(fk));
    }
  }
  if (j.contains("checks")) {
    for (const auto& c : j["checks"]) t.checks.push_back({c["name"].get<std::string>(), c["sql"].get<std::string>()});
  }
  t.primary_key = j["primary_key"].get<std::vector<int>>();
  if (j.contains("indexes")) {
    for (const auto& i : j["indexes"]) {
      IndexDesc index;
      index.oid = i["oid"].get<uint32_t>();
      index.name = i["name"].get<std::string>();
      index.columns = i["columns"].get<std::vector<int>>();
      index.unique = i["unique"].get<bool>();
      index.relfilenode = i["relfilenode"].get<uint32_t>();
      for (int c : index.columns) {
        if (c < 0 || static_cast<size_t>(c) >= t.columns.size()) return Error(ErrorCode::kCorruption, "bad index column");
      }
      t.indexes.push_back(std::move(index));
    }
  }
  for (int c : t.primary_key) {
    if (c < 0 || static_cast<size_t>(c) >= t.columns.size()) return Error(ErrorCode::kCorruption, "bad primary key");
  }
  return t;
} catch (const nlohmann::json::exception& e) {
  return Error(ErrorCode::kCorruption, std::string("unreadable table descriptor: ") + e.what());
}

uint32_t DecodeOid(std::string_view bytes) {
  auto key = storage::DecodeKey(bytes);
  if (!key.ok() || key->size() != 1) return 0;
  const int64_t* v = std::get_if<int64_t>(&(*key)[0].value);
  return v != nullptr ? static_cast<uint32_t>(*v) : 0;
}

}  // namespace

int TableDesc::FindColumn(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

std::optional<double> TableDesc::DistinctValues(int column) const {
  if (!stats || column < 0 || static_cast<size_t>(column) >= columns.size()) return std::nullopt;
  auto it = stats->columns.find(columns[static_cast<size_t>(column)].name);
  if (it == stats->columns.end()) return std::nullopt;
  double n = it->second.n_distinct;
  return n >= 0 ? n : -n * stats->rows;
}

std::string RowPrefix(uint32_t relfilenode) { return storage::KeyEncoder().AddInt(relfilenode).Release(); }
std::string GarbageKey(uint32_t relfilenode) { return GcKey(relfilenode); }
std::string SequenceValueKey(uint32_t sequence_oid) {
  return storage::KeyEncoder().AddString("seq").AddInt(sequence_oid).Release();
}

Result<uint32_t> Catalog::NextOid() {
  // GetForUpdate serializes every DDL transaction on this key.
  auto current = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, OidKey());
  if (!current.ok()) return current.error();
  uint32_t oid = current->has_value() ? DecodeOid(**current) : kFirstNormalOid;
  if (oid == 0) return Error(ErrorCode::kCorruption, "unreadable oid counter");
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, OidKey(), storage::KeyEncoder().AddInt(oid + 1).Release());
      !s.ok()) {
    return s.error();
  }
  return oid;
}

std::optional<TableDesc> CatalogCache::Get(uint32_t database, uint32_t schema_oid, std::string_view name,
                                           uint64_t version) {
  std::lock_guard lock(mutex_);
  auto it = tables_.find(std::make_tuple(database, schema_oid, std::string(name)));
  if (it == tables_.end() || it->second.first != version) return std::nullopt;
  return it->second.second;
}

void CatalogCache::Put(uint32_t database, const TableDesc& table, uint64_t version) {
  if (version != this->version()) return;  // already stale
  std::lock_guard lock(mutex_);
  tables_[std::make_tuple(database, table.schema_oid, table.name)] = {version, table};
}

Result<std::optional<TableDesc>> Catalog::FindTable(uint32_t schema_oid, std::string_view name) {
  if (cache_ != nullptr) {
    if (auto hit = cache_->Get(database_, schema_oid, name, version_)) return std::optional<TableDesc>(std::move(*hit));
  }
  auto oid = txn_.Get(storage::ColumnFamily::kCatalog, NameKey(database_, schema_oid, name));
  if (!oid.ok()) return oid.error();
  if (!oid->has_value() || DecodeOid(**oid) == 0) return std::optional<TableDesc>();  // none, or an index
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, DecodeOid(**oid)));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value()) return Error(ErrorCode::kCorruption, "table name without a descriptor");
  if (obj->value().find("\"kind\":\"table\"") == std::string::npos) return std::optional<TableDesc>();  // a sequence
  auto desc = FromJson(**obj);
  if (!desc.ok()) return desc.error();
  if (auto s = AttachStats(*desc); !s.ok()) return s.error();
  if (cache_ != nullptr) cache_->Put(database_, *desc, version_);
  return std::optional<TableDesc>(std::move(*desc));
}

Result<TableDesc> Catalog::CreateTable(TableDesc desc) {
  // Lock the name first, so two sessions creating the same table conflict here.
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, desc.schema_oid, desc.name));
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return Error(ErrorCode::kAlreadyExists, desc.name);
  if (desc.oid == 0) {  // no oid from the caller's allocator: take one inside the transaction
    auto oid = NextOid();
    if (!oid.ok()) return oid.error();
    desc.oid = *oid;
  }
  desc.relfilenode = desc.oid;
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, desc.oid), ToJson(desc).dump()); !s.ok()) {
    return s.error();
  }
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, desc.schema_oid, desc.name),
                        storage::KeyEncoder().AddInt(desc.oid).Release());
      !s.ok()) {
    return s.error();
  }
  return desc;
}

Status Catalog::DropTable(const TableDesc& table) {
  // The name lock serializes this drop with concurrent DDL and DML on the name.
  auto locked = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, table.name));
  if (!locked.ok()) return locked.error();
  if (!locked->has_value()) return Error(ErrorCode::kNotFound, table.name);
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, table.name)); !s.ok()) return s;
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, ObjKey(database_, table.oid)); !s.ok()) return s;
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, StatsKey(database_, table.oid)); !s.ok()) return s;
  for (const auto& index : table.indexes) {
    if (auto s = ReleaseIndexName(index.name); !s.ok()) return s;
    if (auto s = QueueGarbage(index.relfilenode); !s.ok()) return s;
  }
  // Sequences of SERIAL / IDENTITY columns belong to the table.
  for (const auto& c : table.columns) {
    for (uint32_t seq : {c.default_sequence, c.owned_sequence}) {
      if (seq == 0) continue;
      if (auto s = DropSequenceByOid(seq); !s.ok()) return s;
    }
  }
  return txn_.Put(storage::ColumnFamily::kCatalog, GcKey(table.relfilenode), "");
}

Status Catalog::UpdateTable(const TableDesc& table, std::string_view old_name) {
  std::string_view locked_name = old_name.empty() ? std::string_view(table.name) : old_name;
  auto locked = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, locked_name));
  if (!locked.ok()) return locked.error();
  if (!locked->has_value()) return Error(ErrorCode::kNotFound, std::string(locked_name));
  if (!old_name.empty() && old_name != table.name) {
    auto taken = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, table.name));
    if (!taken.ok()) return taken.error();
    if (taken->has_value()) return Error(ErrorCode::kAlreadyExists, table.name);
    if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, old_name)); !s.ok()) return s;
    if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, table.schema_oid, table.name),
                          storage::KeyEncoder().AddInt(table.oid).Release());
        !s.ok()) {
      return s;
    }
  }
  return txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, table.oid), ToJson(table).dump());
}

namespace {

std::string SequenceJson(const SequenceDesc& seq) {
  nlohmann::json j{{"format", kFormat}, {"kind", "sequence"}, {"oid", seq.oid},
                   {"schema", seq.schema_oid}, {"name", seq.name}, {"owner", seq.owner_table}};
  if (seq.max_value != INT64_MAX) j["max"] = seq.max_value;
  return j.dump();
}

std::optional<SequenceDesc> SequenceFromJson(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || j.value("kind", "") != "sequence") return std::nullopt;
  return SequenceDesc{j.value("oid", 0u), j.value("schema", kPublicNamespace), j.value("name", ""), j.value("owner", 0u),
                      j.value("max", INT64_MAX)};
}

}  // namespace

Status Catalog::DropSequenceByOid(uint32_t oid) {
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, oid));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value()) return Ok();
  auto seq = SequenceFromJson(**obj);
  if (!seq) return Error(ErrorCode::kCorruption, "unreadable sequence descriptor");
  return DropSequence(*seq);
}

Result<std::vector<SequenceDesc>> Catalog::ListSequences() {
  std::vector<SequenceDesc> out;
  Status s = ScanObjects("sequence", [&](std::string_view bytes) -> Status {
    auto seq = SequenceFromJson(bytes);
    if (!seq) return Error(ErrorCode::kCorruption, "unreadable sequence descriptor");
    out.push_back(std::move(*seq));
    return Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

Status Catalog::ScanObjects(std::string_view kind, const std::function<Status(std::string_view)>& visit) {
  std::string marker = "\"kind\":\"" + std::string(kind) + "\"";
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, DbKey(database_).AddString("obj").Release());
  for (; it->Valid(); it->Next()) {
    if (it->value().find(marker) == std::string_view::npos) continue;
    if (auto s = visit(it->value()); !s.ok()) return s;
  }
  return it->status();
}

Status Catalog::CreateSequence(const SequenceDesc& seq) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, seq.schema_oid, seq.name));
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return Error(ErrorCode::kAlreadyExists, seq.name);
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, seq.oid), SequenceJson(seq)); !s.ok()) return s;
  return txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, seq.schema_oid, seq.name),
                  storage::KeyEncoder().AddInt(seq.oid).Release());
}

Result<std::optional<SequenceDesc>> Catalog::FindSequence(uint32_t schema_oid, std::string_view name) {
  auto oid = txn_.Get(storage::ColumnFamily::kCatalog, NameKey(database_, schema_oid, name));
  if (!oid.ok()) return oid.error();
  if (!oid->has_value() || DecodeOid(**oid) == 0) return std::optional<SequenceDesc>();
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, DecodeOid(**oid)));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value()) return Error(ErrorCode::kCorruption, "sequence name without a descriptor");
  return SequenceFromJson(**obj);  // nullopt: a table or a view
}

Status Catalog::UpdateSequence(const SequenceDesc& seq) {
  auto locked = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, seq.schema_oid, seq.name));
  if (!locked.ok()) return locked.error();
  if (!locked->has_value()) return Error(ErrorCode::kNotFound, seq.name);
  return txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, seq.oid), SequenceJson(seq));
}

Status Catalog::DropSequence(const SequenceDesc& seq) {
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, seq.schema_oid, seq.name)); !s.ok()) return s;
  return txn_.Delete(storage::ColumnFamily::kCatalog, ObjKey(database_, seq.oid));
}

namespace {

std::optional<ViewDesc> ViewFromJson(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || j.value("kind", "") != "view") return std::nullopt;
  ViewDesc v;
  v.oid = j.value("oid", 0u);
  v.schema_oid = j.value("schema", kPublicNamespace);
  v.name = j.value("name", "");
  v.sql = j.value("sql", "");
  v.columns = j.value("columns", std::vector<std::string>());
  v.depends_on = j.value("depends_on", std::vector<uint32_t>());
  v.search_path = j.value("search_path", std::vector<uint32_t>());
  if (j.contains("types")) {
    for (const auto& t : j["types"]) {
      auto type = sql::TypeFromOid(t.value("oid", 0));
      if (!type) return std::nullopt;
      type->length = t.value("length", -1);
      v.types.push_back(*type);
    }
  }
  return v;
}

}  // namespace

Status Catalog::CreateView(const ViewDesc& view, bool replace) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, view.schema_oid, view.name));
  if (!existing.ok()) return existing.error();
  uint32_t oid = view.oid;
  if (existing->has_value()) {
    auto old = FindView(view.schema_oid, view.name);
    if (!old.ok()) return old.error();
    if (!replace || !old->has_value()) return Error(ErrorCode::kAlreadyExists, view.name);
    oid = (*old)->oid;  // CREATE OR REPLACE keeps the view's identity
  }
  nlohmann::json j{{"format", kFormat}, {"kind", "view"}, {"oid", oid},        {"schema", view.schema_oid},
                   {"name", view.name}, {"sql", view.sql}, {"columns", view.columns}};
  nlohmann::json types = nlohmann::json::array();
  for (const auto& t : view.types) types.push_back({{"oid", sql::TypeOid(t)}, {"length", t.length}});
  j["types"] = std::move(types);
  j["depends_on"] = view.depends_on;
  j["search_path"] = view.search_path;
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, oid), j.dump()); !s.ok()) return s;
  return txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, view.schema_oid, view.name),
                  storage::KeyEncoder().AddInt(oid).Release());
}

Result<std::optional<ViewDesc>> Catalog::FindView(uint32_t schema_oid, std::string_view name) {
  auto oid = txn_.Get(storage::ColumnFamily::kCatalog, NameKey(database_, schema_oid, name));
  if (!oid.ok()) return oid.error();
  if (!oid->has_value() || DecodeOid(**oid) == 0) return std::optional<ViewDesc>();
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, DecodeOid(**oid)));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value()) return Error(ErrorCode::kCorruption, "view name without a descriptor");
  return ViewFromJson(**obj);  // nullopt: a table or a sequence
}

Status Catalog::DropView(const ViewDesc& view) {
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, view.schema_oid, view.name)); !s.ok()) return s;
  return txn_.Delete(storage::ColumnFamily::kCatalog, ObjKey(database_, view.oid));
}

Result<std::vector<ViewDesc>> Catalog::ListViews() {
  std::vector<ViewDesc> out;
  Status s = ScanObjects("view", [&](std::string_view bytes) -> Status {
    auto view = ViewFromJson(bytes);
    if (!view) return Error(ErrorCode::kCorruption, "unreadable view descriptor");
    out.push_back(std::move(*view));
    return Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

namespace {

// Schema names live beside relation names under a parent no schema has.
constexpr uint32_t kSchemaNames = 1;

}  // namespace

Status Catalog::CreateSchema(const SchemaDesc& schema) {
  auto found = FindSchema(schema.name);
  if (!found.ok()) return found.error();
  if (found->has_value()) return Error(ErrorCode::kAlreadyExists, schema.name);
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, kSchemaNames, schema.name));
  if (!existing.ok()) return existing.error();
  nlohmann::json j{{"format", kFormat}, {"kind", "schema"}, {"oid", schema.oid}, {"name", schema.name}};
  if (auto s = txn_.Put(storage::ColumnFamily::kCatalog, ObjKey(database_, schema.oid), j.dump()); !s.ok()) return s;
  return txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, kSchemaNames, schema.name),
                  storage::KeyEncoder().AddInt(schema.oid).Release());
}

Result<std::optional<SchemaDesc>> Catalog::FindSchema(std::string_view name) {
  if (name == "public") return std::optional<SchemaDesc>(SchemaDesc{kPublicNamespace, "public"});
  if (name == "pg_catalog") return std::optional<SchemaDesc>(SchemaDesc{kPgCatalogNamespace, "pg_catalog"});
  if (name == "information_schema") {
    return std::optional<SchemaDesc>(SchemaDesc{kInformationSchemaNamespaceOid, "information_schema"});
  }
  auto oid = txn_.Get(storage::ColumnFamily::kCatalog, NameKey(database_, kSchemaNames, name));
  if (!oid.ok()) return oid.error();
  if (!oid->has_value()) return std::optional<SchemaDesc>();
  return std::optional<SchemaDesc>(SchemaDesc{DecodeOid(**oid), std::string(name)});
}

Status Catalog::DropSchema(const SchemaDesc& schema) {
  if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, kSchemaNames, schema.name)); !s.ok()) return s;
  return txn_.Delete(storage::ColumnFamily::kCatalog, ObjKey(database_, schema.oid));
}

Result<std::vector<SchemaDesc>> Catalog::ListSchemas() {
  std::vector<SchemaDesc> out = {{kPgCatalogNamespace, "pg_catalog"},
                                 {kPublicNamespace, "public"},
                                 {kInformationSchemaNamespaceOid, "information_schema"}};
  Status s = ScanObjects("schema", [&](std::string_view bytes) -> Status {
    auto j = nlohmann::json::parse(bytes, nullptr, false);
    if (j.is_discarded()) return Error(ErrorCode::kCorruption, "unreadable schema descriptor");
    out.push_back({j.value("oid", 0u), j.value("name", "")});
    return Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

Status Catalog::ClaimIndexName(const std::string& name, uint32_t table_oid) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, NameKey(database_, kPublicNamespace, name));
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return Error(ErrorCode::kAlreadyExists, name);
  // The name points at an index marker object holding its table's oid.
  return txn_.Put(storage::ColumnFamily::kCatalog, NameKey(database_, kPublicNamespace, name),
                  storage::KeyEncoder().AddInt(table_oid).AddString("index").Release());
}

Status Catalog::ReleaseIndexName(const std::string& name) {
  return txn_.Delete(storage::ColumnFamily::kCatalog, NameKey(database_, kPublicNamespace, name));
}

Result<std::optional<TableDesc>> Catalog::FindTableByOid(uint32_t oid) {
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, oid));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value() || obj->value().find("\"kind\":\"table\"") == std::string::npos) {
    return std::optional<TableDesc>();
  }
  auto desc = FromJson(**obj);
  if (!desc.ok()) return desc.error();
  if (auto s = AttachStats(*desc); !s.ok()) return s.error();
  return std::optional<TableDesc>(std::move(*desc));
}

Result<std::optional<TableDesc>> Catalog::FindIndexTable(std::string_view name) {
  auto entry = txn_.Get(storage::ColumnFamily::kCatalog, NameKey(database_, kPublicNamespace, name));
  if (!entry.ok()) return entry.error();
  if (!entry->has_value()) return std::optional<TableDesc>();
  auto key = storage::DecodeKey(**entry);
  if (!key.ok() || key->size() != 2) return std::optional<TableDesc>();  // a table or sequence name
  const int64_t* table_oid = std::get_if<int64_t>(&(*key)[0].value);
  if (table_oid == nullptr) return Error(ErrorCode::kCorruption, "unreadable index name entry");
  auto obj = txn_.Get(storage::ColumnFamily::kCatalog, ObjKey(database_, static_cast<uint32_t>(*table_oid)));
  if (!obj.ok()) return obj.error();
  if (!obj->has_value()) return Error(ErrorCode::kCorruption, "index of a missing table");
  auto desc = FromJson(**obj);
  if (!desc.ok()) return desc.error();
  return std::optional<TableDesc>(std::move(*desc));
}

namespace {

std::string RoleKey(std::string_view name) { return storage::KeyEncoder().AddString("role").AddString(name).Release(); }

std::string RoleJson(const RoleDesc& r) {
  nlohmann::json j{{"format", kFormat}, {"name", r.name}, {"login", r.login}, {"superuser", r.superuser}};
  if (r.password) j["password"] = *r.password;
  return j.dump();
}

std::optional<RoleDesc> RoleFromJson(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  RoleDesc r;
  r.name = j.value("name", "");
  r.login = j.value("login", false);
  r.superuser = j.value("superuser", false);
  if (j.contains("password") && j["password"].is_string()) r.password = j["password"].get<std::string>();
  return r;
}

std::optional<RoleDesc> BuiltInRole(std::string_view name) {
  if (name != "postgres") return std::nullopt;
  return RoleDesc{"postgres", true, true, std::nullopt};
}

}  // namespace

Status Catalog::CreateRole(const RoleDesc& role) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, RoleKey(role.name));
  if (!existing.ok()) return existing.error();
  if (existing->has_value() || role.name == "postgres") return Error(ErrorCode::kAlreadyExists, role.name);
  return txn_.Put(storage::ColumnFamily::kCatalog, RoleKey(role.name), RoleJson(role));
}

Status Catalog::UpdateRole(const RoleDesc& role) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, RoleKey(role.name));
  if (!existing.ok()) return existing.error();
  if (!existing->has_value() && !BuiltInRole(role.name)) return Error(ErrorCode::kNotFound, role.name);
  return txn_.Put(storage::ColumnFamily::kCatalog, RoleKey(role.name), RoleJson(role));
}

Status Catalog::DropRole(const std::string& name) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, RoleKey(name));
  if (!existing.ok()) return existing.error();
  if (!existing->has_value()) return Error(ErrorCode::kNotFound, name);
  return txn_.Delete(storage::ColumnFamily::kCatalog, RoleKey(name));
}

Result<std::optional<RoleDesc>> Catalog::FindRole(std::string_view name) {
  auto bytes = txn_.Get(storage::ColumnFamily::kCatalog, RoleKey(name));
  if (!bytes.ok()) return bytes.error();
  if (!bytes->has_value()) return BuiltInRole(name);
  auto role = RoleFromJson(**bytes);
  if (!role) return Error(ErrorCode::kCorruption, "unreadable role descriptor");
  return role;
}

Result<std::optional<RoleDesc>> LoadRole(storage::Engine& engine, std::string_view name) {
  auto bytes = engine.Get(storage::ColumnFamily::kCatalog, RoleKey(name));
  if (!bytes.ok()) return bytes.error();
  if (!bytes->has_value()) return BuiltInRole(name);
  auto role = RoleFromJson(**bytes);
  if (!role) return Error(ErrorCode::kCorruption, "unreadable role descriptor");
  return role;
}

namespace {

std::optional<DatabaseDesc> DatabaseFromJson(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return DatabaseDesc{j.value("oid", 0u), j.value("name", ""), j.value("owner", "postgres"), true};
}

const std::vector<DatabaseDesc>& BuiltInDatabases() {
  static const std::vector<DatabaseDesc> databases = {{kPostgresDatabaseOid, "postgres", "postgres", true},
                                                      {kTemplate1DatabaseOid, "template1", "postgres", false},
                                                      {kTemplate0DatabaseOid, "template0", "postgres", false}};
  return databases;
}

// A database descriptor as read from storage: nullopt if there is none.
Result<std::optional<DatabaseDesc>> DatabaseFromRecord(Result<std::optional<std::string>> bytes) {
  if (!bytes.ok()) return bytes.error();
  if (!bytes->has_value()) return std::optional<DatabaseDesc>();
  auto database = DatabaseFromJson(**bytes);
  if (!database) return Error(ErrorCode::kCorruption, "unreadable database descriptor");
  return database;
}

std::optional<DatabaseDesc> BuiltInDatabase(std::string_view name) {
  for (const auto& d : BuiltInDatabases()) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

}  // namespace

Status Catalog::CreateDatabase(const DatabaseDesc& database) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, DatabaseKey(database.name));
  if (!existing.ok()) return existing.error();
  if (existing->has_value() || BuiltInDatabase(database.name)) return Error(ErrorCode::kAlreadyExists, database.name);
  nlohmann::json j{{"format", kFormat}, {"oid", database.oid}, {"name", database.name}, {"owner", database.owner}};
  return txn_.Put(storage::ColumnFamily::kCatalog, DatabaseKey(database.name), j.dump());
}

Result<std::optional<DatabaseDesc>> Catalog::FindDatabase(std::string_view name) {
  if (auto built_in = BuiltInDatabase(name)) return built_in;
  return DatabaseFromRecord(txn_.Get(storage::ColumnFamily::kCatalog, DatabaseKey(name)));
}

Result<std::vector<DatabaseDesc>> Catalog::ListDatabases() {
  std::vector<DatabaseDesc> out = BuiltInDatabases();
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, storage::KeyEncoder().AddString("database").Release());
  for (; it->Valid(); it->Next()) {
    auto database = DatabaseFromJson(it->value());
    if (!database) return Error(ErrorCode::kCorruption, "unreadable database descriptor");
    out.push_back(std::move(*database));
  }
  if (auto s = it->status(); !s.ok()) return s.error();
  return out;
}

Status Catalog::DropDatabase(const DatabaseDesc& database) {
  auto existing = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, DatabaseKey(database.name));
  if (!existing.ok()) return existing.error();
  if (!existing->has_value()) return Error(ErrorCode::kNotFound, database.name);
  // Collect first: the iterator must not see its own deletions.
  std::vector<std::string> keys;
  std::vector<uint32_t> garbage;
  std::string prefix = DbKey(database.oid).Release();
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, prefix);
  for (; it->Valid(); it->Next()) {
    keys.emplace_back(it->key());
    if (it->value().find("\"kind\":\"table\"") == std::string_view::npos) continue;
    auto table = FromJson(it->value());
    if (!table.ok()) return table.error();
    garbage.push_back(table->relfilenode);
    for (const auto& index : table->indexes) garbage.push_back(index.relfilenode);
  }
  if (auto s = it->status(); !s.ok()) return s;
  for (const auto& key : keys) {
    if (auto s = txn_.Delete(storage::ColumnFamily::kCatalog, key); !s.ok()) return s;
  }
  for (uint32_t relfilenode : garbage) {
    if (auto s = QueueGarbage(relfilenode); !s.ok()) return s;
  }
  return txn_.Delete(storage::ColumnFamily::kCatalog, DatabaseKey(database.name));
}

Status Catalog::RenameDatabase(const DatabaseDesc& database, const std::string& new_name) {
  auto locked = txn_.GetForUpdate(storage::ColumnFamily::kCatalog, DatabaseKey(database.name));
  if (!locked.ok()) return locked.error();
  if (!locked->has_value()) return Error(ErrorCode::kNotFound, database.name);
  DatabaseDesc renamed = database;
  renamed.name = new_name;
  if (auto s = CreateDatabase(renamed); !s.ok()) return s;
  return txn_.Delete(storage::ColumnFamily::kCatalog, DatabaseKey(database.name));
}

Result<std::optional<DatabaseDesc>> LoadDatabase(storage::Engine& engine, std::string_view name) {
  if (auto built_in = BuiltInDatabase(name)) return built_in;
  return DatabaseFromRecord(engine.Get(storage::ColumnFamily::kCatalog, DatabaseKey(name)));
}

Status UpgradeCatalogLayout(storage::Engine& engine) {
  auto txn = engine.Begin();
  storage::WriteBatch batch(engine);
  bool any = false;
  std::string moved_to = DbKey(kPostgresDatabaseOid).Release();
  // ("stat", oid) held ANALYZE's row counts, read by nothing: dropped.
  auto stats = txn->ScanPrefix(storage::ColumnFamily::kCatalog, storage::KeyEncoder().AddString("stat").Release());
  for (; stats->Valid(); stats->Next()) {
    batch.Delete(storage::ColumnFamily::kCatalog, stats->key());
    any = true;
  }
  if (auto s = stats->status(); !s.ok()) return s;
  for (const char* tag : {"obj", "name"}) {
    auto it = txn->ScanPrefix(storage::ColumnFamily::kCatalog, storage::KeyEncoder().AddString(tag).Release());
    for (; it->Valid(); it->Next()) {
      // A key tuple's encoding is its elements' concatenated: prefixing ("db", 5) nests it.
      batch.Put(storage::ColumnFamily::kCatalog, moved_to + std::string(it->key()), it->value());
      batch.Delete(storage::ColumnFamily::kCatalog, it->key());
      any = true;
    }
    if (auto s = it->status(); !s.ok()) return s;
  }
  return any ? engine.Write(batch) : Ok();
}

Status Catalog::SaveStats(const TableDesc& table, const TableStats& stats) {
  nlohmann::json columns = nlohmann::json::object();
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const ColumnDesc& c = table.columns[i];
    auto it = stats.columns.find(c.name);
    if (it == stats.columns.end()) continue;
    // With the column's position and type: statistics of a column since
    // dropped, renamed or re-added are not applied to another.
    columns[c.name] = {it->second.null_frac, it->second.avg_width, it->second.n_distinct, sql::TypeOid(c.type), i};
  }
  nlohmann::json j{{"format", kFormat}, {"relfilenode", table.relfilenode}, {"rows", stats.rows}, {"columns", columns}};
  return txn_.Put(storage::ColumnFamily::kCatalog, StatsKey(database_, table.oid), j.dump());
}

Status Catalog::AttachStats(TableDesc& table) {
  table.stats.reset();
  auto bytes = txn_.Get(storage::ColumnFamily::kCatalog, StatsKey(database_, table.oid));
  if (!bytes.ok()) return bytes.error();
  if (!bytes->has_value()) return Ok();
  auto j = nlohmann::json::parse(**bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error(ErrorCode::kCorruption, "unreadable table statistics");
  // A new relfilenode (TRUNCATE, rewrites) holds other rows: the statistics are stale.
  if (j.value("relfilenode", 0u) != table.relfilenode) return Ok();
  TableStats stats;
  stats.rows = j.value("rows", 0.0);
  if (j.contains("columns") && j["columns"].is_object()) {
    for (const auto& [name, c] : j["columns"].items()) {
      if (!c.is_array() || c.size() != 5) return Error(ErrorCode::kCorruption, "unreadable column statistics");
      int position = table.FindColumn(name);
      if (position < 0 || c[4].get<int>() != position ||
          c[3].get<int32_t>() != sql::TypeOid(table.columns[static_cast<size_t>(position)].type)) {
        continue;
      }
      stats.columns[name] = {c[0].get<double>(), c[1].get<int32_t>(), c[2].get<double>()};
    }
  }
  table.stats = std::move(stats);
  return Ok();
}

Status Catalog::QueueGarbage(uint32_t relfilenode) {
  return txn_.Put(storage::ColumnFamily::kCatalog, GcKey(relfilenode), "");
}

Result<std::vector<TableDesc>> Catalog::ListTables() {
  std::vector<TableDesc> out;
  std::string prefix = DbKey(database_).AddString("obj").Release();
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, prefix);
  for (; it->Valid(); it->Next()) {
    if (it->value().find("\"kind\":\"table\"") == std::string_view::npos) continue;  // views, indexes, ...
    auto desc = FromJson(it->value());
    if (!desc.ok()) return desc.error();
    out.push_back(std::move(*desc));
  }
  if (auto s = it->status(); !s.ok()) return s.error();
  for (auto& table : out) {
    if (auto s = AttachStats(table); !s.ok()) return s.error();
  }
  return out;
}

Result<std::vector<RoleDesc>> Catalog::ListRoles() {
  std::vector<RoleDesc> out;
  bool has_postgres = false;
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, storage::KeyEncoder().AddString("role").Release());
  for (; it->Valid(); it->Next()) {
    auto role = RoleFromJson(it->value());
    if (!role) return Error(ErrorCode::kCorruption, "unreadable role descriptor");
    has_postgres = has_postgres || role->name == "postgres";
    out.push_back(std::move(*role));
  }
  if (auto s = it->status(); !s.ok()) return s.error();
  if (!has_postgres) out.insert(out.begin(), *BuiltInRole("postgres"));
  return out;
}

Result<std::vector<uint32_t>> Catalog::PendingGarbage() {
  std::vector<uint32_t> out;
  auto it = txn_.ScanPrefix(storage::ColumnFamily::kCatalog, storage::KeyEncoder().AddString("gc").Release());
  for (; it->Valid(); it->Next()) {
    auto key = storage::DecodeKey(it->key());
    const int64_t* node = key.ok() && key->size() == 2 ? std::get_if<int64_t>(&(*key)[1].value) : nullptr;
    if (node == nullptr) return Error(ErrorCode::kCorruption, "unreadable gc entry");
    out.push_back(static_cast<uint32_t>(*node));
  }
  if (auto s = it->status(); !s.ok()) return s.error();
  return out;
}

Status SweepGarbage(storage::Engine& engine) {
  auto txn = engine.Begin();
  auto pending = Catalog(*txn).PendingGarbage();
  if (!pending.ok()) return pending.error();
  if (pending->empty()) return Ok();
  storage::WriteBatch batch(engine);
  for (uint32_t relfilenode : *pending) {
    std::string prefix = RowPrefix(relfilenode);
    // Relfilenodes are unique oids: a range is rows or index entries, never both.
    batch.DeleteRange(storage::ColumnFamily::kRows, prefix, storage::PrefixSuccessor(prefix));
    batch.DeleteRange(storage::ColumnFamily::kIndex, prefix, storage::PrefixSuccessor(prefix));
    batch.Delete(storage::ColumnFamily::kCatalog, GcKey(relfilenode));
  }
  return engine.Write(batch);
}

}  // namespace orbit::catalog
