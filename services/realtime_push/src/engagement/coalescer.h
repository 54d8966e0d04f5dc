#pragma once

// Coalesced pushes of a room's reaction and viewer counts. Handlers report each committed
// change (its version); one thread per replica pushes the room's current counts as an
// ephemeral event at most once per interval per room *across replicas*: the push first takes
// the room's gate in PostgreSQL (an atomic UPDATE that succeeds only if the counts changed
// since the last push and that push is at least `interval` old by the database's clock). A
// replica whose change was not yet carried by anyone's push retries when the gate reopens, so
// the last change of a storm is always pushed (trailing edge), and a change some other replica
// already pushed is dropped. A storm of taps is thus ~1/interval events per room, never one per
// tap, however many replicas take the taps.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rooms/room_log.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::engagement {

enum class CountsKind { kReactions = 0, kViewers = 1 };

struct CoalescerOptions {
  // At most one push of a room's reaction counts (and one of its viewer counts) per interval.
  absl::Duration interval = absl::Milliseconds(250);
};

class Coalescer {
 public:
  Coalescer(db::Pool& pool, rooms::RoomLog& log, CoalescerOptions options)
      : pool_(pool), log_(log), options_(options) {}
  ~Coalescer() { Stop(); }
  Coalescer(const Coalescer&) = delete;
  Coalescer& operator=(const Coalescer&) = delete;

  void Start();
  // Pending pushes are dropped: the counts are in the database and in every snapshot.
  void Stop();

  // The room's `kind` counts reached `version` (committed): a push carrying it (or a later
  // version) follows within about one interval. Never blocks on the database.
  void Changed(const std::string& stream_id, CountsKind kind, int64_t version);

 private:
  using Key = std::pair<std::string, CountsKind>;
  using Clock = std::chrono::steady_clock;
  struct Pending {
    int64_t version = 0;
    Clock::time_point due;
    bool in_flight = false;
  };

  void Loop();
  // One try for `key`: nullopt when its change is pushed (by us or another replica), else how
  // long until the gate reopens.
  absl::StatusOr<std::optional<absl::Duration>> Attempt(const Key& key, int64_t version);

  db::Pool& pool_;
  rooms::RoomLog& log_;
  const CoalescerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Pending> pending_;  // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace shopcast::realtime_push::engagement
