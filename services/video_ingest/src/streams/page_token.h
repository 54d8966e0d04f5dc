#pragma once

// Keyset page tokens for the stream lists, sealed by the shared tamper-evident codec
// (libs/pagetoken). A token names its list and the filters of the request that produced it, so
// it cannot be replayed against another list or other filters, and a client cannot forge one.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::video_ingest::streams {

// Position after the last row of a page: its sort key (micros since the epoch, or a sequence
// number) and its id as the tie-breaker.
struct PageCursor {
  bool first = true;  // no token: start of the list
  int64_t key = 0;
  std::string id;
};

// What a list's cursor holds, checked on every decoded token.
enum class CursorKind {
  kStreamTime,      // a time in micros in PostgreSQL's range, and a str_ id
  kSegmentSequence  // a sequence number >= 0, and no id
};

// `list` names the RPC ("live", "upcoming", "mine", "segments"); `binding` its filters.
std::string EncodePageToken(const pagetoken::Codec& codec, absl::string_view list,
                            absl::string_view binding, const PageCursor& cursor);

// Empty token → the start. Malformed, oversized, forged, from another list or filters, or with a
// cursor that is not of `kind`: INVALID_ARGUMENT/PAGE_TOKEN_INVALID on page.page_token.
absl::StatusOr<PageCursor> DecodePageToken(const pagetoken::Codec& codec, absl::string_view token,
                                           absl::string_view list, absl::string_view binding,
                                           CursorKind kind);

}  // namespace shopcast::video_ingest::streams
