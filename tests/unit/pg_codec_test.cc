// The PostgreSQL v3 framing: startup packets and typed messages as psql and
// libpq send them, split at every byte, and the protocol violations a server
// must reject (08P01) instead of trusting a length.

#include <gtest/gtest.h>

#include <string>

#include "protocol/pg/pg_codec.h"

namespace orbit::protocol::pg {
namespace {

std::string BE32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  return {static_cast<char>(u >> 24), static_cast<char>((u >> 16) & 0xff), static_cast<char>((u >> 8) & 0xff),
          static_cast<char>(u & 0xff)};
}

std::string Packet(int32_t code, const std::string& body) {
  return BE32(static_cast<int32_t>(8 + body.size())) + BE32(code) + body;
}

// What psql 15 sends after its SSLRequest was answered 'N'.
std::string PsqlStartup() {
  using namespace std::string_literals;
  return Packet(kProtocolVersion3, "user\0alice\0database\0shop\0application_name\0psql\0\0"s);
}

TEST(PgCodec, StartupMessageParams) {
  StartupPacket p;
  std::string bytes = PsqlStartup();
  Result r = ParseStartup(bytes, Limits{}, p);
  ASSERT_EQ(r.status, Status::kOk) << r.error;
  EXPECT_EQ(r.consumed, bytes.size());
  EXPECT_EQ(p.kind, StartupKind::kStartup);
  EXPECT_EQ(p.Param("user"), "alice");
  EXPECT_EQ(p.Param("database"), "shop");
  EXPECT_EQ(p.Param("application_name"), "psql");
  EXPECT_EQ(p.Param("options", "none"), "none");
  ASSERT_EQ(p.params.size(), 3u);
}

TEST(PgCodec, StartupArrivesByteByByte) {
  std::string bytes = PsqlStartup();
  for (size_t n = 0; n < bytes.size(); ++n) {
    StartupPacket p;
    Result r = ParseStartup(std::string_view(bytes).substr(0, n), Limits{}, p);
    ASSERT_EQ(r.status, Status::kNeedMore) << n;
    EXPECT_GT(r.need, n);
  }
}

TEST(PgCodec, SpecialRequests) {
  StartupPacket p;
  std::string ssl = BE32(8) + BE32(kSslRequestCode);
  ASSERT_EQ(ParseStartup(ssl, Limits{}, p).status, Status::kOk);
  EXPECT_EQ(p.kind, StartupKind::kSslRequest);
  std::string gss = BE32(8) + BE32(kGssEncRequestCode);
  ASSERT_EQ(ParseStartup(gss, Limits{}, p).status, Status::kOk);
  EXPECT_EQ(p.kind, StartupKind::kGssEncRequest);
  std::string cancel = BE32(16) + BE32(kCancelRequestCode) + BE32(4242) + BE32(-7);
  ASSERT_EQ(ParseStartup(cancel, Limits{}, p).status, Status::kOk);
  EXPECT_EQ(p.kind, StartupKind::kCancel);
  EXPECT_EQ(p.cancel_pid, 4242);
  EXPECT_EQ(p.cancel_key, -7);
}

TEST(PgCodec, BadStartupPacketsAreErrors) {
  using namespace std::string_literals;
  StartupPacket p;
  EXPECT_EQ(ParseStartup(BE32(3) + BE32(0), Limits{}, p).status, Status::kError);           // length too small
  EXPECT_EQ(ParseStartup(BE32(1 << 20) + BE32(0), Limits{}, p).status, Status::kError);     // over 10000 bytes
  EXPECT_EQ(ParseStartup(Packet(2 << 16, ""s + '\0'), Limits{}, p).status, Status::kError);  // protocol 2.0
  Result r = ParseStartup(Packet(kProtocolVersion3, "user\0alice"s), Limits{}, p);         // no terminator
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error, "invalid startup packet layout: expected terminator as last byte");
  EXPECT_EQ(ParseStartup(BE32(12) + BE32(kSslRequestCode) + BE32(0), Limits{}, p).status, Status::kError);
  EXPECT_EQ(ParseStartup(BE32(8) + BE32(kCancelRequestCode), Limits{}, p).status, Status::kError);
}

