#include "mover/purger.h"

#include <pqxx/pqxx>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "mover/mover_sql.h"
#include "mover/plan.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::mover {
namespace {
namespace pb = ::shopcast::recording_lifecycle::v1;
}  // namespace

Purger::Purger(db::Pool& pool, const storage::TierSet& tiers, PurgerOptions options,
               prometheus::Registry* registry, std::function<absl::Time()> now)
    : pool_(pool),
      tiers_(tiers),
      options_(std::move(options)),
      now_(now ? std::move(now) : [] { return absl::Now(); }) {
  if (registry == nullptr) {
    own_registry_ = std::make_shared<prometheus::Registry>();
    registry = own_registry_.get();
  }
  purges_ = &prometheus::BuildCounter()
                 .Name("recording_lifecycle_purges_total")
                 .Help(
                     "Recording purges (every object in every tier deleted), by outcome: "
                     "deleted, waiting (hold or a mover still on it), failed.")
                 .Register(*registry);
  worker_ = std::make_unique<timing::PeriodicWorker>(options_.interval, [this] {
    absl::StatusOr<int> n = RunOnce();
    if (!n.ok()) log::Warn("purge_round_failed").Kv("error", n.status().ToString());
    return n.ok();
  });
}

Purger::~Purger() { Stop(); }
void Purger::Start() { worker_->Start(); }
void Purger::Stop() { worker_->Stop(); }
void Purger::Wake() { worker_->Wake(); }

absl::StatusOr<int> Purger::RunOnce() {
  ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const auto& row : tx.exec_params(sql::kPurgeCandidates, options_.batch)) {
          out.push_back(row[0].as<std::string>());
        }
        return out;
      }));
  int done = 0;
  absl::Status first_error;
  for (const std::string& id : ids) {
    absl::StatusOr<bool> purged = Purge(id);
    if (!purged.ok()) {
      purges_->Add({{"outcome", "failed"}}).Increment();
      log::Warn("purge_failed").Kv("recording_id", id).Kv("error", purged.status().ToString());
      if (first_error.ok()) first_error = purged.status();
      continue;
    }
    if (*purged) ++done;
  }
  if (!first_error.ok() && done == 0) return first_error;
  return done;
}

absl::StatusOr<bool> Purger::Purge(const std::string& recording_id) {
  struct Facts {
    bool go = false;
    std::string stream_id, poster_key;
    std::vector<std::string> keys;
  };
  // 1. Claim the media for deletion: cancel open moves, open the purge, read what to delete.
  ASSIGN_OR_RETURN(
      Facts facts, db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Facts> {
        Facts f;
        pqxx::result rec = tx.exec_params(sql::kLockRecording, recording_id);
        if (rec.empty()) return f;
        if (rec[0]["status"].as<int>() != pb::RECORDING_STATUS_DELETING) return f;
        if (rec[0]["legal_hold"].as<bool>()) return f;
        tx.exec_params(sql::kCancelMoves, recording_id);
        tx.exec_params(sql::kOpenPurge, ids::NewId("mov"), recording_id, rec[0]["tier"].as<int>());
        if (tx.exec_params1(sql::kLiveLeases, recording_id)[0].as<int64_t>() > 0) return f;
        f.go = true;
        f.stream_id = rec[0]["stream_id"].as<std::string>();
        f.poster_key = rec[0]["poster_key"].as<std::string>();
        for (const auto& row : tx.exec_params(sql::kSegmentKeys, recording_id)) {
          f.keys.push_back(row[0].as<std::string>());
        }
        return f;
      }));
  if (!facts.go) {
    purges_->Add({{"outcome", "waiting"}}).Increment();
    return false;
  }

  // 2. Delete everything, in every tier (a move may have left copies anywhere).
  const auto call = [&] {
    return storage::CallOptions::WithTimeout(absl::ToChronoNanoseconds(options_.call_timeout));
  };
  std::vector<std::string> prefixes = {absl::StrCat(recording_id, "/")};
  if (!facts.stream_id.empty()) prefixes.push_back(absl::StrCat(facts.stream_id, "/"));
  if (!facts.poster_key.empty()) facts.keys.push_back(facts.poster_key);
  for (int tier = storage::kTierHot; tier <= storage::kTierCold; ++tier) {
    storage::StorageProvider* p = tiers_.Provider(tier);
    for (const std::string& key : facts.keys) RETURN_IF_ERROR(p->Delete(key, call()));
    for (const std::string& prefix : prefixes) {
      ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> left, storage::ListAll(*p, prefix, call()));
      for (const storage::ObjectInfo& o : left) RETURN_IF_ERROR(p->Delete(o.key, call()));
    }
  }
  // Nothing may be left: the recording stays DELETING (and is tried again) otherwise.
  for (int tier = storage::kTierHot; tier <= storage::kTierCold; ++tier) {
    storage::StorageProvider* p = tiers_.Provider(tier);
    for (const std::string& key : facts.keys) {
      absl::StatusOr<storage::ObjectInfo> st = p->Stat(key, call());
      if (st.ok()) {
        return Error(absl::StatusCode::kInternal, "PURGE_INCOMPLETE",
                     absl::StrCat("an object is still in tier ", storage::TierName(tier)));
      }
      if (st.status().code() != absl::StatusCode::kNotFound) return st.status();
    }
    for (const std::string& prefix : prefixes) {
      ASSIGN_OR_RETURN(storage::ListPage page, p->List(prefix, "", 1, call()));
      if (!page.objects.empty()) {
        return Error(absl::StatusCode::kInternal, "PURGE_INCOMPLETE",
                     absl::StrCat("objects are still in tier ", storage::TierName(tier)));
      }
    }
  }

  // 3. Recorded: DELETED, pointers EXPIRED, the event.
  const absl::Time now = now_();
  ASSIGN_OR_RETURN(
      bool marked, db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        pqxx::result r = tx.exec_params(sql::kMarkDeleted, recording_id, EpochMicros(now));
        if (r.empty()) return false;
        tx.exec_params(sql::kExpireSegments, recording_id);
        tx.exec_params(sql::kExpireClips, recording_id);
        tx.exec_params(sql::kExpireThumbnails, recording_id);
        tx.exec_params(sql::kFinishPurge, recording_id);
        if (!options_.event_destinations.empty()) {
          pb::RecordingDeleted payload;
          payload.set_recording_id(recording_id);
          payload.set_stream_id(r[0][0].as<std::string>());
          payload.set_host_id(r[0][1].as<std::string>());
          payload.mutable_deleted_at()->set_seconds(absl::ToUnixSeconds(now));
          events::Enqueue(tx, events::OutgoingEvent{
                                  "recording_lifecycle", "recording_lifecycle.recording_deleted",
                                  recording_id, options_.event_destinations, &payload});
        }
        return true;
      }));
  purges_->Add({{"outcome", marked ? "deleted" : "waiting"}}).Increment();
  if (marked) log::Info("recording_purged").Kv("recording_id", recording_id);
  return marked;
}

}  // namespace shopcast::recording_lifecycle::mover
