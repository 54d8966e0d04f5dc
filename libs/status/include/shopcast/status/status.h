#pragma once

// Errors with a machine-readable reason. Domain, store and client code return absl::Status
// built with Error(); the RPC edge turns it into a grpc::Status carrying the reason.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast {

// Payload keys under which the reason and offending field travel inside an absl::Status.
inline constexpr char kReasonPayload[] = "type.shopcast.dev/reason";
inline constexpr char kFieldPayload[] = "type.shopcast.dev/field";

// A status with `code`, a stable UPPER_SNAKE_CASE `reason`, a message safe to show the caller,
// and optionally the request field it is about.
absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   absl::string_view field = {});

// Shorthands for the common cases.
absl::Status InvalidArgument(absl::string_view field, absl::string_view reason,
                             absl::string_view message);
absl::Status NotFound(absl::string_view reason, absl::string_view message);
absl::Status PermissionDenied(absl::string_view reason, absl::string_view message);
absl::Status Unauthenticated(absl::string_view reason, absl::string_view message);

// The reason of `s`, or "" when it has none.
std::string ReasonOf(const absl::Status& s);
// The field of `s`, or "" when it has none.
std::string FieldOf(const absl::Status& s);

}  // namespace shopcast

#define SHOPCAST_CONCAT_INNER_(a, b) a##b
#define SHOPCAST_CONCAT_(a, b) SHOPCAST_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                                                                    \
  do {                                                                                           \
    if (absl::Status shopcast_status_ = (expr); !shopcast_status_.ok()) return shopcast_status_; \
  } while (false)

// `lhs = value of expr` (an absl::StatusOr), or returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(SHOPCAST_CONCAT_(shopcast_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)   \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
