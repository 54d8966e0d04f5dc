#pragma once

// The native passthrough engine: an RTMP session's FLV (H.264 and/or AAC) remuxed into MPEG-TS
// segments and Low-Latency HLS parts without a GStreamer pipeline, as nginx-rtmp does it: the
// FLV is split into tags (flv_feed.h), each video tag's access unit rewritten as Annex B and each
// AAC frame framed as ADTS (flv_remux.h), both muxed as PES packets (ts_muxer.h), and cut where
// the same FragmentTracker as the GStreamer packager's says (segments at keyframes, parts by
// media time). A part's bytes are kept in memory and written once when it closes (to the part
// file and the segment file: SegmentWriter), so a part costs two writes instead of one per
// muxed buffer.
//
// Threads: Push only queues bytes (bounded by max_queued_bytes) and schedules the session on
// the engine's shared workers (NativeEngineOptions::threads, default 2, for every session of
// the process), which do everything else for it: tags, muxing, files, the playlist, the
// events. One hand-off per message instead of the pipeline's three streaming threads per
// session; PackagerEvents are called from a worker, one at a time per session. A shared timer
// (one thread) asks each session's worker every 100 ms for its stall check and its media facts.
//
// Scope: FLV with H.264 video and/or AAC audio (RTMP), HEVC refused as passthrough-only does.
// NativePackagerFactory hands everything else to the GStreamer packager: MPEG-TS (SRT), sessions
// that accept HEVC, and sessions with a rendition ladder (which is fed GStreamer buffers).

#include <memory>

#include "media/packager.h"
#include "media/packager_metrics.h"

namespace shopcast::video_ingest::media {

// Starts the native packager for FLV sessions it can take, `fallback` (the GStreamer factory)
// for the rest. `fallback` and `metrics` (optional) must outlive the factory and every packager
// it started.
class NativePackagerFactory final : public PackagerFactory {
 public:
  NativePackagerFactory(PackagerFactory& fallback, PackagerMetrics* metrics = nullptr)
      : fallback_(fallback), metrics_(metrics) {}

  // Whether a session with these options is packaged natively.
  static bool Takes(const PackagerOptions& options);

  absl::StatusOr<std::unique_ptr<Packager>> Start(PackagerOptions options, LivePlaylist& playlist,
                                                  PackagerEvents events) override;

 private:
  PackagerFactory& fallback_;
  PackagerMetrics* const metrics_;
};

// The native packager itself (for tests; the factory is what the service uses). FLV only.
absl::StatusOr<std::unique_ptr<Packager>> StartNativePackager(PackagerOptions options,
                                                              LivePlaylist& playlist,
                                                              PackagerEvents events,
                                                              PackagerMetrics* metrics = nullptr);

}  // namespace shopcast::video_ingest::media
