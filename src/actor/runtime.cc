#include "actor/runtime.h"

#include <deque>

#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actor/directory.h"
#include "actor/store.h"
#include "storage/key_codec.h"

namespace orbit::actor {
namespace {

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool InChain(const detail::CallChain* chain, const ActorId& id) {
  for (; chain != nullptr; chain = chain->parent.get()) {
    if (chain->id == id) return true;
  }
  return false;
}

std::string ChainText(const detail::CallChain* chain, const ActorId& target) {
  std::vector<std::string> ids;
  for (; chain != nullptr; chain = chain->parent.get()) ids.push_back(chain->id.ToString());
  std::string out;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) out += *it + " -> ";
  return out + target.ToString();
}

// OnReminder as a call, so a reminder runs as a turn like any other call.
class ReminderInvocation final : public detail::TypedInvocation<void> {
 public:
  explicit ReminderInvocation(std::string name) : name_(std::move(name)) {}
  std::string_view method_name() const override { return "OnReminder"; }
  Task<void> Run(Actor& actor) override {
    try {
      co_await actor.OnReminder(name_);
      outcome.emplace();
    } catch (const std::exception& e) {
      outcome.emplace(Error(ErrorCode::kAborted, e.what()));
    }
  }

 private:
  std::string name_;
};

// Reads the state of an actor as a turn (GET /api/v1/actors/{type}/{key}).
class StateInvocation final : public detail::JsonInvocation {
 public:
  explicit StateInvocation(const StateBinding& binding) : binding_(binding) {}
  std::string_view method_name() const override { return "state"; }
  Task<void> Run(Actor& actor) override {
    try {
      outcome.emplace(binding_.to_json(actor));
    } catch (const std::exception& e) {
      outcome.emplace(Error(ErrorCode::kInternal, e.what()));
    }
    co_return;
  }

 private:
  const StateBinding& binding_;
};

}  // namespace

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kActivated: return "activated";
    case EventKind::kDeactivated: return "deactivated";
    case EventKind::kStateSaved: return "state_saved";
  }
  return "unknown";
}

// A message between shards: a call to deliver, or a completion to hand back.
struct Runtime::Hop {
  std::shared_ptr<detail::Invocation> call;
  bool reply = false;
};

namespace {

// Every new identity costs one Activation: keep it within jemalloc's 160-byte class.
static_assert(sizeof(Activation) <= 160, "Activation grew past 160 bytes: move rarely used fields to Extras");

// Turns one runner takes before it lets the shard's other work (sockets, timers) run.
constexpr size_t kRunnerBatch = 256;
// Idle runners kept per shard; more exit.
constexpr size_t kIdleRunners = 16;

}  // namespace

struct Runtime::ShardState {
  // Messages from other shards. A sender posts a drain to the shard's loop only
  // when the inbox was empty, so a busy shard takes many messages per wake-up
  // instead of one cross-thread post (and often a futex wake) each.
  std::mutex inbox_mu;
  std::vector<Hop> inbox;
  bool drain_scheduled = false;
  std::vector<Hop> draining;  // the drain's batch, reused

  Directory directory;

  // Calls that hold their activation's turn and wait for a runner, in order.
  struct Runnable {
    ActivationPtr activation;
    std::shared_ptr<detail::Invocation> call;
    bool holds_turn = true;  // false: an AlwaysInterleave call running alongside the turn
  };
  std::deque<Runnable> runnable;
  std::vector<asio::any_completion_handler<void()>> idle_runners;  // taken from the back only
  // Callers on this shard whose calls finished, to resume from the loop. (Held
  // in a vector that is only appended to and cleared: any_completion_handler
  // must never be move-assigned.)
  std::vector<asio::any_completion_handler<void()>> ready;
  std::vector<asio::any_completion_handler<void()>> resuming;  // Kick's batch, reused
  bool kick_scheduled = false;
  size_t yielding_runners = 0;  // runners that yielded after a batch and will return
  bool closed = false;  // stopped: runners exit when idle

  // Calls made from this shard whose callers are suspended, newest first; each
  // tick times out the expired ones. A call leaves the list when it finishes.
  detail::Invocation* waiting = nullptr;
  asio::steady_timer* collector = nullptr;
  asio::steady_timer* ticker = nullptr;
  Clock::time_point lease_renewed_at{};  // every activation's lease starts at this or its activation
  Clock::time_point last_idle_sweep{};
  ShardCounters counters;
};

Runtime::Runtime(runtime::ShardSet& shards, storage::Engine& engine, const ActorRegistry& registry,
                 RuntimeOptions options)
    : shards_(shards), engine_(engine), registry_(registry), options_(std::move(options)) {
  for (size_t i = 0; i < shards_.size(); ++i) states_.push_back(std::make_unique<ShardState>());
  storage_pool_ = std::make_unique<runtime::BlockingPool>(std::max<size_t>(1, options_.storage_threads));
}

