#pragma once

// PostgreSQL frontend/backend protocol v3 framing (pure: bytes in, values out,
// no I/O). See the PostgreSQL 15 documentation, "Frontend/Backend Protocol":
// "Message Formats" and "Message Flow".
//
// A connection starts with untyped packets: Int32 length (including itself),
// Int32 code, payload. The code is the protocol version 3.0 (196608) for a
// StartupMessage, or one of the special request codes (SSLRequest,
// GSSENCRequest, CancelRequest). After startup every message is typed: Byte1
// type, Int32 length (including itself, not the type), payload. Integers are
// big-endian.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <utility>
#include <vector>

namespace orbit::protocol::pg {

inline constexpr int32_t kProtocolVersion3 = 196608;  // 3 << 16
inline constexpr int32_t kSslRequestCode = 80877103;
inline constexpr int32_t kGssEncRequestCode = 80877104;
inline constexpr int32_t kCancelRequestCode = 80877102;

struct Limits {
  size_t max_startup_len = 10000;        // PostgreSQL's MAX_STARTUP_PACKET_LENGTH
  // Query, Parse, Bind, FunctionCall and CopyData may be large (PostgreSQL:
  // 1 GB); Orbit caps them lower by default to bound memory per connection.
  size_t max_message_len = 256u << 20;
  size_t max_small_message_len = 10000;  // every other type (PostgreSQL 14+: PQ_SMALL_MESSAGE_LIMIT)
};

enum class Status {
  kOk,        // one packet/message parsed; `consumed` bytes used
  kNeedMore,  // incomplete; call again with at least `need` bytes
  kError,     // protocol violation: send 08P01 (`error`) and close
};

struct Result {
  Status status = Status::kNeedMore;
  size_t consumed = 0;
  size_t need = 0;
  std::string error;
};

enum class StartupKind { kStartup, kSslRequest, kGssEncRequest, kCancel };

struct StartupPacket {
  StartupKind kind = StartupKind::kStartup;
  int32_t version = 0;  // 3.x: the minor version is negotiated down to 0
  // StartupMessage: parameter name/value pairs in order (user, database,
  // options, application_name, and any GUC the client sets).
  std::vector<std::pair<std::string, std::string>> params;
  // CancelRequest.
  int32_t cancel_pid = 0;
  int32_t cancel_key = 0;

  // The value of a startup parameter, or `fallback`.
  std::string_view Param(std::string_view name, std::string_view fallback = {}) const;
};

// Parses the first packet of a connection (or the one after an SSLRequest/
// GSSENCRequest answered 'N').
Result ParseStartup(std::string_view data, const Limits& limits, StartupPacket& out);

// A typed frontend message; `payload` points into the parsed buffer.
struct Message {
  char type = 0;
  std::string_view payload;
};

Result ParseMessage(std::string_view data, const Limits& limits, Message& out);

// Sequential reads from a message payload. Reads past the end set `ok` to false
// and return zero values; check `ok` (and usually AtEnd) after reading a message.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view payload) : rest_(payload) {}
  int16_t Int16();
  int32_t Int32();
  std::string_view CString();          // up to the next NUL, which is consumed
  std::string_view Bytes(size_t n);
  bool AtEnd() const { return rest_.empty(); }
  bool ok() const { return ok_; }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

// Builds backend messages into a buffer: Begin(type), the fields, End() (which
// patches the length).
class MessageWriter {
 public:
  explicit MessageWriter(std::string& out) : out_(out) {}
  MessageWriter& Begin(char type);
  MessageWriter& Int16(int16_t v);
  MessageWriter& Int32(int32_t v);
  MessageWriter& CString(std::string_view s);  // cut at an embedded NUL
  MessageWriter& Bytes(std::string_view s);
  void End();
  size_t size() const { return out_.size(); }  // bytes pending in the buffer
  void Truncate(size_t size) { out_.resize(size); }  // drops what was written after `size`

  // Common messages.
  void AuthenticationOk();
  void ParameterStatus(std::string_view name, std::string_view value);
  void BackendKeyData(int32_t pid, int32_t key);
  void ReadyForQuery(char status);  // 'I' idle, 'T' in a transaction, 'E' failed transaction
  void CommandComplete(std::string_view tag);
  void EmptyQueryResponse();

 private:
  std::string& out_;
  size_t start_ = 0;
};

// Extended-query frontend messages ("Extended Query" in PostgreSQL 15's
// protocol chapter), decoded into owned values: a batch of them outlives the
// input buffer they came from.
struct ParseMsg {  // 'P'
  std::string name;
  std::string query;
  std::vector<int32_t> param_types;  // OIDs; 0 = let the server infer
};
struct BindMsg {  // 'B'
  std::string portal;
  std::string statement;
  std::vector<int16_t> param_formats;  // 0 or 1 entries apply to all; else one per parameter
  std::vector<std::optional<std::string>> params;  // nullopt: NULL
  std::vector<int16_t> result_formats;
};
struct DescribeMsg {  // 'D': kind 'S' (statement) or 'P' (portal)
  char kind = 'S';
  std::string name;
};
struct ExecuteMsg {  // 'E'
  std::string portal;
  int32_t max_rows = 0;  // 0: all
};
struct CloseMsg {  // 'C'
  char kind = 'S';
  std::string name;
};
struct SyncMsg {};  // 'S'
using ExtendedMessage = std::variant<ParseMsg, BindMsg, DescribeMsg, ExecuteMsg, CloseMsg, SyncMsg>;

// Decodes a 'P', 'B', 'D', 'E', 'C' or 'S' message; nullopt with `error` set for
// malformed contents (a protocol violation: 08P01).
std::optional<ExtendedMessage> DecodeExtended(const Message& m, std::string& error);

// The format code of result/parameter column `i` given a Bind format list.
int16_t FormatAt(const std::vector<int16_t>& formats, size_t i);

// ErrorResponse / NoticeResponse fields (PostgreSQL 15 "Error and Notice
// Message Fields").
struct ErrorFields {
  std::string severity = "ERROR";  // ERROR, FATAL, PANIC; WARNING, NOTICE, ... for notices
  std::string sqlstate;            // e.g. "0A000", "08P01"
  std::string message;
  std::string detail;
  std::string hint;
  int position = 0;                // 1-based character position in the query; 0: none
};

void WriteError(MessageWriter& w, const ErrorFields& e, char type = 'E');

}  // namespace orbit::protocol::pg
