// Child process of crash_test: commits numbered transactions forever and prints
// "ack N" after each commit returns. Each transaction N writes one row in `rows`,
// one in `kv` and the `meta` high-water mark, so a half-applied transaction is
// detectable. Usage: orbit_crash_writer <db-path> <first-N>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/engine.h"
#include "storage/key_codec.h"
#include "storage/transaction.h"

using namespace orbit::storage;  // NOLINT: small test program

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <db-path> <first-N>\n", argv[0]);
    return 2;
  }
  EngineOptions options;
  options.path = argv[1];
  options.durability = Durability::kSync;
  auto engine = Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.error().ToString().c_str());
    return 1;
  }
  for (int64_t n = std::atoll(argv[2]);; ++n) {
    auto txn = (*engine)->Begin();
    std::string key = KeyEncoder().AddString("txn").AddInt(n).Release();
    std::string value = std::to_string(n) + std::string(200, 'x');  // some WAL volume
    bool ok = txn->Put(ColumnFamily::kRows, key, value).ok() && txn->Put(ColumnFamily::kKv, key, value).ok() &&
              txn->Put(ColumnFamily::kMeta, "last", std::to_string(n)).ok();
    auto committed = ok ? txn->Commit() : orbit::Status(orbit::Error(orbit::ErrorCode::kInternal, "put failed"));
    if (!committed.ok()) {
      std::fprintf(stderr, "commit %lld: %s\n", static_cast<long long>(n), committed.error().ToString().c_str());
      return 1;
    }
    std::string ack = "ack " + std::to_string(n) + "\n";
    if (::write(STDOUT_FILENO, ack.data(), ack.size()) < 0) return 1;
  }
}