Runtime::~Runtime() { Stop(); }

Result<std::pair<const TypeInfo*, size_t>> Runtime::Resolve(ActorId& id) const {
  const TypeInfo* type = registry_.Find(id.type);
  if (type == nullptr) return Error(ErrorCode::kNotFound, "unknown actor type '" + id.type + "'");
  if (!KeyIsCanonical(type->key_kind, id.key)) {
    auto key = CanonicalKey(type->key_kind, id.key);
    if (!key.ok()) return key.error();
    id.key = std::move(key).value();
  }
  return std::pair<const TypeInfo*, size_t>(type, ActorIdHash{}(id));
}

uint64_t Runtime::Sum(std::atomic<uint64_t> ShardCounters::*counter) const {
  uint64_t total = 0;
  for (const auto& s : states_) total += (s->counters.*counter).load(std::memory_order_relaxed);
  return total;
}

Lease Runtime::LeaseOf(const Activation& act) const {
  auto granted = std::max(act.activated_at, Local(act.shard).lease_renewed_at);
  return Lease{granted + options_.lease_duration / 2, granted + options_.lease_duration};
}

ActivationPtr Runtime::Find(size_t shard, const ActorId& id, size_t hash) {
  return Local(shard).directory.Find(id, hash);
}

Status Runtime::Start() {
  auto it = engine_.Scan(storage::ColumnFamily::kActors, ReminderPrefix(), storage::PrefixSuccessor(ReminderPrefix()));
  for (; it->Valid(); it->Next()) {
    auto r = DecodeReminder(it->key(), it->value());
    if (!r.ok()) return r.error();
    reminders_[std::string(it->key())] = ReminderEntry{r->id, r->name, Reminder{r->due_unix_ms, r->period_ms}};
  }
  if (auto s = it->status(); !s.ok()) return s;
  for (size_t i = 0; i < shards_.size(); ++i) {
    asio::co_spawn(shards_.shard(i).executor(), CollectorLoop(i), asio::detached);
    asio::co_spawn(shards_.shard(i).executor(), TickLoop(i), asio::detached);
  }
  started_ = true;
  return {};
}

void Runtime::Stop() {
  if (stopping_.exchange(true) || !started_) return;
  for (size_t i = 0; i < shards_.size(); ++i) {
    asio::co_spawn(shards_.shard(i).executor(), DeactivateAll(i), asio::use_future).get();
  }
  storage_pool_->Stop();
}

Task<void> Runtime::DeactivateAll(size_t shard) {
  ShardState& s = Local(shard);
  if (s.collector != nullptr) s.collector->cancel();
  if (s.ticker != nullptr) s.ticker->cancel();
  std::vector<ActivationPtr> all;
  all.reserve(s.directory.size());
  s.directory.ForEach([&](const ActivationPtr& act) { all.push_back(act); });
  for (auto& act : all) co_await DeactivateActivation(act);
  // Callers on this shard still waiting end now (Send reports kUnavailable: the runtime stopped).
  while (s.waiting != nullptr) Finish(*s.waiting, true);
  // Idle runners exit; busy ones exit when they next run out of work.
  s.closed = true;
  std::vector<asio::any_completion_handler<void()>> idle;
  idle.reserve(s.idle_runners.size());
  while (!s.idle_runners.empty()) {
    idle.emplace_back(std::move(s.idle_runners.back()));
    s.idle_runners.pop_back();
  }
  for (auto& h : idle) Resume(shards_.shard(shard).executor(), std::move(h));
}

// --- calls ---

Task<Result<void>> Runtime::Send(std::shared_ptr<detail::Invocation> call) {
  if (auto error = Start(call)) co_return std::move(*error);
  if (!call->done_) co_await Wait(*call);
  co_return Ended(*call);
}

std::optional<Error> Runtime::Start(const std::shared_ptr<detail::Invocation>& call) {
  runtime::Shard* here = runtime::Shard::Current();
  if (here == nullptr) return Error(ErrorCode::kInternal, "actor calls must be made from a shard (see Node::Run)");
  ShardState& local = Local(here->id());
  Bump(local.counters.calls);
  call->done_ = true;  // until it is sent: the early returns below complete it
  call->timed_out_ = false;
  if (stopping_.load(std::memory_order_relaxed)) return Error(ErrorCode::kUnavailable, "the actor runtime is stopping");
  auto resolved = Resolve(call->target);
  if (!resolved.ok()) {  // the call is done, with the error as its outcome
    call->Fail(resolved.error());
    return std::nullopt;
  }
  const TypeInfo* type = resolved->first;
  call->type_ = type;
  call->hash_ = resolved->second;
  if (type->interleaving) {
    const MethodInfo* method = call->FindIn(*type);
    call->interleave_ = method != nullptr && method->interleave;
  }
  call->caller_shard_ = static_cast<uint32_t>(here->id());
  call->done_ = false;
  size_t target = ShardOf(call->hash_);
  if (target == here->id()) {
    Deliver(target, call);
  } else {
    SendHop(target, Hop{call, false});
  }
  // Until the caller suspends (in Wait, with no turn of the loop in between),
  // nothing on this shard can finish the call except Deliver's immediate
  // failures; the other shard's reply comes through this shard's inbox, which
  // only this shard's loop drains.
  if (!call->done_) {
    call->deadline_ = Clock::now() + TimeoutOf(*call);
    call->wait_next_ = local.waiting;
    if (local.waiting != nullptr) local.waiting->wait_pprev_ = &call->wait_next_;
    call->wait_pprev_ = &local.waiting;
    local.waiting = call.get();
  }
  return std::nullopt;
}

