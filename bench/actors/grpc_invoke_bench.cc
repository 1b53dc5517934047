// gRPC load for bench/actors (c): `--concurrency` threads share one channel (so
// as many concurrent HTTP/2 streams) and call orbit.v1.ActorService/Invoke on
// Greeter.Greet for `--seconds`; prints calls/s and latency percentiles.
//
//   grpc_invoke_bench --target 127.0.0.1:50051 [--concurrency 16] [--seconds 10] [--keys 1000]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "orbit/v1/actors.grpc.pb.h"

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:50051";
  int concurrency = 16, seconds = 10, keys = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--target") target = argv[i + 1];
    else if (flag == "--concurrency") concurrency = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    else if (flag == "--keys") keys = std::atoi(argv[i + 1]);
  }
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = orbit::v1::ActorService::NewStub(channel);
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<std::thread> threads;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      orbit::v1::InvokeRequest req;
      req.set_type("Greeter");
      req.set_method("Greet");
      req.set_json("\"bench\"");
      for (long i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        req.set_key("g" + std::to_string((t * 7919 + i) % keys));
        orbit::v1::InvokeResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        auto start = std::chrono::steady_clock::now();
        auto status = stub->Invoke(&ctx, req, &resp);
        latencies[t].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (!status.ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(p * all.size()))]; };
  std::printf("grpc_invoke_calls_per_s %.0f calls/s (%zu calls, %d concurrent, %ld errors)\n", all.size() / double(seconds),
              all.size(), concurrency, errors.load());
  std::printf("grpc_invoke_p50_ms %.3f ms\ngrpc_invoke_p99_ms %.3f ms\n", pct(0.50), pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
