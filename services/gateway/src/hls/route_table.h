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
#include "calls/calls_in_flight.h"
#include "grpcpp/channel.h"
#include "hls/origin.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

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

class RouteTable {
 public:
  // NOT_FOUND: the stream does not exist, or nobody holds it and there is no default origin.
  // UNAVAILABLE: the lookup failed and there is no default origin.
  using Done = absl::AnyInvocable<void(absl::StatusOr<Route>) &&>;

  // `channel` null: every stream goes to the default origin (which must then be set).
  // `metrics` must outlive this object. Its owner calls Close() before letting it go.
  RouteTable(RouteTableOptions options, std::shared_ptr<grpc::Channel> channel,
             ProxyMetrics* metrics, std::function<absl::Time()> clock = absl::Now);

  // Calls `done` exactly once, on this thread (cache hit) or a gRPC thread.
  void Resolve(const std::string& stream_id, Done done);
  // Forgets the stream's route if it still is `origin_key` (after an upstream failure there).
  void Invalidate(const std::string& stream_id, const std::string& origin_key);

  // Cancels the lookups in flight and returns once each has answered its waiters (UNAVAILABLE);
  // a lookup needed later fails at once, cached routes still answer. After it, no gRPC thread
  // runs this object's code, so the owner may let it (and `metrics`) go: a lookup's completion
  // never holds the table, whose last reference would otherwise drop on a gRPC thread, after
  // the metrics and with the channel. Not on a gRPC callback thread. Idempotent.
  void Close();

 private:
  struct Lookup;
  struct Entry {
    bool ready = false;
    absl::StatusOr<Route> route = absl::UnknownError("pending");
    absl::Time expires;
    std::vector<Done> waiters;  // while a lookup is in flight
  };
  void StartLookup(const std::string& stream_id);
  void OnLookup(const std::shared_ptr<Lookup>& lookup, const grpc::Status& status);
  void Finish(const std::string& stream_id, absl::StatusOr<Route> route);
  void TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RouteTableOptions options_;
  std::optional<Origin> default_origin_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<video_ingest::v1::VideoIngestInternalService::Stub> stub_;  // with channel_
  ProxyMetrics* metrics_;
  std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // The lookups in flight, counted apart from mu_ (a completion answers waiters outside it).
  calls::CallsInFlight<Lookup> lookups_;
};

}  // namespace shopcast::gateway::hls
