#include "media/pipeline.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "ffmpeg_check.h"
#include "hevc_flv.h"
#include "media/native_packager.h"
#include "media/steady_clock.h"
#include "shopcast/status/status.h"
#include "test_media.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr char kStreamId[] = "str_test";
constexpr size_t kChunk = 4096;

// What a session reported through PackagerEvents, collected thread-safely.
class Recorder {
 public:
  PackagerEvents Events() {
    PackagerEvents events;
    events.segment_closed = [this](const SegmentInfo& s) {
      absl::MutexLock lock(&mu_);
      segments_.push_back(s);
    };
    events.media_info = [this](const MediaInfo& m) {
      absl::MutexLock lock(&mu_);
      ++media_info_calls_;
      media_ = m;
    };
    events.failed = [this](const absl::Status& s) {
      absl::MutexLock lock(&mu_);
      failures_.push_back(s);
    };
    return events;
  }

  std::vector<SegmentInfo> segments() {
    absl::MutexLock lock(&mu_);
    return segments_;
  }
  std::optional<MediaInfo> media() {
    absl::MutexLock lock(&mu_);
    return media_;
  }
  int media_info_calls() {
    absl::MutexLock lock(&mu_);
    return media_info_calls_;
  }
  std::vector<absl::Status> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

  // Waits (polling, generously for a loaded machine) until a failure was reported.
  std::optional<absl::Status> WaitForFailure(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (!failures_.empty()) return failures_.front();
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return std::nullopt;
  }

  size_t WaitForSegments(size_t n, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (segments_.size() >= n || !failures_.empty()) return segments_.size();
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return segments().size();
  }

 private:
  absl::Mutex mu_;
  std::vector<SegmentInfo> segments_;
  std::optional<MediaInfo> media_;
  int media_info_calls_ = 0;
  std::vector<absl::Status> failures_;
};

// The packager under test: GStreamer's Pipeline, or, in video_ingest_media_native_test (built
// from this file with SHOPCAST_TEST_NATIVE_ENGINE), the native passthrough engine for every
// session it takes (FLV without HEVC or a ladder), GStreamer for the rest, as the service's
// --passthrough_engine=native does. Every case below runs on both.
absl::StatusOr<std::unique_ptr<Packager>> StartPackager(PackagerOptions options,
                                                        LivePlaylist& playlist,
                                                        PackagerEvents events,
                                                        PackagerMetrics* metrics = nullptr) {
#ifdef SHOPCAST_TEST_NATIVE_ENGINE
  if (NativePackagerFactory::Takes(options)) {
    return StartNativePackager(std::move(options), playlist, std::move(events), metrics);
  }
#endif
  auto pipeline = Pipeline::Start(std::move(options), playlist, std::move(events), metrics);
  if (!pipeline.ok()) return pipeline.status();
  return std::unique_ptr<Packager>(std::move(*pipeline));
}

LivePlaylist::Options PlaylistOptions(const fs::path& dir) {
  LivePlaylist::Options o;
  o.stream_dir = dir;
  o.target_duration = absl::Seconds(2);
  o.window = 10;
  return o;
}

PackagerOptions Options(const fs::path& dir, MediaFormat format) {
  PackagerOptions o;
  o.format = format;
  o.stream_dir = dir;
  o.stream_id = kStreamId;
  o.target_duration = absl::Seconds(2);
  o.stall_timeout = absl::Seconds(10);
  return o;
}