Task<void> Runtime::Wait(detail::Invocation& call) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [c = &call](auto handler) { c->resume_.emplace(std::move(handler)); }, asio::use_awaitable);
}

Result<void> Runtime::Ended(const detail::Invocation& call) const {
  if (!call.timed_out_) return Result<void>();
  if (stopping_.load()) return Error(ErrorCode::kUnavailable, "the actor runtime stopped");
  auto timeout = TimeoutOf(call);
  const MethodInfo* method = call.type_ != nullptr ? call.FindIn(*call.type_) : nullptr;
  return Error(ErrorCode::kDeadlineExceeded,
               fmt::format("the call to {}.{} timed out after {} ms", call.target.ToString(),
                           method != nullptr ? std::string_view(method->name) : call.method_name(), timeout.count()));
}

void Runtime::Finish(detail::Invocation& call, bool expired) {
  if (call.done_) return;
  call.done_ = true;
  call.timed_out_ = expired;
  call.UnlinkWait();
  if (!call.resume_) return;  // the caller has not suspended yet: it sees done_
  // Resumed by the shard's Kick with the other finished callers: one post per
  // batch rather than one per call.
  ShardState& s = Local(call.caller_shard_);
  s.ready.emplace_back(std::move(*call.resume_));
  call.resume_.reset();
  ScheduleKick(call.caller_shard_);
}

void Runtime::Reply(std::shared_ptr<detail::Invocation> call) {
  size_t caller = call->caller_shard_;
  runtime::Shard* here = runtime::Shard::Current();
  if (here != nullptr && here->id() == caller) {
    Finish(*call, false);
  } else {
    SendHop(caller, Hop{std::move(call), true});
  }
}

void Runtime::FailAndReply(std::shared_ptr<detail::Invocation> call, Error error) {
  call->Fail(std::move(error));
  Reply(std::move(call));
}

void Runtime::Deliver(size_t shard, std::shared_ptr<detail::Invocation> call) {
  ShardState& s = Local(shard);
  const TypeInfo& type = *call->type_;
  ActivationPtr act = s.directory.Find(call->target, call->hash_);
  if (!act) {
    if (stopping_.load(std::memory_order_relaxed)) {
      FailAndReply(std::move(call), Error(ErrorCode::kUnavailable, "the actor runtime is stopping"));
      return;
    }
    act = new Activation(call->target, type, shard);
    if (!type.state && !type.has_on_activate) {
      // Nothing to load or run: active now, without a turn or coroutine of its own.
      try {
        CreateActor(*act);
      } catch (const std::exception& e) {
        FailAndReply(std::move(call), Error(ErrorCode::kAborted, "activation of " + call->target.ToString() +
                                                                   " failed: the constructor threw: " + e.what()));
        return;
      }
      s.directory.Insert(act, call->hash_);
      MarkActive(*act);
    } else {
      s.directory.Insert(act, call->hash_);
      (void)act->turn.TryAcquire();  // held until activation ends
      asio::co_spawn(shards_.shard(shard).executor(), Activate(act), asio::detached);
    }
  }
  if (!type.reentrant && !call->interleave_ && InChain(call->chain.get(), call->target)) {
    FailAndReply(std::move(call), Error(ErrorCode::kDeadlock, "call cycle between non-reentrant actors: " +
                                                                  ChainText(call->chain.get(), call->target)));
    return;
  }
  if (act->queued >= options_.mailbox_capacity) {
    FailAndReply(std::move(call), Error(ErrorCode::kResourceExhausted,
                                        fmt::format("the mailbox of {} is full ({} calls queued)",
                                                    call->target.ToString(), act->queued)));
    return;
  }
  if (call->interleave_ && act->phase == Phase::kActive) {
    Schedule(shard, std::move(act), std::move(call), /*holds_turn=*/false);
  } else if (act->turn.TryAcquire()) {
    Schedule(shard, std::move(act), std::move(call));
  } else {
    ++act->queued;
    act->turn.Enqueue(std::move(call));
  }
}

