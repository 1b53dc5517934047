#include "kv/command.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "kv/keyspace.h"
#include "kv/persistence.h"

namespace orbit::kv {

void CommandRegistry::Register(const CommandSpec& spec) {
  index_[std::string(spec.name)] = specs_.size();
  specs_.push_back(spec);
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  if (name.size() > 64) return nullptr;
  char buf[64];
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  auto it = index_.find(std::string(buf, name.size()));
  return it == index_.end() ? nullptr : &specs_[it->second];
}

std::vector<size_t> KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args) {
  if (spec.keys != nullptr) return spec.keys(args);
  std::vector<size_t> out;
  if (spec.first_key <= 0) return out;
  int last = spec.last_key < 0 ? static_cast<int>(args.size()) + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < static_cast<int>(args.size()); i += std::max(1, spec.step)) {
    out.push_back(static_cast<size_t>(i));
  }
  return out;
}

std::vector<size_t> NumKeysPositions(std::span<const std::string_view> args, size_t numkeys_at,
                                     std::initializer_list<size_t> fixed) {
  std::vector<size_t> out;
  for (size_t pos : fixed) {
    if (pos < args.size()) out.push_back(pos);
  }
  int64_t n;
  if (numkeys_at >= args.size() || !ParseInt64(args[numkeys_at], n) || n <= 0 ||
      static_cast<uint64_t>(n) > args.size() - numkeys_at - 1) {
    return out;
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) out.push_back(numkeys_at + 1 + i);
  return out;
}

bool ParseMPopArgs(CommandContext& c, size_t numkeys_at, MPopArgs& out) {
  int64_t numkeys;
  if (!ParseInt64(c.arg(numkeys_at), numkeys) || numkeys <= 0) {
    c.reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) >= c.argc() - numkeys_at - 1) {  // no room for LEFT|RIGHT, MIN|MAX
    c.SyntaxError();
    return false;
  }
  out.first_key = numkeys_at + 1;
  out.num_keys = static_cast<size_t>(numkeys);
  size_t j = out.first_key + out.num_keys;
  out.where = c.arg(j);
  bool have_count = false;
  for (++j; j < c.argc(); j += 2) {
    if (have_count || j + 1 >= c.argc() || !EqualsIgnoreCase(c.arg(j), "count")) {
      c.SyntaxError();
      return false;
    }
    if (!ParseInt64(c.arg(j + 1), out.count) || out.count <= 0) {
      c.reply.Error("ERR count should be greater than 0");
      return false;
    }
    have_count = true;
  }
  return true;
}

void NothingToPop(CommandContext& c, const std::vector<std::string_view>& keys, int64_t timeout_ms, bool blocking) {
  if (!blocking || !c.blocker) return c.reply.NullArray();
  c.blocker->timeout_ms = timeout_ms;
  c.keyspace.Block(c, keys);
}

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

CommandContext::CommandContext(Keyspace& ks, ClientState& c, std::span<const std::string_view> a, ReplyBuilder& r,
                               int64_t now)
    : args(a), reply(r), client(c), keyspace(ks), now_ms(now) {}

storage::WriteBatch& CommandContext::BatchFor(int db, std::string_view key) {
  size_t shard = keyspace.Owner(key);
  keyspace.Touch(shard, db, key);  // every write of a key passes here: WATCH sees it
  return keyspace.BatchForOwner(shard);
}

Database& CommandContext::Db(std::string_view key) { return keyspace.DbFor(client.db, key); }
Database& CommandContext::Db(int db, std::string_view key) { return keyspace.DbFor(db, key); }

Entry* CommandContext::Find(std::string_view key) { return Find(client.db, key); }

Entry* CommandContext::Find(int db, std::string_view key) {
  Database& d = Db(db, key);
  auto it = d.map().find(key);
  if (it == d.map().end()) return nullptr;
  if (d.IsExpired(it->second, now_ms)) {
    Persistence::DeleteKey(BatchFor(db, key), db, key, it->second.type());
    d.Erase(key);
    return nullptr;
  }
  it->second.access_ms = now_ms;
  return &it->second;
}

Entry& CommandContext::Put(std::string_view key, Entry entry) { return Put(client.db, key, std::move(entry)); }

