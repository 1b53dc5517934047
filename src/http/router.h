#pragma once

// HTTP routing independent of the wire: handlers see a parsed Request and return
// a Response. The route table also carries a summary per route so documents such
// as /openapi.json can be generated from it rather than written twice.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/asio.h"

namespace orbit::http {

struct Request {
  std::string method;  // upper case: GET, POST, ...
  std::string target;  // as sent: path and query
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::map<std::string, std::string> params;  // {name} segments of the matched route

  std::string_view Header(std::string_view name) const;  // "" if absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body);
  // An RFC 9457 problem document (application/problem+json): type about:blank,
  // title = the reason phrase, status, detail = message.
  static Response Error(int status, std::string_view message);
};

using Handler = std::function<Task<Response>(const Request&)>;

class WebSocket;
// Serves one upgraded connection until it returns (websocket.h).
using WebSocketHandler = std::function<Task<void>(WebSocket& socket, const Request& request)>;

struct WebSocketRoute {
  std::string pattern;
  std::string summary;
  WebSocketHandler handler;
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/actors/{type}" style
  std::string summary;
  Handler handler;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, std::string summary, Handler handler);
  // A path served over WebSocket: GET with the RFC 6455 upgrade headers.
  void AddWebSocket(std::string pattern, std::string summary, WebSocketHandler handler);
  // The WebSocket route for request.path (filling request.params), or nullptr.
  const WebSocketRoute* FindWebSocket(Request& request) const;
  const std::vector<WebSocketRoute>& websocket_routes() const { return websocket_routes_; }
  // Finds the route and fills request.params; 404 or 405 (with Allow) otherwise.
  Task<Response> Dispatch(Request& request) const;
  const std::vector<Route>& routes() const { return routes_; }
  // Cross-origin access: every response carries Access-Control-Allow-Origin and
  // OPTIONS preflights are answered. Empty (the default) turns CORS off.
  void SetCorsOrigin(std::string origin) { cors_origin_ = std::move(origin); }

 private:
  static bool Match(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params);
  void AddCorsHeaders(Response& response) const;
  std::vector<Route> routes_;
  std::vector<WebSocketRoute> websocket_routes_;
  std::string cors_origin_;
};

// %XX escapes decoded (path segments); malformed escapes are kept as they are.
std::string PercentDecode(std::string_view in);

// "Not Found" for 404, etc.
std::string_view ReasonPhrase(int status);

}  // namespace orbit::http
