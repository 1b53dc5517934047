#pragma once

// HTTP/1.1 over a runtime::Connection: Beast's parser reads requests (with header
// and body size limits), the router answers, keep-alive and pipelined requests are
// served in order, and a graceful stop ends the session between requests.

#include <functional>
#include <memory>

#include "http/router.h"
#include "runtime/connection.h"

namespace orbit::http {

struct HttpLimits {
  size_t max_header_bytes = 16u << 10;
  size_t max_body_bytes = 1u << 20;
  // Called after each response (metrics, access log); may be empty.
  std::function<void(const Request&, int status, double seconds)> on_response;
};

Task<void> ServeHttp(std::shared_ptr<runtime::Connection> connection, const Router& router, HttpLimits limits);

// Parses one request from `data` (exposed for the fuzzer). Returns the number of
// bytes consumed, 0 if more input is needed, or an HTTP error status (>= 400) in
// `status` when the request is malformed or too large.
struct ParseResult {
  size_t consumed = 0;
  bool complete = false;
  int error_status = 0;
  bool keep_alive = true;
};
ParseResult ParseRequest(std::string_view data, const HttpLimits& limits, Request& out);

// Status 101 when `request` is a valid RFC 6455 opening handshake, else the
// error to answer with (405, 426 with Upgrade or Sec-WebSocket-Version, 400).
Response CheckWebSocketHandshake(const Request& request);

std::string SerializeResponse(const Response& response, bool head_only, bool keep_alive);

}  // namespace orbit::http