void Runtime::Schedule(size_t shard, ActivationPtr act, std::shared_ptr<detail::Invocation> call, bool holds_turn) {
  ShardState& s = Local(shard);
  s.runnable.push_back({std::move(act), std::move(call), holds_turn});
  ScheduleKick(shard);
}

void Runtime::ScheduleKick(size_t shard) {
  ShardState& s = Local(shard);
  if (s.kick_scheduled) return;
  s.kick_scheduled = true;
  asio::post(shards_.shard(shard).context(), [this, shard] { Kick(shard); });
}

// Runs from the shard's loop, so no runner is in the middle of a turn: a runner
// that is not idle is either suspended inside a turn, and the queue needs
// another, or yielded after a batch and comes back by itself.
void Runtime::Kick(size_t shard) {
  ShardState& s = Local(shard);
  s.kick_scheduled = false;
  // Finished callers first: each runs until it suspends again, often on its next
  // call. One that throws (Shard::Run logs and goes on) must not strand the rest.
  if (!s.ready.empty()) {
    s.resuming.swap(s.ready);
    for (auto& caller : s.resuming) {
      auto resume = std::move(caller);
      try {
        std::move(resume)();
      } catch (const std::exception& e) {
        spdlog::error("actor runtime: a resumed caller threw: {}", e.what());
      } catch (...) {
        spdlog::error("actor runtime: a resumed caller threw a non-standard exception");
      }
    }
    s.resuming.clear();
  }
  // A runner that yielded after a batch comes back by itself.
  if (s.runnable.empty() || s.yielding_runners > 0) return;
  if (!s.idle_runners.empty()) {
    auto runner = std::move(s.idle_runners.back());
    s.idle_runners.pop_back();
    std::move(runner)();  // resumes it here, from the loop: it runs until it suspends
  } else {
    asio::co_spawn(shards_.shard(shard).executor(), Runner(shard), asio::detached);
  }
}

Task<void> Runtime::Runner(size_t shard) {
  ShardState& s = Local(shard);
  auto executor = shards_.shard(shard).executor();
  while (true) {
    size_t ran = 0;
    while (!s.runnable.empty()) {
      if (++ran > kRunnerBatch) {  // let the shard's sockets and timers run, then go on
        ran = 0;
        ++s.yielding_runners;
        co_await asio::post(executor, asio::use_awaitable);
        --s.yielding_runners;
        continue;
      }
      // If this turn suspends, the Kick this schedules hands the rest to another runner.
      if (s.runnable.size() > 1) ScheduleKick(shard);
      auto next = std::move(s.runnable.front());
      s.runnable.pop_front();
      // The turn runs in this loop's frame: no coroutine of its own per call.
      Activation& act = *next.activation;
      if (!BeginTurn(act, next.call, next.holds_turn)) continue;
      // Run() turns a method's std::exception into an error; anything else that
      // escapes must still end the turn, or the activation stays locked.
      bool threw = false;
      try {
        co_await next.call->Run(*act.actor);
        if (act.type->save_after_each_call && act.type->state && !next.call->failed()) {
          auto saved = co_await SaveState(act);
          if (!saved.ok()) {
            next.call->Fail(Error(saved.error().code(), "the call ran but its state was not saved: " + saved.error().message()));
          }
        }
      } catch (...) {
        threw = true;
      }
      if (threw) next.call->Fail(Error(ErrorCode::kAborted, "the turn threw a non-standard exception"));
      EndTurn(act, std::move(next.call), next.holds_turn);
    }
    if (s.closed || s.idle_runners.size() >= kIdleRunners) co_return;
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [&s](auto handler) { s.idle_runners.emplace_back(std::move(handler)); }, asio::use_awaitable);
    if (s.closed) co_return;
  }
}

bool Runtime::BeginTurn(Activation& act, std::shared_ptr<detail::Invocation>& call, bool& holds_turn) {
  if (!holds_turn && act.phase != Phase::kActive) {
    // An interleaving call whose activation began deactivating meanwhile: it
    // waits in the mailbox (or goes to the successor) like any other call.
    Deliver(act.shard, std::move(call));
    return false;
  }
  if (act.phase == Phase::kDead) {  // deactivated while the call waited: go to its successor
    ReleaseTurn(act);
    Deliver(act.shard, std::move(call));
    return false;
  }
  if (act.phase == Phase::kFailed) {
    call->Fail(*act.extras().failure);
    ReleaseTurn(act);
    Reply(std::move(call));
    return false;
  }
  if (call->cancelled && call->cancelled->load()) {
    call->Fail(Error(ErrorCode::kCancelled, "the caller went away"));
    if (holds_turn) ReleaseTurn(act);
    Reply(std::move(call));
    return false;
  }
  if (holds_turn && (act.type->reentrant || call->interleave_)) {  // runs alongside later turns
    ReleaseTurn(act);
    holds_turn = false;
  }
  ++act.running;
  act.set_chain(call->chain);
  return true;
}

