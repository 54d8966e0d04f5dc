#pragma once

// Who holds the RTMP server's connection slots, and who must give one up for a newcomer. An
// unauthenticated connection (handshaking, connecting, waiting to publish) costs memory and a
// slot but proves nothing, so such connections share a smaller budget of their own, per source
// address and in total; when the budget is full the oldest of them is evicted rather than the
// newcomer refused, so silent clients cannot lock a real encoder out (nginx-rtmp keeps answering
// in the same case). An admitted publisher has shown a valid key: it leaves that budget and only
// counts against max_connections. Not thread-safe: the server calls it under its lock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace shopcast::video_ingest::rtmp {

struct ConnectionLimits {
  size_t max_connections = 1000;        // Every connection, admitted or not.
  size_t max_pending = 200;             // Connections not admitted yet.
  size_t max_pending_per_address = 16;  // Connections not admitted yet, per source IP.
};

class ConnectionTable {
 public:
  explicit ConnectionTable(ConnectionLimits limits) : limits_(limits) {}

  struct Decision {
    bool accepted = false;
    // Why not: "per_address_limit" or "max_connections" (every slot held by admitted
    // publishers or connections whose key is being checked).
    std::string refusal;
    // A connection to close now to make room for this one (it no longer counts).
    std::optional<uint64_t> evict;
  };

  // A new connection `id` (ids grow with age) from `address` (an IP, without the port).
  Decision Open(uint64_t id, const std::string& address);
  // The connection presented a key that is being checked: not evicted meanwhile, since the
  // check is already under way and its answer is due.
  void Admitting(uint64_t id, bool admitting);
  // The connection's key was accepted: it leaves the pending budget.
  void Admitted(uint64_t id);
  // The connection is gone (a no-op for an evicted or unknown one).
  void Closed(uint64_t id);

  size_t size() const { return entries_.size(); }
  size_t pending() const { return pending_; }
  size_t pending_from(const std::string& address) const;

 private:
  enum class State { kPending, kAdmitting, kAdmitted };
  struct Entry {
    std::string address;
    State state = State::kPending;
  };
  void Forget(std::map<uint64_t, Entry>::iterator it);

  const ConnectionLimits limits_;
  std::map<uint64_t, Entry> entries_;  // By id: oldest first.
  size_t pending_ = 0;                 // kPending + kAdmitting.
  std::unordered_map<std::string, size_t> pending_by_address_;
};

}  // namespace shopcast::video_ingest::rtmp
