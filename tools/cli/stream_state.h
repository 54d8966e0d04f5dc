#pragma once

// What the CLI (and through it tools/dev) concludes from a stream as GetStream shows it.

#include "absl/time/time.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::cli {

// True while an encoder can still publish to `stream` at `now`: PREPARING, LIVE, and
// RECONNECTING until its reconnect deadline. ENDED and ERROR are over, and so is a RECONNECTING
// stream past its deadline that the service has not got round to ending yet (a publish to it
// is refused as STREAM_ENDED).
bool AcceptsEncoder(const video_ingest::v1::Stream& stream, absl::Time now);

}  // namespace shopcast::cli
