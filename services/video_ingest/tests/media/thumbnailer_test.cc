#include "media/thumbnailer.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "media/gstreamer_init.h"
#include "media/pipeline.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "shopcast/status/status.h"
#include "test_media.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A parsed access unit as the packager's video branch offers it: caps and buffer.
struct Keyframe {
  GstCaps* caps = nullptr;
  GstBuffer* buffer = nullptr;
};

class Keyframes {
 public:
  ~Keyframes() {
    for (Keyframe& k : frames_) {
      gst_caps_unref(k.caps);
      gst_buffer_unref(k.buffer);
    }
  }
  std::vector<Keyframe>& frames() { return frames_; }

 private:
  std::vector<Keyframe> frames_;
};

// Every keyframe of `file` (FLV with H.264, or MPEG-TS with HEVC) as h264parse/h265parse emit it
// in the packager: byte-stream access units with the parameter sets in band.
void LoadKeyframes(const fs::path& file, bool hevc, Keyframes& out) {
  InitGStreamer();
  const std::string codec = hevc ? "h265" : "h264";
  const std::string launch =
      absl::StrCat("filesrc location=", file.string(), " ! ", hevc ? "tsdemux" : "flvdemux", " ! ",
                   codec, "parse config-interval=-1 ! video/x-", codec,
                   ",stream-format=byte-stream,alignment=au ! appsink name=out sync=false");
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  REQUIRE(error == nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  REQUIRE(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
      out.frames().push_back(
          Keyframe{gst_caps_ref(gst_sample_get_caps(sample)), gst_buffer_ref(buffer)});
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  REQUIRE(!out.frames().empty());
}

// Converts to limited-range BT.709 and says so in the stream, as camera encoders do: untagged,
// a decoder must guess the matrix (BT.709 for HD sizes, where ffmpeg's conversion assumed
// BT.601), which shifts saturated colours by more than any thumbnail error worth catching.
constexpr char kColourTags[] =
    "-vf scale=out_color_matrix=bt709:out_range=tv -colorspace bt709 -color_primaries bt709 "
    "-color_trc bt709";

// `seconds` of a solid `color` (ffmpeg colour syntax) picture, H.264 in FLV, a keyframe a second.
fs::path SolidColour(const TempDir& dir, const std::string& name, const std::string& color,
                     const std::string& size, int seconds = 2) {
  const fs::path path = dir.path() / (name + ".flv");
  testing::CommandResult r = testing::Run(absl::StrCat(
      "ffmpeg -nostdin -v error -y -f lavfi -i color=c=", color, ":size=", size, ":rate=30 -t ",
      seconds, " ", kColourTags,
      " -c:v libx264 -preset ultrafast -g 30 -sc_threshold 0 -pix_fmt yuv420p -f flv '",
      path.string(), "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return path;
}

struct Rgb {
  double r = 0, g = 0, b = 0;
};

// What ffmpeg reads back from a JPEG: its size and its average colour.
struct JpegFacts {
  int width = 0;
  int height = 0;
  Rgb average;
};

JpegFacts ReadJpeg(const fs::path& jpeg) {
  JpegFacts facts;
  testing::CommandResult probe = testing::Run(absl::StrCat(
      "ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of "
      "csv=p=0 '",
      jpeg.string(), "'"));
  INFO(probe.output);
  REQUIRE(probe.exit_code == 0);
  std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(probe.output), ',');
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == "mjpeg");
  facts.width = std::stoi(parts[1]);
  facts.height = std::stoi(parts[2]);
  // Scaled to one pixel by area averaging: the picture's mean colour.
  const fs::path rgb = jpeg.string() + ".rgb";
  testing::CommandResult avg = testing::Run(
      absl::StrCat("ffmpeg -nostdin -v error -y -i '", jpeg.string(),
                   "' -vf scale=1:1:flags=area -f rawvideo -pix_fmt rgb24 '", rgb.string(), "'"));
  INFO(avg.output);
  REQUIRE(avg.exit_code == 0);
  std::vector<uint8_t> px = testing::ReadBytes(rgb);
  REQUIRE(px.size() == 3);
  facts.average = Rgb{double(px[0]), double(px[1]), double(px[2])};
  return facts;
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  FILE* f = fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  fwrite(bytes.data(), 1, bytes.size(), f);
  fclose(f);
}

// A pad carrying `caps`, as the packager's parser pad does.
class CapsPad {
 public:
  explicit CapsPad(GstCaps* caps) : pad_(gst_pad_new("src", GST_PAD_SRC)) {
    gst_object_ref_sink(pad_);
    gst_pad_set_active(pad_, TRUE);
    gst_pad_store_sticky_event(pad_, gst_event_new_stream_start("test"));
    GstEvent* event = gst_event_new_caps(caps);
    gst_pad_store_sticky_event(pad_, event);
    gst_event_unref(event);
  }
  ~CapsPad() {
    gst_pad_set_active(pad_, FALSE);
    gst_object_unref(pad_);
  }
  GstPad* get() const { return pad_; }

 private:
  GstPad* pad_;
};

// A keyframe's buffer retimed to `seconds` on the session's timeline.
GstBuffer* At(const Keyframe& k, double seconds) {
  GstBuffer* b = gst_buffer_copy(k.buffer);
  GST_BUFFER_PTS(b) = static_cast<GstClockTime>(seconds * GST_SECOND);
  GST_BUFFER_DTS(b) = GST_BUFFER_PTS(b);
  return b;
}

// What the recorder was told, thread-safely.
class Records {
 public:
  ThumbnailRecorder Recorder(absl::Status answer = absl::OkStatus()) {
    return [this, answer](const std::string& stream_id, bool poster) {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back({stream_id, poster});
      return answer;
    };
  }
  std::vector<std::pair<std::string, bool>> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, bool>> calls_;
};

// The value of a metric sample in the registry's text exposition ("name{labels}"), 0 if absent.
double Metric(prometheus::Registry& registry, const std::string& sample) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, sample + " ")) {
      return std::stod(std::string(line.substr(sample.size() + 1)));
    }
  }
  return 0;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

