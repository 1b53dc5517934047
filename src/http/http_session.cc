#include "http/http_session.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "http/websocket.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

namespace orbit::http {
namespace beast_http = boost::beast::http;

ParseResult ParseRequest(std::string_view data, const HttpLimits& limits, Request& out) {
  ParseResult result;
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  size_t used = 0;
  while (!parser.is_done()) {
    if (used == data.size()) return result;  // incomplete: wait for more bytes
    size_t n = parser.put(asio::buffer(data.data() + used, data.size() - used), ec);
    used += n;
    // need_more: wait for more bytes. Beast requires that the next put() gets more
    // data than this one did, so never re-present the same bytes to this parser
    // (the next attempt starts a fresh parser on the grown buffer).
    if (ec == beast_http::error::need_more) return result;
    if (ec) {
      if (ec == beast_http::error::body_limit) result.error_status = 413;
      else if (ec == beast_http::error::header_limit) result.error_status = 431;
      else result.error_status = 400;
      return result;
    }
    if (n == 0) return result;  // no progress without more input
  }
  auto& msg = parser.get();
  out.method = std::string(msg.method_string());
  out.target = std::string(msg.target());
  auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  out.query = q == std::string::npos ? std::string() : out.target.substr(q + 1);
  out.headers.clear();
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(msg.body());
  result.consumed = used;
  result.complete = true;
  result.keep_alive = msg.keep_alive();
  return result;
}

std::string SerializeResponse(const Response& response, bool head_only, bool keep_alive) {
  std::string out;
  out.reserve(response.body.size() + 256);
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\nServer: orbit\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  if (!keep_alive) out += "\r\nConnection: close";
  for (const auto& [k, v] : response.headers) {
    out += "\r\n";
    out += k;
    out += ": ";
    out += v;
  }
  out += "\r\n\r\n";
  if (!head_only) out += response.body;
  return out;
}

namespace {

bool HasToken(std::string_view header, std::string_view token) {
  // Comma-separated, case-insensitive ("keep-alive, Upgrade").
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return true;
    }
  }
  return false;
}

}  // namespace

Response CheckWebSocketHandshake(const Request& request) {
  if (request.method != "GET") return Response::Error(405, "a WebSocket handshake is a GET request");
  if (!HasToken(request.Header("upgrade"), "websocket") || !HasToken(request.Header("connection"), "upgrade")) {
    Response r = Response::Error(426, "this path is served over WebSocket: send Upgrade: websocket");
    r.headers.emplace_back("Upgrade", "websocket");
    return r;
  }
  if (request.Header("sec-websocket-version") != "13") {
    Response r = Response::Error(426, "unsupported WebSocket version");
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    return r;
  }
  if (request.Header("sec-websocket-key").empty()) return Response::Error(400, "missing Sec-WebSocket-Key");
  Response ok;
  ok.status = 101;
  return ok;
}

Task<void> ServeHttp(std::shared_ptr<runtime::Connection> connection, const Router& router, HttpLimits limits) {
  std::string in;
  std::array<char, 16 * 1024> buf;
  bool need_more = true;
  while (true) {
    if (need_more || in.empty()) {
      // Answer what is buffered before waiting for more input.
      if (connection->pending_output() > 0 && !(co_await connection->Flush()).ok()) co_return;
      if (connection->stopping() && in.empty()) co_return;
      auto n = co_await connection->ReadSome(buf);
      if (!n.ok() || *n == 0) co_return;
      in.append(buf.data(), *n);  // bounded: the parser rejects input past the limits
    }
    Request request;
    ParseResult parsed = ParseRequest(in, limits, request);
    if (parsed.error_status != 0) {
      Response r = Response::Error(parsed.error_status, "malformed or oversized HTTP request");
      connection->Write(SerializeResponse(r, false, false));
      (void)co_await connection->Flush();
      co_return;
    }
    if (!parsed.complete) {
      need_more = true;
      continue;
    }
    need_more = false;
    in.erase(0, parsed.consumed);
    if (const WebSocketRoute* ws = router.FindWebSocket(request)) {
      Response refused = CheckWebSocketHandshake(request);
      if (refused.status == 101) {
        connection->Write("HTTP/1.1 101 Switching Protocols\r\nServer: orbit\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                          WebSocketAccept(request.Header("sec-websocket-key")) + "\r\n\r\n");
        if (!(co_await connection->Flush()).ok()) co_return;
        if (limits.on_response) limits.on_response(request, 101, 0);
        WebSocket socket(connection, std::move(in), limits.max_body_bytes);
        co_await ws->handler(socket, request);
        co_return;
      }
      if (limits.on_response) limits.on_response(request, refused.status, 0);
      if (!connection->Write(SerializeResponse(refused, false, parsed.keep_alive))) co_return;
      if (!(co_await connection->Flush()).ok() || !parsed.keep_alive) co_return;
      continue;
    }
    Response response;
    auto started = std::chrono::steady_clock::now();
    try {
      response = co_await router.Dispatch(request);
    } catch (const std::exception& e) {
      spdlog::error("http {} {}: {}", request.method, request.path, e.what());
      response = Response::Error(500, "internal error");
    }
    if (limits.on_response) {
      limits.on_response(request, response.status,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    bool keep_alive = parsed.keep_alive && !connection->stopping();
    if (!connection->Write(SerializeResponse(response, request.method == "HEAD", keep_alive))) co_return;
    // Pipelined requests already buffered are answered before flushing.
    if (!in.empty() && keep_alive) continue;
    if (!(co_await connection->Flush()).ok() || !keep_alive) co_return;
  }
}

}  // namespace orbit::http
