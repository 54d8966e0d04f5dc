#include "srt/reject_code.h"

#include <srt/access_control.h>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {

int RejectCodeFor(const absl::Status& refusal) {
  std::string reason = ReasonOf(refusal);
  if (reason == "SRT_MODE_UNSUPPORTED") return SRT_REJX_BAD_MODE;
  if (reason == "ALREADY_PUBLISHING") return SRT_REJX_CONFLICT;
  if (reason == "PUBLISH_BACKOFF") return kRejectPublishBackoff;
  switch (refusal.code()) {
    case absl::StatusCode::kInvalidArgument:
      return SRT_REJX_BAD_REQUEST;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return SRT_REJX_FORBIDDEN;
    case absl::StatusCode::kResourceExhausted:
      return SRT_REJX_OVERLOAD;
    case absl::StatusCode::kUnavailable:
      return SRT_REJX_DOWN;
    default:
      return SRT_REJX_FALLBACK;
  }
}

}  // namespace shopcast::video_ingest::srt
