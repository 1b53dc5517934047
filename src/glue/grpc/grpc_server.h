#pragma once

// orbit.v1.ActorService, orbit.v1.ConnectionService, grpc.health.v1.Health and
// server reflection on gRPC's own threads (the callback API); every call hops
// onto a shard to reach the actor runtime. Runtime errors map to gRPC codes:
// NOT_FOUND (unknown type or method), INVALID_ARGUMENT, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED (full mailbox), ABORTED (call cycle), UNAVAILABLE
// (stopping), UNKNOWN (the method threw), CANCELLED.

#include <cstdint>
#include <memory>
#include <string>

#include "actor/runtime.h"
#include "common/result.h"

namespace grpc {
class Server;
}

namespace orbit::glue {

class GrpcServer {
 public:
  GrpcServer(actor::Runtime& runtime, std::string node_id);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds address:port (0 picks a free port) and starts serving.
  Status Start(const std::string& address, uint16_t port);
  uint16_t port() const { return port_; }
  // Health turns NOT_SERVING, new calls are refused, calls in flight get until
  // `grace` to finish.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Services;
  actor::Runtime& runtime_;
  std::string node_id_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  uint16_t port_ = 0;
};

}  // namespace orbit::glue
