#include "policies/aging_pass.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "mover/mover_sql.h"
#include "mover/plan.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {
namespace {

constexpr int kPage = 1000;

// Finished recordings with media, not held, without an open move, after $1 in id order.
constexpr char kCandidates[] =
    "SELECT r.id, r.host_id, r.status, r.decision, r.tier, "
    "  (extract(epoch from COALESCE(r.ended_at, r.stream_ended_at, r.updated_at)) * 1000000)"
    "::bigint, COALESCE((extract(epoch from r.last_played_at) * 1000000)::bigint, -1), "
    "  r.view_count, COALESCE(r.policy_id, '') "
    "FROM recordings r WHERE r.id > $1 AND r.status IN (2, 3) AND r.tier < 4 "
    "  AND NOT r.legal_hold AND NOT EXISTS (SELECT 1 FROM tier_moves m "
    "    WHERE m.recording_id = r.id AND m.state IN ('active', 'parked')) "
    "ORDER BY r.id LIMIT $2";
// Recordings whose READY clips or moment thumbnails (made before $1, epoch microseconds) are
// not in the recording's tier (nor gone).
constexpr char kLaggingAssets[] =
    "SELECT r.id, r.tier FROM recordings r WHERE r.status = 3 AND r.tier < 4 "
    "  AND NOT r.legal_hold AND NOT EXISTS (SELECT 1 FROM tier_moves m "
    "    WHERE m.recording_id = r.id AND m.state IN ('active', 'parked')) "
    "  AND (EXISTS (SELECT 1 FROM clips c WHERE c.recording_id = r.id AND c.status = 3 "
    "         AND c.deleted_at IS NULL "
    "         AND c.updated_at <= 'epoch'::timestamptz + $1::bigint * interval '1 microsecond' "
    "         AND ((c.mp4_sha256 <> '' AND c.mp4_tier <> r.tier AND c.mp4_tier <> 4) "
    "           OR (c.poster_sha256 <> '' AND c.poster_tier <> r.tier AND c.poster_tier <> 4))) "
    "    OR EXISTS (SELECT 1 FROM thumbnails t WHERE t.recording_id = r.id AND t.status = 3 "
    "         AND t.kind = 'moment' AND t.sha256 <> '' AND t.tier <> r.tier AND t.tier <> 4 "
    "         AND t.updated_at <= 'epoch'::timestamptz + $1::bigint * interval '1 microsecond')) "
    "ORDER BY r.id LIMIT $2";
constexpr char kHostPolicies[] = "SELECT host_id, policy_id FROM aging_policy_hosts";
constexpr char kMarkUndecidedDeleting[] =
    "UPDATE recordings SET status = 4, updated_at = now() WHERE id = $1 AND decision = 1 "
    "  AND status IN (2, 3) AND NOT legal_hold";

}  // namespace

AgingPass::AgingPass(db::Pool& pool, PolicyStore& store, mover::Mover* mover, mover::Purger* purger,
                     AgingPassOptions options, prometheus::Registry* registry,
                     std::function<absl::Time()> now)
    : pool_(pool),
      store_(store),
      mover_(mover),
      purger_(purger),
      options_(std::move(options)),
      now_(now ? std::move(now) : [] { return absl::Now(); }) {
  if (registry == nullptr) {
    own_registry_ = std::make_shared<prometheus::Registry>();
    registry = own_registry_.get();
  }
  decisions_ = &prometheus::BuildCounter()
                    .Name("recording_lifecycle_aging_decisions_total")
                    .Help(
                        "What aging passes did to recordings, by action (MOVE, EXPIRE, "
                        "DELETE_UNDECIDED) and outcome (started, skipped).")
                    .Register(*registry);
  worker_ = std::make_unique<timing::PeriodicWorker>(options_.interval, [this] {
    absl::StatusOr<pb::RunAgingPassResponse> r = Run(now_(), 0);
    if (!r.ok()) {
      log::Warn("aging_pass_failed").Kv("error", r.status().ToString());
      return false;
    }
    if (r->moves_started() > 0 || r->undecided_deleted() > 0) {
      log::Info("aging_pass")
          .Kv("moves_started", r->moves_started())
          .Kv("undecided_deleted", r->undecided_deleted())
          .Kv("remaining", r->remaining());
    }
    return true;
  });
}

AgingPass::~AgingPass() { Stop(); }
void AgingPass::Start() { worker_->Start(); }
void AgingPass::Stop() { worker_->Stop(); }

