// Fuzzes the RESP request parser: any bytes parse into commands, a need-more
// answer, or a protocol error; never a crash, an overread or a bogus length.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp/resp_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orbit::protocol::resp;  // NOLINT: fuzz target
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParserLimits limits;
  limits.max_bulk_len = 1 << 16;
  std::vector<std::string_view> args;
  std::vector<std::string> storage;
  while (!input.empty()) {
    ParseResult r = ParseCommand(input, limits, args, storage);
    if (r.status == ParseStatus::kNeedMore) {
      if (r.need <= input.size()) std::abort();  // must ask for more than it has
      break;
    }
    if (r.status == ParseStatus::kError) break;
    if (r.consumed == 0 || r.consumed > input.size()) std::abort();
    for (auto a : args) {
      bool inside = a.data() >= input.data() && a.data() + a.size() <= input.data() + input.size();
      bool stored = false;
      for (const auto& s : storage) stored |= a.data() == s.data();
      if (!inside && !stored && !a.empty()) std::abort();
    }
    input.remove_prefix(r.consumed);
  }
  return 0;
}
