#include "auth/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <vector>

namespace orbit::auth {
namespace {

constexpr int kDefaultIterations = 4096;

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string SaltedPassword(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string Md5Hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

// Splits "SCRAM-SHA-256$<iter>:<salt>$<stored>:<server>".
bool ParseVerifier(std::string_view v, int& iterations, std::string& salt, std::string& stored, std::string& server) {
  constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
  if (!v.starts_with(kPrefix)) return false;
  v.remove_prefix(kPrefix.size());
  size_t colon = v.find(':'), dollar = v.find('$');
  if (colon == std::string_view::npos || dollar == std::string_view::npos || dollar < colon) return false;
  size_t colon2 = v.find(':', dollar);
  if (colon2 == std::string_view::npos) return false;
  iterations = std::atoi(std::string(v.substr(0, colon)).c_str());
  auto s = Base64Decode(v.substr(colon + 1, dollar - colon - 1));
  auto k1 = Base64Decode(v.substr(dollar + 1, colon2 - dollar - 1));
  auto k2 = Base64Decode(v.substr(colon2 + 1));
  if (iterations <= 0 || !s || !k1 || !k2 || k1->size() != 32 || k2->size() != 32) return false;
  salt = *s, stored = *k1, server = *k2;
  return true;
}

// The value of attribute `name` ("r", "p", ...) in a comma-separated SCRAM message.
std::optional<std::string_view> Attribute(std::string_view message, char name) {
  size_t pos = 0;
  while (pos <= message.size()) {
    size_t end = message.find(',', pos);
    std::string_view part = message.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string MakeScramVerifier(std::string_view password, std::string_view salt, int iterations) {
  std::string salted = SaltedPassword(password, salt, iterations);
  std::string stored = Sha256(Hmac(salted, "Client Key"));
  std::string server = Hmac(salted, "Server Key");
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + Base64Encode(salt) + "$" + Base64Encode(stored) + ":" +
         Base64Encode(server);
}

std::string MakeScramVerifier(std::string_view password) {
  return MakeScramVerifier(password, RandomBytes(16), kDefaultIterations);
}

std::string MakeMd5Verifier(std::string_view password, std::string_view user) {
  return "md5" + Md5Hex(std::string(password) + std::string(user));
}

std::string Md5Response(std::string_view md5_verifier, std::string_view salt) {
  return "md5" + Md5Hex(std::string(md5_verifier.substr(3)) + std::string(salt));
}

bool CheckPassword(std::string_view verifier, std::string_view password, std::string_view user) {
  if (verifier.starts_with("md5")) {
    std::string expected = MakeMd5Verifier(password, user);
    return expected.size() == verifier.size() && CRYPTO_memcmp(expected.data(), verifier.data(), expected.size()) == 0;
  }
  int iterations;
  std::string salt, stored, server;
  if (!ParseVerifier(verifier, iterations, salt, stored, server)) return false;
  std::string expected = MakeScramVerifier(password, salt, iterations);
  return expected.size() == verifier.size() && CRYPTO_memcmp(expected.data(), verifier.data(), expected.size()) == 0;
}

std::optional<ScramServer> ScramServer::Create(std::string_view verifier, std::string server_nonce) {
  ScramServer s;
  if (!ParseVerifier(verifier, s.iterations_, s.salt_, s.stored_key_, s.server_key_)) return std::nullopt;
  s.server_nonce_ = server_nonce.empty() ? Base64Encode(RandomBytes(18)) : std::move(server_nonce);
  return s;
}

std::optional<std::string> ScramServer::First(std::string_view client_first) {
  // gs2 header: "n,," (no channel binding) or "y,," (client supports it, we do not offer it).
  if (!(client_first.starts_with("n,,") || client_first.starts_with("y,,"))) return std::nullopt;
  client_first_bare_ = std::string(client_first.substr(3));
  auto nonce = Attribute(client_first_bare_, 'r');
  if (!nonce || nonce->empty()) return std::nullopt;
  nonce_ = std::string(*nonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + Base64Encode(salt_) + ",i=" + std::to_string(iterations_);
  return server_first_;
}

std::optional<std::string> ScramServer::Final(std::string_view client_final) {
  if (server_first_.empty()) return std::nullopt;
  auto nonce = Attribute(client_final, 'r');
  auto proof_b64 = Attribute(client_final, 'p');
  size_t proof_at = client_final.rfind(",p=");
  if (!nonce || *nonce != nonce_ || !proof_b64 || proof_at == std::string_view::npos) return std::nullopt;
  auto proof = Base64Decode(*proof_b64);
  if (!proof || proof->size() != stored_key_.size()) return std::nullopt;
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(client_final.substr(0, proof_at));
  std::string client_signature = Hmac(stored_key_, auth_message);
  std::string client_key(proof->size(), '\0');
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  std::string check = Sha256(client_key);
  if (CRYPTO_memcmp(check.data(), stored_key_.data(), check.size()) != 0) return std::nullopt;
  return "v=" + Base64Encode(Hmac(server_key_, auth_message));
}

}  // namespace orbit::auth
