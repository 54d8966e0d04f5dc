#pragma once

// The adaptive-bitrate rendition ladder of one stream (see the README's "Rendition ladder"):
// beside the passthrough, the source's parsed video is decoded once per session
// (ladder_decoder.h, libavcodec) and each rung (rendition_spec.h) scales and encodes those pictures
// with x264 in a GStreamer pipeline of its own, muxed with the source's AAC passed through, and cut
// into segments and parts exactly where the passthrough cut them (the passthrough's cut decisions
// are forwarded; the rung's encoder is forced to a keyframe at every source keyframe), so a rung's
// segment N holds the same media time as the passthrough's segment N. Rung files live in <stream
// dir>/<rung>/ (live.m3u8, segments, parts); the master playlist (the passthrough's index.m3u8)
// lists every rung that is producing.
//
//   passthrough probe ──OfferVideo──► bounded hand-off (a queue) → libavcodec h264/hevc
//     ──each picture, by reference──► per rung: bounded hand-off (appsrc, raw pictures)
//       → videoscale → videoconvert → caps(W×H) → [force key units] → x264enc
//       → caps(byte-stream) → [cuts] → mpegtsmux → [segment writer] → rung playlist
//   passthrough probe ──OfferAudio──► per rung: appsrc(aac) ──────────────↗
//
// Failure isolation: a rung's pipeline failing (an error on its bus) stops that rung only; it
// is rebuilt at the next segment cut, at most `max_restarts` times per session (its playlist
// skips to that segment after an EXT-X-DISCONTINUITY), then left out of the master until the
// next session. The decoder failing stops every rung (each counts a failure and restarts with
// a new decoder at the next segment cut). A rung whose hand-off holds more than `max_handoff`
// of media or ~192 MiB of pictures (its encoder is too slow), or every rung when the decoder's
// holds more than `max_handoff`, drops its input until the next segment cut (counted), never
// blocking the passthrough.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/live_playlist.h"
#include "media/playlist_progress.h"
#include "media/rendition_feed.h"
#include "media/rendition_spec.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shopcast::video_ingest::media {

// Counted per rung (label `rendition`), shared by every stream of the process.
class LadderMetrics {
 public:
  explicit LadderMetrics(prometheus::Registry& registry);

  prometheus::Counter& segments(const std::string& rung);
  prometheus::Counter& failures(const std::string& rung);
  prometheus::Counter& restarts(const std::string& rung);
  prometheus::Counter& dropped(const std::string& rung);
  prometheus::Histogram& encode_lag(const std::string& rung);
  // The sessions' decoders (one per session while it has rungs, again after a failure).
  prometheus::Counter& decoder_starts() { return decoder_starts_; }
  prometheus::Counter& decoder_failures() { return decoder_failures_; }

 private:
  prometheus::Family<prometheus::Counter>& segments_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Counter>& dropped_;
  prometheus::Family<prometheus::Histogram>& encode_lag_;
  prometheus::Counter& decoder_starts_;
  prometheus::Counter& decoder_failures_;
};

struct LadderOptions {
  std::vector<RungSpec> rungs;       // ParseRenditions's order (highest first).
  std::filesystem::path stream_dir;  // The passthrough's folder; rung folders go inside.
  std::string stream_id;
  absl::Duration target_duration = absl::Seconds(2);
  absl::Duration part_target = absl::ZeroDuration();  // As the passthrough's.
  int window = 6;
  // Each rung playlist's LivePlaylist::Options::on_written, by its name relative to the stream
  // folder ("720p/live.m3u8"): the origin's PlaylistWatch. Optional.
  std::function<std::function<void(const PlaylistProgress&)>(const std::string& playlist_name)>
      observer;
  // Which versions of each rung playlist go to disk (LivePlaylist::Options::playlist_files).
  LivePlaylist::Options::PlaylistFiles playlist_files =
      LivePlaylist::Options::PlaylistFiles::kEvery;
  // Each rung's parts kept in memory, not written (LivePlaylist::Options::parts_in_memory).
  bool parts_in_memory = false;
  int max_restarts = 3;  // Per rung and session.
  absl::Duration max_handoff = absl::Seconds(2);
  // How long a session's end waits for the rungs to write their last segment.
  absl::Duration flush_timeout = absl::Seconds(4);
  // Fault injection for tests (the testing-only flag renditions_fault): the rung of this name
  // posts an error on its encoder after writing `fault_after_segments` segments, every run.
  std::string fault_rung;
  int fault_after_segments = 2;
  // Fault injection for tests: the session's decoder reports an error when the passthrough
  // cuts its `fault_decoder_at_segment`th segment (once per session; 0: never).
  int fault_decoder_at_segment = 0;
  LadderMetrics* metrics = nullptr;  // Optional; must outlive the ladder.
  // EXT-X-RENDITION-REPORT: the stream's playlists' group; the ladder makes one when unset.
  std::shared_ptr<RenditionGroup> group;
};

// Every GStreamer element the ladder needs (x264enc, videoscale, …) and its libavcodec
// decoders: checked at
// start-up when a ladder is configured.
absl::Status CheckLadderElements();

class RenditionLadder final : public StreamRenditions,
                              public std::enable_shared_from_this<RenditionLadder> {
 public:
  static std::shared_ptr<RenditionLadder> Create(LadderOptions options);
  ~RenditionLadder() override;

  std::shared_ptr<RenditionFeed> StartSession(LivePlaylist& passthrough,
                                              bool discontinuity) override;
  std::string MasterVariants() const override;
  void End() override;
  std::shared_ptr<RenditionGroup> group() const override { return options_.group; }

  // For tests and the master: the rung playlists, in options.rungs' order.
  size_t rung_count() const { return rungs_.size(); }
  LivePlaylist& rung_playlist(size_t i) { return *rungs_[i]->playlist; }
  const LadderOptions& options() const { return options_; }

  // Whether rung `i` is listed in the master now.
  bool listed(size_t i) const;

 private:
  friend class LadderSession;
  friend class RungRun;
  struct Rung {
    RungSpec spec;
    std::shared_ptr<LivePlaylist> playlist;  // Lives as long as the ladder.
    // Guarded by the ladder's mu_.
    bool active = false;   // Running (or restarting) in the current session.
    bool written = false;  // Its playlist was ever written (End writes it).
  };

  explicit RenditionLadder(LadderOptions options);
  void SetActive(size_t i, bool active) ABSL_LOCKS_EXCLUDED(mu_);
  void MarkWritten(size_t i) ABSL_LOCKS_EXCLUDED(mu_);

  const LadderOptions options_;
  std::vector<std::unique_ptr<Rung>> rungs_;  // Fixed after construction.
  mutable absl::Mutex mu_;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shopcast::video_ingest::media
