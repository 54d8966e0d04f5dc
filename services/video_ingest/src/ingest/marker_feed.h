#pragma once

// Live timed metadata reaching the playlists: the EventSink stores stream markers on whichever
// replica the relay reached (streams/store/marker_store.h); this feed, on every replica, hands
// the markers of the streams whose playlists this replica writes to those playlists, where
// each becomes an EXT-X-DATERANGE written at once (media/live_playlist.h).
//
// It reads when a commit notifies sql::kMarkerChannel (a LISTEN session of its own, not a
// pooled connection), so a marker is in the playlist a few milliseconds after it is stored;
// when a session starts here (Wake(): markers stored before it, e.g. a reconnect to this
// replica); at once when the LISTEN session opens or reopens (what was committed while it was
// down); and every poll_interval while that session is down. While it is up, a notification is
// only lost with the connection, which the loop sees, so the poll there is a rarer safety net
// (poll_interval_listening): an idle replica with live streams makes no read a second.
// Each read asks only for the markers still applying within `horizon` of now, and each marker
// is handed over once per stream.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/date_ranges.h"
#include "media/live_playlist.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "streams/markers.h"
#include "streams/store/marker_store.h"

namespace shopcast::video_ingest {

using HeldPlaylists =
    std::function<std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>>()>;

struct MarkerFeedOptions {
  // The LISTEN session's database (the pool's DSN); "" polls only.
  std::string listen_dsn;
  absl::Duration poll_interval = absl::Seconds(1);  // while not listening
  absl::Duration poll_interval_listening = absl::Seconds(15);
  // How far back a marker may have happened and still be read: longer than the playlist's
  // window (older ones could not be shown anyway).
  absl::Duration horizon = absl::Seconds(60);
  absl::Duration listen_min_backoff = absl::Milliseconds(200);
  absl::Duration listen_max_backoff = absl::Seconds(10);
  // Markers that stopped applying longer ago than `retain` are deleted every purge_interval
  // (by every replica; the delete is idempotent). The recording keeps its own sale markers.
  absl::Duration retain = absl::Hours(24);
  absl::Duration purge_interval = absl::Minutes(10);
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// The date range a stored marker is shown as: CLASS from its kind, DURATION=0 for an instant,
// END-DATE for a range.
media::DateRange DateRangeOf(const streams::Marker& marker);

class MarkerFeed {
 public:
  // `source` must outlive the feed. Metrics go to `registry` when given.
  MarkerFeed(MarkerFeedOptions options, streams::MarkerSource& source, HeldPlaylists held,
             prometheus::Registry* registry = nullptr);
  ~MarkerFeed();  // Stop()s.
  MarkerFeed(const MarkerFeed&) = delete;
  MarkerFeed& operator=(const MarkerFeed&) = delete;

  // One read: the held streams' markers within the horizon, the new ones added to their
  // playlists. Returns how many were added. The background loop's round; public for tests.
  absl::StatusOr<int> RunOnce() ABSL_LOCKS_EXCLUDED(mu_);

  void Start();
  void Stop();
  // Ends the current wait at once (the next round runs now), e.g. a session just started.
  void Wake();
  // True while the LISTEN session is open (tests wait for it).
  bool listening() const ABSL_LOCKS_EXCLUDED(wake_mu_);

 private:
  void Loop();

  const MarkerFeedOptions options_;
  streams::MarkerSource& source_;
  const HeldPlaylists held_;

  absl::Mutex mu_;  // One round at a time.
  // Per stream, the markers handed over, with when they stop applying (to forget them).
  std::map<std::string, std::map<std::string, absl::Time>> handed_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex wake_mu_;
  bool stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool woken_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool listening_ ABSL_GUARDED_BY(wake_mu_) = false;
  // Made readable by Wake(), so the loop's wait ends at once; -1 if none could be made.
  const int wake_fd_;
  std::thread thread_;

  prometheus::Family<prometheus::Counter>* shown_ = nullptr;
  prometheus::Histogram* lag_ = nullptr;
  prometheus::Counter* read_failures_ = nullptr;
  prometheus::Gauge* listening_gauge_ = nullptr;
};

}  // namespace shopcast::video_ingest
