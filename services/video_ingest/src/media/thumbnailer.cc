#include "media/thumbnailer.h"

#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace fs = std::filesystem;

namespace {

// The elements that decode a codec's parsed access units (caps name → parser, decoder). HEVC is
// here for the ladder's HEVC input; the packager offers whatever its video branch parses.
// Not gst-libav's avdec_*: loading that plugin loads libavformat, which links Debian's other
// libsrt build (libsrt-gnutls) into this process beside ours (libsrt-openssl); the two share
// C++ symbol names, so the second one's static objects are constructed over ours, and the
// process hung in libsrt's exit handlers (a SIGTERM'd replica never exited). openh264dec and
// libde265dec (gstreamer1.0-plugins-bad) bring only their own decoder libraries.
struct CodecElements {
  absl::string_view caps_name;
  const char* parser;
  const char* decoder;
};
constexpr CodecElements kCodecs[] = {
    {"video/x-h264", "h264parse", "openh264dec"},
    {"video/x-h265", "h265parse", "libde265dec"},
};

// A picture whose luma varies less than this (out of 255) is black, a fade or a flat card.
constexpr double kBlankLumaStddev = 4.0;

absl::Status DecodeFailed(absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "THUMBNAIL_DECODE_FAILED", message);
}

void SetIfPresent(GstElement* e, const char* property, int value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), property) != nullptr) {
    g_object_set(e, property, value, nullptr);
  }
}

void SetIfPresent(GstElement* e, const char* property, bool value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), property) != nullptr) {
    g_object_set(e, property, value ? TRUE : FALSE, nullptr);
  }
}

// What the probe before the encoder saw of the scaled RGB picture.
struct PictureStats {
  bool seen = false;
  int width = 0;
  int height = 0;
  double luma_mean = 0;
  double luma_stddev = 0;
};

GstPadProbeReturn MeasurePicture(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* stats = static_cast<PictureStats*>(data);
  if (stats->seen) return GST_PAD_PROBE_OK;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) return GST_PAD_PROBE_OK;
  GstVideoInfo vinfo;
  const bool parsed = gst_video_info_from_caps(&vinfo, caps);
  gst_caps_unref(caps);
  if (!parsed) return GST_PAD_PROBE_OK;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &vinfo, GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ)) {
    return GST_PAD_PROBE_OK;
  }
  // Packed RGB: luma as BT.601 weighs it (the statistics only judge how flat the picture is).
  const int w = GST_VIDEO_FRAME_WIDTH(&frame);
  const int h = GST_VIDEO_FRAME_HEIGHT(&frame);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  const auto* rgb = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  double sum = 0;
  double sum_sq = 0;
  for (int row = 0; row < h; ++row) {
    const uint8_t* px = rgb + static_cast<ptrdiff_t>(row) * stride;
    for (int col = 0; col < w; ++col, px += 3) {
      const double y = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
      sum += y;
      sum_sq += y * y;
    }
  }
  gst_video_frame_unmap(&frame);
  const double n = static_cast<double>(w) * h;
  if (n <= 0) return GST_PAD_PROBE_OK;
  stats->seen = true;
  stats->width = GST_VIDEO_INFO_WIDTH(&vinfo);
  stats->height = GST_VIDEO_INFO_HEIGHT(&vinfo);
  stats->luma_mean = sum / n;
  stats->luma_stddev = std::sqrt(std::max(0.0, sum_sq / n - stats->luma_mean * stats->luma_mean));
  return GST_PAD_PROBE_OK;
}

// A pipeline that is stopped and released however the render ends.
class OwnedPipeline {
 public:
  OwnedPipeline() : pipeline_(gst_pipeline_new(nullptr)) {
    if (pipeline_ != nullptr) gst_object_ref_sink(pipeline_);
  }
  ~OwnedPipeline() {
    if (pipeline_ == nullptr) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  OwnedPipeline(const OwnedPipeline&) = delete;
  OwnedPipeline& operator=(const OwnedPipeline&) = delete;
  GstElement* get() const { return pipeline_; }

 private:
  GstElement* pipeline_;
};

std::string ErrorText(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), ": ",
                                  err != nullptr ? err->message : "unknown error");
  g_clear_error(&err);
  g_free(debug);
  return text;
}

