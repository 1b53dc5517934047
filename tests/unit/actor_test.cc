// Runtime semantics of virtual actors, on a real node (shards + RocksDB on disk).

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "actor/directory.h"
#include "actor/runtime.h"
#include "actor/store.h"
#include "orbit/node.h"

namespace {

using namespace std::chrono_literals;
using orbit::Task;
namespace asio = orbit::asio;

Task<void> Sleep(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

class Greeter : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Greeter";
  Task<std::string> Greet(std::string name) { co_return "Hello, " + name + " from " + key(); }
};

struct CounterState {
  int64_t value = 0;
  std::vector<std::string> log;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, value, log)

// Counts activations per process to check single activation.
std::atomic<int> g_activations{0};
std::atomic<int> g_deactivations{0};
std::atomic<int> g_in_turn{0};
std::atomic<int> g_max_in_turn{0};

class Counter : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Counter";
  orbit::State<CounterState> state;

  Task<void> OnActivate() override {
    ++g_activations;
    co_return;
  }
  Task<void> OnDeactivate() override {
    ++g_deactivations;
    co_return;
  }
  // Yields in the middle of the turn, so interleaving would be visible.
  Task<int64_t> Add(int64_t delta, std::string who) {
    int now = ++g_in_turn;
    int prev = g_max_in_turn.load();
    while (now > prev && !g_max_in_turn.compare_exchange_weak(prev, now)) {
    }
    int64_t before = state->value;
    co_await Sleep(1ms);
    state->value = before + delta;
    state->log.push_back(who);
    --g_in_turn;
    co_return state->value;
  }
  Task<int64_t> Get() { co_return state->value; }
  Task<void> Save() {
    auto r = co_await state.Save();
    if (!r.ok()) throw std::runtime_error(r.error().ToString());
  }
  Task<void> Fail(std::string message) {
    throw std::runtime_error(message);
    co_return;
  }
  Task<void> Hang(int64_t ms) { co_await Sleep(std::chrono::milliseconds(ms)); }
};

class ReentrantCounter : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "ReentrantCounter";
  Task<int64_t> Slow() {
    int now = ++in_turn_;
    max_in_turn_ = std::max(max_in_turn_, now);
    co_await Sleep(5ms);
    --in_turn_;
    co_return max_in_turn_;
  }

 private:
  int in_turn_ = 0;
  int max_in_turn_ = 0;
};

// Ping calls Pong, which calls back into the caller: a cycle.
class Pong;
class Ping : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Ping";
  Task<std::string> Start(std::string pong_key);
  Task<std::string> Echo(std::string s) { co_return s; }
};
class Pong : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Pong";
  Task<std::string> Bounce(std::string ping_key) {
    auto r = co_await Ref<Ping>(ping_key).Call(&Ping::Echo, std::string("back"));
    if (!r.ok()) co_return "error: " + r.error().ToString();
    co_return *r;
  }
  Task<int64_t> Plain(int64_t x) { co_return x + 1; }
};
Task<std::string> Ping::Start(std::string pong_key) {
  auto r = co_await Ref<Pong>(pong_key).Call(&Pong::Bounce, std::string(key()));
  if (!r.ok()) co_return "error: " + r.error().ToString();
  co_return *r;
}

std::atomic<int> g_timer_ticks{0};
std::atomic<int> g_reminders{0};

class Ticker : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Ticker";
  Task<void> StartTicking() {
    StartTimer("tick", 5ms, 5ms, [this]() -> Task<void> {
      ++g_timer_ticks;
      ++ticks_;
      co_return;
    });
    co_return;
  }
  Task<int64_t> Ticks() { co_return ticks_; }
  Task<void> Remind(int64_t due_ms) {
    auto r = co_await SetReminder("wake", std::chrono::milliseconds(due_ms), 0ms);
    if (!r.ok()) throw std::runtime_error(r.error().ToString());
  }
  Task<void> OnReminder(std::string name) override {
    if (name == "wake") ++g_reminders;
    co_return;
  }

 private:
  int64_t ticks_ = 0;
};

// Waits inside its turn until the test opens `gate` (a timer on the shard).
class Gated : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Gated";
  static inline asio::steady_timer* gate = nullptr;
  Task<int64_t> Wait() {
    co_await gate->async_wait(asio::as_tuple(asio::use_awaitable));
    co_return 1;
  }
};

