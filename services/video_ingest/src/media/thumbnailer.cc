#include "media/thumbnailer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

extern "C" {
#include <jpeglib.h>
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "media/libav_support.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace fs = std::filesystem;

namespace {

// The libavcodec decoders of a codec's parsed access units (caps name → decoder name), asked for
// by name so that no other decoder registered for the codec is picked. HEVC is here for the
// ladder's HEVC input; the packager offers whatever its video branch parses.
struct CodecDecoder {
  absl::string_view caps_name;
  const char* decoder;
};
constexpr CodecDecoder kCodecs[] = {
    {"video/x-h264", "h264"},
    {"video/x-h265", "hevc"},
};
constexpr size_t kCodecCount = std::size(kCodecs);

// A picture whose luma varies less than this (out of 255) is black, a fade or a flat card.
constexpr double kBlankLumaStddev = 4.0;

// Pictures larger than 8K UHD are refused by the decoder before it allocates them: a lying SPS
// cannot make a worker allocate gigabytes.
constexpr int64_t kMaxPixels = int64_t{8192} * 4320;

absl::Status DecodeFailed(absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "THUMBNAIL_DECODE_FAILED", message);
}

// ---- JPEG (libjpeg-turbo) ----

struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void JpegFail(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

void JpegQuiet(j_common_ptr /*cinfo*/) {}

// Encodes packed RGB as a baseline JFIF (YCbCr 4:2:0, as jpegenc wrote it); libjpeg converts
// RGB to JFIF's full-range BT.601 itself. Only trivially destructible objects live in this frame:
// libjpeg reports errors by longjmp. The output is malloc'ed by libjpeg (free() it), also when
// it fails; `error` gets libjpeg's message.
bool EncodeJpeg(const uint8_t* rgb, int stride, int width, int height, int quality,
                unsigned char** out, unsigned long* out_size, char* error) {
  jpeg_compress_struct cinfo;
  JpegErrors errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = &JpegFail;
  errors.mgr.output_message = &JpegQuiet;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_compress(&cinfo);
    std::snprintf(error, JMSG_LENGTH_MAX, "%s", errors.message);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, out_size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(rgb + static_cast<ptrdiff_t>(cinfo.next_scanline) * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

// ---- Colour ----

// The matrix a picture's YUV was made with, for libswscale (which takes AVColorSpace values).
// Untagged video is guessed as players guess it: BT.709 for HD sizes, BT.601 below.
int ColourMatrix(const AVFrame& f) {
  if (f.colorspace != AVCOL_SPC_UNSPECIFIED && f.colorspace != AVCOL_SPC_RESERVED &&
      f.colorspace != AVCOL_SPC_RGB) {
    return f.colorspace;
  }
  return f.height > 576 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
}

bool FullRange(const AVFrame& f) {
  switch (static_cast<AVPixelFormat>(f.format)) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
      return true;
    default:
      return f.color_range == AVCOL_RANGE_JPEG;
  }
}

// The buffer libjpeg's memory destination allocated.
struct MallocFree {
  void operator()(unsigned char* p) const { std::free(p); }
};

// Makes `frame` a `format` picture of `width` × `height` unless it is one already.
bool Reshape(AVFrame* frame, AVPixelFormat format, int width, int height) {
  if (frame->format == format && frame->width == width && frame->height == height &&
      frame->data[0] != nullptr) {
    return true;
  }
  av_frame_unref(frame);
  frame->format = format;
  frame->width = width;
  frame->height = height;
  return av_frame_get_buffer(frame, 0) == 0;
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

absl::Status CheckThumbnailDecoders() {
  std::string missing;
  for (const CodecDecoder& c : kCodecs) {
    if (avcodec_find_decoder_by_name(c.decoder) == nullptr) {
      absl::StrAppend(&missing, missing.empty() ? "" : ", ", c.decoder);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "THUMBNAIL_DECODER_MISSING",
               absl::StrCat("the libavcodec this process loaded has no ", missing,
                            " decoder for thumbnails: install Debian's libavcodec, or set "
                            "thumbnail_interval=0"));
}

bool IsBlankPicture(const Thumbnail& t) { return t.luma_stddev < kBlankLumaStddev; }

struct ThumbnailRenderer::State {
  State() { InstallLibavLogCapture(); }
  ~State() {
    sws_freeContext(scaler);
    sws_freeContext(to_rgb);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // The decoder of kCodecs[codec], opened on first use.
  absl::StatusOr<AVCodecContext*> Decoder(size_t codec);
  // Decodes one access unit into `decoded`; the decoder is ready for the next one afterwards.
  absl::Status Decode(size_t codec, const uint8_t* data, size_t size, const LibavErrors& errors);

  std::array<std::unique_ptr<AVCodecContext, CodecContextFree>, kCodecCount> decoders;
  std::unique_ptr<AVPacket, PacketFree> packet{av_packet_alloc()};
  std::unique_ptr<AVFrame, FrameFree> decoded{av_frame_alloc()};
  std::unique_ptr<AVFrame, FrameFree> scaled{av_frame_alloc()};
  std::unique_ptr<AVFrame, FrameFree> rgb{av_frame_alloc()};
  // Kept between renders (sws_getCachedContext makes new ones only when a stream's size or
  // format differs from the last one's).
  SwsContext* scaler = nullptr;
  SwsContext* to_rgb = nullptr;
};

absl::StatusOr<AVCodecContext*> ThumbnailRenderer::State::Decoder(size_t codec) {
  if (decoders[codec]) return decoders[codec].get();
  const AVCodec* decoder = avcodec_find_decoder_by_name(kCodecs[codec].decoder);
  if (decoder == nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "THUMBNAIL_DECODER_MISSING",
                 absl::StrCat("libavcodec has no ", kCodecs[codec].decoder, " decoder"));
  }
  std::unique_ptr<AVCodecContext, CodecContextFree> context(avcodec_alloc_context3(decoder));
  if (context == nullptr) return absl::ResourceExhaustedError("no memory for a decoder");
  // One thread per decode: the worker pool is the concurrency, not the decoder (frame threads
  // would also each hold a picture back).
  context->thread_count = 1;
  context->thread_type = 0;
  // A damaged keyframe gives no picture rather than a smeared one.
  context->flags &= ~AV_CODEC_FLAG_OUTPUT_CORRUPT;
  context->max_pixels = kMaxPixels;
  if (const int ret = avcodec_open2(context.get(), decoder, nullptr); ret < 0) {
    return Error(
        absl::StatusCode::kInternal, "THUMBNAIL_DECODER_FAILED",
        absl::StrCat("cannot open the ", kCodecs[codec].decoder, " decoder: ", AvError(ret)));
  }
  decoders[codec] = std::move(context);
  return decoders[codec].get();
}

absl::Status ThumbnailRenderer::State::Decode(size_t codec, const uint8_t* data, size_t size,
                                              const LibavErrors& errors) {
  absl::StatusOr<AVCodecContext*> opened = Decoder(codec);
  if (!opened.ok()) return opened.status();
  AVCodecContext* context = *opened;
  av_frame_unref(decoded.get());
  if (size > static_cast<size_t>(INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)) {
    return DecodeFailed("the keyframe is too large");
  }
  // Not reference counted: libavcodec copies the bytes into a padded buffer of its own.
  packet->data = const_cast<uint8_t*>(data);
  packet->size = static_cast<int>(size);
  packet->pts = 0;
  packet->dts = 0;
  packet->flags = AV_PKT_FLAG_KEY;
  std::string failure;
  int ret = avcodec_send_packet(context, packet.get());
  av_packet_unref(packet.get());
  if (ret < 0) {
    failure = errors.Describe(absl::StrCat("the keyframe does not decode (", AvError(ret), ")"));
  } else {
    // End of stream at once: a stream with B-frames announces a reorder delay for which the
    // decoder would hold the picture back until later frames came; draining releases it now,
    // so each keyframe is decoded exactly once.
    avcodec_send_packet(context, nullptr);
    ret = avcodec_receive_frame(context, decoded.get());
    if (ret == AVERROR_EOF || ret == AVERROR(EAGAIN)) {
      failure = errors.Describe("the keyframe gave no picture");
    } else if (ret < 0) {
      failure = errors.Describe(absl::StrCat("the keyframe does not decode (", AvError(ret), ")"));
    } else if (decoded->decode_error_flags != 0 || (decoded->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
      failure = errors.Describe("the keyframe decodes to a damaged picture");
      av_frame_unref(decoded.get());
    }
  }
  if (failure.empty()) {
    // Ready for the next keyframe, of this stream or any other: flushing ends the drain and
    // forgets the reference pictures (every keyframe brings its own parameter sets).
    avcodec_flush_buffers(context);
    return absl::OkStatus();
  }
  // Whatever state bad input left behind is not carried into another stream's keyframe: the next
  // render opens a fresh decoder.
  decoders[codec].reset();
  return DecodeFailed(failure);
}

ThumbnailRenderer::ThumbnailRenderer() : state_(std::make_unique<State>()) {}

ThumbnailRenderer::~ThumbnailRenderer() = default;

absl::StatusOr<Thumbnail> ThumbnailRenderer::Render(GstCaps* caps, GstBuffer* keyframe,
                                                    const RenderOptions& options) {
  const absl::Time deadline = absl::Now() + options.timeout;
  const auto late = [&deadline] {
    return absl::Now() > deadline ? Error(absl::StatusCode::kDeadlineExceeded, "THUMBNAIL_TIMEOUT",
                                          "the keyframe did not decode in time")
                                  : absl::OkStatus();
  };
  if (caps == nullptr || gst_caps_is_empty(caps) || keyframe == nullptr) {
    return DecodeFailed("no caps or no keyframe");
  }
  State& st = *state_;
  if (st.packet == nullptr || st.decoded == nullptr || st.scaled == nullptr || st.rgb == nullptr) {
    return absl::ResourceExhaustedError("no memory for the thumbnail renderer");
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const absl::string_view name = gst_structure_get_name(s);
  std::optional<size_t> codec;
  for (size_t i = 0; i < kCodecCount; ++i) {
    if (kCodecs[i].caps_name == name) codec = i;
  }
  if (!codec) {
    return Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC",
                 absl::StrCat("no thumbnails for ", name));
  }
  // Length-prefixed access units (avc, hvc1) would need the decoder reopened with their
  // codec_data; the packagers' parsers always give Annex B.
  if (const char* format = gst_structure_get_string(s, "stream-format");
      format != nullptr && absl::string_view(format) != "byte-stream") {
    return Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC",
                 absl::StrCat("no thumbnails for ", name, " in stream-format ", format));
  }
  int par_n = 1;
  int par_d = 1;
  gst_structure_get_fraction(s, "pixel-aspect-ratio", &par_n, &par_d);

  LibavErrors errors;
  GstMapInfo map;
  if (!gst_buffer_map(keyframe, &map, GST_MAP_READ)) return DecodeFailed("unreadable keyframe");
  absl::Status decoded = st.Decode(*codec, map.data, map.size, errors);
  gst_buffer_unmap(keyframe, &map);
  if (!decoded.ok()) return decoded;
  if (absl::Status s2 = late(); !s2.ok()) return s2;

  const AVFrame& picture = *st.decoded;
  // The stream's own aspect (VUI) first, the caps' when it says none.
  if (picture.sample_aspect_ratio.num > 0 && picture.sample_aspect_ratio.den > 0) {
    par_n = picture.sample_aspect_ratio.num;
    par_d = picture.sample_aspect_ratio.den;
  }
  const Size size = ThumbnailSize(picture.width, picture.height, par_n, par_d, options.max_size);
  if (size.width == 0) return DecodeFailed("the picture has no size");
  const bool full_range = FullRange(picture);
  const int* matrix = sws_getCoefficients(ColourMatrix(picture));

  // Scaled straight to the thumbnail's size in the stream's own YUV (any bit depth or chroma
  // format in, 8-bit 4:2:0 out), range and matrix untouched: the small picture is what gets
  // measured and converted.
  st.scaler = sws_getCachedContext(
      st.scaler, picture.width, picture.height, static_cast<AVPixelFormat>(picture.format),
      size.width, size.height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (st.scaler == nullptr) {
    return DecodeFailed(errors.Describe(absl::StrCat(
        "cannot scale ", av_get_pix_fmt_name(static_cast<AVPixelFormat>(picture.format)))));
  }
  sws_setColorspaceDetails(st.scaler, matrix, full_range, matrix, full_range, 0, 1 << 16, 1 << 16);
  if (!Reshape(st.scaled.get(), AV_PIX_FMT_YUV420P, size.width, size.height) ||
      !Reshape(st.rgb.get(), AV_PIX_FMT_RGB24, size.width, size.height)) {
    return absl::ResourceExhaustedError("no memory for the thumbnail");
  }
  const int scaled_rows = sws_scale(st.scaler, picture.data, picture.linesize, 0, picture.height,
                                    st.scaled->data, st.scaled->linesize);
  av_frame_unref(st.decoded.get());  // The decoder's picture back to its pool.
  if (scaled_rows != size.height) return DecodeFailed(errors.Describe("the scaler failed"));

  // Luma statistics from the scaled Y plane, in full range (0..255) whatever the stream's.
  Thumbnail out;
  out.width = size.width;
  out.height = size.height;
  uint64_t sum = 0;
  uint64_t sum_sq = 0;
  for (int row = 0; row < size.height; ++row) {
    const uint8_t* y = st.scaled->data[0] + static_cast<ptrdiff_t>(row) * st.scaled->linesize[0];
    for (int col = 0; col < size.width; ++col) {
      sum += y[col];
      sum_sq += uint64_t{y[col]} * y[col];
    }
  }
  const double n = static_cast<double>(size.width) * size.height;
  const double mean = static_cast<double>(sum) / n;
  const double stddev = std::sqrt(std::max(0.0, static_cast<double>(sum_sq) / n - mean * mean));
  const double gain = full_range ? 1.0 : 255.0 / 219.0;
  out.luma_mean = std::clamp((full_range ? mean : mean - 16) * gain, 0.0, 255.0);
  out.luma_stddev = stddev * gain;

  // RGB for the encoder, with the stream's matrix and range: JFIF is full-range BT.601, and
  // libjpeg gets there from RGB itself (YUV handed over as it is would come out washed out, or
  // with BT.709's colours shifted).
  st.to_rgb =
      sws_getCachedContext(st.to_rgb, size.width, size.height, AV_PIX_FMT_YUV420P, size.width,
                           size.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (st.to_rgb == nullptr) return DecodeFailed(errors.Describe("cannot convert to RGB"));
  sws_setColorspaceDetails(st.to_rgb, matrix, full_range, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                           1 << 16, 1 << 16);
  if (sws_scale(st.to_rgb, st.scaled->data, st.scaled->linesize, 0, size.height, st.rgb->data,
                st.rgb->linesize) != size.height) {
    return DecodeFailed(errors.Describe("the RGB conversion failed"));
  }

  unsigned char* jpeg = nullptr;
  unsigned long jpeg_size = 0;
  char jpeg_error[JMSG_LENGTH_MAX] = {};
  const bool encoded =
      EncodeJpeg(st.rgb->data[0], st.rgb->linesize[0], size.width, size.height,
                 std::clamp(options.jpeg_quality, 1, 100), &jpeg, &jpeg_size, jpeg_error);
  std::unique_ptr<unsigned char, MallocFree> owned(jpeg);
  if (!encoded || jpeg == nullptr || jpeg_size == 0) {
    return Error(absl::StatusCode::kInternal, "THUMBNAIL_ENCODE_FAILED",
                 absl::StrCat("the JPEG encoder failed: ", jpeg_error));
  }
  out.jpeg.assign(reinterpret_cast<const char*>(jpeg), jpeg_size);
  if (absl::Status s2 = late(); !s2.ok()) return s2;
  return out;
}

// ---- The worker and its sessions -------------------------------------------------------------

struct GstUnref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};

// A session's latest keyframe: the GStreamer packager's caps and a buffer object sharing its
// memory, or the native packager's Annex B bytes (copied once, into a buffer reused while no
// render holds it) and picture size, turned into caps and a buffer on the worker.
struct KeptKeyframe {
  int64_t pts = 0;
  std::shared_ptr<GstCaps> caps;
  std::shared_ptr<GstBuffer> buffer;
  std::shared_ptr<std::vector<uint8_t>> bytes;
  int width = 0;
  int height = 0;
};

struct Thumbnailer::Job {
  std::shared_ptr<Session> session;
  Cause cause = Cause::kRecord;  // kRecord: nothing to render, only the record to make.
  KeptKeyframe keyframe;
  bool poster_candidate = false;  // Far enough into the session to be its poster.
  bool force_poster = false;      // The session's end: any picture is better than none.
};

class Thumbnailer::Session final : public KeyframeSink,
                                   public std::enable_shared_from_this<Session> {
 public:
  Session(Thumbnailer& owner, std::string stream_id, fs::path dir)
      : owner_(owner), stream_id_(std::move(stream_id)), dir_(std::move(dir)) {
    // A poster from an earlier session or another replica: nothing to render for it.
    std::error_code ec;
    poster_exists_ = fs::exists(dir_ / kPosterFile, ec);
  }

  void OfferKeyframe(GstPad* pad, GstBuffer* buffer) override;
  void OfferH264Keyframe(int64_t pts_ns, int width, int height,
                         std::span<const uint8_t> annex_b) override;
  void Finish() override;

  const std::string& stream_id() const { return stream_id_; }

  // See ThumbnailSource::RefreshThumbnail.
  Refresh RequestRender(std::function<void(bool)> done);

  // The worker is done with this session's job: `rendered` is the picture, or null if it
  // failed.
  void Done(const Job& job, const Thumbnail* rendered);
  // The worker ran a record-only job.
  void Recorded();

 private:
  // Tells the recorder, unless everything known is recorded already.
  void RecordIfNeeded();
  // Keeps `kept` as the latest keyframe and queues what is due (under mu_).
  void Keep(KeptKeyframe kept);
  // Queues a render of the latest keyframe for `cause` (under mu_); false if the queue is full.
  bool QueueRender(Cause cause, bool force_poster);

  Thumbnailer& owner_;
  const std::string stream_id_;
  const fs::path dir_;

  std::mutex record_mu_;  // Taken before mu_, never while holding it.
  std::mutex mu_;
  std::condition_variable idle_;
  std::optional<int64_t> first_pts_;        // Of the session's first keyframe.
  std::optional<int64_t> last_pts_;         // Of the last keyframe offered.
  std::optional<int64_t> eager_pts_;        // kEager: of the last keyframe taken by the interval.
  std::optional<int64_t> rendered_pts_;     // Of the keyframe thumb.jpg shows (this session).
  std::optional<int64_t> poster_retry_at_;  // kLazy: no poster render before this PTS.
  absl::Duration poster_backoff_;
  std::optional<KeptKeyframe> latest_;
  std::shared_ptr<std::vector<uint8_t>> spare_bytes_;  // The native path's reused buffer.
  bool busy_ = false;                                  // A render is queued or in work.
  bool record_queued_ = false;                         // A record-only job is queued.
  bool finished_ = false;
  std::vector<std::function<void(bool)>> waiters_;  // Requests answered by the render in work.
  int written_ = 0;
  bool poster_exists_ = false;  // This session made it, or found one.
  bool thumbnail_recorded_ = false;
  bool poster_recorded_ = false;
};

void Thumbnailer::Session::OfferKeyframe(GstPad* pad, GstBuffer* buffer) {
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) return;
  KeptKeyframe kept;
  kept.pts = static_cast<int64_t>(pts);
  kept.caps = std::shared_ptr<GstCaps>(caps, GstUnref{});
  // Our own buffer object sharing the keyframe's memory: nothing is copied on the media
  // thread.
  kept.buffer = std::shared_ptr<GstBuffer>(
      gst_buffer_copy_region(buffer, GST_BUFFER_COPY_MEMORY, 0, -1), GstUnref{});
  std::lock_guard<std::mutex> lock(mu_);
  Keep(std::move(kept));
}

void Thumbnailer::Session::OfferH264Keyframe(int64_t pts_ns, int width, int height,
                                             std::span<const uint8_t> annex_b) {
  if (pts_ns < 0 || annex_b.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  // The packager's bytes are gone after this call: one copy per keyframe (a GOP), into the
  // buffer of the keyframe before last unless a render still holds it. Only this thread and,
  // under mu_, the queueing hand it out, so a use count of one means nobody else can read it.
  std::shared_ptr<std::vector<uint8_t>> bytes = std::move(spare_bytes_);
  if (!bytes || bytes.use_count() > 1) bytes = std::make_shared<std::vector<uint8_t>>();
  bytes->assign(annex_b.begin(), annex_b.end());
  KeptKeyframe kept;
  kept.pts = pts_ns;
  kept.bytes = std::move(bytes);
  kept.width = width;
  kept.height = height;
  Keep(std::move(kept));
}

void Thumbnailer::Session::Keep(KeptKeyframe kept) {
  if (finished_) return;
  const int64_t at = kept.pts;
  if (!first_pts_) first_pts_ = at;
  if (last_pts_ && at < *last_pts_) {
    // A new timeline: what was scheduled by the old one's PTS starts again.
    eager_pts_.reset();
    poster_retry_at_.reset();
  }
  last_pts_ = at;
  if (latest_ && latest_->bytes) spare_bytes_ = std::move(latest_->bytes);
  latest_ = std::move(kept);

  const ThumbnailerOptions& o = owner_.options_;
  const bool late_enough = at - *first_pts_ >= absl::ToInt64Nanoseconds(o.poster_after);
  std::optional<Cause> due;
  if (o.mode == ThumbnailMode::kEager &&
      (!eager_pts_ || at - *eager_pts_ >= absl::ToInt64Nanoseconds(o.interval))) {
    due = Cause::kEager;
  } else if (o.mode == ThumbnailMode::kLazy && !poster_exists_ && late_enough &&
             (!poster_retry_at_ || at >= *poster_retry_at_)) {
    due = Cause::kPoster;
  }
  if (due) {
    if (busy_) {
      if (owner_.dropped_busy_ != nullptr) owner_.dropped_busy_->Increment();
    } else if (QueueRender(*due, false)) {
      if (*due == Cause::kEager) eager_pts_ = at;
    } else if (owner_.dropped_full_ != nullptr) {
      owner_.dropped_full_->Increment();
    }
  }
  // From the first keyframe on a thumbnail can be served (rendered when asked): tell the
  // database, off this thread. A render queued above records after it, as well.
  if (!thumbnail_recorded_ && !record_queued_ && !busy_) {
    Job job;
    job.session = shared_from_this();
    job.cause = Cause::kRecord;
    if (owner_.Enqueue(std::move(job))) record_queued_ = true;
  }
}

bool Thumbnailer::Session::QueueRender(Cause cause, bool force_poster) {
  Job job;
  job.session = shared_from_this();
  job.cause = cause;
  job.keyframe = *latest_;
  job.poster_candidate = force_poster || latest_->pts - *first_pts_ >=
                                             absl::ToInt64Nanoseconds(owner_.options_.poster_after);
  job.force_poster = force_poster;
  if (!owner_.Enqueue(std::move(job))) return false;
  busy_ = true;
  return true;
}

ThumbnailSource::Refresh Thumbnailer::Session::RequestRender(std::function<void(bool)> done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return Refresh::kNoStream;
  if (!latest_) return Refresh::kNoKeyframe;
  if (busy_) {
    // A render in work (for the poster, the interval or another request) replaces thumb.jpg
    // with a keyframe at most a GOP older than the latest: good enough, and shared.
    waiters_.push_back(std::move(done));
    return Refresh::kRendering;
  }
  if (rendered_pts_ && *rendered_pts_ == latest_->pts) return Refresh::kCurrent;
  if (!QueueRender(Cause::kRequest, false)) {
    if (owner_.dropped_full_ != nullptr) owner_.dropped_full_->Increment();
    return Refresh::kBusy;
  }
  waiters_.push_back(std::move(done));
  return Refresh::kRendering;
}

void Thumbnailer::Session::Recorded() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    record_queued_ = false;
  }
  RecordIfNeeded();
}

void Thumbnailer::Session::Done(const Job& job, const Thumbnail* rendered) {
  bool wrote = false;
  bool poster_made = false;
  bool blank = true;
  std::string write_failure;
  if (rendered != nullptr) {
    bool want_poster = false;
    blank = IsBlankPicture(*rendered);
    {
      std::lock_guard<std::mutex> lock(mu_);
      want_poster = job.poster_candidate && !poster_exists_ && (job.force_poster || !blank);
    }
    // The same temporary name every time: a stream has one render at a time, and the origin
    // never serves a name ending in .tmp.
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
  bool finishing = false;
  std::vector<std::function<void(bool)>> waiters;
  {
    // Free for the next keyframe before anything is counted, so whoever sees the count sees a
    // session ready to take one; the record below is serialised apart (record_mu_).
    std::lock_guard<std::mutex> lock(mu_);
    if (wrote) {
      first = ++written_ == 1;
      rendered_pts_ = job.keyframe.pts;
    }
    if (!poster_exists_ && job.poster_candidate && (rendered == nullptr || blank)) {
      // Dark, flat or undecodable: the poster is tried again with a later keyframe, less and
      // less often, so a stream that stays black does not render every interval for ever.
      poster_backoff_ = poster_backoff_ == absl::ZeroDuration()
                            ? owner_.options_.interval
                            : std::min(2 * poster_backoff_, owner_.options_.poster_retry_max);
      poster_retry_at_ = job.keyframe.pts + absl::ToInt64Nanoseconds(poster_backoff_);
    }
    busy_ = false;
    finishing = finished_;
    waiters.swap(waiters_);
    idle_.notify_all();
  }
  for (auto& done : waiters) done(wrote);
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
        .Kv("bytes", rendered->jpeg.size())
        .Kv("cause", job.cause == Cause::kRequest ? "request"
                     : job.cause == Cause::kEager ? "eager"
                                                  : "poster");
  }
  // A finishing session records once itself, after this.
  if (wrote && !finishing) RecordIfNeeded();
}

void Thumbnailer::Session::RecordIfNeeded() {
  // One record at a time: a finishing session waits here for the worker's record in flight
  // instead of telling the same thing twice.
  std::lock_guard<std::mutex> recording(record_mu_);
  bool poster = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Servable once a keyframe is kept (a request renders it) or a picture was written.
    if (!first_pts_ && written_ == 0) return;
    if (thumbnail_recorded_ && (!poster_exists_ || poster_recorded_)) return;
    poster = poster_exists_;
  }
  absl::Status s = owner_.recorder_ ? owner_.recorder_(stream_id_, poster) : absl::OkStatus();
  if (!s.ok()) {
    // Tried again with the next keyframe or thumbnail and when the session finishes.
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
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(owner_.options_.finish_timeout);
  bool make_poster = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (!idle_.wait_until(lock, deadline, [this] { return !busy_; })) {
      log::Warn("thumbnail_finish_timeout").Kv("stream_id", stream_id_);
      latest_.reset();
      return;  // The worker finishes that job on its own.
    }
    if (!poster_exists_ && written_ == 0 && latest_) {
      // Nothing rendered in this session (short, or nobody asked before the poster was due):
      // its latest keyframe becomes the poster, whatever it shows.
      if (QueueRender(Cause::kPoster, /*force_poster=*/true) &&
          !idle_.wait_until(lock, deadline, [this] { return !busy_; })) {
        log::Warn("thumbnail_finish_timeout").Kv("stream_id", stream_id_);
        latest_.reset();
        return;
      }
    }
    latest_.reset();  // The stream's memory, back now.
    spare_bytes_.reset();
    make_poster = !poster_exists_ && written_ > 0;
  }
  {
    std::lock_guard<std::mutex> lock(owner_.sessions_mu_);
    auto it = owner_.sessions_.find(stream_id_);
    if (it != owner_.sessions_.end() && it->second.lock().get() == this) {
      owner_.sessions_.erase(it);
    }
  }
  if (make_poster) {
    // No good picture came late enough: the session's last thumbnail is better than none.
    bool made = false;
    std::string error;
    const bool exists = LinkOnce(dir_ / kThumbnailFile, dir_ / kPosterFile, &made, &error);
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
                           .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.02, 0.05,
                                                                            0.1, 0.2, 0.5, 1, 2});
    auto& renders = prometheus::BuildCounter()
                        .Name("ingest_thumbnail_renders_total")
                        .Help(
                            "Keyframes rendered, by cause: the poster, a thumb.jpg request, "
                            "the eager interval")
                        .Register(*registry);
    renders_poster_ = &renders.Add({{"cause", "poster"}});
    renders_request_ = &renders.Add({{"cause", "request"}});
    renders_eager_ = &renders.Add({{"cause", "eager"}});
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

std::shared_ptr<KeyframeSink> Thumbnailer::OpenSession(std::string stream_id, fs::path stream_dir) {
  auto session = std::make_shared<Session>(*this, stream_id, std::move(stream_dir));
  std::lock_guard<std::mutex> lock(sessions_mu_);
  sessions_[std::move(stream_id)] = session;
  return session;
}

ThumbnailSource::Refresh Thumbnailer::RefreshThumbnail(const std::string& stream_id,
                                                       std::function<void(bool)> done) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    auto it = sessions_.find(stream_id);
    if (it != sessions_.end()) session = it->second.lock();
  }
  if (!session) return Refresh::kNoStream;
  return session->RequestRender(std::move(done));
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
  // This thread's decoders, kept for every keyframe it renders.
  ThumbnailRenderer renderer;
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Process(job, renderer);
  }
}

