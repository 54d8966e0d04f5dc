#include "shopcast/server/status.h"

#include <catch2/catch.hpp>

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
