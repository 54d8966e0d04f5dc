#include "ingest/refusal_backoff.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace shopcast::video_ingest {

namespace {

// "203.0.113.7:50512" → "203.0.113.7"; "[2001:db8::1]:50512" → "[2001:db8::1]"; a bare IPv4
// stays as it is.
std::string_view HostOf(std::string_view remote_address) {
  const size_t colon = remote_address.rfind(':');
  if (colon == std::string_view::npos) return remote_address;
  // More than one colon and no brackets: a bare IPv6 address without a port.
  if (remote_address.find(':') != colon && remote_address.front() != '[') return remote_address;
  return remote_address.substr(0, colon);
}

}  // namespace

RefusalBackoff::PairKey RefusalBackoff::KeyOf(std::string_view stream_key,
                                              std::string_view remote_address) {
  return {std::string(HostOf(remote_address)), absl::Hash<std::string_view>{}(stream_key)};
}

std::chrono::milliseconds RefusalBackoff::Wait(std::string_view stream_key,
                                               std::string_view remote_address) {
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(KeyOf(stream_key, remote_address));
  if (it == entries_.end() || it->second.blocked_until <= now) return {};
  // Rounded up: a caller told "0 ms" must be able to get through.
  return std::chrono::ceil<std::chrono::milliseconds>(it->second.blocked_until - now);
}

void RefusalBackoff::Refused(std::string_view stream_key, std::string_view remote_address) {
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  PairKey key = KeyOf(stream_key, remote_address);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_entries) MakeRoom(now);
    it = entries_.emplace(std::move(key), Entry{}).first;
  }
  Entry& e = it->second;
  if (e.refusals > 0 && now - e.last_refusal >= options_.forget_after) e.refusals = 0;
  ++e.refusals;
  e.last_refusal = now;
  const int over = e.refusals - options_.free_refusals;
  if (over <= 0) return;
  auto wait = options_.base_wait;
  for (int i = 1; i < over && wait < options_.max_wait; ++i) wait *= 2;
  e.blocked_until = now + std::min(wait, options_.max_wait);
}

void RefusalBackoff::Forget(std::string_view stream_key, std::string_view remote_address) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(KeyOf(stream_key, remote_address));
}

size_t RefusalBackoff::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void RefusalBackoff::MakeRoom(Clock::time_point now) {
  // Forgotten pairs first; if none, the one refused longest ago.
  auto stalest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = it->second;
    if (now - e.last_refusal >= options_.forget_after && e.blocked_until <= now) {
      it = entries_.erase(it);
      continue;
    }
    if (stalest == entries_.end() || e.last_refusal < stalest->second.last_refusal) stalest = it;
    ++it;
  }
  if (entries_.size() >= options_.max_entries && stalest != entries_.end()) {
    entries_.erase(stalest);
  }
}

}  // namespace shopcast::video_ingest
