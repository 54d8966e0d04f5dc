#include "shopcast/timing/backoff.h"

#include <catch2/catch.hpp>

namespace {

using shopcast::timing::BackoffPolicy;
using shopcast::timing::JitteredBackoff;

}  // namespace

TEST_CASE("backoff doubles per failure within [d/2, d] and stops at the cap") {
  const BackoffPolicy p{absl::Milliseconds(100), absl::Seconds(1)};
  const absl::Duration expected[] = {absl::Milliseconds(100), absl::Milliseconds(200),
                                     absl::Milliseconds(400), absl::Milliseconds(800),
                                     absl::Seconds(1),        absl::Seconds(1)};
  for (int failures = 1; failures <= 6; ++failures) {
    for (int draw = 0; draw < 50; ++draw) {
      const absl::Duration d = JitteredBackoff(p, failures);
      INFO("failures=" << failures << " delay=" << absl::FormatDuration(d));
      CHECK(d >= expected[failures - 1] / 2);
      CHECK(d <= expected[failures - 1]);
    }
  }
}

TEST_CASE("backoff is jittered, so retries that failed together spread out") {
  const BackoffPolicy p{absl::Milliseconds(100), absl::Seconds(1)};
  const absl::Duration first = JitteredBackoff(p, 3);
  bool differs = false;
  for (int i = 0; i < 100 && !differs; ++i) differs = JitteredBackoff(p, 3) != first;
  CHECK(differs);
}

TEST_CASE("backoff survives absurd failure counts") {
  const BackoffPolicy p{absl::Milliseconds(5), absl::Milliseconds(250)};
  CHECK(JitteredBackoff(p, 1 << 30) <= absl::Milliseconds(250));
  CHECK(JitteredBackoff(p, 0) <= absl::Milliseconds(5));
  CHECK(JitteredBackoff(p, -7) >= absl::Microseconds(2500));
}
