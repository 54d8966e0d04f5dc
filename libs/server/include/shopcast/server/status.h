#pragma once

// The one place an absl::Status becomes a grpc::Status.

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace shopcast::server {

// Trailing metadata keys that carry the machine-readable error (see common/v1/error.proto).
inline constexpr char kReasonTrailer[] = "shopcast-error-reason";
inline constexpr char kFieldTrailer[] = "shopcast-error-field";

// Converts `s`, attaching its reason and field as trailing metadata on `ctx` (may be null).
// Any other payload of `s` under "type.shopcast.dev/<key>" is a fact for the caller and goes
// into ErrorInfo.metadata[<key>] (e.g. "retry_after_ms"). Details attached with
// shopcast::AttachDetail (shopcast/status/details.h) follow the ErrorInfo as Any messages.
// INTERNAL/UNKNOWN/DATA_LOSS messages are replaced by a generic text: internal detail never
// reaches a client (it is logged by the access log instead).
grpc::Status ToGrpcStatus(const absl::Status& s, grpc::ServerContextBase* ctx);

}  // namespace shopcast::server