// Offers the keyframe at `seconds` until the session takes it (not dropped as busy while the
// previous one finishes); returns how many offers that took.
int OfferUntilTaken(KeyframeSink& session, GstPad* pad, const Keyframe& k, double seconds,
                    prometheus::Registry& registry) {
  const std::string busy = "ingest_thumbnails_dropped_total{reason=\"busy\"}";
  int offers = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    const double before = Metric(registry, busy);
    GstBuffer* b = At(k, seconds);
    session.OfferKeyframe(pad, b);
    gst_buffer_unref(b);
    ++offers;
    if (Metric(registry, busy) == before) return offers;
    absl::SleepFor(absl::Milliseconds(10));
  }
  FAIL("the session stayed busy");
  return offers;
}

TEST_CASE(
    "the decoders thumbnails need are in libavcodec here (the binary refuses to start without)") {
  absl::Status s = CheckThumbnailDecoders();
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("decoding never maps libavformat or a second libsrt into the process") {
  TempDir dir;
  const fs::path input = SolidColour(dir, "grey", "0x808080", "640x360");
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  ThumbnailRenderer renderer;
  REQUIRE(renderer.Render(keyframes.frames()[0].caps, keyframes.frames()[0].buffer, RenderOptions{})
              .ok());
  const std::string maps = testing::ReadText("/proc/self/maps");
  // The decoder is libavcodec's (what this checks is about the libraries it brings), and
  // libavformat, which would map Debian's other libsrt build (libsrt-gnutls), is not there.
  CHECK(absl::StrContains(maps, "libavcodec"));
  CHECK_FALSE(absl::StrContains(maps, "libsrt-gnutls"));
  CHECK_FALSE(absl::StrContains(maps, "libavformat"));
}

TEST_CASE("thumbnail sizes fit the box, keep the aspect, stay even and never upscale") {
  CHECK(ThumbnailSize(1920, 1080, 1, 1, 640).width == 640);
  CHECK(ThumbnailSize(1920, 1080, 1, 1, 640).height == 360);
  // Portrait phones: bounded by the height.
  CHECK(ThumbnailSize(1080, 1920, 1, 1, 640).width == 360);
  CHECK(ThumbnailSize(1080, 1920, 1, 1, 640).height == 640);
  // Smaller than the box: as is.
  CHECK(ThumbnailSize(320, 240, 1, 1, 640).width == 320);
  CHECK(ThumbnailSize(320, 240, 1, 1, 640).height == 240);
  // Anamorphic 720x576 with 16:15 pixels shows 768 wide: square pixels out.
  CHECK(ThumbnailSize(720, 576, 16, 15, 640).width == 640);
  CHECK(ThumbnailSize(720, 576, 16, 15, 640).height == 480);
  // Odd sizes round to even.
  CHECK(ThumbnailSize(1281, 721, 1, 1, 640).width % 2 == 0);
  CHECK(ThumbnailSize(1281, 721, 1, 1, 640).height % 2 == 0);
  // Unknown: no size (the renderer fails rather than guess).
  CHECK(ThumbnailSize(0, 720, 1, 1, 640).width == 0);
}

TEST_CASE("a solid-colour H.264 keyframe becomes a bounded JPEG of that colour") {
  TempDir dir;
  // An orange-ish 1280x720 picture: a colour far from grey, so a swapped or dropped chroma plane
  // would show.
  const fs::path input = SolidColour(dir, "orange", "0xE07020", "1280x720");
  Keyframes keyframes;
  LoadKeyframes(input, /*hevc=*/false, keyframes);
  const Keyframe& k = keyframes.frames().front();

  ThumbnailRenderer renderer;
  absl::StatusOr<Thumbnail> t = renderer.Render(k.caps, k.buffer, RenderOptions{});
  INFO(t.status().ToString());
  REQUIRE(t.ok());
  CHECK(t->width == 640);
  CHECK(t->height == 360);
  REQUIRE(t->jpeg.size() > 100);
  // The stream's own luma (BT.709's weights of 0xE07020), in full range whatever the stream's
  // (limited here).
  INFO("luma mean " << t->luma_mean);
  CHECK(std::abs(t->luma_mean - (0.2126 * 0xE0 + 0.7152 * 0x70 + 0.0722 * 0x20)) < 4);
  CHECK(static_cast<uint8_t>(t->jpeg[0]) == 0xFF);  // SOI
  CHECK(static_cast<uint8_t>(t->jpeg[1]) == 0xD8);
  // A flat picture is not a poster.
  CHECK(IsBlankPicture(*t));

  const fs::path jpeg = dir.path() / "out.jpg";
  WriteBytes(jpeg, t->jpeg);
  JpegFacts facts = ReadJpeg(jpeg);
  CHECK(facts.width == 640);
  CHECK(facts.height == 360);
  // 0xE0 0x70 0x20 through 4:2:0, limited range and two lossy codecs: a few levels off at most.
  CHECK(std::abs(facts.average.r - 0xE0) < 10);
  CHECK(std::abs(facts.average.g - 0x70) < 10);
  CHECK(std::abs(facts.average.b - 0x20) < 10);
}

TEST_CASE("a moving test pattern is a poster-worthy picture and small sources are not upscaled") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);  // testsrc2 640x360
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  ThumbnailRenderer renderer;
  absl::StatusOr<Thumbnail> t =
      renderer.Render(keyframes.frames()[0].caps, keyframes.frames()[0].buffer, RenderOptions{});
  REQUIRE(t.ok());
  CHECK(t->width == 640);
  CHECK(t->height == 360);
  CHECK_FALSE(IsBlankPicture(*t));

  const fs::path small = SolidColour(dir, "small", "0x2040C0", "320x180");
  Keyframes small_frames;
  LoadKeyframes(small, false, small_frames);
  t = renderer.Render(small_frames.frames()[0].caps, small_frames.frames()[0].buffer,
                      RenderOptions{});
  REQUIRE(t.ok());
  CHECK(t->width == 320);
  CHECK(t->height == 180);
}