// Writes `content` to `path` (created or truncated); fsyncs it when `sync`.
absl::Status WriteFile(const fs::path& path, std::string_view content, bool sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::DataLossError(absl::StrCat("create: ", std::strerror(errno)));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return absl::DataLossError(absl::StrCat("write: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::DataLossError(absl::StrCat("fsync: ", std::strerror(err)));
  }
  if (::close(fd) != 0) return absl::DataLossError(absl::StrCat("close: ", std::strerror(errno)));
  return absl::OkStatus();
}

void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// Links `from` as `to` unless `to` exists: true when `to` exists afterwards (made now or
// before); `made` says which. Never replaces a poster.
bool LinkOnce(const fs::path& from, const fs::path& to, bool* made, std::string* error) {
  *made = false;
  if (::link(from.c_str(), to.c_str()) == 0) {
    *made = true;
    return true;
  }
  if (errno == EEXIST) return true;
  *error = std::strerror(errno);
  return false;
}

}  // namespace

Size ThumbnailSize(int width, int height, int par_n, int par_d, int max_size) {
  if (width <= 0 || height <= 0 || max_size < 2) return {};
  if (par_n <= 0 || par_d <= 0) par_n = par_d = 1;
  const double display_width = static_cast<double>(width) * par_n / par_d;
  const double scale = std::min({1.0, max_size / display_width, max_size / double(height)});
  auto even = [max_size](double v) {
    const int rounded = static_cast<int>(std::lround(v / 2.0)) * 2;
    return std::clamp(rounded, 2, max_size - max_size % 2);
  };
  return Size{even(display_width * scale), even(height * scale)};
}

