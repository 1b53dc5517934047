#pragma once

// The catalog every protocol shares (ADR 005, decision 3): table descriptors
// stored in the `catalog` column family and read and written through a storage
// transaction, so DDL is transactional and a transaction sees its own DDL.
//
// Keys (storage::EncodeKey tuples, first element a tag). Roles, databases and
// the oid counter are cluster-wide; everything else belongs to one database:
//   ("oid")                                 next object id (from 16384, PostgreSQL's FirstNormalObjectId)
//   ("role", name)                          a role
//   ("database", name)                      a database made by CREATE DATABASE
//   ("db", db, "obj", oid)                  descriptor, JSON with a "format" field
//   ("db", db, "name", "rel", schema, name) oid of the relation `name` in schema `schema`
//   ("gc", relfilenode)                     row storage to delete once the dropping transaction commits
// Oids (so relfilenodes) are unique across databases: every table has a
// relfilenode, the id its rows are stored under in `rows`.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "sql/types/types.h"
#include "storage/transaction.h"

namespace orbit::catalog {

// PostgreSQL's fixed oids for the built-in schemas.
constexpr uint32_t kPgCatalogNamespace = 11;
constexpr uint32_t kPublicNamespace = 2200;
constexpr uint32_t kFirstNormalOid = 16384;
// PostgreSQL's oids for the databases initdb makes.
constexpr uint32_t kTemplate1DatabaseOid = 1;
constexpr uint32_t kTemplate0DatabaseOid = 4;
constexpr uint32_t kPostgresDatabaseOid = 5;

// A database. `postgres`, `template0` and `template1` are built in (without
// descriptors); CREATE DATABASE adds others. Each has its own schemas, tables,
// views and sequences; roles are shared.
struct DatabaseDesc {
  uint32_t oid = 0;
  std::string name;
  std::string owner = "postgres";
  bool allow_connections = true;  // template0, template1: false (Orbit does not copy templates)
};

struct ColumnDesc {
  std::string name;
  sql::LogicalType type;
  bool not_null = false;
  // The default as the column type's text form (constants only so far); nullopt: NULL.
  std::optional<std::string> default_text;
  // What rows written before the column existed read (ADD COLUMN ... DEFAULT):
  // the type's text form; nullopt: NULL.
  std::optional<std::string> missing_text;
  // DEFAULT nextval(): the oid of the sequence (SERIAL, IDENTITY); 0: none.
  uint32_t default_sequence = 0;
  // A default that is not a constant (now(), nextval('s'), ...): its SQL, bound and
  // evaluated for each row written; takes the place of default_text.
  std::optional<std::string> default_expr = std::nullopt;
  // A SERIAL/IDENTITY sequence that is no longer the default (ALTER COLUMN SET/DROP
  // DEFAULT) but still belongs to the column: it goes when the column or table does.
  uint32_t owned_sequence = 0;
  bool identity_always = false;  // GENERATED ALWAYS AS IDENTITY: explicit values are refused
  bool identity = false;         // GENERATED ... AS IDENTITY (ALWAYS or BY DEFAULT), not SERIAL
};

// A sequence (SERIAL columns, GENERATED AS IDENTITY, CREATE SEQUENCE later). Its
// value lives in `meta` under ("seq", oid), advanced outside transactions.
struct SequenceDesc {
  uint32_t oid = 0;
  uint32_t schema_oid = kPublicNamespace;
  std::string name;
  uint32_t owner_table = 0;  // dropped with this table; 0: none
  int64_t max_value = INT64_MAX;  // AS smallint / integer, MAXVALUE (values start at 1, step 1)
};

// A role (CREATE ROLE/USER). `password` is a verifier (SCRAM-SHA-256 or md5,
// PostgreSQL's formats), never the password. The superuser `postgres` exists
// without a descriptor until one is created for it.
// A view: its defining query as SQL text, planned by each statement that reads it.
struct ViewDesc {
  uint32_t oid = 0;
  uint32_t schema_oid = kPublicNamespace;
  std::string name;
  std::string sql;
  std::vector<std::string> columns;  // output column names
  std::vector<sql::LogicalType> types;  // their types (empty for views made before types were kept)
  std::vector<uint32_t> depends_on;     // the tables and views its query reads (by oid)
  std::vector<uint32_t> search_path;    // the schemas its names resolve in (the creator's path)
};

// A schema made by CREATE SCHEMA (public and pg_catalog are built in).
struct SchemaDesc {
  uint32_t oid = 0;
  std::string name;
};

constexpr uint32_t kInformationSchemaNamespaceOid = 13183;

struct RoleDesc {
  std::string name;
  bool login = false;
  bool superuser = false;
  std::optional<std::string> password;
};

// A secondary index, kept in its table's descriptor. Entries live in the `index`
// family under RowPrefix(relfilenode): unique indexes key entries by the indexed
// values alone (value: the row key) unless one of them is NULL; other entries
// are keyed by the values followed by the row key (value empty).
struct IndexDesc {
  uint32_t oid = 0;
  std::string name;
  std::vector<int> columns;
  bool unique = false;
  uint32_t relfilenode = 0;
};

// CHECK (expr): the condition as SQL text (deparsed), bound when rows are written.
struct CheckDesc {
  std::string name;
  std::string sql;
};

// FOREIGN KEY (columns) REFERENCES ref_table (ref_columns): the referenced
// columns are its primary key or a unique index. on_delete: 'a' NO ACTION,
// 'r' RESTRICT, 'c' CASCADE (updates of referenced keys are NO ACTION).
struct ForeignKeyDesc {
  std::string name;
  std::vector<int> columns;
  uint32_t ref_table = 0;
  std::vector<int> ref_columns;
  char on_delete = 'a';
};

// What ANALYZE found, as PostgreSQL's pg_stats shows it: per column the
// fraction of NULLs, the average width of non-null values in bytes, and the
// number of distinct non-null values (negative: minus a fraction of the rows,
// for columns whose distinct count grows with the table).
struct ColumnStats {
  double null_frac = 0;
  int32_t avg_width = 0;
  double n_distinct = 0;
};

struct TableStats {
  double rows = 0;
  std::map<std::string, ColumnStats, std::less<>> columns;  // by column name
};

struct TableDesc {
  uint32_t oid = 0;
  uint32_t schema_oid = kPublicNamespace;
  std::string name;
  uint32_t relfilenode = 0;
  std::vector<ColumnDesc> columns;
  // Column indexes of the primary key, in key order. Empty: rows are keyed by a
  // hidden int64 row id.
  std::vector<int> primary_key;
  std::vector<IndexDesc> indexes;
  std::vector<CheckDesc> checks;
  std::vector<ForeignKeyDesc> foreign_keys;
  // Tables with a foreign key to this one (by oid), so deletes and updates here
  // know whom to check without scanning the catalog.
  std::vector<uint32_t> referenced_by;

