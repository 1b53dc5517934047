#include "glue/grpc/grpc_server.h"

#include <deque>
#include <mutex>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "orbit/v1/actors.grpc.pb.h"

namespace orbit::glue {
namespace {

using nlohmann::json;
namespace v1 = ::orbit::v1;

grpc::StatusCode CodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kDeadlineExceeded: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case ErrorCode::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kDeadlock: return grpc::StatusCode::ABORTED;
    case ErrorCode::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kCancelled: return grpc::StatusCode::CANCELLED;
    case ErrorCode::kAborted: return grpc::StatusCode::UNKNOWN;  // the method threw
    case ErrorCode::kNotSupported: return grpc::StatusCode::UNIMPLEMENTED;
    default: return grpc::StatusCode::INTERNAL;
  }
}

// One decoded call, whichever message carried it.
struct Call {
  uint64_t id = 0;
  ActorId target;
  std::string method;
  json args;
  bool msgpack = false;
  std::chrono::milliseconds timeout{0};
};

Result<json> DecodeArgs(bool has_json, const std::string& text, bool has_msgpack, const std::string& bytes) {
  json args;  // neither: no arguments
  if (has_json && !text.empty()) {
    args = json::parse(text, nullptr, false);
    if (args.is_discarded()) return Error(ErrorCode::kInvalidArgument, "the arguments are not valid JSON");
  } else if (has_msgpack && !bytes.empty()) {
    args = json::from_msgpack(bytes, true, false);
    if (args.is_discarded()) return Error(ErrorCode::kInvalidArgument, "the arguments are not valid MessagePack");
  }
  return args;
}

// The call's budget: its own timeout_ms, capped by the gRPC deadline.
Result<std::chrono::milliseconds> TimeoutFor(std::chrono::system_clock::time_point deadline, uint32_t timeout_ms) {
  std::chrono::milliseconds timeout(timeout_ms);
  if (deadline != std::chrono::system_clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
    if (left.count() <= 0) return Error(ErrorCode::kDeadlineExceeded, "the deadline passed before the call started");
    if (timeout.count() == 0 || left < timeout) timeout = left;
  }
  return timeout;
}

std::string EncodeResult(const json& value, bool msgpack) {
  if (msgpack) {
    std::string out;
    json::to_msgpack(value, out);
    return out;
  }
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Runs one call on the shard this coroutine was spawned on; `done` gets the outcome there.
Task<void> RunCall(actor::Runtime* runtime, Call call, std::shared_ptr<std::atomic<bool>> cancelled,
                   std::function<void(const Call&, Result<json>)> done) {
  auto result = co_await runtime->Invoke(call.target, call.method, std::move(call.args), call.timeout, cancelled);
  done(call, std::move(result));
}

class InvokeReactor final : public grpc::ServerUnaryReactor {
 public:
  InvokeReactor(actor::Runtime& runtime, grpc::CallbackServerContext* context, const v1::InvokeRequest* request,
                v1::InvokeResponse* response)
      : response_(response) {
    auto args = DecodeArgs(request->has_json(), request->json(), request->has_msgpack(), request->msgpack());
    if (!args.ok()) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, args.error().message()));
      return;
    }
    auto timeout = TimeoutFor(context->deadline(), request->timeout_ms());
    if (!timeout.ok()) {
      Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, timeout.error().message()));
      return;
    }
    Call call{request->id(), ActorId{request->type(), request->key()}, request->method(), std::move(args).value(),
              request->has_msgpack(), *timeout};
    asio::co_spawn(runtime.shards().Next().executor(),
                   RunCall(&runtime, std::move(call), cancelled_,
                           [this](const Call& c, Result<json> r) { Complete(c, std::move(r)); }),
                   asio::detached);
  }
  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }

 private:
  void Complete(const Call& call, Result<json> result) {
    if (!result.ok()) {
      Finish(grpc::Status(CodeFor(result.error().code()), result.error().message()));
      return;
    }
    response_->set_id(call.id);
    if (call.msgpack) response_->set_msgpack(EncodeResult(*result, true));
    else response_->set_json(EncodeResult(*result, false));
    Finish(grpc::Status::OK);
  }

  v1::InvokeResponse* response_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

