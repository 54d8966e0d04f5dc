#pragma once

// What the ingest runtime needs of a packager, as an interface so the runtime's concurrency
// (ending races, shutdown, database faults) is unit-tested with a fake. The GStreamer pipeline
// (pipeline.h) is the real one.
//
// A packager turns one encoder session's container bytes into HLS segments appended to the
// stream's LivePlaylist. Its failures say by status code what they mean for the stream:
//   INVALID_ARGUMENT   the encoder's media cannot be packaged (UNSUPPORTED_CODEC): refused;
//   DEADLINE_EXCEEDED  no media flowed for too long (MEDIA_STALLED);
//   DATA_LOSS          the hot tier cannot be written (STORAGE_FAILURE: disk full, I/O errors);
//                      reconnecting cannot fix it;
//   anything else      PACKAGER_FAILURE: something in the media broke the packager; a reconnect
//                      starts afresh.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/keyframe_sink.h"
#include "media/live_playlist.h"
#include "media/rendition_feed.h"
#include "publish/publish.h"
#include "publish/segment.h"

namespace shopcast::video_ingest::media {

struct PackagerOptions {
  MediaFormat format = MediaFormat::kFlv;
  std::filesystem::path stream_dir;  // Segment files go here; must be the playlist's folder.
  std::string stream_id;             // SegmentInfo.path is "<stream_id>/<file>".
  absl::Duration target_duration = absl::Seconds(2);
  size_t max_queued_bytes = 16 * 1024 * 1024;
  absl::Duration stall_timeout = absl::Seconds(10);
  bool discontinuity = false;  // This session follows an earlier one on the same playlist.
  // Low-Latency HLS: partial segments this long at most (part_cutter.h), appended to the
  // playlist as they close; zero for regular HLS only. Must match the playlist's part_target.
  absl::Duration part_target = absl::ZeroDuration();
  // HEVC video is packaged (passed through as hvc1, the master's CODECS from its SPS) instead of
  // refused as UNSUPPORTED_CODEC. On only with the rendition ladder, whose H.264 rungs every
  // browser plays; passthrough-only sessions refuse it (README, HEVC input).
  bool accept_hevc = false;
  // Offered every parsed video keyframe (thumbnails); finished when the packager tears down.
  std::shared_ptr<KeyframeSink> keyframes;
  // Offered every parsed video and audio buffer with the cuts at it (the rendition ladder);
  // finished when the packager tears down, after the passthrough's last segment.
  std::shared_ptr<RenditionFeed> renditions;
};

// Called from a packager-owned thread, one at a time, never with a packager lock held. A
// callback must not destroy the packager or call Finish (it would wait for itself), and must
// not block for long: other work of the packager waits behind it.
struct PackagerEvents {
  // A segment is complete, fsynced, hashed and in the playlist.
  std::function<void(const SegmentInfo&)> segment_closed;
  // Once, when the parsed streams' formats are known (at the latest before the first segment).
  std::function<void(const MediaInfo&)> media_info;
  // Once, terminal; the code says what it means (see the top of this file).
  std::function<void(const absl::Status&)> failed;
};

class Packager {
 public:
  virtual ~Packager() = default;  // Aborts without waiting for the last segment; never hangs.

  // Queues container bytes; thread-safe, never blocks. False when the queue is over
  // max_queued_bytes or the packager has failed or is finishing.
  virtual bool Push(std::span<const uint8_t> bytes) = 0;

  // Ends the input and waits up to `timeout` for the last segment to be closed and reported,
  // then tears down: no callback runs after it returns. OK, the failure already reported through
  // `failed`, or DEADLINE_EXCEEDED (torn down anyway).
  virtual absl::Status Finish(absl::Duration timeout) = 0;
};

class PackagerFactory {
 public:
  virtual ~PackagerFactory() = default;
  // Starts a packager appending to `playlist`, which must outlive it and is not appended to by
  // anyone else until Finish returns or the packager is destroyed.
  virtual absl::StatusOr<std::unique_ptr<Packager>> Start(PackagerOptions options,
                                                          LivePlaylist& playlist,
                                                          PackagerEvents events) = 0;
};

}  // namespace shopcast::video_ingest::media
