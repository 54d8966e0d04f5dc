#include <grpcpp/server_context.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace auth = shopcast::auth;
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

namespace {

// PEM of a private key of another type or curve, optionally encrypted with `passphrase`.
std::string OtherKeyPem(const char* type, const char* curve, const char* passphrase = nullptr) {
  EVP_PKEY* raw = curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve)
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  REQUIRE(raw != nullptr);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(raw, &EVP_PKEY_free);
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
  auto* pass = reinterpret_cast<const unsigned char*>(passphrase);
  int pass_len = passphrase ? static_cast<int>(std::string(passphrase).size()) : 0;
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), cipher, pass, pass_len, nullptr,
                                   nullptr) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string Der(const std::string& public_pem) {
  std::unique_ptr<BIO, int (*)(BIO*)> bio(
      BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  REQUIRE(key);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key.get(), &der);
  REQUIRE(len > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

auth::Caller As(auth::Role role, std::string user = "usr_alice") {
  return auth::Caller{std::move(user), role};
}

}  // namespace

TEST_CASE("roles have the proto values and token spellings") {
  CHECK(static_cast<int>(auth::Role::kViewer) == 1);
  CHECK(static_cast<int>(auth::Role::kHost) == 2);
  CHECK(static_cast<int>(auth::Role::kAdmin) == 3);
  for (auth::Role r : {auth::Role::kViewer, auth::Role::kHost, auth::Role::kAdmin}) {
    CHECK(auth::ParseRole(auth::RoleName(r)) == r);
  }
  CHECK(auth::RoleName(auth::Role::kHost) == "host");
  CHECK(auth::ParseRole("admin") == auth::Role::kAdmin);
  for (const char* bad : {"", "Admin", "ADMIN", " admin", "root", "unspecified"}) {
    INFO(bad);
    CHECK_FALSE(auth::ParseRole(bad).has_value());
  }
}

TEST_CASE("generated keys are P-256 PEM pairs that load back identically") {
  absl::StatusOr<auth::SigningKey> key = auth::GenerateSigningKey("k1");
  REQUIRE(key.ok());
  CHECK(key->kid == "k1");
  CHECK(key->private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(key->public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);

  absl::StatusOr<auth::SigningKey> loaded = auth::LoadSigningKeyPem(key->private_pem, "k2");
  REQUIRE(loaded.ok());
  CHECK(loaded->kid == "k2");
  CHECK(loaded->public_pem == key->public_pem);

  // A key loaded from PEM signs tokens the original's public key verifies.
  auth::TokenIssuer issuer(*loaded, "iss", "aud", absl::Minutes(5));
  auth::TokenVerifier verifier({{"k2", key->public_pem}}, "iss", "aud");
  absl::Time now = absl::FromUnixSeconds(1'750'000'000);
  auto token = issuer.Issue("usr_bob", auth::Role::kViewer, now);
  REQUIRE(token.ok());
  CHECK(verifier.Verify(token->token, now).ok());

  auto other = auth::GenerateSigningKey("k1");
  REQUIRE(other.ok());
  CHECK(other->private_pem != key->private_pem);
}

TEST_CASE("LoadSigningKeyPem accepts SEC1 P-256 and rejects everything else") {
  std::string sec1 = OtherKeyPem("EC", "P-256");
  CHECK(auth::LoadSigningKeyPem(sec1, "k").ok());

  auto expect_invalid = [](const std::string& pem) {
    absl::StatusOr<auth::SigningKey> k = auth::LoadSigningKeyPem(pem, "k");
    CHECK(k.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(shopcast::ReasonOf(k.status()) == "SIGNING_KEY_INVALID");
  };
  expect_invalid("");
  expect_invalid("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
  expect_invalid(OtherKeyPem("EC", "P-384"));
  expect_invalid(OtherKeyPem("ED25519", nullptr));
  // A public key is not a signing key.
  expect_invalid(auth::GenerateSigningKey("k")->public_pem);
  // Encrypted keys are refused, not prompted for on the terminal.
  expect_invalid(OtherKeyPem("EC", "P-256", "hunter2"));
}

TEST_CASE("KeyIdFor is the first 16 hex of SHA-256 over the DER public key") {
  auto a = auth::GenerateSigningKey("");
  auto b = auth::GenerateSigningKey("");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::string kid = auth::KeyIdFor(a->public_pem);
  CHECK(kid.size() == 16);
  CHECK(kid == shopcast::ids::HashSecret(Der(a->public_pem)).substr(0, 16));
  CHECK(auth::KeyIdFor(a->public_pem) == kid);  // deterministic: replicas agree
  CHECK(auth::KeyIdFor(b->public_pem) != kid);
  CHECK(auth::KeyIdFor("not a key").empty());
}

TEST_CASE("LoadSigningKeyFile reports a missing file") {
  auto k = auth::LoadSigningKeyFile("/nonexistent/shopcast/signing-key.pem");
  CHECK(k.status().code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(k.status()) == "KEY_FILE_UNREADABLE");
}

TEST_CASE("LoadPublicKeyFile takes a public key, or only the public half of a private one") {
  auto key = auth::GenerateSigningKey("unused");
  REQUIRE(key.ok());
  shopcast::testing::TempDir scratch;
  const std::string dir = scratch.path().string();
  std::ofstream(dir + "/pub.pem") << key->public_pem;
  std::ofstream(dir + "/priv.pem") << key->private_pem;
  std::ofstream(dir + "/junk.pem") << "-----BEGIN NOTHING-----\n";

  auto from_public = auth::LoadPublicKeyFile(dir + "/pub.pem");
  auto from_private = auth::LoadPublicKeyFile(dir + "/priv.pem");
  REQUIRE(from_public.ok());
  REQUIRE(from_private.ok());
  CHECK(from_public->kid == auth::KeyIdFor(key->public_pem));
  CHECK(from_private->kid == from_public->kid);
  CHECK(from_private->public_pem.find("PRIVATE") == std::string::npos);

  auto junk = auth::LoadPublicKeyFile(dir + "/junk.pem");
  CHECK(junk.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::ReasonOf(junk.status()) == "SIGNING_KEY_INVALID");
  auto missing = auth::LoadPublicKeyFile(dir + "/missing.pem");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(missing.status()) == "KEY_FILE_UNREADABLE");
}

TEST_CASE("BearerTokenFromMetadata extracts exactly one bearer token") {
  auto token_of = [](const Metadata& md) { return auth::BearerTokenFromMetadata(md); };
  auto reason_of = [](const Metadata& md) {
    return shopcast::ReasonOf(auth::BearerTokenFromMetadata(md).status());
  };

  CHECK(token_of({{"authorization", "Bearer abc.def.ghi"}}).value() == "abc.def.ghi");
  CHECK(token_of({{"authorization", "bearer abc.def.ghi"}}).value() == "abc.def.ghi");
  CHECK(token_of({{"authorization", "BEARER   abc.def.ghi "}}).value() == "abc.def.ghi");
  CHECK(token_of({{"x-request-id", "r1"}, {"authorization", "Bearer t"}}).value() == "t");

  CHECK(reason_of({}) == "TOKEN_MISSING");
  CHECK(reason_of({{"x-authorization", "Bearer t"}}) == "TOKEN_MISSING");
  CHECK(reason_of({{"authorization", ""}}) == "TOKEN_MISSING");
  CHECK(reason_of({{"authorization", "Bearer    "}}) == "TOKEN_MALFORMED");
  CHECK(reason_of({{"authorization", "Basic dXNlcjpwYXNz"}}) == "TOKEN_MALFORMED");
  CHECK(reason_of({{"authorization", "Bearerabc"}}) == "TOKEN_MALFORMED");
  CHECK(reason_of({{"authorization", "Bearer a b"}}) == "TOKEN_MALFORMED");
  CHECK(reason_of({{"authorization", "Bearer a"}, {"authorization", "Bearer b"}}) ==
        "TOKEN_MALFORMED");
  CHECK(auth::BearerTokenFromMetadata({}).status().code() == absl::StatusCode::kUnauthenticated);
}

TEST_CASE("AuthenticateCaller refuses a request without a token") {
  auto key = auth::GenerateSigningKey("k1");
  REQUIRE(key.ok());
  auth::TokenVerifier verifier({auth::PublicKeyOf(*key)}, "iss", "aud");
  grpc::ServerContext ctx;  // no client metadata
  absl::StatusOr<auth::Caller> c = auth::AuthenticateCaller(ctx, verifier, absl::Now());
  CHECK(c.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(shopcast::ReasonOf(c.status()) == "TOKEN_MISSING");
}

TEST_CASE("RequireRole orders viewer < host < admin") {
  using auth::Role;
  CHECK(auth::RequireRole(As(Role::kViewer), Role::kViewer).ok());
  CHECK(auth::RequireRole(As(Role::kHost), Role::kViewer).ok());
  CHECK(auth::RequireRole(As(Role::kHost), Role::kHost).ok());
  CHECK(auth::RequireRole(As(Role::kAdmin), Role::kHost).ok());
  CHECK(auth::RequireRole(As(Role::kAdmin), Role::kAdmin).ok());

  absl::Status s = auth::RequireRole(As(Role::kViewer), Role::kHost);
  CHECK(s.code() == absl::StatusCode::kPermissionDenied);
  CHECK(shopcast::ReasonOf(s) == "ROLE_REQUIRED");
  CHECK(shopcast::ReasonOf(auth::RequireRole(As(Role::kHost), Role::kAdmin)) == "ROLE_REQUIRED");
}

TEST_CASE("RequireOwnerOrAdmin lets only the owner or an admin through") {
  using auth::Role;
  CHECK(auth::RequireOwnerOrAdmin(As(Role::kHost, "usr_alice"), "usr_alice").ok());
  CHECK(auth::RequireOwnerOrAdmin(As(Role::kAdmin, "usr_root"), "usr_alice").ok());

  absl::Status s = auth::RequireOwnerOrAdmin(As(Role::kHost, "usr_bob"), "usr_alice");
  CHECK(s.code() == absl::StatusCode::kPermissionDenied);
  CHECK(shopcast::ReasonOf(s) == "NOT_OWNER");
  CHECK(shopcast::ReasonOf(auth::RequireOwnerOrAdmin(As(Role::kViewer, ""), "")) == "NOT_OWNER");
  // Ids compare exactly: a prefix or case variant is someone else.
  CHECK_FALSE(auth::RequireOwnerOrAdmin(As(Role::kHost, "usr_alic"), "usr_alice").ok());
  CHECK_FALSE(auth::RequireOwnerOrAdmin(As(Role::kHost, "USR_ALICE"), "usr_alice").ok());
}