  // Statistics from the last ANALYZE (kept under their own key, see
  // Catalog::SaveStats, and attached when the descriptor is read); nullopt:
  // never analyzed, or analyzed before a TRUNCATE.
  std::optional<TableStats> stats;

  // Index of the column named `name`, or -1.
  int FindColumn(std::string_view name) const;
  // Estimated distinct non-null values of column `column` (ANALYZE's n_distinct
  // scaled by the row count); nullopt if the table or column was not analyzed.
  std::optional<double> DistinctValues(int column) const;
};

// Table descriptors shared by every session, valid for one catalog version: a
// transaction that changed the catalog bumps the version after it commits, so
// an entry filled at version V is never served once V has passed. Readers must
// take the version before their statement's snapshot (see Catalog).
class CatalogCache {
 public:
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  void Bump() { version_.fetch_add(1, std::memory_order_acq_rel); }
  std::optional<TableDesc> Get(uint32_t database, uint32_t schema_oid, std::string_view name, uint64_t version);
  void Put(uint32_t database, const TableDesc& table, uint64_t version);

 private:
  std::atomic<uint64_t> version_{1};
  std::mutex mutex_;
  std::map<std::tuple<uint32_t, uint32_t, std::string>, std::pair<uint64_t, TableDesc>, std::less<>> tables_;
};

// A view of the catalog through one transaction. Cheap; holds no state. With a
// cache, table lookups are served from it when valid for `version` (which the
// caller read before the transaction's current snapshot was taken).
class Catalog {
 public:
  // `database`: whose objects this catalog sees.
  explicit Catalog(storage::Transaction& txn, CatalogCache* cache = nullptr, uint64_t version = 0,
                   uint32_t database = kPostgresDatabaseOid)
      : txn_(txn), cache_(cache), version_(version), database_(database) {}

  uint32_t database() const { return database_; }
  // Databases (cluster-wide). CreateDatabase: kAlreadyExists if the name is taken.
  Status CreateDatabase(const DatabaseDesc& database);
  Result<std::optional<DatabaseDesc>> FindDatabase(std::string_view name);
  Result<std::vector<DatabaseDesc>> ListDatabases();  // built-in ones first
  // Removes the database's descriptor and every object in it, queueing the rows
  // of its tables and indexes for deletion after commit.
  Status DropDatabase(const DatabaseDesc& database);
  // kAlreadyExists if `new_name` is taken.
  Status RenameDatabase(const DatabaseDesc& database, const std::string& new_name);

