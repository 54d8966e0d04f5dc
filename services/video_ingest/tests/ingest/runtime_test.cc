// The ingest runtime's concurrency and fault handling, with an in-memory store and packagers
// the test drives (fakes.h): who ends a session and when, what a database fault or a packager
// failure does to the stream, and how shutdown ends sessions.
#include "ingest/runtime.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fakes.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest {
namespace {

using testing::FakePackager;
using testing::FakePackagerFactory;
using testing::FakeSessionStore;
using testing::StoreCall;
namespace vpb = ::shopcast::video_ingest::v1;
namespace cpb = ::shopcast::common::v1;

// A runtime on fakes, with fast housekeeping.
struct Harness {
  explicit Harness(absl::Duration idle_stream_ttl = absl::Minutes(10)) {
    options.idle_stream_ttl = idle_stream_ttl;
    options.segment_root = root.path();
    options.housekeeping_interval = absl::Milliseconds(20);
    options.record_retry_min = absl::Milliseconds(5);
    options.record_retry_max = absl::Milliseconds(20);
    options.finish_timeout = absl::Seconds(10);
    runtime = std::make_unique<IngestRuntime>(options, store, packagers, &registry);
  }
  ~Harness() { runtime->Stop(); }

  // Admits an encoder for `stream_id` (the fake store's key names the stream).
  std::shared_ptr<MediaSession> Admit(const std::string& stream_id) {
    PublishRequest request;
    request.stream_key = stream_id;
    request.remote_address = "203.0.113.7:50000";
    auto session = runtime->Admit(request, MediaFormat::kFlv, [this] { ++disconnects; });
    REQUIRE(session.ok());
    return *session;
  }

  std::string Playlist(const std::string& stream_id) {
    std::ifstream in(root.path() / stream_id / "live.m3u8");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  shopcast::testing::TempDir root;
  RuntimeOptions options;
  FakeSessionStore store;
  FakePackagerFactory packagers;
  prometheus::Registry registry;
  std::unique_ptr<IngestRuntime> runtime;
  std::atomic<int> disconnects{0};
};

// The value of an unlabelled metric `name` in `registry` (-1 when absent).
double MetricValue(prometheus::Registry& registry, const std::string& name) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

int IndexOf(const std::vector<StoreCall>& calls, const std::string& op, int64_t sequence = -1) {
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].op == op && (sequence < 0 || calls[i].sequence == sequence)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int CountOf(const std::vector<StoreCall>& calls, const std::string& op) {
  return static_cast<int>(
      std::count_if(calls.begin(), calls.end(), [&](const StoreCall& c) { return c.op == op; }));
}

TEST_CASE(
    "EndStream racing the encoder's own hang-up returns only after the last segment is "
    "recorded and the session has ended") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  // The encoder's final flush is held until EndStream's call has returned (or 3 s at most, which
  // is what happens when EndStream correctly waits for it).
  std::mutex mu;
  std::condition_variable cv;
  bool flushing = false;
  bool end_stream_returned = false;
  h.packagers.configure = [&](FakePackager& p) {
    p.on_finish = [&] {
      std::unique_lock<std::mutex> lock(mu);
      flushing = true;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(3), [&] { return end_stream_returned; });
    };
  };
  auto session = h.Admit("str_a");
  FakePackager* packager = h.packagers.For("str_a");
  REQUIRE(packager != nullptr);
  REQUIRE(packager->CloseSegment().ok());

  session->Close(absl::OkStatus());  // The encoder hangs up: its flush starts on a worker.
  {
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return flushing; }));
  }
  // The host ends the stream while that flush runs.
  h.runtime->StopPublishing("str_a", vpb::SESSION_END_REASON_STREAM_ENDED);
  const std::vector<StoreCall> at_return = h.store.calls();
  {
    std::lock_guard<std::mutex> lock(mu);
    end_stream_returned = true;
  }
  cv.notify_all();

  // By the time EndStream may end the stream, the session's end is recorded, after both of its
  // segments (StreamEnded must follow the last SegmentClosed).
  const int release = IndexOf(at_return, "release");
  REQUIRE(release >= 0);
  CHECK(at_return[release].why == vpb::SESSION_END_REASON_ENCODER_DISCONNECTED);
  CHECK(IndexOf(at_return, "segment", 0) >= 0);
  CHECK(IndexOf(at_return, "segment", 1) >= 0);
  CHECK(IndexOf(at_return, "segment", 1) < release);
  // The last segment reached the playlist before the playlist was ended.
  REQUIRE(h.packagers.finish_appends().size() == 1);
  CHECK(h.packagers.finish_appends()[0].ok());
  const std::string playlist = h.Playlist("str_a");
  CHECK(playlist.find("000001.ts") != std::string::npos);
  CHECK(playlist.find("#EXT-X-ENDLIST") != std::string::npos);
  CHECK(h.runtime->active_sessions() == 0);
}

