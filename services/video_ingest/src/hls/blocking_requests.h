#pragma once

// The origin's parked requests: Low-Latency HLS blocking playlist reloads and preload-hinted
// parts that wait for the playlist (PlaylistWatch) to get far enough. No thread per request:
// each waits as an Asio timer and a registry entry, and everything it does runs on its
// connection's strand (the wake from the playlist writer only posts there). Bounded in time
// (each request's hold) and in count (a global cap; libs/http_files reads no further request
// on a connection while one waits, so one per connection). Released when answered, timed out,
// when the client goes away, and at Shutdown().
//
// Metrics: hls_blocking_parked (gauge), hls_blocking_wake_seconds (from the playlist write
// that satisfied a request to its reply), hls_blocking_requests_total{kind, outcome}.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hls/playlist_watch.h"
#include "shopcast/http_files/reply.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::hls {

enum class BlockingKind { kPlaylist, kPart };

// How a parked request's wait ended (what its reply is made for).
enum class WaitEnd {
  kSatisfied,  // the playlist holds what it asked for, or ended
  kGone,       // the playlist's writer went away (stream moved or forgotten)
  kTimedOut,   // its hold passed
  kShutdown,   // the origin is stopping
};

// The outcome labels of hls_blocking_requests_total.
inline constexpr std::string_view kOutcomeReady = "ready";        // answered at once
inline constexpr std::string_view kOutcomeWoken = "woken";        // parked, then satisfied
inline constexpr std::string_view kOutcomeTimeout = "timeout";    // parked past its hold → 503
inline constexpr std::string_view kOutcomeGone = "gone";          // writer went away → 503
inline constexpr std::string_view kOutcomeShutdown = "shutdown";  // origin stopping → 503
inline constexpr std::string_view kOutcomeDisconnected = "disconnected";   // client left
inline constexpr std::string_view kOutcomeTooFar = "too_far";              // 400 / 404 at once
inline constexpr std::string_view kOutcomeBadRequest = "bad_request";      // malformed → 400
inline constexpr std::string_view kOutcomeOverCapacity = "over_capacity";  // cap → 503

class BlockingRequests {
 public:
  // `watch` and `registry` (optional) must outlive this object.
  BlockingRequests(PlaylistWatch& watch, int max_parked, prometheus::Registry* registry);
  ~BlockingRequests();
  BlockingRequests(const BlockingRequests&) = delete;
  BlockingRequests& operator=(const BlockingRequests&) = delete;

  struct ParkRequest {
    std::string stream_id;
    std::string playlist_name;  // the media playlist that lists what is wanted
    PlaylistWatch::Wanted wanted;
    BlockingKind kind = BlockingKind::kPlaylist;
    // The hold, given the playlist's EXT-X-TARGETDURATION as noted in the watch (0: unknown).
    std::function<absl::Duration(int64_t target_seconds)> hold_for;
    // The reply once the wait ends; on the connection's strand.
    std::function<http_files::Reply(WaitEnd)> answer;
  };

  enum class ParkOutcome { kUnknown, kReady, kTooFarAhead, kParked, kOverCapacity };

  // On the connection's strand (inside Handler::RespondOrDefer). kParked: `later` will be
  // completed with request.answer(…); anything else: the caller answers now (and counts it).
  ParkOutcome Park(const std::shared_ptr<http_files::DeferredReply>& later, ParkRequest request);

  // Counts one request in hls_blocking_requests_total.
  void Count(BlockingKind kind, std::string_view outcome);

  // Refuses new parking, answers every parked request (503, connection closed) and waits up to
  // `grace` for them to be sent. Afterwards nothing refers to a connection's executor any more
  // (the registry's entries for them are gone), so the server can be stopped. Idempotent.
  void Shutdown(absl::Duration grace);

  size_t parked() const;

 private:
  class Parked;
  friend class Parked;
  struct Slot {
    std::weak_ptr<Parked> request;
    boost::asio::any_io_executor executor;
    std::string stream_id;
    std::string playlist_name;
  };

  void Release(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  void ObserveWake(absl::Duration latency);

  PlaylistWatch& watch_;
  const int max_parked_;
  mutable absl::Mutex mu_;
  std::map<uint64_t, Slot> slots_ ABSL_GUARDED_BY(mu_);  // by PlaylistWatch id
  bool closing_ ABSL_GUARDED_BY(mu_) = false;

  prometheus::Gauge* parked_gauge_ = nullptr;
  prometheus::Histogram* wake_seconds_ = nullptr;
  // [kind][outcome index]
  std::map<std::pair<BlockingKind, std::string_view>, prometheus::Counter*> outcomes_;
};

}  // namespace shopcast::video_ingest::hls
