#pragma once

// The VOD origin: serves recordings over HTTP/1.x wherever their media lives (libs/http_files'
// Server; the gateway proxies /vod/ to it).
//
//   GET/HEAD /vod/<rec>/index.m3u8?token=    the VOD playlist (playback.h), segment URIs
//                                            relative and carrying the token
//   GET/HEAD /vod/<rec>/<sequence>.ts?token= one segment, from segments.tier: HOT/WARM files
//                                            under the provider's root, COLD rehydrated
//                                            (rehydration_cache.h) and served from local disk
//   GET/HEAD /vod/<rec>/poster.jpg?token=    recordings.poster_key
//   GET/HEAD /vod/<rec>/thumbs/<thm>.jpg?token=, /vod/<rec>/clips/<clp>.mp4|.jpg?token=
//                                            rl-clips' objects (a clip's files also open with
//                                            a clip token)
//
// No token → 401; a malformed, forged, expired or other recording's token → 403, and so is a
// picture token (VodScope::kPictures) for a playlist, segment or clip video, and a pass holder's
// token (kPassHolder, a gated recording) once the holder's access pass is revoked; an unknown
// target, recording, segment or object → 404; a recording deleted or expired → 410; storage
// unavailable → 503. Playlists: "private, max-age=5"; segments and images: immutable (private,
// the URL holds a token). Single byte ranges, HEAD, If-None-Match, CORS.
//
// Every request is screened on the I/O thread (method, target, token: no I/O), then answered
// from a worker pool (database, files, cold fetches), never blocking the I/O threads.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "playback/playback.h"
#include "playback/vod_token.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::recording_lifecycle::playback {

struct VodOriginOptions {
  // "host:port" (http_files::SetListenAddress); dev: 127.0.0.1:8090. Port 0 = ephemeral.
  std::string listen = "0.0.0.0:8090";
  int io_threads = 2;
  int max_connections = 2000;
  // Workers answering screened requests (database reads, file opens, cold fetches) and the
  // queue beyond them; a full queue answers 503 with Retry-After.
  int workers = 8;
  int max_queue = 1000;
  // Cold objects are fetched into this folder (emptied at start), at most this many bytes.
  std::filesystem::path cache_dir;
  uint64_t cache_max_bytes = uint64_t{2} << 30;
  absl::Duration cold_fetch_timeout = absl::Seconds(60);
  absl::Duration playlist_max_age = absl::Seconds(5);
  // A token's playlist fetches count one view per this window (view_count, last_played_at).
  absl::Duration view_window = absl::Minutes(30);
  // Tokens remembered for view counting; the oldest are forgotten beyond this.
  size_t max_view_tokens = 100000;
  std::string cors_origin = "*";
};

class VodOrigin {
 public:
  // `playback` (its store and providers), `codec` and `registry` (optional) outlive this.
  VodOrigin(VodOriginOptions options, Playback& playback, const VodTokenCodec& codec,
            prometheus::Registry* registry = nullptr);
  ~VodOrigin();  // Stops.
  VodOrigin(const VodOrigin&) = delete;
  VodOrigin& operator=(const VodOrigin&) = delete;

  // Opens the cache, binds, serves. INVALID_ARGUMENT/VOD_HTTP_BAD_OPTIONS or VOD_CACHE_INVALID,
  // UNAVAILABLE/VOD_HTTP_LISTEN_FAILED.
  absl::Status Start();
  uint16_t port() const;
  // Finishes queued requests, closes every connection, joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::recording_lifecycle::playback
