#include "protocol/pg/pg_codec.h"

#include <cstring>

namespace orbit::protocol::pg {
namespace {

int32_t ReadBE32(const char* p) {
  return static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8) |
                              static_cast<uint32_t>(static_cast<uint8_t>(p[3])));
}

Result Error(std::string message) {
  Result r;
  r.status = Status::kError;
  r.error = std::move(message);
  return r;
}

Result NeedMore(size_t need) {
  Result r;
  r.status = Status::kNeedMore;
  r.need = need;
  return r;
}

}  // namespace

std::string_view StartupPacket::Param(std::string_view name, std::string_view fallback) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return fallback;
}

Result ParseStartup(std::string_view data, const Limits& limits, StartupPacket& out) {
  if (data.size() < 4) return NeedMore(4);
  int32_t len = ReadBE32(data.data());
  if (len < 8 || static_cast<size_t>(len) > limits.max_startup_len) return Error("invalid length of startup packet");
  if (data.size() < static_cast<size_t>(len)) return NeedMore(static_cast<size_t>(len));
  PayloadReader r(data.substr(4, static_cast<size_t>(len) - 4));
  int32_t code = r.Int32();
  out = StartupPacket{};
  out.version = code;
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    if (len != 8) return Error("invalid length of startup packet");
    out.kind = code == kSslRequestCode ? StartupKind::kSslRequest : StartupKind::kGssEncRequest;
  } else if (code == kCancelRequestCode) {
    if (len != 16) return Error("invalid length of cancel request packet");
    out.kind = StartupKind::kCancel;
    out.cancel_pid = r.Int32();
    out.cancel_key = r.Int32();
  } else {
    // Only 3.0 is served; PostgreSQL accepts minor versions of 3 and negotiates
    // them down (NegotiateProtocolVersion), which the session can do from `version`.
    if ((code >> 16) != 3) {
      return Error("unsupported frontend protocol " + std::to_string(code >> 16) + "." +
                   std::to_string(code & 0xffff) + ": server supports 3.0 to 3.0");
    }
    out.kind = StartupKind::kStartup;
    // name\0value\0 ... \0
    while (true) {
      std::string_view name = r.CString();
      if (!r.ok()) return Error("invalid startup packet layout: expected terminator as last byte");
      if (name.empty()) break;
      std::string_view value = r.CString();
      if (!r.ok()) return Error("invalid startup packet layout: expected terminator as last byte");
      out.params.emplace_back(std::string(name), std::string(value));
    }
    if (!r.AtEnd()) return Error("invalid startup packet layout: expected terminator as last byte");
  }
  Result ok;
  ok.status = Status::kOk;
  ok.consumed = static_cast<size_t>(len);
  return ok;
}

Result ParseMessage(std::string_view data, const Limits& limits, Message& out) {
  if (data.size() < 5) return NeedMore(5);
  int32_t len = ReadBE32(data.data() + 1);
  if (len < 4) return Error("invalid message length");
  bool large = std::strchr("QPBFd", data[0]) != nullptr && data[0] != '\0';
  if (static_cast<size_t>(len) > (large ? limits.max_message_len : limits.max_small_message_len)) {
    return Error("invalid message length");
  }
  size_t total = 1 + static_cast<size_t>(len);
  if (data.size() < total) return NeedMore(total);
  out.type = data[0];
  out.payload = data.substr(5, static_cast<size_t>(len) - 4);
  Result ok;
  ok.status = Status::kOk;
  ok.consumed = total;
  return ok;
}

int16_t PayloadReader::Int16() {
  if (rest_.size() < 2) {
    ok_ = false;
    rest_ = {};
    return 0;
  }
  auto v = static_cast<int16_t>((static_cast<uint16_t>(static_cast<uint8_t>(rest_[0])) << 8) |
                                static_cast<uint16_t>(static_cast<uint8_t>(rest_[1])));
  rest_.remove_prefix(2);
  return v;
}

int32_t PayloadReader::Int32() {
  if (rest_.size() < 4) {
    ok_ = false;
    rest_ = {};
    return 0;
  }
  int32_t v = ReadBE32(rest_.data());
  rest_.remove_prefix(4);
  return v;
}

std::string_view PayloadReader::CString() {
  size_t nul = rest_.find('\0');
  if (nul == std::string_view::npos) {
    ok_ = false;
    rest_ = {};
    return {};
  }
  std::string_view s = rest_.substr(0, nul);
  rest_.remove_prefix(nul + 1);
  return s;
}

std::string_view PayloadReader::Bytes(size_t n) {
  if (rest_.size() < n) {
    ok_ = false;
    rest_ = {};
    return {};
  }
  std::string_view s = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return s;
}

MessageWriter& MessageWriter::Begin(char type) {
  out_.push_back(type);
  start_ = out_.size();
  out_.append(4, '\0');  // length, patched by End
  return *this;
}

MessageWriter& MessageWriter::Int16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  out_.push_back(static_cast<char>(u >> 8));
  out_.push_back(static_cast<char>(u & 0xff));
  return *this;
}

MessageWriter& MessageWriter::Int32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>((u >> shift) & 0xff));
  return *this;
}

MessageWriter& MessageWriter::CString(std::string_view s) {
  out_.append(s.substr(0, s.find('\0')));  // a NUL would end the field early: cut there
  out_.push_back('\0');
  return *this;
}

