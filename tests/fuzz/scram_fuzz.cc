// Fuzzes the server side of SCRAM-SHA-256 with arbitrary client messages: the
// input is split at the first newline into client-first and client-final.
// Never a crash, and a random proof never verifies.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/password.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orbit;  // NOLINT: fuzz target
  static const std::string verifier = auth::MakeScramVerifier("pencil", "0123456789abcdef", 16);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl);
  std::string_view final = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto server = auth::ScramServer::Create(verifier, "servernonce");
  if (!server) std::abort();
  if (server->First(first) && server->Final(final)) std::abort();  // would need the password
  (void)auth::Base64Decode(input);
  (void)auth::CheckPassword(input, "pencil", "user");
  return 0;
}