TEST_CASE("A brief database outage while recording segments leaves the stream live") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  h.store.FailNext("segment", {absl::UnavailableError("connection lost"),
                               absl::UnavailableError("connection lost"),
                               absl::AbortedError("serialization failure")});
  auto session = h.Admit("str_a");
  FakePackager* packager = h.packagers.For("str_a");
  REQUIRE(packager->CloseSegment().ok());
  REQUIRE(packager->CloseSegment().ok());

  REQUIRE(
      h.store.WaitFor([](const std::vector<StoreCall>& c) { return CountOf(c, "segment") == 2; }));
  const auto calls = h.store.calls();
  CHECK(IndexOf(calls, "segment", 0) < IndexOf(calls, "segment", 1));  // In order.
  CHECK(CountOf(calls, "fail") == 0);
  CHECK(CountOf(calls, "release") == 0);
  CHECK(h.runtime->active_sessions() == 1);
  CHECK(h.disconnects == 0);
  // The session still takes media.
  const uint8_t byte = 0;
  CHECK(session->Write(std::span<const uint8_t>(&byte, 1)));
}

TEST_CASE("What a packager failure does to the stream follows its status code") {
  struct Case {
    absl::Status failure;
    std::string op;
    vpb::SessionEndReason why;
    cpb::StreamErrorReason error;
  };
  const std::vector<Case> cases = {
      // A full disk can be freed: the stream waits for its encoder, as after a stall.
      {Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE", "disk full"), "release",
       vpb::SESSION_END_REASON_ERROR, cpb::STREAM_ERROR_REASON_STORAGE_FAILURE},
      {Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC", "HEVC"), "release",
       vpb::SESSION_END_REASON_REJECTED, cpb::STREAM_ERROR_REASON_UNSUPPORTED_CODEC},
      {Error(absl::StatusCode::kDeadlineExceeded, "MEDIA_STALLED", "no media"), "release",
       vpb::SESSION_END_REASON_ERROR, cpb::STREAM_ERROR_REASON_NO_MEDIA},
      {Error(absl::StatusCode::kInternal, "PACKAGER_FAILURE", "demuxer error"), "release",
       vpb::SESSION_END_REASON_ERROR, cpb::STREAM_ERROR_REASON_PACKAGER_FAILURE},
      // The code decides, not the words: a passing fault is never terminal.
      {Error(absl::StatusCode::kUnavailable, "STORAGE_FAILURE", "database unavailable"), "release",
       vpb::SESSION_END_REASON_ERROR, cpb::STREAM_ERROR_REASON_PACKAGER_FAILURE},
  };
  for (const Case& c : cases) {
    INFO(c.failure.ToString());
    Harness h;
    REQUIRE(h.runtime->Start().ok());
    auto session = h.Admit("str_a");
    h.packagers.For("str_a")->Fail(c.failure);
    REQUIRE(h.store.WaitFor([](const std::vector<StoreCall>& calls) {
      return CountOf(calls, "release") + CountOf(calls, "fail") == 1;
    }));
    const auto calls = h.store.calls();
    const StoreCall& end = calls[std::max(IndexOf(calls, "release"), IndexOf(calls, "fail"))];
    CHECK(end.op == c.op);
    if (c.op == "release") CHECK(end.why == c.why);
    CHECK(end.error == c.error);
    CHECK(h.disconnects == 1);  // The encoder is cut either way.
  }
}

