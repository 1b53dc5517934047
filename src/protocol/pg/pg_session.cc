#include "protocol/pg/pg_session.h"

#include "auth/password.h"

#include <random>
#include <string>
#include <vector>

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
  size_t offset = 0;  // parsed prefix of `in`, dropped once per read
  MessageWriter w(out);
  size_t need = 1;
  // Reads until `in` holds `need` unparsed bytes; false when the peer is gone.
  auto fill = [&]() -> Task<bool> {
    if (offset > 0) {
      in.erase(0, offset);
      offset = 0;
    }
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
    offset = r.consumed;
    need = 1;
    if (startup.kind == StartupKind::kSslRequest && options.tls && !connection->tls()) {
      // Bytes sent after SSLRequest but before the handshake would be read as if
      // they had come over TLS (CVE-2021-23214): refuse them.
      if (in.size() > offset) {
        Fatal(w, "08P01", "received unencrypted data after SSL request");
        co_await flush();
        co_return;
      }
      out.push_back('S');
      if (!co_await flush()) co_return;
      if (!(co_await connection->StartTls(*options.tls)).ok()) co_return;
      continue;
    }
    if (startup.kind == StartupKind::kSslRequest || startup.kind == StartupKind::kGssEncRequest) {
      out.push_back('N');  // no TLS configured / no GSSAPI encryption: the client goes on in plain text
      if (!co_await flush()) co_return;
      continue;
    }
    if (startup.kind == StartupKind::kCancel) {  // answered by closing the connection, as PostgreSQL does
      handler.Cancel(startup.cancel_pid, startup.cancel_key);
      co_return;
    }
    break;
  }
  std::string user(startup.Param("user"));
  if (user.empty()) {
    Fatal(w, "28000", "no PostgreSQL user name specified in startup packet");
    co_await flush();
    co_return;
  }
  // Authentication.
  auto read_password_message = [&]() -> Task<std::optional<std::string>> {
    while (true) {
      Message m;
      Result r = ParseMessage(std::string_view(in).substr(offset), options.limits, m);
      if (r.status == Status::kNeedMore) {
        if (!out.empty() && !co_await flush()) co_return std::nullopt;
        need = r.need;
        if (!co_await fill()) co_return std::nullopt;
        continue;
      }
      if (r.status == Status::kError || m.type != 'p') co_return std::nullopt;
      offset += r.consumed;
      need = 1;
      co_return std::string(m.payload);
    }
  };
  auto auth_failed = [&](std::string sqlstate, std::string message) -> Task<void> {
    Fatal(w, std::move(sqlstate), std::move(message));
    co_await flush();
  };
  std::optional<RoleInfo> role = handler.LookupRole(user);
  if (options.auth != "trust") {
    if (role && !role->login) {
      co_await auth_failed("28000", "role \"" + user + "\" is not permitted to log in");
      co_return;
    }
    const std::string& peer = connection->peer();
    bool loopback = peer.starts_with("127.") || peer.starts_with("::1") || peer.starts_with("[::1]");
    bool need_password = options.auth == "scram" || options.auth == "password" || !loopback ||
                         (role && role->verifier);
    if (need_password) {
      std::string failed = "password authentication failed for user \"" + user + "\"";
      std::string verifier = role && role->verifier ? *role->verifier : "";
      bool ok = false;
      std::optional<auth::ScramServer> scram;
      if (options.auth != "password") scram = auth::ScramServer::Create(verifier);
      if (scram) {
        w.Begin('R').Int32(10).CString("SCRAM-SHA-256").CString("").End();  // AuthenticationSASL
        if (!co_await flush()) co_return;
        auto initial = co_await read_password_message();  // SASLInitialResponse
        if (!initial) co_return;
        PayloadReader r(*initial);
        std::string_view mechanism = r.CString();
        int32_t len = r.Int32();
        std::string_view client_first = len >= 0 ? r.Bytes(static_cast<size_t>(len)) : std::string_view();
        std::optional<std::string> server_first;
        if (r.ok() && mechanism == "SCRAM-SHA-256") server_first = scram->First(client_first);
        if (server_first) {
          w.Begin('R').Int32(11).Bytes(*server_first).End();  // AuthenticationSASLContinue
          if (!co_await flush()) co_return;
          auto response = co_await read_password_message();  // SASLResponse
          if (!response) co_return;
          if (auto server_final = scram->Final(*response)) {
            w.Begin('R').Int32(12).Bytes(*server_final).End();  // AuthenticationSASLFinal
            ok = true;
          }
        }
      } else if (options.auth != "password" && verifier.starts_with("md5")) {
        std::string salt(4, '\0');
        std::random_device salt_random;
        for (auto& ch : salt) ch = static_cast<char>(salt_random());
        w.Begin('R').Int32(5).Bytes(salt).End();  // AuthenticationMD5Password
        if (!co_await flush()) co_return;
        auto response = co_await read_password_message();
        if (!response) co_return;
        PayloadReader r(*response);
        ok = r.CString() == auth::Md5Response(verifier, salt);
      } else {
        w.Begin('R').Int32(3).End();  // AuthenticationCleartextPassword
        if (!co_await flush()) co_return;
        auto response = co_await read_password_message();
        if (!response) co_return;
        PayloadReader r(*response);
        ok = !verifier.empty() && auth::CheckPassword(verifier, r.CString(), user);
      }
      if (!ok) {
        co_await auth_failed("28P01", failed);
        co_return;
      }
    }
  }

  // As in PostgreSQL, the database is checked once the login is authenticated.
  std::string_view database = startup.Param("database");
  if (auto refused = handler.CheckDatabase(database.empty() ? std::string_view(user) : database)) {
    Fatal(w, refused->first, refused->second);
    co_await flush();
    co_return;
  }

  // A client asking for protocol 3.x (x > 0) or for _pq_. options is told what
  // this server speaks: 3.0, none of the options.
  std::vector<std::string_view> unknown_options;
  for (const auto& [name, value] : startup.params) {
    if (name.starts_with("_pq_.")) unknown_options.push_back(name);
  }
  if ((startup.version & 0xffff) != 0 || !unknown_options.empty()) {
    w.Begin('v').Int32(0).Int32(static_cast<int32_t>(unknown_options.size()));
    for (auto name : unknown_options) w.CString(name);
    w.End();
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
  std::random_device random;  // the cancel key is a secret: not from a seeded PRNG
  auto secret = static_cast<int32_t>(random());
  w.BackendKeyData(options.backend_pid, secret);
  w.ReadyForQuery('I');
  if (!co_await flush()) co_return;
  std::unique_ptr<QuerySession> session = handler.Open(startup, secret);

  // Command phase.
  Flusher flusher = [&]() -> Task<bool> { co_return co_await flush(); };
  char status = 'I';
  std::string copy_chunk;  // CopyData payloads not yet handed to the session
  auto copy_pass = [&]() -> Task<void> {
    if (copy_chunk.empty()) co_return;
    co_await session->CopyIn(QuerySession::CopyEvent::kData, copy_chunk, w);
    copy_chunk.clear();
  };
  bool skip_to_sync = false;  // after an error in the extended protocol
  std::vector<ExtendedMessage> batch;
  auto run_batch = [&]() -> Task<void> {
    if (batch.empty()) co_return;
    QuerySession::ExtendedResult result = co_await session->Extended(batch, w, flusher);
    batch.clear();
    skip_to_sync = result.failed;
    if (result.synced) {
      status = result.status;
      w.ReadyForQuery(status);
    }
  };
  auto not_supported = [&](std::string message) {
    ErrorFields e;
    e.sqlstate = "0A000";
    e.message = std::move(message);
    WriteError(w, e);
  };
  while (true) {
    Message m;
    Result r = ParseMessage(std::string_view(in).substr(offset), options.limits, m);
    if (r.status == Status::kNeedMore) {
      // Answer what has arrived and send it before waiting for the client.
      co_await copy_pass();
      co_await run_batch();
      if (!out.empty() && !co_await flush()) co_return;
      need = r.need;
      if (!co_await fill()) co_return;
      continue;
    }
    if (r.status == Status::kError) {
      Fatal(w, "08P01", r.error);
      co_await flush();
      co_return;
    }
    need = 1;
    bool done = false;
    if (session->copying()) {
      // COPY FROM STDIN sub-protocol: data, then CopyDone or CopyFail; Flush and Sync are ignored.
      offset += r.consumed;
      switch (m.type) {
        case 'd':
          copy_chunk.append(m.payload);
          if (copy_chunk.size() >= (1u << 20)) co_await copy_pass();
          break;
        case 'c':
        case 'f': {
          co_await copy_pass();
          std::string_view reason;
          if (m.type == 'f') reason = PayloadReader(m.payload).CString();
          status = co_await session->CopyIn(m.type == 'c' ? QuerySession::CopyEvent::kDone : QuerySession::CopyEvent::kFail,
                                            reason, w);
          w.ReadyForQuery(status);
          break;
        }
        case 'H':
        case 'S':
          break;
        default:
          co_await session->CopyIn(QuerySession::CopyEvent::kFail, "unexpected message during COPY from stdin", w);
          Fatal(w, "08P01", "unexpected message type " + std::to_string(static_cast<int>(m.type)) +
                                " during COPY from stdin");
          co_await flush();
          co_return;
      }
      if (out.size() >= options.flush_threshold && !co_await flush()) co_return;
      continue;
    }
    bool extended = m.type == 'P' || m.type == 'B' || m.type == 'D' || m.type == 'E' || m.type == 'C' || m.type == 'S';
    if (skip_to_sync && m.type != 'S' && m.type != 'X') {
      offset += r.consumed;  // discarded, as PostgreSQL does after an extended-protocol error
      continue;
    }
    if (!extended) co_await run_batch();  // keep the order of answers
    switch (m.type) {
      case 'Q': {
        PayloadReader reader(m.payload);
        std::string_view sql = reader.CString();
        if (!reader.ok() || !reader.AtEnd()) {
          Fatal(w, "08P01", "invalid Query message");
          done = true;
          break;
        }
        status = co_await session->SimpleQuery(sql, w, flusher);
        if (!session->copying()) w.ReadyForQuery(status);  // else after the COPY data
        break;
      }
      case 'X': done = true; break;
      case 'P': case 'B': case 'D': case 'E': case 'C': case 'S': {
        std::string error;
        auto decoded = DecodeExtended(m, error);
        if (!decoded) {
          Fatal(w, "08P01", error);
          done = true;
          break;
        }
        skip_to_sync = false;
        batch.push_back(std::move(*decoded));
        if (m.type == 'S' || batch.size() >= 1024) co_await run_batch();
        break;
      }
      case 'H':  // Flush: answer what came before, and send it
        co_await run_batch();
        if (!co_await flush()) co_return;
        break;
      case 'F':  // FunctionCall is answered on its own, ReadyForQuery included
        not_supported("function calls (the fast-path interface) are not supported");
        w.ReadyForQuery(status);
        break;
      case 'd': case 'c': case 'f':  // COPY data outside COPY: ignored, as PostgreSQL does
        break;
      default:
        Fatal(w, "08P01", std::string("invalid frontend message type ") + std::to_string(static_cast<int>(m.type)));
        done = true;
        break;
    }
    offset += r.consumed;
    if (done) {
      co_await flush();
      co_return;
    }
    if (out.size() >= options.flush_threshold && !co_await flush()) co_return;
  }
}

}  // namespace orbit::protocol::pg
