#include "mover/tiers_flags.h"

#include <cstdint>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "shopcast/status/status.h"

ABSL_FLAG(std::string, hot_root, "", "Hot tier root: video-ingest's segment root (required).");
ABSL_FLAG(std::string, warm_root, "", "Warm tier root, another path/volume (required).");
ABSL_FLAG(std::string, s3_endpoint, "",
          "Cold tier S3-compatible endpoint, scheme://host[:port] (required).");
ABSL_FLAG(std::string, s3_bucket, "", "Cold tier bucket (required).");
ABSL_FLAG(std::string, s3_region, "us-east-1", "Cold tier region.");
ABSL_FLAG(std::string, s3_access_key_id_file, "",
          "File holding the cold store's access key id (a mounted Secret); empty = the "
          "RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID[_FILE] environment variable.");
ABSL_FLAG(std::string, s3_secret_access_key_file, "",
          "File holding the cold store's secret access key; empty = "
          "RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY[_FILE].");
ABSL_FLAG(int32_t, mover_concurrency, 2, "Objects moved at the same time (1..64).");
ABSL_FLAG(int64_t, mover_bandwidth_bytes_per_second, 0,
          "Average bytes per second the mover may move; 0 = unbounded.");
ABSL_FLAG(absl::Duration, mover_lease, absl::Seconds(30), "Lease on a claimed object.");
ABSL_FLAG(absl::Duration, mover_step_timeout, absl::Minutes(10),
          "Deadline of one storage call of the mover.");
ABSL_FLAG(int32_t, mover_max_attempts, 6, "Attempts before a failing object is parked.");
ABSL_FLAG(absl::Duration, mover_retry_base, absl::Seconds(1), "First retry backoff.");
ABSL_FLAG(absl::Duration, mover_retry_max, absl::Minutes(5), "Longest retry backoff.");
ABSL_FLAG(absl::Duration, mover_park_retry, absl::Minutes(15),
          "When a parked object (full disk, missing source) is tried again.");
ABSL_FLAG(std::string, mover_scratch_dir, "/tmp",
          "Local scratch folder for copies out of the cold store.");
ABSL_FLAG(absl::Duration, aging_interval, absl::Minutes(10), "Pause between aging passes.");
ABSL_FLAG(int32_t, aging_batch, 100, "Moves an aging pass starts at most.");
ABSL_FLAG(bool, aging_test_clock, false, "Tests only: RunAgingPass/DryRunAgingPass accept as_of.");
ABSL_FLAG(absl::Duration, purge_interval, absl::Seconds(10),
          "Pause between rounds of the purger of deleted recordings.");

