#include "http/router.h"

#include "common/logging.h"

namespace orbit::http {

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Error(int status, std::string_view message) {
  std::string body = "{\"type\":\"about:blank\",\"title\":\"";
  AppendJsonEscaped(body, ReasonPhrase(status));
  body += "\",\"status\":" + std::to_string(status) + ",\"detail\":\"";
  AppendJsonEscaped(body, message);
  body += "\"}";
  Response r = Json(status, std::move(body));
  r.content_type = "application/problem+json";
  return r;
}

std::string PercentDecode(std::string_view in) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, std::string summary, Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(summary), std::move(handler)});
}

bool Router::Match(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/');
    auto se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    if (pseg.size() >= 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      params.emplace(std::string(pseg.substr(1, pseg.size() - 2)), PercentDecode(sseg));
    } else if (pseg != sseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
  return true;
}

void Router::AddWebSocket(std::string pattern, std::string summary, WebSocketHandler handler) {
  websocket_routes_.push_back({std::move(pattern), std::move(summary), std::move(handler)});
}

const WebSocketRoute* Router::FindWebSocket(Request& request) const {
  for (const auto& route : websocket_routes_) {
    std::map<std::string, std::string> params;
    if (Match(route.pattern, request.path, params)) {
      request.params = std::move(params);
      return &route;
    }
  }
  return nullptr;
}

Task<Response> Router::Dispatch(Request& request) const {
  std::string allow;
  std::map<std::string, std::string> params;
  const std::string method = request.method == "HEAD" ? std::string("GET") : request.method;
  for (const auto& route : routes_) {
    if (!Match(route.pattern, request.path, params)) continue;
    if (route.method == method) {
      request.params = std::move(params);
      Response r = co_await route.handler(request);
      AddCorsHeaders(r);
      co_return r;
    }
    if (!allow.empty()) allow += ", ";
    allow += route.method;
  }
  if (request.method == "OPTIONS" && !allow.empty() && !cors_origin_.empty()) {  // CORS preflight
    Response r;
    r.status = 204;
    r.content_type = "text/plain";
    r.headers.emplace_back("Access-Control-Allow-Methods", allow);
    r.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, Authorization");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    AddCorsHeaders(r);
    co_return r;
  }
  if (!allow.empty()) {
    Response r = Response::Error(405, "method " + request.method + " is not allowed on " + request.path);
    r.headers.emplace_back("Allow", allow);
    co_return r;
  }
  co_return Response::Error(404, "no such path: " + request.path);
}

void Router::AddCorsHeaders(Response& response) const {
  if (cors_origin_.empty()) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", cors_origin_);
  if (cors_origin_ != "*") response.headers.emplace_back("Vary", "Origin");
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 101: return "Switching Protocols";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace orbit::http
