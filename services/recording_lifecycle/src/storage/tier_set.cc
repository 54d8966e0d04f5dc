#include "storage/tier_set.h"

#include <utility>

#include "shopcast/status/status.h"
#include "storage/filesystem_provider.h"
#include "storage/s3_provider.h"

namespace shopcast::recording_lifecycle::storage {

absl::StatusOr<std::unique_ptr<TierSet>> TierSet::Create(TierSetConfig config,
                                                         StorageMetrics* metrics) {
  if (config.hot_root.empty()) {
    return InvalidArgument("hot_root", "STORAGE_CONFIG_INVALID", "hot_root is required");
  }
  if (config.warm_root.empty()) {
    return InvalidArgument("warm_root", "STORAGE_CONFIG_INVALID", "warm_root is required");
  }
  if (config.hot_root == config.warm_root) {
    return InvalidArgument("warm_root", "STORAGE_CONFIG_INVALID",
                           "warm_root must differ from hot_root");
  }
  auto hot = FilesystemProvider::Open(config.hot_name, config.hot_root, metrics);
  if (!hot.ok()) return hot.status();
  auto warm = FilesystemProvider::Open(config.warm_name, config.warm_root, metrics);
  if (!warm.ok()) return warm.status();
  auto cold = S3Provider::Create(std::move(config.cold), metrics);
  if (!cold.ok()) return cold.status();
  return std::make_unique<TierSet>(std::move(*hot), std::move(*warm), std::move(*cold));
}

TierSet::TierSet(std::unique_ptr<StorageProvider> hot, std::unique_ptr<StorageProvider> warm,
                 std::unique_ptr<StorageProvider> cold)
    : providers_{std::move(hot), std::move(warm), std::move(cold)} {}

StorageProvider* TierSet::Provider(int tier) const {
  if (tier < kTierHot || tier > kTierCold) return nullptr;
  return providers_[tier - 1].get();
}

const char* TierName(int tier) {
  switch (tier) {
    case kTierHot:
      return "HOT";
    case kTierWarm:
      return "WARM";
    case kTierCold:
      return "COLD";
    case kTierExpired:
      return "EXPIRED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace shopcast::recording_lifecycle::storage
