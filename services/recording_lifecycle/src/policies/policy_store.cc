#include "policies/policy_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {
namespace {

constexpr char kColumns[] =
    "id, name, description, is_default, rules::text, undecided_grace_us, version, "
    "(extract(epoch from created_at) * 1000000)::bigint, "
    "(extract(epoch from updated_at) * 1000000)::bigint";
#define RL_TS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

absl::StatusOr<pb::AgingPolicy> FromRow(pqxx::work& tx, const pqxx::row& row) {
  pb::AgingPolicy p;
  p.set_id(row[0].as<std::string>());
  p.set_name(row[1].as<std::string>());
  p.set_description(row[2].as<std::string>());
  p.set_is_default(row[3].as<bool>());
  pb::AgingPolicy rules;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(row[4].as<std::string>(), &rules, opts).ok()) {
    return Error(absl::StatusCode::kInternal, "POLICY_RULES_CORRUPT",
                 "a stored policy's rules do not parse");
  }
  *p.mutable_rules() = rules.rules();
  ToProto(absl::Microseconds(row[5].as<int64_t>()), p.mutable_undecided_grace());
  p.set_version(row[6].as<int64_t>());
  ToProto(absl::FromUnixMicros(row[7].as<int64_t>()), p.mutable_created_at());
  ToProto(absl::FromUnixMicros(row[8].as<int64_t>()), p.mutable_updated_at());
  for (const auto& h : tx.exec_params(
           "SELECT host_id FROM aging_policy_hosts WHERE policy_id = $1 ORDER BY host_id",
           p.id())) {
    p.add_host_ids(h[0].as<std::string>());
  }
  return p;
}

std::string RulesJson(const pb::AgingPolicy& policy) {
  pb::AgingPolicy rules;
  *rules.mutable_rules() = policy.rules();
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(rules, &json);
  return json;
}

// FAILED_PRECONDITION/HOST_ALREADY_ASSIGNED when a host is in another policy.
absl::Status AssignHosts(pqxx::work& tx, const std::string& policy_id,
                         const pb::AgingPolicy& policy) {
  tx.exec_params("DELETE FROM aging_policy_hosts WHERE policy_id = $1", policy_id);
  for (int i = 0; i < policy.host_ids_size(); ++i) {
    pqxx::result taken =
        tx.exec_params("SELECT policy_id FROM aging_policy_hosts WHERE host_id = $1 FOR UPDATE",
                       policy.host_ids(i));
    if (!taken.empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, kReasonHostAssigned,
                   "a host is already in another policy", absl::StrCat("policy.host_ids[", i, "]"));
    }
    tx.exec_params("INSERT INTO aging_policy_hosts (host_id, policy_id) VALUES ($1, $2)",
                   policy.host_ids(i), policy_id);
  }
  return absl::OkStatus();
}

bool NameTaken(pqxx::work& tx, const std::string& name, const std::string& except_id) {
  return !tx.exec_params("SELECT 1 FROM aging_policies WHERE name = $1 AND id <> $2", name,
                         except_id)
              .empty();
}

}  // namespace

absl::StatusOr<pb::AgingPolicy> PolicyStore::Get(const std::string& id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<pb::AgingPolicy> {
    pqxx::result r =
        tx.exec_params(absl::StrCat("SELECT ", kColumns, " FROM aging_policies WHERE id = $1"), id);
    if (r.empty()) return NotFound(kReasonPolicyNotFound, "no such aging policy");
    return FromRow(tx, r[0]);
  });
}

absl::StatusOr<pb::AgingPolicy> PolicyStore::ForHost(const std::string& host_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<pb::AgingPolicy> {
    pqxx::result r = tx.exec_params(
        absl::StrCat("SELECT ", kColumns,
                     " FROM aging_policies p WHERE p.id = (SELECT policy_id "
                     "FROM aging_policy_hosts WHERE host_id = $1) OR (p.is_default AND NOT "
                     "EXISTS (SELECT 1 FROM aging_policy_hosts WHERE host_id = $1)) LIMIT 1"),
        host_id);
    if (r.empty()) return NotFound(kReasonPolicyNotFound, "no policy applies");
    return FromRow(tx, r[0]);
  });
}

absl::StatusOr<std::vector<pb::AgingPolicy>> PolicyStore::List(const std::string& after_id,
                                                               int limit) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<pb::AgingPolicy>> {
        pqxx::result r = tx.exec_params(
            absl::StrCat("SELECT ", kColumns,
                         " FROM aging_policies WHERE $1 = '' OR (name, id) > (SELECT name, id "
                         "FROM aging_policies WHERE id = $1) ORDER BY name, id LIMIT $2"),
            after_id, limit + 1);
        std::vector<pb::AgingPolicy> out;
        for (const auto& row : r) {
          ASSIGN_OR_RETURN(pb::AgingPolicy p, FromRow(tx, row));
          out.push_back(std::move(p));
        }
        return out;
      });
}

