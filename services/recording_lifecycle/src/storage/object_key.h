#pragma once

// Object keys, the same in every tier: "<stream_id>/000041.ts", "rec_…/clips/clp_….mp4".
// A key is 1..1024 bytes of '/'-separated segments; each segment is 1..255 characters of
// [A-Za-z0-9._-] and does not start with '.', so "", ".", "..", hidden and temporary names,
// absolute paths, empty segments ("a//b", "a/") and anything needing URL encoding are refused.
// Keys are therefore safe as relative file paths under a tier's root and as S3 URL paths
// without escaping.

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shopcast::recording_lifecycle::storage {

inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxKeySegmentBytes = 255;

// OK, or INVALID_ARGUMENT/OBJECT_KEY_INVALID saying what is wrong.
absl::Status ValidateKey(absl::string_view key);

// A List prefix: empty (everything), or keys' leading text: whole valid segments, optionally
// ending in '/' or in the start of a segment ("str_1/0000").
absl::Status ValidateKeyPrefix(absl::string_view prefix);

}  // namespace shopcast::recording_lifecycle::storage
