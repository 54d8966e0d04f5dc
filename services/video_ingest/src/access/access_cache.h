#pragma once

// What the HLS origin asks on every request of a gated stream — is the stream gated, who hosts
// it, does this viewer still hold a pass — answered from memory, kept fresh from the database.
//
// Why a cache refreshed in the background: the origin's I/O threads must not wait for the
// database on every playlist poll and segment, yet a revoked pass must stop playback within a
// second or two on every replica (the database is what replicas share). So each key a request
// used is reloaded in one batch every `refresh_interval` (500 ms) while it is in use (asked for
// within `max_age`); a key first seen, or idle longer than that, is loaded on the spot; a key
// nobody asked for in `forget_after` is dropped. While no key is in use the refresher rests
// (it wakes when a request uses one, or after `forget_after` to drop what is left): a replica
// nobody watches a gated stream on does not wake twice a second for nothing. If the
// refresh keeps failing (database down), a pass older than `max_age` is not trusted: the
// request loads it itself and, failing that, is refused (fail closed, 503) rather than served
// on a stale "yes". A stream's gate is kept instead (ungated streams keep playing through an
// outage, gated ones keep asking for tokens); only a stream never seen cannot be answered.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::video_ingest::access {

struct StreamGate {
  bool gated = false;   // an unknown stream is not gated (its files do not exist: 404)
  std::string host_id;  // "" for an unknown stream
};

using ViewerStream = std::pair<std::string, std::string>;  // (viewer id, stream id)

// The database side (streams.gated, access_passes), batched.
class AccessSource {
 public:
  virtual ~AccessSource() = default;
  // The gate of each stream among `stream_ids` that exists.
  virtual absl::StatusOr<std::map<std::string, StreamGate>> Gates(
      const std::vector<std::string>& stream_ids) = 0;
  // The pairs among `pairs` whose viewer holds an unrevoked pass for the stream.
  virtual absl::StatusOr<std::set<ViewerStream>> ActivePasses(
      const std::vector<ViewerStream>& pairs) = 0;
};

struct AccessCacheOptions {
  absl::Duration refresh_interval = absl::Milliseconds(500);
  absl::Duration max_age = absl::Seconds(3);
  absl::Duration forget_after = absl::Seconds(60);
};

class AccessCache {
 public:
  // `now` is a steady clock (only differences matter); tests pass one they move.
  AccessCache(AccessSource& source, AccessCacheOptions options,
              std::function<absl::Duration()> now = nullptr);
  ~AccessCache();  // Stops.

  // The stream's gate; the last known one if it could not be reloaded, the source's error for
  // a stream never loaded.
  absl::StatusOr<StreamGate> Gate(const std::string& stream_id);
  // Whether the viewer holds an unrevoked pass for the stream; as Gate on errors.
  absl::StatusOr<bool> HasPass(const std::string& viewer_id, const std::string& stream_id);

  // One refresh round: forgets idle keys and reloads the others in one batch each.
  absl::Status Refresh();
  // Refresh every refresh_interval on a thread of its own until Stop, resting while no key is
  // in use. Call once.
  void Start();
  void Stop();
  // Rounds the refresher thread has run (tests: it rests while nothing is in use).
  int64_t background_rounds() const;

 private:
  struct Round {
    absl::Status status;
    bool reloaded = false;  // some key was in use
  };
  Round RunRound();
  // A request used a key: wakes a resting refresher.
  void MarkUsed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { used_ = true; }
  bool WakeFromRest() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || used_; }

  template <typename V>
  struct Entry {
    V value;
    absl::Duration loaded_at;
    absl::Duration used_at;
  };

  AccessSource& source_;
  const AccessCacheOptions options_;
  std::function<absl::Duration()> now_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry<StreamGate>> gates_ ABSL_GUARDED_BY(mu_);
  std::map<ViewerStream, Entry<bool>> passes_ ABSL_GUARDED_BY(mu_);
  bool used_ ABSL_GUARDED_BY(mu_) = false;  // a key was used since the last round began
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t background_rounds_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread refresher_;
};

}  // namespace shopcast::video_ingest::access
