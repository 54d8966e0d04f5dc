#pragma once

// Type-prefixed identifiers: "<prefix>_" followed by 26 Crockford base32 characters encoding
// 128 bits from a CSPRNG, e.g. "prd_01J9Z3K8W4V6T2M0QXYHB5R7NC". Ids are opaque to callers; the
// prefix only helps humans and logs tell kinds apart.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::ids {

// Number of base32 characters after the underscore (128 bits, 2 leading pad bits).
inline constexpr size_t kIdBodyLength = 26;

// A fresh random id "<prefix>_<26 chars>". Precondition: prefix is 1..8 letters 'a'..'z'
// (asserted in debug builds). Thread-safe.
std::string NewId(absl::string_view prefix);

// NewId's format, but the first 48 of the 128 bits are `now` in Unix milliseconds and only the
// other 80 come from the CSPRNG (the ULID layout): ids made later sort after ids made earlier
// (to the millisecond). For rows inserted at a high rate under a B-tree primary key (holds):
// each insert lands at the index's right edge instead of a random leaf. Still unguessable (80
// random bits), but it reveals when the id was made, so only for records whose creation time
// is not a secret. Same preconditions as NewId. Thread-safe.
std::string NewTimeOrderedId(absl::string_view prefix, absl::Time now);

// An id in the same format, unique but NOT secret: 64 random bits drawn once per process, then
// a 64-bit counter. No system call and no lock per id, for ids made on every request (request
// ids). Never for anything a client must not guess (tokens, keys, resource ids). Thread-safe.
std::string NewUniqueId(absl::string_view prefix);

// Room for any id: an 8-letter prefix, the underscore and the body.
inline constexpr size_t kMaxIdLength = 8 + 1 + kIdBodyLength;

// An id held inline rather than in a std::string: made on every request, its allocation would
// cost more than making it.
class InlineId {
 public:
  absl::string_view view() const { return {chars_.data(), size_}; }

 private:
  friend InlineId NewUniqueInlineId(absl::string_view prefix);
  std::array<char, kMaxIdLength> chars_{};
  size_t size_ = 0;
};

// NewUniqueId (same format, same uniqueness, same counter) without an allocation.
InlineId NewUniqueInlineId(absl::string_view prefix);

// True iff `id` is exactly `prefix` + "_" + 26 upper-case Crockford characters whose value fits
// in 128 bits (first character '0'..'7').
bool IsValidId(absl::string_view id, absl::string_view prefix);

// Big-endian Crockford base32 of `n` bytes: the bytes as one number, zero-padded at the front to
// a multiple of 5 bits, 5 bits per character, most significant first (ceil(8n/5) characters).
std::string CrockfordEncode(const uint8_t* data, size_t n);

}  // namespace shopcast::ids
