#pragma once

// One activation: an actor instance bound to its identity on the shard that owns
// the identity, with its mailbox (TurnLock), lifecycle phase, idle clock, lease
// and timers. Only its shard touches it.

#include <chrono>
#include <map>
#include <memory>
#include <string>

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

class Activation {
 public:
  Activation(ActorId id, const TypeInfo& type, size_t shard) : id(std::move(id)), type(&type), shard(shard) {}

  ActorId id;
  const TypeInfo* type;
  size_t shard;
  std::unique_ptr<Actor> actor;
  Phase phase = Phase::kActivating;
  std::unique_ptr<Error> failure;  // set in kFailed
  TurnLock turn;
  uint32_t queued = 0;   // calls waiting for a turn (the mailbox's length)
  uint32_t running = 0;  // turns in progress (more than one only for reentrant types)
  bool deactivate_requested = false;
  std::shared_ptr<const detail::CallChain> chain;  // of the turn in progress
  Clock::time_point last_used;
  Lease lease;
  std::unique_ptr<std::map<std::string, std::shared_ptr<ActorTimer>>> timers;  // allocated on first use
};

}  // namespace orbit::actor