TEST(PgCodec, TypedMessages) {
  using namespace std::string_literals;
  std::string query = "Q"s + BE32(4 + 9) + "SELECT 1\0"s;
  std::string sync = "S"s + BE32(4);
  std::string stream = query + sync;
  Message m;
  Result r = ParseMessage(stream, Limits{}, m);
  ASSERT_EQ(r.status, Status::kOk);
  EXPECT_EQ(m.type, 'Q');
  EXPECT_EQ(r.consumed, query.size());
  PayloadReader reader(m.payload);
  EXPECT_EQ(reader.CString(), "SELECT 1");
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.AtEnd());
  r = ParseMessage(std::string_view(stream).substr(query.size()), Limits{}, m);
  ASSERT_EQ(r.status, Status::kOk);
  EXPECT_EQ(m.type, 'S');
  EXPECT_TRUE(m.payload.empty());
  for (size_t n = 0; n < query.size(); ++n) {
    EXPECT_EQ(ParseMessage(std::string_view(query).substr(0, n), Limits{}, m).status, Status::kNeedMore) << n;
  }
}

TEST(PgCodec, BadMessageLengthsAreErrors) {
  using namespace std::string_literals;
  Message m;
  EXPECT_EQ(ParseMessage("Q"s + BE32(3), Limits{}, m).status, Status::kError);
  EXPECT_EQ(ParseMessage("Q"s + BE32(-1), Limits{}, m).status, Status::kError);
  Limits small;
  small.max_message_len = 100;
  EXPECT_EQ(ParseMessage("Q"s + BE32(101), small, m).status, Status::kError);
  // A huge declared length is refused before any of it arrives.
  EXPECT_EQ(ParseMessage("Q"s + BE32(0x7fffffff), Limits{}, m).status, Status::kError);
}

TEST(PgCodec, PayloadReaderStopsAtTheEnd) {
  using namespace std::string_literals;
  PayloadReader r("\0\x01"s + "ab");
  EXPECT_EQ(r.Int16(), 1);
  EXPECT_EQ(r.Bytes(2), "ab");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.Int32(), 0);
  EXPECT_FALSE(r.ok());
  PayloadReader unterminated("abc");
  EXPECT_EQ(unterminated.CString(), "");
  EXPECT_FALSE(unterminated.ok());
}

TEST(PgCodec, BackendMessagesAreFramed) {
  using namespace std::string_literals;
  std::string out;
  MessageWriter w(out);
  w.AuthenticationOk();
  w.ParameterStatus("server_version", "15.0");
  w.ReadyForQuery('I');
  EXPECT_EQ(out, "R"s + BE32(8) + BE32(0) + "S"s + BE32(4 + 15 + 5) + "server_version\0" "15.0\0"s + "Z"s + BE32(5) +
                     "I");
  out.clear();
  ErrorFields e;
  e.sqlstate = "0A000";
  e.message = "not supported";
  e.position = 8;
  WriteError(w, e);
  std::string body = "SERROR\0VERROR\0C0A000\0Mnot supported\0P8\0\0"s;
  EXPECT_EQ(out, "E"s + BE32(static_cast<int32_t>(4 + body.size())) + body);
  out.clear();
  w.CommandComplete("SELECT 1"s + '\0' + "junk");  // an embedded NUL must not end the frame early
  EXPECT_EQ(out, "C"s + BE32(4 + 9) + "SELECT 1\0"s);
}

}  // namespace
}  // namespace orbit::protocol::pg

