#pragma once

// The relay's wake-up: a session of its own (not a pooled one, which would be held forever)
// that LISTENs on kOutboxChannel, so a commit that enqueued events ends the relay's wait at
// once; and a way for another thread to end that wait (Stop()).
//
// Everything but Interrupt() belongs to the relay's background thread.

#include <atomic>
#include <memory>
#include <pqxx/connection>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shopcast/timing/clock.h"

namespace shopcast::events {

// UNAVAILABLE OUTBOX_LISTEN_LOST: the session broke (pg_terminate_backend, a restart).
absl::Status ListenLostError();

class OutboxListener {
 public:
  // `dsn` is the pool's; the session shows as `application_name` in pg_stat_activity.
  OutboxListener(std::string dsn, std::string application_name);
  ~OutboxListener();
  OutboxListener(const OutboxListener&) = delete;
  OutboxListener& operator=(const OutboxListener&) = delete;

  // Opens the session and LISTENs. UNAVAILABLE OUTBOX_LISTEN_FAILED if it can't (the message
  // never quotes the DSN).
  absl::Status Connect();
  bool connected() const { return conn_ != nullptr; }
  void Disconnect() { conn_.reset(); }

  // Consumes the notifications that have arrived; returns how many. UNAVAILABLE
  // OUTBOX_LISTEN_LOST, and disconnected, if the session broke. 0 when not connected.
  absl::StatusOr<int> Drain();

  enum class Woken { kNotified, kInterrupted, kTimeout, kLost };
  // Blocks until a notification arrives (consumed), Interrupt() is called (also if it was
  // called since the last Wait), `deadline` passes, or the session breaks (then disconnected).
  Woken Wait(timing::SteadyClock::TimePoint deadline);

  // Ends the current or the next Wait. Thread-safe.
  void Interrupt();

 private:
  const std::string dsn_;
  const std::string application_name_;
  std::unique_ptr<pqxx::connection> conn_;
  // An eventfd that Interrupt() makes readable, so Wait needs no timed polling to notice it;
  // -1 if none could be made (then Wait checks `interrupted_` every 100 ms).
  int wake_fd_ = -1;
  std::atomic<bool> interrupted_{false};
};

}  // namespace shopcast::events
