#pragma once

// A PostgreSQL v3 session over a runtime::Connection: startup (SSLRequest and
// GSSENCRequest are answered 'N'), authentication, ParameterStatus and
// BackendKeyData, then the simple-query cycle (Query → results → ReadyForQuery)
// and Terminate. The statements themselves are the QueryHandler's.
//
// Not built yet (answered with the protocol's errors): password/SCRAM
// authentication (every login is trusted: no roles exist yet), TLS, the extended
// query protocol (Parse/Bind/... get 0A000, then messages are skipped until
// Sync), COPY, CancelRequest (the connection is closed, nothing is cancelled).

#include <cstdint>
#include <memory>
#include <string_view>

#include "protocol/pg/pg_codec.h"
#include "runtime/asio.h"
#include "runtime/connection.h"

namespace orbit::protocol::pg {

class QueryHandler {
 public:
  virtual ~QueryHandler() = default;
  // Answers one Query message's string (all its statements), without ReadyForQuery.
  virtual Task<void> SimpleQuery(std::string_view sql, MessageWriter& out) = 0;
};

struct SessionOptions {
  Limits limits;
  std::string server_version = "15.1";
  int32_t backend_pid = 0;  // BackendKeyData: the process id clients see
};

Task<void> ServePg(std::shared_ptr<runtime::Connection> connection, QueryHandler& handler, SessionOptions options);

}  // namespace orbit::protocol::pg
