#include "mover/mover.h"

#include <algorithm>
#include <chrono>
#include <pqxx/pqxx>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "mover/mover_sql.h"
#include "mover/plan.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"

namespace shopcast::recording_lifecycle::mover {
namespace {

using storage::CallOptions;
using storage::kTierExpired;
using storage::TierName;

constexpr char kReasonLeaseLost[] = "LEASE_LOST";

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

std::string ReasonLabel(const absl::Status& s) {
  std::string reason = ReasonOf(s);
  if (reason.empty()) reason = absl::StatusCodeToString(s.code());
  return reason;
}

// Failures worth retrying soon; anything else parks the object at once.
bool Retryable(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct Mover::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : bytes(prometheus::BuildCounter()
                  .Name("recording_lifecycle_mover_bytes_moved_total")
                  .Help("Bytes the mover copied into a tier and verified there, by tiers.")
                  .Register(r)),
        objects(prometheus::BuildCounter()
                    .Name("recording_lifecycle_mover_objects_moved_total")
                    .Help("Objects the mover finished moving (source deleted), by tiers.")
                    .Register(r)),
        failures(prometheus::BuildCounter()
                     .Name("recording_lifecycle_mover_failures_total")
                     .Help("Failed mover steps, by reason (parked or retried).")
                     .Register(r)),
        moves(prometheus::BuildCounter()
                  .Name("recording_lifecycle_mover_moves_finished_total")
                  .Help("Recording moves finished (recordings.tier switched), by target tier.")
                  .Register(r)),
        queue(prometheus::BuildGauge()
                  .Name("recording_lifecycle_mover_queue_objects")
                  .Help("Objects of open moves not done yet: queued (due or waiting for a "
                        "retry) and parked.")
                  .Register(r)),
        usage(prometheus::BuildGauge()
                  .Name("recording_lifecycle_tier_usage_bytes")
                  .Help("Bytes of recording segments and clip MP4s whose current copy is "
                        "in each tier (JPEG posters and thumbnails are not counted).")
                  .Register(r)) {}
  prometheus::Family<prometheus::Counter>& bytes;
  prometheus::Family<prometheus::Counter>& objects;
  prometheus::Family<prometheus::Counter>& failures;
  prometheus::Family<prometheus::Counter>& moves;
  prometheus::Family<prometheus::Gauge>& queue;
  prometheus::Family<prometheus::Gauge>& usage;
  std::shared_ptr<prometheus::Registry> own;
};

// Average bandwidth: each object's start waits until the bytes before it would have gone at
// the configured rate.
class Mover::Throttle {
 public:
  explicit Throttle(int64_t rate) : rate_(rate) {}
  // When the transfer of `bytes` may start.
  std::chrono::steady_clock::time_point Reserve(int64_t bytes) {
    const auto now = std::chrono::steady_clock::now();
    if (rate_ <= 0) return now;
    std::lock_guard<std::mutex> lock(mu_);
    const auto start = std::max(now, next_);
    next_ = start + std::chrono::microseconds(std::max<int64_t>(0, bytes) * 1000000 / rate_);
    return start;
  }

 private:
  const int64_t rate_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
};

Mover::Mover(db::Pool& pool, const storage::TierSet& tiers, MoverOptions options,
             prometheus::Registry* registry, std::function<absl::Time()> now)
    : pool_(pool),
      tiers_(tiers),
      options_(std::move(options)),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      owner_(absl::StrCat(options_.owner, "-", ids::NewUniqueId("m"))),
      throttle_(std::make_unique<Throttle>(options_.bandwidth_bytes_per_second)) {
  std::shared_ptr<prometheus::Registry> own;
  if (registry == nullptr) {
    own = std::make_shared<prometheus::Registry>();
    registry = own.get();
  }
  metrics_ = std::make_unique<Metrics>(*registry);
  metrics_->own = std::move(own);
}

Mover::~Mover() { Stop(); }

void Mover::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ || stopping_) return;
  running_ = true;
  for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  threads_.emplace_back([this] { HeartbeatLoop(); });
}

void Mover::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) t.join();
}

