// Fuzzes the WebSocket frame parser: any bytes give a frame, a need-more answer
// or a close code; a parsed frame re-encodes (as a server frame) without trouble.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/websocket.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    orbit::http::WsFrame frame;
    auto parsed = orbit::http::ParseWsFrame(in, 1u << 16, frame);
    if (parsed.error_code != 0 || parsed.consumed == 0) break;
    if (parsed.consumed > in.size()) __builtin_trap();
    (void)orbit::http::EncodeWsFrame(frame.opcode, frame.payload);
    in.remove_prefix(parsed.consumed);
  }
  return 0;
}
