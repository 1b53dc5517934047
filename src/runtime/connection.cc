#include "runtime/connection.h"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace orbit::runtime {

struct Connection::TlsStream {
  TlsStream(tcp::socket& socket, asio::ssl::context& context) : stream(socket, context) {}
  asio::ssl::stream<tcp::socket&> stream;
};

Connection::Connection(uint64_t id, tcp::socket socket, ConnectionLimits limits)
    : id_(id), socket_(std::move(socket)), limits_(limits), timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() = default;

void Connection::StartWatchdog() {
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->Watchdog(); },
                 asio::detached);
}

void Connection::Arm(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  // The watchdog sleeps until the earliest deadline; only wake it when the new
  // deadline comes earlier than the one it is sleeping towards.
  if (deadline_ < timer_.expiry()) timer_.expires_at(deadline_);
}

Task<void> Connection::Watchdog() {
  while (!closed_) {
    timer_.expires_at(deadline_);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (closed_) break;
    if (Clock::now() >= deadline_) {
      timed_out_ = true;
      Close();
    }
  }
}

Task<Result<size_t>> Connection::ReadSome(std::span<char> buffer) {
  if (closed_ || stopping_) co_return Error(ErrorCode::kUnavailable, "connection is closing");
  if (limits_.idle_timeout.count() > 0) Arm(limits_.idle_timeout);
  reading_ = true;
  auto buf = asio::buffer(buffer.data(), buffer.size());
  auto [ec, n] = tls_ ? co_await tls_->stream.async_read_some(buf, asio::as_tuple(asio::use_awaitable))
                      : co_await socket_.async_read_some(buf, asio::as_tuple(asio::use_awaitable));
  reading_ = false;
  Disarm();
  if (!ec) co_return n;
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::ssl::error::stream_truncated) {
    co_return size_t{0};
  }
  if (timed_out_) co_return Error(ErrorCode::kUnavailable, "idle timeout");
  if (stopping_ || closed_ || ec == asio::error::operation_aborted) {
    co_return Error(ErrorCode::kUnavailable, "connection is closing");
  }
  co_return Error(ErrorCode::kIOError, ec.message());
}

bool Connection::Write(std::string_view bytes) {
  if (closed_) return false;
  if (out_.size() + sending_.size() + bytes.size() > limits_.max_output_bytes) {
    Close();
    return false;
  }
  out_.append(bytes);
  return true;
}

void Connection::Push(std::string_view bytes) {
  if (hold_pushes_) {
    if (out_.size() + sending_.size() + held_pushes_.size() + bytes.size() > limits_.max_output_bytes) {
      Close();
      return;
    }
    held_pushes_.append(bytes);
    return;
  }
  if (!Write(bytes)) return;
  if (flushing_) return;  // the running flush sends it
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()]() -> Task<void> { (void)co_await self->Flush(); },
                 asio::detached);
}

void Connection::ReleasePushes() {
  hold_pushes_ = false;
  if (held_pushes_.empty()) return;
  std::string held;
  held.swap(held_pushes_);
  (void)Write(held);
}

Task<Status> Connection::Flush() {
  // One writer at a time: a flush already running (e.g. started by Push) sends
  // whatever is appended while it runs.
  if (flushing_) co_return Ok();
  flushing_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{flushing_};
  while (!out_.empty()) {
    if (closed_) co_return Error(ErrorCode::kUnavailable, "connection is closed");
    sending_.swap(out_);
    Arm(limits_.write_timeout);
    auto buf = asio::buffer(sending_);
    auto [ec, n] = tls_ ? co_await asio::async_write(tls_->stream, buf, asio::as_tuple(asio::use_awaitable))
                        : co_await asio::async_write(socket_, buf, asio::as_tuple(asio::use_awaitable));
    Disarm();
    sending_.clear();
    if (ec) {
      if (timed_out_) co_return Error(ErrorCode::kUnavailable, "write timeout: peer is not reading");
      co_return Error(ErrorCode::kIOError, ec.message());
    }
  }
  co_return Ok();
}

Task<Status> Connection::StartTls(asio::ssl::context& context) {
  tls_ = std::make_unique<TlsStream>(socket_, context);
  Arm(limits_.write_timeout);
  auto [ec] = co_await tls_->stream.async_handshake(asio::ssl::stream_base::server,
                                                    asio::as_tuple(asio::use_awaitable));
  Disarm();
  if (ec) co_return Error(ErrorCode::kIOError, "TLS handshake failed: " + ec.message());
  co_return Ok();
}

bool Connection::PeerClosed() {
  if (closed_) return true;
  char c;
  ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void Connection::RequestStop() {
  stopping_ = true;
  if (reading_) {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
}

}  // namespace orbit::runtime
