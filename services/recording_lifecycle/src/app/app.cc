#include "app/app.h"

#include <unistd.h>

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "app/event_sink_service.h"
#include "app/internal_service.h"
#include "app/public_service.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/startup/service_core.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

// ---- area headers ----
#include "clips/clip_store.h"
#include "clips/clip_worker.h"
#include "clips/clips.h"
#include "clips/clips_rpcs.h"
#include "clips/cutter.h"
#include "markers/marker_store.h"
#include "markers/orphan_watch.h"
#include "mover/mover.h"
#include "mover/purger.h"
#include "playback/playback.h"
#include "playback/playback_rpcs.h"
#include "playback/playback_store.h"
#include "playback/vod_origin.h"
#include "playback/vod_token.h"
#include "policies/aging_pass.h"
#include "policies/policy.h"
#include "policies/policy_store.h"
#include "policies/tiers_rpcs.h"
#include "policies/tiers_service.h"
#include "recordings/recording_events.h"
#include "recordings/recordings.h"
#include "recordings/recordings_rpcs.h"
#include "storage/storage_metrics.h"
#include "storage/tier_set.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::recording_lifecycle {
namespace {

using startup::AtStep;

// Names this process in leases (the mover's, the clip worker's): the host (the pod) name.
std::string InstanceName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "recording-lifecycle";
  return host;
}

