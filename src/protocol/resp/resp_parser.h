#pragma once

// RESP request parser (pure: bytes in, arguments out, no I/O). Accepts the two
// request forms Redis accepts: multibulk arrays of bulk strings (`*2\r\n$3\r\nGET
// \r\n$1\r\nk\r\n`) and inline commands (`GET k\r\n`, as telnet sends), with
// Redis's limits and its exact protocol error messages.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orbit::protocol::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512ll << 20;      // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024 * 1024ll;  // Redis's INT_MAX-ish cap: "invalid multibulk length"
  size_t max_inline_len = 64 * 1024;       // PROTO_INLINE_MAX_SIZE
  // Before AUTH, Redis caps requests at 10 arguments of at most 16 KiB each.
  bool authenticated = true;
};

enum class ParseStatus {
  kCommand,   // args holds one command; `consumed` bytes were used
  kEmpty,     // an empty inline line or `*0`/`*-1`: skip `consumed` bytes, no command
  kNeedMore,  // incomplete; call again when the buffer holds at least `need` bytes
  kError,     // protocol error: reply `error` and close the connection
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;
  size_t need = 0;
  std::string error;  // "Protocol error: ..." (without the "ERR " prefix)
};

// Progress through a multibulk request that has not fully arrived, so that a
// large request is scanned once, not once per read. Positions are relative to the
// start of the request (the `data` passed to ParseCommand).
struct ParseState {
  bool active = false;
  int64_t count = 0;
  size_t pos = 0;
  std::vector<std::pair<size_t, size_t>> spans;  // (offset, length) of each argument
};

// Parses one command from the start of `data`. Arguments of multibulk requests
// are views into `data`; inline arguments may need unescaping and are stored in
// `storage` (args then point into it). Both stay valid until the next call.
// `state` carries partial progress between calls for the same request: call
// again with the same request start and more bytes.
ParseResult ParseCommand(std::string_view data, const ParserLimits& limits, std::vector<std::string_view>& args,
                         std::vector<std::string>& storage, ParseState& state);
// Stateless form (tests, fuzzing): each call starts from scratch.
ParseResult ParseCommand(std::string_view data, const ParserLimits& limits, std::vector<std::string_view>& args,
                         std::vector<std::string>& storage);

// Splits an inline command line like Redis's sdssplitargs: whitespace-separated,
// "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \'.
// False on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out);

}  // namespace orbit::protocol::resp