// Pushes bytes [begin, end) in 4 KiB pieces as fast as the pipeline takes them (retrying while
// its queue is full); false once it refuses for good (`recorder` saw a failure) or after 30 s.
bool PushAll(Packager& pipeline, Recorder& recorder, const std::vector<uint8_t>& bytes,
             size_t begin = 0, size_t end = SIZE_MAX) {
  end = std::min(end, bytes.size());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (size_t pos = begin; pos < end;) {
    const size_t n = std::min(kChunk, end - pos);
    if (pipeline.Push(std::span<const uint8_t>(bytes.data() + pos, n))) {
      pos += n;
    } else {
      if (absl::Now() > deadline || !recorder.failures().empty()) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  return true;
}

// Checks everything a viewer and the recording service rely on for a finished session.
// `segment_seconds`: the length of every segment but the last (the first keyframe at or after
// the 2 s target); `codecs`: what each segment carries.
void CheckSegments(const fs::path& dir, Recorder& recorder, double media_seconds,
                   size_t first_entry = 0, double segment_seconds = 2.0,
                   const std::string& codecs = "aac,h264") {
  const bool audio_only = codecs == "aac";
  testing::MediaPlaylist playlist =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  std::vector<SegmentInfo> reported = recorder.segments();
  REQUIRE(playlist.entries.size() >= first_entry + 2);
  const size_t count = playlist.entries.size() - first_entry;
  REQUIRE(reported.size() == count);

  double total = 0;
  for (size_t i = 0; i < count; ++i) {
    const testing::PlaylistEntry& e = playlist.entries[first_entry + i];
    const SegmentInfo& s = reported[i];
    const fs::path file = dir / e.uri;
    INFO("segment " << e.uri);
    REQUIRE(fs::exists(file));
    CHECK(s.path == std::string(kStreamId) + "/" + e.uri);
    CHECK(e.uri == fs::path(s.path).filename().string());
    // Decodes cleanly on its own, and carries both tracks without re-encoding.
    CHECK(ffmpeg_check::DecodeErrors(file.string()).empty());
    CHECK(testing::CodecNames(file) == codecs);
    // EXTINF is the real media duration of the file.
    CHECK(std::abs(e.duration - testing::StreamDuration(file, audio_only ? "a:0" : "v:0")) < 0.05);
    CHECK(std::abs(absl::ToDoubleSeconds(s.duration) - e.duration) < 0.001);
    // All but the last segment end at the first sync point at or after the 2 s target.
    if (i + 1 < count) CHECK(std::abs(e.duration - segment_seconds) < 0.05);
    CHECK(e.duration <= playlist.target_duration + 0.5);
    // The hand-off to recording matches the file.
    CHECK(s.size_bytes == static_cast<int64_t>(fs::file_size(file)));
    CHECK(s.sha256 == testing::Sha256Of(file));
    // The playlist rounds to milliseconds.
    CHECK(absl::AbsDuration(s.program_date_time - e.program_date_time) <= absl::Microseconds(500));
    if (i + 1 < count) {
      // The date times advance exactly with the media.
      const testing::PlaylistEntry& next = playlist.entries[first_entry + i + 1];
      const double gap = absl::ToDoubleSeconds(next.program_date_time - e.program_date_time);
      CHECK(std::abs(gap - e.duration) <= 0.0011);
      CHECK(reported[i + 1].sequence == s.sequence + 1);
      CHECK(reported[i + 1].media_offset == s.media_offset + s.duration);
    }
    total += e.duration;
  }
  CHECK(std::abs(total - media_seconds) < 0.1);
}

void CheckMediaInfo(Recorder& recorder) {
  REQUIRE(recorder.media().has_value());
  CHECK(recorder.media_info_calls() == 1);
  const MediaInfo m = *recorder.media();
  CHECK(m.video_codec == "h264");
  CHECK(m.width == 640);
  CHECK(m.height == 360);
  CHECK(std::abs(m.frame_rate - 30) < 0.01);
  CHECK(m.audio_codec == "aac");
  CHECK(m.audio_sample_rate == 48000);
  CHECK(m.audio_channels == 1);
  CHECK(m.codecs.rfind("avc1.", 0) == 0);
  CHECK(m.codecs.find(",mp4a.40.2") != std::string::npos);
}

// Packages the whole of `input` in one session into `dir`; it must finish without a failure.
void PackageAll(const fs::path& input, const fs::path& dir, MediaFormat format,
                LivePlaylist& playlist, Recorder& recorder) {
  auto pipeline = StartPackager(Options(dir, format), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  absl::Status finished = (*pipeline)->Finish(absl::Seconds(30));
  INFO(finished.ToString());
  REQUIRE(finished.ok());
  CHECK(recorder.failures().empty());
}

void PackageWholeFile(MediaFormat format, const char* container) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input";
  testing::MakeTestMedia(input, container, 7);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackageAll(input, dir, format, playlist, recorder);
  CheckSegments(dir, recorder, 7.0);
  CheckMediaInfo(recorder);
  CHECK(playlist.next_sequence() == static_cast<int64_t>(recorder.segments().size()));
  const std::string master = testing::ReadText(dir / "index.m3u8");
  CHECK_THAT(master, Catch::Contains("RESOLUTION=640x360"));
  CHECK_THAT(master, Catch::Contains("CODECS=\"avc1."));
  CHECK_THAT(master, Catch::EndsWith("\nlive.m3u8\n"));
}

TEST_CASE("Pipeline packages an FLV session into decodable, exactly timed HLS segments",
          "[pipeline]") {
  PackageWholeFile(MediaFormat::kFlv, "flv");
}

TEST_CASE("Pipeline packages an MPEG-TS session into decodable, exactly timed HLS segments",
          "[pipeline]") {
  PackageWholeFile(MediaFormat::kMpegTs, "mpegts");
}

// An encoder whose keyframe interval is longer than the target (OBS's "auto" is about 8 s).
void PackageLongGop(int gop_seconds) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  const int seconds = 2 * gop_seconds + 1;
  testing::MakeTestMedia(input, "flv", seconds, "libx264", "aac", gop_seconds);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());

  // The first segment is published as soon as the second keyframe arrives, while the encoder
  // is one second into its second GOP (splitmuxsink waited for the whole second GOP).
  const size_t second_gop = testing::FlvOffsetAt(bytes, gop_seconds * 1000 + 1000);
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, second_gop));
  REQUIRE(recorder.WaitForSegments(1, absl::Seconds(30)) == 1);
  CHECK(std::abs(absl::ToDoubleSeconds(recorder.segments()[0].duration) - gop_seconds) < 0.05);
  CHECK(fs::exists(dir / "live.m3u8"));

  REQUIRE(PushAll(**pipeline, recorder, bytes, second_gop));
  absl::Status finished = (*pipeline)->Finish(absl::Seconds(30));
  INFO(finished.ToString());
  REQUIRE(finished.ok());
  CHECK(recorder.failures().empty());  // Nothing cut as stalled.
  CheckSegments(dir, recorder, seconds, 0, gop_seconds);
  CHECK(recorder.segments().size() == 3);  // GOP, GOP, the last second.
  // The target duration covers the GOP-long segments from the first playlist on.
  CHECK(testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8")).target_duration ==
        gop_seconds);
  CHECK(playlist.segments_over_target() == 0);
}

TEST_CASE("A 4 s keyframe interval makes 4 s segments, each published at its next keyframe",
          "[pipeline]") {
  PackageLongGop(4);
}

TEST_CASE("An 8 s keyframe interval makes 8 s segments, each published at its next keyframe",
          "[pipeline]") {
  PackageLongGop(8);
}

TEST_CASE("A 10 s keyframe interval makes 10 s segments, each published at its next keyframe",
          "[pipeline]") {
  PackageLongGop(10);
}

void PackageAudioOnly(MediaFormat format, const char* container) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input";
  testing::MakeAudioOnlyMedia(input, container, 7);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackageAll(input, dir, format, playlist, recorder);
  // Cut on time: the first AAC frame at or after 2 s (at most 21 ms later).
  CheckSegments(dir, recorder, 7.0, 0, 2.01, "aac");
  CHECK(recorder.segments().size() == 4);
  REQUIRE(recorder.media().has_value());
  CHECK(recorder.media()->video_codec.empty());
  CHECK(recorder.media()->audio_codec == "aac");
  CHECK(recorder.media()->codecs == "mp4a.40.2");
  const std::string master = testing::ReadText(dir / "index.m3u8");
  CHECK_THAT(master, Catch::Contains("CODECS=\"mp4a.40.2\""));
  CHECK_THAT(master, !Catch::Contains("RESOLUTION"));
  // A player reads the (ended) playlist as audio-only HLS from start to end.
  REQUIRE(playlist.End().ok());
  CHECK(ffmpeg_check::DecodeErrors((dir / "live.m3u8").string()).empty());
}

