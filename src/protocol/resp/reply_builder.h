#pragma once

// Encodes replies in RESP2 or RESP3 into a byte string. Types RESP2 lacks are
// downgraded the way Redis does it: maps become flat arrays, sets arrays, doubles
// bulk strings, booleans integers, nulls $-1 (or *-1 for null arrays), pushes
// arrays.

#include <cstdint>
#include <string>
#include <string_view>

namespace orbit::protocol::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string& out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string& buffer() { return out_; }

  void SimpleString(std::string_view s);  // "+OK"
  void Ok() { SimpleString("OK"); }
  // `message` must carry its prefix: "ERR ...", "WRONGTYPE ...", "NOAUTH ...".
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 "$-1"
  void NullArray();  // RESP2 "*-1"
  void Double(double v);
  void Bool(bool v);
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);
  void SetHeader(size_t n);
  void PushHeader(size_t n);
  void Verbatim(std::string_view s);  // RESP3 verbatim "txt", RESP2 bulk

 private:
  void Header(char type, int64_t n);
  std::string& out_;
  int protocol_;
};

// Formats a double as Redis does in replies (%.17g, with "inf"/"-inf"/"nan").
std::string FormatDouble(double v);

}  // namespace orbit::protocol::resp
