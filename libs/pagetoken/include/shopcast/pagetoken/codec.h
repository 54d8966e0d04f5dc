#pragma once

// Keyset page tokens that a client can hold but not forge: the cursor travels in the clear
// (it is only a position) with an HMAC-SHA-256 under a server key over the cursor and the list
// it belongs to. A token from another list, another filter set, another key or with one bit
// changed is refused before any of its fields is used.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/signed_token/signed_token.h"

namespace shopcast::pagetoken {

inline constexpr size_t kMinKeyBytes = 32;
inline constexpr size_t kMaxTokenBytes = 512;
inline constexpr size_t kMaxIdBytes = 64;

// The position after the last row of a page: its sort key and its id as the tie-breaker.
struct Cursor {
  int64_t key = 0;
  std::string id;  // printable ASCII, at most kMaxIdBytes; may be empty
};

class Codec {
 public:
  // At least kMinKeyBytes of secret; else INVALID_ARGUMENT/PAGE_TOKEN_KEY_INVALID.
  static absl::StatusOr<Codec> Create(absl::string_view key);
  // A fresh random key: tokens die with the process (tests, one-off commands).
  static Codec WithRandomKey();

  // `list` names the list and the filters of the request that made the page ("followers;usr_…");
  // a token only decodes for the same `list`. `cursor.id` must be printable ASCII of at most
  // kMaxIdBytes (ids we generate always are).
  std::string Encode(absl::string_view list, const Cursor& cursor) const;

  // The cursor `token` carries, if this codec made it for `list`. Anything else — malformed,
  // oversized, forged, another list — is INVALID_ARGUMENT/PAGE_TOKEN_INVALID on
  // page.page_token. The caller still checks the fields are in its own range.
  absl::StatusOr<Cursor> Decode(absl::string_view list, absl::string_view token) const;

 private:
  explicit Codec(signed_token::Signer signer) : signer_(std::move(signer)) {}

  signed_token::Signer signer_;
};

// Reads a key file (a Kubernetes Secret, or tools/dev's .local/keys/page-token.key): its bytes,
// less trailing whitespace, are the key. NOT_FOUND/KEY_FILE_UNREADABLE if unreadable; as
// Codec::Create if too short. The key itself never appears in a message.
absl::StatusOr<Codec> LoadKeyFile(const std::string& path);

}  // namespace shopcast::pagetoken
