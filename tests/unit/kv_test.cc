// The Redis engine without sockets: commands run through Keyspace::Execute on real
// shards over a real RocksDB, and the raw RESP replies are checked.

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <set>
#include <thread>

#include "kv/command.h"
#include "kv/keyspace.h"
#include "storage_test_util.h"

namespace orbit::kv {
namespace {

class KvTest : public storage::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Start();
  }
  void TearDown() override { Stop(); }

  void Start() {
    shards_ = std::make_unique<runtime::ShardSet>(2);
    shards_->Start();
    keyspace_ = std::make_unique<Keyspace>(*shards_, *engine_, registry_, KeyspaceOptions{});
    ASSERT_TRUE(keyspace_->Load().ok());
    client_ = ClientState{};
    client_.id = 1;
    client_.authenticated = true;
  }
  void Stop() {
    shards_->Stop();
    keyspace_.reset();
    shards_.reset();
  }
  void Restart() {
    Stop();
    Reopen();
    Start();
  }

  // Runs one command on shard 0 (as a session there would) and returns the reply.
  std::string Run(std::vector<std::string> argv) {
    std::string out;
    auto f = asio::co_spawn(
        shards_->shard(0).executor(),
        [&]() -> Task<void> {
          std::vector<std::string_view> args(argv.begin(), argv.end());
          protocol::resp::ReplyBuilder reply(out, client_.protocol);
          co_await keyspace_->Execute(client_, args, reply);
          EXPECT_TRUE(co_await keyspace_->AwaitDurable(client_));
        },
        asio::use_future);
    f.get();
    return out;
  }

  metrics::Registry registry_;
  std::unique_ptr<runtime::ShardSet> shards_;
  std::unique_ptr<Keyspace> keyspace_;
  ClientState client_;
};

TEST_F(KvTest, StringsAndErrors) {
  EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"GET", "missing"}), "$-1\r\n");
  EXPECT_EQ(Run({"INCR", "k"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"INCRBY", "n", "9223372036854775807"}), ":9223372036854775807\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "NX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "w", "XX", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run({"get"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"NOPE", "a"}), "-ERR unknown command 'NOPE', with args beginning with: 'a' \r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "-1"}), "$1\r\nw\r\n");
  EXPECT_EQ(Run({"SETRANGE", "z", "3", "ab"}), ":5\r\n");
  EXPECT_EQ(Run({"GET", "z"}), std::string("$5\r\n\0\0\0ab\r\n", 11));
}

TEST_F(KvTest, TypesAndWrongType) {
  EXPECT_EQ(Run({"LPUSH", "l", "a", "b"}), ":2\r\n");
  EXPECT_EQ(Run({"RPUSH", "l", "c"}), ":3\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n");
  EXPECT_EQ(Run({"GET", "l"}), std::string("-") + std::string(kWrongTypeError) + "\r\n");
  EXPECT_EQ(Run({"HSET", "h", "f", "1"}), ":1\r\n");
  EXPECT_EQ(Run({"HINCRBY", "h", "f", "2"}), ":3\r\n");
  EXPECT_EQ(Run({"SADD", "s", "x", "y", "x"}), ":2\r\n");
  EXPECT_EQ(Run({"TYPE", "s"}), "+set\r\n");
  EXPECT_EQ(Run({"RPOP", "l", "5"}), "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(Run({"EXISTS", "l"}), ":0\r\n");  // an emptied list is deleted
}

TEST_F(KvTest, ExpiryIsLazyAndPersisted) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "50"}), "+OK\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "100000", "GT"}), ":1\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "10", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "30", "LT"}), ":1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":-2\r\n");
  EXPECT_EQ(Run({"SET", "p", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"TTL", "p"}), ":-1\r\n");
}

