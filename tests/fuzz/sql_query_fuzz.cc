// Fuzzes the SQL path end to end: any query string is parsed by libpg_query
// (behind Orbit's nesting guard), bound, planned and run by sql::Session on a
// real RocksDB engine in a temporary directory, and answered with well-formed
// PostgreSQL messages (each one's length matches its bytes); never a crash.
// Seeds: tests/sql/*.test work as they are (their SQL lines parse, the rest
// is a syntax error).

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <unistd.h>
#include <string>
#include <string_view>

#include "glue/pg/pg_glue.h"
#include "protocol/pg/pg_codec.h"
#include "storage/engine.h"

namespace {

orbit::sql::Database& Db() {
  static std::unique_ptr<orbit::storage::Engine> engine = [] {
    std::string dir = std::filesystem::temp_directory_path() / ("orbit-fuzz-sql-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    orbit::storage::EngineOptions options;
    options.path = dir;
    options.durability = orbit::storage::Durability::kGroupCommit;
    auto opened = orbit::storage::Engine::Open(options);
    if (!opened.ok()) std::abort();
    return std::move(opened.value());
  }();
  static orbit::sql::Database db(*engine);
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orbit;  // NOLINT: fuzz target
  std::string sql(reinterpret_cast<const char*>(data), size);
  sql = sql.substr(0, sql.find('\0'));  // a Query message's string ends at its NUL
  std::string out;
  protocol::pg::MessageWriter w(out);
  sql::Session session(Db());  // a fresh session per input: no transaction leaks between inputs
  char status = glue::RunSimpleQuery(session, sql, w);
  if (status != 'I' && status != 'T' && status != 'E') std::abort();
  // The reply is a sequence of complete backend messages.
  std::string_view rest(out);
  protocol::pg::Limits limits;
  while (!rest.empty()) {
    protocol::pg::Message m;
    auto r = protocol::pg::ParseMessage(rest, limits, m);
    if (r.status != protocol::pg::Status::kOk) std::abort();
    rest.remove_prefix(r.consumed);
  }
  if (out.empty()) std::abort();  // every query string gets an answer
  return 0;
}
