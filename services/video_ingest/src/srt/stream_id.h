#pragma once

// The SRT stream id an encoder sends in its handshake, reduced to the stream key it carries.
// Parsed inside libsrt's listen callback, so malformed ids are refused before any state exists.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace shopcast::video_ingest::srt {

// SRT itself caps stream ids at 512 bytes (SRTO_STREAMID).
inline constexpr size_t kMaxStreamIdBytes = 512;

struct ParsedStreamId {
  enum class Form {
    kPlainKey,       // "sk_…"
    kAccessControl,  // "#!::r=sk_…,m=publish" (SRT Access Control syntax, keys in any order)
    kPublishPath,    // "publish/sk_…"
  };
  Form form = Form::kPlainKey;
  std::string key;   // Secret: never logged.
  std::string user;  // The Access Control `u` key; empty when absent.
};

// Extracts the stream key ([A-Za-z0-9_.~-], at most kMaxStreamKeyBytes) from `stream_id`,
// percent-decoding it first if it has escapes. Errors (INVALID_ARGUMENT): STREAM_ID_INVALID
// (empty, too long, not printable ASCII, malformed, no key) or SRT_MODE_UNSUPPORTED (any `m`
// other than publish; an absent `m` means publish).
absl::StatusOr<ParsedStreamId> ParseStreamId(std::string_view stream_id);

}  // namespace shopcast::video_ingest::srt
