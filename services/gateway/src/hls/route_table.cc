#include "hls/route_table.h"

#include <utility>

#include "grpcpp/client_context.h"
#include "hls/proxy_metrics.h"
#include "shopcast/log/log.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::gateway::hls {

namespace vpb = ::shopcast::video_ingest::v1;

RouteTable::RouteTable(RouteTableOptions options, std::shared_ptr<grpc::Channel> channel,
                       ProxyMetrics* metrics, std::function<absl::Time()> clock)
    : options_(std::move(options)),
      default_origin_(options_.default_origin.empty() ? std::nullopt
                                                      : ParseOrigin(options_.default_origin)),
      channel_(std::move(channel)),
      metrics_(metrics),
      clock_(std::move(clock)) {}

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
  struct Call {
    grpc::ClientContext ctx;
    vpb::LookupStreamsRequest req;
    vpb::LookupStreamsResponse res;
    std::unique_ptr<vpb::VideoIngestInternalService::Stub> stub;
  };
  auto call = std::make_shared<Call>();
  call->stub = vpb::VideoIngestInternalService::NewStub(channel_);
  call->ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.lookup_timeout));
  call->req.add_stream_ids(stream_id);
  // The callback keeps the table alive: a lookup answering after the proxy is gone is dropped.
  std::shared_ptr<RouteTable> self = shared_from_this();
  call->stub->async()->LookupStreams(
      &call->ctx, &call->req, &call->res, [self, call, stream_id](grpc::Status status) {
        absl::StatusOr<Route> route;
        if (!status.ok()) {
          self->metrics_->Lookup("failed");
          log::Warn("hls_route_lookup_failed")
              .Kv("stream_id", stream_id)
              .Kv("code", static_cast<int>(status.error_code()))
              .Kv("message", status.error_message());
          route = self->default_origin_
                      ? absl::StatusOr<Route>(Route{*self->default_origin_, false})
                      : absl::UnavailableError("stream directory unavailable");
        } else if (call->res.streams_size() == 0) {
          self->metrics_->Lookup("unknown");
          route = absl::NotFoundError("unknown stream");
        } else {
          const std::string& advertised = call->res.streams(0).hls_origin();
          std::optional<Origin> origin =
              advertised.empty() ? std::nullopt : ParseOrigin(advertised);
          if (!advertised.empty() && !origin) {
            log::Warn("hls_route_bad_origin").Kv("stream_id", stream_id).Kv("origin", advertised);
          }
          if (origin) {
            self->metrics_->Lookup("found");
            route = Route{*origin, false};
          } else {
            self->metrics_->Lookup("not_held");
            route = self->default_origin_
                        ? absl::StatusOr<Route>(Route{*self->default_origin_, false})
                        : absl::NotFoundError("stream is not live");
          }
        }
        self->Finish(stream_id, std::move(route));
      });
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