TEST_F(KvTest, EverythingSurvivesRestart) {
  Run({"SET", "s", "v"});
  Run({"SET", "t", "v", "EX", "1000"});
  Run({"RPUSH", "l", "1", "2", "3"});
  Run({"LPOP", "l"});
  Run({"HSET", "h", "a", "1", "b", "2"});
  Run({"HDEL", "h", "a"});
  Run({"SADD", "set", "m1", "m2"});
  Run({"SELECT", "3"});
  Run({"SET", "in3", "x"});
  Restart();
  EXPECT_EQ(Run({"GET", "s"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(Run({"HGETALL", "h"}), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"SCARD", "set"}), ":2\r\n");
  std::string ttl = Run({"TTL", "t"});
  EXPECT_TRUE(ttl == ":1000\r\n" || ttl == ":999\r\n") << ttl;
  EXPECT_EQ(Run({"GET", "in3"}), "$-1\r\n");
  Run({"SELECT", "3"});
  EXPECT_EQ(Run({"GET", "in3"}), "$1\r\nx\r\n");
  EXPECT_EQ(Run({"FLUSHALL"}), "+OK\r\n");
  Restart();
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(KvTest, MultiKeyCommandsSpanShards) {
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 50; ++i) {
    mset.push_back("key" + std::to_string(i));
    mset.push_back(std::to_string(i));
  }
  // 50 keys over 2 shards: both shards are involved, the command runs exclusively.
  EXPECT_EQ(Run(mset), "+OK\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":50\r\n");
  EXPECT_EQ(Run({"MGET", "key0", "key49", "nope"}), "*3\r\n$1\r\n0\r\n$2\r\n49\r\n$-1\r\n");
  EXPECT_EQ(Run({"RENAME", "key0", "key1"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "key1"}), "$1\r\n0\r\n");
  EXPECT_EQ(Run({"DEL", "key1", "key2", "key3", "nope"}), ":3\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":46\r\n");
}

TEST_F(KvTest, ScanVisitsEveryKeyOnce) {
  for (int i = 0; i < 200; ++i) Run({"SET", "k" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = Run({"SCAN", cursor, "COUNT", "17"});
    // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<len>\r\n<key>\r\n)*
    size_t p = reply.find("\r\n", 4) + 2;
    size_t e = reply.find("\r\n", p);
    cursor = reply.substr(p, e - p);
    size_t pos = reply.find('*', e);
    pos = reply.find("\r\n", pos) + 2;
    while (pos < reply.size()) {
      size_t len_end = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, len_end - pos - 1));
      EXPECT_TRUE(seen.insert(reply.substr(len_end + 2, len)).second) << "returned twice";
      pos = len_end + 2 + len + 2;
    }
    ASSERT_LT(++calls, 100);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 200u);
}

TEST_F(KvTest, NewerTypesAndMovesSurviveRestart) {
  EXPECT_EQ(Run({"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}), ":2\r\n");
  std::string dist = Run({"GEODIST", "geo", "Palermo", "Catania", "km"});
  EXPECT_EQ(dist, "$8\r\n166.2742\r\n");
  std::vector<std::string> pfadd = {"PFADD", "hll"};
  for (int i = 0; i < 1000; ++i) pfadd.push_back("e" + std::to_string(i));
  Run(pfadd);
  std::string count = Run({"PFCOUNT", "hll"});
  std::string hll_bytes = Run({"GET", "hll"});
  EXPECT_EQ(Run({"SETBIT", "bits", "100", "1"}), ":0\r\n");
  Run({"RPUSH", "nums", "3", "1", "2"});
  EXPECT_EQ(Run({"SORT", "nums", "STORE", "sorted"}), ":3\r\n");
  Run({"ZADD", "za", "1", "x", "2", "y"});
  Run({"ZADD", "zb", "10", "y"});
  EXPECT_EQ(Run({"ZUNIONSTORE", "zu", "2", "za", "zb"}), ":2\r\n");
  Run({"SET", "moved", "m"});
  EXPECT_EQ(Run({"MOVE", "moved", "2"}), ":1\r\n");
  Run({"HSET", "copied", "f", "v"});
  EXPECT_EQ(Run({"COPY", "copied", "copy2", "DB", "4"}), ":1\r\n");
  Run({"SELECT", "5"});
  Run({"SET", "in5", "five"});
  Run({"SELECT", "0"});
  EXPECT_EQ(Run({"SWAPDB", "5", "6"}), "+OK\r\n");
  Restart();
  EXPECT_EQ(Run({"GEODIST", "geo", "Palermo", "Catania", "km"}), dist);
  EXPECT_EQ(Run({"PFCOUNT", "hll"}), count);
  EXPECT_EQ(Run({"GET", "hll"}), hll_bytes);
  EXPECT_EQ(Run({"GETBIT", "bits", "100"}), ":1\r\n");
  EXPECT_EQ(Run({"LRANGE", "sorted", "0", "-1"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(Run({"ZRANGE", "zu", "0", "-1", "WITHSCORES"}), "*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n");
  EXPECT_EQ(Run({"EXISTS", "moved"}), ":0\r\n");
  Run({"SELECT", "2"});
  EXPECT_EQ(Run({"GET", "moved"}), "$1\r\nm\r\n");
  Run({"SELECT", "4"});
  EXPECT_EQ(Run({"HGET", "copy2", "f"}), "$1\r\nv\r\n");
  Run({"SELECT", "5"});
  EXPECT_EQ(Run({"EXISTS", "in5"}), ":0\r\n");
  Run({"SELECT", "6"});
  EXPECT_EQ(Run({"GET", "in5"}), "$4\r\nfive\r\n");
}

TEST_F(KvTest, NumKeysCommandsSpanShards) {
  // Keys spread over both shards: the key specs route these to an exclusive run.
  std::vector<std::string> zinter = {"ZINTERSTORE", "dst", "20"};
  for (int i = 0; i < 20; ++i) {
    std::string key = "z" + std::to_string(i);
    Run({"ZADD", key, "1", "common", std::to_string(i), "own" + std::to_string(i)});
    zinter.push_back(key);
  }
  EXPECT_EQ(Run(zinter), ":1\r\n");
  EXPECT_EQ(Run({"ZSCORE", "dst", "common"}), "$2\r\n20\r\n");
  EXPECT_EQ(Run({"ZINTERCARD", "3", "z1", "z2", "z3"}), ":1\r\n");
  Run({"RPUSH", "l7", "a", "b"});
  EXPECT_EQ(Run({"LMPOP", "3", "l5", "l6", "l7", "RIGHT", "COUNT", "5"}),
            "*2\r\n$2\r\nl7\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n");
  EXPECT_EQ(Run({"EXISTS", "l7"}), ":0\r\n");
}

TEST_F(KvTest, MaxmemoryRefusesGrowingCommandsOnly) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k2", "v"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"DEL", "k"}), ":1\r\n");  // not deny-oom: deleting frees memory
  EXPECT_EQ(Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k3", "v"}), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "0"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k2", "v"}), "+OK\r\n");
}

TEST_F(KvTest, ClientReplyOffSkipOn) {
  EXPECT_EQ(Run({"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_EQ(Run({"SET", "k", "v"}), "");
  EXPECT_EQ(Run({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(Run({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(Run({"GET", "k"}), "");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST(Glob, RedisPatterns) {
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", true));
  EXPECT_TRUE(GlobMatch("*.sport", "news.sport"));
  EXPECT_FALSE(GlobMatch("a*b", "acb-"));
  EXPECT_TRUE(GlobMatch("a*b*c", "a--b--b--c"));
}

TEST(Glob, HostilePatternsAreLinear) {
  // CVE-2022-36021 in Redis: exponential backtracking. Must finish at once.
  std::string text(60, 'a');
  std::string pattern;
  for (int i = 0; i < 12; ++i) pattern += "*a";
  pattern += "*b";
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, text));
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "*a";  // no recursion: no stack overflow
  EXPECT_TRUE(GlobMatch(deep, std::string(100000, 'a')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace orbit::kv
