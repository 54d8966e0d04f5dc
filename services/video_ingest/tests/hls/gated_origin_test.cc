// The origin in front of a gated stream: each playlist, segment and init file needs the access
// check's yes; 401 without a token, 403 for any bad one or a revoked pass, 503 when the check
// cannot tell, and never a media byte then. Playlists served to a token holder carry the token
// in every URI. Streams the check calls open are served exactly as before. The check is a fake
// here (tokens and passes are tests/access/'s).

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>

#include "hls/hls_origin.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::hls {
namespace {

using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::WriteFile;

constexpr char kGated[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kOpen[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7ND";
constexpr char kMaster[] =
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.64001f\"\n"
    "live.m3u8\n";
constexpr char kMedia[] =
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI=\"init.mp4\"\n"
    "#EXTINF:2.000,\n000000.ts\n#EXTINF:2.000,\n000001.ts\n";
constexpr char kSegment[] = "SEGMENT-BYTES";

// Gated: kGated. Tokens name their answer: "good" allowed, "expired", "forged", "other"
// (another stream's), "revoked" (pass gone), "down" (cannot tell), anything else malformed.
class FakeAccess final : public PlaybackAccess {
 public:
  AccessDecision Check(const std::string& stream_id,
                       std::optional<std::string_view> token) const override {
    if (stream_id != kGated) return AccessDecision::kOpen;
    if (!token) return AccessDecision::kTokenMissing;
    static const std::map<std::string_view, AccessDecision> kAnswers = {
        {"good", AccessDecision::kAllowed},        {"expired", AccessDecision::kTokenExpired},
        {"forged", AccessDecision::kTokenForged},  {"other", AccessDecision::kTokenWrongStream},
        {"revoked", AccessDecision::kPassRevoked}, {"down", AccessDecision::kUnavailable}};
    auto it = kAnswers.find(*token);
    return it == kAnswers.end() ? AccessDecision::kTokenMalformed : it->second;
  }
};

struct Origin {
  Origin() {
    root = dir.File("root");
    for (const char* id : {kGated, kOpen}) {
      WriteFile(root + "/" + id + "/index.m3u8", kMaster);
      WriteFile(root + "/" + id + "/live.m3u8", kMedia);
      WriteFile(root + "/" + id + "/000000.ts", kSegment);
      WriteFile(root + "/" + id + "/init.mp4", "INIT");
    }
    HlsOriginOptions options;
    options.listen_address = "127.0.0.1";
    options.root = root;
    origin = std::make_unique<HlsOrigin>(options, &registry, &access);
    REQUIRE(origin->Start().ok());
  }
  RawResponse Get(const std::string& id, const std::string& file, const std::string& query = "",
                  const std::string& method = "GET") {
    return Exchange(origin->port(), GetRequest("/live/" + id + "/" + file + query, "", method),
                    method == "HEAD");
  }
  double Refusals(const std::string& reason) {
    for (const auto& family : registry.Collect()) {
      if (family.name != "hls_playback_refusals_total") continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) {
          if (l.name == "reason" && l.value == reason) return m.counter.value;
        }
      }
    }
    return -1;
  }

  shopcast::testing::TempDir dir;
  std::string root;
  FakeAccess access;
  prometheus::Registry registry;
  std::unique_ptr<HlsOrigin> origin;
};

TEST_CASE("a gated stream's every file is refused without a valid token", "[hls][gated]") {
  Origin o;
  struct Case {
    std::string query;
    int status;
    std::string reason;
  };
  for (const Case& c :
       {Case{"", 401, "token_missing"}, Case{"?x=1", 401, "token_missing"},
        Case{"?token=", 403, "token_malformed"}, Case{"?token=junk", 403, "token_malformed"},
        Case{"?token=forged", 403, "token_forged"}, Case{"?token=expired", 403, "token_expired"},
        Case{"?token=other", 403, "token_wrong_stream"},
        Case{"?token=revoked", 403, "pass_revoked"}, Case{"?token=down", 503, "unavailable"}}) {
    for (const char* file : {"index.m3u8", "live.m3u8", "000000.ts", "init.mp4"}) {
      INFO(file << c.query);
      const RawResponse r = o.Get(kGated, file, c.query);
      CHECK(r.status == c.status);
      CHECK(r.body.find("SEGMENT") == std::string::npos);
      CHECK(r.body.find("#EXTM3U") == std::string::npos);
      CHECK(r.body.find("INIT") == std::string::npos);
      CHECK(r.Header("cache-control") == "no-store");
      if (c.status == 401) CHECK(!r.Header("www-authenticate").empty());
      // HEAD tells nothing either (no size of a file the caller may not see).
      const RawResponse head = o.Get(kGated, file, c.query, "HEAD");
      CHECK(head.status == c.status);
    }
    CHECK(o.Refusals(c.reason) >= 8);
  }
}

TEST_CASE("a token holder plays a gated stream and its playlists carry the token", "[hls][gated]") {
  Origin o;
  const RawResponse master = o.Get(kGated, "index.m3u8", "?token=good");
  REQUIRE(master.status == 200);
  CHECK(master.body.find("\nlive.m3u8?token=good\n") != std::string::npos);
  CHECK(master.Header("content-type") == "application/vnd.apple.mpegurl");
  CHECK(master.Header("cache-control") == "private, no-store");
  CHECK(master.Header("content-length") == std::to_string(master.body.size()));
  CHECK(master.Header("access-control-allow-origin") == "*");

  const RawResponse media = o.Get(kGated, "live.m3u8", "?_HLS_msn=1&token=good");
  REQUIRE(media.status == 200);
  CHECK(media.body.find("\n000000.ts?token=good\n") != std::string::npos);
  CHECK(media.body.find("\n000001.ts?token=good\n") != std::string::npos);
  CHECK(media.body.find("URI=\"init.mp4?token=good\"") != std::string::npos);

  const RawResponse head = o.Get(kGated, "live.m3u8", "?token=good", "HEAD");
  CHECK(head.status == 200);
  CHECK(head.Header("content-length") == std::to_string(media.body.size()));

  const RawResponse segment = o.Get(kGated, "000000.ts", "?token=good");
  REQUIRE(segment.status == 200);
  CHECK(segment.body == kSegment);
  CHECK(segment.Header("cache-control") == "private, max-age=31536000, immutable");
  CHECK(o.Get(kGated, "init.mp4", "?token=good").body == "INIT");
  // Allowed, yet a file that does not exist is still a 404.
  CHECK(o.Get(kGated, "000009.ts", "?token=good").status == 404);
}

TEST_CASE("an ungated stream is served exactly as before, token or not", "[hls][gated]") {
  Origin o;
  for (const std::string query : {"", "?token=junk", "?token=good"}) {
    const RawResponse master = o.Get(kOpen, "index.m3u8", query);
    CHECK(master.status == 200);
    CHECK(master.body == kMaster);  // not rewritten
    CHECK(master.Header("cache-control") == "public, max-age=1");
    CHECK(o.Get(kOpen, "000000.ts", query).body == kSegment);
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
