#pragma once

// The actors' REST surface on the HTTP router: invoke a method by name, read an
// actor's state, deactivate it, list types; and /openapi.json generated from the
// route table plus the actor registry (one concrete path per actor method, with
// its argument and result schemas).

#include <cstddef>
#include <string>

#include "actor/runtime.h"
#include "http/router.h"

namespace orbit::glue {

struct ActorHttpOptions {
  std::chrono::milliseconds max_timeout{300'000};  // cap on ?timeout_ms=
};

void RegisterActorRoutes(http::Router& router, actor::Runtime& runtime, ActorHttpOptions options = {});

// WebSocket /api/v1/ws: actor events filtered by type and key.
void RegisterActorEvents(http::Router& router, actor::Runtime& runtime);

// GET /openapi.json: registered last, so it describes every route added before.
void RegisterOpenApiRoute(http::Router& router, const ActorRegistry* registry, std::string version);

// HTTP status for a runtime error (404 unknown type/method, 400 bad arguments,
// 504 timeout, 429 full mailbox, 409 call cycle, 503 stopping, 422 the method threw).
int HttpStatusFor(ErrorCode code);

}  // namespace orbit::glue
