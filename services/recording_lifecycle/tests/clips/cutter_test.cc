// The cutter on real ffmpeg-made segments (H.264 with B-frames, a keyframe every second, AAC,
// a frame counter burned in), its MP4s and JPEGs checked with ffprobe and ffmpeg.

#include "clips/cutter.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clip_media.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::recording_lifecycle::clips {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::TempDir;
using testing::Difference;
using testing::FrameSignature;
using testing::MakeSegments;
using testing::MediaSpec;
using testing::Probe;

constexpr double kFrame = 1.0 / 30;

bool IsJpeg(const std::string& bytes) {
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 &&
         static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
         static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
}

// The segments decoded as one file (ffmpeg's concat protocol), for reference frames.
fs::path Joined(const TempDir& dir, const std::vector<SourceSegment>& segments) {
  std::string list = "concat:";
  for (size_t i = 0; i < segments.size(); ++i) {
    absl::StrAppend(&list, i ? "|" : "", segments[i].path.string());
  }
  const fs::path out = dir.path() / "joined.ts";
  auto r = testing::Run(absl::StrCat("ffmpeg -nostdin -v error -y -i '", list,
                                     "' -c copy -f mpegts '", out.string(), "'"));
  REQUIRE(r.exit_code == 0);
  return out;
}

TEST_CASE("a clip across a segment boundary starts on the keyframe before and decodes fully") {
  REQUIRE(CheckCutterElements().ok());
  TempDir dir;
  const std::vector<SourceSegment> segments = MakeSegments(dir.path(), "s", MediaSpec{});
  REQUIRE(segments.size() == 4);
  const fs::path mp4 = dir.path() / "clip.mp4";
  const fs::path jpg = dir.path() / "clip.jpg";
  // 2.5 s .. 5.5 s: keyframes at 2 s (before the start) and 6 s (the first at/after the end).
  absl::StatusOr<CutResult> cut = CutClip(segments, 2'500'000, 3'000'000, mp4, jpg, CutOptions{});
  INFO(cut.status().ToString());
  REQUIRE(cut.ok());
  CHECK(cut->start_us == 2'000'000);
  CHECK(cut->duration_us == 4'000'000);
  CHECK(cut->has_video);
  CHECK(cut->has_audio);
  CHECK(cut->video_frames == 120);

  const testing::StreamFacts video = Probe(mp4, "v:0");
  CHECK(video.codec == "h264");
  CHECK(video.frames == 120);  // Every frame decodes.
  CHECK(video.start_time == Approx(0).margin(0.001));
  CHECK(video.duration == Approx(4.0).margin(2 * kFrame));
  const testing::StreamFacts audio = Probe(mp4, "a:0");
  CHECK(audio.codec == "aac");
  CHECK(audio.start_time == Approx(0).margin(0.03));
  CHECK(audio.duration == Approx(4.0).margin(0.05));
  CHECK(testing::FirstPacketIsKeyframe(mp4));
  // The index first (faststart): moov before mdat.
  const std::string bytes = testing::ReadFile(mp4);
  REQUIRE(bytes.find("moov") != std::string::npos);
  CHECK(bytes.find("moov") < bytes.find("mdat"));
  CHECK(static_cast<int64_t>(bytes.size()) == cut->bytes);
  // The picture: the clip's first frame is the source's frame 60 (counter 60), not 61 or 59.
  const fs::path joined = Joined(dir, segments);
  const std::string first = FrameSignature(mp4, 0);
  CHECK(Difference(first, FrameSignature(joined, 60)) < 1.0);
  CHECK(Difference(first, FrameSignature(joined, 59)) > 1.0);
  CHECK(Difference(FrameSignature(mp4, 119), FrameSignature(joined, 179)) < 1.0);
  CHECK(testing::ReadCounter(mp4.string(), 0) == 60);
  CHECK(testing::ReadCounter(mp4.string(), 119) == 179);

  // The poster: the first keyframe as a JPEG of the source's size (within 640).
  REQUIRE(cut->has_poster);
  CHECK(cut->poster_width == 320);
  CHECK(cut->poster_height == 180);
  CHECK(IsJpeg(testing::ReadFile(jpg)));
  const testing::StreamFacts poster = Probe(jpg, "v:0");
  CHECK(poster.width == 320);
  CHECK(poster.height == 180);
  // Nothing else left beside them.
  CHECK(!fs::exists(dir.path() / "clip.mp4.tmp"));
  CHECK(!fs::exists(dir.path() / "faststart.tmp"));
}