TEST_CASE("Audio-only FLV (a host with the camera off) packages as audio-only HLS", "[pipeline]") {
  PackageAudioOnly(MediaFormat::kFlv, "flv");
}

TEST_CASE("Audio-only MPEG-TS packages as audio-only HLS", "[pipeline]") {
  PackageAudioOnly(MediaFormat::kMpegTs, "mpegts");
}

TEST_CASE("A second session continues the playlist after a discontinuity", "[pipeline]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());

  Recorder first;
  {
    auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, first.Events());
    REQUIRE(pipeline.ok());
    REQUIRE(PushAll(**pipeline, first, bytes));
    REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  }
  const size_t first_count = first.segments().size();
  REQUIRE(first_count == 3);  // 2 s + 2 s + 1 s.
  CHECK_FALSE(first.segments()[0].discontinuity);

  Recorder second;
  PackagerOptions options = Options(dir, MediaFormat::kFlv);
  options.discontinuity = true;
  auto pipeline = StartPackager(options, playlist, second.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, second, bytes));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());

  std::vector<SegmentInfo> seconds = second.segments();
  REQUIRE(seconds.size() == 3);
  CHECK(seconds[0].sequence == static_cast<int64_t>(first_count));
  CHECK(seconds[0].discontinuity);
  CHECK_FALSE(seconds[1].discontinuity);
  CHECK(absl::AbsDuration(seconds[0].media_offset - absl::Seconds(5)) < absl::Milliseconds(100));

  testing::MediaPlaylist parsed = testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  REQUIRE(parsed.entries.size() == 6);
  CHECK(parsed.media_sequence == 0);
  for (size_t i = 0; i < parsed.entries.size(); ++i) {
    CHECK(parsed.entries[i].discontinuity == (i == first_count));
    if (i > 0) CHECK(parsed.entries[i].program_date_time > parsed.entries[i - 1].program_date_time);
  }
  // The new session starts no earlier than the old one ended, even though both were pushed
  // faster than real time.
  const testing::PlaylistEntry& last_of_first = parsed.entries[first_count - 1];
  CHECK(parsed.entries[first_count].program_date_time -
            (last_of_first.program_date_time + absl::Seconds(last_of_first.duration)) >=
        -absl::Milliseconds(1));
  CheckSegments(dir, second, 5.0, first_count);
}

void PackageWithJump(int64_t from_ms, int64_t delta_ms) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 7);
  const std::vector<uint8_t> bytes =
      testing::ShiftFlvTimestamps(testing::ReadBytes(input), from_ms, delta_ms);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, bytes));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());

  testing::MediaPlaylist parsed = testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  REQUIRE(parsed.entries.size() >= 3);
  double total = 0;
  for (size_t i = 0; i < parsed.entries.size(); ++i) {
    INFO("segment " << i);
    CHECK(parsed.entries[i].duration <= 4.0);
    CHECK(parsed.entries[i].duration > 0.5);
    if (i > 0) CHECK(parsed.entries[i].program_date_time > parsed.entries[i - 1].program_date_time);
    total += parsed.entries[i].duration;
  }
  CHECK(std::abs(total - 7.0) < 0.2);
  CHECK(parsed.target_duration <= 4);
}

TEST_CASE("An encoder clock jumping an hour forward does not distort durations", "[pipeline]") {
  PackageWithJump(3500, 3600 * 1000);
}

TEST_CASE("An encoder clock jumping backwards does not distort durations", "[pipeline]") {
  PackageWithJump(3500, -3400);
}

void ExpectUnsupported(const char* container, MediaFormat format, const char* video,
                       const char* audio) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input";
  testing::MakeTestMedia(input, container, 3, video, audio);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, format), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  PushAll(**pipeline, recorder, testing::ReadBytes(input));
  std::optional<absl::Status> failure = recorder.WaitForFailure(absl::Seconds(15));
  REQUIRE(failure.has_value());
  CHECK(ReasonOf(*failure) == "UNSUPPORTED_CODEC");
  CHECK(ReasonOf((*pipeline)->Finish(absl::Seconds(10))) == "UNSUPPORTED_CODEC");
  CHECK(recorder.failures().size() == 1);
  CHECK(recorder.segments().empty());
  // Once failed, the protocol server is told to drop the encoder.
  const uint8_t byte = 0;
  CHECK_FALSE((*pipeline)->Push(std::span<const uint8_t>(&byte, 1)));
}

TEST_CASE("Non-H.264 video is refused as UNSUPPORTED_CODEC", "[pipeline]") {
  SECTION("FLV with Sorenson video") { ExpectUnsupported("flv", MediaFormat::kFlv, "flv1", "aac"); }
  SECTION("MPEG-TS with MPEG-2 video") {
    ExpectUnsupported("mpegts", MediaFormat::kMpegTs, "mpeg2video", "aac");
  }
}

TEST_CASE("HEVC is refused as UNSUPPORTED_CODEC unless accepted (passthrough-only)",
          "[pipeline][hevc]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.ts";
  testing::MakeHevcMedia(input, 2);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kMpegTs), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  const absl::Time start = absl::Now();
  PushAll(**pipeline, recorder, testing::ReadBytes(input));
  std::optional<absl::Status> failure = recorder.WaitForFailure(absl::Seconds(15));
  REQUIRE(failure.has_value());
  // At once: the demuxer's first PMT names the codec (not a stall many seconds later).
  CHECK(absl::Now() - start < absl::Seconds(5));
  CHECK(failure->code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(*failure) == "UNSUPPORTED_CODEC");
  CHECK_THAT(std::string(failure->message()), Catch::Contains("HEVC"));
  CHECK(ReasonOf((*pipeline)->Finish(absl::Seconds(10))) == "UNSUPPORTED_CODEC");
  CHECK(recorder.segments().empty());
  CHECK_FALSE(fs::exists(dir / "live.m3u8"));
}

TEST_CASE("Non-AAC audio is refused as UNSUPPORTED_CODEC", "[pipeline]") {
  ExpectUnsupported("flv", MediaFormat::kFlv, "libx264", "libmp3lame");
}

