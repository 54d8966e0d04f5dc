#include "shopcast/clients/call.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

TEST_CASE("an outgoing call without a parent gets the given timeout") {
  grpc::ClientContext ctx;
  absl::Time now = absl::Now();
  shopcast::clients::PrepareContext(ctx, nullptr, absl::Seconds(2), now);
  absl::Time deadline = absl::FromChrono(ctx.deadline());
  CHECK(absl::AbsDuration(deadline - (now + absl::Seconds(2))) < absl::Milliseconds(1));
}

TEST_CASE("a peer that is down is UNAVAILABLE with a reason, not INTERNAL") {
  grpc::ClientContext ctx;
  auto s = shopcast::clients::FromPeerStatus(
      "product-inventory", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"), ctx);
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(shopcast::ReasonOf(s) == "PEER_UNAVAILABLE");
}

TEST_CASE("a caller error from a peer keeps its code") {
  grpc::ClientContext ctx;
  auto s = shopcast::clients::FromPeerStatus(
      "order", grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "sold out"), ctx);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(s.message() == "sold out");
}

TEST_CASE("a missing peer address is refused at startup") {
  auto ch = shopcast::clients::MakeChannel("user", "");
  REQUIRE_FALSE(ch.ok());
  CHECK(shopcast::ReasonOf(ch.status()) == "PEER_ADDRESS_MISSING");
  CHECK(shopcast::clients::MakeChannel("user", "127.0.0.1:1").ok());
}
