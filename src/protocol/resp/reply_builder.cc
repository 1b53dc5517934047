#include "protocol/resp/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace orbit::protocol::resp {

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  // Redis 7.0 replies with %.17g (17 significant digits: ZSCORE of 1.1 is
  // "1.1000000000000001").
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  out_.push_back(type);
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out_.append(buf, ptr);
  out_.append("\r\n");
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_.push_back('+');
  out_.append(s);
  out_.append("\r\n");
}

void ReplyBuilder::Error(std::string_view message) {
  out_.push_back('-');
  // Error lines cannot carry CR/LF: replace them as Redis does.
  for (char c : message) out_.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_.append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_.append(s);
  out_.append("\r\n");
}

void ReplyBuilder::Null() {
  if (protocol_ >= 3) out_.append("_\r\n");
  else out_.append("$-1\r\n");
}

void ReplyBuilder::NullArray() {
  if (protocol_ >= 3) out_.append("_\r\n");
  else out_.append("*-1\r\n");
}

void ReplyBuilder::Double(double v) {
  if (protocol_ >= 3) {
    out_.push_back(',');
    out_.append(FormatDouble(v));
    out_.append("\r\n");
  } else {
    Bulk(FormatDouble(v));
  }
}

void ReplyBuilder::Bool(bool v) {
  if (protocol_ >= 3) out_.append(v ? "#t\r\n" : "#f\r\n");
  else Integer(v ? 1 : 0);
}

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::MapHeader(size_t pairs) {
  if (protocol_ >= 3) Header('%', static_cast<int64_t>(pairs));
  else Header('*', static_cast<int64_t>(pairs * 2));
}

void ReplyBuilder::SetHeader(size_t n) { Header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::PushHeader(size_t n) { Header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Verbatim(std::string_view s) {
  if (protocol_ >= 3) {
    Header('=', static_cast<int64_t>(s.size() + 4));
    out_.append("txt:");
    out_.append(s);
    out_.append("\r\n");
  } else {
    Bulk(s);
  }
}

}  // namespace orbit::protocol::resp
