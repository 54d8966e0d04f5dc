#pragma once

// ECDSA P-256 keys for signing (user service) and verifying (every service) access tokens.
// Keys are PEM text because that is what libjwt consumes and what Kubernetes Secrets carry.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::auth {

// A private key with its public half and the key id ("kid") tokens signed with it carry.
struct SigningKey {
  std::string kid;
  std::string private_pem;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY"
};

// What a verifier needs: the kid and the public key it names.
struct PublicKey {
  std::string kid;
  std::string public_pem;
};

// A fresh EC P-256 key pair named `kid`.
absl::StatusOr<SigningKey> GenerateSigningKey(std::string kid);

// Parses an unencrypted P-256 private key PEM (PKCS#8 or SEC1) and derives its public PEM;
// InvalidArgument (reason SIGNING_KEY_INVALID) for malformed, encrypted or non-P-256 keys.
absl::StatusOr<SigningKey> LoadSigningKeyPem(absl::string_view private_pem, std::string kid);

// Reads a private key PEM file; kid = KeyIdFor(public key), so every replica loading the same
// file names it the same. NotFound (KEY_FILE_UNREADABLE) if unreadable, else as above.
absl::StatusOr<SigningKey> LoadSigningKeyFile(const std::string& path);

// A verifier's key from a PEM file: a public key, or a private key of which only the public half
// is kept (development setups share one file). kid = KeyIdFor(public key). NotFound
// (KEY_FILE_UNREADABLE) if unreadable; InvalidArgument (SIGNING_KEY_INVALID) if neither.
absl::StatusOr<PublicKey> LoadPublicKeyFile(const std::string& path);

// First 16 lower-hex characters of SHA-256 over the DER SubjectPublicKeyInfo of `public_pem`;
// "" if it is not a parseable public key.
std::string KeyIdFor(absl::string_view public_pem);

// The verifier's view of `key`.
PublicKey PublicKeyOf(const SigningKey& key);

}  // namespace shopcast::auth
