#pragma once

// Which SRT rejection code (srt/access_control.h) an encoder sees for a refusal, so operators
// reading the encoder's log get "bad request" or "forbidden" rather than a bare timeout.

#include <srt/srt.h>

#include "absl/status/status.h"

namespace shopcast::video_ingest::srt {

// Ours, in libsrt's user-defined range: "refused too often, wait" (PUBLISH_BACKOFF), 2000 + the
// HTTP status for it (429 Too Many Requests), as the predefined codes are 1000 + an HTTP status.
// Apart from OVERLOAD (1402: the port is full) so an encoder's log tells the two apart.
inline constexpr int kRejectPublishBackoff = SRT_REJC_USERDEFINED + 429;

// The rejection code for a refusal: kRejectPublishBackoff for PUBLISH_BACKOFF, else SRT_REJX_*:
// BAD_MODE for SRT_MODE_UNSUPPORTED, BAD_REQUEST for other INVALID_ARGUMENT, FORBIDDEN for
// PERMISSION_DENIED, CONFLICT for ALREADY_PUBLISHING, OVERLOAD for other RESOURCE_EXHAUSTED,
// DOWN for UNAVAILABLE, FALLBACK otherwise.
int RejectCodeFor(const absl::Status& refusal);

}  // namespace shopcast::video_ingest::srt
