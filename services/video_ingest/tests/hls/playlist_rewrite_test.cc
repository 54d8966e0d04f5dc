// The token carried into every URI of a playlist the origin serves for a gated stream, and the
// token parameter read back out of a request target.

#include "hls/playlist_rewrite.h"

#include <catch2/catch.hpp>

#include "hls/hls_path.h"

namespace shopcast::video_ingest::hls {
namespace {

TEST_CASE("a media playlist's segment lines carry the token, tags are left alone") {
  const std::string in =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-12-03T15:00:00.000Z\n#EXTINF:2.000,\n000007.ts\n"
      "#EXT-X-DISCONTINUITY\n#EXTINF:1.500,\n000008.ts\n";
  CHECK(AddTokenToUris(in, "T0k-_") ==
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-03T15:00:00.000Z\n#EXTINF:2.000,\n000007.ts?token=T0k-_\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:1.500,\n000008.ts?token=T0k-_\n");
}

TEST_CASE("a master playlist's variants and URI attributes carry the token") {
  const std::string in =
      "#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio.m3u8\"\r\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS=\"avc1.64001f,mp4a.40.2\"\r\nlive.m3u8\r\n"
      "#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"100@0\"\r\n"
      "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"iframes.m3u8?x=1\"\r\n\r\nhttps://cdn/x.ts";
  CHECK(
      AddTokenToUris(in, "t") ==
      "#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio.m3u8?token=t\"\r\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS=\"avc1.64001f,mp4a.40.2\"\r\n"
      "live.m3u8?token=t\r\n"
      "#EXT-X-MAP:URI=\"init.mp4?token=t\",BYTERANGE=\"100@0\"\r\n"
      "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"iframes.m3u8?x=1&token=t\"\r\n\r\n"
      "https://cdn/x.ts?token=t");
}

TEST_CASE("odd playlists are rewritten without loss") {
  CHECK(AddTokenToUris("", "t").empty());
  CHECK(AddTokenToUris("#EXT-X-MAP:URI=\"unterminated\n", "t") ==
        "#EXT-X-MAP:URI=\"unterminated\n");
  CHECK(AddTokenToUris("#EXT-X-MAP:URI=\"\"\n", "t") == "#EXT-X-MAP:URI=\"\"\n");
  CHECK(AddTokenToUris("   \n", "t") == "   \n");
}

TEST_CASE("the token parameter of a request target") {
  CHECK(!TokenParam("/live/str_x/index.m3u8").has_value());
  CHECK(!TokenParam("/live/str_x/index.m3u8?").has_value());
  CHECK(!TokenParam("/live/str_x/index.m3u8?tokens=a&xtoken=b").has_value());
  CHECK(TokenParam("/live/str_x/index.m3u8?token=abc") == "abc");
  CHECK(TokenParam("/live/str_x/index.m3u8?a=1&token=abc&token=def") == "abc");
  CHECK(TokenParam("/live/str_x/index.m3u8?token=") == "");
  CHECK(TokenParam("/live/str_x/index.m3u8?token") == "");
  CHECK(TokenParam("/live/str_x/index.m3u8?token=abc#frag") == "abc");
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
