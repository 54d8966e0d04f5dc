// The tiers' RPCs (as TiersService calls) against real PostgreSQL: the seeded platform default,
// policy CRUD with its constraints and optimistic concurrency, paging, who may do what, a
// bad-input table for every RPC (a clear status and reason, nothing written), MoveRecording
// (a restore from COLD) and SetLegalHold.

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "mover/mover.h"
#include "policies/aging_pass.h"
#include "policies/tiers_service.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

using namespace ::shopcast::recording_lifecycle::policies;  // NOLINT
constexpr char kDefaultPolicy[] = "pol_00000000000000000000000001";

const auth::Caller kAdmin{"usr_admin", auth::Role::kAdmin};
const auth::Caller kHost{"usr_host", auth::Role::kHost};
const auth::Caller kViewer{"usr_viewer", auth::Role::kViewer};

struct World {
  TierWorld w;
  PolicyStore store{w.pool()};
  mover::Mover mover{w.pool(), w.tiers(), Options(), nullptr};
  AgingPass aging{w.pool(), store, &mover, nullptr, AgingPassOptions{}, nullptr, [] {
                    return absl::FromUnixSeconds(1767225600);
                  }};
  pagetoken::Codec tokens = pagetoken::Codec::WithRandomKey();
  TiersService service{w.pool(), store, aging, &mover, tokens};

  mover::MoverOptions Options() {
    mover::MoverOptions o;
    o.scratch_dir = w.scratch();
    o.retry_base = absl::Milliseconds(5);
    return o;
  }

  pb::AgingPolicy NewPolicy(const std::string& name) {
    pb::AgingPolicy p;
    p.set_name(name);
    pb::AgingRule* r = p.add_rules();
    r->set_from_tier(pb::STORAGE_TIER_HOT);
    r->set_to_tier(pb::STORAGE_TIER_COLD);
    r->mutable_min_age()->set_seconds(86400);
    return p;
  }
  absl::StatusOr<pb::AgingPolicy> Create(const pb::AgingPolicy& p) {
    pb::CreateAgingPolicyRequest r;
    *r.mutable_policy() = p;
    auto out = service.CreateAgingPolicy(kAdmin, r);
    if (!out.ok()) return out.status();
    return out->policy();
  }
  int64_t Policies() { return w.Count("SELECT count(*) FROM aging_policies"); }
};

TEST_CASE("the platform default is seeded and applies to hosts without a policy", "[policies]") {
  World x;
  pb::GetAgingPolicyRequest r;
  r.set_host_id("usr_host");
  auto got = x.service.GetAgingPolicy(kHost, r);
  REQUIRE(got.ok());
  CHECK(got->policy().id() == kDefaultPolicy);
  CHECK(got->policy().is_default());
  CHECK(got->policy().rules_size() == 3);
  CHECK(got->policy().rules(0).sale_window().seconds() == 120);
  CHECK(got->policy().rules(2).to_tier() == pb::STORAGE_TIER_EXPIRED);
  CHECK(got->policy().undecided_grace().seconds() == 7 * 86400);
  // Another host's policy, or a policy by id, is for admins.
  r.set_host_id("usr_other");
  CHECK(ReasonOf(x.service.GetAgingPolicy(kHost, r).status()) == kReasonNotPolicyHost);
  pb::GetAgingPolicyRequest by_id;
  by_id.set_policy_id(kDefaultPolicy);
  CHECK(ReasonOf(x.service.GetAgingPolicy(kHost, by_id).status()) == kReasonAdminRequired);
  CHECK(x.service.GetAgingPolicy(kAdmin, by_id).ok());
}

