#pragma once

// The virtual-actor runtime of one node. Each identity (type, key) belongs to one
// shard (a hash of the identity); that shard's directory holds its activation, so
// there is at most one activation per identity without any lock. A call hops to
// the owning shard, takes the activation's turn or queues in its mailbox, runs as
// a turn on one of the shard's runner coroutines, and its completion hops back to
// the caller's shard. Placement is a function of the identity so a later cluster
// layer can extend it to (node, shard) with a remote hop. See
// docs/adr/006-virtual-actors.md.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actor/activation.h"
#include "common/result.h"
#include "orbit/actor.h"
#include "orbit/registry.h"
#include "runtime/blocking_pool.h"
#include "runtime/shard.h"
#include "storage/engine.h"

namespace orbit::actor {

struct RuntimeOptions {
  std::chrono::milliseconds call_timeout{30'000};
  std::chrono::milliseconds idle_timeout{600'000};
  // How often each shard renews its activations' leases. It looks for idle
  // activations every max(collection_interval, idle_timeout / 8).
  std::chrono::milliseconds collection_interval{1'000};
  std::chrono::milliseconds lease_duration{10'000};
  // How often call deadlines and reminders are checked.
  std::chrono::milliseconds tick{20};
  // Calls queued on one activation beyond this fail with kResourceExhausted.
  size_t mailbox_capacity = 10'000;
  size_t storage_threads = 4;
};

enum class EventKind : uint8_t { kActivated, kDeactivated, kStateSaved };
std::string_view EventKindName(EventKind kind);

struct ActorEvent {
  EventKind kind;
  ActorId id;
  int64_t unix_ms;
};

// Per-type numbers for GET /api/v1/actors and metrics.
struct TypeStats {
  size_t active = 0;
};

class Runtime {
 public:
  Runtime(runtime::ShardSet& shards, storage::Engine& engine, const ActorRegistry& registry, RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Loads persisted reminders and starts each shard's collector and ticker.
  Status Start();
  // Refuses new calls, deactivates every activation (OnDeactivate, state saved)
  // and stops the loops. Call from a thread that is not a shard. Idempotent.
  void Stop();

  const ActorRegistry& registry() const { return registry_; }
  const RuntimeOptions& options() const { return options_; }
  runtime::ShardSet& shards() { return shards_; }
  // Placement: the shard that owns an identity, from its ActorIdHash (the one
  // function a cluster layer extends to (node, shard)).
  size_t ShardOf(size_t hash) const { return hash % shards_.size(); }

  template <typename T>
  ActorRef<T> Ref(std::string key) {
    return ActorRef<T>(this, ActorId{std::string(TypeNameOf<T>()), std::move(key)});
  }

  // Dynamic invocation by method name with JSON arguments. `cancelled`, when
  // given, is polled: a call still queued when it turns true is dropped.
  Task<Result<nlohmann::json>> Invoke(ActorId id, std::string method, nlohmann::json args,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                                      std::shared_ptr<std::atomic<bool>> cancelled = nullptr);
  // The state of an actor whose type exposes it (runs as a turn; activates).
  Task<Result<nlohmann::json>> GetState(ActorId id);
  // Deactivates the actor if it is active; false if it was not.
  Task<Result<bool>> Deactivate(ActorId id);
  // Active activations per type name, over all shards.
  Task<std::map<std::string, TypeStats>> Stats();
  // Snapshot of one activation for the REST API; nullopt if not active.
  struct ActivationInfo {
    int64_t lease_expires_unix_ms;
    int64_t idle_ms;
    uint32_t queued;
  };
  Task<std::optional<ActivationInfo>> Inspect(ActorId id);

  // Event subscriptions (WebSocket). The callback runs on the activation's shard
  // and must not block.
  uint64_t Subscribe(std::function<void(const ActorEvent&)> listener);
  void Unsubscribe(uint64_t token);

  // --- used by Actor, State and ActorRef (public API implementation) ---
  // Sends `call` and waits for it: Start, then Wait unless it is already done,
  // then Ended. ActorRef's calls run the three steps in their own coroutine.
  Task<Result<void>> Send(std::shared_ptr<detail::Invocation> call);
  // Validates and sends the call. An error means the caller must not wait; a
  // call that fails at once (unknown type, bad key, full mailbox on this shard)
  // is done with its error as its outcome.
  std::optional<Error> Start(const std::shared_ptr<detail::Invocation>& call);
  // Suspends the calling coroutine until the call is done (Start returned no error).
  Task<void> Wait(detail::Invocation& call);
  // After the wait: an error if the caller stopped waiting (timeout, stopping).
  Result<void> Ended(const detail::Invocation& call) const;
  Task<Result<void>> SaveState(Activation& activation);
  void StartTimer(Activation& activation, std::string name, std::chrono::milliseconds due,
                  std::chrono::milliseconds period, std::function<Task<void>()> fn);
  void StopTimer(Activation& activation, const std::string& name);
  Task<Result<void>> SetReminder(const ActorId& id, std::string name, std::chrono::milliseconds due,
                                 std::chrono::milliseconds period);
  Task<Result<void>> ClearReminder(const ActorId& id, std::string name);

  // Counters for tests and metrics.
  uint64_t activations_total() const { return Sum(&ShardCounters::activations); }
  uint64_t deactivations_total() const { return Sum(&ShardCounters::deactivations); }
  uint64_t calls_total() const { return Sum(&ShardCounters::calls); }

 private:
  struct Hop;
  struct ShardState;
  struct Reminder {
    int64_t due_unix_ms = 0;
    int64_t period_ms = 0;
  };
  // Written by one shard only (no atomic read-modify-write), summed on read.
  struct ShardCounters {
    std::atomic<uint64_t> activations{0};
    std::atomic<uint64_t> deactivations{0};
    std::atomic<uint64_t> calls{0};
  };
  static void Bump(std::atomic<uint64_t>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  uint64_t Sum(std::atomic<uint64_t> ShardCounters::*counter) const;

  // Target side, on the call's owning shard: finds or creates the activation and
  // takes its turn (Schedule) or queues the call in its mailbox.
  void Deliver(size_t shard, std::shared_ptr<detail::Invocation> call);
  // Queues a call that holds its activation's turn for the shard's runners.
  void Schedule(size_t shard, ActivationPtr activation, std::shared_ptr<detail::Invocation> call,
                bool holds_turn = true);
  // From the shard's loop: resumes the callers whose calls finished, then wakes
  // an idle runner, or starts one, while runnable calls are waiting.
  void Kick(size_t shard);
  void ScheduleKick(size_t shard);
  // A runner: runs queued turns one after another as plain awaits, so a call
  // costs no coroutine spawn of its own. A turn that suspends leaves the rest of
  // the queue to another runner (the pending Kick wakes or starts one).
  Task<void> Runner(size_t shard);
  // A turn's start: false when the call is not to run (its activation died or
  // failed meanwhile, or its caller went away), and was handled here. A
  // reentrant or interleaving call gives up the turn here (holds_turn false).
  bool BeginTurn(Activation& activation, std::shared_ptr<detail::Invocation>& call, bool& holds_turn);
  // A turn's end: the mailbox's next call gets the turn, the caller its reply.
  void EndTurn(Activation& activation, std::shared_ptr<detail::Invocation> call, bool holds_turn);
  // Hands the turn to the next waiter: a queued call is scheduled.
  void ReleaseTurn(Activation& activation);
  // Sends the call's completion to its caller's shard.
  void Reply(std::shared_ptr<detail::Invocation> call);
  // Caller side: resumes the waiting caller once, with the outcome or timed out.
  void Finish(detail::Invocation& call, bool expired);
  void FailAndReply(std::shared_ptr<detail::Invocation> call, Error error);

  Task<void> Activate(ActivationPtr activation);
  // The actor object of a new activation, bound to it.
  void CreateActor(Activation& activation);
  // A new activation is ready for calls: active, leased, counted, announced.
  void MarkActive(Activation& activation);
  Task<void> DeactivateActivation(ActivationPtr activation);
  Task<void> TimerLoop(ActivationPtr activation, std::shared_ptr<ActorTimer> timer);
  Task<void> CollectorLoop(size_t shard);
  Task<void> TickLoop(size_t shard);
  Task<void> DeactivateAll(size_t shard);
  Task<Result<std::optional<std::string>>> LoadStateRecord(const ActorId& id);
  void FireReminders();
  Task<void> FireReminder(ActorId id, std::string name);
  void SendHop(size_t shard, Hop hop);
  void DrainInbox(size_t shard);
  void RunHop(size_t shard, Hop hop);
  void Emit(EventKind kind, const ActorId& id);
  ShardState& Local(size_t shard) { return *states_[shard]; }
  const ShardState& Local(size_t shard) const { return *states_[shard]; }
  // Finds `id`'s type and puts its key in canonical form; the identity's hash.
  Result<std::pair<const TypeInfo*, size_t>> Resolve(ActorId& id) const;
  std::chrono::milliseconds TimeoutOf(const detail::Invocation& call) const {
    return call.timeout.count() > 0 ? call.timeout : options_.call_timeout;
  }
  // An activation's lease: granted on activation, renewed with its shard's.
  Lease LeaseOf(const Activation& activation) const;
  // The live activation of `id` on `shard`, or null.
  ActivationPtr Find(size_t shard, const ActorId& id, size_t hash);

  runtime::ShardSet& shards_;
  storage::Engine& engine_;
  const ActorRegistry& registry_;
  RuntimeOptions options_;
  std::vector<std::unique_ptr<ShardState>> states_;
  std::unique_ptr<runtime::BlockingPool> storage_pool_;  // state loads/saves never block a shard
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  // Reminders by storage key; owned by shard 0.
  struct ReminderEntry {
    ActorId id;
    std::string name;
    Reminder schedule;
  };
  std::map<std::string, ReminderEntry> reminders_;

  std::mutex listeners_mu_;
  std::map<uint64_t, std::function<void(const ActorEvent&)>> listeners_;
  std::atomic<size_t> listener_count_{0};
  uint64_t next_listener_ = 1;

};

}  // namespace orbit::actor