void Mover::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Mover::WorkerLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::vector<MoveObject>> claimed = Claim(1);
    if (claimed.ok() && !claimed->empty()) {
      Process(std::move(claimed->front()));
      continue;
    }
    if (!claimed.ok()) {
      log::Warn("mover_claim_failed").Kv("error", claimed.status().ToString());
    }
    (void)FinishCompleteMoves();
    const int64_t now_us = absl::ToUnixMicros(absl::Now());
    if (now_us - last_usage_refresh_us_.load() >=
        absl::ToInt64Microseconds(options_.usage_refresh)) {
      last_usage_refresh_us_ = now_us;
      (void)RefreshGauges();
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.poll),
                   [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void Mover::HeartbeatLoop() {
  const auto every = absl::ToChronoMilliseconds(options_.lease / 3);
  while (true) {
    std::string array;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, every, [this] { return stopping_; });
      if (stopping_) return;
      if (in_flight_.empty()) continue;
      array = db::TextArray(in_flight_);
    }
    absl::Status s = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
      tx.exec_params(sql::kRenewLeases, owner_, array, Millis(options_.lease));
      return absl::OkStatus();
    });
    if (!s.ok()) log::Warn("mover_lease_renew_failed").Kv("error", s.ToString());
  }
}

absl::StatusOr<std::vector<MoveObject>> Mover::Claim(int max) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<MoveObject>> {
    std::vector<MoveObject> out;
    for (const auto& row : tx.exec_params(sql::kClaim, owner_, Millis(options_.lease), max)) {
      MoveObject o;
      o.move_id = row[0].as<std::string>();
      o.key = row[1].as<std::string>();
      o.recording_id = row[2].as<std::string>();
      o.kind = row[3].as<std::string>();
      o.sequence = row[4].as<int64_t>();
      o.sha256 = row[5].as<std::string>();
      o.size = row[6].as<int64_t>();
      o.src_tier = row[7].as<int>();
      o.dst_tier = row[8].as<int>();
      o.state = row[9].as<std::string>();
      o.attempts = row[10].as<int>();
      o.parked = row[11].as<bool>();
      o.asset_id = row[12].as<std::string>();
      out.push_back(std::move(o));
    }
    return out;
  });
}

absl::StatusOr<int> Mover::RunOnce(int max_objects) {
  ASSIGN_OR_RETURN(std::vector<MoveObject> claimed, Claim(max_objects));
  for (MoveObject& o : claimed) Process(std::move(o));
  RETURN_IF_ERROR(FinishCompleteMoves().status());
  RETURN_IF_ERROR(RefreshGauges());
  return static_cast<int>(claimed.size());
}

void Mover::Track(const MoveObject& o, bool add) {
  const std::string id = absl::StrCat(o.move_id, "/", o.key);
  std::lock_guard<std::mutex> lock(mu_);
  if (add) {
    in_flight_.push_back(id);
  } else {
    in_flight_.erase(std::remove(in_flight_.begin(), in_flight_.end(), id), in_flight_.end());
  }
}

void Mover::Process(MoveObject o) {
  Track(o, true);
  while (o.state != "done") {
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    if (stopping) {
      Release(o);
      break;
    }
    const std::string before = o.state;
    absl::Status s = Step(o);
    if (!s.ok()) {
      if (ReasonOf(s) == kReasonLeaseLost) {
        // Cancelled, held, or taken over: let go at once rather than when the lease runs out.
        Release(o);
        log::Info("mover_object_stopped")
            .Kv("move_id", o.move_id)
            .Kv("key", o.key)
            .Kv("state", before);
      }
      break;
    }
  }
  Track(o, false);
  if (o.state == "done") (void)FinishCompleteMoves();
}

absl::StatusOr<bool> Mover::Discarded(MoveObject& o) {
  if (o.kind != "clip" && o.kind != "clip_poster") return false;
  ASSIGN_OR_RETURN(bool gone, db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
                     return tx.exec_params1(sql::kClipGone, o.asset_id)[0].as<bool>();
                   }));
  if (!gone) return false;
  // DeleteClip removed what it could see; a copy this move made after that goes here.
  const auto call = [&] {
    return CallOptions::WithTimeout(absl::ToChronoNanoseconds(options_.step_timeout));
  };
  for (int tier : {o.src_tier, o.dst_tier}) {
    storage::StorageProvider* p = tiers_.Provider(tier);
    if (p == nullptr) continue;
    if (absl::Status s = p->Delete(o.key, call()); !s.ok()) {
      Fail(o, s, false);
      return s;
    }
  }
  RETURN_IF_ERROR(Advance(o, "done"));
  log::Info("mover_object_discarded")
      .Kv("move_id", o.move_id)
      .Kv("key", o.key)
      .Kv("clip_id", o.asset_id);
  return true;
}

