#include "protocol/resp/resp_parser.h"

#include <charconv>
#include <cstring>

namespace orbit::protocol::resp {
namespace {

// Parses the integer of a "*<n>\r\n" or "$<n>\r\n" line starting after the type
// byte. Returns false if it is not a valid (possibly negative) decimal.
bool ParseLength(std::string_view digits, int64_t& out) {
  // Redis's string2ll: no '+', no leading zeros, no "-0".
  if (digits.empty() || digits.size() > 20 || digits[0] == '+') return false;
  if (digits.size() > 1 && digits[0] == '0') return false;
  if (digits.size() > 1 && digits[0] == '-' && digits[1] == '0') return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }

ParseResult Error(std::string message) {
  ParseResult r;
  r.status = ParseStatus::kError;
  r.error = "Protocol error: " + std::move(message);
  return r;
}

ParseResult NeedMore(size_t need) {
  ParseResult r;
  r.status = ParseStatus::kNeedMore;
  r.need = need;
  return r;
}

ParseResult ParseInline(std::string_view data, const ParserLimits& limits, std::vector<std::string_view>& args,
                        std::vector<std::string>& storage) {
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos) {
    if (data.size() > limits.max_inline_len) return Error("too big inline request");
    return NeedMore(data.size() + 1);
  }
  std::string_view line = data.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > limits.max_inline_len) return Error("too big inline request");
  storage.clear();
  if (!SplitInlineArgs(line, storage)) return Error("unbalanced quotes in request");
  ParseResult r;
  r.consumed = nl + 1;
  if (storage.empty()) {
    r.status = ParseStatus::kEmpty;
    return r;
  }
  for (const auto& s : storage) args.emplace_back(s);
  r.status = ParseStatus::kCommand;
  return r;
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 && HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n': current.push_back('\n'); break;
            case 'r': current.push_back('\r'); break;
            case 't': current.push_back('\t'); break;
            case 'b': current.push_back('\b'); break;
            case 'a': current.push_back('\a'); break;
            default: current.push_back(line[i]); break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (IsSpace(c)) {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(current));
  }
}

ParseResult ParseCommand(std::string_view data, const ParserLimits& limits, std::vector<std::string_view>& args,
                         std::vector<std::string>& storage) {
  ParseState state;
  return ParseCommand(data, limits, args, storage, state);
}

ParseResult ParseCommand(std::string_view data, const ParserLimits& limits, std::vector<std::string_view>& args,
                         std::vector<std::string>& storage, ParseState& state) {
  args.clear();
  if (!state.active) {
    if (data.empty()) return NeedMore(1);
    if (data[0] != '*') return ParseInline(data, limits, args, storage);
    size_t nl = data.find('\r');
    if (nl == std::string_view::npos || nl + 1 >= data.size()) {
      if (data.size() > limits.max_inline_len) return Error("too big mbulk count string");
      return NeedMore(data.size() + 1);
    }
    if (data[nl + 1] != '\n') return Error("invalid multibulk length");
    int64_t count = 0;
    if (!ParseLength(data.substr(1, nl - 1), count) || count > limits.max_multibulk_len) {
      return Error("invalid multibulk length");
    }
    if (!limits.authenticated && count > 10) return Error("unauthenticated multibulk length");
    if (count <= 0) {
      ParseResult r;
      r.status = ParseStatus::kEmpty;
      r.consumed = nl + 2;
      return r;
    }
    state.active = true;
    state.count = count;
    state.pos = nl + 2;
    state.spans.clear();
    // Reserve modestly: a client claiming a huge count must not make us allocate.
    state.spans.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  }
  auto fail = [&](std::string message) {
    state = ParseState{};
    return Error(std::move(message));
  };
  size_t pos = state.pos;
  while (static_cast<int64_t>(state.spans.size()) < state.count) {
    if (pos >= data.size()) return NeedMore(pos + 1);
    if (data[pos] != '$') return fail(std::string("expected '$', got '") + data[pos] + "'");
    size_t end = data.find('\r', pos);
    if (end == std::string_view::npos || end + 1 >= data.size()) {
      if (data.size() - pos > limits.max_inline_len) return fail("too big bulk count string");
      return NeedMore(data.size() + 1);
    }
    if (data[end + 1] != '\n') return fail("invalid bulk length");
    int64_t len = 0;
    if (!ParseLength(data.substr(pos + 1, end - pos - 1), len) || len < 0 || len > limits.max_bulk_len) {
      return fail("invalid bulk length");
    }
    if (!limits.authenticated && len > 16384) return fail("unauthenticated bulk length");
    size_t start = end + 2;
    size_t need = start + static_cast<size_t>(len) + 2;
    if (data.size() < need) return NeedMore(need);
    if (data[need - 2] != '\r' || data[need - 1] != '\n') {
      // Redis consumes exactly len+2 bytes without checking; reject for safety.
      return fail("invalid bulk length");
    }
    state.spans.emplace_back(start, static_cast<size_t>(len));
    pos = need;
    state.pos = pos;  // this argument is complete: never scan it again
  }
  for (auto [off, len] : state.spans) args.emplace_back(data.substr(off, len));
  ParseResult r;
  r.status = ParseStatus::kCommand;
  r.consumed = pos;
  state = ParseState{};
  return r;
}

}  // namespace orbit::protocol::resp