absl::Status CheckThumbnailElements() {
  std::string missing;
  for (const char* name :
       {"appsrc", "h264parse", "openh264dec", "videoscale", "videoconvert", "jpegenc", "appsink"}) {
    GstElementFactory* factory = gst_element_factory_find(name);
    if (factory == nullptr) {
      absl::StrAppend(&missing, missing.empty() ? "" : ", ", name);
    } else {
      gst_object_unref(factory);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "THUMBNAIL_ELEMENT_MISSING",
               absl::StrCat("GStreamer elements for thumbnails are missing (", missing,
                            "): install gstreamer1.0-plugins-bad and gstreamer1.0-plugins-good, or "
                            "set thumbnail_interval=0"));
}

bool IsBlankPicture(const Thumbnail& t) { return t.luma_stddev < kBlankLumaStddev; }

absl::StatusOr<Thumbnail> RenderThumbnail(GstCaps* caps, GstBuffer* keyframe,
                                          const RenderOptions& options) {
  if (caps == nullptr || gst_caps_is_empty(caps) || keyframe == nullptr) {
    return DecodeFailed("no caps or no keyframe");
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const absl::string_view name = gst_structure_get_name(s);
  const CodecElements* codec = nullptr;
  for (const CodecElements& c : kCodecs) {
    if (c.caps_name == name) codec = &c;
  }
  if (codec == nullptr) {
    return Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC",
                 absl::StrCat("no thumbnails for ", name));
  }
  int width = 0;
  int height = 0;
  int par_n = 1;
  int par_d = 1;
  gst_structure_get_int(s, "width", &width);
  gst_structure_get_int(s, "height", &height);
  gst_structure_get_fraction(s, "pixel-aspect-ratio", &par_n, &par_d);
  const Size size = ThumbnailSize(width, height, par_n, par_d, options.max_size);

  OwnedPipeline pipeline;
  GstElement* src = gst_element_factory_make("appsrc", nullptr);
  GstElement* parser = gst_element_factory_make(codec->parser, nullptr);
  GstElement* decoder = gst_element_factory_make(codec->decoder, nullptr);
  GstElement* scale = gst_element_factory_make("videoscale", nullptr);
  GstElement* convert = gst_element_factory_make("videoconvert", nullptr);
  GstElement* filter = gst_element_factory_make("capsfilter", nullptr);
  GstElement* encoder = gst_element_factory_make("jpegenc", nullptr);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  GstElement* all[] = {src, parser, decoder, scale, convert, filter, encoder, sink};
  if (pipeline.get() == nullptr ||
      std::any_of(std::begin(all), std::end(all), [](GstElement* e) { return e == nullptr; })) {
    for (GstElement* e : all) {
      if (e != nullptr) gst_object_unref(gst_object_ref_sink(e));
    }
    return Error(absl::StatusCode::kFailedPrecondition, "THUMBNAIL_ELEMENT_MISSING",
                 absl::StrCat("a GStreamer element is missing (", codec->parser, ", ",
                              codec->decoder, ", videoconvert, videoscale, jpegenc)"));
  }
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, nullptr);
  // One thread per decode: the worker pool is the concurrency, not the decoder.
  SetIfPresent(decoder, "max-threads", 1);
  // A damaged keyframe gives no picture rather than a smeared one.
  SetIfPresent(decoder, "output-corrupt", false);
  GstCaps* out_caps =
      size.width > 0
          ? gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width",
                                G_TYPE_INT, size.width, "height", G_TYPE_INT, size.height,
                                "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr)
          : gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width",
                                GST_TYPE_INT_RANGE, 2, options.max_size, "height",
                                GST_TYPE_INT_RANGE, 2, options.max_size, "pixel-aspect-ratio",
                                GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(filter, "caps", out_caps, nullptr);
  gst_caps_unref(out_caps);
  g_object_set(encoder, "quality", std::clamp(options.jpeg_quality, 1, 100), nullptr);
  // EOS is the signal that the picture (if any) is in the sink: it must not wait to be pulled.
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, "wait-on-eos", FALSE, nullptr);

  gst_bin_add_many(GST_BIN(pipeline.get()), src, parser, decoder, scale, convert, filter, encoder,
                   sink, nullptr);
  // Scaled while still YUV (the small picture is converted), then RGB for the encoder: jpegenc
  // writes the YUV it is given as full-range JFIF, so limited-range video passed as YUV would
  // come out washed out; from RGB libjpeg converts to JFIF's range itself.
  if (!gst_element_link_many(src, parser, decoder, scale, convert, filter, encoder, sink,
                             nullptr)) {
    return Error(absl::StatusCode::kInternal, "THUMBNAIL_PIPELINE", "cannot link the decoder");
  }
  PictureStats stats;
  GstPad* measured = gst_element_get_static_pad(filter, "src");
  gst_pad_add_probe(measured, GST_PAD_PROBE_TYPE_BUFFER, &MeasurePicture, &stats, nullptr);
  gst_object_unref(measured);

  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return Error(absl::StatusCode::kInternal, "THUMBNAIL_PIPELINE", "decoder refused to start");
  }
  // The keyframe twice, in buffers of our own sharing its memory. A stream with B-frames
  // announces a reorder delay, and openh264 holds its picture back for it without releasing it
  // at the end of the stream; the second keyframe (an IDR: it ends every reorder window) makes
  // the decoder output the first. Only the first picture is measured and taken.
  for (GstClockTime pts : {GstClockTime{0}, GstClockTime{GST_SECOND / 30}}) {
    GstBuffer* input = gst_buffer_copy_region(keyframe, GST_BUFFER_COPY_MEMORY, 0, -1);
    GST_BUFFER_PTS(input) = pts;
    GST_BUFFER_DTS(input) = pts;
    gst_app_src_push_buffer(GST_APP_SRC(src), input);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));

  GstBus* bus = gst_element_get_bus(pipeline.get());
  GstMessage* msg = gst_bus_timed_pop_filtered(
      bus, static_cast<GstClockTime>(absl::ToInt64Nanoseconds(options.timeout)),
      static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  gst_object_unref(bus);
  if (msg == nullptr) {
    return Error(absl::StatusCode::kDeadlineExceeded, "THUMBNAIL_TIMEOUT",
                 "the keyframe did not decode in time");
  }
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    std::string text = ErrorText(msg);
    gst_message_unref(msg);
    return DecodeFailed(text);
  }
  gst_message_unref(msg);
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0);
  if (sample == nullptr) return DecodeFailed("the keyframe gave no picture");
  Thumbnail out;
  GstBuffer* jpeg = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (jpeg != nullptr && gst_buffer_map(jpeg, &map, GST_MAP_READ)) {
    out.jpeg.assign(reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(jpeg, &map);
  }
  gst_sample_unref(sample);
  if (out.jpeg.empty() || !stats.seen) return DecodeFailed("the encoder gave no picture");
  out.width = stats.width;
  out.height = stats.height;
  out.luma_mean = stats.luma_mean;
  out.luma_stddev = stats.luma_stddev;
  return out;
}