absl::Status Mover::Step(MoveObject& o) {
  storage::StorageProvider* src = tiers_.Provider(o.src_tier);
  if (o.state != "deleting_source") {
    ASSIGN_OR_RETURN(bool discarded, Discarded(o));
    if (discarded) return absl::OkStatus();
  }
  if (o.state == "planned") {
    return Advance(o, o.dst_tier == kTierExpired ? "switching" : "copying");
  }
  if (o.state == "copying") {
    absl::Status s = Copy(o);
    if (!s.ok()) {
      Fail(o, s, false);
      return s;
    }
    return Advance(o, "verifying");
  }
  if (o.state == "verifying") {
    absl::Status s = Verify(o);
    if (!s.ok()) {
      // A copy that reads back wrong is made again.
      Fail(o, s, s.code() == absl::StatusCode::kDataLoss);
      return s;
    }
    return Advance(o, "switching", /*verified=*/true);
  }
  if (o.state == "switching") return Switch(o);
  if (o.state == "deleting_source") {
    absl::Status s =
        src == nullptr ? absl::OkStatus()
                       : src->Delete(o.key, CallOptions::WithTimeout(
                                                absl::ToChronoNanoseconds(options_.step_timeout)));
    // Deletes are idempotent: a source already gone is what this step wants.
    if (absl::IsNotFound(s)) s = absl::OkStatus();
    if (!s.ok()) {
      Fail(o, s, false);
      return s;
    }
    RETURN_IF_ERROR(Advance(o, "done"));
    const std::string from = TierName(o.src_tier), to = TierName(o.dst_tier);
    metrics_->objects.Add({{"from", from}, {"to", to}}).Increment();
    return absl::OkStatus();
  }
  return Error(absl::StatusCode::kInternal, "MOVE_STATE_UNKNOWN", "unknown object state");
}

std::filesystem::path Mover::ScratchPath(const MoveObject& o) const {
  return options_.scratch_dir / absl::StrCat("rlmover-", owner_, "-", o.move_id, "-",
                                             absl::StrReplaceAll(o.key, {{"/", "_"}}));
}

absl::Status Mover::Copy(MoveObject& o) {
  storage::StorageProvider* src = tiers_.Provider(o.src_tier);
  storage::StorageProvider* dst = tiers_.Provider(o.dst_tier);
  if (src == nullptr || dst == nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "TIER_INVALID", "no provider for tier");
  }
  const auto start = throttle_->Reserve(o.size);
  {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_until(lock, start, [this] { return stopping_; });
    if (stopping_) return Error(absl::StatusCode::kAborted, kReasonLeaseLost, "stopping");
  }
  const auto deadline = [&] {
    return CallOptions::WithTimeout(absl::ToChronoNanoseconds(options_.step_timeout));
  };
  std::filesystem::path local;
  std::filesystem::path scratch;
  if (auto* fs = dynamic_cast<storage::FilesystemProvider*>(src)) {
    ASSIGN_OR_RETURN(local, fs->PathOf(o.key));
  } else {
    scratch = ScratchPath(o);
    absl::Status got = src->GetToFile(o.key, scratch, deadline());
    if (!got.ok()) {
      if (got.code() != absl::StatusCode::kNotFound) return got;
      local.clear();
    } else {
      local = scratch;
    }
  }
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      if (!p.empty()) std::filesystem::remove(p, ec);
    }
  } cleanup{scratch};

  std::error_code ec;
  if (local.empty() || !std::filesystem::exists(local, ec)) {
    // The source is gone. Only a finished copy may stand in for it (a replica that lost its
    // lease after copying); anything else is lost data and parks the object.
    absl::StatusOr<storage::ObjectInfo> there = dst->Stat(o.key, deadline());
    if (there.ok() && !o.sha256.empty() && there->sha256 == o.sha256) return absl::OkStatus();
    return Error(absl::StatusCode::kNotFound, "SOURCE_MISSING",
                 "the source copy of the object is missing");
  }
  if (o.sha256.empty()) {
    // No checksum recorded (the poster): vouch with the source's, and record it for verifying.
    ASSIGN_OR_RETURN(std::string sha, storage::Sha256OfFile(local));
    const int64_t size = static_cast<int64_t>(std::filesystem::file_size(local, ec));
    RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
      if (tx.exec_params(sql::kSetObjectSha, o.move_id, o.key, sha, size, owner_).affected_rows() !=
          1) {
        return Error(absl::StatusCode::kAborted, kReasonLeaseLost, "lease lost");
      }
      return absl::OkStatus();
    }));
    o.sha256 = sha;
    o.size = size;
  } else if (o.size <= 0) {
    // Clip posters and thumbnails: the checksum is recorded, the size only counted here.
    o.size = static_cast<int64_t>(std::filesystem::file_size(local, ec));
  }
  RETURN_IF_ERROR(dst->Put(o.key, local, o.sha256, deadline()));
  metrics_->bytes.Add({{"from", TierName(o.src_tier)}, {"to", TierName(o.dst_tier)}})
      .Increment(static_cast<double>(o.size));
  return absl::OkStatus();
}

