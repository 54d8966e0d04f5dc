#include "media/ladder_decoder.h"

#include <gst/video/video.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <utility>

#include "absl/strings/str_cat.h"
#include "media/libav_support.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// Access units a queue may hold whatever their times say (times missing or wrapped).
constexpr size_t kMaxQueued = 4096;

// The raw format a decoded picture is handed on in (every plane copied as it is); nullopt for
// a layout the rungs are not given.
std::optional<GstVideoFormat> PictureFormat(int format, bool* full_range) {
  *full_range = false;
  switch (static_cast<AVPixelFormat>(format)) {
    case AV_PIX_FMT_YUVJ420P:
      *full_range = true;
      [[fallthrough]];
    case AV_PIX_FMT_YUV420P:
      return GST_VIDEO_FORMAT_I420;
    case AV_PIX_FMT_YUVJ422P:
      *full_range = true;
      [[fallthrough]];
    case AV_PIX_FMT_YUV422P:
      return GST_VIDEO_FORMAT_Y42B;
    case AV_PIX_FMT_YUVJ444P:
      *full_range = true;
      [[fallthrough]];
    case AV_PIX_FMT_YUV444P:
      return GST_VIDEO_FORMAT_Y444;
    case AV_PIX_FMT_YUV420P10LE:
      return GST_VIDEO_FORMAT_I420_10LE;
    case AV_PIX_FMT_GRAY8:
      return GST_VIDEO_FORMAT_GRAY8;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> LadderDecoderFor(std::string_view caps_name) {
  if (caps_name == "video/x-h264") return std::string("h264");
  if (caps_name == "video/x-h265") return std::string("hevc");
  return std::nullopt;
}

absl::Status CheckLadderDecoders() {
  for (const char* name : {"h264", "hevc"}) {
    if (avcodec_find_decoder_by_name(name) == nullptr) {
      return Error(absl::StatusCode::kFailedPrecondition, "LADDER_DECODER_MISSING",
                   absl::StrCat("the rendition ladder needs libavcodec's ", name, " decoder"));
    }
  }
  return absl::OkStatus();
}

struct LadderDecoder::State {
  std::unique_ptr<AVCodecContext, CodecContextFree> context;
  std::unique_ptr<AVPacket, PacketFree> packet;
  std::unique_ptr<AVFrame, FrameFree> frame;
  int fps_n = 0;
  int fps_d = 1;
  int par_n = 1;
  int par_d = 1;
  // The pictures' caps, made again when their format or size changes.
  GstCaps* caps = nullptr;
  GstVideoInfo info;
  int caps_format = -1;
  int caps_width = 0;
  int caps_height = 0;

  ~State() {
    if (caps != nullptr) gst_caps_unref(caps);
  }
};

LadderDecoder::LadderDecoder(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

LadderDecoder::~LadderDecoder() { Teardown(); }

absl::Status LadderDecoder::Build() {
  const AVCodec* codec = avcodec_find_decoder_by_name(options_.codec.c_str());
  if (codec == nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "LADDER_DECODER_MISSING",
                 absl::StrCat("libavcodec has no ", options_.codec, " decoder"));
  }
  InstallLibavLogCapture();  // Its lines about damaged input are dropped, not printed.
  State& s = *state_;
  s.context.reset(avcodec_alloc_context3(codec));
  s.packet.reset(av_packet_alloc());
  s.frame.reset(av_frame_alloc());
  if (!s.context || !s.packet || !s.frame) {
    return absl::ResourceExhaustedError("no memory for the ladder's decoder");
  }
  // One thread: the rungs' encoders are the concurrency (frame threads would also each hold a
  // picture back). Times stay in GStreamer's nanoseconds.
  s.context->thread_count = 1;
  s.context->thread_type = 0;
  s.context->pkt_timebase = AVRational{1, 1'000'000'000};
  if (const int ret = avcodec_open2(s.context.get(), codec, nullptr); ret < 0) {
    return Error(absl::StatusCode::kInternal, "RENDITION_FAILURE",
                 absl::StrCat("cannot open the ", options_.codec, " decoder: ", AvError(ret)));
  }
  if (options_.caps != nullptr && !gst_caps_is_empty(options_.caps)) {
    const GstStructure* st = gst_caps_get_structure(options_.caps, 0);
    gst_structure_get_fraction(st, "framerate", &s.fps_n, &s.fps_d);
    gst_structure_get_fraction(st, "pixel-aspect-ratio", &s.par_n, &s.par_d);
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void LadderDecoder::Push(GstBuffer* buffer) {
  if (failed_.load()) return;
  absl::MutexLock lock(&mu_);
  if (stop_ || eos_requested_ || queue_.size() >= kMaxQueued) return;
  queue_.push_back(gst_buffer_ref(buffer));
}

bool LadderDecoder::Overloaded() const {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= kMaxQueued) return true;
  if (queue_.size() < 2) return false;
  const GstClockTime first = GST_BUFFER_PTS(queue_.front());
  const GstClockTime last = GST_BUFFER_PTS(queue_.back());
  if (!GST_CLOCK_TIME_IS_VALID(first) || !GST_CLOCK_TIME_IS_VALID(last)) return false;
  const GstClockTime span = last > first ? last - first : first - last;
  return span > static_cast<GstClockTime>(absl::ToInt64Nanoseconds(options_.max_handoff));
}

std::string LadderDecoder::failure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

void LadderDecoder::InjectFailure() { Fail("injected decoder failure (tests)"); }

void LadderDecoder::Fail(std::string why) {
  absl::MutexLock lock(&mu_);  // Also wakes WaitEnd.
  if (failed_.exchange(true)) return;
  failure_ = std::move(why);
  log::Warn("rendition_decoder_failed")
      .Kv("stream_id", options_.stream_id)
      .Kv("decoder", options_.codec)
      .Kv("error", failure_);
}

void LadderDecoder::Run() {
  for (;;) {
    GstBuffer* buffer = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &LadderDecoder::HasWork));
      if (stop_) break;
      if (!queue_.empty()) {
        buffer = queue_.front();
        queue_.pop_front();
      }
    }
    if (buffer == nullptr) {  // The end was asked for and everything before it is decoded.
      if (!failed_.load()) Drain();
      break;
    }
    if (!failed_.load()) Decode(buffer);
    gst_buffer_unref(buffer);
  }
  absl::MutexLock lock(&mu_);
  ended_ = true;
}

void LadderDecoder::Decode(GstBuffer* buffer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  AVPacket* packet = state_->packet.get();
  // Not reference counted: libavcodec copies the bytes into a padded buffer of its own.
  packet->data = map.data;
  packet->size = static_cast<int>(map.size);
  packet->pts = GST_BUFFER_PTS_IS_VALID(buffer) ? static_cast<int64_t>(GST_BUFFER_PTS(buffer))
                                                : AV_NOPTS_VALUE;
  packet->dts = GST_BUFFER_DTS_IS_VALID(buffer) ? static_cast<int64_t>(GST_BUFFER_DTS(buffer))
                                                : AV_NOPTS_VALUE;
  packet->flags = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT) ? 0 : AV_PKT_FLAG_KEY;
  const int ret = avcodec_send_packet(state_->context.get(), packet);
  av_packet_unref(packet);
  gst_buffer_unmap(buffer, &map);
  // A damaged access unit costs its picture (and those that refer to it), as with any decoder;
  // anything else stops the decoder.
  if (ret < 0 && ret != AVERROR_INVALIDDATA) {
    Fail(absl::StrCat("libavcodec refused an access unit: ", AvError(ret)));
    return;
  }
  ReceivePictures();
}

