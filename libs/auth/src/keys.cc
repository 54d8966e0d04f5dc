#include "shopcast/auth/keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

namespace shopcast::auth {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Refuses passphrases: without this OpenSSL would prompt on the terminal for encrypted keys.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

BioPtr ReadBio(absl::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) return false;
  return OBJ_sn2nid(group) == NID_X9_62_prime256v1;
}

absl::Status KeyInvalid(absl::string_view message) {
  return shopcast::InvalidArgument("signing_key", "SIGNING_KEY_INVALID", message);
}

absl::StatusOr<SigningKey> ToSigningKey(EVP_PKEY* key, std::string kid) {
  BioPtr priv(BIO_new(BIO_s_mem()));
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub ||
      PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key) != 1) {
    return absl::InternalError("cannot encode the key as PEM");
  }
  return SigningKey{std::move(kid), DrainBio(priv.get()), DrainBio(pub.get())};
}

}  // namespace

absl::StatusOr<SigningKey> GenerateSigningKey(std::string kid) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), SN_X9_62_prime256v1) != 1 ||
      EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return absl::InternalError("EC P-256 key generation failed");
  }
  PkeyPtr key(raw);
  return ToSigningKey(key.get(), std::move(kid));
}

absl::StatusOr<SigningKey> LoadSigningKeyPem(absl::string_view private_pem, std::string kid) {
  BioPtr bio = ReadBio(private_pem);
  if (!bio) return absl::InternalError("out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (!key) return KeyInvalid("not an unencrypted private key PEM");
  if (!IsP256(key.get())) return KeyInvalid("signing key must be EC P-256 (ES256)");
  return ToSigningKey(key.get(), std::move(kid));
}

absl::StatusOr<SigningKey> LoadSigningKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream pem;
  if (!in || !(pem << in.rdbuf())) {
    return shopcast::Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                           "cannot read the signing key file " + path);
  }
  ASSIGN_OR_RETURN(SigningKey key, LoadSigningKeyPem(pem.str(), ""));
  key.kid = KeyIdFor(key.public_pem);
  return key;
}

absl::StatusOr<PublicKey> LoadPublicKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream pem;
  if (!in || !(pem << in.rdbuf())) {
    return shopcast::Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                           "cannot read the key file " + path);
  }
  std::string kid = KeyIdFor(pem.str());
  if (!kid.empty()) return PublicKey{kid, pem.str()};
  auto key = LoadSigningKeyPem(pem.str(), "");
  if (!key.ok()) {
    return shopcast::Error(absl::StatusCode::kInvalidArgument, "SIGNING_KEY_INVALID",
                           "not an EC P-256 public or private key: " + path);
  }
  return PublicKey{KeyIdFor(key->public_pem), key->public_pem};
}

std::string KeyIdFor(absl::string_view public_pem) {
  BioPtr bio = ReadBio(public_pem);
  if (!bio) return "";
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (!key) return "";
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(key.get(), &der);
  if (der_len <= 0) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t digest_len = 0;
  int ok = EVP_Q_digest(nullptr, "SHA256", nullptr, der, static_cast<size_t>(der_len), digest,
                        &digest_len);
  OPENSSL_free(der);
  if (ok != 1) return "";
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), digest_len));
  return hex.substr(0, 16);
}

PublicKey PublicKeyOf(const SigningKey& key) { return PublicKey{key.kid, key.public_pem}; }

}  // namespace shopcast::auth
