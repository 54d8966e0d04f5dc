#pragma once

// Where each live media playlist served by this replica has got, and the requests waiting for
// it to get further: the meeting point of the packager's LivePlaylist (which reports progress
// after each write, Options::on_written) and the HLS origin's blocking requests (Low-Latency
// HLS: `_HLS_msn` / `_HLS_part` playlist reloads, and the part named by EXT-X-PRELOAD-HINT).
//
// Keyed by stream id + media playlist file name. Thread-safe. A waiter's wake runs under this
// object's lock, on the writer's thread, so it must only post (to its connection's strand) and
// never block or call back in. A playlist this replica does not write is unknown here, and the
// origin serves it as it always did.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "media/playlist_progress.h"

namespace shopcast::video_ingest::hls {

class PlaylistWatch {
 public:
  using Progress = media::PlaylistProgress;

  // What a waiting request needs: media segment `msn` (a playlist reload with `_HLS_msn` only),
  // or partial segment `part` of segment `msn` (`_HLS_part`, or a part file).
  struct Wanted {
    int64_t msn = 0;
    std::optional<int> part;
  };

  // Runs once per parked request: `satisfied` when the playlist now holds what it wanted or has
  // ended; false when the playlist went away (its writer is gone: the stream moved or was
  // forgotten). Under the lock: post, nothing else.
  using Wake = std::function<void(bool satisfied)>;

  enum class Outcome {
    kUnknown,      // no such playlist live on this replica: serve the request as always
    kReady,        // the playlist already holds it (or has ended): answer now
    kTooFarAhead,  // beyond what the spec lets a client ask for: 400 (playlist) or 404 (part)
    kParked,       // registered: `wake` runs later, unless Unwatch() comes first
  };
  struct WatchResult {
    Outcome outcome = Outcome::kUnknown;
    uint64_t id = 0;             // kParked: what Unwatch() takes
    int64_t target_seconds = 0;  // EXT-X-TARGETDURATION as noted (NoteTargetSeconds), 0 unknown
  };

  PlaylistWatch() = default;
  PlaylistWatch(const PlaylistWatch&) = delete;
  PlaylistWatch& operator=(const PlaylistWatch&) = delete;
  ~PlaylistWatch();

  // The LivePlaylist::Options::on_written of stream `stream_id`'s media playlist
  // `playlist_name`: each call records the progress and wakes the waiters it satisfies. The
  // entry lives as long as the returned function (and its copies): when the playlist object
  // is destroyed its waiters are woken unsatisfied and the entry is dropped. A newer feeder of
  // the same playlist (the runtime made a fresh LivePlaylist) takes over; an older one's calls
  // are then ignored. This object must outlive every feeder.
  std::function<void(const Progress&)> Feeder(std::string stream_id, std::string playlist_name);

  // The last progress reported for the playlist, or nullopt when it is unknown here.
  std::optional<Progress> Current(const std::string& stream_id,
                                  const std::string& playlist_name) const;

  // A playlist reload (`part_file` false) or a part file request (true) for `wanted`. Decided
  // and registered under one lock, so no update can slip between the check and the parking.
  // Parts: only the next part (the preload hint) or the one after it, or the first part of the
  // next segment, may wait; any other part not yet listed is kTooFarAhead. A playlist: more
  // than two segments beyond the last one listed, or a part at the Advance Part Limit beyond the
  // last part listed, is kTooFarAhead (RFC 8216bis 6.2.5.2; media::TooFarAhead).
  WatchResult Watch(const std::string& stream_id, const std::string& playlist_name,
                    const Wanted& wanted, bool part_file, Wake wake);

  // Forgets a parked request (answered, timed out, its client gone). After it returns that
  // request's wake will not run; a no-op when it already ran.
  void Unwatch(const std::string& stream_id, const std::string& playlist_name, uint64_t id);

  // Remembers the playlist's EXT-X-TARGETDURATION (fixed for the life of a playlist), so the
  // origin reads it from the file once.
  void NoteTargetSeconds(const std::string& stream_id, const std::string& playlist_name,
                         int64_t seconds);

  // Requests parked across every playlist; playlists known.
  size_t parked() const;
  size_t playlists() const;

 private:
  using Key = std::pair<std::string, std::string>;  // stream id, playlist name
  struct Waiter {
    Wanted wanted;
    Wake wake;
  };
  struct Entry {
    uint64_t generation = 0;  // of the feeder that owns it
    bool known = false;       // a progress was reported
    Progress progress;
    int64_t target_seconds = 0;
    std::map<uint64_t, Waiter> waiters;
  };
  class FeedHandle;

  void Publish(const Key& key, uint64_t generation, const Progress& progress)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Detach(const Key& key, uint64_t generation) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  size_t parked_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::video_ingest::hls