// Its reminder throws something that is not a std::exception.
std::atomic<int> g_thrower_reminders{0};
class Thrower : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Thrower";
  Task<void> OnReminder(std::string) override {
    ++g_thrower_reminders;
    throw 42;
    co_return;
  }
  Task<bool> Arm() {
    auto armed = co_await SetReminder("r", 10ms, 0ms);
    co_return armed.ok();
  }
  Task<int64_t> Ping() { co_return 7; }
};

// Non-reentrant, with one AlwaysInterleave method (Peek).
std::vector<std::string> g_mixed_log;  // one-shard tests only
class Mixed : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Mixed";
  static inline asio::steady_timer* gate = nullptr;
  Task<int64_t> Slow() {
    co_await gate->async_wait(asio::as_tuple(asio::use_awaitable));
    g_mixed_log.push_back("slow done");
    co_return ++count_;
  }
  Task<int64_t> Peek() { co_return count_; }
  Task<int64_t> Bump() {
    g_mixed_log.push_back("bump");
    co_return ++count_;
  }
  // Calls `other`, which calls this actor back with Peek or Bump.
  Task<int64_t> Relay(std::string other, bool peek) {
    auto reply = co_await Ref<Mixed>(other).Call(&Mixed::Ask, key(), peek);
    if (!reply.ok()) throw std::runtime_error(reply.error().ToString());
    co_return *reply;
  }
  Task<int64_t> Ask(std::string back, bool peek) {
    auto ref = Ref<Mixed>(back);
    orbit::Result<int64_t> reply = orbit::Error(orbit::ErrorCode::kInternal, "unset");
    if (peek) {
      reply = co_await ref.Call(&Mixed::Peek);
    } else {
      reply = co_await ref.Call(&Mixed::Bump);
    }
    if (!reply.ok()) throw std::runtime_error(reply.error().ToString());
    co_return *reply;
  }

 private:
  int64_t count_ = 0;
};

void RegisterTestActors(orbit::ActorRegistry& r) {
  r.Add<Gated>().Method("Wait", &Gated::Wait);
  r.Add<Mixed>()
      .Method("Slow", &Mixed::Slow)
      .Method("Peek", &Mixed::Peek)
      .Method("Bump", &Mixed::Bump)
      .Method("Relay", &Mixed::Relay, {"other", "peek"})
      .Method("Ask", &Mixed::Ask, {"back", "peek"})
      .AlwaysInterleave("Peek");
  r.Add<Thrower>().Method("Arm", &Thrower::Arm).Method("Ping", &Thrower::Ping);
  r.Add<Greeter>().Method("Greet", &Greeter::Greet, {"name"});
  r.Add<Counter>()
      .State(&Counter::state)
      .ExposeState()
      .Method("Add", &Counter::Add, {"delta", "who"})
      .Method("Get", &Counter::Get)
      .Method("Save", &Counter::Save)
      .Method("Fail", &Counter::Fail, {"message"})
      .Method("Hang", &Counter::Hang, {"ms"});
  r.Add<ReentrantCounter>().Reentrant().Method("Slow", &ReentrantCounter::Slow);
  r.Add<Ping>().Method("Start", &Ping::Start, {"pong"}).Method("Echo", &Ping::Echo, {"s"});
  r.Add<Pong>().Key(orbit::KeyKind::kInt64).Method("Bounce", &Pong::Bounce, {"ping"}).Method("Plain", &Pong::Plain, {"x"});
  r.Add<Ticker>().Method("StartTicking", &Ticker::StartTicking).Method("Ticks", &Ticker::Ticks).Method("Remind", &Ticker::Remind, {"due_ms"});
}

class ActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("orbit_actor_test_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    g_activations = g_deactivations = g_in_turn = g_max_in_turn = g_timer_ticks = g_reminders = 0;
    Open();
  }
  void TearDown() override {
    node_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(orbit::NodeOptions options = {}) {
    options.data_dir = dir_.string();
    if (options.threads == 0) options.threads = 2;
    auto node = orbit::Node::Start(options, RegisterTestActors);
    ASSERT_TRUE(node.ok()) << node.error().ToString();
    node_ = std::move(node).value();
  }
  void Reopen(orbit::NodeOptions options = {}) {
    node_.reset();
    Open(options);
  }

  std::filesystem::path dir_;
  std::unique_ptr<orbit::Node> node_;
};

