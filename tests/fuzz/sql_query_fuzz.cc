// Fuzzes the SQL front end's first slice: any query string is parsed by
// libpg_query (behind Orbit's nesting guard) and answered with well-formed
// PostgreSQL messages (each one's length matches its bytes); never a crash.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/pg/pg_codec.h"
#include "sql/simple_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orbit;  // NOLINT: fuzz target
  std::string sql(reinterpret_cast<const char*>(data), size);
  sql = sql.substr(0, sql.find('\0'));  // a Query message's string ends at its NUL
  std::string out;
  protocol::pg::MessageWriter w(out);
  sql::SimpleQueryRunner runner;
  runner.Run(sql, w);
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