TEST_CASE("an HEVC keyframe renders too: the codec comes from the caps") {
  TempDir dir;
  const fs::path input = dir.path() / "hevc.ts";
  testing::CommandResult r = testing::Run(absl::StrCat(
      "ffmpeg -nostdin -v error -y -f lavfi -i color=c=0x20C040:size=1920x1080:rate=30 -t 1 ",
      kColourTags,
      " -c:v libx265 -preset ultrafast -x265-params log-level=error -g 30 -pix_fmt yuv420p "
      "-f mpegts '",
      input.string(), "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Keyframes keyframes;
  LoadKeyframes(input, /*hevc=*/true, keyframes);
  ThumbnailRenderer renderer;
  absl::StatusOr<Thumbnail> t =
      renderer.Render(keyframes.frames()[0].caps, keyframes.frames()[0].buffer, RenderOptions{});
  INFO(t.status().ToString());
  REQUIRE(t.ok());
  const fs::path jpeg = dir.path() / "hevc.jpg";
  WriteBytes(jpeg, t->jpeg);
  JpegFacts facts = ReadJpeg(jpeg);
  CHECK(facts.width == 640);
  CHECK(facts.height == 360);
  CHECK(std::abs(facts.average.r - 0x20) < 10);
  CHECK(std::abs(facts.average.g - 0xC0) < 10);
  CHECK(std::abs(facts.average.b - 0x40) < 10);
}

TEST_CASE("one renderer decodes keyframe after keyframe across streams, codecs and sizes") {
  TempDir dir;
  // A worker's decoders serve every stream of the process in turn: each keyframe comes out as
  // its own picture, whatever the previous one was (B-frames announced, another size, HEVC).
  const fs::path pattern = dir.path() / "pattern.flv";
  testing::MakeTestMedia(pattern, "flv", 3);  // testsrc2 640x360 with B-frames
  const fs::path hevc = dir.path() / "hevc.ts";
  testing::MakeHevcMedia(hevc, 2);
  const fs::path orange = SolidColour(dir, "orange", "0xE07020", "1280x720");
  const fs::path blue = SolidColour(dir, "blue", "0x2040C0", "320x180");
  Keyframes pattern_frames, hevc_frames, orange_frames, blue_frames;
  LoadKeyframes(pattern, false, pattern_frames);
  LoadKeyframes(hevc, true, hevc_frames);
  LoadKeyframes(orange, false, orange_frames);
  LoadKeyframes(blue, false, blue_frames);
  REQUIRE(pattern_frames.frames().size() >= 2);

  ThumbnailRenderer renderer;
  struct Expected {
    const Keyframe* keyframe;
    int width;
    int height;
    bool blank;
  };
  const Expected sequence[] = {
      {&pattern_frames.frames()[0], 640, 360, false}, {&orange_frames.frames()[0], 640, 360, true},
      {&hevc_frames.frames()[0], 640, 360, false},    {&blue_frames.frames()[0], 320, 180, true},
      {&pattern_frames.frames()[1], 640, 360, false}, {&orange_frames.frames()[0], 640, 360, true},
  };
  std::vector<std::string> jpegs;
  for (const Expected& e : sequence) {
    absl::StatusOr<Thumbnail> t =
        renderer.Render(e.keyframe->caps, e.keyframe->buffer, RenderOptions{});
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    CHECK(t->width == e.width);
    CHECK(t->height == e.height);
    CHECK(IsBlankPicture(*t) == e.blank);
    jpegs.push_back(t->jpeg);
  }
  // The orange picture after four others is the orange picture it was the first time.
  const fs::path again = dir.path() / "again.jpg";
  WriteBytes(again, jpegs[5]);
  JpegFacts facts = ReadJpeg(again);
  CHECK(std::abs(facts.average.r - 0xE0) < 10);
  CHECK(std::abs(facts.average.g - 0x70) < 10);
  CHECK(std::abs(facts.average.b - 0x20) < 10);
  // Two keyframes of the moving pattern, a second apart, are different pictures.
  CHECK(jpegs[0] != jpegs[4]);
}

TEST_CASE("a picture later than the render timeout is not used") {
  TempDir dir;
  const fs::path input = SolidColour(dir, "grey", "0x808080", "640x360");
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  ThumbnailRenderer renderer;
  RenderOptions options;
  options.timeout = absl::ZeroDuration();
  absl::StatusOr<Thumbnail> t =
      renderer.Render(keyframes.frames()[0].caps, keyframes.frames()[0].buffer, options);
  CHECK(t.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(ReasonOf(t.status()) == "THUMBNAIL_TIMEOUT");
  // The renderer is fine afterwards.
  t = renderer.Render(keyframes.frames()[0].caps, keyframes.frames()[0].buffer, RenderOptions{});
  CHECK(t.ok());
}

TEST_CASE("corrupt keyframes give a clear failure, never a crash or a picture") {
  TempDir dir;
  const fs::path input = SolidColour(dir, "blue", "0x2040C0", "640x360");
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  const Keyframe& k = keyframes.frames().front();

  // Random bytes under valid caps.
  std::string junk(4000, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919 + 13) % 251);
  GstBuffer* garbage = gst_buffer_new_memdup(junk.data(), junk.size());
  ThumbnailRenderer renderer;
  absl::StatusOr<Thumbnail> t = renderer.Render(k.caps, garbage, RenderOptions{});
  CHECK_FALSE(t.ok());
  CHECK(ReasonOf(t.status()) == "THUMBNAIL_DECODE_FAILED");

  // The parameter sets and the first bytes of the slice only.
  GstBuffer* truncated = gst_buffer_copy_region(k.buffer, GST_BUFFER_COPY_MEMORY, 0,
                                                std::min<gsize>(60, gst_buffer_get_size(k.buffer)));
  t = renderer.Render(k.caps, truncated, RenderOptions{});
  INFO(t.status().ToString());
  CHECK_FALSE(t.ok());
  CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);

  // Caps of a codec we do not decode.
  GstCaps* vp9 = gst_caps_from_string("video/x-vp9,width=640,height=360");
  t = renderer.Render(vp9, k.buffer, RenderOptions{});
  CHECK(ReasonOf(t.status()) == "UNSUPPORTED_CODEC");
  gst_caps_unref(vp9);
  // Length-prefixed H.264 (avc): the packagers' parsers never give it.
  GstCaps* avc = gst_caps_from_string("video/x-h264,stream-format=avc,alignment=au");
  t = renderer.Render(avc, k.buffer, RenderOptions{});
  CHECK(ReasonOf(t.status()) == "UNSUPPORTED_CODEC");
  gst_caps_unref(avc);
  // After all that, the same renderer still decodes a good keyframe.
  t = renderer.Render(k.caps, k.buffer, RenderOptions{});
  INFO(t.status().ToString());
  CHECK(t.ok());
  gst_buffer_unref(garbage);
  gst_buffer_unref(truncated);

  // Through the worker: counted as a failure, no file, the session carries on.
  prometheus::Registry registry;
  Records records;
  ThumbnailerOptions eager;
  eager.mode = ThumbnailMode::kEager;  // every keyframe due is rendered, asked or not
  Thumbnailer thumbnailer(eager, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_bad", dir.path());
  CapsPad pad(k.caps);
  GstBuffer* bad = gst_buffer_new_memdup(junk.data(), junk.size());
  GST_BUFFER_PTS(bad) = 0;
  session->OfferKeyframe(pad.get(), bad);
  gst_buffer_unref(bad);
  REQUIRE(WaitFor(
      [&] { return Metric(registry, "ingest_thumbnails_failed_total{stage=\"decode\"}") == 1; },
      absl::Seconds(20)));
  CHECK_FALSE(fs::exists(dir.path() / kThumbnailFile));
  // A good keyframe due later still makes a thumbnail.
  GstBuffer* good = At(k, 5);
  session->OfferKeyframe(pad.get(), good);
  gst_buffer_unref(good);
  REQUIRE(WaitFor([&] { return fs::exists(dir.path() / kThumbnailFile); }, absl::Seconds(20)));
  session->Finish();
  CHECK(Metric(registry, "ingest_thumbnails_written_total") == 1);
  CHECK(records.calls().size() >= 1);
}

TEST_CASE("an eager session takes one keyframe per interval, drops what comes while it is busy") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  const Keyframe& k = keyframes.frames().front();
  CapsPad pad(k.caps);

  prometheus::Registry registry;
  Records records;
  ThumbnailerOptions options;
  options.mode = ThumbnailMode::kEager;
  options.interval = absl::Seconds(4);
  options.poster_after = absl::Seconds(3);
  Thumbnailer thumbnailer(options, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_one", dir.path());

  // Keyframes every second for 4 s, offered as fast as a media thread would: the first is
  // taken; the next ones are not due (or, if one were, the worker is still busy with it).
  for (int s = 0; s < 4; ++s) {
    GstBuffer* b = At(k, s);
    session->OfferKeyframe(pad.get(), b);
    gst_buffer_unref(b);
  }
  REQUIRE(WaitFor([&] { return Metric(registry, "ingest_thumbnails_written_total") == 1; },
                  absl::Seconds(20)));
  CHECK_FALSE(fs::exists(dir.path() / kPosterFile));  // 0 s is too early for a poster.
  // Due again at 4 s: taken; keyframes offered while it is in work are dropped as busy.
  const int offers = OfferUntilTaken(*session, pad.get(), k, 4, registry);
  for (int s = 8; s < 40; s += 4) {
    GstBuffer* b = At(k, s);
    session->OfferKeyframe(pad.get(), b);
    gst_buffer_unref(b);
  }
  REQUIRE(WaitFor([&] { return fs::exists(dir.path() / kPosterFile); }, absl::Seconds(20)));
  session->Finish();
  const double written = Metric(registry, "ingest_thumbnails_written_total");
  const double dropped = Metric(registry, "ingest_thumbnails_dropped_total{reason=\"busy\"}");
  // Every due keyframe was either written or dropped: nothing waited.
  CHECK(written >= 2);
  CHECK(written + dropped == 1 + offers + 8);
  CHECK(dropped >= 1);
  CHECK(Metric(registry, "ingest_thumbnail_posters_written_total") == 1);
  CHECK(Metric(registry, "ingest_thumbnail_render_seconds_count") == written);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"eager\"}") == written);
  // The poster is a thumbnail the stream showed; a later thumbnail never replaces it.
  CHECK(ReadJpeg(dir.path() / kPosterFile).width == 640);
  // Told once without the poster (the first thumbnail), then with it.
  std::vector<std::pair<std::string, bool>> calls = records.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == std::make_pair(std::string("str_one"), false));
  CHECK(calls[1] == std::make_pair(std::string("str_one"), true));
  // Nothing is taken after Finish.
  GstBuffer* late = At(k, 100);
  session->OfferKeyframe(pad.get(), late);
  gst_buffer_unref(late);
  CHECK(Metric(registry, "ingest_thumbnails_written_total") == written);
}