void Runtime::EndTurn(Activation& act, std::shared_ptr<detail::Invocation> call, bool holds_turn) {
  act.set_chain(nullptr);
  --act.running;
  act.last_used = Clock::now();
  if (holds_turn) ReleaseTurn(act);
  if (act.deactivate_requested) {
    asio::co_spawn(shards_.shard(act.shard).executor(), DeactivateActivation(ActivationPtr(&act)), asio::detached);
  }
  Reply(std::move(call));
}

void Runtime::ReleaseTurn(Activation& act) {
  if (auto next = act.turn.Release(shards_.shard(act.shard).executor())) {
    --act.queued;
    Schedule(act.shard, ActivationPtr(&act), std::move(next));
  }
}

void Runtime::SendHop(size_t shard, Hop hop) {
  ShardState& s = Local(shard);
  bool schedule = false;
  {
    std::lock_guard lock(s.inbox_mu);
    s.inbox.push_back(std::move(hop));
    schedule = !s.drain_scheduled;
    s.drain_scheduled = true;
  }
  if (schedule) asio::post(shards_.shard(shard).context(), [this, shard] { DrainInbox(shard); });
}

void Runtime::DrainInbox(size_t shard) {
  ShardState& s = Local(shard);
  {
    std::lock_guard lock(s.inbox_mu);
    s.draining.swap(s.inbox);
    s.drain_scheduled = false;
  }
  for (auto& hop : s.draining) {
    try {
      RunHop(shard, std::move(hop));
    } catch (const std::exception& e) {  // bad_alloc; the batch's other hops still run
      spdlog::error("actor runtime: a cross-shard message failed: {}", e.what());
    }
  }
  s.draining.clear();
}

void Runtime::RunHop(size_t shard, Hop hop) {
  if (hop.reply) {
    Finish(*hop.call, false);
  } else {
    Deliver(shard, std::move(hop.call));
  }
}

// --- lifecycle ---

void Runtime::CreateActor(Activation& act) {
  act.actor = act.type->factory();
  act.actor->activation_ = &act;
  act.actor->runtime_ = this;
}

void Runtime::MarkActive(Activation& act) {
  auto now = Clock::now();
  act.phase = Phase::kActive;
  act.last_used = now;
  act.activated_at = now;
  Bump(Local(act.shard).counters.activations);
  Emit(EventKind::kActivated, act.id);
}

Task<void> Runtime::Activate(ActivationPtr act) {
  auto executor = shards_.shard(act->shard).executor();
  std::optional<Error> failure;
  try {
    CreateActor(*act);
  } catch (const std::exception& e) {
    failure = Error(ErrorCode::kAborted, std::string("the constructor threw: ") + e.what());
  }
  if (!failure && act->type->state) {
    act->type->state->bind(*act->actor);
    auto record = co_await LoadStateRecord(act->id);
    if (!record.ok()) {
      failure = record.error();
    } else if (record->has_value()) {
      auto decoded = DecodeState(**record);
      if (!decoded.ok()) {
        failure = decoded.error();
      } else if (auto r = act->type->state->from_json(*act->actor, std::move(decoded->value), decoded->version); !r.ok()) {
        failure = r.error();
      }
    }
  }
  if (!failure) {
    try {
      co_await act->actor->OnActivate();
    } catch (const std::exception& e) {
      failure = Error(ErrorCode::kAborted, std::string("OnActivate threw: ") + e.what());
    }
  }
  if (failure) {
    spdlog::warn("actor {}: activation failed: {}", act->id.ToString(), failure->ToString());
    act->phase = Phase::kFailed;
    act->extras().failure = std::make_unique<Error>(Error(failure->code(), "activation of " + act->id.ToString() + " failed: " + failure->message()));
    Local(act->shard).directory.Erase(*act);
    act->actor.reset();
    ReleaseTurn(*act);
    co_return;
  }
  MarkActive(*act);
  ReleaseTurn(*act);
}

