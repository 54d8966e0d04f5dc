#include "playback/vod_origin.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "playback/rehydration_cache.h"
#include "playback/vod_target.h"
#include "shopcast/http_files/responses.h"
#include "shopcast/http_files/server.h"
#include "shopcast/log/log.h"
#include "shopcast/server/executor.h"
#include "shopcast/status/status.h"
#include "storage/filesystem_provider.h"
#include "storage/object_key.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

namespace http = boost::beast::http;
using http_files::Reply;
using http_files::Request;

constexpr std::string_view kAllowedMethods = "GET, HEAD, OPTIONS";
constexpr std::string_view kImmutable = "private, max-age=31536000, immutable";

boost::beast::string_view Bv(std::string_view s) { return {s.data(), s.size()}; }
std::string_view Std(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Remembers which tokens were counted as a view, and when: one view per token per window.
class ViewCounter {
 public:
  ViewCounter(absl::Duration window, size_t max_tokens) : window_(window), max_(max_tokens) {}

  // True when this token's playlist fetch is a new view at `now`.
  bool ShouldCount(std::string_view token, absl::Time now) {
    // The MAC (the last 43 characters) identifies a token.
    const std::string key(token.substr(token.size() > 43 ? token.size() - 43 : 0));
    absl::MutexLock lock(&mu_);
    auto it = last_.find(key);
    if (it != last_.end() && now - it->second < window_) return false;
    if (it == last_.end()) {
      order_.push_back(key);
      while (order_.size() > max_) {
        last_.erase(order_.front());
        order_.pop_front();
      }
    }
    last_[key] = now;
    return true;
  }

 private:
  const absl::Duration window_;
  const size_t max_;
  absl::Mutex mu_;
  std::unordered_map<std::string, absl::Time> last_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
};

struct Metrics {
  explicit Metrics(prometheus::Registry* registry) {
    if (registry == nullptr) return;
    auto& refusals = prometheus::BuildCounter()
                         .Name("recording_lifecycle_vod_refusals_total")
                         .Help("VOD requests refused for their token, by reason")
                         .Register(*registry);
    for (auto p : {VodTokenProblem::kMalformed, VodTokenProblem::kForged, VodTokenProblem::kExpired,
                   VodTokenProblem::kWrongRecording, VodTokenProblem::kWrongScope}) {
      refused[static_cast<size_t>(p)] =
          &refusals.Add({{"reason", std::string(VodProblemLabel(p))}});
    }
    missing = &refusals.Add({{"reason", "token_missing"}});
    pass_revoked = &refusals.Add({{"reason", "access_pass_revoked"}});
    auto& served = prometheus::BuildCounter()
                       .Name("recording_lifecycle_vod_objects_served_total")
                       .Help("Segments and assets answered from storage, by tier")
                       .Register(*registry);
    for (auto t : {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD}) {
      by_tier[t] = &served.Add({{"tier", t == v1::STORAGE_TIER_HOT    ? "hot"
                                         : t == v1::STORAGE_TIER_WARM ? "warm"
                                                                      : "cold"}});
    }
    auto& rehyd = prometheus::BuildCounter()
                      .Name("recording_lifecycle_vod_rehydrations_total")
                      .Help("Cold objects fetched into the rehydration cache, by outcome")
                      .Register(*registry);
    rehydrated_ok = &rehyd.Add({{"outcome", "ok"}});
    rehydrated_failed = &rehyd.Add({{"outcome", "failed"}});
    cache_hits = &prometheus::BuildCounter()
                      .Name("recording_lifecycle_vod_cache_hits_total")
                      .Help("Cold objects served from the rehydration cache without a fetch")
                      .Register(*registry)
                      .Add({});
    views = &prometheus::BuildCounter()
                 .Name("recording_lifecycle_vod_views_total")
                 .Help("Views counted (one per token per window)")
                 .Register(*registry)
                 .Add({});
    cache_bytes = &prometheus::BuildGauge()
                       .Name("recording_lifecycle_vod_cache_bytes")
                       .Help("Bytes in the rehydration cache")
                       .Register(*registry)
                       .Add({});
  }
  static void Inc(prometheus::Counter* c) {
    if (c != nullptr) c->Increment();
  }

  std::array<prometheus::Counter*, 6> refused{};
  prometheus::Counter* missing = nullptr;
  prometheus::Counter* pass_revoked = nullptr;
  std::array<prometheus::Counter*, 4> by_tier{};
  prometheus::Counter* rehydrated_ok = nullptr;
  prometheus::Counter* rehydrated_failed = nullptr;
  prometheus::Counter* cache_hits = nullptr;
  prometheus::Counter* views = nullptr;
  prometheus::Gauge* cache_bytes = nullptr;
};

class VodHandler final : public http_files::Handler {
 public:
  VodHandler(const VodOriginOptions& options, Playback& playback, const VodTokenCodec& codec,
             prometheus::Registry* registry)
      : options_(options),
        playback_(playback),
        codec_(codec),
        metrics_(registry),
        views_(options.view_window, options.max_view_tokens),
        executor_(options.workers, options.max_queue),
        playlist_cache_control_(
            absl::StrCat("private, max-age=", absl::ToInt64Seconds(options.playlist_max_age))) {}

  absl::Status OpenCache() {
    ASSIGN_OR_RETURN(cache_, RehydrationCache::Open(options_.cache_dir, options_.cache_max_bytes,
                                                    options_.cold_fetch_timeout));
    return absl::OkStatus();
  }

  void Shutdown() { executor_.Shutdown(); }

  Reply Respond(const Request& request) const override {
    VodResource resource;
    VodClaims claims;
    std::string token;
    if (std::optional<Reply> early = Screen(request, resource, claims, token)) {
      return *std::move(early);
    }
    return Serve(request, resource, claims, token);
  }

  std::optional<Reply> RespondOrDefer(
      const Request& request,
      const std::shared_ptr<http_files::DeferredReply>& later) const override {
    auto resource = std::make_shared<VodResource>();
    auto claims = std::make_shared<VodClaims>();
    auto token = std::make_shared<std::string>();
    if (std::optional<Reply> early = Screen(request, *resource, *claims, *token)) return early;
    auto copy = std::make_shared<Request>(request);
    const bool queued = executor_.TrySubmit([this, later, copy, resource, claims, token] {
      auto reply = std::make_shared<Reply>(Serve(*copy, *resource, *claims, *token));
      boost::asio::post(later->executor(), [later, reply] { later->Complete(std::move(*reply)); });
    });
    if (!queued) {
      Reply busy = Text(http::status::service_unavailable, request, "busy\n", resource->kind);
      std::visit([](auto& m) { m.set(http::field::retry_after, "1"); }, busy.message);
      return busy;
    }
    return std::nullopt;
  }

  Reply Reject(http::status status, unsigned version) const override {
    return http_files::RejectReply(status, version, [this](http::fields& f) { AddCors(f); });
  }

 private:
  void AddCors(http::fields& f) const {
    f.set(http::field::access_control_allow_origin, Bv(options_.cors_origin));
    f.set(http::field::access_control_expose_headers,
          "Content-Length, Content-Range, Accept-Ranges, ETag");
  }

  Reply Text(http::status status, const Request& request, std::string body,
             VodResourceKind kind) const {
    return http_files::TextReply(
        status, request, std::move(body), KindLabel(kind), [this](http::fields& f) { AddCors(f); },
        kAllowedMethods);
  }

  // Method, Host, target, token: everything decided without I/O.
  std::optional<Reply> Screen(const Request& request, VodResource& resource, VodClaims& claims,
                              std::string& token) const {
    const http::verb method = request.method();
    if (method == http::verb::options) {
      Reply reply;
      reply.status = static_cast<unsigned>(http::status::no_content);
      reply.keep_alive = request.keep_alive();
      http::response<http::empty_body> res{http::status::no_content, request.version()};
      res.set(http::field::date, http_files::HttpDate(absl::Now()));
      AddCors(res);
      res.set(http::field::allow, Bv(kAllowedMethods));
      res.set(http::field::access_control_allow_methods, Bv(kAllowedMethods));
      res.set(http::field::access_control_allow_headers, "Range");
      res.set(http::field::access_control_max_age, "86400");
      res.keep_alive(reply.keep_alive);
      reply.message = std::move(res);
      return reply;
    }
    if (method != http::verb::get && method != http::verb::head) {
      return Text(http::status::method_not_allowed, request, "method not allowed\n",
                  VodResourceKind::kPlaylist);
    }
    if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
      return Text(http::status::bad_request, request, "missing Host\n", VodResourceKind::kPlaylist);
    }
    std::optional<VodResource> parsed = ParseVodTarget(Std(request.target()));
    if (!parsed) {
      return Text(http::status::not_found, request, "not found\n", VodResourceKind::kPlaylist);
    }
    resource = std::move(*parsed);
    const std::optional<std::string_view> param = VodTokenParam(Std(request.target()));
    if (!param) {
      Metrics::Inc(metrics_.missing);
      Reply reply = Text(http::status::unauthorized, request,
                         "playback token required: token_missing\n", resource.kind);
      std::visit([](auto& m) { m.set(http::field::www_authenticate, "ShopcastPlaybackToken"); },
                 reply.message);
      return reply;
    }
    const bool clip_asset = resource.kind == VodResourceKind::kClipVideo ||
                            resource.kind == VodResourceKind::kClipPoster;
    const absl::Time now = absl::Now();
    const absl::string_view presented(param->data(), param->size());
    VodTokenProblem problem = codec_.Verify(presented, resource.recording_id,
                                            clip_asset ? resource.asset_id : "", now, &claims);
    // A clip's video opens with its clip token only; its poster with that, or with the
    // recording's token (the recording page lists its clips).
    if (problem == VodTokenProblem::kWrongRecording &&
        resource.kind == VodResourceKind::kClipPoster) {
      problem = codec_.Verify(presented, resource.recording_id, "", now, &claims);
    }
    // A picture token (GetRecording's thumbnail_url, ListThumbnails) opens no media: a gated
    // recording's pictures are shown to everyone, its playback is not.
    const bool picture = resource.kind == VodResourceKind::kPoster ||
                         resource.kind == VodResourceKind::kThumbnail ||
                         resource.kind == VodResourceKind::kClipPoster;
    if (problem == VodTokenProblem::kNone && claims.scope == VodScope::kPictures && !picture) {
      problem = VodTokenProblem::kWrongScope;
    }
    if (problem != VodTokenProblem::kNone) {
      Metrics::Inc(metrics_.refused[static_cast<size_t>(problem)]);
      return Text(http::status::forbidden, request,
                  absl::StrCat("playback refused: ", VodProblemLabel(problem), "\n"),
                  resource.kind);
    }
    token = std::string(*param);
    return std::nullopt;
  }

  Reply StatusReply(const absl::Status& status, const Request& request,
                    const VodResource& resource) const {
    const std::string reason = ReasonOf(status);
    if (absl::IsNotFound(status)) {
      return Text(http::status::not_found, request, "not found\n", resource.kind);
    }
    if (reason == kReasonRecordingExpired) {
      return Text(http::status::gone, request, "recording expired\n", resource.kind);
    }
    if (reason == kReasonRecordingNotReady) {
      return Text(http::status::not_found, request, "recording not ready\n", resource.kind);
    }
    log::Warn("vod_serve_failed")
        .Kv("recording_id", resource.recording_id)
        .Kv("kind", std::string(KindLabel(resource.kind)))
        .Kv("code", absl::StatusCodeToString(status.code()))
        .Kv("reason", reason);
    Reply reply = Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
    std::visit([](auto& m) { m.set(http::field::retry_after, "2"); }, reply.message);
    return reply;
  }

  Reply Serve(const Request& request, const VodResource& resource, const VodClaims& claims,
              const std::string& token) const {
    try {
      // A gated recording's viewer token holds only while the viewer's access pass does: a
      // refund stops the replay at the next request, not when the token expires.
      if (claims.scope == VodScope::kPassHolder) {
        absl::StatusOr<bool> holds =
            playback_.store().HoldsPass(resource.recording_id, claims.pass_holder);
        if (!holds.ok()) return StatusReply(holds.status(), request, resource);
        if (!*holds) {
          Metrics::Inc(metrics_.pass_revoked);
          return Text(http::status::forbidden, request, "playback refused: access_pass_revoked\n",
                      resource.kind);
        }
      }
      switch (resource.kind) {
        case VodResourceKind::kPlaylist:
          return ServePlaylist(request, resource, claims, token);
        case VodResourceKind::kSegment:
          return ServeSegment(request, resource);
        default:
          return ServeAsset(request, resource);
      }
    } catch (const std::exception& e) {
      log::Error("vod_serve_exception").Kv("what", e.what());
      return StatusReply(absl::InternalError("unexpected"), request, resource);
    }
  }

  Reply ServePlaylist(const Request& request, const VodResource& resource, const VodClaims& claims,
                      const std::string& token) const {
    std::optional<int64_t> start_us;
    if (claims.start_ms) start_us = *claims.start_ms * 1000;
    absl::StatusOr<std::string> text =
        playback_.PlaylistText(resource.recording_id, start_us, "", "?token=" + token);
    if (!text.ok()) return StatusReply(text.status(), request, resource);
    if (request.method() == http::verb::get && views_.ShouldCount(token, absl::Now())) {
      if (absl::Status s = playback_.store().CountView(resource.recording_id); s.ok()) {
        Metrics::Inc(metrics_.views);
      } else {
        log::Warn("vod_view_count_failed")
            .Kv("recording_id", resource.recording_id)
            .Kv("reason", ReasonOf(s));
      }
    }
    Reply reply;
    reply.kind = KindLabel(resource.kind);
    reply.status = static_cast<unsigned>(http::status::ok);
    reply.keep_alive = request.keep_alive();
    const size_t length = text->size();
    auto fill = [&](auto& res) {
      res.set(http::field::date, http_files::HttpDate(absl::Now()));
      AddCors(res);
      res.set(http::field::content_type, Bv(ContentTypeOf(resource.kind)));
      res.set(http::field::cache_control, playlist_cache_control_);
      res.keep_alive(reply.keep_alive);
    };
    if (request.method() == http::verb::head) {
      http::response<http::empty_body> res{http::status::ok, request.version()};
      fill(res);
      res.content_length(length);
      reply.message = std::move(res);
    } else {
      http::response<http::string_body> res{http::status::ok, request.version()};
      fill(res);
      res.body() = *std::move(text);
      res.prepare_payload();
      reply.message = std::move(res);
    }
    return reply;
  }

  // Opens `key` in `tier`: a file under a filesystem provider's root, or the rehydrated copy
  // of a cold object.
  absl::StatusOr<http_files::OpenFile> OpenObject(v1::StorageTier tier,
                                                  const std::string& key) const {
    storage::StorageProvider* provider =
        playback_.providers() ? playback_.providers()(tier) : nullptr;
    if (provider == nullptr) {
      return Error(absl::StatusCode::kUnavailable, "TIER_NOT_CONFIGURED",
                   "the object's tier has no provider here");
    }
    // Keys come from our own rows; still, nothing outside the key grammar reaches a file.
    if (!storage::ValidateKey(key).ok()) return NotFound("OBJECT_NOT_FOUND", "no such object");
    if (auto* fs = dynamic_cast<storage::FilesystemProvider*>(provider); fs != nullptr) {
      std::vector<std::string> parts = absl::StrSplit(key, '/');
      if (parts.size() > 8 || key.empty()) return NotFound("OBJECT_NOT_FOUND", "no such object");
      for (const std::string& p : parts) {
        if (p.empty() || p == "." || p == "..") return NotFound("OBJECT_NOT_FOUND", "bad key");
      }
      // OpenUnderRoot takes an initializer list: keys are at most a few components deep.
      const std::string root = fs->root().string();
      switch (parts.size()) {
        case 1:
          return http_files::OpenUnderRoot(root, {parts[0]});
        case 2:
          return http_files::OpenUnderRoot(root, {parts[0], parts[1]});
        case 3:
          return http_files::OpenUnderRoot(root, {parts[0], parts[1], parts[2]});
        case 4:
          return http_files::OpenUnderRoot(root, {parts[0], parts[1], parts[2], parts[3]});
        default:
          return NotFound("OBJECT_NOT_FOUND", "no such object");
      }
    }
    bool fetched = false;
    absl::StatusOr<std::string> name = cache_->Get(*provider, key, &fetched);
    if (!name.ok()) {
      if (!absl::IsNotFound(name.status())) Metrics::Inc(metrics_.rehydrated_failed);
      return name.status();
    }
    Metrics::Inc(fetched ? metrics_.rehydrated_ok : metrics_.cache_hits);
    if (metrics_.cache_bytes != nullptr) {
      metrics_.cache_bytes->Set(static_cast<double>(cache_->bytes()));
    }
    return http_files::OpenUnderRoot(cache_->dir().string(), {*name});
  }

  Reply ServeOpened(const Request& request, const VodResource& resource, http_files::OpenFile file,
                    v1::StorageTier tier, std::string etag) const {
    if (static_cast<size_t>(tier) < metrics_.by_tier.size()) Metrics::Inc(metrics_.by_tier[tier]);
    http_files::FileMeta meta;
    meta.content_type = ContentTypeOf(resource.kind);
    meta.cache_control = kImmutable;
    meta.etag = std::move(etag);
    meta.kind = KindLabel(resource.kind);
    return http_files::ServeFile(request, file, meta, [this](http::fields& f) { AddCors(f); });
  }

  Reply ServeSegment(const Request& request, const VodResource& resource) const {
    absl::StatusOr<std::optional<SegmentRow>> seg =
        playback_.store().Segment(resource.recording_id, resource.sequence);
    if (!seg.ok()) return StatusReply(seg.status(), request, resource);
    if (!*seg) return Text(http::status::not_found, request, "not found\n", resource.kind);
    if ((*seg)->tier == v1::STORAGE_TIER_EXPIRED) {
      return StatusReply(
          Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingExpired, "gone"), request,
          resource);
    }
    absl::StatusOr<http_files::OpenFile> file = OpenObject((*seg)->tier, (*seg)->object_key);
    if (!file.ok()) return StatusReply(file.status(), request, resource);
    return ServeOpened(request, resource, *file, (*seg)->tier,
                       absl::StrCat("\"", (*seg)->sha256.substr(0, 32), "\""));
  }

  // Poster, thumbnails, clips: in the first tier that has them (hot, warm, cold: they age with
  // their recording). A recording deleted (its media going or gone) or expired answers 410 for
  // all of them at once, whatever its copies' state, as its segments do.
  Reply ServeAsset(const Request& request, const VodResource& resource) const {
    std::string key = resource.ObjectKey();
    absl::StatusOr<std::optional<RecordingRow>> rec =
        playback_.store().Recording(resource.recording_id);
    if (!rec.ok()) return StatusReply(rec.status(), request, resource);
    if (!*rec) return Text(http::status::not_found, request, "not found\n", resource.kind);
    if (absl::Status s = Playable(**rec); !s.ok() && ReasonOf(s) == kReasonRecordingExpired) {
      return StatusReply(s, request, resource);
    }
    if (resource.kind == VodResourceKind::kPoster) {
      if ((*rec)->poster_key.empty()) {
        return Text(http::status::not_found, request, "not found\n", resource.kind);
      }
      key = (*rec)->poster_key;
    }
    absl::Status last = NotFound("OBJECT_NOT_FOUND", "no such object");
    for (v1::StorageTier tier :
         {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD}) {
      if (!playback_.providers() || playback_.providers()(tier) == nullptr) continue;
      absl::StatusOr<http_files::OpenFile> file = OpenObject(tier, key);
      if (file.ok()) {
        const std::string etag =
            absl::StrCat("\"", file->size, "-", absl::ToUnixSeconds(file->mtime), "\"");
        return ServeOpened(request, resource, *file, tier, etag);
      }
      if (!absl::IsNotFound(file.status())) last = file.status();
    }
    return StatusReply(last, request, resource);
  }

  const VodOriginOptions& options_;
  Playback& playback_;
  const VodTokenCodec& codec_;
  Metrics metrics_;
  mutable ViewCounter views_;
  mutable server::Executor executor_;
  std::unique_ptr<RehydrationCache> cache_;
  std::string playlist_cache_control_;
};

}  // namespace

