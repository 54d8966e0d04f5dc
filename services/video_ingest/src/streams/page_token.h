#pragma once

// Opaque keyset page tokens for the stream lists. A token names its list and the filters of the
// request that produced it, so it cannot be replayed against another list or other filters.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::video_ingest::streams {

inline constexpr size_t kMaxPageTokenBytes = 512;

// Position after the last row of a page: its sort key (micros since the epoch, or a sequence
// number) and its id as the tie-breaker.
struct PageCursor {
  bool first = true;  // no token: start of the list
  int64_t key = 0;
  std::string id;
};

// `list` names the RPC ("live", "upcoming", "mine", "segments"); `binding` its filters.
std::string EncodePageToken(absl::string_view list, absl::string_view binding,
                            const PageCursor& cursor);

// Empty token → the start. Malformed, oversized, or from another list or filters:
// INVALID_ARGUMENT/PAGE_TOKEN_INVALID on page.page_token.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token, absl::string_view list,
                                           absl::string_view binding);

}  // namespace shopcast::video_ingest::streams