// ActorService.InvokeStream messages.
struct InvokeStreamAdapter {
  using Request = v1::InvokeRequest;
  using Response = v1::InvokeResponse;
  static Result<Call> Parse(const Request& r) {
    auto args = DecodeArgs(r.has_json(), r.json(), r.has_msgpack(), r.msgpack());
    if (!args.ok()) return args.error();
    return Call{r.id(), ActorId{r.type(), r.key()}, r.method(), std::move(args).value(), r.has_msgpack(),
                std::chrono::milliseconds(r.timeout_ms())};
  }
  static uint64_t IdOf(const Request& r) { return r.id(); }
  static Response Success(const Call& call, const json& value, const std::string&) {
    Response out;
    out.set_id(call.id);
    if (call.msgpack) out.set_msgpack(EncodeResult(value, true));
    else out.set_json(EncodeResult(value, false));
    return out;
  }
  static Response Failure(uint64_t id, const Error& error, const std::string&) {
    Response out;
    out.set_id(id);
    out.mutable_error()->set_code(static_cast<int32_t>(CodeFor(error.code())));
    out.mutable_error()->set_message(error.message());
    return out;
  }
};

// ConnectionService.OpenStream envelopes: this node serves invocation requests.
struct EnvelopeAdapter {
  using Request = v1::MessageEnvelope;
  using Response = v1::MessageEnvelope;
  static Result<Call> Parse(const Request& r) {
    if (!r.has_invocation_request()) {
      return Error(ErrorCode::kInvalidArgument, "this node only serves invocation_request envelopes");
    }
    const auto& inv = r.invocation_request();
    auto args = DecodeArgs(inv.has_json(), inv.json(), inv.has_msgpack(), inv.msgpack());
    if (!args.ok()) return args.error();
    return Call{r.id(), ActorId{r.target().type(), r.target().key()}, inv.method(), std::move(args).value(),
                inv.has_msgpack(), std::chrono::milliseconds(inv.timeout_ms())};
  }
  static uint64_t IdOf(const Request& r) { return r.id(); }
  static Response Success(const Call& call, const json& value, const std::string& node_id) {
    Response out;
    out.set_id(call.id);
    out.set_source(node_id);
    out.mutable_target()->set_type(call.target.type);
    out.mutable_target()->set_key(call.target.key);
    if (call.msgpack) out.mutable_invocation_response()->set_msgpack(EncodeResult(value, true));
    else out.mutable_invocation_response()->set_json(EncodeResult(value, false));
    return out;
  }
  static Response Failure(uint64_t id, const Error& error, const std::string& node_id) {
    Response out;
    out.set_id(id);
    out.set_source(node_id);
    out.mutable_error()->set_code(static_cast<int32_t>(CodeFor(error.code())));
    out.mutable_error()->set_message(error.message());
    return out;
  }
};