TEST_F(ActorTest, TypedCallActivatesOnFirstCall) {
  auto reply = node_->Run([&]() -> Task<orbit::Result<std::string>> {
    co_return co_await node_->Ref<Greeter>("bob").Call(&Greeter::Greet, std::string("Ann"));
  });
  ASSERT_TRUE(reply.ok()) << reply.error().ToString();
  EXPECT_EQ(*reply, "Hello, Ann from bob");
  EXPECT_EQ(node_->runtime().activations_total(), 1u);
}

TEST_F(ActorTest, TypesWithoutStateOrOnActivateActivateAtOnce) {
  // Greeter has neither: its activation needs no turn of its own. Counter has
  // both, so its state load and OnActivate still run before its first call.
  const auto& registry = node_->runtime().registry();
  EXPECT_FALSE(registry.Find("Greeter")->has_on_activate);
  EXPECT_TRUE(registry.Find("Counter")->has_on_activate);
  std::mutex events_mu;  // listeners run on the activations' shards
  std::vector<std::string> events;
  uint64_t token = node_->runtime().Subscribe([&](const orbit::actor::ActorEvent& e) {
    std::lock_guard lock(events_mu);
    events.push_back(std::string(orbit::actor::EventKindName(e.kind)) + " " + e.id.type + "/" + e.id.key);
  });
  auto replies = node_->Run([&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      auto r = co_await node_->Ref<Greeter>("g" + std::to_string(i % 2)).Call(&Greeter::Greet, std::string("x"));
      out.push_back(r.ok() ? *r : r.error().ToString());
    }
    auto n = co_await node_->Ref<Counter>("c").Call(&Counter::Get);
    out.push_back(n.ok() ? std::to_string(*n) : n.error().ToString());
    co_return out;
  });
  EXPECT_EQ(replies, (std::vector<std::string>{"Hello, x from g0", "Hello, x from g1", "Hello, x from g0", "0"}));
  EXPECT_EQ(node_->runtime().activations_total(), 3u);  // g0, g1 once each, and c
  EXPECT_EQ(g_activations.load(), 1);                   // Counter's OnActivate ran
  node_->runtime().Unsubscribe(token);
  std::lock_guard lock(events_mu);
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, (std::vector<std::string>{"activated Counter/c", "activated Greeter/g0", "activated Greeter/g1"}));
}

TEST_F(ActorTest, DynamicCallByNameWithJsonArguments) {
  auto& rt = node_->runtime();
  auto by_object = node_->Run([&] { return rt.Invoke({"Greeter", "x"}, "Greet", nlohmann::json{{"name", "Zed"}}); });
  ASSERT_TRUE(by_object.ok()) << by_object.error().ToString();
  EXPECT_EQ(*by_object, "Hello, Zed from x");
  auto by_array = node_->Run([&] { return rt.Invoke({"Greeter", "x"}, "Greet", nlohmann::json::array({"Amy"})); });
  EXPECT_EQ(*by_array, "Hello, Amy from x");
  auto bare = node_->Run([&] { return rt.Invoke({"Greeter", "x"}, "Greet", nlohmann::json("Bo")); });
  EXPECT_EQ(*bare, "Hello, Bo from x");

  auto wrong_type = node_->Run([&] { return rt.Invoke({"Greeter", "x"}, "Greet", nlohmann::json::array({42})); });
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code(), orbit::ErrorCode::kInvalidArgument);
  auto unknown_arg = node_->Run([&] { return rt.Invoke({"Counter", "c"}, "Add", nlohmann::json{{"delta", 1}, {"whom", "x"}}); });
  EXPECT_EQ(unknown_arg.error().code(), orbit::ErrorCode::kInvalidArgument);
  auto no_method = node_->Run([&] { return rt.Invoke({"Greeter", "x"}, "Nope", nlohmann::json()); });
  EXPECT_EQ(no_method.error().code(), orbit::ErrorCode::kNotFound);
  auto no_type = node_->Run([&] { return rt.Invoke({"Nope", "x"}, "Greet", nlohmann::json()); });
  EXPECT_EQ(no_type.error().code(), orbit::ErrorCode::kNotFound);
  auto bad_key = node_->Run([&] { return rt.Invoke({"Pong", "12x"}, "Plain", nlohmann::json(1)); });
  EXPECT_EQ(bad_key.error().code(), orbit::ErrorCode::kInvalidArgument);
  // Integer keys are canonical: "+007" and "7" are the same actor.
  auto a = node_->Run([&] { return rt.Invoke({"Pong", "+007"}, "Plain", nlohmann::json(1)); });
  EXPECT_FALSE(a.ok());  // from_chars rejects '+'
  auto b = node_->Run([&] { return rt.Invoke({"Pong", "007"}, "Plain", nlohmann::json(1)); });
  ASSERT_TRUE(b.ok());
  auto info = node_->Run([&] { return rt.Inspect({"Pong", "7"}); });
  EXPECT_TRUE(info.has_value());
}