namespace orbit::protocol::pg {
namespace {

std::string Payload(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p.data(), p.size());
  return out;
}

TEST(PgExtended, DecodesBindWithNullAndBinaryParameters) {
  using namespace std::string_view_literals;
  // portal "p", statement "s", formats [1], 2 params: NULL and 4 bytes, results [0]
  std::string payload = Payload({"p\0s\0"sv, "\0\1\0\1"sv, "\0\2"sv, "\xff\xff\xff\xff"sv, "\0\0\0\4"sv, "\0\0\0\7"sv,
                                 "\0\1\0\0"sv});
  std::string error;
  auto m = DecodeExtended(Message{'B', payload}, error);
  ASSERT_TRUE(m.has_value()) << error;
  auto& b = std::get<BindMsg>(*m);
  EXPECT_EQ(b.portal, "p");
  EXPECT_EQ(b.statement, "s");
  ASSERT_EQ(b.params.size(), 2u);
  EXPECT_FALSE(b.params[0].has_value());
  EXPECT_EQ(*b.params[1], std::string("\0\0\0\7", 4));
  EXPECT_EQ(FormatAt(b.param_formats, 1), 1);  // one format applies to all
  EXPECT_EQ(FormatAt(b.result_formats, 0), 0);
}

TEST(PgExtended, RejectsMalformedMessages) {
  using namespace std::string_view_literals;
  std::string error;
  EXPECT_FALSE(DecodeExtended(Message{'B', "p\0s\0\0\1\0\2"sv}, error).has_value());  // format code 2
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(DecodeExtended(Message{'D', "X\0"sv}, error).has_value());  // neither S nor P
  error.clear();
  EXPECT_FALSE(DecodeExtended(Message{'E', "p\0\0\0"sv}, error).has_value());  // truncated row limit
  error.clear();
  EXPECT_FALSE(DecodeExtended(Message{'P', "n\0SELECT 1\0\xff\xff"sv}, error).has_value());  // negative count
  error.clear();
  auto sync = DecodeExtended(Message{'S', ""sv}, error);
  EXPECT_TRUE(sync.has_value() && std::holds_alternative<SyncMsg>(*sync));
  auto exec = DecodeExtended(Message{'E', "p\0\0\0\0\x0a"sv}, error);
  ASSERT_TRUE(exec.has_value());
  EXPECT_EQ(std::get<ExecuteMsg>(*exec).max_rows, 10);
}

}  // namespace
}  // namespace orbit::protocol::pg

#include "auth/password.h"

namespace orbit::auth {
namespace {

// RFC 7677, section 3: user "user", password "pencil".
TEST(PgScram, Rfc7677ExchangeVerifies) {
  auto salt = Base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt.has_value());
  std::string verifier = MakeScramVerifier("pencil", *salt, 4096);
  auto server = ScramServer::Create(verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  ASSERT_TRUE(server.has_value());
  auto first = server->First("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  auto final = server->Final(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(*final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  EXPECT_TRUE(CheckPassword(verifier, "pencil", "user"));
  EXPECT_FALSE(CheckPassword(verifier, "pencil2", "user"));
}

TEST(PgScram, WrongProofAndMalformedMessagesFail) {
  auto server = ScramServer::Create(MakeScramVerifier("secret"), "nonce");
  ASSERT_TRUE(server.has_value());
  EXPECT_FALSE(server->First("p=tls-server-end-point,,n=,r=abc").has_value());  // channel binding asked
  ASSERT_TRUE(server->First("n,,n=,r=abc").has_value());
  EXPECT_FALSE(server->Final("c=biws,r=abcnonce,p=AAAA").has_value());
  EXPECT_FALSE(server->Final("c=biws,r=other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=").has_value());
  EXPECT_FALSE(ScramServer::Create("md5abc").has_value());
  EXPECT_EQ(MakeMd5Verifier("pw", "u").size(), 35u);  // "md5" + 32 hex digits
  EXPECT_TRUE(CheckPassword(MakeMd5Verifier("pw", "u"), "pw", "u"));
  EXPECT_FALSE(CheckPassword(MakeMd5Verifier("pw", "u"), "pw", "v"));
}

}  // namespace
}  // namespace orbit::auth