TEST_CASE("Garbage bytes fail the pipeline quickly", "[pipeline]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  std::vector<uint8_t> garbage(256 * 1024);
  uint32_t x = 12345;
  for (uint8_t& b : garbage) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>(x >> 16);
  }

  SECTION("as FLV: refused at once") {
    Recorder recorder;
    auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
    REQUIRE(pipeline.ok());
    PushAll(**pipeline, recorder, garbage);
    std::optional<absl::Status> failure = recorder.WaitForFailure(absl::Seconds(5));
    REQUIRE(failure.has_value());
    CHECK((ReasonOf(*failure) == "PACKAGER_FAILURE" || ReasonOf(*failure) == "UNSUPPORTED_CODEC"));
    CHECK_FALSE((*pipeline)->Finish(absl::Seconds(10)).ok());
  }
  SECTION("as MPEG-TS with a sync byte: nothing comes out, the watchdog cuts it") {
    garbage[0] = 0x47;
    Recorder recorder;
    PackagerOptions options = Options(dir, MediaFormat::kMpegTs);
    options.stall_timeout = absl::Seconds(2);
    auto pipeline = StartPackager(options, playlist, recorder.Events());
    REQUIRE(pipeline.ok());
    PushAll(**pipeline, recorder, garbage);
    std::optional<absl::Status> failure = recorder.WaitForFailure(absl::Seconds(10));
    REQUIRE(failure.has_value());
    CHECK(ReasonOf(*failure) == "MEDIA_STALLED");
    CHECK(failure->code() == absl::StatusCode::kDeadlineExceeded);
  }
}

TEST_CASE("Losing the stream folder mid-stream fails with STORAGE_FAILURE", "[pipeline]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 7);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  // Push the first ~60%: the first segment closes at the keyframe at 2 s.
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, bytes.size() * 6 / 10));
  REQUIRE(recorder.WaitForSegments(1, absl::Seconds(15)) >= 1);
  // Moved away in one step (the writer may be creating the next file meanwhile).
  fs::rename(dir, tmp.path() / "gone");
  PushAll(**pipeline, recorder, bytes, bytes.size() * 6 / 10);
  (*pipeline)->Finish(absl::Seconds(15)).IgnoreError();
  REQUIRE(recorder.failures().size() == 1);
  CHECK(ReasonOf(recorder.failures()[0]) == "STORAGE_FAILURE");
  // The code the runtime reads: reconnecting cannot fix a broken hot tier.
  CHECK(recorder.failures()[0].code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("Finish returns within its timeout after a session stops mid-file", "[pipeline]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, bytes.size() / 2 + 77));  // Cut inside a tag.
  const absl::Time start = absl::Now();
  absl::Status finished = (*pipeline)->Finish(absl::Seconds(10));
  CHECK(absl::Now() - start < absl::Seconds(11));
  INFO(finished.ToString());
  // What arrived is packaged: the partial last tag is dropped, the rest is a playable stream.
  CHECK(finished.ok());
  CHECK(recorder.segments().size() >= 1);
  CHECK(recorder.failures().empty());
}

TEST_CASE("Finish gives up with DEADLINE_EXCEEDED and still tears down", "[pipeline]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackagerEvents events = recorder.Events();
  // A hand-off slower than the caller is willing to wait for.
  events.segment_closed = [](const SegmentInfo&) { absl::SleepFor(absl::Seconds(1)); };
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, events);
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  const absl::Time start = absl::Now();
  absl::Status finished = (*pipeline)->Finish(absl::Milliseconds(300));
  CHECK(finished.code() == absl::StatusCode::kDeadlineExceeded);
  // Torn down once the hand-off in progress returns, not after every remaining segment.
  CHECK(absl::Now() - start < absl::Seconds(5));
  const uint8_t byte = 0;
  CHECK_FALSE((*pipeline)->Push(std::span<const uint8_t>(&byte, 1)));
}

TEST_CASE("Destroying a running pipeline does not hang", "[pipeline]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 3);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, bytes.size() / 2));
  const absl::Time start = absl::Now();
  pipeline->reset();
  CHECK(absl::Now() - start < absl::Seconds(5));
  CHECK(recorder.failures().empty());
}

// ---- Low-Latency HLS and publication timing -------------------------------------------------

constexpr absl::Duration kPartTarget = absl::Milliseconds(334);

LivePlaylist::Options LowLatencyPlaylistOptions(const fs::path& dir) {
  LivePlaylist::Options o = PlaylistOptions(dir);
  o.part_target = kPartTarget;
  return o;
}

PackagerOptions LowLatencyOptions(const fs::path& dir, MediaFormat format) {
  PackagerOptions o = Options(dir, format);
  o.part_target = kPartTarget;
  return o;
}

// Concatenates files into `out`.
void Concatenate(const std::vector<fs::path>& files, const fs::path& out) {
  std::ofstream o(out, std::ios::binary);
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    o << in.rdbuf();
  }
}

