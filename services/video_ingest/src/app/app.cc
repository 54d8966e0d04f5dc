#include "app/app.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "access/access_cache.h"
#include "access/gated_access.h"
#include "access/playback_token.h"
#include "hls/hls_origin.h"
#include "ingest/backoff_admission.h"
#include "ingest/marker_feed.h"
#include "ingest/refusal_backoff.h"
#include "ingest/runtime.h"
#include "media/gstreamer_init.h"
#include "media/native_packager.h"
#include "media/pipeline.h"
#include "media/rendition_ladder.h"
#include "media/thumbnailer.h"
#include "rtmp/rtmp_server.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/call.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/service_parts.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"
#include "srt/srt_listener.h"
#include "streams/pass_event_sink.h"
#include "streams/store/marker_store.h"
#include "streams/store/pass_store.h"
#include "streams/store/stream_store.h"
#include "streams/stream_service.h"
#include "streams/streams.h"

namespace shopcast::db::embedded {
const MigrationSet& video_ingestMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::video_ingest {
namespace {

constexpr char kService[] = "video-ingest";

using startup::Fail;

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::video_ingestMigrations(), &events::OutboxMigrations(),
          &events::InboxMigrations()};
}

}  // namespace

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) {
  // Before the I/O, GStreamer, libsrt and gRPC threads start: glibc gives each allocating
  // thread an arena of its own (up to 8 per core) and keeps the memory freed there: over 20
  // publishes RSS grew 4.8 MB with 16 arenas, 0.9 MB with 2 (README, Memory).
  if (config.malloc_arena_max > 0) mallopt(M_ARENA_MAX, config.malloc_arena_max);
  // Public keys that sign access tokens (a private key file yields only its public half).
  auto verify_keys = startup::LoadVerifyKeys(config.verify_key_files);
  if (!verify_keys.ok()) return Fail("verify_keys", verify_keys.status());
  auto page_tokens = startup::LoadPageTokens(config.page_token_key_file);
  if (!page_tokens.ok()) return Fail("page_token_key", page_tokens.status());
  if (config.playback_token_key_file.empty()) {
    return Fail("playback_token_key",
                absl::InvalidArgumentError("playback_token_key_file is required"));
  }
  auto playback_tokens = access::LoadPlaybackTokenKeyFile(config.playback_token_key_file);
  if (!playback_tokens.ok()) return Fail("playback_token_key", playback_tokens.status());
  auto playback_codec =
      std::make_shared<const access::PlaybackTokenCodec>(*std::move(playback_tokens));
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return Fail("service_tls", tls.status());
  auto rtmp_addr = SplitHostPort(config.rtmp_addr, "rtmp_addr");
  auto hls_addr = SplitHostPort(config.hls_addr, "hls_addr");
  if (!rtmp_addr.ok() || !hls_addr.ok()) return Fail("config", absl::InvalidArgumentError("addr"));
  if (absl::Status s = db::ApplyMigrationsWhenReachable(config.db_dsn, MigrationSets()); !s.ok()) {
    return Fail("migrate", s);
  }
  auto pool = db::Pool::Create(db::PoolOptions{config.db_dsn, config.db_pool_size, absl::Seconds(5),
                                               streams::StreamStore::PreparedStatements(),
                                               "shopcast-video-ingest"});
  if (!pool.ok()) return Fail("db_pool", pool.status());
  media::InitGStreamer();

  const server::HostOptions host_options = startup::HostOptionsFor(kService, config, *tls);
  server::ServiceHost host(host_options);
  // Token revocations from the user service (required here); if it is unreachable, the last
  // known list stays in force and shopcast_revocations_stale says so.
  auth::RevocationList revoked;
  auto revocation_sync =
      startup::MakeRevocationSync(config, *tls, revoked, &host.metrics(), /*required=*/true);
  if (!revocation_sync.ok()) return Fail("user_internal_addr", revocation_sync.status());
  (void)(*revocation_sync)->SyncOnce();
  (*revocation_sync)->Start();

  // The origin first: its bound port is part of the address this instance advertises with its
  // heartbeat (LookupStreams tells the gateway which replica's origin holds a live stream).
  streams::PassStore passes(**pool);
  // What the origin checks on every request of a gated stream, refreshed from the database
  // every playback_access_refresh so a revoked pass stops playback on every replica.
  access::AccessCacheOptions access_options;
  access_options.refresh_interval = config.playback_access_refresh;
  access::AccessCache access_cache(passes, access_options);
  access_cache.Start();
  access::GatedAccess gated_access(access_cache, *playback_codec);
  // Live thumbnails beside the packagers, on one small worker for every stream, rendered when
  // the origin is asked for one (or every interval in eager mode) and for the poster; what can
  // be served goes to the database, so any replica answers thumbnail_url and StreamEnded names
  // the poster. Declared before the origin, which asks it for renders, and the runtime, whose
  // packagers hold thumbnail sessions until it stops. It records through the store, which needs
  // the origin's port and so comes later: `thumbnail_store` is set before the runtime starts,
  // and only sessions (the runtime's) record.
  streams::StreamStore* thumbnail_store = nullptr;
  std::unique_ptr<media::Thumbnailer> thumbnailer;
  if (config.thumbnail_interval > absl::ZeroDuration()) {
    if (absl::Status s = media::CheckThumbnailDecoders(); !s.ok()) return Fail("thumbnails", s);
    media::ThumbnailerOptions thumbnail_options;
    thumbnail_options.mode = config.thumbnail_mode == "eager" ? media::ThumbnailMode::kEager
                                                              : media::ThumbnailMode::kLazy;
    thumbnail_options.interval = config.thumbnail_interval;
    thumbnail_options.render.max_size = config.thumbnail_max_size;
    thumbnail_options.threads = config.thumbnail_threads;
    thumbnailer = std::make_unique<media::Thumbnailer>(
        thumbnail_options,
        [&thumbnail_store](const std::string& stream_id, bool poster) {
          return thumbnail_store->RecordThumbnail(
              stream_id, poster ? stream_id + "/" + media::kPosterFile : std::string(),
              absl::Now());
        },
        &host.metrics());
  }
  // Where each live playlist of this replica has got: the runtime's playlists report every
  // write, the origin parks blocking requests on it. Outlives both (declared before them).
  hls::PlaylistWatch playlist_watch;
  hls::HlsOriginOptions hls_options;
  hls_options.listen_address = hls_addr->first;
  hls_options.port = hls_addr->second;
  hls_options.root = config.segment_root;
  hls_options.blocking_max_hold = config.hls_blocking_max_hold;
  hls_options.max_parked = config.hls_max_parked;
  hls_options.max_connections = config.hls_max_connections;
  hls_options.blocking_playlist_max_age = config.hls_blocking_cache_max_age;
  hls_options.default_target_duration = config.target_duration;
  hls_options.thumbnail_max_age = config.thumbnail_interval;
  hls::HlsOrigin hls_origin(hls_options, &host.metrics(), &gated_access, &playlist_watch,
                            thumbnailer.get());

  // The origin serves the hot tier, which the runtime would otherwise create only later.
  std::error_code root_error;
  std::filesystem::create_directories(config.segment_root, root_error);
  if (root_error) {
    return Fail("segment_root", absl::FailedPreconditionError(root_error.message()));
  }
  if (absl::Status s = hls_origin.Start(); !s.ok()) return Fail("hls_listen", s);
  char host_name[HOST_NAME_MAX + 1] = {};
  (void)gethostname(host_name, sizeof host_name - 1);
  const std::string hls_advertised =
      AdvertisedHlsOrigin(config.hls_advertise_url, hls_addr->first, hls_origin.port(), host_name);

  streams::StoreOptions store_options;
  store_options.hls_origin = hls_advertised;
  store_options.playback_base_url = config.playback_base_url;
  store_options.reconnect_grace = config.reconnect_grace;
  store_options.max_open_streams_per_host = config.max_open_streams_per_host;
  store_options.instance_id = config.instance_id;
  store_options.instance_lease = config.instance_lease;
  store_options.event_destinations = {"realtime_push", "product_inventory", "recording_lifecycle"};
  streams::StreamStore store(**pool, store_options);
  thumbnail_store = &store;

  RuntimeOptions runtime_options;
  runtime_options.segment_root = config.segment_root;
  runtime_options.target_duration = config.target_duration;
  runtime_options.playlist_window = config.playlist_window;
  runtime_options.part_target = config.ll_hls ? config.part_target : absl::ZeroDuration();
  runtime_options.stall_timeout = config.stall_timeout;
  runtime_options.accept_hevc = config.AcceptsHevc();
  runtime_options.return_free_memory = config.return_free_memory;
  runtime_options.playlist_files = config.playlist_from_memory
                                       ? media::LivePlaylist::Options::PlaylistFiles::kSegments
                                       : media::LivePlaylist::Options::PlaylistFiles::kEvery;
  runtime_options.parts_in_memory = config.parts_from_memory;
  runtime_options.playlist_observer = [&playlist_watch](const std::string& stream_id,
                                                        const std::string& playlist_name) {
    return playlist_watch.Feeder(stream_id, playlist_name);
  };
  // Past the grace no reconnect can continue a stream; the margin covers clock differences.
  runtime_options.idle_stream_ttl = config.reconnect_grace + absl::Seconds(30);
  // Its database round trips (heartbeat, orphan sweep, grace expiry) cost the same with no
  // streams: run as rarely as the lease and the grace allow (a sixth of the lease, a twelfth
  // of the grace), between 1 and 5 s (5 s with the defaults).
  runtime_options.housekeeping_interval =
      std::clamp(std::min(config.instance_lease / 6, config.reconnect_grace / 12), absl::Seconds(1),
                 absl::Seconds(5));
  media::PackagerMetrics packager_metrics(host.metrics());
  media::GstPackagerFactory gst_packagers(&packager_metrics);
  // RTMP passthrough sessions without GStreamer when asked (--passthrough_engine=native); the
  // rest (SRT, HEVC, the ladder) still goes to gst_packagers.
  media::NativePackagerFactory native_packagers(gst_packagers, &packager_metrics);
  media::PackagerFactory* passthrough = &gst_packagers;
  if (config.passthrough_engine == "native") passthrough = &native_packagers;
  media::PackagerFactory* packagers = passthrough;
  // Live thumbnails beside the packagers (factory wrapped above the origin's thumbnailer).
  std::unique_ptr<media::ThumbnailingPackagerFactory> thumbnailing;
  if (thumbnailer) {
    thumbnailing = std::make_unique<media::ThumbnailingPackagerFactory>(*passthrough, *thumbnailer);
    packagers = thumbnailing.get();
  }
  // The rendition ladder: per stream, rungs transcoded beside the passthrough (off by default).
  std::unique_ptr<media::LadderMetrics> ladder_metrics;
  if (!config.renditions.empty()) {
    if (absl::Status s = media::CheckLadderElements(); !s.ok()) return Fail("renditions", s);
    ladder_metrics = std::make_unique<media::LadderMetrics>(host.metrics());
    runtime_options.renditions =
        [&config, &playlist_watch, &ladder_metrics, part_target = runtime_options.part_target,
         playlist_files = runtime_options.playlist_files,
         parts_in_memory = runtime_options.parts_in_memory](const std::string& stream_id) {
          media::LadderOptions lo;
          lo.rungs = config.renditions;
          lo.stream_dir = std::filesystem::path(config.segment_root) / stream_id;
          lo.stream_id = stream_id;
          lo.target_duration = config.target_duration;
          lo.part_target = part_target;
          lo.window = config.playlist_window;
          lo.observer = [&playlist_watch, stream_id](const std::string& playlist_name) {
            return playlist_watch.Feeder(stream_id, playlist_name);
          };
          lo.playlist_files = playlist_files;
          lo.parts_in_memory = parts_in_memory;
          lo.max_restarts = config.renditions_max_restarts;
          lo.fault_rung = config.renditions_fault;
          lo.fault_after_segments = config.renditions_fault_after;
          lo.metrics = ladder_metrics.get();
          return std::shared_ptr<media::StreamRenditions>(media::RenditionLadder::Create(lo));
        };
    std::string rungs;
    for (const media::RungSpec& r : config.renditions) {
      absl::StrAppend(&rungs, rungs.empty() ? "" : ",", r.name, ":", r.video_kbps);
    }
    log::Info("renditions_configured").Kv("rungs", rungs);
  }
  // Live timed metadata: the markers other services announce (stored by the EventSink on
  // whichever replica the relay reached) go into the playlists this replica writes, woken by
  // the database's NOTIFY at commit and by each session start here (markers stored before it);
  // the horizon outlasts any marker a playlist could show. Made before the runtime, which wakes
  // it; started once the runtime it reads is there.
  streams::MarkerStore markers(**pool);
  MarkerFeedOptions marker_options;
  marker_options.listen_dsn = config.db_dsn;
  marker_options.horizon =
      std::max(absl::Seconds(60), 2 * config.playlist_window * config.target_duration);
  IngestRuntime* live = nullptr;
  MarkerFeed marker_feed(
      marker_options, markers, [&live] { return live->LivePlaylists(); }, &host.metrics());
  runtime_options.on_session_started = [&marker_feed](const std::string&) { marker_feed.Wake(); };
  IngestRuntime runtime(runtime_options, store, *packagers, &host.metrics());
  if (absl::Status s = runtime.Start(); !s.ok()) return Fail("runtime", s);
  live = &runtime;
  marker_feed.Start();

  auth::TokenVerifier verifier(*verify_keys, config.token_issuer, config.token_audience);
  streams::StreamsOptions streams_options;
  streams_options.rtmp_public_url = config.rtmp_public_url;
  streams_options.srt_public_url = config.srt_public_url;
  streams_options.srt_latency_us = config.srt_latency_ms * 1000;
  streams_options.page_tokens = std::move(**page_tokens);
  streams_options.playback_tokens = playback_codec;
  streams_options.playback_token_ttl = config.playback_token_ttl;
  streams::Streams streams(store, passes, runtime, streams_options);
  streams::StreamServiceImpl service(streams, verifier, host.executor(), absl::Now, &revoked);
  streams::StreamInternalServiceImpl internal_service(streams, host.executor());
  // The order service's relay delivers access pass grants and revocations here, and order's
  // and product-inventory's relays the stream markers (sales, pins, flash sales, auctions).
  streams::PassEventSink pass_events(**pool, host.executor(), absl::Now, &host.metrics());
  host.AddService(&service);
  host.AddInternalService(&internal_service);
  host.AddInternalService(&pass_events);

  // Every publish attempt, RTMP or SRT, passes the refusal backoff before the runtime.
  RefusalBackoffOptions backoff_options;
  backoff_options.max_wait = absl::ToChronoMilliseconds(config.publish_backoff_max);
  if (config.publish_backoff_max == absl::ZeroDuration()) {
    backoff_options.free_refusals = std::numeric_limits<int>::max();
  }
  RefusalBackoff backoff(backoff_options);
  BackoffAdmission admission(runtime, backoff, &host.metrics());

  rtmp::RtmpOptions rtmp_options;
  rtmp_options.listen_address = rtmp_addr->first;
  rtmp_options.port = rtmp_addr->second;
  rtmp_options.max_connections = static_cast<size_t>(config.rtmp_max_connections);
  rtmp_options.max_pending_connections = static_cast<size_t>(config.rtmp_max_pending_connections);
  rtmp_options.max_pending_per_address = static_cast<size_t>(config.rtmp_max_pending_per_address);
  rtmp_options.handshake_timeout = absl::ToChronoMilliseconds(config.rtmp_handshake_timeout);
  rtmp_options.idle_timeout = absl::ToChronoMilliseconds(config.ingest_idle_timeout);
  rtmp_options.read_batch = absl::ToChronoMilliseconds(config.rtmp_read_batch);
  rtmp_options.read_batch_max_delay = absl::ToChronoMilliseconds(config.rtmp_read_batch_max_delay);
  // HEVC input: enhanced RTMP 'hvc1' and legacy codec id 12 pass the codec check when HEVC is
  // accepted (the packager reads such FLV itself, media/flv_feed.h).
  rtmp_options.codecs.hevc = config.AcceptsHevc() ? rtmp::CodecCheckOptions::Hevc::kAccepted
                                                  : rtmp::CodecCheckOptions::Hevc::kRefused;
  rtmp::RtmpServer rtmp_server(rtmp_options, admission, &host.metrics());

  srt::SrtOptions srt_options;
  srt_options.bind_address = config.srt_bind_address;
  srt_options.port = static_cast<uint16_t>(config.srt_port);
  srt_options.latency = absl::Milliseconds(config.srt_latency_ms);
  srt_options.max_connections = config.srt_max_connections;
  srt_options.rest_after = config.srt_rest_after;
  srt_options.passphrase = config.srt_passphrase;
  srt_options.idle_timeout = config.ingest_idle_timeout;
  srt::SrtListener srt_listener(srt_options, admission, &host.metrics());

  if (absl::Status s = rtmp_server.Start(); !s.ok()) return Fail("rtmp_listen", s);
  if (absl::Status s = srt_listener.Start(); !s.ok()) return Fail("srt_listen", s);
  // The relay delivers outbox events to the destinations that have an address; the others'
  // events wait in the outbox until their service is deployed and configured.
  auto delivery =
      startup::OutboxDelivery::Create(**pool, config.event_sinks, *tls, &host.metrics());
  if (!delivery.ok()) return Fail("event_sinks", delivery.status());
  (*delivery)->Start();

  db::Pool* raw_pool = pool->get();
  // Segments recorded since the last check are answer enough; only a quiet replica probes.
  host.SetReadinessCheck(
      [raw_pool, within = host_options.readiness_interval] { return raw_pool->Ping(within); });
  if (absl::Status s = host.Start(); !s.ok()) return Fail("listen", s);
  log::Info("video_ingest_ready")
      .Kv("rtmp_port", rtmp_server.port())
      .Kv("srt_port", srt_listener.port())
      .Kv("hls_port", hls_origin.port())
      .Kv("hls_origin", hls_advertised);

  host.WaitForShutdown();
  // Encoders first: no new sessions, and each live one is flushed and recorded (its stream
  // waits in RECONNECTING for the encoder to come back, to this or another replica).
  rtmp_server.Stop();
  srt_listener.Stop();
  marker_feed.Stop();
  runtime.Stop();
  (*delivery)->Stop();
  hls_origin.Stop();
  access_cache.Stop();
  host.Shutdown();
  (*revocation_sync)->Stop();
  return 0;
}

}  // namespace shopcast::video_ingest