TEST_CASE("a range starting on a keyframe starts there, the poster is bounded in size") {
  TempDir dir;
  const std::vector<SourceSegment> segments =
      MakeSegments(dir.path(), "s", MediaSpec{.seconds = 6, .size = "640x360"});
  const fs::path mp4 = dir.path() / "clip.mp4";
  const fs::path jpg = dir.path() / "clip.jpg";
  CutOptions options;
  options.poster.max_size = 160;
  absl::StatusOr<CutResult> cut = CutClip(segments, 1'000'000, 2'000'000, mp4, jpg, options);
  INFO(cut.status().ToString());
  REQUIRE(cut.ok());
  CHECK(cut->start_us == 1'000'000);
  CHECK(cut->duration_us == 2'000'000);
  CHECK(Probe(mp4, "v:0").frames == 60);
  CHECK(cut->poster_width == 160);
  CHECK(cut->poster_height == 90);
  CHECK(Probe(jpg, "v:0").width == 160);
}

TEST_CASE("across a reconnect the clip is rebased into one continuous MP4") {
  TempDir dir;
  // Session 1: frames 0..179; session 2 (timestamps start over): frames 1000.. .
  std::vector<SourceSegment> segments = MakeSegments(dir.path(), "a", MediaSpec{.seconds = 6});
  const int64_t end = segments.back().media_offset_us + segments.back().duration_us;
  REQUIRE(end == 6'000'000);
  std::vector<SourceSegment> second =
      MakeSegments(dir.path(), "b",
                   MediaSpec{.seconds = 6,
                             .first_frame = 1000,
                             .media_offset_us = end,
                             .first_sequence = static_cast<int64_t>(segments.size()),
                             .discontinuity = true});
  segments.insert(segments.end(), second.begin(), second.end());
  const fs::path mp4 = dir.path() / "clip.mp4";
  absl::StatusOr<CutResult> cut = CutClip(segments, 4'500'000, 3'000'000, mp4, {}, CutOptions{});
  INFO(cut.status().ToString());
  REQUIRE(cut.ok());
  CHECK(cut->start_us == 4'000'000);
  CHECK(cut->duration_us == 4'000'000);
  CHECK(!cut->has_poster);
  const testing::StreamFacts video = Probe(mp4, "v:0");
  CHECK(video.frames == 120);
  CHECK(video.start_time == Approx(0).margin(0.001));
  CHECK(video.duration == Approx(4.0).margin(2 * kFrame));
  CHECK(Probe(mp4, "a:0").duration == Approx(4.0).margin(0.1));
  // Clip frame 59 is session 1's frame 179; frame 60 is session 2's first.
  const fs::path first_session = Joined(dir, {segments[0], segments[1], segments[2]});
  CHECK(Difference(FrameSignature(mp4, 59), FrameSignature(first_session, 179)) < 1.0);
  CHECK(Difference(FrameSignature(mp4, 60), FrameSignature(second.front().path, 0)) < 1.0);
  CHECK(testing::ReadCounter(mp4.string(), 59) == 179);
  CHECK(testing::ReadCounter(mp4.string(), 60) == 1000);
}

TEST_CASE("a reconnect that changed the format inside the range is refused") {
  TempDir dir;
  std::vector<SourceSegment> segments = MakeSegments(dir.path(), "a", MediaSpec{.seconds = 4});
  std::vector<SourceSegment> second = MakeSegments(dir.path(), "b",
                                                   MediaSpec{.seconds = 4,
                                                             .media_offset_us = 4'000'000,
                                                             .first_sequence = 2,
                                                             .discontinuity = true,
                                                             .size = "640x360"});
  segments.insert(segments.end(), second.begin(), second.end());
  const fs::path mp4 = dir.path() / "clip.mp4";
  absl::StatusOr<CutResult> cut = CutClip(segments, 3'000'000, 2'000'000, mp4, {}, CutOptions{});
  if (cut.ok()) UNSCOPED_INFO(cut->start_us << " " << cut->duration_us << " " << cut->video_frames);
  REQUIRE(!cut.ok());
  CHECK(cut.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(cut.status()) == "CLIP_FORMAT_CHANGED");
  CHECK(!fs::exists(mp4));
  CHECK(!fs::exists(dir.path() / "clip.mp4.tmp"));
  // The same recording cut before the reconnect is fine.
  absl::StatusOr<CutResult> before = CutClip(segments, 1'000'000, 2'000'000, mp4, {}, CutOptions{});
  INFO(before.status().ToString());
  CHECK(before.ok());
}