MessageWriter& MessageWriter::Bytes(std::string_view s) {
  out_.append(s);
  return *this;
}

void MessageWriter::End() {
  auto len = static_cast<uint32_t>(out_.size() - start_);
  for (int i = 0; i < 4; ++i) out_[start_ + static_cast<size_t>(i)] = static_cast<char>((len >> (24 - 8 * i)) & 0xff);
}

void MessageWriter::AuthenticationOk() {
  Begin('R').Int32(0);
  End();
}

void MessageWriter::ParameterStatus(std::string_view name, std::string_view value) {
  Begin('S').CString(name).CString(value);
  End();
}

void MessageWriter::BackendKeyData(int32_t pid, int32_t key) {
  Begin('K').Int32(pid).Int32(key);
  End();
}

void MessageWriter::ReadyForQuery(char status) {
  Begin('Z').Bytes(std::string_view(&status, 1));
  End();
}

void MessageWriter::CommandComplete(std::string_view tag) {
  Begin('C').CString(tag);
  End();
}

void MessageWriter::EmptyQueryResponse() {
  Begin('I');
  End();
}

void WriteError(MessageWriter& w, const ErrorFields& e, char type) {
  w.Begin(type);
  // 'S' is localized, 'V' never is (PostgreSQL 9.6+); Orbit sends English for both.
  w.Bytes("S").CString(e.severity);
  w.Bytes("V").CString(e.severity);
  w.Bytes("C").CString(e.sqlstate);
  w.Bytes("M").CString(e.message);
  if (!e.detail.empty()) w.Bytes("D").CString(e.detail);
  if (!e.hint.empty()) w.Bytes("H").CString(e.hint);
  if (e.position > 0) w.Bytes("P").CString(std::to_string(e.position));
  w.Bytes(std::string_view("\0", 1));
  w.End();
}

int16_t FormatAt(const std::vector<int16_t>& formats, size_t i) {
  if (formats.empty()) return 0;
  if (formats.size() == 1) return formats[0];
  return i < formats.size() ? formats[i] : 0;
}

std::optional<ExtendedMessage> DecodeExtended(const Message& m, std::string& error) {
  PayloadReader r(m.payload);
  auto finish = [&](ExtendedMessage msg, const char* what) -> std::optional<ExtendedMessage> {
    if (!r.ok() || !r.AtEnd()) {
      error = std::string("invalid ") + what + " message";
      return std::nullopt;
    }
    return msg;
  };
  auto count = [&](const char* what) -> std::optional<size_t> {
    int16_t n = r.Int16();
    if (n < 0) {
      error = std::string("invalid ") + what + " message";
      return std::nullopt;
    }
    return static_cast<size_t>(n);
  };
  switch (m.type) {
    case 'P': {
      ParseMsg p;
      p.name = r.CString();
      p.query = r.CString();
      auto n = count("Parse");
      if (!n) return std::nullopt;
      for (size_t i = 0; i < *n && r.ok(); ++i) p.param_types.push_back(r.Int32());
      return finish(std::move(p), "Parse");
    }
    case 'B': {
      BindMsg b;
      b.portal = r.CString();
      b.statement = r.CString();
      auto formats = count("Bind");
      if (!formats) return std::nullopt;
      for (size_t i = 0; i < *formats && r.ok(); ++i) b.param_formats.push_back(r.Int16());
      auto params = count("Bind");
      if (!params) return std::nullopt;
      for (size_t i = 0; i < *params && r.ok(); ++i) {
        int32_t len = r.Int32();
        if (len < -1) {
          error = "invalid Bind message: negative parameter length";
          return std::nullopt;
        }
        if (len == -1) b.params.emplace_back(std::nullopt);
        else b.params.emplace_back(std::string(r.Bytes(static_cast<size_t>(len))));
      }
      auto results = count("Bind");
      if (!results) return std::nullopt;
      for (size_t i = 0; i < *results && r.ok(); ++i) b.result_formats.push_back(r.Int16());
      for (int16_t f : b.param_formats) {
        if (f != 0 && f != 1) error = "unsupported format code: " + std::to_string(f);
      }
      for (int16_t f : b.result_formats) {
        if (f != 0 && f != 1) error = "unsupported format code: " + std::to_string(f);
      }
      if (!error.empty()) return std::nullopt;
      return finish(std::move(b), "Bind");
    }
    case 'D':
    case 'C': {
      std::string_view kind = r.Bytes(1);
      std::string name(r.CString());
      if (r.ok() && kind != "S" && kind != "P") {
        error = std::string("invalid ") + (m.type == 'D' ? "DESCRIBE" : "CLOSE") + " message subtype " +
                std::to_string(kind.empty() ? 0 : static_cast<int>(kind[0]));
        return std::nullopt;
      }
      char k = kind.empty() ? 'S' : kind[0];
      if (m.type == 'D') return finish(DescribeMsg{k, std::move(name)}, "Describe");
      return finish(CloseMsg{k, std::move(name)}, "Close");
    }
    case 'E': {
      ExecuteMsg e;
      e.portal = r.CString();
      e.max_rows = r.Int32();
      return finish(std::move(e), "Execute");
    }
    case 'S': return finish(SyncMsg{}, "Sync");
    default: error = "not an extended-query message"; return std::nullopt;
  }
}

}  // namespace orbit::protocol::pg