TEST_CASE(
    "blank pictures are never the poster and an eager session without a good one keeps its last") {
  TempDir dir;
  const fs::path black = SolidColour(dir, "black", "black", "640x360");
  Keyframes keyframes;
  LoadKeyframes(black, false, keyframes);
  const Keyframe& k = keyframes.frames().front();
  CapsPad pad(k.caps);
  Records records;
  prometheus::Registry registry;
  ThumbnailerOptions options;
  options.mode = ThumbnailMode::kEager;
  options.interval = absl::Seconds(1);
  Thumbnailer thumbnailer(options, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_black", dir.path());
  // 0 s (too early for a poster), then 5 s (late enough, but black).
  OfferUntilTaken(*session, pad.get(), k, 0, registry);
  OfferUntilTaken(*session, pad.get(), k, 5, registry);
  REQUIRE(WaitFor([&] { return Metric(registry, "ingest_thumbnails_written_total") == 2; },
                  absl::Seconds(20)));
  CHECK_FALSE(fs::exists(dir.path() / kPosterFile));
  REQUIRE(WaitFor([&] { return fs::exists(dir.path() / kThumbnailFile); }, absl::Seconds(20)));
  session->Finish();
  // At the end the last thumbnail became the poster (a hard link: the same picture).
  REQUIRE(fs::exists(dir.path() / kPosterFile));
  CHECK(testing::Sha256Of(dir.path() / kPosterFile) ==
        testing::Sha256Of(dir.path() / kThumbnailFile));
  std::vector<std::pair<std::string, bool>> calls = records.calls();
  REQUIRE(!calls.empty());
  CHECK(calls.back().second);

  // A later session of the same stream never replaces it.
  const std::string before = testing::Sha256Of(dir.path() / kPosterFile);
  const fs::path pattern = dir.path() / "pattern.flv";
  testing::MakeTestMedia(pattern, "flv", 2);
  Keyframes good;
  LoadKeyframes(pattern, false, good);
  CapsPad good_pad(good.frames()[0].caps);
  std::shared_ptr<KeyframeSink> next = thumbnailer.OpenSession("str_black", dir.path());
  OfferUntilTaken(*next, good_pad.get(), good.frames()[0], 0, registry);
  OfferUntilTaken(*next, good_pad.get(), good.frames()[0], 4, registry);
  next->Finish();
  CHECK(testing::Sha256Of(dir.path() / kPosterFile) == before);
  CHECK(testing::Sha256Of(dir.path() / kThumbnailFile) != before);
}

TEST_CASE("a recorder that fails is asked again with the next thumbnail and at the end") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  CapsPad pad(keyframes.frames()[0].caps);
  prometheus::Registry registry;
  Records records;
  Thumbnailer thumbnailer(ThumbnailerOptions{},
                          records.Recorder(absl::UnavailableError("database down")), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_retry", dir.path());
  GstBuffer* b = At(keyframes.frames()[0], 0);
  session->OfferKeyframe(pad.get(), b);
  gst_buffer_unref(b);
  REQUIRE(WaitFor([&] { return records.calls().size() == 1; }, absl::Seconds(20)));
  session->Finish();
  CHECK(records.calls().size() == 2);
  CHECK(Metric(registry, "ingest_thumbnail_record_failures_total") == 2);
}

// A recorder that holds the (single) worker until the test lets it go: whatever is queued
// behind it waits, so a test can line up requests deterministically.
class Gate {
 public:
  ThumbnailRecorder Recorder(Records& records) {
    return [this, &records](const std::string& stream_id, bool poster) {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      lock.unlock();
      return records.Recorder()(stream_id, poster);
    };
  }
  bool AwaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

// Completions of RefreshThumbnail, thread-safely.
class Completions {
 public:
  std::function<void(bool)> Callback() {
    return [this](bool written) {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back(written);
    };
  }
  std::vector<bool> results() {
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::vector<bool> results_;
};

TEST_CASE("a lazy session nobody asks about renders only its poster, once") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  const Keyframe& k = keyframes.frames().front();
  CapsPad pad(k.caps);
  prometheus::Registry registry;
  Records records;
  Thumbnailer thumbnailer(ThumbnailerOptions{}, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_lazy", dir.path());
  // A keyframe a second for a minute, as fast as a media thread offers them.
  for (int s = 0; s < 60; ++s) {
    GstBuffer* b = At(k, s);
    session->OfferKeyframe(pad.get(), b);
    gst_buffer_unref(b);
    if (s == 0) {
      // Servable from the first keyframe on (a request would render it): recorded at once,
      // nothing rendered for it.
      REQUIRE(WaitFor([&] { return records.calls().size() == 1; }, absl::Seconds(20)));
      CHECK(Metric(registry, "ingest_thumbnail_render_seconds_count") == 0);
      CHECK_FALSE(fs::exists(dir.path() / kThumbnailFile));
    }
  }
  REQUIRE(WaitFor([&] { return fs::exists(dir.path() / kPosterFile); }, absl::Seconds(20)));
  session->Finish();
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"poster\"}") == 1);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"request\"}") == 0);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"eager\"}") == 0);
  CHECK(Metric(registry, "ingest_thumbnail_render_seconds_count") == 1);
  CHECK(Metric(registry, "ingest_thumbnails_written_total") == 1);
  CHECK(Metric(registry, "ingest_thumbnail_posters_written_total") == 1);
  // The poster's render is the live picture too.
  CHECK(fs::exists(dir.path() / kThumbnailFile));
  std::vector<std::pair<std::string, bool>> calls = records.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == std::make_pair(std::string("str_lazy"), false));
  CHECK(calls[1] == std::make_pair(std::string("str_lazy"), true));
  // A later session of a stream with a poster renders nothing at all unless asked.
  std::shared_ptr<KeyframeSink> next = thumbnailer.OpenSession("str_lazy", dir.path());
  for (int s = 0; s < 30; ++s) {
    GstBuffer* b = At(k, s);
    next->OfferKeyframe(pad.get(), b);
    gst_buffer_unref(b);
  }
  next->Finish();
  CHECK(Metric(registry, "ingest_thumbnail_render_seconds_count") == 1);
}

