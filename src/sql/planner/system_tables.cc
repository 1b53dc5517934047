#include "sql/planner/system_tables.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "sql/exec/storage_error.h"
#include "sql/engine/settings.h"
#include "sql/function/functions.h"
#include "sql/planner/binder.h"

namespace orbit::sql {
namespace {

using catalog::TableDesc;

constexpr uint32_t kOwner = 10;          // every object belongs to postgres
constexpr uint32_t kHeapAm = 2, kBtreeAm = 403;
constexpr uint32_t kPkeyOidBit = 0x40000000;  // primary-key "indexes" get the table's oid with this bit
constexpr uint32_t kCheckOidBit = 0x20000000;
constexpr uint32_t kForeignKeyOidBit = 0x10000000;
constexpr uint32_t kAttrDefOidBit = 0x08000000;  // a column default: the table's oid with this bit, plus the column

enum class Col : uint8_t { kOid, kName, kChar, kBool, kInt2, kInt4, kFloat4, kText, kTimestampTz, kTextArray, kOidArray, kInt2Array };

LogicalType TypeOf(Col c) {
  switch (c) {
    case Col::kOid: return Type(TypeId::kInt8);
    case Col::kBool: return Type(TypeId::kBool);
    case Col::kInt2: return Type(TypeId::kInt2);
    case Col::kInt4: return Type(TypeId::kInt4);
    case Col::kFloat4: return Type(TypeId::kFloat4);
    case Col::kTimestampTz: return Type(TypeId::kTimestampTz);
    case Col::kTextArray: return ArrayOf(TypeId::kText);  // aclitem[], "char"[] and text[] columns
    case Col::kOidArray: return ArrayOf(TypeId::kInt8);
    case Col::kInt2Array: return ArrayOf(TypeId::kInt2);
    default: return Type(TypeId::kText);
  }
}

// Builds one row: values appended in column order.
class RowBuilder {
 public:
  RowBuilder& Oid(int64_t v) { return Add(Value::Int(TypeId::kInt8, v)); }
  RowBuilder& Name(std::string v) { return Add(Value::String(Type(TypeId::kText), std::move(v))); }
  RowBuilder& Bool(bool v) { return Add(Value::Bool(v)); }
  RowBuilder& Int2(int64_t v) { return Add(Value::Int(TypeId::kInt2, v)); }
  RowBuilder& Int4(int64_t v) { return Add(Value::Int(TypeId::kInt4, v)); }
  RowBuilder& Float4(double v) { return Add(Value::Float(TypeId::kFloat4, v)); }
  RowBuilder& Null(Col c) { return Add(Value::Null(TypeOf(c))); }
  std::vector<Value> Take() { return std::move(values_); }