void Thumbnailer::Process(Job& job, ThumbnailRenderer& renderer) {
  if (job.cause == Cause::kRecord) {
    job.session->Recorded();
    return;
  }
  prometheus::Counter* cause = job.cause == Cause::kPoster    ? renders_poster_
                               : job.cause == Cause::kRequest ? renders_request_
                                                              : renders_eager_;
  if (cause != nullptr) cause->Increment();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<GstCaps, GstUnref> made_caps;
  std::unique_ptr<GstBuffer, GstUnref> made_buffer;
  GstCaps* caps = job.keyframe.caps.get();
  GstBuffer* keyframe = job.keyframe.buffer.get();
  if (job.keyframe.bytes) {
    // The native packager's keyframe: caps and a buffer for it here, off the media thread.
    made_caps.reset(gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING,
                                        "byte-stream", "alignment", G_TYPE_STRING, "au", nullptr));
    if (job.keyframe.width > 0 && job.keyframe.height > 0) {
      gst_caps_set_simple(made_caps.get(), "width", G_TYPE_INT, job.keyframe.width, "height",
                          G_TYPE_INT, job.keyframe.height, nullptr);
    }
    made_buffer.reset(gst_buffer_new_wrapped_full(
        GST_MEMORY_FLAG_READONLY, job.keyframe.bytes->data(), job.keyframe.bytes->size(), 0,
        job.keyframe.bytes->size(), nullptr, nullptr));
    GST_BUFFER_PTS(made_buffer.get()) = static_cast<GstClockTime>(job.keyframe.pts);
    caps = made_caps.get();
    keyframe = made_buffer.get();
  }
  absl::StatusOr<Thumbnail> rendered = renderer.Render(caps, keyframe, options_.render);
  if (render_seconds_ != nullptr) {
    render_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  // The stream's memory, back as soon as possible (the wrapper before the bytes it shows).
  made_buffer.reset();
  made_caps.reset();
  job.keyframe.caps.reset();
  job.keyframe.buffer.reset();
  job.keyframe.bytes.reset();
  if (!rendered.ok()) {
    job.session->Done(job, nullptr);
    if (failed_decode_ != nullptr) failed_decode_->Increment();
    log::Warn("thumbnail_failed")
        .Kv("stream_id", job.session->stream_id())
        .Kv("reason", ReasonOf(rendered.status()))
        .Kv("detail", std::string(rendered.status().message()));
    return;
  }
  job.session->Done(job, &*rendered);
}

absl::StatusOr<std::unique_ptr<Packager>> ThumbnailingPackagerFactory::Start(
    PackagerOptions options, LivePlaylist& playlist, PackagerEvents events) {
  if (!options.keyframes) {
    options.keyframes = thumbnailer_.OpenSession(options.stream_id, options.stream_dir);
  }
  return inner_.Start(std::move(options), playlist, std::move(events));
}

}  // namespace shopcast::video_ingest::media
