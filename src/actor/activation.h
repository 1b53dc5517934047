#pragma once

// One activation: an actor instance bound to its identity on the shard that owns
// the identity, with its mailbox (TurnLock), lifecycle phase, idle clock, lease
// and timers. Only its shard touches it, so its reference count is not atomic.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "actor/turn_lock.h"
#include "orbit/actor.h"
#include "orbit/registry.h"

namespace orbit::actor {

using Clock = std::chrono::steady_clock;

enum class Phase : uint8_t {
  kActivating,    // loading state / OnActivate; holds the turn lock
  kActive,
  kDeactivating,  // OnDeactivate / final save; holds the turn lock
  kDead,          // gone from the directory: waiters re-dispatch to a new activation
  kFailed,        // activation failed: waiters get `failure`
};

// The lease an activation holds. On one node it only records the activation's
// claim; the cluster layer registers it with etcd and fences on expiry. Leases
// are renewed per shard, all at once (Runtime::LeaseOf), so renewing them
// touches no activation.
struct Lease {
  Clock::time_point renew_at;
  Clock::time_point expires_at;
};

struct ActorTimer {
  explicit ActorTimer(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  std::chrono::milliseconds period{0};
  std::function<Task<void>()> fn;
  bool stopped = false;
};

class Activation : public boost::intrusive_ref_counter<Activation, boost::thread_unsafe_counter> {
 public:
  Activation(ActorId id, const TypeInfo& type, size_t shard)
      : shard(static_cast<uint32_t>(shard)), id(std::move(id)), type(&type) {}

  // What few activations need, allocated on first use: an activation is made
  // for every new identity, so its size is the cost of a million idle actors.
  struct Extras {
    std::unique_ptr<Error> failure;  // set in kFailed
    std::map<std::string, std::shared_ptr<ActorTimer>> timers;
    std::shared_ptr<const detail::CallChain> chain;     // of the turn in progress
    std::shared_ptr<const detail::CallChain> outgoing;  // {id, chain}: carried by calls this turn makes
  };
  Extras& extras() {
    if (!extras_) extras_ = std::make_unique<Extras>();
    return *extras_;
  }
  Extras* extras_if_any() const { return extras_.get(); }

  // The call chain of the turn in progress (null for calls from outside actors).
  const std::shared_ptr<const detail::CallChain>& chain() const {
    static const std::shared_ptr<const detail::CallChain> kNone;
    return extras_ ? extras_->chain : kNone;
  }
  void set_chain(const std::shared_ptr<const detail::CallChain>& chain) {
    if (chain || extras_) extras().chain = chain;
  }

  // Fields ordered so the object fits 152 bytes (the first sits in the
  // reference count's padding).
  uint32_t shard;
  uint32_t queued = 0;   // calls waiting for a turn (the mailbox's length)
  uint32_t running = 0;  // turns in progress (more than one only for reentrant types)
  Phase phase = Phase::kActivating;
  bool deactivate_requested = false;
  ActorId id;
  const TypeInfo* type;
  std::unique_ptr<Actor> actor;
  TurnLock turn;
  Clock::time_point activated_at;
  Clock::time_point last_used;

 private:
  std::unique_ptr<Extras> extras_;
};

using ActivationPtr = boost::intrusive_ptr<Activation>;

}  // namespace orbit::actor
