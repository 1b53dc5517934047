#pragma once

// Orbit's virtual actors, the public C++ API.
//
// An actor type is a class derived from orbit::Actor with coroutine methods. It is
// addressed by (type, key) and activated on its first call: callers hold an
// ActorRef<T> and never create or destroy actors themselves. Each activation runs
// one call at a time (a "turn") on the shard that owns its identity, so its
// methods need no locks. See docs/adr/006-virtual-actors.md.
//
//   class Greeter : public orbit::Actor {
//    public:
//     orbit::Task<std::string> Greet(std::string name) { co_return "Hello, " + name; }
//   };
//   registry.Add<Greeter>("Greeter").Method("Greet", &Greeter::Greet, {"name"});
//   auto reply = co_await node.Ref<Greeter>("bob").Call(&Greeter::Greet, std::string("Ann"));

#include <chrono>
#include <cstdint>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>

#include "common/result.h"
#include "runtime/asio.h"

namespace orbit {

// The identity of an actor: its registered type name and its key. Integer and
// UUID keys are kept in their canonical text form; "no key" is the empty string.
struct ActorId {
  std::string type;
  std::string key;

  bool operator==(const ActorId&) const = default;
  std::string ToString() const { return type + "/" + key; }
};

struct ActorIdHash {
  size_t operator()(const ActorId& id) const noexcept {
    size_t h = std::hash<std::string>{}(id.type);
    return h ^ (std::hash<std::string>{}(id.key) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};

// An actor class names itself: `static constexpr std::string_view kTypeName = "Greeter";`.
// The name is the type's identity in storage and on the wire, so it must not change.
template <typename T>
constexpr std::string_view TypeNameOf() {
  return T::kTypeName;
}

namespace actor {
class Runtime;
class Activation;
}  // namespace actor

class Actor;
struct TypeInfo;
struct MethodInfo;

template <typename T>
class ActorRef;

namespace detail {

// The callers a call is made on behalf of, innermost first: a non-reentrant actor
// that appears here is waiting on this call, so calling it again would deadlock.
struct CallChain {
  ActorId id;
  std::shared_ptr<const CallChain> parent;
};

// One call on its way to an activation and back. Typed local calls and dynamic
// (JSON) calls both derive from it; the runtime only sees this interface. The
// object also carries the runtime's bookkeeping for the call (where its caller
// waits, its deadline, its place in its shard's list of waiting calls).
class Invocation {
 public:
  Invocation() = default;
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;
  virtual ~Invocation() { UnlinkWait(); }
  // Runs the method on `actor` and keeps its result. Never throws: an exception
  // from the method becomes an error result.
  virtual Task<void> Run(Actor& actor) = 0;
  // Stores an error instead of a result (unknown type, timeout, mailbox full...).
  virtual void Fail(Error error) = 0;
  // A short name for errors and events ("Greet").
  virtual std::string_view method_name() const = 0;

  ActorId target;
  std::shared_ptr<const CallChain> chain;
  std::chrono::milliseconds timeout{0};  // 0: the runtime's default
  // Turns true when whoever waits for the call went away (a cancelled gRPC
  // call): a call still queued is then dropped instead of run. May be null.
  std::shared_ptr<std::atomic<bool>> cancelled;

  // True when the call ran and its method failed (or it never ran).
  virtual bool failed() const = 0;
  // True once the call has its outcome or its caller stopped waiting.
  bool done() const { return done_; }
  // The registered method this call runs (TypeBuilder::Method), or null.
  virtual const MethodInfo* FindIn(const TypeInfo& type) const {
    (void)type;
    return nullptr;
  }

 private:
  friend class actor::Runtime;

  // Removes the call from its caller shard's list of waiting calls, if in it.
  void UnlinkWait() {
    if (wait_pprev_ == nullptr) return;
    *wait_pprev_ = wait_next_;
    if (wait_next_ != nullptr) wait_next_->wait_pprev_ = wait_pprev_;
    wait_pprev_ = nullptr;
    wait_next_ = nullptr;
  }

  // Set by the runtime when the call is sent (see src/actor/runtime.cc).
  const TypeInfo* type_ = nullptr;
  size_t hash_ = 0;  // ActorIdHash of target, computed once
  bool interleave_ = false;  // the method is registered AlwaysInterleave
  uint32_t caller_shard_ = 0;
  // Caller side, touched only on the caller's shard: the suspended caller, and
  // its place in the shard's list of calls waiting for a reply or a deadline.
  bool done_ = false;
  bool timed_out_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  // optional, set with emplace: Boost 1.81's any_completion_handler move
  // assignment recurses forever.
  std::optional<asio::any_completion_handler<void()>> resume_;
  Invocation** wait_pprev_ = nullptr;
  Invocation* wait_next_ = nullptr;
};

// A call in three steps, so the caller's one coroutine (Await) is the only frame:
// Start sends `call` to its activation (an error: the call was not sent);
// unless the call is already done, Wait suspends until it has its outcome or the
// caller stops waiting; Ended then says whether it stopped waiting (a timeout,
// kDeadlineExceeded, or a stopping runtime). On an error the call's outcome must
// not be read.
std::optional<Error> Start(actor::Runtime& runtime, const std::shared_ptr<Invocation>& call);
Task<void> Wait(actor::Runtime& runtime, Invocation& call);
Result<void> Ended(actor::Runtime& runtime, const Invocation& call);

template <typename R>
class TypedInvocation;

// Names a member function by its type and its bytes: a typed call and the
// registration of the same method (TypeBuilder::Method) compute the same key.
template <typename M>
std::string MemberKey(M method) {
  std::string key(typeid(M).name());
  key.append(reinterpret_cast<const char*>(&method), sizeof(M));
  return key;
}
const MethodInfo* FindMethodByKey(const TypeInfo& type, std::string_view key);

}  // namespace detail

// Base class of every actor type. Lifecycle hooks run as turns of their own: no
// call runs before OnActivate has finished or after OnDeactivate has started.
class Actor {
 public:
  virtual ~Actor() = default;
  virtual Task<void> OnActivate() { co_return; }
  virtual Task<void> OnDeactivate() { co_return; }
  // A persisted reminder came due (see SetReminder).
  virtual Task<void> OnReminder(std::string name) {
    (void)name;
    co_return;
  }

  const ActorId& id() const;
  const std::string& key() const { return id().key; }

 protected:
  // A reference to another actor; calls through it carry this actor's call chain,
  // so a call cycle between non-reentrant actors fails fast instead of hanging.
  template <typename T>
  ActorRef<T> Ref(std::string key) const;
  template <typename T>
  ActorRef<T> Ref(int64_t key) const {
    return Ref<T>(std::to_string(key));
  }

  // Persists the state bound at registration (TypeBuilder::State) now.
  Task<Result<void>> SaveState();
  // In-memory timer: `fn` runs as a turn after `due`, then every `period` (0: once).
  // Timers stop when the activation is deactivated and do not keep it alive.
  void StartTimer(std::string name, std::chrono::milliseconds due, std::chrono::milliseconds period,
                  std::function<Task<void>()> fn);
  void StopTimer(const std::string& name);
  // Persisted reminder: OnReminder(name) is called after `due`, then every `period`
  // (0: once), activating the actor if needed, also after a restart.
  Task<Result<void>> SetReminder(std::string name, std::chrono::milliseconds due, std::chrono::milliseconds period);
  Task<Result<void>> ClearReminder(std::string name);
  // Ask to be deactivated once the current turn ends.
  void DeactivateOnIdle();

 private:
  template <typename S>
  friend class State;
  friend class actor::Activation;
  friend class actor::Runtime;
  // The chain a call made now from this actor carries.
  std::shared_ptr<const detail::CallChain> CallerChain() const;

  actor::Activation* activation_ = nullptr;
  actor::Runtime* runtime_ = nullptr;
};

// An actor's persistent state: loaded before OnActivate, written by Save() (or
// after every call when the type is registered with SaveAfterEachCall). S is
// stored as MessagePack through nlohmann::json's to_json/from_json, behind a
// format byte and the type's state version; a type that gains fields reads old
// records with the new fields at their defaults (declare S with
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT), and TypeBuilder::State takes
// an upgrade function for changes defaults cannot express.
template <typename S>
class State {
 public:
  S& operator*() { return value_; }
  const S& operator*() const { return value_; }
  S* operator->() { return &value_; }
  const S* operator->() const { return &value_; }
  S& get() { return value_; }
  const S& get() const { return value_; }

