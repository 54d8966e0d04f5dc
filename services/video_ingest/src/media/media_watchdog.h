#pragma once

// Decides when a session's media has stopped flowing through the packager. It judges flow, not
// segment count: a segment lasts as long as the encoder's keyframe interval, which may be far
// longer than the target duration (OBS's "auto" is about 8 s), so "no segment for a while" is
// not a stall while media keeps moving. Two stalls:
//   - input arrived but nothing left the parsers for stall_timeout (garbage, a wedged demuxer);
//   - media leaves the parsers but nothing reaches the segment files for stall_timeout (the
//     muxer waits for a track that never delivers).
// An encoder that sends nothing at all is the protocol server's idle timeout, not this.
// Pure: times are steady-clock readings passed in (steady_clock.h), so tests move time freely.

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

class MediaWatchdog {
 public:
  explicit MediaWatchdog(absl::Duration stall_timeout) : stall_timeout_(stall_timeout) {}

  // Container bytes were queued.
  void InputArrived(absl::Duration now);
  // A buffer left the parsers.
  void MediaParsed(absl::Duration now);
  // Muxed bytes reached the segment writer.
  void MediaWritten(absl::Duration now);

  // Why the media counts as stalled at `now`, or nullopt while it flows.
  std::optional<std::string> Check(absl::Duration now) const;

 private:
  const absl::Duration stall_timeout_;
  std::optional<absl::Duration> pending_since_;    // Input not yet parsed.
  std::optional<absl::Duration> unwritten_since_;  // Parsed media not yet written.
};

}  // namespace shopcast::video_ingest::media
