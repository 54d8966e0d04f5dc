#pragma once

// Stale authority: "this user's tokens issued before T are void". The user service records one
// when a role changes, a user logs out of every session or an account is deleted, and "every
// token of this session is void" when a user logs out of one session; every service
// keeps the list in memory (RevocationList), kept current from the user service's internal
// ListRevocations (RevocationSync: a long poll the user service answers as soon as it knows of
// a new revocation, or a pull every second from a source that cannot wait), and refuses the
// tokens it voids. A service that cannot reach the user service keeps its last known list and
// says so (log and metrics).

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/auth/tokens.h"

namespace shopcast::auth {

struct Revocation {
  int64_t sequence = 0;  // position in the user service's log; strictly increasing
  std::string user_id;
  // A whole second: tokens with iat < not_before are void. The user service issues tokens
  // after a revocation with iat >= not_before (see libs/auth/README.md: iat is whole seconds).
  // absl::InfiniteFuture(): the account was deleted, every token of it is void.
  absl::Time not_before;
  // Set: a logout of this one session (the token's "sid"). Every token carrying it is void,
  // whatever its iat; not_before is then the logout's cutoff, which only dates the entry so
  // the list can forget it once every token of the session has expired.
  std::string session_id;
};

struct RevocationBatch {
  std::vector<Revocation> revocations;  // oldest first
  bool more = false;                    // another batch follows at once
};

struct RevocationListOptions {
  // How long a session entry is kept after its cutoff. Every token of a logged-out session was
  // issued by then, so after the longest access-token lifetime, the verifier's leeway (30 s)
  // and a minute for clock differences between services, all of them have expired everywhere
  // and the entry can go. This bounds the list to the sessions logged out in the last ~24 h.
  absl::Duration session_retention = kMaxAccessTokenTtl + absl::Seconds(30) + absl::Minutes(1);
  // Wall clock (entries are dated by the user service's wall clock); tests move it.
  std::function<absl::Time()> clock = absl::Now;
};

// Thread-safe.
class RevocationList {
 public:
  RevocationList() : RevocationList(RevocationListOptions{}) {}
  explicit RevocationList(RevocationListOptions options);

  // OK, or UNAUTHENTICATED TOKEN_REVOKED when the token's user voided it since it was issued
  // or its session was logged out.
  absl::Status Check(const Claims& claims) const;
  // Adds a batch; a user keeps the latest not_before, a session its entry until the retention
  // passes. Entries at or before last_sequence() are ignored (the batch is a retry). Forgets
  // session entries past their retention.
  void Apply(const std::vector<Revocation>& batch);
  int64_t last_sequence() const;
  size_t size() const;           // users with a cutoff
  size_t session_count() const;  // logged-out sessions remembered

 private:
  void ForgetExpiredSessions(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RevocationListOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> not_before_ ABSL_GUARDED_BY(mu_);
  // Session id -> cutoff, and the same entries in arrival order (about cutoff order) so the
  // oldest can be forgotten without a scan.
  absl::flat_hash_map<std::string, absl::Time> revoked_sessions_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<absl::Time, std::string>> session_order_ ABSL_GUARDED_BY(mu_);
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

// Revocations after a sequence number: the user service's ListRevocations, or its database.
struct RevocationSource {
  // With `wait` > 0 the source may hold the call until a revocation after `after` exists or
  // the wait has passed (a long poll); a source that cannot wait answers at once.
  std::function<absl::StatusOr<RevocationBatch>(int64_t after, absl::Duration wait)> fetch;
  // Ends a fetch in progress soon, and every later one at once (RevocationSync::Stop). Empty
  // for a source whose fetches are short anyway.
  std::function<void()> cancel;
};

// A source that cannot wait or be cancelled, from `fetch(after)` (a database read).
RevocationSource ImmediateRevocationSource(
    std::function<absl::StatusOr<RevocationBatch>(int64_t after)> fetch);

struct RevocationSyncOptions {
  // Between pulls when the source answers at once (no long poll, or a user service that
  // predates it), and the first retry after a failure.
  absl::Duration interval = absl::Seconds(1);
  // > 0: each pull asks the source to hold the call this long while nothing is new, and the
  // next starts as soon as it is answered. A revocation then arrives as soon as the source
  // knows of it, and a quiet source costs one call per long_poll.
  absl::Duration long_poll = absl::ZeroDuration();
  // Retries after consecutive failures back off (with jitter) from `interval` up to this.
  absl::Duration max_backoff = absl::Seconds(10);
  // Called after every pull, failed or not, with the list's last sequence (the user service
  // answers its held long polls from here, and ends those whose wait has passed even while its
  // database is away). On the sync's thread; must not block for long.
  std::function<void(int64_t last_sequence)> on_pulled;
};

// Keeps a RevocationList current from a source.
class RevocationSync {
 public:
  // `metrics` may be null. Registers shopcast_revocations_* (see libs/auth/README.md).
  RevocationSync(RevocationList& list, RevocationSource source, RevocationSyncOptions options,
                 prometheus::Registry* metrics);
  ~RevocationSync();  // Stop()

  // Pulls until the source has nothing more, without waiting; the source's error if a pull
  // fails (what was pulled before it stays applied).
  absl::Status SyncOnce();
  // Pulls on a thread of its own: long polls one after another (options.long_poll), or one pull
  // every interval; logs when pulls start and stop failing.
  void Start();
  // Ends the thread, cancelling a long poll in progress.
  void Stop();

  // True while the last sync failed: the list may be missing recent revocations.
  bool stale() const;

 private:
  void Loop();
  // SyncOnce whose first fetch may wait `wait`; `got` is set when a revocation arrived.
  absl::Status Pull(absl::Duration wait, bool* got);

  RevocationList& list_;
  RevocationSource source_;
  RevocationSyncOptions options_;
  prometheus::Counter* failures_ = nullptr;
  prometheus::Gauge* stale_gauge_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Gauge* known_ = nullptr;
  prometheus::Gauge* known_sessions_ = nullptr;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stale_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::auth