TEST_CASE("A full disk ends the session, is counted, and the stream takes its encoder back") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  auto session = h.Admit("str_a");
  REQUIRE(h.packagers.For("str_a")->CloseSegment().ok());
  h.packagers.For("str_a")->Fail(
      Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE", "disk full"));
  REQUIRE(h.store.WaitFor(
      [](const std::vector<StoreCall>& calls) { return CountOf(calls, "release") == 1; }));
  CHECK(CountOf(h.store.calls(), "fail") == 0);  // not a terminal ERROR
  CHECK(h.disconnects == 1);
  // Counted once the session's end is complete.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return MetricValue(h.registry, "ingest_storage_failures_total") == 1; },
      absl::Seconds(10)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return h.runtime->active_sessions() == 0; },
                                       absl::Seconds(10)));
  CHECK(h.Playlist("str_a").find("#EXT-X-ENDLIST") == std::string::npos);
  // Space freed: the encoder reconnects and the stream's segments continue where they stopped
  // (the real playlist's discontinuity: tests/faults/disk_full_fault_test.cc).
  auto again = h.Admit("str_a");
  REQUIRE(h.packagers.For("str_a")->CloseSegment().ok());
  CHECK(h.store.WaitFor([](const std::vector<StoreCall>& calls) {
    return CountOf(calls, "segment") == 2 && CountOf(calls, "claim") == 2;
  }));
  CHECK(MetricValue(h.registry, "ingest_storage_failures_total") == 1);
}

TEST_CASE("Shutdown flushes every live session at once, not one after another") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  constexpr int kSessions = 4;
  // Each flush waits (up to 5 s) until all of them have started: flushed one at a time, the
  // first would time out.
  std::mutex mu;
  std::condition_variable cv;
  int flushing = 0;
  int met = 0;
  h.packagers.configure = [&](FakePackager& p) {
    p.on_finish = [&] {
      std::unique_lock<std::mutex> lock(mu);
      ++flushing;
      cv.notify_all();
      if (cv.wait_for(lock, std::chrono::seconds(5), [&] { return flushing == kSessions; })) {
        ++met;
      }
    };
  };
  std::vector<std::shared_ptr<MediaSession>> sessions;
  for (int i = 0; i < kSessions; ++i) sessions.push_back(h.Admit("str_" + std::to_string(i)));
  REQUIRE(h.runtime->active_sessions() == kSessions);

  h.runtime->Stop();
  CHECK(met == kSessions);
  const auto calls = h.store.calls();
  CHECK(CountOf(calls, "segment") == kSessions);  // Each last segment, recorded...
  CHECK(CountOf(calls, "release") == kSessions);  // ...before its session was released.
  for (const StoreCall& c : calls) {
    if (c.op == "release") CHECK(c.why == vpb::SESSION_END_REASON_ENCODER_DISCONNECTED);
  }
  CHECK(h.runtime->active_sessions() == 0);
}

TEST_CASE("A session end the database refused is retried until it is recorded") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  h.store.FailNext("release", {absl::UnavailableError("connection lost"),
                               absl::UnavailableError("connection lost")});
  auto session = h.Admit("str_a");
  session->Close(absl::OkStatus());
  REQUIRE(
      h.store.WaitFor([](const std::vector<StoreCall>& c) { return CountOf(c, "release") == 1; }));
  CHECK(h.runtime->pending_session_ends() == 0);
}

TEST_CASE("A session another replica took for dead is cut, so its encoder reconnects") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  h.store.FailNext("segment", {Error(absl::StatusCode::kFailedPrecondition, "SESSION_ENDED",
                                     "ended elsewhere")});
  auto session = h.Admit("str_a");
  REQUIRE(h.packagers.For("str_a")->CloseSegment().ok());
  REQUIRE(
      h.store.WaitFor([](const std::vector<StoreCall>& c) { return CountOf(c, "release") == 1; }));
  CHECK(h.disconnects == 1);
  // The count drops just after the end is recorded.
  CHECK(shopcast::testing::WaitUntil([&] { return h.runtime->active_sessions() == 0; },
                                     absl::Seconds(10)));
}