TEST_F(ActorTest, SingleActivationAndTurnsUnderManyConcurrentCallers) {
  constexpr int kCallers = 200;
  // Callers on both shards, all at once.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      node_->Run([&, t]() -> Task<void> {
        std::vector<Task<orbit::Result<int64_t>>> unused;
        for (int i = 0; i < kCallers / 4; ++i) {
          auto r = co_await node_->Ref<Counter>("shared").Call(&Counter::Add, int64_t{1}, "t" + std::to_string(t));
          if (!r.ok()) ++failures;
        }
      });
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(g_activations.load(), 1);
  EXPECT_EQ(g_max_in_turn.load(), 1) << "two turns of one actor overlapped";
  auto v = node_->Run([&] { return node_->Ref<Counter>("shared").Call(&Counter::Get); });
  EXPECT_EQ(*v, kCallers);  // no lost update despite the yield inside Add
}

TEST_F(ActorTest, ManyConcurrentCallsFromOneCoroutineKeepOrder) {
  // Calls spawned in order from one shard arrive in order (per-caller FIFO).
  node_->Run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    std::atomic<int> done{0};
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(ex, [&, i]() -> Task<void> {
        (void)co_await node_->Ref<Counter>("ordered").Call(&Counter::Add, int64_t{1}, std::to_string(i));
        ++done;
      }, asio::detached);
    }
    while (done < 50) co_await Sleep(1ms);
  });
  auto state = node_->Run([&] { return node_->runtime().GetState({"Counter", "ordered"}); });
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  auto log = (*state)["log"].get<std::vector<std::string>>();
  ASSERT_EQ(log.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(log[i], std::to_string(i));
}

TEST_F(ActorTest, ReentrantTypeInterleaves) {
  std::atomic<int> done{0};
  int64_t max_seen = 0;
  node_->Run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < 4; ++i) {
      asio::co_spawn(ex, [&]() -> Task<void> {
        auto r = co_await node_->Ref<ReentrantCounter>("r").Call(&ReentrantCounter::Slow);
        if (r.ok()) max_seen = std::max(max_seen, *r);
        ++done;
      }, asio::detached);
    }
    while (done < 4) co_await Sleep(1ms);
  });
  EXPECT_GT(max_seen, 1) << "a reentrant actor should run calls concurrently";
}

TEST_F(ActorTest, CallCycleFailsFastInsteadOfDeadlocking) {
  auto r = node_->Run([&] { return node_->Ref<Ping>("p").Call(&Ping::Start, std::string("1")); });
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_NE(r->find("deadlock"), std::string::npos) << *r;
  EXPECT_NE(r->find("Ping/p -> Pong/1 -> Ping/p"), std::string::npos) << *r;
  // Both actors stay usable.
  auto echo = node_->Run([&] { return node_->Ref<Ping>("p").Call(&Ping::Echo, std::string("still here")); });
  EXPECT_EQ(*echo, "still here");
}

TEST_F(ActorTest, ThrowingMethodReturnsErrorAndActorStaysUsable) {
  auto ref = node_->Ref<Counter>("t");
  auto failed = node_->Run([&] { return ref.Call(&Counter::Fail, std::string("boom")); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), orbit::ErrorCode::kAborted);
  EXPECT_EQ(failed.error().message(), "boom");
  auto ok = node_->Run([&] { return ref.Call(&Counter::Add, int64_t{5}, std::string("x")); });
  EXPECT_EQ(*ok, 5);
  EXPECT_EQ(g_activations.load(), 1);
}

