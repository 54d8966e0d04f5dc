#pragma once

// Thumbnails of live streams: a stream's live picture (one parsed keyframe, decoded alone,
// never the frames between, scaled down) written as `thumb.jpg` in the stream's hot-tier
// folder, replacing the previous one atomically (temporary file + rename), and the first good
// picture a few seconds in kept as `poster.jpg`, once per stream and never replaced afterwards
// (a hard link that fails if one exists), for the recording.
//
// Rendered on demand by default (ThumbnailMode::kLazy): each session keeps a reference to its
// latest keyframe only (one per stream, replaced by the next; the GStreamer packager's memory
// is shared, the native one's bytes copied once per keyframe into a reused buffer) and renders
//   - for the poster: once, at the first keyframe at least `poster_after` in, again with later
//     keyframes (backing off) while the picture is blank, then never again for the poster;
//   - when asked (ThumbnailSource::RefreshThumbnail, from the origin's thumb.jpg requests):
//     the latest keyframe, unless thumb.jpg already shows it; callers of one stream share one
//     render;
//   - at the end of a session that left the stream without a poster.
// A stream nobody looks at costs one render per session. ThumbnailMode::kEager renders every
// `interval` of media as well, for operators who want the files on disk.
//
// The live path never waits: the packager offers each keyframe to its session's KeyframeSink,
// which keeps the reference and queues a render only when one is due and the stream has none in
// work; a full queue drops it (counted). One small worker pool (a bounded queue and `threads`
// threads, each with its own decoders) serves every stream of the process. A keyframe that
// does not decode is logged and counted; it never touches the stream.
//
//   Pipeline (media thread) --OfferKeyframe--> Session (latest keyframe) --bounded queue-->
//       worker: libavcodec (h264|hevc, one context per worker and codec, reused) → libswscale
//       (straight to the thumbnail size) → libjpeg-turbo
//
// FFmpeg's libraries are called directly, never libavformat (nor gst-libav, which loads it):
// libavformat links Debian's second libsrt build beside ours and hangs a SIGTERM'd process.
//
// That a thumbnail can be served is told to a ThumbnailRecorder (the database, so every replica
// can answer GetStream's thumbnail_url and StreamEnded can name the poster): at a session's
// first keyframe (from then on a request renders one) and when its stream's poster appears; a
// failed record is tried again with the next keyframe or render, and once more when the
// session finishes.

#include <gst/gst.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/keyframe_sink.h"
#include "media/packager.h"
#include "media/thumbnail_source.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shopcast::video_ingest::media {

struct RenderOptions {
  int max_size = 640;     // The picture fits in max_size × max_size (aspect kept, never upscaled).
  int jpeg_quality = 80;  // 1..100.
  absl::Duration timeout = absl::Seconds(5);
};

// One decoded, scaled and encoded keyframe.
struct Thumbnail {
  std::string jpeg;
  int width = 0;
  int height = 0;
  // Of the scaled picture's luma (0..255): a picture with almost no variation (black, a fade,
  // a "no signal" card) is not taken as a poster.
  double luma_mean = 0;
  double luma_stddev = 0;
};

// Decodes keyframes (one access unit with its parameter sets in band, as h264parse or h265parse
// output it with `caps`: byte-stream, alignment au) and encodes them as JPEGs. Holds one
// libavcodec decoder per codec, opened on first use and reused for every keyframe after it
// (flushed between two), and the scaler's state: one renderer per thread, never shared.
class ThumbnailRenderer {
 public:
  ThumbnailRenderer();
  ~ThumbnailRenderer();
  ThumbnailRenderer(const ThumbnailRenderer&) = delete;
  ThumbnailRenderer& operator=(const ThumbnailRenderer&) = delete;