Task<void> Runtime::DeactivateActivation(ActivationPtr act) {
  auto executor = shards_.shard(act->shard).executor();
  if (act->phase != Phase::kActive) co_return;
  co_await act->turn.Acquire();
  if (act->phase != Phase::kActive) {
    ReleaseTurn(*act);
    co_return;
  }
  act->deactivate_requested = false;
  act->phase = Phase::kDeactivating;
  while (act->running > 0) {  // reentrant turns still in progress
    asio::steady_timer wait(executor, std::chrono::milliseconds(1));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (auto* extras = act->extras_if_any()) {
    for (auto& [name, timer] : extras->timers) {
      timer->stopped = true;
      timer->timer.cancel();
    }
    extras->timers.clear();
  }
  try {
    co_await act->actor->OnDeactivate();
  } catch (const std::exception& e) {
    spdlog::warn("actor {}: OnDeactivate threw: {}", act->id.ToString(), e.what());
  }
  if (act->type->state) {
    auto saved = co_await SaveState(*act);
    if (!saved.ok()) {
      spdlog::error("actor {}: state not saved on deactivation: {}", act->id.ToString(), saved.error().ToString());
      if (!stopping_.load()) {  // keep it active rather than lose its state; retried later
        act->phase = Phase::kActive;
        act->last_used = Clock::now();
        ReleaseTurn(*act);
        co_return;
      }
    }
  }
  Local(act->shard).directory.Erase(*act);
  act->phase = Phase::kDead;
  act->actor.reset();
  Bump(Local(act->shard).counters.deactivations);
  Emit(EventKind::kDeactivated, act->id);
  // Calls that waited go to the successor now, in their order, before any call
  // that arrives later can take its first turn.
  auto waiting = act->turn.TakeCalls();
  act->queued -= static_cast<uint32_t>(waiting.size());
  for (auto& call : waiting) Deliver(act->shard, std::move(call));
  ReleaseTurn(*act);
}

Task<void> Runtime::CollectorLoop(size_t shard) {
  asio::steady_timer timer(shards_.shard(shard).executor());
  ShardState& s = Local(shard);
  s.collector = &timer;
  std::vector<ActivationPtr> idle;
  s.last_idle_sweep = Clock::now();
  while (!stopping_.load()) {
    timer.expires_after(options_.collection_interval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_.load()) break;
    auto now = Clock::now();
    // All of the shard's leases are renewed together: no activation is touched.
    if (now - s.lease_renewed_at >= options_.lease_duration / 2) s.lease_renewed_at = now;
    // Looking for idle activations reads every one of them (a cache miss each at
    // a million actors), so it runs once per eighth of the idle timeout, not
    // every interval.
    if (now - s.last_idle_sweep < std::max<Clock::duration>(options_.collection_interval, options_.idle_timeout / 8)) continue;
    s.last_idle_sweep = now;
    s.directory.ForEach([&](const ActivationPtr& act) {
      if (act->phase == Phase::kActive && !act->turn.locked() && act->queued == 0 && act->running == 0 &&
          now - act->last_used >= options_.idle_timeout) {
        idle.push_back(act);
      }
    });
    for (auto& act : idle) asio::co_spawn(shards_.shard(shard).executor(), DeactivateActivation(act), asio::detached);
    idle.clear();
  }
  s.collector = nullptr;
}

Task<void> Runtime::TickLoop(size_t shard) {
  asio::steady_timer timer(shards_.shard(shard).executor());
  ShardState& s = Local(shard);
  s.ticker = &timer;
  std::vector<detail::Invocation*> expired;
  while (!stopping_.load()) {
    timer.expires_after(options_.tick);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_.load()) break;
    // Finishing unlinks a call, so collect the expired ones first.
    auto now = Clock::now();
    for (detail::Invocation* c = s.waiting; c != nullptr; c = c->wait_next_) {
      if (c->deadline_ <= now) expired.push_back(c);
    }
    for (detail::Invocation* c : expired) Finish(*c, true);
    expired.clear();
    if (shard == 0) FireReminders();
  }
  s.ticker = nullptr;
}

// --- state ---

Task<Result<std::optional<std::string>>> Runtime::LoadStateRecord(const ActorId& id) {
  std::string key = StateKey(id);
  // (optional: the pool's result type must be default-constructible)
  auto got = co_await storage_pool_->Run([&] { return std::optional(engine_.Get(storage::ColumnFamily::kActors, key)); });
  co_return std::move(*got);
}

Task<Result<void>> Runtime::SaveState(Activation& act) {
  if (!act.type->state || !act.actor) co_return Error(ErrorCode::kInvalidArgument, act.type->name + " has no bound state");
  std::string key = StateKey(act.id);
  std::string bytes;
  try {
    bytes = EncodeState(act.type->state->version, act.type->state->to_json(*act.actor));
  } catch (const std::exception& e) {
    co_return Error(ErrorCode::kInvalidArgument, std::string("cannot encode the state: ") + e.what());
  }
  Status saved = co_await storage_pool_->Run([&] {
    storage::WriteBatch batch(engine_);
    batch.Put(storage::ColumnFamily::kActors, key, bytes);
    return engine_.Write(batch, storage::Engine::WriteMode::kOwned);
  });
  if (saved.ok()) Emit(EventKind::kStateSaved, act.id);
  co_return saved;
}

// --- timers and reminders ---

