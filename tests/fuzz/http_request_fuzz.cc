// Fuzzes the HTTP request parser (Beast underneath, our limits and field handling
// on top): no crash, no read past the input, consumed never exceeds the input.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/http_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  orbit::http::HttpLimits limits;
  limits.max_body_bytes = 4096;
  limits.max_header_bytes = 4096;
  while (!input.empty()) {
    orbit::http::Request request;
    auto r = orbit::http::ParseRequest(input, limits, request);
    if (r.consumed > input.size()) std::abort();
    if (!r.complete || r.error_status != 0 || r.consumed == 0) break;
    input.remove_prefix(r.consumed);  // pipelined requests
  }
  return 0;
}