absl::Status AgingPass::ForEachDecision(
    absl::Time as_of,
    const std::function<bool(const Candidate&, const pb::AgingPolicy&, const Decision&)>& fn) {
  ASSIGN_OR_RETURN(std::vector<pb::AgingPolicy> all, store_.All());
  std::map<std::string, pb::AgingPolicy> by_id;
  const pb::AgingPolicy* fallback = nullptr;
  for (pb::AgingPolicy& p : all) by_id.emplace(p.id(), std::move(p));
  for (const auto& [id, p] : by_id) {
    if (p.is_default()) fallback = &p;
  }
  std::map<std::string, std::string> host_policy;
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    for (const auto& row : tx.exec(kHostPolicies)) {
      host_policy[row[0].as<std::string>()] = row[1].as<std::string>();
    }
    return absl::OkStatus();
  }));
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(
        std::vector<Candidate> page,
        db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Candidate>> {
          std::vector<Candidate> out;
          for (const auto& row : tx.exec_params(kCandidates, after, kPage)) {
            Candidate c;
            c.facts.id = row[0].as<std::string>();
            c.facts.host_id = row[1].as<std::string>();
            c.facts.status = row[2].as<int>();
            c.facts.decision = row[3].as<int>();
            c.facts.tier = row[4].as<int>();
            c.facts.ended_at = absl::FromUnixMicros(row[5].as<int64_t>());
            const int64_t played = row[6].as<int64_t>();
            if (played >= 0) c.facts.last_played_at = absl::FromUnixMicros(played);
            c.facts.view_count = row[7].as<int64_t>();
            c.policy_id = row[8].as<std::string>();
            out.push_back(std::move(c));
          }
          return out;
        }));
    if (page.empty()) return absl::OkStatus();
    after = page.back().facts.id;
    for (const Candidate& c : page) {
      const pb::AgingPolicy* policy = nullptr;
      if (auto it = by_id.find(c.policy_id); it != by_id.end()) policy = &it->second;
      if (policy == nullptr) {
        if (auto h = host_policy.find(c.facts.host_id); h != host_policy.end()) {
          if (auto it = by_id.find(h->second); it != by_id.end()) policy = &it->second;
        }
      }
      if (policy == nullptr) policy = fallback;
      if (policy == nullptr) continue;
      const Decision d = Evaluate(*policy, c.facts, as_of);
      if (d.action == Decision::Action::kNone) continue;
      if (!fn(c, *policy, d)) return absl::OkStatus();
    }
    if (static_cast<int>(page.size()) < kPage) return absl::OkStatus();
  }
}

absl::StatusOr<pb::RunAgingPassResponse> AgingPass::Run(absl::Time as_of, int max_moves) {
  if (max_moves <= 0) max_moves = options_.batch;
  pb::RunAgingPassResponse out;
  const absl::Time now = now_();
  absl::Status first_error;
  RETURN_IF_ERROR(ForEachDecision(
      as_of, [&](const Candidate& c, const pb::AgingPolicy& policy, const Decision& d) {
        const std::string action = ActionName(d.action);
        if (d.action == Decision::Action::kDeleteUndecided) {
          absl::Status s = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
            if (tx.exec_params(kMarkUndecidedDeleting, c.facts.id).affected_rows() == 1) {
              out.set_undecided_deleted(out.undecided_deleted() + 1);
            }
            return absl::OkStatus();
          });
          if (!s.ok() && first_error.ok()) first_error = s;
          decisions_->Add({{"action", action}, {"outcome", s.ok() ? "started" : "skipped"}})
              .Increment();
          return true;
        }
        if (out.moves_started() >= max_moves) {
          out.set_remaining(out.remaining() + 1);
          return true;
        }
        absl::StatusOr<mover::PlannedMove> planned = db::InTransaction(pool_, [&](pqxx::work& tx) {
          mover::MoveRequest r;
          r.recording_id = c.facts.id;
          r.to_tier = d.to_tier;
          r.origin = "policy";
          r.policy_id = policy.id();
          r.rule_index = d.rule_index;
          r.sale_window = d.sale_window;
          r.forward_only = true;
          r.event_destinations = options_.event_destinations;
          r.now = now;
          return mover::PlanMove(tx, r);
        });
        if (planned.ok()) {
          out.set_moves_started(out.moves_started() + 1);
        } else {
          // Raced with a change (a hold, a delete, an admin move): the next pass sees it anew.
          log::Info("aging_move_skipped")
              .Kv("recording_id", c.facts.id)
              .Kv("reason", ReasonOf(planned.status()));
        }
        decisions_->Add({{"action", action}, {"outcome", planned.ok() ? "started" : "skipped"}})
            .Increment();
        return true;
      }));
  // Clips and thumbnails made after their recording moved follow it.
  ASSIGN_OR_RETURN(std::vector<Lagging> lagging,
                   LaggingAssets(as_of, std::max<int64_t>(0, max_moves - out.moves_started()) + 1));
  for (const Lagging& l : lagging) {
    if (out.moves_started() >= max_moves) {
      out.set_remaining(out.remaining() + 1);
      break;
    }
    absl::StatusOr<mover::PlannedMove> planned = db::InTransaction(pool_, [&](pqxx::work& tx) {
      mover::MoveRequest r;
      r.recording_id = l.recording_id;
      r.to_tier = l.tier;
      r.origin = "policy";
      r.assets_only = true;
      r.event_destinations = options_.event_destinations;
      r.now = now;
      return mover::PlanMove(tx, r);
    });
    if (planned.ok()) out.set_moves_started(out.moves_started() + 1);
    decisions_->Add({{"action", "CATCH_UP"}, {"outcome", planned.ok() ? "started" : "skipped"}})
        .Increment();
  }
  if (out.moves_started() > 0 && mover_ != nullptr) mover_->Wake();
  if (out.undecided_deleted() > 0 && purger_ != nullptr) purger_->Wake();
  if (!first_error.ok()) return first_error;
  return out;
}

