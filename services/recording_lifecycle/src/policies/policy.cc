#include "policies/policy.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {
namespace {

constexpr int kMaxNameChars = 60;
constexpr int kMaxDescriptionChars = 500;
constexpr int kMaxRules = 10;
constexpr int kMaxHosts = 1000;
const absl::Duration kTenYears = absl::Hours(24 * 3653);

// Characters, not bytes (UTF-8 continuation bytes do not count).
int Chars(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool ValidDuration(const google::protobuf::Duration& d) {
  return d.seconds() >= 0 && d.nanos() >= 0 && d.nanos() < 1000000000 &&
         d.seconds() <= 315576000000;
}

absl::Status Bad(const std::string& field, absl::string_view reason, absl::string_view message) {
  return InvalidArgument(field, reason, message);
}

absl::Status ValidateName(const pb::AgingPolicy& p) {
  const int n = Chars(p.name());
  bool control = false;
  for (unsigned char c : p.name()) control |= c < 0x20 || c == 0x7f;
  if (n < 1 || n > kMaxNameChars || control ||
      p.name().find_first_not_of(' ') == std::string::npos) {
    return Bad("policy.name", kReasonNameInvalid, "name must be 1..60 printable characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateDescription(const pb::AgingPolicy& p) {
  if (Chars(p.description()) > kMaxDescriptionChars) {
    return Bad("policy.description", kReasonDescriptionTooLong,
               "description is at most 500 characters");
  }
  return absl::OkStatus();
}

bool ValidHostId(const std::string& id) {
  if (id.size() < 5 || id.size() > 64 || id.rfind("usr_", 0) != 0) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

absl::Status ValidateHosts(const pb::AgingPolicy& p, bool is_default) {
  if (is_default && p.host_ids_size() > 0) {
    return Bad("policy.host_ids", kReasonDefaultHasHosts,
               "the platform default applies to every host without a policy: no host_ids");
  }
  if (p.host_ids_size() > kMaxHosts) {
    return Bad("policy.host_ids", kReasonHostIdInvalid, "at most 1000 hosts per policy");
  }
  std::set<std::string> seen;
  for (int i = 0; i < p.host_ids_size(); ++i) {
    const std::string field = absl::StrCat("policy.host_ids[", i, "]");
    if (!ValidHostId(p.host_ids(i))) {
      return Bad(field, kReasonHostIdInvalid, "host ids are usr_… ids");
    }
    if (!seen.insert(p.host_ids(i)).second) {
      return Bad(field, kReasonHostIdDuplicate, "a host is listed twice");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRules(const pb::AgingPolicy& p) {
  if (p.rules_size() < 1 || p.rules_size() > kMaxRules) {
    return Bad("policy.rules", kReasonRulesInvalid, "a policy has 1..10 rules");
  }
  for (int i = 0; i < p.rules_size(); ++i) {
    const pb::AgingRule& r = p.rules(i);
    const std::string at = absl::StrCat("policy.rules[", i, "].");
    if (r.from_tier() < pb::STORAGE_TIER_HOT || r.from_tier() > pb::STORAGE_TIER_COLD) {
      return Bad(at + "from_tier", kReasonRuleTierInvalid, "from_tier is HOT, WARM or COLD");
    }
    if (r.to_tier() <= r.from_tier() || r.to_tier() > pb::STORAGE_TIER_EXPIRED) {
      return Bad(at + "to_tier", kReasonRuleTierOrder, "to_tier must be a later tier");
    }
    if (!r.has_min_age() || !ValidDuration(r.min_age()) ||
        FromProto(r.min_age()) < absl::Hours(1) || FromProto(r.min_age()) > kTenYears) {
      return Bad(at + "min_age", kReasonRuleDurationInvalid, "min_age is 1 hour..10 years");
    }
    if (r.has_min_idle() &&
        (!ValidDuration(r.min_idle()) || FromProto(r.min_idle()) <= absl::ZeroDuration() ||
         FromProto(r.min_idle()) > kTenYears)) {
      return Bad(at + "min_idle", kReasonRuleDurationInvalid,
                 "min_idle is unset or above zero, at most 10 years");
    }
    if (r.decision() != pb::RETENTION_DECISION_UNSPECIFIED &&
        r.decision() != pb::RETENTION_DECISION_UNDECIDED &&
        r.decision() != pb::RETENTION_DECISION_SAVE) {
      return Bad(at + "decision", kReasonRuleDecisionInvalid,
                 "decision is UNSPECIFIED (any), UNDECIDED or SAVE");
    }
    if (r.has_max_views() && r.max_views() < 0) {
      return Bad(at + "max_views", kReasonRuleViewsInvalid, "max_views is at least 0");
    }
    if (r.has_sale_window()) {
      const bool ok =
          ValidDuration(r.sale_window()) && FromProto(r.sale_window()) <= absl::Hours(1);
      if (!ok) {
        return Bad(at + "sale_window", kReasonRuleSaleWindowInvalid, "sale_window is 0..1 hour");
      }
      if (r.to_tier() == pb::STORAGE_TIER_EXPIRED &&
          FromProto(r.sale_window()) > absl::ZeroDuration()) {
        return Bad(at + "sale_window", kReasonRuleSaleWindowInvalid,
                   "an expiring rule deletes all the media: no sale window");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateGrace(pb::AgingPolicy& p, bool fill_default) {
  if (!p.has_undecided_grace()) {
    if (fill_default) ToProto(kDefaultUndecidedGrace, p.mutable_undecided_grace());
    if (fill_default) return absl::OkStatus();
  }
  const bool ok = ValidDuration(p.undecided_grace()) &&
                  FromProto(p.undecided_grace()) >= absl::Hours(1) &&
                  FromProto(p.undecided_grace()) <= absl::Hours(24 * 90);
  if (!ok) {
    return Bad("policy.undecided_grace", kReasonGraceInvalid, "undecided_grace is 1 hour..90 days");
  }
  return absl::OkStatus();
}

bool RuleMatches(const pb::AgingRule& rule, const RecordingFacts& r, absl::Time now,
                 std::vector<std::string>* reasons) {
  if (rule.from_tier() != r.tier) return false;
  if (rule.decision() != pb::RETENTION_DECISION_UNSPECIFIED && rule.decision() != r.decision) {
    return false;
  }
  if (rule.has_max_views() && r.view_count > rule.max_views()) return false;
  if (now - r.ended_at < FromProto(rule.min_age())) return false;
  if (rule.has_min_idle()) {
    const absl::Time last = r.last_played_at.value_or(r.ended_at);
    if (now - last < FromProto(rule.min_idle())) return false;
  }
  if (reasons != nullptr) {
    reasons->push_back("AGE_REACHED");
    if (rule.has_min_idle()) reasons->push_back("IDLE_REACHED");
    if (rule.has_max_views()) reasons->push_back("VIEWS_AT_MOST");
    if (rule.decision() != pb::RETENTION_DECISION_UNSPECIFIED) {
      reasons->push_back("DECISION_MATCHED");
    }
  }
  return true;
}

}  // namespace

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t s = absl::IDivDuration(d, absl::Seconds(1), &d);
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  int64_t s = ns / 1000000000, n = ns % 1000000000;
  if (n < 0) {
    n += 1000000000;
    --s;
  }
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>(n));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Status ValidateForCreate(pb::AgingPolicy& policy) {
  RETURN_IF_ERROR(ValidateName(policy));
  RETURN_IF_ERROR(ValidateDescription(policy));
  RETURN_IF_ERROR(ValidateHosts(policy, policy.is_default()));
  RETURN_IF_ERROR(ValidateRules(policy));
  RETURN_IF_ERROR(ValidateGrace(policy, /*fill_default=*/true));
  return absl::OkStatus();
}

absl::Status ValidateForUpdate(const google::protobuf::FieldMask& mask, pb::AgingPolicy& policy) {
  if (mask.paths_size() == 0) {
    return Bad("update_mask", kReasonMaskRequired, "update_mask names the fields to change");
  }
  if (policy.id().empty()) return Bad("policy.id", kReasonIdRequired, "policy.id is required");
  if (policy.version() <= 0) {
    return Bad("policy.version", kReasonVersionRequired, "policy.version is the version read");
  }
  for (const std::string& path : mask.paths()) {
    if (path == "name") {
      RETURN_IF_ERROR(ValidateName(policy));
    } else if (path == "description") {
      RETURN_IF_ERROR(ValidateDescription(policy));
    } else if (path == "host_ids") {
      RETURN_IF_ERROR(ValidateHosts(policy, /*is_default=*/false));
    } else if (path == "rules") {
      RETURN_IF_ERROR(ValidateRules(policy));
    } else if (path == "undecided_grace") {
      RETURN_IF_ERROR(ValidateGrace(policy, /*fill_default=*/false));
    } else {
      return Bad("update_mask", kReasonMaskInvalid,
                 "updatable: name, description, host_ids, rules, undecided_grace");
    }
  }
  return absl::OkStatus();
}

Decision Evaluate(const pb::AgingPolicy& policy, const RecordingFacts& r, absl::Time now) {
  Decision d;
  d.from_tier = r.tier;
  if (r.legal_hold) return d;
  if (r.tier < pb::STORAGE_TIER_HOT || r.tier >= pb::STORAGE_TIER_EXPIRED) return d;
  if (r.decision == pb::RETENTION_DECISION_UNDECIDED &&
      (r.status == pb::RECORDING_STATUS_READY || r.status == pb::RECORDING_STATUS_PROCESSING) &&
      now - r.ended_at >= FromProto(policy.undecided_grace())) {
    d.action = Decision::Action::kDeleteUndecided;
    d.reasons.push_back("UNDECIDED_GRACE_PASSED");
    return d;
  }
  if (r.status != pb::RECORDING_STATUS_READY) return d;
  if (r.decision == pb::RETENTION_DECISION_DELETE) return d;
  for (int i = 0; i < policy.rules_size(); ++i) {
    std::vector<std::string> reasons;
    if (!RuleMatches(policy.rules(i), r, now, &reasons)) continue;
    const pb::AgingRule& rule = policy.rules(i);
    d.action = rule.to_tier() == pb::STORAGE_TIER_EXPIRED ? Decision::Action::kExpire
                                                          : Decision::Action::kMove;
    d.rule_index = i;
    d.to_tier = rule.to_tier();
    d.sale_window = rule.has_sale_window() ? FromProto(rule.sale_window()) : absl::ZeroDuration();
    d.reasons = std::move(reasons);
    return d;
  }
  return d;
}

absl::Time NextTransitionAt(const pb::AgingPolicy& policy, const RecordingFacts& r) {
  if (r.legal_hold || r.tier < pb::STORAGE_TIER_HOT || r.tier >= pb::STORAGE_TIER_EXPIRED) {
    return absl::InfiniteFuture();
  }
  absl::Time best = absl::InfiniteFuture();
  if (r.decision == pb::RETENTION_DECISION_UNDECIDED) {
    best = r.ended_at + FromProto(policy.undecided_grace());
  }
  if (r.status != pb::RECORDING_STATUS_READY || r.decision == pb::RETENTION_DECISION_DELETE) {
    return best;
  }
  for (const pb::AgingRule& rule : policy.rules()) {
    if (rule.from_tier() != r.tier) continue;
    if (rule.decision() != pb::RETENTION_DECISION_UNSPECIFIED && rule.decision() != r.decision) {
      continue;
    }
    if (rule.has_max_views() && r.view_count > rule.max_views()) continue;
    absl::Time at = r.ended_at + FromProto(rule.min_age());
    if (rule.has_min_idle()) {
      at = std::max(at, r.last_played_at.value_or(r.ended_at) + FromProto(rule.min_idle()));
    }
    best = std::min(best, at);
  }
  return best;
}

const char* ActionName(Decision::Action a) {
  switch (a) {
    case Decision::Action::kMove:
      return "MOVE";
    case Decision::Action::kExpire:
      return "EXPIRE";
    case Decision::Action::kDeleteUndecided:
      return "DELETE_UNDECIDED";
    default:
      return "NONE";
  }
}

}  // namespace shopcast::recording_lifecycle::policies
