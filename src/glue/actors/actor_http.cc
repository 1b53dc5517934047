#include "glue/actors/actor_http.h"

#include <charconv>
#include <mutex>

#include "http/websocket.h"

#include <nlohmann/json.hpp>

namespace orbit::glue {
namespace {

using nlohmann::json;

http::Response JsonResponse(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

http::Response ErrorResponse(const Error& error) { return http::Response::Error(HttpStatusFor(error.code()), error.message()); }

// ?timeout_ms=N, capped; 0 (absent) means the runtime's default.
Result<std::chrono::milliseconds> TimeoutParam(const http::Request& request, std::chrono::milliseconds cap) {
  std::string_view q = request.query;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.rfind("timeout_ms=", 0) != 0) continue;
    std::string_view v = pair.substr(11);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
    if (ec != std::errc() || end != v.data() + v.size() || ms <= 0) {
      return Error(ErrorCode::kInvalidArgument, "timeout_ms must be a positive integer");
    }
    return std::min(std::chrono::milliseconds(ms), cap);
  }
  return std::chrono::milliseconds(0);
}

json TypeJson(const TypeInfo& type, size_t active) {
  json methods = json::array();
  for (const auto& m : type.methods) {
    json params = json::array();
    for (size_t i = 0; i < m.params.size(); ++i) params.push_back({{"name", m.params[i]}, {"schema", m.param_schemas[i]}});
    methods.push_back({{"name", m.name}, {"params", params}, {"result", m.result_schema}, {"interleave", m.interleave}});
  }
  return {{"type", type.name},
          {"description", type.description},
          {"key", KeyKindName(type.key_kind)},
          {"reentrant", type.reentrant},
          {"persistent", type.state.has_value()},
          {"exposes_state", type.state.has_value() && type.expose_state},
          {"active", active},
          {"methods", methods}};
}

json Problem() {
  return {{"description", "An RFC 9457 problem"},
          {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kDeadlock: return 409;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kNotSupported: return 501;
    case ErrorCode::kAborted: return 422;  // the method ran and threw: an application error
    default: return 500;
  }
}

void RegisterActorRoutes(http::Router& router, actor::Runtime& runtime, ActorHttpOptions options) {
  actor::Runtime* rt = &runtime;
  router.Add("GET", "/api/v1/actors", "List actor types, their methods and active counts",
             [rt](const http::Request&) -> Task<http::Response> {
               auto stats = co_await rt->Stats();
               json types = json::array();
               for (const auto& type : rt->registry().types()) types.push_back(TypeJson(*type, stats[type->name].active));
               co_return JsonResponse(200, {{"types", types}});
             });

  router.Add("POST", "/api/v1/actors/{type}/{key}/{method}",
             "Invoke an actor method: JSON arguments (array, object by name, or the bare value of a one-argument "
             "method) in, JSON result out; ?timeout_ms= bounds the call",
             [rt, options](const http::Request& request) -> Task<http::Response> {
               auto timeout = TimeoutParam(request, options.max_timeout);
               if (!timeout.ok()) co_return ErrorResponse(timeout.error());
               json args;  // an empty body is "no arguments"
               if (!request.body.empty()) {
                 args = json::parse(request.body, nullptr, false);
                 if (args.is_discarded()) co_return http::Response::Error(400, "the request body is not valid JSON");
               }
               // Named arguments, not temporaries, in co_await expressions (GCC 12).
               ActorId id{request.params.at("type"), request.params.at("key")};
               std::string method = request.params.at("method");
               auto result = co_await rt->Invoke(std::move(id), std::move(method), std::move(args), *timeout);
               if (!result.ok()) co_return ErrorResponse(result.error());
               co_return JsonResponse(200, *result);
             });

  router.Add("GET", "/api/v1/actors/{type}/{key}",
             "An actor's activation (lease, idle time) and, if its type exposes it, its state",
             [rt](const http::Request& request) -> Task<http::Response> {
               ActorId id{request.params.at("type"), request.params.at("key")};
               const TypeInfo* type = rt->registry().Find(id.type);
               if (type == nullptr) co_return http::Response::Error(404, "unknown actor type '" + id.type + "'");
               auto key = CanonicalKey(type->key_kind, id.key);
               if (!key.ok()) co_return ErrorResponse(key.error());
               id.key = *key;
               json body = {{"type", id.type}, {"key", id.key}};
               if (type->state && type->expose_state) {
                 auto state = co_await rt->GetState(id);  // a turn: activates the actor if needed
                 if (!state.ok()) co_return ErrorResponse(state.error());
                 body["state"] = std::move(*state);
               }
               auto info = co_await rt->Inspect(id);
               body["active"] = info.has_value();
               if (info) {
                 body["lease_expires_unix_ms"] = info->lease_expires_unix_ms;
                 body["idle_ms"] = info->idle_ms;
                 body["queued"] = info->queued;
               }
               co_return JsonResponse(200, body);
             });

  router.Add("DELETE", "/api/v1/actors/{type}/{key}", "Deactivate an actor (its state is saved first)",
             [rt](const http::Request& request) -> Task<http::Response> {
               ActorId id{request.params.at("type"), request.params.at("key")};
               auto done = co_await rt->Deactivate(std::move(id));
               if (!done.ok()) co_return ErrorResponse(done.error());
               co_return JsonResponse(200, {{"deactivated", *done}});
             });
}

namespace {

// One /api/v1/ws subscriber: its filters (written by its session, read by
// emitting shards) and the events posted to its connection.
struct EventSubscriber {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> filters;  // (type, key); "" matches any
  std::atomic<int> queued{0};
  std::atomic<uint64_t> dropped{0};
  http::WebSocket* socket = nullptr;  // touched only on the connection's executor
  bool alive = true;                  // likewise

  bool Matches(const actor::ActorEvent& e) {
    std::lock_guard lock(mu);
    for (const auto& [type, key] : filters) {
      if ((type.empty() || type == e.id.type) && (key.empty() || key == e.id.key)) return true;
    }
    return false;
  }
};

constexpr int kMaxQueuedEvents = 10'000;  // per subscriber; beyond it events are dropped and counted

Task<void> ServeEvents(actor::Runtime* rt, http::WebSocket& ws) {
  auto sub = std::make_shared<EventSubscriber>();
  sub->socket = &ws;
  auto executor = ws.connection().executor();
  uint64_t token = rt->Subscribe([sub, executor](const actor::ActorEvent& e) {
    if (!sub->Matches(e)) return;
    if (sub->queued.fetch_add(1) >= kMaxQueuedEvents) {
      sub->queued.fetch_sub(1);
      sub->dropped.fetch_add(1);
      return;
    }
    json event = {{"event", actor::EventKindName(e.kind)}, {"type", e.id.type}, {"key", e.id.key}, {"unix_ms", e.unix_ms}};
    asio::post(executor, [sub, text = event.dump(-1, ' ', false, json::error_handler_t::replace)] {
      sub->queued.fetch_sub(1);
      if (sub->alive) sub->socket->PushText(text);
    });
  });
  while (true) {
    auto message = co_await ws.Read();
    if (!message.ok()) break;
    json request = json::parse(message->data, nullptr, false);
    json reply;
    std::string op = request.is_object() && request.contains("op") && request["op"].is_string() ? request["op"].get<std::string>() : "";
    auto field = [&](const char* name) {
      return request.contains(name) && request[name].is_string() ? request[name].get<std::string>() : std::string();
    };
    if (op == "subscribe") {
      std::string type = field("type"), key = field("key");
      if (type == "*") type.clear();
      if (key == "*") key.clear();
      if (!type.empty() && rt->registry().Find(type) == nullptr) {
        reply = {{"error", "unknown actor type '" + type + "'"}};
      } else {
        {
          std::lock_guard lock(sub->mu);
          sub->filters.emplace_back(type, key);
        }
        reply = {{"op", "subscribed"}, {"type", type.empty() ? "*" : type}, {"key", key.empty() ? "*" : key}};
      }
    } else if (op == "unsubscribe") {
      std::lock_guard lock(sub->mu);
      sub->filters.clear();
      reply = {{"op", "unsubscribed"}};
    } else if (op == "stats") {
      reply = {{"op", "stats"}, {"dropped", sub->dropped.load()}};
    } else {
      reply = {{"error", "expected {\"op\": \"subscribe\" | \"unsubscribe\" | \"stats\", ...}"}};
    }
    if (!(co_await ws.SendText(reply.dump())).ok()) break;
  }
  sub->alive = false;
  rt->Unsubscribe(token);
}

}  // namespace

void RegisterActorEvents(http::Router& router, actor::Runtime& runtime) {
  actor::Runtime* rt = &runtime;
  router.AddWebSocket("/api/v1/ws",
                      "WebSocket of actor events (activated, deactivated, state_saved): send "
                      "{\"op\":\"subscribe\",\"type\":T,\"key\":K} (either may be \"*\")",
                      [rt](http::WebSocket& ws, const http::Request&) { return ServeEvents(rt, ws); });
}

void RegisterOpenApiRoute(http::Router& router, const ActorRegistry* registry, std::string version) {
  const http::Router* r = &router;
  router.Add("GET", "/openapi.json", "This OpenAPI 3.1 document",
             [r, registry, version](const http::Request&) -> Task<http::Response> {
               json paths = json::object();
               auto operation = [](const std::string& summary, std::string_view pattern) {
                 json op = {{"summary", summary}, {"responses", {{"200", {{"description", "OK"}}}, {"default", Problem()}}}};
                 json params = json::array();
                 for (size_t pos = pattern.find('{'); pos != std::string_view::npos; pos = pattern.find('{', pos + 1)) {
                   auto end = pattern.find('}', pos);
                   params.push_back({{"name", std::string(pattern.substr(pos + 1, end - pos - 1))},
                                     {"in", "path"},
                                     {"required", true},
                                     {"schema", {{"type", "string"}}}});
                 }
                 if (!params.empty()) op["parameters"] = params;
                 return op;
               };
               for (const auto& route : r->routes()) {
                 std::string method = route.method;
                 for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                 json op = operation(route.summary, route.pattern);
                 if (route.method == "POST") {
                   op["requestBody"] = {{"required", false}, {"content", {{"application/json", {{"schema", json::object()}}}}}};
                 }
                 paths[route.pattern][method] = op;
               }
               for (const auto& route : r->websocket_routes()) {
                 json op = operation(route.summary + " (an RFC 6455 WebSocket upgrade)", route.pattern);
                 op["responses"]["101"] = {{"description", "Switching Protocols: the connection is a WebSocket"}};
                 paths[route.pattern]["get"] = op;
               }
               // One concrete path per actor method, with typed arguments and result.
               if (registry != nullptr) {
                 for (const auto& type : registry->types()) {
                   for (const auto& m : type->methods) {
                     std::string path = "/api/v1/actors/" + type->name + "/{key}/" + m.name;
                     json op = operation(type->name + "." + m.name + (type->description.empty() ? "" : " (" + type->description + ")"), path);
                     op["operationId"] = type->name + "_" + m.name;
                     op["tags"] = json::array({type->name});
                     json props = json::object();
                     for (size_t i = 0; i < m.params.size(); ++i) props[m.params[i]] = m.param_schemas[i];
                     json schema = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
                     if (!m.params.empty()) schema["required"] = m.params;
                     op["requestBody"] = {{"required", !m.params.empty()}, {"content", {{"application/json", {{"schema", schema}}}}}};
                     op["responses"]["200"] = {{"description", "The method's result"},
                                               {"content", {{"application/json", {{"schema", m.result_schema}}}}}};
                     paths[path]["post"] = op;
                   }
                 }
               }
               json doc = {
                   {"openapi", "3.1.0"},
                   {"info", {{"title", "Orbit"}, {"version", version}, {"description", "Orbit's HTTP API: health, metrics and virtual actors."}}},
                   {"paths", paths},
                   {"components",
                    {{"schemas",
                      {{"Problem",
                        {{"type", "object"},
                         {"properties",
                          {{"type", {{"type", "string"}}},
                           {"title", {{"type", "string"}}},
                           {"status", {{"type", "integer"}}},
                           {"detail", {{"type", "string"}}}}}}}}}}}};
               co_return JsonResponse(200, doc);
             });
}

}  // namespace orbit::glue