// The signed URL of a JPEG object of a recording, as the VOD origin serves it
// (playback/vod_target.h): video-ingest's poster "str_…/poster.jpg" → /vod/<rec>/poster.jpg,
// "rec_…/clips/clp_….jpg" and "rec_…/thumbs/thm_….jpg" → the same path under /vod/, with a
// picture token (it opens no media: a gated recording's pictures are public, its playback is
// not). Empty for any other key.
std::string ImageUrl(const playback::VodTokenCodec& codec, const std::string& base,
                     const std::string& recording_id, const std::string& object_key,
                     absl::Time expires) {
  std::string path;
  if (absl::EndsWith(object_key, "/poster.jpg") && absl::StartsWith(object_key, "str_")) {
    path = "poster.jpg";
  } else if (absl::StartsWith(object_key, recording_id + "/")) {
    path = object_key.substr(recording_id.size() + 1);
  }
  if (path.empty()) return "";
  playback::VodClaims claims;
  claims.scope = playback::VodScope::kPictures;
  claims.recording_id = recording_id;
  claims.expires_at = expires;
  return absl::StrCat(base, "/vod/", recording_id, "/", path, "?token=", codec.Sign(claims));
}

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::recording_lifecycleMigrations(), &events::OutboxMigrations(),
          &events::InboxMigrations()};
}

}  // namespace

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  std::unique_ptr<startup::ServiceCore> core;

  // ---- area parts: tiers (storage, mover, purger, aging policies) ----
  std::unique_ptr<storage::PrometheusStorageMetrics> storage_metrics;
  std::unique_ptr<storage::TierSet> tiers;
  std::unique_ptr<mover::Mover> mover;
  std::unique_ptr<mover::Purger> purger;
  std::unique_ptr<policies::PolicyStore> policy_store;
  std::unique_ptr<policies::AgingPass> aging;
  std::unique_ptr<policies::TiersService> tiers_service;
  std::unique_ptr<policies::TiersRpcs> tiers_rpcs;
  std::unique_ptr<policies::AgingInternalRpcs> aging_rpcs;
  // ---- area parts: playback ----
  std::unique_ptr<playback::VodTokenCodec> vod_tokens;
  std::unique_ptr<playback::PlaybackStore> playback_store;
  std::unique_ptr<playback::Playback> playback;
  std::unique_ptr<playback::PlaybackRpcs> playback_rpcs;
  std::unique_ptr<playback::VodOrigin> vod_origin;
  // ---- area parts: clips and thumbnails ----
  std::unique_ptr<clips::ClipStore> clip_store;
  std::unique_ptr<clips::ClipWorker> clip_worker;
  std::unique_ptr<clips::Clips> clips;
  std::unique_ptr<clips::ClipsRpcs> clips_rpcs;
  // ---- area parts: markers ----
  std::unique_ptr<markers::MarkerEvents> marker_events;
  std::unique_ptr<markers::OrphanWatch> orphan_watch;
  // ---- area parts: recordings ----
  std::unique_ptr<recordings::RecordingEvents> recording_events;
  std::unique_ptr<recordings::Recordings> recordings;
  std::unique_ptr<recordings::RecordingsRpcs> recordings_rpcs;

  std::unique_ptr<EventSinkService> event_sink;
  std::unique_ptr<PublicService> public_service;
  std::unique_ptr<InternalService> internal_service;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config,
                                                 const AppOverrides& overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  // Beyond the executor's threads (db_pool_size): the relay's rounds and the orphan report, one
  // each; the mover's and the clip worker's threads and the purger and aging loops, which each
  // hold one while they work. The VOD origin's short reads share the executor's share.
  startup::ServiceCoreOptions core_options;
  core_options.service = "recording-lifecycle";
  core_options.migrations = MigrationSets();
  core_options.extra_connections =
      2 + config.tiers.mover.concurrency + config.clip_worker.concurrency + 2;
  ASSIGN_OR_RETURN(p->core, startup::ServiceCore::Create(config, std::move(core_options)));
  startup::ServiceCore& core = *p->core;
  prometheus::Registry* metrics = core.metrics();
  server::Executor& executor = core.executor();

  std::function<std::string(absl::string_view)> new_id =
      overrides.new_id ? overrides.new_id
                       : [](absl::string_view prefix) { return ids::NewId(prefix); };

  // ---- area wiring: tiers ----
  // Every event this service emits goes where "recording ready" goes (realtime-push).
  const std::vector<std::string> destinations = {recordings::kReadyDestination};
  mover::TiersConfig tiers_config = config.tiers;
  if (tiers_config.tiers.hot_root.empty()) tiers_config.tiers.hot_root = config.hot_root;
  p->storage_metrics = std::make_unique<storage::PrometheusStorageMetrics>(*metrics);
  auto tiers = storage::TierSet::Create(tiers_config.tiers, p->storage_metrics.get());
  if (!tiers.ok()) return AtStep("tiers", tiers.status());
  p->tiers = *std::move(tiers);
  tiers_config.mover.owner = InstanceName();
  tiers_config.mover.event_destinations = destinations;
  tiers_config.purger.event_destinations = destinations;
  p->mover = std::make_unique<mover::Mover>(*core.pool, *p->tiers, tiers_config.mover, metrics);
  p->purger = std::make_unique<mover::Purger>(*core.pool, *p->tiers, tiers_config.purger, metrics);
  p->policy_store = std::make_unique<policies::PolicyStore>(*core.pool);
  p->aging = std::make_unique<policies::AgingPass>(
      *core.pool, *p->policy_store, p->mover.get(), p->purger.get(),
      policies::AgingPassOptions{tiers_config.aging_batch, tiers_config.aging_interval,
                                 tiers_config.aging_test_clock, destinations},
      metrics);
  p->tiers_service = std::make_unique<policies::TiersService>(
      *core.pool, *p->policy_store, *p->aging, p->mover.get(), *core.page_tokens, destinations);
  p->tiers_rpcs = std::make_unique<policies::TiersRpcs>(*p->tiers_service, *core.verifier,
                                                        &core.revoked, executor);
  p->aging_rpcs = std::make_unique<policies::AgingInternalRpcs>(*p->tiers_service, executor);
  const storage::TierSet* tier_set = p->tiers.get();
  auto provider_of = [tier_set](v1::StorageTier tier) { return tier_set->Provider(tier); };

  // ---- area wiring: playback ----
  auto vod_tokens = playback::LoadVodTokenKeyFile(config.vod_token_key_file);
  if (!vod_tokens.ok()) return AtStep("vod_token_key", vod_tokens.status());
  p->vod_tokens = std::make_unique<playback::VodTokenCodec>(*std::move(vod_tokens));
  p->playback_store = std::make_unique<playback::PlaybackStore>(*core.pool);
  p->playback = std::make_unique<playback::Playback>(*p->playback_store, *p->vod_tokens,
                                                     provider_of, config.playback);
  p->playback_rpcs = std::make_unique<playback::PlaybackRpcs>(*p->playback, *core.verifier,
                                                              &core.revoked, executor);
  p->vod_origin = std::make_unique<playback::VodOrigin>(config.vod_origin, *p->playback,
                                                        *p->vod_tokens, metrics);

  // ---- area wiring: clips and thumbnails ----
  RETURN_IF_ERROR(AtStep("gstreamer", clips::CheckCutterElements()));
  p->clip_store = std::make_unique<clips::ClipStore>(*core.pool);
  p->clip_worker = std::make_unique<clips::ClipWorker>(*p->clip_store, p->tiers->hot(), provider_of,
                                                       config.clip_worker, InstanceName(), metrics);
  const playback::VodTokenCodec* vod_codec = p->vod_tokens.get();
  const std::string vod_base = config.playback.public_base_url;
  // A READY clip's MP4 and the JPEGs of a recording, served by the VOD origin through the
  // gateway (playback/vod_target.h gives the paths).
  clips::ClipUrlMaker clip_url = [vod_codec, vod_base](const v1::Clip& clip, absl::Time expires) {
    playback::VodClaims claims;
    claims.scope = playback::VodScope::kClip;
    claims.recording_id = clip.recording_id();
    claims.clip_id = clip.id();
    claims.expires_at = expires;
    return absl::StrCat(vod_base, "/vod/", clip.recording_id(), "/clips/", clip.id(),
                        ".mp4?token=", vod_codec->Sign(claims));
  };
  clips::ImageUrlMaker image_url = [vod_codec, vod_base](const std::string& recording_id,
                                                         const std::string& object_key,
                                                         absl::Time expires) {
    return ImageUrl(*vod_codec, vod_base, recording_id, object_key, expires);
  };
  clips::ClipWorker* worker = p->clip_worker.get();
  // SetPrimaryThumbnail answers with GetRecording's view (the recordings area, built below).
  Parts* parts = p.get();
  clips::RecordingView recording_view =
      [parts](const auth::Caller& caller,
              const std::string& recording_id) -> absl::StatusOr<v1::Recording> {
    v1::GetRecordingRequest request;
    request.set_recording_id(recording_id);
    v1::GetRecordingResponse response;
    RETURN_IF_ERROR(parts->recordings->GetRecording(caller, request, &response));
    return std::move(*response.mutable_recording());
  };
  p->clips = std::make_unique<clips::Clips>(
      *p->clip_store, p->tiers->hot(), config.clips, *core.page_tokens, clip_url, image_url,
      [worker] { worker->Wake(); }, metrics, provider_of, recording_view);
  p->clips_rpcs =
      std::make_unique<clips::ClipsRpcs>(*p->clips, *core.verifier, &core.revoked, executor);

  // ---- area wiring: markers ----
  p->marker_events = std::make_unique<markers::MarkerEvents>(new_id, metrics);
  p->orphan_watch = std::make_unique<markers::OrphanWatch>(*core.pool, config.orphan_grace,
                                                           config.integrity_interval, metrics);
  // ---- area wiring: recordings ----
  p->recording_events =
      std::make_unique<recordings::RecordingEvents>(new_id, *p->marker_events, metrics);
  const absl::Duration url_ttl = config.playback.url_ttl;
  mover::Purger* purger = p->purger.get();
  p->recordings = std::make_unique<recordings::Recordings>(
      *core.pool, *core.page_tokens,
      [vod_codec, vod_base, url_ttl](const std::string& recording_id,
                                     const std::string& object_key) {
        return ImageUrl(*vod_codec, vod_base, recording_id, object_key, absl::Now() + url_ttl);
      },
      [purger] { purger->Wake(); },
      // next_transition_at: when its policy would next move it, if nobody plays it.
      [policy_store = p->policy_store.get()](v1::Recording* r, bool legal_hold) {
        if (r->policy_id().empty()) return;
        absl::StatusOr<v1::AgingPolicy> policy = policy_store->Get(r->policy_id());
        if (!policy.ok()) return;
        policies::RecordingFacts facts;
        facts.id = r->id();
        facts.host_id = r->host_id();
        facts.status = r->status();
        facts.decision = r->decision();
        facts.tier = r->tier();
        const auto time_of = [](const google::protobuf::Timestamp& t) {
          return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
        };
        if (r->has_ended_at()) facts.ended_at = time_of(r->ended_at());
        if (r->has_last_played_at()) facts.last_played_at = time_of(r->last_played_at());
        facts.view_count = r->view_count();
        facts.legal_hold = legal_hold;
        const absl::Time at = policies::NextTransitionAt(*policy, facts);
        if (at == absl::InfiniteFuture() || at == absl::InfinitePast()) return;
        const int64_t nanos = absl::ToUnixNanos(at);
        r->mutable_next_transition_at()->set_seconds(nanos / 1000000000);
        r->mutable_next_transition_at()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
      },
      recordings::TierProviderNames{p->tiers->hot().name(), p->tiers->warm().name(),
                                    p->tiers->cold().name()});
  p->tiers_service->SetRecordingView(
      [recordings = p->recordings.get()](const auth::Caller& caller,
                                         const std::string& id) -> absl::StatusOr<v1::Recording> {
        v1::GetRecordingRequest request;
        request.set_recording_id(id);
        v1::GetRecordingResponse response;
        RETURN_IF_ERROR(recordings->GetRecording(caller, request, &response));
        return std::move(*response.mutable_recording());
      });
  p->recordings_rpcs = std::make_unique<recordings::RecordingsRpcs>(*p->recordings, *core.verifier,
                                                                    &core.revoked, executor);

  p->event_sink =
      std::make_unique<EventSinkService>(*core.pool, executor, *p->recording_events,
                                         *p->marker_events, metrics, [purger] { purger->Wake(); });
  PublicAreas areas;
  // ---- area routes ----
  areas.recordings = p->recordings_rpcs.get();
  areas.playback = p->playback_rpcs.get();
  areas.tiers = p->tiers_rpcs.get();
  areas.clips = p->clips_rpcs.get();
  InternalAreas internal_areas;
  // ---- area internal routes ----
  internal_areas.playback = p->playback_rpcs.get();
  internal_areas.aging = p->aging_rpcs.get();

  p->public_service = std::make_unique<PublicService>(areas);
  p->internal_service = std::make_unique<InternalService>(internal_areas);
  core.host->AddService(p->public_service.get());
  core.host->AddInternalService(p->event_sink.get());
  core.host->AddInternalService(p->internal_service.get());
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  // Revocations and the relay first: what the events commit goes out from the first call on.
  p.core->StartSupport();
  // ---- area start ----
  p.orphan_watch->Start();
  p.mover->Start();
  p.purger->Start();
  p.aging->Start();
  p.clip_worker->Start();
  RETURN_IF_ERROR(p.vod_origin->Start());
  return p.core->host->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  p.core->host->Shutdown();
  // ---- area stop ----
  p.vod_origin->Stop();
  p.clip_worker->Stop();
  p.aging->Stop();
  p.purger->Stop();
  p.mover->Stop();
  p.orphan_watch->Stop();
  // Last: what the drained calls committed is still delivered by the next replica's relay.
  p.core->StopSupport();
}

server::ServiceHost& App::host() { return *parts_->core->host; }

uint16_t App::vod_http_port() const { return parts_->vod_origin->port(); }

markers::OrphanWatch& App::orphan_watch() { return *parts_->orphan_watch; }

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) {
  return startup::Serve<App>(
      config, +[](App& app, const Config& c, log::Line& serving) {
        serving.Kv("vod_http_port", app.vod_http_port()).Kv("hot_root", c.hot_root);
      });
}

}  // namespace shopcast::recording_lifecycle
