#include "rtmp/connection_table.h"

namespace shopcast::video_ingest::rtmp {

ConnectionTable::Decision ConnectionTable::Open(uint64_t id, const std::string& address) {
  Decision d;
  if (pending_from(address) >= limits_.max_pending_per_address) {
    d.refusal = "per_address_limit";
    return d;
  }
  if (entries_.size() >= limits_.max_connections || pending_ >= limits_.max_pending) {
    // The oldest connection that has not presented a key yet makes room.
    auto victim = entries_.begin();
    while (victim != entries_.end() && victim->second.state != State::kPending) ++victim;
    if (victim == entries_.end()) {
      d.refusal = "max_connections";
      return d;
    }
    d.evict = victim->first;
    Forget(victim);
  }
  entries_.emplace(id, Entry{address, State::kPending});
  ++pending_;
  ++pending_by_address_[address];
  d.accepted = true;
  return d;
}

void ConnectionTable::Admitting(uint64_t id, bool admitting) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state == State::kAdmitted) return;
  it->second.state = admitting ? State::kAdmitting : State::kPending;
}

void ConnectionTable::Admitted(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.state == State::kAdmitted) return;
  it->second.state = State::kAdmitted;
  --pending_;
  auto a = pending_by_address_.find(it->second.address);
  if (--a->second == 0) pending_by_address_.erase(a);
}

void ConnectionTable::Closed(uint64_t id) {
  auto it = entries_.find(id);
  if (it != entries_.end()) Forget(it);
}

size_t ConnectionTable::pending_from(const std::string& address) const {
  auto it = pending_by_address_.find(address);
  return it == pending_by_address_.end() ? 0 : it->second;
}

void ConnectionTable::Forget(std::map<uint64_t, Entry>::iterator it) {
  if (it->second.state != State::kAdmitted) {
    --pending_;
    auto a = pending_by_address_.find(it->second.address);
    if (--a->second == 0) pending_by_address_.erase(a);
  }
  entries_.erase(it);
}

}  // namespace shopcast::video_ingest::rtmp
