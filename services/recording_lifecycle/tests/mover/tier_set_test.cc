// The tiers from configuration: TierSet::Create's checks and TiersConfigFromFlags (flags plus
// the cold store's credentials from the environment, never from a flag).

#include "storage/tier_set.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "mover/tiers_flags.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

ABSL_DECLARE_FLAG(std::string, hot_root);
ABSL_DECLARE_FLAG(std::string, warm_root);
ABSL_DECLARE_FLAG(std::string, s3_endpoint);
ABSL_DECLARE_FLAG(std::string, s3_bucket);
ABSL_DECLARE_FLAG(int32_t, mover_concurrency);
ABSL_DECLARE_FLAG(absl::Duration, mover_lease);

namespace shopcast::recording_lifecycle {
namespace {

storage::TierSetConfig Config(const shopcast::testing::TempDir& dir) {
  storage::TierSetConfig c;
  std::filesystem::create_directories(dir.path() / "hot");
  std::filesystem::create_directories(dir.path() / "warm");
  c.hot_root = dir.File("hot");
  c.warm_root = dir.File("warm");
  c.cold.endpoint = "http://127.0.0.1:9";
  c.cold.bucket = "cold";
  c.cold.credentials = {"AKID", "secret", ""};
  return c;
}

TEST_CASE("TierSet::Create opens the three tiers and refuses bad settings", "[tiers]") {
  shopcast::testing::TempDir dir;
  auto set = storage::TierSet::Create(Config(dir));
  REQUIRE(set.ok());
  CHECK((*set)->Provider(1)->name() == "local-hot");
  CHECK((*set)->Provider(2)->name() == "local-warm");
  CHECK((*set)->Provider(3)->name() == "archive-cold");
  CHECK((*set)->Provider(4) == nullptr);
  CHECK((*set)->Provider(0) == nullptr);

  storage::TierSetConfig c = Config(dir);
  c.hot_root.clear();
  CHECK(FieldOf(storage::TierSet::Create(c).status()) == "hot_root");
  c = Config(dir);
  c.warm_root = c.hot_root;
  CHECK(FieldOf(storage::TierSet::Create(c).status()) == "warm_root");
  c = Config(dir);
  c.warm_root = dir.File("missing");
  CHECK_FALSE(storage::TierSet::Create(c).ok());
  c = Config(dir);
  c.cold.bucket.clear();
  CHECK(storage::TierSet::Create(c).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("TiersConfigFromFlags: required flags, ranges, credentials from the environment",
          "[tiers]") {
  unsetenv("RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID");
  unsetenv("RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY");
  CHECK(FieldOf(mover::TiersConfigFromFlags().status()) == "hot_root");
  absl::SetFlag(&FLAGS_hot_root, "/srv/hot");
  absl::SetFlag(&FLAGS_warm_root, "/srv/warm");
  absl::SetFlag(&FLAGS_s3_endpoint, "http://127.0.0.1:4568");
  CHECK(FieldOf(mover::TiersConfigFromFlags().status()) == "s3_bucket");
  absl::SetFlag(&FLAGS_s3_bucket, "shopcast-cold");
  // No credentials: refused, naming the variable, never a value.
  absl::Status missing = mover::TiersConfigFromFlags().status();
  CHECK(missing.code() == absl::StatusCode::kInvalidArgument);
  setenv("RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY", "very-secret", 1);
  auto c = mover::TiersConfigFromFlags();
  REQUIRE(c.ok());
  CHECK(c->tiers.cold.credentials.access_key_id == "AKIDEXAMPLE");
  CHECK(c->mover.concurrency == 2);
  CHECK(c->aging_batch == 100);
  absl::SetFlag(&FLAGS_mover_concurrency, 0);
  CHECK(FieldOf(mover::TiersConfigFromFlags().status()) == "mover_concurrency");
  absl::SetFlag(&FLAGS_mover_concurrency, 4);
  absl::SetFlag(&FLAGS_mover_lease, absl::ZeroDuration());
  absl::Status lease = mover::TiersConfigFromFlags().status();
  CHECK(FieldOf(lease) == "mover_lease");
  CHECK(lease.message().find("very-secret") == std::string::npos);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle
