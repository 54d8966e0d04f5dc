#pragma once

// Long-polled ListRevocations calls (wait > 0) that found nothing new, held until this replica
// knows of a newer revocation or their wait ends. Every service keeps one such call open to
// the user service instead of pulling every second, so a quiet system costs a call per wait
// per service, and a revocation reaches them as soon as this replica has it.
//
// The user service's own RevocationSync (pulling its database every revocation_sync_interval)
// drives it: Advance() after every pull answers the calls it has news for and those whose wait
// has ended. A held call costs no thread: it is a reactor in a set.

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::user {

class RevocationWaits {
 public:
  // Called once, outside the lock, when a held call is let go: `news` when a revocation after
  // its sequence is known, false when its wait ended or the service is closing.
  using Release = std::function<void(bool news)>;

  explicit RevocationWaits(size_t max_held = 4096) : max_held_(max_held) {}

  // Holds a call that found nothing after `after` until `until`. False (not held: answer it
  // now) when a revocation after `after` became known meanwhile, too many calls are held, the
  // service is closing, or the call was dropped before it got here. `key` identifies the call
  // for Drop() and Forget().
  bool Hold(const void* key, int64_t after, absl::Time until, Release release)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets a held call (its client went away); true if it was held (its release is not run).
  // A call not held yet (its client left while it read) is remembered as gone, so its Hold
  // answers false rather than keep it for its whole wait.
  bool Drop(const void* key) ABSL_LOCKS_EXCLUDED(mu_);
  // The call `key` is over (gRPC's OnDone): forgets that it was dropped, so a later call at
  // the same address starts afresh.
  void Forget(const void* key) ABSL_LOCKS_EXCLUDED(mu_);
  // Revocations are known up to `last_sequence` as of `now`: releases the calls after less,
  // with news, and those whose wait has ended, without.
  void Advance(int64_t last_sequence, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // Releases every held call (without news) and holds none from now on: at shutdown, so the
  // drain is not kept waiting by calls held for tens of seconds.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

  size_t held() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Held {
    int64_t after;
    absl::Time until;
    Release release;
  };

  const size_t max_held_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<const void*, Held> held_ ABSL_GUARDED_BY(mu_);
  // Calls dropped before they were held, until they are forgotten.
  absl::flat_hash_set<const void*> gone_ ABSL_GUARDED_BY(mu_);
  int64_t known_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shopcast::user