  // INVALID_ARGUMENT/UNSUPPORTED_CODEC for caps of another codec or stream format;
  // INVALID_ARGUMENT/THUMBNAIL_DECODE_FAILED when nothing decodes (or only a damaged picture);
  // DEADLINE_EXCEEDED/THUMBNAIL_TIMEOUT when it took longer than the timeout (a decode is not
  // interrupted, but a late picture is not used).
  absl::StatusOr<Thumbnail> Render(GstCaps* caps, GstBuffer* keyframe,
                                   const RenderOptions& options);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// FAILED_PRECONDITION/THUMBNAIL_DECODER_MISSING naming what is missing, unless the libavcodec
// this process loaded has the H.264 and HEVC decoders thumbnails need.
absl::Status CheckThumbnailDecoders();

// The output size for a `width` × `height` picture with pixel aspect ratio `par_n`/`par_d`:
// square pixels, even sides, within max_size × max_size, never larger than the source.
struct Size {
  int width = 0;
  int height = 0;
};
Size ThumbnailSize(int width, int height, int par_n, int par_d, int max_size);

// True when a picture with these luma statistics is too uniform to be a poster.
bool IsBlankPicture(const Thumbnail& t);

// kLazy renders for the poster and on request only; kEager also every `interval` of media.
enum class ThumbnailMode { kLazy, kEager };

struct ThumbnailerOptions {
  ThumbnailMode mode = ThumbnailMode::kLazy;
  // kEager: media time between two thumbnails of one stream (the first keyframe of a session is
  // taken). kLazy: the first retry of a blank poster comes this much later (then twice, four
  // times as long…, at most poster_retry_max).
  absl::Duration interval = absl::Seconds(4);
  absl::Duration poster_retry_max = absl::Minutes(1);
  // The poster is the first non-blank thumbnail at least this far into a session; a session
  // that ends without one leaves its last thumbnail as the stream's poster if it has none.
  absl::Duration poster_after = absl::Seconds(3);
  RenderOptions render;
  size_t queue_capacity = 16;  // Keyframes waiting for a worker, all streams together.
  int threads = 1;
  // How long a finishing session waits for its keyframe in work (and the last record).
  absl::Duration finish_timeout = absl::Seconds(3);
};

// Records that `stream_id` has a thumbnail (and, when `poster`, its poster) where every replica
// sees it. Called from worker threads and from Finish callers; may block briefly.
using ThumbnailRecorder = std::function<absl::Status(const std::string& stream_id, bool poster)>;

class Thumbnailer final : public ThumbnailSource {
 public:
  // `recorder` may be empty (nothing recorded). Metrics go to `registry` when given.
  Thumbnailer(ThumbnailerOptions options, ThumbnailRecorder recorder,
              prometheus::Registry* registry = nullptr);
  // Stops the workers; keyframes still queued are dropped. Sessions must be finished or gone.
  ~Thumbnailer();
  Thumbnailer(const Thumbnailer&) = delete;
  Thumbnailer& operator=(const Thumbnailer&) = delete;

  // The sink for one packager session of `stream_id`, writing into `stream_dir`.
  std::shared_ptr<KeyframeSink> OpenSession(std::string stream_id,
                                            std::filesystem::path stream_dir);

  // ThumbnailSource: a render of the latest keyframe of `stream_id`'s newest open session.
  Refresh RefreshThumbnail(const std::string& stream_id,
                           std::function<void(bool written)> done) override;

  const ThumbnailerOptions& options() const { return options_; }

 private:
  class Session;
  struct Job;
  enum class Cause { kRecord, kPoster, kRequest, kEager };

  // False when the queue is full (the job is then dropped by the caller).
  bool Enqueue(Job job);
  void WorkerLoop();
  void Process(Job& job, ThumbnailRenderer& renderer);

  const ThumbnailerOptions options_;
  const ThumbnailRecorder recorder_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;  // Guarded by mu_.
  bool stopping_ = false;  // Guarded by mu_.
  std::vector<std::thread> workers_;

  // The newest session of each stream, for requests. Its own lock: taken on the origin's
  // threads and at session open/finish, never with a session's.
  std::mutex sessions_mu_;
  std::map<std::string, std::weak_ptr<Session>> sessions_;  // Guarded by sessions_mu_.

  prometheus::Counter* written_ = nullptr;
  prometheus::Counter* posters_ = nullptr;
  prometheus::Counter* failed_decode_ = nullptr;
  prometheus::Counter* failed_write_ = nullptr;
  prometheus::Counter* dropped_busy_ = nullptr;
  prometheus::Counter* dropped_full_ = nullptr;
  prometheus::Counter* record_failures_ = nullptr;
  prometheus::Histogram* render_seconds_ = nullptr;
  // ingest_thumbnail_renders_total{cause="poster"|"request"|"eager"}.
  prometheus::Counter* renders_poster_ = nullptr;
  prometheus::Counter* renders_request_ = nullptr;
  prometheus::Counter* renders_eager_ = nullptr;
};

// A PackagerFactory that gives every packager it starts a thumbnail session (PackagerOptions::
// keyframes) before handing it to `inner`.
class ThumbnailingPackagerFactory final : public PackagerFactory {
 public:
  // Both must outlive the factory and every packager it starts.
  ThumbnailingPackagerFactory(PackagerFactory& inner, Thumbnailer& thumbnailer)
      : inner_(inner), thumbnailer_(thumbnailer) {}

  absl::StatusOr<std::unique_ptr<Packager>> Start(PackagerOptions options, LivePlaylist& playlist,
                                                  PackagerEvents events) override;

 private:
  PackagerFactory& inner_;
  Thumbnailer& thumbnailer_;
};

}  // namespace shopcast::video_ingest::media