  // Persists the state now (durable when it returns ok).
  Task<Result<void>> Save();

 private:
  template <typename T>
  friend class TypeBuilder;
  S value_{};
  Actor* owner_ = nullptr;  // bound on activation by the type's registration
};

namespace detail {

template <typename R>
class TypedInvocation : public Invocation {
 public:
  std::optional<Result<R>> outcome;
  void Fail(Error error) override { outcome.emplace(std::move(error)); }
  bool failed() const override { return !outcome || !outcome->ok(); }
};

template <>
class TypedInvocation<void> : public Invocation {
 public:
  std::optional<Result<void>> outcome;
  void Fail(Error error) override { outcome.emplace(std::move(error)); }
  bool failed() const override { return !outcome || !outcome->ok(); }
};

// A typed call of T's `method` with its arguments moved in; an exception from
// the method becomes kAborted with its message. Calls by name wrap one too.
template <typename T, typename R, typename Method, typename... Args>
class MethodInvocation final : public TypedInvocation<R> {
 public:
  MethodInvocation(Method method, Args... args) : method_(method), args_(std::move(args)...) {}
  MethodInvocation(Method method, std::tuple<Args...> args) : method_(method), args_(std::move(args)) {}
  std::string_view method_name() const override { return "method"; }
  const MethodInfo* FindIn(const TypeInfo& type) const override { return FindMethodByKey(type, MemberKey(method_)); }

