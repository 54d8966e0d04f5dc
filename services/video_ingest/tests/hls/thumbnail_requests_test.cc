// thumb.jpg rendered on demand at the origin (thumbnail_requests.h): the real origin on an
// ephemeral port, real sockets, and a fake ThumbnailSource standing for the thumbnailer. A
// fresh file is served as it is; a missing or old one waits for the render and is answered when
// it is written; a render that does not come in time, fails or cannot be queued serves the
// previous picture, or 503 with Retry-After; a gated stream's request without a token is
// refused before anything is asked for; stopping the origin answers whoever waits.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hls/hls_origin.h"
#include "hls/playlist_watch.h"
#include "media/thumbnail_source.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::hls {
namespace {

namespace fs = std::filesystem;
using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::TestConnection;
using http_files::testing::WriteFile;
using shopcast::testing::TempDir;
using shopcast::testing::WaitUntil;
using namespace std::chrono_literals;
using Refresh = media::ThumbnailSource::Refresh;

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

std::string Thumb(const std::string& query = "") {
  return absl::StrCat("/live/", kId, "/thumb.jpg", query);
}

// Stands for the thumbnailer: answers `next`, keeps the completions of kRendering until the
// test "renders" (writes the file) and calls them.
class FakeSource final : public media::ThumbnailSource {
 public:
  Refresh RefreshThumbnail(const std::string& stream_id, std::function<void(bool)> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    last_stream_ = stream_id;
    if (next == Refresh::kRendering) pending_.push_back(std::move(done));
    return next;
  }
  void Complete(bool written) {
    std::vector<std::function<void(bool)>> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending.swap(pending_);
    }
    for (auto& done : pending) done(written);
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  Refresh next = Refresh::kRendering;  // Set before requests are sent.

 private:
  std::mutex mu_;
  int calls_ = 0;
  std::string last_stream_;
  std::vector<std::function<void(bool)>> pending_;
};

class GatedAccess final : public PlaybackAccess {
 public:
  AccessDecision Check(const std::string& /*stream_id*/,
                       std::optional<std::string_view> token) const override {
    if (!token) return AccessDecision::kTokenMissing;
    return *token == "good" ? AccessDecision::kAllowed : AccessDecision::kTokenForged;
  }
};

struct Origin {
  explicit Origin(const std::function<void(HlsOriginOptions&)>& tweak = {},
                  const PlaybackAccess* access = nullptr) {
    root = dir.File("root");
    fs::create_directories(root + "/" + kId);
    options.listen_address = "127.0.0.1";
    options.root = root;
    options.thumbnail_max_age = absl::Seconds(4);
    options.thumbnail_wait = absl::Seconds(10);
    if (tweak) tweak(options);
    origin = std::make_unique<HlsOrigin>(options, &registry, access, &watch, &source);
    REQUIRE(origin->Start().ok());
    port = origin->port();
  }
  std::string File() const { return root + "/" + kId + "/thumb.jpg"; }
  // A thumb.jpg written `age` ago.
  void Picture(const std::string& content, std::chrono::seconds age = 0s) {
    WriteFile(File(), content);
    fs::last_write_time(File(), fs::file_time_type::clock::now() - age);
  }
  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& label : metric.label) have[label.name] = label.value;
        if (have != labels) continue;
        return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                            : metric.counter.value;
      }
    }
    return 0;
  }
  double Outcome(const std::string& outcome) {
    return Metric("hls_thumbnail_requests_total", {{"outcome", outcome}});
  }
  bool AwaitWaiting(size_t n) {
    return WaitUntil(
        [&] { return source.pending() == n && Metric("hls_thumbnail_waiting") == double(n); },
        absl::Seconds(20));
  }

  TempDir dir;
  std::string root;
  PlaylistWatch watch;
  FakeSource source;
  HlsOriginOptions options;
  prometheus::Registry registry;
  std::unique_ptr<HlsOrigin> origin;
  uint16_t port = 0;
};

std::unique_ptr<TestConnection> Send(uint16_t port, const std::string& target) {
  auto conn = std::make_unique<TestConnection>(port);
  REQUIRE(conn->Send(GetRequest(target)));
  return conn;
}

TEST_CASE("A thumb.jpg younger than the interval is served as it is, nothing rendered",
          "[hls][thumbnails]") {
  Origin o;
  o.Picture("fresh");
  RawResponse r = Exchange(o.port, GetRequest(Thumb()));
  CHECK(r.status == 200);
  CHECK(r.body == "fresh");
  CHECK(r.Header("content-type") == "image/jpeg");
  CHECK(o.source.calls() == 0);
  CHECK(o.Outcome("fresh") == 1);
  // The poster and other images never ask for a render.
  WriteFile(o.root + "/" + kId + "/poster.jpg", "poster");
  r = Exchange(o.port, GetRequest(absl::StrCat("/live/", kId, "/poster.jpg")));
  CHECK(r.status == 200);
  CHECK(o.source.calls() == 0);
}

