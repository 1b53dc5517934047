#include "http/websocket.h"

#include <array>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace orbit::http {

std::string WebSocketAccept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

WsParse ParseWsFrame(std::string_view data, size_t max_payload, WsFrame& out) {
  WsParse r;
  auto fail = [&](uint16_t code, std::string message) {
    r.error_code = code;
    r.error = std::move(message);
    return r;
  };
  if (data.size() < 2) return r;
  auto b0 = static_cast<uint8_t>(data[0]);
  auto b1 = static_cast<uint8_t>(data[1]);
  if ((b0 & 0x70) != 0) return fail(1002, "reserved bits set");
  uint8_t opcode = b0 & 0x0f;
  bool control = (opcode & 0x08) != 0;
  if (opcode != 0 && opcode != 1 && opcode != 2 && opcode != 8 && opcode != 9 && opcode != 10) {
    return fail(1002, "unknown opcode");
  }
  if ((b1 & 0x80) == 0) return fail(1002, "client frames must be masked");
  uint64_t length = b1 & 0x7f;
  size_t pos = 2;
  if (length == 126) {
    if (data.size() < 4) return r;
    length = (uint64_t(uint8_t(data[2])) << 8) | uint8_t(data[3]);
    pos = 4;
  } else if (length == 127) {
    if (data.size() < 10) return r;
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | uint8_t(data[i]);
    if (length >> 63) return fail(1002, "bad length");
    pos = 10;
  }
  if (control && (length > 125 || (b0 & 0x80) == 0)) return fail(1002, "bad control frame");
  if (length > max_payload) return fail(1009, "message too big");
  if (data.size() < pos + 4 + length) return r;
  std::array<uint8_t, 4> mask;
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<uint8_t>(data[pos + i]);
  pos += 4;
  out.fin = (b0 & 0x80) != 0;
  out.opcode = static_cast<WsOpcode>(opcode);
  out.payload.assign(data.data() + pos, length);
  for (size_t i = 0; i < length; ++i) out.payload[i] = static_cast<char>(out.payload[i] ^ mask[i & 3]);
  r.consumed = pos + length;
  return r;
}

std::string EncodeWsFrame(WsOpcode opcode, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((uint64_t(payload.size()) >> shift) & 0xff));
  }
  out.append(payload);
  return out;
}

std::string EncodeWsClose(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason.substr(0, 123));
  return EncodeWsFrame(WsOpcode::kClose, payload);
}

WebSocket::WebSocket(std::shared_ptr<runtime::Connection> connection, std::string buffered, size_t max_message)
    : connection_(std::move(connection)), in_(std::move(buffered)), max_message_(max_message) {}

Task<Result<WebSocket::Message>> WebSocket::Read() {
  Message message;
  bool in_message = false;
  std::array<char, 16 * 1024> buf;
  while (true) {
    WsFrame frame;
    WsParse parsed = ParseWsFrame(in_, max_message_, frame);
    if (parsed.error_code != 0) {
      co_await Close(parsed.error_code, parsed.error);
      co_return Error(ErrorCode::kInvalidArgument, "websocket: " + parsed.error);
    }
    if (parsed.consumed == 0) {
      auto n = co_await connection_->ReadSome(buf);
      if (!n.ok() || *n == 0) co_return Error(ErrorCode::kUnavailable, "websocket: connection closed");
      in_.append(buf.data(), *n);
      continue;
    }
    in_.erase(0, parsed.consumed);
    switch (frame.opcode) {
      case WsOpcode::kPing:
        connection_->Write(EncodeWsFrame(WsOpcode::kPong, frame.payload));
        (void)co_await connection_->Flush();
        continue;
      case WsOpcode::kPong:
        continue;
      case WsOpcode::kClose: {
        uint16_t code = frame.payload.size() >= 2 ? uint16_t((uint8_t(frame.payload[0]) << 8) | uint8_t(frame.payload[1])) : 1000;
        co_await Close(code == 1005 || code == 1006 ? 1000 : code, "");
        co_return Error(ErrorCode::kUnavailable, "websocket: closed by the peer");
      }
      case WsOpcode::kContinuation:
        if (!in_message) {
          co_await Close(1002, "unexpected continuation frame");
          co_return Error(ErrorCode::kInvalidArgument, "websocket: unexpected continuation");
        }
        break;
      case WsOpcode::kText:
      case WsOpcode::kBinary:
        if (in_message) {
          co_await Close(1002, "expected a continuation frame");
          co_return Error(ErrorCode::kInvalidArgument, "websocket: interleaved message");
        }
        in_message = true;
        message.binary = frame.opcode == WsOpcode::kBinary;
        break;
    }
    if (message.data.size() + frame.payload.size() > max_message_) {
      co_await Close(1009, "message too big");
      co_return Error(ErrorCode::kInvalidArgument, "websocket: message too big");
    }
    message.data += frame.payload;
    if (frame.fin) co_return message;
  }
}

Task<Status> WebSocket::SendText(std::string_view text) {
  if (!connection_->Write(EncodeWsFrame(WsOpcode::kText, text))) co_return Error(ErrorCode::kUnavailable, "output limit");
  co_return co_await connection_->Flush();
}

void WebSocket::PushText(std::string_view text) {
  if (!close_sent_) connection_->Push(EncodeWsFrame(WsOpcode::kText, text));
}

Task<void> WebSocket::Close(uint16_t code, std::string_view reason) {
  if (close_sent_) co_return;
  close_sent_ = true;
  connection_->Write(EncodeWsClose(code, reason));
  (void)co_await connection_->Flush();
}

}  // namespace orbit::http
