#include "media/media_watchdog.h"

#include "absl/strings/str_cat.h"

namespace shopcast::video_ingest::media {

void MediaWatchdog::InputArrived(absl::Duration now) {
  if (!pending_since_) pending_since_ = now;
}

void MediaWatchdog::MediaParsed(absl::Duration now) {
  pending_since_.reset();
  if (!unwritten_since_) unwritten_since_ = now;
}

void MediaWatchdog::MediaWritten(absl::Duration) { unwritten_since_.reset(); }

std::optional<std::string> MediaWatchdog::Check(absl::Duration now) const {
  if (pending_since_ && now - *pending_since_ > stall_timeout_) {
    return absl::StrCat("no media left the parsers for ", absl::FormatDuration(stall_timeout_));
  }
  if (unwritten_since_ && now - *unwritten_since_ > stall_timeout_) {
    return absl::StrCat("parsed media reached no segment for ",
                        absl::FormatDuration(stall_timeout_));
  }
  return std::nullopt;
}

}  // namespace shopcast::video_ingest::media
