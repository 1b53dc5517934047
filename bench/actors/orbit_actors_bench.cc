// Orbit's side of bench/actors: (a) ping-pong between actor pairs and fan-out to
// 10,000 actors, in messages per second (a call and its reply are 2 messages,
// as in caf_actors_bench.cc); (b) activations per second and memory per idle
// actor with --actors N distinct actors. Prints "name value unit" lines.
//
//   orbit_actors_bench [--pairs P] [--rounds N] [--fanout F] [--actors A] [--window W] [--threads T]

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "orbit/node.h"

namespace {

using orbit::Task;
namespace asio = orbit::asio;

class Pong : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Pong";
  Task<int64_t> Ping(int64_t x) { co_return x + 1; }
};

class Pinger : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Pinger";
  // n sequential request/reply exchanges with Pong(key).
  Task<int64_t> Run(int64_t n) {
    auto pong = Ref<Pong>(key());
    int64_t x = 0;
    for (int64_t i = 0; i < n; ++i) {
      auto r = co_await pong.Call(&Pong::Ping, x);
      if (!r.ok()) throw std::runtime_error(r.error().ToString());
      x = *r;
    }
    co_return x;
  }
};

class Worker : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Worker";
  Task<int64_t> Work(int64_t x) { co_return x; }
};

void Register(orbit::ActorRegistry& r) {
  r.Add<Pong>().Method("Ping", &Pong::Ping, {"x"});
  r.Add<Pinger>().Method("Run", &Pinger::Run, {"n"});
  r.Add<Worker>().Key(orbit::KeyKind::kInt64).Method("Work", &Worker::Work, {"x"});
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

long RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Runs `count` calls made by make(i), `window` at a time, from the current
// shard: `window` coroutines each make calls one after another, as a server
// with that many concurrent clients would. Returns the number that failed.
template <typename MakeCall>
Task<int64_t> RunWindowed(int64_t count, int64_t window, MakeCall make) {
  auto ex = co_await asio::this_coro::executor;
  int64_t next = 0, failed = 0, running = 0;
  asio::steady_timer finished(ex, std::chrono::steady_clock::time_point::max());
  auto worker = [&]() -> Task<void> {
    while (next < count) {
      auto r = co_await make(next++);
      if (!r.ok()) ++failed;
    }
    if (--running == 0) finished.cancel();
  };
  running = std::min(window, count);
  for (int64_t w = 0, n = running; w < n; ++w) asio::co_spawn(ex, worker(), asio::detached);
  if (running > 0) co_await finished.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return failed;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t pairs = 64, rounds = 20000, fanout = 10000, fanout_rounds = 20, actors = 1'000'000, window = 1024;
  size_t threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t v = std::atoll(argv[i + 1]);
    if (flag == "--pairs") pairs = v;
    else if (flag == "--rounds") rounds = v;
    else if (flag == "--fanout") fanout = v;
    else if (flag == "--fanout-rounds") fanout_rounds = v;
    else if (flag == "--actors") actors = v;
    else if (flag == "--threads") threads = static_cast<size_t>(v);
    else if (flag == "--window") window = v;
  }
  auto dir = std::filesystem::temp_directory_path() / ("orbit-actors-bench-" + std::to_string(::getpid()));
  orbit::NodeOptions options;
  options.data_dir = dir.string();
  options.threads = threads;
  options.mailbox_capacity = 1'000'000;
  auto started = orbit::Node::Start(options, Register);
  if (!started.ok()) {
    std::fprintf(stderr, "%s\n", started.error().ToString().c_str());
    return 1;
  }
  orbit::Node& node = **started;

  // (a) ping-pong: `pairs` pairs at once, each `rounds` sequential exchanges.
  auto t0 = std::chrono::steady_clock::now();
  int64_t failed = node.Run([&]() -> Task<int64_t> {
    co_return co_await RunWindowed(pairs, pairs, [&](int64_t i) {
      return node.Ref<Pinger>("p" + std::to_string(i)).Call(&Pinger::Run, rounds);
    });
  });
  double s = Seconds(t0);
  std::printf("pingpong_msgs_per_s %.0f msg/s (%lld pairs x %lld exchanges, %.2f s, %lld failed)\n",
              2.0 * pairs * rounds / s, (long long)pairs, (long long)rounds, s, (long long)failed);

  // (a) fan-out: one driver calls `fanout` actors at once, `fanout_rounds` times
  // (the first round activates them and is not timed).
  auto fan = [&](int64_t) {
    return node.Run([&]() -> Task<int64_t> {
      co_return co_await RunWindowed(fanout, fanout, [&](int64_t i) {
        return node.Ref<Worker>(i).Call(&Worker::Work, i);
      });
    });
  };
  failed = fan(0);
  t0 = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < fanout_rounds; ++r) failed += fan(r);
  s = Seconds(t0);
  std::printf("fanout_msgs_per_s %.0f msg/s (%lld actors x %lld rounds, %.2f s, %lld failed)\n",
              2.0 * fanout * fanout_rounds / s, (long long)fanout, (long long)fanout_rounds, s, (long long)failed);

  // (b) activations: `actors` new actors. Calls come from every shard, as a
  // server's connections do: each shard's driver activates its share of the
  // keys with `window` / shards calls in flight.
  long rss_before = RssBytes();
  std::atomic<int64_t> activation_failures{0};
  t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> drivers;
    int64_t shards = static_cast<int64_t>(node.shards());
    for (int64_t shard = 0; shard < shards; ++shard) {
      drivers.emplace_back([&, shard] {
        int64_t lo = actors * shard / shards, hi = actors * (shard + 1) / shards;
        activation_failures += node.Run([&]() -> Task<int64_t> {
          co_return co_await RunWindowed(hi - lo, std::max<int64_t>(1, window / shards), [&](int64_t i) {
            return node.Ref<Worker>(1'000'000'000 + lo + i).Call(&Worker::Work, i);
          });
        }, static_cast<size_t>(shard));
      });
    }
    for (auto& d : drivers) d.join();
  }
  failed = activation_failures.load();
  s = Seconds(t0);
  long rss_after = RssBytes();
  std::printf("activations_per_s %.0f act/s (%lld actors, %lld calls in flight, %.2f s, %lld failed)\n", actors / s,
              (long long)actors, (long long)window, s, (long long)failed);
  std::printf("bytes_per_idle_actor %.0f B (RSS %+.1f MiB for %lld active, idle actors)\n",
              double(rss_after - rss_before) / actors, (rss_after - rss_before) / 1048576.0, (long long)actors);
  node.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