absl::StatusOr<std::vector<AgingPass::Lagging>> AgingPass::LaggingAssets(absl::Time as_of,
                                                                         int limit) {
  if (limit <= 0) return std::vector<Lagging>{};
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Lagging>> {
    std::vector<Lagging> out;
    for (const auto& row :
         tx.exec_params(kLaggingAssets, absl::ToUnixMicros(as_of - options_.asset_lag), limit)) {
      out.push_back(Lagging{row[0].as<std::string>(), row[1].as<int>()});
    }
    return out;
  });
}

absl::StatusOr<pb::DryRunAgingPassResponse> AgingPass::DryRun(absl::Time as_of, int max_results) {
  if (max_results <= 0) max_results = 100;
  pb::DryRunAgingPassResponse out;
  absl::Status error;
  RETURN_IF_ERROR(ForEachDecision(as_of, [&](const Candidate& c, const pb::AgingPolicy& policy,
                                             const Decision& d) {
    if (out.decisions_size() >= max_results) {
      out.set_remaining(out.remaining() + 1);
      return true;
    }
    pb::AgingDecision* a = out.add_decisions();
    a->set_recording_id(c.facts.id);
    a->set_policy_id(policy.id());
    a->set_rule_index(d.rule_index);
    a->set_from_tier(static_cast<pb::StorageTier>(d.from_tier));
    a->set_to_tier(static_cast<pb::StorageTier>(d.to_tier));
    a->set_action(ActionName(d.action));
    for (const std::string& r : d.reasons) a->add_reasons(r);
    if (d.action == Decision::Action::kMove || d.action == Decision::Action::kExpire) {
      absl::Status s = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
        const int64_t window =
            d.action == Decision::Action::kExpire ? 0 : absl::ToInt64Microseconds(d.sale_window);
        for (const auto& row :
             tx.exec_params(mover::sql::kSegmentsToMove, c.facts.id, d.to_tier, window)) {
          if (row["kept"].as<bool>()) {
            a->set_segments_kept(a->segments_kept() + 1);
          } else {
            a->set_segments_moved(a->segments_moved() + 1);
          }
        }
        return absl::OkStatus();
      });
      if (!s.ok() && error.ok()) error = s;
      if (a->segments_kept() > 0) a->add_reasons("SALE_WINDOW_KEPT");
    }
    return true;
  }));
  if (!error.ok()) return error;
  ASSIGN_OR_RETURN(std::vector<Lagging> lagging, LaggingAssets(as_of, max_results + 1));
  for (const Lagging& l : lagging) {
    if (out.decisions_size() >= max_results) {
      out.set_remaining(out.remaining() + 1);
      continue;
    }
    pb::AgingDecision* a = out.add_decisions();
    a->set_recording_id(l.recording_id);
    a->set_rule_index(-1);
    a->set_from_tier(static_cast<pb::StorageTier>(l.tier));
    a->set_to_tier(static_cast<pb::StorageTier>(l.tier));
    a->set_action("CATCH_UP");
    a->add_reasons("ASSETS_LAG");
  }
  return out;
}

}  // namespace shopcast::recording_lifecycle::policies