absl::Status Mover::Verify(const MoveObject& o) {
  storage::StorageProvider* dst = tiers_.Provider(o.dst_tier);
  if (dst == nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "TIER_INVALID", "no provider for tier");
  }
  std::string sha;
  if (auto* fs = dynamic_cast<storage::FilesystemProvider*>(dst)) {
    ASSIGN_OR_RETURN(std::filesystem::path path, fs->PathOf(o.key));
    absl::StatusOr<std::string> got = storage::Sha256OfFile(path);
    if (!got.ok()) {
      // A copy that vanished is made again.
      if (got.status().code() == absl::StatusCode::kNotFound) {
        return Error(absl::StatusCode::kDataLoss, "COPY_MISSING", "the copy is missing");
      }
      return got.status();
    }
    sha = *got;
  } else {
    const std::filesystem::path scratch = ScratchPath(o);
    absl::Status got = dst->GetToFile(
        o.key, scratch, CallOptions::WithTimeout(absl::ToChronoNanoseconds(options_.step_timeout)));
    if (!got.ok()) {
      if (got.code() == absl::StatusCode::kNotFound) {
        return Error(absl::StatusCode::kDataLoss, "COPY_MISSING", "the copy is missing");
      }
      return got;
    }
    absl::StatusOr<std::string> hashed = storage::Sha256OfFile(scratch);
    std::error_code ec;
    std::filesystem::remove(scratch, ec);
    if (!hashed.ok()) return hashed.status();
    sha = *hashed;
  }
  if (sha != o.sha256) {
    return Error(absl::StatusCode::kDataLoss, storage::kReasonChecksumMismatch,
                 "the copy's SHA-256 differs from the recorded one");
  }
  return absl::OkStatus();
}

absl::Status Mover::Advance(MoveObject& o, const std::string& next, bool verified) {
  const bool was_parked = o.parked;
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params(sql::kAdvance, o.move_id, o.key, o.state, next, owner_, verified,
                       Millis(options_.lease))
            .affected_rows() != 1) {
      return Error(absl::StatusCode::kAborted, kReasonLeaseLost,
                   "the object is no longer ours (lease, cancel or hold)");
    }
    if (was_parked) tx.exec_params(sql::kUnparkMove, o.move_id);
    return absl::OkStatus();
  }));
  o.state = next;
  o.parked = false;
  return absl::OkStatus();
}

