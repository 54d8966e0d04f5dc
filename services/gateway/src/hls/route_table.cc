#include "hls/route_table.h"

#include <utility>

#include "grpcpp/client_context.h"
#include "hls/proxy_metrics.h"
#include "shopcast/log/log.h"

namespace shopcast::gateway::hls {

namespace vpb = ::shopcast::video_ingest::v1;

RouteTable::RouteTable(RouteTableOptions options, std::shared_ptr<grpc::Channel> channel,
                       ProxyMetrics* metrics, std::function<absl::Time()> clock)
    : options_(std::move(options)),
      default_origin_(options_.default_origin.empty() ? std::nullopt
                                                      : ParseOrigin(options_.default_origin)),
      channel_(std::move(channel)),
      stub_(channel_ ? vpb::VideoIngestInternalService::NewStub(channel_) : nullptr),
      metrics_(metrics),
      clock_(std::move(clock)) {}

struct RouteTable::Lookup {
  std::string stream_id;
  grpc::ClientContext ctx;
  vpb::LookupStreamsRequest req;
  vpb::LookupStreamsResponse res;
};

void RouteTable::Resolve(const std::string& stream_id, Done done) {
  if (channel_ == nullptr) {
    if (!default_origin_) {
      std::move(done)(absl::NotFoundError("no HLS origin configured"));
      return;
    }
    std::move(done)(Route{*default_origin_, false});
    return;
  }
  bool start = false;
  std::optional<absl::StatusOr<Route>> hit;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = entries_.try_emplace(stream_id);
    Entry& e = it->second;
    if (!inserted && e.ready && clock_() < e.expires) {
      hit = e.route;
      if (hit->ok()) (*hit)->cached = true;
    } else {
      if (inserted || e.ready) {
        // Expired or new: one lookup for everyone asking meanwhile.
        e.ready = false;
        start = true;
      }
      e.waiters.push_back(std::move(done));
      if (inserted) TrimLocked();
    }
  }
  if (hit) {
    std::move(done)(*std::move(hit));
    return;
  }
  if (start) StartLookup(stream_id);
}

void RouteTable::Invalidate(const std::string& stream_id, const std::string& origin_key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(stream_id);
  if (it == entries_.end() || !it->second.ready) return;
  if (it->second.route.ok() && it->second.route->origin.key() == origin_key) entries_.erase(it);
}

void RouteTable::StartLookup(const std::string& stream_id) {
  auto lookup = std::make_shared<Lookup>();
  lookup->stream_id = stream_id;
  lookup->ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.lookup_timeout));
  lookup->req.add_stream_ids(stream_id);
  if (!lookups_.Start(lookup)) {
    Finish(stream_id, absl::UnavailableError("the HLS proxy is shutting down"));
    return;
  }
  // `this` outlives the call: Close() waits for its Done.
  stub_->async()->LookupStreams(&lookup->ctx, &lookup->req, &lookup->res,
                                [this, lookup](grpc::Status status) {
                                  OnLookup(lookup, status);
                                  lookups_.Done(lookup.get());
                                });
}

void RouteTable::OnLookup(const std::shared_ptr<Lookup>& lookup, const grpc::Status& status) {
  const std::string& stream_id = lookup->stream_id;
  absl::StatusOr<Route> route;
  if (status.error_code() == grpc::StatusCode::CANCELLED) {
    // Only Close() cancels: the proxy is going away; nothing is wrong with the directory.
    route = absl::UnavailableError("the HLS proxy is shutting down");
  } else if (!status.ok()) {
    metrics_->Lookup("failed");
    log::Warn("hls_route_lookup_failed")
        .Kv("stream_id", stream_id)
        .Kv("code", static_cast<int>(status.error_code()))
        .Kv("message", status.error_message());
    route = default_origin_ ? absl::StatusOr<Route>(Route{*default_origin_, false})
                            : absl::UnavailableError("stream directory unavailable");
  } else if (lookup->res.streams_size() == 0) {
    metrics_->Lookup("unknown");
    route = absl::NotFoundError("unknown stream");
  } else {
    const std::string& advertised = lookup->res.streams(0).hls_origin();
    std::optional<Origin> origin = advertised.empty() ? std::nullopt : ParseOrigin(advertised);
    if (!advertised.empty() && !origin) {
      log::Warn("hls_route_bad_origin").Kv("stream_id", stream_id).Kv("origin", advertised);
    }
    if (origin) {
      metrics_->Lookup("found");
      route = Route{*origin, false};
    } else {
      metrics_->Lookup("not_held");
      route = default_origin_ ? absl::StatusOr<Route>(Route{*default_origin_, false})
                              : absl::NotFoundError("stream is not live");
    }
  }
  Finish(stream_id, std::move(route));
}

void RouteTable::Close() {
  lookups_.CloseAndWait([](Lookup& lookup) -> grpc::ClientContext& { return lookup.ctx; });
}

void RouteTable::Finish(const std::string& stream_id, absl::StatusOr<Route> route) {
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    Entry& e = entries_[stream_id];
    waiters.swap(e.waiters);
    e.ready = true;
    e.route = route;
    // A failed lookup is not remembered: the next request tries again.
    e.expires = route.ok() || absl::IsNotFound(route.status()) ? clock_() + options_.ttl : clock_();
  }
  for (Done& done : waiters) std::move(done)(route);
}

void RouteTable::TrimLocked() {
  if (entries_.size() <= options_.max_entries) return;
  const absl::Time now = clock_();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.ready && it->second.expires <= now) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
  // Still over (a flood of distinct streams within one TTL): forget every settled route.
  if (entries_.size() <= options_.max_entries) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.ready) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace shopcast::gateway::hls
