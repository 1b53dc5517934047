#pragma once

// The Redis command table and the context a command runs with.
//
// Each command family (string_family.cc, keys_family.cc, ...) ends with a
// Register<Family>(CommandRegistry&) that adds one CommandSpec per command: name,
// arity and key positions as in Redis's command table (COMMAND INFO answers from
// it), flags, and a handler. A handler parses its arguments, operates on the
// databases of the shards that own its keys and writes exactly one reply.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kv/database.h"
#include "runtime/asio.h"
#include "protocol/resp/reply_builder.h"
#include "protocol/resp/resp_session.h"
#include "storage/engine.h"

namespace orbit::kv {

class Keyspace;

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,      // may modify data (refused while storage is failing)
  kReadOnly = 1 << 1,
  kAllShards = 1 << 2,  // touches every shard (DBSIZE, FLUSHDB, KEYS, ...)
  kNoAuth = 1 << 3,     // allowed before AUTH (HELLO, AUTH, QUIT, ...)
  kFast = 1 << 4,
  kAdmin = 1 << 5,
  kDenyOom = 1 << 6,    // refused beyond maxmemory
  kLoading = 1 << 7,
  kStale = 1 << 8,
  kTxControl = 1 << 9,  // not queued inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET)
  kPubSub = 1 << 10,    // allowed in RESP2 subscribed state
  kBlocking = 1 << 11,  // may block (BLPOP, ...): see Keyspace::Block
};

// A client waiting in a blocking command. Wakers set `done` and cancel the timer
// on the client's executor; the client then retries its command.
struct BlockedClient {
  explicit BlockedClient(asio::any_io_executor ex) : executor(ex), timer(ex) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  std::atomic<bool> done{false};
  int64_t timeout_ms = 0;  // 0: forever
};

class CommandContext;
using CommandFn = void (*)(CommandContext&);
// Key positions of commands whose keys a fixed first/last/step cannot describe
// (a numkeys argument: ZUNION, LMPOP, ...), as Redis's getkeys procedures.
using KeysFn = std::vector<size_t> (*)(std::span<const std::string_view> args);

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;              // > 0: exact argument count (with the name); < 0: at least -arity
  uint32_t flags;
  int first_key;          // 0: no keys
  int last_key;           // -1: the last argument
  int step;
  CommandFn fn;
  std::string_view group;
  std::string_view summary;
  std::string_view since = "1.0.0";
  KeysFn keys = nullptr;  // when set, overrides first/last/step for routing
};

class CommandRegistry {
 public:
  void Register(const CommandSpec& spec);
  // Case-insensitive lookup; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  const std::vector<CommandSpec>& all() const { return specs_; }

 private:
  std::vector<CommandSpec> specs_;
  std::unordered_map<std::string, size_t> index_;
};

// Positions of the key arguments of `args` according to `spec`.
std::vector<size_t> KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args);
// For KeysFn: `args[numkeys_at]` counts the keys that follow it; plus the
// positions in `fixed` (a destination key). A bad count yields just `fixed`
// (the handler then replies the error).
std::vector<size_t> NumKeysPositions(std::span<const std::string_view> args, size_t numkeys_at,
                                     std::initializer_list<size_t> fixed = {});

using protocol::resp::ClientState;
using protocol::resp::ReplyBuilder;

// What a handler sees. Data access goes through the context so that expiry,
// type checks and write-through persistence are handled in one place.
class CommandContext {
 public:
  CommandContext(Keyspace& keyspace, ClientState& client, std::span<const std::string_view> args,
                 ReplyBuilder& reply, int64_t now_ms);

  std::span<const std::string_view> args;
  ReplyBuilder& reply;
  ClientState& client;
  Keyspace& keyspace;
  int64_t now_ms;
  // The pending group-commit batch for a write of `key`: its owner shard's batch,
  // or, while an exclusive (multi-shard) command runs, that command's own group,
  // written after every earlier group, so each key's writes reach RocksDB in
  // order and the command is all-or-nothing on disk.
  // Marks the key as modified for WATCH.
  storage::WriteBatch& BatchFor(int db, std::string_view key);