class VodOrigin::Impl {
 public:
  Impl(VodOriginOptions options, Playback& playback, const VodTokenCodec& codec,
       prometheus::Registry* registry)
      : options_(std::move(options)),
        handler_(std::make_shared<VodHandler>(options_, playback, codec, registry)),
        registry_(registry) {}

  absl::Status Start() {
    http_files::ServerOptions so;
    RETURN_IF_ERROR(http_files::SetListenAddress(options_.listen, so));
    so.io_threads = options_.io_threads;
    so.max_connections = options_.max_connections;
    so.metrics_prefix = "recording_lifecycle_vod_http";
    so.reason_prefix = "VOD_HTTP";
    RETURN_IF_ERROR(handler_->OpenCache());
    server_ = std::make_unique<http_files::Server>(so, handler_, registry_);
    return server_->Start();
  }
  uint16_t port() const { return server_ ? server_->port() : 0; }
  void Stop() {
    // Queued requests are answered first (their replies posted to live connections).
    handler_->Shutdown();
    if (server_) server_->Stop();
  }

 private:
  VodOriginOptions options_;
  std::shared_ptr<VodHandler> handler_;
  prometheus::Registry* registry_;
  std::unique_ptr<http_files::Server> server_;
};

VodOrigin::VodOrigin(VodOriginOptions options, Playback& playback, const VodTokenCodec& codec,
                     prometheus::Registry* registry)
    : impl_(std::make_unique<Impl>(std::move(options), playback, codec, registry)) {}
VodOrigin::~VodOrigin() { Stop(); }
absl::Status VodOrigin::Start() { return impl_->Start(); }
uint16_t VodOrigin::port() const { return impl_->port(); }
void VodOrigin::Stop() { impl_->Stop(); }

}  // namespace shopcast::recording_lifecycle::playback
