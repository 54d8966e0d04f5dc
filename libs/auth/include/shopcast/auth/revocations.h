#pragma once

// Stale authority: "this user's tokens issued before T are void". The user service records one
// when a role changes, a user logs out of every session or an account is deleted; every service
// keeps the list in memory (RevocationList), pulled every second from the user service's
// internal ListRevocations (RevocationSync), and refuses the tokens it voids. A service that
// cannot reach the user service keeps its last known list and says so (log and metrics).

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
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
};

struct RevocationBatch {
  std::vector<Revocation> revocations;  // oldest first
  bool more = false;                    // another batch follows at once
};

// Thread-safe.
class RevocationList {
 public:
  // OK, or UNAUTHENTICATED TOKEN_REVOKED when the token's user voided it since it was issued.
  absl::Status Check(const Claims& claims) const;
  // Adds a batch; a user keeps the latest not_before. Entries at or before last_sequence()
  // are ignored (the batch is a retry).
  void Apply(const std::vector<Revocation>& batch);
  int64_t last_sequence() const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> not_before_ ABSL_GUARDED_BY(mu_);
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

// Revocations after a sequence number: the user service's ListRevocations, or its database.
using RevocationSource = std::function<absl::StatusOr<RevocationBatch>(int64_t after)>;

struct RevocationSyncOptions {
  absl::Duration interval = absl::Seconds(1);
};

// Keeps a RevocationList current from a source.
class RevocationSync {
 public:
  // `metrics` may be null. Registers shopcast_revocations_* (see libs/auth/README.md).
  RevocationSync(RevocationList& list, RevocationSource source, RevocationSyncOptions options,
                 prometheus::Registry* metrics);
  ~RevocationSync();  // Stop()

  // Pulls until the source has nothing more; the source's error if a pull fails (what was
  // pulled before it stays applied).
  absl::Status SyncOnce();
  // SyncOnce() every interval on a thread of its own, logging when it starts and stops failing.
  void Start();
  void Stop();

  // True while the last sync failed: the list may be missing recent revocations.
  bool stale() const;

 private:
  void Loop();

  RevocationList& list_;
  RevocationSource source_;
  RevocationSyncOptions options_;
  prometheus::Counter* failures_ = nullptr;
  prometheus::Gauge* stale_gauge_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Gauge* known_ = nullptr;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stale_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace shopcast::auth
