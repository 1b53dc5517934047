#pragma once

// A PostgreSQL v3 session over a runtime::Connection: startup (SSLRequest and
// GSSENCRequest are answered 'N'), authentication, ParameterStatus and
// BackendKeyData, then the simple-query cycle (Query → results → ReadyForQuery)
// and Terminate. The statements themselves are the QueryHandler's.
//
// Extended-query messages (Parse, Bind, Describe, Execute, Close, Sync) are
// decoded by the codec and handed to the QuerySession in batches: everything
// the client sent up to a Sync, a Flush, or the end of what has arrived.
//
// Authentication: trust, SCRAM-SHA-256, md5 or cleartext password against the
// role's stored verifier (SessionOptions::auth).
//
// Not built yet (answered with the protocol's errors): TLS, FunctionCall (0A000).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <memory>
#include <string_view>
#include <vector>

#include "protocol/pg/pg_codec.h"
#include "runtime/asio.h"
#include "runtime/connection.h"

namespace orbit::protocol::pg {

// Sends what the session has written so far and waits until the client has
// taken it (back-pressure); false when the client is gone. Runs on the
// connection's shard.
using Flusher = std::function<Task<bool>()>;

// The statements of one connection (its transaction state lives here).
class QuerySession {
 public:
  virtual ~QuerySession() = default;
  // Answers one Query message's string (all its statements), without
  // ReadyForQuery; returns the transaction status for it: 'I', 'T' or 'E'.
  // `flush` streams large results out while the statement runs.
  virtual Task<char> SimpleQuery(std::string_view sql, MessageWriter& out, Flusher& flush) = 0;

  // Answers a batch of extended-query messages, in order, writing ParseComplete,
  // BindComplete, ... and errors (not ReadyForQuery). After an error the rest of
  // the batch up to a Sync is skipped. A batch ends at the latest with a Sync.
  struct ExtendedResult {
    bool failed = false;  // an error with no Sync after it yet: skip messages until Sync
    bool synced = false;  // the batch ended with Sync: send ReadyForQuery(status)
    char status = 'I';
  };
  virtual Task<ExtendedResult> Extended(std::vector<ExtendedMessage>& batch, MessageWriter& out, Flusher& flush) = 0;

  // COPY FROM STDIN: after a query answered CopyInResponse, copying() is true
  // and the client's CopyData payloads arrive here (several concatenated, or a
  // part of one), then CopyDone or CopyFail, which end the statement and return
  // the status for ReadyForQuery.
  enum class CopyEvent { kData, kDone, kFail };
  virtual bool copying() const = 0;
  virtual Task<char> CopyIn(CopyEvent event, std::string_view data, MessageWriter& out) = 0;
};

// What authentication needs to know about a role.
struct RoleInfo {
  bool login = true;
  std::optional<std::string> verifier;  // SCRAM-SHA-256 or md5 verifier; nullopt: no password set
};

class QueryHandler {
 public:
  virtual ~QueryHandler() = default;
  // The role `user` as committed; nullopt if there is no such role.
  virtual std::optional<RoleInfo> LookupRole(std::string_view user) = 0;
  // Whether the login may use database `name`: nullopt if so, else the error
  // (SQLSTATE, message) that ends the connection, such as 3D000.
  virtual std::optional<std::pair<std::string, std::string>> CheckDatabase(std::string_view name) = 0;
  // `secret` is the key sent in BackendKeyData: a CancelRequest carrying it
  // cancels what this session is running.
  virtual std::unique_ptr<QuerySession> Open(const StartupPacket& startup, int32_t secret) = 0;
  // A CancelRequest (from another connection); unknown keys are ignored.
  virtual void Cancel(int32_t pid, int32_t secret) = 0;
};

struct SessionOptions {
  Limits limits;
  // trust: no passwords. scram / password: every login proves a password with
  // SCRAM-SHA-256 (md5 for md5 verifiers) / in cleartext. auto (default): a
  // fresh local install's rules: loopback logins of roles without a password are
  // trusted; a role with a password, or any remote login, must prove it.
  std::string auth = "auto";
  std::string server_version = "15.1";
  int32_t backend_pid = 0;  // BackendKeyData: the process id clients see
  size_t flush_threshold = 64 * 1024;  // replies are written out once this much is pending
  // Set when a certificate is configured: SSLRequest is answered 'S' and the
  // connection upgraded to TLS; otherwise 'N'.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

Task<void> ServePg(std::shared_ptr<runtime::Connection> connection, QueryHandler& handler, SessionOptions options);

}  // namespace orbit::protocol::pg