void Runtime::StartTimer(Activation& act, std::string name, std::chrono::milliseconds due,
                         std::chrono::milliseconds period, std::function<Task<void>()> fn) {
  ActivationPtr live = Find(act.shard, act.id, ActorIdHash{}(act.id));
  if (live.get() != &act) return;  // not a live activation
  StopTimer(act, name);
  auto timer = std::make_shared<ActorTimer>(shards_.shard(act.shard).executor());
  timer->period = period;
  timer->fn = std::move(fn);
  timer->timer.expires_after(due);
  act.extras().timers[name] = timer;
  asio::co_spawn(shards_.shard(act.shard).executor(), TimerLoop(std::move(live), timer), asio::detached);
}

void Runtime::StopTimer(Activation& act, const std::string& name) {
  auto* extras = act.extras_if_any();
  if (extras == nullptr) return;
  auto it = extras->timers.find(name);
  if (it == extras->timers.end()) return;
  it->second->stopped = true;
  it->second->timer.cancel();
  extras->timers.erase(it);
}

Task<void> Runtime::TimerLoop(ActivationPtr act, std::shared_ptr<ActorTimer> timer) {
  auto executor = shards_.shard(act->shard).executor();
  while (true) {
    co_await timer->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (timer->stopped || stopping_.load()) co_return;
    co_await act->turn.Acquire();
    if (timer->stopped || act->phase != Phase::kActive) {
      ReleaseTurn(*act);
      co_return;
    }
    ++act->running;
    try {
      co_await timer->fn();
    } catch (const std::exception& e) {
      spdlog::warn("actor {}: timer threw: {}", act->id.ToString(), e.what());
    }
    --act->running;
    ReleaseTurn(*act);
    if (timer->period.count() == 0) {
      timer->stopped = true;
      co_return;
    }
    timer->timer.expires_after(timer->period);
  }
}

Task<Result<void>> Runtime::SetReminder(const ActorId& id, std::string name, std::chrono::milliseconds due,
                                        std::chrono::milliseconds period) {
  if (due.count() < 0 || period.count() < 0) co_return Error(ErrorCode::kInvalidArgument, "reminder times must not be negative");
  std::string key = ReminderKey(id, name);
  int64_t due_ms = UnixMs() + due.count();
  std::string value = EncodeReminder(due_ms, period.count());
  Status saved = co_await storage_pool_->Run([&] {
    storage::WriteBatch batch(engine_);
    batch.Put(storage::ColumnFamily::kActors, key, value);
    return engine_.Write(batch, storage::Engine::WriteMode::kOwned);
  });
  if (!saved.ok()) co_return saved;
  ReminderEntry entry{id, name, Reminder{due_ms, period.count()}};
  co_await shards_.RunOn(0, [&] { reminders_[key] = entry; });
  co_return Result<void>();
}

Task<Result<void>> Runtime::ClearReminder(const ActorId& id, std::string name) {
  std::string key = ReminderKey(id, name);
  co_await shards_.RunOn(0, [&] { reminders_.erase(key); });
  co_return co_await storage_pool_->Run([&] {
    storage::WriteBatch batch(engine_);
    batch.Delete(storage::ColumnFamily::kActors, key);
    return engine_.Write(batch, storage::Engine::WriteMode::kOwned);
  });
}

void Runtime::FireReminders() {
  if (reminders_.empty()) return;
  int64_t now = UnixMs();
  std::vector<std::pair<ActorId, std::string>> due;
  for (auto it = reminders_.begin(); it != reminders_.end();) {
    Reminder& r = it->second.schedule;
    if (r.due_unix_ms > now) {
      ++it;
      continue;
    }
    due.emplace_back(it->second.id, it->second.name);
    if (r.period_ms > 0) {
      r.due_unix_ms += ((now - r.due_unix_ms) / r.period_ms + 1) * r.period_ms;  // skip missed periods
      ++it;
    } else {
      it = reminders_.erase(it);  // the record is deleted once the reminder has run
    }
  }
  // Spawned after the scan: co_spawn runs a coroutine inline up to its first
  // suspension, and a reminder may set reminders.
  for (auto& [id, name] : due) asio::co_spawn(shards_.shard(0).executor(), FireReminder(id, name), asio::detached);
}

Task<void> Runtime::FireReminder(ActorId id, std::string name) {
  auto call = std::make_shared<ReminderInvocation>(name);
  call->target = id;
  auto sent = co_await Send(call);
  bool ran = sent.ok() && !call->failed();
  if (!ran) {
    spdlog::warn("actor {}: reminder '{}' failed: {}", id.ToString(), name,
                 !sent.ok() ? sent.error().ToString() : call->outcome->error().ToString());
  }
  // A one-shot reminder's record goes once it ran, unless it was set again meanwhile.
  std::string key = ReminderKey(id, name);
  if (ran && reminders_.find(key) == reminders_.end()) {
    (void)co_await storage_pool_->Run([&] {
      storage::WriteBatch batch(engine_);
      batch.Delete(storage::ColumnFamily::kActors, key);
      return engine_.Write(batch, storage::Engine::WriteMode::kOwned);
    });
  }
}