// Every segment listed with parts: its parts add up to it, none is longer than the target, the
// first is independent, and played one after the other they are the segment's media.
void CheckParts(const fs::path& dir, const testing::MediaPlaylist& playlist, bool audio_only,
                int expect_independent_per_full_segment) {
  CHECK(playlist.part_target == Approx(0.334));
  CHECK(playlist.server_control == "CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.503");
  int with_parts = 0;
  for (size_t i = 0; i < playlist.entries.size(); ++i) {
    const testing::PlaylistEntry& e = playlist.entries[i];
    if (e.parts.empty()) continue;
    ++with_parts;
    INFO("segment " << e.uri);
    double sum = 0;
    int independent = 0;
    std::vector<fs::path> files;
    for (size_t p = 0; p < e.parts.size(); ++p) {
      const testing::PartEntry& part = e.parts[p];
      INFO("part " << part.uri);
      CHECK(part.uri == PartFileName(std::stoll(e.uri.substr(0, 6)), static_cast<int>(p)));
      CHECK(part.duration <= 0.334);
      CHECK(part.duration > 0);
      if (audio_only) CHECK(part.independent);
      independent += part.independent ? 1 : 0;
      REQUIRE(fs::exists(dir / part.uri));
      files.push_back(dir / part.uri);
      sum += part.duration;
    }
    CHECK(e.parts[0].independent);
    CHECK(std::abs(sum - e.duration) <= 0.001 * static_cast<double>(e.parts.size()));
    // (Not in a session's first segment: the parsers' first decode times come out negative and
    // are clamped, which shifts its part boundaries by a frame off the keyframe at 1 s.)
    if (e.duration > 1.99 && !audio_only && i > 0) {
      CHECK(independent == expect_independent_per_full_segment);
    }
    // Parts of a full segment: one every part target but the last.
    if (e.duration > 1.99) CHECK(e.parts.size() == (audio_only ? 7u : 6u));
    // A player that fetched the parts instead of the segment plays the same media.
    const fs::path joined = dir / ("joined_" + e.uri);
    Concatenate(files, joined);
    CHECK(ffmpeg_check::DecodeErrors(joined.string()).empty());
    CHECK(std::abs(testing::StreamDuration(joined, audio_only ? "a:0" : "v:0") -
                   testing::StreamDuration(dir / e.uri, audio_only ? "a:0" : "v:0")) < 0.001);
    fs::remove(joined);
  }
  CHECK(with_parts >= 3);
  for (const auto& entry : fs::directory_iterator(dir)) {
    // Playlists keep their previous version as the next write's spare (file_io.h).
    if (entry.path().stem().extension() == ".m3u8") continue;
    CHECK(entry.path().extension() != ".tmp");
  }
}

void PackageLowLatency(MediaFormat format, const char* container) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input";
  testing::MakeTestMedia(input, container, 7);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(LowLatencyPlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  prometheus::Registry registry;
  PackagerMetrics metrics(registry);
  auto pipeline =
      StartPackager(LowLatencyOptions(dir, format), playlist, recorder.Events(), &metrics);
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  REQUIRE(recorder.failures().empty());
  // The segments are exactly what regular HLS gets: players without LL-HLS play them.
  CheckSegments(dir, recorder, 7.0);
  const std::string text = testing::ReadText(dir / "live.m3u8");
  INFO(text);
  testing::MediaPlaylist parsed = testing::ParseMediaPlaylist(text);
  // Finished (the runtime ends the playlist): no segment in progress, the next one hinted.
  CHECK(parsed.pending_parts.empty());
  CHECK(parsed.preload_hint == PartFileName(4, 0));
  // A keyframe every second: parts start on one at 0 s and 1 s of each 2 s segment.
  CheckParts(dir, parsed, false, 2);
  CHECK(metrics.parts_written().Value() >= 20);
}

TEST_CASE("Low-Latency HLS: an FLV session's parts hold its segments, each within the target",
          "[pipeline][ll]") {
  PackageLowLatency(MediaFormat::kFlv, "flv");
}

TEST_CASE("Low-Latency HLS: an MPEG-TS session's parts hold its segments", "[pipeline][ll]") {
  PackageLowLatency(MediaFormat::kMpegTs, "mpegts");
}

TEST_CASE("Low-Latency HLS: an audio-only session cuts independent parts on AAC frames",
          "[pipeline][ll]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeAudioOnlyMedia(input, "flv", 7);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(LowLatencyPlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline =
      StartPackager(LowLatencyOptions(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  const std::string text = testing::ReadText(dir / "live.m3u8");
  INFO(text);
  CheckParts(dir, testing::ParseMediaPlaylist(text), true, 0);
  // Each part starts with the PAT and PMT: a player can start with any of them. (ffmpeg is
  // told the container: its probe takes a file of a few packets for MPEG program stream.)
  int parts = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!ParsePartFileName(entry.path().filename().string())) continue;
    ++parts;
    INFO(entry.path());
    const testing::CommandResult decoded = testing::Run("ffmpeg -nostdin -v error -f mpegts -i '" +
                                                        entry.path().string() + "' -f null - 2>&1");
    CHECK(decoded.exit_code == 0);
    CHECK(decoded.output.empty());
    const testing::CommandResult probed = testing::Run(
        "ffprobe -v error -f mpegts -show_entries program_stream=codec_name -of "
        "csv=p=0 '" +
        entry.path().string() + "' 2>&1");
    CHECK(absl::StripAsciiWhitespace(probed.output) == "aac");
  }
  CHECK(parts >= 20);
}

// What the playlist told on_written, and when (steady clock).
class WriteLog {
 public:
  std::function<void(const PlaylistProgress&)> Callback() {
    return [this](const PlaylistProgress& p) {
      absl::MutexLock lock(&mu_);
      writes_.push_back({SteadyNow(), p});
    };
  }
  struct Write {
    absl::Duration at;
    PlaylistProgress progress;
  };
  std::vector<Write> writes() {
    absl::MutexLock lock(&mu_);
    return writes_;
  }
  // When segment `msn` was first listed (nullopt: not yet).
  std::optional<absl::Duration> SegmentListed(int64_t msn) {
    for (const Write& w : writes()) {
      if (w.progress.next_msn > msn) return w.at;
    }
    return std::nullopt;
  }
  // When part `part` of segment `msn` was first listed.
  std::optional<absl::Duration> PartListed(int64_t msn, int part) {
    for (const Write& w : writes()) {
      if (Satisfies(w.progress, msn, part)) return w.at;
    }
    return std::nullopt;
  }

 private:
  absl::Mutex mu_;
  std::vector<Write> writes_;
};

// Pushes FLV `bytes` as an encoder would send them live: each tag at its timestamp after
// `start` (steady clock), in 10 ms steps, from media time `from_ms` up to `to_ms`.
void PushPaced(Packager& pipeline, Recorder& recorder, const std::vector<uint8_t>& bytes,
               absl::Duration start, int64_t from_ms, int64_t to_ms) {
  size_t pos = from_ms == 0 ? 0 : testing::FlvOffsetAt(bytes, from_ms);  // The header first.
  for (int64_t ms = from_ms + 10; ms <= to_ms; ms += 10) {
    const absl::Duration due = start + absl::Milliseconds(ms);
    const absl::Duration now = SteadyNow();
    if (due > now) absl::SleepFor(due - now);
    const size_t to = testing::FlvOffsetAt(bytes, ms);
    REQUIRE(PushAll(pipeline, recorder, bytes, pos, to));
    pos = to;
  }
}

