#pragma once

// A RESP connection's session: reads requests, parses them (pipelined requests
// are answered in order, in one write), hands each command to a CommandHandler,
// and writes the replies. Knows nothing about the keyspace: the Redis engine
// implements CommandHandler (src/kv/).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/resp/reply_builder.h"
#include "protocol/resp/resp_parser.h"
#include "runtime/connection.h"

namespace orbit::protocol::resp {

// Per-connection state that commands read and change (SELECT, HELLO, CLIENT ...).
struct ClientState {
  uint64_t id = 0;
  std::string peer;
  std::string name;
  int db = 0;
  int protocol = 2;
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT, or a fatal error
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command;
  std::function<void()> close;  // closes this connection from any thread (CLIENT KILL)
  // Sends bytes to this client from any thread, unsolicited (pub/sub messages).
  std::function<void(std::string)> push;
  // False once the peer has closed or the server is stopping (checked while a
  // command blocks, since the session is not reading then).
  std::function<bool()> peer_alive;
  // Sends the replies the session holds for earlier pipelined commands (after
  // their writes are durable). A command calls it before it blocks. False: the
  // connection failed.
  std::function<Task<bool>()> flush_replies;
  // Opaque (partition, sequence) tokens the handler hands out for writes whose
  // durability the session must await before it releases their replies.
  std::vector<std::pair<size_t, uint64_t>> durability_tokens;
  // State the command handler keeps per client (e.g. MULTI/EXEC); opaque here.
  std::shared_ptr<void> handler_state;
};

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  // Called once when the connection opens and once when it closes.
  virtual void OnConnect(ClientState& client) = 0;
  virtual void OnDisconnect(ClientState& client) = 0;
  // Executes one command and appends its reply (exactly one) to `reply`.
  virtual Task<void> Execute(ClientState& client, std::span<const std::string_view> args, ReplyBuilder& reply) = 0;
  // Waits until every write of the commands executed so far is durable (the
  // client's durability_tokens), then clears them. False: a write failed and the
  // pending replies must not be sent (the session closes the connection).
  virtual Task<bool> AwaitDurable(ClientState& client) = 0;
};

struct SessionOptions {
  ParserLimits limits;
  size_t flush_threshold = 64 * 1024;  // flush replies mid-pipeline past this size
  // client-query-buffer-limit: a request (or unparsed input) larger than this
  // closes the connection, as Redis does.
  size_t max_query_buffer = 1u << 30;
};

Task<void> ServeResp(std::shared_ptr<runtime::Connection> connection, CommandHandler& handler, SessionOptions options);

}  // namespace orbit::protocol::resp