 private:
  RowBuilder& Add(Value v) {
    values_.push_back(std::move(v));
    return *this;
  }
  std::vector<Value> values_;
};

using Rows = std::vector<std::vector<Value>>;
using Generator = std::function<Rows(catalog::Catalog&)>;

struct SystemTable {
  const char* name;
  uint32_t oid;
  std::vector<std::pair<const char*, Col>> columns;
  Generator rows;
  // Tables that show the session's state (pg_settings) use this instead.
  std::function<Rows(const SessionInfo*)> session_rows = nullptr;
};

std::vector<TableDesc> UserTables(catalog::Catalog& catalog) {
  auto tables = catalog.ListTables();
  if (!tables.ok()) ThrowStorageError(tables.error());
  return std::move(tables).value();
}

std::vector<catalog::SchemaDesc> Schemas(catalog::Catalog& catalog) {
  auto schemas = catalog.ListSchemas();
  if (!schemas.ok()) ThrowStorageError(schemas.error());
  return std::move(schemas).value();
}

std::vector<catalog::SequenceDesc> Sequences(catalog::Catalog& catalog) {
  auto sequences = catalog.ListSequences();
  if (!sequences.ok()) ThrowStorageError(sequences.error());
  return std::move(sequences).value();
}

std::string SchemaName(catalog::Catalog& catalog, uint32_t oid) {
  for (const auto& schema : Schemas(catalog)) {
    if (schema.oid == oid) return schema.name;
  }
  return std::to_string(oid);
}

// A SERIAL column's default as PostgreSQL prints it: nextval('[schema.]t_c_seq'::regclass),
// qualified when the search path would not find the sequence by its bare name.
std::string SerialDefault(catalog::Catalog& catalog, const TableDesc& t, const catalog::ColumnDesc& c) {
  std::string name = t.name + "_" + c.name + "_seq";
  const auto& path = catalog.search_path();
  if (std::find(path.begin(), path.end(), t.schema_oid) == path.end()) name = SchemaName(catalog, t.schema_oid) + "." + name;
  return "nextval('" + name + "'::regclass)";
}

std::string Int2Vector(const std::vector<int>& columns) {  // int2vector text: "1 3"
  std::string out;
  for (int c : columns) out += (out.empty() ? "" : " ") + std::to_string(c + 1);
  return out;
}

std::string Int2Array(const std::vector<int>& columns) {  // int2[] text: "{1,3}"
  std::string out = "{";
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + std::to_string(columns[i] + 1);
  return out + "}";
}

struct IndexRow {
  uint32_t oid;
  std::string name;
  const TableDesc* table;
  std::vector<int> columns;
  bool unique;
  bool primary;
};

std::vector<IndexRow> IndexesOf(const std::vector<TableDesc>& tables) {
  std::vector<IndexRow> out;
  for (const auto& t : tables) {
    if (!t.primary_key.empty()) out.push_back({t.oid | kPkeyOidBit, t.name + "_pkey", &t, t.primary_key, true, true});
    for (const auto& i : t.indexes) out.push_back({i.oid, i.name, &t, i.columns, i.unique, false});
  }
  return out;
}

const std::vector<SystemTable>& Tables();
std::string DefaultSql(const catalog::ColumnDesc& c);

Rows ClassRows(catalog::Catalog& catalog) {
  Rows rows;
  // relhastriggers: PostgreSQL enforces foreign keys with triggers on both
  // tables, and psql shows a table's foreign keys only when it is set.
  auto add = [&](int64_t oid, std::string name, int64_t ns, int64_t am, int64_t relfilenode, bool has_index,
                 const char* kind, int64_t natts, int64_t checks, bool has_triggers, double reltuples = -1) {
    rows.push_back(RowBuilder()
                       .Oid(oid).Name(std::move(name)).Oid(ns).Oid(0).Oid(kOwner).Oid(am).Oid(relfilenode).Oid(0)
                       .Int4(0).Float4(reltuples).Bool(has_index).Bool(false).Name("p").Name(kind).Int2(natts).Int2(checks)
                       .Bool(false).Bool(has_triggers).Bool(false).Bool(false).Bool(true).Name("d").Bool(false)
                       .Null(Col::kTextArray).Null(Col::kTextArray).Bool(false).Oid(0).Oid(0).Null(Col::kText)
                       .Take());
  };
  for (const auto& t : Tables()) {
    add(t.oid, t.name, catalog::kPgCatalogNamespace, kHeapAm, 0, false, "r", t.columns.size(), 0, false);
  }
  auto tables = UserTables(catalog);
  for (const auto& t : tables) {
    add(t.oid, t.name, t.schema_oid, kHeapAm, t.relfilenode, !t.primary_key.empty() || !t.indexes.empty(), "r",
        static_cast<int64_t>(t.columns.size()), static_cast<int64_t>(t.checks.size()),
        !t.foreign_keys.empty() || !t.referenced_by.empty(), t.stats ? t.stats->rows : -1);
  }
  for (const auto& i : IndexesOf(tables)) {
    add(i.oid, i.name, i.table->schema_oid, kBtreeAm, 0, false, "i", static_cast<int64_t>(i.columns.size()), 0, false);
  }
  auto views = catalog.ListViews();
  if (!views.ok()) ThrowStorageError(views.error());
  for (const auto& v : *views) {
    add(v.oid, v.name, v.schema_oid, 0, 0, false, "v", static_cast<int64_t>(v.columns.size()), 0, false);
  }
  for (const auto& seq : Sequences(catalog)) add(seq.oid, seq.name, seq.schema_oid, 0, 0, false, "S", 3, 0, false);
  return rows;
}

const std::vector<SystemTable>& Tables() {
  using C = Col;
  static const std::vector<SystemTable> tables = {
      {"pg_namespace", 2615, {{"oid", C::kOid}, {"nspname", C::kName}, {"nspowner", C::kOid}, {"nspacl", C::kTextArray}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         for (const auto& schema : Schemas(catalog)) {
           rows.push_back(RowBuilder().Oid(schema.oid).Name(schema.name).Oid(kOwner).Null(C::kTextArray).Take());
         }
         return rows;
       }},
      {"pg_class", 1259,
       {{"oid", C::kOid}, {"relname", C::kName}, {"relnamespace", C::kOid}, {"reltype", C::kOid}, {"relowner", C::kOid},
        {"relam", C::kOid}, {"relfilenode", C::kOid}, {"reltablespace", C::kOid}, {"relpages", C::kInt4},
        {"reltuples", C::kFloat4}, {"relhasindex", C::kBool}, {"relisshared", C::kBool}, {"relpersistence", C::kChar},
        {"relkind", C::kChar}, {"relnatts", C::kInt2}, {"relchecks", C::kInt2}, {"relhasrules", C::kBool},
        {"relhastriggers", C::kBool}, {"relhassubclass", C::kBool}, {"relrowsecurity", C::kBool},
        {"relispopulated", C::kBool}, {"relreplident", C::kChar}, {"relispartition", C::kBool}, {"relacl", C::kTextArray},
        {"reloptions", C::kTextArray}, {"relforcerowsecurity", C::kBool}, {"reloftype", C::kOid}, {"reltoastrelid", C::kOid},
        {"relpartbound", C::kText}},
       ClassRows},
      {"pg_stats", 12050,
       {{"schemaname", C::kName}, {"tablename", C::kName}, {"attname", C::kName}, {"inherited", C::kBool},
        {"null_frac", C::kFloat4}, {"avg_width", C::kInt4}, {"n_distinct", C::kFloat4},
        {"most_common_vals", C::kTextArray}, {"most_common_freqs", C::kTextArray},
        {"histogram_bounds", C::kTextArray}, {"correlation", C::kFloat4}, {"most_common_elems", C::kTextArray},
        {"most_common_elem_freqs", C::kTextArray}, {"elem_count_histogram", C::kTextArray}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         for (const auto& t : UserTables(catalog)) {
           if (!t.stats) continue;
           for (const auto& c : t.columns) {
             auto it = t.stats->columns.find(c.name);
             if (it == t.stats->columns.end()) continue;
             rows.push_back(RowBuilder().Name(SchemaName(catalog, t.schema_oid)).Name(t.name).Name(c.name).Bool(false)
                                .Float4(it->second.null_frac).Int4(it->second.avg_width).Float4(it->second.n_distinct)
                                .Null(C::kTextArray).Null(C::kTextArray).Null(C::kTextArray).Null(C::kFloat4)
                                .Null(C::kTextArray).Null(C::kTextArray).Null(C::kTextArray).Take());
           }
         }
         return rows;
       }},
      {"pg_am", 2601, {{"oid", C::kOid}, {"amname", C::kName}, {"amhandler", C::kText}, {"amtype", C::kChar}},
       [](catalog::Catalog&) {
         Rows rows;
         rows.push_back(RowBuilder().Oid(kHeapAm).Name("heap").Name("heap_tableam_handler").Name("t").Take());
         rows.push_back(RowBuilder().Oid(kBtreeAm).Name("btree").Name("bthandler").Name("i").Take());
         return rows;
       }},
      {"pg_roles", 1260,
       {{"rolname", C::kName}, {"rolsuper", C::kBool}, {"rolinherit", C::kBool}, {"rolcreaterole", C::kBool},
        {"rolcreatedb", C::kBool}, {"rolcanlogin", C::kBool}, {"rolreplication", C::kBool}, {"rolconnlimit", C::kInt4},
        {"rolpassword", C::kText}, {"rolvaliduntil", C::kTimestampTz}, {"rolbypassrls", C::kBool},
        {"rolconfig", C::kText}, {"oid", C::kOid}},
       [](catalog::Catalog& catalog) {
         auto roles = catalog.ListRoles();
         if (!roles.ok()) ThrowStorageError(roles.error());
         Rows rows;
         for (const auto& r : *roles) {
           RowBuilder b;
           b.Name(r.name).Bool(r.superuser).Bool(true).Bool(r.superuser).Bool(r.superuser).Bool(r.login).Bool(r.superuser)
               .Int4(-1);
           if (r.password) b.Name("********");
           else b.Null(C::kText);
           b.Null(C::kTimestampTz).Bool(r.superuser).Null(C::kText).Oid(RoleOid(r.name));
           rows.push_back(b.Take());
         }
         return rows;
       }},
      {"pg_database", 1262,
       {{"oid", C::kOid}, {"datname", C::kName}, {"datdba", C::kOid}, {"encoding", C::kInt4},
        {"datlocprovider", C::kChar}, {"datistemplate", C::kBool}, {"datallowconn", C::kBool},
        {"datconnlimit", C::kInt4}, {"dattablespace", C::kOid}, {"datcollate", C::kText}, {"datctype", C::kText},
        {"daticulocale", C::kText}, {"datcollversion", C::kText}, {"datacl", C::kTextArray}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         auto databases = catalog.ListDatabases();
         if (!databases.ok()) ThrowStorageError(databases.error());
         for (const auto& d : *databases) {
           bool is_template = d.oid == catalog::kTemplate0DatabaseOid || d.oid == catalog::kTemplate1DatabaseOid;
           rows.push_back(RowBuilder().Oid(d.oid).Name(d.name).Oid(RoleOid(d.owner)).Int4(6).Name("c")
                              .Bool(is_template).Bool(d.allow_connections).Int4(-1).Oid(1663).Name("C.UTF-8")
                              .Name("C.UTF-8").Null(C::kText).Null(C::kText).Null(C::kTextArray).Take());
         }
         return rows;
       }},
      {"pg_type", 1247,
       {{"oid", C::kOid}, {"typname", C::kName}, {"typnamespace", C::kOid}, {"typowner", C::kOid}, {"typlen", C::kInt2},
        {"typbyval", C::kBool}, {"typtype", C::kChar}, {"typcategory", C::kChar}, {"typispreferred", C::kBool},
        {"typisdefined", C::kBool}, {"typdelim", C::kChar}, {"typrelid", C::kOid}, {"typelem", C::kOid},
        {"typarray", C::kOid}, {"typbasetype", C::kOid}, {"typtypmod", C::kInt4}, {"typndims", C::kInt4},
        {"typcollation", C::kOid}, {"typnotnull", C::kBool}},
       [](catalog::Catalog&) {
         Rows rows;
         auto add = [&](int64_t oid, std::string name, int64_t len, char category, int64_t elem, int64_t array) {
           rows.push_back(RowBuilder().Oid(oid).Name(std::move(name)).Oid(catalog::kPgCatalogNamespace).Oid(kOwner)
                              .Int2(len).Bool(len > 0 && len <= 8).Name("b").Name(std::string(1, category))
                              .Bool(false).Bool(true).Name(",").Oid(0).Oid(elem).Oid(array).Oid(0).Int4(-1)
                              .Int4(0).Oid(category == 'S' ? 100 : 0).Bool(false).Take());
         };
         for (TypeId id : ScalarTypes()) {
           add(TypeOid(id), std::string(TypeInternalName(id)), TypeLength(id), TypeCategory(id), 0, ArrayTypeOid(id));
           add(ArrayTypeOid(id), "_" + std::string(TypeInternalName(id)), -1, 'A', TypeOid(id), 0);
         }
         add(26, "oid", 4, 'N', 0, 1028);
         add(19, "name", 64, 'S', 0, 1003);
         add(18, "char", 1, 'Z', 0, 1002);
         return rows;
       }},
      {"pg_attribute", 1249,
       {{"attrelid", C::kOid}, {"attname", C::kName}, {"atttypid", C::kOid}, {"attlen", C::kInt2}, {"attnum", C::kInt2},
        {"atttypmod", C::kInt4}, {"attndims", C::kInt4}, {"attnotnull", C::kBool}, {"atthasdef", C::kBool},
        {"atthasmissing", C::kBool}, {"attidentity", C::kChar}, {"attgenerated", C::kChar}, {"attisdropped", C::kBool},
        {"attislocal", C::kBool}, {"attcollation", C::kOid}, {"attstorage", C::kChar}, {"attcompression", C::kChar},
        {"attstattarget", C::kInt4}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         // A table's columns, and an index's key columns (attnum = key position).
         auto add = [&](int64_t relid, const catalog::ColumnDesc& c, int64_t attnum, bool of_index) {
           const char* identity = of_index || !c.identity ? "" : c.identity_always ? "a" : "d";
           rows.push_back(RowBuilder().Oid(relid).Name(c.name).Oid(TypeOid(c.type)).Int2(TypeLength(c.type.id))
                              .Int2(attnum).Int4(TypeModifier(c.type)).Int4(c.type.id == TypeId::kArray ? 1 : 0)
                              .Bool(!of_index && c.not_null)
                              .Bool(!of_index && (c.default_text || c.default_expr || c.default_sequence != 0))
                              .Bool(!of_index && c.missing_text.has_value()).Name(identity).Name("")
                              .Bool(false).Bool(true).Oid(IsString(c.type.id) ? 100 : 0)
                              .Name(TypeLength(c.type.id) > 0 ? "p" : c.type.id == TypeId::kNumeric ? "m" : "x").Name("").Int4(-1).Take());
         };
         auto tables = UserTables(catalog);
         for (const auto& t : tables) {
           for (size_t i = 0; i < t.columns.size(); ++i) add(t.oid, t.columns[i], static_cast<int64_t>(i + 1), false);
         }
         for (const auto& i : IndexesOf(tables)) {
           for (size_t k = 0; k < i.columns.size(); ++k) {
             add(i.oid, i.table->columns[static_cast<size_t>(i.columns[k])], static_cast<int64_t>(k + 1), true);
           }
         }
         auto views = catalog.ListViews();
         if (!views.ok()) ThrowStorageError(views.error());
         for (const auto& v : *views) {
           for (size_t k = 0; k < v.columns.size() && k < v.types.size(); ++k) {
             catalog::ColumnDesc c;
             c.name = v.columns[k];
             c.type = v.types[k];
             add(v.oid, c, static_cast<int64_t>(k + 1), false);
           }
         }
         return rows;
       }},
      {"pg_index", 2610,
       {{"indexrelid", C::kOid}, {"indrelid", C::kOid}, {"indnatts", C::kInt2}, {"indnkeyatts", C::kInt2},
        {"indisunique", C::kBool}, {"indisprimary", C::kBool}, {"indisexclusion", C::kBool}, {"indimmediate", C::kBool},
        {"indisclustered", C::kBool}, {"indisvalid", C::kBool}, {"indisready", C::kBool}, {"indislive", C::kBool},
        {"indkey", C::kText}, {"indexprs", C::kText}, {"indpred", C::kText}, {"indisreplident", C::kBool},
        {"indnullsnotdistinct", C::kBool}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         auto tables = UserTables(catalog);
         for (const auto& i : IndexesOf(tables)) {
           auto n = static_cast<int64_t>(i.columns.size());
           rows.push_back(RowBuilder().Oid(i.oid).Oid(i.table->oid).Int2(n).Int2(n).Bool(i.unique).Bool(i.primary)
                              .Bool(false).Bool(true).Bool(false).Bool(true).Bool(true).Bool(true)
                              .Name(Int2Vector(i.columns)).Null(C::kText).Null(C::kText).Bool(false).Bool(false).Take());
         }
         return rows;
       }},
      {"pg_constraint", 2606,
       {{"oid", C::kOid}, {"conname", C::kName}, {"connamespace", C::kOid}, {"contype", C::kChar},
        {"condeferrable", C::kBool}, {"condeferred", C::kBool}, {"convalidated", C::kBool}, {"conrelid", C::kOid},
        {"contypid", C::kOid}, {"conindid", C::kOid}, {"confrelid", C::kOid}, {"conkey", C::kText},
        {"confkey", C::kText}, {"conparentid", C::kOid}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         auto tables = UserTables(catalog);
         for (const auto& i : IndexesOf(tables)) {
           if (!i.unique) continue;
           rows.push_back(RowBuilder().Oid(i.oid).Name(i.name).Oid(i.table->schema_oid).Name(i.primary ? "p" : "u")
                              .Bool(false).Bool(false).Bool(true).Oid(i.table->oid).Oid(0).Oid(i.oid).Oid(0)
                              .Name(Int2Array(i.columns)).Null(C::kText).Oid(0).Take());
         }
         for (const auto& t : tables) {
           for (size_t k = 0; k < t.foreign_keys.size(); ++k) {  // FOREIGN KEY: oid = table oid with bit 28, plus its position
             const auto& f = t.foreign_keys[k];
             rows.push_back(RowBuilder().Oid((t.oid | kForeignKeyOidBit) + k).Name(f.name).Oid(t.schema_oid)
                                .Name("f").Bool(false).Bool(false).Bool(true).Oid(t.oid).Oid(0).Oid(0).Oid(f.ref_table)
                                .Name(Int2Array(f.columns)).Name(Int2Array(f.ref_columns)).Oid(0).Take());
           }
           for (size_t k = 0; k < t.checks.size(); ++k) {  // CHECK: oid = table oid with bit 29, plus its position
             rows.push_back(RowBuilder().Oid((t.oid | kCheckOidBit) + k).Name(t.checks[k].name).Oid(t.schema_oid)
                                .Name("c").Bool(false).Bool(false).Bool(true).Oid(t.oid).Oid(0).Oid(0).Oid(0)
                                .Null(C::kText).Null(C::kText).Oid(0).Take());
           }
         }
         return rows;
       }},
      // Column defaults: adbin holds the expression's SQL (PostgreSQL keeps a node
      // tree there); pg_get_expr returns it.
      {"pg_attrdef", 2604,
       {{"oid", C::kOid}, {"adrelid", C::kOid}, {"adnum", C::kInt2}, {"adbin", C::kText}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         for (const auto& t : UserTables(catalog)) {
           for (size_t i = 0; i < t.columns.size(); ++i) {
             const auto& c = t.columns[i];
             std::string sql;
             if (c.default_sequence != 0 && !c.identity) sql = SerialDefault(catalog, t, c);
             else if (c.default_text || c.default_expr) sql = DefaultSql(c);
             else continue;
             rows.push_back(RowBuilder().Oid((t.oid | kAttrDefOidBit) + i).Oid(t.oid).Int2(static_cast<int64_t>(i + 1))
                                .Name(std::move(sql)).Take());
           }
         }
         return rows;
       }},
      {"pg_collation", 3456,
       {{"oid", C::kOid}, {"collname", C::kName}, {"collnamespace", C::kOid}, {"collowner", C::kOid},
        {"collprovider", C::kChar}, {"collencoding", C::kInt4}},
       [](catalog::Catalog&) {
         Rows rows;
         rows.push_back(RowBuilder().Oid(100).Name("default").Oid(catalog::kPgCatalogNamespace).Oid(kOwner).Name("d").Int4(-1).Take());
         rows.push_back(RowBuilder().Oid(950).Name("C").Oid(catalog::kPgCatalogNamespace).Oid(kOwner).Name("c").Int4(-1).Take());
         rows.push_back(RowBuilder().Oid(951).Name("POSIX").Oid(catalog::kPgCatalogNamespace).Oid(kOwner).Name("c").Int4(-1).Take());
         return rows;
       }},
      // Features Orbit does not have, so their catalogs are empty: row security
      // policies, extended statistics, publications, triggers, inheritance.
      {"pg_policy", 3256,
       {{"oid", C::kOid}, {"polname", C::kName}, {"polrelid", C::kOid}, {"polcmd", C::kChar},
        {"polpermissive", C::kBool}, {"polroles", C::kOidArray}, {"polqual", C::kText}, {"polwithcheck", C::kText}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_statistic_ext", 3381,
       {{"oid", C::kOid}, {"stxrelid", C::kOid}, {"stxname", C::kName}, {"stxnamespace", C::kOid},
        {"stxowner", C::kOid}, {"stxstattarget", C::kInt4}, {"stxkeys", C::kText}, {"stxkind", C::kTextArray}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_publication", 6104,
       {{"oid", C::kOid}, {"pubname", C::kName}, {"pubowner", C::kOid}, {"puballtables", C::kBool},
        {"pubinsert", C::kBool}, {"pubupdate", C::kBool}, {"pubdelete", C::kBool}, {"pubtruncate", C::kBool},
        {"pubviaroot", C::kBool}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_publication_namespace", 6237,
       {{"oid", C::kOid}, {"pnpubid", C::kOid}, {"pnnspid", C::kOid}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_publication_rel", 6106,
       {{"oid", C::kOid}, {"prpubid", C::kOid}, {"prrelid", C::kOid}, {"prqual", C::kText}, {"prattrs", C::kInt2Array}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_trigger", 2620,
       {{"oid", C::kOid}, {"tgrelid", C::kOid}, {"tgparentid", C::kOid}, {"tgname", C::kName}, {"tgfoid", C::kOid},
        {"tgtype", C::kInt2}, {"tgenabled", C::kChar}, {"tgisinternal", C::kBool}, {"tgconstrrelid", C::kOid},
        {"tgconstrindid", C::kOid}, {"tgconstraint", C::kOid}, {"tgdeferrable", C::kBool},
        {"tginitdeferred", C::kBool}, {"tgnargs", C::kInt2}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_inherits", 2611,
       {{"inhrelid", C::kOid}, {"inhparent", C::kOid}, {"inhseqno", C::kInt4}, {"inhdetachpending", C::kBool}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_tables", 12001,
       {{"schemaname", C::kName}, {"tablename", C::kName}, {"tableowner", C::kName}, {"tablespace", C::kName},
        {"hasindexes", C::kBool}, {"hasrules", C::kBool}, {"hastriggers", C::kBool}, {"rowsecurity", C::kBool}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         for (const auto& t : UserTables(catalog)) {
           rows.push_back(RowBuilder().Name(SchemaName(catalog, t.schema_oid)).Name(t.name).Name("postgres").Null(C::kText)
                              .Bool(!t.primary_key.empty() || !t.indexes.empty()).Bool(false).Bool(false).Bool(false)
                              .Take());
         }
         return rows;
       }},
      // Empty today: descriptions, functions (\df lists none), role memberships.
      {"pg_description", 2609,
       {{"objoid", C::kOid}, {"classoid", C::kOid}, {"objsubid", C::kInt4}, {"description", C::kText}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_proc", 1255,
       {{"oid", C::kOid}, {"proname", C::kName}, {"pronamespace", C::kOid}, {"proowner", C::kOid},
        {"prokind", C::kChar}, {"prorettype", C::kOid}, {"pronargs", C::kInt2}, {"proargtypes", C::kText}},
       [](catalog::Catalog&) { return Rows(); }},
      {"pg_indexes", 12030,
       {{"schemaname", C::kName}, {"tablename", C::kName}, {"indexname", C::kName}, {"tablespace", C::kName},
        {"indexdef", C::kText}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         auto tables = UserTables(catalog);
         for (const auto& i : IndexesOf(tables)) {
           auto def = IndexDefinition(catalog, i.oid);
           rows.push_back(RowBuilder().Name(SchemaName(catalog, i.table->schema_oid)).Name(i.table->name).Name(i.name)
                              .Null(C::kName).Name(def.value_or("")).Take());
         }
         return rows;
       }},
      // The session's settings (engine/settings.cc): current values, defaults, descriptions.
      {"pg_settings", 12040,
       {{"name", C::kName}, {"setting", C::kText}, {"unit", C::kText}, {"category", C::kText},
        {"short_desc", C::kText}, {"extra_desc", C::kText}, {"context", C::kText}, {"vartype", C::kText},
        {"source", C::kText}, {"min_val", C::kText}, {"max_val", C::kText}, {"enumvals", C::kTextArray},
        {"boot_val", C::kText}, {"reset_val", C::kText}, {"sourcefile", C::kText}, {"sourceline", C::kInt4},
        {"pending_restart", C::kBool}},
       [](catalog::Catalog&) { return Rows(); },
       [](const SessionInfo* session) {
         Rows rows;
         for (const auto& def : SettingDefs()) {
           std::string value = session && session->setting ? session->setting(def.name) : def.default_value;
           bool timeout = def.name.ends_with("_timeout");
           bool boolean = def.default_value == "on" || def.default_value == "off";
           RowBuilder b;
           b.Name(def.name).Name(value);
           if (timeout) b.Name("ms");
           else b.Null(C::kText);
           b.Name("Client Connection Defaults").Name(def.description).Null(C::kText).Name("user")
               .Name(boolean ? "bool" : timeout ? "integer" : "string").Name(value == def.default_value ? "default" : "session")
               .Null(C::kText).Null(C::kText).Null(C::kTextArray).Name(def.default_value).Name(def.default_value)
               .Null(C::kText).Null(C::kInt4).Bool(false);
           rows.push_back(b.Take());
         }
         return rows;
       }},
      {"pg_auth_members", 1261,
       {{"roleid", C::kOid}, {"member", C::kOid}, {"grantor", C::kOid}, {"admin_option", C::kBool}},
       [](catalog::Catalog&) { return Rows(); }},
  };
  return tables;
}

// A constant column default as PostgreSQL prints it (pg_get_expr): numbers bare,
// booleans true/false, everything else a quoted literal with its type.
std::string DefaultSql(const catalog::ColumnDesc& c) {
  if (c.default_expr) return *c.default_expr;
  const std::string& text = *c.default_text;
  TypeId id = c.type.id;
  if (id == TypeId::kBool) return text == "t" ? "true" : "false";
  bool number = id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8 || id == TypeId::kFloat4 ||
                id == TypeId::kFloat8 || id == TypeId::kNumeric;
  if (number && !text.empty() && text[0] != '-') return text;
  std::string quoted = "'";
  for (char ch : text) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  return quoted + "'::" + FormatType(TypeOid(c.type), -1);
}

// The name of the database `catalog` sees (information_schema's catalog_name).
std::string DatabaseName(catalog::Catalog& catalog) {
  auto databases = catalog.ListDatabases();
  if (!databases.ok()) ThrowStorageError(databases.error());
  for (const auto& d : *databases) {
    if (d.oid == catalog.database()) return d.name;
  }
  return "postgres";
}

// information_schema: the SQL standard's views of the catalog, for tools and ORMs.
const std::vector<SystemTable>& InformationSchemaTables() {
  using C = Col;
  static const std::vector<SystemTable> tables = {
      {"schemata", 13200, {{"catalog_name", C::kName}, {"schema_name", C::kName}, {"schema_owner", C::kName}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         std::vector<catalog::SchemaDesc> schemas = Schemas(catalog);
         std::sort(schemas.begin(), schemas.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
         std::string database = DatabaseName(catalog);
         for (const auto& schema : schemas) rows.push_back(RowBuilder().Name(database).Name(schema.name).Name("postgres").Take());
         return rows;
       }},
      {"tables", 13201,
       {{"table_catalog", C::kName}, {"table_schema", C::kName}, {"table_name", C::kName}, {"table_type", C::kText},
        {"is_insertable_into", C::kText}, {"is_typed", C::kText}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         std::string database = DatabaseName(catalog);
         for (const auto& t : UserTables(catalog)) {
           rows.push_back(RowBuilder().Name(database).Name(SchemaName(catalog, t.schema_oid)).Name(t.name).Name("BASE TABLE")
                              .Name("YES").Name("NO").Take());
         }
         auto views = catalog.ListViews();
         if (!views.ok()) ThrowStorageError(views.error());
         for (const auto& v : *views) {
           rows.push_back(RowBuilder().Name(database).Name(SchemaName(catalog, v.schema_oid)).Name(v.name).Name("VIEW")
                              .Name("NO").Name("NO").Take());
         }
         return rows;
       }},
      {"columns", 13202,
       {{"table_catalog", C::kName}, {"table_schema", C::kName}, {"table_name", C::kName}, {"column_name", C::kName},
        {"ordinal_position", C::kInt4}, {"column_default", C::kText}, {"is_nullable", C::kText},
        {"data_type", C::kText}, {"character_maximum_length", C::kInt4}, {"numeric_precision", C::kInt4},
        {"numeric_scale", C::kInt4}, {"udt_name", C::kName}, {"is_identity", C::kText},
        {"identity_generation", C::kText}},
       [](catalog::Catalog& catalog) {
         Rows rows;
         std::string database = DatabaseName(catalog);
         for (const auto& t : UserTables(catalog)) {
           for (size_t i = 0; i < t.columns.size(); ++i) {
             const auto& c = t.columns[i];
             RowBuilder b;
             b.Name(database).Name(SchemaName(catalog, t.schema_oid)).Name(t.name).Name(c.name).Int4(static_cast<int64_t>(i + 1));
             if (c.default_sequence != 0 && !c.identity) {  // SERIAL: PostgreSQL's <table>_<column>_seq
               b.Name(SerialDefault(catalog, t, c));
             } else if (c.default_text || c.default_expr) {
               b.Name(DefaultSql(c));
             } else {
               b.Null(C::kText);
             }
             b.Name(c.not_null ? "NO" : "YES").Name(c.type.id == TypeId::kArray ? "ARRAY" : FormatType(TypeOid(c.type), -1));
             bool chars = c.type.id == TypeId::kVarchar || c.type.id == TypeId::kBpchar;
             if (chars && c.type.length >= 0) b.Int4(c.type.length);
             else b.Null(C::kInt4);
             int precision = c.type.id == TypeId::kInt2 ? 16 : c.type.id == TypeId::kInt4 ? 32 : c.type.id == TypeId::kInt8 ? 64
                             : c.type.id == TypeId::kFloat4 ? 24 : c.type.id == TypeId::kFloat8 ? 53 : 0;
             if (precision > 0) b.Int4(precision);
             else b.Null(C::kInt4);
             if (precision > 0 && precision != 24 && precision != 53) b.Int4(0);
             else b.Null(C::kInt4);
             b.Name(c.type.id == TypeId::kArray ? "_" + std::string(TypeInternalName(c.type.element))
                                                : std::string(TypeInternalName(c.type.id)));
             b.Name(c.identity ? "YES" : "NO");
             if (c.identity) b.Name(c.identity_always ? "ALWAYS" : "BY DEFAULT");
             else b.Null(C::kText);
             rows.push_back(b.Take());
           }
         }
         return rows;
       }},
  };
  return tables;
}

const SystemTable* Find(std::string_view name) {
  for (const auto& t : Tables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const SystemTable* FindByOid(uint32_t oid) {
  for (const auto* list : {&Tables(), &InformationSchemaTables()}) {
    for (const auto& t : *list) {
      if (t.oid == oid) return &t;
    }
  }
  return nullptr;
}

catalog::TableDesc Describe(const SystemTable& t, uint32_t schema_oid) {
  TableDesc desc;
  desc.oid = t.oid;
  desc.schema_oid = schema_oid;
  desc.name = t.name;
  desc.relfilenode = 0;
  for (const auto& [col, type] : t.columns) {
    catalog::ColumnDesc c;
    c.name = col;
    c.type = TypeOf(type);
    desc.columns.push_back(std::move(c));
  }
  return desc;
}

std::string QuoteIdent(const std::string& name) {
  bool plain = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    plain = plain && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string ColumnList(const TableDesc& t, const std::vector<int>& columns) {
  std::string out;
  for (int c : columns) out += (out.empty() ? "" : ", ") + QuoteIdent(t.columns[static_cast<size_t>(c)].name);
  return out;
}

}  // namespace

std::optional<std::string> NamespaceName(catalog::Catalog& catalog, int64_t oid) {
  for (const auto& schema : Schemas(catalog)) {
    if (schema.oid == oid) return schema.name;
  }
  return std::nullopt;
}

std::optional<int64_t> NamespaceOid(catalog::Catalog& catalog, std::string_view name) {
  auto schema = catalog.FindSchema(name);
  if (!schema.ok()) ThrowStorageError(schema.error());
  if (!schema->has_value()) return std::nullopt;
  return (*schema)->oid;
}

std::optional<std::pair<uint32_t, std::string>> RelationSchemaAndName(catalog::Catalog& catalog, int64_t oid) {
  for (const auto& t : Tables()) {
    if (t.oid == oid) return std::make_pair(catalog::kPgCatalogNamespace, std::string(t.name));
  }
  auto tables = UserTables(catalog);
  for (const auto& t : tables) {
    if (t.oid == oid) return std::make_pair(t.schema_oid, t.name);
  }
  for (const auto& i : IndexesOf(tables)) {
    if (i.oid == oid) return std::make_pair(i.table->schema_oid, i.name);
  }
  auto views = catalog.ListViews();
  if (!views.ok()) ThrowStorageError(views.error());
  for (const auto& v : *views) {
    if (v.oid == oid) return std::make_pair(v.schema_oid, v.name);
  }
  for (const auto& seq : Sequences(catalog)) {
    if (seq.oid == oid) return std::make_pair(seq.schema_oid, seq.name);
  }
  return std::nullopt;
}

bool RelationVisible(catalog::Catalog& catalog, int64_t oid) {
  auto found = RelationSchemaAndName(catalog, oid);
  return found && RelationOid(catalog, found->second) == oid;
}

std::optional<std::string> RelationName(catalog::Catalog& catalog, int64_t oid) {
  auto found = RelationSchemaAndName(catalog, oid);
  if (!found) return std::nullopt;
  // Qualified when its bare name would find something else, as regclass prints.
  if (RelationOid(catalog, found->second) == oid) return found->second;
  return SchemaName(catalog, found->first) + "." + found->second;
}

std::optional<int64_t> RelationOid(catalog::Catalog& catalog, std::string_view name) {
  std::string_view schema;
  if (size_t dot = name.find('.'); dot != std::string_view::npos) {
    schema = name.substr(0, dot);
    name = name.substr(dot + 1);
  }
  if (schema.empty() || schema == "pg_catalog") {
    for (const auto& t : Tables()) {
      if (name == t.name) return t.oid;
    }
  }
  std::vector<uint32_t> schemas = catalog.search_path();
  if (!schema.empty()) {
    auto oid = NamespaceOid(catalog, schema);
    if (!oid) return std::nullopt;
    schemas = {static_cast<uint32_t>(*oid)};
  }
  auto tables = UserTables(catalog);
  for (uint32_t schema_oid : schemas) {
    for (const auto& t : tables) {
      if (t.name == name && t.schema_oid == schema_oid) return t.oid;
    }
  }
  for (const auto& i : IndexesOf(tables)) {
    if (i.name == name) return i.oid;
  }
  auto views = catalog.ListViews();
  if (!views.ok()) ThrowStorageError(views.error());
  std::vector<catalog::SequenceDesc> sequences = Sequences(catalog);
  for (uint32_t schema_oid : schemas) {
    for (const auto& v : *views) {
      if (v.name == name && v.schema_oid == schema_oid) return v.oid;
    }
    for (const auto& seq : sequences) {
      if (seq.name == name && seq.schema_oid == schema_oid) return seq.oid;
    }
  }
  return std::nullopt;
}

std::optional<std::string> IndexDefinition(catalog::Catalog& catalog, int64_t oid, int64_t column) {
  auto tables = UserTables(catalog);
  for (const auto& i : IndexesOf(tables)) {
    if (i.oid != oid) continue;
    if (column > 0) {
      if (column > static_cast<int64_t>(i.columns.size())) return std::nullopt;
      return QuoteIdent(i.table->columns[static_cast<size_t>(i.columns[static_cast<size_t>(column - 1)])].name);
    }
    return std::string("CREATE ") + (i.unique ? "UNIQUE " : "") + "INDEX " + QuoteIdent(i.name) + " ON " + SchemaName(catalog, i.table->schema_oid) + "." +
           QuoteIdent(i.table->name) + " USING btree (" + ColumnList(*i.table, i.columns) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> ConstraintDefinition(catalog::Catalog& catalog, int64_t oid) {
  auto tables = UserTables(catalog);
  for (const auto& i : IndexesOf(tables)) {
    if (i.oid == oid && i.unique) {
      return std::string(i.primary ? "PRIMARY KEY (" : "UNIQUE (") + ColumnList(*i.table, i.columns) + ")";
    }
  }
  for (const auto& t : tables) {
    for (size_t k = 0; k < t.checks.size(); ++k) {
      if (static_cast<int64_t>((t.oid | kCheckOidBit) + k) == oid) return "CHECK (" + t.checks[k].sql + ")";
    }
    for (size_t k = 0; k < t.foreign_keys.size(); ++k) {
      if (static_cast<int64_t>((t.oid | kForeignKeyOidBit) + k) != oid) continue;
      const auto& f = t.foreign_keys[k];
      const TableDesc* ref = nullptr;
      for (const auto& r : tables) {
        if (r.oid == f.ref_table) ref = &r;
      }
      if (ref == nullptr) return std::nullopt;
      std::string def = "FOREIGN KEY (" + ColumnList(t, f.columns) + ") REFERENCES " + QuoteIdent(ref->name) + "(" +
                        ColumnList(*ref, f.ref_columns) + ")";
      if (f.on_delete == 'c') def += " ON DELETE CASCADE";
      if (f.on_delete == 'r') def += " ON DELETE RESTRICT";
      return def;
    }
  }
  return std::nullopt;
}

int64_t RoleOid(std::string_view role) {
  if (role == "postgres") return kOwner;
  // Roles carry no oid in Orbit's catalog: a stable one from the name.
  uint32_t h = 2166136261u;
  for (char c : role) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return catalog::kFirstNormalOid + (h % 1000000000u);
}

std::optional<catalog::TableDesc> FindSystemTable(std::string_view name) {
  const SystemTable* t = Find(name);
  if (t == nullptr) return std::nullopt;
  return Describe(*t, catalog::kPgCatalogNamespace);
}

std::optional<catalog::TableDesc> FindInformationSchemaTable(std::string_view name) {
  for (const auto& t : InformationSchemaTables()) {
    if (t.name == name) return Describe(t, kInformationSchemaNamespace);
  }
  return std::nullopt;
}

bool IsSystemTable(const catalog::TableDesc& table) {
  return table.relfilenode == 0 &&
         (table.schema_oid == catalog::kPgCatalogNamespace || table.schema_oid == kInformationSchemaNamespace);
}

exec::OperatorPtr MakeSystemTableScan(const catalog::TableDesc& table, catalog::Catalog& catalog,
                                      const SessionInfo* session) {
  const SystemTable* t = FindByOid(table.oid);
  std::vector<LogicalType> types;
  for (const auto& c : table.columns) types.push_back(c.type);
  std::vector<std::vector<exec::BoundExprPtr>> rows;
  for (auto& row : t->session_rows ? t->session_rows(session) : t->rows(catalog)) {
    std::vector<exec::BoundExprPtr> exprs;
    for (auto& v : row) exprs.push_back(exec::MakeConst(std::move(v)));
    rows.push_back(std::move(exprs));
  }
  if (rows.empty()) {  // MakeValues needs a row: an empty scan is a filtered one
    std::vector<exec::BoundExprPtr> none;
    for (const auto& type : types) none.push_back(exec::MakeConst(Value::Null(type)));
    rows.push_back(std::move(none));
    return exec::MakeFilter(exec::MakeValues(std::move(rows), types), exec::MakeConst(Value::Bool(false)));
  }
  return exec::MakeValues(std::move(rows), std::move(types));
}

}  // namespace orbit::sql