  // Set for blocking commands outside MULTI: a handler that finds nothing calls
  // keyspace.Block(*this, keys) instead of replying.
  std::shared_ptr<BlockedClient> blocker;
  bool blocked = false;

  std::string_view arg(size_t i) const { return args[i]; }
  size_t argc() const { return args.size(); }

  Database& Db(std::string_view key);
  Database& Db(int db, std::string_view key);
  // The live entry or nullptr; an expired entry is deleted (and the deletion persisted).
  Entry* Find(std::string_view key);
  Entry* Find(int db, std::string_view key);
  // Like Find, but replies WRONGTYPE and sets `wrong_type` if the type differs.
  template <typename T>
  T* FindAs(std::string_view key, bool& wrong_type);
  // FindAs, and when the key is absent and `create`: a new empty collection of
  // type T (its meta record persisted).
  template <typename T>
  T* FindOrCreate(std::string_view key, bool create, bool& wrong_type);

  Entry& Put(std::string_view key, Entry entry);  // replace the whole value, persisted
  Entry& Put(int db, std::string_view key, Entry entry);
  bool Delete(std::string_view key);               // persisted
  bool Delete(int db, std::string_view key);
  void PersistMeta(std::string_view key, const Entry& e);
  void PersistField(std::string_view key, std::string_view field, std::string_view value);
  void DeleteField(std::string_view key, std::string_view field);
  void PersistListItem(std::string_view key, int64_t seq, std::string_view value);
  void DeleteListItem(std::string_view key, int64_t seq);
  // After a collection became empty: removes the key, as Redis does.
  void DeleteIfEmpty(std::string_view key, const Entry& e);
  // Marks the keys as modified (for WATCH, keyspace stats).
  void Touched(std::string_view key);

  // Common replies.
  void WrongType();
  void SyntaxError();
  void NotInteger();
  void NotFloat();
};

inline constexpr std::string_view kWrongTypeError = "WRONGTYPE Operation against a key holding the wrong kind of value";

// Argument parsing helpers with Redis's semantics.
bool ParseInt64(std::string_view s, int64_t& out);
bool ParseDouble(std::string_view s, double& out);  // accepts inf/-inf, rejects nan
bool ParseLongDouble(std::string_view s, long double& out);
// Redis's INCRBYFLOAT format: %.17Lf without trailing zeros.
std::string FormatLongDouble(long double v);
// The timeout argument of blocking commands (seconds, a float) in ms; replies
// Redis's error and returns false when it is invalid.
bool ParseBlockingTimeout(CommandContext& c, std::string_view arg, int64_t& ms);
// The optional COUNT of LPOP/RPOP/SPOP/ZPOPMIN/ZPOPMAX (args[2]); replies the
// error and returns false when it is invalid. Extra arguments are an arity error
// for LPOP/RPOP and a syntax error for the others, as in Redis.
bool ParsePopCount(CommandContext& c, int64_t& count, bool& with_count, bool extra_is_arity_error = false);
// The arguments of LMPOP/ZMPOP (and the blocking forms) from args[numkeys_at]:
// "numkeys key ... <where> [COUNT count]". Replies the error and returns false
// when they are invalid; `where` (LEFT/RIGHT, MIN/MAX) is left to the caller.
struct MPopArgs {
  size_t first_key = 0;
  size_t num_keys = 0;
  std::string_view where;
  int64_t count = 1;
};
bool ParseMPopArgs(CommandContext& c, size_t numkeys_at, MPopArgs& out);
// With nothing to pop: a null array, or (blocking and outside MULTI) the client
// blocks on `keys`.
void NothingToPop(CommandContext& c, const std::vector<std::string_view>& keys, int64_t timeout_ms, bool blocking);
// The rest of LMPOP/ZMPOP and their blocking forms: pop(key, value) replies for
// the first key that holds a T; a key of another type replies WRONGTYPE.
template <typename T, typename PopFn>
void MPopFirst(CommandContext& c, const MPopArgs& a, int64_t timeout_ms, bool blocking, PopFn&& pop);
// The SCAN family's cursor is a position in hash order: a call returns the items
// whose position is >= cursor, lowest first, and the next cursor is the position
// of the first item it did not return (0 when none is left). An item present for
// the whole iteration is returned; positions do not move when others come and go.
// Cost: O(items) per call.
uint64_t ScanPosition(std::string_view item);
struct ScanArgs {
  uint64_t cursor = 0;
  std::string_view pattern;
  int64_t count = 10;
  std::string type;  // SCAN only
};
// Parses "cursor [MATCH p] [COUNT n] [TYPE t]" starting at args[cursor_index].
bool ParseScanArgs(CommandContext& c, size_t cursor_index, bool allow_type, ScanArgs& out);
// Keeps the `count` candidates with the lowest positions (sorted); returns the next cursor.
template <typename T>
uint64_t SelectScanPage(std::vector<std::pair<uint64_t, T>>& candidates, int64_t count) {
  size_t take = std::min(candidates.size(), static_cast<size_t>(count));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(take), candidates.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  uint64_t next = 0;
  for (size_t i = take; i < candidates.size(); ++i) {
    if (next == 0 || candidates[i].first < next) next = candidates[i].first;
  }
  candidates.resize(take);
  return next;
}
// "ERR unknown subcommand 'x'. Try CONFIG HELP." or, for a known subcommand with the
// wrong argument count, "ERR wrong number of arguments for 'config|get' command".
std::string SubcommandError(std::string_view command, std::string_view sub, bool known);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// This thread's random generator (SPOP, SRANDMEMBER, RANDOMKEY, ...).
std::mt19937_64& Rng();
std::string Lower(std::string_view s);
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

