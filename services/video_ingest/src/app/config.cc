#include "app/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <climits>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shopcast/config/flags.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("video-ingest", "0.0.0.0:50056", "0.0.0.0:9090", "0.0.0.0:50057",
                       "VideoIngestInternalService, EventSink");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("recording_lifecycle=…");

ABSL_FLAG(std::string, playback_token_key_file, "",
          "file holding the HMAC key of gated streams' playback tokens (at least 32 bytes; shared "
          "by all replicas)");
ABSL_FLAG(absl::Duration, playback_token_ttl, absl::Minutes(5),
          "lifetime of a playback token of a gated stream (30s..1h)");
ABSL_FLAG(absl::Duration, playback_access_refresh, absl::Milliseconds(500),
          "how often the HLS origin reloads stream gates and access passes in use (a revoked "
          "pass is refused within about this)");
ABSL_FLAG(std::string, rtmp_addr, "0.0.0.0:1935", "RTMP ingest listen address");
ABSL_FLAG(int, rtmp_max_connections, 1000,
          "RTMP connections at once; past it a newcomer evicts the oldest unauthenticated one");
ABSL_FLAG(int, rtmp_max_pending_connections, 200,
          "RTMP connections not yet admitted (no valid key yet); past it the oldest is closed");
ABSL_FLAG(int, rtmp_max_pending_per_address, 16,
          "RTMP connections not yet admitted from one IP address; more are closed at once");
ABSL_FLAG(absl::Duration, publish_backoff_max, absl::Seconds(30),
          "longest wait imposed on a stream key and address that keep being refused (0: off)");
ABSL_FLAG(absl::Duration, rtmp_handshake_timeout, absl::Seconds(5),
          "time an RTMP client has to complete the handshake");
ABSL_FLAG(absl::Duration, ingest_idle_timeout, absl::Seconds(10),
          "an encoder that sends nothing this long is disconnected");
ABSL_FLAG(absl::Duration, rtmp_read_batch, absl::Milliseconds(30),
          "a publishing RTMP connection wakes the I/O thread once per this much of its measured "
          "byte rate (SO_RCVLOWAT) instead of per TCP segment; 0: off");
ABSL_FLAG(absl::Duration, rtmp_read_batch_max_delay, absl::Milliseconds(100),
          "a publishing RTMP connection not read for this long is read at once whatever its "
          "low-water mark (bounds what rtmp_read_batch delays a stream whose bitrate fell)");
ABSL_FLAG(std::string, srt_bind_address, "0.0.0.0",
          "IP address the SRT ingest port listens on (an IPv4 or IPv6 literal)");
ABSL_FLAG(int, srt_port, 9000, "SRT ingest UDP port");
ABSL_FLAG(int, srt_latency_ms, 200, "SRT receiver latency");
ABSL_FLAG(int, srt_max_connections, 200, "SRT publishers at once");
ABSL_FLAG(absl::Duration, srt_rest_after, absl::Seconds(30),
          "libsrt serves the SRT port from the first datagram on and lets go of it (its 10 ms "
          "timers stop) when no encoder has used it for this long; inf: always served");
ABSL_FLAG(std::string, hls_addr, "0.0.0.0:8088", "HLS origin (HTTP) listen address");
ABSL_FLAG(std::string, hls_advertise_url, "",
          "this replica's HLS origin as the gateway reaches it, http://host[:port] (in Kubernetes "
          "the pod's name under the headless Service); default: from hls_addr and the bound "
          "port, the host name when it listens on every address");
ABSL_FLAG(absl::Duration, hls_blocking_max_hold, absl::Seconds(15),
          "a blocking playlist reload (_HLS_msn) or a preload-hinted part waits three target "
          "durations, at most this long, then gets 503 (1s..60s; below the gateway's upstream "
          "timeout)");
ABSL_FLAG(int, hls_max_parked, 10000,
          "blocking requests parked at once (1..1000000); beyond, 503 with Retry-After");
ABSL_FLAG(int, hls_max_connections, 2000,
          "HLS origin connections at once (1..1000000; each parked blocking request holds one); "
          "beyond, new connections are closed");
ABSL_FLAG(absl::Duration, hls_blocking_cache_max_age, absl::Seconds(6),
          "Cache-Control max-age of a blocking playlist reload's answer (0..60s)");
ABSL_FLAG(std::string, segment_root, "/var/lib/shopcast/hot",
          "hot-tier folder for live segments and playlists");
ABSL_FLAG(absl::Duration, target_duration, absl::Seconds(2),
          "HLS target segment duration (segments are cut at the first keyframe after it)");