Entry& CommandContext::Put(int db, std::string_view key, Entry entry) {
  Database& d = Db(db, key);
  if (auto it = d.map().find(key); it != d.map().end() && it->second.type() != ValueType::kString) {
    Persistence::DeleteKey(BatchFor(db, key), db, key, it->second.type());  // drop the old elements
  }
  entry.access_ms = now_ms;
  Entry& e = d.Set(key, std::move(entry));
  Persistence::PutAll(BatchFor(db, key), db, key, e);
  return e;
}

bool CommandContext::Delete(std::string_view key) { return Delete(client.db, key); }

bool CommandContext::Delete(int db, std::string_view key) {
  Database& d = Db(db, key);
  auto it = d.map().find(key);
  if (it == d.map().end()) return false;
  bool live = !d.IsExpired(it->second, now_ms);
  Persistence::DeleteKey(BatchFor(db, key), db, key, it->second.type());
  d.Erase(key);
  return live;
}

void CommandContext::PersistMeta(std::string_view key, const Entry& e) {
  Persistence::PutMeta(BatchFor(client.db, key), client.db, key, e);
}

void CommandContext::PersistField(std::string_view key, std::string_view field, std::string_view value) {
  BatchFor(client.db, key).Put(storage::ColumnFamily::kKv, Persistence::FieldKey(client.db, key, field), value);
}

void CommandContext::DeleteField(std::string_view key, std::string_view field) {
  BatchFor(client.db, key).Delete(storage::ColumnFamily::kKv, Persistence::FieldKey(client.db, key, field));
}

void CommandContext::PersistListItem(std::string_view key, int64_t seq, std::string_view value) {
  BatchFor(client.db, key).Put(storage::ColumnFamily::kKv, Persistence::ListKey(client.db, key, seq), value);
}

void CommandContext::DeleteListItem(std::string_view key, int64_t seq) {
  BatchFor(client.db, key).Delete(storage::ColumnFamily::kKv, Persistence::ListKey(client.db, key, seq));
}

void CommandContext::DeleteIfEmpty(std::string_view key, const Entry& e) {
  bool empty = std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return false;
        else if constexpr (std::is_same_v<T, ListValue>) return v.items.empty();
        else return v.empty();
      },
      e.data);
  if (empty) Delete(key);
}

void CommandContext::Touched(std::string_view) {}

void CommandContext::WrongType() { reply.Error(kWrongTypeError); }
void CommandContext::SyntaxError() { reply.Error("ERR syntax error"); }
void CommandContext::NotInteger() { reply.Error("ERR value is not an integer or out of range"); }
void CommandContext::NotFloat() { reply.Error("ERR value is not a valid float"); }

bool ParseInt64(std::string_view s, int64_t& out) {
  // Redis's string2ll: no leading '+', no spaces, no leading zeros except "0".
  if (s.empty() || s.size() > 20) return false;
  if (s[0] == '+') return false;
  if (s.size() > 1 && s[0] == '0') return false;
  if (s.size() >= 2 && s[0] == '-' && s[1] == '0') return false;
  if (s == "-") return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double& out) {
  if (s.empty() || s.size() > 5000) return false;
  std::string buf(s);
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(out)) return false;
  if (errno == ERANGE && (std::isinf(out) || out == 0)) return false;  // overflow or underflow to 0, as Redis
  return true;
}

bool ParseLongDouble(std::string_view s, long double& out) {
  if (s.empty() || s.size() > 5000) return false;
  std::string buf(s);
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(out)) return false;
  if (errno == ERANGE && (std::isinf(out) || out == 0)) return false;  // overflow or underflow to 0, as Redis
  return true;
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5120];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  std::string out(buf, static_cast<size_t>(std::max(n, 0)));
  // Redis's "human friendly" form: no trailing zeros, no trailing dot, no "-0".
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