// ---- The worker and its sessions -------------------------------------------------------------

struct GstUnref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};

struct Thumbnailer::Job {
  std::shared_ptr<Session> session;
  std::unique_ptr<GstCaps, GstUnref> caps;
  std::unique_ptr<GstBuffer, GstUnref> keyframe;
  bool poster_candidate = false;  // Far enough into the session to be its poster.
};

class Thumbnailer::Session final : public KeyframeSink,
                                   public std::enable_shared_from_this<Session> {
 public:
  Session(Thumbnailer& owner, std::string stream_id, fs::path dir)
      : owner_(owner), stream_id_(std::move(stream_id)), dir_(std::move(dir)) {}

  void OfferKeyframe(GstPad* pad, GstBuffer* buffer) override;
  void OfferH264Keyframe(int64_t pts_ns, int width, int height,
                         std::span<const uint8_t> annex_b) override;
  void Finish() override;

  const std::string& stream_id() const { return stream_id_; }

  // The worker is done with this session's job: `rendered` is the picture, or null if it
  // failed.
  void Done(const Thumbnail* rendered, bool poster_candidate);

 private:
  // Tells the recorder, unless everything known is recorded already.
  void RecordIfNeeded();
  // Queues the keyframe at `at` when it is due and the stream has none in work; `fill` puts
  // its caps and buffer into the job (false: none to take).
  template <typename Fill>
  void Take(int64_t at, Fill fill);

  Thumbnailer& owner_;
  const std::string stream_id_;
  const fs::path dir_;

  std::mutex record_mu_;  // Taken before mu_, never while holding it.
  std::mutex mu_;
  std::condition_variable idle_;
  std::optional<int64_t> first_pts_;  // Of the session's first keyframe.
  std::optional<int64_t> last_pts_;   // Of the last keyframe taken.
  bool busy_ = false;                 // A keyframe is queued or in work.
  bool finished_ = false;
  int written_ = 0;
  bool poster_exists_ = false;  // This session made it, or found one.
  bool thumbnail_recorded_ = false;
  bool poster_recorded_ = false;
};

void Thumbnailer::Session::OfferKeyframe(GstPad* pad, GstBuffer* buffer) {
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
  Take(static_cast<int64_t>(pts), [pad, buffer](Job& job) {
    GstCaps* caps = gst_pad_get_current_caps(pad);
    if (caps == nullptr) return false;
    job.caps.reset(caps);
    // Our own buffer object sharing the keyframe's memory: nothing is copied on the media
    // thread.
    job.keyframe.reset(gst_buffer_copy_region(buffer, GST_BUFFER_COPY_MEMORY, 0, -1));
    return true;
  });
}

void Thumbnailer::Session::OfferH264Keyframe(int64_t pts_ns, int width, int height,
                                             std::span<const uint8_t> annex_b) {
  if (pts_ns < 0 || annex_b.empty()) return;
  Take(pts_ns, [pts_ns, width, height, annex_b](Job& job) {
    GstCaps* caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING,
                                        "byte-stream", "alignment", G_TYPE_STRING, "au", nullptr);
    if (width > 0 && height > 0) {
      gst_caps_set_simple(caps, "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
                          nullptr);
    }
    job.caps.reset(caps);
    // One copy, of a keyframe that is due (one per interval), not of every keyframe.
    GstBuffer* buffer = gst_buffer_new_memdup(annex_b.data(), annex_b.size());
    GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(pts_ns);
    GST_BUFFER_DTS(buffer) = static_cast<GstClockTime>(pts_ns);
    job.keyframe.reset(buffer);
    return true;
  });
}

template <typename Fill>
void Thumbnailer::Session::Take(int64_t at, Fill fill) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  if (!first_pts_) first_pts_ = at;
  if (last_pts_ && at - *last_pts_ < absl::ToInt64Nanoseconds(owner_.options_.interval) &&
      at >= *last_pts_) {
    return;  // Not due. (Earlier than the last one taken: a new timeline; take it.)
  }
  if (busy_) {
    if (owner_.dropped_busy_ != nullptr) owner_.dropped_busy_->Increment();
    return;
  }
  Job job;
  job.session = shared_from_this();
  if (!fill(job)) return;
  job.poster_candidate =
      at - *first_pts_ >= absl::ToInt64Nanoseconds(owner_.options_.poster_after);
  if (!owner_.Enqueue(std::move(job))) {
    if (owner_.dropped_full_ != nullptr) owner_.dropped_full_->Increment();
    return;
  }
  busy_ = true;
  last_pts_ = at;
}