ABSL_FLAG(int, playlist_window, 6, "segments in the live playlist");
ABSL_FLAG(bool, ll_hls, true,
          "Low-Latency HLS: list partial segments (EXT-X-PART) in the live playlist; players "
          "without it play the same playlist as regular HLS");
ABSL_FLAG(absl::Duration, part_target, absl::Milliseconds(334),
          "Low-Latency HLS part target: no partial segment is longer (100ms..1s, at most half "
          "of target_duration)");
ABSL_FLAG(bool, playlist_from_memory, true,
          "serve the live media playlist from memory: its file is written once per segment and "
          "at the end only, not for every part (false: every version goes to the file too)");
ABSL_FLAG(bool, parts_from_memory, true,
          "Low-Latency HLS: keep each partial segment in memory and serve it from there instead "
          "of writing a part file (the live playlist's file then lists no parts)");
ABSL_FLAG(absl::Duration, reconnect_grace, absl::Seconds(60),
          "how long a stream waits for its encoder to come back before it ends");
ABSL_FLAG(bool, return_free_memory, true,
          "hand the allocator's free memory back to the system after each encoder session");
ABSL_FLAG(int, malloc_arena_max, 2,
          "glibc malloc arenas at most (0: glibc's default, 8 per core); fewer arenas keep less "
          "freed memory");
ABSL_FLAG(absl::Duration, stall_timeout, absl::Seconds(10),
          "media arriving but nothing packaged for this long ends the session");
ABSL_FLAG(int, max_open_streams_per_host, 5,
          "PREPARING and LIVE streams a host may have (RECONNECTING ones do not count)");
ABSL_FLAG(std::string, playback_base_url, "http://localhost:8088",
          "public base URL of the HLS origin");
ABSL_FLAG(std::string, rtmp_public_url, "rtmp://localhost:1935/live",
          "RTMP server URL shown to hosts");
ABSL_FLAG(std::string, srt_public_url, "srt://localhost:9000", "SRT URL shown to hosts");
ABSL_FLAG(std::string, instance_id, "",
          "this replica's name, stable across its restarts (the pod name); default: the host name");
ABSL_FLAG(absl::Duration, instance_lease, absl::Seconds(30),
          "a replica silent this long is taken for gone and its encoder sessions released");
ABSL_FLAG(bool, accept_hevc, false,
          "take HEVC (H.265) video (SRT, enhanced RTMP) as an hvc1 passthrough rendition instead "
          "of refusing it with UNSUPPORTED_CODEC even without a rendition ladder (only players "
          "that decode HEVC play it); with --renditions HEVC is always taken, the H.264 rungs "
          "playing in every browser");
ABSL_FLAG(std::string, passthrough_engine, "native",
          "what packages an RTMP passthrough session: native (FLV remuxed to MPEG-TS on shared "
          "workers, no GStreamer pipeline per stream) or gstreamer; SRT, HEVC and rendition "
          "ladder sessions always use GStreamer");
ABSL_FLAG(absl::Duration, thumbnail_interval, absl::Seconds(4),
          "media time between two live thumbnails of a stream (thumb.jpg, one decoded keyframe); "
          "0 turns thumbnails and posters off");
ABSL_FLAG(std::string, thumbnail_mode, "lazy",
          "lazy: a stream's thumb.jpg is rendered when the origin is asked for it (and once for "
          "the poster); eager: also every thumbnail_interval of media, whether asked or not");
ABSL_FLAG(int, thumbnail_max_size, 640,
          "thumbnails fit in this many pixels on their longer side (never upscaled)");
ABSL_FLAG(std::string, renditions, "",
          "adaptive-bitrate ladder: rungs transcoded beside the passthrough, as "
          "<height>p:<video kbit/s>,… (e.g. 720p:2800,480p:1400,360p:800); empty: passthrough "
          "only");
ABSL_FLAG(int, renditions_max_restarts, 3,
          "times a failed rung is rebuilt per encoder session before it leaves the master "
          "playlist (0..20)");
ABSL_FLAG(std::string, renditions_fault, "",
          "testing only: <rung>[:<segments>] makes that rung's encoder fail after that many "
          "segments of each run");
ABSL_FLAG(int, thumbnail_threads, 1,
          "threads decoding thumbnails, for every stream of the process together");

namespace shopcast::video_ingest {

absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& value,
                                                               const std::string& flag) {
  size_t colon = value.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be host:port, got '", value, "'"));
  }
  return std::make_pair(value.substr(0, colon), static_cast<uint16_t>(port));
}