template <typename T>
T* CommandContext::FindAs(std::string_view key, bool& wrong_type) {
  wrong_type = false;
  Entry* e = Find(key);
  if (e == nullptr) return nullptr;
  T* v = std::get_if<T>(&e->data);
  if (v == nullptr) {
    wrong_type = true;
    WrongType();
  }
  return v;
}

template <typename T>
T* CommandContext::FindOrCreate(std::string_view key, bool create, bool& wrong_type) {
  T* v = FindAs<T>(key, wrong_type);
  if (v || wrong_type || !create) return v;
  Entry e;
  e.data = T{};
  e.access_ms = now_ms;
  Entry& stored = Db(key).Set(key, std::move(e));
  PersistMeta(key, stored);
  return &std::get<T>(stored.data);
}

template <typename T, typename PopFn>
void MPopFirst(CommandContext& c, const MPopArgs& a, int64_t timeout_ms, bool blocking, PopFn&& pop) {
  std::vector<std::string_view> keys;
  for (size_t i = 0; i < a.num_keys; ++i) {
    std::string_view key = c.arg(a.first_key + i);
    keys.push_back(key);
    bool wrong;
    T* v = c.FindAs<T>(key, wrong);
    if (wrong) return;
    if (v) return pop(key, *v);
  }
  NothingToPop(c, keys, timeout_ms, blocking);
}

// Family registration (one per *_family.cc).
void RegisterConnectionFamily(CommandRegistry& registry);
void RegisterServerFamily(CommandRegistry& registry);
void RegisterKeysFamily(CommandRegistry& registry);
void RegisterStringFamily(CommandRegistry& registry);
void RegisterHashFamily(CommandRegistry& registry);
void RegisterListFamily(CommandRegistry& registry);
void RegisterSetFamily(CommandRegistry& registry);
void RegisterZSetFamily(CommandRegistry& registry);
void RegisterTransactionFamily(CommandRegistry& registry);
void RegisterPubSubFamily(CommandRegistry& registry);
void RegisterScanFamily(CommandRegistry& registry);
void RegisterGeoFamily(CommandRegistry& registry);
void RegisterHllFamily(CommandRegistry& registry);
void RegisterSortFamily(CommandRegistry& registry);
void RegisterBitmapFamily(CommandRegistry& registry);
void RegisterLcsFamily(CommandRegistry& registry);

}  // namespace orbit::kv
