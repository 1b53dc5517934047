// The C++ Actor Framework (Debian libcaf-dev 0.17) side of bench/actors: the same
// ping-pong and fan-out workloads as orbit_actors_bench.cc, with CAF's
// request/response (a request and its reply are 2 messages).
//
//   caf_actors_bench [--pairs P] [--rounds N] [--fanout F] [--fanout-rounds R] [--threads T]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "caf/all.hpp"

namespace {

caf::behavior Pong(caf::event_based_actor*) {
  return {[](int64_t x) { return x + 1; }};
}

// `left` sequential request/reply exchanges with `pong`, then tells `done`.
void PingLoop(caf::event_based_actor* self, caf::actor pong, int64_t left, int64_t x, caf::actor done) {
  if (left == 0) {
    self->send(done, x);
    self->quit();
    return;
  }
  self->request(pong, caf::infinite, x).then([=](int64_t y) { PingLoop(self, pong, left - 1, y, done); });
}

caf::behavior Pinger(caf::event_based_actor* self, caf::actor pong, int64_t rounds, caf::actor done) {
  PingLoop(self, pong, rounds, 0, done);
  return {[](int64_t) {}};
}

caf::behavior Worker(caf::event_based_actor*) {
  return {[](int64_t x) { return x; }};
}

// Sends one message to every worker and tells `done` when all replied. Plain
// sends with a counting behavior: CAF 0.17 keeps pending request handlers in a
// list it scans per reply, which makes 10,000 outstanding request().then()
// quadratic; this is the form a CAF user would pick for fan-out.
caf::behavior FanOut(caf::event_based_actor* self, std::vector<caf::actor> workers, caf::actor done) {
  auto replies = std::make_shared<size_t>(0);
  for (size_t i = 0; i < workers.size(); ++i) self->send(workers[i], static_cast<int64_t>(i));
  return {[=](int64_t) {
    if (++*replies == workers.size()) {
      self->send(done, int64_t{0});
      self->quit();
    }
  }};
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t pairs = 64, rounds = 20000, fanout = 10000, fanout_rounds = 20;
  size_t threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t v = std::atoll(argv[i + 1]);
    if (flag == "--pairs") pairs = v;
    else if (flag == "--rounds") rounds = v;
    else if (flag == "--fanout") fanout = v;
    else if (flag == "--fanout-rounds") fanout_rounds = v;
    else if (flag == "--threads") threads = static_cast<size_t>(v);
  }
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", threads);
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};

  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < pairs; ++i) {
    auto pong = system.spawn(Pong);
    system.spawn(Pinger, pong, rounds, caf::actor{self});
  }
  for (int64_t i = 0; i < pairs; ++i) self->receive([](int64_t) {});
  double s = Seconds(t0);
  std::printf("pingpong_msgs_per_s %.0f msg/s (%lld pairs x %lld exchanges, %.2f s)\n", 2.0 * pairs * rounds / s,
              (long long)pairs, (long long)rounds, s);

  std::vector<caf::actor> workers;
  for (int64_t i = 0; i < fanout; ++i) workers.push_back(system.spawn(Worker));
  system.spawn(FanOut, workers, caf::actor{self});  // warm-up round, as Orbit's activation round
  self->receive([](int64_t) {});
  t0 = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < fanout_rounds; ++r) {
    system.spawn(FanOut, workers, caf::actor{self});
    self->receive([](int64_t) {});
  }
  s = Seconds(t0);
  std::printf("fanout_msgs_per_s %.0f msg/s (%lld actors x %lld rounds, %.2f s)\n", 2.0 * fanout * fanout_rounds / s,
              (long long)fanout, (long long)fanout_rounds, s);
  for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  return 0;
}
