#include "app/config.h"

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("recording-lifecycle", "0.0.0.0:50064", "0.0.0.0:9104", "0.0.0.0:50065",
                       "EventSink, GetPlaylist, ResolveSegment, RunAgingPass");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");

// ---- recordings: --hot_root is the tiers' (mover/tiers_flags.cc) ----

// ---- playback ----
ABSL_FLAG(std::string, vod_token_key_file, "",
          "HMAC key of signed VOD URLs, at least 32 bytes, the same on every replica (required)");
ABSL_FLAG(std::string, public_base_url, "http://127.0.0.1:8080",
          "base of the VOD URLs handed to players: the gateway (no trailing /)");
ABSL_FLAG(std::string, vod_http_addr, "0.0.0.0:8090", "the VOD origin's HTTP listener");
ABSL_FLAG(std::string, vod_origin_url, "http://127.0.0.1:8090",
          "the VOD origin as the gateway reaches it (ResolveSegment's URLs for local tiers)");
ABSL_FLAG(std::string, vod_cache_dir, "/tmp/shopcast-vod-cache",
          "where cold segments are fetched to before serving (emptied at start)");
ABSL_FLAG(int64_t, vod_cache_max_bytes, int64_t{2} << 30, "bytes the cold cache may hold");
ABSL_FLAG(absl::Duration, vod_url_ttl, absl::Hours(6), "how long a playback URL works (1m..7d)");
ABSL_FLAG(absl::Duration, moment_lead_in, absl::Seconds(5),
          "playback from a moment starts this long before it (0..60s)");

// ---- clips ----
ABSL_FLAG(int32_t, clip_max_per_recording, 50, "host-made clips per recording (1..1000)");
ABSL_FLAG(absl::Duration, clip_lead_in, absl::Seconds(5),
          "a moment's clip starts this long before it");
ABSL_FLAG(absl::Duration, clip_lead_out, absl::Seconds(20), "and ends this long after it");
ABSL_FLAG(bool, clip_auto, true, "cut a clip around each sale of a saved recording");
ABSL_FLAG(int32_t, clip_workers, 2, "clips cut at once (1..16)");
ABSL_FLAG(std::string, clip_scratch_dir, "/tmp", "where clip jobs fetch their segments");
ABSL_FLAG(absl::Duration, clip_timeout, absl::Seconds(120), "the longest one cut may take");

// ---- markers ----
ABSL_FLAG(absl::Duration, orphan_grace, absl::Minutes(5),
          "a marker not placed this long after it arrived is reported as an orphan (10s..7d)");
ABSL_FLAG(absl::Duration, integrity_interval, absl::Minutes(1),
          "how often orphan markers are counted and reported (1s..1h)");

namespace shopcast::recording_lifecycle {
namespace {

bool Within(absl::Duration d, absl::Duration lo, absl::Duration hi) { return d >= lo && d <= hi; }

}  // namespace

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
  RETURN_IF_ERROR(startup::ReadEventSinks(c));

  // ---- tiers (and the hot root recordings index) ----
  ASSIGN_OR_RETURN(c.tiers, mover::TiersConfigFromFlags());
  c.hot_root = c.tiers.tiers.hot_root;
  if (c.hot_root.empty() || c.hot_root[0] != '/') {
    return absl::InvalidArgumentError("hot_root must be an absolute path");
  }

  // ---- playback ----
  c.vod_token_key_file = absl::GetFlag(FLAGS_vod_token_key_file);
  if (c.vod_token_key_file.empty())
    return absl::InvalidArgumentError("vod_token_key_file is required");
  c.playback.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  c.playback.origin_base_url = absl::GetFlag(FLAGS_vod_origin_url);
  for (const std::string* url : {&c.playback.public_base_url, &c.playback.origin_base_url}) {
    if (!(absl::StartsWith(*url, "http://") || absl::StartsWith(*url, "https://")) ||
        absl::EndsWith(*url, "/")) {
      return absl::InvalidArgumentError(
          "public_base_url and vod_origin_url must be http(s)://host[:port] without a trailing /");
    }
  }
  c.playback.url_ttl = absl::GetFlag(FLAGS_vod_url_ttl);
  c.playback.moment_lead_in = absl::GetFlag(FLAGS_moment_lead_in);
  if (!Within(c.playback.url_ttl, absl::Minutes(1), absl::Hours(24 * 7))) {
    return absl::InvalidArgumentError("vod_url_ttl must be 1m..7d");
  }
  if (!Within(c.playback.moment_lead_in, absl::ZeroDuration(), absl::Seconds(60))) {
    return absl::InvalidArgumentError("moment_lead_in must be 0..60s");
  }
  c.vod_origin.listen = absl::GetFlag(FLAGS_vod_http_addr);
  c.vod_origin.cache_dir = absl::GetFlag(FLAGS_vod_cache_dir);
  const int64_t cache_bytes = absl::GetFlag(FLAGS_vod_cache_max_bytes);
  if (cache_bytes < (int64_t{16} << 20)) {
    return absl::InvalidArgumentError("vod_cache_max_bytes must be at least 16 MiB");
  }
  c.vod_origin.cache_max_bytes = static_cast<uint64_t>(cache_bytes);

  // ---- clips ----
  c.clips.max_clips_per_recording = absl::GetFlag(FLAGS_clip_max_per_recording);
  c.clips.lead_in = absl::GetFlag(FLAGS_clip_lead_in);
  c.clips.lead_out = absl::GetFlag(FLAGS_clip_lead_out);
  c.clips.url_ttl = c.playback.url_ttl;
  if (c.clips.max_clips_per_recording < 1 || c.clips.max_clips_per_recording > 1000) {
    return absl::InvalidArgumentError("clip_max_per_recording must be 1..1000");
  }
  if (!Within(c.clips.lead_in, absl::ZeroDuration(), absl::Seconds(60)) ||
      !Within(c.clips.lead_out, absl::Seconds(1), absl::Seconds(120))) {
    return absl::InvalidArgumentError("clip_lead_in must be 0..60s and clip_lead_out 1s..120s");
  }
  c.clip_worker.auto_clips = absl::GetFlag(FLAGS_clip_auto);
  c.clip_worker.auto_lead_in = c.clips.lead_in;
  c.clip_worker.auto_lead_out = c.clips.lead_out;
  c.clip_worker.limits = c.clips.limits;
  c.clip_worker.concurrency = absl::GetFlag(FLAGS_clip_workers);
  c.clip_worker.scratch_root = absl::GetFlag(FLAGS_clip_scratch_dir);
  c.clip_worker.cut.timeout = absl::GetFlag(FLAGS_clip_timeout);
  if (c.clip_worker.concurrency < 1 || c.clip_worker.concurrency > 16) {
    return absl::InvalidArgumentError("clip_workers must be 1..16");
  }
  if (!Within(c.clip_worker.cut.timeout, absl::Seconds(5), absl::Minutes(30))) {
    return absl::InvalidArgumentError("clip_timeout must be 5s..30m");
  }

  // ---- markers ----
  c.orphan_grace = absl::GetFlag(FLAGS_orphan_grace);
  c.integrity_interval = absl::GetFlag(FLAGS_integrity_interval);
  if (!Within(c.orphan_grace, absl::Seconds(10), absl::Hours(24 * 7))) {
    return absl::InvalidArgumentError("orphan_grace must be 10s..7d");
  }
  if (!Within(c.integrity_interval, absl::Seconds(1), absl::Hours(1))) {
    return absl::InvalidArgumentError("integrity_interval must be 1s..1h");
  }
  return c;
}

}  // namespace shopcast::recording_lifecycle
