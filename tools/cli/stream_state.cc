#include "stream_state.h"

namespace shopcast::cli {

bool AcceptsEncoder(const video_ingest::v1::Stream& stream, absl::Time now) {
  switch (stream.status()) {
    case common::v1::STREAM_STATUS_PREPARING:
    case common::v1::STREAM_STATUS_LIVE:
      return true;
    case common::v1::STREAM_STATUS_RECONNECTING: {
      if (!stream.has_reconnect_deadline()) return true;
      const absl::Time deadline = absl::FromUnixSeconds(stream.reconnect_deadline().seconds()) +
                                  absl::Nanoseconds(stream.reconnect_deadline().nanos());
      return now < deadline;
    }
    default:
      return false;
  }
}

}  // namespace shopcast::cli
