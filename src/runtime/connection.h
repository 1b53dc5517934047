#pragma once

// One client connection, owned by one shard. Protocol sessions read and write
// through it, never through the socket, so every protocol gets the same limits:
//  - idle timeout on reads, write timeout on flushes (a watchdog closes the socket);
//  - a bounded output buffer: Write() appends, Flush() sends; past the limit the
//    connection is closed instead of growing memory (Redis's client output limit);
//    a slow reader makes Flush() wait, which stops the session reading more input
//    (backpressure), and is disconnected at the write timeout;
//  - optional TLS, from accept or upgraded mid-stream (PostgreSQL's SSLRequest);
//  - a graceful-stop request that sessions honour between requests.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "runtime/asio.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace orbit::runtime {

struct ConnectionLimits {
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds write_timeout{30'000};
  size_t max_output_bytes = 64u << 20;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(uint64_t id, tcp::socket socket, ConnectionLimits limits);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }

  // Reads at least one byte into `buffer`. Ok(0) means the peer closed cleanly.
  // kUnavailable: timeout, stop request or close; kIOError: socket error.
  Task<Result<size_t>> ReadSome(std::span<char> buffer);

  // Appends to the output buffer. False (and the connection is closed) when the
  // buffered output would exceed the limit.
  bool Write(std::string_view bytes);
  size_t pending_output() const { return out_.size(); }
  // Sends everything buffered; waits while the peer is slow, up to the write timeout.
  Task<Status> Flush();
  // Write + Flush without waiting, for messages the session did not ask for
  // (pub/sub). Must run on the connection's executor. While pushes are held they
  // queue behind the session's replies (so a message never overtakes the reply
  // to a command sent before it); ReleasePushes appends them after the replies.
  void Push(std::string_view bytes);
  void HoldPushes() { hold_pushes_ = true; }
  void ReleasePushes();

  // Server-side TLS handshake on this connection.
  Task<Status> StartTls(boost::asio::ssl::context& context);
  bool tls() const { return tls_ != nullptr; }

  // Asks the session to finish its current request and end; cancels an idle read.
  // Must run on the connection's executor (Listener posts it there).
  void RequestStop();
  bool stopping() const { return stopping_; }
  bool closed() const { return closed_; }
  // Peeks at the socket without reading: true if the peer has closed it. For
  // sessions that are not reading (a blocked Redis client).
  bool PeerClosed();
  // Closes the socket now (any pending operation fails).
  void Close();
  // Runs the watchdog; the listener calls it once after accept.
  void StartWatchdog();

 private:
  struct TlsStream;
  using Clock = std::chrono::steady_clock;
  void Arm(Clock::duration timeout);
  void Disarm() { deadline_ = Clock::time_point::max(); }
  Task<void> Watchdog();

  uint64_t id_;
  tcp::socket socket_;
  std::unique_ptr<TlsStream> tls_;
  ConnectionLimits limits_;
  std::string peer_;
  std::string out_;
  std::string sending_;
  asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool reading_ = false;
  bool flushing_ = false;
  bool hold_pushes_ = false;
  std::string held_pushes_;
  bool stopping_ = false;
  bool closed_ = false;
  bool timed_out_ = false;
};

}  // namespace orbit::runtime