bool IsIpLiteral(const std::string& value) {
  in6_addr address{};
  return inet_pton(AF_INET, value.c_str(), &address) == 1 ||
         inet_pton(AF_INET6, value.c_str(), &address) == 1;
}

bool IsOriginUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme || url.size() > 255) return false;
  std::string_view authority = url.substr(kScheme.size());
  if (authority.empty()) return false;
  // Host names, IPv4 and bracketed IPv6 literals, an optional port; no path, query, user info.
  for (char ch : authority) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' &&
        ch != ':' && ch != '[' && ch != ']') {
      return false;
    }
  }
  return true;
}

std::string AdvertisedHlsOrigin(const std::string& configured, const std::string& listen_host,
                                uint16_t bound_port, const std::string& host_name) {
  if (!configured.empty()) return configured;
  std::string host = listen_host;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") host = host_name;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return absl::StrCat("http://", host, ":", bound_port);
}

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
  RETURN_IF_ERROR(startup::ReadEventSinks(c));
  c.rtmp_addr = absl::GetFlag(FLAGS_rtmp_addr);
  c.rtmp_max_connections = absl::GetFlag(FLAGS_rtmp_max_connections);
  c.rtmp_max_pending_connections = absl::GetFlag(FLAGS_rtmp_max_pending_connections);
  c.rtmp_max_pending_per_address = absl::GetFlag(FLAGS_rtmp_max_pending_per_address);
  c.publish_backoff_max = absl::GetFlag(FLAGS_publish_backoff_max);
  c.rtmp_handshake_timeout = absl::GetFlag(FLAGS_rtmp_handshake_timeout);
  c.ingest_idle_timeout = absl::GetFlag(FLAGS_ingest_idle_timeout);
  c.rtmp_read_batch = absl::GetFlag(FLAGS_rtmp_read_batch);
  c.rtmp_read_batch_max_delay = absl::GetFlag(FLAGS_rtmp_read_batch_max_delay);
  c.srt_bind_address = absl::GetFlag(FLAGS_srt_bind_address);
  c.srt_port = absl::GetFlag(FLAGS_srt_port);
  c.srt_latency_ms = absl::GetFlag(FLAGS_srt_latency_ms);
  c.srt_max_connections = absl::GetFlag(FLAGS_srt_max_connections);
  c.srt_rest_after = absl::GetFlag(FLAGS_srt_rest_after);
  // A secret: from the environment (a Kubernetes Secret), never a flag that `ps` would show.
  c.srt_passphrase = config::EnvOr("SHOPCAST_VIDEO_INGEST_SRT_PASSPHRASE", "");
  c.playback_token_key_file = absl::GetFlag(FLAGS_playback_token_key_file);
  c.playback_token_ttl = absl::GetFlag(FLAGS_playback_token_ttl);
  c.playback_access_refresh = absl::GetFlag(FLAGS_playback_access_refresh);
  if (c.playback_token_ttl < absl::Seconds(30) || c.playback_token_ttl > absl::Hours(1)) {
    return absl::InvalidArgumentError("playback_token_ttl must be between 30s and 1h");
  }
  if (c.playback_access_refresh < absl::Milliseconds(100) ||
      c.playback_access_refresh > absl::Seconds(5)) {
    return absl::InvalidArgumentError("playback_access_refresh must be between 100ms and 5s");
  }
  c.hls_addr = absl::GetFlag(FLAGS_hls_addr);
  c.hls_advertise_url = absl::GetFlag(FLAGS_hls_advertise_url);
  if (!c.hls_advertise_url.empty() && !IsOriginUrl(c.hls_advertise_url)) {
    return absl::InvalidArgumentError(
        absl::StrCat("hls_advertise_url must be http://host[:port] without a path, got '",
                     c.hls_advertise_url, "'"));
  }
  c.hls_blocking_max_hold = absl::GetFlag(FLAGS_hls_blocking_max_hold);
  c.hls_max_parked = absl::GetFlag(FLAGS_hls_max_parked);
  c.hls_max_connections = absl::GetFlag(FLAGS_hls_max_connections);
  if (c.hls_max_connections < 1 || c.hls_max_connections > 1000000) {
    return absl::InvalidArgumentError("hls_max_connections must be 1..1000000");
  }
  c.hls_blocking_cache_max_age = absl::GetFlag(FLAGS_hls_blocking_cache_max_age);
  if (c.hls_blocking_max_hold < absl::Seconds(1) || c.hls_blocking_max_hold > absl::Seconds(60)) {
    return absl::InvalidArgumentError("hls_blocking_max_hold must be between 1s and 60s");
  }
  if (c.hls_max_parked < 1 || c.hls_max_parked > 1000000) {
    return absl::InvalidArgumentError("hls_max_parked must be 1..1000000");
  }
  if (c.hls_blocking_cache_max_age < absl::ZeroDuration() ||
      c.hls_blocking_cache_max_age > absl::Seconds(60)) {
    return absl::InvalidArgumentError("hls_blocking_cache_max_age must be between 0 and 60s");
  }
  c.segment_root = absl::GetFlag(FLAGS_segment_root);
  c.target_duration = absl::GetFlag(FLAGS_target_duration);
  c.playlist_window = absl::GetFlag(FLAGS_playlist_window);
  c.ll_hls = absl::GetFlag(FLAGS_ll_hls);
  c.part_target = absl::GetFlag(FLAGS_part_target);
  c.reconnect_grace = absl::GetFlag(FLAGS_reconnect_grace);
  c.stall_timeout = absl::GetFlag(FLAGS_stall_timeout);
  c.return_free_memory = absl::GetFlag(FLAGS_return_free_memory);
  c.playlist_from_memory = absl::GetFlag(FLAGS_playlist_from_memory);
  c.parts_from_memory = absl::GetFlag(FLAGS_parts_from_memory);
  c.malloc_arena_max = absl::GetFlag(FLAGS_malloc_arena_max);
  c.max_open_streams_per_host = absl::GetFlag(FLAGS_max_open_streams_per_host);
  c.playback_base_url = absl::GetFlag(FLAGS_playback_base_url);
  c.rtmp_public_url = absl::GetFlag(FLAGS_rtmp_public_url);
  c.srt_public_url = absl::GetFlag(FLAGS_srt_public_url);
  c.instance_id = absl::GetFlag(FLAGS_instance_id);
  if (c.instance_id.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) == 0) c.instance_id = host;
  }
  c.instance_lease = absl::GetFlag(FLAGS_instance_lease);
  c.accept_hevc = absl::GetFlag(FLAGS_accept_hevc);
  c.passthrough_engine = absl::GetFlag(FLAGS_passthrough_engine);
  c.thumbnail_interval = absl::GetFlag(FLAGS_thumbnail_interval);
  c.thumbnail_max_size = absl::GetFlag(FLAGS_thumbnail_max_size);
  c.thumbnail_mode = absl::GetFlag(FLAGS_thumbnail_mode);
  c.thumbnail_threads = absl::GetFlag(FLAGS_thumbnail_threads);
  {
    absl::StatusOr<std::vector<media::RungSpec>> rungs =
        media::ParseRenditions(absl::GetFlag(FLAGS_renditions));
    if (!rungs.ok()) return absl::InvalidArgumentError(rungs.status().message());
    c.renditions = std::move(*rungs);
  }
  c.renditions_max_restarts = absl::GetFlag(FLAGS_renditions_max_restarts);
  if (c.renditions_max_restarts < 0 || c.renditions_max_restarts > 20) {
    return absl::InvalidArgumentError("renditions_max_restarts must be 0..20");
  }
  if (const std::string fault = absl::GetFlag(FLAGS_renditions_fault); !fault.empty()) {
    const size_t colon = fault.find(':');
    c.renditions_fault = fault.substr(0, colon);
    if (colon != std::string::npos &&
        (!absl::SimpleAtoi(fault.substr(colon + 1), &c.renditions_fault_after) ||
         c.renditions_fault_after < 1)) {
      return absl::InvalidArgumentError("renditions_fault must be <rung>[:<segments, 1 or more>]");
    }
    bool known = false;
    for (const media::RungSpec& r : c.renditions) known = known || r.name == c.renditions_fault;
    if (!known) {
      return absl::InvalidArgumentError("renditions_fault must name a rung of renditions");
    }
  }

  for (const auto& [flag, value] :
       {std::pair{"rtmp_addr", c.rtmp_addr}, std::pair{"hls_addr", c.hls_addr}}) {
    if (auto hp = SplitHostPort(value, flag); !hp.ok()) return hp.status();
  }
  if (!IsIpLiteral(c.srt_bind_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "srt_bind_address must be an IPv4 or IPv6 address, got '", c.srt_bind_address, "'"));
  }
  if (c.srt_port < 0 || c.srt_port > 65535) {
    return absl::InvalidArgumentError("srt_port must be 0..65535");
  }
  if (c.srt_rest_after < absl::Seconds(1)) {
    return absl::InvalidArgumentError("srt_rest_after must be at least 1s (or inf)");
  }
  if (c.srt_latency_ms < 20 || c.srt_latency_ms > 8000) {
    return absl::InvalidArgumentError("srt_latency_ms must be 20..8000");
  }
  if (!c.srt_passphrase.empty() && (c.srt_passphrase.size() < 10 || c.srt_passphrase.size() > 79)) {
    return absl::InvalidArgumentError("srt_passphrase must be 10..79 characters");
  }
  if (c.rtmp_max_connections < 1 || c.srt_max_connections < 1 ||
      c.rtmp_max_pending_connections < 1 || c.rtmp_max_pending_per_address < 1) {
    return absl::InvalidArgumentError("max connections must be at least 1");
  }
  if (c.publish_backoff_max < absl::ZeroDuration() || c.publish_backoff_max > absl::Hours(1)) {
    return absl::InvalidArgumentError("publish_backoff_max must be between 0 and 1h");
  }
  if (c.segment_root.empty()) return absl::InvalidArgumentError("segment_root is required");
  if (c.target_duration < absl::Milliseconds(500) || c.target_duration > absl::Seconds(10)) {
    return absl::InvalidArgumentError("target_duration must be between 500ms and 10s");
  }
  if (c.ll_hls && (c.part_target < absl::Milliseconds(100) || c.part_target > absl::Seconds(1) ||
                   c.part_target > c.target_duration / 2)) {
    return absl::InvalidArgumentError(
        "part_target must be between 100ms and 1s and at most half of target_duration (or "
        "turn ll_hls off)");
  }
  if (c.playlist_window < 3 || c.playlist_window > 100) {
    return absl::InvalidArgumentError("playlist_window must be 3..100");
  }
  if (c.reconnect_grace < absl::ZeroDuration() || c.reconnect_grace > absl::Hours(1)) {
    return absl::InvalidArgumentError("reconnect_grace must be between 0 and 1h");
  }
  if (c.stall_timeout < absl::Seconds(1) || c.ingest_idle_timeout < absl::Seconds(1) ||
      c.rtmp_handshake_timeout < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError("timeouts are too short");
  }
  if (c.rtmp_read_batch < absl::ZeroDuration() || c.rtmp_read_batch > absl::Milliseconds(200)) {
    return absl::InvalidArgumentError("rtmp_read_batch must be between 0 (off) and 200ms");
  }
  if (c.rtmp_read_batch_max_delay < absl::Milliseconds(10) ||
      c.rtmp_read_batch_max_delay > absl::Seconds(1)) {
    return absl::InvalidArgumentError("rtmp_read_batch_max_delay must be between 10ms and 1s");
  }
  if (c.malloc_arena_max < 0 || c.malloc_arena_max > 1024) {
    return absl::InvalidArgumentError("malloc_arena_max must be 0..1024");
  }
  if (c.max_open_streams_per_host < 1) {
    return absl::InvalidArgumentError("max_open_streams_per_host must be at least 1");
  }
  if (c.instance_id.empty() || c.instance_id.size() > 253) {
    return absl::InvalidArgumentError("instance_id must be 1..253 characters");
  }
  if (c.instance_lease < absl::Seconds(5) || c.instance_lease > absl::Hours(1)) {
    return absl::InvalidArgumentError("instance_lease must be between 5s and 1h");
  }
  if (c.passthrough_engine != "native" && c.passthrough_engine != "gstreamer") {
    return absl::InvalidArgumentError("passthrough_engine must be native or gstreamer");
  }
  if (c.thumbnail_interval != absl::ZeroDuration() &&
      (c.thumbnail_interval < absl::Seconds(1) || c.thumbnail_interval > absl::Minutes(10))) {
    return absl::InvalidArgumentError("thumbnail_interval must be 0 (off) or between 1s and 10m");
  }
  if (c.thumbnail_mode != "lazy" && c.thumbnail_mode != "eager") {
    return absl::InvalidArgumentError("thumbnail_mode must be lazy or eager");
  }
  if (c.thumbnail_max_size < 64 || c.thumbnail_max_size > 3840) {
    return absl::InvalidArgumentError("thumbnail_max_size must be 64..3840");
  }
  if (c.thumbnail_threads < 1 || c.thumbnail_threads > 16) {
    return absl::InvalidArgumentError("thumbnail_threads must be 1..16");
  }
  return c;
}

}  // namespace shopcast::video_ingest