TEST_CASE("an audio-only clip starts at the frame holding the start and ends at the end") {
  TempDir dir;
  const std::vector<SourceSegment> segments =
      MakeSegments(dir.path(), "s", MediaSpec{.video = false});
  REQUIRE(segments.size() >= 3);
  const fs::path mp4 = dir.path() / "clip.mp4";
  const fs::path jpg = dir.path() / "clip.jpg";
  absl::StatusOr<CutResult> cut = CutClip(segments, 2'500'000, 3'000'000, mp4, jpg, CutOptions{});
  INFO(cut.status().ToString());
  REQUIRE(cut.ok());
  CHECK(!cut->has_video);
  CHECK(cut->has_audio);
  CHECK(!cut->has_poster);
  CHECK(!fs::exists(jpg));
  const double frame = 1024.0 / 48000;
  CHECK(cut->start_us <= 2'500'000);
  CHECK(cut->start_us > 2'500'000 - static_cast<int64_t>(frame * 1e6) - 1);
  CHECK(static_cast<double>(cut->duration_us) / 1e6 == Approx(3.0).margin(2 * frame));
  const testing::StreamFacts audio = Probe(mp4, "a:0");
  CHECK(audio.codec == "aac");
  CHECK(audio.duration == Approx(3.0).margin(3 * frame));
  CHECK(Probe(mp4, "v:0").codec.empty());
}

