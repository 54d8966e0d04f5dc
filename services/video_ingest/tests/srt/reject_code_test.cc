#include "srt/reject_code.h"

#include <srt/access_control.h>

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"
#include "srt/stream_id.h"

namespace shopcast::video_ingest::srt {
namespace {

TEST_CASE("encoders learn why they were refused") {
  CHECK(RejectCodeFor(ParseStreamId("#!::r=sk_a,m=request").status()) == SRT_REJX_BAD_MODE);
  CHECK(RejectCodeFor(ParseStreamId("#!::m=publish").status()) == SRT_REJX_BAD_REQUEST);
  CHECK(RejectCodeFor(PermissionDenied("STREAM_KEY_INVALID", "no")) == SRT_REJX_FORBIDDEN);
  CHECK(RejectCodeFor(Error(absl::StatusCode::kFailedPrecondition, "ALREADY_PUBLISHING", "busy")) ==
        SRT_REJX_CONFLICT);
  CHECK(RejectCodeFor(Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_CONNECTIONS",
                            "full")) == SRT_REJX_OVERLOAD);
  CHECK(RejectCodeFor(absl::UnavailableError("db down")) == SRT_REJX_DOWN);
  // Backing off is ours to define (libsrt's user range), apart from a full port.
  const int backoff = RejectCodeFor(
      Error(absl::StatusCode::kResourceExhausted, "PUBLISH_BACKOFF", "try again in 4 s"));
  CHECK(backoff == kRejectPublishBackoff);
  CHECK(backoff >= SRT_REJC_USERDEFINED);
  CHECK(RejectCodeFor(absl::InternalError("?")) == SRT_REJX_FALLBACK);
}

}  // namespace
}  // namespace shopcast::video_ingest::srt