absl::StatusOr<std::vector<pb::AgingPolicy>> PolicyStore::All() { return List("", 100000); }

absl::StatusOr<pb::AgingPolicy> PolicyStore::Create(const pb::AgingPolicy& policy, absl::Time now) {
  const std::string id = ids::NewId("pol");
  absl::StatusOr<pb::AgingPolicy> created =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<pb::AgingPolicy> {
        // Serialises policy writes: the checks below then see every committed writer.
        tx.exec("LOCK TABLE aging_policies IN SHARE ROW EXCLUSIVE MODE");
        if (NameTaken(tx, policy.name(), "")) {
          return Error(absl::StatusCode::kAlreadyExists, kReasonNameTaken,
                       "a policy of that name exists", "policy.name");
        }
        if (policy.is_default() &&
            !tx.exec("SELECT 1 FROM aging_policies WHERE is_default").empty()) {
          return Error(absl::StatusCode::kFailedPrecondition, kReasonDefaultExists,
                       "there is a platform default already", "policy.is_default");
        }
        tx.exec_params(
            "INSERT INTO aging_policies (id, name, description, is_default, rules, "
            "undecided_grace_us, version, created_at, updated_at) VALUES ($1, $2, $3, $4, "
            "$5::jsonb, $6, 1, " RL_TS(7) ", " RL_TS(7) ")",
            id, policy.name(), policy.description(), policy.is_default(), RulesJson(policy),
            absl::ToInt64Microseconds(FromProto(policy.undecided_grace())),
            absl::ToUnixMicros(now));
        RETURN_IF_ERROR(AssignHosts(tx, id, policy));
        return pb::AgingPolicy();
      });
  if (!created.ok()) return created.status();
  return Get(id);
}

absl::StatusOr<pb::AgingPolicy> PolicyStore::Update(const google::protobuf::FieldMask& mask,
                                                    const pb::AgingPolicy& policy, absl::Time now) {
  absl::Status written = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec("LOCK TABLE aging_policies IN SHARE ROW EXCLUSIVE MODE");
    pqxx::result cur = tx.exec_params(
        "SELECT version, is_default FROM aging_policies WHERE id = $1 FOR UPDATE", policy.id());
    if (cur.empty()) return NotFound(kReasonPolicyNotFound, "no such aging policy");
    if (cur[0][0].as<int64_t>() != policy.version()) {
      return Error(absl::StatusCode::kAborted, kReasonVersionMismatch,
                   "the policy changed since it was read; read it again", "policy.version");
    }
    const bool is_default = cur[0][1].as<bool>();
    for (const std::string& path : mask.paths()) {
      if (path == "name") {
        if (NameTaken(tx, policy.name(), policy.id())) {
          return Error(absl::StatusCode::kAlreadyExists, kReasonNameTaken,
                       "a policy of that name exists", "policy.name");
        }
        tx.exec_params("UPDATE aging_policies SET name = $2 WHERE id = $1", policy.id(),
                       policy.name());
      } else if (path == "description") {
        tx.exec_params("UPDATE aging_policies SET description = $2 WHERE id = $1", policy.id(),
                       policy.description());
      } else if (path == "rules") {
        tx.exec_params("UPDATE aging_policies SET rules = $2::jsonb WHERE id = $1", policy.id(),
                       RulesJson(policy));
      } else if (path == "undecided_grace") {
        tx.exec_params("UPDATE aging_policies SET undecided_grace_us = $2 WHERE id = $1",
                       policy.id(), absl::ToInt64Microseconds(FromProto(policy.undecided_grace())));
      } else if (path == "host_ids") {
        if (is_default && policy.host_ids_size() > 0) {
          return InvalidArgument("policy.host_ids", kReasonDefaultHasHosts,
                                 "the platform default has no host_ids");
        }
        RETURN_IF_ERROR(AssignHosts(tx, policy.id(), policy));
      }
    }
    tx.exec_params(
        "UPDATE aging_policies SET version = version + 1, updated_at = " RL_TS(2) " WHERE id = $1",
        policy.id(), absl::ToUnixMicros(now));
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  return Get(policy.id());
}

#undef RL_TS

}  // namespace shopcast::recording_lifecycle::policies
