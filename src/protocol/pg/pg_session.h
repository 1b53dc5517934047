#pragma once

// A PostgreSQL v3 session over a runtime::Connection: startup (SSLRequest and
// GSSENCRequest are answered 'N'), authentication, ParameterStatus and
// BackendKeyData, then the simple-query cycle (Query → results → ReadyForQuery)
// and Terminate. The statements themselves are the QueryHandler's.
//
// Not built yet (answered with the protocol's errors): password/SCRAM
// authentication (every login is trusted: no roles exist yet), TLS, the extended
// query protocol (Parse/Bind/... get 0A000, then messages are skipped until
// Sync), FunctionCall (0A000), COPY, CancelRequest (the connection is closed,
// nothing is cancelled).

#include <cstdint>
#include <memory>
#include <string_view>

#include "protocol/pg/pg_codec.h"
#include "runtime/asio.h"
#include "runtime/connection.h"

namespace orbit::protocol::pg {

// The statements of one connection (its transaction state lives here).
class QuerySession {
 public:
  virtual ~QuerySession() = default;
  // Answers one Query message's string (all its statements), without
  // ReadyForQuery; returns the transaction status for it: 'I', 'T' or 'E'.
  virtual Task<char> SimpleQuery(std::string_view sql, MessageWriter& out) = 0;
};

class QueryHandler {
 public:
  virtual ~QueryHandler() = default;
  virtual std::unique_ptr<QuerySession> Open(const StartupPacket& startup) = 0;
};

struct SessionOptions {
  Limits limits;
  std::string server_version = "15.1";
  int32_t backend_pid = 0;  // BackendKeyData: the process id clients see
  size_t flush_threshold = 64 * 1024;  // replies are written out once this much is pending
};

Task<void> ServePg(std::shared_ptr<runtime::Connection> connection, QueryHandler& handler, SessionOptions options);

}  // namespace orbit::protocol::pg
