// Durability under SIGKILL: a child commits numbered transactions and reports each
// acknowledged one; it is killed at random moments over many cycles. After every
// kill the database must hold every acknowledged transaction, and every
// transaction it holds must be complete (all three of its writes, or none).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <poll.h>
#include <random>
#include <set>
#include <spawn.h>
#include <string>

#include "storage/key_codec.h"
#include "storage/transaction.h"
#include "../unit/storage_test_util.h"

extern char** environ;

namespace orbit::storage {
namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child SpawnWriter(const std::string& db, int64_t first) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::string first_s = std::to_string(first);
  const char* argv[] = {ORBIT_CRASH_WRITER, db.c_str(), first_s.c_str(), nullptr};
  Child child;
  EXPECT_EQ(posix_spawn(&child.pid, ORBIT_CRASH_WRITER, &actions, nullptr, const_cast<char**>(argv), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  child.out = fds[0];
  return child;
}

// Reads "ack N" lines for `duration`; returns the highest N acknowledged (or -1).
int64_t CollectAcks(int fd, std::chrono::milliseconds duration, std::string& carry) {
  int64_t highest = -1;
  auto deadline = std::chrono::steady_clock::now() + duration;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    carry.append(buf, static_cast<size_t>(n));
    size_t pos;
    while ((pos = carry.find('\n')) != std::string::npos) {
      std::string line = carry.substr(0, pos);
      carry.erase(0, pos + 1);
      if (line.rfind("ack ", 0) == 0) highest = std::max<int64_t>(highest, std::stoll(line.substr(4)));
    }
  }
  return highest;
}

TEST(CrashTest, AcknowledgedCommitsSurviveSigkill) {
  TempDir dir;
  std::string db = dir.path() + "/db";
  std::mt19937 rng(12345);
  int64_t acked = -1;  // highest acknowledged so far, over all cycles
  int64_t next = 0;
  constexpr int kCycles = 20;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    Child child = SpawnWriter(db, next);
    std::string carry;
    // Wait for the first commit (opening RocksDB can be slow under sanitizers),
    // then let the writer run for a random time before the kill.
    int64_t highest = -1;
    for (int waited = 0; highest < 0 && waited < 200; ++waited) {
      highest = CollectAcks(child.out, std::chrono::milliseconds(50), carry);
    }
    auto run_for = std::chrono::milliseconds(100 + rng() % 400);
    highest = std::max(highest, CollectAcks(child.out, run_for, carry));
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    // Acks written before the kill but not yet read still count as acknowledged.
    highest = std::max(highest, CollectAcks(child.out, std::chrono::milliseconds(50), carry));
    ::close(child.out);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own in cycle " << cycle << " status " << status;
    acked = std::max(acked, highest);

    auto opened = Engine::Open(EngineOptions{.path = db});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    auto& engine = *opened;
    std::set<int64_t> rows, kv;
    for (auto [cf, set] : {std::pair{ColumnFamily::kRows, &rows}, std::pair{ColumnFamily::kKv, &kv}}) {
      for (auto it = engine->Scan(cf, "", ""); it->Valid(); it->Next()) {
        KeyDecoder dec(it->key());
        ASSERT_TRUE(dec.Next().ok());
        auto n = dec.Next();
        ASSERT_TRUE(n.ok());
        set->insert(std::get<int64_t>(n->value));
      }
    }
    ASSERT_EQ(rows, kv) << "a transaction was half-applied in cycle " << cycle;
    int64_t stored_max = rows.empty() ? -1 : *rows.rbegin();
    ASSERT_EQ(static_cast<int64_t>(rows.size()), stored_max + 1) << "gap in committed transactions";
    ASSERT_GE(stored_max, acked) << "acknowledged transaction lost in cycle " << cycle;
    auto last = engine->Get(ColumnFamily::kMeta, "last");
    ASSERT_TRUE(last.ok());
    if (stored_max >= 0) {
      ASSERT_EQ(**last, std::to_string(stored_max));
    }
    next = stored_max + 1;
    ASSERT_TRUE(engine->Close().ok());
  }
  EXPECT_GT(acked, kCycles) << "the writer barely committed anything; the test proved little";
  std::printf("crash test: %d kills, %lld transactions acknowledged, none lost\n", kCycles,
              static_cast<long long>(acked + 1));
}

}  // namespace
}  // namespace orbit::storage
