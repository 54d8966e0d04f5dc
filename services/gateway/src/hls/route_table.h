#pragma once

// Which origin serves a stream: video-ingest's LookupStreams (StreamRef.hls_origin), cached per
// stream for a few seconds. Concurrent requests for a stream whose route is unknown share one
// lookup. Asynchronous: the answer comes on a gRPC callback thread, never blocking the caller.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "hls/origin.h"

namespace shopcast::gateway::hls {

class ProxyMetrics;

struct RouteTableOptions {
  std::string default_origin;  // validated by the caller; "" = none
  absl::Duration ttl = absl::Seconds(3);
  absl::Duration lookup_timeout = absl::Seconds(2);
  size_t max_entries = 10000;
};

// A route: the origin, and whether it came from the cache (then a failure there is worth a
// fresh lookup).
struct Route {
  Origin origin;
  bool cached = false;
};

class RouteTable : public std::enable_shared_from_this<RouteTable> {
 public:
  // NOT_FOUND: the stream does not exist, or nobody holds it and there is no default origin.
  // UNAVAILABLE: the lookup failed and there is no default origin.
  using Done = absl::AnyInvocable<void(absl::StatusOr<Route>) &&>;

  // `channel` null: every stream goes to the default origin (which must then be set).
  // `metrics` must outlive this object.
  RouteTable(RouteTableOptions options, std::shared_ptr<grpc::Channel> channel,
             ProxyMetrics* metrics, std::function<absl::Time()> clock = absl::Now);

  // Calls `done` exactly once, on this thread (cache hit) or a gRPC thread.
  void Resolve(const std::string& stream_id, Done done);
  // Forgets the stream's route if it still is `origin_key` (after an upstream failure there).
  void Invalidate(const std::string& stream_id, const std::string& origin_key);

 private:
  struct Entry {
    bool ready = false;
    absl::StatusOr<Route> route = absl::UnknownError("pending");
    absl::Time expires;
    std::vector<Done> waiters;  // while a lookup is in flight
  };
  void StartLookup(const std::string& stream_id);
  void Finish(const std::string& stream_id, absl::StatusOr<Route> route);
  void TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RouteTableOptions options_;
  std::optional<Origin> default_origin_;
  std::shared_ptr<grpc::Channel> channel_;
  ProxyMetrics* metrics_;
  std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::gateway::hls
