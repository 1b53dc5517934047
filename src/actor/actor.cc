// The public API's out-of-line parts: Actor's runtime services, the registry and
// key canonicalisation.

#include <cctype>
#include <charconv>
#include <stdexcept>

#include "actor/runtime.h"
#include "orbit/actor.h"
#include "orbit/registry.h"

namespace orbit {

const ActorId& Actor::id() const { return activation_->id; }

std::shared_ptr<const detail::CallChain> Actor::CallerChain() const {
  if (activation_ == nullptr) return nullptr;
  // Every call a turn makes carries the same chain: build it once per turn.
  auto& out = activation_->extras().outgoing;
  const auto& chain = activation_->chain();
  if (!out || out->parent != chain) out = std::make_shared<const detail::CallChain>(detail::CallChain{activation_->id, chain});
  return out;
}

Task<Result<void>> Actor::SaveState() { co_return co_await runtime_->SaveState(*activation_); }

void Actor::StartTimer(std::string name, std::chrono::milliseconds due, std::chrono::milliseconds period,
                       std::function<Task<void>()> fn) {
  runtime_->StartTimer(*activation_, std::move(name), due, period, std::move(fn));
}

void Actor::StopTimer(const std::string& name) { runtime_->StopTimer(*activation_, name); }

Task<Result<void>> Actor::SetReminder(std::string name, std::chrono::milliseconds due, std::chrono::milliseconds period) {
  co_return co_await runtime_->SetReminder(activation_->id, std::move(name), due, period);
}

Task<Result<void>> Actor::ClearReminder(std::string name) {
  co_return co_await runtime_->ClearReminder(activation_->id, std::move(name));
}

void Actor::DeactivateOnIdle() { activation_->deactivate_requested = true; }

namespace detail {
std::optional<Error> Start(actor::Runtime& runtime, const std::shared_ptr<Invocation>& call) { return runtime.Start(call); }
Task<void> Wait(actor::Runtime& runtime, Invocation& call) { return runtime.Wait(call); }
Result<void> Ended(actor::Runtime& runtime, const Invocation& call) { return runtime.Ended(call); }
}  // namespace detail

std::string_view KeyKindName(KeyKind kind) {
  switch (kind) {
    case KeyKind::kString: return "string";
    case KeyKind::kInt64: return "int64";
    case KeyKind::kUuid: return "uuid";
    case KeyKind::kNone: return "none";
  }
  return "unknown";
}

bool KeyIsCanonical(KeyKind kind, std::string_view key) {
  switch (kind) {
    case KeyKind::kString: return key.size() <= 1024;
    case KeyKind::kNone: return key.empty();
    case KeyKind::kInt64: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
      if (key.empty() || ec != std::errc() || end != key.data() + key.size()) return false;
      size_t digits = key[0] == '-' ? 1 : 0;  // no leading zeros, no "-0"
      return key[digits] != '0' || key.size() == 1;
    }
    case KeyKind::kUuid: {
      if (key.size() != 36) return false;
      for (size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
      }
      return true;
    }
  }
  return false;
}

Result<std::string> CanonicalKey(KeyKind kind, std::string_view key) {
  switch (kind) {
    case KeyKind::kString:
      if (key.size() > 1024) return Error(ErrorCode::kInvalidArgument, "actor keys are limited to 1024 bytes");
      return std::string(key);
    case KeyKind::kNone:
      if (!key.empty()) return Error(ErrorCode::kInvalidArgument, "this actor type has no key; use an empty key");
      return std::string();
    case KeyKind::kInt64: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
      if (key.empty() || ec != std::errc() || end != key.data() + key.size()) {
        return Error(ErrorCode::kInvalidArgument, "the key '" + std::string(key) + "' is not a 64-bit integer");
      }
      return std::to_string(v);
    }
    case KeyKind::kUuid: {
      std::string out;
      out.reserve(36);
      bool ok = key.size() == 36;
      for (size_t i = 0; ok && i < key.size(); ++i) {
        char c = key[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          ok = c == '-';
        } else {
          ok = std::isxdigit(static_cast<unsigned char>(c)) != 0;
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        out.push_back(c);
      }
      if (!ok) return Error(ErrorCode::kInvalidArgument, "the key '" + std::string(key) + "' is not a UUID");
      return out;
    }
  }
  return Error(ErrorCode::kInternal, "bad key kind");
}

namespace detail {
const MethodInfo* FindMethodByKey(const TypeInfo& type, std::string_view key) {
  for (const auto& m : type.methods) {
    if (m.member_key == key) return &m;
  }
  return nullptr;
}
}  // namespace detail

const MethodInfo* TypeInfo::FindMethod(std::string_view method) const {
  for (const auto& m : methods) {
    if (m.name == method) return &m;
  }
  return nullptr;
}

const TypeInfo* ActorRegistry::Find(std::string_view type) const {
  for (const auto& t : types_) {
    if (t->name == type) return t.get();
  }
  return nullptr;
}

void ActorRegistry::AddType(std::unique_ptr<TypeInfo> info) {
  if (Find(info->name) != nullptr) throw std::logic_error("actor type registered twice: " + info->name);
  types_.push_back(std::move(info));
}

}  // namespace orbit