void Thumbnailer::Session::Done(const Thumbnail* rendered, bool poster_candidate) {
  bool wrote = false;
  bool poster_made = false;
  std::string write_failure;
  if (rendered != nullptr) {
    bool want_poster = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      want_poster = poster_candidate && !poster_exists_ && !IsBlankPicture(*rendered);
    }
    // The same temporary name every time: a stream has one job at a time, and the origin never
    // serves a name ending in .tmp.
    const fs::path tmp = dir_ / absl::StrCat(kThumbnailFile, ".tmp");
    std::string failure;
    if (absl::Status s = WriteFile(tmp, rendered->jpeg, /*sync=*/want_poster); !s.ok()) {
      failure = std::string(s.message());
    } else {
      bool poster_exists = false;
      if (want_poster) {
        // The poster shares the new thumbnail's inode: it stays when thumb.jpg is replaced.
        std::string link_error;
        poster_exists = LinkOnce(tmp, dir_ / kPosterFile, &poster_made, &link_error);
        if (!poster_exists) {
          log::Warn("thumbnail_poster_not_written")
              .Kv("stream_id", stream_id_)
              .Kv("error", link_error);
        }
      }
      if (::rename(tmp.c_str(), (dir_ / kThumbnailFile).c_str()) != 0) {
        failure = absl::StrCat("rename: ", std::strerror(errno));
        ::unlink(tmp.c_str());
      } else {
        wrote = true;
      }
      if (poster_made) SyncDirectory(dir_);
      std::lock_guard<std::mutex> lock(mu_);
      if (poster_exists) poster_exists_ = true;
    }
    write_failure = failure;
  }
  bool first = false;
  {
    // Free for the next keyframe before anything is counted, so whoever sees the count sees a
    // session ready to take one; the record below is serialised apart (record_mu_).
    std::lock_guard<std::mutex> lock(mu_);
    if (wrote) first = ++written_ == 1;
    busy_ = false;
    idle_.notify_all();
  }
  if (!write_failure.empty()) {
    if (owner_.failed_write_ != nullptr) owner_.failed_write_->Increment();
    log::Warn("thumbnail_write_failed").Kv("stream_id", stream_id_).Kv("error", write_failure);
  }
  if (wrote && owner_.written_ != nullptr) owner_.written_->Increment();
  if (poster_made && owner_.posters_ != nullptr) owner_.posters_->Increment();
  if (first || poster_made) {
    log::Info(poster_made ? "thumbnail_poster_written" : "thumbnail_first_written")
        .Kv("stream_id", stream_id_)
        .Kv("width", rendered->width)
        .Kv("height", rendered->height)
        .Kv("bytes", rendered->jpeg.size());
  }
  if (wrote) RecordIfNeeded();
}

void Thumbnailer::Session::RecordIfNeeded() {
  // One record at a time: a finishing session waits here for the worker's record in flight
  // instead of telling the same thing twice.
  std::lock_guard<std::mutex> recording(record_mu_);
  bool poster = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (written_ == 0) return;
    if (thumbnail_recorded_ && (!poster_exists_ || poster_recorded_)) return;
    poster = poster_exists_;
  }
  absl::Status s = owner_.recorder_ ? owner_.recorder_(stream_id_, poster) : absl::OkStatus();
  if (!s.ok()) {
    // Tried again with the next thumbnail and when the session finishes.
    if (owner_.record_failures_ != nullptr) owner_.record_failures_->Increment();
    log::Warn("thumbnail_not_recorded")
        .Kv("stream_id", stream_id_)
        .Kv("code", absl::StatusCodeToString(s.code()))
        .Kv("detail", std::string(s.message()));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  thumbnail_recorded_ = true;
  if (poster) poster_recorded_ = true;
}

