#pragma once

// The declarative table of actor types: for each type its name, key kind, factory,
// methods callable by name with JSON arguments (for REST, gRPC and later MCP),
// persistent state binding and options. Built once at start-up by explicit
// Register* functions (no static self-registration), then read-only.
//
//   void RegisterBank(orbit::ActorRegistry& registry) {
//     registry.Add<Account>()
//         .Describe("A bank account with a persisted balance")
//         .Key(orbit::KeyKind::kString)
//         .State(&Account::state)
//         .Method("Deposit", &Account::Deposit, {"amount"})
//         .Method("Balance", &Account::Balance);
//   }

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "orbit/actor.h"

namespace orbit {

enum class KeyKind : uint8_t { kString, kInt64, kUuid, kNone };
std::string_view KeyKindName(KeyKind kind);
// Checks `key` against `kind` and returns its canonical form (UUIDs lower-cased,
// integers without leading zeros or '+'); kInvalidArgument otherwise.
Result<std::string> CanonicalKey(KeyKind kind, std::string_view key);
// True when `key` is valid and already in canonical form (CanonicalKey would
// return it unchanged): the common case, checked without building a string.
bool KeyIsCanonical(KeyKind kind, std::string_view key);

namespace detail {

// A call by method name: arguments arrived as JSON and the result leaves as JSON.
class JsonInvocation : public Invocation {
 public:
  std::optional<Result<nlohmann::json>> outcome;
  void Fail(Error error) override { outcome.emplace(std::move(error)); }
  bool failed() const override { return !outcome || !outcome->ok(); }
};

// JSON Schema of a C++ argument or result type, for the OpenAPI document.
template <typename A>
nlohmann::json SchemaOf() {
  if constexpr (std::is_same_v<A, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<A>) {
    return {{"type", "integer"}, {"format", sizeof(A) == 8 ? "int64" : "int32"}};
  } else if constexpr (std::is_floating_point_v<A>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_convertible_v<A, std::string_view>) {
    return {{"type", "string"}};
  } else if constexpr (std::is_void_v<A>) {
    return {{"type", "null"}};
  } else {
    return nlohmann::json::object();  // any JSON value the type's from_json accepts
  }
}

template <typename T, typename R, typename Method, typename Args>
class NamedInvocation;

template <typename T, typename R, typename Method, typename... A>
class NamedInvocation<T, R, Method, std::tuple<A...>> final : public JsonInvocation {
 public:
  NamedInvocation(const MethodInfo& info, Method method, std::tuple<A...> args)
      : info_(&info), call_(method, std::move(args)) {}
  std::string_view method_name() const override;
  const MethodInfo* FindIn(const TypeInfo&) const override { return info_; }

  // The typed call runs the method; its result is then encoded as JSON.
  Task<void> Run(Actor& actor) override {
    co_await call_.Run(actor);
    Result<R>& result = *call_.outcome;
    if (!result.ok()) {
      outcome.emplace(result.error());
      co_return;
    }
    try {
      if constexpr (std::is_void_v<R>) {
        outcome.emplace(nlohmann::json());
      } else {
        outcome.emplace(nlohmann::json(std::move(result).value()));
      }
    } catch (const std::exception& e) {
      outcome.emplace(Error(ErrorCode::kInternal, std::string("cannot encode the result as JSON: ") + e.what()));
    }
  }