double Median(std::vector<double> v) {
  REQUIRE(!v.empty());
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Publishes 7 s of a 1 s-GOP stream in real time and measures, for each complete segment, how
// long after the keyframe that ends it was sent the segment was listed.
std::vector<double> SegmentListingDelays(bool low_latency) {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 7);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const std::vector<testing::FlvKeyframe> keyframes = testing::FlvKeyframes(bytes);
  REQUIRE(keyframes.size() == 7);
  const fs::path dir = tmp.path() / kStreamId;
  WriteLog log;
  LivePlaylist::Options po = low_latency ? LowLatencyPlaylistOptions(dir) : PlaylistOptions(dir);
  po.on_written = log.Callback();
  LivePlaylist playlist(po, 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline = StartPackager(
      low_latency ? LowLatencyOptions(dir, MediaFormat::kFlv) : Options(dir, MediaFormat::kFlv),
      playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  const absl::Duration start = SteadyNow();
  PushPaced(**pipeline, recorder, bytes, start, 0, 7000);
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  // Segments 0, 1 and 2 end at the keyframes at 2, 4 and 6 s, sent at their timestamps.
  std::vector<double> delays;
  for (int64_t msn = 0; msn < 3; ++msn) {
    const std::optional<absl::Duration> listed = log.SegmentListed(msn);
    REQUIRE(listed.has_value());
    const absl::Duration sent = start + absl::Milliseconds(keyframes[2 * (msn + 1)].ms);
    delays.push_back(absl::ToDoubleSeconds(*listed - sent));
  }
  return delays;
}

TEST_CASE("Regular HLS lists a segment within a part's duration of the keyframe ending it",
          "[pipeline][timing]") {
  // The issue measured segments listed one GOP after they end; the packager lists each one as
  // soon as the keyframe that ends it has been parsed (and its audio up to there muxed).
  for (const bool low_latency : {false, true}) {
    const std::vector<double> delays = SegmentListingDelays(low_latency);
    INFO("low latency " << low_latency << ": " << delays[0] << " " << delays[1] << " " << delays[2]
                        << " s");
    // Pushing runs in 10 ms steps; a loaded machine may delay one write, never all of them.
    CHECK(Median(delays) <= absl::ToDoubleSeconds(kPartTarget));
    for (double d : delays) CHECK(d < 1.0);
  }
}

TEST_CASE("Low-Latency HLS: a 10 s keyframe interval still lists a part every part target",
          "[pipeline][ll][timing]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 15, "libx264", "aac", 10);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const std::vector<testing::FlvKeyframe> keyframes = testing::FlvKeyframes(bytes);
  REQUIRE(keyframes.size() == 2);
  const fs::path dir = tmp.path() / kStreamId;
  WriteLog log;
  LivePlaylist::Options po = LowLatencyPlaylistOptions(dir);
  po.on_written = log.Callback();
  LivePlaylist playlist(po, 0, absl::ZeroDuration());
  Recorder recorder;
  prometheus::Registry registry;
  PackagerMetrics metrics(registry);
  auto pipeline = StartPackager(LowLatencyOptions(dir, MediaFormat::kFlv), playlist,
                                recorder.Events(), &metrics);
  REQUIRE(pipeline.ok());
  // The first 10 s GOP as fast as it goes: the first segment (which fixes the target duration)
  // closes at the second keyframe; then 4 s in real time from there.
  const int64_t second_keyframe = keyframes[1].ms;
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, keyframes[1].offset));
  const absl::Duration start = SteadyNow() - absl::Milliseconds(second_keyframe);
  PushPaced(**pipeline, recorder, bytes, start, second_keyframe, second_keyframe + 4000);
  REQUIRE(log.SegmentListed(0).has_value());

  // Parts 0..10 of segment 1 each end 334 ms after the one before (ten frames at 30 fps; 333
  // or 334 ms in whole milliseconds): part k ends k+1 part targets after the keyframe.
  std::vector<double> delays;
  for (int k = 0; k < 10; ++k) {
    const std::optional<absl::Duration> listed = log.PartListed(1, k);
    INFO("part " << k);
    REQUIRE(listed.has_value());
    const absl::Duration media_end =
        start + absl::Milliseconds(second_keyframe) + (k + 1) * absl::Milliseconds(333);
    delays.push_back(absl::ToDoubleSeconds(*listed - media_end));
  }
  INFO("delays: " << delays[0] << " " << delays[3] << " " << delays[6] << " " << delays[9]);
  CHECK(Median(delays) <= absl::ToDoubleSeconds(kPartTarget));
  for (double d : delays) CHECK(d < 1.5);
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());

  // Listed with the segment: dependent parts but the first, which starts at the keyframe.
  const testing::MediaPlaylist parsed =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  REQUIRE(parsed.entries.size() == 2);
  REQUIRE(parsed.entries[1].parts.size() >= 12);
  for (size_t p = 0; p < parsed.entries[1].parts.size(); ++p) {
    CHECK(parsed.entries[1].parts[p].independent == (p == 0));
  }
  CHECK(metrics.parts_written().Value() >= 40);
}