  Task<void> Run(Actor& actor) override {
    try {
      auto& self = static_cast<T&>(actor);
      // The task is made first and awaited as a named object: GCC 12 mishandles
      // non-trivial temporaries inside a co_await expression.
      auto task = std::apply([&](auto&... a) { return (self.*method_)(std::move(a)...); }, args_);
      if constexpr (std::is_void_v<R>) {
        co_await std::move(task);
        this->outcome.emplace();
      } else {
        this->outcome.emplace(co_await std::move(task));
      }
    } catch (const std::exception& e) {
      this->outcome.emplace(Error(ErrorCode::kAborted, e.what()));
    } catch (...) {
      this->outcome.emplace(Error(ErrorCode::kAborted, "the method threw a non-standard exception"));
    }
  }

 private:
  Method method_;
  std::tuple<Args...> args_;
};

template <typename R, typename Call>
Task<Result<R>> Await(actor::Runtime* runtime, std::shared_ptr<Call> call) {
  if (auto error = Start(*runtime, call)) co_return std::move(*error);
  if (!call->done()) co_await Wait(*runtime, *call);
  auto ended = Ended(*runtime, *call);
  if (!ended.ok()) co_return ended.error();
  co_return std::move(*call->outcome);
}

}  // namespace detail

// A typed reference to an actor. Cheap to copy; valid whether or not the actor is
// active. Calls return Task<Result<R>>: the error says why a call did not run or
// what the method threw (kAborted), never an exception.
template <typename T>
class ActorRef {
 public:
  ActorRef(actor::Runtime* runtime, ActorId id, std::shared_ptr<const detail::CallChain> chain = nullptr)
      : runtime_(runtime), id_(std::move(id)), chain_(std::move(chain)) {}

  const ActorId& id() const { return id_; }

  // Not a coroutine itself: the arguments are moved into the call before this
  // returns, so temporaries passed here need not outlive the returned task.
  template <typename R, typename C, typename... A, typename... Args>
  Task<Result<R>> Call(Task<R> (C::*method)(A...), Args&&... args) const {
    static_assert(std::is_base_of_v<C, T>, "ActorRef<T>::Call: the method is not a member of T");
    static_assert(sizeof...(A) == sizeof...(Args), "ActorRef<T>::Call: wrong number of arguments");
    using Invocation = detail::MethodInvocation<T, R, Task<R> (C::*)(A...), std::decay_t<A>...>;
    auto call = std::make_shared<Invocation>(method, std::decay_t<A>(std::forward<Args>(args))...);
    call->target = id_;
    call->chain = chain_;
    call->timeout = timeout_;
    return detail::Await<R>(runtime_, std::move(call));
  }

  // A copy whose calls fail with kDeadlineExceeded after `timeout`.
  ActorRef WithTimeout(std::chrono::milliseconds timeout) const {
    ActorRef copy = *this;
    copy.timeout_ = timeout;
    return copy;
  }

 private:
  actor::Runtime* runtime_;
  ActorId id_;
  std::shared_ptr<const detail::CallChain> chain_;
  std::chrono::milliseconds timeout_{0};
};

template <typename T>
ActorRef<T> Actor::Ref(std::string key) const {
  return ActorRef<T>(runtime_, ActorId{std::string(TypeNameOf<T>()), std::move(key)}, CallerChain());
}

template <typename S>
Task<Result<void>> State<S>::Save() {
  if (owner_ == nullptr) co_return Error(ErrorCode::kInvalidArgument, "State::Save: the state is not bound to its actor (TypeBuilder::State)");
  co_return co_await owner_->SaveState();
}

}  // namespace orbit