TEST_F(ActorTest, CallTimeoutAndTheActorRecovers) {
  auto ref = node_->Ref<Counter>("slow");
  auto timed_out = node_->Run([&] { return ref.WithTimeout(50ms).Call(&Counter::Hang, int64_t{400}); });
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code(), orbit::ErrorCode::kDeadlineExceeded);
  auto later = node_->Run([&] { return ref.Call(&Counter::Get); });
  EXPECT_TRUE(later.ok());
}

TEST_F(ActorTest, MailboxIsBounded) {
  orbit::NodeOptions options;
  options.mailbox_capacity = 3;
  Reopen(options);
  std::atomic<int> exhausted{0}, ok{0};
  node_->Run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    std::atomic<int> done{0};
    for (int i = 0; i < 10; ++i) {
      asio::co_spawn(ex, [&]() -> Task<void> {
        auto r = co_await node_->Ref<Counter>("busy").Call(&Counter::Hang, int64_t{20});
        if (r.ok()) ++ok;
        else if (r.error().code() == orbit::ErrorCode::kResourceExhausted) ++exhausted;
        ++done;
      }, asio::detached);
    }
    while (done < 10) co_await Sleep(1ms);
  });
  EXPECT_GT(exhausted.load(), 0);
  EXPECT_GE(ok.load(), 3);
  EXPECT_EQ(ok.load() + exhausted.load(), 10);
}

TEST_F(ActorTest, StatePersistsAcrossDeactivationAndRestart) {
  auto ref = node_->Ref<Counter>("acct");
  ASSERT_TRUE(node_->Run([&] { return ref.Call(&Counter::Add, int64_t{7}, std::string("a")); }).ok());
  ASSERT_TRUE(node_->Run([&] { return ref.Call(&Counter::Save); }).ok());
  // Explicit deactivation saves and drops the activation; the next call reloads.
  auto deactivated = node_->Run([&] { return node_->runtime().Deactivate({"Counter", "acct"}); });
  ASSERT_TRUE(deactivated.ok());
  EXPECT_TRUE(*deactivated);
  EXPECT_EQ(g_deactivations.load(), 1);
  ASSERT_TRUE(node_->Run([&] { return ref.Call(&Counter::Add, int64_t{1}, std::string("b")); }).ok());
  EXPECT_EQ(g_activations.load(), 2);
  // Shutdown deactivates and saves (the +1 was never saved explicitly).
  Reopen();
  auto v = node_->Run([&] { return node_->Ref<Counter>("acct").Call(&Counter::Get); });
  EXPECT_EQ(*v, 8);
}

TEST_F(ActorTest, OlderStateRecordsGainNewFieldsAtDefaults) {
  // A record written before `log` existed: only `value`.
  node_->Run([&]() -> Task<void> { co_return; });
  node_.reset();
  {
    auto engine = orbit::storage::Engine::Open({.path = (dir_ / "db").string()});
    ASSERT_TRUE(engine.ok());
    orbit::storage::WriteBatch batch(**engine);
    batch.Put(orbit::storage::ColumnFamily::kActors, orbit::actor::StateKey({"Counter", "old"}),
              orbit::actor::EncodeState(1, nlohmann::json{{"value", 41}}));
    ASSERT_TRUE((*engine)->Write(batch).ok());
  }
  Open();
  auto v = node_->Run([&] { return node_->Ref<Counter>("old").Call(&Counter::Add, int64_t{1}, std::string("x")); });
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(*v, 42);
}