TEST_CASE("Low-Latency HLS: a failed session's unfinished parts leave the playlist",
          "[pipeline][ll]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(LowLatencyPlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto pipeline =
      StartPackager(LowLatencyOptions(dir, MediaFormat::kFlv), playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  // Into the second segment, then the session is torn down without finishing.
  REQUIRE(PushAll(**pipeline, recorder, bytes, 0, testing::FlvOffsetAt(bytes, 3000)));
  REQUIRE(recorder.WaitForSegments(1, absl::Seconds(30)) == 1);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (playlist.progress().next_parts < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(playlist.progress().next_parts >= 2);
  pipeline->reset();
  const testing::MediaPlaylist parsed =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  CHECK(parsed.entries.size() == 1);
  CHECK(parsed.pending_parts.empty());
  CHECK(parsed.preload_hint == "000001_0.ts");
  CHECK_FALSE(fs::exists(dir / "000001_0.ts"));
  CHECK(playlist.progress().next_parts == 0);
}

TEST_CASE("Accepted HEVC over MPEG-TS is packaged as an hvc1 passthrough with LL-HLS parts",
          "[pipeline][hevc]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.ts";
  testing::MakeHevcMedia(input, 7);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(LowLatencyPlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackagerOptions options = LowLatencyOptions(dir, MediaFormat::kMpegTs);
  options.accept_hevc = true;
  auto pipeline = StartPackager(options, playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  absl::Status finished = (*pipeline)->Finish(absl::Seconds(30));
  INFO(finished.ToString());
  REQUIRE(finished.ok());
  REQUIRE(recorder.failures().empty());
  // Cut at IRAP pictures like H.264 at IDRs: 2 s segments that decode on their own (each
  // keyframe carries VPS/SPS/PPS), carrying HEVC and AAC unchanged.
  CheckSegments(dir, recorder, 7.0, 0, 2.0, "aac,hevc");
  const std::string text = testing::ReadText(dir / "live.m3u8");
  INFO(text);
  CheckParts(dir, testing::ParseMediaPlaylist(text), false, 2);
  // MediaInfo and the master playlist name the codec from the stream's own SPS.
  REQUIRE(recorder.media().has_value());
  const MediaInfo m = *recorder.media();
  CHECK(m.video_codec == "hevc");
  CHECK(m.width == 640);
  CHECK(m.height == 360);
  CHECK(m.audio_codec == "aac");
  // x265's Main profile: profile 1, compatibility flags 1 and 2, main tier, progressive and
  // frame-only; the level is x265's choice for 640x360 at 30 fps.
  CHECK_THAT(m.codecs, Catch::StartsWith("hvc1.1.6.L"));
  CHECK_THAT(m.codecs, Catch::EndsWith(".90,mp4a.40.2"));
  const std::string master = testing::ReadText(dir / "index.m3u8");
  CHECK_THAT(master, Catch::Contains("CODECS=\"" + m.codecs + "\""));
  CHECK_THAT(master, Catch::Contains("RESOLUTION=640x360"));
}

TEST_CASE("Accepted HEVC over RTMP (enhanced RTMP FLV) is fed past flvdemux and packaged",
          "[pipeline][hevc]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.ts";
  testing::MakeHevcMedia(input, 7);
  const std::vector<uint8_t> flv = testing::FlvBytes(testing::EnhancedHevcTags(input));
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(LowLatencyPlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackagerOptions options = LowLatencyOptions(dir, MediaFormat::kFlv);
  options.accept_hevc = true;
  auto pipeline = StartPackager(options, playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, flv));
  absl::Status finished = (*pipeline)->Finish(absl::Seconds(30));
  INFO(finished.ToString());
  REQUIRE(finished.ok());
  REQUIRE(recorder.failures().empty());
  // The same segments and parts as the same stream over SRT: cut at IRAP pictures, decodable
  // on their own, timed by the FLV tags (composition times give B-frames their order).
  CheckSegments(dir, recorder, 7.0, 0, 2.0, "aac,hevc");
  CheckParts(dir, testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8")), false, 2);
  REQUIRE(recorder.media().has_value());
  CHECK(recorder.media()->video_codec == "hevc");
  CHECK_THAT(recorder.media()->codecs, Catch::StartsWith("hvc1.1.6.L"));
  CHECK_THAT(recorder.media()->codecs, Catch::EndsWith(",mp4a.40.2"));
}

TEST_CASE("With HEVC accepted, H.264 and audio-only FLV still go through flvdemux",
          "[pipeline][hevc]") {
  TempDir tmp;
  const bool audio_only = GENERATE(false, true);
  INFO((audio_only ? "audio only" : "H.264 and AAC"));
  const fs::path input = tmp.path() / "input.flv";
  if (audio_only) {
    testing::MakeAudioOnlyMedia(input, "flv", 5);
  } else {
    testing::MakeTestMedia(input, "flv", 5);
  }
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackagerOptions options = Options(dir, MediaFormat::kFlv);
  options.accept_hevc = true;
  auto pipeline = StartPackager(options, playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  REQUIRE(recorder.failures().empty());
  CHECK(recorder.segments().size() >= 2);
  const fs::path first = dir / fs::path(recorder.segments().front().path).filename();
  CHECK(testing::CodecNames(first) == (audio_only ? "aac" : "aac,h264"));
}

#ifdef SHOPCAST_TEST_NATIVE_ENGINE
// ---- The native passthrough engine alone (native_packager.h) ---------------------------------

// The FLV tags of `flv`: {offset of the tag, type, body offset, body size}.
struct TagAt {
  size_t offset = 0;
  uint8_t type = 0;
  size_t body = 0;
  size_t size = 0;
};
std::vector<TagAt> FlvTags(const std::vector<uint8_t>& flv) {
  std::vector<TagAt> out;
  size_t pos = 13;
  while (pos + 11 <= flv.size()) {
    TagAt t;
    t.offset = pos;
    t.type = flv[pos];
    t.size = (size_t{flv[pos + 1]} << 16) | (size_t{flv[pos + 2]} << 8) | flv[pos + 3];
    t.body = pos + 11;
    if (t.body + t.size > flv.size()) break;
    out.push_back(t);
    pos = t.body + t.size + 4;
  }
  return out;
}

TEST_CASE("Native engine: a frame whose NAL lengths lie is dropped and counted, the rest packaged",
          "[pipeline][native]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  std::vector<uint8_t> flv = testing::ReadBytes(input);
  // An inter frame (FrameType 2, AVC, NALU) 2.5 s in: its first NAL length now runs past it.
  int corrupted = 0;
  for (const TagAt& t : FlvTags(flv)) {
    const uint32_t ms = (uint32_t{flv[t.offset + 4]} << 16) | (uint32_t{flv[t.offset + 5]} << 8) |
                        flv[t.offset + 6];
    if (t.type == 9 && t.size > 9 && flv[t.body] == 0x27 && flv[t.body + 1] == 1 && ms >= 2500) {
      flv[t.body + 5] = 0x7F;
      ++corrupted;
      break;
    }
  }
  REQUIRE(corrupted == 1);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  prometheus::Registry registry;
  PackagerMetrics metrics(registry);
  auto pipeline =
      StartPackager(Options(dir, MediaFormat::kFlv), playlist, recorder.Events(), &metrics);
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, flv));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  CHECK(recorder.failures().empty());
  CHECK(metrics.frames_dropped().Value() == 1);
  // Every second of media is still listed; the segment before the damaged GOP decodes cleanly.
  const std::vector<SegmentInfo> segments = recorder.segments();
  REQUIRE(segments.size() == 3);
  double total = 0;
  for (const SegmentInfo& s : segments) total += absl::ToDoubleSeconds(s.duration);
  CHECK(std::abs(total - 5.0) < 0.1);
  CHECK(ffmpeg_check::DecodeErrors((dir / fs::path(segments.front().path).filename()).string())
            .empty());
}

TEST_CASE("Native engine: a tag claiming 16 MiB stays within its bound and ends the session",
          "[pipeline][native]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  PackagerOptions options = Options(dir, MediaFormat::kFlv);
  options.max_queued_bytes = 1024 * 1024;
  auto pipeline = StartPackager(options, playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  std::vector<uint8_t> bytes = {'F', 'L', 'V',  1,    5,    0, 0, 0, 9, 0, 0, 0,
                                0,   9,   0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0};
  bytes.resize(bytes.size() + 17 * 1024 * 1024, 0x00);  // The tag, and more after it.
  // A queue of 1 MiB refuses a push beyond it at once; what was queued is taken by the worker.
  std::vector<uint8_t> too_big(options.max_queued_bytes + 1);
  CHECK_FALSE((*pipeline)->Push(too_big));
  PushAll(**pipeline, recorder, bytes);
  // The tag completes (a video tag with codec id 0) and is refused for what it is.
  std::optional<absl::Status> failure = recorder.WaitForFailure(absl::Seconds(20));
  REQUIRE(failure.has_value());
  CHECK((ReasonOf(*failure) == "UNSUPPORTED_CODEC" || ReasonOf(*failure) == "PACKAGER_FAILURE"));
  CHECK_FALSE((*pipeline)->Finish(absl::Seconds(10)).ok());
  CHECK(recorder.segments().empty());
}

size_t ThreadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

TEST_CASE("Native engine: sessions share the engine's threads, none is started per session",
          "[pipeline][native]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 3);
  const std::vector<uint8_t> flv = testing::ReadBytes(input);
  constexpr int kSessions = 12;
  std::vector<std::unique_ptr<LivePlaylist>> playlists;
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<Packager>> packagers;
  size_t after_first = 0;
  for (int i = 0; i < kSessions; ++i) {
    const fs::path dir = tmp.path() / ("str_" + std::to_string(i));
    playlists.push_back(
        std::make_unique<LivePlaylist>(PlaylistOptions(dir), 0, absl::ZeroDuration()));
    recorders.push_back(std::make_unique<Recorder>());
    PackagerOptions options = Options(dir, MediaFormat::kFlv);
    options.stream_id = "str_" + std::to_string(i);
    auto p = StartPackager(options, *playlists.back(), recorders.back()->Events());
    REQUIRE(p.ok());
    packagers.push_back(std::move(*p));
    REQUIRE(PushAll(*packagers.back(), *recorders.back(), flv, 0, flv.size() / 2));
    if (i == 0) after_first = ThreadCount();
  }
  CHECK(ThreadCount() <= after_first);
  for (int i = 0; i < kSessions; ++i) {
    REQUIRE(PushAll(*packagers[i], *recorders[i], flv, flv.size() / 2));
    REQUIRE(packagers[i]->Finish(absl::Seconds(30)).ok());
    CHECK(recorders[i]->segments().size() == 2);
  }
}

// Records what the engine offers for thumbnails.
class KeyframeRecorder final : public KeyframeSink {
 public:
  struct Offer {
    int64_t pts_ns = 0;
    int width = 0;
    int height = 0;
    std::vector<uint8_t> head;  // The first bytes.
  };
  void OfferKeyframe(GstPad*, GstBuffer*) override { ++gst_offers; }
  void OfferH264Keyframe(int64_t pts_ns, int width, int height,
                         std::span<const uint8_t> annex_b) override {
    absl::MutexLock lock(&mu);
    const size_t head = std::min<size_t>(11, annex_b.size());
    offers.push_back(
        {pts_ns, width, height, std::vector<uint8_t>(annex_b.begin(), annex_b.begin() + head)});
  }
  void Finish() override { ++finishes; }

  absl::Mutex mu;
  std::vector<Offer> offers;
  int gst_offers = 0;
  int finishes = 0;
};

TEST_CASE("Native engine: keyframes go to the thumbnail sink as Annex B with their SPS and size",
          "[pipeline][native]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 4);
  const fs::path dir = tmp.path() / kStreamId;
  LivePlaylist playlist(PlaylistOptions(dir), 0, absl::ZeroDuration());
  Recorder recorder;
  auto sink = std::make_shared<KeyframeRecorder>();
  PackagerOptions options = Options(dir, MediaFormat::kFlv);
  options.keyframes = sink;
  auto pipeline = StartPackager(options, playlist, recorder.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, recorder, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(30)).ok());
  CHECK(sink->gst_offers == 0);
  CHECK(sink->finishes >= 1);
  absl::MutexLock lock(&sink->mu);
  REQUIRE(sink->offers.size() == 4);  // A keyframe a second.
  for (size_t i = 0; i < sink->offers.size(); ++i) {
    const KeyframeRecorder::Offer& o = sink->offers[i];
    CHECK(o.width == 640);
    CHECK(o.height == 360);
    // An access unit delimiter, then the SPS (h264parse's config-interval=-1 layout).
    CHECK(o.head == std::vector<uint8_t>({0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x67}));
    if (i > 0) CHECK(std::abs(o.pts_ns - sink->offers[i - 1].pts_ns - 1'000'000'000) < 40'000'000);
  }
}
#endif  // SHOPCAST_TEST_NATIVE_ENGINE

}  // namespace
}  // namespace shopcast::video_ingest::media
