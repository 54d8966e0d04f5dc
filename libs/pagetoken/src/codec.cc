#include "shopcast/pagetoken/codec.h"

#include <utility>

#include "shopcast/status/status.h"

namespace shopcast::pagetoken {
namespace {

// Format version, first byte of every token body; a new layout takes a new number.
constexpr char kVersion = 1;
constexpr size_t kKeyBytes = 8;

absl::Status BadToken() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page token is not valid");
}

bool IsPrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The MAC covers the list name with its length first, so ("ab", "c…") and ("a", "bc…") differ.
std::string LengthOf(absl::string_view list) {
  std::string len;
  signed_token::AppendU64(list.size(), &len);
  return len;
}

}  // namespace

absl::StatusOr<Codec> Codec::Create(absl::string_view key) {
  std::optional<signed_token::Signer> signer = signed_token::Signer::FromSecret(key);
  if (!signer) {
    return InvalidArgument("page_token_key", "PAGE_TOKEN_KEY_INVALID",
                           "the page token key must hold at least 32 bytes");
  }
  return Codec(*std::move(signer));
}

Codec Codec::WithRandomKey() { return Codec(signed_token::Signer::WithRandomSecret()); }

std::string Codec::Encode(absl::string_view list, const Cursor& cursor) const {
  std::string body(1, kVersion);
  signed_token::AppendU64(static_cast<uint64_t>(cursor.key), &body);
  body += cursor.id;
  return signer_.Sign({LengthOf(list), list}, body);
}

absl::StatusOr<Cursor> Codec::Decode(absl::string_view list, absl::string_view token) const {
  std::string body;
  if (signer_.Open({LengthOf(list), list}, token, kMaxTokenBytes, 1 + kKeyBytes, &body) !=
      signed_token::Problem::kNone) {
    return BadToken();
  }
  // Authentic: we made it. The checks below guard against a key that leaked.
  if (body[0] != kVersion) return BadToken();
  Cursor c;
  c.key = static_cast<int64_t>(signed_token::ReadU64(absl::string_view(body).substr(1)));
  const absl::string_view id = absl::string_view(body).substr(1 + kKeyBytes);
  if (id.size() > kMaxIdBytes || !IsPrintableAscii(id)) return BadToken();
  c.id = std::string(id);
  return c;
}

}  // namespace shopcast::pagetoken