TEST_F(ActorTest, IdleActivationsAreCollected) {
  orbit::NodeOptions options;
  options.idle_timeout = 50ms;
  options.collection_interval = 20ms;
  Reopen(options);
  ASSERT_TRUE(node_->Run([&] { return node_->Ref<Counter>("idle").Call(&Counter::Get); }).ok());
  for (int i = 0; i < 100 && g_deactivations.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(g_deactivations.load(), 1);
  auto stats = node_->Run([&] { return node_->runtime().Stats(); });
  EXPECT_EQ(stats["Counter"].active, 0u);
}

TEST_F(ActorTest, TimersRunAsTurnsAndStopWithDeactivation) {
  auto ref = node_->Ref<Ticker>("t");
  ASSERT_TRUE(node_->Run([&] { return ref.Call(&Ticker::StartTicking); }).ok());
  for (int i = 0; i < 200 && g_timer_ticks.load() < 3; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_GE(g_timer_ticks.load(), 3);
  ASSERT_TRUE(node_->Run([&] { return node_->runtime().Deactivate({"Ticker", "t"}); }).ok());
  int after = g_timer_ticks.load();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(g_timer_ticks.load(), after);
}

TEST_F(ActorTest, RemindersFireAfterRestart) {
  auto ref = node_->Ref<Ticker>("r");
  ASSERT_TRUE(node_->Run([&] { return ref.Call(&Ticker::Remind, int64_t{300}); }).ok());
  Reopen();  // before it is due
  EXPECT_EQ(g_reminders.load(), 0);
  for (int i = 0; i < 300 && g_reminders.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(g_reminders.load(), 1);
  // One-shot: gone after it ran, also from storage.
  std::this_thread::sleep_for(50ms);
  Reopen();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(g_reminders.load(), 1);
}

TEST_F(ActorTest, CallsFromOutsideAShardAreRefused) {
  auto ref = node_->Ref<Greeter>("x");
  // Node::Run hops onto a shard; a call awaited on a plain thread pool is refused.
  asio::thread_pool pool(1);
  auto r = asio::co_spawn(pool, [&]() -> Task<std::optional<orbit::Result<std::string>>> {
    co_return co_await ref.Call(&Greeter::Greet, std::string("a"));
  }, asio::use_future).get();
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().code(), orbit::ErrorCode::kInternal);
}

}  // namespace

namespace {

TEST_F(ActorTest, QueuedCallIsDroppedWhenItsCallerGoesAway) {
  auto& rt = node_->runtime();
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  orbit::Result<nlohmann::json> second = orbit::Error(orbit::ErrorCode::kInternal, "not run");
  node_->Run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    int done = 0;
    // The first call holds the actor's turn; the second waits behind it.
    asio::co_spawn(ex, [&]() -> Task<void> {
      orbit::ActorId id{"Counter", "c"};
      (void)co_await rt.Invoke(id, "Hang", nlohmann::json(100));
      ++done;
    }, asio::detached);
    asio::co_spawn(ex, [&]() -> Task<void> {
      orbit::ActorId id{"Counter", "c"};
      nlohmann::json args = nlohmann::json::array();
      args.push_back(1);
      args.push_back("x");
      auto r = co_await rt.Invoke(id, "Add", args, 0ms, cancelled);
      second = std::move(r);
      ++done;
    }, asio::detached);
    co_await Sleep(20ms);
    cancelled->store(true);  // e.g. the gRPC client cancelled
    while (done < 2) co_await Sleep(1ms);
  });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), orbit::ErrorCode::kCancelled);
  auto v = node_->Run([&] { return node_->Ref<Counter>("c").Call(&Counter::Get); });
  EXPECT_EQ(*v, 0);  // the dropped Add never ran
}

}  // namespace

TEST_F(ActorTest, ASuspendedTurnDoesNotHoldUpOtherActorsOnItsShard) {
  // One shard: every actor shares its runners. Gated/g suspends inside its turn
  // until the gate opens; calls to other actors must still run meanwhile.
  orbit::NodeOptions one_shard;
  one_shard.threads = 1;
  Reopen(one_shard);
  auto out = node_->Run([&]() -> Task<std::vector<std::string>> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer gate(ex, asio::steady_timer::time_point::max());
    asio::steady_timer gated_done(ex, asio::steady_timer::time_point::max());
    Gated::gate = &gate;
    std::optional<orbit::Result<int64_t>> gated;
    auto call_gated = [&]() -> Task<void> {  // a named closure: it must outlive the coroutine
      gated.emplace(co_await node_->Ref<Gated>("g").Call(&Gated::Wait));
      gated_done.cancel();
    };
    asio::co_spawn(ex, call_gated(), asio::detached);
    std::vector<std::string> replies;
    for (int i = 0; i < 50; ++i) {
      auto r = co_await node_->Ref<Greeter>("k" + std::to_string(i)).WithTimeout(5s).Call(&Greeter::Greet, std::string("x"));
      if (!r.ok()) {
        replies.push_back(r.error().ToString());
        break;
      }
    }
    replies.push_back(gated ? "gated finished early" : "gated still waiting");
    gate.cancel();
    if (!gated) co_await gated_done.async_wait(asio::as_tuple(asio::use_awaitable));
    replies.push_back(gated && gated->ok() ? "gated ok" : "gated failed");
    co_return replies;
  });
  EXPECT_EQ(out, (std::vector<std::string>{"gated still waiting", "gated ok"}));
}

