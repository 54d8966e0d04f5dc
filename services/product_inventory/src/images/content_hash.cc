#include "images/content_hash.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace shopcast::product_inventory::images {

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    // SHA-256 over memory cannot fail unless OpenSSL itself is broken: a bug, not input.
    std::fprintf(stderr, "images: SHA-256 failed\n");
    std::abort();
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace shopcast::product_inventory::images