// --- by name (REST, gRPC) ---

Task<Result<nlohmann::json>> Runtime::Invoke(ActorId id, std::string method, nlohmann::json args,
                                             std::chrono::milliseconds timeout,
                                             std::shared_ptr<std::atomic<bool>> cancelled) {
  const TypeInfo* type = registry_.Find(id.type);
  if (type == nullptr) co_return Error(ErrorCode::kNotFound, "unknown actor type '" + id.type + "'");
  const MethodInfo* m = type->FindMethod(method);
  if (m == nullptr) co_return Error(ErrorCode::kNotFound, "actor type '" + id.type + "' has no method '" + method + "'");
  auto bound = m->bind(args);
  if (!bound.ok()) co_return bound.error();
  std::shared_ptr<detail::JsonInvocation> call = std::move(bound).value();
  call->target = std::move(id);
  call->timeout = timeout;
  call->cancelled = std::move(cancelled);
  auto sent = co_await Send(call);
  if (!sent.ok()) co_return sent.error();
  co_return std::move(*call->outcome);
}

Task<Result<nlohmann::json>> Runtime::GetState(ActorId id) {
  const TypeInfo* type = registry_.Find(id.type);
  if (type == nullptr) co_return Error(ErrorCode::kNotFound, "unknown actor type '" + id.type + "'");
  if (!type->state || !type->expose_state) {
    co_return Error(ErrorCode::kNotSupported, "actor type '" + id.type + "' does not expose its state");
  }
  auto call = std::make_shared<StateInvocation>(*type->state);
  call->target = std::move(id);
  auto sent = co_await Send(call);
  if (!sent.ok()) co_return sent.error();
  co_return std::move(*call->outcome);
}

Task<Result<bool>> Runtime::Deactivate(ActorId id) {
  auto resolved = Resolve(id);
  if (!resolved.ok()) co_return resolved.error();
  size_t hash = resolved->second;
  size_t shard = ShardOf(hash);
  co_return co_await shards_.RunOn(shard, [&]() -> Task<bool> {
    ActivationPtr act = Find(shard, id, hash);
    if (!act || act->phase != Phase::kActive) co_return false;
    co_await DeactivateActivation(act);
    co_return act->phase == Phase::kDead;
  });
}

Task<std::optional<Runtime::ActivationInfo>> Runtime::Inspect(ActorId id) {
  auto resolved = Resolve(id);
  if (!resolved.ok()) co_return std::nullopt;
  size_t hash = resolved->second;
  size_t shard = ShardOf(hash);
  co_return co_await shards_.RunOn(shard, [&]() -> std::optional<ActivationInfo> {
    ActivationPtr act = Find(shard, id, hash);
    if (!act || act->phase != Phase::kActive) return std::nullopt;
    auto now = Clock::now();
    auto& a = *act;
    return ActivationInfo{
        UnixMs() + std::chrono::duration_cast<std::chrono::milliseconds>(LeaseOf(a).expires_at - now).count(),
        std::chrono::duration_cast<std::chrono::milliseconds>(now - a.last_used).count(), a.queued};
  });
}

Task<std::map<std::string, TypeStats>> Runtime::Stats() {
  std::map<std::string, TypeStats> stats;
  for (const auto& type : registry_.types()) stats[type->name];
  for (size_t i = 0; i < shards_.size(); ++i) {
    co_await shards_.RunOn(i, [&] {
      Local(i).directory.ForEach([&](const ActivationPtr& act) {
        if (act->phase == Phase::kActive) ++stats[act->id.type].active;
      });
    });
  }
  co_return stats;
}

// --- events ---

uint64_t Runtime::Subscribe(std::function<void(const ActorEvent&)> listener) {
  std::lock_guard lock(listeners_mu_);
  uint64_t token = next_listener_++;
  listeners_.emplace(token, std::move(listener));
  listener_count_ = listeners_.size();
  return token;
}

void Runtime::Unsubscribe(uint64_t token) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(token);
  listener_count_ = listeners_.size();
}

void Runtime::Emit(EventKind kind, const ActorId& id) {
  if (listener_count_.load(std::memory_order_relaxed) == 0) return;
  ActorEvent event{kind, id, UnixMs()};
  std::lock_guard lock(listeners_mu_);
  for (auto& [token, listener] : listeners_) {
    try {
      listener(event);
    } catch (const std::exception& e) {
      spdlog::warn("actor event listener threw: {}", e.what());
    }
  }
}

}  // namespace orbit::actor
