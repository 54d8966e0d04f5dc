#pragma once

// video-ingest's configuration, from flags with SHOPCAST_VIDEO_INGEST_* environment fallback.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/rendition_spec.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::video_ingest {

// The shared settings (listeners, TLS, database, tokens, revocations — the user service's
// address is required here —, page tokens, event sinks, shutdown, logging) come from
// startup::ServiceConfig; ingest's own follow.
struct Config : startup::ServiceConfig {
  // Key that signs playback tokens of gated streams (HMAC): a file, the same for every replica.
  std::string playback_token_key_file;
  absl::Duration playback_token_ttl;       // a playback token's lifetime
  absl::Duration playback_access_refresh;  // how often the origin reloads gates and passes

  std::string rtmp_addr;  // host:port of the RTMP listener
  int rtmp_max_connections = 1000;
  int rtmp_max_pending_connections = 200;  // not admitted yet, in total
  int rtmp_max_pending_per_address = 16;   // not admitted yet, per source IP
  // Longest wait for a (stream key, address) pair that keeps being refused; zero turns it off.
  absl::Duration publish_backoff_max;
  absl::Duration rtmp_handshake_timeout;
  absl::Duration ingest_idle_timeout;        // no bytes from a publishing encoder
  absl::Duration rtmp_read_batch;            // SO_RCVLOWAT as this much of a publisher's rate
  absl::Duration rtmp_read_batch_max_delay;  // a publisher unread this long is read at once
  std::string srt_bind_address;              // IP literal the SRT port is bound to ("0.0.0.0": all)
  int srt_port = 9000;
  int srt_latency_ms = 200;
  int srt_max_connections = 200;
  absl::Duration srt_rest_after = absl::Seconds(30);
  // Optional; only from SHOPCAST_VIDEO_INGEST_SRT_PASSPHRASE (a Secret), never a flag.
  std::string srt_passphrase;
  std::string hls_addr;  // host:port of the HLS origin
  // http://host[:port] where the gateway reaches this replica's origin; "" = derived at start
  // (AdvertisedHlsOrigin). Recorded with the instance, returned by LookupStreams.
  std::string hls_advertise_url;
  // Low-Latency HLS blocking requests (hls/blocking_requests.h): the longest hold (three
  // target durations, at most this), the cap on requests parked at once, and the max-age of a
  // blocking reload's answer.
  absl::Duration hls_blocking_max_hold;
  int hls_max_parked = 10000;
  int hls_max_connections = 2000;  // origin connections at once (a parked request holds one)
  absl::Duration hls_blocking_cache_max_age;

  std::string segment_root;  // hot tier folder shared with recording-lifecycle
  absl::Duration target_duration;
  int playlist_window = 6;
  // Low-Latency HLS (partial segments of at most part_target in the same playlist); off: the
  // playlist is regular HLS only, exactly as before.
  bool ll_hls = true;
  absl::Duration part_target;
  absl::Duration reconnect_grace;
  absl::Duration stall_timeout;
  // The live media playlist's versions between segments served from memory, not written
  // (LivePlaylist::Options::PlaylistFiles::kSegments).
  bool playlist_from_memory = true;
  // Low-Latency HLS parts kept in memory and served from there, no part files
  // (LivePlaylist::Options::parts_in_memory).
  bool parts_from_memory = true;
  bool return_free_memory = true;  // malloc_trim after each session (see RuntimeOptions).
  int malloc_arena_max = 2;        // 0: glibc's default.
  int max_open_streams_per_host = 5;

  // Public URLs shown to hosts and viewers (what a load balancer exposes).
  std::string playback_base_url;  // "http://localhost:8088" → …/live/<id>/index.m3u8
  std::string rtmp_public_url;    // "rtmp://localhost:1935/live"
  std::string srt_public_url;     // "srt://localhost:9000"

  // This replica: it owns the encoder sessions it admits. Stable across restarts (pod name).
  std::string instance_id;
  absl::Duration instance_lease;

  // HEVC input (README, HEVC input): packaged as an hvc1 passthrough instead of refused with
  // UNSUPPORTED_CODEC. Meant to follow the rendition ladder (on when it has rungs, whose H.264
  // renditions every browser plays); its own flag until the ladder lands.
  bool accept_hevc = false;
  // HEVC is taken when the ladder has rungs (its H.264 rungs play in every browser) or when an
  // operator asks for it (--accept_hevc: players that decode hvc1 only).
  bool AcceptsHevc() const { return accept_hevc || !renditions.empty(); }

  // The engine that packages RTMP passthrough sessions (README, Cost per stream): "native"
  // (media/native_packager.h: FLV remuxed to MPEG-TS on shared workers, no GStreamer pipeline)
  // or "gstreamer" (media/pipeline.h). SRT, HEVC and ladder sessions always use GStreamer.
  std::string passthrough_engine = "native";

  // Live thumbnails (media/thumbnailer.h): zero interval turns them off.
  absl::Duration thumbnail_interval;
  std::string thumbnail_mode = "lazy";  // or "eager" (render every interval, asked or not)
  int thumbnail_max_size = 640;
  int thumbnail_threads = 1;

  // Rendition ladder (media/rendition_ladder.h): empty is passthrough only (the default).
  std::vector<media::RungSpec> renditions;
  int renditions_max_restarts = 3;
  // Testing only: "<rung>[:<segments>]" makes that rung's encoder report an error after that
  // many segments (2 by default) of every run (tests/e2e/ladder_e2e_test.cc).
  std::string renditions_fault;
  int renditions_fault_after = 2;
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

// True for an IPv4 or IPv6 address literal ("127.0.0.1", "::1"); host names are not.
bool IsIpLiteral(const std::string& value);

// "host:port" → {host, port}; InvalidArgument naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& value,
                                                               const std::string& flag);

// True for "http://host[:port]": a host name or IP literal ([v6] bracketed), an optional port,
// nothing else (no path, query or user info).
bool IsOriginUrl(std::string_view url);

// The HLS origin this replica advertises: `configured` if set; else http://<listen_host>:<port>,
// with `host_name` in place of an any-address listen host (0.0.0.0, ::).
std::string AdvertisedHlsOrigin(const std::string& configured, const std::string& listen_host,
                                uint16_t bound_port, const std::string& host_name);

}  // namespace shopcast::video_ingest
