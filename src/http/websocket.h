#pragma once

// WebSocket (RFC 6455) for the HTTP listener: the opening handshake's accept key,
// a pure frame codec (fuzzed: tests/fuzz/websocket_frame_fuzz.cc), and a small
// session over a runtime::Connection that reassembles fragmented messages,
// answers pings and completes the closing handshake.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/connection.h"

namespace orbit::http {

// base64(SHA-1(key + the RFC 6455 GUID)), the Sec-WebSocket-Accept value.
std::string WebSocketAccept(std::string_view key);

enum class WsOpcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

struct WsFrame {
  bool fin = true;
  WsOpcode opcode = WsOpcode::kText;
  std::string payload;  // unmasked
};

struct WsParse {
  size_t consumed = 0;  // 0: need more bytes (unless error_code is set)
  uint16_t error_code = 0;  // a close code (1002 protocol error, 1009 too big) when the input is invalid
  std::string error;
};

// Parses one client frame from `data`: clients must mask, reserved bits must be
// clear, control frames are final and at most 125 bytes, payloads at most `max_payload`.
WsParse ParseWsFrame(std::string_view data, size_t max_payload, WsFrame& out);
// A server frame (unmasked, final).
std::string EncodeWsFrame(WsOpcode opcode, std::string_view payload);
std::string EncodeWsClose(uint16_t code, std::string_view reason);

// One WebSocket connection after the handshake. Read() returns whole text or
// binary messages; pings are answered and a close is echoed along the way.
class WebSocket {
 public:
  WebSocket(std::shared_ptr<runtime::Connection> connection, std::string buffered, size_t max_message);

  struct Message {
    bool binary = false;
    std::string data;
  };
  // The next message; kUnavailable when the peer closed (or the connection ended).
  Task<Result<Message>> Read();
  // Queues a text message and sends it.
  Task<Status> SendText(std::string_view text);
  // Sends from outside the reading coroutine (must run on the connection's executor).
  void PushText(std::string_view text);
  Task<void> Close(uint16_t code, std::string_view reason);
  runtime::Connection& connection() { return *connection_; }

 private:
  std::shared_ptr<runtime::Connection> connection_;
  std::string in_;
  size_t max_message_;
  bool close_sent_ = false;
};

}  // namespace orbit::http
