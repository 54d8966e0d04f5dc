#include "shopcast/server/status.h"

#include <catch2/catch.hpp>

#include "absl/strings/cord.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/status/details.h"
#include "shopcast/status/status.h"

TEST_CASE("caller errors keep their code and message") {
  auto g = shopcast::server::ToGrpcStatus(
      shopcast::InvalidArgument("email", "EMAIL_INVALID", "email is not valid"), nullptr);
  CHECK(g.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(g.error_message() == "email is not valid");
}

TEST_CASE("internal errors never leak their detail to the client") {
  auto g = shopcast::server::ToGrpcStatus(
      absl::InternalError("SQLSTATE 42P01 relation users does not exist"), nullptr);
  CHECK(g.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(g.error_message() == "internal error");
}

TEST_CASE("OK maps to OK") {
  CHECK(shopcast::server::ToGrpcStatus(absl::OkStatus(), nullptr).ok());
}

TEST_CASE("status details carry an ErrorInfo with the reason and field") {
  auto g = shopcast::server::ToGrpcStatus(
      shopcast::Error(absl::StatusCode::kResourceExhausted, "LOGIN_THROTTLED", "wait", "login"),
      nullptr);
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(g.error_details()));
  CHECK(details.code() == static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  REQUIRE(details.details_size() == 1);
  shopcast::common::v1::ErrorInfo info;
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.reason() == "LOGIN_THROTTLED");
  CHECK(info.field() == "login");
}

TEST_CASE("error metadata reaches ErrorInfo.metadata — reason and field stay out of it") {
  absl::Status s =
      shopcast::Error(absl::StatusCode::kResourceExhausted, "CHAT_RATE_LIMITED", "wait");
  s.SetPayload("type.shopcast.dev/retry_after_ms", absl::Cord("1200"));
  s.SetPayload("type.other.dev/x", absl::Cord("ignored"));
  auto g = shopcast::server::ToGrpcStatus(s, nullptr);
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(g.error_details()));
  shopcast::common::v1::ErrorInfo info;
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.reason() == "CHAT_RATE_LIMITED");
  REQUIRE(info.metadata_size() == 1);
  CHECK(info.metadata().at("retry_after_ms") == "1200");
}

TEST_CASE("attached details follow the ErrorInfo as Any messages") {
  absl::Status s = shopcast::InvalidArgument("name", "NAME_INVALID", "bad");
  shopcast::common::v1::ErrorInfo extra;
  extra.set_reason("SECOND");
  shopcast::AttachDetail(s, "shopcast.common.v1.ErrorInfo", extra.SerializeAsString());
  REQUIRE(shopcast::DetailOf(s, "shopcast.common.v1.ErrorInfo").has_value());
  auto g = shopcast::server::ToGrpcStatus(s, nullptr);
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(g.error_details()));
  REQUIRE(details.details_size() == 2);
  shopcast::common::v1::ErrorInfo first, second;
  REQUIRE(details.details(0).UnpackTo(&first));
  REQUIRE(details.details(1).UnpackTo(&second));
  CHECK(first.reason() == "NAME_INVALID");
  CHECK(second.reason() == "SECOND");
  CHECK(first.metadata_size() == 0);
}
