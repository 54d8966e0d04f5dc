#include "engagement/coalescer.h"

#include <pqxx/result>
#include <pqxx/transaction>
#include <vector>

#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/timing/clock.h"

namespace shopcast::realtime_push::engagement {
namespace {

namespace pb = ::shopcast::realtime_push::v1;

// What one gate attempt found.
struct GateResult {
  std::optional<pb::RoomEvent> push;  // the gate was ours: push this
  int64_t pushed_version = 0;         // else: what the last push carried
  int64_t wait_ms = 0;                // and when the gate reopens
  bool room_gone = false;             // no counter row (the room was deleted)
};

}  // namespace

void Coalescer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Coalescer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Coalescer::Changed(const std::string& stream_id, CountsKind kind, int64_t version) {
  if (version <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = pending_.try_emplace(Key{stream_id, kind});
    if (!inserted) {
      // Already waiting for the gate (or being pushed): that attempt will cover this version.
      it->second.version = std::max(it->second.version, version);
      return;
    }
    it->second.version = version;
    it->second.due = Clock::now();
  }
  cv_.notify_all();
}

void Coalescer::Loop() {
  const timing::SteadyClock& clock = timing::SteadyClock::Real();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    std::vector<std::pair<Key, int64_t>> due;
    // Nothing pending: sleep until Changed() or Stop() wakes us.
    Clock::time_point next = now + std::chrono::hours(1);
    for (auto& [key, p] : pending_) {
      if (p.in_flight) continue;
      if (p.due <= now) {
        p.in_flight = true;
        due.emplace_back(key, p.version);
      } else {
        next = std::min(next, p.due);
      }
    }
    if (due.empty()) {
      clock.WaitUntil(cv_, lock, next);
      continue;
    }
    lock.unlock();
    std::vector<std::pair<Key, absl::StatusOr<std::optional<absl::Duration>>>> results;
    results.reserve(due.size());
    for (const auto& [key, version] : due) results.emplace_back(key, Attempt(key, version));
    lock.lock();
    const Clock::time_point after = Clock::now();
    for (size_t i = 0; i < due.size(); ++i) {
      auto it = pending_.find(due[i].first);
      Pending& p = it->second;
      p.in_flight = false;
      const auto& result = results[i].second;
      if (!result.ok()) {
        log::Warn("engagement_push_failed")
            .Kv("stream_id", due[i].first.first)
            .Kv("detail", std::string(result.status().message()));
        p.due = after + timing::ToSteady(options_.interval);
      } else if (!result->has_value()) {
        if (p.version <= due[i].second) {
          pending_.erase(it);
        } else {
          p.due = after + timing::ToSteady(options_.interval);  // changed meanwhile
        }
      } else {
        p.due = after + timing::ToSteady(std::max(**result, absl::Milliseconds(5)));
      }
    }
  }
}

absl::StatusOr<std::optional<absl::Duration>> Coalescer::Attempt(const Key& key, int64_t version) {
  const auto& [stream, kind] = key;
  const double interval_s = absl::ToDoubleSeconds(options_.interval);
  const bool reactions = kind == CountsKind::kReactions;
  auto gate = [&](pqxx::work& tx) -> absl::StatusOr<GateResult> {
    GateResult out;
    pqxx::result taken = tx.exec_prepared(
        reactions ? "rpe_take_reactions_gate" : "rpe_take_viewers_gate", stream, interval_s);
    if (!taken.empty()) {
      pb::RoomEvent event;
      if (reactions) {
        pb::ReactionCounts* c = event.mutable_reaction_counts();
        c->set_likes(taken[0][0].as<int64_t>());
        c->set_dislikes(taken[0][1].as<int64_t>());
        c->set_version(taken[0][2].as<int64_t>());
      } else {
        pb::ViewerCount* c = event.mutable_viewer_count();
        c->set_viewer_count(taken[0][0].as<int64_t>());
        c->set_peak_viewer_count(taken[0][1].as<int64_t>());
        c->set_version(taken[0][2].as<int64_t>());
      }
      out.push = std::move(event);
      return out;
    }
    pqxx::result state = tx.exec_prepared(
        reactions ? "rpe_reactions_gate_state" : "rpe_viewers_gate_state", stream, interval_s);
    if (state.empty()) {
      out.room_gone = true;
    } else {
      out.pushed_version = state[0][0].as<int64_t>();
      out.wait_ms = state[0][1].is_null() ? 0 : state[0][1].as<int64_t>();
    }
    return out;
  };
  ASSIGN_OR_RETURN(GateResult g, db::InTransaction(pool_, gate));
  if (g.push.has_value()) {
    pb::RoomEvent& event = *g.push;
    event.set_stream_id(stream);
    event.set_ephemeral(true);
    // Room-made events carry the room's own id (the proto's event_id rule).
    event.set_event_id(stream);
    ToProto(absl::Now(), event.mutable_occurred_at());
    // The gate is already taken: a failed NOTIFY loses this push, and the next change (or any
    // snapshot) brings the counts; versions keep clients from going backwards meanwhile.
    RETURN_IF_ERROR(log_.NotifyEphemeral(stream, event));
    return std::optional<absl::Duration>();
  }
  if (g.room_gone || g.pushed_version >= version) return std::optional<absl::Duration>();
  return std::optional<absl::Duration>(absl::Milliseconds(g.wait_ms));
}

}  // namespace shopcast::realtime_push::engagement