  Result<std::optional<TableDesc>> FindTable(uint32_t schema_oid, std::string_view name);
  // Assigns the relfilenode (and the oid, unless `desc.oid` is set: callers should
  // allocate oids outside the transaction, as Database::NextOid does, because the
  // in-transaction counter serializes all DDL); kAlreadyExists if the name is taken.
  Result<TableDesc> CreateTable(TableDesc desc);
  // Removes the descriptor and queues its rows for deletion after commit.
  Status DropTable(const TableDesc& table);
  // ANALYZE's statistics for `table`, under ("db", db, "stat", oid): written
  // apart from the descriptor so ANALYZE never overwrites concurrent DDL.
  Status SaveStats(const TableDesc& table, const TableStats& stats);
  // Creates a sequence (oid given by the caller); kAlreadyExists if the name is taken.
  Status CreateSequence(const SequenceDesc& sequence);
  Result<std::optional<SequenceDesc>> FindSequence(uint32_t schema_oid, std::string_view name);
  Status DropSequence(const SequenceDesc& sequence);
  // Rewrites a sequence's descriptor (same oid and name): ALTER SEQUENCE.
  Status UpdateSequence(const SequenceDesc& sequence);
  // Drops the sequence with this oid if it exists (a column's SERIAL sequence).
  Status DropSequenceByOid(uint32_t oid);
  Result<std::vector<SequenceDesc>> ListSequences();
  // Roles (kAlreadyExists / kNotFound as the names say).
  Status CreateRole(const RoleDesc& role);
  Status UpdateRole(const RoleDesc& role);
  Status DropRole(const std::string& name);
  Result<std::optional<RoleDesc>> FindRole(std::string_view name);

  // Index names share the relation namespace: these lock/claim and free a name
  // (the descriptor itself is part of its table's, see UpdateTable). The name
  // maps to the table's oid, so DROP INDEX finds the table.
  Status ClaimIndexName(const std::string& name, uint32_t table_oid);
  Status ReleaseIndexName(const std::string& name);
  // The table owning index `name`, if it names an index.
  Result<std::optional<TableDesc>> FindIndexTable(std::string_view name);
  // Replaces a table's descriptor (same oid). With `old_name`, the table was
  // renamed from it: kAlreadyExists if the new name is taken.
  Status UpdateTable(const TableDesc& table, std::string_view old_name = {});
  // Queues row storage for deletion after commit (TRUNCATE, rewrites).
  Status QueueGarbage(uint32_t relfilenode);
  Result<std::vector<TableDesc>> ListTables();
  Result<std::optional<TableDesc>> FindTableByOid(uint32_t oid);
  // Views share the relation namespace with tables and sequences.
  // kAlreadyExists if the name is taken (unless `replace` and it is a view).
  Status CreateView(const ViewDesc& view, bool replace);
  Result<std::optional<ViewDesc>> FindView(uint32_t schema_oid, std::string_view name);
  Status DropView(const ViewDesc& view);
  Result<std::vector<ViewDesc>> ListViews();
  // Every role, the built-in postgres superuser included.
  Result<std::vector<RoleDesc>> ListRoles();

  // Schemas: the built-in ones (pg_catalog, public, information_schema) and those
  // CREATE SCHEMA made. kAlreadyExists if the name is taken.
  Status CreateSchema(const SchemaDesc& schema);
  Result<std::optional<SchemaDesc>> FindSchema(std::string_view name);
  Status DropSchema(const SchemaDesc& schema);
  Result<std::vector<SchemaDesc>> ListSchemas();  // built-in ones first
  // The schemas unqualified names are looked up in, in order (the session's
  // search_path, resolved to oids); public by default.
  void SetSearchPath(std::vector<uint32_t> path) { search_path_ = std::move(path); }
  const std::vector<uint32_t>& search_path() const { return search_path_; }

  // Relfilenodes whose rows are garbage (dropped tables), for SweepGarbage.
  Result<std::vector<uint32_t>> PendingGarbage();

 private:
  Result<uint32_t> NextOid();
  // Sets table.stats from its stats key when they still describe its rows and columns.
  Status AttachStats(TableDesc& table);
  // Calls `visit` with each stored descriptor of `kind` ("view", "sequence", "schema").
  Status ScanObjects(std::string_view kind, const std::function<Status(std::string_view)>& visit);

  storage::Transaction& txn_;
  CatalogCache* cache_;
  uint64_t version_;
  uint32_t database_;
  std::vector<uint32_t> search_path_{kPublicNamespace};
};

// A role as committed (for logins, outside any transaction); `postgres` is
// reported as a login superuser without password when it has no descriptor.
Result<std::optional<RoleDesc>> LoadRole(storage::Engine& engine, std::string_view name);

// A database as committed (for logins, outside any transaction).
Result<std::optional<DatabaseDesc>> LoadDatabase(storage::Engine& engine, std::string_view name);

// Moves catalog keys written before databases existed (("obj", ...) and
// ("name", ...)) under the `postgres` database. Run at start-up.
Status UpgradeCatalogLayout(storage::Engine& engine);

// Deletes the rows of dropped tables: DeleteRange over each queued relfilenode,
// then forgets it. Run after a transaction that dropped tables commits, and at
// start-up for drops whose sweep a crash interrupted.
Status SweepGarbage(storage::Engine& engine);

// The `rows` key prefix of a relfilenode: every row key starts with it.
std::string RowPrefix(uint32_t relfilenode);
// The catalog key that queues a relfilenode's rows for SweepGarbage.
std::string GarbageKey(uint32_t relfilenode);
// The `meta` key holding a sequence's next value.
std::string SequenceValueKey(uint32_t sequence_oid);

}  // namespace orbit::catalog
