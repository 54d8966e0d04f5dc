#pragma once

// The lottery's draw as a pure, public function, so anyone holding the recorded seed and the
// entrant list can recompute the winners (verify_draw.py is an independent reference).
//
// Algorithm "shopcast-lottery-v1":
//   commitment      = SHA-256(seed)                       (published when the lottery opens)
//   entrants_digest = SHA-256(for each entrant in entry order: uint32 big-endian byte length,
//                              then the id's bytes)
//   block(b)        = HMAC-SHA256(key = seed,
//                                 message = "shopcast-lottery-v1" || entrants_digest ||
//                                           uint64 big-endian b),   b = 0, 1, 2, ...
//   The blocks, concatenated, are read as a stream of uint64 big-endian words.
//   uniform(m)      = the next word w with w < 2^64 - (2^64 mod m) (others are skipped, so
//                     there is no modulo bias), then w mod m.
//   With n entrants and k = min(units, n) winners, a partial Fisher-Yates shuffle of the list
//   in entry order: for i in 0..k-1: j = i + uniform(n - i); swap(list[i], list[j]).
//   Winners are list[0..k-1], in that order (rank 1 first).
// Binding the digest into every block means any change to the list (an entrant added,
// removed or moved) changes every random word, not only the positions it touches.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::product_inventory::lottery_rules {

inline constexpr char kAlgorithm[] = "shopcast-lottery-v1";
inline constexpr size_t kSeedBytes = 32;

// kSeedBytes bytes from libsodium's CSPRNG.
std::string NewSeed();

// SHA-256 of `bytes` (32 raw bytes).
std::string Sha256(absl::string_view bytes);

// SHA-256(seed): what is published before any entry, so the seed cannot be chosen later.
inline std::string Commitment(absl::string_view seed) { return Sha256(seed); }

// The digest of the entrant list in entry order (see above).
std::string EntrantsDigest(const std::vector<std::string>& entrants);

struct DrawResult {
  // Indexes into the entrant list, rank 1 first; min(units, entrants) of them, distinct.
  std::vector<size_t> winner_indexes;
  // The same entrants' ids.
  std::vector<std::string> winners;
  std::string entrants_digest;
};

// Draws min(units, entrants.size()) distinct winners. INVALID_ARGUMENT for a seed that is not
// kSeedBytes long, negative units, or an entrant listed twice.
absl::StatusOr<DrawResult> Draw(absl::string_view seed, const std::vector<std::string>& entrants,
                                int64_t units);

// OK when SHA-256(seed) == commitment and the draw from (seed, entrants, units) gives exactly
// `winners` in that order; FAILED_PRECONDITION naming what differs otherwise.
absl::Status Verify(absl::string_view seed, absl::string_view commitment,
                    const std::vector<std::string>& entrants, int64_t units,
                    const std::vector<std::string>& winners);

// Lower-case hex of raw bytes, and back (INVALID_ARGUMENT for anything but even-length hex).
std::string ToHex(absl::string_view bytes);
absl::StatusOr<std::string> FromHex(absl::string_view hex);

}  // namespace shopcast::product_inventory::lottery_rules