TEST_CASE("policy CRUD: names unique, one default, a host in one policy, versions", "[policies]") {
  World x;
  pb::AgingPolicy p = x.NewPolicy("vip");
  p.set_description("VIP hosts keep media hot");
  p.add_host_ids("usr_host");
  auto created = x.Create(p);
  REQUIRE(created.ok());
  CHECK(created->version() == 1);
  CHECK(created->id().rfind("pol_", 0) == 0);
  CHECK(created->undecided_grace().seconds() == 7 * 86400);
  CHECK(created->host_ids_size() == 1);

  pb::GetAgingPolicyRequest for_host;
  for_host.set_host_id("usr_host");
  CHECK(x.service.GetAgingPolicy(kHost, for_host)->policy().id() == created->id());

  pb::AgingPolicy same = x.NewPolicy("vip");
  CHECK(x.Create(same).status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReasonOf(x.Create(same).status()) == kReasonNameTaken);
  pb::AgingPolicy second_default = x.NewPolicy("another default");
  second_default.set_is_default(true);
  CHECK(ReasonOf(x.Create(second_default).status()) == kReasonDefaultExists);
  pb::AgingPolicy taken = x.NewPolicy("other");
  taken.add_host_ids("usr_host");
  CHECK(ReasonOf(x.Create(taken).status()) == kReasonHostAssigned);
  CHECK(x.Policies() == 2);

  pb::UpdateAgingPolicyRequest u;
  u.mutable_update_mask()->add_paths("name");
  u.mutable_update_mask()->add_paths("host_ids");
  *u.mutable_policy() = *created;
  u.mutable_policy()->set_name("vip hosts");
  u.mutable_policy()->clear_host_ids();
  u.mutable_policy()->add_host_ids("usr_other");
  u.mutable_policy()->set_description("ignored: not in the mask");
  auto updated = x.service.UpdateAgingPolicy(kAdmin, u);
  REQUIRE(updated.ok());
  CHECK(updated->policy().version() == 2);
  CHECK(updated->policy().name() == "vip hosts");
  CHECK(updated->policy().description() == "VIP hosts keep media hot");
  CHECK(updated->policy().host_ids(0) == "usr_other");
  CHECK(x.service.GetAgingPolicy(kHost, for_host)->policy().id() == kDefaultPolicy);

  // The version read is stale now.
  CHECK(x.service.UpdateAgingPolicy(kAdmin, u).status().code() == absl::StatusCode::kAborted);
  CHECK(ReasonOf(x.service.UpdateAgingPolicy(kAdmin, u).status()) == kReasonVersionMismatch);
  // The default cannot take hosts.
  pb::UpdateAgingPolicyRequest d;
  d.mutable_update_mask()->add_paths("host_ids");
  d.mutable_policy()->set_id(kDefaultPolicy);
  d.mutable_policy()->set_version(1);
  d.mutable_policy()->add_host_ids("usr_x");
  CHECK(ReasonOf(x.service.UpdateAgingPolicy(kAdmin, d).status()) == kReasonDefaultHasHosts);
  d.mutable_policy()->set_id("pol_missing");
  CHECK(ReasonOf(x.service.UpdateAgingPolicy(kAdmin, d).status()) == kReasonPolicyNotFound);
}

