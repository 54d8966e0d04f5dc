#include "outbox_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <exception>
#include <pqxx/nontransaction>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/db/errors.h"
#include "shopcast/events/outbox.h"
#include "shopcast/status/status.h"

namespace shopcast::events {
namespace {

// Without an eventfd, how often Wait looks at the interrupt flag.
constexpr std::chrono::milliseconds kInterruptCheck(100);

absl::Status Failed(absl::string_view what) {
  return Error(absl::StatusCode::kUnavailable, "OUTBOX_LISTEN_FAILED",
               absl::StrCat("outbox wake-up connection: ", what));
}

}  // namespace

absl::Status ListenLostError() {
  return Error(absl::StatusCode::kUnavailable, "OUTBOX_LISTEN_LOST",
               "outbox wake-up connection lost; polling until it is reopened");
}

OutboxListener::OutboxListener(std::string dsn, std::string application_name)
    : dsn_(std::move(dsn)),
      application_name_(std::move(application_name)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

OutboxListener::~OutboxListener() {
  conn_.reset();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::Status OutboxListener::Connect() {
  conn_.reset();
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(dsn_);
  } catch (const std::exception&) {
    // libpq's message can name the host, port and more of the DSN: not repeated.
    return Failed("cannot connect to the database");
  }
  try {
    // A nontransaction: LISTEN takes effect at once, and notifications are only delivered
    // to a session outside any transaction (this one ends with the block).
    pqxx::nontransaction tx(*conn);
    tx.exec0("SET application_name = " + tx.quote(application_name_));
    tx.exec0("LISTEN " + tx.quote_name(kOutboxChannel));
  } catch (const std::exception& e) {
    const absl::Status s = db::MapDbException(e);
    return Failed(absl::StrCat("LISTEN failed: ", s.message()));
  }
  conn_ = std::move(conn);
  return absl::OkStatus();
}

absl::StatusOr<int> OutboxListener::Drain() {
  if (conn_ == nullptr) return 0;
  try {
    // Reads what the socket holds without blocking; 0 (not a throw) once libpq has seen the
    // session end, hence the is_open() check.
    const int n = conn_->get_notifs();
    if (conn_->is_open()) return n;
  } catch (const std::exception&) {
    // broken_connection: the server closed the session (pg_terminate_backend, a restart).
  }
  conn_.reset();
  return ListenLostError();
}

OutboxListener::Woken OutboxListener::Wait(timing::SteadyClock::TimePoint deadline) {
  const timing::SteadyClock& clock = timing::SteadyClock::Real();
  while (true) {
    if (interrupted_.exchange(false)) return Woken::kInterrupted;
    const auto now = clock.Now();
    if (now >= deadline) return Woken::kTimeout;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    wait = std::min<std::chrono::milliseconds>(wait, std::chrono::hours(24));
    if (wake_fd_ < 0) wait = std::min<std::chrono::milliseconds>(wait, kInterruptCheck);

    pollfd fds[2];
    int count = 0;
    int wake_index = -1;
    int conn_index = -1;
    if (wake_fd_ >= 0) {
      wake_index = count;
      fds[count++] = pollfd{wake_fd_, POLLIN, 0};
    }
    if (conn_ != nullptr && conn_->sock() >= 0) {
      conn_index = count;
      fds[count++] = pollfd{conn_->sock(), POLLIN, 0};
    }
    const int ready = ::poll(fds, count, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Woken::kTimeout;  // ENOMEM and the like: the caller polls the table and comes back.
    }
    if (wake_index >= 0 && fds[wake_index].revents != 0) {
      uint64_t ignored;
      (void)!::read(wake_fd_, &ignored, sizeof(ignored));  // Re-arms it; the flag says why.
    }
    if (conn_index >= 0 && fds[conn_index].revents != 0) {
      absl::StatusOr<int> n = Drain();
      if (!n.ok()) return Woken::kLost;
      if (*n > 0) return Woken::kNotified;
      // Something else (a notice, or half a message): keep waiting.
    }
  }
}

void OutboxListener::Interrupt() {
  interrupted_.store(true);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
}

}  // namespace shopcast::events