TEST_CASE(
    "Start marks the instance alive before releasing its previous run's sessions, then "
    "keeps heart-beating and sweeping") {
  Harness h;
  REQUIRE(h.runtime->Start().ok());
  REQUIRE(h.store.WaitFor([](const std::vector<StoreCall>& c) {
    return CountOf(c, "heartbeat") >= 3 && CountOf(c, "orphans") >= 3;
  }));
  const auto calls = h.store.calls();
  REQUIRE(calls.size() >= 2);
  CHECK(calls[0].op == "heartbeat");
  CHECK(calls[1].op == "orphans");
  CHECK(calls[1].starting);
  for (size_t i = 2; i < calls.size(); ++i) {
    if (calls[i].op == "orphans") CHECK_FALSE(calls[i].starting);
  }
}

TEST_CASE(
    "Streams whose encoders left are forgotten once no reconnect can continue them, "
    "however they ended, while a live one stays") {
  Harness h(/*idle_stream_ttl=*/absl::Milliseconds(100));
  REQUIRE(h.runtime->Start().ok());
  auto live = h.Admit("str_live");
  // Ten streams publish and leave in turn: the encoder hangs up (the stream waits for it, and
  // another replica may expire its grace), or the disk fails (it waits too), or the host ends it.
  constexpr int kStreams = 10;
  for (int i = 0; i < kStreams; ++i) {
    const std::string id = "str_" + std::to_string(i);
    auto session = h.Admit(id);
    FakePackager* packager = h.packagers.For(id);
    REQUIRE(packager->CloseSegment().ok());
    if (i % 3 == 0) {
      session->Close(absl::OkStatus());
    } else if (i % 3 == 1) {
      packager->Fail(Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE", "disk full"));
    } else {
      h.runtime->StopPublishing(id, vpb::SESSION_END_REASON_STREAM_ENDED);
    }
  }
  REQUIRE(h.store.WaitFor([](const std::vector<StoreCall>& c) {
    return CountOf(c, "release") + CountOf(c, "fail") == kStreams;
  }));
  CHECK(shopcast::testing::WaitUntil([&] { return h.runtime->tracked_streams() == 1; },
                                     absl::Seconds(10)));
  // Forgetting writes nothing: the stream may be another replica's by now.
  CHECK(h.Playlist("str_0").find("#EXT-X-ENDLIST") == std::string::npos);
  // The live stream keeps its session and playlist.
  REQUIRE(h.packagers.For("str_live")->CloseSegment().ok());
  CHECK(h.runtime->active_sessions() == 1);
  CHECK(h.Playlist("str_live").find("000000.ts") != std::string::npos);
}

TEST_CASE("Start fails when the database cannot be reached") {
  Harness h;
  h.store.FailNext("heartbeat", {absl::UnavailableError("no database")});
  CHECK(h.runtime->Start().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("Each stream's playlist reports its writes to the playlist observer (blocking reloads)") {
  shopcast::testing::TempDir root;
  FakeSessionStore store;
  FakePackagerFactory packagers;
  std::mutex mu;
  std::vector<std::string> seen;  // "<stream> <playlist> <next_msn> <ended>"
  RuntimeOptions options;
  options.segment_root = root.path();
  options.housekeeping_interval = absl::Milliseconds(20);
  options.playlist_observer = [&](const std::string& stream_id, const std::string& name) {
    return [&, stream_id, name](const media::PlaylistProgress& p) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(absl::StrCat(stream_id, " ", name, " ", p.next_msn, " ", p.ended ? 1 : 0));
    };
  };
  IngestRuntime runtime(options, store, packagers);
  REQUIRE(runtime.Start().ok());
  PublishRequest request;
  request.stream_key = "str_watched";
  request.remote_address = "203.0.113.7:50000";
  auto session = runtime.Admit(request, MediaFormat::kFlv, [] {});
  REQUIRE(session.ok());
  FakePackager* packager = packagers.For("str_watched");
  REQUIRE(packager != nullptr);
  REQUIRE(packager->CloseSegment().ok());
  REQUIRE(packager->CloseSegment().ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(seen ==
          std::vector<std::string>{"str_watched live.m3u8 1 0", "str_watched live.m3u8 2 0"});
  }
  runtime.Stop();
}

TEST_CASE("Each session start is announced once its playlist is live (the marker feed's wake-up)") {
  shopcast::testing::TempDir root;
  FakeSessionStore store;
  FakePackagerFactory packagers;
  std::vector<std::string> started;  // with whether LivePlaylists() had the stream by then
  IngestRuntime* live = nullptr;
  RuntimeOptions options;
  options.segment_root = root.path();
  options.housekeeping_interval = absl::Milliseconds(20);
  options.on_session_started = [&](const std::string& stream_id) {
    bool listed = false;
    for (const auto& [id, playlist] : live->LivePlaylists()) listed = listed || id == stream_id;
    started.push_back(absl::StrCat(stream_id, listed ? " listed" : " missing"));
  };
  IngestRuntime runtime(options, store, packagers);
  live = &runtime;
  REQUIRE(runtime.Start().ok());
  PublishRequest request;
  request.stream_key = "str_marked";
  request.remote_address = "203.0.113.7:50000";
  REQUIRE(runtime.Admit(request, MediaFormat::kFlv, [] {}).ok());
  CHECK(started == std::vector<std::string>{"str_marked listed"});
  // A refused admission announces nothing.
  store.FailNext("claim", {absl::FailedPreconditionError("stream already live")});
  request.stream_key = "str_refused";
  CHECK_FALSE(runtime.Admit(request, MediaFormat::kFlv, [] {}).ok());
  CHECK(started.size() == 1);
  runtime.Stop();
}

// A ladder that records what the runtime asks of it.
class FakeRenditions final : public media::StreamRenditions {
 public:
  class Feed final : public media::RenditionFeed {
   public:
    void OfferVideo(GstPad*, GstBuffer*, const media::RenditionCuts&, bool) override {}
    void OfferAudio(GstPad*, GstBuffer*) override {}
    void Finish() override {}
  };
  std::shared_ptr<media::RenditionFeed> StartSession(media::LivePlaylist& passthrough,
                                                     bool discontinuity) override {
    std::lock_guard<std::mutex> lock(mu);
    sessions.push_back(absl::StrCat(passthrough.next_sequence(), discontinuity ? " d" : ""));
    return std::make_shared<Feed>();
  }
  std::string MasterVariants() const override {
    return "#EXT-X-STREAM-INF:BANDWIDTH=470000,RESOLUTION=426x240\n240p/live.m3u8\n";
  }
  void End() override { ++ended; }

  mutable std::mutex mu;
  std::vector<std::string> sessions;
  std::atomic<int> ended{0};
};

TEST_CASE(
    "A stream's rendition ladder lives beside its playlist, in its master, and ends with "
    "it") {
  Harness h;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<FakeRenditions>> made;
  h.options.renditions = [&](const std::string& stream_id) {
    auto r = std::make_shared<FakeRenditions>();
    std::lock_guard<std::mutex> lock(mu);
    made[stream_id] = r;
    return r;
  };
  h.runtime = std::make_unique<IngestRuntime>(h.options, h.store, h.packagers);
  REQUIRE(h.runtime->Start().ok());
  auto session = h.Admit("str_ladder");
  FakePackager* packager = h.packagers.For("str_ladder");
  REQUIRE(packager->CloseSegment().ok());
  std::shared_ptr<FakeRenditions> ladder;
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(made.size() == 1);
    ladder = made["str_ladder"];
  }
  {
    std::lock_guard<std::mutex> lock(ladder->mu);
    CHECK(ladder->sessions == std::vector<std::string>{"0"});  // One feed, from segment 0.
  }
  // The passthrough's master lists the rungs after itself.
  std::ifstream in(h.root.path() / "str_ladder" / "index.m3u8");
  std::stringstream master;
  master << in.rdbuf();
  CHECK(master.str().find("\nlive.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=470000,RESOLUTION=426x240\n"
                          "240p/live.m3u8\n") != std::string::npos);
  // The stream's end ends the rungs' playlists with it.
  h.runtime->StopPublishing("str_ladder", vpb::SESSION_END_REASON_STREAM_ENDED);
  CHECK(ladder->ended == 1);
  CHECK(h.Playlist("str_ladder").find("#EXT-X-ENDLIST") != std::string::npos);
}

}  // namespace
}  // namespace shopcast::video_ingest