TEST(ActorDirectoryTest, FindsInsertsAndErasesAcrossParts) {
  orbit::TypeInfo type;
  type.name = "T";
  orbit::actor::Directory dir;
  std::vector<orbit::actor::ActivationPtr> acts;
  auto id_of = [](int i) { return orbit::ActorId{"T", std::to_string(i)}; };
  for (int i = 0; i < 5000; ++i) {
    auto id = id_of(i);
    acts.emplace_back(new orbit::actor::Activation(id, type, 0));
    dir.Insert(acts.back(), orbit::ActorIdHash{}(id));
  }
  EXPECT_EQ(dir.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    auto id = id_of(i);
    ASSERT_EQ(dir.Find(id, orbit::ActorIdHash{}(id)), acts[i].get()) << i;
  }
  orbit::ActorId missing{"T", "missing"};
  EXPECT_EQ(dir.Find(missing, orbit::ActorIdHash{}(missing)), nullptr);
  for (int i = 0; i < 5000; i += 2) dir.Erase(*acts[i]);
  // Erasing a stale activation of a live identity leaves the live one.
  orbit::actor::Activation stale(id_of(1), type, 0);
  dir.Erase(stale);
  EXPECT_EQ(dir.size(), 2500u);
  size_t seen = 0;
  dir.ForEach([&](const orbit::actor::ActivationPtr& act) {
    ++seen;
    EXPECT_EQ(std::stoi(act->id.key) % 2, 1);
  });
  EXPECT_EQ(seen, 2500u);
  auto one = id_of(1), two = id_of(2);
  EXPECT_EQ(dir.Find(one, orbit::ActorIdHash{}(one)), acts[1].get());
  EXPECT_EQ(dir.Find(two, orbit::ActorIdHash{}(two)), nullptr);
}

TEST(ActorKeyTest, KeyIsCanonicalAgreesWithCanonicalKey) {
  using orbit::KeyKind;
  std::vector<std::pair<KeyKind, std::string>> cases = {
      {KeyKind::kInt64, "0"},      {KeyKind::kInt64, "-0"},   {KeyKind::kInt64, "7"},
      {KeyKind::kInt64, "007"},    {KeyKind::kInt64, "-12"},  {KeyKind::kInt64, "-012"},
      {KeyKind::kInt64, "+5"},     {KeyKind::kInt64, ""},     {KeyKind::kInt64, "1x"},
      {KeyKind::kInt64, "9223372036854775807"},               {KeyKind::kInt64, "9223372036854775808"},
      {KeyKind::kInt64, "-9223372036854775808"},              {KeyKind::kNone, ""},
      {KeyKind::kNone, "a"},       {KeyKind::kString, "any key"},
      {KeyKind::kString, std::string(1025, 'k')},
      {KeyKind::kUuid, "123e4567-e89b-12d3-a456-426614174000"},
      {KeyKind::kUuid, "123E4567-E89B-12D3-A456-426614174000"},
      {KeyKind::kUuid, "123e4567e89b12d3a456426614174000"},
      {KeyKind::kUuid, "123e4567-e89b-12d3-a456-42661417400g"},
  };
  for (const auto& [kind, key] : cases) {
    auto canonical = orbit::CanonicalKey(kind, key);
    bool unchanged = canonical.ok() && *canonical == key;
    EXPECT_EQ(orbit::KeyIsCanonical(kind, key), unchanged) << orbit::KeyKindName(kind) << " '" << key << "'";
  }
}