 private:
  const MethodInfo* info_;
  MethodInvocation<T, R, Method, A...> call_;
};

}  // namespace detail

// One method callable by name.
struct MethodInfo {
  std::string name;
  std::vector<std::string> params;          // parameter names (object bodies, OpenAPI)
  std::vector<nlohmann::json> param_schemas;
  nlohmann::json result_schema;
  // Decodes JSON arguments (an array by position, an object by name, or the bare
  // value of a one-parameter method) into a call; kInvalidArgument on a mismatch.
  std::function<Result<std::shared_ptr<detail::JsonInvocation>>(const nlohmann::json& args)> bind;
  std::string member_key;   // detail::MemberKey of the member function
  bool interleave = false;  // AlwaysInterleave: runs alongside the actor's turns
};

namespace detail {
template <typename T, typename R, typename Method, typename... A>
std::string_view NamedInvocation<T, R, Method, std::tuple<A...>>::method_name() const {
  return info_->name;
}
}  // namespace detail

// How the runtime loads and saves a type's State<S> member.
struct StateBinding {
  uint32_t version = 1;
  std::function<nlohmann::json(Actor&)> to_json;
  // Replaces the state with a stored value written at `stored_version`.
  std::function<Result<void>(Actor&, nlohmann::json value, uint32_t stored_version)> from_json;
  std::function<void(Actor&)> bind;  // points State::Save at the actor
};

struct TypeInfo {
  std::string name;
  std::string description;
  KeyKind key_kind = KeyKind::kString;
  std::function<std::unique_ptr<Actor>()> factory;
  std::vector<MethodInfo> methods;
  std::optional<StateBinding> state;
  bool reentrant = false;            // calls interleave at co_await points
  bool interleaving = false;         // some method is AlwaysInterleave
  bool save_after_each_call = false;  // persist the state after every successful call
  bool expose_state = false;         // GET /api/v1/actors/{type}/{key} returns the state
  // Whether the type overrides Actor::OnActivate. Without it (and without
  // state) activation has nothing to wait for and completes at once.
  bool has_on_activate = true;

  const MethodInfo* FindMethod(std::string_view method) const;
};

template <typename T>
class TypeBuilder {
 public:
  explicit TypeBuilder(TypeInfo& info) : info_(info) {}

  TypeBuilder& Describe(std::string text) {
    info_.description = std::move(text);
    return *this;
  }
  TypeBuilder& Key(KeyKind kind) {
    info_.key_kind = kind;
    return *this;
  }
  TypeBuilder& Reentrant(bool on = true) {
    info_.reentrant = on;
    return *this;
  }
  // Calls of `method` (registered before) run as soon as the actor is active,
  // alongside the turn in progress, as Orleans' [AlwaysInterleave]: for
  // read-only queries and callbacks into an actor that is waiting on a call.
  // They never count as a call cycle.
  TypeBuilder& AlwaysInterleave(std::string_view method) {
    for (auto& m : info_.methods) {
      if (m.name == method) {
        m.interleave = true;
        info_.interleaving = true;
        return *this;
      }
    }
    throw std::logic_error("AlwaysInterleave: " + info_.name + " has no method '" + std::string(method) + "'");
  }
  TypeBuilder& SaveAfterEachCall(bool on = true) {
    info_.save_after_each_call = on;
    return *this;
  }
  TypeBuilder& ExposeState(bool on = true) {
    info_.expose_state = on;
    return *this;
  }

  // Binds the persistent state member. `upgrade(json&, stored_version)` rewrites a
  // record written by an older `version` before from_json reads it.
  template <typename S>
  TypeBuilder& State(orbit::State<S> T::*member, uint32_t version = 1,
                     std::function<void(nlohmann::json&, uint32_t)> upgrade = nullptr) {
    StateBinding b;
    b.version = version;
    b.to_json = [member](Actor& a) { return nlohmann::json((static_cast<T&>(a).*member).value_); };
    b.from_json = [member, version, upgrade](Actor& a, nlohmann::json value, uint32_t stored) -> Result<void> {
      if (stored > version) {
        return Error(ErrorCode::kNotSupported, "stored state version " + std::to_string(stored) +
                                                   " is newer than this build's " + std::to_string(version));
      }
      try {
        if (stored < version && upgrade) upgrade(value, stored);
        (static_cast<T&>(a).*member).value_ = value.get<S>();
      } catch (const std::exception& e) {
        return Error(ErrorCode::kCorruption, std::string("cannot decode the stored state: ") + e.what());
      }
      return {};
    };
    b.bind = [member](Actor& a) { (static_cast<T&>(a).*member).owner_ = &a; };
    info_.state = std::move(b);
    return *this;
  }

