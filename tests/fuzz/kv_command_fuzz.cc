// Fuzzes the Redis command handlers: each input is a script of commands (one
// per line, arguments separated by spaces, as redis-cli reads them), run through
// Keyspace::Execute on real shards over a real RocksDB. Handlers parse their
// arguments and stored values (HyperLogLog strings, geohash scores, bitfields)
// written by earlier commands, so any byte sequence must give a reply, never a
// crash. Commands that block, stop or pause the server are skipped.

#include <boost/asio/use_future.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "common/metrics.h"
#include "kv/command.h"
#include "kv/keyspace.h"
#include "storage/engine.h"

namespace {

using namespace orbit;  // NOLINT: fuzz target

struct Server {
  Server() {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("orbit-kv-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    static std::string path = dir.string();
    std::atexit([] { std::filesystem::remove_all(path); });
    storage::EngineOptions options;
    options.path = dir.string();
    options.durability = storage::Durability::kGroupCommit;
    auto opened = storage::Engine::Open(options);
    if (!opened.ok()) std::abort();
    engine = std::move(opened).value();
    shards = std::make_unique<runtime::ShardSet>(2);
    shards->Start();
    keyspace = std::make_unique<kv::Keyspace>(*shards, *engine, metrics, kv::KeyspaceOptions{});
    if (!keyspace->Load().ok()) std::abort();
    client.id = 1;
    client.authenticated = true;
  }

  bool Skipped(std::string_view name) {
    const kv::CommandSpec* spec = keyspace->commands().Find(name);
    if (spec == nullptr) return false;
    // Pub/sub needs a connection to push to; PFSELFTEST is slow by design.
    return (spec->flags & (kv::kBlocking | kv::kPubSub)) || spec->name == "shutdown" || spec->name == "client" ||
           spec->name == "publish" || spec->name == "pfselftest";
  }

  void Run(const std::vector<std::string>& argv) {
    if (argv.empty() || Skipped(argv[0])) return;
    std::string out;
    auto done = asio::co_spawn(
        shards->shard(0).executor(),
        [&]() -> Task<void> {
          std::vector<std::string_view> args(argv.begin(), argv.end());
          protocol::resp::ReplyBuilder reply(out, client.protocol);
          co_await keyspace->Execute(client, args, reply);
          (void)co_await keyspace->AwaitDurable(client);
        },
        asio::use_future);
    done.get();
    // Exactly one reply (possibly dropped by CLIENT REPLY, which is skipped here).
    if (out.empty()) std::abort();
  }

  metrics::Registry metrics;
  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<runtime::ShardSet> shards;
  std::unique_ptr<kv::Keyspace> keyspace;
  protocol::resp::ClientState client;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = new Server();  // lives for the process, like the fuzzer
  std::string_view input(reinterpret_cast<const char*>(data), size);
  server->Run({"RESET"});  // leaves MULTI, database and protocol of the last input
  server->Run({"FLUSHALL"});
  size_t lines = 0;
  while (!input.empty() && lines++ < 200) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    std::vector<std::string> argv;
    size_t i = 0;
    while (i < line.size()) {
      size_t sp = line.find(' ', i);
      if (sp == std::string_view::npos) sp = line.size();
      if (sp > i) argv.emplace_back(line.substr(i, sp - i));
      i = sp + 1;
    }
    // Values big enough to exhaust memory (SETBIT 4294967295, huge counts) are
    // Redis's own limits, not bugs: keep arguments short so inputs stay cheap.
    bool huge = false;
    for (auto& a : argv) huge |= a.size() > 64 || (a.size() >= 7 && a.find_first_not_of("0123456789-") == std::string::npos);
    if (!huge) server->Run(argv);
  }
  return 0;
}