void LadderDecoder::Drain() {
  avcodec_send_packet(state_->context.get(), nullptr);
  ReceivePictures();
}

void LadderDecoder::ReceivePictures() {
  for (;;) {
    const int ret = avcodec_receive_frame(state_->context.get(), state_->frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) {
      Fail(absl::StrCat("libavcodec failed to decode: ", AvError(ret)));
      return;
    }
    Emit();
    av_frame_unref(state_->frame.get());
    if (failed_.load()) return;
  }
}

// Hands the decoded picture on as a GstSample: its planes copied into a buffer of GStreamer's
// layout (one copy, which every rung then shares).
void LadderDecoder::Emit() {
  State& s = *state_;
  const AVFrame& f = *s.frame;
  bool full_range = false;
  const std::optional<GstVideoFormat> format = PictureFormat(f.format, &full_range);
  if (!format) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f.format));
    Fail(absl::StrCat("pictures in ", name != nullptr ? name : "an unknown layout",
                      " are not handed to the rungs"));
    return;
  }
  if (s.caps == nullptr || f.format != s.caps_format || f.width != s.caps_width ||
      f.height != s.caps_height) {
    gst_video_info_set_format(&s.info, *format, static_cast<guint>(f.width),
                              static_cast<guint>(f.height));
    s.info.fps_n = s.fps_n;
    s.info.fps_d = s.fps_d;
    if (f.sample_aspect_ratio.num > 0 && f.sample_aspect_ratio.den > 0) {
      s.info.par_n = f.sample_aspect_ratio.num;
      s.info.par_d = f.sample_aspect_ratio.den;
    } else {
      s.info.par_n = s.par_n;
      s.info.par_d = s.par_d;
    }
    if (full_range) s.info.colorimetry.range = GST_VIDEO_COLOR_RANGE_0_255;
    if (s.caps != nullptr) gst_caps_unref(s.caps);
    s.caps = gst_video_info_to_caps(&s.info);
    s.caps_format = f.format;
    s.caps_width = f.width;
    s.caps_height = f.height;
  }
  GstBuffer* out = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&s.info), nullptr);
  if (out == nullptr) {
    Fail("no memory for a picture");
    return;
  }
  GstVideoFrame vf;
  if (!gst_video_frame_map(&vf, &s.info, out, GST_MAP_WRITE)) {
    gst_buffer_unref(out);
    Fail("cannot map a picture");
    return;
  }
  // Planar layouts only (PictureFormat): component i is plane i.
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&vf); ++p) {
    av_image_copy_plane(static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&vf, p)),
                        GST_VIDEO_FRAME_PLANE_STRIDE(&vf, p), f.data[p], f.linesize[p],
                        GST_VIDEO_FRAME_COMP_WIDTH(&vf, p) * GST_VIDEO_FRAME_COMP_PSTRIDE(&vf, p),
                        GST_VIDEO_FRAME_COMP_HEIGHT(&vf, p));
  }
  gst_video_frame_unmap(&vf);
  if (f.best_effort_timestamp != AV_NOPTS_VALUE) {
    GST_BUFFER_PTS(out) = static_cast<GstClockTime>(f.best_effort_timestamp);
  }
  if (s.fps_n > 0 && s.fps_d > 0) {
    GST_BUFFER_DURATION(out) = gst_util_uint64_scale_int(GST_SECOND, s.fps_d, s.fps_n);
  }
  GstSample* sample = gst_sample_new(out, s.caps, nullptr, nullptr);
  gst_buffer_unref(out);
  if (options_.on_picture) options_.on_picture(sample);
  gst_sample_unref(sample);
}

void LadderDecoder::SendEos() {
  absl::MutexLock lock(&mu_);
  eos_requested_ = true;
}

void LadderDecoder::WaitEnd(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(this, &LadderDecoder::Ended), deadline);
}

void LadderDecoder::Teardown() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  for (GstBuffer* b : queue_) gst_buffer_unref(b);
  queue_.clear();
}

}  // namespace shopcast::video_ingest::media
