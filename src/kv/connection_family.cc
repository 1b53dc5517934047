// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT.

#include <algorithm>

#include "common/version.h"
#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {
namespace {

void Ping(CommandContext& c) {
  if (c.argc() > 2) return c.reply.Error("ERR wrong number of arguments for 'ping' command");
  if (c.client.protocol == 2 && c.keyspace.Subs(c.client).count() > 0) {
    // In RESP2 subscribed state PING answers like a message.
    c.reply.ArrayHeader(2);
    c.reply.Bulk("pong");
    return c.reply.Bulk(c.argc() == 2 ? c.arg(1) : "");
  }
  if (c.argc() == 2) return c.reply.Bulk(c.arg(1));
  c.reply.SimpleString("PONG");
}

void Echo(CommandContext& c) { c.reply.Bulk(c.arg(1)); }

void Quit(CommandContext& c) {
  c.reply.Ok();
  c.client.close_after_reply = true;
}

void Select(CommandContext& c) {
  int64_t db;
  if (!ParseInt64(c.arg(1), db)) return c.NotInteger();
  if (db < 0 || db >= c.keyspace.databases()) return c.reply.Error("ERR DB index is out of range");
  c.client.db = static_cast<int>(db);
  c.keyspace.UpdateClient(c.client);
  c.reply.Ok();
}

// Returns an error message, or "" when the credentials are accepted. The only user
// is "default"; without requirepass it has no password (Redis's "nopass"), so any
// password is accepted for it.
std::string CheckAuth(CommandContext& c, std::string_view user, std::string_view pass) {
  const std::string& required = c.keyspace.requirepass();
  if (user != "default") return "WRONGPASS invalid username-password pair or user is disabled.";
  if (!required.empty() && pass != required) return "WRONGPASS invalid username-password pair or user is disabled.";
  return {};
}

void Auth(CommandContext& c) {
  if (c.argc() > 3) return c.SyntaxError();
  if (c.argc() == 2 && c.keyspace.requirepass().empty()) {
    return c.reply.Error("ERR AUTH <password> called without any password configured for the default user. Are you "
                         "sure your configuration is correct?");
  }
  std::string err = c.argc() == 2 ? CheckAuth(c, "default", c.arg(1)) : CheckAuth(c, c.arg(1), c.arg(2));
  if (!err.empty()) return c.reply.Error(err);
  c.client.authenticated = true;
  c.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;  // no spaces, newlines or special characters
  }
  return true;
}

void Hello(CommandContext& c) {
  int protocol = c.client.protocol;
  size_t i = 1;
  if (c.argc() >= 2) {
    int64_t v;
    if (!ParseInt64(c.arg(1), v)) return c.reply.Error("ERR Protocol version is not an integer or out of range");
    if (v < 2 || v > 3) return c.reply.Error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(v);
    i = 2;
  }
  std::string name;
  bool set_name = false;
  for (; i < c.argc(); ++i) {
    if (EqualsIgnoreCase(c.arg(i), "AUTH") && i + 2 < c.argc()) {
      std::string err = CheckAuth(c, c.arg(i + 1), c.arg(i + 2));
      if (!err.empty()) return c.reply.Error(err);
      c.client.authenticated = true;
      i += 2;
    } else if (EqualsIgnoreCase(c.arg(i), "SETNAME") && i + 1 < c.argc()) {
      if (!ValidClientName(c.arg(i + 1))) {
        return c.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      name = std::string(c.arg(i + 1));
      set_name = true;
      ++i;
    } else {
      return c.reply.Error("ERR Syntax error in HELLO option '" + std::string(c.arg(i)) + "'");
    }
  }
  if (!c.client.authenticated) {
    return c.reply.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                         "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
                         "protocol version at the same time");
  }
  if (set_name) {
    c.client.name = name;
    c.keyspace.UpdateClient(c.client);
  }
  c.client.protocol = protocol;
  c.reply.set_protocol(protocol);
  c.reply.MapHeader(7);
  c.reply.Bulk("server");
  c.reply.Bulk("redis");
  c.reply.Bulk("version");
  c.reply.Bulk("7.0.15");
  c.reply.Bulk("proto");
  c.reply.Integer(protocol);
  c.reply.Bulk("id");
  c.reply.Integer(static_cast<int64_t>(c.client.id));
  c.reply.Bulk("mode");
  c.reply.Bulk("standalone");
  c.reply.Bulk("role");
  c.reply.Bulk("master");
  c.reply.Bulk("modules");
  c.reply.ArrayHeader(0);
}

void Reset(CommandContext& c) {
  c.keyspace.Tx(c.client).Reset();
  SubscriptionState& subs = c.keyspace.Subs(c.client);
  for (const auto& ch : subs.channels) c.keyspace.pubsub().Unsubscribe(ch, c.client.id);
  for (const auto& p : subs.patterns) c.keyspace.pubsub().PUnsubscribe(p, c.client.id);
  subs = SubscriptionState{};
  c.client.db = 0;
  c.client.protocol = 2;
  c.client.name.clear();
  c.client.authenticated = c.keyspace.requirepass().empty();
  KvClientState& data = c.keyspace.ClientData(c.client);
  data.reply_off = data.skip_next = false;
  c.keyspace.UpdateClient(c.client);
  c.reply.set_protocol(2);
  c.reply.SimpleString("RESET");
}