TEST_CASE("ListAgingPolicies pages by name with tokens bound to the list", "[policies]") {
  World x;
  for (const char* n : {"c", "a", "b", "e", "d"}) REQUIRE(x.Create(x.NewPolicy(n)).ok());
  std::vector<std::string> names;
  pb::ListAgingPoliciesRequest r;
  r.mutable_page()->set_page_size(2);
  for (int i = 0; i < 10; ++i) {
    auto page = x.service.ListAgingPolicies(kAdmin, r);
    REQUIRE(page.ok());
    for (const auto& p : page->policies()) names.push_back(p.name());
    if (page->page().next_page_token().empty()) break;
    r.mutable_page()->set_page_token(page->page().next_page_token());
  }
  CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e", "platform-default"});
  r.mutable_page()->set_page_token("forged");
  CHECK(x.service.ListAgingPolicies(kAdmin, r).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

struct RpcCase {
  const char* what;
  std::function<absl::Status(World&)> call;
  absl::StatusCode code;
  const char* reason;
};

TEST_CASE("bad-input table for every tiers RPC: a clear status and reason, nothing written",
          "[policies][bad_input]") {
  World x;
  const std::string rec = x.w.AddRecording();
  const std::string other = x.w.AddRecording();
  x.w.Exec("UPDATE recordings SET status = 5 WHERE id = '" + other + "'");
  const auto get = [](auto build, const auth::Caller& c) {
    return [build, c](World& w) {
      pb::GetAgingPolicyRequest r;
      build(r);
      return w.service.GetAgingPolicy(c, r).status();
    };
  };
  const auto create = [](std::function<void(pb::AgingPolicy&)> edit, const auth::Caller& c) {
    return [edit, c](World& w) {
      pb::CreateAgingPolicyRequest r;
      *r.mutable_policy() = w.NewPolicy("new");
      edit(*r.mutable_policy());
      return w.service.CreateAgingPolicy(c, r).status();
    };
  };
  const auto move = [](std::string id, int tier, const auth::Caller& c) {
    return [id, tier, c](World& w) {
      pb::MoveRecordingRequest r;
      r.set_recording_id(id);
      r.set_target_tier(static_cast<pb::StorageTier>(tier));
      return w.service.MoveRecording(c, r).status();
    };
  };
  using C = absl::StatusCode;
  const std::vector<RpcCase> cases = {
      {"get: no key", get([](auto&) {}, kAdmin), C::kInvalidArgument, kReasonKeyRequired},
      {"get: empty id", get([](auto& r) { r.set_policy_id(""); }, kAdmin), C::kInvalidArgument,
       kReasonIdRequired},
      {"get: unknown id", get([](auto& r) { r.set_policy_id("pol_x"); }, kAdmin), C::kNotFound,
       kReasonPolicyNotFound},
      {"get: viewer by id", get([](auto& r) { r.set_policy_id("pol_x"); }, kViewer),
       C::kPermissionDenied, kReasonAdminRequired},
      {"get: empty host", get([](auto& r) { r.set_host_id(""); }, kAdmin), C::kInvalidArgument,
       kReasonIdRequired},
      {"list: viewer", [](World& w) { return w.service.ListAgingPolicies(kViewer, {}).status(); },
       C::kPermissionDenied, kReasonAdminRequired},
      {"list: page size 101",
       [](World& w) {
         pb::ListAgingPoliciesRequest r;
         r.mutable_page()->set_page_size(101);
         return w.service.ListAgingPolicies(kAdmin, r).status();
       },
       C::kInvalidArgument, kReasonPageSizeInvalid},
      {"list: negative page size",
       [](World& w) {
         pb::ListAgingPoliciesRequest r;
         r.mutable_page()->set_page_size(-1);
         return w.service.ListAgingPolicies(kAdmin, r).status();
       },
       C::kInvalidArgument, kReasonPageSizeInvalid},
      {"create: host", create([](auto&) {}, kHost), C::kPermissionDenied, kReasonAdminRequired},
      {"create: no name", create([](auto& p) { p.set_name(""); }, kAdmin), C::kInvalidArgument,
       kReasonNameInvalid},
      {"create: rule order",
       create([](auto& p) { p.mutable_rules(0)->set_to_tier(pb::STORAGE_TIER_HOT); }, kAdmin),
       C::kInvalidArgument, kReasonRuleTierOrder},
      {"create: no rules", create([](auto& p) { p.clear_rules(); }, kAdmin), C::kInvalidArgument,
       kReasonRulesInvalid},
      {"create: second default", create([](auto& p) { p.set_is_default(true); }, kAdmin),
       C::kFailedPrecondition, kReasonDefaultExists},
      {"create: taken name", create([](auto& p) { p.set_name("platform-default"); }, kAdmin),
       C::kAlreadyExists, kReasonNameTaken},
      {"update: host", [](World& w) { return w.service.UpdateAgingPolicy(kHost, {}).status(); },
       C::kPermissionDenied, kReasonAdminRequired},
      {"update: no mask", [](World& w) { return w.service.UpdateAgingPolicy(kAdmin, {}).status(); },
       C::kInvalidArgument, kReasonMaskRequired},
      {"update: bad grace",
       [](World& w) {
         pb::UpdateAgingPolicyRequest r;
         r.mutable_update_mask()->add_paths("undecided_grace");
         r.mutable_policy()->set_id(kDefaultPolicy);
         r.mutable_policy()->set_version(1);
         r.mutable_policy()->mutable_undecided_grace()->set_seconds(60);
         return w.service.UpdateAgingPolicy(kAdmin, r).status();
       },
       C::kInvalidArgument, kReasonGraceInvalid},
      {"move: host", move(rec, 2, kHost), C::kPermissionDenied, kReasonAdminRequired},
      {"move: no id", move("", 2, kAdmin), C::kInvalidArgument, "ID_REQUIRED"},
      {"move: unknown", move("rec_nope", 2, kAdmin), C::kNotFound, "RECORDING_NOT_FOUND"},
      {"move: to expired", move(rec, 4, kAdmin), C::kInvalidArgument, kReasonTierInvalid},
      {"move: unspecified", move(rec, 0, kAdmin), C::kInvalidArgument, kReasonTierInvalid},
      {"move: already there", move(rec, 1, kAdmin), C::kFailedPrecondition, "ALREADY_IN_TIER"},
      {"move: deleted", move(other, 2, kAdmin), C::kFailedPrecondition, "RECORDING_DELETED"},
      {"hold: host",
       [rec](World& w) {
         pb::SetLegalHoldRequest r;
         r.set_recording_id(rec);
         r.set_legal_hold(true);
         return w.service.SetLegalHold(kHost, r).status();
       },
       C::kPermissionDenied, kReasonAdminRequired},
      {"hold: no id", [](World& w) { return w.service.SetLegalHold(kAdmin, {}).status(); },
       C::kInvalidArgument, "ID_REQUIRED"},
      {"hold: unknown",
       [](World& w) {
         pb::SetLegalHoldRequest r;
         r.set_recording_id("rec_nope");
         return w.service.SetLegalHold(kAdmin, r).status();
       },
       C::kNotFound, "RECORDING_NOT_FOUND"},
      {"hold: deleted",
       [other](World& w) {
         pb::SetLegalHoldRequest r;
         r.set_recording_id(other);
         r.set_legal_hold(true);
         return w.service.SetLegalHold(kAdmin, r).status();
       },
       C::kFailedPrecondition, "RECORDING_DELETED"},
      {"pass: as_of outside test mode",
       [](World& w) {
         pb::RunAgingPassRequest r;
         r.mutable_as_of()->set_seconds(1);
         return w.service.RunAgingPass(r).status();
       },
       C::kFailedPrecondition, kReasonTestModeOff},
      {"pass: negative max",
       [](World& w) {
         pb::RunAgingPassRequest r;
         r.set_max_moves(-1);
         return w.service.RunAgingPass(r).status();
       },
       C::kInvalidArgument, kReasonMaxInvalid},
      {"dry run: as_of outside test mode",
       [](World& w) {
         pb::DryRunAgingPassRequest r;
         r.mutable_as_of()->set_seconds(1);
         return w.service.DryRunAgingPass(r).status();
       },
       C::kFailedPrecondition, kReasonTestModeOff},
      {"dry run: 1001 results",
       [](World& w) {
         pb::DryRunAgingPassRequest r;
         r.set_max_results(1001);
         return w.service.DryRunAgingPass(r).status();
       },
       C::kInvalidArgument, kReasonMaxInvalid},
  };
  const int64_t policies = x.Policies();
  for (const RpcCase& c : cases) {
    INFO(c.what);
    absl::Status s = c.call(x);
    CHECK(s.code() == c.code);
    CHECK(ReasonOf(s) == c.reason);
  }
  // Nothing written by any of them.
  CHECK(x.Policies() == policies);
  CHECK(x.w.Count("SELECT count(*) FROM tier_moves") == 0);
  CHECK(x.w.Count("SELECT count(*) FROM recordings WHERE legal_hold") == 0);
}

TEST_CASE(
    "MoveRecording restores a cold recording to hot, and SetLegalHold blocks and is refused "
    "once a purge began",
    "[policies][move]") {
  World x;
  const std::string rec = x.w.AddRecording();
  pb::MoveRecordingRequest m;
  m.set_recording_id(rec);
  m.set_target_tier(pb::STORAGE_TIER_COLD);
  auto moved = x.service.MoveRecording(kAdmin, m);
  REQUIRE(moved.ok());
  CHECK(moved->recording().transition().to_tier() == pb::STORAGE_TIER_COLD);
  CHECK(moved->recording().transition().segments_total() == 3);
  CHECK(ReasonOf(x.service.MoveRecording(kAdmin, m).status()) == "TRANSITION_IN_PROGRESS");
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        (void)x.mover.RunOnce();
        return x.w.Count("SELECT tier FROM recordings WHERE id = '" + rec + "'") == 3;
      },
      absl::Seconds(60)));
  m.set_target_tier(pb::STORAGE_TIER_HOT);
  REQUIRE(x.service.MoveRecording(kAdmin, m).ok());
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        (void)x.mover.RunOnce();
        return x.w.Count("SELECT tier FROM recordings WHERE id = '" + rec + "'") == 1;
      },
      absl::Seconds(60)));
  CHECK(x.w.Audit(rec) == std::vector<std::string>{});

  pb::SetLegalHoldRequest h;
  h.set_recording_id(rec);
  h.set_legal_hold(true);
  REQUIRE(x.service.SetLegalHold(kAdmin, h).ok());
  m.set_target_tier(pb::STORAGE_TIER_WARM);
  CHECK(ReasonOf(x.service.MoveRecording(kAdmin, m).status()) == "LEGAL_HOLD");
  h.set_legal_hold(false);
  REQUIRE(x.service.SetLegalHold(kAdmin, h).ok());
  // A purge that began: the media is going, a hold can no longer save it.
  x.w.Exec("UPDATE recordings SET status = 4 WHERE id = '" + rec + "'");
  x.w.Exec(
      "INSERT INTO tier_moves (id, recording_id, from_tier, to_tier, origin, state, "
      "objects_total, created_at, updated_at) VALUES ('mov_p', '" +
      rec + "', 1, 4, 'purge', 'active', 0, now(), now())");
  h.set_legal_hold(true);
  CHECK(ReasonOf(x.service.SetLegalHold(kAdmin, h).status()) == kReasonPurgeInProgress);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
