#include "protocol/pg/pg_session.h"

#include <random>
#include <string>

namespace orbit::protocol::pg {
namespace {

constexpr size_t kReadChunk = 16 * 1024;

void Fatal(MessageWriter& w, std::string sqlstate, std::string message) {
  ErrorFields e;
  e.severity = "FATAL";
  e.sqlstate = std::move(sqlstate);
  e.message = std::move(message);
  WriteError(w, e);
}

}  // namespace

Task<void> ServePg(std::shared_ptr<runtime::Connection> connection, QueryHandler& handler, SessionOptions options) {
  std::string in, out;
  MessageWriter w(out);
  size_t need = 1;
  // Reads until `in` holds at least `need` bytes; false when the peer is gone.
  auto fill = [&]() -> Task<bool> {
    while (in.size() < need) {
      size_t old = in.size();
      in.resize(old + std::max(kReadChunk, std::min<size_t>(need - old, 1u << 20)));
      auto n = co_await connection->ReadSome(std::span<char>(in.data() + old, in.size() - old));
      if (!n.ok() || *n == 0) co_return false;
      in.resize(old + *n);
    }
    co_return true;
  };
  auto flush = [&]() -> Task<bool> {
    if (!out.empty()) {
      if (!connection->Write(out)) co_return false;
      out.clear();
    }
    co_return (co_await connection->Flush()).ok();
  };

  // Startup phase.
  StartupPacket startup;
  while (true) {
    if (!co_await fill()) co_return;
    Result r = ParseStartup(in, options.limits, startup);
    if (r.status == Status::kNeedMore) {
      need = r.need;
      continue;
    }
    if (r.status == Status::kError) {
      Fatal(w, "08P01", r.error);
      co_await flush();
      co_return;
    }
    in.erase(0, r.consumed);
    need = 1;
    if (startup.kind == StartupKind::kSslRequest || startup.kind == StartupKind::kGssEncRequest) {
      out.push_back('N');  // no TLS / GSSAPI encryption yet: the client goes on in plain text
      if (!co_await flush()) co_return;
      continue;
    }
    if (startup.kind == StartupKind::kCancel) co_return;  // nothing runs long enough to cancel yet
    break;
  }
  std::string user(startup.Param("user"));
  if (user.empty()) {
    Fatal(w, "28000", "no PostgreSQL user name specified in startup packet");
    co_await flush();
    co_return;
  }
  w.AuthenticationOk();
  const std::pair<std::string_view, std::string_view> params[] = {
      {"application_name", startup.Param("application_name")},
      {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},
      {"default_transaction_read_only", "off"},
      {"in_hot_standby", "off"},
      {"integer_datetimes", "on"},
      {"IntervalStyle", "postgres"},
      {"is_superuser", "on"},
      {"server_encoding", "UTF8"},
      {"server_version", options.server_version},
      {"session_authorization", user},
      {"standard_conforming_strings", "on"},
      {"TimeZone", "UTC"},
  };
  for (auto [name, value] : params) w.ParameterStatus(name, value);
  static thread_local std::mt19937 rng{std::random_device{}()};
  w.BackendKeyData(options.backend_pid, static_cast<int32_t>(rng()));
  w.ReadyForQuery('I');
  if (!co_await flush()) co_return;

  // Command phase.
  bool skip_to_sync = false;  // after an error in the extended protocol
  while (true) {
    if (!co_await fill()) co_return;
    Message m;
    Result r = ParseMessage(in, options.limits, m);
    if (r.status == Status::kNeedMore) {
      need = r.need;
      continue;
    }
    if (r.status == Status::kError) {
      Fatal(w, "08P01", r.error);
      co_await flush();
      co_return;
    }
    need = 1;
    bool done = false;
    switch (m.type) {
      case 'Q': {
        PayloadReader reader(m.payload);
        std::string_view sql = reader.CString();
        if (!reader.ok() || !reader.AtEnd()) {
          Fatal(w, "08P01", "invalid Query message");
          done = true;
          break;
        }
        co_await handler.SimpleQuery(sql, w);
        w.ReadyForQuery('I');
        break;
      }
      case 'X': done = true; break;
      case 'P': case 'B': case 'D': case 'E': case 'C': case 'H': case 'F':
        if (!skip_to_sync) {
          ErrorFields e;
          e.sqlstate = "0A000";
          e.message = "the extended query protocol is not supported yet; use simple queries";
          WriteError(w, e);
          skip_to_sync = true;
        }
        break;
      case 'S':
        skip_to_sync = false;
        w.ReadyForQuery('I');
        break;
      default:
        Fatal(w, "08P01", std::string("invalid frontend message type ") + std::to_string(static_cast<int>(m.type)));
        done = true;
        break;
    }
    in.erase(0, r.consumed);
    // Pipelined messages already buffered are answered before one flush.
    bool more = !done && in.size() >= 5;
    if (!more && !co_await flush()) co_return;
    if (done) co_return;
  }
}

}  // namespace orbit::protocol::pg