TEST_CASE("the cutter's failures carry reasons and leave nothing behind") {
  TempDir dir;
  std::vector<SourceSegment> segments = MakeSegments(dir.path(), "s", MediaSpec{.seconds = 4});
  const fs::path mp4 = dir.path() / "clip.mp4";

  SECTION("a missing segment file") {
    fs::remove(segments[1].path);
    absl::StatusOr<CutResult> cut = CutClip(segments, 0, 3'000'000, mp4, {}, CutOptions{});
    REQUIRE(!cut.ok());
    CHECK(cut.status().code() == absl::StatusCode::kNotFound);
    CHECK(ReasonOf(cut.status()) == "SOURCE_UNAVAILABLE");
  }
  SECTION("an output over the limit") {
    CutOptions options;
    options.max_output_bytes = 20'000;
    absl::StatusOr<CutResult> cut = CutClip(segments, 0, 3'000'000, mp4, {}, options);
    REQUIRE(!cut.ok());
    CHECK(cut.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(ReasonOf(cut.status()) == "CLIP_TOO_LARGE");
  }
  SECTION("a range past the segments") {
    absl::StatusOr<CutResult> cut = CutClip(segments, 9'000'000, 1'000'000, mp4, {}, CutOptions{});
    REQUIRE(!cut.ok());
    CHECK(ReasonOf(cut.status()) == "CLIP_RANGE_INVALID");
  }
  SECTION("bytes that are not MPEG-TS") {
    for (SourceSegment& s : segments) {
      std::FILE* f = std::fopen(s.path.c_str(), "wb");
      std::fputs(std::string(5000, 'x').c_str(), f);
      std::fclose(f);
    }
    absl::StatusOr<CutResult> cut = CutClip(segments, 0, 3'000'000, mp4, {}, CutOptions{});
    REQUIRE(!cut.ok());
    INFO(cut.status().ToString());
    CHECK((ReasonOf(cut.status()) == "SOURCE_UNSUPPORTED" ||
           ReasonOf(cut.status()) == "SOURCE_CORRUPT"));
  }
  SECTION("a deadline too short") {
    CutOptions options;
    options.timeout = absl::Microseconds(1);
    absl::StatusOr<CutResult> cut = CutClip(segments, 0, 3'000'000, mp4, {}, options);
    REQUIRE(!cut.ok());
    CHECK(cut.status().code() == absl::StatusCode::kDeadlineExceeded);
    CHECK(ReasonOf(cut.status()) == "CLIP_TIMEOUT");
  }
  CHECK(!fs::exists(mp4));
  CHECK(!fs::exists(dir.path() / "clip.mp4.tmp"));
}

// video-ingest's segments open with audio, so the demuxer's audio stream has a buffer before
// its video stream has one. The cutter's sinks used to preroll: when they joined the pipeline
// after it reached PLAYING (a race with its start), the audio sink waited for PLAYING on the one
// streaming thread, which could then never bring the video sink the picture PLAYING waited for,
// and the cut or grab hung until its deadline (CLIP_TIMEOUT), more often than not. So: many cuts
// and grabs of the same media, two at a time as the worker's two threads run them, each of which
// must finish and give the same answer.
TEST_CASE("segments that open with audio are cut and grabbed every time, two at a time") {
  TempDir dir;
  const std::vector<SourceSegment> segments =
      MakeSegments(dir.path(), "s", MediaSpec{.audio_lead_ms = 500});
  REQUIRE(segments.size() == 4);
  constexpr int kRounds = 8;
  // Generous for a loaded machine (a cut takes tens of milliseconds); a hang waits it out.
  CutOptions options;
  options.timeout = absl::Seconds(30);
  struct Outcome {
    std::optional<absl::StatusOr<CutResult>> cut;
    std::optional<absl::StatusOr<Frame>> frame;
  };
  std::vector<Outcome> outcomes(2 * kRounds);
  std::atomic<bool> failed{false};  // One hang is enough: the other thread stops too.
  auto worker = [&](int w) {
    for (int i = 0; i < kRounds && !failed.load(); ++i) {
      Outcome& o = outcomes[static_cast<size_t>(w * kRounds + i)];
      const std::string name = absl::StrCat("clip", w, "_", i);
      // 2.5 s .. 5.5 s of the first run: its bytes start with the segment that opens with audio.
      o.cut = CutClip(segments, 2'500'000, 3'000'000, dir.path() / (name + ".mp4"),
                      dir.path() / (name + ".jpg"), options);
      if (!o.cut->ok()) {
        failed.store(true);
        break;
      }
      o.frame = GrabFrame(segments, 1'500'000, FrameOptions{}, options.timeout);
      if (!o.frame->ok()) failed.store(true);
    }
  };
  std::thread first(worker, 0);
  std::thread second(worker, 1);
  first.join();
  second.join();
  for (const Outcome& o : outcomes) {
    if (!o.cut) continue;  // Not run: the other thread failed.
    INFO(o.cut->status().ToString());
    REQUIRE(o.cut->ok());
    CHECK((*o.cut)->start_us == 2'000'000);
    CHECK((*o.cut)->duration_us == 4'000'000);
    CHECK((*o.cut)->video_frames == 120);
    CHECK((*o.cut)->has_audio);
    CHECK((*o.cut)->has_poster);
    REQUIRE(o.frame);
    INFO(o.frame->status().ToString());
    REQUIRE(o.frame->ok());
    CHECK((*o.frame)->offset_us == 1'000'000);
    CHECK(IsJpeg((*o.frame)->jpeg));
  }
  CHECK(!failed.load());
}

TEST_CASE("a frame is grabbed at the keyframe at or before an offset") {
  TempDir dir;
  const std::vector<SourceSegment> segments = MakeSegments(dir.path(), "s", MediaSpec{});
  absl::StatusOr<Frame> frame = GrabFrame(segments, 3'500'000, FrameOptions{}, absl::Seconds(30));
  INFO(frame.status().ToString());
  REQUIRE(frame.ok());
  CHECK(frame->offset_us == 3'000'000);
  CHECK(frame->width == 320);
  CHECK(frame->height == 180);
  CHECK(IsJpeg(frame->jpeg));
  absl::StatusOr<Frame> outside =
      GrabFrame(segments, 60'000'000, FrameOptions{}, absl::Seconds(30));
  CHECK(ReasonOf(outside.status()) == "CLIP_RANGE_INVALID");
  const std::vector<SourceSegment> audio =
      MakeSegments(dir.path(), "a", MediaSpec{.seconds = 4, .video = false});
  absl::StatusOr<Frame> none = GrabFrame(audio, 1'000'000, FrameOptions{}, absl::Seconds(30));
  CHECK(ReasonOf(none.status()) == "SOURCE_UNSUPPORTED");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::clips
