// The product_images flags: defaults, and out-of-range limits stop the start with a line naming
// the flag.
#include <catch2/catch.hpp>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "app/config.h"

ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(int, db_pool_size);
ABSL_DECLARE_FLAG(int64_t, image_max_upload_bytes);
ABSL_DECLARE_FLAG(int, image_max_per_product);
ABSL_DECLARE_FLAG(int, image_max_concurrent);
ABSL_DECLARE_FLAG(absl::Duration, image_gc_interval);
ABSL_DECLARE_FLAG(absl::Duration, image_gc_grace);

namespace shopcast::product_inventory {
namespace {

void Valid() {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=product_inventory");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_db_pool_size, 8);
  absl::SetFlag(&FLAGS_image_max_upload_bytes, 20 * 1024 * 1024);
  absl::SetFlag(&FLAGS_image_max_per_product, 8);
  absl::SetFlag(&FLAGS_image_max_concurrent, 2);
  absl::SetFlag(&FLAGS_image_gc_interval, absl::Minutes(15));
  absl::SetFlag(&FLAGS_image_gc_grace, absl::Hours(1));
}

void ExpectRefusedNaming(const std::string& flag) {
  auto c = LoadConfig();
  REQUIRE_FALSE(c.ok());
  CHECK(absl::StrContains(c.status().message(), flag));
  Valid();
}

TEST_CASE("product_images config: defaults") {
  Valid();
  auto c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->image_root.empty());  // uploads off until a folder is given
  CHECK(c->image_url_prefix == "/images/");
  CHECK(c->image_max_upload_bytes == 20 * 1024 * 1024);
  CHECK(c->image_max_per_product == 8);
  CHECK(c->image_max_concurrent == 2);
  CHECK(c->image_gc_interval == absl::Minutes(15));
  CHECK(c->image_gc_grace == absl::Hours(1));
}

TEST_CASE("product_images config: the rendition sweeper's interval and grace period") {
  Valid();
  absl::SetFlag(&FLAGS_image_gc_interval, absl::ZeroDuration());  // off
  auto off = LoadConfig();
  REQUIRE(off.ok());
  CHECK(off->image_gc_interval == absl::ZeroDuration());
  absl::SetFlag(&FLAGS_image_gc_interval, absl::Milliseconds(500));
  ExpectRefusedNaming("image_gc_interval");
  absl::SetFlag(&FLAGS_image_gc_interval, absl::Hours(25));
  ExpectRefusedNaming("image_gc_interval");
  absl::SetFlag(&FLAGS_image_gc_grace, absl::Seconds(30));
  ExpectRefusedNaming("image_gc_grace");
  absl::SetFlag(&FLAGS_image_gc_grace, absl::Hours(24 * 8));
  ExpectRefusedNaming("image_gc_grace");
}

TEST_CASE("product_images config: limits out of range stop the start") {
  Valid();
  absl::SetFlag(&FLAGS_image_max_upload_bytes, 1024);
  ExpectRefusedNaming("image_max_upload_bytes");
  absl::SetFlag(&FLAGS_image_max_upload_bytes, int64_t{1} << 30);
  ExpectRefusedNaming("image_max_upload_bytes");
  absl::SetFlag(&FLAGS_image_max_per_product, 0);
  ExpectRefusedNaming("image_max_per_product");
  // Decoding must leave the database work executor threads.
  absl::SetFlag(&FLAGS_image_max_concurrent, 8);
  ExpectRefusedNaming("image_max_concurrent");
  absl::SetFlag(&FLAGS_image_max_concurrent, 0);
  ExpectRefusedNaming("image_max_concurrent");
}

}  // namespace
}  // namespace shopcast::product_inventory