TEST_F(ActorTest, ATurnThatThrowsANonStandardExceptionStillEnds) {
  // OnReminder runs as a turn; `throw 42` is not a std::exception, so only the
  // runner can catch it. The actor's turn must be released for the next call.
  g_thrower_reminders = 0;
  auto armed = node_->Run([&]() -> Task<orbit::Result<bool>> { co_return co_await node_->Ref<Thrower>("t").Call(&Thrower::Arm); });
  ASSERT_TRUE(armed.ok() && *armed) << (armed.ok() ? "not armed" : armed.error().ToString());
  for (int i = 0; i < 500 && g_thrower_reminders.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(g_thrower_reminders.load(), 1);
  auto ping = node_->Run([&]() -> Task<orbit::Result<int64_t>> {
    co_return co_await node_->Ref<Thrower>("t").WithTimeout(3s).Call(&Thrower::Ping);
  });
  ASSERT_TRUE(ping.ok()) << ping.error().ToString();
  EXPECT_EQ(*ping, 7);
}

TEST_F(ActorTest, AlwaysInterleaveMethodRunsDuringATurnOthersWait) {
  orbit::NodeOptions one_shard;
  one_shard.threads = 1;
  Reopen(one_shard);
  g_mixed_log.clear();
  auto out = node_->Run([&]() -> Task<std::vector<std::string>> {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer gate(ex, asio::steady_timer::time_point::max());
    asio::steady_timer both_done(ex, asio::steady_timer::time_point::max());
    Mixed::gate = &gate;
    auto ref = node_->Ref<Mixed>("a");
    std::optional<orbit::Result<int64_t>> slow, bump;
    int finished = 0;
    auto call_slow = [&]() -> Task<void> {
      slow.emplace(co_await ref.Call(&Mixed::Slow));
      if (++finished == 2) both_done.cancel();
    };
    auto call_bump = [&]() -> Task<void> {
      bump.emplace(co_await ref.Call(&Mixed::Bump));
      if (++finished == 2) both_done.cancel();
    };
    asio::co_spawn(ex, call_slow(), asio::detached);  // holds the turn until the gate opens
    asio::co_spawn(ex, call_bump(), asio::detached);  // waits for that turn
    auto peek = co_await ref.WithTimeout(2s).Call(&Mixed::Peek);  // does not wait
    std::vector<std::string> seen;
    seen.push_back(peek.ok() ? "peek " + std::to_string(*peek) : peek.error().ToString());
    seen.push_back(slow || bump ? "a turn ended early" : "both still waiting");
    gate.cancel();
    if (finished < 2) co_await both_done.async_wait(asio::as_tuple(asio::use_awaitable));
    seen.push_back(slow && slow->ok() ? "slow " + std::to_string(**slow) : "slow failed");
    seen.push_back(bump && bump->ok() ? "bump " + std::to_string(**bump) : "bump failed");
    co_return seen;
  });
  EXPECT_EQ(out, (std::vector<std::string>{"peek 0", "both still waiting", "slow 1", "bump 2"}));
  EXPECT_EQ(g_mixed_log, (std::vector<std::string>{"slow done", "bump"}));
  const orbit::MethodInfo* peek = node_->runtime().registry().Find("Mixed")->FindMethod("Peek");
  ASSERT_NE(peek, nullptr);
  EXPECT_TRUE(peek->interleave);
}

TEST_F(ActorTest, AlwaysInterleaveCallBackIsNotACycle) {
  // x.Relay -> y.Ask -> x.Peek: Peek interleaves, so calling x back is fine.
  // The same chain ending in x.Bump (not interleaving) is a cycle.
  auto peeked = node_->Run([&]() -> Task<orbit::Result<int64_t>> {
    co_return co_await node_->Ref<Mixed>("x").Call(&Mixed::Relay, std::string("y"), true);
  });
  ASSERT_TRUE(peeked.ok()) << peeked.error().ToString();
  EXPECT_EQ(*peeked, 0);
  auto bumped = node_->Run([&]() -> Task<orbit::Result<int64_t>> {
    co_return co_await node_->Ref<Mixed>("x").Call(&Mixed::Relay, std::string("y"), false);
  });
  ASSERT_FALSE(bumped.ok());
  EXPECT_NE(bumped.error().message().find("call cycle"), std::string::npos) << bumped.error().ToString();
}

TEST_F(ActorTest, TypedCallTimeoutNamesTheMethod) {
  auto r = node_->Run([&]() -> Task<orbit::Result<void>> {
    co_return co_await node_->Ref<Counter>("slow").WithTimeout(50ms).Call(&Counter::Hang, int64_t{500});
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), orbit::ErrorCode::kDeadlineExceeded);
  EXPECT_NE(r.error().message().find("Counter/slow.Hang"), std::string::npos) << r.error().ToString();
}