  // Registers a method by name. `params` names the parameters in order.
  template <typename R, typename C, typename... A>
  TypeBuilder& Method(std::string name, Task<R> (C::*method)(A...), std::vector<std::string> params = {}) {
    static_assert(std::is_base_of_v<C, T>, "TypeBuilder::Method: not a member of the actor type");
    using Args = std::tuple<std::decay_t<A>...>;
    using Call = detail::NamedInvocation<T, R, Task<R> (C::*)(A...), Args>;
    if (params.size() != sizeof...(A)) {
      params.clear();
      for (size_t i = 0; i < sizeof...(A); ++i) params.push_back("arg" + std::to_string(i));
    }
    MethodInfo m;
    m.name = std::move(name);
    m.params = params;
    m.param_schemas = {detail::SchemaOf<std::decay_t<A>>()...};
    m.result_schema = detail::SchemaOf<R>();
    m.member_key = detail::MemberKey(method);
    info_.methods.push_back(std::move(m));
    // The table is complete before the first call, so an index into it (and the
    // name a call keeps as a string_view) stays valid.
    size_t index = info_.methods.size() - 1;
    TypeInfo* info = &info_;
    info_.methods.back().bind = [info, index, method](const nlohmann::json& body)
        -> Result<std::shared_ptr<detail::JsonInvocation>> {
      const MethodInfo& mi = info->methods[index];
      try {
        Args args = DecodeArgs<Args>(mi, body, std::index_sequence_for<A...>{});
        return std::shared_ptr<detail::JsonInvocation>(std::make_shared<Call>(mi, method, std::move(args)));
      } catch (const std::exception& e) {
        return Error(ErrorCode::kInvalidArgument, "bad arguments for " + info->name + "." + mi.name + ": " + e.what());
      }
    };
    return *this;
  }

 private:
  template <typename Args, size_t... I>
  static Args DecodeArgs(const MethodInfo& mi, const nlohmann::json& body, std::index_sequence<I...>) {
    constexpr size_t n = sizeof...(I);
    if (body.is_array()) {
      if (body.size() != n) {
        throw std::invalid_argument("expected " + std::to_string(n) + " arguments, got " + std::to_string(body.size()));
      }
      return Args{body[I].template get<std::tuple_element_t<I, Args>>()...};
    }
    if (body.is_object() && !(n == 1 && !body.contains(mi.params[0]))) {
      for (const auto& [k, v] : body.items()) {
        (void)v;
        bool known = false;
        for (const auto& p : mi.params) known = known || p == k;
        if (!known) throw std::invalid_argument("unknown argument '" + k + "'");
      }
      for (const auto& p : mi.params) {
        if (!body.contains(p)) throw std::invalid_argument("missing argument '" + p + "'");
      }
      return Args{body.at(mi.params[I]).template get<std::tuple_element_t<I, Args>>()...};
    }
    if (body.is_null() && n == 0) return Args{};
    if constexpr (n == 1) {
      try {
        return Args{body.template get<std::tuple_element_t<0, Args>>()};
      } catch (const std::exception& e) {
        throw std::invalid_argument(std::string(e.what()) + " (expected {\"" + mi.params[0] +
                                    "\": ...}, a one-element array, or the bare argument)");
      }
    }
    throw std::invalid_argument("expected a JSON array or object of " + std::to_string(n) + " arguments");
  }

  TypeInfo& info_;
};

class ActorRegistry {
 public:
  ActorRegistry() = default;
  ActorRegistry(const ActorRegistry&) = delete;
  ActorRegistry& operator=(const ActorRegistry&) = delete;

  // Registers T under T::kTypeName.
  template <typename T>
  TypeBuilder<T> Add() {
    static_assert(std::is_base_of_v<Actor, T>, "ActorRegistry::Add: T must derive from orbit::Actor");
    auto info = std::make_unique<TypeInfo>();
    info->name = std::string(TypeNameOf<T>());
    info->factory = [] { return std::unique_ptr<Actor>(new T()); };
    if constexpr (requires { &T::OnActivate; }) {  // a private override is not visible here: assume one
      info->has_on_activate = !std::is_same_v<decltype(&T::OnActivate), decltype(&Actor::OnActivate)>;
    }
    TypeInfo& ref = *info;
    AddType(std::move(info));
    return TypeBuilder<T>(ref);
  }

  const TypeInfo* Find(std::string_view type) const;
  const std::vector<std::unique_ptr<TypeInfo>>& types() const { return types_; }

 private:
  void AddType(std::unique_ptr<TypeInfo> info);  // a second type of one name is a programming error
  std::vector<std::unique_ptr<TypeInfo>> types_;
};

}  // namespace orbit