TEST_CASE("A missing or old thumb.jpg waits for its render and is answered when it is written",
          "[hls][thumbnails]") {
  Origin o;
  SECTION("missing") {}
  SECTION("old") { o.Picture("old", 10s); }
  auto first = Send(o.port, Thumb());
  auto second = Send(o.port, Thumb("?cache=bust"));
  REQUIRE(o.AwaitWaiting(2));
  CHECK_FALSE(first->Read(false, 200ms).has_value());
  // The render: the file first, then the completion (as the thumbnailer does).
  o.Picture("new");
  const auto rendered = std::chrono::steady_clock::now();
  o.source.Complete(true);
  for (auto* conn : {first.get(), second.get()}) {
    std::optional<RawResponse> r = conn->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "new");
  }
  CHECK(std::chrono::steady_clock::now() - rendered < 2s);
  CHECK(o.Outcome("rendered") == 2);
  CHECK(o.AwaitWaiting(0));
  // Inside the interval the next request is served from the file: no second render.
  RawResponse again = Exchange(o.port, GetRequest(Thumb()));
  CHECK(again.body == "new");
  CHECK(o.source.calls() == 2);
  CHECK(o.Outcome("fresh") == 1);
}

TEST_CASE("A render that does not come in time or fails serves the previous picture, else 503",
          "[hls][thumbnails]") {
  Origin o([](HlsOriginOptions& opts) { opts.thumbnail_wait = absl::Seconds(1); });
  SECTION("timeout without a picture") {
    const auto sent = std::chrono::steady_clock::now();
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 503);
    CHECK(r.Header("retry-after") == "1");
    CHECK(r.Header("cache-control") == "no-store");
    CHECK(std::chrono::steady_clock::now() - sent >= 900ms);
    CHECK(o.Outcome("unavailable") == 1);
  }
  SECTION("timeout with an old picture") {
    o.Picture("old", 30s);
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 200);
    CHECK(r.body == "old");
    CHECK(o.Outcome("stale") == 1);
  }
  SECTION("a failed render") {
    auto conn = Send(o.port, Thumb());
    REQUIRE(o.AwaitWaiting(1));
    o.source.Complete(false);
    std::optional<RawResponse> r = conn->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(o.Outcome("unavailable") == 1);
  }
  CHECK(WaitUntil([&] { return o.Metric("hls_thumbnail_waiting") == 0; }, absl::Seconds(20)));
  // A completion after the request ended reaches nobody.
  o.source.Complete(true);
}

TEST_CASE("What cannot be rendered now is answered at once", "[hls][thumbnails]") {
  Origin o;
  SECTION("busy, with a picture: the previous one") {
    o.source.next = Refresh::kBusy;
    o.Picture("old", 30s);
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 200);
    CHECK(r.body == "old");
    CHECK(o.Outcome("stale") == 1);
  }
  SECTION("busy, without: 503") {
    o.source.next = Refresh::kBusy;
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 503);
    CHECK(r.Header("retry-after") == "1");
  }
  SECTION("live but no keyframe yet: 503") {
    o.source.next = Refresh::kNoKeyframe;
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 503);
    CHECK(o.Outcome("unavailable") == 1);
  }
  SECTION("not live here: the file as it is, or 404") {
    o.source.next = Refresh::kNoStream;
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.status == 404);
    CHECK(o.Outcome("not_found") == 1);
    o.Picture("last", 30s);
    r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.body == "last");
  }
  SECTION("already the latest keyframe") {
    o.source.next = Refresh::kCurrent;
    o.Picture("long gop", 30s);
    RawResponse r = Exchange(o.port, GetRequest(Thumb()));
    CHECK(r.body == "long gop");
    CHECK(o.Outcome("fresh") == 1);
  }
  SECTION("over the cap") {
    o.origin.reset();
    Origin capped([](HlsOriginOptions& opts) { opts.max_thumbnail_waits = 1; });
    auto waiting = Send(capped.port, Thumb());
    REQUIRE(capped.AwaitWaiting(1));
    RawResponse r = Exchange(capped.port, GetRequest(Thumb()));
    CHECK(r.status == 503);
    CHECK(capped.source.calls() == 1);
    capped.source.Complete(false);
  }
  CHECK(o.Metric("hls_thumbnail_waiting") == 0);
}

TEST_CASE("A gated stream's thumb.jpg needs the token before anything is rendered",
          "[hls][thumbnails]") {
  GatedAccess access;
  Origin o({}, &access);
  RawResponse r = Exchange(o.port, GetRequest(Thumb()));
  CHECK(r.status == 401);
  r = Exchange(o.port, GetRequest(Thumb("?token=bad")));
  CHECK(r.status == 403);
  CHECK(o.source.calls() == 0);
  auto conn = Send(o.port, Thumb("?token=good"));
  REQUIRE(o.AwaitWaiting(1));
  o.Picture("paid");
  o.source.Complete(true);
  std::optional<RawResponse> ok = conn->Read(false, 5s);
  REQUIRE(ok.has_value());
  CHECK(ok->status == 200);
  CHECK(ok->body == "paid");
  CHECK(ok->Header("cache-control") == "private, no-store");
}

TEST_CASE("Stopping the origin answers every waiting thumb.jpg request", "[hls][thumbnails]") {
  Origin o;
  std::vector<std::unique_ptr<TestConnection>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(Send(o.port, Thumb()));
  REQUIRE(o.AwaitWaiting(3));
  const auto start = std::chrono::steady_clock::now();
  o.origin->Stop();
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  for (auto& c : clients) {
    std::optional<RawResponse> r = c->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
  }
  CHECK(o.Outcome("shutdown") == 3);
  // The renders finishing after the origin stopped reach nobody.
  o.source.Complete(true);
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
