#pragma once

// Which SRT rejection code (srt/access_control.h) an encoder sees for a refusal, so operators
// reading the encoder's log get "bad request" or "forbidden" rather than a bare timeout.

#include "absl/status/status.h"

namespace shopcast::video_ingest::srt {

// SRT_REJX_* for a refusal: BAD_MODE for SRT_MODE_UNSUPPORTED, BAD_REQUEST for other
// INVALID_ARGUMENT, FORBIDDEN for PERMISSION_DENIED, CONFLICT for ALREADY_PUBLISHING,
// OVERLOAD for RESOURCE_EXHAUSTED, DOWN for UNAVAILABLE, FALLBACK otherwise.
int RejectCodeFor(const absl::Status& refusal);

}  // namespace shopcast::video_ingest::srt