// A bidirectional stream of calls. All calls of one stream start on one shard, in
// the order read, so they reach each actor in order; responses are written in
// completion order and matched by id. The stream finishes once the client has
// half-closed and every call has been answered.
template <typename Adapter>
class StreamReactor final : public grpc::ServerBidiReactor<typename Adapter::Request, typename Adapter::Response> {
 public:
  StreamReactor(actor::Runtime& runtime, grpc::CallbackServerContext* context, const std::string& node_id)
      : runtime_(runtime), executor_(runtime.shards().Next().executor()), deadline_(context->deadline()), node_id_(node_id) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::unique_lock lock(mu_);
      reads_done_ = true;
      Advance(lock);
      return;
    }
    auto call = Adapter::Parse(request_);
    if (call.ok()) {
      auto timeout = TimeoutFor(deadline_, static_cast<uint32_t>(call->timeout.count()));
      if (!timeout.ok()) call = timeout.error();
      else call->timeout = *timeout;
    }
    if (!call.ok()) {
      Push(Adapter::Failure(Adapter::IdOf(request_), call.error(), node_id_), false);
    } else {
      {
        std::lock_guard lock(mu_);
        ++in_flight_;
      }
      asio::co_spawn(executor_,
                     RunCall(&runtime_, std::move(call).value(), cancelled_,
                             [this](const Call& c, orbit::Result<json> r) {
                               Push(r.ok() ? Adapter::Success(c, *r, node_id_) : Adapter::Failure(c.id, r.error(), node_id_), true);
                             }),
                     asio::detached);
    }
    this->StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    queue_.pop_front();
    writing_ = false;
    if (!ok) {  // the client is gone: drop what is left, let calls still queued be skipped
      broken_ = true;
      cancelled_->store(true);
      queue_.clear();
    }
    Advance(lock);
  }

  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }

 private:
  void Push(typename Adapter::Response response, bool completes_call) {
    std::unique_lock lock(mu_);
    if (completes_call) --in_flight_;
    if (!broken_) queue_.push_back(std::move(response));
    Advance(lock);
  }

  // Starts the next write, or finishes the stream when nothing is left. gRPC
  // calls are made without holding the lock.
  void Advance(std::unique_lock<std::mutex>& lock) {
    if (!writing_ && !queue_.empty()) {
      writing_ = true;
      auto* next = &queue_.front();  // deque elements stay put while others are added
      lock.unlock();
      this->StartWrite(next);
      return;
    }
    if (!writing_ && reads_done_ && in_flight_ == 0 && !finished_) {
      finished_ = true;
      lock.unlock();
      this->Finish(grpc::Status::OK);
    }
  }

  actor::Runtime& runtime_;
  asio::any_io_executor executor_;
  std::chrono::system_clock::time_point deadline_;
  const std::string& node_id_;
  typename Adapter::Request request_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::mutex mu_;
  std::deque<typename Adapter::Response> queue_;
  size_t in_flight_ = 0;
  bool writing_ = false;
  bool reads_done_ = false;
  bool finished_ = false;
  bool broken_ = false;
};

class ActorServiceImpl final : public v1::ActorService::CallbackService {
 public:
  ActorServiceImpl(actor::Runtime& runtime, const std::string& node_id) : runtime_(runtime), node_id_(node_id) {}
  grpc::ServerUnaryReactor* Invoke(grpc::CallbackServerContext* context, const v1::InvokeRequest* request,
                                   v1::InvokeResponse* response) override {
    return new InvokeReactor(runtime_, context, request, response);
  }
  grpc::ServerBidiReactor<v1::InvokeRequest, v1::InvokeResponse>* InvokeStream(
      grpc::CallbackServerContext* context) override {
    return new StreamReactor<InvokeStreamAdapter>(runtime_, context, node_id_);
  }

 private:
  actor::Runtime& runtime_;
  const std::string& node_id_;
};

class ConnectionServiceImpl final : public v1::ConnectionService::CallbackService {
 public:
  ConnectionServiceImpl(actor::Runtime& runtime, const std::string& node_id) : runtime_(runtime), node_id_(node_id) {}
  grpc::ServerBidiReactor<v1::MessageEnvelope, v1::MessageEnvelope>* OpenStream(
      grpc::CallbackServerContext* context) override {
    return new StreamReactor<EnvelopeAdapter>(runtime_, context, node_id_);
  }

 private:
  actor::Runtime& runtime_;
  const std::string& node_id_;
};

}  // namespace

struct GrpcServer::Services {
  Services(actor::Runtime& runtime, const std::string& node_id) : actors(runtime, node_id), connections(runtime, node_id) {}
  ActorServiceImpl actors;
  ConnectionServiceImpl connections;
};

GrpcServer::GrpcServer(actor::Runtime& runtime, std::string node_id)
    : runtime_(runtime), node_id_(std::move(node_id)), services_(std::make_unique<Services>(runtime_, node_id_)) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

Status GrpcServer::Start(const std::string& address, uint16_t port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort(address + ":" + std::to_string(port), grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(&services_->actors);
  builder.RegisterService(&services_->connections);
  server_ = builder.BuildAndStart();
  if (!server_ || selected == 0) {
    server_.reset();
    return Error(ErrorCode::kUnavailable, "cannot listen for gRPC on " + address + ":" + std::to_string(port));
  }
  port_ = static_cast<uint16_t>(selected);
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus("orbit.v1.ActorService", true);
  health->SetServingStatus("orbit.v1.ConnectionService", true);
  return Ok();
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  if (!server_) return;
  server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING to every watcher
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace orbit::glue
