#include "storage/retry.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

TEST_CASE("retry: the backoff cap doubles per attempt and never passes the maximum", "[retry]") {
  RetryPolicy p{6, absl::Milliseconds(100), absl::Milliseconds(1000)};
  CHECK(BackoffCap(p, 1) == absl::Milliseconds(100));
  CHECK(BackoffCap(p, 2) == absl::Milliseconds(200));
  CHECK(BackoffCap(p, 3) == absl::Milliseconds(400));
  CHECK(BackoffCap(p, 4) == absl::Milliseconds(800));
  CHECK(BackoffCap(p, 5) == absl::Milliseconds(1000));
  CHECK(BackoffCap(p, 60) == absl::Milliseconds(1000));  // no overflow however many
}

TEST_CASE("retry: full jitter spans [0, cap]", "[retry]") {
  RetryPolicy p{4, absl::Milliseconds(100), absl::Seconds(5)};
  CHECK(BackoffDelay(p, 3, 0.0) == absl::ZeroDuration());
  CHECK(BackoffDelay(p, 3, 0.5) == absl::Milliseconds(200));
  CHECK(BackoffDelay(p, 3, 1.0) == absl::Milliseconds(400));
  CHECK(BackoffDelay(p, 3, 7.0) == absl::Milliseconds(400));  // clamped
  CHECK(BackoffDelay(p, 3, -1.0) == absl::ZeroDuration());
}

TEST_CASE("retry: only network-ish failures are retried", "[retry]") {
  CHECK(IsRetryable(absl::UnavailableError("503")));
  CHECK(IsRetryable(absl::DeadlineExceededError("timeout")));
  CHECK_FALSE(IsRetryable(absl::NotFoundError("404")));
  CHECK_FALSE(IsRetryable(absl::DataLossError("checksum")));
  CHECK_FALSE(IsRetryable(absl::ResourceExhaustedError("disk full")));
  CHECK_FALSE(IsRetryable(absl::PermissionDeniedError("403")));
  CHECK_FALSE(IsRetryable(absl::OkStatus()));
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage
