// Unit tests of the SQL engine's pieces without sockets: types and casts, the
// expression evaluator, operators, the planner's primary-key lookups, and
// sql::Session end to end on a real RocksDB in a temporary directory.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "catalog/catalog.h"
#include "glue/pg/pg_binary.h"
#include "sql/engine/session.h"
#include "sql/exec/expression.h"
#include "sql/exec/numeric.h"
#include "sql/exec/operators.h"
#include "sql/exec/row_codec.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"
#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/json.h"
#include "storage/key_codec.h"
#include "storage_test_util.h"

namespace orbit::sql {
namespace {

TEST(SqlTypes, FloatOutputIsPostgresShortestForm) {
  auto f8 = [](double d) { return ToText(Value::Float(TypeId::kFloat8, d)); };
  EXPECT_EQ(f8(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(f8(1e15), "1e+15");
  EXPECT_EQ(f8(123456789012345.0), "123456789012345");
  EXPECT_EQ(f8(0.0001), "0.0001");
  EXPECT_EQ(f8(0.00001), "1e-05");
  EXPECT_EQ(f8(1e100), "1e+100");
  EXPECT_EQ(f8(-0.0), "-0");
  EXPECT_EQ(f8(1.5), "1.5");
  EXPECT_EQ(ToText(Value::Float(TypeId::kFloat4, 1.1f)), "1.1");
  EXPECT_EQ(ToText(Value::Float(TypeId::kFloat4, 1234567.0f)), "1.234567e+06");
}

TEST(SqlTypes, TextInputFollowsPostgres) {
  EXPECT_EQ(FromText(" 42 ", Type(TypeId::kInt4)).i, 42);
  EXPECT_TRUE(FromText("yes", Type(TypeId::kBool)).i);
  EXPECT_EQ(FromText("1.5e3", Type(TypeId::kNumeric)).s, "1500");
  EXPECT_EQ(FromText("15e-4", Type(TypeId::kNumeric)).s, "0.0015");
  EXPECT_EQ(FromText("-000.50", Type(TypeId::kNumeric)).s, "-0.50");
  auto state = [](auto fn) {
    try {
      fn();
    } catch (const SqlException& e) {
      return e.error().sqlstate;
    }
    return std::string("none");
  };
  EXPECT_EQ(state([] { FromText("2147483648", Type(TypeId::kInt4)); }), "22003");
  EXPECT_EQ(state([] { FromText("1.5", Type(TypeId::kInt4)); }), "22P02");
  EXPECT_EQ(state([] { FromText("o", Type(TypeId::kBool)); }), "22P02");  // on/off: ambiguous
  EXPECT_EQ(state([] { FromText("abcd", LogicalType{TypeId::kVarchar, 3}); }), "22001");
  EXPECT_EQ(FromText("ab   ", LogicalType{TypeId::kVarchar, 3}).s, "ab ");  // excess spaces are cut
  EXPECT_EQ(FromText("a", LogicalType{TypeId::kBpchar, 3}).s, "a  ");
}

TEST(SqlTypes, CastsRoundAsPostgres) {
  EXPECT_EQ(CastValue(Value::Float(TypeId::kFloat8, 2.5), Type(TypeId::kInt4), true).i, 2);  // half to even
  EXPECT_EQ(CastValue(Value::String(Type(TypeId::kNumeric), "2.5"), Type(TypeId::kInt4), false).i, 3);  // away from 0
  EXPECT_EQ(CastValue(Value::String(Type(TypeId::kNumeric), "-2.5"), Type(TypeId::kInt4), false).i, -3);
  EXPECT_EQ(CastValue(Value::Bool(true), Type(TypeId::kText), true).s, "true");
  EXPECT_EQ(CastValue(Value::String(Type(TypeId::kUnknown), "abcdef"), LogicalType{TypeId::kVarchar, 3}, true).s, "abc");
}

TEST(SqlExpr, LikeMatchesWildcardsAndEscapes) {
  EXPECT_TRUE(exec::LikeMatch("hello", "h%o", false));
  EXPECT_TRUE(exec::LikeMatch("hello", "_ello", false));
  EXPECT_FALSE(exec::LikeMatch("hello", "_llo", false));
  EXPECT_TRUE(exec::LikeMatch("HeLLo", "hel%", true));
  EXPECT_TRUE(exec::LikeMatch("50%", "50\\%", false));
  EXPECT_FALSE(exec::LikeMatch("500", "50\\%", false));
  EXPECT_TRUE(exec::LikeMatch("é!", "_!", false));  // _ is one character, not one byte
  EXPECT_TRUE(exec::LikeMatch("", "%", false));
  EXPECT_TRUE(exec::LikeMatch("abcabc", "%abc", false));
}

// Binds an expression without columns and evaluates it.
Value Eval(const std::string& sql) {
  auto parsed = Parse("SELECT " + sql);
  auto stmt = ConvertStatement(std::get<ParseTree>(parsed), 0);
  Binder binder{Scope{}};
  auto bound = binder.Bind(*std::get<ast::Select>(stmt).targets[0].expr);
  return exec::EvaluateConstant(*bound);
}

TEST(SqlExpr, ThreeValuedLogicAndLazyBranches) {
  EXPECT_TRUE(Eval("NULL AND false").i == 0 && !Eval("NULL AND false").null);
  EXPECT_TRUE(Eval("NULL AND true").null);
  EXPECT_EQ(Eval("NULL OR true").i, 1);
  EXPECT_TRUE(Eval("1 IN (2, NULL)").null);
  EXPECT_EQ(Eval("1 IN (1, NULL)").i, 1);
  EXPECT_EQ(Eval("CASE WHEN 0 = 0 THEN 1 ELSE 1 / 0 END").i, 1);  // the ELSE is never evaluated
  EXPECT_EQ(Eval("COALESCE(NULL, 2, 1 / 0)").i, 2);
  EXPECT_EQ(Eval("'ab' || 1").s, "ab1");
  EXPECT_EQ(Eval("NULLIF(3, 3)").null, true);
  EXPECT_THROW(Eval("2147483647 + 1"), SqlException);
}

TEST(SqlOperators, SortLimitAndAggregateOverValues) {
  std::vector<std::vector<exec::BoundExprPtr>> rows;
  for (int64_t v : {5, 3, 9, 1, 7}) {
    std::vector<exec::BoundExprPtr> row;
    row.push_back(exec::MakeConst(Value::Int(TypeId::kInt4, v)));
    rows.push_back(std::move(row));
  }
  auto sorted = exec::MakeLimit(
      exec::MakeSort(exec::MakeValues(std::move(rows), {Type(TypeId::kInt4)}), {{0, true, false}}), 2, 1);
  exec::Batch b;
  ASSERT_TRUE(sorted->Next(b));
  ASSERT_EQ(b.count, 2u);
  EXPECT_EQ(b.columns[0].Int(0), 7);
  EXPECT_EQ(b.columns[0].Int(1), 5);
  EXPECT_FALSE(sorted->Next(b));

  // avg(int) is numeric with PostgreSQL's division scale.
  std::vector<std::vector<exec::BoundExprPtr>> nums;
  for (int64_t v : {1, 2, 2, 3, 4, 6}) {
    std::vector<exec::BoundExprPtr> row;
    row.push_back(exec::MakeConst(Value::Int(TypeId::kInt4, v)));
    nums.push_back(std::move(row));
  }
  std::vector<exec::AggregateSpec> aggs;
  aggs.push_back({exec::AggregateKind::kAvg, exec::MakeColumn(0, Type(TypeId::kInt4)), Type(TypeId::kNumeric)});
  aggs.push_back({exec::AggregateKind::kSum, exec::MakeColumn(0, Type(TypeId::kInt4)), Type(TypeId::kInt8)});
  auto agg = exec::MakeHashAggregate(exec::MakeValues(std::move(nums), {Type(TypeId::kInt4)}), {}, std::move(aggs));
  ASSERT_TRUE(agg->Next(b));
  EXPECT_EQ(b.columns[0].String(0), "3.0000000000000000");
  EXPECT_EQ(b.columns[1].Int(0), 18);
}

// Rows of one int4 column (NULL for std::nullopt).
exec::OperatorPtr IntValues(std::vector<std::optional<int64_t>> values) {
  std::vector<std::vector<exec::BoundExprPtr>> rows;
  for (auto v : values) {
    std::vector<exec::BoundExprPtr> row;
    row.push_back(exec::MakeConst(v ? Value::Int(TypeId::kInt4, *v) : Value::Null(Type(TypeId::kInt4))));
    rows.push_back(std::move(row));
  }
  return exec::MakeValues(std::move(rows), {Type(TypeId::kInt4)});
}

// (left, right) pairs of a two-column join output; -1 for NULL.
std::vector<std::pair<int64_t, int64_t>> Pairs(exec::Operator& op) {
  std::vector<std::pair<int64_t, int64_t>> out;
  exec::Batch b;
  while (op.Next(b)) {
    for (size_t i = 0; i < b.count; ++i) {
      out.emplace_back(b.columns[0].IsNull(i) ? -1 : b.columns[0].Int(i), b.columns[1].IsNull(i) ? -1 : b.columns[1].Int(i));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SqlOperators, HashJoinKindsAndNullKeys) {
  using P = std::vector<std::pair<int64_t, int64_t>>;
  auto join = [](exec::JoinKind kind, bool keyed) {
    std::vector<exec::BoundExprPtr> lk, rk;
    if (keyed) {
      lk.push_back(exec::MakeColumn(0, Type(TypeId::kInt4)));
      rk.push_back(exec::MakeColumn(0, Type(TypeId::kInt4)));
    }
    return exec::MakeHashJoin(kind, IntValues({1, 2, 2, std::nullopt}), IntValues({2, 3, std::nullopt}), std::move(lk),
                              std::move(rk), nullptr);
  };
  EXPECT_EQ(Pairs(*join(exec::JoinKind::kInner, true)), (P{{2, 2}, {2, 2}}));
  EXPECT_EQ(Pairs(*join(exec::JoinKind::kLeft, true)), (P{{-1, -1}, {1, -1}, {2, 2}, {2, 2}}));
  EXPECT_EQ(Pairs(*join(exec::JoinKind::kRight, true)), (P{{-1, -1}, {-1, 3}, {2, 2}, {2, 2}}));
  EXPECT_EQ(Pairs(*join(exec::JoinKind::kFull, true)), (P{{-1, -1}, {-1, -1}, {-1, 3}, {1, -1}, {2, 2}, {2, 2}}));
  EXPECT_EQ(Pairs(*join(exec::JoinKind::kInner, false)).size(), 12u);  // no keys: every pair
}

TEST(SqlNumeric, ArithmeticFollowsPostgresScales) {
  using exec::NumericArith;
  EXPECT_EQ(NumericArith('+', "1.50", "2.125", -1), "3.625");
  EXPECT_EQ(NumericArith('-', "1.5", "2.125", -1), "-0.625");
  EXPECT_EQ(NumericArith('*', "-0.5", "2", -1), "-1.0");
  EXPECT_EQ(NumericArith('/', "10", "3", -1), "3.3333333333333333");
  EXPECT_EQ(NumericArith('/', "1", "3", -1), "0.33333333333333333333");
  EXPECT_EQ(NumericArith('/', "2.0", "3", -1), "0.66666666666666666667");  // rounded half away from zero
  EXPECT_EQ(NumericArith('/', "-7.5", "2", -1), "-3.7500000000000000");
  EXPECT_EQ(exec::NumericNegate("0.00"), "0.00");
  EXPECT_THROW(NumericArith('/', "1", "0", -1), SqlException);
  EXPECT_THROW(NumericArith('*', "99999999999999999999", "99999999999999999999", -1), SqlException);  // past 38 digits
}

TEST(SqlRowCodec, RoundTripsEveryPhysicalType) {
  catalog::TableDesc t;
  t.columns = {{"a", Type(TypeId::kInt8), false, {}, {}},
               {"b", Type(TypeId::kFloat8), false, {}, {}},
               {"c", Type(TypeId::kText), false, {}, {}},
               {"d", Type(TypeId::kBool), false, {}, {}}};
  std::vector<Value> row{Value::Int(TypeId::kInt8, -5), Value::Float(TypeId::kFloat8, 2.25),
                         Value::String(Type(TypeId::kText), std::string("x\0y", 3)), Value::Null(Type(TypeId::kBool))};
  auto back = exec::DecodeRow(exec::EncodeRow(row), t);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ((*back)[0].i, -5);
  EXPECT_EQ((*back)[1].f, 2.25);
  EXPECT_EQ((*back)[2].s, std::string("x\0y", 3));
  EXPECT_TRUE((*back)[3].null);
  EXPECT_FALSE(exec::DecodeRow("\x04\x01", t).has_value());  // truncated
}

// Records what a session reports, one line per event.
class CaptureSink : public ResultSink {
 public:
  void Describe(const std::vector<OutputColumn>& columns) override {
    std::string line = "T";
    for (const auto& c : columns) line += " " + c.name + ":" + std::to_string(TypeOid(c.type.id));
    lines.push_back(line);
  }
  void Rows(const exec::Batch& batch, size_t visible) override {
    for (size_t r = 0; r < batch.count; ++r) {
      std::string line = "D";
      for (size_t c = 0; c < visible; ++c) {
        line += " " + (batch.columns[c].IsNull(r) ? std::string("NULL") : ToText(batch.columns[c].Get(r)));
      }
      lines.push_back(line);
    }
  }
  void Complete(std::string_view tag) override { lines.push_back("C " + std::string(tag)); }
  void EmptyQuery() override { lines.push_back("I"); }
  void Error(const SqlError& e) override { lines.push_back("E " + e.sqlstate); }
  void Notice(const SqlError& e) override { lines.push_back("N " + e.sqlstate); }
  std::vector<std::string> lines;
};

class SqlSessionTest : public storage::EngineTest {
 protected:
  std::vector<std::string> Run(Session& session, const std::string& sql) {
    CaptureSink sink;
    session.Execute(sql, sink);
    return sink.lines;
  }
  using Lines = std::vector<std::string>;
};

TEST_F(SqlSessionTest, CreateInsertSelectSurviveReopen) {
  {
    Database db(*engine_);
    Session s(db);
    EXPECT_EQ(Run(s, "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, score float8 DEFAULT 1.5)"),
              Lines{"C CREATE TABLE"});
    EXPECT_EQ(Run(s, "INSERT INTO t VALUES (2, 'b', DEFAULT), (1, 'a', 2)"), Lines{"C INSERT 0 2"});
    EXPECT_EQ(Run(s, "INSERT INTO t VALUES (1, 'dup')"), Lines{"E 23505"});
    EXPECT_EQ(Run(s, "INSERT INTO t (id) VALUES (3)"), Lines{"E 23502"});
  }
  Reopen();
  Database db(*engine_);
  ASSERT_TRUE(db.Open().ok());
  Session s(db);
  EXPECT_EQ(Run(s, "SELECT * FROM t"), (Lines{"T id:23 name:25 score:701", "D 1 a 2", "D 2 b 1.5", "C SELECT 2"}));
  EXPECT_EQ(Run(s, "SELECT name FROM t WHERE id = 2"), (Lines{"T name:25", "D b", "C SELECT 1"}));
}

TEST_F(SqlSessionTest, MultiStatementStringIsOneTransaction) {
  Database db(*engine_);
  Session s(db);
  Run(s, "CREATE TABLE t (id int PRIMARY KEY)");
  EXPECT_EQ(Run(s, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)"), (Lines{"C INSERT 0 1", "E 23505"}));
  EXPECT_EQ(Run(s, "SELECT count(*) FROM t"), (Lines{"T count:20", "D 0", "C SELECT 1"}));  // both undone
  EXPECT_EQ(s.status(), TransactionStatus::kIdle);
}

TEST_F(SqlSessionTest, FailedBlockAnswers25P02UntilRollback) {
  Database db(*engine_);
  Session s(db);
  Run(s, "CREATE TABLE t (id int PRIMARY KEY)");
  EXPECT_EQ(Run(s, "BEGIN"), Lines{"C BEGIN"});
  Run(s, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(Run(s, "SELECT 1/0"), (Lines{"T ?column?:23", "E 22012"}));  // a run-time error follows the description
  EXPECT_EQ(s.status(), TransactionStatus::kFailed);
  EXPECT_EQ(Run(s, "SELECT 1"), Lines{"E 25P02"});
  EXPECT_EQ(Run(s, "COMMIT"), Lines{"C ROLLBACK"});
  EXPECT_EQ(Run(s, "SELECT count(*) FROM t"), (Lines{"T count:20", "D 0", "C SELECT 1"}));
}

TEST_F(SqlSessionTest, UpdateSeesOtherSessionsCommittedRowsAndDropSweepsRows) {
  Database db(*engine_);
  Session a(db), b(db);
  Run(a, "CREATE TABLE acct (id int PRIMARY KEY, bal int)");
  Run(a, "INSERT INTO acct VALUES (1, 0)");
  Run(a, "BEGIN");
  Run(a, "SELECT * FROM acct");  // a's statement snapshot is before b's update
  Run(b, "UPDATE acct SET bal = bal + 10 WHERE id = 1");
  EXPECT_EQ(Run(a, "UPDATE acct SET bal = bal + 1 WHERE id = 1"), Lines{"C UPDATE 1"});
  Run(a, "COMMIT");
  EXPECT_EQ(Run(b, "SELECT bal FROM acct"), (Lines{"T bal:23", "D 11", "C SELECT 1"}));  // no lost update

  Run(a, "DROP TABLE acct");
  auto it = engine_->Scan(storage::ColumnFamily::kRows, "", "");
  EXPECT_FALSE(it->Valid());  // the dropped table's rows are gone
  EXPECT_EQ(Run(a, "SELECT * FROM acct"), Lines{"E 42P01"});
}

TEST_F(SqlSessionTest, DatabasesAreSeparateNamespaces) {
  Database db(*engine_);
  Session a(db);
  EXPECT_EQ(Run(a, "CREATE DATABASE shop"), Lines{"C CREATE DATABASE"});
  EXPECT_EQ(Run(a, "CREATE DATABASE shop"), Lines{"E 42P04"});
  EXPECT_EQ(Run(a, "BEGIN; CREATE DATABASE other"), (Lines{"C BEGIN", "E 25001"}));
  Run(a, "ROLLBACK");
  auto txn = engine_->Begin();
  auto shop = catalog::Catalog(*txn).FindDatabase("shop");
  ASSERT_TRUE(shop.ok() && shop->has_value());
  txn.reset();
  {
    SessionInfo info;
    info.database = "shop";
    info.database_oid = (*shop)->oid;
    Session b(db, info);
    Run(b, "CREATE TABLE t (id int PRIMARY KEY)");
    EXPECT_EQ(Run(b, "INSERT INTO t VALUES (1), (2)"), Lines{"C INSERT 0 2"});
    EXPECT_EQ(Run(a, "SELECT * FROM t"), Lines{"E 42P01"});  // not in postgres
    EXPECT_EQ(Run(a, "CREATE TABLE t (id text)"), Lines{"C CREATE TABLE"});  // the same name, elsewhere
    EXPECT_EQ(Run(b, "SELECT count(*) FROM t"), (Lines{"T count:20", "D 2", "C SELECT 1"}));
    EXPECT_EQ(Run(a, "DROP DATABASE shop"), Lines{"E 55006"});  // b is connected
    EXPECT_EQ(Run(b, "DROP DATABASE shop"), Lines{"E 55006"});  // the current database
    EXPECT_EQ(Run(a, "DROP TABLE t"), Lines{"C DROP TABLE"});
  }
  EXPECT_EQ(Run(a, "DROP DATABASE shop"), Lines{"C DROP DATABASE"});
  auto it = engine_->Scan(storage::ColumnFamily::kRows, "", "");
  EXPECT_FALSE(it->Valid());  // shop's rows are gone
  EXPECT_EQ(Run(a, "DROP DATABASE shop"), Lines{"E 3D000"});
  EXPECT_EQ(Run(a, "DROP DATABASE template0"), Lines{"E 42809"});
  EXPECT_EQ(Run(a, "CREATE DATABASE c TEMPLATE nope"), Lines{"E 3D000"});
  EXPECT_EQ(Run(a, "CREATE DATABASE c OWNER nobody"), Lines{"E 42704"});
  EXPECT_EQ(Run(a, "CREATE DATABASE c ENCODING 'LATIN1'"), Lines{"E 0A000"});
}

TEST_F(SqlSessionTest, CatalogFromBeforeDatabasesIsUpgraded) {
  {
    Database db(*engine_);
    Session s(db);
    Run(s, "CREATE TABLE t (id int PRIMARY KEY)");
    Run(s, "INSERT INTO t VALUES (7)");
  }
  // Rewrite the catalog as it was before databases: keys without ("db", 5).
  std::string prefix = storage::KeyEncoder().AddString("db").AddInt(catalog::kPostgresDatabaseOid).Release();
  storage::WriteBatch batch(*engine_);
  size_t moved = 0;
  for (auto it = engine_->Scan(storage::ColumnFamily::kCatalog, prefix, storage::PrefixSuccessor(prefix)); it->Valid();
       it->Next()) {
    batch.Put(storage::ColumnFamily::kCatalog, it->key().substr(prefix.size()), it->value());
    batch.Delete(storage::ColumnFamily::kCatalog, it->key());
    ++moved;
  }
  ASSERT_GT(moved, 0u);
  ASSERT_TRUE(engine_->Write(batch).ok());
  Reopen();
  Database db(*engine_);
  ASSERT_TRUE(db.Open().ok());
  Session s(db);
  EXPECT_EQ(Run(s, "SELECT id FROM t"), (Lines{"T id:23", "D 7", "C SELECT 1"}));
}

TEST_F(SqlSessionTest, PrimaryKeyPredicatesBecomePointReads) {
  Database db(*engine_);
  Session s(db);
  Run(s, "CREATE TABLE t (a int, b text, c int, PRIMARY KEY (a, b))");
  auto txn = engine_->Begin();
  catalog::Catalog catalog(*txn);
  catalog::TableDesc table = ResolveTable(catalog, ast::TableName{"", "t", "", -1});
  auto bind_where = [&](const std::string& where) {
    auto parsed = Parse("SELECT * FROM t WHERE " + where);
    auto stmt = ConvertStatement(std::get<ParseTree>(parsed), 0);
    Binder binder{Scope{&table, "t", nullptr, {}}};
    return binder.BindCondition(*std::get<ast::Select>(stmt).where, "WHERE");
  };
  EXPECT_EQ(PrimaryKeyLookups(table, bind_where("a = 1 AND b = 'x'").get())->size(), 1u);
  EXPECT_EQ(PrimaryKeyLookups(table, bind_where("a IN (1, 2, 2) AND b = 'x' AND c > 3").get())->size(), 2u);
  EXPECT_FALSE(PrimaryKeyLookups(table, bind_where("a = 1").get()).has_value());  // b is free
  EXPECT_FALSE(PrimaryKeyLookups(table, bind_where("a = 1 OR b = 'x'").get()).has_value());
}

TEST_F(SqlSessionTest, AnalyzeStatisticsGuideIndexAndJoinChoices) {
  Database db(*engine_);
  Session s(db);
  Run(s, "CREATE TABLE big (id int PRIMARY KEY, sid int, cat int, note text)");
  Run(s, "CREATE INDEX big_sid ON big (sid)");
  Run(s, "CREATE INDEX big_cat ON big (cat)");
  Run(s, "INSERT INTO big SELECT g, g % 10, g % 500, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' END "
         "FROM generate_series(1, 2000) g");
  Run(s, "CREATE TABLE small (id int PRIMARY KEY, name text)");
  Run(s, "INSERT INTO small SELECT g, 'n' || g FROM generate_series(0, 9) g");
  const std::string join =
      "SELECT small.name, count(*), sum(big.id) FROM small JOIN big ON big.sid = small.id AND big.cat > small.id * 40 "
      "WHERE small.id < 3 GROUP BY small.name ORDER BY 1";
  Lines before = Run(s, join);
  ASSERT_EQ(before.size(), 5u);  // header, three groups, completion

  auto chosen = [&] {
    auto txn = engine_->Begin();
    catalog::Catalog catalog(*txn);
    catalog::TableDesc table = ResolveTable(catalog, ast::TableName{"", "big", "", -1});
    auto parsed = Parse("SELECT * FROM big WHERE sid = 1 AND cat = 1");
    auto stmt = ConvertStatement(std::get<ParseTree>(parsed), 0);
    Binder binder{Scope{&table, "big", nullptr, {}}};
    auto where = binder.BindCondition(*std::get<ast::Select>(stmt).where, "WHERE");
    const catalog::IndexDesc* index = ChooseIndex(table, where.get());
    return index != nullptr ? index->name : std::string();
  };
  EXPECT_EQ(chosen(), "big_sid");  // no statistics: the first that fits
  EXPECT_EQ(Run(s, "ANALYZE"), Lines{"C ANALYZE"});
  EXPECT_EQ(chosen(), "big_cat");  // 500 distinct values (n_distinct -0.25 of 2000 rows) beat 10
  EXPECT_EQ(Run(s, "SELECT attname, null_frac, n_distinct FROM pg_stats WHERE tablename = 'big' ORDER BY attname"),
            (Lines{"T attname:25 null_frac:700 n_distinct:700", "D cat 0 -0.25", "D id 0 -1", "D note 0.25 1",
                   "D sid 0 10", "C SELECT 4"}));
  EXPECT_EQ(Run(s, "SELECT reltuples FROM pg_class WHERE relname = 'big'"),
            (Lines{"T reltuples:700", "D 2000", "C SELECT 1"}));
  // With statistics the join builds its hash table on small (the left input):
  // the same rows, the columns in FROM order.
  EXPECT_EQ(Run(s, join), before);
  EXPECT_EQ(Run(s, "SELECT big.sid, small.name FROM small JOIN big ON big.sid = small.id WHERE big.id = 17"),
            (Lines{"T sid:23 name:25", "D 7 n7", "C SELECT 1"}));
  EXPECT_EQ(Run(s, "EXPLAIN SELECT * FROM big WHERE sid = 1 AND cat = 1"),
            (Lines{"T QUERY PLAN:25", "D Project", "D   ->  Filter", "D         ->  Index Scan using big_cat on big",
                   "C EXPLAIN"}));
  EXPECT_EQ(Run(s, "EXPLAIN SELECT small.name FROM small JOIN big ON big.sid = small.id WHERE small.id < 3"),
            (Lines{"T QUERY PLAN:25", "D Project", "D   ->  Project (columns in FROM order; the join's hash table holds the left input)",
                   "D         ->  Hash Join", "D               ->  Seq Scan on big",
                   "D               ->  Filter", "D                     ->  Index Scan using small_pkey on small",
                   "C EXPLAIN"}));
  Lines analyzed = Run(s, "EXPLAIN ANALYZE SELECT count(*) FROM big WHERE cat = 3");
  ASSERT_EQ(analyzed.size(), 8u);
  EXPECT_TRUE(analyzed[1].starts_with("D Project (actual time=")) << analyzed[1];
  EXPECT_NE(analyzed[2].find("Aggregate (actual time="), std::string::npos) << analyzed[2];
  EXPECT_NE(analyzed[2].find(" rows=1 loops=1)"), std::string::npos) << analyzed[2];
  EXPECT_NE(analyzed[4].find("Index Scan using big_cat on big (actual time="), std::string::npos) << analyzed[4];
  EXPECT_NE(analyzed[4].find(" rows=4 loops=1)"), std::string::npos) << analyzed[4];  // cat = 3: ids 3, 503, 1003, 1503
  EXPECT_TRUE(analyzed[6].starts_with("D Execution Time: ")) << analyzed[6];

  // Statistics describe rows: TRUNCATE drops them, as PostgreSQL resets reltuples.
  Run(s, "TRUNCATE small");
  EXPECT_EQ(Run(s, "SELECT reltuples FROM pg_class WHERE relname = 'small'"),
            (Lines{"T reltuples:700", "D -1", "C SELECT 1"}));
  // ANALYZE writes only statistics: DDL another session commits meanwhile stays.
  Session other(db);
  Run(s, "BEGIN");
  Run(s, "ANALYZE big");
  EXPECT_EQ(Run(other, "CREATE INDEX big_note ON big (note)"), Lines{"C CREATE INDEX"});
  EXPECT_EQ(Run(s, "COMMIT"), Lines{"C COMMIT"});
  EXPECT_EQ(Run(s, "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_note'"),
            (Lines{"T count:20", "D 1", "C SELECT 1"}));
}

}  // namespace
}  // namespace orbit::sql

namespace orbit::glue {
namespace {

TEST(PgBinary, NumericAndIntegersRoundTrip) {
  for (std::string text : {"0", "12345.678", "-0.0012", "100000000", "1.5000000000000000", "-12", "0.50"}) {
    std::string bytes;
    AppendBinary(sql::Value::String(sql::Type(sql::TypeId::kNumeric), text), bytes);
    EXPECT_EQ(DecodeBinary(bytes, sql::Type(sql::TypeId::kNumeric)).s, text);
  }
  std::string bytes;
  AppendBinary(sql::Value::Int(sql::TypeId::kInt4, -2), bytes);
  EXPECT_EQ(bytes, std::string("\xff\xff\xff\xfe", 4));
  EXPECT_EQ(DecodeBinary(bytes, sql::Type(sql::TypeId::kInt4)).i, -2);
  EXPECT_THROW(DecodeBinary("abc", sql::Type(sql::TypeId::kInt4)), sql::SqlException);  // 22P03
  bytes.clear();
  AppendBinary(sql::Value::Float(sql::TypeId::kFloat8, 1.5), bytes);
  EXPECT_EQ(DecodeBinary(bytes, sql::Type(sql::TypeId::kFloat8)).f, 1.5);
}

}  // namespace
}  // namespace orbit::glue

namespace orbit::sql {
namespace {

TEST(SqlNumeric, ComparesExactlyAndGroupsEqualValues) {
  EXPECT_EQ(CompareNumeric("1.0", "1.00"), 0);
  EXPECT_EQ(CompareNumeric("12345678901234567890.1", "12345678901234567890.2"), -1);
  EXPECT_EQ(CompareNumeric("-2", "-10"), 1);
  EXPECT_EQ(CompareNumeric("-0.0", "0"), 0);
  EXPECT_EQ(CompareNumeric("NaN", "1e3"), 1);
  EXPECT_EQ(CompareNumeric("NaN", "NaN"), 0);
  auto num = [](const char* s) { return Value::String(Type(TypeId::kNumeric), s); };
  EXPECT_EQ(exec::GroupKey({num("1.0")}), exec::GroupKey({num("1.000")}));
  EXPECT_EQ(exec::GroupKey({Value::Float(TypeId::kFloat8, -0.0)}), exec::GroupKey({Value::Float(TypeId::kFloat8, 0.0)}));
  EXPECT_NE(exec::GroupKey({num("1.5")}), exec::GroupKey({num("15")}));
}

}  // namespace
}  // namespace orbit::sql

namespace orbit::sql {
namespace {

TEST(SqlDateTime, IsoInputAndPostgresOutput) {
  auto ts = [](const char* s) { return ToText(FromText(s, Type(TypeId::kTimestamp))); };
  EXPECT_EQ(ts("2024-02-29 13:45:01.5"), "2024-02-29 13:45:01.5");
  EXPECT_EQ(ts("2024-02-29T13:45:01"), "2024-02-29 13:45:01");
  EXPECT_EQ(ts("1969-07-20 20:17:40.000001"), "1969-07-20 20:17:40.000001");
  EXPECT_EQ(ToText(FromText("2024-01-01 00:00:00+02", Type(TypeId::kTimestampTz))), "2023-12-31 22:00:00+00");
  EXPECT_EQ(ToText(FromText("2000-01-01", Type(TypeId::kDate))), "2000-01-01");
  EXPECT_EQ(FromText("2000-01-02", Type(TypeId::kDate)).i, 1);  // days since PostgreSQL's epoch
  EXPECT_EQ(FromText("2000-01-01 00:00:01", Type(TypeId::kTimestamp)).i, 1000000);
  EXPECT_THROW(FromText("2023-02-29", Type(TypeId::kDate)), SqlException);  // 22008
  EXPECT_THROW(FromText("yesterday", Type(TypeId::kDate)), SqlException);   // 22007, as PostgreSQL
  EXPECT_EQ(ToText(CastValue(FromText("2024-05-06 23:59:59", Type(TypeId::kTimestamp)), Type(TypeId::kDate), false)),
            "2024-05-06");
}

TEST(SqlTypes, IntervalsParseAndPrintAsPostgres) {
  auto iv = [](const char* s) { return ToText(FromText(s, Type(TypeId::kInterval))); };
  EXPECT_EQ(iv("1 day 2 hours"), "1 day 02:00:00");
  EXPECT_EQ(iv("-1 day +2 hours"), "-1 days +02:00:00");
  EXPECT_EQ(iv("1 year 2 months 3 days 04:05:06.5"), "1 year 2 mons 3 days 04:05:06.5");
  EXPECT_EQ(iv("1.5 months"), "1 mon 15 days");
  EXPECT_EQ(iv("3 days ago"), "-3 days");
  EXPECT_EQ(iv("0"), "00:00:00");
  EXPECT_EQ(iv("90 minutes"), "01:30:00");
  EXPECT_THROW(iv("1 fortnight"), SqlException);
  Interval month{1, 0, 0}, thirty_days{0, 30, 0};
  EXPECT_EQ(CompareIntervals(month, thirty_days), 0);  // PostgreSQL's interval ordering
  // Adding a month clamps to the month's end; days and time come after.
  int64_t jan31 = FromText("2024-01-31 10:00", Type(TypeId::kTimestamp)).i;
  EXPECT_EQ(ToText(Value::Int(TypeId::kTimestamp, TimestampPlusInterval(jan31, {1, 1, 3600000000}, -1))),
            "2024-03-01 11:00:00");
  EXPECT_EQ(ToText(FromText("25:00:00", Type(TypeId::kInterval))), "25:00:00");
  EXPECT_THROW(FromText("25:00", Type(TypeId::kTime)), SqlException);
  EXPECT_EQ(ToText(FromText("23:59:59.999999", Type(TypeId::kTime))), "23:59:59.999999");
}

TEST(SqlTypes, ByteaUuidJsonAndNumericTypmods) {
  EXPECT_EQ(ToText(FromText("\\x00fF", Type(TypeId::kBytea))), "\\x00ff");
  EXPECT_EQ(FromText("a\\\\b\\001", Type(TypeId::kBytea)).s, std::string("a\\b\x01", 4));
  EXPECT_THROW(FromText("\\x0", Type(TypeId::kBytea)), SqlException);  // odd number of digits
  EXPECT_EQ(ToText(FromText("{A0EEBC999C0B4EF8BB6D6BB9BD380A11}", Type(TypeId::kUuid))),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_THROW(FromText("a0eebc99-9c0b", Type(TypeId::kUuid)), SqlException);
  EXPECT_EQ(ToText(FromText(R"({"b": 1, "aa": [1.50, 1e2], "b": null})", Type(TypeId::kJsonb))),
            R"({"b": null, "aa": [1.50, 100]})");
  EXPECT_EQ(ToText(FromText(R"({"b":1,  "a":2})", Type(TypeId::kJson))), R"({"b":1,  "a":2})");
  EXPECT_THROW(FromText("{bad", Type(TypeId::kJson)), SqlException);
  EXPECT_EQ(JsonExtract(R"({"a": [10, {"b": "x"}]})", {{"a", {}}, {"", -1}, {"b", {}}}, true), "x");
  EXPECT_EQ(JsonExtract(R"({"a": null})", {{"a", {}}}, true), std::nullopt);
  LogicalType money = *LookupType("numeric", {5, 2});
  EXPECT_EQ(TypeDisplayName(money), "numeric(5,2)");
  EXPECT_EQ(FromText("12.345", money).s, "12.35");
  EXPECT_EQ(FromText("-0.001", money).s, "0.00");
  EXPECT_EQ(FromText("999.994", money).s, "999.99");
  EXPECT_THROW(FromText("999.995", money), SqlException);  // rounds to 1000.00: 22003
}

TEST(SqlTypes, ArraysParseQuoteAndCompare) {
  auto arr = [](const char* s, TypeId e) { return ToText(FromText(s, ArrayOf(e))); };
  EXPECT_EQ(arr(" { 1 , 2,NULL } ", TypeId::kInt4), "{1,2,NULL}");
  EXPECT_EQ(arr(R"({"a b","c\"d",null,"NULL",""})", TypeId::kText), R"({"a b","c\"d",NULL,"NULL",""})");
  EXPECT_EQ(arr("{}", TypeId::kInt4), "{}");
  EXPECT_THROW(arr("{1,x}", TypeId::kInt4), SqlException);
  EXPECT_THROW(arr("{1,2", TypeId::kInt4), SqlException);
  EXPECT_THROW(arr("{{1},{2}}", TypeId::kInt4), SqlException);  // multidimensional: not supported
  Value a = FromText("{1,10}", ArrayOf(TypeId::kInt4)), b = FromText("{1,9}", ArrayOf(TypeId::kInt4));
  EXPECT_GT(exec::CompareArrays(a, b), 0);  // element-wise, not text order
  EXPECT_EQ(TypeOid(ArrayOf(TypeId::kInt4)), 1007);
  EXPECT_EQ(TypeFromOid(1009), ArrayOf(TypeId::kText));
  EXPECT_EQ(ToText(CastValue(a, ArrayOf(TypeId::kText), true)), "{1,10}");
}

}  // namespace
}  // namespace orbit::sql

namespace orbit::sql {
namespace {

class SqlCatalogCacheTest : public storage::EngineTest {};

TEST_F(SqlCatalogCacheTest, DdlInvalidatesOtherSessionsCachedTables) {
  Database db(*engine_);
  Session a(db), b(db);
  CaptureSink sink;
  a.Execute("CREATE TABLE t (id int PRIMARY KEY)", sink);
  a.Execute("INSERT INTO t VALUES (1)", sink);
  CaptureSink first;
  b.Execute("SELECT * FROM t", first);  // fills the cache
  EXPECT_EQ(first.lines.front(), "T id:23");
  a.Execute("BEGIN; ALTER TABLE t ADD COLUMN v int DEFAULT 5", sink);
  CaptureSink during;
  b.Execute("SELECT * FROM t", during);  // not committed: still one column
  EXPECT_EQ(during.lines.front(), "T id:23");
  a.Execute("COMMIT", sink);
  CaptureSink after;
  b.Execute("SELECT * FROM t", after);
  EXPECT_EQ(after.lines, (std::vector<std::string>{"T id:23 v:23", "D 1 5", "C SELECT 1"}));
  a.Execute("DROP TABLE t", sink);
  CaptureSink dropped;
  b.Execute("SELECT * FROM t", dropped);
  EXPECT_EQ(dropped.lines, std::vector<std::string>{"E 42P01"});
}

}  // namespace
}  // namespace orbit::sql
