#include "protocol/resp/resp_session.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace orbit::protocol::resp {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Task<void> ServeResp(std::shared_ptr<runtime::Connection> connection, CommandHandler& handler, SessionOptions options) {
  ClientState client;
  client.id = connection->id();
  client.peer = connection->peer();
  client.created_ms = NowMs();
  client.last_interaction_ms = client.created_ms;
  client.close = [weak = std::weak_ptr<runtime::Connection>(connection)] {
    if (auto c = weak.lock()) asio::post(c->executor(), [c] { c->Close(); });
  };
  client.push = [weak = std::weak_ptr<runtime::Connection>(connection)](std::string bytes) {
    if (auto c = weak.lock()) {
      asio::post(c->executor(), [c, bytes = std::move(bytes)] { c->Push(bytes); });
    }
  };
  client.peer_alive = [raw = connection.get()] { return !raw->closed() && !raw->stopping() && !raw->PeerClosed(); };
  handler.OnConnect(client);
  // OnDisconnect runs however the session ends (including by an exception).
  struct Disconnect {
    CommandHandler& handler;
    ClientState& client;
    ~Disconnect() { handler.OnDisconnect(client); }
  } disconnect{handler, client};

  std::string in;
  size_t offset = 0;  // parsed prefix of `in`
  size_t need = 1;    // bytes (from offset) required before parsing is worth trying
  std::string out;
  ReplyBuilder reply(out, client.protocol);
  std::vector<std::string_view> args;
  std::vector<std::string> inline_storage;
  ParseState parse_state;
  client.flush_replies = [&]() -> Task<bool> {
    if (!client.durability_tokens.empty() && !co_await handler.AwaitDurable(client)) co_return false;
    if (!out.empty() && !connection->Write(out)) co_return false;
    out.clear();
    connection->ReleasePushes();
    bool ok = (co_await connection->Flush()).ok();
    connection->HoldPushes();
    co_return ok;
  };
  constexpr size_t kReadChunk = 16 * 1024;

  while (true) {
    // Parse and execute every complete command already buffered.
    while (in.size() - offset >= need) {
      options.limits.authenticated = client.authenticated;
      auto r = ParseCommand(std::string_view(in).substr(offset), options.limits, args, inline_storage, parse_state);
      if (r.status == ParseStatus::kNeedMore) {
        need = r.need;
        break;
      }
      if (r.status == ParseStatus::kError) {
        reply.Error("ERR " + r.error);
        client.close_after_reply = true;
        break;
      }
      offset += r.consumed;
      need = 1;
      if (r.status == ParseStatus::kEmpty) continue;
      client.last_interaction_ms = NowMs();
      connection->HoldPushes();
      reply.set_protocol(client.protocol);
      co_await handler.Execute(client, args, reply);
      if (client.close_after_reply) break;
      if (out.size() >= options.flush_threshold) {
        if (!client.durability_tokens.empty() && !co_await handler.AwaitDurable(client)) break;
        if (!connection->Write(out)) break;
        out.clear();
        connection->ReleasePushes();
        connection->HoldPushes();
        if (!(co_await connection->Flush()).ok()) break;
      }
    }
    // Replies are released only once the writes they acknowledge are durable;
    // a whole pipeline shares one wait (group commit).
    if (!client.durability_tokens.empty() && !co_await handler.AwaitDurable(client)) break;
    if (!out.empty()) {
      if (!connection->Write(out)) break;
      out.clear();
    }
    connection->ReleasePushes();
    if (connection->pending_output() > 0 && !(co_await connection->Flush()).ok()) break;
    if (client.close_after_reply || connection->closed()) break;

    // Drop the parsed prefix and read more.
    if (offset > 0) {
      in.erase(0, offset);
      offset = 0;
    }
    if (in.size() >= options.max_query_buffer) break;  // client-query-buffer-limit: close
    size_t old = in.size();
    // Large values arrive in steps of at most 1 MiB: a client announcing a huge
    // bulk length does not make us allocate it before the bytes exist.
    size_t want = std::clamp(need > in.size() ? need - in.size() : size_t{0}, kReadChunk, size_t{1} << 20);
    in.resize(old + want);
    auto n = co_await connection->ReadSome(std::span<char>(in.data() + old, want));
    if (!n.ok() || *n == 0) break;
    in.resize(old + *n);
  }
}

}  // namespace orbit::protocol::resp
