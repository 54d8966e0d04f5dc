#pragma once

// The three storage tiers a recording ages through, built from configuration: the hot
// filesystem (video-ingest's segment root), the warm filesystem (another path/volume) and the
// cold S3-compatible store. The mover, the purger and playback take a TierSet and ask it for the
// provider of a StorageTier number (1 HOT, 2 WARM, 3 COLD; EXPIRED has none).
//
// Configuration (the app fills TierSetConfig from its flags; each flag also reads
// SHOPCAST_RECORDING_LIFECYCLE_<FLAG> through shopcast::config):
//   --hot_root           hot tier root (video-ingest's segment root)           required
//   --warm_root          warm tier root                                       required
//   --s3_endpoint        cold store, scheme://host[:port]                     required
//   --s3_bucket          cold bucket                                          required
//   --s3_region          default us-east-1
// Credentials never come from flags: RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID,
// RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY (and optionally _SESSION_TOKEN), each as the value or
// as <name>_FILE naming a mounted Secret (storage/s3_config.h, S3CredentialsFromEnv).

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/s3_config.h"
#include "storage/storage_metrics.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {

// StorageTier numbers (shopcast.recording_lifecycle.v1.StorageTier).
inline constexpr int kTierHot = 1;
inline constexpr int kTierWarm = 2;
inline constexpr int kTierCold = 3;
inline constexpr int kTierExpired = 4;

// The environment prefix S3CredentialsFromEnv reads the cold store's credentials with.
inline constexpr char kColdCredentialsEnvPrefix[] = "RECORDING_LIFECYCLE_S3";

struct TierSetConfig {
  std::string hot_name = "local-hot";
  std::string hot_root;
  std::string warm_name = "local-warm";
  std::string warm_root;
  // name (default "archive-cold"), endpoint, region, bucket, credentials, timeouts, retries.
  S3Options cold;

  TierSetConfig() { cold.name = "archive-cold"; }
};

class TierSet {
 public:
  // Opens the hot and warm roots (must exist) and validates the cold options; INVALID_ARGUMENT
  // or FAILED_PRECONDITION naming the setting. `metrics` may be null; it outlives the set.
  static absl::StatusOr<std::unique_ptr<TierSet>> Create(TierSetConfig config,
                                                         StorageMetrics* metrics = nullptr);
  // Any three providers (tests put a fault proxy in front of the cold store).
  TierSet(std::unique_ptr<StorageProvider> hot, std::unique_ptr<StorageProvider> warm,
          std::unique_ptr<StorageProvider> cold);

  // The provider of tier 1..3; nullptr for anything else (EXPIRED, UNSPECIFIED).
  StorageProvider* Provider(int tier) const;
  StorageProvider& hot() const { return *providers_[0]; }
  StorageProvider& warm() const { return *providers_[1]; }
  StorageProvider& cold() const { return *providers_[2]; }

 private:
  std::array<std::unique_ptr<StorageProvider>, 3> providers_;
};

// "HOT", "WARM", "COLD", "EXPIRED" (logs, metric labels); "UNSPECIFIED" otherwise.
const char* TierName(int tier);

}  // namespace shopcast::recording_lifecycle::storage
