#pragma once

// What the HLS proxy accepts before anything is forwarded. Security-critical and pure: the only
// shape is /live/<stream id>/<file name>[?<query>] with the stream id one of our ids, the file
// name from a small fixed alphabet with an HLS extension, and the query drawn from RFC 3986's
// query characters. No decoding or normalisation happens, so "..", "%2e", "\", NUL, a second
// "/" or a fragment can never reach an origin. The query is passed on byte for byte (gated
// streams' `token`, LL-HLS `_HLS_msn` / `_HLS_part` / `_HLS_skip`).

#include <optional>
#include <string>
#include <string_view>

namespace shopcast::gateway::hls {

inline constexpr size_t kMaxTargetBytes = 2048;

struct LiveTarget {
  std::string stream_id;  // "str_01J9Z3K8W4V6T2M0QXYHB5R7NC"
  std::string file_name;  // "000123.ts", "index.m3u8"
  std::string query;      // without the "?"; "" when none
  bool playlist = false;  // .m3u8: may be a blocking (LL-HLS) request
};

// True iff `id` is "str_" + the 26-character Crockford body shopcast::ids accepts.
bool IsStreamId(std::string_view id);

// True iff `name` is 1..64 of [A-Za-z0-9_-] then one of .m3u8 .ts .m4s .mp4 .aac .vtt .jpg.
bool IsFileName(std::string_view name);

// True iff every byte of `query` is an RFC 3986 query character (unreserved, sub-delims, ":",
// "@", "/", "?", or a well-formed %XX escape).
bool IsQuery(std::string_view query);

// The live target a request target names, or nullopt (→ 404, nothing forwarded). Origin form
// only ("/live/…"), at most kMaxTargetBytes.
std::optional<LiveTarget> ParseLiveTarget(std::string_view target);

// The watch page a stream's bare live address opens: "/live/<stream id>" or
// "/live/<stream id>/", with an optional query as IsQuery, gives "/watch/<stream id>[?<query>]".
// Notifications link to a show as "/live/<stream id>" (an e-mail's reader follows it straight to
// the gateway); anything else is nullopt.
std::optional<std::string> WatchPageFor(std::string_view target);

// A recording's VOD file (issue 13), proxied to recording-lifecycle's VOD origin, which parses
// it exactly: /vod/<rec id>/<file> or /vod/<rec id>/{clips,thumbs}/<file>, the file 1..64 of
// [A-Za-z0-9_-] then .m3u8 .ts .jpg or .mp4, the query as IsQuery.
struct VodTarget {
  std::string recording_id;  // "rec_01J9Z3K8W4V6T2M0QXYHB5R7NC"
  std::string path;          // "index.m3u8", "41.ts", "clips/clp_….mp4"
  std::string query;         // without the "?"
};

// The VOD target a request target names, or nullopt (→ 404, nothing forwarded). Origin form
// only ("/vod/…"), at most kMaxTargetBytes.
std::optional<VodTarget> ParseVodTarget(std::string_view target);

// The path part of `target` (before any "?"), for logs: the query may carry a token.
std::string_view PathOf(std::string_view target);

}  // namespace shopcast::gateway::hls
