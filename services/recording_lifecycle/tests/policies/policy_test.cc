// Aging policies without a database: the evaluator under an injected clock (every rule
// condition, first match wins, undecided grace, legal hold), when the next transition falls
// due, and a bad-input table for what CreateAgingPolicy and UpdateAgingPolicy accept.

#include "policies/policy.h"

#include <catch2/catch.hpp>
#include <string>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {
namespace {

const absl::Time kEnd = absl::FromUnixSeconds(1767225600);  // 2026-01-01
constexpr absl::Duration kDay = absl::Hours(24);

pb::AgingRule Rule(int from, int to, absl::Duration min_age) {
  pb::AgingRule r;
  r.set_from_tier(static_cast<pb::StorageTier>(from));
  r.set_to_tier(static_cast<pb::StorageTier>(to));
  ToProto(min_age, r.mutable_min_age());
  return r;
}

pb::AgingPolicy Policy() {
  pb::AgingPolicy p;
  p.set_name("standard");
  *p.add_rules() = Rule(1, 2, 30 * kDay);
  ToProto(14 * kDay, p.mutable_rules(0)->mutable_min_idle());
  ToProto(absl::Seconds(120), p.mutable_rules(0)->mutable_sale_window());
  *p.add_rules() = Rule(2, 3, 180 * kDay);
  *p.add_rules() = Rule(3, 4, 3 * 365 * kDay);
  ToProto(7 * kDay, p.mutable_undecided_grace());
  return p;
}

RecordingFacts Saved(int tier = 1) {
  RecordingFacts r;
  r.id = "rec_1";
  r.host_id = "usr_host";
  r.status = pb::RECORDING_STATUS_READY;
  r.decision = pb::RETENTION_DECISION_SAVE;
  r.tier = tier;
  r.ended_at = kEnd;
  return r;
}

TEST_CASE("the evaluator moves a recording once its age and idleness are reached", "[policy]") {
  const pb::AgingPolicy p = Policy();
  RecordingFacts r = Saved();
  CHECK(Evaluate(p, r, kEnd + 29 * kDay).action == Decision::Action::kNone);
  Decision d = Evaluate(p, r, kEnd + 30 * kDay);
  CHECK(d.action == Decision::Action::kMove);
  CHECK(d.rule_index == 0);
  CHECK(d.from_tier == 1);
  CHECK(d.to_tier == 2);
  CHECK(d.sale_window == absl::Seconds(120));
  CHECK(d.reasons == std::vector<std::string>{"AGE_REACHED", "IDLE_REACHED"});

  // Played 10 days ago: not idle long enough.
  r.last_played_at = kEnd + 25 * kDay;
  CHECK(Evaluate(p, r, kEnd + 35 * kDay).action == Decision::Action::kNone);
  CHECK(Evaluate(p, r, kEnd + 39 * kDay).action == Decision::Action::kMove);
  CHECK(NextTransitionAt(p, r) == kEnd + 39 * kDay);

  // Warm and cold rules; expiry.
  CHECK(Evaluate(p, Saved(2), kEnd + 179 * kDay).action == Decision::Action::kNone);
  CHECK(Evaluate(p, Saved(2), kEnd + 180 * kDay).to_tier == 3);
  Decision e = Evaluate(p, Saved(3), kEnd + 3 * 365 * kDay);
  CHECK(e.action == Decision::Action::kExpire);
  CHECK(e.to_tier == 4);
  CHECK(Evaluate(p, Saved(4), kEnd + 3650 * kDay).action == Decision::Action::kNone);
}

TEST_CASE("the first matching rule applies: views and decision conditions", "[policy]") {
  pb::AgingPolicy p;
  *p.add_rules() = Rule(1, 2, 10 * kDay);  // popular SAVE recordings stay hot longer
  p.mutable_rules(0)->set_max_views(100);
  p.mutable_rules(0)->set_decision(pb::RETENTION_DECISION_SAVE);
  *p.add_rules() = Rule(1, 3, 60 * kDay);
  ToProto(7 * kDay, p.mutable_undecided_grace());

  RecordingFacts r = Saved();
  r.view_count = 100;
  Decision d = Evaluate(p, r, kEnd + 10 * kDay);
  CHECK(d.rule_index == 0);
  CHECK(d.reasons == std::vector<std::string>{"AGE_REACHED", "VIEWS_AT_MOST", "DECISION_MATCHED"});
  r.view_count = 101;
  CHECK(Evaluate(p, r, kEnd + 10 * kDay).action == Decision::Action::kNone);
  d = Evaluate(p, r, kEnd + 60 * kDay);
  CHECK(d.rule_index == 1);
  CHECK(d.to_tier == 3);
  CHECK(NextTransitionAt(p, r) == kEnd + 60 * kDay);
}

TEST_CASE("undecided recordings are deleted after the grace, and a legal hold stops everything",
          "[policy]") {
  const pb::AgingPolicy p = Policy();
  RecordingFacts r = Saved();
  r.decision = pb::RETENTION_DECISION_UNDECIDED;
  CHECK(Evaluate(p, r, kEnd + 7 * kDay - absl::Seconds(1)).action == Decision::Action::kNone);
  Decision d = Evaluate(p, r, kEnd + 7 * kDay);
  CHECK(d.action == Decision::Action::kDeleteUndecided);
  CHECK(d.reasons == std::vector<std::string>{"UNDECIDED_GRACE_PASSED"});
  CHECK(NextTransitionAt(p, r) == kEnd + 7 * kDay);

  r.legal_hold = true;
  CHECK(Evaluate(p, r, kEnd + 3650 * kDay).action == Decision::Action::kNone);
  CHECK(NextTransitionAt(p, r) == absl::InfiniteFuture());
  RecordingFacts s = Saved();
  s.legal_hold = true;
  CHECK(Evaluate(p, s, kEnd + 3650 * kDay).action == Decision::Action::kNone);
  // Still recording or already deleting: untouched.
  RecordingFacts live = Saved();
  live.status = pb::RECORDING_STATUS_RECORDING;
  CHECK(Evaluate(p, live, kEnd + 3650 * kDay).action == Decision::Action::kNone);
  RecordingFacts deleting = Saved();
  deleting.status = pb::RECORDING_STATUS_DELETING;
  CHECK(Evaluate(p, deleting, kEnd + 3650 * kDay).action == Decision::Action::kNone);
}

struct BadCase {
  const char* what;
  std::function<void(pb::AgingPolicy&)> edit;
  const char* field;
  const char* reason;
};

TEST_CASE("CreateAgingPolicy bad-input table: one reason and field per mistake", "[policy]") {
  const std::vector<BadCase> cases = {
      {"empty name", [](auto& p) { p.set_name(""); }, "policy.name", kReasonNameInvalid},
      {"blank name", [](auto& p) { p.set_name("   "); }, "policy.name", kReasonNameInvalid},
      {"long name", [](auto& p) { p.set_name(std::string(61, 'x')); }, "policy.name",
       kReasonNameInvalid},
      {"control char", [](auto& p) { p.set_name("a\nb"); }, "policy.name", kReasonNameInvalid},
      {"long description", [](auto& p) { p.set_description(std::string(501, 'x')); },
       "policy.description", kReasonDescriptionTooLong},
      {"bad host", [](auto& p) { p.add_host_ids("bob"); }, "policy.host_ids[0]",
       kReasonHostIdInvalid},
      {"host twice",
       [](auto& p) {
         p.add_host_ids("usr_a");
         p.add_host_ids("usr_a");
       },
       "policy.host_ids[1]", kReasonHostIdDuplicate},
      {"default with hosts",
       [](auto& p) {
         p.set_is_default(true);
         p.add_host_ids("usr_a");
       },
       "policy.host_ids", kReasonDefaultHasHosts},
      {"no rules", [](auto& p) { p.clear_rules(); }, "policy.rules", kReasonRulesInvalid},
      {"11 rules",
       [](auto& p) {
         for (int i = 0; i < 8; ++i) *p.add_rules() = Rule(1, 2, kDay);
       },
       "policy.rules", kReasonRulesInvalid},
      {"from expired", [](auto& p) { p.mutable_rules(0)->set_from_tier(pb::STORAGE_TIER_EXPIRED); },
       "policy.rules[0].from_tier", kReasonRuleTierInvalid},
      {"from unspecified",
       [](auto& p) { p.mutable_rules(0)->set_from_tier(pb::STORAGE_TIER_UNSPECIFIED); },
       "policy.rules[0].from_tier", kReasonRuleTierInvalid},
      {"backwards", [](auto& p) { p.mutable_rules(1)->set_to_tier(pb::STORAGE_TIER_HOT); },
       "policy.rules[1].to_tier", kReasonRuleTierOrder},
      {"same tier", [](auto& p) { p.mutable_rules(1)->set_to_tier(pb::STORAGE_TIER_WARM); },
       "policy.rules[1].to_tier", kReasonRuleTierOrder},
      {"unknown tier",
       [](auto& p) { p.mutable_rules(1)->set_to_tier(static_cast<pb::StorageTier>(9)); },
       "policy.rules[1].to_tier", kReasonRuleTierOrder},
      {"no min_age", [](auto& p) { p.mutable_rules(0)->clear_min_age(); },
       "policy.rules[0].min_age", kReasonRuleDurationInvalid},
      {"min_age 59 min",
       [](auto& p) { ToProto(absl::Minutes(59), p.mutable_rules(0)->mutable_min_age()); },
       "policy.rules[0].min_age", kReasonRuleDurationInvalid},
      {"min_age 11 years",
       [](auto& p) { ToProto(11 * 366 * kDay, p.mutable_rules(0)->mutable_min_age()); },
       "policy.rules[0].min_age", kReasonRuleDurationInvalid},
      {"negative min_age", [](auto& p) { p.mutable_rules(0)->mutable_min_age()->set_seconds(-5); },
       "policy.rules[0].min_age", kReasonRuleDurationInvalid},
      {"bad nanos", [](auto& p) { p.mutable_rules(0)->mutable_min_age()->set_nanos(-1); },
       "policy.rules[0].min_age", kReasonRuleDurationInvalid},
      {"zero min_idle", [](auto& p) { p.mutable_rules(0)->mutable_min_idle()->set_seconds(0); },
       "policy.rules[0].min_idle", kReasonRuleDurationInvalid},
      {"decision DELETE",
       [](auto& p) { p.mutable_rules(0)->set_decision(pb::RETENTION_DECISION_DELETE); },
       "policy.rules[0].decision", kReasonRuleDecisionInvalid},
      {"negative views", [](auto& p) { p.mutable_rules(0)->set_max_views(-1); },
       "policy.rules[0].max_views", kReasonRuleViewsInvalid},
      {"window 2 h",
       [](auto& p) { ToProto(absl::Hours(2), p.mutable_rules(0)->mutable_sale_window()); },
       "policy.rules[0].sale_window", kReasonRuleSaleWindowInvalid},
      {"window on expiry",
       [](auto& p) { ToProto(absl::Seconds(10), p.mutable_rules(2)->mutable_sale_window()); },
       "policy.rules[2].sale_window", kReasonRuleSaleWindowInvalid},
      {"grace 30 min", [](auto& p) { ToProto(absl::Minutes(30), p.mutable_undecided_grace()); },
       "policy.undecided_grace", kReasonGraceInvalid},
      {"grace 91 days", [](auto& p) { ToProto(91 * kDay, p.mutable_undecided_grace()); },
       "policy.undecided_grace", kReasonGraceInvalid},
  };
  for (const BadCase& c : cases) {
    INFO(c.what);
    pb::AgingPolicy p = Policy();
    c.edit(p);
    absl::Status s = ValidateForCreate(p);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(s) == c.reason);
    CHECK(FieldOf(s) == c.field);
  }
  pb::AgingPolicy good = Policy();
  good.clear_undecided_grace();
  REQUIRE(ValidateForCreate(good).ok());
  CHECK(FromProto(good.undecided_grace()) == kDefaultUndecidedGrace);
  pb::AgingPolicy unicode = Policy();
  unicode.set_name(std::string(60 / 2, 'x') + std::string("\xc3\xa9") + std::string(29, 'y'));
  CHECK(ValidateForCreate(unicode).ok());
}

TEST_CASE("UpdateAgingPolicy bad-input table: the mask and the fields it names", "[policy]") {
  google::protobuf::FieldMask mask;
  pb::AgingPolicy p = Policy();
  p.set_id("pol_1");
  p.set_version(1);
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonMaskRequired);
  mask.add_paths("is_default");
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonMaskInvalid);
  mask.set_paths(0, "id");
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonMaskInvalid);
  mask.set_paths(0, "name");
  p.set_name("");
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonNameInvalid);
  p.set_name("fine");
  CHECK(ValidateForUpdate(mask, p).ok());
  p.set_id("");
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonIdRequired);
  p.set_id("pol_1");
  p.set_version(0);
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonVersionRequired);
  p.set_version(3);
  mask.set_paths(0, "rules");
  p.clear_rules();
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonRulesInvalid);
  mask.set_paths(0, "undecided_grace");
  p.clear_undecided_grace();
  CHECK(ReasonOf(ValidateForUpdate(mask, p)) == kReasonGraceInvalid);
  // Only named fields are checked: a bad name outside the mask is not this update's business.
  mask.set_paths(0, "description");
  p.set_name("");
  CHECK(ValidateForUpdate(mask, p).ok());
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::policies
