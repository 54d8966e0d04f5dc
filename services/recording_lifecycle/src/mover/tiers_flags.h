#pragma once

// The tiers' command-line flags (each also SHOPCAST_RECORDING_LIFECYCLE_<FLAG> through
// shopcast::config::ParseFlagsWithEnv), in their own library (recording_lifecycle_tiers_flags)
// so the app links them once. TiersConfigFromFlags() reads them after parsing.
//
//   --hot_root --warm_root --s3_endpoint --s3_bucket --s3_region
//   --mover_concurrency --mover_bandwidth_bytes_per_second --mover_lease --mover_step_timeout
//   --mover_max_attempts --mover_retry_base --mover_retry_max --mover_park_retry
//   --mover_scratch_dir --aging_interval --aging_batch --aging_test_clock --purge_interval
// The cold store's credentials come from files (--s3_access_key_id_file,
// --s3_secret_access_key_file: mounted Secrets), or else from the environment
// (RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID[_FILE], ..._SECRET_ACCESS_KEY[_FILE],
// ..._SESSION_TOKEN[_FILE]); never from a flag's value.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mover/mover.h"
#include "mover/purger.h"
#include "storage/tier_set.h"

namespace shopcast::recording_lifecycle::mover {

struct TiersConfig {
  storage::TierSetConfig tiers;
  MoverOptions mover;
  PurgerOptions purger;
  // AgingPassOptions (policies/aging_pass.h) fields, copied by the app.
  absl::Duration aging_interval = absl::Minutes(10);
  int aging_batch = 100;
  bool aging_test_clock = false;
};

// The flags' values, with the cold store's credentials read from the environment;
// INVALID_ARGUMENT naming the flag (or variable) that is missing or out of range.
absl::StatusOr<TiersConfig> TiersConfigFromFlags();

}  // namespace shopcast::recording_lifecycle::mover
