#pragma once

// The origin's `thumb.jpg` requests. A stream's live picture is rendered on demand
// (media/thumbnailer.h): a request whose file is missing or older than the thumbnail interval
// asks the ThumbnailSource for a render of the stream's latest keyframe and is parked until it
// is written — no thread per request: an Asio timer on the connection's strand and a registry
// entry, the render's completion only posts there. Bounded in time (`wait`) and count
// (`max_waiting`); on timeout, a failed render, a full render queue or the cap the previous
// file is served if there is one ("stale"), else 503 with Retry-After. Concurrent requests of
// one stream share one render (the source's doing).
//
// Metrics: hls_thumbnail_requests_total{outcome=fresh|rendered|stale|unavailable|not_found|
// shutdown|disconnected}, hls_thumbnail_waiting (gauge).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/thumbnail_source.h"
#include "shopcast/http_files/reply.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::hls {

// hls_thumbnail_requests_total's outcomes.
inline constexpr std::string_view kThumbFresh = "fresh";        // the file was recent enough
inline constexpr std::string_view kThumbRendered = "rendered";  // answered after a render
inline constexpr std::string_view kThumbStale = "stale";  // the previous file (timeout, busy…)
inline constexpr std::string_view kThumbUnavailable = "unavailable";  // 503: no file yet
inline constexpr std::string_view kThumbNotFound = "not_found";       // not live here and no file
inline constexpr std::string_view kThumbShutdown = "shutdown";
inline constexpr std::string_view kThumbDisconnected = "disconnected";

struct ThumbnailRequestOptions {
  // A file younger than this is served as it is (the thumbnail interval).
  absl::Duration max_age = absl::Seconds(4);
  // How long a request waits for its render.
  absl::Duration wait = absl::Seconds(3);
  int max_waiting = 1000;  // Requests waiting at once, all streams.
};

class ThumbnailRequests {
 public:
  // `source` and `registry` (optional) must outlive this object.
  ThumbnailRequests(media::ThumbnailSource& source, ThumbnailRequestOptions options,
                    prometheus::Registry* registry);
  ~ThumbnailRequests();
  ThumbnailRequests(const ThumbnailRequests&) = delete;
  ThumbnailRequests& operator=(const ThumbnailRequests&) = delete;

  // How a request is answered: `serve` replies with the file as it is now (404 if there is
  // none); `unavailable(body, retry_after_seconds, close)` with a 503. Both run on the
  // connection's strand, after the wait when the request was parked.
  struct Answer {
    std::function<http_files::Reply()> serve;
    std::function<http_files::Reply(std::string body, int retry_after, bool close)> unavailable;
  };

  // On the connection's strand (inside Handler::RespondOrDefer), for an access-checked request
  // of `stream_id`'s thumb.jpg whose file was modified at `mtime` (nullopt: there is none).
  // The reply now, or nullopt when `later` will be completed.
  std::optional<http_files::Reply> Handle(const std::shared_ptr<http_files::DeferredReply>& later,
                                          const std::string& stream_id,
                                          std::optional<absl::Time> mtime, Answer answer);

  // Refuses new waits, answers every waiting request (503, connection closed) and waits up to
  // `grace` for them to be sent; afterwards no render's completion reaches a connection.
  void Shutdown(absl::Duration grace);

  size_t waiting() const;

 private:
  class Waiting;
  struct Core;

  void Count(std::string_view outcome);

  media::ThumbnailSource& source_;
  const ThumbnailRequestOptions options_;
  // Shared with the renders' completions (weakly), which may outlive this object.
  std::shared_ptr<Core> core_;
  std::map<std::string_view, prometheus::Counter*> outcomes_;
  prometheus::Gauge* waiting_gauge_ = nullptr;
};

}  // namespace shopcast::video_ingest::hls
