// RESP parser and reply builder: Redis's request forms, limits and error strings.

#include <gtest/gtest.h>

#include "protocol/resp/reply_builder.h"
#include "protocol/resp/resp_parser.h"

namespace orbit::protocol::resp {
namespace {

struct Parsed {
  ParseResult result;
  std::vector<std::string> args;
};

Parsed Parse(std::string_view in, ParserLimits limits = {}) {
  std::vector<std::string_view> args;
  std::vector<std::string> storage;
  Parsed p;
  p.result = ParseCommand(in, limits, args, storage);
  for (auto a : args) p.args.emplace_back(a);
  return p;
}

TEST(RespParser, MultibulkAndPipelining) {
  using namespace std::string_literals;
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nb\0\r\n*1\r\n$4\r\nPING\r\n"s;
  auto p = Parse(in);
  ASSERT_EQ(p.result.status, ParseStatus::kCommand);
  EXPECT_EQ(p.args, (std::vector<std::string>{"SET", "k", std::string("a\r\nb\0", 5)}));
  auto q = Parse(std::string_view(in).substr(p.result.consumed));
  ASSERT_EQ(q.result.status, ParseStatus::kCommand);
  EXPECT_EQ(q.args, (std::vector<std::string>{"PING"}));
}

TEST(RespParser, IncompleteInputAsksForExactlyWhatItNeeds) {
  std::string full = "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";
  for (size_t cut = 0; cut < full.size(); ++cut) {
    auto p = Parse(full.substr(0, cut));
    ASSERT_EQ(p.result.status, ParseStatus::kNeedMore) << cut;
    EXPECT_GT(p.result.need, cut);
    EXPECT_LE(p.result.need, full.size());
  }
  EXPECT_EQ(Parse(full).result.status, ParseStatus::kCommand);
}

TEST(RespParser, ResumesAPartialRequestWithoutRescanning) {
  std::string full = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  ParseState state;
  std::vector<std::string_view> args;
  std::vector<std::string> storage;
  ParserLimits limits;
  ParseResult r;
  size_t calls = 0;
  for (size_t n = 1; n <= full.size(); ++n) {  // one more byte per call
    r = ParseCommand(std::string_view(full).substr(0, n), limits, args, storage, state);
    ++calls;
    if (r.status != ParseStatus::kNeedMore) break;
    EXPECT_TRUE(state.active || n < 4);
  }
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.consumed, full.size());
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2], "value");
  EXPECT_FALSE(state.active);  // reset for the next request
  EXPECT_EQ(calls, full.size());
}

TEST(RespParser, InlineCommandsWithQuotes) {
  auto p = Parse("SET \"a b\\x41\\n\" 'it\\'s'  x\r\n");
  ASSERT_EQ(p.result.status, ParseStatus::kCommand);
  EXPECT_EQ(p.args, (std::vector<std::string>{"SET", "a bA\n", "it's", "x"}));
  EXPECT_EQ(Parse("\r\n").result.status, ParseStatus::kEmpty);
  EXPECT_EQ(Parse("PING").result.status, ParseStatus::kNeedMore);
  auto bad = Parse("SET \"unterminated\r\n");
  ASSERT_EQ(bad.result.status, ParseStatus::kError);
  EXPECT_EQ(bad.result.error, "Protocol error: unbalanced quotes in request");
}

TEST(RespParser, ErrorsMatchRedis) {
  EXPECT_EQ(Parse("*abc\r\n").result.error, "Protocol error: invalid multibulk length");
  EXPECT_EQ(Parse("*1\r\nx\r\n").result.error, "Protocol error: expected '$', got 'x'");
  EXPECT_EQ(Parse("*1\r\n$-5\r\n").result.error, "Protocol error: invalid bulk length");
  ParserLimits small;
  small.max_bulk_len = 10;
  EXPECT_EQ(Parse("*1\r\n$11\r\n", small).result.error, "Protocol error: invalid bulk length");
  EXPECT_EQ(Parse("*99999999999\r\n").result.error, "Protocol error: invalid multibulk length");
  EXPECT_EQ(Parse(std::string(70 * 1024, 'a')).result.error, "Protocol error: too big inline request");
  // A huge claimed count with no data only asks for more: nothing is allocated.
  EXPECT_EQ(Parse("*1000000\r\n").result.status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("*0\r\n").result.status, ParseStatus::kEmpty);
  EXPECT_EQ(Parse("*-1\r\n").result.status, ParseStatus::kEmpty);
}

TEST(ReplyBuilder, Resp2AndResp3Encodings) {
  std::string out;
  ReplyBuilder r2(out, 2);
  r2.Null();
  r2.NullArray();
  r2.MapHeader(1);
  r2.Double(1.5);
  r2.Bool(true);
  r2.Error("ERR bad\r\nthing");
  EXPECT_EQ(out, "$-1\r\n*-1\r\n*2\r\n$3\r\n1.5\r\n:1\r\n-ERR bad  thing\r\n");
  out.clear();
  ReplyBuilder r3(out, 3);
  r3.Null();
  r3.MapHeader(1);
  r3.Double(1.5);
  r3.Bool(false);
  r3.SetHeader(2);
  r3.PushHeader(3);
  r3.Verbatim("hi");
  EXPECT_EQ(out, "_\r\n%1\r\n,1.5\r\n#f\r\n~2\r\n>3\r\n=6\r\ntxt:hi\r\n");
}

TEST(ReplyBuilder, DoublesFormatLikeRedis) {
  EXPECT_EQ(FormatDouble(1.1), "1.1000000000000001");
  EXPECT_EQ(FormatDouble(3), "3");
  EXPECT_EQ(FormatDouble(1.0 / 0.0), "inf");
  EXPECT_EQ(FormatDouble(-1.0 / 0.0), "-inf");
}

}  // namespace
}  // namespace orbit::protocol::resp
