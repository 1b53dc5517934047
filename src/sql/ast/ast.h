#pragma once

// Orbit's SQL syntax tree: what the parser's converter produces from
// PostgreSQL's parse tree and what the binder consumes. It names things but
// resolves nothing (no catalog lookups, no types beyond literals), so other
// front ends (MySQL, CQL) can produce it too.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sql/types/types.h"

namespace orbit::sql::ast {

enum class ExprKind : uint8_t {
  kConst,      // value
  kColumnRef,  // names: [column] or [table, column]
  kStar,       // names: [] or [table]: SELECT * / t.*
  kUnary,      // op ("-", "+", "NOT"), args[0]
  kBinary,     // op ("+", "=", "||", ...), args[0], args[1]; "AND" and "OR" take 2 or more args
  kIsNull,     // args[0]; negated: IS NOT NULL
  kIsBool,     // args[0] IS [NOT] TRUE/FALSE: value.i is the truth tested
  kCast,       // args[0]::cast_type
  kFunction,   // names (schema-qualified), args; star: f(*); distinct: f(DISTINCT ...)
  kCase,       // args: [operand or null] then WHEN/THEN pairs, then ELSE or null
  kIn,         // args[0] IN (args[1..]); negated: NOT IN
  kBetween,    // args[0] BETWEEN args[1] AND args[2]; negated
  kLike,       // args[0] LIKE args[1]; op "LIKE" or "ILIKE"; negated
  kCoalesce,   // args
  kNullIf,     // args[0], args[1]
  kDefault,    // the DEFAULT keyword in INSERT/UPDATE
  kParam,      // $n: value.i is n (1-based)
  kSessionValue,  // CURRENT_USER, current_database(), ...: op names it (lower case)
  kSubquery,   // subquery: op "EXISTS", "EXPR" (scalar), "ARRAY", "ANY" (args[0] op_name ANY (...): IN) or "ALL"
  kArray,         // ARRAY[args...]
  kSubscript,     // args[0][args[1]]
  kArrayCompare,  // args[0] sub_op ANY|ALL (args[1]): op "ANY" or "ALL", args[1] an array
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Select;

struct Expr {
  ExprKind kind = ExprKind::kConst;
  int location = -1;  // 0-based byte offset in the statement text
  Value value;
  std::vector<std::string> names;
  std::string op;
  std::vector<ExprPtr> args;
  LogicalType cast_type;
  bool negated = false;
  bool star = false;
  bool distinct = false;
  std::shared_ptr<Select> subquery;  // kSubquery
  std::string sub_op;                // kSubquery ANY/ALL: the comparison operator ("=" for IN)
  // Aggregate calls: FILTER (WHERE filter) and ORDER BY order_by (descending, NULLs first).
  ExprPtr filter;
  std::vector<ExprPtr> order_by;
  std::vector<std::pair<bool, bool>> order_flags;

};

struct TableName {
  std::string schema;  // empty: the search path
  std::string name;
  std::string alias;
  int location = -1;
};

struct SelectItem {
  ExprPtr expr;
  std::string alias;  // AS name; empty when none
};

struct OrderItem {
  ExprPtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // nullopt: PostgreSQL's default for the direction
};

enum class JoinType : uint8_t { kInner, kLeft, kRight, kFull };

// A FROM item: a table (when `left` is null) or a join of two items. A FROM
// list "a, b" is a cross join (kInner without a condition).
struct FromItem {
  TableName table;
  // Instead of a table: a subquery or a set-returning function, named `alias`
  // with optional column aliases.
  std::shared_ptr<Select> subquery;
  ExprPtr function;
  std::string alias;
  std::vector<std::string> column_aliases;
  bool ordinality = false;  // a function WITH ORDINALITY: a bigint column numbering its rows
  // A view's query: the search path (schema oids) it was created under, which its
  // names resolve against instead of the reader's.
  std::optional<std::vector<uint32_t>> search_path;
  JoinType join = JoinType::kInner;
  std::unique_ptr<FromItem> left;
  std::unique_ptr<FromItem> right;
  ExprPtr on;  // null: a cross join
  int location = -1;
  bool IsJoin() const { return left != nullptr; }
};

struct Select {
  std::vector<SelectItem> targets;
  std::optional<TableName> from;      // FROM of a single table
  std::unique_ptr<FromItem> joins;    // FROM with joins or several items (then `from` is empty)
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  std::vector<OrderItem> order_by;
  ExprPtr limit;   // null: no LIMIT (and LIMIT ALL)
  ExprPtr offset;
  bool distinct = false;
  std::vector<std::vector<ExprPtr>> values;  // VALUES (...), (...) instead of a SELECT list
  // left UNION|INTERSECT|EXCEPT [ALL] right, with this node's ORDER BY / LIMIT / OFFSET.
  std::string set_op;  // empty: not a set operation
  bool set_all = false;
  std::unique_ptr<Select> set_left;
  std::unique_ptr<Select> set_right;
};

struct Assignment {
  std::string column;
  int location = -1;
  ExprPtr value;
};

struct Insert {
  TableName table;
  std::vector<std::string> columns;  // empty: every column in order
  std::unique_ptr<Select> source;    // VALUES lists or a SELECT
  std::vector<SelectItem> returning;
  bool on_conflict_do_nothing = false;
  std::vector<std::string> conflict_columns;  // ON CONFLICT (a, b): must be a unique key's columns
  std::string conflict_constraint;            // ON CONFLICT ON CONSTRAINT name
  int conflict_location = -1;
  bool on_conflict_do_update = false;          // ON CONFLICT ... DO UPDATE SET conflict_set [WHERE conflict_where]
  std::vector<Assignment> conflict_set;
  ExprPtr conflict_where;
};


struct Update {
  TableName table;
  std::vector<Assignment> assignments;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

struct Delete {
  TableName table;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

struct ColumnDef {
  std::string name;
  LogicalType type;
  bool not_null = false;
  bool primary_key = false;
  bool serial = false;    // SERIAL / BIGSERIAL / SMALLSERIAL: a sequence default
  char identity = 0;      // GENERATED 'a'lways / by 'd'efault AS IDENTITY; 0: not an identity column
  ExprPtr default_value;
  std::string default_sql;  // the default as SQL (deparsed), kept when it is not a constant
  int location = -1;
};

// UNIQUE (columns) in CREATE TABLE: a unique index named `name` or <table>_<cols>_key.
struct UniqueKey {
  std::string name;
  std::vector<std::string> columns;
  int location = -1;
};

// CHECK (expr) in CREATE TABLE, on a column or the table.
struct CheckDef {
  std::string name;    // CONSTRAINT name; empty: chosen as PostgreSQL does
  std::string column;  // the column it was written on; empty for a table constraint
  std::string sql;     // the condition, deparsed
  ExprPtr expr;
  int location = -1;
};

// FOREIGN KEY / REFERENCES in CREATE TABLE.
struct ForeignKeyDef {
  std::string name;  // empty: <table>_<columns>_fkey
  std::vector<std::string> columns;
  TableName ref_table;
  std::vector<std::string> ref_columns;  // empty: the referenced table's primary key
  char on_delete = 'a';                  // a NO ACTION, r RESTRICT, c CASCADE
  int location = -1;
};

struct CreateTable {
  TableName table;
  std::vector<CheckDef> checks;
  std::vector<ForeignKeyDef> foreign_keys;
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;  // a table-level PRIMARY KEY (...)
  int primary_key_location = -1;
  std::vector<UniqueKey> unique_keys;
  bool if_not_exists = false;
};

struct DropTable {
  std::vector<TableName> tables;
  bool if_exists = false;
  bool indexes = false;  // DROP INDEX: `tables` name indexes
  bool views = false;    // DROP VIEW: `tables` name views
  bool sequences = false;  // DROP SEQUENCE: `tables` name sequences
  bool cascade = false;    // CASCADE: dependent views and foreign keys go too
};

// CREATE [OR REPLACE] VIEW name [(columns)] AS query. The query is kept as SQL
// text (deparsed by libpg_query) and planned again by every statement that reads it.
struct CreateView {
  TableName view;
  std::vector<std::string> columns;
  std::string query_sql;
  std::shared_ptr<Select> query;
  bool or_replace = false;
};

struct CreateIndex {
  std::string name;  // empty: <table>_<columns>_idx, as PostgreSQL names it
  TableName table;
  std::vector<std::string> columns;
  bool unique = false;
  bool if_not_exists = false;
};

struct Truncate {
  std::vector<TableName> tables;
};

// VACUUM and ANALYZE (alone or together).
struct Vacuum {
  std::vector<TableName> tables;  // empty: every table
  bool vacuum = true;
  bool analyze = false;
};

// The sequence options Orbit implements (CREATE/ALTER SEQUENCE, identity
// columns): increment 1 and MINVALUE 1, so START, the maximum (AS smallint /
// integer / bigint, MAXVALUE) and, for ALTER, RESTART and OWNED BY.
struct SequenceOptions {
  std::optional<int64_t> start;
  std::optional<int64_t> max_value;
  std::optional<int64_t> restart;    // RESTART WITH n
  bool restart_at_start = false;     // RESTART
  std::optional<std::vector<std::string>> owned_by;  // OWNED BY [schema.]table.column; empty: NONE
  std::vector<std::string> name;     // SEQUENCE NAME (identity columns)
};

struct AlterTable {
  struct Action {
    enum class Kind : uint8_t {
      kAddPrimaryKey,
      kAddConstraint,
      kAddColumn,
      kRenameColumn,
      kRenameTable,
      kSetDefault,      // old_name: the column; default_value (null: DROP DEFAULT)
      kSetNotNull,      // old_name
      kDropNotNull,     // old_name
      kDropColumn,      // old_name; if_exists; cascade
      kDropConstraint,  // constraint_name; if_exists
      kOwner,           // new_name: the role (OWNER TO)
      kAddIdentity,     // old_name: the column; identity 'a' (ALWAYS) / 'd'; sequence
    };
    Kind kind = Kind::kAddPrimaryKey;
    std::vector<std::string> columns;  // ADD PRIMARY KEY (...)
    std::string constraint_name;       // ADD CONSTRAINT name PRIMARY KEY
    // ADD [CONSTRAINT name] CHECK / FOREIGN KEY / UNIQUE: one of its lists holds it.
    std::shared_ptr<CreateTable> constraint;
    bool not_valid = false;  // NOT VALID: existing rows are not checked
    ExprPtr default_value;   // ALTER COLUMN SET DEFAULT
    std::string default_sql;
    bool if_exists = false;  // DROP COLUMN / DROP CONSTRAINT IF EXISTS
    bool cascade = false;
    std::optional<ColumnDef> column;   // ADD COLUMN
    bool if_not_exists = false;
    std::string old_name, new_name;    // RENAME
    char identity = 0;
    SequenceOptions sequence;          // ADD GENERATED ... AS IDENTITY (options)
    int location = -1;
  };
  TableName table;
  bool if_exists = false;
  std::vector<Action> actions;
};

// COPY table [(columns)] FROM STDIN / TO STDOUT, COPY (query) TO STDOUT.
struct Copy {
  TableName table;
  std::vector<std::string> columns;
  std::unique_ptr<Select> query;  // COPY (SELECT ...) TO STDOUT
  bool from = true;
  bool csv = false;
  char delimiter = '\t';
  std::string null_string = "\\N";
  bool header = false;
  char quote = '"';
  char escape = '"';
};

// CREATE ROLE/USER, ALTER ROLE/USER (options left unset are unchanged).
struct Role {
  bool create = true;
  std::string name;
  std::optional<bool> login;
  std::optional<bool> superuser;
  std::optional<std::optional<std::string>> password;  // PASSWORD 'x' | PASSWORD NULL
};

struct DropRole {
  std::vector<std::string> names;
  bool if_exists = false;
};

struct Transaction {
  enum class Kind : uint8_t { kBegin, kCommit, kRollback, kSavepoint, kRelease, kRollbackTo };
  Kind kind = Kind::kBegin;
  std::string savepoint;  // SAVEPOINT / RELEASE / ROLLBACK TO
  std::string isolation;  // BEGIN ISOLATION LEVEL ...: "read committed", ...; empty: the default
  std::optional<bool> read_only;
};

// SET / RESET / SET TRANSACTION (a setting per entry; values already as text).
struct SetVariable {
  enum class Kind : uint8_t { kSet, kDefault, kReset, kResetAll };
  Kind kind = Kind::kSet;
  std::string name;   // lower case
  std::string value;  // the values joined with ", "
  bool local = false;
  bool transaction = false;  // SET TRANSACTION ...: `name` is transaction_isolation / transaction_read_only
};

struct ShowVariable {
  std::string name;  // lower case; "all" for SHOW ALL
};

// CREATE SCHEMA [IF NOT EXISTS] name; DROP SCHEMA [IF EXISTS] names [CASCADE].
struct CreateSchema {
  std::string name;
  bool if_not_exists = false;
  int location = -1;
};

struct DropSchema {
  std::vector<std::string> names;
  bool if_exists = false;
  bool cascade = false;
};

// CREATE SEQUENCE [IF NOT EXISTS] name [options].
struct CreateSequence {
  TableName name;
  bool if_not_exists = false;
  SequenceOptions options;
};

// ALTER SEQUENCE [IF EXISTS] name options.
struct AlterSequence {
  TableName name;
  bool if_exists = false;
  SequenceOptions options;
};

// CREATE DATABASE name [WITH options]; DROP DATABASE [IF EXISTS] name;
// ALTER DATABASE name RENAME TO new_name. None runs inside a transaction block.
struct DatabaseDdl {
  enum class Kind : uint8_t { kCreate, kDrop, kRename };
  Kind kind = Kind::kCreate;
  std::string name;
  std::string new_name;       // kRename
  std::string owner;          // kCreate: OWNER (empty: the current user)
  std::string template_name;  // kCreate: TEMPLATE (empty: template1)
  bool if_exists = false;     // kDrop
};

// EXPLAIN [ANALYZE] SELECT ...: the plan as text (ANALYZE runs it and adds
// each operator's rows and time).
struct Explain {
  std::shared_ptr<const Select> query;
  bool analyze = false;
};

using Statement = std::variant<Select, Insert, Update, Delete, CreateTable, DropTable, Transaction, SetVariable,
                               ShowVariable, Truncate, Vacuum, AlterTable, Copy, CreateIndex, Role, DropRole, CreateView,
                               CreateSchema, DropSchema, CreateSequence, DatabaseDdl, Explain, AlterSequence>;

}  // namespace orbit::sql::ast