void Thumbnailer::Session::Finish() {
  bool make_poster = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (!idle_.wait_for(lock, absl::ToChronoNanoseconds(owner_.options_.finish_timeout),
                        [this] { return !busy_; })) {
      log::Warn("thumbnail_finish_timeout").Kv("stream_id", stream_id_);
      return;  // The worker finishes that job on its own.
    }
    make_poster = !poster_exists_ && written_ > 0;
  }
  if (make_poster) {
    // No good picture came late enough: the session's last thumbnail is better than none.
    bool made = false;
    std::string error;
    const bool exists =
        LinkOnce(dir_ / kThumbnailFile, dir_ / kPosterFile, &made, &error);
    if (made) {
      SyncDirectory(dir_);
      if (owner_.posters_ != nullptr) owner_.posters_->Increment();
      log::Info("thumbnail_poster_written").Kv("stream_id", stream_id_).Kv("fallback", true);
    } else if (!exists) {
      log::Warn("thumbnail_poster_not_written").Kv("stream_id", stream_id_).Kv("error", error);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (exists) poster_exists_ = true;
  }
  RecordIfNeeded();
}

Thumbnailer::Thumbnailer(ThumbnailerOptions options, ThumbnailRecorder recorder,
                         prometheus::Registry* registry)
    : options_(std::move(options)), recorder_(std::move(recorder)) {
  if (registry != nullptr) {
    written_ = &prometheus::BuildCounter()
                    .Name("ingest_thumbnails_written_total")
                    .Help("Live thumbnails (thumb.jpg) written")
                    .Register(*registry)
                    .Add({});
    posters_ = &prometheus::BuildCounter()
                    .Name("ingest_thumbnail_posters_written_total")
                    .Help("Posters (poster.jpg) kept for recordings")
                    .Register(*registry)
                    .Add({});
    auto& failed = prometheus::BuildCounter()
                       .Name("ingest_thumbnails_failed_total")
                       .Help("Keyframes taken for a thumbnail that gave none, by stage")
                       .Register(*registry);
    failed_decode_ = &failed.Add({{"stage", "decode"}});
    failed_write_ = &failed.Add({{"stage", "write"}});
    auto& dropped = prometheus::BuildCounter()
                        .Name("ingest_thumbnails_dropped_total")
                        .Help("Keyframes due for a thumbnail but dropped, by reason")
                        .Register(*registry);
    dropped_busy_ = &dropped.Add({{"reason", "busy"}});
    dropped_full_ = &dropped.Add({{"reason", "queue_full"}});
    record_failures_ = &prometheus::BuildCounter()
                            .Name("ingest_thumbnail_record_failures_total")
                            .Help("Thumbnails or posters the database did not take (retried)")
                            .Register(*registry)
                            .Add({});
    render_seconds_ = &prometheus::BuildHistogram()
                           .Name("ingest_thumbnail_render_seconds")
                           .Help("Decoding, scaling and encoding one keyframe")
                           .Register(*registry)
                           .Add({}, prometheus::Histogram::BucketBoundaries{
                                        0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2});
  }
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Thumbnailer::~Thumbnailer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  // Jobs never run release their keyframes here.
}

std::shared_ptr<KeyframeSink> Thumbnailer::OpenSession(std::string stream_id,
                                                       fs::path stream_dir) {
  return std::make_shared<Session>(*this, std::move(stream_id), std::move(stream_dir));
}

bool Thumbnailer::Enqueue(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void Thumbnailer::WorkerLoop() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Process(job);
  }
}

void Thumbnailer::Process(Job& job) {
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<Thumbnail> rendered =
      RenderThumbnail(job.caps.get(), job.keyframe.get(), options_.render);
  if (render_seconds_ != nullptr) {
    render_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  job.keyframe.reset();  // The stream's memory, back as soon as possible.
  job.caps.reset();
  if (!rendered.ok()) {
    job.session->Done(nullptr, false);
    if (failed_decode_ != nullptr) failed_decode_->Increment();
    log::Warn("thumbnail_failed")
        .Kv("stream_id", job.session->stream_id())
        .Kv("reason", ReasonOf(rendered.status()))
        .Kv("detail", std::string(rendered.status().message()));
    return;
  }
  job.session->Done(&*rendered, job.poster_candidate);
}

absl::StatusOr<std::unique_ptr<Packager>> ThumbnailingPackagerFactory::Start(
    PackagerOptions options, LivePlaylist& playlist, PackagerEvents events) {
  if (!options.keyframes) {
    options.keyframes = thumbnailer_.OpenSession(options.stream_id, options.stream_dir);
  }
  return inner_.Start(std::move(options), playlist, std::move(events));
}

}  // namespace shopcast::video_ingest::media