namespace shopcast::recording_lifecycle::mover {
namespace {

absl::Status Required(const std::string& value, const char* flag) {
  if (value.empty()) {
    return InvalidArgument(flag, "CONFIG_INVALID", std::string("--") + flag + " is required");
  }
  return absl::OkStatus();
}

// A credential file's text less trailing whitespace: at most 4 KiB, never empty.
absl::StatusOr<std::string> ReadCredentialFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument(flag, "CONFIG_INVALID", std::string("--") + flag + ": unreadable file");
  }
  std::string text(4097, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  if (text.empty() || text.size() > 4096) {
    return InvalidArgument(flag, "CONFIG_INVALID",
                           std::string("--") + flag + ": the file must hold 1..4096 bytes");
  }
  return text;
}

absl::Status Positive(absl::Duration d, const char* flag) {
  if (d <= absl::ZeroDuration()) {
    return InvalidArgument(flag, "CONFIG_INVALID", std::string("--") + flag + " must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TiersConfig> TiersConfigFromFlags() {
  TiersConfig c;
  c.tiers.hot_root = absl::GetFlag(FLAGS_hot_root);
  c.tiers.warm_root = absl::GetFlag(FLAGS_warm_root);
  c.tiers.cold.endpoint = absl::GetFlag(FLAGS_s3_endpoint);
  c.tiers.cold.bucket = absl::GetFlag(FLAGS_s3_bucket);
  c.tiers.cold.region = absl::GetFlag(FLAGS_s3_region);
  RETURN_IF_ERROR(Required(c.tiers.hot_root, "hot_root"));
  RETURN_IF_ERROR(Required(c.tiers.warm_root, "warm_root"));
  RETURN_IF_ERROR(Required(c.tiers.cold.endpoint, "s3_endpoint"));
  RETURN_IF_ERROR(Required(c.tiers.cold.bucket, "s3_bucket"));
  const std::string key_id_file = absl::GetFlag(FLAGS_s3_access_key_id_file);
  const std::string secret_file = absl::GetFlag(FLAGS_s3_secret_access_key_file);
  if (key_id_file.empty() != secret_file.empty()) {
    return InvalidArgument("s3_access_key_id_file", "CONFIG_INVALID",
                           "--s3_access_key_id_file and --s3_secret_access_key_file go together");
  }
  if (!key_id_file.empty()) {
    ASSIGN_OR_RETURN(c.tiers.cold.credentials.access_key_id,
                     ReadCredentialFile(key_id_file, "s3_access_key_id_file"));
    ASSIGN_OR_RETURN(c.tiers.cold.credentials.secret_access_key,
                     ReadCredentialFile(secret_file, "s3_secret_access_key_file"));
  } else {
    ASSIGN_OR_RETURN(c.tiers.cold.credentials,
                     storage::S3CredentialsFromEnv(storage::kColdCredentialsEnvPrefix));
  }
  RETURN_IF_ERROR(c.tiers.cold.Validate());

  c.mover.concurrency = absl::GetFlag(FLAGS_mover_concurrency);
  if (c.mover.concurrency < 1 || c.mover.concurrency > 64) {
    return InvalidArgument("mover_concurrency", "CONFIG_INVALID", "--mover_concurrency is 1..64");
  }
  c.mover.bandwidth_bytes_per_second = absl::GetFlag(FLAGS_mover_bandwidth_bytes_per_second);
  if (c.mover.bandwidth_bytes_per_second < 0) {
    return InvalidArgument("mover_bandwidth_bytes_per_second", "CONFIG_INVALID",
                           "--mover_bandwidth_bytes_per_second is at least 0");
  }
  c.mover.lease = absl::GetFlag(FLAGS_mover_lease);
  c.mover.step_timeout = absl::GetFlag(FLAGS_mover_step_timeout);
  c.mover.max_attempts = absl::GetFlag(FLAGS_mover_max_attempts);
  c.mover.retry_base = absl::GetFlag(FLAGS_mover_retry_base);
  c.mover.retry_max = absl::GetFlag(FLAGS_mover_retry_max);
  c.mover.park_retry = absl::GetFlag(FLAGS_mover_park_retry);
  c.mover.scratch_dir = absl::GetFlag(FLAGS_mover_scratch_dir);
  RETURN_IF_ERROR(Positive(c.mover.lease, "mover_lease"));
  RETURN_IF_ERROR(Positive(c.mover.step_timeout, "mover_step_timeout"));
  RETURN_IF_ERROR(Positive(c.mover.retry_base, "mover_retry_base"));
  RETURN_IF_ERROR(Positive(c.mover.retry_max, "mover_retry_max"));
  RETURN_IF_ERROR(Positive(c.mover.park_retry, "mover_park_retry"));
  if (c.mover.max_attempts < 1) {
    return InvalidArgument("mover_max_attempts", "CONFIG_INVALID",
                           "--mover_max_attempts is at least 1");
  }
  c.purger.interval = absl::GetFlag(FLAGS_purge_interval);
  RETURN_IF_ERROR(Positive(c.purger.interval, "purge_interval"));
  c.aging_interval = absl::GetFlag(FLAGS_aging_interval);
  c.aging_batch = absl::GetFlag(FLAGS_aging_batch);
  c.aging_test_clock = absl::GetFlag(FLAGS_aging_test_clock);
  RETURN_IF_ERROR(Positive(c.aging_interval, "aging_interval"));
  if (c.aging_batch < 1 || c.aging_batch > 10000) {
    return InvalidArgument("aging_batch", "CONFIG_INVALID", "--aging_batch is 1..10000");
  }
  return c;
}

}  // namespace shopcast::recording_lifecycle::mover
