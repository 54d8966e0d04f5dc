#pragma once

// Backs off publishers that keep being refused (a wrong or reused key, an ended stream, a codec
// we do not take): GStreamer's srtsink reconnect loop was refused 40 times in 12 s, each attempt
// a database transaction, a log line and a PublishRejected event. Policy, per (stream key,
// source IP) pair, so one address's refusals never slow another address:
//   - the first `free_refusals` refusals in a row are answered normally (an encoder reconnecting
//     while its old session is still being ended is refused once or twice);
//   - each later one blocks the pair for base, 2·base, 4·base, ... up to `max_wait`;
//   - attempts while blocked are answered at once without checking, and do not count (so an
//     owner whose encoder retries quickly is never locked out for longer than `max_wait`);
//   - the count starts over after `forget_after` without refusals, or when a session of the
//     pair published and ended normally.
// The table is bounded (`max_entries`): the stalest pair makes room. Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace shopcast::video_ingest {

struct RefusalBackoffOptions {
  int free_refusals = 3;
  std::chrono::milliseconds base_wait{1000};
  std::chrono::milliseconds max_wait{30000};
  std::chrono::milliseconds forget_after{120000};
  size_t max_entries = 10000;
  // A steady clock, injectable so tests move time.
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
};

class RefusalBackoff {
 public:
  explicit RefusalBackoff(RefusalBackoffOptions options = {}) : options_(std::move(options)) {}

  // How long the pair must still wait before it is checked again; zero when it may try now.
  // `remote_address` is "ip:port" (the port is ignored) or a bare IP.
  std::chrono::milliseconds Wait(std::string_view stream_key, std::string_view remote_address);
  // The pair was refused by the check.
  void Refused(std::string_view stream_key, std::string_view remote_address);
  // The pair published and ended normally: it starts over.
  void Forget(std::string_view stream_key, std::string_view remote_address);

  size_t size() const;

 private:
  using Clock = std::chrono::steady_clock;
  // The key's hash, not the key: the table outlives the attempts and need not hold secrets.
  using PairKey = std::pair<std::string, uint64_t>;
  struct Entry {
    int refusals = 0;
    Clock::time_point last_refusal;
    Clock::time_point blocked_until;
  };
  static PairKey KeyOf(std::string_view stream_key, std::string_view remote_address);
  void MakeRoom(Clock::time_point now);

  const RefusalBackoffOptions options_;
  mutable std::mutex mu_;
  std::map<PairKey, Entry> entries_;  // Guarded by mu_.
};

}  // namespace shopcast::video_ingest