bool ParseBlockingTimeout(CommandContext& c, std::string_view arg, int64_t& ms) {
  long double v;
  if (!ParseLongDouble(arg, v) || std::isinf(v)) {
    c.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  if (v * 1000 > static_cast<long double>(std::numeric_limits<int64_t>::max() / 1000000)) {
    c.reply.Error("ERR timeout is out of range");  // would overflow a steady_clock deadline
    return false;
  }
  if (v < 0) {
    c.reply.Error("ERR timeout is negative");
    return false;
  }
  ms = static_cast<int64_t>(std::ceil(v * 1000));
  if (v > 0 && ms == 0) ms = 1;
  return true;
}

bool ParsePopCount(CommandContext& c, int64_t& count, bool& with_count, bool extra_is_arity_error) {
  count = 1;
  with_count = c.argc() == 3;
  if (c.argc() > 3) {
    if (extra_is_arity_error) c.reply.Error("ERR wrong number of arguments for '" + Lower(c.arg(0)) + "' command");
    else c.SyntaxError();
    return false;
  }
  if (with_count && (!ParseInt64(c.arg(2), count) || count < 0)) {
    c.reply.Error("ERR value is out of range, must be positive");
    return false;
  }
  return true;
}

uint64_t ScanPosition(std::string_view item) {
  uint64_t h = std::hash<std::string_view>{}(item) * 0x9E3779B97F4A7C15ull;
  return h == 0 ? 1 : h;
}

bool ParseScanArgs(CommandContext& c, size_t cursor_index, bool allow_type, ScanArgs& out) {
  auto s = c.arg(cursor_index);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out.cursor);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    c.reply.Error("ERR invalid cursor");
    return false;
  }
  for (size_t i = cursor_index + 1; i < c.argc(); i += 2) {
    if (i + 1 >= c.argc()) {
      c.SyntaxError();
      return false;
    }
    std::string opt = Lower(c.arg(i));
    if (opt == "match") {
      out.pattern = c.arg(i + 1);
    } else if (opt == "count") {
      if (!ParseInt64(c.arg(i + 1), out.count)) {
        c.NotInteger();
        return false;
      }
      if (out.count < 1) {
        c.SyntaxError();
        return false;
      }
    } else if (allow_type && opt == "type") {
      out.type = Lower(c.arg(i + 1));
    } else {
      c.SyntaxError();
      return false;
    }
  }
  return true;
}

std::string SubcommandError(std::string_view command, std::string_view sub, bool known) {
  if (known) {
    return "ERR wrong number of arguments for '" + Lower(command) + "|" + Lower(sub) + "' command";
  }
  std::string upper(command);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " + upper + " HELP.";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Redis's glob (stringmatchlen): * ? [abc] [^a-z] and \ escapes. Iterative with
// one backtrack point for the last '*', so matching is O(pattern x text) and uses
// no recursion: hostile patterns ("*a*a*a...b") cannot hang or overflow the stack.
namespace {

// Matches one non-'*' pattern element at p[pi] against c; sets `next` to the
// index after the element. False if the element does not match.
bool MatchOne(std::string_view p, size_t pi, char c, bool nocase, size_t& next) {
  auto fold = [nocase](char x) { return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(x))) : x; };
  char pc = p[pi];
  if (pc == '?') {
    next = pi + 1;
    return true;
  }
  if (pc == '[') {
    size_t j = pi + 1;
    bool negate = j < p.size() && p[j] == '^';
    if (negate) ++j;
    bool match = false;
    while (j < p.size() && p[j] != ']') {
      if (p[j] == '\\' && j + 1 < p.size()) {
        ++j;
        if (fold(p[j]) == fold(c)) match = true;
      } else if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
        char lo = fold(p[j]), hi = fold(p[j + 2]);
        if (lo > hi) std::swap(lo, hi);
        if (fold(c) >= lo && fold(c) <= hi) match = true;
        j += 2;
      } else if (fold(p[j]) == fold(c)) {
        match = true;
      }
      ++j;
    }
    next = j < p.size() ? j + 1 : j;  // past ']' (an unterminated class ends the pattern)
    return negate ? !match : match;
  }
  if (pc == '\\' && pi + 1 < p.size()) {
    next = pi + 2;
    return fold(p[pi + 1]) == fold(c);
  }
  next = pi + 1;
  return fold(pc) == fold(c);
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s, bool nocase) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return true;
      star_p = pi;
      star_s = si;
      continue;
    }
    size_t next;
    if (pi < p.size() && MatchOne(p, pi, s[si], nocase, next)) {
      pi = next;
      ++si;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    // Let the last '*' absorb one more character and retry from there.
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace orbit::kv