void Client(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "id" && c.argc() == 2) return c.reply.Integer(static_cast<int64_t>(c.client.id));
  if (sub == "getname" && c.argc() == 2) {
    if (c.client.name.empty()) return c.reply.Null();
    return c.reply.Bulk(c.client.name);
  }
  if (sub == "setname" && c.argc() == 3) {
    if (!ValidClientName(c.arg(2))) {
      return c.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    c.client.name = std::string(c.arg(2));
    c.keyspace.UpdateClient(c.client);
    return c.reply.Ok();
  }
  if (sub == "list" && c.argc() == 2) return c.reply.Verbatim(c.keyspace.ClientList(c.now_ms));
  if (sub == "info" && c.argc() == 2) return c.reply.Verbatim(c.keyspace.ClientLine(c.client.id, c.now_ms));
  if (sub == "kill" && c.argc() >= 3) {
    if (c.argc() == 3) {
      if (!c.keyspace.KillClient(c.arg(2), false)) return c.reply.Error("ERR No such client");
      return c.reply.Ok();
    }
    if (c.argc() == 4 && EqualsIgnoreCase(c.arg(2), "ID")) {
      return c.reply.Integer(c.keyspace.KillClient(c.arg(3), true) ? 1 : 0);
    }
    if (c.argc() == 4 && EqualsIgnoreCase(c.arg(2), "ADDR")) {
      return c.reply.Integer(c.keyspace.KillClient(c.arg(3), false) ? 1 : 0);
    }
    return c.SyntaxError();
  }
  if (sub == "no-evict" && c.argc() == 3) {
    if (!EqualsIgnoreCase(c.arg(2), "on") && !EqualsIgnoreCase(c.arg(2), "off")) return c.SyntaxError();
    return c.reply.Ok();  // no eviction exists (maxmemory-policy noeviction), so ON and OFF mean the same
  }
  if (sub == "reply" && c.argc() == 3) {
    std::string mode = Lower(c.arg(2));
    KvClientState& data = c.keyspace.ClientData(c.client);
    if (mode == "on") {
      data.reply_off = data.skip_next = data.skip_current = false;
    } else if (mode == "off") {
      data.reply_off = true;
    } else if (mode == "skip") {
      if (!data.reply_off) data.skip_next = true;  // SKIP means nothing while OFF
    } else {
      return c.SyntaxError();
    }
    return c.reply.Ok();  // Keyspace::Execute drops it after OFF and SKIP
  }
  if (sub == "pause" && (c.argc() == 3 || c.argc() == 4)) {
    int64_t ms;
    if (!ParseInt64(c.arg(2), ms)) return c.reply.Error("ERR timeout is not an integer or out of range");
    if (ms < 0) return c.reply.Error("ERR timeout is negative");
    PauseMode mode = PauseMode::kAll;
    if (c.argc() == 4) {
      if (EqualsIgnoreCase(c.arg(3), "write")) mode = PauseMode::kWrite;
      else if (!EqualsIgnoreCase(c.arg(3), "all")) return c.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
    c.keyspace.Pause(c.now_ms + ms, mode);
    return c.reply.Ok();
  }
  if (sub == "unpause" && c.argc() == 2) {
    c.keyspace.Unpause();
    return c.reply.Ok();
  }
  static constexpr std::string_view kKnown[] = {"id",   "getname", "setname", "list",   "info",
                                                "kill", "no-evict", "reply",  "pause", "unpause"};
  c.reply.Error(SubcommandError("client", c.arg(1), std::find(std::begin(kKnown), std::end(kKnown), sub) != std::end(kKnown)));
}

}  // namespace

void RegisterConnectionFamily(CommandRegistry& r) {
  r.Register({"ping", -1, kFast, 0, 0, 0, Ping, "connection", "Returns the server's liveliness response."});
  r.Register({"echo", 2, kFast, 0, 0, 0, Echo, "connection", "Returns the given string."});
  r.Register({"quit", -1, kFast | kNoAuth | kTxControl, 0, 0, 0, Quit, "connection", "Closes the connection."});
  r.Register({"select", 2, kFast, 0, 0, 0, Select, "connection", "Changes the selected database."});
  r.Register({"auth", -2, kFast | kNoAuth, 0, 0, 0, Auth, "connection", "Authenticates the connection."});
  r.Register({"hello", -1, kFast | kNoAuth, 0, 0, 0, Hello, "connection", "Handshakes with the Redis server.", "6.0.0"});
  r.Register({"reset", 1, kFast | kNoAuth | kTxControl, 0, 0, 0, Reset, "connection", "Resets the connection.", "6.2.0"});
  r.Register({"client", -2, 0, 0, 0, 0, Client, "connection", "A container for client connection commands."});
}

}  // namespace orbit::kv
