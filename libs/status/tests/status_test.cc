#include "shopcast/status/status.h"

#include <catch2/catch.hpp>

namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return shopcast::InvalidArgument("x", "ODD", "x must be even");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

}  // namespace

TEST_CASE("Error carries code, reason, field and message") {
  absl::Status s = shopcast::Error(absl::StatusCode::kResourceExhausted, "SOLD_OUT",
                                   "no stock left", "quantity");
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK(s.message() == "no stock left");
  CHECK(shopcast::ReasonOf(s) == "SOLD_OUT");
  CHECK(shopcast::FieldOf(s) == "quantity");
  CHECK(shopcast::ReasonOf(absl::InternalError("x")).empty());
}

TEST_CASE("ASSIGN_OR_RETURN and RETURN_IF_ERROR propagate the first error") {
  CHECK(Quarter(8).value() == 2);
  absl::StatusOr<int> odd = Quarter(6);  // 6 -> 3 is odd
  REQUIRE_FALSE(odd.ok());
  CHECK(shopcast::ReasonOf(odd.status()) == "ODD");
  CHECK(CheckEven(4).ok());
  CHECK(CheckEven(5).code() == absl::StatusCode::kInvalidArgument);
}