TEST_CASE(
    "requests render the latest keyframe once, share a render in work, and skip a current one") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  const Keyframe& k = keyframes.frames().front();
  CapsPad pad(k.caps);
  prometheus::Registry registry;
  Records records;
  Gate gate;
  Thumbnailer thumbnailer(ThumbnailerOptions{}, gate.Recorder(records), &registry);
  Completions done;
  // Nothing live: nothing to render.
  CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
        ThumbnailSource::Refresh::kNoStream);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_req", dir.path());
  CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
        ThumbnailSource::Refresh::kNoKeyframe);
  GstBuffer* b = At(k, 0);
  session->OfferKeyframe(pad.get(), b);
  gst_buffer_unref(b);
  // The first keyframe's record holds the one worker: the requests line up behind it.
  REQUIRE(gate.AwaitEntered(1));
  for (int i = 0; i < 3; ++i) {
    CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
          ThumbnailSource::Refresh::kRendering);
  }
  gate.Open();
  REQUIRE(WaitFor([&] { return done.results().size() == 3; }, absl::Seconds(20)));
  CHECK(done.results() == std::vector<bool>{true, true, true});
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"request\"}") == 1);
  CHECK(fs::exists(dir.path() / kThumbnailFile));
  // thumb.jpg shows the latest keyframe: nothing to do until a new one comes.
  CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
        ThumbnailSource::Refresh::kCurrent);
  b = At(k, 1);
  session->OfferKeyframe(pad.get(), b);
  gst_buffer_unref(b);
  CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
        ThumbnailSource::Refresh::kRendering);
  REQUIRE(WaitFor([&] { return done.results().size() == 4; }, absl::Seconds(20)));
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"request\"}") == 2);
  // Too early for a poster (1 s in): the session's end makes one from its last picture.
  CHECK_FALSE(fs::exists(dir.path() / kPosterFile));
  session->Finish();
  CHECK(fs::exists(dir.path() / kPosterFile));
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"poster\"}") == 0);
  CHECK(thumbnailer.RefreshThumbnail("str_req", done.Callback()) ==
        ThumbnailSource::Refresh::kNoStream);
}

TEST_CASE("the native packager's keyframes are kept and rendered when asked") {
  TempDir dir;
  const fs::path input = dir.path() / "pattern.flv";
  testing::MakeTestMedia(input, "flv", 2);
  Keyframes keyframes;
  LoadKeyframes(input, false, keyframes);
  GstMapInfo map;
  REQUIRE(gst_buffer_map(keyframes.frames()[0].buffer, &map, GST_MAP_READ));
  const std::vector<uint8_t> annex_b(map.data, map.data + map.size);
  gst_buffer_unmap(keyframes.frames()[0].buffer, &map);
  prometheus::Registry registry;
  Records records;
  Thumbnailer thumbnailer(ThumbnailerOptions{}, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_native", dir.path());
  Completions done;
  for (int s = 0; s < 3; ++s) {
    // The packager's bytes are only valid during the call.
    std::vector<uint8_t> scratch = annex_b;
    session->OfferH264Keyframe(int64_t{s} * 1'000'000'000, 640, 360, scratch);
    std::fill(scratch.begin(), scratch.end(), 0);
  }
  REQUIRE(thumbnailer.RefreshThumbnail("str_native", done.Callback()) ==
          ThumbnailSource::Refresh::kRendering);
  REQUIRE(WaitFor([&] { return done.results().size() == 1; }, absl::Seconds(20)));
  CHECK(done.results()[0]);
  CHECK(ReadJpeg(dir.path() / kThumbnailFile).width == 640);
  session->Finish();
  CHECK(fs::exists(dir.path() / kPosterFile));
  CHECK(Metric(registry, "ingest_thumbnails_failed_total{stage=\"decode\"}") == 0);
}

TEST_CASE("a lazy black stream retries its poster less and less often and keeps its last picture") {
  TempDir dir;
  const fs::path black = SolidColour(dir, "black", "black", "640x360");
  Keyframes keyframes;
  LoadKeyframes(black, false, keyframes);
  const Keyframe& k = keyframes.frames().front();
  CapsPad pad(k.caps);
  Records records;
  prometheus::Registry registry;
  ThumbnailerOptions options;  // lazy; interval 4 s, retries at most a minute apart
  Thumbnailer thumbnailer(options, records.Recorder(), &registry);
  std::shared_ptr<KeyframeSink> session = thumbnailer.OpenSession("str_dark", dir.path());
  const std::string renders = "ingest_thumbnail_renders_total{cause=\"poster\"}";
  // A keyframe a second for five minutes, each offered once the worker is idle, so that none
  // is dropped as busy: poster tries at 3 s, then 4, 8, 16, 32, 60, 60… s later.
  for (int s = 0; s <= 300; ++s) {
    OfferUntilTaken(*session, pad.get(), k, s, registry);
    // Every render started is written (black pictures are pictures) before the next offer.
    REQUIRE(WaitFor(
        [&] {
          return Metric(registry, "ingest_thumbnails_written_total") == Metric(registry, renders);
        },
        absl::Seconds(20)));
  }
  // 3, 7, 15, 31, 63, 123, 183, 243 (and 303 is past the end).
  CHECK(Metric(registry, renders) == 8);
  CHECK_FALSE(fs::exists(dir.path() / kPosterFile));
  session->Finish();
  REQUIRE(fs::exists(dir.path() / kPosterFile));
  CHECK(testing::Sha256Of(dir.path() / kPosterFile) ==
        testing::Sha256Of(dir.path() / kThumbnailFile));
}

TEST_CASE("the packager hands its keyframes over: thumb.jpg and poster.jpg beside the segments") {
  TempDir dir;
  const fs::path input = dir.path() / "in.flv";
  testing::MakeTestMedia(input, "flv", 9);  // keyframes every second, testsrc2 640x360
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path stream_dir = dir.path() / "str_live";

  prometheus::Registry registry;
  Records records;
  Thumbnailer thumbnailer(ThumbnailerOptions{}, records.Recorder(), &registry);
  GstPackagerFactory gst;
  ThumbnailingPackagerFactory factory(gst, thumbnailer);

  LivePlaylist::Options po;
  po.stream_dir = stream_dir;
  po.target_duration = absl::Seconds(2);
  po.window = 10;
  LivePlaylist playlist(po, 0, absl::ZeroDuration());
  PackagerOptions options;
  options.format = MediaFormat::kFlv;
  options.stream_dir = stream_dir;
  options.stream_id = "str_live";
  auto packager = factory.Start(options, playlist, PackagerEvents{});
  REQUIRE(packager.ok());
  auto push = [&](size_t begin, size_t end) {
    for (size_t pos = begin; pos < end;) {
      const size_t n = std::min<size_t>(4096, end - pos);
      if ((*packager)->Push(std::span<const uint8_t>(bytes.data() + pos, n))) {
        pos += n;
      } else {
        absl::SleepFor(absl::Milliseconds(2));
      }
    }
  };
  // The first 3.5 s, then the rest once the poster's render is written: pushed as fast as it
  // goes, a whole file passes while the worker still decodes it. Lazy (the default): nobody
  // asks, so the poster (the keyframe at 3 s) is the only picture rendered.
  const size_t split = testing::FlvOffsetAt(bytes, 3500);
  push(0, split);
  REQUIRE(WaitFor([&] { return Metric(registry, "ingest_thumbnails_written_total") == 1; },
                  absl::Seconds(20)));
  push(split, bytes.size());
  REQUIRE((*packager)->Finish(absl::Seconds(30)).ok());
  packager->reset();

  // Finish waited for the thumbnail in work and the poster: both are there now.
  REQUIRE(fs::exists(stream_dir / kThumbnailFile));
  REQUIRE(fs::exists(stream_dir / kPosterFile));
  JpegFacts thumb = ReadJpeg(stream_dir / kThumbnailFile);
  CHECK(thumb.width == 640);
  CHECK(thumb.height == 360);
  CHECK(Metric(registry, "ingest_thumbnails_written_total") == 1);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"poster\"}") == 1);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"request\"}") == 0);
  CHECK(Metric(registry, "ingest_thumbnail_renders_total{cause=\"eager\"}") == 0);
  CHECK(Metric(registry, "ingest_thumbnails_failed_total{stage=\"decode\"}") == 0);
  std::vector<std::pair<std::string, bool>> calls = records.calls();
  REQUIRE(!calls.empty());
  CHECK(calls.front().first == "str_live");
  CHECK(calls.back().second);
  // The segments are as ever.
  CHECK(fs::exists(stream_dir / "live.m3u8"));
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(stream_dir)) {
    // Playlists keep their previous version as the next write's spare (file_io.h).
    if (entry.path().stem().extension() == ".m3u8") continue;
    CHECK(entry.path().extension() != ".tmp");
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::media
