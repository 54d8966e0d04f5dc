#pragma once

// Aging policies in PostgreSQL (aging_policies, aging_policy_hosts): reads, creation and
// versioned updates, each in one transaction; the constraint a concurrent writer could break
// (one default, unique names, a host in one policy) is checked in the transaction and backed
// by the schema's indexes.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "policies/policy.h"
#include "shopcast/db/pool.h"

namespace shopcast::recording_lifecycle::policies {

class PolicyStore {
 public:
  explicit PolicyStore(db::Pool& pool) : pool_(pool) {}

  // NOT_FOUND/POLICY_NOT_FOUND.
  absl::StatusOr<pb::AgingPolicy> Get(const std::string& id);
  // The host's own policy, else the platform default.
  absl::StatusOr<pb::AgingPolicy> ForHost(const std::string& host_id);
  // By name (then id), after the policy `after_id` (empty: from the start); `limit` + 1 read so
  // the caller knows whether more follow.
  absl::StatusOr<std::vector<pb::AgingPolicy>> List(const std::string& after_id, int limit);
  // Every policy (the aging pass).
  absl::StatusOr<std::vector<pb::AgingPolicy>> All();
  // A validated policy (ValidateForCreate); assigns id, version 1 and times.
  absl::StatusOr<pb::AgingPolicy> Create(const pb::AgingPolicy& policy, absl::Time now);
  // A validated update (ValidateForUpdate).
  absl::StatusOr<pb::AgingPolicy> Update(const google::protobuf::FieldMask& mask,
                                         const pb::AgingPolicy& policy, absl::Time now);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::recording_lifecycle::policies
