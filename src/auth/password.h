#pragma once

// Password verifiers and checks shared by the catalog (which stores verifiers)
// and the PostgreSQL wire (which runs the exchanges); pure functions (no I/O): SCRAM-SHA-256
// (RFC 5802/7677, as PostgreSQL implements it: the user name in the client's
// first message is ignored, no channel binding), md5 and cleartext checks, and
// the stored verifier format PostgreSQL uses:
//   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
//   md5<hex md5(password || user)>

#include <optional>
#include <string>
#include <string_view>

namespace orbit::auth {

// A SCRAM verifier for `password` with a random salt (4096 iterations, as PostgreSQL).
std::string MakeScramVerifier(std::string_view password);
std::string MakeScramVerifier(std::string_view password, std::string_view salt, int iterations);
std::string MakeMd5Verifier(std::string_view password, std::string_view user);

// What a client answers to AuthenticationMD5Password with `salt` (4 bytes) for
// an md5 verifier: "md5" + hex(md5(hex-part-of-verifier || salt)).
std::string Md5Response(std::string_view md5_verifier, std::string_view salt);

// Whether `password` matches a stored verifier of either kind (cleartext login).
bool CheckPassword(std::string_view verifier, std::string_view password, std::string_view user);

// The server side of one SCRAM-SHA-256 exchange.
class ScramServer {
 public:
  // nullopt if `verifier` is not a SCRAM verifier.
  static std::optional<ScramServer> Create(std::string_view verifier, std::string server_nonce = {});

  // client-first-message ("n,,n=,r=<nonce>") -> server-first-message; nullopt
  // if malformed or channel binding is asked for.
  std::optional<std::string> First(std::string_view client_first);
  // client-final-message -> server-final-message ("v=..."); nullopt if the proof is wrong.
  std::optional<std::string> Final(std::string_view client_final);

 private:
  std::string salt_, stored_key_, server_key_, server_nonce_;
  int iterations_ = 0;
  std::string client_first_bare_, server_first_, nonce_;
};

std::string Base64Encode(std::string_view data);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace orbit::auth