absl::Status Mover::Switch(MoveObject& o) {
  const bool was_parked = o.parked;
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params(sql::kAdvance, o.move_id, o.key, "switching", "deleting_source", owner_,
                       false, Millis(options_.lease))
            .affected_rows() != 1) {
      return Error(absl::StatusCode::kAborted, kReasonLeaseLost,
                   "the object is no longer ours (lease, cancel or hold)");
    }
    if (o.kind == "poster") {
      tx.exec_params(sql::kSwitchPoster, o.recording_id, o.dst_tier);
    } else if (o.kind == "clip") {
      tx.exec_params(sql::kSwitchClip, o.asset_id, o.dst_tier);
    } else if (o.kind == "clip_poster") {
      tx.exec_params(sql::kSwitchClipPoster, o.asset_id, o.dst_tier);
    } else if (o.kind == "thumbnail") {
      tx.exec_params(sql::kSwitchThumbnail, o.asset_id, o.dst_tier);
    } else {
      tx.exec_params(sql::kSwitchSegment, o.recording_id, o.sequence, o.dst_tier);
    }
    if (was_parked) tx.exec_params(sql::kUnparkMove, o.move_id);
    return absl::OkStatus();
  }));
  o.state = "deleting_source";
  o.parked = false;
  return absl::OkStatus();
}

void Mover::Fail(const MoveObject& o, const absl::Status& error, bool restart_copy) {
  if (ReasonOf(error) == kReasonLeaseLost) {
    Release(o);
    return;
  }
  const std::string reason = ReasonLabel(error);
  const bool park = !Retryable(error) || o.attempts + 1 >= options_.max_attempts;
  absl::Duration delay = options_.park_retry;
  if (!park) {
    delay = options_.retry_base;
    for (int i = 0; i < o.attempts && delay < options_.retry_max; ++i) delay *= 2;
    delay = std::min(delay, options_.retry_max);
  }
  const std::string state = restart_copy ? "copying" : o.state;
  metrics_->failures.Add({{"reason", reason}}).Increment();
  log::Warn("mover_step_failed")
      .Kv("move_id", o.move_id)
      .Kv("key", o.key)
      .Kv("state", o.state)
      .Kv("reason", reason)
      .Kv("attempts", o.attempts + 1)
      .Kv("parked", park)
      .Kv("error", error.message());
  absl::Status s = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(sql::kFail, o.move_id, o.key, state, reason, Millis(delay), park, owner_);
    if (park) tx.exec_params(sql::kParkMove, o.move_id, reason);
    return absl::OkStatus();
  });
  if (!s.ok()) log::Warn("mover_fail_record_failed").Kv("error", s.ToString());
}

void Mover::Release(const MoveObject& o) {
  (void)db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(sql::kRelease, o.move_id, o.key, owner_);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> Mover::FinishCompleteMoves() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    int finished = 0;
    const absl::Time now = now_();
    for (const auto& row : tx.exec_params(sql::kCompleteMoves, 50)) {
      const std::string move_id = row[0].as<std::string>();
      const std::string recording_id = row[1].as<std::string>();
      const int from = row[2].as<int>(), to = row[3].as<int>();
      tx.exec_params(sql::kFinishMove, move_id);
      if (from == to) {
        // A catch-up of clips and thumbnails: the recording was there already.
        log::Info("recording_assets_caught_up")
            .Kv("recording_id", recording_id)
            .Kv("move_id", move_id)
            .Kv("tier", TierName(to));
        ++finished;
        continue;
      }
      tx.exec_params(sql::kSetRecordingTier, recording_id, to, EpochMicros(now));
      EnqueueTierChanged(tx, recording_id, from, to, now, options_.event_destinations);
      metrics_->moves.Add({{"to", TierName(to)}}).Increment();
      log::Info("recording_tier_changed")
          .Kv("recording_id", recording_id)
          .Kv("move_id", move_id)
          .Kv("from", TierName(from))
          .Kv("to", TierName(to));
      ++finished;
    }
    return finished;
  });
}

absl::Status Mover::RefreshGauges() {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::row q = tx.exec1(sql::kQueueDepth);
    metrics_->queue.Add({{"state", "queued"}}).Set(q[0].as<double>());
    metrics_->queue.Add({{"state", "parked"}}).Set(q[1].as<double>());
    double usage[4] = {0, 0, 0, 0};
    for (const auto& row : tx.exec(sql::kTierUsage)) {
      const int tier = row[0].as<int>();
      if (tier >= 1 && tier <= 3) usage[tier] = row[1].as<double>();
    }
    for (int t = 1; t <= 3; ++t) metrics_->usage.Add({{"tier", TierName(t)}}).Set(usage[t]);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::mover
