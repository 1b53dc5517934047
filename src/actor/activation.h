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
// claim; the cluster layer registers it with etcd and fences on expiry.
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
  Activation(ActorId id, const TypeInfo& type, size_t shard, size_t hash)
      : id(std::move(id)), type(&type), hash(hash), shard(static_cast<uint32_t>(shard)) {}

  ActorId id;
  const TypeInfo* type;
  size_t hash;  // ActorIdHash of id: the directory's hash
  uint32_t shard;
  Phase phase = Phase::kActivating;
  bool deactivate_requested = false;
  uint32_t queued = 0;   // calls waiting for a turn (the mailbox's length)
  uint32_t running = 0;  // turns in progress (more than one only for reentrant types)
  std::unique_ptr<Actor> actor;
  std::unique_ptr<Error> failure;  // set in kFailed
  TurnLock turn;
  std::shared_ptr<const detail::CallChain> chain;     // of the turn in progress
  std::shared_ptr<const detail::CallChain> outgoing;  // {id, chain}: carried by calls this turn makes
  Clock::time_point last_used;
  Lease lease;
  std::unique_ptr<std::map<std::string, std::shared_ptr<ActorTimer>>> timers;  // allocated on first use
};

using ActivationPtr = boost::intrusive_ptr<Activation>;

}  // namespace orbit::actor
